//! SWE-bench prediction records (`{instance_id, model_patch, model_name_or_path}`, one per line of
//! `all_preds.jsonl`, or the values of a `preds.json` dict, or the elements of a JSON array) and
//! Multi-SWE-bench predictions (`{org, repo, number, fix_patch}`). A prediction is a trajectory with
//! no steps: it carries the instance, the model and the patch.

use serde_json::{Map, Value};

use super::util::{json_type_name, normalize_patch, str_field};
use crate::model::*;

/// Parses one prediction record.
pub(crate) fn parse(v: &Value, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("a prediction record must be a json object, not a json {}", json_type_name(v)))?;
    let mut t = Trajectory::new(Format::SwebenchPreds);

    let org = str_field(obj, "org").filter(|s| !s.is_empty());
    let repo = str_field(obj, "repo").filter(|s| !s.is_empty());
    let number = match obj.get("number") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let multi_id = match (org, repo, &number) {
        (Some(o), Some(r), Some(n)) => Some(format!("{o}__{r}-{n}")),
        _ => None,
    };
    t.instance_id = match obj.get("instance_id") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => multi_id.clone(),
    };
    if t.instance_id.is_none() {
        return Err(
            "a prediction record has no `instance_id` (nor multi-swe-bench `org`, `repo` and `number`)".to_string()
        );
    }
    if let (Some(id), Some(multi)) = (&t.instance_id, &multi_id) {
        if id != multi {
            warnings
                .push(format!("`instance_id` {id} differs from the id {multi} built from `org`, `repo` and `number`"));
        }
    }
    // Multi-SWE-bench names the repository by `org` and `repo`; a `repo` that is already
    // `owner/name` (SWE-bench instance rows) is taken as is.
    t.repo = match (org, repo) {
        (Some(o), Some(r)) if !r.contains('/') => Some(format!("{o}/{r}")),
        (_, Some(r)) if r.contains('/') => Some(r.to_string()),
        _ => None,
    };
    t.model = str_field(obj, "model_name_or_path").filter(|s| !s.is_empty()).map(str::to_string);

    let (key, patch) = match (obj.get("model_patch"), obj.get("fix_patch")) {
        (Some(p), _) => ("model_patch", p),
        (None, Some(p)) => ("fix_patch", p),
        (None, None) => {
            return Err("a prediction record has no `model_patch` or `fix_patch`".to_string());
        }
    };
    t.patch = match patch {
        Value::Null => None,
        Value::String(s) => Some(normalize_patch(s)),
        other => return Err(format!("prediction `{key}` is a json {} (expected a string)", json_type_name(other))),
    };
    if let Some(p) = t.patch.as_deref().filter(|p| !p.trim().is_empty() && !looks_like_diff(p)) {
        let head: String = p.trim().chars().take(40).collect();
        warnings.push(format!("prediction `{key}` is not a unified diff (starts {head:?}); stored as it is"));
    }
    Ok(t)
}

/// Whether a patch text is a unified diff: it has a `diff --git` line, or `--- `/`+++ ` file
/// headers, or a hunk header.
fn looks_like_diff(p: &str) -> bool {
    p.lines()
        .any(|l| l.starts_with("diff --git ") || l.starts_with("--- ") || l.starts_with("+++ ") || l.starts_with("@@ "))
}

/// A `preds.json` dict: `{instance_id: {model_patch, …}}`.
pub(crate) fn looks_like_preds_dict(obj: &Map<String, Value>) -> bool {
    !obj.is_empty() && obj.values().all(|v| v.get("model_patch").is_some())
}

/// Splits a container (array of records, or preds dict) into its records. A dict value that lacks
/// `instance_id` gets its key as the id, so the record stays joinable.
pub(crate) fn split_container(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        Value::Object(obj) => obj
            .into_iter()
            .map(|(k, mut v)| {
                if let Value::Object(inner) = &mut v {
                    if !matches!(inner.get("instance_id"), Some(Value::String(s)) if !s.is_empty()) {
                        inner.insert("instance_id".to_string(), Value::String(k));
                    }
                }
                v
            })
            .collect(),
        _ => Vec::new(),
    }
}
