//! Tests: re-ingesting the same files adds nothing. The real fixtures (every format family, report
//! files included) are ingested, then again (every file is unchanged, so none is read), then with
//! `--force` (every file is read again and every record is a duplicate of a stored one).

use std::path::Path;

use crate::support::{run_json, u};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/real");

#[test]
fn reingest_of_the_same_files_adds_nothing() {
    let fixtures = Path::new(FIXTURES);
    assert!(fixtures.is_dir(), "missing fixtures at {FIXTURES}");
    let tmp = tempfile::tempdir().expect("temp dir");
    let db = tmp.path().join("fixtures.trawl.db");
    let dir = fixtures.to_str().expect("utf-8 path");

    let first = run_json(&db, &["ingest", dir, "--json", "-q"]);
    let stored = u(&first, "stored");
    let files = u(&first, "files");
    assert!(stored >= 10, "first ingest stored only {stored}: {first}");
    assert!(files >= 8, "first ingest read only {files} files: {first}");
    let stats1 = run_json(&db, &["stats", "--json"]);
    // Every stored record is a trajectory, a prediction joined to one, or a patch-only record.
    let (trajs, joined, patch_only) =
        (u(&stats1, "trajectories"), u(&stats1, "predictions_joined"), u(&stats1, "predictions"));
    assert_eq!(trajs + joined + patch_only, stored);
    assert_eq!(u(&stats1, "indexed"), trajs + patch_only);

    let second = run_json(&db, &["ingest", dir, "--json", "-q"]);
    assert_eq!(u(&second, "stored"), 0, "second ingest: {second}");
    assert_eq!(u(&second, "files"), 0, "second ingest read files: {second}");
    assert_eq!(u(&second, "files_unchanged"), files, "second ingest: {second}");
    assert_eq!(u(&second, "records"), 0, "second ingest: {second}");

    let forced = run_json(&db, &["ingest", dir, "--json", "-q", "--force"]);
    assert_eq!(u(&forced, "stored"), 0, "forced ingest: {forced}");
    assert_eq!(u(&forced, "files"), files, "forced ingest: {forced}");
    assert_eq!(u(&forced, "duplicates"), stored, "forced ingest: {forced}");

    let stats2 = run_json(&db, &["stats", "--json"]);
    for key in ["trajectories", "indexed", "diagnostics", "sources", "blobs"] {
        assert_eq!(u(&stats2, key), u(&stats1, key), "`{key}` changed after re-ingesting: {stats1} then {stats2}");
    }
    assert_eq!(stats2["by_format"], stats1["by_format"]);
    assert_eq!(stats2["resolved"], stats1["resolved"]);
}
