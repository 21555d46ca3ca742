//! Finish and limits: whether a call submits, and whether the outcome names an iteration, cost
//! or context limit.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{ToolCall, ToolKind};

/// Markers in a shell command that mean mini-swe-agent's submit (`echo
/// COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff …`, older `MINI_SWE_AGENT_FINAL_OUTPUT`).
pub const SUBMIT_MARKERS: &[&str] = &["COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT"];

/// Whether a call is a finish action: a tool named `finish` or `submit` (any case), or a shell
/// command whose first word is `submit` (SWE-agent) or that contains a [`SUBMIT_MARKERS`] entry
/// (mini-swe-agent).
pub fn is_finish_call(call: &ToolCall) -> bool {
    if call.kind() == ToolKind::Finish {
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
