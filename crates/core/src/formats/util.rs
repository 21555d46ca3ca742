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
