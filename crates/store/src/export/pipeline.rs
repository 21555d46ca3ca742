//! The worker pipeline: chunks of records read and converted on worker threads (one read-only
//! connection each), handed to the writer in order.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use arrow_schema::SchemaRef;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory};
use rusqlite::Connection;
use trawl_core::facts::FlagSet;
use trawl_core::Trajectory;

use super::chat::{
    chat_messages, own_nv_record, own_tools, synthesized_tools, Messages, NvRow, RowFields, SftLine, ToolShapes,
};
use super::options::SFT_LINES_BARE;
use super::options::{Format, Options};
use super::parquet::{encode_batch, labels_json_for, parquet_err, NvCols, BATCH_TEXT_BYTES};
use super::redact::{redact_bytes, redact_str, Counts, SECRET_KINDS};
use crate::StoreError;

/// Records per work chunk.
pub(super) const CHUNK: usize = 64;
/// Parquet rows per row group (each row group is one work chunk, encoded on a worker).
pub(super) const ROW_GROUP: usize = 128;

/// A chunk of records of one output file, in output order.
pub(super) struct Job<'a> {
    /// Index of the output file.
    pub(super) split: usize,
    /// Index of the chunk within its file (the Parquet row group index).
    pub(super) index: usize,
    /// Row ids.
    pub(super) ids: &'a [i64],
}

/// Removes whitespace outside JSON strings: the compact form of a JSON value that keeps its key
/// order and number spelling (for records that span several lines in their source).
pub fn compact_json(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut in_str = false;
    let mut esc = false;
    for &b in raw {
        if in_str {
            out.push(b);
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
        } else if b == b'"' {
            in_str = true;
            out.push(b);
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push(b);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Work: one chunk of records converted on a worker.

pub(super) enum Payload {
    Bytes(Vec<u8>),
    /// The encoded column chunks of one whole row group.
    RowGroup(Vec<ArrowColumnChunk>),
}

pub(super) struct ChunkOut {
    pub(super) payload: Payload,
    pub(super) records: u64,
    pub(super) skipped: u64,
    pub(super) redactions: Counts,
}

pub(super) fn convert_chunk(
    conn: &Connection,
    job: &Job<'_>,
    opts: &Options,
    schema: &SchemaRef,
    factory: Option<&ArrowRowGroupWriterFactory>,
    cache: &mut crate::records::BlobCache,
    cols: &mut NvCols,
) -> Result<ChunkOut, StoreError> {
    let ids = job.ids;
    let mut counts: Counts = [0; SECRET_KINDS.len()];
    let mut buf: Vec<u8> = Vec::with_capacity(if opts.format == Format::Parquet { 0 } else { ids.len() * 64 * 1024 });
    let mut parquet = match factory {
        Some(f) => Some((f.create_column_writers(job.index).map_err(parquet_err)?, cols)),
        None => None,
    };
    let mut records = 0;
    let mut skipped = 0;
    for &id in ids {
        match opts.format {
            Format::JsonlOriginal => {
                let raw = crate::records::load_raw_cached(conn, id, cache)?.raw;
                let line: std::borrow::Cow<'_, [u8]> = if memchr::memchr2(b'\n', b'\r', &raw).is_some() {
                    compact_json(&raw).into()
                } else {
                    raw.as_slice().into()
                };
                if opts.redact {
                    buf.extend_from_slice(&redact_bytes(&line, &mut counts));
                } else {
                    buf.extend_from_slice(&line);
                }
                buf.push(b'\n');
                records += 1;
                drop(line);
                cache.recycle(raw);
            }
            Format::SftChat => {
                let (row, traj) = crate::records::load_traj_cached(conn, id, cache)?;
                let mut shapes = ToolShapes::new();
                let messages = chat_messages(&traj, opts.redact.then_some(&mut counts), &mut shapes);
                if !messages.iter().any(|m| m.role == "assistant") {
                    skipped += 1;
                    continue;
                }
                let tools = own_tools(&row.raw).unwrap_or_else(|| synthesized_tools(&shapes));
                let record = if opts.sft_lines == SFT_LINES_BARE {
                    None
                } else {
                    Some(derived_fields(conn, &traj, &row, opts.redact.then_some(&mut counts))?)
                };
                serde_json::to_writer(&mut buf, &SftLine { messages, tools, record }).expect("serializing to memory");
                buf.push(b'\n');
                records += 1;
                cache.recycle(row.raw);
            }
            Format::Parquet => {
                let row = crate::records::load_raw_cached(conn, id, cache)?;
                let mut local: Counts = [0; SECRET_KINDS.len()];
                let own = if row.format == trawl_core::Format::NvSweZero.as_str() {
                    own_nv_record(&row.raw, opts.redact.then_some(&mut local))
                } else {
                    None
                };
                let traj: Trajectory;
                let nv = match own {
                    Some(rec) => NvRow {
                        trajectory: Messages::Own(rec.trajectory),
                        fields: RowFields {
                            instance_id: row.instance_id.as_deref(),
                            repo: row.repo.as_deref(),
                            license: row.license.as_deref(),
                            trajectory_id: row.trajectory_id.as_deref(),
                            model_patch: rec.model_patch,
                            dataset: row.dataset.as_deref(),
                            uid: &row.uid,
                            format: &row.format,
                            resolved: row.resolved,
                            flags: FlagSet(row.flags).iter().map(|f| f.as_str()).collect(),
                            labels: labels_json_for(conn, &row.uid)?,
                        },
                    },
                    None => {
                        traj = crate::show::normalize_record(&row.raw, &row.path)
                            .map_err(|reason| StoreError::Damaged { id: row.uid.clone(), reason })?;
                        let mut shapes = ToolShapes::new();
                        let trajectory = chat_messages(&traj, opts.redact.then_some(&mut local), &mut shapes);
                        let fields = derived_fields(conn, &traj, &row, opts.redact.then_some(&mut local))?;
                        NvRow { trajectory: Messages::Derived(trajectory), fields }
                    }
                };
                for (c, l) in counts.iter_mut().zip(local) {
                    *c += l;
                }
                let (writers, cols) = parquet.as_mut().expect("parquet writers");
                cols.push(&nv)?;
                drop(nv);
                cache.recycle(row.raw);
                if cols.text_bytes() >= BATCH_TEXT_BYTES {
                    encode_batch(writers, schema, &cols.finish(schema)?)?;
                }
                records += 1;
            }
        }
    }
    let payload = match parquet {
        Some((mut writers, cols)) => {
            if cols.rows > 0 {
                encode_batch(&mut writers, schema, &cols.finish(schema)?)?;
            }
            let chunks = writers.into_iter().map(|w| w.close()).collect::<Result<Vec<_>, _>>().map_err(parquet_err)?;
            Payload::RowGroup(chunks)
        }
        None => Payload::Bytes(buf),
    };
    Ok(ChunkOut { payload, records, skipped, redactions: counts })
}

/// A record's fields from its normalized trajectory (the envelope, the patch, redacted when
/// `redact` counts), with its id, outcome, flags and current labels from the database.
fn derived_fields<'a>(
    conn: &Connection,
    t: &'a Trajectory,
    row: &'a crate::records::CachedRow,
    redact: Option<&mut Counts>,
) -> Result<RowFields<'a>, StoreError> {
    Ok(RowFields {
        instance_id: t.instance_id.as_deref(),
        repo: t.repo.as_deref(),
        license: t.license.as_deref(),
        trajectory_id: t.trajectory_id.as_deref(),
        model_patch: t.patch.as_deref().map(|p| match redact {
            Some(counts) => redact_str(p, counts),
            None => p.into(),
        }),
        dataset: t.dataset.as_deref(),
        uid: &row.uid,
        format: t.format.as_str(),
        resolved: row.resolved,
        flags: FlagSet(row.flags).iter().map(|f| f.as_str()).collect(),
        labels: labels_json_for(conn, &row.uid)?,
    })
}

/// Runs the conversion on worker threads and hands each chunk's output, in job order, to `sink`.
pub(super) fn pipeline(
    db_path: &Path,
    jobs: &[Job<'_>],
    opts: &Options,
    schema: &SchemaRef,
    factories: &[ArrowRowGroupWriterFactory],
    mut sink: impl FnMut(usize, ChunkOut) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let workers = crate::records::workers().min(jobs.len());
    // How far workers may run ahead of the writer (bounds memory).
    let window = workers * 4;
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<ChunkOut, StoreError>)>(window);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, written, abort) = (&next, &written, &abort);
            s.spawn(move || {
                let conn = match crate::records::reader_connection(db_path) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send((usize::MAX, Err(e)));
                        return;
                    }
                };
                let mut cache = crate::records::BlobCache::default();
                let mut cols = NvCols::default();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= jobs.len() {
                        return;
                    }
                    while i >= written.load(Ordering::SeqCst) + window {
                        if abort.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    if abort.load(Ordering::SeqCst) {
                        return;
                    }
                    let job = &jobs[i];
                    let out = convert_chunk(&conn, job, opts, schema, factories.get(job.split), &mut cache, &mut cols);
                    if tx.send((i, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: HashMap<usize, ChunkOut> = HashMap::new();
        let mut expected = 0;
        let result = (|| {
            for (i, out) in rx.iter() {
                pending.insert(i, out?);
                while let Some(o) = pending.remove(&expected) {
                    sink(jobs[expected].split, o)?;
                    expected += 1;
                    written.store(expected, Ordering::SeqCst);
                }
            }
            Ok(())
        })();
        if result.is_err() {
            abort.store(true, Ordering::SeqCst);
            // Drain so that blocked senders finish.
            for _ in rx.iter() {}
        }
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_keeps_order_and_strings() {
        let raw = b"{\n  \"b\": 1.50,\n  \"a\": \"x  y\\\" \\n\",\n  \"c\": [1, 2]\n}";
        assert_eq!(compact_json(raw), b"{\"b\":1.50,\"a\":\"x  y\\\" \\n\",\"c\":[1,2]}".to_vec());
    }
}
