//! The OpenAI-chat family: rows whose steps are a list of `{role, content, tool_calls?,
//! tool_call_id?, name?}` messages under `trajectory` or `messages` (possibly a JSON string).
//!
//! One walk over the messages serves every format of the family; only the envelope differs:
//! * NV SWE-Zero / SWE-Hero: `trajectory`, `model_patch`, `repo`, `license`, `trajectory_id`,
//!   `dataset`, `instance_id`; no label.
//! * nebius SWE-rebench-openhands: `trajectory`, `model_patch`, `resolved` 0/1, `exit_status`,
//!   `trajectory_id`.
//! * SWE-Gym sampled: `messages`, `run_id`, `resolved`, `test_result{git_patch, report{resolved}}`.
//! * Open-SWE-Traces: `messages` (+`reasoning_content`), `resolved` 1/0/-1 (-1 = unknown),
//!   `metadata{teacher_model{name}, model_patch (string or `{patch}`)}`, `hf_dataset_name`.
//! * SWE-smith: `messages` (often a JSON string), `traj_id`, `resolved`, `model`, `patch`; calls are
//!   real `tool_calls`, `<function=…>` text in the content, fenced blocks, or an `action` field, and
//!   observations of text-based calls are the `user` messages that follow.
//! * Generic rows, including the re-wrapped SWE-Zero file `{model, messages, metadata{instance_id}}`.
//!
//! Assistant messages become agent steps; `tool` messages are paired with the preceding agent
//! step's calls by `tool_call_id`, else by position; unpaired ones become `Role::Tool` steps.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::nebius_swe_agent::{attach_observation, call_from_command, last_fenced_block};
use super::util;
use crate::model::{Format, Role, Step, ToolCall, Trajectory};

pub(crate) fn parse(v: &Value, format: Format, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("a json {} is not a chat record (expected an object)", util::json_type_name(v)))?;
    let messages = messages_of(obj, format)?;
    let mut t = Trajectory::new(format);
    read_envelope(obj, format, &mut t, warnings);
    let mode = call_mode(&messages, format);
    let first_user = walk(&messages, mode, &mut t.steps, warnings);
    if messages.is_empty() {
        warnings.push("the trajectory has no messages".into());
    }
    t.problem_statement = first_user.map(|s| util::task_text_in_prompt(&s));
    if t.repo.is_none() {
        t.repo = t.instance_id.as_deref().and_then(util::repo_from_instance_id);
    }
    Ok(t)
}

// ------------------------------------------------------------------------------------------------
// Messages

/// The message list: `trajectory` first for the formats that name it so, else `messages`; a JSON
/// string holding a list is decoded.
fn messages_of(obj: &Map<String, Value>, format: Format) -> Result<Cow<'_, [Value]>, String> {
    let keys = match format {
        Format::NvSweZero | Format::NebiusOpenhands => ["trajectory", "messages"],
        _ => ["messages", "trajectory"],
    };
    let Some((key, value)) = keys.iter().find_map(|k| obj.get(*k).filter(|v| !v.is_null()).map(|v| (*k, v))) else {
        return Err("the record has no `messages` or `trajectory` list".into());
    };
    match value {
        Value::Array(items) => Ok(Cow::Borrowed(items.as_slice())),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => Ok(Cow::Owned(items)),
            Ok(other) => {
                Err(format!("`{key}` is a json string holding {}, expected a list", util::a_json_type(&other)))
            }
            Err(e) => Err(format!("`{key}` is a string that is not valid json: {e}")),
        },
        other => Err(format!("`{key}` is {}, expected a list", util::a_json_type(other))),
    }
}

/// How a record states its tool calls. Decided once per record so that prose in a record with
/// real `tool_calls` is never mistaken for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallMode {
    /// OpenAI `tool_calls` (or legacy `function_call`).
    ToolCalls,
    /// `<function=NAME><parameter=KEY>VALUE</parameter></function>` inside the content.
    Xml,
    /// An `action` string on assistant messages (SWE-agent history style).
    Action,
    /// The last fenced block of the content (SWE-smith "ticks" split).
    Ticks,
}

impl CallMode {
    /// Whether calls are read from text, so that the following `user` message answers them.
    fn text_based(self) -> bool {
        self != CallMode::ToolCalls
    }
}

fn call_mode(messages: &[Value], format: Format) -> CallMode {
    let assistants = || {
        messages
            .iter()
            .filter_map(Value::as_object)
            .filter(|m| matches!(util::str_field(m, "role"), Some(r) if role_of(r) == Some(Kind::Assistant)))
    };
    let has_calls = |m: &Map<String, Value>| {
        matches!(m.get("tool_calls"), Some(Value::Array(a)) if !a.is_empty())
            || matches!(m.get("function_call"), Some(Value::Object(_)))
    };
    if assistants().any(has_calls) {
        return CallMode::ToolCalls;
    }
    if assistants().any(|m| content_mentions(m.get("content"), "<function=")) {
        return CallMode::Xml;
    }
    if assistants().any(|m| matches!(util::str_field(m, "action"), Some(a) if !a.trim().is_empty())) {
        return CallMode::Action;
    }
    if format == Format::SweSmith {
        return CallMode::Ticks;
    }
    CallMode::ToolCalls
}

fn content_mentions(content: Option<&Value>, needle: &str) -> bool {
    match content {
        Some(Value::String(s)) => s.contains(needle),
        Some(Value::Array(parts)) => parts.iter().any(|p| match p {
            Value::String(s) => s.contains(needle),
            Value::Object(o) => matches!(util::str_field(o, "text"), Some(s) if s.contains(needle)),
            _ => false,
        }),
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    System,
    User,
    Assistant,
    Tool,
}

fn role_of(role: &str) -> Option<Kind> {
    Some(match role {
        "system" | "developer" => Kind::System,
        "user" | "human" => Kind::User,
        "assistant" | "ai" | "gpt" | "model" => Kind::Assistant,
        "tool" | "function" | "ipython" | "observation" => Kind::Tool,
        _ => return None,
    })
}

/// Walks the messages into steps. Returns the text of the first user message.
fn walk(messages: &[Value], mode: CallMode, steps: &mut Vec<Step>, warnings: &mut Vec<String>) -> Option<String> {
    let mut first_user: Option<String> = None;
    // Index of the last agent step; tool results are paired with its calls.
    let mut last_agent: Option<usize> = None;
    for (i, item) in messages.iter().enumerate() {
        let Some(m) = item.as_object() else {
            warnings.push(format!("message {i} is {}, not an object; skipped", util::a_json_type(item)));
            continue;
        };
        let role_name = util::str_field(m, "role").unwrap_or("");
        let kind = role_of(role_name).unwrap_or_else(|| {
            warnings.push(format!(
                "message {i} has role {}; read as a user message",
                if role_name.is_empty() { "<none>".to_string() } else { format!("`{role_name}`") }
            ));
            Kind::User
        });
        let text = content_text(m.get("content"), i, warnings);
        match kind {
            Kind::System => steps.push(Step::message(Role::System, text)),
            Kind::User => {
                // A user message right after an agent step with text-based calls answers them.
                if mode.text_based() {
                    if let Some(prev) = steps.last_mut() {
                        if attach_observation(prev, &text) {
                            continue;
                        }
                    }
                }
                if first_user.is_none() {
                    first_user = Some(text.clone());
                }
                steps.push(Step::message(Role::User, text));
            }
            Kind::Assistant => {
                steps.push(agent_step(m, text, mode, i, warnings));
                last_agent = Some(steps.len() - 1);
            }
            Kind::Tool => {
                let paired =
                    last_agent.and_then(|k| steps.get_mut(k)).is_some_and(|step| pair_tool_result(step, m, &text));
                if !paired {
                    let mut step = Step::message(Role::Tool, text.clone());
                    step.exit_code = util::exit_code_in_observation(&text);
                    step.observation = Some(text);
                    steps.push(step);
                }
            }
        }
    }
    first_user
}

/// An agent step from an assistant message.
fn agent_step(m: &Map<String, Value>, text: String, mode: CallMode, i: usize, warnings: &mut Vec<String>) -> Step {
    let mut step = Step::message(Role::Assistant, text);
    step.thought = ["reasoning_content", "reasoning", "thought"]
        .iter()
        .find_map(|k| util::opt_string(m, k))
        .filter(|s| !s.trim().is_empty());
    match mode {
        CallMode::ToolCalls => {
            match m.get("tool_calls") {
                None | Some(Value::Null) => {}
                Some(Value::Array(calls)) => {
                    for (j, c) in calls.iter().enumerate() {
                        if let Some(call) = tool_call(c, i, j, warnings) {
                            step.tool_calls.push(call);
                        }
                    }
                }
                Some(other) => warnings
                    .push(format!("message {i}: `tool_calls` is {}, not a list; ignored", util::a_json_type(other))),
            }
            if let Some(fc @ Value::Object(_)) = m.get("function_call") {
                if let Some(call) = tool_call(fc, i, step.tool_calls.len(), warnings) {
                    step.tool_calls.push(call);
                }
            }
        }
        CallMode::Xml => step.tool_calls = xml_calls(&step.text),
        CallMode::Action => {
            if let Some(call) = util::str_field(m, "action").and_then(call_from_command) {
                step.tool_calls.push(call);
            }
        }
        CallMode::Ticks => {
            if let Some(call) = last_fenced_block(&step.text).and_then(call_from_command) {
                step.tool_calls.push(call);
            }
        }
    }
    if step.thought.is_none() {
        let thoughts: Vec<&str> = step
            .tool_calls
            .iter()
            .filter(|c| c.name == "think")
            .filter_map(|c| c.arguments.get("thought").and_then(Value::as_str))
            .filter(|s| !s.trim().is_empty())
            .collect();
        if !thoughts.is_empty() {
            step.thought = Some(thoughts.join("\n\n"));
        }
    }
    step
}

/// One OpenAI tool call (`{id, type, function{name, arguments}}`, or a flat `{name, arguments}`).
fn tool_call(c: &Value, i: usize, j: usize, warnings: &mut Vec<String>) -> Option<ToolCall> {
    let Some(obj) = c.as_object() else {
        warnings.push(format!("message {i}: tool call {j} is {}, not an object; skipped", util::a_json_type(c)));
        return None;
    };
    let func = obj.get("function").and_then(Value::as_object).unwrap_or(obj);
    let name = util::opt_string(func, "name").or_else(|| util::opt_string(obj, "name")).unwrap_or_else(|| {
        warnings.push(format!("message {i}: tool call {j} has no name; named `unknown`"));
        "unknown".to_string()
    });
    let raw_args = func.get("arguments").or_else(|| obj.get("arguments"));
    let arguments = arguments_value(raw_args, &format!("message {i}: tool call {j} (`{name}`)"), warnings);
    Some(ToolCall { id: util::opt_string(obj, "id"), name, arguments, observation: None, exit_code: None })
}

/// Arguments as JSON: a JSON string is parsed (one level of double encoding is undone); a string
/// that does not parse is kept as `Value::String`; any non-object result is kept with a warning.
fn arguments_value(raw: Option<&Value>, ctx: &str, warnings: &mut Vec<String>) -> Value {
    let value = match raw {
        None | Some(Value::Null) => return Value::Object(Map::new()),
        Some(Value::String(s)) if s.trim().is_empty() => return Value::Object(Map::new()),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::String(inner)) => match serde_json::from_str::<Value>(&inner) {
                Ok(v @ Value::Object(_)) => v,
                _ => Value::String(inner),
            },
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!("{ctx}: `arguments` is not valid json ({e}); kept as a string"));
                return Value::String(s.clone());
            }
        },
        Some(v) => v.clone(),
    };
    if !value.is_object() {
        warnings.push(format!("{ctx}: `arguments` is {}, expected an object; kept as is", util::a_json_type(&value)));
    }
    value
}

/// Calls written as `<function=NAME><parameter=KEY>VALUE</parameter>…</function>` in the text. An
/// unterminated last function (the closing tag is a common stop sequence) runs to the end.
fn xml_calls(text: &str) -> Vec<ToolCall> {
    const OPEN: &str = "<function=";
    const CLOSE: &str = "</function>";
    let mut calls = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(gt) = after.find('>') else { break };
        let name = after[..gt].trim();
        let body_all = &after[gt + 1..];
        let (body, next) = match body_all.find(CLOSE) {
            Some(end) => (&body_all[..end], &body_all[end + CLOSE.len()..]),
            None => (body_all, ""),
        };
        if !name.is_empty() && !name.contains('\n') {
            calls.push(ToolCall {
                id: None,
                name: name.to_string(),
                arguments: Value::Object(xml_parameters(body)),
                observation: None,
                exit_code: None,
            });
        }
        rest = next;
    }
    calls
}

/// `<parameter=KEY>VALUE</parameter>` pairs; one newline right inside each tag is layout, not value.
fn xml_parameters(body: &str) -> Map<String, Value> {
    const OPEN: &str = "<parameter=";
    const CLOSE: &str = "</parameter>";
    let mut params = Map::new();
    let mut rest = body;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(gt) = after.find('>') else { break };
        let key = after[..gt].trim();
        let value_all = &after[gt + 1..];
        let (value, next) = match value_all.find(CLOSE) {
            Some(end) => (&value_all[..end], &value_all[end + CLOSE.len()..]),
            None => (value_all, ""),
        };
        let value = value.strip_prefix('\n').unwrap_or(value);
        let value = value.strip_suffix('\n').unwrap_or(value);
        if !key.is_empty() {
            params.insert(key.to_string(), Value::String(value.to_string()));
        }
        rest = next;
    }
    params
}

/// Pairs a tool result with a call of `step`: by `tool_call_id`, else the first unanswered call
/// (preferring one whose name matches the message's `name`). Returns whether it paired.
fn pair_tool_result(step: &mut Step, m: &Map<String, Value>, text: &str) -> bool {
    let open = |c: &ToolCall| c.observation.is_none();
    let by_id = util::str_field(m, "tool_call_id")
        .filter(|id| !id.is_empty())
        .and_then(|id| step.tool_calls.iter().position(|c| open(c) && c.id.as_deref() == Some(id)));
    let by_name =
        || util::str_field(m, "name").and_then(|name| step.tool_calls.iter().position(|c| open(c) && c.name == name));
    let Some(k) = by_id.or_else(by_name).or_else(|| step.tool_calls.iter().position(open)) else {
        return false;
    };
    let call = &mut step.tool_calls[k];
    call.observation = Some(text.to_string());
    call.exit_code = util::exit_code_in_observation(text);
    step.sync_observation();
    true
}

/// Message content as text: a string; a list of parts (`{type: "text", text}` or strings) joined;
/// null or missing as empty. Other types are kept as their JSON text, with a warning.
fn content_text(content: Option<&Value>, i: usize, warnings: &mut Vec<String>) -> String {
    match content {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => {
            let mut out = String::new();
            let mut skipped: Vec<String> = Vec::new();
            for p in parts {
                match p {
                    Value::String(s) => out.push_str(s),
                    Value::Object(o) => match util::str_field(o, "text") {
                        Some(s) => out.push_str(s),
                        None => skipped.push(util::str_field(o, "type").unwrap_or("untyped").to_string()),
                    },
                    other => skipped.push(util::json_type_name(other).to_string()),
                }
            }
            if !skipped.is_empty() {
                let n = skipped.len();
                skipped.sort_unstable();
                skipped.dedup();
                warnings
                    .push(format!("message {i}: {n} content part(s) without text skipped ({})", skipped.join(", ")));
            }
            out
        }
        Some(Value::Object(o)) if util::str_field(o, "text").is_some() => {
            util::str_field(o, "text").unwrap_or("").to_string()
        }
        Some(other) => {
            warnings.push(format!(
                "message {i}: `content` is {}, not a string; kept as its json text",
                util::a_json_type(other)
            ));
            other.to_string()
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Envelope

/// A value at a path of object keys.
fn at<'a>(obj: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut v = obj.get(*first)?;
    for k in rest {
        v = v.as_object()?.get(*k)?;
    }
    Some(v)
}

/// The first non-empty string among paths; numbers are accepted as their decimal text.
fn first_string(obj: &Map<String, Value>, paths: &[&[&str]]) -> Option<String> {
    paths.iter().find_map(|p| match at(obj, p)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

pub(crate) fn read_envelope(obj: &Map<String, Value>, format: Format, t: &mut Trajectory, warnings: &mut Vec<String>) {
    t.instance_id = first_string(obj, &[&["instance_id"], &["metadata", "instance_id"]]);
    t.repo = first_string(obj, &[&["repo"], &["metadata", "repo"]]);
    t.dataset = first_string(obj, &[&["dataset"], &["hf_dataset_name"], &["metadata", "dataset"]]);
    t.license = first_string(obj, &[&["license"], &["metadata", "license"]]);
    t.model = first_string(
        obj,
        &[
            &["model"],
            &["model_name"],
            &["model_name_or_path"],
            &["metadata", "teacher_model", "name"],
            &["metadata", "model"],
        ],
    );
    if t.model.is_none() && format == Format::SweGym {
        // OpenHands run names are `<model>_maxiter_<n>_N_<note>`.
        t.model = util::str_field(obj, "run_id")
            .and_then(|r| r.split_once("_maxiter_"))
            .map(|(m, _)| m.to_string())
            .filter(|m| !m.is_empty());
    }
    t.trajectory_id = first_string(obj, &[&["trajectory_id"], &["traj_id"], &["metadata", "trajectory_id"]]);
    t.patch = read_patch(obj, warnings);
    t.outcome.resolved = read_resolved(obj, warnings);
    t.outcome.exit_status = first_string(obj, &[&["exit_status"], &["info", "exit_status"]]);
    t.outcome.error = first_string(obj, &[&["error"]]);
    read_usage(obj, t);
}

/// Where the agent's patch is looked for, in order.
pub(crate) const PATCH_PATHS: [&[&str]; 8] = [
    &["model_patch"],
    &["patch"],
    &["git_patch"],
    &["test_result", "git_patch"],
    &["metadata", "model_patch"],
    &["generated_patch"],
    &["info", "submission"],
    &["submission"],
];

/// The agent's patch: the first of the known fields that is present and not null.
pub(crate) fn read_patch(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Option<String> {
    for path in PATCH_PATHS {
        let name = path.join(".");
        match at(obj, path) {
            None | Some(Value::Null) => continue,
            Some(Value::String(p)) => return Some(util::normalize_patch(p)),
            // Open-SWE-Traces: `metadata.model_patch = {patch, num_modified_files, …}`.
            Some(Value::Object(o)) => match o.get("patch") {
                Some(Value::String(p)) => return Some(util::normalize_patch(p)),
                None | Some(Value::Null) => continue,
                Some(other) => {
                    warnings.push(format!("`{name}.patch` is {}, not a string; ignored", util::a_json_type(other)))
                }
            },
            Some(other) => warnings.push(format!("`{name}` is {}, not a string; ignored", util::a_json_type(other))),
        }
    }
    None
}

/// Resolved from the fields that state it: `resolved` (bool, 1/0; -1 and null are unknown), else
/// `test_result.report.resolved`.
fn read_resolved(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Option<bool> {
    let top = obj.get("resolved").and_then(|v| label(v, "resolved", warnings));
    let report =
        at(obj, &["test_result", "report", "resolved"]).and_then(|v| label(v, "test_result.report.resolved", warnings));
    if let (Some(a), Some(b)) = (top, report) {
        if a != b {
            warnings
                .push(format!("`resolved` ({a}) disagrees with `test_result.report.resolved` ({b}); `resolved` kept"));
        }
    }
    top.or(report)
}

fn label(v: &Value, name: &str, warnings: &mut Vec<String>) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64().or_else(|| n.as_f64().filter(|x| x.fract() == 0.0).map(|x| x as i64)) {
            Some(1) => Some(true),
            Some(0) => Some(false),
            Some(-1) => None,
            _ => {
                warnings.push(format!("`{name}` is {n}, not 0, 1 or -1; left unknown"));
                None
            }
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            "" | "-1" | "unknown" | "none" | "null" => None,
            _ => {
                warnings.push(format!("`{name}` is the string {s:?}; left unknown"));
                None
            }
        },
        other => {
            warnings.push(format!("`{name}` is {}; left unknown", util::a_json_type(other)));
            None
        }
    }
}

fn read_usage(obj: &Map<String, Value>, t: &mut Trajectory) {
    let u64_at = |paths: &[&[&str]]| paths.iter().find_map(|p| at(obj, p).and_then(as_count));
    let f64_at =
        |paths: &[&[&str]]| paths.iter().find_map(|p| at(obj, p).and_then(Value::as_f64).filter(|x| x.is_finite()));
    t.usage.prompt_tokens = u64_at(&[
        &["usage", "prompt_tokens"],
        &["usage", "input_tokens"],
        &["prompt_tokens"],
        &["metrics", "accumulated_token_usage", "prompt_tokens"],
    ]);
    t.usage.completion_tokens = u64_at(&[
        &["usage", "completion_tokens"],
        &["usage", "output_tokens"],
        &["completion_tokens"],
        &["metrics", "accumulated_token_usage", "completion_tokens"],
    ]);
    t.usage.api_calls = u64_at(&[&["usage", "api_calls"], &["api_calls"]]);
    t.usage.cost = f64_at(&[&["usage", "cost"], &["usage", "total_cost"], &["cost"], &["metrics", "accumulated_cost"]]);
}

fn as_count(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64().filter(|x| x.is_finite() && *x >= 0.0 && x.fract() == 0.0 && *x < 1.8e19).map(|x| x as u64)
    })
}
