//! Small helpers shared by the adapters: typed field access that never panics, text extraction
//! from content that may be a string or a list of parts, and patch normalization.

use serde_json::{Map, Value};

/// The JSON type name of a value, for messages.
pub fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A string field, or `None` when absent, null or not a string.
pub fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

/// A non-empty string field as an owned `String`.
pub fn opt_string(obj: &Map<String, Value>, key: &str) -> Option<String> {
    str_field(obj, key).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Normalizes a patch: CRLF to LF, a leading blank line (SWE-agent) removed.
pub fn normalize_patch(p: &str) -> String {
    let p = if p.contains('\r') { p.replace("\r\n", "\n") } else { p.to_string() };
    match p.strip_prefix('\n') {
        Some(rest) if rest.starts_with("diff ") || rest.starts_with("--- ") => rest.to_string(),
        _ => p,
    }
}

// ---- chat-family helpers (exit codes in observation text, repo from instance id, task text) ----

/// The exit code an observation text states, if any. Recognises the OpenHands bash footers
/// (`[The command completed with exit code 1.]`, `[Command finished with exit code 1]`), a line
/// `Exit code: N` and `<returncode>N</returncode>`. When several occur, the last one wins (the
/// footer follows the command's own output, which may quote such lines).
pub(crate) fn exit_code_in_observation(text: &str) -> Option<i64> {
    use std::sync::LazyLock;
    static EXIT_CODE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(concat!(
            r"(?m)^\[(?:The command completed|Command finished) with exit code (-?\d+)\.?\][ \t\r]*$",
            r"|(?mi)^exit code:?[ \t]*(-?\d+)[ \t\r]*$",
            r"|<returncode>[ \t]*(-?\d+)[ \t]*</returncode>",
        ))
        .expect("valid exit code regex")
    });
    if !text.contains("xit code") && !text.contains("returncode") {
        return None;
    }
    EXIT_CODE
        .captures_iter(text)
        .last()
        .and_then(|c| c.iter().skip(1).flatten().next().and_then(|m| m.as_str().parse::<i64>().ok()))
}

/// `owner/name` derived from an instance id: SWE-bench style `owner__name-123` (a trailing
/// sample suffix `_N` or `_runN` is ignored) or SWE-smith style `owner__name.<8 hex>.<task>`.
/// `None` when the id has neither shape.
pub(crate) fn repo_from_instance_id(id: &str) -> Option<String> {
    use std::sync::LazyLock;
    static SMITH: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^([A-Za-z0-9][A-Za-z0-9-]*)__([A-Za-z0-9_.-]+?)\.[0-9a-f]{8}(?:\.|$)")
            .expect("valid swe-smith id regex")
    });
    static BENCH: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^([A-Za-z0-9][A-Za-z0-9-]*)__([A-Za-z0-9_.-]+)-\d+$").expect("valid swe-bench id regex")
    });
    static SUFFIX: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"_(?:run)?\d+$").expect("valid suffix regex"));
    let id = id.trim();
    if let Some(c) = SMITH.captures(id) {
        return Some(format!("{}/{}", &c[1], &c[2]));
    }
    for candidate in [id, SUFFIX.replace(id, "").as_ref()] {
        if let Some(c) = BENCH.captures(candidate) {
            return Some(format!("{}/{}", &c[1], &c[2]));
        }
    }
    None
}

/// The task text inside an agent prompt: the content of the first of `<issue_description>`,
/// `<pr_description>`, `<issue>`, `<problem_statement>` that is present and non-empty, or the text
/// between SWE-agent's `ISSUE:` and `INSTRUCTIONS:` lines; otherwise the whole prompt.
pub(crate) fn task_text_in_prompt(prompt: &str) -> String {
    for tag in ["issue_description", "pr_description", "issue", "problem_statement"] {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        if let Some(start) = prompt.find(&open) {
            let body = &prompt[start + open.len()..];
            if let Some(end) = body.find(&close) {
                let inner = body[..end].trim();
                if !inner.is_empty() {
                    return inner.to_string();
                }
            }
        }
    }
    if let Some(start) = prompt.find("ISSUE:\n") {
        let body = &prompt[start + "ISSUE:\n".len()..];
        if let Some(end) = body.find("\nINSTRUCTIONS:") {
            let inner = body[..end].trim();
            if !inner.is_empty() {
                return inner.to_string();
            }
        }
    }
    prompt.to_string()
}

// ---------------------------------------------------------------------------------------------
// Helpers of the agent-run adapters (swe_agent, openhands, mini, preds, reports).

/// The text of a message `content`: a string as is, or a list of parts (`{"type":"text","text":…}`,
/// `{"text":…}` or plain strings) whose texts are joined by newlines. `None` for other values
/// (null, numbers, objects, lists without any text part).
pub fn agent_content_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter_map(|p| match p {
                    Value::String(s) => Some(s.as_str()),
                    Value::Object(o) => o.get("text").and_then(Value::as_str),
                    _ => None,
                })
                .collect();
            if texts.is_empty() {
                None
            } else {
                Some(texts.join("\n"))
            }
        }
        _ => None,
    }
}

/// A non-negative integer from a JSON number (an integral float counts) or a numeric string.
pub fn lenient_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f <= u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A signed integer from a JSON number (an integral float counts) or a numeric string.
pub fn lenient_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64().filter(|f| f.is_finite() && f.fract() == 0.0 && f.abs() <= i64::MAX as f64).map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A finite float from a JSON number or a numeric string.
pub fn lenient_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// The task text inside a templated first user message, when the template marks it:
/// `<pr_description>…</pr_description>` (mini-swe-agent, SWE-agent 1.x; a leading "Consider the
/// following PR description:" line is dropped), `<issue_description>…</issue_description>`
/// (OpenHands) or `ISSUE:\n…\n\nINSTRUCTIONS:` (SWE-agent 0.x). `None` when no marker is found or
/// the marked text is blank.
pub fn task_from_prompt(text: &str) -> Option<String> {
    fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
        let start = text.find(open)? + open.len();
        let end = text[start..].find(close)? + start;
        Some(&text[start..end])
    }
    let inner = between(text, "<pr_description>", "</pr_description>")
        .or_else(|| between(text, "<issue_description>", "</issue_description>"))
        .or_else(|| between(text, "ISSUE:\n", "\n\nINSTRUCTIONS:"))?;
    let inner = inner.trim_start_matches(['\n', '\r']);
    let inner = inner.strip_prefix("Consider the following PR description:").unwrap_or(inner);
    let inner = inner.trim();
    (!inner.is_empty()).then(|| inner.to_string())
}

/// Tool-call arguments as JSON: a JSON-string `arguments` is parsed (one that does not parse is
/// kept as `Value::String` and a warning is pushed), other values are kept as they are and a
/// missing value becomes `{}`.
pub fn agent_tool_arguments(raw: Option<&Value>, tool: &str, warnings: &mut Vec<String>) -> Value {
    match raw {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(Value::String(s)) => {
            if s.trim().is_empty() {
                return Value::Object(Map::new());
            }
            match serde_json::from_str::<Value>(s) {
                Ok(v) => v,
                Err(_) => {
                    warnings
                        .push(format!("the arguments of a `{tool}` tool call are not valid json; kept as a string"));
                    Value::String(s.clone())
                }
            }
        }
        Some(other) => other.clone(),
    }
}

/// The JSON type of a value with its article, for messages: "an object", "a string", "null".
pub(crate) fn a_json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
