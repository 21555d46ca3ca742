//! OpenHands `output.jsonl` records (`EvalOutput`): `{instance_id, instruction, instance,
//! test_result{git_patch, report{resolved}}, metadata{agent_class, llm_config{model}, …}, history,
//! metrics, error}`.
//!
//! `history` is an event stream: actions (`action` key) and observations (`observation` key) that
//! name the action they answer in `cause`. The older form, a list of `[action, observation]`
//! pairs, is read too. Each tool action (run, read, edit, think, finish, …) becomes one assistant
//! step with one call; its observation fills the call. Bookkeeping events (recall,
//! agent_state_changed, null, condensation) are skipped. The label is
//! `test_result.report.resolved` only (written by `eval_infer.py`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::util::{
    agent_tool_arguments, json_type_name, lenient_f64, lenient_i64, lenient_u64, normalize_patch, opt_string,
    str_field, task_from_prompt,
};
use crate::model::*;

/// Actions that are not agent steps: their observations are skipped with them.
const SKIPPED_ACTIONS: &[&str] = &["recall", "change_agent_state", "null", "condensation", "condensation_request"];

/// Observations that are bookkeeping, not tool results.
const SKIPPED_OBSERVATIONS: &[&str] = &["recall", "agent_state_changed", "null", "condensation"];

/// Parses one OpenHands `output.jsonl` record.
pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("an openhands record must be a json object, not a json {}", json_type_name(v)))?;
    let history: &[Value] = match obj.get("history") {
        None | Some(Value::Null) => {
            warnings.push("the openhands record has no history".to_string());
            &[]
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "openhands `history` is a json {} (expected an array of events)",
                json_type_name(other)
            ))
        }
    };

    let mut t = Trajectory::new(Format::OpenhandsEvents);
    let instance = obj.get("instance").and_then(Value::as_object);
    t.instance_id =
        id_string(obj.get("instance_id")).or_else(|| instance.and_then(|i| id_string(i.get("instance_id"))));
    t.repo = instance.and_then(|i| opt_string(i, "repo"));
    t.problem_statement = instance.and_then(|i| opt_string(i, "problem_statement"));
    if t.problem_statement.is_none() {
        if let Some(instr) = str_field(obj, "instruction").filter(|s| !s.trim().is_empty()) {
            t.problem_statement = Some(task_from_prompt(instr).unwrap_or_else(|| instr.to_string()));
        }
    }

    if let Some(md) = obj.get("metadata").and_then(Value::as_object) {
        t.model = md.get("llm_config").and_then(Value::as_object).and_then(|c| opt_string(c, "model"));
        t.dataset = opt_string(md, "dataset");
    }

    match obj.get("test_result") {
        Some(Value::Object(tr)) => {
            match tr.get("git_patch") {
                None | Some(Value::Null) => {}
                Some(Value::String(p)) => t.patch = Some(normalize_patch(p)),
                Some(other) => warnings.push(format!(
                    "openhands `test_result.git_patch` is a json {} (expected a string); no patch taken",
                    json_type_name(other)
                )),
            }
            t.outcome.resolved = tr.get("report").and_then(|r| r.get("resolved")).and_then(Value::as_bool);
        }
        None | Some(Value::Null) => {}
        Some(other) => warnings
            .push(format!("openhands `test_result` is a json {} (expected an object); ignored", json_type_name(other))),
    }

    match obj.get("error") {
        Some(Value::String(e)) if !e.trim().is_empty() => {
            let lower = e.to_ascii_lowercase();
            t.outcome.exit_status = Some(if lower.contains("maximum iteration") {
                "max_iterations".to_string()
            } else {
                "error".to_string()
            });
            t.outcome.error = Some(e.clone());
        }
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(other) => {
            t.outcome.exit_status = Some("error".to_string());
            t.outcome.error = Some(other.to_string());
        }
    }

    if let Some(m) = obj.get("metrics").and_then(Value::as_object) {
        t.usage.cost = m.get("accumulated_cost").and_then(lenient_f64);
        if let Some(u) = m.get("accumulated_token_usage").and_then(Value::as_object) {
            t.usage.prompt_tokens = u.get("prompt_tokens").and_then(lenient_u64);
            t.usage.completion_tokens = u.get("completion_tokens").and_then(lenient_u64);
        }
    }

    let mut b = Builder::default();
    for (i, ev) in history.iter().enumerate() {
        match ev {
            Value::Object(e) => {
                b.event(e, None, &mut t, warnings);
            }
            Value::Array(pair) => {
                // Older form: `[action, observation]`.
                let action = pair.first().and_then(Value::as_object);
                let obs = pair.get(1).and_then(Value::as_object);
                if action.is_none() && obs.is_none() {
                    warnings.push(format!("history entry {i} is an empty or non-object pair; skipped"));
                    continue;
                }
                let mut slot = None;
                if let Some(a) = action {
                    slot = b.event(a, None, &mut t, warnings);
                }
                if let Some(o) = obs {
                    b.event(o, Some(slot), &mut t, warnings);
                }
            }
            other => warnings.push(format!(
                "history entry {i} is a json {} (expected an event object); skipped",
                json_type_name(other)
            )),
        }
    }
    for s in &mut t.steps {
        s.sync_observation();
    }
    Ok(t)
}

/// An id that may be a string or a number.
fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Where an action's call went: `(step index, call index)`, or `None` for a skipped action.
type Slot = Option<(usize, usize)>;

#[derive(Default)]
struct Builder {
    /// Action event id → where its call went (`None` when the action was skipped).
    by_id: HashMap<i64, Slot>,
    /// Tool-call id → where its call went, for observations without a usable `cause`.
    by_call_id: HashMap<String, (usize, usize)>,
    seen_user_message: bool,
}

impl Builder {
    /// Handles one event. `paired` is `Some(slot)` for the observation of an `[action,
    /// observation]` pair. Returns where an action's call went.
    fn event(
        &mut self,
        e: &Map<String, Value>,
        paired: Option<Slot>,
        t: &mut Trajectory,
        warnings: &mut Vec<String>,
    ) -> Slot {
        if let Some(action) = e.get("action") {
            let slot = self.action(e, action.as_str().unwrap_or(""), t, warnings);
            if let Some(id) = e.get("id").and_then(lenient_i64) {
                self.by_id.insert(id, slot);
            }
            return slot;
        }
        if let Some(obs) = e.get("observation") {
            self.observation(e, obs.as_str().unwrap_or(""), paired, t);
            return None;
        }
        warnings.push("a history event has neither `action` nor `observation`; skipped".to_string());
        None
    }

    fn action(&mut self, e: &Map<String, Value>, action: &str, t: &mut Trajectory, warnings: &mut Vec<String>) -> Slot {
        let args = e.get("args").and_then(Value::as_object);
        let arg = |k: &str| args.and_then(|a| str_field(a, k));
        let source = str_field(e, "source").unwrap_or("");
        match action {
            a if SKIPPED_ACTIONS.contains(&a) => None,
            "system" => {
                let text = arg("content").or_else(|| str_field(e, "message")).unwrap_or("");
                t.steps.push(Step::message(Role::System, text));
                None
            }
            "message" => {
                let text = arg("content").or_else(|| str_field(e, "message")).unwrap_or("").to_string();
                if source == "user" {
                    if !self.seen_user_message && t.problem_statement.is_none() && !text.trim().is_empty() {
                        t.problem_statement = Some(task_from_prompt(&text).unwrap_or_else(|| text.clone()));
                    }
                    self.seen_user_message = true;
                    t.steps.push(Step::message(Role::User, text));
                } else {
                    let mut step = Step::message(Role::Assistant, text);
                    step.thought = arg("thought").filter(|s| !s.trim().is_empty()).map(str::to_string);
                    t.steps.push(step);
                }
                None
            }
            "" => {
                warnings.push("a history action has no type name; skipped".to_string());
                None
            }
            _ => {
                let call = tool_call(e, action, args, warnings);
                let thought = arg("thought").filter(|s| !s.trim().is_empty()).map(str::to_string);
                let call_id = call.id.clone();
                t.steps.push(Step {
                    role: Role::Assistant,
                    text: String::new(),
                    thought,
                    tool_calls: vec![call],
                    observation: None,
                    exit_code: None,
                });
                let at = (t.steps.len() - 1, 0);
                if let Some(id) = call_id {
                    self.by_call_id.insert(id, at);
                }
                Some(at)
            }
        }
    }

    fn observation(&mut self, e: &Map<String, Value>, obs: &str, paired: Option<Slot>, t: &mut Trajectory) {
        // Where the observation belongs: the pair's action, else `cause`, else the tool call id.
        let target: Slot = match paired {
            Some(slot) => slot,
            None => match e.get("cause").and_then(lenient_i64) {
                Some(cause) => match self.by_id.get(&cause) {
                    Some(slot) => *slot,
                    None => self.by_tool_call_id(e),
                },
                None => self.by_tool_call_id(e),
            },
        };
        if SKIPPED_OBSERVATIONS.contains(&obs) {
            return;
        }
        let content = match e.get("content") {
            Some(Value::String(s)) => s.clone(),
            _ => str_field(e, "message").unwrap_or("").to_string(),
        };
        let exit_code = exit_code_of(e);
        if let Some((si, ci)) = target {
            if let Some(call) = t.steps.get_mut(si).and_then(|s| s.tool_calls.get_mut(ci)) {
                if call.observation.is_none() {
                    call.observation = Some(content);
                    call.exit_code = exit_code;
                    return;
                }
            }
        } else if paired.is_some() || self.caused_by_skipped(e) {
            // The answer to a skipped action (a message's null observation, a recall).
            return;
        }
        t.steps.push(Step {
            role: Role::Tool,
            text: content.clone(),
            thought: None,
            tool_calls: Vec::new(),
            observation: Some(content),
            exit_code,
        });
    }

    fn by_tool_call_id(&self, e: &Map<String, Value>) -> Slot {
        let id = e.get("tool_call_metadata").and_then(|m| m.get("tool_call_id")).and_then(Value::as_str)?;
        self.by_call_id.get(id).copied()
    }

    fn caused_by_skipped(&self, e: &Map<String, Value>) -> bool {
        e.get("cause").and_then(lenient_i64).and_then(|c| self.by_id.get(&c)).is_some_and(Option::is_none)
    }
}

/// The exit code an observation states: `extras.metadata.exit_code` (current OpenHands) or
/// `extras.exit_code` (older). OpenHands' `CmdOutputMetadata` defaults `exit_code` (like `pid`) to
/// -1 when no code was captured (timeouts, still-running commands); a real exit code is never
/// negative, so -1 is read as unknown.
fn exit_code_of(e: &Map<String, Value>) -> Option<i64> {
    let extras = e.get("extras")?.as_object()?;
    let code = extras
        .get("metadata")
        .and_then(|m| m.get("exit_code"))
        .or_else(|| extras.get("exit_code"))
        .and_then(lenient_i64)?;
    (code != -1).then_some(code)
}

/// The call of a tool action. Name: `tool_call_metadata.function_name`, else mapped from the
/// action type. Arguments: the JSON arguments the model sent (found in
/// `tool_call_metadata.model_response` by the call id), else rebuilt from `args`.
fn tool_call(
    e: &Map<String, Value>,
    action: &str,
    args: Option<&Map<String, Value>>,
    warnings: &mut Vec<String>,
) -> ToolCall {
    let meta = e.get("tool_call_metadata").and_then(Value::as_object);
    let id = meta.and_then(|m| str_field(m, "tool_call_id")).filter(|s| !s.is_empty()).map(str::to_string);
    let meta_name = meta.and_then(|m| str_field(m, "function_name")).filter(|s| !s.is_empty());
    let (mapped_name, mapped_args) = mapped_call(action, args);
    let name = meta_name.map(str::to_string).unwrap_or(mapped_name);
    let sent = match (meta, id.as_deref()) {
        (Some(m), Some(id)) => sent_arguments(m, id),
        _ => None,
    };
    let arguments = match sent {
        Some(raw) => agent_tool_arguments(Some(raw), &name, warnings),
        None => mapped_args,
    };
    ToolCall { id, name, arguments, observation: None, exit_code: None }
}

/// The raw `function.arguments` of the call `id` in the model response that produced the action.
fn sent_arguments<'a>(meta: &'a Map<String, Value>, id: &str) -> Option<&'a Value> {
    let choices = meta.get("model_response")?.get("choices")?.as_array()?;
    choices
        .iter()
        .filter_map(|c| c.get("message")?.get("tool_calls")?.as_array())
        .flatten()
        .find(|tc| tc.get("id").and_then(Value::as_str) == Some(id))
        .and_then(|tc| tc.get("function")?.get("arguments"))
}

/// Tool name and arguments rebuilt from an action's type and `args`, for events without
/// `tool_call_metadata` (older OpenHands, non-function-calling agents).
fn mapped_call(action: &str, args: Option<&Map<String, Value>>) -> (String, Value) {
    let mut out = Map::new();
    let copy = |out: &mut Map<String, Value>, keys: &[&str]| {
        if let Some(a) = args {
            for k in keys {
                match a.get(*k) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        out.insert((*k).to_string(), v.clone());
                    }
                }
            }
        }
    };
    let name = match action {
        "run" => {
            copy(&mut out, &["command"]);
            "execute_bash"
        }
        "run_ipython" => {
            copy(&mut out, &["code"]);
            "execute_ipython_cell"
        }
        "read" => {
            out.insert("command".into(), Value::String("view".into()));
            copy(&mut out, &["path", "view_range"]);
            "str_replace_editor"
        }
        "edit" => {
            let has_command =
                args.and_then(|a| a.get("command")).and_then(Value::as_str).is_some_and(|c| !c.is_empty());
            if has_command {
                copy(&mut out, &["command", "path", "file_text", "old_str", "new_str", "insert_line", "view_range"]);
                "str_replace_editor"
            } else {
                // The older LLM-based editor: whole-content edits.
                copy(&mut out, &["path", "content", "start", "end"]);
                "edit_file"
            }
        }
        "think" => {
            copy(&mut out, &["thought"]);
            "think"
        }
        "finish" => {
            if let Some(a) = args {
                for (k, v) in a {
                    if k != "thought" && !v.is_null() {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            "finish"
        }
        other => {
            if let Some(a) = args {
                for (k, v) in a {
                    if k != "thought" && !v.is_null() {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            other
        }
    };
    (name.to_string(), Value::Object(out))
}
