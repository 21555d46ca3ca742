//! Reading stored records back: rebuilding a record's original bytes from its segments and
//! blobs, re-normalizing it, and the worker pool (one read-only connection and blob cache each)
//! that show, dedup, check and export read many records through.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use trawl_core::{Recognized, Trajectory};

use crate::StoreError;

/// Rebuilds the original bytes of a row's record.
pub fn raw_bytes(conn: &Connection, id: i64, uid: &str, encoded: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut blob_stmt = conn.prepare_cached("SELECT data FROM blobs WHERE hash = ?1")?;
    let mut out = Vec::new();
    crate::segments::decode_into(encoded, &mut out, |hash, out| blob_into(&mut blob_stmt, hash, out)).map_err(|e| {
        StoreError::Damaged { id: if uid.is_empty() { id.to_string() } else { uid.to_string() }, reason: e.to_string() }
    })?;
    Ok(out)
}

/// Re-normalizes a stored record (its original bytes) read from `path`.
pub fn normalize_record(raw: &[u8], path: &str) -> Result<Trajectory, String> {
    // Stored records passed framing's checks (UTF-8, not binary) when they were ingested.
    // An escaped lone surrogate reads as U+FFFD, as it did at ingest.
    let (value, _) = trawl_core::framing::parse_lenient(raw)?;
    let file_name =
        std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match trawl_core::formats::recognize(value, &file_name)?.recognized {
        Recognized::Trajectory(t) => Ok(*t),
        _ => Err("stored record is not a trajectory".into()),
    }
}

/// A row's original record bytes and its source path, without normalizing it.
pub fn raw_of_row(conn: &Connection, id: i64) -> Result<(Vec<u8>, String), StoreError> {
    let (uid, path, encoded): (String, String, Vec<u8>) = conn
        .prepare_cached(
            "SELECT t.uid, s.path, t.raw FROM trajectories t JOIN sources s ON s.id = t.source_id WHERE t.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    Ok((raw_bytes(conn, id, &uid, &encoded)?, path))
}

/// How much of the database a worker's connection reads through a memory map (none: see
/// `reader_connection`).
const READER_MMAP_BYTES: i64 = 0;

/// A read-only connection to the database for a worker thread.
pub(crate) fn reader_connection(db_path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    // No memory map: mapped pages a worker touches count in the process's resident memory until
    // the connection closes, so an export of 100k records from a 300k database mapped 12.6 GB
    // (peak RSS 12,584 MiB, dedup 7,074 MiB; benches/full_size.py). SQLite reads pages with
    // pread into its bounded page cache instead.
    conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES)?;
    Ok(conn)
}

/// Worker threads for record-reading work.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8)
}

/// Runs `f` over every id on worker threads (each with its own read-only connection), returning
/// the results in the order of `ids`. The first error wins.
pub(crate) fn par_map<T: Send>(
    db_path: &Path,
    ids: &[i64],
    f: impl Fn(&Connection, i64, &mut BlobCache) -> Result<T, StoreError> + Sync,
) -> Result<Vec<T>, StoreError> {
    const CHUNK: usize = 64;
    let chunks: Vec<&[i64]> = ids.chunks(CHUNK).collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Vec<T>>>> = Mutex::new((0..chunks.len()).map(|_| None).collect());
    let error: Mutex<Option<StoreError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..workers().min(chunks.len().max(1)) {
            s.spawn(|| {
                let conn = match reader_connection(db_path) {
                    Ok(c) => c,
                    Err(e) => {
                        error.lock().expect("lock").get_or_insert(e);
                        return;
                    }
                };
                let mut cache = BlobCache::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= chunks.len() || error.lock().expect("lock").is_some() {
                        return;
                    }
                    let out: Result<Vec<T>, StoreError> =
                        chunks[i].iter().map(|&id| f(&conn, id, &mut cache)).collect();
                    match out {
                        Ok(v) => results.lock().expect("lock")[i] = Some(v),
                        Err(e) => {
                            error.lock().expect("lock").get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().expect("lock") {
        return Err(e);
    }
    Ok(results.into_inner().expect("lock").into_iter().flat_map(|v| v.unwrap_or_default()).collect())
}

/// Decompressed blobs of a worker, shared by the records it rebuilds (the system prompt of every
/// row, files viewed in many rows). A blob is kept from the second time it is asked for, so the
/// many blobs that only one record holds are decompressed straight into that record and never
/// copied or evicted. Cleared when it holds more than `BLOB_CACHE_BYTES`. It also lends out the
/// buffer records are rebuilt into (see [`BlobCache::recycle`]).
#[derive(Default)]
pub(crate) struct BlobCache {
    map: HashMap<[u8; 32], std::sync::Arc<[u8]>>,
    bytes: usize,
    /// Blobs asked for once (by the first 16 bytes of their hash).
    seen: rustc_hash::FxHashSet<u128>,
    /// A rebuilt record's buffer handed back, reused for the next record.
    spare: Vec<u8>,
}

const BLOB_CACHE_BYTES: usize = 128 << 20;
const BLOB_SEEN_MAX: usize = 4_000_000;

impl BlobCache {
    /// Hands a record's buffer (`CachedRow::raw`) back, so that the next record is rebuilt into
    /// it without allocating.
    pub(crate) fn recycle(&mut self, raw: Vec<u8>) {
        if raw.capacity() > self.spare.capacity() {
            self.spare = raw;
        }
    }
}

/// A stored row rebuilt through a blob cache.
pub(crate) struct CachedRow {
    pub(crate) uid: String,
    pub(crate) path: String,
    pub(crate) raw: Vec<u8>,
    pub(crate) resolved: Option<bool>,
    pub(crate) flags: u32,
    /// The source format's name (`nv-swe-zero`, …).
    pub(crate) format: String,
    /// The envelope columns as the adapter normalized them at ingest.
    pub(crate) instance_id: Option<String>,
    pub(crate) repo: Option<String>,
    pub(crate) license: Option<String>,
    pub(crate) trajectory_id: Option<String>,
    pub(crate) dataset: Option<String>,
}

/// Rebuilds a row's original record, fetching blobs through the cache.
pub(crate) fn load_raw_cached(conn: &Connection, id: i64, cache: &mut BlobCache) -> Result<CachedRow, StoreError> {
    let (mut row, encoded) = conn
        .prepare_cached(
            "SELECT t.uid, s.path, t.raw, t.resolved, t.flags, t.format, t.instance_id, t.repo, t.license,
                    t.trajectory_id, t.dataset
             FROM trajectories t JOIN sources s ON s.id = t.source_id WHERE t.id = ?1",
        )?
        .query_row([id], |r| {
            let row = CachedRow {
                uid: r.get(0)?,
                path: r.get(1)?,
                raw: Vec::new(),
                resolved: r.get(3)?,
                flags: r.get::<_, i64>(4)? as u32,
                format: r.get(5)?,
                instance_id: r.get(6)?,
                repo: r.get(7)?,
                license: r.get(8)?,
                trajectory_id: r.get(9)?,
                dataset: r.get(10)?,
            };
            Ok((row, r.get::<_, Vec<u8>>(2)?))
        })
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    let mut blob_stmt = conn.prepare_cached("SELECT data FROM blobs WHERE hash = ?1")?;
    row.raw = std::mem::take(&mut cache.spare);
    crate::segments::decode_into(&encoded, &mut row.raw, |hash, out| blob_cached(&mut blob_stmt, hash, cache, out))
        .map_err(|e| StoreError::Damaged { id: row.uid.clone(), reason: e.to_string() })?;
    Ok(row)
}

/// Rebuilds and normalizes a row through the cache (`show::load_row_conn` with shared blobs).
pub(crate) fn load_traj_cached(
    conn: &Connection,
    id: i64,
    cache: &mut BlobCache,
) -> Result<(CachedRow, trawl_core::Trajectory), StoreError> {
    let row = load_raw_cached(conn, id, cache)?;
    let mut t =
        normalize_record(&row.raw, &row.path).map_err(|reason| StoreError::Damaged { id: row.uid.clone(), reason })?;
    t.outcome.resolved = row.resolved;
    Ok((row, t))
}

/// Appends a stored blob's decompressed bytes to `out` (`stmt`: `SELECT data FROM blobs WHERE
/// hash = ?1`), reading the compressed bytes in place.
pub(crate) fn blob_into(
    stmt: &mut rusqlite::CachedStatement<'_>,
    hash: &[u8; 32],
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    stmt.query_row([&hash[..]], |r| Ok(crate::segments::decompress_blob_into(r.get_ref(0)?.as_blob()?, out)))
        .map_err(|e| std::io::Error::other(format!("missing blob: {e}")))?
}

/// Appends a blob's bytes to `out`: from the cache, or decompressed from the database (and kept
/// when this is the second time it is asked for).
pub(crate) fn blob_cached(
    stmt: &mut rusqlite::CachedStatement<'_>,
    hash: &[u8; 32],
    cache: &mut BlobCache,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    if let Some(b) = cache.map.get(hash) {
        out.extend_from_slice(b);
        return Ok(());
    }
    let start = out.len();
    blob_into(stmt, hash, out)?;
    if cache.seen.len() >= BLOB_SEEN_MAX {
        cache.seen.clear();
    }
    if cache.seen.insert(u128::from_le_bytes(hash[..16].try_into().expect("16 bytes"))) {
        return Ok(());
    }
    let plain: std::sync::Arc<[u8]> = out[start..].into();
    if cache.bytes + plain.len() > BLOB_CACHE_BYTES {
        cache.map.clear();
        cache.bytes = 0;
    }
    cache.bytes += plain.len();
    cache.map.insert(*hash, plain);
    Ok(())
}
