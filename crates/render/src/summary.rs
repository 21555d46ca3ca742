//! One-line step summaries and the alignment of two trajectories' steps.

use serde_json::Value;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
use trawl_core::{Step, ToolCall, ToolKind};

use crate::types::{AlignedPair, StepRole, StepSummary};

/// The longest summary, in characters.
pub const MAX_SUMMARY_CHARS: usize = 160;

/// The first non-empty line of a text, trimmed, with ` …` when more lines follow.
fn first_line(text: &str) -> String {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    match lines.next() {
        Some(l) if lines.next().is_some() => format!("{l} …"),
        Some(l) => l.to_string(),
        None => String::new(),
    }
}

fn clip(s: String) -> String {
    if s.chars().count() <= MAX_SUMMARY_CHARS {
        return s;
    }
    let mut out: String = s.chars().take(MAX_SUMMARY_CHARS - 1).collect();
    out.push('…');
    out
}

fn call_summary(step: &Step, call: &ToolCall) -> String {
    let args = &call.arguments;
    let s = |k: &str| args.get(k).and_then(Value::as_str);
    let kind = call.kind();
    if kind == ToolKind::Editor {
        return match (s("command"), s("path")) {
            (Some(c), Some(p)) => format!("{c} {p}"),
            (Some(c), None) => first_line(c),
            (None, Some(p)) => format!("edit {p}"),
            (None, None) => call.name.clone(),
        };
    }
    match kind {
        ToolKind::Think => return first_line(s("thought").or(step.thought.as_deref()).unwrap_or(&step.text)),
        ToolKind::Finish => {
            let msg = s("message").filter(|m| !m.trim().is_empty());
            let line = first_line(msg.unwrap_or(&step.text));
            return if line.is_empty() { call.name.clone() } else { line };
        }
        _ => {}
    }
    if let Some(cmd) = s("command") {
        return first_line(cmd);
    }
    for key in ["code", "query", "path", "url"] {
        if let Some(v) = s(key) {
            return first_line(v);
        }
    }
    match args {
        Value::Object(o) if o.is_empty() => call.name.clone(),
        Value::Null => call.name.clone(),
        other => first_line(&other.to_string()),
    }
}

/// A one-line summary of a step: the first call's tool name and what it did (the command,
/// `view PATH`, `str_replace PATH`, the first line of a thought or final message), or the first
/// line of the text for a step without calls. At most [`MAX_SUMMARY_CHARS`] characters.
pub fn step_summary(step: &Step, index: usize) -> StepSummary {
    let (tool, summary) = match step.tool_calls.first() {
        Some(call) => {
            let mut s = call_summary(step, call);
            let more = step.tool_calls.len() - 1;
            if more > 0 {
                s = format!("{s} (+{more} more)");
            }
            (Some(call.name.clone()), s)
        }
        None => {
            let text = if step.text.trim().is_empty() { step.observation.as_deref().unwrap_or("") } else { &step.text };
            (None, first_line(text))
        }
    };
    StepSummary { index, role: StepRole::from(step.role), tool, summary: clip(summary), exit_code: step.exit_code }
}

/// The alignment key of a summary: role, tool, and the command verb (the first word of the
/// command, after a leading `cd DIR &&`) or, for editor calls, the editor command and path.
fn align_key(s: &StepSummary) -> (StepRole, Option<&str>, String) {
    let Some(tool) = s.tool.as_deref() else {
        return (s.role, None, String::new());
    };
    let kind = ToolKind::of(tool);
    let verb = if kind == ToolKind::Editor {
        s.summary.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
    } else if !kind.is_action() {
        String::new()
    } else {
        let mut cmd = s.summary.trim();
        if cmd.starts_with("cd ") {
            if let Some((_, rest)) = cmd.split_once("&&") {
                cmd = rest.trim();
            }
        }
        cmd.split_whitespace().next().unwrap_or("").to_string()
    };
    (s.role, Some(tool), verb)
}

/// Aligns two step lists for a side-by-side view: steps of equal kind (role, tool, command verb
/// or editor command and path) are paired by a diff over those keys; runs that differ are paired
/// position by position, and the longer run's rest stands alone. Every index of both lists
/// appears exactly once, in order.
pub fn align_steps(a: &[StepSummary], b: &[StepSummary]) -> Vec<AlignedPair> {
    let ka: Vec<_> = a.iter().map(align_key).collect();
    let kb: Vec<_> = b.iter().map(align_key).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(200);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &ka, &kb, Some(deadline));
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    for op in ops {
        match op {
            DiffOp::Equal { old_index, new_index, len } => {
                out.extend((0..len).map(|k| AlignedPair { a: Some(old_index + k), b: Some(new_index + k) }));
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                out.extend((old_index..old_index + old_len).map(|i| AlignedPair { a: Some(i), b: None }));
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                out.extend((new_index..new_index + new_len).map(|j| AlignedPair { a: None, b: Some(j) }));
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                for k in 0..old_len.max(new_len) {
                    out.push(AlignedPair {
                        a: (k < old_len).then_some(old_index + k),
                        b: (k < new_len).then_some(new_index + k),
                    });
                }
            }
        }
    }
    out
}
