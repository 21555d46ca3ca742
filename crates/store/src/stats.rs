//! Counts about a database and the stored diagnostics, read with plain SQL.

use std::collections::BTreeMap;

use trawl_core::facts::Flag;
use trawl_core::{Diagnostic, Severity};

use crate::{Store, StoreError};

/// Counts about a database.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Trajectories stored (prediction records excluded).
    pub trajectories: u64,
    /// Patch-only records: predictions that joined no trajectory (each is in the index, found
    /// with `kind:prediction`).
    pub predictions: u64,
    /// Predictions joined to a trajectory of their run (kept as its submitted prediction; not in
    /// the index).
    pub predictions_joined: u64,
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
    /// Documents in the index: trajectories and patch-only records (`trajectories + predictions`
    /// when the index is in step).
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
            "SELECT count(*) FROM trajectories WHERE kind = 0 AND flags & ?1 != 0",
            [i64::from(f.bit())],
            |r| r.get(0),
        )?;
        flags.insert(f.as_str().to_string(), n as u64);
    }
    let resolved = grouped(
        store,
        "SELECT CASE resolved WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'unknown' END, count(*) FROM trajectories WHERE kind = 0 GROUP BY 1",
    )?;
    Ok(Stats {
        trajectories: one("SELECT count(*) FROM trajectories WHERE kind = 0")?,
        predictions: one("SELECT count(*) FROM trajectories WHERE kind = 1 AND pred_of IS NULL")?,
        predictions_joined: one("SELECT count(*) FROM trajectories WHERE kind = 1 AND pred_of IS NOT NULL")?,
        by_format: grouped(store, "SELECT format, count(*) FROM trajectories WHERE kind = 0 GROUP BY format")?,
        by_dataset: grouped(store, "SELECT dataset, count(*) FROM trajectories WHERE kind = 0 GROUP BY dataset")?,
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

/// Per-trajectory numbers for charts: (steps, tokens or None, patch lines).
pub type ChartRow = (u64, Option<u64>, u64);

/// Per-group counts for charts.
#[derive(Debug, Clone, Default)]
pub struct GroupRates {
    /// The repository or dataset (`(none)` when missing).
    pub key: String,
    /// Trajectories.
    pub total: u64,
    /// Resolved.
    pub resolved_true: u64,
    /// Known not resolved.
    pub resolved_false: u64,
    /// Trajectories per flag.
    pub flags: BTreeMap<String, u64>,
}

/// What the charts of a result set are drawn from.
#[derive(Debug, Clone, Default)]
pub struct ChartData {
    /// One row per trajectory.
    pub rows: Vec<ChartRow>,
    /// Per repository, most first.
    pub by_repo: Vec<GroupRates>,
    /// Per dataset, most first.
    pub by_dataset: Vec<GroupRates>,
    /// Calls per tool, most first.
    pub tools: Vec<(String, u64)>,
}

/// Reads the chart data of the given trajectories (row ids), or of all when `ids` is `None`.
/// The ids go through a temporary table so the aggregates stay single SQL statements.
pub fn chart_data(store: &Store, ids: Option<&[i64]>) -> Result<ChartData, StoreError> {
    let conn = &store.conn;
    let filter = if let Some(ids) = ids {
        conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS chart_ids (id INTEGER PRIMARY KEY); DELETE FROM chart_ids;",
        )?;
        let mut ins = conn.prepare_cached("INSERT INTO chart_ids (id) VALUES (?1)")?;
        for id in ids {
            ins.execute([id])?;
        }
        " WHERE t.id IN (SELECT id FROM chart_ids)"
    } else {
        // The whole database: its trajectories (prediction records are not runs).
        " WHERE t.kind = 0"
    };
    let mut out = ChartData::default();
    {
        let sql = format!(
            "SELECT steps, CASE WHEN prompt_tokens IS NULL AND completion_tokens IS NULL THEN NULL \
             ELSE coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0) END, patch_added + patch_removed \
             FROM trajectories t{filter}"
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, Option<i64>>(1)?.map(|v| v.max(0) as u64),
                r.get::<_, i64>(2)? as u64,
            ))
        })?;
        for row in rows {
            out.rows.push(row?);
        }
    }
    for (column, dest) in [("repo", &mut out.by_repo), ("dataset", &mut out.by_dataset)] {
        let mut flag_sums = String::new();
        for f in Flag::ALL {
            flag_sums.push_str(&format!(", sum(flags & {} != 0)", f.bit()));
        }
        let sql = format!(
            "SELECT {column}, count(*), sum(resolved = 1), sum(resolved = 0){flag_sums} FROM trajectories t{filter} \
             GROUP BY {column} ORDER BY count(*) DESC, {column} LIMIT 50"
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map([], |r| {
            let mut flags = BTreeMap::new();
            for (i, f) in Flag::ALL.iter().enumerate() {
                flags.insert(f.as_str().to_string(), r.get::<_, Option<i64>>(4 + i)?.unwrap_or(0) as u64);
            }
            Ok(GroupRates {
                key: r.get::<_, Option<String>>(0)?.unwrap_or_else(|| "(none)".into()),
                total: r.get::<_, i64>(1)? as u64,
                resolved_true: r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                resolved_false: r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64,
                flags,
            })
        })?;
        for row in rows {
            dest.push(row?);
        }
    }
    {
        let sql = format!(
            "SELECT c.tool, count(*) FROM calls c{} GROUP BY c.tool ORDER BY count(*) DESC, c.tool LIMIT 40",
            if ids.is_some() { " WHERE c.traj IN (SELECT id FROM chart_ids)" } else { "" }
        );
        let mut st = conn.prepare(&sql)?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        for row in rows {
            out.tools.push(row?);
        }
    }
    Ok(out)
}
