//! The row tables as ingest writes them and reindex recomputes them: dictionary ids, the
//! derived columns of `trajectories` and their `calls`, diagnostics rows, and outcome scopes.

use std::path::Path;

use rusqlite::{params, Connection};
use trawl_core::facts::Facts;
use trawl_core::{Diagnostic, Severity, Trajectory};

use crate::StoreError;

/// Dictionary kind: repository.
pub const DICT_REPO: i64 = 1;
/// Dictionary kind: dataset.
pub const DICT_DATASET: i64 = 2;
/// Dictionary kind: format.
pub const DICT_FORMAT: i64 = 3;
/// Dictionary kind: model.
pub const DICT_MODEL: i64 = 4;

/// `trajectories.kind` of a trajectory.
pub const KIND_TRAJECTORY: i64 = 0;
/// `trajectories.kind` of a prediction record.
pub const KIND_PREDICTION: i64 = 1;

/// The key a patch is compared by: blake3 of the normalized patch without surrounding white
/// space (a prediction file often carries the patch with a leading newline the trajectory lacks).
pub fn patch_key(patch: Option<&str>) -> Option<String> {
    patch.map(|p| blake3::hash(p.trim().as_bytes()).to_hex()[..32].to_string())
}

/// The dictionary id of a value (0 for none), inserting it when new.
pub fn dict_id(conn: &Connection, kind: i64, value: Option<&str>) -> Result<u64, StoreError> {
    let Some(v) = value else { return Ok(0) };
    conn.prepare_cached("INSERT OR IGNORE INTO dict (kind, value) VALUES (?1, ?2)")?.execute(params![kind, v])?;
    let id: i64 = conn
        .prepare_cached("SELECT id FROM dict WHERE kind = ?1 AND value = ?2")?
        .query_row(params![kind, v], |r| r.get(0))?;
    Ok(id as u64)
}

/// The directory that an outcome file's statements apply to: its own directory, or, for files
/// under a `logs/` directory (the SWE-bench harness layout `run/logs/<id>/report.json`), the
/// directory holding `logs/`. Ends with a path separator.
pub fn outcome_scope(path: &str) -> String {
    let p = Path::new(path);
    let mut dir = p.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut cur = dir.clone();
    while let Some(parent) = cur.parent() {
        if cur.file_name().is_some_and(|n| n == "logs") {
            dir = parent.to_path_buf();
            break;
        }
        cur = parent.to_path_buf();
    }
    let mut s = dir.display().to_string();
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Inserts a row's calls (`ins_call`: the `INSERT INTO calls` statement).
pub(crate) fn store_calls(
    ins_call: &mut rusqlite::CachedStatement<'_>,
    row_id: i64,
    f: &Facts,
) -> Result<(), StoreError> {
    for c in &f.calls {
        ins_call.execute(params![row_id, c.step as i64, c.tool, c.cmd, c.exit_code])?;
    }
    Ok(())
}

/// Adds to the command index (`calls_cmd`, migration 0006) the calls whose row id is `first` or
/// more: the calls a batch inserted since `first = next_call_rowid()`. One statement per batch,
/// in the batch's transaction, so the index never misses a stored call (a trigger per call cost
/// more than the rest of the ingest).
pub(crate) fn index_commands(conn: &Connection, first: i64) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO calls_cmd (rowid, cmd) SELECT rowid, cmd FROM calls WHERE rowid >= ?1")?
        .execute([first])?;
    Ok(())
}

/// The row id the next inserted call gets (calls never reuse a row id below the largest).
pub(crate) fn next_call_rowid(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.prepare_cached("SELECT coalesce(max(rowid), 0) + 1 FROM calls")?.query_row([], |r| r.get(0))?)
}

/// `trajectories.kind` of a record kind.
pub(crate) fn kind_code(kind: trawl_core::RecordKind) -> i64 {
    match kind {
        trawl_core::RecordKind::Trajectory => KIND_TRAJECTORY,
        trawl_core::RecordKind::Prediction => KIND_PREDICTION,
    }
}

/// Rewrites a row's derived columns and calls from freshly derived facts (used by reindex).
pub fn refresh_derived(conn: &Connection, id: i64, t: &Trajectory, f: &Facts) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE trajectories SET steps = ?2, tool_calls = ?3, patch_files = ?4, patch_added = ?5, patch_removed = ?6,
            flags = ?7, facts = ?8, kind = ?9, base_instance = ?10, patch_hash = ?11 WHERE id = ?1",
    )?
    .execute(params![
        id,
        f.steps as i64,
        f.tool_calls as i64,
        f.patch.files.len() as i64,
        f.patch.added as i64,
        f.patch.removed as i64,
        i64::from(f.flags.0),
        facts_json(f),
        kind_code(t.format.kind()),
        t.base_instance().filter(|b| Some(*b) != t.instance_id.as_deref()),
        patch_key(t.patch.as_deref()),
    ])?;
    conn.prepare_cached("DELETE FROM calls WHERE traj = ?1")?.execute([id])?;
    let first = next_call_rowid(conn)?;
    let mut ins_call =
        conn.prepare_cached("INSERT INTO calls (traj, step, tool, cmd, exit_code) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    store_calls(&mut ins_call, id, f)?;
    index_commands(conn, first)
}

/// The `trajectories.facts` column: the facts search and stats read back as JSON.
pub(crate) fn facts_json(f: &Facts) -> String {
    serde_json::json!({
        "tool_counts": f.tool_counts,
        "edited_files": f.edited_files,
        "patch_files": f.patch.files,
        "patch_created": f.patch.created,
        "languages": f.patch.languages,
    })
    .to_string()
}

/// Stores diagnostics (a diagnostic already stored is kept once).
pub(crate) fn write_diagnostics(conn: &Connection, diags: &[Diagnostic]) -> Result<(), StoreError> {
    write_diagnostics_tx(conn, diags.iter())
}

/// [`write_diagnostics`] over any iterator (a batch's own and extra diagnostics together).
pub(crate) fn write_diagnostics_tx<'a>(
    conn: &Connection,
    diags: impl Iterator<Item = &'a Diagnostic>,
) -> Result<(), StoreError> {
    let mut st = conn
        .prepare_cached("INSERT OR IGNORE INTO diagnostics (file, line, severity, message) VALUES (?1, ?2, ?3, ?4)")?;
    for d in diags {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        st.execute(params![d.file, d.line as i64, sev, d.message])?;
    }
    Ok(())
}
