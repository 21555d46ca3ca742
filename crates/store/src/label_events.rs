//! The label history's primitives, below everything that writes labels: the event types, inserting
//! an event, recomputing a current value, writing a label set's definition, and the import of the
//! labels a Trawl export row carries (what ingest, on floor 4, writes in its batch transaction;
//! the user's writes, undo, file import and agreement are `labels`, floor 5, built on these).
//!
//! **Carried labels** (a Parquet export's `labels` column holds each record's *current* values,
//! without event ids or times): each becomes a `set` event by its annotator with a deterministic
//! event id (a hash of record, step, set, annotator and value), so that ingesting the same export
//! twice, or an export of an export, adds no second event; its batch is one per record and
//! annotator. Its time is [`CARRIED_AT`] (the epoch): the export does not say when it was
//! set, and any real event of that history (the source's label file imported later, a new
//! judgement) then takes precedence, as it would have in the source. A label set the database does
//! not have is created with the kind its values show (a list: multi-select, an integer: rating, a
//! string: single-select; level `both`), its values or range grown as further values arrive; a
//! value outside an existing set, a step outside the trajectory or a set of the wrong level is a
//! warning naming the record, and is not imported.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use trawl_core::formats::CarriedLabel;
use trawl_core::labels::{LabelKind, LabelLevel, LabelSet};

use crate::label_sets::label_set;
use crate::StoreError;

/// The time of the events made from carried labels (see the module docs).
pub const CARRIED_AT: &str = "1970-01-01T00:00:00.000000Z";

/// The description of a label set created from carried labels (such a set grows with its values).
pub const CARRIED_SET_DESCRIPTION: &str = "created from the labels of a trawl export (kind inferred from its values)";

// ---------------------------------------------------------------------------------------------
// Events

/// One event of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique event id.
    pub event: String,
    /// Who.
    pub annotator: String,
    /// When (stored form).
    pub at: String,
    /// What happened.
    pub op: Op,
    /// The batch it belongs to (bulk labelling and undo work on batches).
    pub batch: String,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Sets a value (normalized JSON).
    Set {
        /// The key.
        key: Key,
        /// The value.
        value: Value,
    },
    /// Removes the annotator's value.
    Clear {
        /// The key.
        key: Key,
    },
    /// The events of this batch no longer count.
    Undo {
        /// The batch undone.
        batch: String,
    },
}

/// What a label is about: a trajectory (stable id), optionally one of its steps, and a set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Stable trajectory id.
    pub target: String,
    /// Step index, `None` at trajectory level.
    pub step: Option<u64>,
    /// Label set name.
    pub set: String,
}

/// Inserts an event; returns whether it was new (false = an event with this id exists).
pub(crate) fn insert_event(conn: &Connection, e: &Event) -> Result<bool, StoreError> {
    let (op, target, step, set, value, undoes) = match &e.op {
        Op::Set { key, value } => ("set", Some(&key.target), key.step, Some(&key.set), Some(value.to_string()), None),
        Op::Clear { key } => ("clear", Some(&key.target), key.step, Some(&key.set), None, None),
        Op::Undo { batch } => ("undo", None, None, None, None, Some(batch)),
    };
    let n = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO label_events (event, annotator, at, op, target, step, label_set, value, batch, undoes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![e.event, e.annotator, e.at, op, target, step.map(|s| s as i64), set, value, e.batch, undoes])?;
    Ok(n == 1)
}

/// Recomputes the current value of one (annotator, key) from the history.
pub(crate) fn recompute(conn: &Connection, annotator: &str, key: &Key) -> Result<(), StoreError> {
    let step = key.step.map(|s| s as i64);
    let latest: Option<(String, Option<String>, String, String)> = conn
        .prepare_cached(
            "SELECT e.op, e.value, e.event, e.at FROM label_events e
             WHERE e.target = ?1 AND e.label_set = ?2 AND e.annotator = ?3 AND e.step IS ?4 AND e.op != 'undo'
               AND NOT EXISTS (SELECT 1 FROM label_events u WHERE u.undoes = e.batch AND u.op = 'undo')
             ORDER BY e.at DESC, e.event DESC LIMIT 1",
        )?
        .query_row(params![key.target, key.set, annotator, step], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let step_key = step.unwrap_or(-1);
    match latest {
        Some((op, Some(value), event, at)) if op == "set" => {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO label_current (annotator, target, step_key, label_set, value, event, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![annotator, key.target, step_key, key.set, value, event, at])?;
        }
        _ => {
            conn.prepare_cached(
                "DELETE FROM label_current WHERE annotator = ?1 AND target = ?2 AND step_key = ?3 AND label_set = ?4",
            )?
            .execute(params![annotator, key.target, step_key, key.set])?;
        }
    }
    Ok(())
}

/// An annotator name: non-empty, one line, at most 128 characters.
pub fn check_annotator(name: &str) -> Result<(), String> {
    if name.trim().is_empty() || name.len() > 128 || name.contains(['\n', '\r']) || name.trim() != name {
        return Err(format!("bad annotator name {name:?}: one line, no surrounding spaces, at most 128 bytes"));
    }
    Ok(())
}

/// Writes a label set's definition (insert or replace; the caller checks kind changes).
pub(crate) fn write_set(conn: &Connection, set: &LabelSet) -> Result<(), StoreError> {
    let mut spec = serde_json::Map::new();
    match set.kind {
        LabelKind::Single | LabelKind::Multi => {
            spec.insert("values".into(), Value::from(set.values.clone()));
        }
        LabelKind::Rating => {
            spec.insert("min".into(), Value::from(set.min));
            spec.insert("max".into(), Value::from(set.max));
        }
        LabelKind::Text => {}
    }
    if let Some(d) = &set.description {
        spec.insert("description".into(), Value::from(d.clone()));
    }
    conn.execute(
        "INSERT INTO label_sets (name, kind, level, spec, ord)
         VALUES (?1, ?2, ?3, ?4, (SELECT coalesce(max(ord), 0) + 1 FROM label_sets))
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, level = excluded.level, spec = excluded.spec",
        params![set.name, set.kind.as_str(), set.level.as_str(), Value::Object(spec).to_string()],
    )?;
    Ok(())
}

fn hex_id(parts: &[&str]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..32].to_string()
}

/// The set a carried value belongs to: the stored one, or a new one of the kind the value shows
/// (see the module docs). `Err(reason)` when none can be made.
fn set_for(
    conn: &Connection,
    sets: &mut HashMap<String, LabelSet>,
    name: &str,
    value: &Value,
) -> Result<Result<LabelSet, String>, StoreError> {
    if let Some(s) = sets.get(name) {
        return Ok(Ok(s.clone()));
    }
    if let Some(s) = label_set(conn, name)? {
        sets.insert(name.to_string(), s.clone());
        return Ok(Ok(s));
    }
    let (kind, values, min, max) = match value {
        Value::Array(items) => {
            (LabelKind::Multi, items.iter().filter_map(|v| v.as_str().map(String::from)).collect(), 0, 0)
        }
        Value::Number(n) if n.as_i64().is_some() => {
            let v = n.as_i64().unwrap_or(1);
            (LabelKind::Rating, Vec::new(), v.min(1), v.max(1))
        }
        Value::String(s) => (LabelKind::Single, vec![s.clone()], 0, 0),
        other => return Ok(Err(format!("a new label set '{name}' cannot be made for the value {other}"))),
    };
    let set = LabelSet {
        name: name.to_string(),
        kind,
        level: LabelLevel::Both,
        values,
        min,
        max,
        description: Some(CARRIED_SET_DESCRIPTION.to_string()),
    };
    if let Err(reason) = set.check() {
        return Ok(Err(reason));
    }
    write_set(conn, &set)?;
    sets.insert(name.to_string(), set.clone());
    Ok(Ok(set))
}

/// Grows a set created from carried labels so that it takes `value`; false when it cannot.
fn grow(
    conn: &Connection,
    sets: &mut HashMap<String, LabelSet>,
    set: &mut LabelSet,
    value: &Value,
) -> Result<bool, StoreError> {
    if set.description.as_deref() != Some(CARRIED_SET_DESCRIPTION) {
        return Ok(false);
    }
    let before = set.clone();
    match (set.kind, value) {
        (LabelKind::Single, Value::String(s)) => set.values.push(s.clone()),
        (LabelKind::Multi, Value::Array(items)) => {
            for v in items.iter().filter_map(Value::as_str) {
                if !set.values.iter().any(|x| x == v) {
                    set.values.push(v.to_string());
                }
            }
        }
        (LabelKind::Rating, Value::Number(n)) if n.as_i64().is_some() => {
            let v = n.as_i64().unwrap_or(0);
            set.min = set.min.min(v);
            set.max = set.max.max(v);
        }
        _ => return Ok(false),
    }
    if *set == before || set.check().is_err() {
        *set = before;
        return Ok(false);
    }
    write_set(conn, set)?;
    sets.insert(set.name.clone(), set.clone());
    Ok(true)
}

/// Imports the labels a Trawl export row carried for the stored record `uid` with `steps` steps
/// (see the module docs); returns how many events were new, and the warnings of the labels not
/// imported.
pub(crate) fn import_carried(
    conn: &Connection,
    uid: &str,
    steps: u64,
    labels: &[CarriedLabel],
    sets: &mut HashMap<String, LabelSet>,
) -> Result<(u64, Vec<String>), StoreError> {
    let mut warnings = Vec::new();
    let mut imported = 0;
    for l in labels {
        let what = match l.step {
            Some(s) => format!("label {}={} of {} at step {s}", l.set, l.value, l.annotator),
            None => format!("label {}={} of {}", l.set, l.value, l.annotator),
        };
        let mut set = match set_for(conn, sets, &l.set, &l.value)? {
            Ok(s) => s,
            Err(reason) => {
                warnings.push(format!("{what} not imported: {reason}"));
                continue;
            }
        };
        if let Err(reason) = check_annotator(&l.annotator).and(set.check_level(l.step)) {
            warnings.push(format!("{what} not imported: {reason}"));
            continue;
        }
        if let Some(s) = l.step.filter(|s| *s >= steps) {
            warnings.push(format!("{what} not imported: the trajectory has {steps} steps; there is no step {s}"));
            continue;
        }
        let value = match set.normalize(&l.value) {
            Ok(v) => Ok(v),
            Err(reason) => {
                if grow(conn, sets, &mut set, &l.value)? {
                    set.normalize(&l.value)
                } else {
                    Err(reason)
                }
            }
        };
        let value = match value {
            Ok(Some(v)) => v,
            Ok(None) => {
                warnings.push(format!("{what} not imported: an empty value"));
                continue;
            }
            Err(reason) => {
                warnings.push(format!("{what} not imported: {reason}"));
                continue;
            }
        };
        let step = l.step.map(|s| s.to_string()).unwrap_or_default();
        let text = value.to_string();
        let key = Key { target: uid.to_string(), step: l.step, set: l.set.clone() };
        let e = Event {
            event: format!("export-{}", hex_id(&[uid, &step, &l.set, &l.annotator, &text])),
            annotator: l.annotator.clone(),
            at: CARRIED_AT.to_string(),
            op: Op::Set { key: key.clone(), value },
            batch: format!("export-{}", hex_id(&[uid, &l.annotator])),
        };
        if insert_event(conn, &e)? {
            imported += 1;
            recompute(conn, &l.annotator, &key)?;
        }
    }
    Ok((imported, warnings))
}
