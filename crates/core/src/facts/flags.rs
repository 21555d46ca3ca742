//! The quality flags: [`Flag`] (the stable names of `flag:<name>` in queries) and [`FlagSet`],
//! a bitmask of them.

/// A quality flag. The names are a stable contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// The final patch is missing or empty.
    EmptyPatch,
    /// No finish/submit action.
    NoFinish,
    /// The run ended on an iteration, cost or context limit.
    HitLimit,
    /// The same action repeated (see [`super::LOOP_DEFINITION`]).
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
