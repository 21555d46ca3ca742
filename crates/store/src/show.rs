//! Loading one stored trajectory back: its row, its original record rebuilt and re-normalized with
//! the same adapter that ingested it (see `records`), and the prediction its run submitted.
//!
//! The normalized trajectory is never stored; it is recomputed from the original record, so an
//! improved adapter shows the improvement on old databases and the record stays the only truth.

use rusqlite::{Connection, OptionalExtension};
use trawl_core::{RecordKind, SourceRef, Trajectory};

use crate::rows::KIND_PREDICTION;
use crate::{Store, StoreError};

// Rebuilding a record's bytes and re-normalizing them live in `records`; these are their public
// paths (tests, search and export read them here).
pub use crate::records::{normalize_record, raw_bytes, raw_of_row};

/// A stored trajectory, rebuilt.
pub struct LoadedRow {
    /// Row id.
    pub id: i64,
    /// Stable id.
    pub uid: String,
    /// Where it came from.
    pub source: SourceRef,
    /// The normalized trajectory.
    pub traj: Trajectory,
    /// Effective resolved (own, or joined from a report).
    pub resolved: Option<bool>,
    /// Flags bitmask stored at ingest.
    pub flags: u32,
    /// The original record bytes.
    pub raw: Vec<u8>,
    /// Trajectory or prediction record.
    pub kind: RecordKind,
    /// For a prediction joined to its trajectory: that trajectory's stable id.
    pub joined_to: Option<String>,
    /// For a trajectory: the prediction its run submitted, when one joined it (filled by
    /// [`load_row`], not by [`load_row_conn`]).
    pub prediction: Option<SubmittedPrediction>,
}

/// The prediction a trajectory's run submitted for its instance.
#[derive(Debug, Clone)]
pub struct SubmittedPrediction {
    /// The prediction record's stable id.
    pub uid: String,
    /// Its file.
    pub file: String,
    /// Its line (or row).
    pub line: u64,
    /// Its instance id.
    pub instance_id: Option<String>,
    /// The model (or run) it names.
    pub model: Option<String>,
    /// Its patch.
    pub patch: Option<String>,
    /// Whether its patch is the trajectory's final patch (white space around them aside).
    pub same_patch: bool,
    /// How many predictions joined the trajectory (the one shown is the first by stable id).
    pub count: u64,
}

/// Loads a row by its row id, with the prediction its run submitted.
pub fn load_row(store: &Store, id: i64) -> Result<LoadedRow, StoreError> {
    let mut row = load_row_conn(&store.conn, id)?;
    if row.kind == RecordKind::Trajectory {
        row.prediction = submitted_prediction(&store.conn, id, row.traj.patch.as_deref())?;
    }
    Ok(row)
}

/// The prediction joined to a trajectory (the first by stable id when several are).
fn submitted_prediction(
    conn: &Connection,
    id: i64,
    final_patch: Option<&str>,
) -> Result<Option<SubmittedPrediction>, StoreError> {
    let mut st = conn.prepare_cached("SELECT id FROM trajectories WHERE pred_of = ?1 ORDER BY uid")?;
    let ids: Vec<i64> = st.query_map([id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let Some(&first) = ids.first() else { return Ok(None) };
    let p = load_row_conn(conn, first)?;
    let same_patch = match (p.traj.patch.as_deref(), final_patch) {
        (Some(a), Some(b)) => a.trim() == b.trim(),
        (None, None) => true,
        _ => false,
    };
    Ok(Some(SubmittedPrediction {
        uid: p.uid,
        file: p.source.file,
        line: p.source.line,
        instance_id: p.traj.instance_id,
        model: p.traj.model,
        patch: p.traj.patch,
        same_patch,
        count: ids.len() as u64,
    }))
}

/// Loads a row by its row id through a connection (or a transaction on it).
pub fn load_row_conn(conn: &Connection, id: i64) -> Result<LoadedRow, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT t.uid, s.path, t.byte_offset, t.byte_len, t.line, t.raw, t.resolved, t.resolved_own, t.flags, t.kind,
                j.uid
             FROM trajectories t JOIN sources s ON s.id = t.source_id LEFT JOIN trajectories j ON j.id = t.pred_of
             WHERE t.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Vec<u8>>(5)?,
                r.get::<_, Option<bool>>(6)?,
                r.get::<_, Option<bool>>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        })
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    let (uid, path, offset, len, line, encoded, resolved, _own, flags, kind, joined_to) = row;
    let raw = raw_bytes(conn, id, &uid, &encoded)?;
    let mut traj = normalize_record(&raw, &path).map_err(|reason| StoreError::Damaged { id: uid.clone(), reason })?;
    traj.outcome.resolved = resolved;
    Ok(LoadedRow {
        id,
        uid,
        source: SourceRef { file: path, byte_offset: offset as u64, byte_len: len as u64, line: line as u64 },
        traj,
        resolved,
        flags: flags as u32,
        raw,
        kind: if kind == KIND_PREDICTION { RecordKind::Prediction } else { RecordKind::Trajectory },
        joined_to,
        prediction: None,
    })
}

/// Finds a row id by stable id (or a unique prefix of it of at least 6 characters).
pub fn row_id_for_uid(store: &Store, uid: &str) -> Result<i64, StoreError> {
    let exact: Option<i64> =
        store.conn.query_row("SELECT id FROM trajectories WHERE uid = ?1", [uid], |r| r.get(0)).optional()?;
    if let Some(id) = exact {
        return Ok(id);
    }
    if uid.len() >= 6 && uid.chars().all(|c| c.is_ascii_alphanumeric()) {
        let mut st = store.conn.prepare("SELECT id FROM trajectories WHERE uid >= ?1 AND uid < ?1 || '~' LIMIT 2")?;
        let ids: Vec<i64> = st.query_map([uid], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if ids.len() == 1 {
            return Ok(ids[0]);
        }
    }
    Err(StoreError::NotFound(uid.to_string()))
}
