//! mini-swe-agent `.traj.json` files: v1 (`trajectory_format: "mini-swe-agent-1"`) and v2
//! (`"mini-swe-agent-1.1"`).
//!
//! v1: the action is the one ```` ```bash ```` block of an assistant message (mini rejects a message
//! with zero or several blocks, so such a message has no call); the next user message is the
//! observation (`<returncode>N</returncode>\n<output>…</output>`, a timeout notice, or, after the
//! submission command, the submitted diff). v2: assistant messages carry `extra.actions` and, for
//! tool-calling models, OpenAI `tool_calls` answered by `role: "tool"` messages; observations carry
//! `extra.returncode`; the run ends with a `{"role": "exit", "extra": {exit_status, submission}}`
//! message. The command that echoes the submission marker is named `submit`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::util::{
    agent_content_text, agent_tool_arguments, json_type_name, lenient_f64, lenient_i64, lenient_u64, normalize_patch,
    str_field, task_from_prompt,
};
use crate::model::*;

/// A fenced action block: ```` ```bash ```` (v1) or ```` ```mswea_bash_command ```` (v2 text-based).
static FENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)```(?:bash|mswea_bash_command)\s*\n(.*?)\n```").expect("valid regex"));

/// The submission command: it echoes the marker mini-swe-agent looks for in the output.
static SUBMIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\b(?:echo|printf)\s+(?:-[a-zA-Z]+\s+)*['"]?(?:COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT|MINI_SWE_AGENT_FINAL_OUTPUT)\b"#)
        .expect("valid regex")
});

/// The exit code at the start of an observation (after an optional `<exception>` block).
static RETURNCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)\A\s*(?:<exception>.*?</exception>\s*)?<returncode>\s*(-?\d+)\s*</returncode>")
        .expect("valid regex")
});

/// Parses one mini-swe-agent trajectory object.
pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v.as_object().ok_or_else(|| {
        format!("a mini-swe-agent trajectory must be a json object, not a json {}", json_type_name(v))
    })?;
    let messages = match obj.get("messages") {
        Some(Value::Array(m)) => m,
        None | Some(Value::Null) => return Err("mini-swe-agent trajectory has no `messages` array".into()),
        Some(other) => {
            return Err(format!("mini-swe-agent `messages` is a json {} (expected an array)", json_type_name(other)))
        }
    };
    let info = match obj.get("info") {
        None | Some(Value::Null) => None,
        Some(Value::Object(i)) => Some(i),
        Some(other) => {
            return Err(format!("mini-swe-agent `info` is a json {} (expected an object)", json_type_name(other)))
        }
    };

    let mut t = Trajectory::new(Format::MiniSweAgent);
    t.instance_id = str_field(obj, "instance_id").filter(|s| !s.is_empty()).map(str::to_string);

    let mut exit_extra: Option<&Map<String, Value>> = None;
    let mut pending: Option<usize> = None;
    let mut seen_task = false;
    // Token sums over assistant messages; `None` once one message lacks usage.
    let mut tokens: Option<(u64, u64)> = Some((0, 0));
    let mut n_assistant = 0usize;

    for (i, m) in messages.iter().enumerate() {
        let Some(m) = m.as_object() else {
            warnings.push(format!("message {i} is a json {} (expected an object); skipped", json_type_name(m)));
            continue;
        };
        let text = m.get("content").and_then(agent_content_text).unwrap_or_default();
        let extra = m.get("extra").and_then(Value::as_object);
        match str_field(m, "role").unwrap_or("") {
            "system" => t.steps.push(Step::message(Role::System, text)),
            "assistant" => {
                n_assistant += 1;
                tokens = tokens.and_then(|(p, c)| {
                    let u = extra?.get("response")?.get("usage")?;
                    Some((
                        p + u.get("prompt_tokens").and_then(lenient_u64)?,
                        c + u.get("completion_tokens").and_then(lenient_u64)?,
                    ))
                });
                let step = assistant_step(m, extra, text, warnings);
                let has_calls = !step.tool_calls.is_empty();
                t.steps.push(step);
                pending = has_calls.then(|| t.steps.len() - 1);
            }
            "tool" => {
                let id = str_field(m, "tool_call_id");
                let code = exit_code(extra, &text);
                if !attach(&mut t, pending, id, &text, code) {
                    t.steps.push(Step {
                        role: Role::Tool,
                        observation: Some(text.clone()),
                        text,
                        thought: None,
                        tool_calls: Vec::new(),
                        exit_code: code,
                    });
                }
            }
            "user" => {
                if !seen_task && pending.is_none() && t.steps.iter().all(|s| s.role != Role::Assistant) {
                    seen_task = true;
                    t.problem_statement =
                        task_from_prompt(&text).or_else(|| (!text.trim().is_empty()).then(|| text.clone()));
                    t.steps.push(Step::message(Role::User, text));
                    continue;
                }
                // Format errors and other interruptions are messages to the agent, not results.
                let interrupt = extra.is_some_and(|e| e.contains_key("interrupt_type"));
                let code = exit_code(extra, &text);
                if interrupt || !attach(&mut t, pending, None, &text, code) {
                    t.steps.push(Step::message(Role::User, text));
                    pending = None;
                }
            }
            "exit" => {
                exit_extra = extra;
                // v2 raises on the submission before an observation is written: the exit message
                // carries what the submit command produced.
                if let Some(step) = pending.and_then(|p| t.steps.get_mut(p)) {
                    if let Some(call) =
                        step.tool_calls.iter_mut().find(|c| c.name == "submit" && c.observation.is_none())
                    {
                        call.observation = Some(text);
                    }
                }
                pending = None;
            }
            other => warnings.push(format!("message {i} has role `{other}`; skipped")),
        }
    }
    for s in &mut t.steps {
        s.sync_observation();
    }

    // Outcome and usage: `info` first, then the v2 exit message.
    let field = |k: &str| -> Option<&Value> {
        info.and_then(|i| i.get(k))
            .filter(|v| !v.is_null())
            .or_else(|| exit_extra.and_then(|e| e.get(k)).filter(|v| !v.is_null()))
    };
    t.outcome.exit_status = field("exit_status").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    match field("submission") {
        None => {}
        Some(Value::String(s)) => {
            let submitted = t.outcome.exit_status.as_deref().is_none_or(|e| e == "Submitted");
            if submitted || s.is_empty() || looks_like_diff(s) {
                t.patch = Some(normalize_patch(s));
            } else {
                // On other exits mini stores the exception text in `submission`.
                t.outcome.error = Some(s.clone());
            }
        }
        Some(other) => warnings.push(format!(
            "mini-swe-agent `submission` is a json {} (expected a string); no patch taken",
            json_type_name(other)
        )),
    }
    if let Some(info) = info {
        if let Some(stats) = info.get("model_stats").and_then(Value::as_object) {
            t.usage.cost = stats.get("instance_cost").and_then(lenient_f64);
            t.usage.api_calls = stats.get("api_calls").and_then(lenient_u64);
        }
        t.model = info
            .get("config")
            .and_then(|c| c.get("model"))
            .and_then(|m| m.get("model_name"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
    }
    if n_assistant > 0 {
        if let Some((p, c)) = tokens {
            t.usage.prompt_tokens = Some(p);
            t.usage.completion_tokens = Some(c);
        }
    }
    Ok(t)
}

fn looks_like_diff(s: &str) -> bool {
    let s = s.trim_start();
    s.starts_with("diff ") || s.starts_with("--- ") || s.contains("\ndiff --git ")
}

/// An assistant message as a step: calls from `tool_calls` (v2 tool calling), else from
/// `extra.actions` (v2), else from the one fenced block of the content (v1 and v2 text-based).
fn assistant_step(
    m: &Map<String, Value>,
    extra: Option<&Map<String, Value>>,
    text: String,
    warnings: &mut Vec<String>,
) -> Step {
    let mut calls = Vec::new();
    let mut thought = None;
    if let Some(Value::Array(tcs)) = m.get("tool_calls") {
        for tc in tcs {
            let Some(tc) = tc.as_object() else {
                warnings.push("an assistant `tool_calls` entry is not an object; skipped".to_string());
                continue;
            };
            let func = tc.get("function").and_then(Value::as_object);
            let name = func.and_then(|f| str_field(f, "name")).filter(|n| !n.is_empty()).unwrap_or("bash");
            let arguments = agent_tool_arguments(func.and_then(|f| f.get("arguments")), name, warnings);
            calls.push(call(str_field(tc, "id").map(str::to_string), name, arguments));
        }
    }
    let tool_calling = !calls.is_empty();
    if calls.is_empty() {
        if let Some(Value::Array(actions)) = extra.and_then(|e| e.get("actions")) {
            for a in actions {
                let Some(cmd) = a.get("command").and_then(Value::as_str) else {
                    warnings.push("an `extra.actions` entry has no command; skipped".to_string());
                    continue;
                };
                let id = a.get("tool_call_id").and_then(Value::as_str).map(str::to_string);
                calls.push(call(id, "bash", serde_json::json!({ "command": cmd.trim() })));
            }
        }
    }
    let blocks: Vec<regex::Captures> = FENCE.captures_iter(&text).collect();
    if calls.is_empty() && blocks.len() == 1 {
        let cmd = blocks[0].get(1).map_or("", |g| g.as_str()).trim();
        calls.push(call(None, "bash", serde_json::json!({ "command": cmd })));
    }
    // The THOUGHT section before the action block (text-based models only).
    if let Some(first) = blocks.first().and_then(|c| c.get(0)).filter(|_| !tool_calling) {
        let before = text[..first.start()].trim();
        let before = before.strip_prefix("THOUGHT:").unwrap_or(before).trim();
        if !before.is_empty() {
            thought = Some(before.to_string());
        }
    }
    if thought.is_none() {
        thought = str_field(m, "reasoning_content").filter(|s| !s.trim().is_empty()).map(str::to_string);
    }
    Step { role: Role::Assistant, text, thought, tool_calls: calls, observation: None, exit_code: None }
}

/// A call; a bash call that echoes the submission marker is named `submit`.
fn call(id: Option<String>, name: &str, arguments: Value) -> ToolCall {
    let is_submit =
        name == "bash" && arguments.get("command").and_then(Value::as_str).is_some_and(|c| SUBMIT.is_match(c));
    ToolCall {
        id: id.filter(|s| !s.is_empty()),
        name: if is_submit { "submit".to_string() } else { name.to_string() },
        arguments,
        observation: None,
        exit_code: None,
    }
}

/// The exit code of an observation: v2 `extra.returncode`, else the leading `<returncode>`.
fn exit_code(extra: Option<&Map<String, Value>>, text: &str) -> Option<i64> {
    extra
        .and_then(|e| e.get("returncode"))
        .and_then(lenient_i64)
        .or_else(|| RETURNCODE.captures(text)?.get(1)?.as_str().parse().ok())
}

/// Gives an observation to the call with `id` (or the first unanswered call) of the pending step.
fn attach(t: &mut Trajectory, pending: Option<usize>, id: Option<&str>, text: &str, code: Option<i64>) -> bool {
    let Some(step) = pending.and_then(|p| t.steps.get_mut(p)) else {
        return false;
    };
    let by_id =
        id.and_then(|id| step.tool_calls.iter().position(|c| c.observation.is_none() && c.id.as_deref() == Some(id)));
    let slot = by_id.or_else(|| step.tool_calls.iter().position(|c| c.observation.is_none()));
    match slot {
        Some(k) => {
            let c = &mut step.tool_calls[k];
            c.observation = Some(text.to_string());
            c.exit_code = code;
            true
        }
        None => false,
    }
}
