//! The labelling commands as a script uses them: label, bulk label with confirmation, undo,
//! export from one database and import into another, agreement, and bad input.

use std::path::Path;

use crate::support::{run_json, trawl, u};

/// Runs trawl as `annotator`; returns (success, stdout, stderr).
fn as_annotator(db: &Path, annotator: &str, args: &[&str]) -> (bool, String, String) {
    let out = trawl().arg("--db").arg(db).args(args).env("TRAWL_ANNOTATOR", annotator).output().expect("run trawl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok_json(db: &Path, annotator: &str, args: &[&str]) -> serde_json::Value {
    let (ok, out, err) = as_annotator(db, annotator, args);
    assert!(ok, "trawl {} failed: {err}", args.join(" "));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not json ({e}): {out}"))
}

#[test]
fn label_export_import_agreement_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let out = trawl().args(["gen", "--count", "6", "--seed", "3", "--out"]).arg(&data).output().unwrap();
    assert!(out.status.success());
    for db in [&a, &b] {
        run_json(db, &["ingest", data.to_str().unwrap(), "--json", "--quiet"]);
    }
    let q = ok_json(&a, "alice", &["queue", "--json"]);
    let ids: Vec<String> = q["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert_eq!((ids.len(), u(&q, "done"), u(&q, "total")), (6, 0, 6));
    for (i, id) in ids.iter().enumerate() {
        let va = if i < 4 { "keep" } else { "reject" };
        let vb = if i < 3 { "keep" } else { "reject" };
        ok_json(&a, "alice", &["label", id, "verdict", va, "--json"]);
        ok_json(&b, "bob", &["label", id, "verdict", vb, "--json"]);
    }
    ok_json(&a, "alice", &["label", &ids[0], "failure_mode", "loop,gave_up", "--step", "2", "--json"]);
    ok_json(&a, "alice", &["label", &ids[0], "quality", "4", "--json"]);
    // A value outside the schema: exit 1, one line naming set and value.
    let (ok, _, err) = as_annotator(&a, "alice", &["label", &ids[0], "verdict", "maybe"]);
    assert!(!ok && err.trim_end().lines().count() == 1, "{err}");
    assert!(err.contains("value 'maybe' is not in label set 'verdict'"), "{err}");
    // Bulk labelling asks for the count first.
    let (ok, _, err) = as_annotator(&a, "alice", &["label", "--query", "label:verdict=reject", "note", "second look"]);
    assert!(!ok && err.contains("matches 2 trajectories; run again with --confirm 2"), "{err}");
    let r = ok_json(
        &a,
        "alice",
        &["label", "--query", "label:verdict=reject", "note", "second look", "--confirm", "2", "--json"],
    );
    assert_eq!(u(&r, "count"), 2);
    assert_eq!(u(&ok_json(&a, "alice", &["search", "noted:true", "--count", "--json"]), "total"), 2);
    ok_json(&a, "alice", &["undo", "--json"]);
    assert_eq!(u(&ok_json(&a, "alice", &["search", "noted:true", "--count", "--json"]), "total"), 0);
    // Export alice's labels, import into bob's database (twice: the second adds nothing).
    let file = dir.path().join("alice.jsonl");
    let ex = ok_json(&a, "alice", &["labels", "export", "--out", file.to_str().unwrap(), "--json"]);
    assert_eq!(u(&ex, "count"), 6 + 2 + 2 + 1);
    let im = ok_json(&b, "bob", &["labels", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!((u(&im, "imported"), u(&im, "duplicates")), (11, 0));
    let im = ok_json(&b, "bob", &["labels", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!((u(&im, "imported"), u(&im, "duplicates")), (0, 11));
    // Agreement: 6 shared items, one disagreement (item 3: alice keep, bob reject).
    // alice keep 4/6, bob keep 3/6: p_o = 5/6, p_e = 4/6·3/6 + 2/6·3/6 = 1/2, κ = (5/6 − 1/2)/(1/2) = 2/3.
    let ag = ok_json(&b, "bob", &["agreement", "verdict", "--json"]);
    assert_eq!(ag["kind"], "cohen_kappa");
    assert!((ag["value"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9, "{ag}");
    assert_eq!(ag["disagreements"].as_array().unwrap().len(), 1);
    assert_eq!(ag["disagreements"][0]["id"], ids[3].as_str());
    let shown = ok_json(&b, "bob", &["labels", "show", &ids[0], "--json"]);
    assert_eq!(shown["current"].as_array().unwrap().len(), 4, "{shown}");
}

#[test]
fn a_bad_labels_file_reports_lines_and_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let data = dir.path().join("d.jsonl");
    assert!(trawl().args(["gen", "--count", "2", "--out"]).arg(&data).output().unwrap().status.success());
    run_json(&db, &["ingest", data.to_str().unwrap(), "--json", "--quiet"]);
    let q = ok_json(&db, "x", &["queue", "--json"]);
    let id = q["ids"][0].as_str().unwrap();
    let file = dir.path().join("in.jsonl");
    let good = format!(
        r#"{{"event":"event-one","annotator":"eve","at":"2026-03-01T10:00:00+01:00","op":"set","id":"{id}","set":"quality","value":3,"batch":"b"}}"#
    );
    std::fs::write(
        &file,
        format!("not json\n{good}\n{}\n", good.replace("event-one", "event-two").replace(":3,", ":9,")),
    )
    .unwrap();
    let (ok, out, err) = as_annotator(&db, "x", &["labels", "import", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("imported 1, duplicates 0, errors 2"), "{out}");
    assert!(err.contains("in.jsonl:1: malformed JSON"), "{err}");
    assert!(err.contains("in.jsonl:3: value 9 is not a rating of label set 'quality'"), "{err}");
    let shown = ok_json(&db, "x", &["labels", "show", id, "--json"]);
    assert_eq!(shown["current"][0]["at"], "2026-03-01T09:00:00.000000Z");
}
