//! The tantivy index: schema, documents built from trajectories, and keeping the index in step
//! with SQLite.
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

use crate::{Store, StoreError};

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
    /// A reader that reloads on commit.
    pub reader: IndexReader,
    /// The fields.
    pub fields: Fields,
    writer: Option<IndexWriter>,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
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
        chunk_ref: b.add_u64_field("chunk_ref", NumericOptions::default().set_indexed()),
    };
    (b.build(), fields)
}

impl Index {
    /// Opens the index in `dir`, creating it when missing. An index whose schema differs from this
    /// binary's (an older trawl) is deleted and rebuilt from SQLite on the next catch-up.
    pub fn open_or_create(dir: &Path) -> Result<Index, StoreError> {
        let (schema, fields) = schema();
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io { path: dir.display().to_string(), source: e })?;
        let mmap = tantivy::directory::MmapDirectory::open(dir).map_err(|e| StoreError::Io {
            path: dir.display().to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let index = match tantivy::Index::open_or_create(mmap, schema.clone()) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(dir).ok();
                std::fs::create_dir_all(dir).ok();
                tantivy::Index::create_in_dir(dir, schema)?
            }
            Err(e) => return Err(e.into()),
        };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Index { index, reader, fields, writer: None })
    }

    /// The writer, created on first use (it takes the index lock).
    pub fn writer(&mut self) -> Result<&mut IndexWriter, StoreError> {
        if self.writer.is_none() {
            let w = self.index.writer_with_num_threads(WRITER_THREADS, WRITER_BUDGET)?;
            self.writer = Some(w);
        }
        Ok(self.writer.as_mut().expect("writer just set"))
    }

    /// The sequence number the last commit covers.
    pub fn committed_seq(&self) -> Result<i64, StoreError> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.as_deref().and_then(|p| p.strip_prefix("seq:")).and_then(|n| n.parse().ok()).unwrap_or(0))
    }

    /// Commits everything added so far, recording that changes up to `seq` are indexed, and
    /// reloads the reader.
    pub fn commit(&mut self, seq: i64) -> Result<(), StoreError> {
        let w = self.writer()?;
        let mut prepared = w.prepare_commit()?;
        prepared.set_payload(&format!("seq:{seq}"));
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Waits for background merges and releases the writer lock.
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

fn chunk_doc(f: &Fields, key: u64, text: &str) -> TantivyDocument {
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

/// Brings the index up to date with SQLite: (re)indexes every row and every chunk document whose
/// sequence is above the index's committed one. Runs on open; cheap when nothing is pending.
pub fn catch_up(store: &mut Store) -> Result<usize, StoreError> {
    let committed = store.index.committed_seq()?;
    let max_seq = db_seq(&store.conn)?;
    if max_seq <= committed {
        return Ok(0);
    }
    let ids: Vec<i64> = {
        let mut st = store.conn.prepare("SELECT id FROM trajectories WHERE seq > ?1 ORDER BY id")?;
        let rows = st.query_map([committed], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let n = ids.len();
    reindex_rows(store, &ids, max_seq, false)?;
    // Chunk documents created by batches the index had not committed.
    let chunks: Vec<(i64, i64)> = {
        let mut st = store.conn.prepare("SELECT hash, owner FROM chunks WHERE state = 1 AND seq > ?1")?;
        let rows = st.query_map([committed], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (key, owner) in chunks {
        let loaded = crate::show::load_row_conn(&store.conn, owner)?;
        let pieces = text_pieces(&loaded.traj);
        if let Some(piece) = pieces.iter().find(|p| p.len() >= CHUNK_MIN && chunk_key(p) == key as u64) {
            let f = store.index.fields;
            let w = store.index.writer()?;
            w.delete_term(Term::from_field_u64(f.chunk, key as u64));
            w.add_document(chunk_doc(&f, key as u64, piece))?;
        }
    }
    store.index.commit(max_seq)?;
    store.index.close_writer()?;
    Ok(n)
}

/// Rebuilds the documents of the given rows from their stored records (replacing the old ones).
/// With `refresh_derived`, the derived columns and calls of each row are recomputed too.
pub fn reindex_rows(store: &mut Store, ids: &[i64], seq: i64, refresh_derived: bool) -> Result<(), StoreError> {
    for batch in ids.chunks(256) {
        let tx = store.conn.unchecked_transaction()?;
        for &id in batch {
            let loaded = crate::show::load_row_conn(&tx, id)?;
            let t = &loaded.traj;
            let row = DocRow {
                id,
                uid: &loaded.uid,
                repo: crate::ingest::dict_id(&tx, crate::ingest::DICT_REPO, t.repo.as_deref())?,
                dataset: crate::ingest::dict_id(&tx, crate::ingest::DICT_DATASET, t.dataset.as_deref())?,
                format: crate::ingest::dict_id(&tx, crate::ingest::DICT_FORMAT, Some(t.format.as_str()))?,
                model: crate::ingest::dict_id(&tx, crate::ingest::DICT_MODEL, t.model.as_deref())?,
                resolved: loaded.resolved,
            };
            let facts = trawl_core::facts::derive(t);
            if refresh_derived {
                crate::ingest::refresh_derived(&tx, id, t, &facts)?;
            }
            delete_row(&mut store.index, id)?;
            if loaded.joined_to.is_some() {
                // A prediction joined to its trajectory is part of it, not a result of its own.
                continue;
            }
            let (doc, chunk_docs) = build_doc(&tx, &store.index.fields, &row, t, &facts, seq, None)?;
            let w = store.index.writer()?;
            w.add_document(doc)?;
            for c in chunk_docs {
                w.add_document(c)?;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

/// Deletes the whole index and rebuilds it, and the derived facts, from SQLite.
pub fn rebuild(store: &mut Store) -> Result<usize, StoreError> {
    store.index.writer()?.delete_all_documents()?;
    store.conn.execute("DELETE FROM chunks", [])?;
    let ids: Vec<i64> = {
        let mut st = store.conn.prepare("SELECT id FROM trajectories ORDER BY id")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let max_seq = db_seq(&store.conn)?;
    reindex_rows(store, &ids, max_seq, true)?;
    // With the patch keys recomputed, predictions may join differently (rows stored before
    // schema 5 had none): those rows are indexed again.
    let changed = {
        let tx = store.conn.unchecked_transaction()?;
        let seq = crate::next_seq(&tx)?;
        let changed = crate::predictions::relink_all(&tx, seq)?;
        tx.commit()?;
        changed
    };
    let max_seq = db_seq(&store.conn)?;
    reindex_rows(store, &changed, max_seq, false)?;
    store.index.commit(max_seq)?;
    store.index.close_writer()?;
    Ok(ids.len())
}
