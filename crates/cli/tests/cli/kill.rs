//! Tests: `kill -9` during ingest. A real `trawl ingest` process is killed with SIGKILL at many
//! moments spread over an ingest (while it opens the database, reads, commits batches, commits the
//! index, or catches the index up after an earlier kill). After every kill:
//!
//! * the database opens (`trawl stats` succeeds) and holds between 0 and all rows;
//! * the index agrees with SQLite (`indexed` equals `trajectories` once opened);
//! * every stored trajectory is whole: its id (a content hash of the original record) is one of
//!   the ids an uninterrupted ingest stores, search finds exactly the stored ones, and a sample
//!   shows as JSON (which rebuilds and re-parses the stored record).
//!
//! The ingest continues in the same database after each kill, so progress accumulates; a final
//! run reaches exactly the full count, and ingesting the file again, plain or forced, adds nothing.
//! Kill moments are fractions of a measured uninterrupted ingest, so the test adapts to debug and
//! release builds; what it asserts is correctness after each kill, never timing.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{run, run_json, trawl, u};

const ROWS: u64 = 400;
/// How many times an ingest is killed.
const KILLS: usize = 24;

/// Ids of every stored trajectory, by search; checks the search total agrees with the hit list.
fn stored_ids(db: &Path) -> BTreeSet<String> {
    let r = run_json(db, &["search", "format:nv-swe-zero", "--json", "--limit", "1000"]);
    let hits = r["hits"].as_array().expect("hits");
    let ids: BTreeSet<String> = hits.iter().map(|h| h["id"].as_str().expect("hit id").to_string()).collect();
    assert_eq!(ids.len(), hits.len(), "search returned an id twice");
    assert_eq!(u(&r, "total"), hits.len() as u64, "search total disagrees with its hits");
    ids
}

/// The checks after a kill; returns the number of stored trajectories.
fn check_consistent(db: &Path, reference: &BTreeSet<String>, label: &str) -> u64 {
    // (`--create`: a kill before the ingest created the database leaves none, which is fine.)
    let stats = run_json(db, &["stats", "--json", "--create"]);
    let n = u(&stats, "trajectories");
    let diags = run_json(db, &["diagnostics", "--json"]);
    assert_eq!(u(&diags, "total"), 0, "{label}: a clean file got diagnostics: {diags}");
    assert!(n <= ROWS, "{label}: {n} trajectories, more than the {ROWS} rows of the file");
    assert_eq!(
        u(&stats, "indexed"),
        n,
        "{label}: the index holds {} documents for {n} trajectories",
        u(&stats, "indexed")
    );
    let ids = stored_ids(db);
    assert_eq!(ids.len() as u64, n, "{label}: search finds {} of {n} stored trajectories", ids.len());
    let strangers: Vec<_> = ids.difference(reference).collect();
    assert!(strangers.is_empty(), "{label}: stored ids that an uninterrupted ingest does not store: {strangers:?}");
    // A sample spread over the stored ids shows as JSON.
    let list: Vec<&String> = ids.iter().collect();
    let step = (list.len() / 5).max(1);
    for id in list.iter().step_by(step).chain(list.last()) {
        let t: Value = serde_json::from_slice(&run(db, &["show", id, "--json"])).expect("show json");
        assert_eq!(t["id"].as_str(), Some(id.as_str()), "{label}: show {id}");
        assert!(t["steps"].as_array().is_some_and(|s| !s.is_empty()), "{label}: {id} has no steps");
    }
    n
}

/// Starts `trawl ingest`, waits `delay` and sends SIGKILL; false when it finished before.
fn ingest_and_kill(db: &Path, data: &str, delay: Duration) -> bool {
    let mut child = trawl()
        .arg("--db")
        .arg(db)
        .args(["ingest", data, "-q"])
        // A transaction per batch (8 MB): the 42 MB file would otherwise be one or two
        // transactions, and kills would rarely land between commits.
        .env("TRAWL_INGEST_COMMIT_BYTES", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn trawl ingest");
    std::thread::sleep(delay);
    let finished = child.try_wait().expect("try_wait").is_some();
    if !finished {
        child.kill().expect("SIGKILL");
    }
    let status = child.wait().expect("wait");
    if finished {
        assert!(status.success(), "an ingest that was not killed failed: {status}");
    } else {
        assert!(status.code().is_none(), "the process was not killed: {status}");
    }
    !finished
}

#[test]
fn kill_nine_at_many_points_then_resume_to_the_exact_count() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("swe-zero-400.jsonl");
    let data_s = data.to_str().expect("utf-8 path");
    let status = trawl()
        .args(["gen", "--seed", "3", "--count", &ROWS.to_string(), "--out", data_s])
        .stderr(Stdio::null())
        .status()
        .expect("run trawl gen");
    assert!(status.success(), "trawl gen failed");

    // An uninterrupted ingest into another database: the reference ids and the time it takes.
    let reference_db = tmp.path().join("reference.trawl.db");
    let started = Instant::now();
    let report = run_json(&reference_db, &["ingest", data_s, "--json", "-q"]);
    let full = started.elapsed();
    assert_eq!(u(&report, "stored"), ROWS, "reference ingest: {report}");
    assert_eq!(u(&report, "errors"), 0, "reference ingest: {report}");
    let reference = stored_ids(&reference_db);
    assert_eq!(reference.len() as u64, ROWS);
    eprintln!("uninterrupted ingest of {ROWS} rows: {:.2}s", full.as_secs_f64());

    // Kill points: fractions of the time the remaining work should take, spread over (0, 1) by
    // the golden ratio; the first kills a process that has barely started.
    let fractions: Vec<f64> = (0..KILLS).map(|i| (i as f64 * 0.618_034) % 1.0).collect();
    let mut generation = 0;
    let mut db = tmp.path().join(format!("killed-{generation}.trawl.db"));
    let mut count = 0u64;
    let mut interrupted = 0;
    let mut partial = 0;
    for (i, f) in fractions.iter().enumerate() {
        let remaining = (ROWS - count) as f64 / ROWS as f64;
        let delay = full.mul_f64(f * remaining.max(0.1));
        let mut killed = ingest_and_kill(&db, data_s, delay);
        let finished = !killed;
        if i % 3 == 1 {
            // Once more before anything else opens the database: this run starts by catching the
            // index up with what the killed one committed, and is killed while it does.
            killed |= ingest_and_kill(&db, data_s, full.mul_f64(f * 0.25));
        }
        if killed {
            interrupted += 1;
        }
        let label = format!(
            "kill {i} after {:.0} ms{}",
            delay.as_secs_f64() * 1000.0,
            if i % 3 == 1 { " (and a second kill)" } else { "" }
        );
        let before = count;
        count = check_consistent(&db, &reference, &label);
        assert!(count >= before, "{label}: the count fell from {before} to {count}");
        if count > 0 && count < ROWS {
            partial += 1;
        }
        eprintln!("{label}: {}, {count} trajectories", if finished { "finished before the kill" } else { "killed" });
        if count == ROWS && i + 1 < fractions.len() {
            // Complete: the database is right; start a fresh one so later kill points hit work.
            let again = run_json(&db, &["ingest", data_s, "--json", "-q"]);
            assert_eq!(u(&again, "stored"), 0, "{label}: re-run after completion: {again}");
            generation += 1;
            db = tmp.path().join(format!("killed-{generation}.trawl.db"));
            count = 0;
        }
    }
    assert!(interrupted >= fractions.len() / 2, "only {interrupted} kills hit a running ingest");
    assert!(partial >= 1, "no kill left a partly ingested database");

    // Run to completion in the same database: exactly the full count, exactly the reference ids.
    let last = run_json(&db, &["ingest", data_s, "--json", "-q"]);
    assert_eq!(u(&last, "stored"), ROWS - count, "final run: {last}");
    assert_eq!(u(&last, "errors"), 0, "final run: {last}");
    assert_eq!(check_consistent(&db, &reference, "after the final run"), ROWS);
    assert_eq!(stored_ids(&db), reference, "the final ids differ from an uninterrupted ingest's");

    // And once more: the file is unchanged, so nothing is read; forced, every row is a duplicate.
    let again = run_json(&db, &["ingest", data_s, "--json", "-q"]);
    assert_eq!((u(&again, "stored"), u(&again, "files_unchanged")), (0, 1), "re-ingest: {again}");
    let forced = run_json(&db, &["ingest", data_s, "--json", "-q", "--force"]);
    assert_eq!((u(&forced, "stored"), u(&forced, "duplicates")), (0, ROWS), "forced re-ingest: {forced}");
    let stats = run_json(&db, &["stats", "--json"]);
    assert_eq!((u(&stats, "trajectories"), u(&stats, "indexed")), (ROWS, ROWS), "{stats}");
}
