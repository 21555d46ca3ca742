//! Label set definitions as stored (the `label_sets` table), read: what labels validate against
//! and what the `label:` query term looks up. Defining sets is `labels::define_label_set`.

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use trawl_core::labels::{LabelKind, LabelLevel, LabelSet};

use crate::StoreError;

/// All label sets, in definition order.
pub fn label_sets(conn: &Connection) -> Result<Vec<LabelSet>, StoreError> {
    let mut st = conn.prepare_cached("SELECT name, kind, level, spec FROM label_sets ORDER BY ord, name")?;
    let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, kind, level, spec): (String, String, String, String) = row?;
        out.push(set_from_row(name, &kind, &level, &spec)?);
    }
    Ok(out)
}

/// One label set by name.
pub fn label_set(conn: &Connection, name: &str) -> Result<Option<LabelSet>, StoreError> {
    let row: Option<(String, String, String, String)> = conn
        .prepare_cached("SELECT name, kind, level, spec FROM label_sets WHERE name = ?1")?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    row.map(|(n, k, l, s)| set_from_row(n, &k, &l, &s)).transpose()
}

/// A label set by name, or an error naming it and the known sets.
pub fn require_set(conn: &Connection, name: &str) -> Result<LabelSet, StoreError> {
    match label_set(conn, name)? {
        Some(s) => Ok(s),
        None => Err(StoreError::UnknownLabelSet { name: name.to_string(), known: known_sets(conn)? }),
    }
}

/// The names of the label sets, comma separated (for messages).
pub(crate) fn known_sets(conn: &Connection) -> Result<String, StoreError> {
    let names: Vec<String> = label_sets(conn)?.into_iter().map(|s| s.name).collect();
    Ok(names.join(", "))
}

fn set_from_row(name: String, kind: &str, level: &str, spec: &str) -> Result<LabelSet, StoreError> {
    let damaged = |why: &str| StoreError::Damaged { id: format!("label set {name}"), reason: why.to_string() };
    let spec: Value = serde_json::from_str(spec).map_err(|_| damaged("spec is not JSON"))?;
    Ok(LabelSet {
        kind: LabelKind::from_name(kind).ok_or_else(|| damaged("unknown kind"))?,
        level: LabelLevel::from_name(level).ok_or_else(|| damaged("unknown level"))?,
        values: spec["values"]
            .as_array()
            .map(|v| v.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default(),
        min: spec["min"].as_i64().unwrap_or(0),
        max: spec["max"].as_i64().unwrap_or(0),
        description: spec["description"].as_str().map(String::from),
        name,
    })
}

/// The message of an unknown label set (for query errors and label validation).
pub(crate) fn unknown_set_message(conn: &Connection, name: &str) -> Result<String, StoreError> {
    Ok(StoreError::UnknownLabelSet { name: name.to_string(), known: known_sets(conn)? }.to_string())
}
