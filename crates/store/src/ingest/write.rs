//! The writer (the calling thread): batches in order, one SQLite transaction each (trajectories,
//! blobs, calls, outcomes, prediction joins, diagnostics, the file's committed offset), then the
//! batch's documents to the index.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension};
use tantivy::TantivyDocument;
use trawl_core::Diagnostic;

use super::{note_diagnostic, IngestSummary, Pace, PlannedFile, Processed, Progress, INDEX_COMMIT_BYTES};
use crate::index::{self, DocRow};
use crate::rows::{
    dict_id, facts_json, index_commands, kind_code, next_call_rowid, outcome_scope, patch_key, store_calls,
    write_diagnostics_tx, DICT_DATASET, DICT_FORMAT, DICT_MODEL, DICT_REPO,
};
use crate::{db, label_events, predictions, reindex, Store, StoreError};

/// The SQLite transaction that holds several batches, each batch a savepoint in it. Index
/// documents go to the index writer as their batch is written; the index commits only right
/// after this transaction does, so it is never ahead of the database.
///
/// Every batch dirties pages of the indexes whose keys are random (`blobs.hash`, `chunks`, `uid`):
/// at 300,000 trajectories nearly all of their pages, some 200 MB, in every 8 MB batch, so that
/// committing each batch on its own wrote 563 GB for 31 GB of input. Committing once per index
/// commit ([`INDEX_COMMIT_BYTES`] of input) or after [`TX_MAX_HOLD`], whichever comes first, with a
/// page cache that holds what one transaction dirties ([`INGEST_CACHE_KIB`]), writes those pages
/// once per transaction instead (measured at 60,000 rows: 40 GB written and 67 s before, 10 GB
/// and 56 s after).
struct Outer {
    open: bool,
    since: Instant,
    /// Input bytes written in the transaction so far.
    bytes: u64,
    /// Input bytes after which it commits: [`INDEX_COMMIT_BYTES`], or what
    /// `TRAWL_INGEST_COMMIT_BYTES` says (the kill test commits every batch, as trawl did before,
    /// so that its kills land between commits of a small file).
    limit: u64,
}

impl Outer {
    fn begin(&mut self, store: &Store) -> Result<(), StoreError> {
        if !self.open {
            store.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.open = true;
            self.since = Instant::now();
        }
        Ok(())
    }

    /// Whether the transaction is due to commit: it holds [`Outer::limit`] bytes of input, or it
    /// has held the database's write lock long enough (other writers, such as a label typed in
    /// the app while an ingest runs, wait for it).
    fn due(&self) -> bool {
        self.open && (self.bytes >= self.limit || self.since.elapsed() >= TX_MAX_HOLD)
    }

    fn commit(&mut self, store: &mut Store) -> Result<(), StoreError> {
        if !self.open {
            return Ok(());
        }
        if let Err(e) = store.conn.execute_batch("COMMIT") {
            self.abandon(store);
            return Err(e.into());
        }
        self.open = false;
        self.bytes = 0;
        Ok(())
    }

    /// Rolls back whatever is uncommitted, with the index documents added since the index's last
    /// commit (rows of transactions that did commit are indexed by the next catch-up). The index
    /// is rolled back whenever the transaction was open, also when SQLite has already rolled it
    /// back itself (a failed `COMMIT` may): its documents must never reach a later index commit.
    fn abandon(&mut self, store: &mut Store) {
        if !store.conn.is_autocommit() {
            let _ = store.conn.execute_batch("ROLLBACK");
        }
        if self.open {
            let _ = store.index.rollback();
        }
        self.open = false;
        self.bytes = 0;
    }
}

/// The page cache of the ingesting connection, in KiB (the default is 64 MB): it holds the pages
/// one transaction dirties, so that they are written once, at its commit.
const INGEST_CACHE_KIB: i64 = 256 * 1024;
/// The longest an ingest holds the write lock in one transaction (a batch more at most).
const TX_MAX_HOLD: std::time::Duration = std::time::Duration::from_secs(1);

#[allow(clippy::too_many_arguments)]
pub(super) fn write_all(
    store: &mut Store,
    files: &[PlannedFile],
    rx: Receiver<Processed>,
    summary: &mut IngestSummary,
    timing: (u64, Instant),
    flags: (&AtomicBool, &Pace),
    progress: &mut impl FnMut(&Progress),
) -> Result<(), StoreError> {
    let cache: i64 = store.conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    store.conn.pragma_update(None, "cache_size", -INGEST_CACHE_KIB)?;
    let limit = std::env::var("TRAWL_INGEST_COMMIT_BYTES").ok().and_then(|v| v.parse().ok());
    let mut outer = Outer { open: false, since: Instant::now(), bytes: 0, limit: limit.unwrap_or(INDEX_COMMIT_BYTES) };
    let result = write_batches(store, files, rx, summary, timing, flags, progress, &mut outer);
    // Whatever failed left nothing half-written: an open transaction is rolled back.
    outer.abandon(store);
    let restored = store.conn.pragma_update(None, "cache_size", cache);
    result.and(restored.map_err(StoreError::from))
}

#[allow(clippy::too_many_arguments)]
fn write_batches(
    store: &mut Store,
    files: &[PlannedFile],
    rx: Receiver<Processed>,
    summary: &mut IngestSummary,
    (total_bytes, started): (u64, Instant),
    (cancel, pace): (&AtomicBool, &Pace),
    progress: &mut impl FnMut(&Progress),
    outer: &mut Outer,
) -> Result<(), StoreError> {
    // Batches arrive out of order; each is written when all before it are: (sequence number,
    // piece of a Parquet row group).
    let mut pending: BTreeMap<(u64, u32), Processed> = BTreeMap::new();
    let mut next = (0u64, 0u32);
    let mut dicts = DictCache::default();
    let mut joined = Joined::default();
    // Predictions stored by this run that joined no trajectory when stored (warned about at the end).
    let mut unjoined: Vec<i64> = Vec::new();
    let mut since_commit = 0u64;
    let mut last_seq = 0i64;
    let mut disk_done_before = 0u64; // disk bytes of files already finished
    let mut prog = Progress { total_bytes, files: files.len(), ..Progress::default() };
    while let Ok(p) = rx.recv() {
        pending.insert((p.seq, p.sub), p);
        while let Some(p) = pending.remove(&next) {
            next = if p.last { (next.0 + 1, 0) } else { (next.0, next.1 + 1) };
            pace.next_seq.store(next.0, Ordering::SeqCst);
            pace.pending_bytes.fetch_sub(p.bytes, Ordering::SeqCst);
            let file = &files[p.file];
            since_commit += p.bytes;
            let (records, reports, rejected, bytes, disk_bytes, file_done) =
                (p.records, p.reports, p.rejected, p.bytes, p.disk_bytes, p.file_done);
            let p_file = p.file;
            outer.begin(store)?;
            let written = match write_batch(store, file, file_done, p, summary, &mut dicts, &mut joined, &mut unjoined)
            {
                Ok(w) => w,
                Err(e) => {
                    // The failed batch is rolled back to its savepoint; the ones before it are
                    // committed if they can be (on a full disk they cannot: the error is the batch's).
                    let _ = outer.commit(store);
                    return Err(e);
                }
            };
            last_seq = written.seq;
            let w = store.index.writer()?;
            for doc in written.docs {
                w.add_document(doc)?;
            }
            if !written.joined_ids.is_empty() {
                // Re-indexing reads the rows back and writes their documents: after they commit.
                outer.commit(store)?;
                reindex::reindex_rows(store, &written.joined_ids, written.seq, false)?;
            }
            prog.records += records;
            prog.bytes += bytes;
            summary.records += records;
            summary.reports += reports;
            summary.rejected += rejected;
            summary.bytes += bytes;
            prog.disk_bytes = disk_done_before + disk_bytes.min(file.size);
            if file_done {
                disk_done_before += file.size;
                prog.disk_bytes = disk_done_before;
            }
            prog.elapsed = started.elapsed();
            prog.current_file.clone_from(&file.display);
            prog.file_index = p_file + 1;
            progress(&prog);
            outer.bytes += bytes;
            if outer.due() {
                outer.commit(store)?;
            }
            if since_commit >= INDEX_COMMIT_BYTES {
                outer.commit(store)?;
                store.index.commit(last_seq)?;
                since_commit = 0;
            }
            if cancel.load(Ordering::SeqCst) {
                outer.commit(store)?;
                warn_unjoined(store, &unjoined, summary)?;
                store.index.commit(last_seq)?;
                return Ok(());
            }
        }
    }
    outer.commit(store)?;
    warn_unjoined(store, &unjoined, summary)?;
    if next.0 > 0 {
        store.index.commit(last_seq)?;
    }
    Ok(())
}

/// Warns about the predictions this run stored that are still patch-only records at its end.
fn warn_unjoined(store: &mut Store, unjoined: &[i64], summary: &mut IngestSummary) -> Result<(), StoreError> {
    if unjoined.is_empty() {
        return Ok(());
    }
    let tx = store.conn.transaction()?;
    let diags = predictions::warn_unjoined(&tx, unjoined)?;
    tx.commit()?;
    for d in diags {
        note_diagnostic(summary, d);
    }
    Ok(())
}

/// Dictionary ids, cached.
#[derive(Default)]
struct DictCache {
    ids: HashMap<(i64, String), u64>,
}

impl DictCache {
    fn get(&mut self, conn: &Connection, kind: i64, value: Option<&str>) -> Result<u64, StoreError> {
        let Some(v) = value else { return Ok(0) };
        if let Some(id) = self.ids.get(&(kind, v.to_string())) {
            return Ok(*id);
        }
        let id = dict_id(conn, kind, Some(v))?;
        self.ids.insert((kind, v.to_string()), id);
        Ok(id)
    }
}

/// The trajectories this run filled in a resolved label for, so that one labelled by two reports
/// (or on storing and again by a later report) counts once in `resolved_joined`.
#[derive(Default)]
struct Joined(std::collections::HashSet<i64>);

impl Joined {
    fn add(&mut self, id: i64, summary: &mut IngestSummary) {
        if self.0.insert(id) {
            summary.resolved_joined += 1;
        }
    }
}

/// Precedence of a record's own label (beats every report).
const PRECEDENCE_OWN: i64 = 3;

#[allow(clippy::too_many_arguments)]
fn write_batch(
    store: &mut Store,
    file: &PlannedFile,
    file_done: bool,
    p: Processed,
    summary: &mut IngestSummary,
    dicts: &mut DictCache,
    joined: &mut Joined,
    unjoined: &mut Vec<i64>,
) -> Result<Written, StoreError> {
    // A savepoint: one batch of the transaction `write_all` holds open (or its own transaction).
    let tx = store.conn.savepoint()?;
    let seq = db::next_seq(&tx)?;
    let first_call = next_call_rowid(&tx)?;
    let mut docs: Vec<TantivyDocument> = Vec::new();
    {
        let mut ins_blob = tx.prepare_cached("INSERT OR IGNORE INTO blobs (hash, data) VALUES (?1, ?2)")?;
        let mut ins_traj = tx.prepare_cached(
            "INSERT OR IGNORE INTO trajectories (uid, source_id, byte_offset, byte_len, line, format, instance_id, repo, dataset,
                license, model, trajectory_id, resolved_own, resolved, resolved_prec, exit_status, error, cost, prompt_tokens,
                completion_tokens, api_calls, raw, steps, tool_calls, patch_files, patch_added, patch_removed, flags, facts, seq,
                kind, base_instance, patch_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23,
                ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
        )?;
        let mut ins_call =
            tx.prepare_cached("INSERT INTO calls (traj, step, tool, cmd, exit_code) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut find_outcome = tx.prepare_cached(
            "SELECT resolved, precedence FROM outcomes WHERE instance_id = ?1 AND substr(?2, 1, length(scope)) = scope
             ORDER BY precedence DESC LIMIT 1",
        )?;
        let mut same_tid =
            tx.prepare_cached("SELECT uid FROM trajectories WHERE trajectory_id = ?1 AND uid != ?2 LIMIT 1")?;
        let mut diags_extra = Vec::new();
        let mut label_sets = HashMap::new();
        let mut relink_instances: Vec<String> = Vec::new();
        let mut fresh_predictions: HashSet<i64> = HashSet::new();
        for t in p.trajectories.iter() {
            for (hash, data) in &t.blobs {
                ins_blob.execute(params![&hash[..], data])?;
            }
            let traj = &t.traj;
            let own = traj.outcome.resolved;
            let (resolved, prec) = match own {
                Some(r) => (Some(r), Some(PRECEDENCE_OWN)),
                None => match &traj.instance_id {
                    Some(inst) => find_outcome
                        .query_row(params![inst, file.display], |r| Ok((r.get::<_, bool>(0)?, r.get::<_, i64>(1)?)))
                        .optional()?
                        .map(|(r, p)| (Some(r), Some(p)))
                        .unwrap_or((None, None)),
                    None => (None, None),
                },
            };
            let f = &t.facts;
            let facts_json = facts_json(f);
            let inserted = ins_traj.execute(params![
                t.uid,
                file.source_id,
                t.offset as i64,
                t.len as i64,
                t.line as i64,
                traj.format.as_str(),
                traj.instance_id,
                traj.repo,
                traj.dataset,
                traj.license,
                traj.model,
                traj.trajectory_id,
                own,
                resolved,
                prec,
                traj.outcome.exit_status,
                traj.outcome.error,
                traj.usage.cost,
                traj.usage.prompt_tokens.map(|v| v as i64),
                traj.usage.completion_tokens.map(|v| v as i64),
                traj.usage.api_calls.map(|v| v as i64),
                t.encoded,
                f.steps as i64,
                f.tool_calls as i64,
                f.patch.files.len() as i64,
                f.patch.added as i64,
                f.patch.removed as i64,
                i64::from(f.flags.0),
                facts_json,
                seq,
                kind_code(traj.format.kind()),
                traj.base_instance().filter(|b| Some(*b) != traj.instance_id.as_deref()),
                patch_key(traj.patch.as_deref()),
            ])?;
            let row_id = tx.last_insert_rowid(); // before the label events' inserts
            if !t.labels.is_empty() {
                // Also for a duplicate: the events have deterministic ids, so a second import adds nothing.
                let (_, warnings) = label_events::import_carried(&tx, &t.uid, f.steps, &t.labels, &mut label_sets)?;
                diags_extra.extend(warnings.into_iter().map(|w| Diagnostic::warning(&file.display, t.line, w)));
            }
            if inserted == 0 {
                summary.duplicates += 1;
                continue;
            }
            store_calls(&mut ins_call, row_id, f)?;
            if let Some(tid) = &traj.trajectory_id {
                if let Some(other) = same_tid.query_row(params![tid, t.uid], |r| r.get::<_, String>(0)).optional()? {
                    diags_extra.push(Diagnostic::warning(
                        &file.display,
                        t.line,
                        format!("trajectory_id {tid} also names stored trajectory {other} with different content; both kept"),
                    ));
                }
            }
            summary.stored += 1;
            if let Some(inst) = &traj.instance_id {
                // Predictions of this instance may join (or change) their trajectory.
                relink_instances.push(inst.clone());
            }
            if traj.format.kind() == trawl_core::RecordKind::Prediction {
                fresh_predictions.insert(row_id);
            }
            if own.is_none() && resolved.is_some() {
                // Labelled from a report read before it.
                joined.add(row_id, summary);
            }
            *summary.by_format.entry(traj.format.as_str().to_string()).or_default() += 1;
            let repo = dicts.get(&tx, DICT_REPO, traj.repo.as_deref())?;
            let dataset = dicts.get(&tx, DICT_DATASET, traj.dataset.as_deref())?;
            let format = dicts.get(&tx, DICT_FORMAT, Some(traj.format.as_str()))?;
            let model = dicts.get(&tx, DICT_MODEL, traj.model.as_deref())?;
            let row = DocRow { id: row_id, uid: &t.uid, repo, dataset, format, model, resolved };
            let (doc, chunk_docs) =
                index::build_doc(&tx, &store.index.fields, &row, traj, f, seq, Some(&t.chunk_keys))?;
            docs.push(doc);
            docs.extend(chunk_docs);
        }
        index_commands(&tx, first_call)?;
        // Outcome statements: record them and fill in labels of trajectories that have none
        // from a more specific source.
        let mut joined_ids: Vec<i64> = Vec::new();
        if !p.outcomes.is_empty() {
            let scope = outcome_scope(&file.display);
            let mut ins_out = tx.prepare_cached(
                "INSERT OR REPLACE INTO outcomes (instance_id, scope, precedence, resolved, source_id) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut upd = tx.prepare_cached(
                "UPDATE trajectories SET resolved = ?1, resolved_prec = ?2, seq = ?3
                 WHERE instance_id = ?4 AND resolved_own IS NULL AND (resolved_prec IS NULL OR resolved_prec <= ?2)
                   AND (resolved IS NULL OR resolved != ?1 OR resolved_prec != ?2)
                   AND source_id IN (SELECT id FROM sources WHERE substr(path, 1, length(?5)) = ?5)
                 RETURNING id",
            )?;
            for o in &p.outcomes {
                ins_out.execute(params![o.instance_id, scope, o.precedence as i64, o.resolved, file.source_id])?;
                let ids = upd
                    .query_map(params![o.resolved, o.precedence as i64, seq, o.instance_id, scope], |r| {
                        r.get::<_, i64>(0)
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                for &id in &ids {
                    joined.add(id, summary);
                }
                joined_ids.extend(ids);
            }
            summary.outcomes += p.outcomes.len() as u64;
        }
        // Predictions join the trajectory of their run whichever was stored first (see
        // `predictions::relink`); rows whose join changed are re-indexed below.
        relink_instances.sort_unstable();
        relink_instances.dedup();
        let mut relinked: Vec<i64> = Vec::new();
        let mut relink_diags = Vec::new();
        predictions::relink(
            &tx,
            &relink_instances,
            &fresh_predictions,
            seq,
            &mut relinked,
            &mut relink_diags,
            Some(unjoined),
        )?;
        joined_ids.extend(relinked);
        for d in relink_diags {
            note_diagnostic(summary, d);
        }
        let all_diags: Vec<&Diagnostic> = p.diagnostics.iter().chain(diags_extra.iter()).collect();
        write_diagnostics_tx(&tx, all_diags.iter().copied())?;
        for d in all_diags {
            note_diagnostic(summary, d.clone());
        }
        tx.execute(
            "UPDATE sources SET committed_offset = ?2, committed_line = ?3, complete = ?4 WHERE id = ?1",
            params![file.source_id, p.end_offset as i64, p.end_line as i64, file_done],
        )?;
        if let Some(sha) = &p.source_sha256 {
            // The file's sha256 for export manifests, under the fingerprint the file has now.
            tx.execute(
                "INSERT OR REPLACE INTO source_hashes (source_id, fingerprint, sha256)
                 SELECT id, fingerprint, ?2 FROM sources WHERE id = ?1",
                params![file.source_id, sha],
            )?;
        }
        drop((ins_blob, ins_traj, ins_call, find_outcome, same_tid));
        tx.commit()?;
        joined_ids.sort_unstable();
        joined_ids.dedup();
        Ok(Written { seq, docs, joined_ids })
    }
}

/// What a batch wrote: its change sequence number, the index documents of its rows (for the index
/// writer, which commits only after SQLite has) and the rows it changed that need their documents
/// rebuilt once they commit.
struct Written {
    seq: i64,
    docs: Vec<TantivyDocument>,
    joined_ids: Vec<i64>,
}
