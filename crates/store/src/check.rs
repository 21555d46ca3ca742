//! `check`: verifies a whole database against itself, and repairs what can be repaired.
//!
//! Three promises are checked: the index holds exactly one document per stored trajectory and
//! none for anything else (and records this database's identity and a change sequence it has
//! reached); every derived column is what deriving the stored record's facts again gives; every
//! stored record's bytes hash to its id. Repairs: the index is rebuilt from SQLite, derived
//! columns are recomputed, and a record whose bytes were damaged is restored from its source file
//! when that file still holds the same bytes at the same place.

use std::collections::HashMap;
use std::io::Read;

use rusqlite::params;

use crate::{index, reindex, Store, StoreError};

/// One thing found wrong.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `index_foreign`, `index_ahead`, `index_behind`, `index_missing`, `index_stale`,
    /// `index_doubled`, `derived`, `hash`, `damaged`.
    pub kind: &'static str,
    /// What, naming the trajectories (ids) and values.
    pub message: String,
}

/// What `check` found and, with repair, did.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// Records in SQLite that belong in the index: trajectories and patch-only predictions.
    pub trajectories: u64,
    /// Trajectory documents in the index, as found.
    pub indexed: u64,
    /// What was found wrong (before any repair).
    pub findings: Vec<Finding>,
    /// What was repaired, one line each.
    pub repaired: Vec<String>,
    /// Findings a repair could not mend (always all of them without repair).
    pub unrepaired: Vec<String>,
}

/// At most this many ids are named in one finding.
const NAMED: usize = 10;

fn name_some(ids: &[String]) -> String {
    let mut s = ids.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > NAMED {
        s.push_str(&format!(" and {} more", ids.len() - NAMED));
    }
    s
}

/// Checks the whole database; with `repair`, repairs what it can (as the index's one writer).
pub fn check(store: &mut Store, repair: bool) -> Result<CheckReport, StoreError> {
    let mut report = CheckReport::default();
    store.index.reload_if_changed()?;
    // Every stored record (its hash and derived facts are checked), and whether it belongs in the
    // index (a prediction joined to its trajectory has no document of its own).
    let all: Vec<(i64, String, bool)> = {
        let mut st =
            store.conn.prepare(&format!("SELECT id, uid, {} FROM trajectories ORDER BY id", crate::INDEXED_ROWS))?;
        let r = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        r.collect::<Result<_, _>>()?
    };
    let rows: Vec<(i64, String)> =
        all.iter().filter(|(_, _, indexed)| *indexed).map(|(id, uid, _)| (*id, uid.clone())).collect();
    report.trajectories = rows.len() as u64;
    let uid_of: HashMap<i64, &str> = rows.iter().map(|(id, uid)| (*id, uid.as_str())).collect();

    // The index: identity, sequence, and one document per trajectory.
    let payload = store.index.payload()?;
    let db_seq = index::db_seq(&store.conn)?;
    let mut index_broken = false;
    let find = |report: &mut CheckReport, kind: &'static str, message: String| {
        report.findings.push(Finding { kind, message });
    };
    match (&payload.db, &store.db_id) {
        (Some(a), Some(b)) if a != b => {
            index_broken = true;
            find(
                &mut report,
                "index_foreign",
                format!("the index belongs to another database (identity {a}, this one is {b})"),
            );
        }
        _ => {}
    }
    if payload.seq > db_seq {
        index_broken = true;
        find(
            &mut report,
            "index_ahead",
            format!("the index records change {} but the database is at change {db_seq}", payload.seq),
        );
    } else if payload.seq < db_seq {
        index_broken = true;
        find(&mut report, "index_behind", format!("the index records change {} and the database is at change {db_seq}: the latest changes are not indexed", payload.seq));
    }
    let counts = index_ids(store)?;
    report.indexed = counts.values().map(|&n| n as u64).sum();
    let missing: Vec<String> =
        rows.iter().filter(|(id, _)| !counts.contains_key(&(*id as u64))).map(|(_, uid)| uid.clone()).collect();
    if !missing.is_empty() {
        index_broken = true;
        find(
            &mut report,
            "index_missing",
            format!("{} trajectories are not in the index: {}", missing.len(), name_some(&missing)),
        );
    }
    let mut stale: Vec<u64> = counts.keys().filter(|id| !uid_of.contains_key(&(**id as i64))).copied().collect();
    stale.sort_unstable();
    if !stale.is_empty() {
        index_broken = true;
        let named: Vec<String> = stale.iter().map(|id| format!("row {id}")).collect();
        find(
            &mut report,
            "index_stale",
            format!("{} index documents name no trajectory of the database: {}", stale.len(), name_some(&named)),
        );
    }
    let mut doubled: Vec<String> = counts
        .iter()
        .filter(|(id, n)| **n > 1 && uid_of.contains_key(&(**id as i64)))
        .map(|(id, n)| format!("{} ({n} times)", uid_of[&(*id as i64)]))
        .collect();
    doubled.sort();
    if !doubled.is_empty() {
        index_broken = true;
        find(
            &mut report,
            "index_doubled",
            format!("{} trajectories are in the index more than once: {}", doubled.len(), name_some(&doubled)),
        );
    }

    // Every stored record: its bytes hash to its id, and its derived columns are recomputable.
    let mut derived_wrong: Vec<i64> = Vec::new();
    let mut hash_wrong: Vec<(i64, String)> = Vec::new();
    for (id, uid, _) in &all {
        let (raw, path) = match crate::records::raw_of_row(&store.conn, *id) {
            Ok(r) => r,
            Err(e) => {
                hash_wrong.push((*id, uid.clone()));
                find(&mut report, "damaged", format!("trajectory {uid}: its stored record cannot be rebuilt: {e}"));
                continue;
            }
        };
        let hash = trawl_core::framing::record_id(&raw);
        if &hash != uid && !carries_id(&raw, uid) {
            hash_wrong.push((*id, uid.clone()));
            find(
                &mut report,
                "hash",
                format!("trajectory {uid}: its stored record's bytes hash to {hash}, not to its id"),
            );
            continue;
        }
        let traj = match crate::records::normalize_record(&raw, &path) {
            Ok(t) => t,
            Err(reason) => {
                find(&mut report, "damaged", format!("trajectory {uid}: its stored record no longer reads: {reason}"));
                continue;
            }
        };
        let facts = trawl_core::facts::derive(&traj);
        let differences = derived_differences(&store.conn, *id, &facts)?;
        if !differences.is_empty() {
            derived_wrong.push(*id);
            find(
                &mut report,
                "derived",
                format!("trajectory {uid}: stored derived facts differ from the record's: {}", differences.join(", ")),
            );
        }
    }

    if !repair {
        report.unrepaired = report.findings.iter().map(|f| f.message.clone()).collect();
        return Ok(report);
    }
    if report.findings.is_empty() {
        return Ok(report);
    }
    store.acquire_writer("check --repair")?;
    let result = repair_all(store, &mut report, index_broken, &derived_wrong, &hash_wrong);
    let released = store.release_writer();
    result?;
    released?;
    Ok(report)
}

fn repair_all(
    store: &mut Store,
    report: &mut CheckReport,
    index_broken: bool,
    derived_wrong: &[i64],
    hash_wrong: &[(i64, String)],
) -> Result<(), StoreError> {
    let mut stale: Vec<i64> = derived_wrong.to_vec();
    for (id, uid) in hash_wrong {
        match restore_from_source(store, *id, uid)? {
            Ok(place) => {
                report.repaired.push(format!("restored the record of {uid} from {place}"));
                stale.push(*id);
            }
            Err(why) => report.unrepaired.push(format!("trajectory {uid}: {why}")),
        }
    }
    if index_broken {
        // Rebuilding recomputes every derived column too.
        let n = reindex::rebuild(store)?;
        report.repaired.push(format!("rebuilt the index and the derived facts from the database ({n} trajectories)"));
        if !derived_wrong.is_empty() {
            report.repaired.push(format!("recomputed the derived facts of {} trajectories", derived_wrong.len()));
        }
        return Ok(());
    }
    if !stale.is_empty() {
        stale.sort_unstable();
        stale.dedup();
        let seq = index::db_seq(&store.conn)?;
        reindex::reindex_rows(store, &stale, seq, true)?;
        store.index.commit(seq)?;
        store.index.close_writer()?;
        if !derived_wrong.is_empty() {
            report.repaired.push(format!("recomputed the derived facts of {} trajectories", derived_wrong.len()));
        }
    }
    Ok(())
}

/// The derived columns of a row that differ from freshly derived facts, as `column stored X,
/// recomputed Y`.
fn derived_differences(
    conn: &rusqlite::Connection,
    id: i64,
    f: &trawl_core::facts::Facts,
) -> Result<Vec<String>, StoreError> {
    let stored: (i64, i64, i64, i64, i64, i64, String) = conn
        .prepare_cached(
            "SELECT steps, tool_calls, patch_files, patch_added, patch_removed, flags, facts FROM trajectories WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?;
    let calls: i64 =
        conn.prepare_cached("SELECT count(*) FROM calls WHERE traj = ?1")?.query_row([id], |r| r.get(0))?;
    let fresh = (
        f.steps as i64,
        f.tool_calls as i64,
        f.patch.files.len() as i64,
        f.patch.added as i64,
        f.patch.removed as i64,
        i64::from(f.flags.0),
    );
    let mut out = Vec::new();
    for (name, a, b) in [
        ("steps", stored.0, fresh.0),
        ("tool_calls", stored.1, fresh.1),
        ("patch_files", stored.2, fresh.2),
        ("patch_added", stored.3, fresh.3),
        ("patch_removed", stored.4, fresh.4),
        ("flags", stored.5, fresh.5),
        ("calls", calls, f.calls.len() as i64),
    ] {
        if a != b {
            out.push(format!("{name} stored {a}, recomputed {b}"));
        }
    }
    let facts_stored: serde_json::Value = serde_json::from_str(&stored.6).unwrap_or(serde_json::Value::Null);
    let facts_fresh: serde_json::Value =
        serde_json::from_str(&crate::rows::facts_json(f)).unwrap_or(serde_json::Value::Null);
    if facts_stored != facts_fresh {
        out.push("facts (tools, edited files, patch files, languages) differ".into());
    }
    Ok(out)
}

/// The document count per row id of the index's live trajectory documents.
fn index_ids(store: &Store) -> Result<HashMap<u64, u32>, StoreError> {
    let mut counts: HashMap<u64, u32> = HashMap::new();
    let searcher = store.index.reader.searcher();
    for seg in searcher.segment_readers() {
        let ff = seg.fast_fields();
        let kind = ff.u64("kind")?;
        let id = ff.u64("id")?;
        let alive = seg.alive_bitset();
        for doc in 0..seg.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            if kind.first(doc).unwrap_or(index::KIND_TRAJECTORY) != index::KIND_TRAJECTORY {
                continue;
            }
            if let Some(v) = id.first(doc) {
                *counts.entry(v).or_default() += 1;
            }
        }
    }
    Ok(counts)
}

/// Whether a stored record is a Trawl export row carrying `uid` as its id (its id is not the hash
/// of its bytes; a damaged one is still found when it no longer reads or names another id).
fn carries_id(raw: &[u8], uid: &str) -> bool {
    trawl_core::framing::parse_lenient(raw)
        .ok()
        .and_then(|(v, _)| trawl_core::formats::trawl_export_claim(&v).ok().flatten())
        .is_some_and(|(u, _)| u == uid)
}

/// Restores a damaged record from its source file when the file still holds, at the record's
/// place, bytes that hash to its id. Ok(place) when restored, Err(why not) otherwise.
fn restore_from_source(store: &mut Store, id: i64, uid: &str) -> Result<Result<String, String>, StoreError> {
    let (path, offset, len, line): (String, i64, i64, i64) = store.conn.query_row(
        "SELECT s.path, t.byte_offset, t.byte_len, t.line FROM trajectories t JOIN sources s ON s.id = t.source_id WHERE t.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let bytes = match read_slice(&path, offset as u64, len as u64) {
        Ok(b) => b,
        Err(e) => return Ok(Err(format!("cannot be restored: its source {path} cannot be read ({e})"))),
    };
    if trawl_core::framing::record_id(&bytes) != uid && !carries_id(&bytes, uid) {
        return Ok(Err(format!(
            "cannot be restored: its source {path} no longer holds it at line {line}; re-ingest the file it came from"
        )));
    }
    let mut compressor = crate::segments::Compressor::default();
    let (encoded, cut) = crate::segments::encode(&bytes, &mut compressor);
    let tx = store.conn.transaction()?;
    {
        let mut ins = tx.prepare_cached("INSERT OR IGNORE INTO blobs (hash, data) VALUES (?1, ?2)")?;
        for b in cut {
            let data = compressor.compress(b.bytes);
            ins.execute(params![&b.hash[..], data])?;
        }
        tx.execute("UPDATE trajectories SET raw = ?2 WHERE id = ?1", params![id, encoded])?;
    }
    tx.commit()?;
    Ok(Ok(format!("{path}:{line}")))
}

/// `len` bytes at `offset` of a source file, decompressed as its name says.
fn read_slice(path: &str, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let name = std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let compression =
        trawl_core::framing::classify(&name).map(|(_, c)| c).unwrap_or(trawl_core::framing::Compression::None);
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut reader: Box<dyn Read> = match compression {
        trawl_core::framing::Compression::None => Box::new(file),
        trawl_core::framing::Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        trawl_core::framing::Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
    };
    std::io::copy(&mut (&mut reader).take(offset), &mut std::io::sink())?;
    let mut out = Vec::with_capacity(len as usize);
    (&mut reader).take(len).read_to_end(&mut out)?;
    Ok(out)
}
