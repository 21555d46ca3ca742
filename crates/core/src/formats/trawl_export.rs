//! Rows of a Trawl export: the Parquet export's rows read as JSON (and the same rows as a
//! database that ingested them writes them back in `jsonl-original`). They are the NV columns
//! (`instance_id`, `repo`, `license`, `trajectory_id`, `trajectory` as chat messages,
//! `model_patch`, `dataset`) plus ours: `uid` (the record's stable id), `format` (the format it
//! was ingested as), `resolved`, `flags` (recomputed, not read) and `labels` (its current labels
//! as a JSON string, see `store::export::labels_json_for`).
//!
//! **Recognised by** a `uid` and a `format` key whose values are a Trawl id (`t` and 19 hex
//! digits, [`crate::framing::is_record_id`]) and a Trawl format name. A row with both keys of
//! which exactly one is valid claims to be an export row and is malformed: an error naming the
//! bad value, never a record with a new id. A row where neither is valid is someone else's
//! columns and goes through detection as usual.
//!
//! An `sft-chat` line of a Trawl export is the same row with its conversation under `messages`
//! (and the tool schemas under `tools`) instead of `trajectory`.
//!
//! **Read as**: the messages through the chat family's walk (as an NV row), the envelope as NV;
//! then the format becomes the one the row names, the outcome the row's `resolved`. A row whose
//! format is a prediction format (`swebench-preds`) is a patch-only record: envelope and patch,
//! no steps, no warning. The `uid` and the labels are handed to the store in [`Carried`].

use serde_json::{Map, Value};

use super::{chat, util};
use crate::model::{Format, RecordKind, Trajectory};

/// What a Trawl export row carries besides its trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Carried {
    /// The record's stable id in the database it was exported from (becomes its id here).
    pub uid: String,
    /// Its current labels as the export wrote them.
    pub labels: Vec<CarriedLabel>,
}

/// One current label of an exported record.
#[derive(Debug, Clone, PartialEq)]
pub struct CarriedLabel {
    /// Who (an adjudication is annotator `adjudicator:<name>`).
    pub annotator: String,
    /// The label set.
    pub set: String,
    /// The step, `None` at trajectory level.
    pub step: Option<u64>,
    /// The value as exported.
    pub value: Value,
}

/// Whether a record claims to be a Trawl export row: `Ok(Some((uid, format)))` when it is one,
/// `Ok(None)` when it is not (no `uid`/`format` pair, or neither value is Trawl's), `Err(reason)`
/// when it claims to be one (one of the two is valid) and the other value is malformed.
pub fn claim(value: &Value) -> Result<Option<(String, Format)>, String> {
    let Value::Object(obj) = value else { return Ok(None) };
    let (Some(uid), Some(format)) = (obj.get("uid"), obj.get("format")) else { return Ok(None) };
    let uid_ok = uid.as_str().filter(|u| crate::framing::is_record_id(u));
    let format_ok = format.as_str().and_then(Format::from_name);
    let show = |v: &Value| match v {
        Value::String(s) => format!("'{s}'"),
        other => util::a_json_type(other).to_string(),
    };
    match (uid_ok, format_ok) {
        (Some(u), Some(f)) => Ok(Some((u.to_string(), f))),
        (None, None) => Ok(None),
        (None, Some(f)) => Err(format!(
            "a trawl export row (format {}) with uid {}: not a trawl id (t and 19 hex digits); not stored",
            f.as_str(),
            show(uid)
        )),
        (Some(u), None) => {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
            Err(format!(
                "a trawl export row (uid {u}) with format {}: not a trawl format ({}); not stored",
                show(format),
                names.join(", ")
            ))
        }
    }
}

/// Reads a Trawl export row (see the module docs) whose claim is `format`.
pub(crate) fn parse(v: &Value, format: Format, warnings: &mut Vec<String>) -> Result<Trajectory, String> {
    let obj = v.as_object().ok_or("a trawl export row must be a json object")?;
    let mut t = if format.kind() == RecordKind::Prediction {
        let mut t = Trajectory::new(format);
        chat::read_envelope(obj, Format::NvSweZero, &mut t, warnings);
        if matches!(obj.get("trajectory"), Some(Value::Array(m)) if !m.is_empty()) {
            warnings.push(format!("a {} row has messages; they are not read", format.as_str()));
        }
        t
    } else if ["trajectory", "messages"].iter().all(|k| obj.get(*k).is_none_or(Value::is_null)) {
        // A record with no steps was exported with a null list.
        let mut with_list = obj.clone();
        with_list.insert("trajectory".into(), Value::Array(Vec::new()));
        chat::parse(&Value::Object(with_list), Format::NvSweZero, warnings)?
    } else {
        chat::parse(v, Format::NvSweZero, warnings)?
    };
    t.format = format;
    t.outcome.resolved = match obj.get("resolved") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            warnings.push(format!("`resolved` is {}, not a boolean; left unknown", util::a_json_type(other)));
            None
        }
    };
    Ok(t)
}

/// The labels column: `{"<set>": {"<annotator>": value}, "steps": [{"step", "set", "annotator",
/// "value"}]}` as a JSON string (or the object itself). Entries that do not read are warnings.
pub(crate) fn labels(obj: &Map<String, Value>, warnings: &mut Vec<String>) -> Vec<CarriedLabel> {
    let parsed;
    let top = match obj.get("labels") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => {
                parsed = m;
                &parsed
            }
            _ => {
                warnings.push("the `labels` column is not a json object; its labels are not imported".into());
                return Vec::new();
            }
        },
        Some(Value::Object(m)) => m,
        Some(other) => {
            warnings.push(format!("the `labels` column is {}; its labels are not imported", util::a_json_type(other)));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (set, by) in top {
        match (set.as_str(), by) {
            ("steps", Value::Array(steps)) => {
                for s in steps {
                    let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_string);
                    match (s.get("step").and_then(Value::as_u64), text("set"), text("annotator"), s.get("value")) {
                        (Some(step), Some(set), Some(annotator), Some(value)) if !value.is_null() => {
                            out.push(CarriedLabel { annotator, set, step: Some(step), value: value.clone() })
                        }
                        _ => warnings
                            .push(format!("a step label in the `labels` column does not read: {s}; not imported")),
                    }
                }
            }
            (_, Value::Object(by)) => {
                for (annotator, value) in by {
                    if !value.is_null() {
                        out.push(CarriedLabel {
                            annotator: annotator.clone(),
                            set: set.clone(),
                            step: None,
                            value: value.clone(),
                        });
                    }
                }
            }
            (_, other) => warnings.push(format!(
                "label set {set} in the `labels` column holds {}, not annotators' values; not imported",
                util::a_json_type(other)
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_claim_needs_a_trawl_id_and_a_trawl_format() {
        let row = |uid: Value, format: Value| json!({"uid": uid, "format": format, "trajectory": []});
        let id = "t0123456789abcdef012";
        assert_eq!(claim(&row(json!(id), json!("openhands-events"))), Ok(Some((id.into(), Format::OpenhandsEvents))));
        assert_eq!(claim(&row(json!("user-1"), json!("csv"))), Ok(None));
        assert_eq!(claim(&json!({"uid": id, "trajectory": []})), Ok(None));
        let e = claim(&row(json!(42), json!("nv-swe-zero"))).unwrap_err();
        assert!(e.contains("uid a number") || e.contains("uid a json number"), "{e}");
        let e = claim(&row(json!(id), json!("nv"))).unwrap_err();
        assert!(e.contains("format 'nv': not a trawl format (nv-swe-zero,"), "{e}");
    }

    #[test]
    fn the_labels_column_reads_set_annotator_step_and_value_and_reports_the_rest() {
        let labels = json!({
            "verdict": {"alice": "keep", "adjudicator:carol": "reject"},
            "quality": {"bob": 4},
            "steps": [{"step": 2, "set": "failure_mode", "annotator": "alice", "value": ["loop"]}, {"step": "x"}],
            "odd": 3
        })
        .to_string();
        let obj = json!({"labels": labels});
        let mut w = Vec::new();
        let mut got = super::labels(obj.as_object().unwrap(), &mut w);
        got.sort_by_key(|l| format!("{l:?}"));
        let l = |a: &str, s: &str, step: Option<u64>, v: Value| CarriedLabel {
            annotator: a.into(),
            set: s.into(),
            step,
            value: v,
        };
        assert_eq!(
            got,
            vec![
                l("adjudicator:carol", "verdict", None, json!("reject")),
                l("alice", "failure_mode", Some(2), json!(["loop"])),
                l("alice", "verdict", None, json!("keep")),
                l("bob", "quality", None, json!(4)),
            ]
        );
        assert_eq!(w.len(), 2, "{w:?}");
        let mut w = Vec::new();
        assert!(super::labels(json!({"labels": "not json"}).as_object().unwrap(), &mut w).is_empty());
        assert_eq!(w.len(), 1);
    }
}
