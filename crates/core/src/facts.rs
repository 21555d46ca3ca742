//! Derived facts and quality flags, computed from a normalized trajectory.
//!
//! Everything here is derived data: a pure function of the `Trajectory`, recomputable from the
//! stored record at any time. It owns the flag names (a stable contract: `flag:<name>` in queries),
//! the loop definition, patch statistics and the test-file / stray-file heuristics. It does not
//! store anything.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::model::{Role, ToolCall, Trajectory};

/// A quality flag. The names are a stable contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// The final patch is missing or empty.
    EmptyPatch,
    /// No finish/submit action.
    NoFinish,
    /// The run ended on an iteration, cost or context limit.
    HitLimit,
    /// The same action repeated (see [`LOOP_DEFINITION`]).
    Loop,
    /// A bash command runs python, pytest, mypy, pip or apt (the SWE-ZERO ban).
    RanTests,
    /// The patch or the edits touch test files.
    EditedTests,
    /// The patch adds repro/debug scripts or agent scratch files.
    StrayFiles,
    /// An observation reports a tool error.
    ToolErrors,
}

impl Flag {
    /// Every flag, in bit order.
    pub const ALL: [Flag; 8] = [
        Flag::EmptyPatch,
        Flag::NoFinish,
        Flag::HitLimit,
        Flag::Loop,
        Flag::RanTests,
        Flag::EditedTests,
        Flag::StrayFiles,
        Flag::ToolErrors,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::EmptyPatch => "empty_patch",
            Flag::NoFinish => "no_finish",
            Flag::HitLimit => "hit_limit",
            Flag::Loop => "loop",
            Flag::RanTests => "ran_tests",
            Flag::EditedTests => "edited_tests",
            Flag::StrayFiles => "stray_files",
            Flag::ToolErrors => "tool_errors",
        }
    }

    /// Parses a stable name.
    pub fn from_name(name: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The bit of this flag in a [`FlagSet`].
    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of flags as a bitmask (bit i = `Flag::ALL[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FlagSet(pub u32);

impl FlagSet {
    /// Adds a flag.
    pub fn insert(&mut self, f: Flag) {
        self.0 |= f.bit();
    }
    /// Whether a flag is set.
    pub fn contains(self, f: Flag) -> bool {
        self.0 & f.bit() != 0
    }
    /// The set flags in order.
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

/// Statistics of a unified diff.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchStats {
    /// Paths of the files the patch touches (the `b/` side; the `a/` side for deletions).
    pub files: Vec<String>,
    /// Added lines.
    pub added: u64,
    /// Removed lines.
    pub removed: u64,
    /// Files per language, by extension (`python`, `c`, `cpp`, `go`, … or `other`).
    pub languages: BTreeMap<String, u32>,
    /// Paths of files the patch creates (`new file mode` or `--- /dev/null`).
    pub created: Vec<String>,
}

/// One tool call, flattened for step-level conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFact {
    /// Step index.
    pub step: usize,
    /// Tool name.
    pub tool: String,
    /// The bash command, or for editor calls `"<command> <path>"`; empty when neither applies.
    pub cmd: String,
    /// Exit code stated by the observation.
    pub exit_code: Option<i64>,
}

/// Everything derived from one trajectory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    /// Number of steps.
    pub steps: u64,
    /// Number of tool calls.
    pub tool_calls: u64,
    /// Tool calls per tool name.
    pub tool_counts: BTreeMap<String, u32>,
    /// Every tool call, flattened.
    pub calls: Vec<CallFact>,
    /// Files the agent edited through editor calls (create/str_replace/insert/edit), in first-seen
    /// order; for SWE-agent also `create <path>` and `edit`/`insert` of the file last opened.
    pub edited_files: Vec<String>,
    /// Patch statistics (default when there is no patch).
    pub patch: PatchStats,
    /// Quality flags.
    pub flags: FlagSet,
}

/// Whether a tool name is a file editor (its `command` argument is an editor sub-command, not a
/// shell command).
pub fn is_editor_tool(name: &str) -> bool {
    matches!(name, "str_replace_editor" | "str_replace_based_edit_tool" | "edit_file" | "editor")
}

/// Whether a tool name is a shell: its `command` argument is a shell command line. These are the
/// calls the `ran_tests` check reads.
pub fn is_bash_tool(name: &str) -> bool {
    BASH_TOOLS.iter().any(|t| t.eq_ignore_ascii_case(name))
}

/// Tool names treated as shells (compared ASCII case-insensitively).
pub const BASH_TOOLS: &[&str] =
    &["execute_bash", "bash", "run", "shell", "terminal", "execute_command", "run_command", "cmd_run"];

/// Tool names whose every call runs Python code (OpenHands' IPython tool); they set `ran_tests`.
pub const PYTHON_TOOLS: &[&str] = &["execute_ipython_cell", "ipython", "python"];

/// Editor sub-commands that change a file; their `path` goes to [`Facts::edited_files`].
pub const EDIT_COMMANDS: &[&str] = &["create", "str_replace", "insert", "edit", "write", "append"];

// ---------------------------------------------------------------------------------------------
// Loop
// ---------------------------------------------------------------------------------------------

/// A run of identical consecutive actions at least this long is a loop.
pub const LOOP_MIN_CONSECUTIVE: usize = 3;

/// The same action answered by the same observation at least this many times anywhere in the
/// trajectory is a loop.
pub const LOOP_MIN_SAME_RESULT: usize = 4;

/// Tools that are not actions for the loop check (compared ASCII case-insensitively).
pub const LOOP_EXCLUDED_TOOLS: &[&str] = &["think", "finish", "submit"];

/// Argument keys that are commentary or execution settings, not part of the action, and are left
/// out of the action key (only at the top level of the arguments object).
pub const LOOP_IGNORED_ARGUMENTS: &[&str] =
    &["thought", "security_risk", "timeout", "confirmation_state", "hidden", "blocking"];

/// The `loop` flag: the agent repeats itself without making progress.
///
/// An *action* is a tool call identified by its tool name plus the canonical form of its
/// arguments: object keys sorted, string values trimmed of surrounding whitespace, and the
/// top-level keys `thought`, `security_risk`, `timeout`, `confirmation_state`, `hidden` and
/// `blocking` left out. Calls of `think`, `finish` and `submit` are not actions and are removed from
/// the sequence before counting (so a `think` between two identical calls does not break a run).
/// A trajectory loops when
///
/// 1. the same action occurs at least 3 times in a row ([`LOOP_MIN_CONSECUTIVE`]), whatever the
///    observations say; or
/// 2. the same action gets the same observation (compared after trimming whitespace; a missing
///    observation equals a missing one) at least 4 times anywhere in the trajectory
///    ([`LOOP_MIN_SAME_RESULT`]).
///
/// Rule 2 looks at the observation so that re-running a script after each edit (a new output each
/// time: progress) is not a loop, while retrying an identical failing `str_replace` is.
pub const LOOP_DEFINITION: &str = "An action is a tool call identified by its tool name plus the \
canonical form of its arguments (object keys sorted, string values trimmed, and the top-level keys \
thought, security_risk, timeout, confirmation_state, hidden and blocking left out). Calls of think, \
finish and submit are not actions and are removed from the sequence before counting. A trajectory \
loops when the same action occurs at least 3 times in a row (whatever the observations), or when \
the same action gets the same observation (trimmed; missing equals missing) at least 4 times \
anywhere in the trajectory. Re-running a command whose output changes each time is progress, not \
a loop.";

/// A 64-bit key identifying an action (tool name + canonical arguments), see [`LOOP_DEFINITION`].
pub fn action_key(call: &ToolCall) -> u64 {
    let mut h = DefaultHasher::new();
    call.name.hash(&mut h);
    0xffu8.hash(&mut h);
    match &call.arguments {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| !LOOP_IGNORED_ARGUMENTS.contains(&k.as_str())).collect();
            keys.sort_unstable();
            b'{'.hash(&mut h);
            for k in keys {
                k.hash(&mut h);
                hash_canonical(&map[k.as_str()], &mut h);
            }
        }
        other => hash_canonical(other, &mut h),
    }
    h.finish()
}

fn hash_canonical(v: &Value, h: &mut DefaultHasher) {
    match v {
        Value::Null => 0u8.hash(h),
        Value::Bool(b) => (1u8, *b).hash(h),
        Value::Number(n) => (2u8, n.to_string()).hash(h),
        Value::String(s) => (3u8, s.trim()).hash(h),
        Value::Array(items) => {
            (4u8, items.len()).hash(h);
            for item in items {
                hash_canonical(item, h);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            (5u8, keys.len()).hash(h);
            for k in keys {
                k.hash(h);
                hash_canonical(&map[k.as_str()], h);
            }
        }
    }
}

/// Whether a sequence of calls loops, see [`LOOP_DEFINITION`].
fn has_loop<'a>(calls: impl Iterator<Item = &'a ToolCall>) -> bool {
    let actions: Vec<(u64, &ToolCall)> = calls
        .filter(|c| !LOOP_EXCLUDED_TOOLS.iter().any(|t| t.eq_ignore_ascii_case(&c.name)))
        .map(|c| (action_key(c), c))
        .collect();
    // Rule 1: a run of the same action.
    let mut run = 0usize;
    for (i, (key, _)) in actions.iter().enumerate() {
        run = if i > 0 && actions[i - 1].0 == *key { run + 1 } else { 1 };
        if run >= LOOP_MIN_CONSECUTIVE {
            return true;
        }
    }
    // Rule 2: the same action with the same observation. Observations are hashed only for
    // actions that occur often enough to matter.
    let mut totals: HashMap<u64, usize> = HashMap::new();
    for (key, _) in &actions {
        *totals.entry(*key).or_insert(0) += 1;
    }
    let mut results: HashMap<(u64, u64), usize> = HashMap::new();
    for (key, call) in &actions {
        if totals[key] < LOOP_MIN_SAME_RESULT {
            continue;
        }
        let mut h = DefaultHasher::new();
        call.observation.as_deref().map(str::trim).hash(&mut h);
        let n = results.entry((*key, h.finish())).or_insert(0);
        *n += 1;
        if *n >= LOOP_MIN_SAME_RESULT {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Finish and limits
// ---------------------------------------------------------------------------------------------

/// Markers in a shell command that mean mini-swe-agent's submit (`echo
/// COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff …`, older `MINI_SWE_AGENT_FINAL_OUTPUT`).
pub const SUBMIT_MARKERS: &[&str] = &["COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT"];

/// Whether a call is a finish action: a tool named `finish` or `submit` (any case), or a shell
/// command whose first word is `submit` (SWE-agent) or that contains a [`SUBMIT_MARKERS`] entry
/// (mini-swe-agent).
pub fn is_finish_call(call: &ToolCall) -> bool {
    if call.name.eq_ignore_ascii_case("finish") || call.name.eq_ignore_ascii_case("submit") {
        return true;
    }
    let Some(cmd) = call.command() else {
        return false;
    };
    let first = cmd.split_whitespace().next().unwrap_or("");
    first.eq_ignore_ascii_case("submit") || SUBMIT_MARKERS.iter().any(|m| cmd.contains(m))
}

/// What `hit_limit` looks for (case-insensitively) in `outcome.exit_status` and `outcome.error`.
pub const LIMIT_PATTERN: &str = concat!(
    r"(?i)limits_?exceeded|exit_cost|exit_context|cost limit|cost_limit",
    r"|maximum iteration|max_iterations|max iterations|iteration limit",
    r"|maximum number of (?:steps|iterations|turns)|step limit",
    r"|context length|context_length|context window|contextwindowexceeded|maximum context",
    r"|token limit|too many tokens",
);

static LIMIT_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(LIMIT_PATTERN).expect("valid"));

/// Whether an exit status or error text says the run stopped on an iteration, cost or context
/// limit ([`LIMIT_PATTERN`]).
pub fn is_limit_text(text: &str) -> bool {
    LIMIT_RE.is_match(text)
}

// ---------------------------------------------------------------------------------------------
// Tool errors
// ---------------------------------------------------------------------------------------------

/// Phrases that mean a tool error in the observation of any call, and in orphan tool results.
pub const TOOL_ERROR_PHRASES: &[&str] = &[
    // OpenHands str_replace_editor
    "No replacement was performed",
    "Invalid `path` parameter",
    "Invalid `view_range` parameter",
    "Invalid `insert_line` parameter",
    "Invalid `new_str` parameter",
    "Invalid `old_str` parameter",
    "Unrecognized command",
    "[Error occurred in processing last action]",
    // OpenHands function-call validation
    "FunctionCallValidationError",
    "FunctionCallNotExistsError",
    "Missing required argument",
    // SWE-agent 0.x
    "Your proposed edit has introduced new syntax error(s)",
    "No file open. Use the open command first",
    "Usage: edit <start_line>:<end_line>",
];

/// Line patterns (multi-line mode: `^` and `$` match at line boundaries) that mean a tool error in
/// the observation of any call (the shell could not find the program the agent asked for).
pub const TOOL_ERROR_LINE_PATTERN: &str = r": command not found\s*$|^Command not found|^Error: Command .* not found";

/// The phrases alone: pure literals, which the regex crate searches with a SIMD prefilter.
static TOOL_ERROR_PHRASES_RE: LazyLock<Regex> = LazyLock::new(|| {
    let alternation: Vec<String> = TOOL_ERROR_PHRASES.iter().map(|p| regex::escape(p)).collect();
    Regex::new(&alternation.join("|")).expect("valid")
});

/// The line patterns; anchored alternatives defeat prefiltering, so they run only on observations
/// that contain "ommand" and "not found" at all.
static TOOL_ERROR_LINE_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("(?m){TOOL_ERROR_LINE_PATTERN}")).expect("valid"));

fn matches_tool_error_text(observation: &str) -> bool {
    TOOL_ERROR_PHRASES_RE.is_match(observation)
        || (observation.contains("not found")
            && observation.contains("ommand")
            && TOOL_ERROR_LINE_RE.is_match(observation))
}

/// Whether the observation of a call of `tool` reports a tool error. The rules, in order:
///
/// 1. any tool: one of [`TOOL_ERROR_PHRASES`] occurs, or a line matches
///    [`TOOL_ERROR_LINE_PATTERN`] (`…: command not found`, `Command not found…`);
/// 2. non-shell tools only (editors, custom tools): the observation starts with `ERROR:` (after
///    leading whitespace), or contains `Traceback (most recent call last)`: the tool itself failed.
///    In a shell a traceback is the program's output, not a tool error.
pub fn is_tool_error(tool: Option<&str>, observation: &str) -> bool {
    if matches_tool_error_text(observation) {
        return true;
    }
    match tool {
        Some(name) if !is_bash_tool(name) => {
            observation.trim_start().starts_with("ERROR:") || observation.contains("Traceback (most recent call last)")
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Paths: languages, test files, stray files
// ---------------------------------------------------------------------------------------------

/// The language of a file path, by extension (and a few well-known file names).
pub fn language_of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "Gemfile" | "Rakefile" => return "ruby",
        "Dockerfile" | "Makefile" | "CMakeLists.txt" => return "other",
        _ => {}
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return "other";
    };
    match ext.to_ascii_lowercase().as_str() {
        "py" | "pyi" | "pyx" | "pxd" => "python",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "h++" | "ipp" => "cpp",
        "go" => "go",
        "java" => "java",
        "js" | "jsx" | "mjs" | "cjs" => "javascript",
        "ts" | "tsx" | "mts" | "cts" => "typescript",
        "php" | "phpt" => "php",
        "rb" | "rake" | "gemspec" => "ruby",
        "rs" => "rust",
        "md" | "markdown" => "markdown",
        "json" => "json",
        "yaml" | "yml" => "yaml",
        "toml" => "toml",
        "sh" | "bash" | "zsh" => "shell",
        _ => "other",
    }
}

/// Whether a path is a test file: a directory component named `test`, `tests`, `testing` or
/// `__tests__`, or a file name `test_*.py`, `*_test.py`, `*_test.go`, `*Test.java`,
/// `*Tests.java`, `*.test.{js,jsx,ts,tsx,mjs,cjs}`, `*.spec.{js,jsx,ts,tsx}`, `*_spec.rb` or
/// `conftest.py`. Absolute and repository-relative paths both work.
pub fn is_test_path(path: &str) -> bool {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let Some(name) = parts.next_back() else {
        return false;
    };
    if parts.any(|dir| matches!(dir, "test" | "tests" | "testing" | "__tests__")) {
        return true;
    }
    if name == "conftest.py" || (name.starts_with("test_") && name.ends_with(".py")) {
        return true;
    }
    const SUFFIXES: &[&str] = &[
        "_test.py",
        "_test.go",
        "Test.java",
        "Tests.java",
        "_spec.rb",
        ".test.js",
        ".test.jsx",
        ".test.ts",
        ".test.tsx",
        ".test.mjs",
        ".test.cjs",
        ".spec.js",
        ".spec.jsx",
        ".spec.ts",
        ".spec.tsx",
    ];
    SUFFIXES.iter().any(|s| name.len() > s.len() && name.ends_with(s))
}

/// File-name prefixes (lowercased) of agent scratch scripts, stray when created at the
/// repository root.
pub const SCRATCH_PREFIXES: &[&str] =
    &["reproduce", "repro_", "repro.", "debug_", "test_fix", "comprehensive_test", "verify_", "check_"];

/// File-name prefixes (lowercased) stray at any depth: nobody adds these to a project on purpose.
pub const SCRATCH_PREFIXES_ANYWHERE: &[&str] = &["reproduce", "comprehensive_test"];

/// File-name suffixes (lowercased) of leftovers, stray at any depth.
pub const LEFTOVER_SUFFIXES: &[&str] = &[".orig", ".rej", ".bak", ".patch", ".diff"];

/// Whether a file the patch *creates* is agent scratch (the `stray_files` rule). A created path
/// is stray when any holds:
///
/// 1. it lies under a `.openhands/` directory, or its name is `TASKS.md`;
/// 2. its name ends with `.orig`, `.rej`, `.bak`, `.patch` or `.diff` ([`LEFTOVER_SUFFIXES`]);
/// 3. its name starts with `reproduce` or `comprehensive_test`, at any depth
///    ([`SCRATCH_PREFIXES_ANYWHERE`]);
/// 4. it is at the repository root (no directory) and its name starts with `reproduce`, `repro_`,
///    `repro.`, `debug_`, `test_fix`, `comprehensive_test`, `verify_` or `check_`
///    ([`SCRATCH_PREFIXES`]).
///
/// Names are compared lowercased. Only created files count: editing an existing `check_x.py`
/// is not stray.
pub fn is_stray_path(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    };
    if dir.split('/').any(|c| c == ".openhands") || name == "TASKS.md" {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if LEFTOVER_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return true;
    }
    if SCRATCH_PREFIXES_ANYWHERE.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    dir.is_empty() && SCRATCH_PREFIXES.iter().any(|p| lower.starts_with(p))
}

// ---------------------------------------------------------------------------------------------
// ran_tests: the SWE-ZERO ban
// ---------------------------------------------------------------------------------------------

/// Program names (basename of the command word) banned in SWE-ZERO trajectories: `python`,
/// `python3`, `python3.11`…, `pytest`, `py.test`, `mypy`, `pip`, `pip3`…, `apt`, `apt-get`.
pub const FORBIDDEN_PROGRAM_PATTERN: &str = r"^(?:python[0-9.]*|pytest|py\.test|mypy|pip[0-9.]*|apt|apt-get)$";

static FORBIDDEN_PROGRAM_RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(FORBIDDEN_PROGRAM_PATTERN).expect("valid"));

/// A cheap pre-filter: a command that contains none of these cannot run a banned program.
static FORBIDDEN_HINT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"python|py\.?test|mypy|pip|apt").expect("valid"));

/// Whether a shell command line runs a banned program ([`FORBIDDEN_PROGRAM_PATTERN`]) as a
/// command, not merely mentions it.
///
/// The line is split into simple commands at `;`, `&`, `&&`, `|`, `||`, newlines, `(`, `)`, and
/// the insides of `$(…)`, backticks and `<(…)` are scanned as command lines of their own. Quotes
/// and backslashes are removed, comments, redirections (and their targets) and here-document
/// bodies are skipped (as are SWE-agent `edit N:M … end_of_edit` bodies). In each simple command,
/// leading `VAR=value` assignments and wrappers are skipped: `sudo`, `env`, `timeout N`, `time`,
/// `nohup`, `nice`, `exec`, `command`, `xargs`, `stdbuf`, `watch`, `if`/`then`/`do`/… and `!`,
/// `{`, plus `uv run`/`poetry run`/`pipenv run`/`pdm run`/`hatch run`/`conda run` (and `uv pip`).
/// The first remaining word is the command word; its basename is matched. `bash -c`/`sh -c`
/// scripts, `eval` arguments and `find -exec` commands are scanned too.
pub fn runs_forbidden_program(command: &str) -> bool {
    if !FORBIDDEN_HINT_RE.is_match(command) {
        return false;
    }
    scan_shell(command, 0)
}

const MAX_SHELL_DEPTH: usize = 4;

fn scan_shell(src: &str, depth: usize) -> bool {
    if depth > MAX_SHELL_DEPTH {
        return false;
    }
    let mut lexed = ShellLexed::default();
    lex_shell(src.as_bytes(), &mut lexed);
    lexed.commands.iter().any(|words| simple_command_is_forbidden(words, depth))
        || lexed.nested.iter().any(|inner| scan_shell(inner, depth + 1))
}

#[derive(Default)]
struct ShellLexed {
    /// Simple commands, each a list of words with quotes removed.
    commands: Vec<Vec<String>>,
    /// Command lines found inside `$(…)`, backticks and `<(…)`.
    nested: Vec<String>,
}

struct ShellLexer<'a> {
    b: &'a [u8],
    i: usize,
    word: Vec<u8>,
    in_word: bool,
    skip_next_word: bool,
    command: Vec<String>,
    heredocs: Vec<(Vec<u8>, bool)>,
}

impl ShellLexer<'_> {
    fn finish_word(&mut self) {
        if self.in_word {
            if self.skip_next_word {
                self.skip_next_word = false;
            } else {
                self.command.push(String::from_utf8_lossy(&self.word).into_owned());
            }
        }
        self.word.clear();
        self.in_word = false;
    }

    fn end_command(&mut self, out: &mut ShellLexed) {
        self.finish_word();
        self.skip_next_word = false;
        if !self.command.is_empty() {
            out.commands.push(std::mem::take(&mut self.command));
        }
    }

    /// At `start` is an opening `(`: returns the index just past the matching `)` (or the end),
    /// pushing the inside to `nested`.
    fn take_balanced(&self, start: usize, out: &mut ShellLexed) -> usize {
        let mut depth = 0usize;
        let mut j = start;
        let mut quote: Option<u8> = None;
        while j < self.b.len() {
            let c = self.b[j];
            match quote {
                Some(q) => {
                    if c == b'\\' && q == b'"' {
                        j += 1;
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    b'\\' => j += 1,
                    b'\'' | b'"' => quote = Some(c),
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            out.nested.push(String::from_utf8_lossy(&self.b[start + 1..j]).into_owned());
                            return j + 1;
                        }
                    }
                    _ => {}
                },
            }
            j += 1;
        }
        let end = self.b.len().min(start + 1);
        out.nested.push(String::from_utf8_lossy(&self.b[end..]).into_owned());
        self.b.len()
    }

    /// At `start` is an opening backtick: returns the index past the closing one.
    fn take_backticks(&self, start: usize, out: &mut ShellLexed) -> usize {
        let rest = &self.b[start + 1..];
        let end = memchr::memchr(b'`', rest).unwrap_or(rest.len());
        out.nested.push(String::from_utf8_lossy(&rest[..end]).into_owned());
        (start + 1 + end + 1).min(self.b.len())
    }

    /// At a newline (already consumed): skips pending here-document bodies.
    fn skip_heredocs(&mut self) {
        for (delim, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while self.i < self.b.len() {
                let rest = &self.b[self.i..];
                let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let mut line = &rest[..line_end];
                self.i += (line_end + 1).min(rest.len());
                if strip_tabs {
                    while let [b'\t', tail @ ..] = line {
                        line = tail;
                    }
                }
                if line.trim_ascii_end() == delim.as_slice() {
                    break;
                }
            }
        }
    }
}

fn lex_shell(b: &[u8], out: &mut ShellLexed) {
    let mut lx = ShellLexer {
        b,
        i: 0,
        word: Vec::new(),
        in_word: false,
        skip_next_word: false,
        command: Vec::new(),
        heredocs: Vec::new(),
    };
    while lx.i < b.len() {
        let c = b[lx.i];
        let next = b.get(lx.i + 1).copied();
        match c {
            b' ' | b'\t' | b'\r' => {
                lx.finish_word();
                lx.i += 1;
            }
            b'\n' => {
                lx.finish_word();
                // SWE-agent's `edit N:M` takes the following lines up to `end_of_edit` as text.
                if lx.command.len() == 2
                    && lx.command[0] == "edit"
                    && lx.command[1].contains(':')
                    && lx.command[1].bytes().all(|c| c.is_ascii_digit() || c == b':')
                {
                    lx.heredocs.push((b"end_of_edit".to_vec(), false));
                }
                lx.end_command(out);
                lx.i += 1;
                lx.skip_heredocs();
            }
            b'\\' => {
                if next == Some(b'\n') {
                    lx.finish_word();
                } else if let Some(n) = next {
                    lx.word.push(n);
                    lx.in_word = true;
                }
                lx.i += 2;
            }
            b'\'' => {
                let rest = &b[lx.i + 1..];
                let end = memchr::memchr(b'\'', rest).unwrap_or(rest.len());
                lx.word.extend_from_slice(&rest[..end]);
                lx.in_word = true;
                lx.i += 1 + end + 1;
            }
            b'"' => {
                lx.in_word = true;
                lx.i += 1;
                while lx.i < b.len() && b[lx.i] != b'"' {
                    match b[lx.i] {
                        b'\\' => {
                            if let Some(&n) = b.get(lx.i + 1) {
                                if !matches!(n, b'$' | b'`' | b'"' | b'\\' | b'\n') {
                                    lx.word.push(b'\\');
                                }
                                if n != b'\n' {
                                    lx.word.push(n);
                                }
                            }
                            lx.i += 2;
                        }
                        b'$' if b.get(lx.i + 1) == Some(&b'(') => {
                            lx.i = lx.take_balanced(lx.i + 1, out);
                        }
                        b'`' => lx.i = lx.take_backticks(lx.i, out),
                        other => {
                            lx.word.push(other);
                            lx.i += 1;
                        }
                    }
                }
                lx.i += 1;
            }
            b'`' => {
                lx.in_word = true;
                lx.i = lx.take_backticks(lx.i, out);
            }
            b'$' if next == Some(b'(') => {
                lx.in_word = true;
                lx.i = lx.take_balanced(lx.i + 1, out);
            }
            b'#' if !lx.in_word => {
                let rest = &b[lx.i..];
                lx.i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            }
            b'&' if next == Some(b'>') => {
                lx.end_word_before_redirect();
                lx.i += 2;
                if b.get(lx.i) == Some(&b'>') {
                    lx.i += 1;
                }
                lx.skip_next_word = true;
            }
            b';' | b'&' | b'|' | b'(' | b')' => {
                lx.end_command(out);
                lx.i += 1;
            }
            b'<' | b'>' => {
                lx.end_word_before_redirect();
                if next == Some(b'(') {
                    // Process substitution.
                    lx.i = lx.take_balanced(lx.i + 1, out);
                    continue;
                }
                if c == b'<' && next == Some(b'<') && b.get(lx.i + 2) != Some(&b'<') {
                    lx.i += 2;
                    let strip_tabs = b.get(lx.i) == Some(&b'-');
                    if strip_tabs {
                        lx.i += 1;
                    }
                    while matches!(b.get(lx.i), Some(b' ' | b'\t')) {
                        lx.i += 1;
                    }
                    let mut delim = Vec::new();
                    while let Some(&d) = b.get(lx.i) {
                        if matches!(d, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>') {
                            break;
                        }
                        if !matches!(d, b'\'' | b'"' | b'\\') {
                            delim.push(d);
                        }
                        lx.i += 1;
                    }
                    lx.heredocs.push((delim, strip_tabs));
                    continue;
                }
                lx.i += 1;
                while matches!(b.get(lx.i), Some(b'<' | b'>' | b'&' | b'|')) {
                    lx.i += 1;
                }
                lx.skip_next_word = true;
            }
            other => {
                lx.word.push(other);
                lx.in_word = true;
                lx.i += 1;
            }
        }
    }
    lx.end_command(out);
}

impl ShellLexer<'_> {
    /// Before a redirection operator: a word made only of digits is a file descriptor and is
    /// dropped; any other word ends.
    fn end_word_before_redirect(&mut self) {
        if self.in_word && !self.word.is_empty() && self.word.iter().all(u8::is_ascii_digit) {
            self.word.clear();
            self.in_word = false;
        } else {
            self.finish_word();
        }
    }
}

fn is_assignment(word: &str) -> bool {
    let Some((name, _)) = word.split_once('=') else {
        return false;
    };
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Skips option words starting with `-`; those in `with_argument` also skip the next word.
fn skip_options(words: &[String], mut idx: usize, with_argument: &[&str]) -> usize {
    while let Some(w) = words.get(idx) {
        if w == "--" {
            return idx + 1;
        }
        if !w.starts_with('-') || w == "-" {
            break;
        }
        idx += if with_argument.contains(&w.as_str()) { 2 } else { 1 };
    }
    idx
}

fn simple_command_is_forbidden(words: &[String], depth: usize) -> bool {
    let mut idx = 0;
    while let Some(word) = words.get(idx) {
        if is_assignment(word) {
            idx += 1;
            continue;
        }
        let base = basename(word);
        match base {
            "sudo" => idx = skip_options(words, idx + 1, &["-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t", "-T"]),
            "env" => {
                if let Some(pos) = words[idx + 1..].iter().position(|w| w == "-S") {
                    if let Some(script) = words.get(idx + 1 + pos + 1) {
                        return scan_shell(script, depth + 1);
                    }
                }
                idx = skip_options(words, idx + 1, &["-u", "-C", "--unset", "--chdir"]);
            }
            "timeout" => {
                idx = skip_options(words, idx + 1, &["-s", "-k", "--signal", "--kill-after"]);
                idx += 1; // the duration
            }
            "nice" => idx = skip_options(words, idx + 1, &["-n", "--adjustment"]),
            "xargs" => {
                idx = skip_options(words, idx + 1, &["-I", "-n", "-P", "-L", "-d", "-s", "-a", "-E", "--max-args"])
            }
            "exec" => idx = skip_options(words, idx + 1, &["-a"]),
            "command" => {
                if words.get(idx + 1).is_some_and(|w| w.starts_with("-v") || w.starts_with("-V")) {
                    return false; // `command -v python` only looks the program up
                }
                idx = skip_options(words, idx + 1, &[]);
            }
            "time" | "nohup" | "stdbuf" | "watch" | "builtin" | "if" | "then" | "else" | "elif" | "do" | "while"
            | "until" | "!" | "{" => idx = skip_options(words, idx + 1, &[]),
            "uv" | "poetry" | "pipenv" | "pdm" | "hatch" | "conda" | "mamba" | "micromamba" => {
                match words.get(idx + 1).map(String::as_str) {
                    Some("run") => {
                        idx = skip_options(words, idx + 2, &["-n", "--name", "-p", "--prefix", "--with", "-e", "--env"])
                    }
                    Some("pip") if base == "uv" => return true,
                    _ => return false,
                }
            }
            _ => break,
        }
    }
    let Some(word) = words.get(idx) else {
        return false;
    };
    let base = basename(word);
    if FORBIDDEN_PROGRAM_RE.is_match(base) {
        return true;
    }
    let rest = &words[idx + 1..];
    match base {
        "bash" | "sh" | "zsh" | "dash" => {
            let script = rest
                .iter()
                .position(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('c'))
                .and_then(|p| rest.get(p + 1));
            script.is_some_and(|s| scan_shell(s, depth + 1))
        }
        "eval" => scan_shell(&rest.join(" "), depth + 1),
        "find" => rest
            .iter()
            .enumerate()
            .filter(|(_, w)| matches!(w.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir"))
            .any(|(p, _)| simple_command_is_forbidden(&rest[p + 1..], depth + 1)),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Patch statistics
// ---------------------------------------------------------------------------------------------

/// Parses unified-diff statistics. Never fails: binary patches, garbage and truncated hunks are
/// read as far as they make sense.
///
/// Files come from `diff --git a/X b/Y` headers (the `b/` side, or `a/` for deletions), corrected
/// by `+++`/`---` and `rename to` lines; diffs without `diff --git` headers are read from their
/// `---`/`+++` pairs. Added and removed lines are counted only inside hunks (bounded by the
/// `@@ -a,b +c,d @@` counts), so `---`/`+++` headers and `--`-prefixed content are never confused.
pub fn patch_stats(patch: &str) -> PatchStats {
    let mut files: Vec<PatchFile> = Vec::new();
    let mut added = 0u64;
    let mut removed = 0u64;
    let mut hunk = Hunk::None;
    let mut lines = patch.split('\n').peekable();
    while let Some(raw) = lines.next() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let next_is_plus_header = lines.peek().is_some_and(|n| n.starts_with("+++ "));
        match hunk {
            Hunk::Counted { old, new } => {
                let rest = match line.as_bytes().first() {
                    Some(b'+') if new > 0 => {
                        added += 1;
                        Some((old, new - 1))
                    }
                    Some(b'-') if old > 0 => {
                        removed += 1;
                        Some((old - 1, new))
                    }
                    Some(b' ') | None if old > 0 && new > 0 => Some((old - 1, new - 1)),
                    Some(b'\\') => Some((old, new)),
                    // Anything else ends a truncated or miscounted hunk and is read as a header.
                    _ => None,
                };
                if let Some((old, new)) = rest {
                    hunk = if old == 0 && new == 0 { Hunk::None } else { Hunk::Counted { old, new } };
                    continue;
                }
                hunk = Hunk::None;
            }
            Hunk::Uncounted => {
                let is_header = line.starts_with("diff ")
                    || line.starts_with("@@")
                    || (line.starts_with("--- ") && next_is_plus_header);
                if !is_header {
                    match line.as_bytes().first() {
                        Some(b'+') => added += 1,
                        Some(b'-') => removed += 1,
                        _ => {}
                    }
                    continue;
                }
                hunk = Hunk::None;
            }
            Hunk::None => {}
        }

        if let Some(rest) = line.strip_prefix("diff --git ") {
            let (old_path, new_path) = split_git_header(rest);
            files.push(PatchFile {
                path: new_path.or(old_path.clone()).unwrap_or_default(),
                old_path,
                created: false,
                deleted: false,
                awaiting_minus: true,
            });
        } else if line.starts_with("@@") {
            hunk = match parse_hunk_header(line) {
                Some((0, 0)) => Hunk::None,
                Some((old, new)) => Hunk::Counted { old, new },
                None => Hunk::Uncounted,
            };
        } else if let Some(rest) = line.strip_prefix("--- ") {
            let old = diff_path(rest, "a/");
            let current = files.last_mut().filter(|f| f.awaiting_minus);
            let file = match current {
                Some(f) => f,
                None if next_is_plus_header => {
                    files.push(PatchFile {
                        path: old.clone().unwrap_or_default(),
                        old_path: None,
                        created: false,
                        deleted: false,
                        awaiting_minus: true,
                    });
                    files.last_mut().expect("just pushed")
                }
                None => continue,
            };
            file.awaiting_minus = false;
            match old {
                None => file.created = true,
                Some(p) => file.old_path = Some(p),
            }
        } else if let Some(rest) = line.strip_prefix("+++ ") {
            if let Some(f) = files.last_mut() {
                match diff_path(rest, "b/") {
                    None => f.deleted = true,
                    Some(p) => f.path = p,
                }
            }
        } else if line.starts_with("new file mode") {
            if let Some(f) = files.last_mut() {
                f.created = true;
            }
        } else if line.starts_with("deleted file mode") {
            if let Some(f) = files.last_mut() {
                f.deleted = true;
            }
        } else if let Some(rest) = line.strip_prefix("rename to ") {
            if let Some(f) = files.last_mut() {
                f.path = unquote(rest);
            }
        }
    }

    let mut stats = PatchStats { added, removed, ..PatchStats::default() };
    for f in files {
        let path = match (f.deleted, f.old_path) {
            (true, Some(old)) => old,
            _ => f.path,
        };
        if path.is_empty() {
            continue;
        }
        if f.created && !stats.created.contains(&path) {
            stats.created.push(path.clone());
        }
        if !stats.files.contains(&path) {
            *stats.languages.entry(language_of(&path).to_string()).or_insert(0) += 1;
            stats.files.push(path);
        }
    }
    stats
}

/// Where the patch reader is relative to hunks.
#[derive(Clone, Copy)]
enum Hunk {
    /// Between hunks (headers).
    None,
    /// Inside a hunk with this many old and new lines left.
    Counted { old: u64, new: u64 },
    /// Inside a hunk whose header had no readable counts: runs until the next header.
    Uncounted,
}

struct PatchFile {
    path: String,
    old_path: Option<String>,
    created: bool,
    deleted: bool,
    /// Opened by `diff --git` and no `---` line seen yet: the next `---` belongs to it.
    awaiting_minus: bool,
}

/// `@@ -a[,b] +c[,d] @@` → (b, d) (a missing count is 1).
fn parse_hunk_header(line: &str) -> Option<(u64, u64)> {
    let mut parts = line.strip_prefix("@@ ")?.split(' ');
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let count = |range: &str| -> Option<u64> {
        match range.split_once(',') {
            Some((start, n)) => {
                start.parse::<u64>().ok()?;
                n.parse().ok()
            }
            None => range.parse::<u64>().ok().map(|_| 1),
        }
    };
    Some((count(old)?, count(new)?))
}

/// Splits `a/X b/Y` (paths may contain spaces, may be quoted).
fn split_git_header(rest: &str) -> (Option<String>, Option<String>) {
    let rest = rest.trim_end();
    if let Some(quoted) = rest.strip_prefix('"') {
        // "a/x y" "b/x y" or "a/x" b/x
        if let Some(end) = quoted.find('"') {
            let a = unquote(&rest[..end + 2]);
            let b = unquote(rest[end + 2..].trim_start());
            return (strip_side(&a, "a/"), strip_side(&b, "b/"));
        }
    }
    // Prefer the split where both sides name the same path.
    let candidates: Vec<usize> = rest.match_indices(" b/").map(|(i, _)| i).collect();
    for &i in &candidates {
        let (a, b) = (&rest[..i], &rest[i + 1..]);
        if a.strip_prefix("a/") == b.strip_prefix("b/") {
            return (strip_side(a, "a/"), strip_side(b, "b/"));
        }
    }
    match candidates.last() {
        Some(&i) => (strip_side(&rest[..i], "a/"), strip_side(&rest[i + 1..], "b/")),
        None => match rest.split_once(' ') {
            Some((a, b)) => (strip_side(a, "a/"), strip_side(b, "b/")),
            None => (strip_side(rest, "a/"), None),
        },
    }
}

fn strip_side(path: &str, prefix: &str) -> Option<String> {
    let p = path.strip_prefix(prefix).unwrap_or(path);
    (!p.is_empty()).then(|| p.to_string())
}

/// The path of a `---`/`+++` line: `None` for `/dev/null`; strips the side prefix, a trailing
/// tab-separated timestamp and quotes.
fn diff_path(rest: &str, prefix: &str) -> Option<String> {
    let rest = rest.split('\t').next().unwrap_or(rest).trim_end();
    let rest = unquote(rest);
    if rest == "/dev/null" {
        return None;
    }
    Some(rest.strip_prefix(prefix).unwrap_or(&rest).to_string())
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => s.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// derive
// ---------------------------------------------------------------------------------------------

fn push_unique(files: &mut Vec<String>, path: &str) {
    if !files.iter().any(|f| f == path) {
        files.push(path.to_string());
    }
}

/// SWE-agent file commands, for calls named by their command word with the whole command line as
/// `command` (`open "src/a.py" 10`, `create reproduce.py`, `edit 3:5\n…\nend_of_edit`): `open`
/// and `create` set the current file, `create`, `edit` and `insert` edit it.
fn track_swe_agent_file(tool: &str, cmd: &str, current_file: &mut Option<String>, edited: &mut Vec<String>) {
    let mut words = cmd.split_whitespace();
    if words.next() != Some(tool) {
        return;
    }
    match tool {
        "open" | "create" => {
            let Some(path) = words.next().map(|w| w.trim_matches(|c| c == '"' || c == '\'')) else {
                return;
            };
            if tool == "create" {
                push_unique(edited, path);
            }
            *current_file = Some(path.to_string());
        }
        "edit" | "insert" => {
            if let Some(path) = current_file.as_deref() {
                push_unique(edited, path);
            }
        }
        _ => {}
    }
}

/// Derives all facts and flags from a trajectory. Flag rules:
///
/// * `empty_patch`: the patch is missing or whitespace only.
/// * `no_finish`: the trajectory has steps but no finish action ([`is_finish_call`]) and its
///   `exit_status` is not exactly `submitted` (any case). A record without steps (a bare
///   prediction) says nothing about finishing and is not flagged.
/// * `hit_limit`: `exit_status` or `error` matches [`LIMIT_PATTERN`].
/// * `loop`: see [`LOOP_DEFINITION`].
/// * `ran_tests`: a shell call ([`is_bash_tool`]) whose command runs a banned program
///   ([`runs_forbidden_program`]), or any call of a Python-executing tool ([`PYTHON_TOOLS`]).
/// * `edited_tests`: a patch file or an edited file is a test file ([`is_test_path`]).
/// * `stray_files`: a file the patch creates is scratch ([`is_stray_path`]).
/// * `tool_errors`: an observation reports a tool error ([`is_tool_error`]).
pub fn derive(t: &Trajectory) -> Facts {
    let mut facts = Facts { steps: t.steps.len() as u64, ..Facts::default() };
    let mut finished = t.outcome.exit_status.as_deref().is_some_and(|s| s.trim().eq_ignore_ascii_case("submitted"));
    let mut ran_tests = false;
    let mut tool_errors = false;
    // SWE-agent's current file (set by `open`/`create`, edited by `edit`/`insert`).
    let mut current_file: Option<String> = None;

    for (step, call) in t.tool_calls() {
        facts.tool_calls += 1;
        match facts.tool_counts.get_mut(&call.name) {
            Some(n) => *n += 1,
            None => {
                facts.tool_counts.insert(call.name.clone(), 1);
            }
        }
        let cmd = if is_editor_tool(&call.name) {
            let command = call.arguments.get("command").and_then(Value::as_str);
            let path = call.arguments.get("path").and_then(Value::as_str);
            let edits = match command {
                Some(c) => EDIT_COMMANDS.contains(&c),
                None => call.name == "edit_file",
            };
            if let (true, Some(p)) = (edits, path) {
                push_unique(&mut facts.edited_files, p);
            }
            match (command, path) {
                (Some(c), Some(p)) => format!("{c} {p}"),
                (Some(c), None) => c.to_string(),
                (None, Some(p)) => p.to_string(),
                (None, None) => String::new(),
            }
        } else {
            let cmd = call.command().unwrap_or("");
            track_swe_agent_file(&call.name, cmd, &mut current_file, &mut facts.edited_files);
            cmd.to_string()
        };
        finished = finished || is_finish_call(call);
        ran_tests = ran_tests
            || PYTHON_TOOLS.iter().any(|p| p.eq_ignore_ascii_case(&call.name))
            || (is_bash_tool(&call.name) && runs_forbidden_program(&cmd));
        tool_errors = tool_errors || call.observation.as_deref().is_some_and(|o| is_tool_error(Some(&call.name), o));
        facts.calls.push(CallFact { step, tool: call.name.clone(), cmd, exit_code: call.exit_code });
    }
    tool_errors = tool_errors
        || t.steps.iter().any(|s| {
            s.role == Role::Tool
                && s.observation.as_deref().or(Some(s.text.as_str())).is_some_and(|o| is_tool_error(None, o))
        });

    if let Some(patch) = t.patch.as_deref() {
        facts.patch = patch_stats(patch);
    }

    let flags = &mut facts.flags;
    if t.patch.as_deref().is_none_or(|p| p.trim().is_empty()) {
        flags.insert(Flag::EmptyPatch);
    }
    if !t.steps.is_empty() && !finished {
        flags.insert(Flag::NoFinish);
    }
    let outcome_texts = [t.outcome.exit_status.as_deref(), t.outcome.error.as_deref()];
    if outcome_texts.into_iter().flatten().any(is_limit_text) {
        flags.insert(Flag::HitLimit);
    }
    if has_loop(t.tool_calls().map(|(_, c)| c)) {
        flags.insert(Flag::Loop);
    }
    if ran_tests {
        flags.insert(Flag::RanTests);
    }
    let patch_files = facts.patch.files.iter();
    if patch_files.chain(facts.edited_files.iter()).any(|p| is_test_path(p)) {
        flags.insert(Flag::EditedTests);
    }
    if facts.patch.created.iter().any(|p| is_stray_path(p)) {
        flags.insert(Flag::StrayFiles);
    }
    if tool_errors {
        flags.insert(Flag::ToolErrors);
    }
    facts
}
