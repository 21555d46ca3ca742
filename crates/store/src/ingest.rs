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
//! Nothing is skipped silently: every record is stored, counted as a duplicate of a stored one,
//! or reported as a diagnostic naming file and line (or row).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};
use tantivy::TantivyDocument;
use trawl_core::facts::Facts;
use trawl_core::framing::{self, Compression, Framing};
use trawl_core::{Diagnostic, OutcomeFact, Recognized, Severity, Trajectory};

use crate::index::{self, DocRow};
use crate::{Store, StoreError};

/// Dictionary kind: repository.
pub const DICT_REPO: i64 = 1;
/// Dictionary kind: dataset.
pub const DICT_DATASET: i64 = 2;
/// Dictionary kind: format.
pub const DICT_FORMAT: i64 = 3;
/// Dictionary kind: model.
pub const DICT_MODEL: i64 = 4;

/// A batch closes at this many bytes of input…
const BATCH_BYTES: usize = 8 * 1024 * 1024;
/// …or this many records.
const BATCH_RECORDS: usize = 256;
/// The index commits after this many bytes of input (and at the end of every ingest). A commit
/// also drains tantivy's document queue (up to 10,000 documents, each holding its text): without
/// it the queue grows while indexing lags behind parsing, and peak memory grows with the input
/// (measured: 477 MiB at 1 GB, 761 MiB at 4 GB with 512 MiB; 518 and 606 MiB with 128 MiB).
const INDEX_COMMIT_BYTES: u64 = 128 * 1024 * 1024;
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
}

/// What the workers hand to the writer.
struct Processed {
    seq: u64,
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
    let files = plan(store, paths, opts, &mut summary, &mut early_diags)?;
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
    let (done_tx, done_rx) = sync_channel::<Processed>(workers * 2);

    let reader_plan: Vec<(PathBuf, String, Framing, Compression, u64, u64)> = files
        .iter()
        .map(|f| (f.path.clone(), f.display.clone(), f.framing, f.compression, f.start_offset, f.start_line))
        .collect();
    let reader_cancel = cancel.clone();
    let reader = std::thread::Builder::new()
        .name("trawl-read".into())
        .spawn(move || read_files(reader_plan, batch_tx, reader_cancel))
        .map_err(|e| StoreError::Io { path: "thread".into(), source: e })?;
    let mut worker_handles = Vec::new();
    for _ in 0..workers {
        let rx = Arc::clone(&batch_rx);
        let tx = done_tx.clone();
        let meta = Arc::clone(&file_meta);
        let handle = std::thread::Builder::new()
            .name(format!("trawl-work-{}", worker_handles.len()))
            .spawn(move || work(rx, tx, meta, fields))
            .map_err(|e| StoreError::Io { path: "thread".into(), source: e })?;
        worker_handles.push(handle);
    }
    drop(done_tx);

    let result = write_all(store, &files, done_rx, &mut summary, total_bytes, started, &cancel, &mut progress);
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

/// Expands directories, classifies files and decides, for each, whether to read it from the
/// start, resume it, or skip it as unchanged.
fn plan(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    summary: &mut IngestSummary,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<PlannedFile>, StoreError> {
    let mut found: Vec<(PathBuf, bool)> = Vec::new();
    let mut walked = HashSet::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| StoreError::Io { path: p.display().to_string(), source: e })?;
        if meta.is_dir() {
            let mut stack = Vec::new();
            walk(p, &mut found, &mut stack, &mut walked, diags)
                .map_err(|e| StoreError::Io { path: p.display().to_string(), source: e })?;
        } else {
            found.push((p.clone(), true));
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (path, named) in found {
        // A file is read once, however many links lead to it, but it is named by the path that
        // led to it: a symbolic link's name (a Hugging Face snapshot's `data/train.parquet`, whose
        // target is a content hash under `blobs/`) tells its format and is what diagnostics name.
        let target = std::fs::canonicalize(&path).unwrap_or(path.clone());
        let abs = linked_path(&path).unwrap_or(target.clone());
        let display = abs.display().to_string();
        let name = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (framing, compression) = match framing::classify(&name) {
            Some(c) => c,
            None if named => (Framing::Lines, Compression::None),
            // Not data by its name (a snapshot's `blobs/<hash>` is data only by a link's name).
            None => continue,
        };
        if !seen.insert(target) {
            continue;
        }
        let size = match std::fs::metadata(&abs) {
            Ok(m) => m.len(),
            Err(e) => {
                diags.push(Diagnostic::error(&display, 0, format!("cannot read file: {e}")));
                continue;
            }
        };
        let fingerprint = match fingerprint(&abs, size) {
            Ok(f) => f,
            Err(e) => {
                diags.push(Diagnostic::error(&display, 0, format!("cannot read file: {e}")));
                continue;
            }
        };
        let existing: Option<(i64, String, i64, i64, bool)> = store
            .conn
            .query_row(
                "SELECT id, fingerprint, committed_offset, committed_line, complete FROM sources WHERE path = ?1",
                [&display],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (source_id, start_offset, start_line) = match existing {
            Some((id, fp, _, _, true)) if fp == fingerprint && !opts.force => {
                let _ = id;
                summary.files_unchanged += 1;
                continue;
            }
            Some((id, fp, off, line, false)) if fp == fingerprint && !opts.force => (id, off as u64, line as u64),
            Some((id, _, _, _, _)) => {
                store.conn.execute(
                    "UPDATE sources SET size = ?2, fingerprint = ?3, committed_offset = 0, committed_line = 0, complete = 0 WHERE id = ?1",
                    params![id, size as i64, fingerprint],
                )?;
                (id, 0, 0)
            }
            None => {
                store.conn.execute(
                    "INSERT INTO sources (path, size, fingerprint) VALUES (?1, ?2, ?3)",
                    params![display, size as i64, fingerprint],
                )?;
                (store.conn.last_insert_rowid(), 0, 0)
            }
        };
        out.push(PlannedFile { path: abs, display, source_id, framing, compression, start_offset, start_line, size });
    }
    Ok(out)
}

/// The absolute path of a file with its directory resolved but not the file itself (a symbolic
/// link keeps its own name).
fn linked_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// Collects the files under a directory that look like trajectory data, in a stable order.
/// Symbolic links are followed, to files and to directories alike (a Hugging Face hub snapshot is
/// made of them); a link back to a directory being walked is a loop, reported and not followed,
/// and a directory reached twice by links is walked once. A broken link with a data file's name
/// is reported; other entries that are neither files nor directories are skipped.
fn walk(
    dir: &Path,
    out: &mut Vec<(PathBuf, bool)>,
    stack: &mut Vec<PathBuf>,
    walked: &mut HashSet<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let canonical = std::fs::canonicalize(dir)?;
    if let Some(ancestor) = stack.iter().find(|a| **a == canonical) {
        diags.push(Diagnostic::warning(
            &dir.display().to_string(),
            0,
            format!("symbolic link loop: leads back to {}; not followed again", ancestor.display()),
        ));
        return Ok(());
    }
    if !walked.insert(canonical.clone()) {
        return Ok(());
    }
    stack.push(canonical);
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let mut ft = e.file_type()?;
        if ft.is_symlink() {
            match std::fs::metadata(e.path()) {
                Ok(m) => ft = m.file_type(),
                Err(err) => {
                    if framing::classify(&name.to_string_lossy()).is_some() {
                        diags.push(Diagnostic::error(
                            &e.path().display().to_string(),
                            0,
                            format!("cannot read file: broken symbolic link ({err})"),
                        ));
                    }
                    continue;
                }
            }
        }
        if ft.is_dir() {
            walk(&e.path(), out, stack, walked, diags)?;
        } else if ft.is_file() {
            out.push((e.path(), false));
        }
    }
    stack.pop();
    Ok(())
}

/// Identifies a file's content cheaply: its size and a hash of its first and last 64 KiB.
pub(crate) fn fingerprint(path: &Path, size: u64) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = blake3::Hasher::new();
    h.update(&size.to_le_bytes());
    let mut buf = vec![0u8; 64 * 1024];
    let n = read_full(&mut f, &mut buf)?;
    h.update(&buf[..n]);
    if size > 128 * 1024 {
        f.seek(SeekFrom::Start(size - 64 * 1024))?;
        let n = read_full(&mut f, &mut buf)?;
        h.update(&buf[..n]);
    }
    Ok(h.finalize().to_hex()[..32].to_string())
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Counts bytes read from the file on disk (before decompression), for progress.
struct CountingReader<R> {
    inner: R,
    count: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a file through its decompressor. With `past_bad_members`, a gzip member that fails its
/// checksum does not end the stream (the next member is read; [`damaged_members`] says which
/// records to drop); otherwise it is a read error.
fn open_decoded(
    path: &Path,
    compression: Compression,
    disk: Arc<std::sync::atomic::AtomicU64>,
    past_bad_members: bool,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    let counted = CountingReader { inner: file, count: disk };
    Ok(match compression {
        Compression::None => Box::new(BufReader::with_capacity(1 << 20, counted)),
        Compression::Gzip if past_bad_members => {
            Box::new(BufReader::with_capacity(1 << 20, GzMembers::new(BufReader::new(counted))))
        }
        Compression::Gzip => {
            Box::new(BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(BufReader::new(counted))))
        }
        Compression::Zstd => Box::new(BufReader::with_capacity(1 << 20, zstd::stream::read::Decoder::new(counted)?)),
    })
}

/// A compressed member (a gzip member, a zstd frame) that failed its checksum: the decompressed
/// bytes it covers (to the end of the file when the reader cannot go on after it), which member,
/// and why. None of its records is stored.
#[derive(Debug, Clone)]
struct BadMember {
    start: u64,
    end: Option<u64>,
    what: String,
    reason: String,
}

impl BadMember {
    fn overlaps(&self, from: u64, to: u64) -> bool {
        from < self.end.unwrap_or(u64::MAX) && to > self.start
    }
}

fn is_checksum_error(e: &std::io::Error) -> bool {
    e.to_string().contains("checksum")
}

/// The gzip members of a stream one after another (as `MultiGzDecoder` reads them), except that a
/// member failing its checksum does not end the stream: its range is recorded in `bad` and the
/// next member is read. (A member's trailer has been read when its checksum is compared, so the
/// next member starts right after it.)
struct GzMembers<R: BufRead> {
    dec: Option<flate2::bufread::GzDecoder<R>>,
    pos: u64,
    member_start: u64,
    member: usize,
    bad: Vec<BadMember>,
}

impl<R: BufRead> GzMembers<R> {
    fn new(r: R) -> GzMembers<R> {
        GzMembers { dec: Some(flate2::bufread::GzDecoder::new(r)), pos: 0, member_start: 0, member: 1, bad: Vec::new() }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(dec) = self.dec.as_mut() else { return Ok(0) };
            match dec.read(buf) {
                Ok(0) => {}
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if is_checksum_error(&e) => self.bad.push(BadMember {
                    start: self.member_start,
                    end: Some(self.pos),
                    what: format!("gzip member {}", self.member),
                    reason: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
            let mut inner = self.dec.take().expect("a decoder").into_inner();
            if inner.fill_buf()?.is_empty() {
                return Ok(0);
            }
            self.member += 1;
            self.member_start = self.pos;
            self.dec = Some(flate2::bufread::GzDecoder::new(inner));
        }
    }
}

/// A `Write` that only counts.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decompresses a file once, only to find the members that fail their checksum, before any of
/// its records is stored: a checksum is compared at the end of its member, after the member's
/// text has been decompressed, so a reader that stored records as it decompressed them would
/// store corrupted text. Costs one more decompression of every compressed file. Other read
/// errors (a cut stream, a damaged deflate block) are left to the reading pass, which stores
/// what decodes before them and reports the error, as `zcat` does.
fn damaged_members(path: &Path, compression: Compression) -> Vec<BadMember> {
    let Ok(file) = File::open(path) else { return Vec::new() };
    let reader = BufReader::with_capacity(1 << 20, file);
    match compression {
        Compression::None => Vec::new(),
        Compression::Gzip => {
            let mut members = GzMembers::new(reader);
            let _ = std::io::copy(&mut members, &mut CountingSink(0));
            members.bad
        }
        Compression::Zstd => {
            // zstd frames one by one; the reader cannot go on after a frame that fails (the
            // reading pass stops there too), so such a frame's range runs to the end.
            let mut reader = reader;
            let mut pos = 0u64;
            let mut frame = 0usize;
            loop {
                match reader.fill_buf() {
                    Ok(b) if !b.is_empty() => {}
                    _ => return Vec::new(),
                }
                frame += 1;
                let Ok(dec) = zstd::stream::read::Decoder::with_buffer(reader) else { return Vec::new() };
                let mut dec = dec.single_frame();
                let mut sink = CountingSink(0);
                match std::io::copy(&mut dec, &mut sink) {
                    Ok(n) => {
                        pos += n;
                        reader = dec.finish();
                    }
                    Err(e) if is_checksum_error(&e) => {
                        return vec![BadMember {
                            start: pos,
                            end: None,
                            what: format!("zstd frame {frame}, to the end of the file"),
                            reason: e.to_string(),
                        }]
                    }
                    Err(_) => return Vec::new(),
                }
            }
        }
    }
}

/// The reader thread: frames every planned file into batches.
fn read_files(
    plan: Vec<(PathBuf, String, Framing, Compression, u64, u64)>,
    tx: SyncSender<Batch>,
    cancel: Arc<AtomicBool>,
) {
    let mut seq = 0u64;
    for (file_idx, (path, display, framing, compression, start_offset, start_line)) in plan.into_iter().enumerate() {
        let disk = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let lost = std::cell::Cell::new(0u64);
        let mut emit = |records: Vec<RawRecord>,
                        diagnostics: Vec<Diagnostic>,
                        end_offset: u64,
                        end_line: u64,
                        file_done: bool|
         -> bool {
            let b = Batch {
                seq,
                file: file_idx,
                records,
                diagnostics,
                end_offset,
                end_line,
                file_done,
                disk_bytes: disk.load(Ordering::Relaxed),
                lost: lost.take(),
            };
            seq += 1;
            tx.send(b).is_ok() && !cancel.load(Ordering::SeqCst)
        };
        let keep_going = match framing {
            Framing::Lines => read_lines(
                &path,
                &display,
                compression,
                (start_offset, start_line),
                Arc::clone(&disk),
                &lost,
                &mut emit,
            ),
            Framing::Whole => read_whole(&path, &display, compression, Arc::clone(&disk), &mut emit),
            Framing::Parquet => read_parquet(&path, &display, start_line, &lost, &mut emit),
        };
        if !keep_going {
            return;
        }
    }
}

type Emit<'a> = dyn FnMut(Vec<RawRecord>, Vec<Diagnostic>, u64, u64, bool) -> bool + 'a;

fn read_lines(
    path: &Path,
    display: &str,
    compression: Compression,
    (start_offset, start_line): (u64, u64),
    disk: Arc<std::sync::atomic::AtomicU64>,
    lost: &std::cell::Cell<u64>,
    emit: &mut Emit<'_>,
) -> bool {
    let bad = damaged_members(path, compression);
    let mut reader = match open_decoded(path, compression, disk, true) {
        Ok(r) => r,
        Err(e) => {
            return emit(Vec::new(), vec![Diagnostic::error(display, 0, format!("cannot open file: {e}"))], 0, 0, true)
        }
    };
    // Skip what earlier runs committed.
    if start_offset > 0 {
        match std::io::copy(&mut (&mut reader).take(start_offset), &mut std::io::sink()) {
            Ok(n) if n == start_offset => {}
            _ => {
                return emit(
                    Vec::new(),
                    vec![Diagnostic::error(display, start_line, "file shorter than its committed offset")],
                    start_offset,
                    start_line,
                    true,
                )
            }
        }
    }
    // A binary file (an image, UTF-16 text, noise) is one diagnostic, not one per "line". It is
    // judged by the first 4 KiB of the file, not by its first line, which can be short and free of
    // NUL bytes (a PNG's first line is `\x89PNG\r`).
    if start_offset == 0 {
        match reader.fill_buf() {
            Ok(head) => {
                let head = &head[..head.len().min(4096)];
                let first = framing::trim_line(head).iter().find(|b| !b.is_ascii_whitespace()).copied();
                if !matches!(first, Some(b'{') | Some(b'[') | None) && memchr::memchr(0, head).is_some() {
                    return emit(
                        Vec::new(),
                        vec![Diagnostic::error(display, 0, "binary file, not json lines")],
                        0,
                        0,
                        true,
                    );
                }
            }
            Err(e) => {
                return emit(Vec::new(), vec![Diagnostic::error(display, 1, format!("read error: {e}"))], 0, 0, true);
            }
        }
    }
    let mut offset = start_offset;
    let mut line_no = start_line;
    let mut records = Vec::new();
    let mut diags = Vec::new();
    let mut batch_bytes = 0usize;
    // Whether a line other than white space was seen: a file without one is reported as empty,
    // as an empty `.json` file is.
    let mut any_content = start_offset > 0;
    // Records of a member that failed its checksum: (which member, first line, last line).
    let mut dropped: Option<(usize, u64, u64)> = None;
    let report_dropped = |dropped: &mut Option<(usize, u64, u64)>, diags: &mut Vec<Diagnostic>| {
        if let Some((i, first, last)) = dropped.take() {
            let b: &BadMember = &bad[i];
            let lines = if first == last { format!("line {first}") } else { format!("lines {first}..{last}") };
            diags.push(Diagnostic::error(display, first, format!("{lines} ({}) not stored: {}", b.what, b.reason)));
        }
    };
    loop {
        let mut buf = Vec::new();
        let n = match reader.read_until(b'\n', &mut buf) {
            Ok(n) => n,
            Err(e) => {
                report_dropped(&mut dropped, &mut diags);
                diags.push(Diagnostic::error(display, line_no + 1, format!("read error: {e}")));
                return emit(records, diags, offset, line_no, true);
            }
        };
        if n == 0 {
            report_dropped(&mut dropped, &mut diags);
            if !any_content {
                let what = if line_no == 0 { "empty file" } else { "empty file (only blank lines)" };
                diags.push(Diagnostic::error(display, 0, what));
            }
            return emit(records, diags, offset, line_no, true);
        }
        line_no += 1;
        let rec_offset = offset;
        offset += n as u64;
        let trimmed = framing::trim_line(&buf);
        if framing::is_blank(trimmed) {
            continue;
        }
        any_content = true;
        if let Some(i) = bad.iter().position(|b| b.overlaps(rec_offset, offset)) {
            match &mut dropped {
                Some((j, _, last)) if *j == i => *last = line_no,
                _ => {
                    report_dropped(&mut dropped, &mut diags);
                    dropped = Some((i, line_no, line_no));
                }
            }
            lost.set(lost.get() + 1);
            continue;
        }
        report_dropped(&mut dropped, &mut diags);
        // Keep the record's bytes exactly as they stand in the file, minus the line end and a
        // leading BOM: that is what exports write back.
        let start = buf.len() - buf.len() + (trimmed.as_ptr() as usize - buf.as_ptr() as usize);
        let len = trimmed.len();
        buf.truncate(start + len);
        if start > 0 {
            buf.drain(..start);
        }
        batch_bytes += len;
        records.push(RawRecord { bytes: buf, offset: rec_offset + start as u64, line: line_no });
        if records.len() >= BATCH_RECORDS || batch_bytes >= BATCH_BYTES {
            if !emit(std::mem::take(&mut records), std::mem::take(&mut diags), offset, line_no, false) {
                return false;
            }
            batch_bytes = 0;
        }
    }
}

fn read_whole(
    path: &Path,
    display: &str,
    compression: Compression,
    disk: Arc<std::sync::atomic::AtomicU64>,
    emit: &mut Emit<'_>,
) -> bool {
    let mut bytes = Vec::new();
    let read = open_decoded(path, compression, disk, false).and_then(|mut r| r.read_to_end(&mut bytes));
    if let Err(e) = read {
        return emit(Vec::new(), vec![Diagnostic::error(display, 0, format!("cannot read file: {e}"))], 0, 0, true);
    }
    let size = bytes.len() as u64;
    let body = framing::trim_line(&bytes);
    if framing::is_blank(body) {
        return emit(Vec::new(), vec![Diagnostic::error(display, 0, "empty file")], size, 0, true);
    }
    // A `.json` file that holds JSON lines is read as lines: its first value is followed by more,
    // or (when the first line is the broken one) its lines are mostly JSON objects on their own.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        if e.to_string().starts_with("trailing characters") || looks_like_json_lines(&bytes) {
            let mut records = Vec::new();
            let mut offset = 0u64;
            for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
                let t = framing::trim_line(line);
                if !framing::is_blank(t) {
                    let start = (t.as_ptr() as usize - line.as_ptr() as usize) as u64;
                    records.push(RawRecord { bytes: t.to_vec(), offset: offset + start, line: i as u64 + 1 });
                }
                offset += line.len() as u64;
            }
            let lines = records.last().map(|r| r.line).unwrap_or(0);
            return emit(records, Vec::new(), size, lines, true);
        }
    }
    let offset = (body.as_ptr() as usize - bytes.as_ptr() as usize) as u64;
    let rec = RawRecord { bytes: body.to_vec(), offset, line: 1 };
    emit(vec![rec], Vec::new(), size, 1, true)
}

/// Whether a file that is not one JSON value holds JSON lines: at least two non-blank lines, at
/// least half of which are JSON objects on their own (a broken pretty-printed file has almost none).
fn looks_like_json_lines(bytes: &[u8]) -> bool {
    let (mut lines, mut objects) = (0usize, 0usize);
    for line in bytes.split(|b| *b == b'\n') {
        let t = framing::trim_line(line);
        if framing::is_blank(t) {
            continue;
        }
        lines += 1;
        let first = t.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok() {
            objects += 1;
        }
    }
    lines >= 2 && objects >= 1 && objects * 2 >= lines
}

/// Reads a Parquet file row group by row group, 64 rows at a time, each row as a JSON line
/// (its "line" is its 1-based row number). A row group that cannot be decoded (a damaged page, a
/// bad codec) is one diagnostic naming its rows, which count as read and rejected; the next row
/// group is read as if nothing happened. Rows up to `start_row` were committed by an earlier run.
fn read_parquet(path: &Path, display: &str, start_row: u64, lost: &std::cell::Cell<u64>, emit: &mut Emit<'_>) -> bool {
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
    let opened = File::open(path).map_err(|e| format!("cannot open file: {e}")).and_then(|file| {
        let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
            .map_err(|e| format!("not a readable parquet file: {e}"))?;
        Ok((file, meta))
    });
    let (file, meta) = match opened {
        Ok(o) => o,
        Err(reason) => return emit(Vec::new(), vec![Diagnostic::error(display, 0, reason)], 0, 0, true),
    };
    let sizes: Vec<u64> = meta.metadata().row_groups().iter().map(|g| g.num_rows().max(0) as u64).collect();
    let mut row = 0u64; // rows before the current row group
    for (group, &size) in sizes.iter().enumerate() {
        let first = row;
        row += size;
        if row <= start_row {
            continue;
        }
        let reader = file.try_clone().map_err(|e| e.to_string()).and_then(|f| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(f, meta.clone())
                .with_row_groups(vec![group])
                .with_batch_size(64)
                .build()
                .map_err(|e| e.to_string())
        });
        let mut at = first; // rows of this group read so far
        let mut failure = None;
        match reader {
            Err(e) => failure = Some(e),
            Ok(reader) => {
                for batch in reader {
                    let batch = match batch {
                        Ok(b) => b,
                        Err(e) => {
                            failure = Some(e.to_string());
                            break;
                        }
                    };
                    let n = batch.num_rows() as u64;
                    let (records, diags) = parquet_rows_as_json(&batch, at, start_row, display, lost);
                    at += n;
                    if !emit(records, diags, at, at, false) {
                        return false;
                    }
                }
            }
        }
        if let Some(e) = failure {
            // The rest of this row group is unreadable; the next one starts fresh.
            let from = (at + 1).max(start_row + 1);
            lost.set(lost.get() + (row + 1).saturating_sub(from));
            let diag = Diagnostic::error(
                display,
                from,
                format!("rows {from}..{row} (row group {}) not read: parquet read error: {e}", group + 1),
            );
            if !emit(Vec::new(), vec![diag], row, row, false) {
                return false;
            }
        }
    }
    emit(Vec::new(), Vec::new(), row, row, true)
}

/// The rows of a Parquet batch as JSON records (`at`: rows of the file before the batch; rows up
/// to `start_row` were stored by an earlier run). A batch arrow-json cannot write is one
/// diagnostic and its rows count in `lost`. (That failure depends on the column types, not on
/// values: arrow-json writes a value it cannot format, such as a date past year 262,143, as `""`.)
fn parquet_rows_as_json(
    batch: &arrow_array::RecordBatch,
    at: u64,
    start_row: u64,
    display: &str,
    lost: &std::cell::Cell<u64>,
) -> (Vec<RawRecord>, Vec<Diagnostic>) {
    let mut out = Vec::new();
    let mut w = arrow_json::LineDelimitedWriter::new(&mut out);
    let written = w.write(batch).and_then(|_| w.finish());
    drop(w);
    let n = batch.num_rows() as u64;
    match written {
        Ok(()) => {
            let records = (out.split(|b| *b == b'\n').filter(|l| !l.is_empty()).zip(at + 1..))
                .filter(|&(_, line)| line > start_row)
                .map(|(bytes, line)| RawRecord { bytes: bytes.to_vec(), offset: 0, line })
                .collect();
            (records, Vec::new())
        }
        Err(e) => {
            let from = (at + 1).max(start_row + 1);
            lost.set(lost.get() + (at + n + 1).saturating_sub(from));
            let reason = format!("rows {}..{}: cannot convert parquet rows to json: {e}", from, at + n);
            (Vec::new(), vec![Diagnostic::error(display, from, reason)])
        }
    }
}

/// Per-worker memory of blob hashes whose data this worker already sent in an earlier (or the
/// current) batch. Batches a worker takes are in increasing order, so a reference to a hash in
/// this set is always written after (or with) the blob's data.
struct SentBlobs {
    hashes: rustc_hash::FxHashSet<u128>,
    /// The worker's compressor, reused for every record and blob.
    compressor: crate::segments::Compressor,
}

impl SentBlobs {
    const MAX: usize = 4_000_000;
    fn first_time(&mut self, hash: &[u8; 32]) -> bool {
        if self.hashes.len() >= Self::MAX {
            self.hashes.clear();
        }
        let key = u128::from_le_bytes(hash[..16].try_into().expect("16 bytes"));
        self.hashes.insert(key)
    }
}

/// A worker thread: parses and prepares batches until the reader is done.
fn work(
    rx: Arc<Mutex<Receiver<Batch>>>,
    tx: SyncSender<Processed>,
    meta: Arc<Vec<(String, String)>>,
    fields: index::Fields,
) {
    let mut sent = SentBlobs { hashes: Default::default(), compressor: crate::segments::Compressor::default() };
    loop {
        let batch = {
            let guard = match rx.lock() {
                Ok(g) => g,
                Err(_) => return,
            };
            match guard.recv() {
                Ok(b) => b,
                Err(_) => return,
            }
        };
        let (display, file_name) = &meta[batch.file];
        let mut p = Processed {
            seq: batch.seq,
            file: batch.file,
            trajectories: Vec::new(),
            outcomes: Vec::new(),
            diagnostics: batch.diagnostics,
            records: batch.lost,
            reports: 0,
            rejected: batch.lost,
            bytes: 0,
            end_offset: batch.end_offset,
            end_line: batch.end_line,
            file_done: batch.file_done,
            disk_bytes: batch.disk_bytes,
        };
        for rec in batch.records {
            p.records += 1;
            p.bytes += rec.bytes.len() as u64;
            process_record(rec, display, file_name, None, &mut p, &mut sent, &fields);
        }
        if tx.send(p).is_err() {
            return;
        }
    }
}

fn process_record(
    rec: RawRecord,
    display: &str,
    file_name: &str,
    element: Option<usize>,
    p: &mut Processed,
    sent: &mut SentBlobs,
    fields: &index::Fields,
) {
    let at = |msg: String| match element {
        Some(i) => format!("element {}: {msg}", i + 1),
        None => msg,
    };
    let value = match framing::parse_record_counting(&rec.bytes) {
        Ok((v, 0)) => v,
        Ok((v, replaced)) => {
            p.diagnostics.push(Diagnostic::warning(display, rec.line, at(framing::surrogate_warning(replaced))));
            v
        }
        Err(reason) => {
            p.diagnostics.push(Diagnostic::error(display, rec.line, at(reason)));
            p.rejected += 1;
            return;
        }
    };
    // An array of records with some elements that are not objects (a `null`, a stray string):
    // each element is read on its own, so the records land and the others are reported, instead
    // of the whole array being refused.
    if element.is_none() {
        if let serde_json::Value::Array(items) = &value {
            if items.iter().any(serde_json::Value::is_object) && !items.iter().all(serde_json::Value::is_object) {
                if let serde_json::Value::Array(items) = value {
                    p.records += items.len().saturating_sub(1) as u64;
                    process_elements(items, &rec, display, file_name, p, sent, fields);
                }
                return;
            }
        }
    }
    let recognition = match trawl_core::formats::recognize(value, file_name) {
        Ok(r) => r,
        Err(reason) => {
            p.diagnostics.push(Diagnostic::error(display, rec.line, at(reason)));
            p.rejected += 1;
            return;
        }
    };
    for w in recognition.warnings {
        p.diagnostics.push(Diagnostic::warning(display, rec.line, at(w)));
    }
    match recognition.recognized {
        Recognized::Trajectory(traj) => {
            let traj = *traj;
            let facts = trawl_core::facts::derive(&traj);
            let uid = framing::record_id(&rec.bytes);
            let (encoded, cut) = crate::segments::encode(&rec.bytes, &mut sent.compressor);
            let mut blobs = Vec::new();
            for b in cut {
                if sent.first_time(&b.hash) {
                    blobs.push((b.hash, sent.compressor.compress(b.bytes)));
                }
            }
            let chunk_keys = index::long_piece_keys(&traj);
            p.trajectories.push(ReadyTrajectory {
                uid,
                offset: rec.offset,
                len: rec.bytes.len() as u64,
                line: rec.line,
                traj,
                facts,
                encoded,
                blobs,
                chunk_keys,
            });
        }
        Recognized::Outcomes(facts) => {
            p.reports += 1;
            p.outcomes.extend(facts);
        }
        Recognized::Records(items) => {
            if element.is_some() {
                p.diagnostics.push(Diagnostic::error(display, rec.line, at("nested container of records".into())));
                p.rejected += 1;
                return;
            }
            if items.is_empty() {
                // Counted as read: it must be accounted for, as a rejection naming its line.
                p.diagnostics.push(Diagnostic::error(
                    display,
                    rec.line,
                    at("an empty json array holds no record".into()),
                ));
                p.rejected += 1;
                return;
            }
            // Each element is a record of its own.
            p.records += items.len().saturating_sub(1) as u64;
            process_elements(items, &rec, display, file_name, p, sent, fields);
        }
    }
}

/// Processes the elements of a container record (a JSON array, a `preds.json` dict) one by one;
/// their diagnostics name the container's line and the element's position.
fn process_elements(
    items: Vec<serde_json::Value>,
    rec: &RawRecord,
    display: &str,
    file_name: &str,
    p: &mut Processed,
    sent: &mut SentBlobs,
    fields: &index::Fields,
) {
    for (i, item) in items.into_iter().enumerate() {
        let bytes = serde_json::to_vec(&item).expect("serializing a parsed value");
        let sub = RawRecord { bytes, offset: rec.offset, line: rec.line };
        process_record(sub, display, file_name, Some(i), p, sent, fields);
    }
}

#[allow(clippy::too_many_arguments)]
fn write_all(
    store: &mut Store,
    files: &[PlannedFile],
    rx: Receiver<Processed>,
    summary: &mut IngestSummary,
    total_bytes: u64,
    started: Instant,
    cancel: &AtomicBool,
    progress: &mut impl FnMut(&Progress),
) -> Result<(), StoreError> {
    let mut pending: BTreeMap<u64, Processed> = BTreeMap::new();
    let mut next = 0u64;
    let mut dicts = DictCache::default();
    let mut joined = Joined::default();
    // Predictions stored by this run that joined no trajectory when stored (warned about at the end).
    let mut unjoined: Vec<i64> = Vec::new();
    let mut since_commit = 0u64;
    let mut last_seq = 0i64;
    let mut disk_done_before = 0u64; // disk bytes of files already finished
    let mut prog = Progress { total_bytes, ..Progress::default() };
    while let Ok(p) = rx.recv() {
        pending.insert(p.seq, p);
        while let Some(p) = pending.remove(&next) {
            next += 1;
            let file = &files[p.file];
            since_commit += p.bytes;
            let (records, reports, rejected, bytes, disk_bytes, file_done) =
                (p.records, p.reports, p.rejected, p.bytes, p.disk_bytes, p.file_done);
            let seq = write_batch(store, file, file_done, p, summary, &mut dicts, &mut joined, &mut unjoined)?;
            last_seq = seq;
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
            progress(&prog);
            if since_commit >= INDEX_COMMIT_BYTES {
                store.index.commit(last_seq)?;
                since_commit = 0;
            }
            if cancel.load(Ordering::SeqCst) {
                warn_unjoined(store, &unjoined, summary)?;
                store.index.commit(last_seq)?;
                return Ok(());
            }
        }
    }
    warn_unjoined(store, &unjoined, summary)?;
    if next > 0 {
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
    let diags = crate::predictions::warn_unjoined(&tx, unjoined)?;
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
) -> Result<i64, StoreError> {
    let tx = store.conn.transaction()?;
    let seq = crate::next_seq(&tx)?;
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
                crate::predictions::patch_key(traj.patch.as_deref()),
            ])?;
            if inserted == 0 {
                summary.duplicates += 1;
                continue;
            }
            let row_id = tx.last_insert_rowid();
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
        crate::predictions::relink(
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
        drop((ins_blob, ins_traj, ins_call, find_outcome, same_tid));
        tx.commit()?;
        // The index follows the committed rows.
        let w = store.index.writer()?;
        for doc in docs {
            w.add_document(doc)?;
        }
        if !joined_ids.is_empty() {
            joined_ids.sort_unstable();
            joined_ids.dedup();
            index::reindex_rows(store, &joined_ids, seq, false)?;
        }
    }
    Ok(seq)
}

fn store_calls(ins_call: &mut rusqlite::CachedStatement<'_>, row_id: i64, f: &Facts) -> Result<(), StoreError> {
    for c in &f.calls {
        ins_call.execute(params![row_id, c.step as i64, c.tool, c.cmd, c.exit_code])?;
    }
    Ok(())
}

/// `trajectories.kind` of a record kind.
fn kind_code(kind: trawl_core::RecordKind) -> i64 {
    match kind {
        trawl_core::RecordKind::Trajectory => crate::predictions::KIND_TRAJECTORY,
        trawl_core::RecordKind::Prediction => crate::predictions::KIND_PREDICTION,
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
        crate::predictions::patch_key(t.patch.as_deref()),
    ])?;
    conn.prepare_cached("DELETE FROM calls WHERE traj = ?1")?.execute([id])?;
    let mut ins_call =
        conn.prepare_cached("INSERT INTO calls (traj, step, tool, cmd, exit_code) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    store_calls(&mut ins_call, id, f)
}

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

fn write_diagnostics(conn: &Connection, diags: &[Diagnostic]) -> Result<(), StoreError> {
    write_diagnostics_tx(conn, diags.iter())
}

fn write_diagnostics_tx<'a>(conn: &Connection, diags: impl Iterator<Item = &'a Diagnostic>) -> Result<(), StoreError> {
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
