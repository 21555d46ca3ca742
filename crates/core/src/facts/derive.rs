//! [`derive()`]: every fact and flag of one trajectory, from the rules of the sibling modules.

use std::collections::BTreeMap;

use serde_json::Value;

use super::errors::is_tool_error;
use super::finish::{is_finish_call, is_limit_text};
use super::flags::{Flag, FlagSet};
use super::loops::has_loop;
use super::patch_stats::{patch_stats, PatchStats};
use super::paths::{is_stray_path, is_test_path};
use super::ran_tests::runs_forbidden_program;
use super::tools::EDIT_COMMANDS;
use crate::model::{Role, ToolKind, Trajectory};

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
/// * `hit_limit`: `exit_status` or `error` matches [`super::LIMIT_PATTERN`].
/// * `loop`: see [`super::LOOP_DEFINITION`].
/// * `ran_tests`: a shell call ([`ToolKind::Shell`]) whose command runs a banned program
///   ([`runs_forbidden_program`]), or any call of a Python-executing tool ([`ToolKind::Python`]).
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
        let kind = call.kind();
        let cmd = if kind == ToolKind::Editor {
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
        ran_tests = ran_tests || kind == ToolKind::Python || (kind == ToolKind::Shell && runs_forbidden_program(&cmd));
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
