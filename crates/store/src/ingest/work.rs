//! The worker threads: parse and recognise each record, derive its facts, cut its
//! content-addressed blobs and note its index chunk keys, ready for the writer.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use trawl_core::framing;
use trawl_core::{Diagnostic, Recognized};

use super::parquet::{self, GroupTask};
use super::{Batch, Pace, Processed, RawRecord, ReadyTrajectory, PENDING_BYTES};
use crate::{index, segments};

/// Per-worker memory of blob hashes whose data this worker already sent in an earlier (or the
/// current) batch. Batches a worker takes are in increasing order, so a reference to a hash in
/// this set is always written after (or with) the blob's data.
struct SentBlobs {
    hashes: rustc_hash::FxHashSet<u128>,
    /// The worker's compressor, reused for every record and blob.
    compressor: segments::Compressor,
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
pub(super) fn work(
    rx: Arc<Mutex<Receiver<Batch>>>,
    tx: SyncSender<Processed>,
    meta: Arc<Vec<(String, String)>>,
    fields: index::Fields,
    pace: &Pace,
    cancel: &AtomicBool,
) {
    let mut sent = SentBlobs { hashes: Default::default(), compressor: segments::Compressor::default() };
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
        if let Some(task) = &batch.group {
            let ctx = Ctx { display, file_name, fields: &fields, pace, cancel };
            if !work_group(task, batch.seq, batch.file, &ctx, &tx, &mut sent) {
                return;
            }
            continue;
        }
        let mut p = Processed {
            seq: batch.seq,
            sub: 0,
            last: true,
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
            source_sha256: batch.source_sha256,
        };
        for rec in batch.records {
            p.records += 1;
            p.bytes += rec.bytes.len() as u64;
            process_record(rec, display, file_name, None, &mut p, &mut sent, &fields);
        }
        pace.pending_bytes.fetch_add(p.bytes, Ordering::SeqCst);
        if tx.send(p).is_err() {
            return;
        }
    }
}

/// What a worker needs to process a row group's pieces.
struct Ctx<'a> {
    display: &'a str,
    file_name: &'a str,
    fields: &'a index::Fields,
    pace: &'a Pace,
    cancel: &'a AtomicBool,
}

/// Decodes a Parquet row group and processes it piece by piece, each piece one batch for the
/// writer (`seq`, piece number). A worker ahead of the writer waits while too much processed
/// input is not yet written. Returns false when the ingest is ending.
fn work_group(
    task: &GroupTask,
    seq: u64,
    file: usize,
    ctx: &Ctx<'_>,
    tx: &SyncSender<Processed>,
    sent: &mut SentBlobs,
) -> bool {
    let mut sub = 0u32;
    parquet::decode_group(task, ctx.display, |piece| {
        while ctx.pace.pending_bytes.load(Ordering::SeqCst) > PENDING_BYTES
            && ctx.pace.next_seq.load(Ordering::SeqCst) < seq
        {
            if ctx.cancel.load(Ordering::SeqCst) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let mut p = Processed {
            seq,
            sub,
            last: piece.last,
            file,
            trajectories: Vec::new(),
            outcomes: Vec::new(),
            diagnostics: piece.diagnostics,
            records: piece.lost,
            reports: 0,
            rejected: piece.lost,
            bytes: 0,
            end_offset: piece.end_row,
            end_line: piece.end_row,
            file_done: false,
            disk_bytes: piece.disk_bytes,
            source_sha256: None,
        };
        sub += 1;
        for (rec, value) in piece.records {
            p.records += 1;
            p.bytes += rec.bytes.len() as u64;
            match value {
                // Straight from Arrow: the value the line would parse to.
                Some(value) => process_value(rec, value, ctx.display, ctx.file_name, None, &mut p, sent, ctx.fields),
                None => process_record(rec, ctx.display, ctx.file_name, None, &mut p, sent, ctx.fields),
            }
        }
        ctx.pace.pending_bytes.fetch_add(p.bytes, Ordering::SeqCst);
        tx.send(p).is_ok()
    })
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
    process_value(rec, value, display, file_name, element, p, sent, fields);
}

/// [`process_record`] past parsing: `value` is what `rec.bytes` parse to.
#[allow(clippy::too_many_arguments)]
fn process_value(
    rec: RawRecord,
    value: serde_json::Value,
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
            // A Trawl export row keeps the id it had (its stored original is the row as read);
            // every other record's id is the hash of its bytes.
            let (uid, labels) = match recognition.carried {
                Some(c) => (c.uid, c.labels),
                None => (framing::record_id(&rec.bytes), Vec::new()),
            };
            let (encoded, cut) = segments::encode(&rec.bytes, &mut sent.compressor);
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
                labels,
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
