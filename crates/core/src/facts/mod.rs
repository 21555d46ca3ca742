//! Derived facts and quality flags, computed from a normalized trajectory.
//!
//! Everything here is derived data: a pure function of the `Trajectory`, recomputable from the
//! stored record at any time. It owns the flag names (a stable contract: `flag:<name>` in queries),
//! the loop definition, patch statistics and the test-file / stray-file heuristics. It does not
//! store anything. One job per file, lower ones first:
//!
//! - `flags`: [`Flag`] and [`FlagSet`], the stable flag names;
//! - `tools`: tool names by role (editor, shell, Python), editor sub-commands that edit;
//! - `shell`: a small shell lexer (simple commands, nested command lines);
//! - `ran_tests`: [`runs_forbidden_program`], command-position detection on the lexer;
//! - `loops`: [`LOOP_DEFINITION`], [`action_key`];
//! - `finish`: [`is_finish_call`], [`is_limit_text`];
//! - `errors`: [`is_tool_error`];
//! - `paths`: [`language_of`], [`is_test_path`], [`is_stray_path`];
//! - `patch_stats`: [`PatchStats`] of the final patch;
//! - `derive`: [`derive()`], every fact and flag of a trajectory from the rules above.

mod derive;
mod errors;
mod finish;
mod flags;
mod loops;
mod patch_stats;
mod paths;
mod ran_tests;
mod shell;
mod tools;

pub use derive::{derive, CallFact, Facts};
pub use errors::{is_tool_error, TOOL_ERROR_LINE_PATTERN, TOOL_ERROR_PHRASES};
pub use finish::{is_finish_call, is_limit_text, LIMIT_PATTERN, SUBMIT_MARKERS};
pub use flags::{Flag, FlagSet};
pub use loops::{
    action_key, LOOP_DEFINITION, LOOP_EXCLUDED_TOOLS, LOOP_IGNORED_ARGUMENTS, LOOP_MIN_CONSECUTIVE,
    LOOP_MIN_SAME_RESULT,
};
pub use patch_stats::{patch_stats, PatchStats};
pub use paths::{
    is_stray_path, is_test_path, language_of, LEFTOVER_SUFFIXES, SCRATCH_PREFIXES, SCRATCH_PREFIXES_ANYWHERE,
};
pub use ran_tests::{runs_forbidden_program, FORBIDDEN_PROGRAM_PATTERN};
pub use tools::{is_bash_tool, is_editor_tool, BASH_TOOLS, EDIT_COMMANDS, PYTHON_TOOLS};
