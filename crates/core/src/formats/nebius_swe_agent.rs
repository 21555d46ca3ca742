//! nebius/SWE-agent-trajectories rows: SWE-agent runs converted to rows.
//!
//! A row is `{instance_id, model_name, target, trajectory[{role: system|user|ai, text,
//! system_prompt, mask, cutoff_date}], exit_status, generated_patch, eval_logs}`. The agent's command
//! is the last fenced block of an `ai` text (SWE-agent's `ThoughtActionParser`); the `user` text
//! that follows is its observation. `target` is the harness verdict.
//!
//! Also home of the SWE-agent command helpers the chat adapter reuses for SWE-smith rows whose
//! calls are fenced blocks or an `action` string.

use serde_json::{Map, Value};

use super::util;
use crate::model::{Format, Role, Step, ToolCall, Trajectory};

/// SWE-agent's special commands (default tool bundle); any other first word is a shell command.
const SPECIAL_COMMANDS: [&str; 11] = [
    "open",
    "goto",
    "scroll_down",
    "scroll_up",
    "create",
    "edit",
    "search_dir",
    "search_file",
    "find_file",
    "submit",
    "str_replace_editor",
];

pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v.as_object().ok_or_else(|| {
        format!("a json {} is not a nebius swe-agent row (expected an object)", util::json_type_name(v))
    })?;
    let owned;
    let items: &[Value] = match obj.get("trajectory") {
        Some(Value::Array(items)) => items,
        Some(Value::String(s)) => {
            owned = match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(items)) => items,
                Ok(other) => {
                    return Err(format!(
                        "`trajectory` is a json string holding {}, expected a list",
                        util::a_json_type(&other)
                    ))
                }
                Err(e) => return Err(format!("`trajectory` is a string that is not valid json: {e}")),
            };
            &owned
        }
        Some(other) => return Err(format!("`trajectory` is {}, expected a list", util::a_json_type(other))),
        None => return Err("the row has no `trajectory`".into()),
    };

    let mut t = Trajectory::new(Format::NebiusSweAgent);
    t.instance_id = util::opt_string(obj, "instance_id");
    t.repo = util::opt_string(obj, "repo").or_else(|| t.instance_id.as_deref().and_then(util::repo_from_instance_id));
    t.model = util::opt_string(obj, "model_name").or_else(|| util::opt_string(obj, "model"));
    t.outcome.exit_status = util::opt_string(obj, "exit_status");
    t.outcome.resolved = match obj.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => Some(true),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Some(false),
        Some(other) => {
            warnings.push(format!("`target` is {}, not a boolean; resolved left unknown", short_json(other)));
            None
        }
    };
    t.patch = match obj.get("generated_patch") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) => Some(util::normalize_patch(p)),
        Some(other) => {
            warnings.push(format!("`generated_patch` is {}, not a string; ignored", util::a_json_type(other)));
            None
        }
    };

    let mut first_user: Option<String> = None;
    for (i, item) in items.iter().enumerate() {
        let Some(m) = item.as_object() else {
            warnings.push(format!("trajectory item {i} is {}, not an object; skipped", util::a_json_type(item)));
            continue;
        };
        let role = util::str_field(m, "role").unwrap_or("");
        let text = item_text(m, i, warnings);
        match role {
            "system" => t.steps.push(Step::message(Role::System, text)),
            "ai" | "assistant" => {
                let mut step = Step::message(Role::Assistant, text);
                if let Some(cmd) = last_fenced_block(&step.text) {
                    if let Some(call) = call_from_command(cmd) {
                        step.tool_calls.push(call);
                    }
                }
                t.steps.push(step);
            }
            _ => {
                if role != "user" {
                    warnings.push(format!(
                        "trajectory item {i} has role {}; read as a user message",
                        if role.is_empty() { "<none>".to_string() } else { format!("`{role}`") }
                    ));
                }
                if let Some(prev) = t.steps.last_mut() {
                    if attach_observation(prev, &text) {
                        continue;
                    }
                }
                if first_user.is_none() {
                    first_user = Some(text.clone());
                }
                t.steps.push(Step::message(Role::User, text));
            }
        }
    }
    if items.is_empty() {
        warnings.push("the trajectory has no messages".into());
    }
    t.problem_statement = first_user.as_deref().map(util::task_text_in_prompt);
    Ok(t)
}

/// The text of a trajectory item: `text`, or for a null text the `system_prompt` (system items
/// carry their prompt there).
fn item_text(m: &Map<String, Value>, i: usize, warnings: &mut Vec<String>) -> String {
    match m.get("text") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => util::str_field(m, "system_prompt").unwrap_or("").to_string(),
        Some(other) => {
            warnings
                .push(format!("trajectory item {i}: `text` is {}, kept as its json text", util::a_json_type(other)));
            other.to_string()
        }
    }
}

/// Attaches `text` as the observation of the first unanswered call of `prev` when `prev` is an
/// agent step. Returns whether it did.
pub(crate) fn attach_observation(prev: &mut Step, text: &str) -> bool {
    if prev.role != Role::Assistant {
        return false;
    }
    let Some(call) = prev.tool_calls.iter_mut().find(|c| c.observation.is_none()) else {
        return false;
    };
    call.observation = Some(text.to_string());
    call.exit_code = util::exit_code_in_observation(text);
    prev.sync_observation();
    true
}

/// The content of the last top-level fenced code block of a SWE-agent response, trimmed, the way
/// SWE-agent's `ThoughtActionParser` finds it: a fence is a line of three backticks followed by an
/// optional language word; a bare fence closes the open block; nested openings are tracked.
pub(crate) fn last_fenced_block(text: &str) -> Option<&str> {
    let mut stack: Vec<usize> = Vec::new(); // content start offsets of open blocks
    let mut last: Option<(usize, usize)> = None;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some(rest) = line.strip_prefix("```") else {
            continue;
        };
        let has_newline = rest.ends_with('\n');
        let info = rest.trim_end();
        if info.chars().any(char::is_whitespace) {
            continue; // "```python foo" is not a fence
        }
        if !stack.is_empty() && info.is_empty() {
            let open = stack.pop().unwrap_or(start);
            if stack.is_empty() {
                last = Some((open, start));
            }
        } else if has_newline {
            stack.push(offset);
        }
    }
    let (a, b) = last?;
    text.get(a..b).map(str::trim)
}

/// A tool call for a SWE-agent command: the special command named by the first word, else `bash`.
/// Arguments are `{"command": <full command>}`; `str_replace_editor` commands are split into the
/// editor's arguments when they parse as shell words. `None` for an empty command.
pub(crate) fn call_from_command(cmd: &str) -> Option<ToolCall> {
    let cmd = cmd.trim();
    let first = cmd.split_whitespace().next()?;
    let (name, arguments) = if first == "str_replace_editor" {
        ("str_replace_editor".to_string(), editor_arguments(cmd))
    } else if SPECIAL_COMMANDS.contains(&first) {
        (first.to_string(), serde_json::json!({ "command": cmd }))
    } else {
        ("bash".to_string(), serde_json::json!({ "command": cmd }))
    };
    Some(ToolCall { id: None, name, arguments, observation: None, exit_code: None })
}

/// `str_replace_editor <command> <path> [--flag value]…` as editor arguments
/// (`{"command": "view", "path": …, "view_range": …}`); the raw text as `command` when it does not
/// split.
fn editor_arguments(cmd: &str) -> Value {
    let raw = || serde_json::json!({ "command": cmd });
    let Some(words) = shell_words(cmd) else {
        return raw();
    };
    if words.len() < 2 {
        return raw();
    }
    let mut args = Map::new();
    args.insert("command".into(), Value::String(words[1].clone()));
    let mut rest = words[2..].iter();
    let mut positional = Vec::new();
    while let Some(w) = rest.next() {
        if let Some(flag) = w.strip_prefix("--") {
            match rest.next() {
                Some(value) => {
                    args.insert(flag.to_string(), Value::String(value.clone()));
                }
                None => return raw(),
            }
        } else {
            positional.push(w.clone());
        }
    }
    let mut positional = positional.into_iter();
    if let Some(path) = positional.next() {
        args.insert("path".into(), Value::String(path));
    }
    if positional.next().is_some() {
        return raw();
    }
    Value::Object(args)
}

/// Splits a command into shell words (single quotes, double quotes with backslash escapes,
/// backslash escapes outside quotes). `None` on an unterminated quote.
fn shell_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        x => cur.push(x),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            x @ ('"' | '\\' | '$' | '`') => cur.push(x),
                            '\n' => {}
                            x => {
                                cur.push('\\');
                                cur.push(x);
                            }
                        },
                        x => cur.push(x),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(x) => cur.push(x),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

/// A short rendering of a JSON value for messages.
fn short_json(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}
