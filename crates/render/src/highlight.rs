//! Syntax highlighting: syntect parsing (bat's syntax set via two-face) mapped onto a small fixed
//! set of token classes, so the UI styles tokens with CSS for any theme.
//!
//! The syntax set is loaded once per process; language lookups are precomputed. Work is capped:
//! lines longer than [`MAX_HIGHLIGHT_LINE`] bytes and text past [`HIGHLIGHT_BUDGET`] bytes stay
//! plain, and a panic inside the parser (never seen, but the input is arbitrary) degrades to plain
//! text instead of unwinding into the caller.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, OnceLock};

use rustc_hash::FxHashMap;
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use crate::types::{Code, Span};

/// Lines longer than this many bytes are not highlighted (minified code, base64, data dumps).
pub const MAX_HIGHLIGHT_LINE: usize = 4000;

/// At most this many bytes of one text are highlighted; the rest stays plain.
pub const HIGHLIGHT_BUDGET: usize = 1 << 20;

/// One text is highlighted for at most this long; the rest stays plain. A safety valve against
/// regex backtracking on odd input: ordinary text highlights a hundred times faster.
const HIGHLIGHT_DEADLINE: std::time::Duration = std::time::Duration::from_millis(500);

/// Language ids and the extension (or syntax name, prefixed with `=`) that finds their syntax.
const LANGUAGES: &[(&str, &str)] = &[
    ("python", "py"),
    ("c", "c"),
    ("cpp", "cpp"),
    ("go", "go"),
    ("java", "java"),
    ("javascript", "js"),
    ("typescript", "ts"),
    ("tsx", "tsx"),
    ("php", "php"),
    ("ruby", "rb"),
    ("rust", "rs"),
    ("shell", "sh"),
    ("json", "json"),
    ("yaml", "yaml"),
    ("toml", "toml"),
    ("markdown", "md"),
    ("html", "html"),
    ("css", "css"),
    ("diff", "diff"),
    ("xml", "xml"),
    ("sql", "sql"),
    ("csharp", "cs"),
    ("kotlin", "kt"),
    ("scala", "scala"),
    ("swift", "swift"),
    ("lua", "lua"),
    ("perl", "pl"),
    ("r", "r"),
    ("haskell", "hs"),
    ("dart", "dart"),
    ("elixir", "ex"),
    ("erlang", "erl"),
    ("clojure", "clj"),
    ("ocaml", "ml"),
    ("zig", "zig"),
    ("groovy", "groovy"),
    ("makefile", "mk"),
    ("cmake", "cmake"),
    ("dockerfile", "=Dockerfile"),
    ("ini", "ini"),
    ("rst", "rst"),
    ("latex", "tex"),
    ("protobuf", "proto"),
    ("graphql", "graphql"),
    ("vue", "vue"),
    ("svelte", "svelte"),
    ("terraform", "tf"),
    ("nix", "nix"),
    ("powershell", "ps1"),
    ("batch", "bat"),
    ("objc", "m"),
];

/// The language id of a file path, by extension and a few well-known file names; `"plain"` when
/// unknown. The ids are the ones [`highlight`] understands.
pub fn language_for_path(path: &str) -> &'static str {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).trim();
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "makefile" | "gnumakefile" => return "makefile",
        "dockerfile" | "containerfile" => return "dockerfile",
        "cmakelists.txt" => return "cmake",
        "cargo.lock" | "pipfile" | "poetry.lock" | "uv.lock" => return "toml",
        "gemfile" | "rakefile" | "vagrantfile" | "podfile" => return "ruby",
        ".bashrc" | ".bash_profile" | ".profile" | ".zshrc" => return "shell",
        "sconstruct" | "sconscript" | "build.bazel" | "workspace" => return "python",
        "jenkinsfile" => return "groovy",
        _ => {}
    }
    if lower.starts_with("dockerfile.") {
        return "dockerfile";
    }
    let Some((_, ext)) = lower.rsplit_once('.') else {
        return "plain";
    };
    match ext {
        "py" | "pyi" | "pyw" | "pyx" | "pxd" | "bzl" => "python",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "h++" | "inl" | "ipp" | "cu" | "cuh" => "cpp",
        "go" => "go",
        "java" => "java",
        "js" | "mjs" | "cjs" | "jsx" => "javascript",
        "ts" | "mts" | "cts" => "typescript",
        "tsx" => "tsx",
        "php" | "phtml" | "php3" | "php4" | "php5" | "php7" | "phpt" => "php",
        "rb" | "rake" | "gemspec" | "ru" => "ruby",
        "rs" => "rust",
        "sh" | "bash" | "zsh" | "ksh" | "ash" => "shell",
        "json" | "jsonl" | "ipynb" | "geojson" => "json",
        "yaml" | "yml" => "yaml",
        "toml" => "toml",
        "md" | "markdown" | "mdown" | "mkd" => "markdown",
        "html" | "htm" | "xhtml" | "shtml" => "html",
        "css" | "scss" | "less" => "css",
        "diff" | "patch" => "diff",
        "xml" | "xsd" | "xsl" | "xslt" | "svg" | "plist" | "pom" => "xml",
        "sql" => "sql",
        "cs" | "csx" => "csharp",
        "kt" | "kts" => "kotlin",
        "scala" | "sbt" | "sc" => "scala",
        "swift" => "swift",
        "lua" => "lua",
        "pl" | "pm" => "perl",
        "r" => "r",
        "hs" => "haskell",
        "dart" => "dart",
        "ex" | "exs" => "elixir",
        "erl" | "hrl" => "erlang",
        "clj" | "cljs" | "cljc" | "edn" => "clojure",
        "ml" | "mli" => "ocaml",
        "zig" => "zig",
        "groovy" | "gradle" => "groovy",
        "mk" | "mak" => "makefile",
        "cmake" => "cmake",
        "ini" | "cfg" | "conf" | "editorconfig" | "properties" => "ini",
        "rst" => "rst",
        "tex" => "latex",
        "proto" => "protobuf",
        "graphql" | "gql" => "graphql",
        "vue" => "vue",
        "svelte" => "svelte",
        "tf" | "tfvars" | "hcl" => "terraform",
        "nix" => "nix",
        "ps1" | "psm1" => "powershell",
        "bat" | "cmd" => "batch",
        "m" => "objc",
        _ => "plain",
    }
}

/// The loaded syntaxes and the language table.
struct Syntaxes {
    set: SyntaxSet,
    by_language: FxHashMap<&'static str, usize>,
    php_source: Option<usize>,
    other: Mutex<FxHashMap<String, Option<usize>>>,
}

fn syntaxes() -> &'static Syntaxes {
    static SYNTAXES: OnceLock<Syntaxes> = OnceLock::new();
    SYNTAXES.get_or_init(|| {
        let set = two_face::syntax::extra_newlines();
        let index_of = |s: &SyntaxReference| set.syntaxes().iter().position(|x| std::ptr::eq(x, s));
        let mut by_language = FxHashMap::default();
        for (lang, key) in LANGUAGES {
            let found = match key.strip_prefix('=') {
                Some(name) => set.find_syntax_by_name(name),
                None => set.find_syntax_by_extension(key),
            };
            if let Some(i) = found.and_then(index_of) {
                by_language.insert(*lang, i);
            }
        }
        let php_source = set.find_syntax_by_name("PHP Source").and_then(index_of);
        Syntaxes { set, by_language, php_source, other: Mutex::new(FxHashMap::default()) }
    })
}

/// Loads the syntax set and compiles the regexes that the most common texts need (Python, shell,
/// JSON, diffs); otherwise that happens on first use and the first render pays a few hundred
/// milliseconds. Call it once at startup, off the request path (e.g. on a background thread).
pub fn warm_up() {
    let _ = syntaxes();
    let samples = [
        ("python", WARM_UP_PYTHON),
        ("shell", WARM_UP_SHELL),
        ("json", "{\"a\": [1, 2.5, true, null, \"s\"]}\n"),
        ("diff", "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@ def f():\n c\n-a\n+b\n"),
    ];
    for (lang, text) in samples {
        let _ = highlight(text, lang, None);
    }
}

/// Python that runs through most rules of the Python syntax (see [`warm_up`]).
const WARM_UP_PYTHON: &str = r#"#!/usr/bin/env python
"""Module docstring."""
from __future__ import annotations
import os, re as regex
from typing import Any, Dict, List, Optional

CONSTANT = 0x1F + 1.5e3 - 2j


@decorator(arg=1)
class Example(Base, metaclass=Meta):
    """Class docstring."""

    attr: int = 0

    def __init__(self, *args: Any, key: Optional[str] = None, **kwargs) -> None:
        super().__init__()
        self.items: List[int] = [x ** 2 for x in range(10) if x % 2 == 0]
        self.table = {k: v for k, v in kwargs.items()}
        self.pattern = regex.compile(r"^\s*(\d+)\t(.*)$")

    @property
    async def fetch(self) -> Dict[str, Any]:
        try:
            async with self.session as s:
                return await s.get(f"{self.url}/{key!r:>10}", timeout=3)
        except (ValueError, KeyError) as e:
            raise RuntimeError("failed: %s" % e) from e
        finally:
            pass


def function(a, b=None, /, *, c=True):
    lam = lambda x: x if x is not None and not False else ...
    while a > 0 or b <= 1:
        a -= 1; yield a
    return b'bytes' + u'unicode' + """multi
line"""
"#;

/// Shell that runs through most rules of the shell syntax (see [`warm_up`]).
const WARM_UP_SHELL: &str = r#"cd /workspace/repo && grep -rn "pattern" --include="*.py" . | head -20
find . -name '*.py' -type f -exec sed -i 's/a/b/g' {} \;
for f in $(ls *.txt); do echo "${f%.txt}: $((1 + 2))" >> out.log 2>&1; done
if [ -f setup.py ] && [[ "$VAR" == "x" ]]; then python -m pytest -x tests/ || exit 1; fi
cat <<'END' > file.py
print("hi")
END
export PATH=/usr/bin:$PATH; git diff --stat HEAD~1
"#;

/// The syntax for a language id, or for any syntect name/extension token; `None` for plain text.
fn syntax_for(language: &str, text_has_php_tag: impl FnOnce() -> bool) -> Option<&'static SyntaxReference> {
    let s = syntaxes();
    if language.is_empty() || language == "plain" || language == "text" {
        return None;
    }
    if language == "php" && !text_has_php_tag() {
        if let Some(i) = s.php_source {
            return s.set.syntaxes().get(i);
        }
    }
    let idx = match s.by_language.get(language) {
        Some(i) => Some(*i),
        None => {
            let mut other = s.other.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(hit) = other.get(language) {
                *hit
            } else {
                let found = s.set.find_syntax_by_token(language).and_then(|r| {
                    if r.scope.build_string() == "text.plain" {
                        None
                    } else {
                        s.set.syntaxes().iter().position(|x| std::ptr::eq(x, r))
                    }
                });
                if other.len() < 1024 {
                    other.insert(language.to_string(), found);
                }
                found
            }
        }
    };
    idx.and_then(|i| s.set.syntaxes().get(i))
}

/// Whether `language` highlights as something other than plain text.
pub fn is_known_language(language: &str) -> bool {
    syntax_for(language, || true).is_some()
}

/// How a scope maps to a class.
#[derive(Clone, Copy)]
enum ScopeClass {
    /// This class.
    Class(&'static str),
    /// Look at the enclosing scope (string quotes take the class of the string).
    Transparent,
    /// Not mapped; look at the enclosing scope.
    Unmapped,
}

/// Scope prefixes in priority order (the first prefix that matches a scope decides).
const SCOPE_CLASSES: &[(&str, Option<&str>)] = &[
    ("punctuation.definition.string", None),
    ("punctuation.definition.comment", None),
    ("punctuation.definition.heading", None),
    ("punctuation.definition.raw", None),
    ("punctuation.definition.inserted", Some("hl-add")),
    ("punctuation.definition.deleted", Some("hl-del")),
    ("punctuation.definition.tag", Some("tag")),
    ("punctuation.section.embedded", Some("meta")),
    ("punctuation", Some("punc")),
    ("comment", Some("com")),
    ("string", Some("str")),
    ("constant.numeric", Some("num")),
    ("constant.character.escape", Some("cst")),
    ("constant", Some("cst")),
    ("keyword.operator.word", Some("kw")),
    ("keyword.operator.logical.python", Some("kw")),
    ("keyword.operator", Some("op")),
    ("keyword", Some("kw")),
    ("storage.type.function", Some("kw")),
    ("storage.type.class", Some("kw")),
    ("storage", Some("kw")),
    ("entity.name.function", Some("fn")),
    ("entity.name.tag", Some("tag")),
    ("entity.other.attribute-name", Some("attr")),
    ("entity.other.inherited-class", Some("ty")),
    ("entity.name.constant", Some("cst")),
    ("entity.name.label", Some("meta")),
    ("entity.name", Some("ty")),
    ("support.function", Some("fn")),
    ("support.type", Some("ty")),
    ("support.class", Some("ty")),
    ("support.constant", Some("cst")),
    ("support.variable", Some("var")),
    ("variable.function", Some("fn")),
    ("variable.language", Some("kw")),
    ("variable.parameter", Some("var")),
    ("variable.annotation", Some("meta")),
    ("variable", Some("var")),
    ("markup.inserted", Some("hl-add")),
    ("markup.deleted", Some("hl-del")),
    ("markup.heading", Some("kw")),
    ("markup.raw", Some("str")),
    ("markup.underline.link", Some("str")),
    ("markup.quote", Some("com")),
    ("meta.diff", Some("meta")),
    ("meta.preprocessor", Some("meta")),
    ("meta.annotation", Some("meta")),
    ("meta.decorator", Some("meta")),
    ("meta.attribute", Some("meta")),
];

fn scope_table() -> &'static [(Scope, Option<&'static str>)] {
    static TABLE: OnceLock<Vec<(Scope, Option<&'static str>)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        SCOPE_CLASSES.iter().filter_map(|(prefix, class)| Scope::new(prefix).ok().map(|s| (s, *class))).collect()
    })
}

fn classify_scope(scope: Scope) -> ScopeClass {
    thread_local! {
        static CACHE: RefCell<FxHashMap<Scope, ScopeClass>> = RefCell::new(FxHashMap::default());
    }
    CACHE.with(|c| {
        if let Some(hit) = c.borrow().get(&scope) {
            return *hit;
        }
        let class = scope_table()
            .iter()
            .find(|(prefix, _)| prefix.is_prefix_of(scope))
            .map(|(_, class)| match class {
                Some(c) => ScopeClass::Class(c),
                None => ScopeClass::Transparent,
            })
            .unwrap_or(ScopeClass::Unmapped);
        c.borrow_mut().insert(scope, class);
        class
    })
}

fn class_of(stack: &ScopeStack) -> Option<&'static str> {
    for scope in stack.as_slice().iter().rev() {
        if let ScopeClass::Class(c) = classify_scope(*scope) {
            return Some(c);
        }
    }
    None
}

/// Splits text into lines: on `\n`, without a trailing empty line after a final line end, and
/// without the `\r` of CRLF line ends (the patch parser's rule, shared).
pub(crate) use trawl_core::patch::split_lines;

fn push_span(spans: &mut Vec<Span>, text: &str, class: Option<&'static str>) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = spans.last_mut() {
        if last.class.as_deref() == class {
            last.text.push_str(text);
            return;
        }
    }
    spans.push(Span { text: text.to_string(), class: class.map(str::to_string) });
}

/// One plain span for a line (no span for an empty line).
pub(crate) fn plain_line(line: &str) -> Vec<Span> {
    if line.is_empty() {
        Vec::new()
    } else {
        vec![Span::plain(line)]
    }
}

/// Highlights the given lines as one text in `language`. Always returns one span list per line.
pub(crate) fn highlight_lines(lines: &[&str], language: &str) -> Vec<Vec<Span>> {
    let syntax = syntax_for(language, || lines.iter().take(50).any(|l| l.contains("<?")));
    let Some(syntax) = syntax else {
        return lines.iter().map(|l| plain_line(l)).collect();
    };
    match catch_unwind(AssertUnwindSafe(|| highlight_with(lines, syntax))) {
        Ok(out) => out,
        Err(_) => lines.iter().map(|l| plain_line(l)).collect(),
    }
}

fn highlight_with(lines: &[&str], syntax: &SyntaxReference) -> Vec<Vec<Span>> {
    let set = &syntaxes().set;
    let memo = memo_active();
    let syntax_key = syntax as *const SyntaxReference as usize;
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::with_capacity(lines.len());
    let mut buf = String::new();
    let mut budget = HIGHLIGHT_BUDGET;
    let mut failed = false;
    let deadline = std::time::Instant::now() + HIGHLIGHT_DEADLINE;
    for line in lines {
        if !failed && std::time::Instant::now() > deadline {
            // A pathological text (regex backtracking): the rest stays plain.
            failed = true;
        }
        if failed || line.len() > MAX_HIGHLIGHT_LINE || line.len() > budget {
            out.push(plain_line(line));
            continue;
        }
        budget -= line.len();
        let key = memo.then(|| memo_key(syntax_key, line));
        if let Some(key) = key {
            if let Some(spans) = memo_get(key, line, &mut state, &mut stack) {
                out.push(spans);
                continue;
            }
        }
        let before = memo.then(|| (state.clone(), stack.clone()));
        buf.clear();
        buf.push_str(line);
        buf.push('\n');
        let ops = match state.parse_line(&buf, set) {
            Ok(ops) => ops,
            Err(_) => {
                failed = true;
                out.push(plain_line(line));
                continue;
            }
        };
        let mut spans = Vec::new();
        let mut last = 0usize;
        for (pos, op) in ops {
            let pos = pos.min(line.len());
            if pos > last {
                if let Some(piece) = line.get(last..pos) {
                    push_span(&mut spans, piece, class_of(&stack));
                    last = pos;
                }
            }
            if stack.apply(&op).is_err() {
                failed = true;
                break;
            }
        }
        if failed {
            out.push(plain_line(line));
            continue;
        }
        if last < line.len() {
            if let Some(piece) = line.get(last..) {
                push_span(&mut spans, piece, class_of(&stack));
            }
        }
        if let (Some(key), Some((state_before, stack_before))) = (key, before) {
            memo_put(
                key,
                MemoEntry {
                    line: (*line).into(),
                    state: state_before,
                    stack: stack_before,
                    spans: spans.clone(),
                    state_after: state.clone(),
                    stack_after: stack.clone(),
                },
            );
        }
        out.push(spans);
    }
    out
}

/// A memo of highlighted lines for one render on one thread: a line parsed from the same parser
/// state (and scope stack) always gives the same spans and the same next state, so a hit is
/// exact. Trajectories view the same files again and again (overlapping ranges, views after
/// edits), which makes many lines hits. (Parser states hold regex regions that are not `Send`,
/// so each thread has its own memo.)
struct Memo {
    map: FxHashMap<u64, Vec<MemoEntry>>,
    entries: usize,
}

struct MemoEntry {
    line: Box<str>,
    state: ParseState,
    stack: ScopeStack,
    spans: Vec<Span>,
    state_after: ParseState,
    stack_after: ScopeStack,
}

/// Entries kept at most per memo.
const MEMO_MAX_ENTRIES: usize = 100_000;

fn memo_key(syntax: usize, line: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    syntax.hash(&mut h);
    line.hash(&mut h);
    h.finish()
}

thread_local! {
    static MEMO: RefCell<Option<Memo>> = const { RefCell::new(None) };
}

fn memo_active() -> bool {
    MEMO.with(|m| m.borrow().is_some())
}

/// Looks a line up in this thread's memo; on a hit, moves `state` and `stack` past the line.
fn memo_get(key: u64, line: &str, state: &mut ParseState, stack: &mut ScopeStack) -> Option<Vec<Span>> {
    MEMO.with(|m| {
        let m = m.borrow();
        let e =
            m.as_ref()?.map.get(&key)?.iter().find(|e| &*e.line == line && e.state == *state && e.stack == *stack)?;
        *state = e.state_after.clone();
        *stack = e.stack_after.clone();
        Some(e.spans.clone())
    })
}

fn memo_put(key: u64, entry: MemoEntry) {
    MEMO.with(|m| {
        if let Some(m) = m.borrow_mut().as_mut() {
            if m.entries < MEMO_MAX_ENTRIES {
                m.entries += 1;
                m.map.entry(key).or_default().push(entry);
            }
        }
    });
}

/// Runs `f` with a fresh highlight memo on this thread (dropped after; nested calls share the
/// outer memo).
pub(crate) fn with_memo<R>(f: impl FnOnce() -> R) -> R {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            MEMO.with(|m| *m.borrow_mut() = None);
        }
    }
    if memo_active() {
        return f();
    }
    MEMO.with(|m| *m.borrow_mut() = Some(Memo { map: FxHashMap::default(), entries: 0 }));
    let _clear = Clear;
    f()
}

/// The language id to report for `language`: itself when it highlights, else `"plain"`.
pub(crate) fn reported_language(language: &str) -> String {
    if is_known_language(language) {
        language.to_string()
    } else {
        "plain".to_string()
    }
}

/// Highlights `code` as `language` (a language id from [`language_for_path`], or any syntect
/// syntax name or extension). Unknown languages give plain lines (one span per line, class
/// `None`). With `max_lines`, only the first lines are kept (`truncated`, `total_lines` tell).
/// Never panics, whatever the input.
pub fn highlight(code: &str, language: &str, max_lines: Option<usize>) -> Code {
    let all = split_lines(code);
    let total = all.len();
    let keep = max_lines.map_or(total, |m| m.min(total));
    let lines = highlight_lines(&all[..keep], language);
    Code {
        language: reported_language(language),
        line_numbers: vec![None; lines.len()],
        lines,
        first_line: 1,
        total_lines: total as u64,
        truncated: keep < total,
    }
}
