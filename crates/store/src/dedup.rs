//! Duplicate detection over stored trajectories: the dedup keys of each trajectory (hashes of its
//! normalized patch and text, the MinHash signature of its patch), computed from the stored
//! record on first use and cached in `dedup_keys` (derived data), and the duplicate groups of a
//! set of trajectories.
//!
//! The algorithms are in `trawl_core::dedup`; this module reads records (in parallel, one SQLite
//! connection per worker) and keeps the cache.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use trawl_core::dedup::{self as algo, MinHasher, ALGO_VERSION};

use crate::{Store, StoreError};

/// What counts as a duplicate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Same normalized patch (trajectories with an empty patch are never duplicates).
    ExactPatch,
    /// Same normalized trajectory text.
    ExactText,
    /// MinHash/LSH estimated Jaccard similarity of patch shingles at least this.
    NearPatch(f64),
}

impl Mode {
    /// The reason shown in funnel stages.
    pub fn reason(self) -> String {
        match self {
            Mode::ExactPatch => "duplicate patch".to_string(),
            Mode::ExactText => "duplicate trajectory text".to_string(),
            Mode::NearPatch(t) => format!("near-duplicate patch (similarity >= {t})"),
        }
    }
}

/// The dedup keys of one trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    /// blake3 of the normalized patch; `None` when the patch is missing or changes nothing.
    pub patch_hash: Option<[u8; 32]>,
    /// blake3 of the normalized text.
    pub text_hash: [u8; 32],
    /// MinHash signature of the normalized patch; `None` when it has no words.
    pub signature: Option<Vec<u32>>,
}

fn sig_to_bytes(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn sig_from_bytes(b: &[u8]) -> Vec<u32> {
    b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn hash32(b: Option<Vec<u8>>) -> Option<[u8; 32]> {
    b.and_then(|v| v.try_into().ok())
}

/// A read-only connection to the database for a worker thread.
pub(crate) fn reader_connection(db_path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        db_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
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
/// row, files viewed in many rows). Cleared when it holds more than `BLOB_CACHE_BYTES`.
#[derive(Default)]
pub(crate) struct BlobCache {
    map: HashMap<[u8; 32], std::sync::Arc<Vec<u8>>>,
    bytes: usize,
}

const BLOB_CACHE_BYTES: usize = 128 << 20;

/// A stored row rebuilt through a blob cache.
pub(crate) struct CachedRow {
    pub(crate) uid: String,
    pub(crate) path: String,
    pub(crate) raw: Vec<u8>,
    pub(crate) resolved: Option<bool>,
    pub(crate) flags: u32,
}

/// Rebuilds a row's original record, fetching blobs through the cache.
pub(crate) fn load_raw_cached(conn: &Connection, id: i64, cache: &mut BlobCache) -> Result<CachedRow, StoreError> {
    let (uid, path, encoded, resolved, flags): (String, String, Vec<u8>, Option<bool>, i64) = conn
        .prepare_cached(
            "SELECT t.uid, s.path, t.raw, t.resolved, t.flags FROM trajectories t JOIN sources s ON s.id = t.source_id
             WHERE t.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    let mut blob_stmt = conn.prepare_cached("SELECT data FROM blobs WHERE hash = ?1")?;
    let raw = crate::segments::decode(&encoded, |hash| {
        if let Some(b) = cache.map.get(hash) {
            return Ok(b.as_ref().clone());
        }
        let data: Vec<u8> = blob_stmt
            .query_row([&hash[..]], |r| r.get(0))
            .map_err(|e| std::io::Error::other(format!("missing blob: {e}")))?;
        let plain = crate::segments::decompress_blob(&data)?;
        if cache.bytes + plain.len() > BLOB_CACHE_BYTES {
            cache.map.clear();
            cache.bytes = 0;
        }
        cache.bytes += plain.len();
        cache.map.insert(*hash, std::sync::Arc::new(plain.clone()));
        Ok(plain)
    })
    .map_err(|e| StoreError::Damaged { id: uid.clone(), reason: e.to_string() })?;
    Ok(CachedRow { uid, path, raw, resolved, flags: flags as u32 })
}

/// Rebuilds and normalizes a row through the cache (`show::load_row_conn` with shared blobs).
pub(crate) fn load_traj_cached(
    conn: &Connection,
    id: i64,
    cache: &mut BlobCache,
) -> Result<(CachedRow, trawl_core::Trajectory), StoreError> {
    let row = load_raw_cached(conn, id, cache)?;
    let mut t = crate::show::normalize_record(&row.raw, &row.path)
        .map_err(|reason| StoreError::Damaged { id: row.uid.clone(), reason })?;
    t.outcome.resolved = row.resolved;
    Ok((row, t))
}

struct Loaded {
    traj: trawl_core::Trajectory,
}

/// Computes the keys of one stored trajectory from its record.
fn compute(conn: &Connection, id: i64, hasher: &MinHasher, cache: &mut BlobCache) -> Result<Keys, StoreError> {
    let (_, traj) = load_traj_cached(conn, id, cache)?;
    let row = Loaded { traj };
    let t = &row.traj;
    let norm_patch = t.patch.as_deref().map(algo::normalize_patch).unwrap_or_default();
    let patch_hash = (!norm_patch.is_empty()).then(|| *blake3::hash(norm_patch.as_bytes()).as_bytes());
    let text_hash = *blake3::hash(algo::normalize_text(t).as_bytes()).as_bytes();
    let signature = hasher.signature(&norm_patch);
    Ok(Keys { patch_hash, text_hash, signature })
}

/// The keys of each id, in order: read from the cache, computed (in parallel) and cached when
/// missing or made by another version of the rules.
pub fn keys_for(store: &Store, ids: &[i64]) -> Result<Vec<Keys>, StoreError> {
    let mut out: Vec<Option<Keys>> = Vec::with_capacity(ids.len());
    {
        let mut st = store
            .conn
            .prepare_cached("SELECT patch_hash, text_hash, signature FROM dedup_keys WHERE traj = ?1 AND algo = ?2")?;
        for &id in ids {
            let k = st
                .query_row(params![id, ALGO_VERSION], |r| {
                    Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<Vec<u8>>>(2)?))
                })
                .optional()?;
            out.push(k.and_then(|(p, t, s)| {
                Some(Keys {
                    patch_hash: hash32(p),
                    text_hash: hash32(Some(t))?,
                    signature: s.map(|b| sig_from_bytes(&b)),
                })
            }));
        }
    }
    let missing: Vec<i64> = ids.iter().zip(&out).filter(|(_, k)| k.is_none()).map(|(id, _)| *id).collect();
    if !missing.is_empty() {
        let hasher = MinHasher::new();
        let computed = par_map(&store.db_path, &missing, |conn, id, cache| compute(conn, id, &hasher, cache))?;
        let tx = store.conn.unchecked_transaction()?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT OR REPLACE INTO dedup_keys (traj, algo, patch_hash, text_hash, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (id, k) in missing.iter().zip(&computed) {
                ins.execute(params![
                    id,
                    ALGO_VERSION,
                    k.patch_hash.map(|h| h.to_vec()),
                    k.text_hash.to_vec(),
                    k.signature.as_deref().map(sig_to_bytes)
                ])?;
            }
        }
        tx.commit()?;
        let mut it = computed.into_iter();
        for slot in out.iter_mut().filter(|k| k.is_none()) {
            *slot = it.next();
        }
    }
    Ok(out.into_iter().map(|k| k.expect("every key filled")).collect())
}

/// Duplicate groups among `ids` (each group sorted as in `ids`, at least two members, groups
/// ordered by their first member's position). Positions index into `ids`.
pub fn groups(keys: &[Keys], mode: Mode) -> Vec<Vec<usize>> {
    match mode {
        Mode::ExactPatch | Mode::ExactText => {
            let mut by: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                let h = if mode == Mode::ExactPatch { k.patch_hash } else { Some(k.text_hash) };
                if let Some(h) = h {
                    by.entry(h).or_default().push(i);
                }
            }
            let mut g: Vec<Vec<usize>> = by.into_values().filter(|v| v.len() > 1).collect();
            g.sort_by_key(|v| v[0]);
            g
        }
        Mode::NearPatch(t) => {
            let sigs: Vec<Option<Vec<u32>>> = keys.iter().map(|k| k.signature.clone()).collect();
            algo::clusters(&sigs, t)
        }
    }
}

/// A cluster in a dedup report, with the row ids of its members.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Row ids, the first is the one a `keep one per cluster` rule keeps by default.
    pub members: Vec<i64>,
    /// Lowest estimated similarity of a member to the first (1.0 for exact modes).
    pub min_similarity: f64,
}

/// The duplicate clusters among `ids` (row ids, in the order given).
pub fn report(store: &Store, ids: &[i64], mode: Mode) -> Result<Vec<Cluster>, StoreError> {
    let keys = keys_for(store, ids)?;
    Ok(groups(&keys, mode)
        .into_iter()
        .map(|g| {
            let min_similarity = match mode {
                Mode::NearPatch(_) => {
                    let first = keys[g[0]].signature.as_deref().unwrap_or(&[]);
                    g[1..]
                        .iter()
                        .map(|&i| algo::similarity(first, keys[i].signature.as_deref().unwrap_or(&[])))
                        .fold(1.0, f64::min)
                }
                _ => 1.0,
            };
            Cluster { members: g.iter().map(|&i| ids[i]).collect(), min_similarity }
        })
        .collect())
}
