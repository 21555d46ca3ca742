//! Tests: labels through the Library API.

use serde_json::json;
use trawl_api::protocol::*;
use trawl_api::Library;

use crate::support::{count, data, ids, library};

fn label(lib: &mut Library, id: &str, step: Option<u64>, set: &str, value: serde_json::Value) -> LabelWriteResult {
    lib.label(&LabelRequest { id: id.into(), step, set: set.into(), value }).unwrap()
}

fn current(lib: &Library, id: &str) -> Vec<(String, Option<u64>, String, serde_json::Value)> {
    let l = lib.labels_for(&LabelsForRequest { id: id.into() }).unwrap();
    l.current.into_iter().map(|c| (c.annotator, c.step, c.set, c.value)).collect()
}

fn bad(r: Result<impl std::fmt::Debug, trawl_api::ApiError>) -> String {
    let e = r.unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadRequest, "{e}");
    e.to_string()
}

#[test]
fn default_sets_exist_and_new_ones_can_be_defined() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 3, 1), "alice");
    let names: Vec<String> = lib.label_sets().unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["verdict", "failure_mode", "quality", "note", "flag_review"]);
    let file = dir.path().join("sets.json");
    std::fs::write(
        &file,
        r#"{"sets": [{"name": "difficulty", "kind": "single", "values": ["easy", "hard"]},
                     {"name": "clarity", "kind": "rating", "level": "both", "min": 0, "max": 3}]}"#,
    )
    .unwrap();
    let defined = lib.define_label_sets_from_file(&file).unwrap();
    assert_eq!(defined.len(), 2);
    let sets = lib.label_sets().unwrap();
    let clarity = sets.iter().find(|s| s.name == "clarity").unwrap();
    assert_eq!(
        (clarity.kind.as_str(), clarity.level.as_str(), clarity.min, clarity.max),
        ("rating", "both", Some(0), Some(3))
    );
    // A bad file defines nothing.
    std::fs::write(&file, r#"[{"name": "ok_one", "kind": "text"}, {"name": "bad", "kind": "single"}]"#).unwrap();
    let e = bad(lib.define_label_sets_from_file(&file));
    assert!(e.contains("label set 'bad' (single) needs at least one value"), "{e}");
    assert!(!lib.label_sets().unwrap().iter().any(|s| s.name == "ok_one"));
    // The kind of a set with labels cannot change.
    let id = ids(&lib, "")[0].clone();
    label(&mut lib, &id, None, "difficulty", json!("hard"));
    let e = bad(lib.define_label_set(&LabelSetView {
        name: "difficulty".into(),
        kind: "text".into(),
        level: "trajectory".into(),
        values: vec![],
        min: None,
        max: None,
        description: None,
    }));
    assert!(e.contains("its kind cannot change from single to text"), "{e}");
}

#[test]
fn each_kind_is_stored_normalized_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 3, 1), "alice");
    let id = ids(&lib, "")[0].clone();
    label(&mut lib, &id, None, "verdict", json!("reject"));
    label(&mut lib, &id, None, "failure_mode", json!(["loop", "wrong_fix"]));
    label(&mut lib, &id, None, "quality", json!(2));
    label(&mut lib, &id, None, "note", json!("  edits the wrong file "));
    let a = "alice".to_string();
    assert_eq!(
        current(&lib, &id),
        [
            (a.clone(), None, "verdict".into(), json!("reject")),
            (a.clone(), None, "failure_mode".into(), json!(["wrong_fix", "loop"])),
            (a.clone(), None, "quality".into(), json!(2)),
            (a.clone(), None, "note".into(), json!("edits the wrong file")),
        ]
    );
    let e = bad(lib.label(&LabelRequest { id: id.clone(), step: None, set: "verdict".into(), value: json!("maybe") }));
    assert_eq!(e, "value 'maybe' is not in label set 'verdict' (keep, reject, unsure)");
    let e = bad(lib.label(&LabelRequest { id: id.clone(), step: None, set: "quality".into(), value: json!(6) }));
    assert_eq!(e, "value 6 is not a rating of label set 'quality' (an integer from 1 to 5)");
    let e = bad(lib.label(&LabelRequest { id: id.clone(), step: None, set: "verdikt".into(), value: json!("keep") }));
    assert!(e.starts_with("unknown label set 'verdikt'; known sets: verdict, "), "{e}");
    let e = lib.label(&LabelRequest { id: "nosuchid".into(), step: None, set: "verdict".into(), value: json!("keep") });
    assert_eq!(e.unwrap_err().code(), ErrorCode::NotFound);
    // A rejected write changes nothing.
    assert_eq!(current(&lib, &id)[0].3, json!("reject"));
    // Clearing removes the value; the history keeps every event.
    lib.clear_label(&ClearLabelRequest { id: id.clone(), step: None, set: "note".into() }).unwrap();
    assert!(!current(&lib, &id).iter().any(|c| c.2 == "note"));
    let history = lib.labels_for(&LabelsForRequest { id: id.clone() }).unwrap().history;
    let ops: Vec<(&str, Option<&str>)> = history.iter().map(|h| (h.op.as_str(), h.set.as_deref())).collect();
    assert_eq!(
        ops,
        [
            ("set", Some("verdict")),
            ("set", Some("failure_mode")),
            ("set", Some("quality")),
            ("set", Some("note")),
            ("clear", Some("note"))
        ]
    );
    assert!(history.windows(2).all(|w| w[0].at < w[1].at), "an annotator's events are strictly ordered in time");
}

#[test]
fn step_annotations_mark_where_it_went_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 3, 1), "alice");
    let id = ids(&lib, "")[0].clone();
    let steps = lib.show(&id).unwrap().steps.len() as u64;
    label(&mut lib, &id, Some(7), "failure_mode", json!(["tool_misuse"]));
    label(&mut lib, &id, Some(7), "note", json!("ran the tests against the wrong module"));
    label(&mut lib, &id, None, "failure_mode", json!(["incomplete_fix"]));
    let c = current(&lib, &id);
    assert!(c.contains(&("alice".into(), Some(7), "failure_mode".into(), json!(["tool_misuse"]))));
    assert!(c.contains(&("alice".into(), None, "failure_mode".into(), json!(["incomplete_fix"]))));
    let e = bad(lib.label(&LabelRequest { id: id.clone(), step: Some(steps), set: "note".into(), value: json!("x") }));
    assert_eq!(e, format!("trajectory {id} has {steps} steps; there is no step {steps}"));
    let e =
        bad(lib.label(&LabelRequest { id: id.clone(), step: Some(1), set: "verdict".into(), value: json!("keep") }));
    assert_eq!(e, "label set 'verdict' applies to trajectories, not steps");
    // A step label counts for its trajectory in queries.
    assert_eq!(ids(&lib, "label:failure_mode=tool_misuse"), std::slice::from_ref(&id));
    assert_eq!(ids(&lib, "noted:true"), std::slice::from_ref(&id));
}

#[test]
fn undo_steps_back_through_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 3, 1), "alice");
    let id = ids(&lib, "")[0].clone();
    let verdict = |lib: &Library| current(lib, &id).into_iter().find(|c| c.2 == "verdict").map(|c| c.3);
    label(&mut lib, &id, None, "verdict", json!("keep"));
    let second = label(&mut lib, &id, None, "verdict", json!("reject"));
    assert_eq!(verdict(&lib), Some(json!("reject")));
    let u = lib.undo(&UndoRequest::default()).unwrap();
    assert_eq!(u.batch, second.batch);
    assert_eq!(verdict(&lib), Some(json!("keep")));
    lib.undo(&UndoRequest::default()).unwrap();
    assert_eq!(verdict(&lib), None);
    let e = bad(lib.undo(&UndoRequest::default()));
    assert_eq!(e, "nothing to undo for annotator alice");
    let e = bad(lib.undo(&UndoRequest { batch: Some(second.batch.clone()) }));
    assert_eq!(e, format!("batch {} is already undone", second.batch));
    // History is append-only: 2 sets + 2 undos, the sets marked undone.
    let h = lib.labels_for(&LabelsForRequest { id: id.clone() }).unwrap().history;
    assert_eq!(h.iter().filter(|e| e.op == "set" && e.undone).count(), 2);
    // Undo events have no target, so they are not in a trajectory's history; the sets are.
    assert_eq!(h.len(), 2);
    // Another annotator's undo does not touch alice's labels.
    label(&mut lib, &id, None, "verdict", json!("unsure"));
    lib.use_annotator("bob").unwrap();
    assert_eq!(bad(lib.undo(&UndoRequest::default())), "nothing to undo for annotator bob");
    assert_eq!(verdict(&lib), Some(json!("unsure")));
}

#[test]
fn bulk_labelling_is_one_batch_and_one_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 30, 2), "alice");
    let mut steps: Vec<u64> = ids(&lib, "").iter().map(|id| lib.show(id).unwrap().steps.len() as u64).collect();
    steps.sort();
    let long = format!("steps:>{}", steps[15]);
    let n = count(&lib, &long);
    assert!((2..30).contains(&n), "about half are longer than the median: {n}");
    let e = bad(lib.label_bulk(&LabelBulkRequest {
        query: long.clone(),
        set: "verdict".into(),
        value: json!("reject"),
        expect: Some(n + 1),
    }));
    assert_eq!(e, format!("the query now matches {n} trajectories, not the {} confirmed; nothing was labelled", n + 1));
    assert_eq!(count(&lib, "label:verdict"), 0);
    let r = lib
        .label_bulk(&LabelBulkRequest {
            query: long.clone(),
            set: "verdict".into(),
            value: json!("reject"),
            expect: Some(n),
        })
        .unwrap();
    assert_eq!(r.count, n);
    assert_eq!(count(&lib, "label:verdict=reject"), n);
    assert_eq!(count(&lib, &format!("label:verdict=reject -{long}")), 0);
    let one = ids(&lib, &format!("-{long}"))[0].clone();
    label(&mut lib, &one, None, "verdict", json!("keep"));
    // Undo by batch id: the bulk batch goes, the later single label stays.
    lib.undo(&UndoRequest { batch: Some(r.batch) }).unwrap();
    assert_eq!(count(&lib, "label:verdict"), 1);
    assert_eq!(ids(&lib, "label:verdict=keep"), [one]);
}

#[test]
fn query_terms_see_labels_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 6, 3), "alice");
    let all = ids(&lib, "");
    label(&mut lib, &all[0], None, "verdict", json!("keep"));
    label(&mut lib, &all[1], None, "verdict", json!("reject"));
    label(&mut lib, &all[1], None, "failure_mode", json!(["loop", "gave_up"]));
    label(&mut lib, &all[2], None, "quality", json!(4));
    label(&mut lib, &all[3], None, "quality", json!(2));
    lib.use_annotator("bob").unwrap();
    label(&mut lib, &all[4], None, "verdict", json!("keep"));
    label(&mut lib, &all[5], None, "note", json!("Odd environment error at the end"));
    assert_eq!(ids(&lib, "label:verdict=keep"), [all[0].clone(), all[4].clone()]);
    assert_eq!(ids(&lib, "label:failure_mode=gave_up"), [all[1].clone()]);
    assert_eq!(ids(&lib, "label:verdict"), [all[0].clone(), all[1].clone(), all[4].clone()]);
    assert_eq!(ids(&lib, "label:verdict:none"), [all[2].clone(), all[3].clone(), all[5].clone()]);
    assert_eq!(ids(&lib, "label:quality>=3"), [all[2].clone()]);
    assert_eq!(ids(&lib, "label:quality=1..2"), [all[3].clone()]);
    assert_eq!(ids(&lib, "label:quality=4"), [all[2].clone()]);
    assert_eq!(ids(&lib, "annotator:bob"), [all[4].clone(), all[5].clone()]);
    assert_eq!(ids(&lib, "annotator:b*"), [all[4].clone(), all[5].clone()]);
    assert_eq!(ids(&lib, "noted:true"), [all[5].clone()]);
    assert_eq!(count(&lib, "noted:false"), 5);
    assert_eq!(ids(&lib, "label:note=environment"), [all[5].clone()]);
    assert_eq!(ids(&lib, "label:verdict=keep -annotator:alice"), [all[4].clone()]);
    // Errors name the column.
    let e = lib.count("x label:verdikt=keep").unwrap_err();
    assert_eq!((e.code(), e.0.column), (ErrorCode::BadQuery, Some(9)));
    assert!(e.to_string().contains("unknown label set 'verdikt'"), "{e}");
    let e = lib.count("label:verdict=kepp").unwrap_err();
    assert_eq!((e.code(), e.0.column), (ErrorCode::BadQuery, Some(15)));
    let e = lib.count("label:verdict>2").unwrap_err();
    assert_eq!((e.code(), e.0.column), (ErrorCode::BadQuery, Some(14)));
}

#[test]
fn queues_and_progress() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 20, 4), "alice");
    let all = ids(&lib, "");
    let q = |lib: &Library, kind: &str, n: Option<usize>, seed: Option<u64>| {
        lib.queue(&QueueRequest {
            query: String::new(),
            kind: Some(kind.into()),
            set: None,
            n,
            seed,
            offset: 0,
            limit: None,
        })
        .unwrap()
    };
    let whole = q(&lib, "all", None, None);
    assert_eq!((whole.ids.clone(), whole.done, whole.total), (all.clone(), 0, 20));
    label(&mut lib, &all[0], None, "verdict", json!("keep"));
    label(&mut lib, &all[3], None, "verdict", json!("keep"));
    let left = q(&lib, "unlabelled", None, None);
    assert_eq!((left.done, left.total, left.ids.len()), (2, 20, 18));
    assert!(!left.ids.contains(&all[0]) && !left.ids.contains(&all[3]));
    // Another annotator's progress is their own.
    lib.use_annotator("bob").unwrap();
    assert_eq!(q(&lib, "unlabelled", None, None).ids.len(), 20);
    let flagged = q(&lib, "flagged_first", None, None);
    let flagged_set: Vec<String> =
        all.iter().filter(|id| !lib.show(id).unwrap().meta.flags.is_empty()).cloned().collect();
    assert_eq!(flagged.ids[..flagged_set.len()], flagged_set[..]);
    let s1 = q(&lib, "sample", Some(5), Some(42));
    let s2 = q(&lib, "sample", Some(5), Some(42));
    let s3 = q(&lib, "sample", Some(5), Some(43));
    assert_eq!(s1.ids, s2.ids);
    assert_eq!((s1.ids.len(), s1.total), (5, 5));
    assert_ne!(s1.ids, s3.ids);
    assert!(s1.ids.iter().all(|id| all.contains(id)));
    let e = bad(lib.queue(&QueueRequest {
        query: String::new(),
        kind: Some("sample".into()),
        set: None,
        n: None,
        seed: None,
        offset: 0,
        limit: None,
    }));
    assert_eq!(e, "a sample queue needs n");
}

#[test]
fn flag_review_is_a_label() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 10, 5), "alice");
    let id = ids(&lib, "")[0].clone();
    let engine_flags = lib.show(&id).unwrap().meta.flags;
    let review = |lib: &mut Library, flag: &str, decision: &str| {
        lib.review_flag(&ReviewFlagRequest { id: id.clone(), flag: flag.into(), decision: decision.into() }).unwrap()
    };
    review(&mut lib, "no_finish", "dismiss");
    review(&mut lib, "loop", "confirm");
    review(&mut lib, "no_finish", "confirm");
    let flags = lib.labels_for(&LabelsForRequest { id: id.clone() }).unwrap().flags;
    let nf = flags.iter().find(|f| f.flag == "no_finish").unwrap();
    assert_eq!(nf.set_by_engine, engine_flags.contains(&QualityFlag::NoFinish));
    assert_eq!(nf.decisions.get("alice").map(String::as_str), Some("confirm"));
    let lp = flags.iter().find(|f| f.flag == "loop").unwrap();
    assert_eq!(lp.decisions.get("alice").map(String::as_str), Some("confirm"));
    assert_eq!(ids(&lib, "label:flag_review=confirm:no_finish"), std::slice::from_ref(&id));
    assert_eq!(count(&lib, "label:flag_review=dismiss:no_finish"), 0);
    review(&mut lib, "loop", "clear");
    review(&mut lib, "no_finish", "clear");
    assert_eq!(count(&lib, "label:flag_review"), 0);
    let e = bad(lib.review_flag(&ReviewFlagRequest { id, flag: "looping".into(), decision: "confirm".into() }));
    assert!(e.starts_with("unknown flag 'looping'"), "{e}");
}

#[test]
fn export_import_round_trip_across_two_databases() {
    let dir = tempfile::tempdir().unwrap();
    let file = data(dir.path(), 8, 6);
    let mut a = library(dir.path(), "a.db", &file, "alice");
    let mut b = library(dir.path(), "b.db", &file, "bob");
    let all = ids(&a, "");
    assert_eq!(all, ids(&b, ""), "the same records get the same stable ids in both databases");
    for (i, id) in all.iter().enumerate() {
        label(&mut a, id, None, "verdict", json!(if i % 2 == 0 { "keep" } else { "reject" }));
        label(&mut b, id, None, "verdict", json!(if i % 3 == 0 { "keep" } else { "reject" }));
    }
    label(&mut a, &all[0], Some(2), "failure_mode", json!(["loop"]));
    let undone = label(&mut a, &all[1], None, "quality", json!(5));
    a.undo(&UndoRequest { batch: Some(undone.batch) }).unwrap();
    let path_a = dir.path().join("alice.jsonl");
    let ex =
        a.labels_export(&LabelsExportRequest { path: Some(path_a.display().to_string()), annotator: None }).unwrap();
    assert_eq!(ex.count, 8 + 1 + 1 + 1);
    let report = b.labels_import(&LabelsImportRequest { path: path_a.display().to_string() }).unwrap();
    assert_eq!(report, LabelsImportReport { imported: 11, duplicates: 0, errors: vec![] });
    // Importing twice adds nothing.
    let again = b.labels_import(&LabelsImportRequest { path: path_a.display().to_string() }).unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 11));
    // Both annotators' values are kept; alice's undone rating stays undone.
    for id in &all {
        let mut ca = current(&a, id);
        let cb: Vec<_> = current(&b, id).into_iter().filter(|c| c.0 == "alice").collect();
        ca.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
        let mut cb = cb;
        cb.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
        assert_eq!(ca, cb);
        assert!(current(&b, id).iter().any(|c| c.0 == "bob"));
    }
    assert_eq!(count(&b, "label:quality"), 0);
    // Export from b and import into a: a ends with the same events as b.
    let text = b.labels_export(&LabelsExportRequest::default()).unwrap();
    assert_eq!(text.count, 19);
    let path_b = dir.path().join("both.jsonl");
    std::fs::write(&path_b, text.jsonl.unwrap()).unwrap();
    let r = a.labels_import(&LabelsImportRequest { path: path_b.display().to_string() }).unwrap();
    assert_eq!((r.imported, r.duplicates, r.errors.len()), (8, 11, 0));
    let ag = a.agreement(&AgreementRequest { set: "verdict".into(), annotators: vec![] }).unwrap();
    let bg = b.agreement(&AgreementRequest { set: "verdict".into(), annotators: vec![] }).unwrap();
    assert_eq!((ag.value, ag.items, ag.disagreements.len()), (bg.value, bg.items, bg.disagreements.len()));
}

#[test]
fn bad_import_lines_are_reported_and_valid_lines_land() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 3, 7), "alice");
    let id = ids(&lib, "")[0].clone();
    let ok = |event: &str, value: &str| {
        format!(
            r#"{{"event":"{event}","annotator":"carol","at":"2026-01-02T03:04:05Z","op":"set","id":"{id}","step":null,"set":"verdict","value":{value},"batch":"b1"}}"#
        )
    };
    let lines = [
        ok("e1", "\"keep\""),
        r#"{"event": "e2", "annotator": "carol""#.to_string(),
        ok("e3", "\"great\""),
        ok("e4", "\"reject\"").replace(&id, "0000000000nosuchid"),
        ok("e5", "\"keep\"").replace("\"verdict\"", "\"verdikt\""),
        ok("e6", "\"keep\"").replace("2026-01-02T03:04:05Z", "yesterday"),
        String::new(),
        ok("e1", "\"keep\""),
        ok("e7", "\"unsure\"").replace("03:04:05", "03:04:06"),
    ];
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let r = lib.labels_import(&LabelsImportRequest { path: path.display().to_string() }).unwrap();
    let errors: Vec<(u64, String)> = r.errors.iter().map(|e| (e.line, e.reason.clone())).collect();
    assert_eq!((r.imported, r.duplicates), (2, 1));
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert_eq!(errors[0].0, 2);
    assert!(errors[0].1.starts_with("malformed JSON: EOF while parsing an object"), "{}", errors[0].1);
    assert_eq!(errors[1], (3, "value 'great' is not in label set 'verdict' (keep, reject, unsure)".into()));
    assert_eq!(errors[2], (4, "no trajectory with id 0000000000nosuchid".into()));
    assert!(errors[3].0 == 5 && errors[3].1.starts_with("unknown label set 'verdikt'"), "{:?}", errors[3]);
    assert_eq!(errors[4], (6, "bad time 'yesterday': expected RFC 3339".into()));
    // carol's latest valid event wins.
    assert!(current(&lib, &id).contains(&("carol".into(), None, "verdict".into(), json!("unsure"))));
}

#[test]
fn a_failure_mid_import_applies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 3, 8), "alice");
    let all = ids(&lib, "");
    let lines: Vec<String> = all
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                r#"{{"event":"ev{i}","annotator":"dan","at":"2026-01-02T03:04:0{i}Z","op":"set","id":"{id}","set":"verdict","value":"keep","batch":"b"}}"#
            )
        })
        .collect();
    let path = dir.path().join("in.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    // The database itself fails on the third line's insert (as a full disk or a crash would).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER fail_third BEFORE INSERT ON label_events WHEN NEW.event = 'ev2'
         BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
    )
    .unwrap();
    let e = lib.labels_import(&LabelsImportRequest { path: path.display().to_string() }).unwrap_err();
    assert!(e.to_string().contains("disk full"), "{e}");
    assert_eq!(count(&lib, "annotator:dan"), 0, "nothing half-applied");
    conn.execute_batch("DROP TRIGGER fail_third").unwrap();
    let r = lib.labels_import(&LabelsImportRequest { path: path.display().to_string() }).unwrap();
    assert_eq!((r.imported, r.duplicates), (3, 0));
    assert_eq!(count(&lib, "annotator:dan"), 3);
}

#[test]
fn agreement_and_adjudication() {
    let dir = tempfile::tempdir().unwrap();
    let mut lib = library(dir.path(), "t.db", &data(dir.path(), 10, 9), "alice");
    let all = ids(&lib, "");
    // alice / bob on 10 items: (keep,keep)×4 (reject,reject)×2 (unsure,unsure)×1 (keep,reject)×2
    // (reject,unsure)×1, the case of core's kappa_three_categories: κ = .32/.62.
    let pairs = [
        ("keep", "keep"),
        ("keep", "keep"),
        ("keep", "keep"),
        ("keep", "keep"),
        ("reject", "reject"),
        ("reject", "reject"),
        ("unsure", "unsure"),
        ("keep", "reject"),
        ("keep", "reject"),
        ("reject", "unsure"),
    ];
    for (id, (a, _)) in all.iter().zip(pairs) {
        label(&mut lib, id, None, "verdict", json!(a));
    }
    lib.use_annotator("bob").unwrap();
    for (id, (_, b)) in all.iter().zip(pairs) {
        label(&mut lib, id, None, "verdict", json!(b));
    }
    let r = lib.agreement(&AgreementRequest { set: "verdict".into(), annotators: vec![] }).unwrap();
    assert_eq!(
        (r.kind.as_str(), r.items, r.annotators.clone()),
        ("cohen_kappa", 10, vec!["alice".into(), "bob".into()])
    );
    assert!((r.value.unwrap() - 0.32 / 0.62).abs() < 1e-9, "{:?}", r.value);
    assert_eq!(r.disagreements.len(), 3);
    assert_eq!(r.disagreements.iter().filter(|d| d.id == all[7]).count(), 1);
    // A third annotator on the first 3 items: α over all items with ≥ 2 values.
    lib.use_annotator("carol").unwrap();
    for id in &all[..3] {
        label(&mut lib, id, None, "verdict", json!("keep"));
    }
    let r = lib.agreement(&AgreementRequest { set: "verdict".into(), annotators: vec![] }).unwrap();
    assert_eq!((r.kind.as_str(), r.annotators.len()), ("krippendorff_alpha", 3));
    assert_eq!(r.value, r.alpha);
    // Adjudicating a disagreement: recorded, and what queries see.
    assert_eq!(count(&lib, &format!("id:{} label:verdict=reject", all[7])), 1);
    lib.adjudicate(&LabelRequest { id: all[7].clone(), step: None, set: "verdict".into(), value: json!("keep") })
        .unwrap();
    assert_eq!(count(&lib, &format!("id:{} label:verdict=reject", all[7])), 0);
    assert_eq!(count(&lib, &format!("id:{} label:verdict=keep", all[7])), 1);
    let r = lib
        .agreement(&AgreementRequest { set: "verdict".into(), annotators: vec!["alice".into(), "bob".into()] })
        .unwrap();
    let d = r.disagreements.iter().find(|d| d.id == all[7]).unwrap();
    assert_eq!(d.adjudicated, Some(json!("keep")));
    assert_eq!(d.values.get("bob"), Some(&json!("reject")));
    // Ratings use the interval metric.
    let e = bad(lib.agreement(&AgreementRequest { set: "note".into(), annotators: vec![] }));
    assert_eq!(e, "agreement needs a select or rating set; 'note' is text");
}

#[test]
fn labels_survive_reingest_reindex_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let file = data(dir.path(), 5, 10);
    let db = dir.path().join("t.db");
    let snapshot = |lib: &Library| {
        let t = lib.labels_export(&LabelsExportRequest::default()).unwrap().jsonl.unwrap();
        let all = ids(lib, "");
        let cur: Vec<_> = all.iter().map(|id| current(lib, id)).collect();
        (t, cur, count(lib, "label:verdict=keep"), count(lib, "label:failure_mode=loop"))
    };
    let before = {
        let mut lib = library(dir.path(), "t.db", &file, "alice");
        let all = ids(&lib, "");
        label(&mut lib, &all[0], None, "verdict", json!("keep"));
        label(&mut lib, &all[1], Some(3), "failure_mode", json!(["loop"]));
        label(&mut lib, &all[2], None, "note", json!("check"));
        snapshot(&lib)
    };
    let mut lib = Library::open(&db).unwrap();
    lib.ingest(&IngestRequest { paths: vec![file.display().to_string()], force: true }, |_| {}).unwrap();
    assert_eq!(snapshot(&lib), before);
    lib.reindex().unwrap();
    assert_eq!(snapshot(&lib), before);
    drop(lib);
    let lib = Library::open(&db).unwrap();
    assert_eq!(snapshot(&lib), before);
    assert_eq!(before.2, 1);
    assert_eq!(before.3, 1);
}
