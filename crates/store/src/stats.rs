//! Counts about a database and the stored diagnostics, read with plain SQL.

use std::collections::BTreeMap;

use trawl_core::facts::Flag;
use trawl_core::{Diagnostic, Severity};

use crate::{Store, StoreError};

/// Counts about a database.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Trajectories stored.
    pub trajectories: u64,
    /// Per format.
    pub by_format: BTreeMap<String, u64>,
    /// Per dataset.
    pub by_dataset: BTreeMap<String, u64>,
    /// `true`, `false`, `unknown`.
    pub resolved: BTreeMap<String, u64>,
    /// Per flag.
    pub flags: BTreeMap<String, u64>,
    /// Error diagnostics.
    pub errors: u64,
    /// Warning diagnostics.
    pub warnings: u64,
    /// Source files.
    pub sources: u64,
    /// Distinct blobs.
    pub blobs: u64,
    /// Documents in the index.
    pub indexed: u64,
    /// Database file size.
    pub db_bytes: u64,
}

fn grouped(store: &Store, sql: &str) -> Result<BTreeMap<String, u64>, StoreError> {
    let mut st = store.conn.prepare(sql)?;
    let rows = st.query_map([], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (k, v) = row?;
        out.insert(k.unwrap_or_else(|| "(none)".into()), v as u64);
    }
    Ok(out)
}

/// Computes the counts.
pub fn stats(store: &Store) -> Result<Stats, StoreError> {
    let one =
        |sql: &str| -> Result<u64, StoreError> { Ok(store.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
    let mut flags = BTreeMap::new();
    for f in Flag::ALL {
        let n: i64 = store.conn.query_row(
            "SELECT count(*) FROM trajectories WHERE flags & ?1 != 0",
            [i64::from(f.bit())],
            |r| r.get(0),
        )?;
        flags.insert(f.as_str().to_string(), n as u64);
    }
    let resolved = grouped(
        store,
        "SELECT CASE resolved WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'unknown' END, count(*) FROM trajectories GROUP BY 1",
    )?;
    Ok(Stats {
        trajectories: one("SELECT count(*) FROM trajectories")?,
        by_format: grouped(store, "SELECT format, count(*) FROM trajectories GROUP BY format")?,
        by_dataset: grouped(store, "SELECT dataset, count(*) FROM trajectories GROUP BY dataset")?,
        resolved,
        flags,
        errors: one("SELECT count(*) FROM diagnostics WHERE severity = 'error'")?,
        warnings: one("SELECT count(*) FROM diagnostics WHERE severity = 'warning'")?,
        sources: one("SELECT count(*) FROM sources")?,
        blobs: one("SELECT count(*) FROM blobs")?,
        indexed: {
            let kind = tantivy::Term::from_field_u64(store.index.fields.kind, crate::index::KIND_TRAJECTORY);
            let q = tantivy::query::TermQuery::new(kind, tantivy::schema::IndexRecordOption::Basic);
            store.index.reader.searcher().search(&q, &tantivy::collector::Count)? as u64
        },
        db_bytes: std::fs::metadata(&store.db_path).map(|m| m.len()).unwrap_or(0),
    })
}

/// Stored diagnostics in file and line order, optionally of one file; returns (total, list).
pub fn diagnostics(
    store: &Store,
    file: Option<&str>,
    limit: Option<usize>,
) -> Result<(u64, Vec<Diagnostic>), StoreError> {
    let total: i64 =
        store.conn.query_row("SELECT count(*) FROM diagnostics WHERE ?1 IS NULL OR file = ?1", [file], |r| r.get(0))?;
    let mut st = store.conn.prepare(
        "SELECT file, line, severity, message FROM diagnostics WHERE ?1 IS NULL OR file = ?1
         ORDER BY file, line, id LIMIT ?2",
    )?;
    let lim = limit.map(|l| l as i64).unwrap_or(-1);
    let rows = st.query_map(rusqlite::params![file, lim], |r| {
        let sev: String = r.get(2)?;
        Ok(Diagnostic {
            severity: if sev == "error" { Severity::Error } else { Severity::Warning },
            file: r.get(0)?,
            line: r.get::<_, i64>(1)? as u64,
            message: r.get(3)?,
        })
    })?;
    Ok((total as u64, rows.collect::<Result<_, _>>()?))
}
