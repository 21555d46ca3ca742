//! The `tool_errors` flag: observations that report a tool error.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::ToolKind;

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
        Some(name) if ToolKind::of(name) != ToolKind::Shell => {
            observation.trim_start().starts_with("ERROR:") || observation.contains("Traceback (most recent call last)")
        }
        _ => false,
    }
}
