//! Many processes, one database: two ingests at once, reads and label writes beside an ingest,
//! and a running server that sees what a terminal wrote.

use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{gen, run, run_json, search_count, trawl, u, Serve};

fn spawn_ingest(db: &Path, data: &Path) -> Child {
    trawl()
        .arg("--db")
        .arg(db)
        .args(["ingest", "-q"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn trawl ingest")
}

/// Waits for an ingest; true when it succeeded, false when it was refused plainly because another
/// ingest held the database. Any other failure fails the test.
fn finished(child: Child, label: &str) -> bool {
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return true;
    }
    assert_eq!(err.trim_end().lines().count(), 1, "{label}: one line expected: {err:?}");
    assert!(
        err.contains("another ingest holds") && err.contains("pid "),
        "{label}: an ingest failed with something else than the plain refusal: {err}"
    );
    false
}

#[test]
fn two_ingests_at_once_leave_search_equal_to_sqlite_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    gen(&a, 11, 30);
    gen(&b, 12, 30);
    let started = Instant::now();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut refused = 0;
    for trial in 0..20 {
        let db = dir.path().join(format!("t{trial}.db"));
        // A random start offset of the second ingest: 0–400 ms after the first.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let offset = Duration::from_millis(seed % 400);
        let first = spawn_ingest(&db, &a);
        std::thread::sleep(offset);
        let second = spawn_ingest(&db, &b);
        let label = format!("trial {trial} (offset {} ms)", offset.as_millis());
        let ok_a = finished(first, &label);
        let ok_b = finished(second, &label);
        // Whatever happened, the index agrees with SQLite right now.
        let stats = run_json(&db, &["stats", "--json"]);
        let n = u(&stats, "trajectories");
        assert_eq!(search_count(&db, ""), n, "{label}: search count against SQLite's {n}");
        assert_eq!(u(&stats, "indexed"), n, "{label}: indexed");
        // Re-running what was refused completes the work.
        for (ok, data) in [(ok_a, &a), (ok_b, &b)] {
            if !ok {
                refused += 1;
                run(&db, &["ingest", "-q", data.to_str().unwrap()]);
            }
        }
        assert_eq!(search_count(&db, ""), 60, "{label}: after re-running");
        let stats = run_json(&db, &["stats", "--json"]);
        assert_eq!((u(&stats, "trajectories"), u(&stats, "indexed")), (60, 60), "{label}");
    }
    eprintln!("20 trials, {refused} ingests refused plainly, {:.1}s", started.elapsed().as_secs_f64());
}

/// Counts of a stress loop: successes and failures (with the first failures' messages).
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    messages: Mutex<Vec<String>>,
}

impl Tally {
    fn note(&self, ok: bool, what: impl FnOnce() -> String) {
        if ok {
            self.ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.failed.fetch_add(1, Ordering::Relaxed);
            let mut m = self.messages.lock().unwrap();
            if m.len() < 5 {
                m.push(what());
            }
        }
    }
    fn report(&self, what: &str) -> (u64, u64) {
        let (ok, failed) = (self.ok.load(Ordering::Relaxed), self.failed.load(Ordering::Relaxed));
        eprintln!("{what}: {ok} succeeded, {failed} failed {:?}", self.messages.lock().unwrap());
        (ok, failed)
    }
}

#[test]
fn reads_and_label_writes_during_ingests_never_meet_a_lock() {
    let dir = tempfile::tempdir().unwrap();
    let (seed_data, big, job_data) =
        (dir.path().join("seed.jsonl"), dir.path().join("big.jsonl"), dir.path().join("job.jsonl"));
    gen(&seed_data, 21, 20);
    gen(&big, 22, 500);
    gen(&job_data, 23, 300);
    let db = dir.path().join("t.db");
    run(&db, &["ingest", "-q", seed_data.to_str().unwrap()]);
    let hits = run_json(&db, &["search", "", "--json", "--limit", "20"]);
    let ids: Vec<String> = hits["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().into()).collect();
    let serve = Arc::new(Serve::start(&db));

    let reads = Arc::new(Tally::default());
    let labels = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for r in 0..2 {
        let (db, ids, reads, stop) = (db.clone(), ids.clone(), reads.clone(), stop.clone());
        workers.push(std::thread::spawn(move || {
            let mut i = r;
            while !stop.load(Ordering::Relaxed) {
                let args: Vec<&str> = match i % 3 {
                    0 => vec!["search", "flag:loop OR resolved:true", "--count"],
                    1 => vec!["stats", "--json"],
                    _ => vec!["show", &ids[i % ids.len()], "--json"],
                };
                let out = trawl().arg("--db").arg(&db).args(&args).output().expect("run trawl");
                reads.note(out.status.success(), || {
                    format!("{}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim())
                });
                i += 1;
            }
        }));
    }
    for w in 0..2 {
        let (serve, ids, labels, stop) = (serve.clone(), ids.clone(), labels.clone(), stop.clone());
        workers.push(std::thread::spawn(move || {
            let mut i = w;
            while !stop.load(Ordering::Relaxed) {
                let value = if i % 2 == 0 { "keep" } else { "reject" };
                let (status, v) =
                    serve.call("label", json!({"id": ids[i % ids.len()], "set": "verdict", "value": value}));
                labels.note(status == 200, || format!("{status}: {v}"));
                i += 1;
            }
        }));
    }

    // A terminal ingest beside all that…
    let started = Instant::now();
    let out = trawl().arg("--db").arg(&db).args(["ingest", "-q"]).arg(&big).output().unwrap();
    assert!(out.status.success(), "the CLI ingest: {}", String::from_utf8_lossy(&out.stderr));
    let cli_ingest = started.elapsed();
    // …then the app's own ingest job.
    let job = serve.ok("ingest_start", json!({"paths": [job_data.to_str().unwrap()]}));
    let job_id = u(&job, "id");
    let started = Instant::now();
    loop {
        let jobs = serve.ok("jobs", json!({}));
        let this = jobs.as_array().unwrap().iter().find(|j| u(j, "id") == job_id).cloned().unwrap();
        match this["state"].as_str().unwrap() {
            "running" => std::thread::sleep(Duration::from_millis(100)),
            "done" => break,
            other => panic!("the app's ingest job ended {other}: {this}"),
        }
        assert!(started.elapsed() < Duration::from_secs(300), "the job did not finish");
    }
    let job_ingest = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    eprintln!("CLI ingest {:.1}s, app ingest job {:.1}s", cli_ingest.as_secs_f64(), job_ingest.as_secs_f64());
    let (read_ok, read_failed) = reads.report("CLI reads");
    let (label_ok, label_failed) = labels.report("label writes through trawl serve");
    assert_eq!(read_failed, 0, "CLI reads failed during ingests");
    assert_eq!(label_failed, 0, "label writes failed during ingests");
    assert!(
        read_ok >= 50 && label_ok >= 200,
        "too few operations to mean anything: {read_ok} reads, {label_ok} labels"
    );
    assert_eq!(search_count(&db, ""), 820);
    let stats = run_json(&db, &["stats", "--json"]);
    assert_eq!((u(&stats, "trajectories"), u(&stats, "indexed")), (820, 820));
}

#[test]
fn a_server_sees_a_terminal_ingest_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let seed_data = dir.path().join("seed.jsonl");
    gen(&seed_data, 31, 10);
    let db = dir.path().join("t.db");
    run(&db, &["ingest", "-q", seed_data.to_str().unwrap()]);
    let serve = Serve::start(&db);
    let total = |q: &str| u(&serve.ok("search", json!({"query": q, "limit": 5})), "total");
    assert_eq!(total(""), 10);
    assert_eq!(total("zanzibarquux"), 0);
    let stats = serve.ok("stats", json!({}));
    assert_eq!(u(&stats, "trajectories"), 10);

    // A terminal ingests three more trajectories, one with a word nobody else has.
    let extra = dir.path().join("extra.jsonl");
    let rows: Vec<String> = (0..3)
        .map(|i| {
            json!({"messages": [
                {"role": "user", "content": format!("fix the zanzibarquux parser number {i}")},
                {"role": "assistant", "content": "done"}
            ]})
            .to_string()
        })
        .collect();
    std::fs::write(&extra, rows.join("\n") + "\n").unwrap();
    run(&db, &["ingest", "-q", extra.to_str().unwrap()]);
    let ingested = Instant::now();
    // And labels a trajectory from the terminal.
    let id = serve.ok("search", json!({"query": "", "limit": 1}))["hits"][0]["id"].as_str().unwrap().to_string();
    run(&db, &["label", &id, "verdict", "reject", "--json"]);

    let mut seen: Option<Duration> = None;
    while ingested.elapsed() < Duration::from_secs(3) {
        let stats = serve.ok("stats", json!({}));
        if total("") == 13
            && total("zanzibarquux") == 3
            && u(&stats, "trajectories") == 13
            && total("label:verdict=reject") == 1
        {
            seen = Some(ingested.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen = seen.unwrap_or_else(|| {
        panic!(
            "the server still answers {} trajectories, {} for the new word, 3 s after the ingest",
            total(""),
            total("zanzibarquux")
        )
    });
    eprintln!("the server saw the terminal ingest after {} ms", seen.as_millis());
    assert!(seen <= Duration::from_secs(1), "seen after {seen:?}");
    let facets = serve.ok("search", json!({"query": "", "limit": 1}))["facets"]["format"].clone();
    assert!(facets.to_string().contains("openai-chat"), "facets are fresh too: {facets}");
    let _ = Value::Null;
}
