//! Dedup keys: the patch keys read from a record's skeleton (without normalizing it) equal the
//! keys of the whole normalized record, for every format, long (blob) and short patches, patches
//! in nested fields, and records whose own text looks like a skeleton placeholder.

use std::path::PathBuf;

use trawl_store::dedup::{self, Mode};
use trawl_store::ingest::{ingest, IngestOptions};
use trawl_store::Store;

fn real() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real")
}

/// A unified diff of `lines` added lines (long enough to be stored as a blob from ~20 lines).
fn diff(file: &str, lines: usize, salt: &str) -> String {
    let mut d = format!("diff --git a/{file} b/{file}\n--- a/{file}\n+++ b/{file}\n@@ -1,1 +1,{lines} @@\n");
    for i in 0..lines {
        d.push_str(&format!("+    value_{i} = compute(\"{salt}\", {i})  # a line of the patch\n"));
    }
    d
}

fn records() -> String {
    let messages = serde_json::json!([
        {"role": "system", "content": "You are a helpful agent."},
        {"role": "user", "content": "Fix the bug in module.py"},
        {"role": "assistant", "content": "Looking.", "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "execute_bash", "arguments": "{\"command\": \"ls\"}"}}]},
        {"role": "tool", "content": "module.py", "tool_call_id": "c1", "name": "execute_bash"},
        {"role": "assistant", "content": "Done.", "tool_calls": [{"id": "c2", "type": "function",
            "function": {"name": "finish", "arguments": "{}"}}]},
    ]);
    let nv = |id: &str, patch: serde_json::Value| {
        serde_json::json!({"instance_id": format!("o__r-{id}"), "repo": "o/r", "trajectory_id": id,
            "trajectory": messages, "model_patch": patch, "dataset": "test"})
        .to_string()
    };
    let lines = [
        nv("long", diff("a.py", 60, "x").into()),
        nv("long-again", diff("a.py", 60, "x").into()),
        nv("short", diff("b.py", 2, "y").into()),
        nv("none", serde_json::Value::Null),
        nv("empty", "".into()),
        // A long patch whose text spells a skeleton placeholder.
        nv("marker-in-blob", format!("{}+ \u{1}\u{2}0\n", diff("c.py", 30, "z")).into()),
        // A short patch equal to the placeholder of the record's first blob (its diff-like system
        // prompt): read from the skeleton it would be taken for that blob.
        {
            let mut v: serde_json::Value = serde_json::from_str(&nv("marker", "\u{1}\u{2}0".into())).unwrap();
            v["trajectory"][0]["content"] = diff("s.py", 30, "s").into();
            v.to_string()
        },
        // Open-SWE-Traces keeps the patch in `metadata.model_patch.patch`.
        serde_json::json!({"messages": messages, "metadata": {"teacher_model": "m",
            "model_patch": {"patch": diff("d.py", 40, "w"), "num_modified_files": 1}}})
        .to_string(),
        // A patch under `info.submission` next to `messages`.
        serde_json::json!({"messages": messages, "info": {"submission": diff("e.py", 25, "v")}}).to_string(),
    ];
    lines.join("\n") + "\n"
}

#[test]
fn patch_keys_from_the_skeleton_equal_those_of_the_normalized_record() {
    let dir = tempfile::tempdir().unwrap();
    let jsonl = dir.path().join("rows.jsonl");
    std::fs::write(&jsonl, records()).unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let s = ingest(&mut store, &[real(), jsonl], &IngestOptions::default(), |_| {}).unwrap();
    assert_eq!(s.errors, 0, "{:#?}", s.diagnostics);
    let ids: Vec<i64> = {
        let mut st = store.connection().prepare("SELECT id FROM trajectories ORDER BY id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(ids.len(), 16 + 9);

    // Patch modes: keys from the skeleton where the format allows, no text hash.
    let quick = dedup::keys_for(&store, &ids, Mode::ExactPatch).unwrap();
    assert!(quick.iter().all(|k| k.text_hash.is_none()));
    // Exact text: every key from the whole normalized record (cached patch keys are not reused).
    dedup::clear_cache(&store).unwrap();
    let full = dedup::keys_for(&store, &ids, Mode::ExactText).unwrap();
    assert!(full.iter().all(|k| k.text_hash.is_some()));
    for ((q, f), id) in quick.iter().zip(&full).zip(&ids) {
        assert_eq!(q.patch_hash, f.patch_hash, "patch hash of row {id}");
        assert_eq!(q.signature, f.signature, "signature of row {id}");
    }
    let with_patch = quick.iter().filter(|k| k.patch_hash.is_some()).count();
    assert!(with_patch >= 12, "only {with_patch} rows have a patch");

    // The two NV rows with the same long patch are exact and near duplicates; the cache answers
    // the patch modes after an exact-text run.
    let groups = dedup::groups(&dedup::keys_for(&store, &ids, Mode::ExactPatch).unwrap(), Mode::ExactPatch);
    let near = dedup::groups(&dedup::keys_for(&store, &ids, Mode::NearPatch(0.8)).unwrap(), Mode::NearPatch(0.8));
    let pair = |g: &Vec<Vec<usize>>| g.iter().any(|g| g.len() == 2 && ids[g[0]] + 1 == ids[g[1]]);
    assert!(pair(&groups), "exact groups {groups:?}");
    assert!(pair(&near), "near groups {near:?}");
}
