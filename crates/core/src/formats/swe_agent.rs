//! SWE-agent `.traj` files: 0.x (`environment, trajectory, history, info`), 1.x (history with
//! `message_type`, `tool_calls`/`tool_call_ids`, trajectory items with `query`, `replay_config`)
//! and demonstration files that hold only `history`.
//!
//! Steps come from `trajectory` when it has items (one assistant step per item: its thought, one
//! tool call and the observation); otherwise they are rebuilt from `history`. The system prompt and
//! the task (the first user message that is not a demonstration) always come from `history`. The
//! patch is `info.submission`; there is no resolved label in a `.traj`.

use serde_json::{Map, Value};

use super::util::{
    agent_content_text, agent_tool_arguments, json_type_name, lenient_f64, lenient_u64, normalize_patch, str_field,
    task_from_prompt,
};
use crate::model::*;

/// SWE-agent's own interface commands: an action starting with one of these is a call of that
/// command; any other action is a plain shell command (`bash`).
const SWE_AGENT_COMMANDS: &[&str] = &[
    "open",
    "goto",
    "scroll_up",
    "scroll_down",
    "create",
    "edit",
    "insert",
    "append",
    "search_dir",
    "search_file",
    "find_file",
    "submit",
    "exit_forfeit",
    "filemap",
    "str_replace_editor",
    "view_image",
];

/// Parses one SWE-agent `.traj` object.
pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("a swe-agent trajectory must be a json object, not a json {}", json_type_name(v)))?;
    let history = list_field(obj, "history")?;
    let items = list_field(obj, "trajectory")?;
    let info = match obj.get("info") {
        None | Some(Value::Null) => None,
        Some(Value::Object(info)) => Some(info),
        Some(other) => {
            return Err(format!("swe-agent `info` is a json {} (expected an object)", json_type_name(other)))
        }
    };

    let mut t = Trajectory::new(Format::SweAgentTraj);
    read_replay_config(obj, &mut t, warnings);

    // Demonstrations inserted into the history are not part of this run.
    let mut own: Vec<&Map<String, Value>> = Vec::with_capacity(history.len());
    for (i, h) in history.iter().enumerate() {
        match h {
            Value::Object(m) => {
                if m.get("is_demo").and_then(Value::as_bool) != Some(true) {
                    own.push(m);
                }
            }
            other => warnings
                .push(format!("history item {i} is a json {} (expected an object); skipped", json_type_name(other))),
        }
    }

    if items.is_empty() {
        steps_from_history(&own, &mut t, warnings);
    } else {
        header_from_history(&own, &mut t);
        steps_from_trajectory(items, &own, &mut t, warnings);
    }
    if t.steps.is_empty() {
        warnings.push("the swe-agent trajectory has no steps".to_string());
    }

    if let Some(info) = info {
        read_info(info, &mut t, warnings);
    }
    Ok(t)
}

/// An optional list field: absent or null is empty, another type is malformed.
fn list_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(format!("swe-agent `{key}` is a json {} (expected an array)", json_type_name(other))),
    }
}

/// Model name and instance id from the 1.x `replay_config` (a JSON string, or a dict in old demos).
fn read_replay_config(obj: &Map<String, Value>, t: &mut Trajectory, warnings: &mut Vec<String>) {
    let parsed;
    let cfg = match obj.get("replay_config") {
        Some(Value::String(s)) if !s.trim().is_empty() => match serde_json::from_str::<Value>(s) {
            Ok(v) => {
                parsed = v;
                &parsed
            }
            Err(_) => {
                warnings.push("swe-agent `replay_config` is not valid json; ignored".to_string());
                return;
            }
        },
        Some(v @ Value::Object(_)) => v,
        _ => return,
    };
    let s = |ptr: &str| cfg.pointer(ptr).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    if t.model.is_none() {
        t.model = s("/agent/model/name");
    }
    if t.instance_id.is_none() {
        t.instance_id = s("/problem_statement/id");
    }
}

fn role_of(m: &Map<String, Value>) -> &str {
    str_field(m, "role").unwrap_or("")
}

fn text_of(m: &Map<String, Value>) -> String {
    m.get("content").and_then(agent_content_text).unwrap_or_default()
}

/// Pushes the task message as a user step and records the problem statement.
fn push_task(m: &Map<String, Value>, t: &mut Trajectory) {
    let text = text_of(m);
    t.problem_statement = task_from_prompt(&text).or_else(|| (!text.trim().is_empty()).then(|| text.clone()));
    t.steps.push(Step::message(Role::User, text));
}

/// The system prompt and the task message that open the history (used with `trajectory` steps).
fn header_from_history(own: &[&Map<String, Value>], t: &mut Trajectory) {
    let mut have_system = false;
    for m in own {
        match role_of(m) {
            "system" if !have_system => {
                have_system = true;
                t.steps.push(Step::message(Role::System, text_of(m)));
            }
            "user" => {
                push_task(m, t);
                return;
            }
            "assistant" => return,
            _ => {}
        }
    }
}

/// The tool name of a SWE-agent action string: the command word for SWE-agent's own commands,
/// `bash` for anything else.
fn tool_name_of_action(action: &str) -> String {
    let first = action.split_whitespace().next().unwrap_or("");
    if SWE_AGENT_COMMANDS.contains(&first) {
        first.to_string()
    } else {
        "bash".to_string()
    }
}

/// A call of an action string.
fn call_of_action(action: &str) -> ToolCall {
    let action = action.trim();
    ToolCall {
        id: None,
        name: tool_name_of_action(action),
        arguments: serde_json::json!({ "command": action }),
        observation: None,
        exit_code: None,
    }
}

/// The calls of a 1.x history message's `tool_calls` (OpenAI shape).
fn calls_of_tool_calls(m: &Map<String, Value>, warnings: &mut Vec<String>) -> Vec<ToolCall> {
    let Some(Value::Array(calls)) = m.get("tool_calls") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in calls {
        let Some(c) = c.as_object() else {
            warnings.push("a history `tool_calls` entry is not an object; skipped".to_string());
            continue;
        };
        let func = c.get("function").and_then(Value::as_object);
        let name = func.and_then(|f| str_field(f, "name")).or_else(|| str_field(c, "name")).filter(|n| !n.is_empty());
        let Some(name) = name else {
            warnings.push("a history tool call has no function name; skipped".to_string());
            continue;
        };
        let arguments = agent_tool_arguments(func.and_then(|f| f.get("arguments")), name, warnings);
        out.push(ToolCall {
            id: str_field(c, "id").filter(|s| !s.is_empty()).map(str::to_string),
            name: name.to_string(),
            arguments,
            observation: None,
            exit_code: None,
        });
    }
    out
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty()).map(str::to_string)
}

/// One assistant step per `trajectory` item. The 1.x history message with the same action (the
/// next one in order) supplies the real tool calls (names, ids, JSON arguments).
fn steps_from_trajectory(items: &[Value], own: &[&Map<String, Value>], t: &mut Trajectory, warnings: &mut Vec<String>) {
    let assistant_msgs: Vec<&Map<String, Value>> =
        own.iter().copied().filter(|m| role_of(m) == "assistant" && m.contains_key("action")).collect();
    let mut cursor = 0usize;
    for (i, item) in items.iter().enumerate() {
        let Some(item) = item.as_object() else {
            warnings
                .push(format!("trajectory item {i} is a json {} (expected an object); skipped", json_type_name(item)));
            continue;
        };
        let action = str_field(item, "action").unwrap_or("");
        let thought = non_empty(str_field(item, "thought"));
        let text = str_field(item, "response").map(str::to_string).or_else(|| thought.clone()).unwrap_or_default();
        let observation = match item.get("observation") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => agent_content_text(other),
            None => None,
        };

        let mut calls = Vec::new();
        // The next history message with the same action (format errors and retries may sit
        // between them in the history).
        if !action.trim().is_empty() {
            let found = assistant_msgs[cursor..]
                .iter()
                .position(|h| str_field(h, "action").map(str::trim) == Some(action.trim()));
            if let Some(k) = found {
                calls = calls_of_tool_calls(assistant_msgs[cursor + k], warnings);
                cursor += k + 1;
            }
        }
        if calls.is_empty() && !action.trim().is_empty() {
            calls.push(call_of_action(action));
        }
        let has_call = !calls.is_empty();
        if let Some(last) = calls.last_mut() {
            last.observation = observation.clone();
        }
        let mut step =
            Step { role: Role::Assistant, text, thought, tool_calls: calls, observation: None, exit_code: None };
        step.sync_observation();
        t.steps.push(step);
        if !has_call {
            // A step whose action was empty (a format error, an exit): what it saw answers no
            // call.
            if let Some(o) = observation.filter(|o| !o.trim().is_empty()) {
                t.steps.push(orphan(o));
            }
        }
    }
}

/// Steps rebuilt from `history` alone (demonstration files and `.traj` files without items).
/// A user (0.x) or tool (1.x) message right after an assistant action is that action's result.
fn steps_from_history(own: &[&Map<String, Value>], t: &mut Trajectory, warnings: &mut Vec<String>) {
    let mut seen_task = false;
    // Index of the assistant step whose calls still wait for a result.
    let mut pending: Option<usize> = None;
    for m in own {
        let role = role_of(m);
        match role {
            "system" => {
                pending = None;
                t.steps.push(Step::message(Role::System, text_of(m)));
            }
            "assistant" => {
                let mut calls = calls_of_tool_calls(m, warnings);
                if calls.is_empty() {
                    if let Some(action) = str_field(m, "action").filter(|a| !a.trim().is_empty()) {
                        calls.push(call_of_action(action));
                    }
                }
                let has_calls = !calls.is_empty();
                t.steps.push(Step {
                    role: Role::Assistant,
                    text: text_of(m),
                    thought: non_empty(str_field(m, "thought")),
                    tool_calls: calls,
                    observation: None,
                    exit_code: None,
                });
                pending = has_calls.then(|| t.steps.len() - 1);
            }
            "tool" => {
                let text = text_of(m);
                let ids: Vec<&str> = match m.get("tool_call_ids") {
                    Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
                    _ => str_field(m, "tool_call_id").into_iter().collect(),
                };
                if !attach(t, pending, &ids, &text) {
                    t.steps.push(orphan(text));
                }
            }
            "user" => {
                if !seen_task && pending.is_none() {
                    seen_task = true;
                    push_task(m, t);
                    continue;
                }
                let text = text_of(m);
                let is_observation =
                    pending.is_some() && str_field(m, "message_type").is_none_or(|mt| mt == "observation");
                if !(is_observation && attach(t, pending, &[], &text)) {
                    t.steps.push(Step::message(Role::User, text));
                }
                pending = None;
            }
            other => {
                warnings.push(format!("history message with role `{other}` skipped"));
            }
        }
    }
    for s in &mut t.steps {
        s.sync_observation();
    }
}

/// Gives `text` to the first call of the pending step that has no result yet (or to the call with
/// one of `ids`). Returns whether it was attached.
fn attach(t: &mut Trajectory, pending: Option<usize>, ids: &[&str], text: &str) -> bool {
    let Some(step) = pending.and_then(|i| t.steps.get_mut(i)) else {
        return false;
    };
    let by_id = step
        .tool_calls
        .iter()
        .position(|c| c.observation.is_none() && c.id.as_deref().is_some_and(|id| ids.contains(&id)));
    let slot = by_id.or_else(|| step.tool_calls.iter().position(|c| c.observation.is_none()));
    match slot {
        Some(k) => {
            step.tool_calls[k].observation = Some(text.to_string());
            true
        }
        None => false,
    }
}

fn orphan(text: String) -> Step {
    Step {
        role: Role::Tool,
        observation: Some(text.clone()),
        text,
        thought: None,
        tool_calls: Vec::new(),
        exit_code: None,
    }
}

/// Patch, exit status and usage from `info`.
fn read_info(info: &Map<String, Value>, t: &mut Trajectory, warnings: &mut Vec<String>) {
    match info.get("submission") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => t.patch = Some(normalize_patch(s)),
        Some(other) => warnings.push(format!(
            "swe-agent `info.submission` is a json {} (expected a string); no patch taken",
            json_type_name(other)
        )),
    }
    t.outcome.exit_status = non_empty(str_field(info, "exit_status"));
    if let Some(Value::Object(stats)) = info.get("model_stats") {
        // `total_cost` is the running total of the whole batch, not this instance's.
        t.usage.cost = stats.get("instance_cost").and_then(lenient_f64);
        t.usage.prompt_tokens = stats.get("tokens_sent").and_then(lenient_u64);
        t.usage.completion_tokens = stats.get("tokens_received").and_then(lenient_u64);
        t.usage.api_calls = stats.get("api_calls").and_then(lenient_u64);
    }
}
