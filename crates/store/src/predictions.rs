//! Predictions and their trajectories.
//!
//! A prediction record (SWE-bench `model_patch`, Multi-SWE-bench `fix_patch`) is the submission
//! of a run. It joins a trajectory of the same run: the trajectory comes from a file under the
//! prediction file's directory tree (the scope rule outcome reports use, [`outcome_scope`]), has
//! the same instance id, and the same model where both name one ([`models_agree`]). A joined
//! prediction is kept as that trajectory's submitted prediction (`trajectories.pred_of`) and is
//! no search result of its own; a prediction that joins nothing is a *patch-only record*: in the
//! index, found with `kind:prediction`, counted apart.
//!
//! Which trajectory a prediction joins is a function of the stored rows only (see [`relink`]),
//! recomputed for an instance whenever a row of that instance is stored, so the order of files
//! and of ingest runs does not change the outcome.

use rusqlite::{params, Connection};
use trawl_core::Diagnostic;

use crate::rows::{outcome_scope, patch_key};
use crate::StoreError;

/// Whether two model names can be the same run's: true when either is missing or they agree.
/// Names agree when, compared case-insensitively after dropping a provider prefix (`openai/`,
/// `anthropic/`), one contains the other: prediction files often name the run
/// (`gpt4__swe-bench-dev__t-0.00`, `claude-3-5-sonnet_maxiter_100`) where the trajectory names
/// the model.
pub fn models_agree(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |m: &str| m.rsplit('/').next().unwrap_or(m).trim().to_lowercase();
            let (a, b) = (key(a), key(b));
            !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
        }
        _ => true,
    }
}

struct Row {
    id: i64,
    uid: String,
    path: String,
    line: i64,
    model: Option<String>,
    patch: Option<String>,
    pred_of: Option<i64>,
    patch_files: i64,
}

/// The message of the warning on a prediction that joins no trajectory.
const NO_TRAJECTORY: &str = "matches no trajectory of its run";
/// The message of the warning on a prediction whose patch is not its trajectory's.
const DIFFERS: &str = "differs from the final patch of trajectory";

/// Recomputes, for each instance id, which trajectory each of its predictions joins. Rows whose
/// join changed get sequence `seq` (the index re-reads them) and are returned. The two warnings
/// the join owns (no trajectory; a patch that differs) are replaced on the place of a prediction
/// whose join changed or that is `fresh` (just stored), and the new ones returned.
pub fn relink(
    conn: &Connection,
    instances: &[String],
    fresh: &std::collections::HashSet<i64>,
    seq: i64,
    changed: &mut Vec<i64>,
    diags: &mut Vec<Diagnostic>,
    mut unjoined: Option<&mut Vec<i64>>,
) -> Result<(), StoreError> {
    let mut preds_st = conn.prepare_cached(
        "SELECT t.id, t.uid, s.path, t.line, t.model, t.patch_hash, t.pred_of, t.patch_files FROM trajectories t
         JOIN sources s ON s.id = t.source_id WHERE t.instance_id = ?1 AND t.kind = 1 ORDER BY t.uid",
    )?;
    let mut trajs_st = conn.prepare_cached(
        "SELECT t.id, t.uid, s.path, t.line, t.model, t.patch_hash, NULL, t.patch_files FROM trajectories t
         JOIN sources s ON s.id = t.source_id WHERE t.instance_id = ?1 AND t.kind = 0 ORDER BY t.uid",
    )?;
    let read = |r: &rusqlite::Row<'_>| {
        Ok(Row {
            id: r.get(0)?,
            uid: r.get(1)?,
            path: r.get(2)?,
            line: r.get(3)?,
            model: r.get(4)?,
            patch: r.get(5)?,
            pred_of: r.get(6)?,
            patch_files: r.get(7)?,
        })
    };
    let empty = patch_key(Some(""));
    let mut set = conn.prepare_cached("UPDATE trajectories SET pred_of = ?2, seq = ?3 WHERE id = ?1")?;
    let mut clear = conn.prepare_cached(
        "DELETE FROM diagnostics WHERE file = ?1 AND line = ?2 AND severity = 'warning'
           AND (message LIKE '%' || ?3 || '%' OR message LIKE '%' || ?4 || '%')",
    )?;
    let mut ins = conn.prepare_cached(
        "INSERT OR IGNORE INTO diagnostics (file, line, severity, message) VALUES (?1, ?2, 'warning', ?3)",
    )?;
    for inst in instances {
        let preds: Vec<Row> = preds_st.query_map([inst], read)?.collect::<Result<_, _>>()?;
        if preds.is_empty() {
            continue;
        }
        let trajs: Vec<Row> = trajs_st.query_map([inst], read)?.collect::<Result<_, _>>()?;
        for p in &preds {
            let scope = outcome_scope(&p.path);
            // A patch that is not a diff (prose, an error message) joins only a trajectory whose
            // final patch is that same text; otherwise the prediction stays patch-only.
            let not_diff = p.patch_files == 0 && p.patch.is_some() && p.patch != empty;
            // Best first: the same patch, then a model named alike, then the stable id.
            let best = trajs
                .iter()
                .filter(|t| t.path.starts_with(&scope) && models_agree(p.model.as_deref(), t.model.as_deref()))
                .filter(|t| !not_diff || t.patch == p.patch)
                .min_by_key(|t| {
                    let same_patch = p.patch.is_some() && p.patch == t.patch;
                    let same_model = p.model.is_some() && p.model == t.model;
                    (!same_patch, !same_model, t.uid.as_str())
                });
            let new = best.map(|t| t.id);
            if new == p.pred_of && !fresh.contains(&p.id) {
                continue;
            }
            if new != p.pred_of {
                set.execute(params![p.id, new, seq])?;
                changed.push(p.id);
            }
            clear.execute(params![p.path, p.line, NO_TRAJECTORY, DIFFERS])?;
            let message = match best {
                // An ingest warns at its end about the predictions still unjoined then (a
                // trajectory later in the same ingest may join them): see `warn_unjoined`.
                None if unjoined.is_some() => {
                    if let Some(u) = unjoined.as_deref_mut() {
                        u.push(p.id);
                    }
                    None
                }
                None => Some(no_trajectory(inst)),
                Some(t) if p.patch.is_some() && t.patch.is_some() && p.patch != t.patch => Some(format!(
                    "prediction {} for {inst} {DIFFERS} {} ({}:{}) it joins",
                    short(&p.uid),
                    short(&t.uid),
                    t.path,
                    t.line
                )),
                Some(_) => None,
            };
            if let Some(m) = message {
                ins.execute(params![p.path, p.line, m])?;
                diags.push(Diagnostic::warning(&p.path, p.line as u64, m));
            }
        }
    }
    Ok(())
}

/// Recomputes the join of every prediction (after a migration or a reindex), and the warnings
/// the join owns.
pub fn relink_all(conn: &Connection, seq: i64) -> Result<Vec<i64>, StoreError> {
    let fresh: std::collections::HashSet<i64> = {
        let mut st = conn.prepare("SELECT id FROM trajectories WHERE kind = 1")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let instances: Vec<String> = {
        let mut st =
            conn.prepare("SELECT DISTINCT instance_id FROM trajectories WHERE kind = 1 AND instance_id IS NOT NULL")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut changed = Vec::new();
    relink(conn, &instances, &fresh, seq, &mut changed, &mut Vec::new(), None)?;
    Ok(changed)
}

/// The data step of the migrations ([`crate::db::AfterMigration`]): after `0005_predictions`,
/// predictions stored before that version join their trajectories (the index catches up with the
/// rows whose join changed when the store opens).
pub fn after_migration(name: &str, tx: &Connection) -> Result<(), StoreError> {
    if name == "0005_predictions" {
        let seq = crate::db::next_seq(tx)?;
        relink_all(tx, seq)?;
    }
    Ok(())
}

fn no_trajectory(inst: &str) -> String {
    format!(
        "prediction for {inst} {NO_TRAJECTORY} (same directory tree, instance id and model; a patch that is not a \
         diff joins only the same final patch): stored as a patch-only record"
    )
}

/// The warnings an ingest gives at its end for the predictions it stored that joined no
/// trajectory (those still unjoined: a later file of the same ingest may have joined them).
pub fn warn_unjoined(conn: &Connection, ids: &[i64]) -> Result<Vec<Diagnostic>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT s.path, t.line, t.instance_id FROM trajectories t JOIN sources s ON s.id = t.source_id
         WHERE t.id = ?1 AND t.kind = 1 AND t.pred_of IS NULL",
    )?;
    let mut ins = conn.prepare_cached(
        "INSERT OR IGNORE INTO diagnostics (file, line, severity, message) VALUES (?1, ?2, 'warning', ?3)",
    )?;
    let mut out = Vec::new();
    for &id in ids {
        let found: Option<(String, i64, Option<String>)> =
            rusqlite::OptionalExtension::optional(st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))?;
        if let Some((path, line, inst)) = found {
            let m = no_trajectory(inst.as_deref().unwrap_or("?"));
            ins.execute(params![path, line, m])?;
            out.push(Diagnostic::warning(&path, line as u64, m));
        }
    }
    Ok(out)
}

fn short(uid: &str) -> &str {
    &uid[..uid.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::models_agree;

    #[test]
    fn models_agree_when_one_names_the_other() {
        assert!(models_agree(None, Some("x")));
        assert!(models_agree(Some("openai/gpt-4o"), Some("gpt-4o")));
        assert!(models_agree(Some("gpt4__swe-bench-dev__t-0.00"), Some("gpt4")));
        assert!(!models_agree(Some("gpt-4o"), Some("claude-3-5-sonnet")));
    }
}
