//! Every real fixture in ../shared/fixtures/real ingested into one store: formats, outcome joins
//! (and their scope), byte-exact records, searches with the query language, and reindex.

use std::path::PathBuf;

use trawl_store::ingest::{ingest, IngestOptions, IngestSummary};
use trawl_store::search::{self, SearchParams, Sort};
use trawl_store::Store;

fn real() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real")
}

fn ingest_paths(store: &mut Store, paths: &[PathBuf]) -> IngestSummary {
    ingest(store, paths, &IngestOptions::default(), |_| {}).expect("ingest runs")
}

fn find(store: &Store, q: &str) -> search::SearchResult {
    search::search(store, &SearchParams { query: q.into(), limit: 100, offset: 0, sort: Sort::Ingest, snippets: true })
        .unwrap_or_else(|e| panic!("query {q:?} failed: {e}"))
}

fn ids(store: &Store, q: &str) -> Vec<String> {
    find(store, q).hits.into_iter().map(|h| h.instance_id.unwrap_or_default()).collect()
}

fn open_tmp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

#[test]
fn every_real_fixture_ingests_without_errors() {
    let (_d, mut store) = open_tmp();
    let s = ingest_paths(&mut store, &[real()]);
    assert_eq!(s.errors, 0, "diagnostics: {:#?}", s.diagnostics);
    let by: Vec<(String, u64)> = s.by_format.into_iter().collect();
    assert_eq!(
        by,
        [
            ("mini-swe-agent", 1),
            ("nebius-swe-agent", 1),
            ("openai-chat", 1),
            ("openhands-events", 3),
            ("swe-agent", 1),
            ("swe-smith", 5),
            ("swebench-preds", 4),
        ]
        .map(|(f, n)| (f.to_string(), n))
    );
    // 12 trajectories and the 4 predictions their runs submitted (stored, joined to them).
    assert_eq!(s.stored, 16);
    // results_summary.json (500) + the per-instance report.json (1): two report records.
    assert_eq!(s.outcomes, 501);
    assert_eq!((s.records, s.reports, s.rejected, s.duplicates), (18, 2, 0, 0));
    // The mini-swe-agent trajectory is labelled from its report.json, whichever is read first.
    assert_eq!(s.resolved_joined, 1);
    assert_eq!(find(&store, "").total, 12);
}

#[test]
fn resolved_is_joined_from_reports_and_unknown_stays_unknown() {
    let (_d, mut store) = open_tmp();
    ingest_paths(&mut store, &[real()]);
    // mini-swe-agent's trajectory has no label of its own; its report.json says resolved.
    assert_eq!(ids(&store, "format:mini-swe-agent resolved:true"), ["astropy__astropy-12907"]);
    // SWE-agent and OpenHands records state nothing and no report covers them.
    assert_eq!(find(&store, "format:swe-agent resolved:unknown").total, 1);
    assert_eq!(find(&store, "format:openhands-events resolved:unknown").total, 3);
    // nebius rows state target=false; SWE-smith rows state resolved=true.
    assert_eq!(find(&store, "format:nebius-swe-agent resolved:false").total, 1);
    assert_eq!(find(&store, "format:swe-smith resolved:true").total, 5);
    // The SWE-agent instance id comes from the file name, the repo from the instance id.
    assert_eq!(ids(&store, "format:swe-agent repo:pydicom/pydicom"), ["pydicom__pydicom-1458"]);
}

#[test]
fn a_trajectory_labelled_by_two_reports_counts_once_as_joined() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    let pred = serde_json::json!({"instance_id": "astropy__astropy-12907", "model_name_or_path": "m",
                                  "model_patch": "diff --git a/x b/x\n"});
    std::fs::write(run.join("preds.jsonl"), pred.to_string() + "\n").unwrap();
    // A run-level report says unresolved; the per-instance report.json (more specific) says resolved.
    let run_level = serde_json::json!({"resolved_ids": [], "unresolved_ids": ["astropy__astropy-12907"]});
    std::fs::write(run.join("results.json"), run_level.to_string()).unwrap();
    std::fs::copy(
        real().join("mini-swe-agent-swebench/astropy__astropy-12907.report.json"),
        run.join("astropy__astropy-12907.report.json"),
    )
    .unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    // The trajectory first, then both reports: it is labelled twice, and counted once.
    let s = ingest_paths(
        &mut store,
        &[run.join("preds.jsonl"), run.join("results.json"), run.join("astropy__astropy-12907.report.json")],
    );
    assert_eq!((s.stored, s.outcomes), (1, 2));
    assert_eq!(s.resolved_joined, 1);
    // The more specific report wins. (The record is a prediction with no trajectory: a
    // patch-only record, found with kind:prediction.)
    assert_eq!(find(&store, "kind:prediction resolved:true").total, 1);
}

#[test]
fn a_report_labels_only_trajectories_of_its_own_directory_tree() {
    let dir = tempfile::tempdir().unwrap();
    let run_a = dir.path().join("run-a");
    let run_b = dir.path().join("run-b");
    std::fs::create_dir_all(run_a.join("logs/astropy__astropy-12907")).unwrap();
    std::fs::create_dir_all(&run_b).unwrap();
    let report = std::fs::read(real().join("mini-swe-agent-swebench/astropy__astropy-12907.report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    // The harness layout: run/logs/<id>/report.json wrapped as {<id>: {...}}.
    let wrapped = serde_json::json!({ "astropy__astropy-12907": report });
    std::fs::write(run_a.join("logs/astropy__astropy-12907/report.json"), wrapped.to_string()).unwrap();
    let pred = |model: &str| {
        serde_json::json!({"instance_id": "astropy__astropy-12907", "model_name_or_path": model,
                           "model_patch": "diff --git a/x b/x\n"})
        .to_string()
    };
    std::fs::write(run_a.join("preds.jsonl"), pred("a") + "\n").unwrap();
    std::fs::write(run_b.join("preds.jsonl"), pred("b") + "\n").unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    // Trajectories first, then the report: the join also works backwards.
    ingest_paths(&mut store, &[run_b.clone(), run_a.join("preds.jsonl")]);
    let s = ingest_paths(&mut store, &[run_a.join("logs")]);
    assert_eq!(s.outcomes, 1);
    assert_eq!(s.resolved_joined, 1);
    assert_eq!(find(&store, "kind:any resolved:true").total, 1);
    assert_eq!(find(&store, "kind:any resolved:unknown").total, 1);
    let hit = &find(&store, "kind:any resolved:true").hits[0];
    let shown = trawl_store::show::load_row(&store, hit.row_id).unwrap();
    assert!(shown.source.file.contains("run-a"), "{}", shown.source.file);
}

#[test]
fn records_come_back_byte_for_byte() {
    let (_d, mut store) = open_tmp();
    ingest_paths(&mut store, &[real()]);
    let traj = real().join("swe-agent/pydicom__pydicom-1458.traj");
    let original = std::fs::read(&traj).unwrap();
    let hit = &find(&store, "format:swe-agent").hits[0];
    let row = trawl_store::show::load_row(&store, hit.row_id).unwrap();
    assert_eq!(row.raw, trim_end(&original));
    // A JSONL line: exactly the line's bytes.
    let jsonl = std::fs::read_to_string(real().join("openhands/multi_swe_bench_c_ponyc.output.jsonl")).unwrap();
    for h in find(&store, "format:openhands-events").hits {
        let row = trawl_store::show::load_row(&store, h.row_id).unwrap();
        let line = jsonl.lines().nth(row.source.line as usize - 1).unwrap();
        assert_eq!(row.raw, line.as_bytes());
        let at = row.source.byte_offset as usize;
        assert_eq!(&jsonl.as_bytes()[at..at + row.source.byte_len as usize], line.as_bytes());
    }
}

fn trim_end(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && (b[end - 1] == b'\n' || b[end - 1] == b'\r') {
        end -= 1;
    }
    &b[..end]
}

#[test]
fn queries_over_real_data() {
    let (_d, mut store) = open_tmp();
    ingest_paths(&mut store, &[real()]);
    // The max-iteration run: its error text is searchable, and it is flagged.
    let r = find(&store, "\"maximum iteration\"");
    assert_eq!(r.total, 1);
    assert_eq!(find(&store, "flag:hit_limit format:openhands-events").total, 1);
    // Step-level: a failing shell command. OpenHands events state exit codes in metadata; the
    // SWE-Zero chat transcript states them in "[The command completed with exit code 1.]".
    let mut failing = ids(&store, "step:(tool:execute_bash exit:!0)");
    failing.sort();
    assert_eq!(
        failing,
        ["keras-team__keras-nlp-385", "ponylang__ponyc-4588", "ponylang__ponyc-4593", "ponylang__ponyc-4595"]
    );
    // Checked against the file with a separate script: only 4595 has a 127, only 4588 a 100.
    assert_eq!(ids(&store, "step:(tool:execute_bash exit:127)"), ["ponylang__ponyc-4595"]);
    assert_eq!(ids(&store, "step:(tool:execute_bash exit:100)"), ["ponylang__ponyc-4588"]);
    // mini-swe-agent ran pytest with exit 0 only.
    assert_eq!(find(&store, "step:(tool:bash cmd:/pytest/ exit:0) format:mini-swe-agent").total, 1);
    assert_eq!(find(&store, "step:(tool:bash cmd:/pytest/ exit:!0) format:mini-swe-agent").total, 0);
    // Negation and OR.
    assert_eq!(find(&store, "-format:swe-smith").total, 7);
    assert_eq!(find(&store, "format:swe-smith OR format:swe-agent").total, 6);
    // Facets cover every match.
    let all = find(&store, "");
    let formats: u64 = all.facets.format.iter().map(|(_, n)| n).sum();
    assert_eq!(formats, 12);
    // A text hit names its step, and the snippet highlights the term.
    let r = find(&store, "separability");
    assert!(r.total >= 1);
    let hit = r.hits.iter().find(|h| h.instance_id.as_deref() == Some("astropy__astropy-12907")).unwrap();
    assert!(hit.step.is_some());
    let snip = hit.snippet.as_ref().unwrap();
    let (a, b) = snip.highlights[0];
    let word: String = snip.text.chars().skip(a).take(b - a).collect();
    assert_eq!(word.to_lowercase(), "separability");
    // A syntax error names its column.
    let err = search::search(
        &store,
        &SearchParams { query: "repo:x (bad".into(), limit: 1, offset: 0, sort: Sort::Ingest, snippets: false },
    )
    .unwrap_err();
    assert!(err.to_string().contains("column 8"), "{err}");
}

#[test]
fn reindex_rebuilds_the_same_answers() {
    let (_d, mut store) = open_tmp();
    ingest_paths(&mut store, &[real()]);
    let queries = ["", "flag:ran_tests", "separability", "\"maximum iteration\"", "resolved:true", "tool:submit"];
    let before: Vec<Vec<String>> = queries.iter().map(|q| hit_uids(&store, q)).collect();
    // Every stored row is read again (the 4 joined predictions too, which get no document).
    let n = trawl_store::reindex::rebuild(&mut store).unwrap();
    assert_eq!(n, 16);
    let after: Vec<Vec<String>> = queries.iter().map(|q| hit_uids(&store, q)).collect();
    assert_eq!(before, after);
}

fn hit_uids(store: &Store, q: &str) -> Vec<String> {
    let mut v: Vec<String> = find(store, q).hits.into_iter().map(|h| h.uid).collect();
    v.sort();
    v
}

#[test]
fn a_database_from_a_newer_trawl_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    drop(Store::open(&db).unwrap());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    let err = Store::open(&db).err().expect("refused");
    let msg = err.to_string();
    assert!(msg.contains("newer than this trawl"), "{msg}");
    assert!(msg.contains(&db.display().to_string()), "{msg}");
}

/// Every stored record and blob of the database, rebuilt to its original bytes.
fn all_raw(db: &std::path::Path) -> Vec<Vec<u8>> {
    drop(Store::open(db).unwrap()); // migrates
    let conn = rusqlite::Connection::open(db).unwrap();
    let ids: Vec<i64> = {
        let mut st = conn.prepare("SELECT id FROM trajectories ORDER BY id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    ids.iter().map(|&id| trawl_store::show::raw_of_row(&conn, id).unwrap().0).collect()
}

/// Rewrites every stored value (blobs and records) of a database with `f` of its plain bytes.
fn rewrite_values(db: &std::path::Path, f: impl Fn(&[u8]) -> Vec<u8>) {
    let conn = rusqlite::Connection::open(db).unwrap();
    for (table, col) in [("blobs", "data"), ("trajectories", "raw")] {
        let rows: Vec<(i64, Vec<u8>)> = {
            let mut st = conn.prepare(&format!("SELECT rowid, {col} FROM {table}")).unwrap();
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
        };
        assert!(!rows.is_empty());
        for (id, v) in rows {
            assert_eq!(&v[..4], &[0x28, 0xB5, 0x2F, 0xFD], "new values are zstd frames");
            let mut plain = Vec::new();
            trawl_store::segments::decompress_blob_into(&v, &mut plain).unwrap();
            conn.execute(&format!("UPDATE {table} SET {col} = ?1 WHERE rowid = ?2"), rusqlite::params![f(&plain), id])
                .unwrap();
        }
    }
}

/// A database as an older schema wrote it (`version`, its values rewritten by `encode`) migrates
/// to this one, reads back the same records byte for byte, and searches as before.
fn migrates_and_reads_the_same_records(version: i64, encode: impl Fn(&[u8]) -> Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    {
        let mut store = Store::open(&db).unwrap();
        ingest_paths(&mut store, &[real()]);
    }
    let page_size: i64 =
        rusqlite::Connection::open(&db).unwrap().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    assert_eq!(page_size, trawl_store::db::PAGE_SIZE);
    let before = all_raw(&db);
    assert_eq!(before.len(), 16);
    rewrite_values(&db, encode);
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        if version < 4 {
            conn.execute("DELETE FROM meta WHERE key = 'codec'", []).unwrap();
        } else {
            conn.execute("UPDATE meta SET value = 'lz4' WHERE key = 'codec'", []).unwrap();
        }
        if version < 5 {
            crate::predictions::drop_schema_5(&conn);
        } else if version < 8 {
            crate::predictions::undo_schema_8(&conn);
        }
        conn.pragma_update(None, "user_version", version).unwrap();
    }
    // Opening migrates; the old values read back byte for byte.
    assert_eq!(all_raw(&db), before);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(now, trawl_store::db::SCHEMA_VERSION);
    let codec: String = conn.query_row("SELECT value FROM meta WHERE key = 'codec'", [], |r| r.get(0)).unwrap();
    assert_eq!(codec, "zstd");
    // A search still finds what it found; the predictions stored as rows of their own before
    // schema 5 joined their trajectories when it migrated.
    let store = Store::open(&db).unwrap();
    assert!(!find(&store, "separability").hits.is_empty());
    assert_eq!(find(&store, "").total, 12);
}

#[test]
fn a_schema_3_database_of_zstd_values_migrates_and_reads_the_same_records() {
    migrates_and_reads_the_same_records(3, |plain| zstd::bulk::compress(plain, 3).unwrap());
}

#[test]
fn a_schema_6_database_of_lz4_values_migrates_and_reads_the_same_records() {
    migrates_and_reads_the_same_records(6, trawl_store::segments::lz4_value);
}
