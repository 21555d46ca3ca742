//! Predictions (SWE-bench `model_patch` / Multi-SWE-bench `fix_patch` records) join the
//! trajectory of their run, or are stored as patch-only records; base instances (sample suffixes
//! removed) drive contamination, caps and the `base:` term.

use std::path::{Path, PathBuf};

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
    search::search(
        store,
        &SearchParams { query: q.into(), limit: 1000, offset: 0, sort: Sort::Ingest, snippets: false },
    )
    .unwrap_or_else(|e| panic!("query {q:?} failed: {e}"))
}

fn total(store: &Store, q: &str) -> u64 {
    find(store, q).total
}

fn uids(store: &Store, q: &str) -> Vec<String> {
    let mut v: Vec<String> = find(store, q).hits.into_iter().map(|h| h.uid).collect();
    v.sort();
    v
}

/// The four runs of the real fixtures that hold predictions beside their trajectories, copied
/// into `dir` (each run in its own directory, as on disk).
fn copy_runs(dir: &Path) -> Vec<PathBuf> {
    let files = [
        "swe-agent/pydicom__pydicom-1458.traj",
        "swe-agent/pydicom__pydicom-1458.all_preds.jsonl",
        "openhands/multi_swe_bench_c_ponyc.output.jsonl",
        "openhands/multi_swe_bench_c_ponyc.patch.jsonl",
    ];
    files
        .iter()
        .map(|f| {
            let to = dir.join(f);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(real().join(f), &to).unwrap();
            to
        })
        .collect()
}

#[test]
fn real_fixtures_are_12_trajectories_with_their_predictions_joined() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let s = ingest_paths(&mut store, &[real()]);
    assert_eq!(total(&store, ""), 12, "every trajectory, no prediction");
    assert_eq!(total(&store, "repo:ponylang/ponyc"), 3, "three runs of ponyc");
    assert_eq!(s.warnings, 0, "no warnings: {:#?}", s.diagnostics);
    assert_eq!(s.errors, 0, "{:#?}", s.diagnostics);
    // Every record is still stored: 12 trajectories and 4 predictions.
    assert_eq!(s.stored, 16);
    let st = trawl_store::stats::stats(&store).unwrap();
    assert_eq!(st.trajectories, 12);
    assert_eq!((st.predictions, st.predictions_joined), (0, 4));
    assert_eq!(st.by_format.get("swebench-preds"), None, "formats count trajectories");
    assert_eq!(total(&store, "kind:prediction"), 0, "no patch-only record");
    assert_eq!(total(&store, "kind:any"), 12);
    // Each trajectory of a run carries its submitted prediction, with the same patch.
    for q in ["repo:ponylang/ponyc", "format:swe-agent"] {
        for h in find(&store, q).hits {
            let id = trawl_store::show::row_id_for_uid(&store, &h.uid).unwrap();
            let row = trawl_store::show::load_row(&store, id).unwrap();
            let p = row.prediction.unwrap_or_else(|| panic!("{} has no prediction", h.uid));
            assert!(p.same_patch, "{}: the prediction's patch is the final patch", h.uid);
            assert_eq!(p.instance_id.as_deref(), row.traj.instance_id.as_deref());
            assert!(p.file.ends_with(".jsonl"), "{}", p.file);
        }
    }
}

#[test]
fn a_standalone_preds_file_gives_patch_only_records() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("preds-only");
    std::fs::create_dir_all(&run).unwrap();
    // The preds.json dict layout, whose values lack instance_id (the key is the id).
    let preds = serde_json::json!({
        "django__django-11099": {"model_name_or_path": "m", "model_patch": "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n"},
        "astropy__astropy-12907": {"model_name_or_path": "m", "model_patch": "diff --git a/b.py b/b.py\n--- a/b.py\n+++ b/b.py\n@@ -1 +1 @@\n-x\n+y\n"}
    });
    std::fs::write(run.join("preds.json"), preds.to_string()).unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let s = ingest_paths(&mut store, std::slice::from_ref(&run));
    assert_eq!((s.stored, s.errors), (2, 0), "{:#?}", s.diagnostics);
    assert_eq!(total(&store, ""), 0, "patch-only records are not results of the default query");
    assert_eq!(total(&store, "kind:prediction"), 2);
    assert_eq!(total(&store, "kind:any"), 2);
    assert_eq!(total(&store, "kind:prediction instance:django__django-11099"), 1);
    assert_eq!(total(&store, "kind:trajectory"), 0);
    let st = trawl_store::stats::stats(&store).unwrap();
    assert_eq!((st.trajectories, st.predictions, st.predictions_joined), (0, 2, 0));
    // Exportable: a subset whose rule asks for them holds them (its kind: applies to every clause).
    let mut subset = |name: &str, rule: &str| {
        let def = trawl_store::subsets::Definition { name: name.into(), rule: rule.into(), ..Default::default() };
        trawl_store::subsets::create(&mut store, &def).unwrap().count
    };
    assert_eq!(subset("preds", "kind:prediction"), 2);
    assert_eq!(subset("one", "kind:prediction instance:django__django-11099"), 1);
    assert_eq!(subset("none", ""), 0, "the whole database's trajectories: none");
}

/// What a database answers, for comparing databases built in different orders.
fn answers(store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for q in
        ["", "kind:prediction", "kind:any", "repo:ponylang/ponyc", "format:swebench-preds", "\"maximum iteration\""]
    {
        out.push(format!("{q} => {} {:?}", total(store, q), uids(store, q)));
    }
    let st = trawl_store::stats::stats(store).unwrap();
    out.push(format!(
        "stats {} {} {} {:?} warnings {}",
        st.trajectories, st.predictions, st.predictions_joined, st.by_format, st.warnings
    ));
    for uid in uids(store, "kind:any") {
        let id = trawl_store::show::row_id_for_uid(store, &uid).unwrap();
        let row = trawl_store::show::load_row(store, id).unwrap();
        out.push(format!("{uid} prediction {:?}", row.prediction.map(|p| (p.uid, p.same_patch))));
    }
    out
}

#[test]
fn file_order_and_split_ingests_give_the_same_database() {
    let mut results = Vec::new();
    for variant in ["together", "reversed", "predictions first", "trajectories first"] {
        let dir = tempfile::tempdir().unwrap();
        let files = copy_runs(dir.path());
        let (trajs, preds): (Vec<PathBuf>, Vec<PathBuf>) = files
            .iter()
            .cloned()
            .partition(|p| !p.to_string_lossy().contains("preds") && !p.to_string_lossy().contains("patch.jsonl"));
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        match variant {
            "together" => {
                ingest_paths(&mut store, &[dir.path().join("swe-agent"), dir.path().join("openhands")]);
            }
            "reversed" => {
                let mut rev = files.clone();
                rev.reverse();
                ingest_paths(&mut store, &rev);
            }
            "predictions first" => {
                ingest_paths(&mut store, &preds);
                assert_eq!(total(&store, "kind:prediction"), 4, "patch-only until the trajectories arrive");
                drop(store);
                store = Store::open(&dir.path().join("t.db")).unwrap();
                ingest_paths(&mut store, &trajs);
            }
            _ => {
                ingest_paths(&mut store, &trajs);
                ingest_paths(&mut store, &preds);
            }
        }
        assert_eq!(total(&store, ""), 4, "{variant}");
        assert_eq!(total(&store, "repo:ponylang/ponyc"), 3, "{variant}");
        assert_eq!(total(&store, "kind:prediction"), 0, "{variant}");
        let mut a = answers(&store);
        // The same database again from its stored rows: reindex agrees.
        trawl_store::reindex::rebuild(&mut store).unwrap();
        assert_eq!(answers(&store), a, "{variant}: reindex changed the answers");
        a.insert(0, variant.to_string());
        results.push(a);
    }
    for r in &results[1..] {
        assert_eq!(r[1..], results[0][1..], "{} differs from {}", r[0], results[0][0]);
    }
}

/// One NV-style row with an instance id, distinct content per `n`.
fn row(instance: &str, n: usize) -> String {
    serde_json::json!({
        "trajectory": [{"role": "user", "content": format!("fix it ({n})")}, {"role": "assistant", "content": "done"}],
        "instance_id": instance,
        "model_patch": "",
        "dataset": "converted",
    })
    .to_string()
}

#[test]
fn sample_suffixed_ids_are_excluded_by_contamination_and_capped_together() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("rows.jsonl");
    let ids = ["django__django-11099_0", "django__django-11099_1", "django__django-11099_2", "psf__requests-1_0"];
    let lines: Vec<String> = ids.iter().enumerate().map(|(i, id)| row(id, i)).collect();
    std::fs::write(&f, lines.join("\n") + "\n").unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let s = ingest_paths(&mut store, &[f]);
    assert_eq!(s.stored, 4);
    let def = |name: &str, shaping: trawl_store::subsets::Shaping| trawl_store::subsets::Definition {
        name: name.into(),
        shaping,
        ..Default::default()
    };
    let v = trawl_store::subsets::create(
        &mut store,
        &def(
            "clean",
            trawl_store::subsets::Shaping {
                contamination: vec!["swe-bench-verified.instances".into()],
                ..Default::default()
            },
        ),
    )
    .unwrap();
    assert_eq!(v.count, 1, "the three samples of a Verified instance are removed: {:?}", v.stages);
    let v = trawl_store::subsets::create(
        &mut store,
        &def(
            "capped",
            trawl_store::subsets::Shaping {
                cap: Some(trawl_store::subsets::Cap { k: 1, order: vec!["ingest".into()] }),
                ..Default::default()
            },
        ),
    )
    .unwrap();
    assert_eq!(v.count, 2, "one per base instance: {:?}", v.stages);
    // The query language: base: (exact and glob) finds every sample.
    assert_eq!(total(&store, "base:django__django-11099"), 3);
    assert_eq!(total(&store, "base:django__*"), 3);
    assert_eq!(total(&store, "instance:django__django-11099_1"), 1);
    assert_eq!(total(&store, "-base:django__django-11099"), 1);
}

#[test]
fn predictions_whose_patches_are_not_diffs_or_match_nothing_are_kept_as_patch_only_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    // A trajectory of one instance in the run; predictions for it and for instances with no
    // trajectory, some of whose patches are not diffs.
    std::fs::copy(real().join("openhands/multi_swe_bench_c_ponyc.output.jsonl"), run.join("output.jsonl")).unwrap();
    let preds = [
        serde_json::json!({"instance_id": "nobody__here-1", "model_patch": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}),
        serde_json::json!({"instance_id": "nobody__here-2", "model_patch": "I could not fix this issue."}),
        serde_json::json!({"instance_id": "nobody__here-3", "model_patch": null}),
        serde_json::json!({"instance_id": "ponylang__ponyc-4595", "model_patch": "not a diff either"}),
    ];
    let text: Vec<String> = preds.iter().map(|p| p.to_string()).collect();
    std::fs::write(run.join("output.swebench.jsonl"), text.join("\n") + "\n").unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let s = ingest_paths(&mut store, std::slice::from_ref(&run));
    assert_eq!(s.errors, 0, "{:#?}", s.diagnostics);
    assert_eq!(s.stored, 7, "nothing dropped");
    assert_eq!(s.records, s.stored + s.duplicates + s.reports + s.rejected);
    assert_eq!(total(&store, ""), 3);
    // All four are patch-only: three match no instance, and the one of 4595 is not a diff (it
    // would join its trajectory only if that trajectory's final patch were the same text).
    assert_eq!(total(&store, "kind:prediction"), 4);
    let msgs: Vec<&str> = s.diagnostics.iter().map(|d| d.message.as_str()).collect();
    let has = |needle: &str, line: u64| {
        s.diagnostics
            .iter()
            .any(|d| d.line == line && d.message.contains(needle) && d.file.ends_with("output.swebench.jsonl"))
    };
    assert!(has("not a unified diff", 2), "{msgs:#?}");
    assert!(has("not a unified diff", 4), "{msgs:#?}");
    for line in 1..=4 {
        assert!(has("matches no trajectory of its run", line), "line {line}: {msgs:#?}");
    }
    // A diff that differs from the final patch of its trajectory joins it, with a warning
    // naming both.
    let other = serde_json::json!({"instance_id": "ponylang__ponyc-4593",
        "model_patch": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"});
    std::fs::write(run.join("preds.json"), serde_json::json!([other]).to_string()).unwrap();
    let s = ingest_paths(&mut store, &[run.join("preds.json")]);
    assert_eq!((s.stored, s.warnings), (1, 1), "{:#?}", s.diagnostics);
    let d = &s.diagnostics[0];
    assert!(
        d.message.contains("differs from the final patch of trajectory") && d.message.contains("output.jsonl:2"),
        "{d}"
    );
    assert_eq!(total(&store, "kind:prediction"), 4);
    let st = trawl_store::stats::stats(&store).unwrap();
    assert_eq!((st.predictions, st.predictions_joined), (4, 1));
}

/// Turns a database back into what trawl wrote before schema 8: the calls index without commands.
pub(crate) fn undo_schema_8(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "DROP INDEX calls_tool_exit_traj_cmd; CREATE INDEX calls_tool_exit_traj ON calls (tool, exit_code, traj);",
    )
    .unwrap();
}

/// Turns a database back into what trawl wrote before schema 5 (no kind, join, base instance or
/// patch key columns; and schema 6's calls indexes undone), keeping its rows.
pub(crate) fn drop_schema_5(conn: &rusqlite::Connection) {
    undo_schema_8(conn);
    conn.execute_batch(
        "DROP TRIGGER calls_cmd_delete; DROP TRIGGER calls_cmd_update;
         DROP TABLE calls_cmd; DROP INDEX calls_tool_exit_traj;
         CREATE INDEX calls_tool_exit ON calls (tool, exit_code);
         DROP INDEX trajectories_base_instance; DROP INDEX trajectories_pred_of; DROP INDEX trajectories_kind;
         ALTER TABLE trajectories DROP COLUMN kind; ALTER TABLE trajectories DROP COLUMN pred_of;
         ALTER TABLE trajectories DROP COLUMN base_instance; ALTER TABLE trajectories DROP COLUMN patch_hash;",
    )
    .unwrap();
}

#[test]
fn a_schema_4_database_migrates_base_instances_and_joins_its_predictions_without_touching_labels() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let rows = dir.path().join("rows.jsonl");
    let lines: Vec<String> =
        ["django__django-11099_0", "django__django-11099_1"].iter().enumerate().map(|(i, id)| row(id, i)).collect();
    std::fs::write(&rows, lines.join("\n") + "\n").unwrap();
    {
        let mut store = Store::open(&db).unwrap();
        ingest_paths(&mut store, &[real(), rows]);
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let label_rows = |conn: &rusqlite::Connection| -> Vec<(String, String)> {
        let mut st = conn.prepare("SELECT event, value FROM label_events ORDER BY event").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<String>>(1)?.unwrap_or_default())))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    conn.execute(
        "INSERT INTO label_events (event, annotator, at, op, target, step, label_set, value, batch)
         SELECT 'e1', 'alice', '2026-01-01T00:00:00.000000Z', 'set', uid, NULL, 'verdict', '\"keep\"', 'b1'
         FROM trajectories WHERE instance_id = 'django__django-11099_1'",
        [],
    )
    .unwrap();
    let labels_before = label_rows(&conn);
    assert_eq!(labels_before.len(), 1);
    drop_schema_5(&conn);
    conn.pragma_update(None, "user_version", 4).unwrap();
    drop(conn);
    // Remove the index too: it is rebuilt from the migrated rows.
    std::fs::remove_dir_all(trawl_store::index_dir_for(&db)).unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(total(&store, ""), 14, "12 real trajectories and 2 rows; the 4 predictions joined");
    assert_eq!(total(&store, "base:django__django-11099"), 2);
    let st = trawl_store::stats::stats(&store).unwrap();
    assert_eq!((st.trajectories, st.predictions, st.predictions_joined), (14, 0, 4));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let based: i64 = conn
        .query_row("SELECT count(*) FROM trajectories WHERE base_instance = 'django__django-11099'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(based, 2);
    assert_eq!(label_rows(&conn), labels_before, "labels are never touched");
}
