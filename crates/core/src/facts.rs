//! Derived facts and quality flags, computed from a normalized trajectory.
//!
//! Everything here is derived data: a pure function of the `Trajectory`, recomputable from the
//! stored record at any time. It owns the flag names (a stable contract: `flag:<name>` in queries),
//! the loop definition, patch statistics and the test-file / stray-file heuristics. It does not
//! store anything.

use std::collections::BTreeMap;

use crate::model::Trajectory;

/// A quality flag. The names are a stable contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// The final patch is missing or empty.
    EmptyPatch,
    /// No finish/submit action.
    NoFinish,
    /// The run ended on an iteration, cost or context limit.
    HitLimit,
    /// The same action repeated (see ARCHITECTURE.md for the definition).
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
    /// Files the agent edited through editor calls (create/str_replace/insert), in first-seen order.
    pub edited_files: Vec<String>,
    /// Patch statistics (default when there is no patch).
    pub patch: PatchStats,
    /// Quality flags.
    pub flags: FlagSet,
}

/// Whether a tool name is a file editor (its `command` argument is an editor sub-command, not a
/// shell command).
pub fn is_editor_tool(name: &str) -> bool {
    matches!(
        name,
        "str_replace_editor" | "str_replace_based_edit_tool" | "edit_file" | "editor"
    )
}

/// Derives all facts and flags from a trajectory.
pub fn derive(_t: &Trajectory) -> Facts {
    Facts::default()
}

/// Parses unified-diff statistics.
pub fn patch_stats(_patch: &str) -> PatchStats {
    PatchStats::default()
}
