//! Labelling queues: a query's results in labelling order (all, unlabelled, flagged first, or a
//! seeded sample), with how many the annotator has done.

use std::collections::HashSet;

use rusqlite::params;

use crate::label_sets::require_set;
use crate::search::matching_row_ids;
use crate::{Store, StoreError};

/// How a labelling queue is built from a query's results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// Every result, in ingest order.
    All,
    /// The results the annotator has not labelled in the set yet, in ingest order.
    Unlabelled,
    /// Results with any flag first, then the rest (each in ingest order).
    FlaggedFirst,
    /// A random sample of `n` results, fixed by a seed (and the same for the same ids in any database).
    Sample {
        /// Sample size.
        n: usize,
        /// Seed.
        seed: u64,
    },
}

/// A labelling queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// Stable ids in labelling order.
    pub ids: Vec<String>,
    /// Of the queue's trajectories (the query's results, or the sample), how many the annotator
    /// has labelled in the set (trajectory level).
    pub done: u64,
    /// How many trajectories the queue covers.
    pub total: u64,
}

/// Builds a queue over the results of a query.
pub fn queue(store: &Store, query: &str, kind: QueueKind, set: &str, annotator: &str) -> Result<Queue, StoreError> {
    require_set(&store.conn, set)?;
    let info = matching(store, query)?;
    let labelled: HashSet<String> = {
        let mut st = store.conn.prepare_cached(
            "SELECT target FROM label_current WHERE label_set = ?1 AND annotator = ?2 AND step_key = -1",
        )?;
        let rows = st.query_map(params![set, annotator], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut ordered: Vec<(i64, String, i64)> = match kind {
        QueueKind::All | QueueKind::Unlabelled => info,
        QueueKind::FlaggedFirst => {
            let (mut flagged, rest): (Vec<_>, Vec<_>) = info.into_iter().partition(|r| r.2 != 0);
            flagged.extend(rest);
            flagged
        }
        QueueKind::Sample { n, seed } => {
            let mut keyed: Vec<([u8; 32], (i64, String, i64))> = info
                .into_iter()
                .map(|r| {
                    let mut h = blake3::Hasher::new();
                    h.update(&seed.to_le_bytes());
                    h.update(r.1.as_bytes());
                    (*h.finalize().as_bytes(), r)
                })
                .collect();
            keyed.sort_by_key(|a| a.0);
            keyed.into_iter().take(n).map(|(_, r)| r).collect()
        }
    };
    let total = ordered.len() as u64;
    let done = ordered.iter().filter(|r| labelled.contains(&r.1)).count() as u64;
    if kind == QueueKind::Unlabelled {
        ordered.retain(|r| !labelled.contains(&r.1));
    }
    Ok(Queue { ids: ordered.into_iter().map(|r| r.1).collect(), done, total })
}

/// (row id, stable id, flags) of every trajectory a query matches, in ingest order.
fn matching(store: &Store, query: &str) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let rows = matching_row_ids(store, query)?;
    let wanted: HashSet<i64> = rows.iter().copied().collect();
    let mut info: Vec<(i64, String, i64)> = Vec::with_capacity(rows.len());
    let mut st = store.conn.prepare_cached("SELECT id, uid, flags FROM trajectories ORDER BY id")?;
    let all = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?;
    for row in all {
        let row = row?;
        if wanted.contains(&row.0) {
            info.push(row);
        }
    }
    Ok(info)
}

/// Stable ids of every trajectory a query matches, in ingest order (for bulk labelling).
pub fn matching_uids(store: &Store, query: &str) -> Result<Vec<String>, StoreError> {
    Ok(matching(store, query)?.into_iter().map(|r| r.1).collect())
}
