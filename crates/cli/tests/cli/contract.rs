//! The command line's contract: exit status and one-line reasons when a run cannot do its job, and
//! the documented fields of the JSON output (README, "JSON output").

use std::path::{Path, PathBuf};

use crate::support::{run, run_json, trawl, u};

fn real() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/real"))
}

/// Runs trawl expecting failure; returns stderr.
fn fails(db: &Path, args: &[&str]) -> String {
    let out = trawl().arg("--db").arg(db).args(args).output().expect("run trawl");
    assert_eq!(out.status.code(), Some(1), "trawl {} should exit 1", args.join(" "));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one-line reason expected, got {err:?}");
    err
}

#[test]
fn a_bad_query_exits_1_and_names_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &["stats", "--json", "--create"]);
    let err = fails(&db, &["search", "repo:x (bad"]);
    assert!(err.contains("column 8"), "{err}");
    let err = fails(&db, &["search", "flag:nope"]);
    assert!(err.contains("column 6") && err.contains("empty_patch"), "{err}");
}

#[test]
fn an_unreadable_path_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(&dir.path().join("t.db"), &["ingest", "/no/such/file.jsonl"]);
    assert!(err.contains("/no/such/file.jsonl"), "{err}");
}

#[test]
fn a_database_newer_than_the_binary_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &["stats", "--json", "--create"]);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 42).unwrap();
    drop(conn);
    let err = fails(&db, &["stats"]);
    assert!(err.contains("newer than this trawl"), "{err}");
}

#[test]
fn diagnostics_are_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"messages\": [\n{\"no\": 1}\n").unwrap();
    let db = dir.path().join("t.db");
    let report = run_json(&db, &["ingest", bad.to_str().unwrap(), "--json"]);
    assert_eq!(u(&report, "errors"), 2);
    let diags = run_json(&db, &["diagnostics", "--json"]);
    let lines: Vec<u64> = diags["diagnostics"].as_array().unwrap().iter().map(|d| u(d, "line")).collect();
    assert_eq!(lines, [1, 2]);
}

#[test]
fn json_output_carries_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &["ingest", real().to_str().unwrap(), "--json", "-q"]);
    let stats = run_json(&db, &["stats", "--json"]);
    // 12 trajectories; the 4 predictions of their runs are joined to them, not counted.
    assert_eq!(u(&stats, "trajectories"), 12);
    assert_eq!(u(&stats, "predictions"), 0);
    assert_eq!(u(&stats, "predictions_joined"), 4);
    assert_eq!(u(&stats["by_format"], "swe-smith"), 5);
    assert_eq!(u(&stats, "diagnostics"), 0);
    assert_eq!(u(&stats, "indexed"), 12);
    // A trajectory shows the prediction its run submitted.
    let ponyc = run_json(&db, &["search", "repo:ponylang/ponyc", "--json"]);
    assert_eq!(u(&ponyc, "total"), 3);
    for hit in ponyc["hits"].as_array().unwrap() {
        let shown = run_json(&db, &["show", hit["id"].as_str().unwrap(), "--json"]);
        assert_eq!(shown["kind"], "trajectory");
        assert_eq!(shown["base_instance"], shown["instance_id"]);
        assert_eq!(shown["prediction"]["same_patch"], true, "{}", shown["prediction"]);
        assert_eq!(shown["prediction"]["instance_id"], shown["instance_id"]);
        assert!(shown["prediction"]["file"].as_str().unwrap().ends_with("multi_swe_bench_c_ponyc.patch.jsonl"));
    }

    let r = run_json(&db, &["search", "separability", "--json"]);
    assert!(u(&r, "total") >= 1);
    // A query may start with `-` (a negation), without `--` before it.
    let all = u(&run_json(&db, &["search", "", "--count", "--json"]), "total");
    let smith = u(&run_json(&db, &["search", "format:swe-smith", "--count", "--json"]), "total");
    let not_smith = u(&run_json(&db, &["search", "-format:swe-smith", "--count", "--json"]), "total");
    assert_eq!((smith, not_smith), (5, all - 5));
    for facet in ["repo", "dataset", "format", "resolved", "flag"] {
        assert!(r["facets"][facet].is_array(), "facet {facet} missing: {}", r["facets"]);
    }
    let hit = r["hits"].as_array().unwrap().iter().find(|h| h["instance_id"] == "astropy__astropy-12907").unwrap();
    for key in ["id", "instance_id", "trajectory_id", "repo", "resolved", "flags", "step", "snippet"] {
        assert!(hit.get(key).is_some(), "hit lacks {key}: {hit}");
    }
    assert_eq!(hit["resolved"], true);
    assert!(hit["trajectory_id"].is_null());
    assert!(hit["step"].is_u64());

    // show --json is the normalized trajectory; show --raw is the original record.
    let id = hit["id"].as_str().unwrap();
    let shown = run_json(&db, &["show", id, "--json"]);
    assert_eq!(shown["instance_id"], "astropy__astropy-12907");
    assert!(shown["steps"].as_array().unwrap().len() > 10);
    let raw = crate::support::run(&db, &["show", &id[..8], "--raw"]);
    let original = std::fs::read(real().join("mini-swe-agent-swebench/astropy__astropy-12907.traj.json")).unwrap();
    assert_eq!(raw.strip_suffix(b"\n").unwrap(), original.strip_suffix(b"\n").unwrap_or(&original));
}

#[test]
fn a_mistyped_database_path_is_an_error_not_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo").join("none.db");
    for args in [&["search", "a"][..], &["stats"], &["show", "t0123456789"], &["labelsets", "list"], &["serve"]] {
        let err = fails(&typo, args);
        assert!(err.contains("no database at") && err.contains("typo/none.db"), "{args:?}: {err}");
        assert!(!dir.path().join("typo").exists(), "trawl {args:?} created the folder of a missing database");
    }
    // --create makes an empty database; ingest creates one by itself.
    let created = run_json(&typo, &["search", "a", "--json", "--create"]);
    assert_eq!(u(&created, "total"), 0);
    assert!(typo.is_file());
    let other = dir.path().join("new").join("t.db");
    let bad = dir.path().join("one.jsonl");
    std::fs::write(&bad, "{}\n").unwrap();
    run_json(&other, &["ingest", bad.to_str().unwrap(), "--json", "-q"]);
    assert!(other.is_file());
}

#[test]
fn usage_errors_exit_1_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &["stats", "--json", "--create"]);
    let err = fails(&db, &["search", "a", "--limit", "-1"]);
    assert!(err.contains("--limit") && err.contains("-1"), "{err}");
    let err = fails(&db, &["stats", "--no-such-flag"]);
    assert!(err.contains("--no-such-flag"), "{err}");
    let err = fails(&db, &["no-such-command"]);
    assert!(err.contains("no-such-command"), "{err}");
    let err = fails(&db, &[]);
    assert!(err.contains("command"), "{err}");
    for args in [&["--help"][..], &["--version"], &["search", "--help"], &["help"]] {
        let out = trawl().args(args).output().expect("run trawl");
        assert_eq!(out.status.code(), Some(0), "trawl {args:?}");
        assert!(!out.stdout.is_empty(), "trawl {args:?} printed nothing");
    }
}

#[test]
fn a_refused_newer_database_is_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    run_json(&db, &["ingest", real().join("swe-agent").to_str().unwrap(), "--json", "-q"]);
    // As a newer trawl might leave it: rollback journal, a higher schema version.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let before = std::fs::read(&db).unwrap();
    let before_sha = sha256(&before);
    for args in [&["stats"][..], &["search", "a"], &["ingest", real().join("openhands").to_str().unwrap()]] {
        let err = fails(&db, args);
        assert!(err.contains("newer than this trawl"), "{args:?}: {err}");
        assert_eq!(sha256(&std::fs::read(&db).unwrap()), before_sha, "trawl {args:?} changed the refused database");
    }
    assert!(!Path::new(&format!("{}-wal", db.display())).exists(), "a WAL file was created beside it");
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `trawl bench-app` on a database without trajectories of about 100 steps (generated rows have
/// about 35) opens its longest ones and says so, instead of refusing to run.
#[test]
fn bench_app_opens_the_longest_trajectories_when_none_has_about_100_steps() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    crate::support::gen(&data, 3, 12);
    let db = dir.path().join("t.db");
    run(&db, &["ingest", data.to_str().unwrap(), "-q"]);
    let longest = run_json(&db, &["search", "", "--json", "--sort", "steps_desc", "--limit", "2"]);
    let want: Vec<u64> = longest["hits"].as_array().unwrap().iter().map(|h| u(h, "steps")).collect();
    assert!(want.iter().all(|&n| !(90..=110).contains(&n)), "no row of 90..110 steps: {want:?}");
    let v = run_json(&db, &["bench-app", "--repeat", "2", "--json"]);
    assert_eq!(v["opened"], "the longest trajectories (none has 90..110 steps)", "{v}");
    let got: Vec<u64> = v["opened_steps"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    assert_eq!(got, want, "it opened the longest trajectories");
    assert!(v["open_trajectory"][0]["median_ms"].as_f64().unwrap() > 0.0, "{v}");
}
