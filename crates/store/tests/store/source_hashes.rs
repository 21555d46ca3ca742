//! Tests: an ingest that reads a whole file records the file's sha256 (what export manifests list
//! for their sources), so the first export after ingesting a 31 GB file does not read it all
//! again: JSON Lines, gzip (the bytes on disk) and whole JSON files; a file stopped and resumed
//! once it completes; not a Parquet file (read by row groups, hashed by the export as before).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use trawl_store::ingest::{ingest, IngestOptions};
use trawl_store::Store;

use crate::malformed::{compact, nv_schema, row, write_parquet_with};

fn sha(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).expect("read")).iter().map(|b| format!("{b:02x}")).collect()
}

/// File name → recorded sha256, for the hashes recorded under each source's current fingerprint.
fn recorded(store: &Store) -> BTreeMap<String, String> {
    store
        .connection()
        .prepare(
            "SELECT s.path, h.sha256 FROM source_hashes h JOIN sources s
             ON s.id = h.source_id AND s.fingerprint = h.fingerprint",
        )
        .and_then(|mut st| {
            st.query_map([], |r| {
                let p: String = r.get(0)?;
                Ok((Path::new(&p).file_name().unwrap().to_string_lossy().into_owned(), r.get(1)?))
            })?
            .collect()
        })
        .expect("hashes")
}

/// `n` NV rows as JSON Lines, of instances `pallets__click-<tag><i>`.
fn lines(tag: &str, n: u64) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..n {
        body.extend(compact(&row(&format!("pallets__click-{tag}{i}"))));
        body.push(b'\n');
    }
    body
}

#[test]
fn a_file_read_to_its_end_has_its_sha256_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("rows.jsonl");
    std::fs::write(&plain, lines("a", 300)).expect("write"); // two batches
    let gz = dir.path().join("more.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&lines("g", 40)).expect("gzip");
    std::fs::write(&gz, enc.finish().expect("gzip")).expect("write");
    let whole = dir.path().join("one.json");
    std::fs::write(&whole, serde_json::to_vec_pretty(&row("pallets__click-9999")).expect("json")).expect("write");
    let pq = dir.path().join("rows.parquet");
    let rows: Vec<_> = (0..5).map(|i| row(&format!("pallets__click-p{i}"))).collect();
    write_parquet_with(&pq, nv_schema(), &rows, None);
    let files: Vec<PathBuf> = vec![plain.clone(), gz.clone(), whole.clone(), pq];
    let mut store = Store::open(&dir.path().join("t.db")).expect("open");
    let s = ingest(&mut store, &files, &IngestOptions::default(), |_| {}).expect("ingest");
    assert_eq!((s.stored, s.rejected), (300 + 40 + 1 + 5, 0));
    let want: BTreeMap<String, String> = [("rows.jsonl", &plain), ("more.jsonl.gz", &gz), ("one.json", &whole)]
        .into_iter()
        .map(|(n, p)| (n.to_string(), sha(p)))
        .collect();
    assert_eq!(recorded(&store), want, "the sha256 of each file as it is on disk; none for Parquet");
}

#[test]
fn a_resumed_file_gets_its_sha256_when_it_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rows.jsonl");
    std::fs::write(&file, lines("a", 700)).expect("write");
    let mut store = Store::open(&dir.path().join("t.db")).expect("open");
    let cancel = Arc::new(AtomicBool::new(false));
    let opts = IngestOptions { cancel: Some(Arc::clone(&cancel)), workers: 1, ..IngestOptions::default() };
    let first = ingest(&mut store, std::slice::from_ref(&file), &opts, |_| cancel.store(true, Ordering::SeqCst))
        .expect("first ingest");
    assert!(first.cancelled && first.stored < 700, "stopped early: {}", first.stored);
    assert!(recorded(&store).is_empty(), "no hash of a file read in part");
    let second = ingest(&mut store, std::slice::from_ref(&file), &IngestOptions::default(), |_| {}).expect("resume");
    assert_eq!(first.stored + second.stored, 700);
    assert_eq!(recorded(&store).get("rows.jsonl"), Some(&sha(&file)), "the whole file, the skipped part included");
}
