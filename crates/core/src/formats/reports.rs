//! Report files that state resolved/unresolved outcomes:
//!
//! * the SWE-bench harness per-instance `report.json`: `{patch_is_None, patch_exists,
//!   patch_successfully_applied, resolved, tests_status}`, either wrapped as `{<instance_id>: {…}}`
//!   (as the harness writes it) or bare, with the id in the file name `<instance_id>.report.json`;
//! * run-level reports (harness / sb-cli): `{resolved_ids, unresolved_ids, error_ids,
//!   empty_patch_ids, …}`;
//! * `results_summary.json`-style lists: `{instances: [{instance_id, resolved}]}`.
//!
//! Per-instance reports give `PerInstance` facts, the lists give `RunLevel` facts. Ids a report only
//! lists as completed, submitted or incomplete say nothing about resolution and give no fact.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::util::json_type_name;
use crate::model::*;

/// Keys only a per-instance harness report has (next to `resolved`).
const PER_INSTANCE_KEYS: &[&str] = &["patch_successfully_applied", "patch_exists", "patch_is_None", "tests_status"];

/// Run-level id lists and the outcome they state.
const RUN_LEVEL_LISTS: &[(&str, bool)] =
    &[("resolved_ids", true), ("unresolved_ids", false), ("error_ids", false), ("empty_patch_ids", false)];

/// Keys of trajectory records: an object with any of them is never a report.
const RECORD_KEYS: &[&str] = &["messages", "trajectory", "history", "model_patch", "fix_patch"];

fn is_per_instance(obj: &Map<String, Value>) -> bool {
    obj.get("resolved").is_some_and(Value::is_boolean) && PER_INSTANCE_KEYS.iter().any(|k| obj.contains_key(*k))
}

fn is_wrapped(obj: &Map<String, Value>) -> bool {
    !obj.is_empty() && obj.values().all(|v| v.as_object().is_some_and(is_per_instance))
}

fn is_run_level(obj: &Map<String, Value>) -> bool {
    ["resolved_ids", "unresolved_ids"].iter().any(|k| matches!(obj.get(*k), Some(Value::Array(_))))
}

fn is_summary(obj: &Map<String, Value>) -> bool {
    let Some(Value::Array(items)) = obj.get("instances") else {
        return false;
    };
    let entry = |v: &Value| v.as_object().is_some_and(|o| o.contains_key("instance_id") && o.contains_key("resolved"));
    if items.is_empty() {
        // An empty list is a summary only if the totals around it say so.
        return ["total", "passed", "resolved"].iter().any(|k| obj.contains_key(*k));
    }
    items.iter().all(entry)
}

/// Whether an object is a report file (checked before any trajectory format).
pub(crate) fn looks_like_report(obj: &Map<String, Value>, _file_name: &str) -> bool {
    if RECORD_KEYS.iter().any(|k| obj.contains_key(*k)) {
        return false;
    }
    is_per_instance(obj) || is_run_level(obj) || is_summary(obj) || is_wrapped(obj)
}

/// The instance id in a `<instance_id>.report.json` file name.
fn id_from_file_name(file_name: &str) -> Option<&str> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    base.strip_suffix(".report.json").filter(|s| !s.is_empty())
}

/// Reads the outcome facts of a report file.
pub(crate) fn parse(v: &Value, file_name: &str, warnings: &mut Vec<String>) -> Result<Vec<OutcomeFact>, String> {
    let obj =
        v.as_object().ok_or_else(|| format!("a report must be a json object, not a json {}", json_type_name(v)))?;

    if is_per_instance(obj) {
        let id = match obj.get("instance_id") {
            Some(Value::String(s)) if !s.is_empty() => s.as_str(),
            _ => id_from_file_name(file_name).ok_or_else(|| {
                format!(
                    "the per-instance report {file_name} names no instance (expected a `{{<instance_id>: {{…}}}}` wrapper, an `instance_id` field or a `<instance_id>.report.json` file name)"
                )
            })?,
        };
        let resolved = obj.get("resolved").and_then(Value::as_bool).unwrap_or(false);
        return Ok(vec![fact(id, resolved, OutcomePrecedence::PerInstance)]);
    }

    if is_wrapped(obj) {
        let from_name = id_from_file_name(file_name);
        let mut facts = Vec::with_capacity(obj.len());
        for (id, inner) in obj {
            if let Some(named) = from_name {
                if named != id {
                    warnings.push(format!("report for {id} is in a file named for {named}"));
                }
            }
            if let Some(resolved) = inner.get("resolved").and_then(Value::as_bool) {
                facts.push(fact(id, resolved, OutcomePrecedence::PerInstance));
            }
        }
        return Ok(facts);
    }

    if is_run_level(obj) {
        return Ok(run_level(obj, warnings));
    }

    if is_summary(obj) {
        return Ok(summary(obj, warnings));
    }

    let mut keys: Vec<&str> = obj.keys().map(String::as_str).take(12).collect();
    keys.sort_unstable();
    Err(format!("not a recognised report: keys [{}]", keys.join(", ")))
}

fn fact(id: &str, resolved: bool, precedence: OutcomePrecedence) -> OutcomeFact {
    OutcomeFact { instance_id: id.to_string(), resolved, precedence }
}

/// `resolved_ids` → true; `unresolved_ids`, `error_ids`, `empty_patch_ids` → false. An id in
/// `resolved_ids` and in a negative list keeps `true`, with a warning.
fn run_level(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Vec<OutcomeFact> {
    let mut facts = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut resolved: HashSet<&str> = HashSet::new();
    let mut conflicts = Vec::new();
    let mut bad = 0usize;
    for (key, outcome) in RUN_LEVEL_LISTS {
        let items = match obj.get(*key) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items,
            Some(other) => {
                warnings.push(format!(
                    "report `{key}` is a json {} (expected a list of ids); ignored",
                    json_type_name(other)
                ));
                continue;
            }
        };
        for item in items {
            let Some(id) = item.as_str().filter(|s| !s.is_empty()) else {
                bad += 1;
                continue;
            };
            if *outcome {
                resolved.insert(id);
            } else if resolved.contains(id) {
                conflicts.push(format!("{id} ({key})"));
            }
            if seen.insert(id) {
                facts.push(fact(id, *outcome, OutcomePrecedence::RunLevel));
            }
        }
    }
    if bad > 0 {
        warnings.push(format!("{bad} report list entries are not instance id strings; skipped"));
    }
    if !conflicts.is_empty() {
        conflicts.truncate(5);
        warnings
            .push(format!("ids listed both as resolved and as not resolved (kept resolved): {}", conflicts.join(", ")));
    }
    facts
}

/// `{instances: [{instance_id, resolved}]}`. A `resolved` that is null or missing states nothing;
/// 0/1 integers are read as false/true.
fn summary(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Vec<OutcomeFact> {
    let Some(Value::Array(items)) = obj.get("instances") else {
        return Vec::new();
    };
    let mut facts = Vec::with_capacity(items.len());
    let mut seen: HashSet<&str> = HashSet::new();
    let mut bad = 0usize;
    let mut dup = 0usize;
    for item in items {
        let Some(o) = item.as_object() else {
            bad += 1;
            continue;
        };
        let Some(id) = o.get("instance_id").and_then(Value::as_str).filter(|s| !s.is_empty()) else {
            bad += 1;
            continue;
        };
        let resolved = match o.get("resolved") {
            None | Some(Value::Null) => continue,
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) if n.as_u64() == Some(1) => true,
            Some(Value::Number(n)) if n.as_u64() == Some(0) => false,
            Some(_) => {
                bad += 1;
                continue;
            }
        };
        if !seen.insert(id) {
            dup += 1;
            continue;
        }
        facts.push(fact(id, resolved, OutcomePrecedence::RunLevel));
    }
    if bad > 0 {
        warnings
            .push(format!("{bad} summary entries have no instance id or a `resolved` that is not a boolean; skipped"));
    }
    if dup > 0 {
        warnings.push(format!("{dup} summary entries repeat an instance id; the first was kept"));
    }
    facts
}
