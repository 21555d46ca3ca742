//! A page of hits: their rows read from `trajectories`, and dictionary ids named.

use std::collections::HashMap;

use super::types::Hit;
use crate::{Store, StoreError};

/// Dictionary id → value, per kind.
pub(super) fn dict_names(store: &Store) -> Result<HashMap<(i64, u64), String>, StoreError> {
    let mut st = store.conn.prepare_cached("SELECT kind, id, value FROM dict")?;
    let rows = st.query_map([], |r| Ok(((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64), r.get::<_, String>(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn load_hits(store: &Store, ids: &[i64]) -> Result<Vec<Hit>, StoreError> {
    let mut st = store.conn.prepare_cached(
        "SELECT uid, instance_id, trajectory_id, repo, dataset, format, model, resolved, flags, steps, patch_files,
                patch_added + patch_removed, coalesce(base_instance, instance_id), kind
         FROM trajectories WHERE id = ?1",
    )?;
    let mut hits = Vec::with_capacity(ids.len());
    for &id in ids {
        let hit = st.query_row([id], |r| {
            let flags: i64 = r.get(8)?;
            Ok(Hit {
                row_id: id,
                uid: r.get(0)?,
                instance_id: r.get(1)?,
                base_instance: r.get(12)?,
                kind: if r.get::<_, i64>(13)? == crate::rows::KIND_PREDICTION {
                    trawl_core::RecordKind::Prediction
                } else {
                    trawl_core::RecordKind::Trajectory
                },
                trajectory_id: r.get(2)?,
                repo: r.get(3)?,
                dataset: r.get(4)?,
                format: r.get(5)?,
                model: r.get(6)?,
                resolved: r.get(7)?,
                flags: trawl_core::facts::FlagSet(flags as u32).iter().collect(),
                steps: r.get::<_, i64>(9)? as u64,
                patch_files: r.get::<_, i64>(10)? as u64,
                patch_lines: r.get::<_, i64>(11)? as u64,
                step: None,
                snippet: None,
            })
        })?;
        hits.push(hit);
    }
    Ok(hits)
}
