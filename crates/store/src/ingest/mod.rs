//! Streaming ingest: files in, trajectories, outcomes and diagnostics out, in batched
//! transactions that a `kill -9` can interrupt at any point without leaving half a trajectory.
//!
//! Shape of the pipeline: the calling thread plans the files (walking directories, deciding
//! whether each file is new, unchanged or to be resumed), a reader thread frames records into
//! batches, worker threads parse, recognise, derive facts, cut content-addressed blobs and build
//! index documents, and the calling thread writes batches in order: one SQLite transaction per
//! batch (trajectories, blobs, calls, diagnostics and the file's committed offset together), then
//! the batch's documents to the index. A resumed file starts at its last committed offset.
//!
//! Files by stage: `plan` (files to read), `read` (the reader thread), `work` (the workers),
//! `write` (the writer); `parquet` decodes a Parquet row group on a worker and `arrow` converts its
//! rows straight from Arrow arrays; the row-table SQL they share with reindex is in `crate::rows`.
//!
//! A Parquet file is not framed by the reader: the reader hands out one task per row group, and
//! the worker that takes it decodes it in pieces of `parquet::DECODE_ROWS` rows, each piece one
//! batch for the writer (sub-sequence numbers under the task's sequence number, so the writer
//! still commits in file order). Workers ahead of the writer wait while more than
//! `PENDING_BYTES` of input is processed but not yet written (memory stays bounded).
//!
//! Nothing is skipped silently: every record is stored, counted as a duplicate of a stored one,
//! or reported as a diagnostic naming file and line (or row).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trawl_core::facts::Facts;
use trawl_core::framing::{Compression, Framing};
use trawl_core::{Diagnostic, OutcomeFact, Severity, Trajectory};

use crate::rows::write_diagnostics;
use crate::{Store, StoreError};

mod arrow;
mod parquet;
mod plan;
mod read;
mod work;
mod write;

pub(crate) use plan::fingerprint;
/// A batch closes at this many bytes of input…
const BATCH_BYTES: usize = 8 * 1024 * 1024;
/// …or this many records.
const BATCH_RECORDS: usize = 256;
/// The index commits after this many bytes of input (and at the end of every ingest). A commit
/// also drains tantivy's document queue (up to 10,000 documents, each holding its text): without
/// it the queue grows while indexing lags behind parsing, and peak memory grows with the input
/// (measured: 477 MiB at 1 GB, 761 MiB at 4 GB with 512 MiB; 518 and 606 MiB with 128 MiB).
const INDEX_COMMIT_BYTES: u64 = 128 * 1024 * 1024;
/// Input bytes processed but not yet written above which a worker decoding a Parquet row group
/// waits (unless its group is the one the writer waits for).
const PENDING_BYTES: u64 = 64 * 1024 * 1024;
/// How many diagnostics a summary carries in full (all are stored in the database).
const SUMMARY_DIAGNOSTICS: usize = 50;

/// Options of one ingest run.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Re-read files that were completely ingested before and have not changed.
    pub force: bool,
    /// Worker threads (0 = number of cores).
    pub workers: usize,
    /// Set to stop after the current batch.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Progress, reported after every written batch.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Records read so far.
    pub records: u64,
    /// Bytes of input read so far (decompressed for compressed files).
    pub bytes: u64,
    /// Total bytes of the input files on disk (compressed size for compressed files).
    pub total_bytes: u64,
    /// Bytes of the files on disk consumed so far (comparable with `total_bytes`).
    pub disk_bytes: u64,
    /// Time since the start.
    pub elapsed: Duration,
    /// The file being read.
    pub current_file: String,
    /// Its place among the files read by this run (1-based; `k` of `files`).
    pub file_index: usize,
    /// Files read by this run (the shards of a directory, say).
    pub files: usize,
}

/// What an ingest run did.
#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    /// Files read (or resumed).
    pub files: u64,
    /// Files skipped because they were completely ingested before and are unchanged.
    pub files_unchanged: u64,
    /// Records read (every JSON value framed, including failures).
    pub records: u64,
    /// Trajectories newly stored.
    pub stored: u64,
    /// Records identical to an already stored trajectory.
    pub duplicates: u64,
    /// Records that were outcome reports (a `report.json`, a results summary), not trajectories.
    pub reports: u64,
    /// Records not stored because they could not be read (each named by an error diagnostic; one
    /// diagnostic names every row of a damaged Parquet row group).
    /// Every record read is accounted for: `records = stored + duplicates + reports + rejected`.
    pub rejected: u64,
    /// Outcome statements read from report files.
    pub outcomes: u64,
    /// Trajectories whose resolved label was filled in from a report (read before or after them).
    pub resolved_joined: u64,
    /// Newly stored trajectories per format.
    pub by_format: BTreeMap<String, u64>,
    /// Diagnostics of severity error (records or files not stored).
    pub errors: u64,
    /// Diagnostics of severity warning (stored, but odd).
    pub warnings: u64,
    /// The first diagnostics, in order (all are in the database).
    pub diagnostics: Vec<Diagnostic>,
    /// Bytes read.
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// True when stopped by the cancel flag.
    pub cancelled: bool,
}

/// One file to read.
struct PlannedFile {
    path: PathBuf,
    display: String,
    source_id: i64,
    framing: Framing,
    compression: Compression,
    start_offset: u64,
    start_line: u64,
    size: u64,
}

/// One framed record.
struct RawRecord {
    bytes: Vec<u8>,
    offset: u64,
    line: u64,
}

/// What the reader hands to the workers.
struct Batch {
    seq: u64,
    file: usize,
    records: Vec<RawRecord>,
    diagnostics: Vec<Diagnostic>,
    /// Offset and line just past this batch, for resuming.
    end_offset: u64,
    end_line: u64,
    file_done: bool,
    disk_bytes: u64,
    /// Records that could not even be framed (Parquet rows in a damaged row group) or were
    /// dropped (lines of a compressed member that failed its checksum), each range named by a
    /// diagnostic; they count as read and rejected.
    lost: u64,
    /// A Parquet row group, decoded by the worker (`records` is empty).
    group: Option<parquet::GroupTask>,
    /// With `file_done`: the sha256 of the whole file, when the reader read all of it.
    source_sha256: Option<String>,
}

/// A trajectory ready to write.
struct ReadyTrajectory {
    uid: String,
    offset: u64,
    len: u64,
    line: u64,
    traj: Trajectory,
    facts: Facts,
    encoded: Vec<u8>,
    blobs: Vec<([u8; 32], Vec<u8>)>,
    /// Chunk keys of the long text pieces, for the index (see `index::build_doc`).
    chunk_keys: Vec<u64>,
    /// The labels a Trawl export row carried (imported by the writer, see `label_events`).
    labels: Vec<trawl_core::formats::CarriedLabel>,
}

/// What the workers hand to the writer.
struct Processed {
    seq: u64,
    /// The piece of a Parquet row group (0 otherwise); `last` is set on the batch's last piece.
    sub: u32,
    last: bool,
    file: usize,
    trajectories: Vec<ReadyTrajectory>,
    outcomes: Vec<OutcomeFact>,
    diagnostics: Vec<Diagnostic>,
    records: u64,
    reports: u64,
    rejected: u64,
    bytes: u64,
    end_offset: u64,
    end_line: u64,
    file_done: bool,
    disk_bytes: u64,
    /// The whole file's sha256, from the reader (see `Batch`).
    source_sha256: Option<String>,
}

/// What the writer has done, for workers that must not run too far ahead of it.
#[derive(Default)]
struct Pace {
    /// The sequence number of the batch the writer waits for.
    next_seq: std::sync::atomic::AtomicU64,
    /// Input bytes processed by the workers and not yet written.
    pending_bytes: std::sync::atomic::AtomicU64,
}

/// Ingests files and directories into the store.
pub fn ingest(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    progress: impl FnMut(&Progress),
) -> Result<IngestSummary, StoreError> {
    // One writer at a time: the whole ingest holds the index's writer lock, taken before anything
    // is written, so SQLite's batches and the index commits that cover them come from one process
    // (another ingest is refused, naming the holder). Taking it also catches the index up.
    store.lock_writer("ingest")?;
    let result = ingest_locked(store, paths, opts, progress);
    let released = store.release_writer();
    let summary = result?;
    released?;
    Ok(summary)
}

fn ingest_locked(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    mut progress: impl FnMut(&Progress),
) -> Result<IngestSummary, StoreError> {
    let started = Instant::now();
    let mut summary = IngestSummary::default();
    let mut early_diags = Vec::new();
    let files = plan::plan(store, paths, opts, &mut summary, &mut early_diags)?;
    write_diagnostics(&store.conn, &early_diags)?;
    for d in early_diags {
        note_diagnostic(&mut summary, d);
    }
    let total_bytes: u64 = files.iter().map(|f| f.size).sum();
    summary.files = files.len() as u64;
    if files.is_empty() {
        summary.elapsed = started.elapsed();
        return Ok(summary);
    }

    let workers = if opts.workers == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
    } else {
        opts.workers
    };
    let cancel = opts.cancel.clone().unwrap_or_default();
    let fields = store.index.fields;
    let file_meta: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (f.display.clone(), name)
        })
        .collect();
    let file_meta = Arc::new(file_meta);

    let (batch_tx, batch_rx) = sync_channel::<Batch>(workers * 2);
    let batch_rx = Arc::new(Mutex::new(batch_rx));
    let pace = Arc::new(Pace::default());
    let (done_tx, done_rx) = sync_channel::<Processed>(workers * 2);

    let reader_plan: Vec<(PathBuf, String, Framing, Compression, u64, u64)> = files
        .iter()
        .map(|f| (f.path.clone(), f.display.clone(), f.framing, f.compression, f.start_offset, f.start_line))
        .collect();
    let reader_cancel = cancel.clone();
    let reader = std::thread::Builder::new()
        .name("trawl-read".into())
        .spawn(move || read::read_files(reader_plan, batch_tx, reader_cancel))
        .map_err(|e| StoreError::Io { path: "thread".into(), source: e })?;
    let mut worker_handles = Vec::new();
    for _ in 0..workers {
        let rx = Arc::clone(&batch_rx);
        let tx = done_tx.clone();
        let meta = Arc::clone(&file_meta);
        let (pace, cancel) = (Arc::clone(&pace), cancel.clone());
        let handle = std::thread::Builder::new()
            .name(format!("trawl-work-{}", worker_handles.len()))
            .spawn(move || work::work(rx, tx, meta, fields, &pace, &cancel))
            .map_err(|e| StoreError::Io { path: "thread".into(), source: e })?;
        worker_handles.push(handle);
    }
    drop(done_tx);

    let result =
        write::write_all(store, &files, done_rx, &mut summary, (total_bytes, started), (&cancel, &pace), &mut progress);
    // Asked to stop before the pipeline ran dry (read before the flag is raised below).
    let cancelled = cancel.load(Ordering::SeqCst);
    // Drain the pipeline whatever happened, so threads end.
    cancel.store(true, Ordering::SeqCst);
    let _ = reader.join();
    for h in worker_handles {
        let _ = h.join();
    }
    result?;
    store.index.close_writer()?;
    summary.cancelled = cancelled;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn note_diagnostic(summary: &mut IngestSummary, d: Diagnostic) {
    match d.severity {
        Severity::Error => summary.errors += 1,
        Severity::Warning => summary.warnings += 1,
    }
    if summary.diagnostics.len() < SUMMARY_DIAGNOSTICS {
        summary.diagnostics.push(d);
    }
}
