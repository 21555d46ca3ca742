//! The tantivy index: schema, documents built from trajectories, commits and the writer lock
//! (catching up with SQLite and rebuilding are in `reindex`).
//!
//! **Architecture invariant:** the index is derived. Every document is built from a SQLite row and
//! the record it stores; documents are keyed by our trajectory row id (delete by term, then add).
//! The index's last commit carries a payload `seq:N`: every SQLite change with sequence ≤ N is in
//! the index. On open, rows with a higher sequence are (re)indexed from SQLite, so a killed ingest
//! never leaves the two disagreeing for long, and `reindex` rebuilds everything from scratch.

use rustc_hash::FxHashSet;
use std::borrow::Cow;
use std::path::Path;

use tantivy::schema::{Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, STRING};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use trawl_core::facts::Facts;
use trawl_core::Trajectory;

use crate::StoreError;

/// Memory budget of the index writer (split across its threads).
const WRITER_BUDGET: usize = 192 * 1024 * 1024;
/// Indexing threads.
const WRITER_THREADS: usize = 2;
/// Longest text value indexed per piece (longer observations are indexed up to here).
const MAX_PIECE_BYTES: usize = 256 * 1024;

/// The fields of the schema.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Our trajectory row id (indexed, fast).
    pub id: Field,
    /// Stable id string.
    pub uid: Field,
    /// Full text, with positions.
    pub text: Field,
    /// Dictionary ids (fast, indexed).
    pub repo: Field,
    /// Dataset dictionary id.
    pub dataset: Field,
    /// Format dictionary id.
    pub format: Field,
    /// Model dictionary id.
    pub model: Field,
    /// Instance id (raw string).
    pub instance: Field,
    /// 0 false, 1 true, 2 unknown.
    pub resolved: Field,
    /// One value per set flag (indexed).
    pub flag: Field,
    /// Flag bitmask (fast, for facets).
    pub flags: Field,
    /// Tool names used (raw strings).
    pub tool: Field,
    /// Step count.
    pub steps: Field,
    /// Files in the patch.
    pub patch_files: Field,
    /// Lines added + removed in the patch.
    pub patch_lines: Field,
    /// 0 for a trajectory document, 1 for a chunk document (a long text shared by trajectories).
    pub kind: Field,
    /// Chunk documents: the chunk key.
    pub chunk: Field,
    /// Trajectory documents: keys of the shared chunks the trajectory contains.
    pub chunk_ref: Field,
}

/// Document kind: a trajectory.
pub const KIND_TRAJECTORY: u64 = 0;
/// Document kind: a shared chunk of text.
pub const KIND_CHUNK: u64 = 1;
/// Texts at least this long are content-addressed in the index: indexed once however many
/// trajectories contain them.
pub const CHUNK_MIN: usize = 512;

/// The index handle.
pub struct Index {
    /// The tantivy index.
    pub index: tantivy::Index,
    /// A reader, reloaded on our commits and by [`crate::Store::refresh`].
    pub reader: IndexReader,
    /// The fields.
    pub fields: Fields,
    writer: Option<IndexWriter>,
    /// The identity of the database this index belongs to, written into every commit.
    pub(crate) db_id: Option<String>,
    /// The opstamp of the commit the reader last loaded.
    loaded_opstamp: u64,
    /// Whether `chunk_ref` is a fast field, so that a large set of chunk keys is answered from the
    /// column (`search::fastset::RefSetQuery`). Indexes written before it was are still opened
    /// and kept up to date as they are, their sets answered by a term set; `reindex` upgrades them.
    pub chunk_ref_fast: bool,
}

fn schema() -> (Schema, Fields) {
    schema_with(true)
}

/// The schema; with `chunk_ref_fast` false, the one before `chunk_ref` became a fast field (still
/// read and written: see [`Index::chunk_ref_fast`]).
fn schema_with(chunk_ref_fast: bool) -> (Schema, Fields) {
    let mut b = Schema::builder();
    let chunk_ref = NumericOptions::default().set_indexed();
    let num = NumericOptions::default().set_indexed().set_fast();
    let text_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_u64_field("id", num.clone().set_stored()),
        uid: b.add_text_field("uid", STRING),
        text: b.add_text_field("text", text_opts),
        repo: b.add_u64_field("repo", num.clone()),
        dataset: b.add_u64_field("dataset", num.clone()),
        format: b.add_u64_field("format", num.clone()),
        model: b.add_u64_field("model", num.clone()),
        instance: b.add_text_field("instance", STRING),
        resolved: b.add_u64_field("resolved", num.clone()),
        flag: b.add_u64_field("flag", NumericOptions::default().set_indexed()),
        flags: b.add_u64_field("flags", NumericOptions::default().set_fast()),
        tool: b.add_text_field("tool", STRING),
        steps: b.add_u64_field("steps", num.clone()),
        patch_files: b.add_u64_field("patch_files", num.clone()),
        patch_lines: b.add_u64_field("patch_lines", num.clone()),
        kind: b.add_u64_field("kind", num.clone()),
        chunk: b.add_u64_field("chunk", num),
        chunk_ref: b.add_u64_field("chunk_ref", if chunk_ref_fast { chunk_ref.set_fast() } else { chunk_ref }),
    };
    (b.build(), fields)
}

/// The file in the index folder whose lock (`flock`) makes its holder the one process that writes
/// the index: ingest, reindex, catch-up, `check --repair`. It holds a line naming the holder.
pub const WRITER_LOCK_FILE: &str = "trawl-writer.lock";

/// Held while this process is the one writer of an index; released on drop.
pub struct WriterLock {
    _file: std::fs::File,
}

/// Who holds a writer lock, as its lock file says.
#[derive(Debug, Clone)]
pub struct Holder {
    /// What it does (`ingest`, `reindex`, `index catch-up`, `check --repair`).
    pub what: String,
    /// Its process id.
    pub pid: String,
    /// Since when (RFC 3339).
    pub since: String,
}

/// The outcome of trying to take the writer lock.
pub enum TryLock {
    /// Taken.
    Acquired(WriterLock),
    /// Another process (or handle) holds it.
    Busy(Holder),
    /// The index folder cannot be written (a read-only folder or file system).
    ReadOnly,
}

fn not_a_folder(dir: &Path) -> StoreError {
    StoreError::IndexNotAFolder { path: dir.display().to_string() }
}

fn is_read_only_error(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem)
}

/// Tries (without waiting) to become the writer of the index in `dir`, creating the folder when
/// missing. `what` is written into the lock file for others to read.
pub fn try_lock_writer(dir: &Path, what: &str) -> Result<TryLock, StoreError> {
    use fs4::fs_std::FileExt;
    use std::io::{Read, Seek, Write};
    if dir.exists() && !dir.is_dir() {
        return Err(not_a_folder(dir));
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        if is_read_only_error(&e) {
            return Ok(TryLock::ReadOnly);
        }
        return Err(StoreError::Io { path: dir.display().to_string(), source: e });
    }
    let path = dir.join(WRITER_LOCK_FILE);
    let mut file = match std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path) {
        Ok(f) => f,
        Err(e) if is_read_only_error(&e) => return Ok(TryLock::ReadOnly),
        Err(e) => return Err(StoreError::Io { path: path.display().to_string(), source: e }),
    };
    let locked =
        file.try_lock_exclusive().map_err(|e| StoreError::Io { path: path.display().to_string(), source: e })?;
    if !locked {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        return Ok(TryLock::Busy(parse_holder(&text)));
    }
    let line = format!(
        "{what} pid {} since {}\n",
        std::process::id(),
        chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    );
    let io = |e| StoreError::Io { path: path.display().to_string(), source: e };
    file.set_len(0).map_err(io)?;
    file.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
    file.write_all(line.as_bytes()).map_err(io)?;
    Ok(TryLock::Acquired(WriterLock { _file: file }))
}

fn parse_holder(text: &str) -> Holder {
    let line = text.lines().next().unwrap_or("").trim();
    let (what, rest) = line.split_once(" pid ").unwrap_or(("another trawl", line));
    let (pid, since) = rest.split_once(" since ").unwrap_or((rest, "?"));
    Holder {
        what: if what.is_empty() { "another trawl".into() } else { what.to_string() },
        pid: if pid.is_empty() { "?".into() } else { pid.to_string() },
        since: since.to_string(),
    }
}

/// What the index's last commit says about itself: the change sequence it covers and the
/// identity of the database it was built from (`seq:N db:ID`; older indexes wrote `seq:N`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Payload {
    /// Every SQLite change with a sequence up to this one is in the index.
    pub seq: i64,
    /// The database identity (`meta.db_id`), when recorded.
    pub db: Option<String>,
}

impl Payload {
    fn parse(p: Option<&str>) -> Payload {
        let mut out = Payload::default();
        for part in p.unwrap_or("").split_whitespace() {
            if let Some(n) = part.strip_prefix("seq:") {
                out.seq = n.parse().unwrap_or(0);
            } else if let Some(id) = part.strip_prefix("db:") {
                out.db = Some(id.to_string());
            }
        }
        out
    }
}

/// Whether a file name is one tantivy writes into an index folder (`meta.json`, `.managed.json`,
/// its lock files, and segment files named `<32 hex digits>.<ext>`): only these are removed when
/// a damaged index is rebuilt, so a user's own files in the folder stay.
fn is_tantivy_file(name: &str) -> bool {
    if matches!(name, "meta.json" | ".managed.json" | ".tantivy-meta.lock" | ".tantivy-writer.lock") {
        return true;
    }
    let (stem, _) = name.split_once('.').unwrap_or((name, ""));
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An mmap directory that reads a folder it cannot write: tantivy takes a short lock file while a
/// reader opens segments; where that file cannot be created (a read-only folder, where nobody
/// writes either), reading goes on without it.
#[derive(Clone, Debug)]
struct ReadableDir(tantivy::directory::MmapDirectory);

impl tantivy::Directory for ReadableDir {
    fn get_file_handle(
        &self,
        path: &Path,
    ) -> Result<std::sync::Arc<dyn tantivy::directory::FileHandle>, tantivy::directory::error::OpenReadError> {
        self.0.get_file_handle(path)
    }
    fn delete(&self, path: &Path) -> Result<(), tantivy::directory::error::DeleteError> {
        self.0.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, tantivy::directory::error::OpenReadError> {
        self.0.exists(path)
    }
    fn open_write(
        &self,
        path: &Path,
    ) -> Result<tantivy::directory::WritePtr, tantivy::directory::error::OpenWriteError> {
        self.0.open_write(path)
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, tantivy::directory::error::OpenReadError> {
        self.0.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.0.atomic_write(path, data)
    }
    fn sync_directory(&self) -> std::io::Result<()> {
        self.0.sync_directory()
    }
    fn acquire_lock(
        &self,
        lock: &tantivy::directory::Lock,
    ) -> Result<tantivy::directory::DirectoryLock, tantivy::directory::error::LockError> {
        match self.0.acquire_lock(lock) {
            Err(tantivy::directory::error::LockError::IoError(e)) if lock.is_blocking && is_read_only_error(&e) => {
                Ok(tantivy::directory::DirectoryLock::from(Box::new(())))
            }
            other => other,
        }
    }
    fn watch(&self, cb: tantivy::directory::WatchCallback) -> tantivy::Result<tantivy::directory::WatchHandle> {
        self.0.watch(cb)
    }
}

/// Searches run over segments on a pool of one thread per core (at most 4): a query matching most
/// of a 300,000-trajectory database collects its facets on both cores of a small machine.
fn search_threads(index: &mut tantivy::Index) -> tantivy::Result<()> {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    if n > 1 {
        index.set_multithread_executor(n)?;
    }
    Ok(())
}

impl Index {
    /// Opens the index in `dir` for reading: the index, its schema and a reader over every
    /// segment. Fails (with a reason) on a missing, foreign-schema or damaged index; creates
    /// nothing.
    pub fn open(dir: &Path) -> Result<Index, String> {
        let (schema, fields) = schema();
        if !dir.join("meta.json").is_file() {
            return Err("missing".into());
        }
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| e.to_string())?;
        let mut index = tantivy::Index::open(ReadableDir(mmap)).map_err(|e| e.to_string())?;
        search_threads(&mut index).map_err(|e| e.to_string())?;
        let chunk_ref_fast = if index.schema() == schema {
            true
        } else if index.schema() == schema_with(false).0 {
            false
        } else {
            return Err("it was written by another version of trawl".into());
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: tantivy::TantivyError| e.to_string())?;
        let loaded_opstamp = index.load_metas().map_err(|e| e.to_string())?.opstamp;
        Ok(Index { index, reader, fields, writer: None, db_id: None, loaded_opstamp, chunk_ref_fast })
    }

    /// Creates an empty index in `dir`, first removing the files of whatever index was there
    /// (the caller holds the writer lock).
    pub fn create(dir: &Path) -> Result<Index, StoreError> {
        Index::create_with(dir, true)
    }

    /// [`Index::create`]; with `chunk_ref_fast` false, in the schema of indexes written before
    /// `chunk_ref` was a fast field (which are still opened: tests use this to make one).
    pub fn create_with(dir: &Path, chunk_ref_fast: bool) -> Result<Index, StoreError> {
        let io = |e| StoreError::Io { path: dir.display().to_string(), source: e };
        std::fs::create_dir_all(dir).map_err(io)?;
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_tantivy_file(&name) && entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
                std::fs::remove_file(entry.path()).map_err(io)?;
            }
        }
        let (schema, fields) = schema_with(chunk_ref_fast);
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| StoreError::Io {
            path: dir.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let mut index = tantivy::Index::create(ReadableDir(mmap), schema, tantivy::IndexSettings::default())?;
        search_threads(&mut index)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let loaded_opstamp = index.load_metas()?.opstamp;
        Ok(Index { index, reader, fields, writer: None, db_id: None, loaded_opstamp, chunk_ref_fast })
    }

    /// The writer, created on first use (it takes tantivy's own lock; the caller holds ours).
    pub fn writer(&mut self) -> Result<&mut IndexWriter, StoreError> {
        if self.writer.is_none() {
            let w = self.index.writer_with_num_threads(WRITER_THREADS, WRITER_BUDGET)?;
            w.set_merge_policy(Box::new(crate::merges::BoundedMerges::default()));
            self.writer = Some(w);
        }
        Ok(self.writer.as_mut().expect("writer just set"))
    }

    /// What the last commit recorded (read from the folder, so it sees other processes' commits).
    pub fn payload(&self) -> Result<Payload, StoreError> {
        let metas = self.index.load_metas()?;
        Ok(Payload::parse(metas.payload.as_deref()))
    }

    /// The sequence number the last commit covers.
    pub fn committed_seq(&self) -> Result<i64, StoreError> {
        Ok(self.payload()?.seq)
    }

    /// Trajectory documents the reader sees.
    pub fn trajectory_docs(&self) -> Result<u64, StoreError> {
        let kind = Term::from_field_u64(self.fields.kind, KIND_TRAJECTORY);
        let q = tantivy::query::TermQuery::new(kind, IndexRecordOption::Basic);
        Ok(self.reader.searcher().search(&q, &tantivy::collector::Count)? as u64)
    }

    /// Reloads the reader when the index has a newer commit than the one it shows (another
    /// process committed); returns whether it did.
    pub fn reload_if_changed(&mut self) -> Result<bool, StoreError> {
        let opstamp = self.index.load_metas()?.opstamp;
        if opstamp == self.loaded_opstamp {
            return Ok(false);
        }
        self.reader.reload()?;
        self.loaded_opstamp = opstamp;
        Ok(true)
    }

    /// Commits everything added so far, recording that changes up to `seq` are indexed and which
    /// database they come from, and reloads the reader.
    pub fn commit(&mut self, seq: i64) -> Result<(), StoreError> {
        let payload = match &self.db_id {
            Some(id) => format!("seq:{seq} db:{id}"),
            None => format!("seq:{seq}"),
        };
        let w = self.writer()?;
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&payload);
        let opstamp = prepared.commit()?;
        self.reader.reload()?;
        self.loaded_opstamp = opstamp;
        Ok(())
    }

    /// Drops the documents added since the last commit (their rows did not commit).
    pub fn rollback(&mut self) -> Result<(), StoreError> {
        if let Some(w) = self.writer.as_mut() {
            w.rollback()?;
        }
        Ok(())
    }

    /// Waits for background merges and releases tantivy's writer lock.
    pub fn close_writer(&mut self) -> Result<(), StoreError> {
        if let Some(w) = self.writer.take() {
            w.wait_merging_threads()?;
        }
        Ok(())
    }
}

/// The per-row values that go into a document besides the text.
pub struct DocRow<'a> {
    /// Row id.
    pub id: i64,
    /// Stable id.
    pub uid: &'a str,
    /// Dictionary ids.
    pub repo: u64,
    /// Dataset dictionary id.
    pub dataset: u64,
    /// Format dictionary id.
    pub format: u64,
    /// Model dictionary id.
    pub model: u64,
    /// Effective resolved.
    pub resolved: Option<bool>,
}

/// Encodes resolved for the index: 0 false, 1 true, 2 unknown.
pub fn resolved_code(r: Option<bool>) -> u64 {
    match r {
        Some(false) => 0,
        Some(true) => 1,
        None => 2,
    }
}

/// The key of a long text in the index (63 bits, so it fits SQLite's INTEGER).
pub fn chunk_key(text: &str) -> u64 {
    let h = blake3::hash(text.as_bytes());
    u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes")) >> 1
}

/// Builds the document of one trajectory (and the chunk documents it is the first to share).
///
/// Texts shorter than [`CHUNK_MIN`] are indexed inline. A long text is indexed inline by the
/// first trajectory that contains it (its owner, recorded in the `chunks` table); when another
/// trajectory contains it too, it becomes a chunk document, and every later trajectory refers to
/// it by key instead of indexing it again. `keys` are the chunk keys of the long pieces in order,
/// when the caller computed them already (ingest workers do). Runs inside the caller's
/// transaction: the `chunks` rows commit together with the trajectory rows.
pub fn build_doc(
    conn: &rusqlite::Connection,
    f: &Fields,
    row: &DocRow<'_>,
    t: &Trajectory,
    facts: &Facts,
    seq: i64,
    keys: Option<&[u64]>,
) -> Result<(TantivyDocument, Vec<TantivyDocument>), StoreError> {
    let mut d = TantivyDocument::default();
    let mut chunk_docs = Vec::new();
    let mut lookup = conn.prepare_cached("SELECT owner, state FROM chunks WHERE hash = ?1")?;
    let mut insert = conn.prepare_cached("INSERT INTO chunks (hash, owner, state) VALUES (?1, ?2, 0)")?;
    let mut promote = conn.prepare_cached("UPDATE chunks SET state = 1, seq = ?2 WHERE hash = ?1")?;
    let mut long_index = 0;
    for piece in text_pieces(t) {
        let piece: &str = &piece;
        if piece.len() < CHUNK_MIN {
            d.add_text(f.text, piece);
            continue;
        }
        let key = keys.and_then(|k| k.get(long_index).copied()).unwrap_or_else(|| chunk_key(piece));
        long_index += 1;
        let found: Option<(i64, i64)> =
            rusqlite::OptionalExtension::optional(lookup.query_row([key as i64], |r| Ok((r.get(0)?, r.get(1)?))))?;
        match found {
            None => {
                insert.execute(rusqlite::params![key as i64, row.id])?;
                d.add_text(f.text, piece);
            }
            Some((owner, _)) if owner == row.id => d.add_text(f.text, piece),
            Some((_, 0)) => {
                promote.execute(rusqlite::params![key as i64, seq])?;
                chunk_docs.push(chunk_doc(f, key, piece));
                d.add_u64(f.chunk_ref, key);
            }
            Some(_) => d.add_u64(f.chunk_ref, key),
        }
    }
    add_keyed_fields(&mut d, f, row, t.instance_id.as_deref(), facts);
    Ok((d, chunk_docs))
}

pub(crate) fn chunk_doc(f: &Fields, key: u64, text: &str) -> TantivyDocument {
    let mut d = TantivyDocument::default();
    d.add_u64(f.kind, KIND_CHUNK);
    d.add_u64(f.chunk, key);
    d.add_text(f.text, text);
    d
}

/// The chunk keys of a trajectory's long pieces, in the order [`build_doc`] meets them.
pub fn long_piece_keys(t: &Trajectory) -> Vec<u64> {
    text_pieces(t).iter().filter(|p| p.len() >= CHUNK_MIN).map(|p| chunk_key(p)).collect()
}

/// Adds everything but the text to a document: our ids, dictionary ids, flags, tools and counts.
pub fn add_keyed_fields(d: &mut TantivyDocument, f: &Fields, row: &DocRow<'_>, instance: Option<&str>, facts: &Facts) {
    d.add_u64(f.kind, KIND_TRAJECTORY);
    d.add_u64(f.id, row.id as u64);
    d.add_text(f.uid, row.uid);
    d.add_u64(f.repo, row.repo);
    d.add_u64(f.dataset, row.dataset);
    d.add_u64(f.format, row.format);
    d.add_u64(f.model, row.model);
    d.add_u64(f.resolved, resolved_code(row.resolved));
    d.add_u64(f.flags, u64::from(facts.flags.0));
    d.add_u64(f.steps, facts.steps);
    d.add_u64(f.patch_files, facts.patch.files.len() as u64);
    d.add_u64(f.patch_lines, facts.patch.added + facts.patch.removed);
    if let Some(inst) = instance {
        d.add_text(f.instance, inst);
    }
    for flag in facts.flags.iter() {
        d.add_u64(f.flag, flag as u64);
    }
    for tool in facts.tool_counts.keys() {
        d.add_text(f.tool, tool);
    }
}

/// Every distinct text piece of a trajectory that is indexed: the problem
/// statement, step texts, thoughts, tool-call arguments, observations and the patch. Identical
/// pieces within one trajectory are indexed once; pieces are capped at `MAX_PIECE_BYTES`.
pub fn text_pieces(t: &Trajectory) -> Vec<Cow<'_, str>> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut owned: Vec<String> = Vec::new();
    if let Some(p) = &t.problem_statement {
        pieces.push(p);
    }
    for step in &t.steps {
        pieces.push(&step.text);
        if let Some(th) = &step.thought {
            pieces.push(th);
        }
        for call in &step.tool_calls {
            match &call.arguments {
                serde_json::Value::Object(map) => pieces.extend(map.values().filter_map(|v| v.as_str())),
                serde_json::Value::String(s) => pieces.push(s),
                serde_json::Value::Null => {}
                other => owned.push(other.to_string()),
            }
            if let Some(o) = &call.observation {
                pieces.push(o);
            }
        }
        if step.tool_calls.is_empty() {
            if let Some(o) = &step.observation {
                pieces.push(o);
            }
        }
    }
    if let Some(p) = &t.patch {
        pieces.push(p);
    }
    if let Some(e) = &t.outcome.error {
        pieces.push(e);
    }
    if let Some(e) = &t.outcome.exit_status {
        pieces.push(e);
    }
    let mut seen: FxHashSet<&str> = FxHashSet::with_capacity_and_hasher(pieces.len(), Default::default());
    let mut out: Vec<Cow<'_, str>> =
        pieces.into_iter().map(cap).filter(|p| !p.trim().is_empty() && seen.insert(p)).map(Cow::Borrowed).collect();
    // Non-string argument values (numbers, arrays) are indexed as their JSON text.
    out.extend(owned.into_iter().filter(|o| !o.trim().is_empty()).map(|o| Cow::Owned(cap(&o).to_string())));
    out
}

fn cap(s: &str) -> &str {
    if s.len() <= MAX_PIECE_BYTES {
        return s;
    }
    let mut end = MAX_PIECE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Deletes a row's document (before re-adding it).
pub fn delete_row(index: &mut Index, id: i64) -> Result<(), StoreError> {
    let field = index.fields.id;
    index.writer()?.delete_term(Term::from_field_u64(field, id as u64));
    Ok(())
}

/// The change sequence SQLite has reached.
pub fn db_seq(conn: &rusqlite::Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key='seq'", [], |r| r.get(0))?)
}
