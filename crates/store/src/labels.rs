//! Labels: the user's ground truth, as an append-only history of events in SQLite.
//!
//! Owns the `label_sets`, `label_events` and `label_current` tables (migration 0002): defining
//! label sets, writing judgements in batches, undo, the current value per (annotator, trajectory,
//! step, set), import and export of events as JSON Lines, and the data for agreement. (Reading label sets is
//! `label_sets`, the rows behind the `label:` query terms are `search::rows`, queues are `queue`.)
//!
//! **Architecture Invariant:** labels are keyed by the stable trajectory id (`uid`) and a step
//! index, never by a row id, and nothing outside this module and its primitives
//! (`label_events`, floor 1) writes these tables: reindex and later migrations leave them alone,
//! and ingest only adds the events a Trawl export row carries (`label_events::import_carried`). Events are never updated or deleted. An undo is itself an
//! event (`op = 'undo'`, naming the batch); the current value is the latest event (by time, then
//! event id) whose batch is not undone, so merging histories from several databases in any order
//! gives the same current values. Adjudications are events by annotator `adjudicator:<name>`; when
//! one exists for a (trajectory, step, set), queries see it instead of the annotators' values.
//!
//! It does not validate values itself (see `trawl_core::labels`) and knows nothing of the wire.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use trawl_core::labels::{LabelKind, LabelSet, ADJUDICATOR_PREFIX};

pub use crate::db::now;
pub use crate::label_events::{check_annotator, Event, Key, Op};
pub use crate::label_sets::{label_set, label_sets, require_set};
pub use crate::queue::{matching_uids, queue, Queue, QueueKind};

use crate::label_events::{insert_event, recompute, write_set};
use crate::label_sets::unknown_set_message;
use crate::{Store, StoreError, UndoRefusal};

/// A time stamp as stored: RFC 3339 UTC with microseconds, fixed width (text order is time order).
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Reads an RFC 3339 time stamp (any offset) into the stored form.
pub fn parse_time(text: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| format_time(t.with_timezone(&chrono::Utc)))
}

fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

fn bad_label(reason: impl Into<String>) -> StoreError {
    StoreError::BadLabel { reason: reason.into() }
}

fn undo_refused(annotator: &str, batch: Option<&str>, reason: UndoRefusal) -> StoreError {
    StoreError::Undo { annotator: annotator.to_string(), batch: batch.map(str::to_string), reason }
}

// ---------------------------------------------------------------------------------------------
// Label sets

/// Creates or replaces a label set. A set that already has labels keeps its kind (its stored
/// values would no longer mean anything); values may be added, and removed ones stay in history.
pub fn define_label_set(store: &mut Store, set: &LabelSet) -> Result<(), StoreError> {
    set.check().map_err(bad_label)?;
    let tx = store.conn.unchecked_transaction()?;
    if let Some(old) = label_set(&tx, &set.name)? {
        let used: i64 =
            tx.query_row("SELECT count(*) FROM label_events WHERE label_set = ?1", [&set.name], |r| r.get(0))?;
        if used > 0 && old.kind != set.kind {
            return Err(StoreError::LabelKindChange {
                set: set.name.clone(),
                events: used,
                from: old.kind.as_str(),
                to: set.kind.as_str(),
            });
        }
    }
    write_set(&tx, set)?;
    tx.commit()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Events

/// A judgement to write: `value` `None` clears.
#[derive(Debug, Clone)]
pub struct NewLabel {
    /// What it is about.
    pub key: Key,
    /// The value (validated against the set and normalized here), or `None` to clear.
    pub value: Option<Value>,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The batch id (give it to `undo`).
    pub batch: String,
    /// Events written.
    pub count: u64,
}

/// The time of a new event by `annotator`: `now`, or just after the annotator's latest event when
/// the clock has not moved (or moved back), so an annotator's events are strictly ordered.
fn next_time(conn: &Connection, annotator: &str, now: &str) -> Result<String, StoreError> {
    let last: Option<String> = conn
        .prepare_cached("SELECT max(at) FROM label_events WHERE annotator = ?1")?
        .query_row([annotator], |r| r.get(0))?;
    match last {
        Some(last) if last.as_str() >= now => {
            let t = chrono::DateTime::parse_from_rfc3339(&last)
                .map_err(|_| StoreError::Damaged { id: "label_events".into(), reason: format!("bad time {last}") })?;
            Ok(format_time(t.with_timezone(&chrono::Utc) + chrono::Duration::microseconds(1)))
        }
        _ => Ok(now.to_string()),
    }
}

/// Validates a judgement: known set, level, step within the trajectory, known trajectory, value
/// within the schema. Returns the normalized value (`None` = clear).
fn validate(
    conn: &Connection,
    sets: &mut HashMap<String, LabelSet>,
    key: &Key,
    value: Option<&Value>,
) -> Result<Option<Value>, String> {
    if !sets.contains_key(&key.set) {
        let set = label_set(conn, &key.set)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| unknown_set_message(conn, &key.set).unwrap_or_else(|e| e.to_string()))?;
        sets.insert(key.set.clone(), set);
    }
    let set = &sets[&key.set];
    set.check_level(key.step)?;
    let steps: Option<i64> = conn
        .prepare_cached("SELECT steps FROM trajectories WHERE uid = ?1")
        .and_then(|mut st| st.query_row([&key.target], |r| r.get(0)).optional())
        .map_err(|e| e.to_string())?;
    let Some(steps) = steps else {
        return Err(format!("no trajectory with id {}", key.target));
    };
    if let Some(s) = key.step {
        if s >= steps as u64 {
            return Err(format!("trajectory {} has {steps} steps; there is no step {s}", key.target));
        }
    }
    match value {
        Some(v) => set.normalize(v),
        None => Ok(None),
    }
}

/// Writes judgements by one annotator as one batch, in one transaction: all or nothing. Each is
/// validated (see [`NewLabel`]); the first invalid one fails the batch with its reason.
pub fn write(store: &mut Store, annotator: &str, now: &str, labels: &[NewLabel]) -> Result<Written, StoreError> {
    check_annotator(annotator).map_err(bad_label)?;
    let tx = store.conn.unchecked_transaction()?;
    let mut sets = HashMap::new();
    let at = next_time(&tx, annotator, now)?;
    let batch = new_id();
    let mut events = Vec::with_capacity(labels.len());
    for l in labels {
        let value = validate(&tx, &mut sets, &l.key, l.value.as_ref()).map_err(bad_label)?;
        let op = match value {
            Some(value) => Op::Set { key: l.key.clone(), value },
            None => Op::Clear { key: l.key.clone() },
        };
        events.push(Event {
            event: new_id(),
            annotator: annotator.to_string(),
            at: at.clone(),
            op,
            batch: batch.clone(),
        });
    }
    let mut touched = HashSet::new();
    for e in &events {
        insert_event(&tx, e)?;
        if let Op::Set { key, .. } | Op::Clear { key } = &e.op {
            touched.insert((annotator.to_string(), key.clone()));
        }
    }
    for (a, k) in &touched {
        recompute(&tx, a, k)?;
    }
    tx.commit()?;
    Ok(Written { batch, count: events.len() as u64 })
}

/// The (annotator, key) pairs a batch wrote.
fn keys_of_batch(conn: &Connection, batch: &str) -> Result<Vec<(String, Key)>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT annotator, target, step, label_set FROM label_events WHERE batch = ?1 AND op != 'undo'",
    )?;
    let rows = st.query_map([batch], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Key { target: r.get(1)?, step: r.get::<_, Option<i64>>(2)?.map(|s| s as u64), set: r.get(3)? },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Undoes a batch (by default the annotator's latest batch, or their adjudications', that is not
/// undone yet): appends an undo event, and the batch's events stop counting.
pub fn undo(store: &mut Store, annotator: &str, now: &str, batch: Option<&str>) -> Result<Written, StoreError> {
    check_annotator(annotator).map_err(bad_label)?;
    let tx = store.conn.unchecked_transaction()?;
    let not_undone = "NOT EXISTS (SELECT 1 FROM label_events u WHERE u.op = 'undo' AND u.undoes = e.batch)";
    let target: String = match batch {
        Some(b) => {
            let kind: Option<String> = tx
                .query_row("SELECT op FROM label_events WHERE batch = ?1 LIMIT 1", [b], |r| r.get(0))
                .optional()?;
            match kind.as_deref() {
                None => return Err(undo_refused(annotator, Some(b), UndoRefusal::NoBatch)),
                Some("undo") => return Err(undo_refused(annotator, Some(b), UndoRefusal::IsUndo)),
                _ => {}
            }
            let undone: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM label_events WHERE op = 'undo' AND undoes = ?1)",
                [b],
                |r| r.get(0),
            )?;
            if undone {
                return Err(undo_refused(annotator, Some(b), UndoRefusal::AlreadyUndone));
            }
            b.to_string()
        }
        None => tx
            .query_row(
                &format!(
                    "SELECT e.batch FROM label_events e WHERE e.annotator IN (?1, ?2) AND e.op != 'undo' AND {not_undone}
                     ORDER BY e.id DESC LIMIT 1"
                ),
                params![annotator, format!("{ADJUDICATOR_PREFIX}{annotator}")],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| undo_refused(annotator, None, UndoRefusal::Nothing))?,
    };
    let at = next_time(&tx, annotator, now)?;
    let e = Event {
        event: new_id(),
        annotator: annotator.to_string(),
        at,
        op: Op::Undo { batch: target.clone() },
        batch: new_id(),
    };
    insert_event(&tx, &e)?;
    let keys = keys_of_batch(&tx, &target)?;
    for (a, k) in &keys {
        recompute(&tx, a, k)?;
    }
    tx.commit()?;
    Ok(Written { batch: target, count: keys.len() as u64 })
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The full stable id of a trajectory given its id or a unique prefix (at least 6 characters).
pub fn resolve_uid(store: &Store, id: &str) -> Result<String, StoreError> {
    let row = crate::show::row_id_for_uid(store, id)?;
    Ok(store.conn.query_row("SELECT uid FROM trajectories WHERE id = ?1", [row], |r| r.get(0))?)
}

/// The engine's flags of a trajectory (bitmask), by stable id.
pub fn flags_of(conn: &Connection, uid: &str) -> Result<u32, StoreError> {
    let flags: Option<i64> =
        conn.query_row("SELECT flags FROM trajectories WHERE uid = ?1", [uid], |r| r.get(0)).optional()?;
    flags.map(|f| f as u32).ok_or_else(|| StoreError::NotFound(uid.to_string()))
}

/// A current value.
#[derive(Debug, Clone, PartialEq)]
pub struct Current {
    /// Who.
    pub annotator: String,
    /// Step, `None` at trajectory level.
    pub step: Option<u64>,
    /// Set.
    pub set: String,
    /// Value.
    pub value: Value,
    /// When it was set.
    pub at: String,
}

/// The current values on one trajectory (all annotators, adjudications included).
pub fn current_for(conn: &Connection, target: &str) -> Result<Vec<Current>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT c.annotator, c.step_key, c.label_set, c.value, c.at FROM label_current c
         LEFT JOIN label_sets s ON s.name = c.label_set
         WHERE c.target = ?1 ORDER BY coalesce(s.ord, 1e9), c.label_set, c.step_key, c.annotator",
    )?;
    let rows = st.query_map([target], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get(4)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (annotator, step_key, set, value, at) = row?;
        out.push(Current {
            annotator,
            step: (step_key >= 0).then_some(step_key as u64),
            set,
            value: serde_json::from_str(&value).unwrap_or(Value::Null),
            at,
        });
    }
    Ok(out)
}

/// One event of a trajectory's history, with whether its batch was undone.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The event.
    pub event: Event,
    /// Its batch was undone later.
    pub undone: bool,
}

/// Every event about one trajectory, oldest first.
pub fn history_for(conn: &Connection, target: &str) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT e.event, e.annotator, e.at, e.op, e.target, e.step, e.label_set, e.value, e.batch, e.undoes,
                EXISTS (SELECT 1 FROM label_events u WHERE u.op = 'undo' AND u.undoes = e.batch)
         FROM label_events e WHERE e.target = ?1 ORDER BY e.at, e.event",
    )?;
    let rows = st.query_map([target], |r| Ok((event_from_row(r)?, r.get::<_, bool>(10)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (event, undone) = row?;
        out.push(HistoryEntry { event, undone });
    }
    Ok(out)
}

fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let op: String = r.get(3)?;
    let key = || -> rusqlite::Result<Key> {
        Ok(Key {
            target: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
            step: r.get::<_, Option<i64>>(5)?.map(|s| s as u64),
            set: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        })
    };
    let op = match op.as_str() {
        "set" => Op::Set {
            key: key()?,
            value: serde_json::from_str(&r.get::<_, Option<String>>(7)?.unwrap_or_default()).unwrap_or(Value::Null),
        },
        "clear" => Op::Clear { key: key()? },
        _ => Op::Undo { batch: r.get::<_, Option<String>>(9)?.unwrap_or_default() },
    };
    Ok(Event { event: r.get(0)?, annotator: r.get(1)?, at: r.get(2)?, op, batch: r.get(8)? })
}

// ---------------------------------------------------------------------------------------------
// Export and import

/// One exported event as a JSON object (one line of a labels file).
pub fn event_json(e: &Event) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("event".into(), e.event.clone().into());
    m.insert("annotator".into(), e.annotator.clone().into());
    m.insert("at".into(), e.at.clone().into());
    match &e.op {
        Op::Set { key, value } => {
            m.insert("op".into(), "set".into());
            insert_key(&mut m, key);
            m.insert("value".into(), value.clone());
        }
        Op::Clear { key } => {
            m.insert("op".into(), "clear".into());
            insert_key(&mut m, key);
        }
        Op::Undo { batch } => {
            m.insert("op".into(), "undo".into());
            m.insert("undoes".into(), batch.clone().into());
        }
    }
    m.insert("batch".into(), e.batch.clone().into());
    Value::Object(m)
}

fn insert_key(m: &mut serde_json::Map<String, Value>, key: &Key) {
    m.insert("id".into(), key.target.clone().into());
    m.insert("step".into(), key.step.map(Value::from).unwrap_or(Value::Null));
    m.insert("set".into(), key.set.clone().into());
}

/// Writes every event (optionally of one annotator) as JSON Lines, oldest first; returns how many.
/// Undo events are always included: they only take effect on batches that exist.
pub fn export(conn: &Connection, annotator: Option<&str>, out: &mut dyn std::io::Write) -> Result<u64, StoreError> {
    let mut st = conn.prepare(
        "SELECT event, annotator, at, op, target, step, label_set, value, batch, undoes FROM label_events
         WHERE ?1 IS NULL OR annotator = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([annotator], event_from_row)?;
    let mut n = 0;
    let io = |e: std::io::Error| StoreError::Io { path: "labels export".into(), source: e };
    for row in rows {
        let line = event_json(&row?).to_string();
        out.write_all(line.as_bytes()).map_err(io)?;
        out.write_all(b"\n").map_err(io)?;
        n += 1;
    }
    Ok(n)
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    /// Events added.
    pub imported: u64,
    /// Valid events already present (same event id), in the database or earlier in the file.
    pub duplicates: u64,
    /// Lines not imported: (1-based line, reason).
    pub errors: Vec<(u64, String)>,
}

fn field<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match obj.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(format!("missing field '{name}'")),
        Some(other) => Err(format!("field '{name}' must be a string, not {other}")),
    }
}

/// Parses and validates one line of a labels file.
fn parse_line(conn: &Connection, sets: &mut HashMap<String, LabelSet>, line: &str) -> Result<Event, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("malformed JSON: {e}"))?;
    let Value::Object(obj) = v else {
        return Err("expected a JSON object".into());
    };
    let event = field(&obj, "event")?.to_string();
    let annotator = field(&obj, "annotator")?.to_string();
    check_annotator(&annotator)?;
    let at_text = field(&obj, "at")?;
    let at = parse_time(at_text).ok_or_else(|| format!("bad time '{at_text}': expected RFC 3339"))?;
    let batch = field(&obj, "batch")?.to_string();
    let op = match field(&obj, "op")? {
        "undo" => Op::Undo { batch: field(&obj, "undoes")?.to_string() },
        op @ ("set" | "clear") => {
            let step = match obj.get("step") {
                None | Some(Value::Null) => None,
                Some(s) => Some(s.as_u64().ok_or_else(|| format!("bad step {s}: expected null or an index"))?),
            };
            let key = Key { target: field(&obj, "id")?.to_string(), step, set: field(&obj, "set")?.to_string() };
            if op == "set" {
                let raw = obj.get("value").filter(|v| !v.is_null()).ok_or("missing field 'value'")?;
                match validate(conn, sets, &key, Some(raw))? {
                    Some(value) => Op::Set { key, value },
                    None => return Err(format!("empty value for label set '{}'; use op 'clear'", key.set)),
                }
            } else {
                validate(conn, sets, &key, None)?;
                Op::Clear { key }
            }
        }
        other => return Err(format!("unknown op '{other}'; expected set, clear or undo")),
    };
    Ok(Event { event, annotator, at, op, batch })
}

/// Imports a labels file (JSON Lines, one event per line): every valid line, in one transaction (all valid lines land, or
/// none when the database fails); invalid lines are reported with their line number and reason.
/// Events already present (same event id) are counted as duplicates, so importing twice adds
/// nothing, and events of different annotators never overwrite each other.
pub fn import(store: &mut Store, bytes: &[u8]) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut sets = HashMap::new();
    let mut valid = Vec::new();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let Ok(line) = std::str::from_utf8(line) else {
            report.errors.push((i as u64 + 1, "line is not valid UTF-8".into()));
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match parse_line(&store.conn, &mut sets, line) {
            Ok(e) => valid.push(e),
            Err(reason) => report.errors.push((i as u64 + 1, reason)),
        }
    }
    let tx = store.conn.unchecked_transaction()?;
    let mut touched: HashSet<(String, Key)> = HashSet::new();
    for e in &valid {
        if !insert_event(&tx, e)? {
            report.duplicates += 1;
            continue;
        }
        report.imported += 1;
        match &e.op {
            Op::Set { key, .. } | Op::Clear { key } => {
                touched.insert((e.annotator.clone(), key.clone()));
            }
            Op::Undo { batch } => touched.extend(keys_of_batch(&tx, batch)?),
        }
    }
    for (a, k) in &touched {
        recompute(&tx, a, k)?;
    }
    tx.commit()?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Agreement

/// Agreement on one label set.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Annotators compared (adjudicators excluded), sorted.
    pub annotators: Vec<String>,
    /// Cohen's κ when exactly two annotators are compared (nominal).
    pub kappa: Option<f64>,
    /// Krippendorff's α (nominal for select sets, interval for ratings).
    pub alpha: Option<f64>,
    /// Items (trajectory, step) with values from at least two of the annotators.
    pub items: u64,
    /// The shared items where the values differ: (trajectory, step, annotator → value, adjudicated value).
    pub disagreements: Vec<Disagreement>,
}

/// One item the annotators disagree on.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    /// Trajectory.
    pub target: String,
    /// Step, or `None`.
    pub step: Option<u64>,
    /// Each annotator's value.
    pub values: BTreeMap<String, Value>,
    /// The adjudicated value, when recorded.
    pub adjudicated: Option<Value>,
}

/// An item of agreement: (trajectory, step or -1).
type Item = (String, i64);
/// The values of an item, per annotator.
type Values = BTreeMap<String, Value>;

/// Computes agreement on a set over the current values of the given annotators (all but
/// adjudicators when empty). Multi-select values count as one nominal category each (the chosen
/// values together), text sets are refused.
pub fn agreement(conn: &Connection, set_name: &str, only: &[String]) -> Result<Agreement, StoreError> {
    let set = require_set(conn, set_name)?;
    if set.kind == LabelKind::Text {
        return Err(StoreError::TextAgreement { set: set_name.to_string() });
    }
    let mut items: BTreeMap<(String, i64), BTreeMap<String, Value>> = BTreeMap::new();
    let mut adjudicated: HashMap<(String, i64), Value> = HashMap::new();
    let mut st =
        conn.prepare_cached("SELECT target, step_key, annotator, value FROM label_current WHERE label_set = ?1")?;
    let rows = st.query_map([set_name], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    for row in rows {
        let (target, step, annotator, value) = row?;
        let value: Value = serde_json::from_str(&value).unwrap_or(Value::Null);
        if annotator.starts_with(ADJUDICATOR_PREFIX) {
            adjudicated.insert((target, step), value);
        } else if only.is_empty() || only.contains(&annotator) {
            items.entry((target, step)).or_default().insert(annotator, value);
        }
    }
    let shared: Vec<(&Item, &Values)> = items.iter().filter(|(_, v)| v.len() >= 2).collect();
    let mut annotators: Vec<String> = shared.iter().flat_map(|(_, v)| v.keys().cloned()).collect();
    annotators.sort();
    annotators.dedup();
    if !only.is_empty() {
        annotators = only.to_vec();
        annotators.sort();
    }
    let kappa = if annotators.len() == 2 {
        let pairs: Vec<(String, String)> = shared
            .iter()
            .filter_map(|(_, v)| {
                Some((LabelSet::category(v.get(&annotators[0])?), LabelSet::category(v.get(&annotators[1])?)))
            })
            .collect();
        trawl_core::agreement::cohen_kappa(&pairs)
    } else {
        None
    };
    let alpha = if set.kind == LabelKind::Rating {
        let units: Vec<Vec<f64>> = shared.iter().map(|(_, v)| v.values().filter_map(Value::as_f64).collect()).collect();
        trawl_core::agreement::krippendorff_alpha_interval(&units)
    } else {
        let units: Vec<Vec<String>> =
            shared.iter().map(|(_, v)| v.values().map(LabelSet::category).collect()).collect();
        trawl_core::agreement::krippendorff_alpha_nominal(&units)
    };
    let disagreements = shared
        .iter()
        .filter(|(_, v)| {
            let first = v.values().next();
            v.values().any(|x| Some(x) != first)
        })
        .map(|((target, step), v)| Disagreement {
            target: target.clone(),
            step: (*step >= 0).then_some(*step as u64),
            values: (*v).clone(),
            adjudicated: adjudicated.get(&(target.clone(), *step)).cloned(),
        })
        .collect();
    Ok(Agreement { annotators, kappa, alpha, items: shared.len() as u64, disagreements })
}
