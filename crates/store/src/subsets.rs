//! Subsets with lineage: named, versioned, frozen sets of trajectories.
//!
//! A version is defined by a parent (another version, or the whole database), a rule in the query
//! language, manual excludes and includes, and shaping (dedup, a cap of K per instance with an
//! order, contamination lists). Creating a version evaluates the definition once and freezes the
//! result as rows of `subset_members` (row id and stable uid): later ingests or label changes
//! never alter it; evaluating the definition again makes a new version.
//!
//! Each version records its funnel: the stages in the order they were applied, each with how many
//! it removed (or added) and why. The rule's top-level AND clauses are applied one at a time to
//! the parent's members, then excludes, includes, dedup, cap and contamination.
//!
//! This module does not parse or execute queries (see `search`) and does not export.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::dedup::Mode;
use crate::{Store, StoreError};

/// Shaping: what is applied after the rule and the manual lists.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Shaping {
    /// Keep one per duplicate group: `none`, `exact_patch`, `exact_text`, `near_patch`.
    #[serde(default)]
    pub dedup: Option<DedupRule>,
    /// At most K trajectories per instance.
    #[serde(default)]
    pub cap: Option<Cap>,
    /// Contamination lists whose matches are removed, in order.
    #[serde(default)]
    pub contamination: Vec<String>,
}

/// A dedup shaping rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum DedupRule {
    /// Same normalized patch.
    ExactPatch,
    /// Same normalized trajectory text.
    ExactText,
    /// Near-duplicate patches.
    NearPatch {
        /// Estimated Jaccard similarity threshold, in (0, 1].
        threshold: f64,
    },
}

impl DedupRule {
    /// The store's mode.
    pub fn mode(&self) -> Mode {
        match self {
            DedupRule::ExactPatch => Mode::ExactPatch,
            DedupRule::ExactText => Mode::ExactText,
            DedupRule::NearPatch { threshold } => Mode::NearPatch(*threshold),
        }
    }
}

/// At most `k` per instance, keeping the first by `order`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cap {
    /// How many to keep per instance.
    pub k: usize,
    /// Order keys, most important first (see [`ORDER_KEYS`]); ties end on the stable id.
    #[serde(default)]
    pub order: Vec<String>,
}

/// The order keys a cap (and dedup's choice of which to keep) understands.
pub const ORDER_KEYS: [(&str, &str); 6] = [
    ("resolved", "resolved first, then unknown, then unresolved"),
    ("fewest_steps", "fewest steps first"),
    ("most_steps", "most steps first"),
    ("smallest_patch", "fewest patch lines first"),
    ("largest_patch", "most patch lines first"),
    ("ingest", "ingest order"),
];

/// What defines a version.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Definition {
    /// The subset's name.
    pub name: String,
    /// The parent version (`name`, `version`), or the whole database.
    #[serde(default)]
    pub parent: Option<(String, i64)>,
    /// A query in the query language (empty = everything in the parent).
    #[serde(default)]
    pub rule: String,
    /// Stable ids added by hand (from the whole database).
    #[serde(default)]
    pub includes: Vec<String>,
    /// Stable ids removed by hand.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// Shaping.
    #[serde(default)]
    pub shaping: Shaping,
}

/// One step of a version's funnel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Stage {
    /// What the step did (`flag:empty_patch`, `capped at 2 per instance`, …).
    pub label: String,
    /// Trajectories it removed.
    pub removed: u64,
    /// Trajectories it added (manual includes).
    pub added: u64,
    /// Trajectories after the step.
    pub count: u64,
}

/// A saved version.
#[derive(Debug, Clone)]
pub struct Version {
    /// Internal id of the version.
    pub id: i64,
    /// Its definition.
    pub definition: Definition,
    /// Version number (1, 2, …) within the subset.
    pub version: i64,
    /// The parent's size when the version was made.
    pub pool: u64,
    /// Members.
    pub count: u64,
    /// The funnel.
    pub stages: Vec<Stage>,
    /// When it was made (UTC, RFC 3339).
    pub created: String,
    /// Time taken to evaluate and save (zero when loaded).
    pub took: Duration,
}

/// Splits a rule into its top-level AND clauses, as text: whitespace outside quotes and
/// parentheses separates clauses, `AND` keywords are dropped. A rule with a top-level `OR` is
/// one clause. Each clause is itself a valid query when the rule is.
pub fn split_clauses(rule: &str) -> Vec<String> {
    let mut clauses: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut escaped = false;
    for c in rule.chars() {
        if in_quote {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quote = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_quote = true;
                cur.push(c);
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            c if c.is_whitespace() && depth == 0 => {
                if !cur.is_empty() {
                    clauses.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        clauses.push(cur);
    }
    if clauses.iter().any(|c| c == "OR") {
        let whole = rule.trim();
        return if whole.is_empty() { Vec::new() } else { vec![whole.to_string()] };
    }
    clauses.retain(|c| c != "AND");
    clauses
}

/// Per-trajectory columns shaping needs.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) uid: String,
    pub(crate) instance_id: Option<String>,
    /// The base instance (sample suffix removed): caps and contamination work on it.
    pub(crate) base_instance: Option<String>,
    pub(crate) repo: Option<String>,
    pub(crate) resolved: Option<bool>,
    pub(crate) steps: i64,
    pub(crate) patch_lines: i64,
}

pub(crate) fn load_meta(store: &Store, ids: &[i64]) -> Result<HashMap<i64, Meta>, StoreError> {
    let mut st = store.conn.prepare_cached(
        "SELECT uid, instance_id, repo, resolved, steps, patch_added + patch_removed, coalesce(base_instance, instance_id)
         FROM trajectories WHERE id = ?1",
    )?;
    let mut out = HashMap::with_capacity(ids.len());
    for &id in ids {
        let m = st.query_row([id], |r| {
            Ok(Meta {
                uid: r.get(0)?,
                instance_id: r.get(1)?,
                repo: r.get(2)?,
                resolved: r.get(3)?,
                steps: r.get(4)?,
                patch_lines: r.get(5)?,
                base_instance: r.get(6)?,
            })
        })?;
        out.insert(id, m);
    }
    Ok(out)
}

/// Checks order keys.
pub fn check_order(order: &[String]) -> Result<(), StoreError> {
    for k in order {
        if !ORDER_KEYS.iter().any(|(n, _)| n == k) {
            let names: Vec<&str> = ORDER_KEYS.iter().map(|(n, _)| *n).collect();
            return Err(StoreError::UnknownOrderKey { key: k.to_string(), known: names.join(", ") });
        }
    }
    Ok(())
}

/// Sorts ids by order keys, ties by stable id.
fn sort_by_order(ids: &mut [i64], order: &[String], meta: &HashMap<i64, Meta>) {
    ids.sort_by(|a, b| {
        let (ma, mb) = (&meta[a], &meta[b]);
        for k in order {
            let o = match k.as_str() {
                "resolved" => {
                    let rank = |r: Option<bool>| match r {
                        Some(true) => 0,
                        None => 1,
                        Some(false) => 2,
                    };
                    rank(ma.resolved).cmp(&rank(mb.resolved))
                }
                "fewest_steps" => ma.steps.cmp(&mb.steps),
                "most_steps" => mb.steps.cmp(&ma.steps),
                "smallest_patch" => ma.patch_lines.cmp(&mb.patch_lines),
                "largest_patch" => mb.patch_lines.cmp(&ma.patch_lines),
                "ingest" => a.cmp(b),
                _ => std::cmp::Ordering::Equal,
            };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        ma.uid.cmp(&mb.uid)
    });
}

fn intersect_sorted(a: &[i64], b: &[i64]) -> Vec<i64> {
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn subset_id(store: &Store, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(store.conn.query_row("SELECT id FROM subsets WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

/// The internal id of a version (`version` None = the latest).
pub fn version_id(store: &Store, name: &str, version: Option<i64>) -> Result<i64, StoreError> {
    let sid = subset_id(store, name)?.ok_or_else(|| StoreError::UnknownSubset { name: name.to_string() })?;
    let vid: Option<i64> = match version {
        Some(v) => store
            .conn
            .query_row("SELECT id FROM subset_versions WHERE subset_id = ?1 AND version = ?2", params![sid, v], |r| {
                r.get(0)
            })
            .optional()?,
        None => store
            .conn
            .query_row(
                "SELECT id FROM subset_versions WHERE subset_id = ?1 ORDER BY version DESC LIMIT 1",
                [sid],
                |r| r.get(0),
            )
            .optional()?,
    };
    vid.ok_or_else(|| match version {
        Some(v) => StoreError::NoSubsetVersion { name: name.to_string(), version: Some(v) },
        None => StoreError::NoSubsetVersion { name: name.to_string(), version: None },
    })
}

/// The frozen member row ids of a version, ascending.
pub fn member_ids(store: &Store, version_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut st = store.conn.prepare_cached("SELECT traj FROM subset_members WHERE version_id = ?1 ORDER BY traj")?;
    let ids = st.query_map([version_id], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// The frozen members of a version as (row id, stable id), by row id.
pub fn members(store: &Store, version_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let mut st =
        store.conn.prepare_cached("SELECT traj, uid FROM subset_members WHERE version_id = ?1 ORDER BY traj")?;
    let rows = st.query_map([version_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The stable id and instance id of each row id, in the order given (for reports of dedup
/// clusters). A row id that does not exist is a database error.
pub fn uids_and_instances(store: &Store, ids: &[i64]) -> Result<Vec<(String, Option<String>)>, StoreError> {
    let mut st = store.conn.prepare_cached("SELECT uid, instance_id FROM trajectories WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(st.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?);
    }
    Ok(out)
}

fn resolve_uids(store: &Store, uids: &[String], what: &str) -> Result<Vec<i64>, StoreError> {
    let mut st = store.conn.prepare_cached("SELECT id FROM trajectories WHERE uid = ?1")?;
    let mut out = Vec::with_capacity(uids.len());
    for u in uids {
        let id: Option<i64> = st.query_row([u], |r| r.get(0)).optional()?;
        match id {
            Some(id) => out.push(id),
            None => return Err(StoreError::UnknownMember { what: what.to_string(), id: u.to_string() }),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Evaluates a definition and saves it as the next version of its subset (creating the subset).
/// Nothing is saved when anything in the definition is wrong.
pub fn create(store: &mut Store, def: &Definition) -> Result<Version, StoreError> {
    let started = Instant::now();
    let name = def.name.trim();
    if name.is_empty() || name.contains('@') || name.chars().any(char::is_whitespace) {
        return Err(StoreError::BadName {
            what: "subset",
            name: def.name.clone(),
            rule: "give a non-empty name without spaces or '@'",
        });
    }
    // The whole rule first: a syntax error names its column in the rule as the user wrote it.
    let rule_kind = trawl_core::query::parse(&def.rule).map_err(StoreError::Query)?.mentions_kind();
    if let Some(DedupRule::NearPatch { threshold }) = &def.shaping.dedup {
        if !(*threshold > 0.0 && *threshold <= 1.0) {
            return Err(StoreError::BadThreshold { threshold: *threshold });
        }
    }
    if let Some(cap) = &def.shaping.cap {
        if cap.k == 0 {
            return Err(StoreError::BadCap);
        }
        check_order(&cap.order)?;
    }
    let lists =
        def.shaping.contamination.iter().map(|n| crate::contamination::get(store, n)).collect::<Result<Vec<_>, _>>()?;
    let excludes = resolve_uids(store, &def.excludes, "exclude")?;
    let includes = resolve_uids(store, &def.includes, "include")?;

    let parent_vid = match &def.parent {
        Some((pn, pv)) => Some(version_id(store, pn, Some(*pv))?),
        None => None,
    };
    let mut cur: Vec<i64> = match parent_vid {
        Some(vid) => member_ids(store, vid)?,
        None => {
            // The whole database: its trajectories, and its patch-only records when the rule
            // says `kind:` (as a query does; joined predictions are part of their trajectory).
            let sql = if rule_kind {
                "SELECT id FROM trajectories WHERE kind = 0 OR pred_of IS NULL ORDER BY id"
            } else {
                "SELECT id FROM trajectories WHERE kind = 0 ORDER BY id"
            };
            let mut st = store.conn.prepare(sql)?;
            let ids = st.query_map([], |r| r.get(0))?.collect::<Result<Vec<i64>, _>>()?;
            ids
        }
    };
    let pool = cur.len() as u64;
    let mut stages: Vec<Stage> = Vec::new();
    let stage = |label: String, before: usize, after: usize, added: usize| Stage {
        label,
        removed: (before + added - after) as u64,
        added: added as u64,
        count: after as u64,
    };
    for clause in split_clauses(&def.rule) {
        // A rule that says `kind:` anywhere applies it to the whole rule, not to one clause.
        let matching = if rule_kind {
            crate::search::matching_ids(store, &format!("kind:any ({clause})"))?
        } else {
            crate::search::matching_ids(store, &clause)?
        };
        let before = cur.len();
        cur = intersect_sorted(&cur, &matching);
        stages.push(stage(clause, before, cur.len(), 0));
    }
    if !excludes.is_empty() {
        let before = cur.len();
        let ex: HashSet<i64> = excludes.iter().copied().collect();
        cur.retain(|id| !ex.contains(id));
        stages.push(stage("excluded by hand".into(), before, cur.len(), 0));
    }
    if !includes.is_empty() {
        let before = cur.len();
        let have: HashSet<i64> = cur.iter().copied().collect();
        let new: Vec<i64> = includes.iter().copied().filter(|id| !have.contains(id)).collect();
        cur.extend(&new);
        cur.sort_unstable();
        stages.push(stage("included by hand".into(), before, cur.len(), new.len()));
    }
    let needs_meta = def.shaping.dedup.is_some() || def.shaping.cap.is_some() || !lists.is_empty();
    let meta = if needs_meta { load_meta(store, &cur)? } else { HashMap::new() };
    // Which member of a duplicate group stays: the first by the cap's order, or without a cap
    // resolved first, then fewest steps; ties on the stable id.
    let order: Vec<String> = match &def.shaping.cap {
        Some(c) => c.order.clone(),
        None => vec!["resolved".to_string(), "fewest_steps".to_string()],
    };
    if let Some(rule) = &def.shaping.dedup {
        let mode = rule.mode();
        let keys = crate::dedup::keys_for(store, &cur, mode)?;
        let mut drop: HashSet<i64> = HashSet::new();
        for g in crate::dedup::groups(&keys, mode) {
            let mut ids: Vec<i64> = g.iter().map(|&i| cur[i]).collect();
            sort_by_order(&mut ids, &order, &meta);
            drop.extend(&ids[1..]);
        }
        let before = cur.len();
        cur.retain(|id| !drop.contains(id));
        stages.push(stage(mode.reason(), before, cur.len(), 0));
    }
    if let Some(cap) = &def.shaping.cap {
        let mut by_instance: HashMap<&str, Vec<i64>> = HashMap::new();
        for id in &cur {
            if let Some(inst) = meta[id].base_instance.as_deref() {
                by_instance.entry(inst).or_default().push(*id);
            }
        }
        let mut drop: HashSet<i64> = HashSet::new();
        for ids in by_instance.values_mut().filter(|v| v.len() > cap.k) {
            sort_by_order(ids, &cap.order, &meta);
            drop.extend(&ids[cap.k..]);
        }
        let before = cur.len();
        cur.retain(|id| !drop.contains(id));
        stages.push(stage(format!("capped at {} per instance", cap.k), before, cur.len(), 0));
    }
    for list in &lists {
        let m = list.matcher();
        let before = cur.len();
        cur.retain(|id| {
            let (inst, base) = (meta[id].instance_id.as_deref(), meta[id].base_instance.as_deref());
            !(m.matches(base, meta[id].repo.as_deref()) || m.matches(inst, meta[id].repo.as_deref()))
        });
        stages.push(stage(format!("in {}", list.name), before, cur.len(), 0));
    }

    // Freeze.
    let created = crate::db::now();
    let uids: Vec<String> = if needs_meta {
        cur.iter().map(|id| meta[id].uid.clone()).collect()
    } else {
        let mut st = store.conn.prepare_cached("SELECT uid FROM trajectories WHERE id = ?1")?;
        cur.iter().map(|id| st.query_row([id], |r| r.get(0))).collect::<Result<_, _>>()?
    };
    let mut stored_def = def.clone();
    stored_def.name = name.to_string();
    let definition_json = serde_json::to_string(&stored_def).expect("definition serializes");
    let stages_json = serde_json::to_string(&stages).expect("stages serialize");
    let tx = store.conn.transaction()?;
    let sid: i64 = match tx.query_row("SELECT id FROM subsets WHERE name = ?1", [name], |r| r.get(0)).optional()? {
        Some(id) => id,
        None => {
            tx.execute("INSERT INTO subsets (name, created) VALUES (?1, ?2)", params![name, created])?;
            tx.last_insert_rowid()
        }
    };
    let version: i64 =
        tx.query_row("SELECT COALESCE(MAX(version), 0) + 1 FROM subset_versions WHERE subset_id = ?1", [sid], |r| {
            r.get(0)
        })?;
    tx.execute(
        "INSERT INTO subset_versions (subset_id, version, parent_version, rule, definition, stages, pool, count, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![sid, version, parent_vid, def.rule, definition_json, stages_json, pool as i64, cur.len() as i64, created],
    )?;
    let vid = tx.last_insert_rowid();
    {
        let mut ins = tx.prepare("INSERT INTO subset_members (version_id, traj, uid) VALUES (?1, ?2, ?3)")?;
        for (id, uid) in cur.iter().zip(&uids) {
            ins.execute(params![vid, id, uid])?;
        }
    }
    tx.commit()?;
    Ok(Version {
        id: vid,
        definition: stored_def,
        version,
        pool,
        count: cur.len() as u64,
        stages,
        created,
        took: started.elapsed(),
    })
}

/// Loads a saved version by internal id.
pub fn load(store: &Store, version_id: i64) -> Result<Version, StoreError> {
    let (version, definition, stages, pool, count, created): (i64, String, String, i64, i64, String) =
        store.conn.query_row(
            "SELECT version, definition, stages, pool, count, created FROM subset_versions WHERE id = ?1",
            [version_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )?;
    let damaged = |e: serde_json::Error| StoreError::Damaged {
        id: format!("subset version {version_id}"),
        reason: e.to_string(),
    };
    Ok(Version {
        id: version_id,
        definition: serde_json::from_str(&definition).map_err(damaged)?,
        version,
        pool: pool as u64,
        count: count as u64,
        stages: serde_json::from_str(&stages).map_err(damaged)?,
        created,
        took: Duration::ZERO,
    })
}

/// Every subset with its versions (oldest first), subsets by name.
pub fn list(store: &Store) -> Result<Vec<(String, Vec<Version>)>, StoreError> {
    let rows: Vec<(String, i64)> = {
        let mut st = store.conn.prepare(
            "SELECT s.name, v.id FROM subsets s JOIN subset_versions v ON v.subset_id = s.id ORDER BY s.name, v.version",
        )?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        rows
    };
    let mut out: Vec<(String, Vec<Version>)> = Vec::new();
    for (name, vid) in rows {
        let v = load(store, vid)?;
        match out.last_mut() {
            Some((n, vs)) if *n == name => vs.push(v),
            _ => out.push((name, vec![v])),
        }
    }
    Ok(out)
}

/// The chain of versions from the root (whose parent is the whole database) to this one.
pub fn lineage(store: &Store, version_id: i64) -> Result<Vec<Version>, StoreError> {
    let mut chain = Vec::new();
    let mut cur = Some(version_id);
    while let Some(vid) = cur {
        chain.push(load(store, vid)?);
        cur = store.conn.query_row("SELECT parent_version FROM subset_versions WHERE id = ?1", [vid], |r| r.get(0))?;
        if chain.len() > 10_000 {
            return Err(StoreError::Damaged {
                id: format!("subset version {version_id}"),
                reason: "lineage cycle".into(),
            });
        }
    }
    chain.reverse();
    Ok(chain)
}

/// A member row for listing.
#[derive(Debug, Clone)]
pub struct MemberRow {
    /// Stable id.
    pub uid: String,
    /// Instance id.
    pub instance_id: Option<String>,
    /// Repository.
    pub repo: Option<String>,
    /// Dataset.
    pub dataset: Option<String>,
    /// Effective resolved (as it is now; membership is frozen, labels are not).
    pub resolved: Option<bool>,
    /// Steps.
    pub steps: u64,
    /// Flags bitmask.
    pub flags: u32,
}

/// A page of a version's members, by row id.
pub fn member_page(store: &Store, version_id: i64, offset: usize, limit: usize) -> Result<Vec<MemberRow>, StoreError> {
    let mut st = store.conn.prepare_cached(
        "SELECT m.uid, t.instance_id, t.repo, t.dataset, t.resolved, t.steps, t.flags
         FROM subset_members m JOIN trajectories t ON t.id = m.traj
         WHERE m.version_id = ?1 ORDER BY m.traj LIMIT ?2 OFFSET ?3",
    )?;
    let rows = st
        .query_map(params![version_id, limit as i64, offset as i64], |r| {
            Ok(MemberRow {
                uid: r.get(0)?,
                instance_id: r.get(1)?,
                repo: r.get(2)?,
                dataset: r.get(3)?,
                resolved: r.get(4)?,
                steps: r.get::<_, i64>(5)? as u64,
                flags: r.get::<_, i64>(6)? as u32,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_split_at_top_level_only() {
        assert_eq!(
            split_clauses(r#"-flag:empty_patch  repo:"a b" AND step:(tool:x cmd:/a b/) -(x OR y) "q \" r""#),
            vec!["-flag:empty_patch", r#"repo:"a b""#, "step:(tool:x cmd:/a b/)", "-(x OR y)", r#""q \" r""#]
        );
        assert_eq!(split_clauses("a b OR c"), vec!["a b OR c"]);
        assert!(split_clauses("   ").is_empty());
        for c in split_clauses(r#"-flag:empty_patch repo:"a b" AND step:(tool:x cmd:/a b/) -(x OR y)"#) {
            trawl_core::query::parse(&c).unwrap();
        }
    }
}
