//! The render types: what the UI receives. They are part of the app protocol (see the protocol
//! notes): every type derives serde and `ts_rs::TS`, field names are snake_case, and enums are
//! tagged the way the protocol says. Numbers are plain JSON numbers (`number` in TypeScript).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A run of text with one token class. The UI renders `text` as a text node (never as markup) and
/// styles it by `class` with CSS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Span {
    /// The text, verbatim (without the line end).
    pub text: String,
    /// Token class: one of `kw str com num fn ty cst op var punc tag attr meta hl-add hl-del`, or
    /// `None` for plain text.
    pub class: Option<String>,
}

impl Span {
    /// A plain span (no class).
    pub fn plain(text: impl Into<String>) -> Span {
        Span { text: text.into(), class: None }
    }
}

/// A block of highlighted text: one vector of spans per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Code {
    /// The language the text was highlighted as (`python`, `shell`, `json`, …, or `plain`).
    pub language: String,
    /// The lines (at most the cap the producer was given), each a list of spans.
    pub lines: Vec<Vec<Span>>,
    /// The number of the first line (1 unless the text is a snippet that starts further down).
    #[ts(type = "number")]
    pub first_line: u64,
    /// Same length as `lines`: the real file line number of each line for file views (`cat -n`
    /// output), otherwise `None`.
    #[ts(type = "Array<number | null>")]
    pub line_numbers: Vec<Option<u64>>,
    /// The number of lines of the whole text, also when `lines` is cut.
    #[ts(type = "number")]
    pub total_lines: u64,
    /// Whether `lines` holds fewer lines than the text has.
    pub truncated: bool,
}

/// One file of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FileDiff {
    /// The path before the change (without `a/`); `None` for a new file.
    pub old_path: Option<String>,
    /// The path after the change (without `b/`); `None` for a deleted file.
    pub new_path: Option<String>,
    /// The language the lines are highlighted as.
    pub language: String,
    /// A binary change (`Binary files … differ` or `GIT binary patch`): no hunks.
    pub binary: bool,
    /// Added lines.
    #[ts(type = "number")]
    pub added: u64,
    /// Removed lines.
    #[ts(type = "number")]
    pub removed: u64,
    /// The hunks in order.
    pub hunks: Vec<Hunk>,
}

/// One hunk of a file diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Hunk {
    /// The hunk header line (`@@ -12,7 +12,8 @@ def f():`).
    pub header: String,
    /// The lines of the hunk.
    pub lines: Vec<DiffLine>,
}

/// What a diff line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DiffLineKind {
    /// An added line (`+`).
    Add,
    /// A removed line (`-`).
    Del,
    /// A context line (` `), or a `\ No newline at end of file` marker (then both numbers are
    /// `None`).
    Ctx,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DiffLine {
    /// Added, removed or context.
    pub kind: DiffLineKind,
    /// The line's number in the old file (`None` for added lines).
    #[ts(type = "number | null")]
    pub old_no: Option<u64>,
    /// The line's number in the new file (`None` for removed lines).
    #[ts(type = "number | null")]
    pub new_no: Option<u64>,
    /// The highlighted text, without the `+`/`-`/` ` prefix.
    pub spans: Vec<Span>,
}

/// Who produced a step (the wire form of `trawl_core::Role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StepRole {
    /// The system prompt.
    System,
    /// A user / task / environment message.
    User,
    /// An agent turn.
    Assistant,
    /// A tool result without a call.
    Tool,
}

impl From<trawl_core::Role> for StepRole {
    fn from(r: trawl_core::Role) -> StepRole {
        match r {
            trawl_core::Role::System => StepRole::System,
            trawl_core::Role::User => StepRole::User,
            trawl_core::Role::Assistant => StepRole::Assistant,
            trawl_core::Role::Tool => StepRole::Tool,
        }
    }
}

/// How one tool call is shown, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallRender {
    /// A shell command.
    Bash {
        /// The command, highlighted as shell.
        command: Code,
    },
    /// A file view; the call's observation is the file, highlighted and line-numbered.
    View {
        /// The viewed path.
        path: String,
    },
    /// An edit (`str_replace`, `insert`, SWE-agent `edit`, whole-content edits).
    Edit {
        /// The edited path.
        path: String,
        /// The editor command (`str_replace`, `insert`, `edit 12:14`, …).
        command: String,
        /// The change; line numbers are relative to the snippet unless the call states them.
        diff: FileDiff,
    },
    /// A file creation.
    Create {
        /// The created path.
        path: String,
        /// The file text, highlighted in the path's language.
        code: Code,
    },
    /// A `think` call.
    Think {
        /// The thought.
        text: String,
    },
    /// The final call (`finish`, `submit`).
    Finish {
        /// The final message (the call's `message`, else the step text).
        text: String,
    },
    /// Any other call.
    Generic {
        /// The arguments as pretty JSON, highlighted.
        arguments: Code,
    },
}

/// One rendered tool call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RenderedCall {
    /// Position of the call in its step (0-based).
    #[ts(type = "number")]
    pub index: usize,
    /// The tool name as the agent called it.
    pub name: String,
    /// How to show the call.
    pub render: CallRender,
    /// The observation that answered the call (possibly truncated), if any.
    pub observation: Option<Code>,
    /// The exit code the observation states.
    #[ts(type = "number | null")]
    pub exit_code: Option<i64>,
}

/// One rendered step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RenderedStep {
    /// Position of the step in the trajectory (0-based).
    #[ts(type = "number")]
    pub index: usize,
    /// Who produced it.
    pub role: StepRole,
    /// The message text.
    pub text: String,
    /// Reasoning shown apart from the text.
    pub thought: Option<String>,
    /// The tool calls.
    pub calls: Vec<RenderedCall>,
    /// A step-level observation: set only when the observation is not carried by the calls
    /// (orphan tool results, calls without their own observation).
    pub observation: Option<Code>,
    /// The exit code of the step's last call that states one.
    #[ts(type = "number | null")]
    pub exit_code: Option<i64>,
}

/// A one-line summary of a step, for lists and for comparing two trajectories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StepSummary {
    /// Position of the step in the trajectory (0-based).
    #[ts(type = "number")]
    pub index: usize,
    /// Who produced it.
    pub role: StepRole,
    /// The first tool call's name.
    pub tool: Option<String>,
    /// One line, at most 160 characters: the command, `view PATH`, `str_replace PATH`, or the
    /// first line of the text.
    pub summary: String,
    /// The step's exit code.
    #[ts(type = "number | null")]
    pub exit_code: Option<i64>,
}

/// One row of a step alignment: indexes into the two step lists, `None` where a side has no
/// counterpart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AlignedPair {
    /// Index into the first list.
    #[ts(type = "number | null")]
    pub a: Option<usize>,
    /// Index into the second list.
    #[ts(type = "number | null")]
    pub b: Option<usize>,
}

/// Settings of [`crate::render_step`] and [`crate::render_trajectory`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Observations longer than this many lines are cut (`truncated: true`); default 200.
    pub max_observation_lines: usize,
    /// Created files, commands and call arguments longer than this are cut; default 2000.
    pub max_code_lines: usize,
    /// Search terms (lowercase): an observation that contains one is cut at
    /// `max_hit_observation_lines` instead, so that the hits a reader jumps between arrive with
    /// the trajectory. Empty: no terms.
    pub hit_terms: Vec<String>,
    /// The cut for observations that contain a search term; default 200.
    pub max_hit_observation_lines: usize,
}

impl RenderOptions {
    /// The line cap for one observation: longer when a search term occurs in the lines that the
    /// longer cap would show (only those are looked at: an observation can be megabytes).
    pub fn observation_cap(&self, text: &str) -> usize {
        if self.hit_terms.is_empty() || self.max_hit_observation_lines <= self.max_observation_lines {
            return self.max_observation_lines;
        }
        let shown = text.split_inclusive('\n').take(self.max_hit_observation_lines).map(str::len).sum::<usize>();
        let lower = text[..shown].to_lowercase();
        if self.hit_terms.iter().any(|t| contains_word(&lower, t)) {
            self.max_hit_observation_lines
        } else {
            self.max_observation_lines
        }
    }
}

/// Whether `term` occurs in `text` as a whole word: not preceded or followed by a letter or digit
/// (how the UI marks hits).
fn contains_word(text: &str, term: &str) -> bool {
    if term.is_empty() {
        return false;
    }
    text.match_indices(term).any(|(at, m)| {
        let before = text[..at].chars().next_back();
        let after = text[at + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

impl Default for RenderOptions {
    fn default() -> RenderOptions {
        RenderOptions {
            max_observation_lines: 200,
            max_code_lines: 2000,
            hit_terms: Vec::new(),
            max_hit_observation_lines: 200,
        }
    }
}
