//! Tests: a directory walk follows symbolic links, to files and to directories, and reports what
//! it finds through them like any file. The layout is that of a Hugging Face hub snapshot
//! (`huggingface_hub.snapshot_download`): `snapshots/<revision>/data/*.parquet` are symbolic links
//! into `blobs/`, whose files are named by a content hash, not by a format.

use std::os::unix::fs::symlink;
use std::path::Path;

use trawl_store::ingest::{ingest, IngestOptions};
use trawl_store::Store;

use crate::malformed::{compact, nv_schema, row, write_parquet};

fn click(n: u64) -> String {
    format!("pallets__click-{n}")
}

fn sources(store: &Store) -> Vec<String> {
    let mut st = store.connection().prepare("SELECT path FROM sources ORDER BY path").unwrap();
    st.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

fn diagnostics(store: &Store) -> Vec<(String, String, String)> {
    let mut st = store.connection().prepare("SELECT file, severity, message FROM diagnostics ORDER BY id").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn a_hugging_face_snapshot_is_read_through_its_symbolic_links() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("hub").join("datasets--nvidia--SWE-Zero-openhands-trajectories");
    let blobs = repo.join("blobs");
    std::fs::create_dir_all(&blobs).unwrap();
    std::fs::create_dir_all(repo.join("refs")).unwrap();
    let rev = "0d5f1c2a9b7e4f6a8c3d2e1f0a9b8c7d6e5f4a3b";
    std::fs::write(repo.join("refs").join("main"), rev).unwrap();
    let data = repo.join("snapshots").join(rev).join("data");
    std::fs::create_dir_all(&data).unwrap();

    // Two Parquet shards and a JSON Lines file, each a blob named by its hash, linked by name.
    let shards = [
        (
            "train-00000-of-00002.parquet",
            "a3c1e5f7b9d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2",
            [1001u64, 1002],
        ),
        (
            "train-00001-of-00002.parquet",
            "b4d2f6a8c0e3d5f7a9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3",
            [1003, 1004],
        ),
    ];
    for (name, hash, ids) in &shards {
        let rows: Vec<_> = ids.iter().map(|i| row(&click(*i))).collect();
        write_parquet(&blobs.join(hash), nv_schema(), &rows);
        symlink(Path::new("../../../blobs").join(hash), data.join(name)).unwrap();
    }
    let jsonl_hash = "c5e3a7b9d1f4e6a8b0c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4";
    std::fs::write(blobs.join(jsonl_hash), [compact(&row(&click(1005))), b"\n".to_vec()].concat()).unwrap();
    symlink(Path::new("../../../blobs").join(jsonl_hash), data.join("extra.jsonl")).unwrap();

    // A linked directory outside the walked tree, and a link back to an ancestor (a loop).
    let elsewhere = tmp.path().join("elsewhere").join("more_runs");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("run.jsonl"), [compact(&row(&click(1006))), b"\n".to_vec()].concat()).unwrap();
    symlink(&elsewhere, repo.join("snapshots").join(rev).join("more")).unwrap();
    symlink("..", data.join("loop")).unwrap();
    // A broken link with a data file's name is reported, not skipped.
    symlink("../../../blobs/missing", data.join("gone.jsonl")).unwrap();

    let db = tmp.path().join("t.db");
    let mut store = Store::open(&db).unwrap();
    let opts = IngestOptions { workers: 2, ..IngestOptions::default() };
    let s = ingest(&mut store, std::slice::from_ref(&repo), &opts, |_| {}).unwrap();
    assert_eq!(s.stored, 6, "every row of the snapshot and of the linked folder is stored: {s:?}");
    assert_eq!(s.records, s.stored + s.duplicates + s.reports + s.rejected, "accounting: {s:?}");
    assert_eq!(s.files, 4);

    // The sources are named by the links' paths (their names tell the format), never by blobs.
    let paths = sources(&store);
    assert!(paths.iter().all(|p| !p.contains("/blobs/")), "{paths:?}");
    let snap = std::fs::canonicalize(&data).unwrap();
    for name in ["train-00000-of-00002.parquet", "train-00001-of-00002.parquet", "extra.jsonl"] {
        let want = snap.join(name).display().to_string();
        assert!(paths.contains(&want), "{want} is not a source: {paths:?}");
    }
    assert!(paths.iter().any(|p| p.ends_with("more_runs/run.jsonl")), "{paths:?}");

    // The loop and the broken link are reported, each naming the link.
    let diags = diagnostics(&store);
    assert_eq!(diags.len(), 2, "{diags:?}");
    let looped = diags.iter().find(|d| d.2.contains("symbolic link loop")).expect("a loop diagnostic");
    assert!(looped.0.ends_with("data/loop") && looped.1 == "warning", "{looped:?}");
    let broken = diags.iter().find(|d| d.2.contains("broken symbolic link")).expect("a broken-link diagnostic");
    assert!(broken.0.ends_with("data/gone.jsonl") && broken.1 == "error", "{broken:?}");

    // Unchanged on a second run.
    let again = ingest(&mut store, &[repo], &opts, |_| {}).unwrap();
    assert_eq!((again.stored, again.files, again.files_unchanged), (0, 0, 4), "{again:?}");
}
