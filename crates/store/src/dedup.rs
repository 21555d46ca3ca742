//! Duplicate detection over stored trajectories: the dedup keys of each trajectory (hashes of its
//! normalized patch and text, the MinHash signature of its patch), computed from the stored
//! record on first use and cached in `dedup_keys` (derived data), and the duplicate groups of a
//! set of trajectories.
//!
//! The algorithms are in `trawl_core::dedup`; this module reads records through `records` (in
//! parallel, one SQLite connection per worker) and keeps the cache.
//!
//! Patch keys (the patch hash and the signature) need only the patch: for the chat-family formats
//! it is read from the record's skeleton (its bytes with the long texts left compressed, see
//! `segments::decode_skeleton`) plus the blob of the patch itself, without normalizing the
//! record. The text hash needs the whole normalized trajectory and is computed only when
//! exact-text dedup asks for it; until then its cached value is an empty blob.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use trawl_core::dedup::{self as algo, MinHasher, ALGO_VERSION};

use crate::records::{blob_cached, load_traj_cached, par_map, BlobCache};
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
    /// blake3 of the normalized text; `None` unless the mode asked for it ([`Mode::ExactText`]).
    pub text_hash: Option<[u8; 32]>,
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

/// The patch and text keys of one stored trajectory, from its whole normalized record.
fn compute_full(conn: &Connection, id: i64, hasher: &MinHasher, cache: &mut BlobCache) -> Result<Keys, StoreError> {
    let (_, t) = load_traj_cached(conn, id, cache)?;
    let (patch_hash, signature) = patch_keys(t.patch.as_deref(), hasher);
    let text_hash = Some(*blake3::hash(algo::normalize_text(&t).as_bytes()).as_bytes());
    Ok(Keys { patch_hash, text_hash, signature })
}

fn patch_keys(patch: Option<&str>, hasher: &MinHasher) -> (Option<[u8; 32]>, Option<Vec<u32>>) {
    let norm_patch = patch.map(algo::normalize_patch).unwrap_or_default();
    let patch_hash = (!norm_patch.is_empty()).then(|| *blake3::hash(norm_patch.as_bytes()).as_bytes());
    (patch_hash, hasher.signature(&norm_patch))
}

/// The patch keys of one stored trajectory (no text hash): from its envelope when the format
/// allows, else from the whole normalized record.
fn compute_patch(conn: &Connection, id: i64, hasher: &MinHasher, cache: &mut BlobCache) -> Result<Keys, StoreError> {
    let patch = match envelope_patch(conn, id, cache)? {
        Some(p) => p,
        None => load_traj_cached(conn, id, cache)?.1.patch,
    };
    let (patch_hash, signature) = patch_keys(patch.as_deref(), hasher);
    Ok(Keys { patch_hash, text_hash: None, signature })
}

/// A record's patch read from its skeleton (`Some(None)`: it has none), or `None` when that
/// cannot be done exactly (a format that keeps its patch elsewhere, an ambiguous skeleton).
fn envelope_patch(conn: &Connection, id: i64, cache: &mut BlobCache) -> Result<Option<Option<String>>, StoreError> {
    let (uid, format, encoded): (String, String, Vec<u8>) = conn
        .prepare_cached("SELECT uid, format, raw FROM trajectories WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
    let Some(format) = trawl_core::Format::from_name(&format) else { return Ok(None) };
    // Only the chat family reads its patch from the envelope.
    if trawl_core::formats::envelope_patch(&serde_json::Value::Object(Default::default()), format).is_none() {
        return Ok(None);
    }
    let damaged = |e: std::io::Error| StoreError::Damaged { id: uid.clone(), reason: e.to_string() };
    let Some((skeleton, blobs)) = crate::segments::decode_skeleton(&encoded).map_err(damaged)? else {
        return Ok(None);
    };
    let Ok(serde_json::Value::Object(mut obj)) = serde_json::from_slice::<serde_json::Value>(&skeleton) else {
        return Ok(None);
    };
    // Put the real texts back into the fields the patch is read from.
    let mut blob_stmt = conn.prepare_cached("SELECT data FROM blobs WHERE hash = ?1")?;
    for key in trawl_core::formats::envelope_patch_keys() {
        if let Some(v) = obj.get_mut(key) {
            let mut fetch = |i: usize| -> Result<Option<String>, StoreError> {
                let Some(hash) = blobs.get(i) else { return Ok(None) };
                let mut quoted = vec![b'"'];
                blob_cached(&mut blob_stmt, hash, cache, &mut quoted).map_err(damaged)?;
                quoted.push(b'"');
                Ok(serde_json::from_slice::<String>(&quoted).ok())
            };
            if !fill_placeholders(v, &mut fetch)? {
                return Ok(None);
            }
        }
    }
    Ok(trawl_core::formats::envelope_patch(&serde_json::Value::Object(obj), format))
}

/// Replaces every placeholder string in `v` by its text; false when that cannot be done (a key
/// that is a placeholder, a blob that is missing or not a JSON string).
fn fill_placeholders(
    v: &mut serde_json::Value,
    fetch: &mut impl FnMut(usize) -> Result<Option<String>, StoreError>,
) -> Result<bool, StoreError> {
    match v {
        serde_json::Value::String(s) => {
            if let Some(i) = placeholder_index(s) {
                match fetch(i)? {
                    Some(text) => *s = text,
                    None => return Ok(false),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                if !fill_placeholders(item, fetch)? {
                    return Ok(false);
                }
            }
        }
        serde_json::Value::Object(m) => {
            if m.keys().any(|k| placeholder_index(k).is_some()) {
                return Ok(false);
            }
            for item in m.values_mut() {
                if !fill_placeholders(item, fetch)? {
                    return Ok(false);
                }
            }
        }
        _ => {}
    }
    Ok(true)
}

fn placeholder_index(s: &str) -> Option<usize> {
    let rest = s.strip_prefix("\u{1}\u{2}")?;
    let i: usize = rest.parse().ok()?;
    (crate::segments::skeleton_placeholder(i) == s).then_some(i)
}

/// The keys of each id, in order: read from the cache, computed (in parallel) and cached when
/// missing or made by another version of the rules. The text hash is computed (and returned)
/// only for [`Mode::ExactText`].
pub fn keys_for(store: &Store, ids: &[i64], mode: Mode) -> Result<Vec<Keys>, StoreError> {
    let need_text = mode == Mode::ExactText;
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
                // An empty text hash: not computed yet.
                let text_hash = hash32(Some(t));
                if need_text && text_hash.is_none() {
                    return None;
                }
                Some(Keys { patch_hash: hash32(p), text_hash, signature: s.map(|b| sig_from_bytes(&b)) })
            }));
        }
    }
    let missing: Vec<i64> = ids.iter().zip(&out).filter(|(_, k)| k.is_none()).map(|(id, _)| *id).collect();
    if !missing.is_empty() {
        let hasher = MinHasher::new();
        let computed = par_map(&store.db_path, &missing, |conn, id, cache| {
            if need_text {
                compute_full(conn, id, &hasher, cache)
            } else {
                compute_patch(conn, id, &hasher, cache)
            }
        })?;
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
                    k.text_hash.map(|h| h.to_vec()).unwrap_or_default(),
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

/// Drops every cached dedup key (derived data: the next dedup computes them again). Returns how
/// many trajectories had keys.
pub fn clear_cache(store: &Store) -> Result<u64, StoreError> {
    Ok(store.conn.execute("DELETE FROM dedup_keys", [])? as u64)
}

/// Duplicate groups among `ids` (each group sorted as in `ids`, at least two members, groups
/// ordered by their first member's position). Positions index into `ids`.
pub fn groups(keys: &[Keys], mode: Mode) -> Vec<Vec<usize>> {
    match mode {
        Mode::ExactPatch | Mode::ExactText => {
            let mut by: HashMap<[u8; 32], Vec<usize>> = HashMap::new();
            for (i, k) in keys.iter().enumerate() {
                let h = if mode == Mode::ExactPatch { k.patch_hash } else { k.text_hash };
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
    let keys = keys_for(store, ids, mode)?;
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
