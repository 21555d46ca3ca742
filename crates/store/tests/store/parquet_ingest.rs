//! Tests: Parquet ingest. The same trajectories ingested from JSON Lines and from Parquet (the NV
//! schema, with an extra column, without the optional message fields, with `trajectory` as a JSON
//! string, and through the JSON route) give the same stored rows, facts, flags, calls and
//! normalized trajectories; a row's original is its arrow-json line; a directory of shards is one
//! dataset with per-shard progress; an ingest stopped inside a row group resumes at its row.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::{json, Value};
use trawl_store::ingest::{ingest, IngestOptions, IngestSummary, Progress};
use trawl_store::Store;

use crate::malformed::{compact, nv_schema, row, string_schema, write_parquet_with};

/// Rows in the shape of the NV datasets: generated ones (long, many tool calls) and the corpus's
/// hand-written row, with a null content, a message without `tool_calls` and one with an empty list.
fn nv_rows(n: u64) -> Vec<Value> {
    let cfg = trawl_gen::GenConfig::new(7);
    let mut rows: Vec<Value> =
        (0..n).map(|i| serde_json::from_str(&trawl_gen::row(&cfg, i)).expect("gen row")).collect();
    let mut r = row("pallets__click-1001");
    r["trajectory"][1]["content"] = Value::Null;
    r["trajectory"][2]["tool_calls"] = json!([]);
    r["model_patch"] = Value::Null;
    rows.push(r);
    // Two calls answered in the other order: only `tool_call_id` pairs them right.
    let call = |id: &str, cmd: &str| json!({"id": id, "type": "function", "function": {"name": "execute_bash", "arguments": json!({"command": cmd}).to_string()}});
    let mut r = row("pallets__click-1002");
    r["trajectory"] = json!([
        {"role": "user", "content": "Fix it"},
        {"role": "assistant", "content": "Two looks.", "tool_calls": [call("c1", "ls"), call("c2", "false")]},
        {"role": "tool", "content": "boom\n[The command completed with exit code 1.]", "tool_call_id": "c2", "name": "execute_bash"},
        {"role": "tool", "content": "a.py\n[The command completed with exit code 0.]", "tool_call_id": "c1", "name": "execute_bash"},
        {"role": "assistant", "content": "Done."}
    ]);
    rows.push(r);
    rows
}

fn props(group_rows: usize) -> parquet::file::properties::WriterProperties {
    parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .set_compression(parquet::basic::Compression::SNAPPY)
        .build()
}

fn write_jsonl(path: &Path, rows: &[Value]) {
    let mut body = Vec::new();
    for r in rows {
        body.extend(compact(r));
        body.push(b'\n');
    }
    std::fs::write(path, body).expect("write jsonl");
}

fn ingest_one(dir: &Path, name: &str, file: &Path) -> (Store, IngestSummary) {
    let mut store = Store::open(&dir.join(format!("{name}.db"))).expect("open store");
    let s = ingest(&mut store, &[file.to_path_buf()], &IngestOptions::default(), |_| {}).expect("ingest");
    (store, s)
}

/// Everything stored about each trajectory except what legitimately differs between two files of
/// the same rows (ids, paths, offsets, the original bytes): its row, its calls, its normalized
/// trajectory as `show` rebuilds it, and the diagnostics naming its row.
fn stored(store: &Store, summary: &IngestSummary) -> Vec<String> {
    let conn = store.connection();
    let mut st = conn
        .prepare(
            "SELECT id, line, format, instance_id, repo, dataset, license, model, trajectory_id, resolved_own, resolved,
                exit_status, error, cost, prompt_tokens, completion_tokens, api_calls, steps, tool_calls, patch_files,
                patch_added, patch_removed, flags, facts, kind, base_instance, patch_hash
             FROM trajectories ORDER BY line",
        )
        .expect("prepare");
    let rows: Vec<(i64, String)> = st
        .query_map([], |r| {
            let cols: Vec<String> = (1..27).map(|i| format!("{:?}", r.get_ref(i).expect("column"))).collect();
            Ok((r.get(0)?, cols.join(" | ")))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let mut calls = conn
        .prepare("SELECT step, tool, cmd, exit_code FROM calls WHERE traj = ?1 ORDER BY step, rowid")
        .expect("prepare calls");
    let mut out = Vec::new();
    for (id, cols) in rows {
        let c: Vec<String> = calls
            .query_map([id], |r| {
                Ok(format!("{:?} {:?} {:?} {:?}", r.get_ref(0)?, r.get_ref(1)?, r.get_ref(2)?, r.get_ref(3)?))
            })
            .expect("calls")
            .collect::<Result<_, _>>()
            .expect("calls rows");
        let loaded = trawl_store::show::load_row(store, id).expect("load row");
        out.push(format!("{cols}\ncalls: {c:?}\ntrajectory: {:?}", loaded.traj));
    }
    let mut diags: Vec<String> =
        summary.diagnostics.iter().map(|d| format!("{:?} row {}: {}", d.severity, d.line, d.message)).collect();
    diags.sort();
    out.extend(diags);
    out
}

/// The rows with `name` and `tool_call_id` taken out of every message.
fn without_optional_message_fields(rows: &[Value]) -> Vec<Value> {
    rows.iter()
        .cloned()
        .map(|mut r| {
            for m in r["trajectory"].as_array_mut().expect("trajectory list") {
                let m = m.as_object_mut().expect("message object");
                m.remove("name");
                m.remove("tool_call_id");
            }
            r
        })
        .collect()
}

/// The NV schema with the message struct rebuilt by `f`, plus `extra` top-level fields.
fn nv_schema_with(
    f: impl Fn(Vec<arrow_schema::FieldRef>) -> Vec<arrow_schema::FieldRef>,
    extra: Vec<arrow_schema::Field>,
) -> arrow_schema::Schema {
    use arrow_schema::{DataType, Field, Fields, Schema};
    let base = nv_schema();
    let mut fields: Vec<arrow_schema::FieldRef> = Vec::new();
    for field in base.fields() {
        if field.name() == "trajectory" {
            let DataType::List(item) = field.data_type() else { panic!("trajectory is a list") };
            let DataType::Struct(msg) = item.data_type() else { panic!("of structs") };
            let msg = Fields::from(f(msg.iter().cloned().collect()));
            let item = Field::new("item", DataType::Struct(msg), true);
            fields.push(Arc::new(Field::new("trajectory", DataType::List(Arc::new(item)), true)));
        } else {
            fields.push(Arc::clone(field));
        }
    }
    fields.extend(extra.into_iter().map(Arc::new));
    Schema::new(fields)
}

#[test]
fn parquet_rows_give_the_same_trajectories_facts_and_flags_as_json_lines() {
    use arrow_schema::{DataType, Field};
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = nv_rows(23);
    let bare = without_optional_message_fields(&rows);
    let with_extra: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            r["shard_note"] = json!(format!("note {i}"));
            r["score"] = json!(i as f64 / 4.0);
            r
        })
        .collect();
    let as_string: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r["trajectory"] = json!(serde_json::to_string(&r["trajectory"]).expect("serialize"));
            r
        })
        .collect();
    let extra_cols = vec![Field::new("shard_note", DataType::Utf8, true), Field::new("score", DataType::Float64, true)];
    // A 32-bit float does not convert exactly straight from Arrow: the rows take the JSON route.
    let json_route_cols = vec![Field::new("score", DataType::Float32, true)];
    let no_optional = |fs: Vec<arrow_schema::FieldRef>| -> Vec<arrow_schema::FieldRef> {
        fs.into_iter().filter(|f| f.name() != "name" && f.name() != "tool_call_id").collect()
    };
    let variants: Vec<(&str, arrow_schema::Schema, &[Value], &[Value])> = vec![
        ("nv", nv_schema(), &rows, &rows),
        ("extra_columns", nv_schema_with(|f| f, extra_cols), &with_extra, &rows),
        ("no_name_or_tool_call_id", nv_schema_with(no_optional, Vec::new()), &rows, &bare),
        ("trajectory_as_json_string", string_schema(), &as_string, &rows),
        ("json_route", nv_schema_with(|f| f, json_route_cols), &with_extra, &rows),
    ];
    let mut references: Vec<(&[Value], Vec<String>)> = Vec::new();
    for (name, schema, parquet_rows, jsonl_rows) in variants {
        let expected = match references.iter().find(|(r, _)| r.as_ptr() == jsonl_rows.as_ptr()) {
            Some((_, e)) => e.clone(),
            None => {
                let jsonl = dir.path().join(format!("{name}.jsonl"));
                write_jsonl(&jsonl, jsonl_rows);
                let (store, s) = ingest_one(dir.path(), &format!("{name}-jsonl"), &jsonl);
                assert_eq!(s.stored, jsonl_rows.len() as u64, "{name}: {:#?}", s.diagnostics);
                let e = stored(&store, &s);
                references.push((jsonl_rows, e.clone()));
                e
            }
        };
        let pq = dir.path().join(format!("{name}.parquet"));
        // Row groups of 5 rows: several groups, decoded on different workers.
        write_parquet_with(&pq, schema, parquet_rows, Some(props(5)));
        let (store, s) = ingest_one(dir.path(), name, &pq);
        assert_eq!(s.stored, rows.len() as u64, "{name}: {:#?}", s.diagnostics);
        assert_eq!((s.errors, s.rejected), (0, 0), "{name}: {:#?}", s.diagnostics);
        let got = stored(&store, &s);
        assert_eq!(got.len(), expected.len(), "{name}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e, "{name}: a Parquet row differs from its JSON line");
        }
    }
}

#[test]
fn a_parquet_rows_original_is_its_arrow_json_line_and_its_id_the_hash_of_that_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let r = json!({
        "instance_id": "pallets__click-7",
        "repo": "pallets/click",
        "license": null,
        "trajectory_id": "t-7",
        "trajectory": [
            {"role": "user", "content": "Fix \"it\"\n\tplease é"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "execute_bash", "arguments": "{\"command\": \"ls\"}"}}
            ]},
            {"role": "tool", "content": "a\nb", "tool_call_id": "c1", "name": "execute_bash"}
        ],
        "model_patch": "diff --git a/x b/x\n",
        "dataset": "swe-zero"
    });
    let pq = dir.path().join("one.parquet");
    write_parquet_with(&pq, nv_schema(), &[r], None);
    let (store, s) = ingest_one(dir.path(), "one", &pq);
    assert_eq!(s.stored, 1, "{:#?}", s.diagnostics);
    // Columns in schema order; null columns and null struct fields left out; arrow-json's escapes.
    // Changing this changes the id of every Parquet row of every existing database.
    let expected = concat!(
        r#"{"instance_id":"pallets__click-7","repo":"pallets/click","trajectory_id":"t-7","trajectory":["#,
        r#"{"role":"user","content":"Fix \"it\"\n\tplease é"},"#,
        r#"{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"execute_bash","arguments":"{\"command\": \"ls\"}"}}]},"#,
        r#"{"role":"tool","content":"a\nb","tool_call_id":"c1","name":"execute_bash"}],"#,
        r#""model_patch":"diff --git a/x b/x\n","dataset":"swe-zero"}"#
    );
    let id = trawl_store::show::row_id_for_uid(&store, &trawl_core::framing::record_id(expected.as_bytes()))
        .expect("the row's id is the hash of its arrow-json line");
    let loaded = trawl_store::show::load_row(&store, id).expect("load");
    assert_eq!(String::from_utf8(loaded.raw).expect("utf-8"), expected);
    // The id main computed for this row (before rows were read straight from Arrow).
    assert_eq!(loaded.uid, "tdcd8f7a73ffb7178a18");
}

#[test]
fn a_directory_of_shards_ingests_as_one_dataset_with_progress_per_shard() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    let rows = nv_rows(8);
    let shards: Vec<PathBuf> = rows
        .chunks(4)
        .enumerate()
        .map(|(k, chunk)| {
            let p = data.join(format!("train-{k:05}-of-00003.parquet"));
            write_parquet_with(&p, nv_schema(), chunk, Some(props(2)));
            p
        })
        .collect();
    assert_eq!(shards.len(), 3);
    let mut store = Store::open(&dir.path().join("t.db")).expect("open");
    let mut seen: Vec<(usize, usize, String)> = Vec::new();
    let s = ingest(&mut store, &[data], &IngestOptions::default(), |p: &Progress| {
        let name = Path::new(&p.current_file).file_name().unwrap().to_string_lossy().into_owned();
        if seen.last().map(|(k, _, _)| *k) != Some(p.file_index) {
            seen.push((p.file_index, p.files, name));
        }
    })
    .expect("ingest");
    assert_eq!((s.files, s.stored, s.errors), (3, rows.len() as u64, 0), "{:#?}", s.diagnostics);
    let names = |k: usize| format!("train-{k:05}-of-00003.parquet");
    assert_eq!(seen, vec![(1, 3, names(0)), (2, 3, names(1)), (3, 3, names(2))]);
    // The dataset is each row's own `dataset` column, whichever shard holds it (never a shard's
    // file name).
    let datasets: std::collections::BTreeSet<String> = store
        .connection()
        .prepare("SELECT dataset FROM trajectories")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .expect("datasets");
    let expected: std::collections::BTreeSet<String> =
        rows.iter().map(|r| r["dataset"].as_str().expect("a dataset").to_string()).collect();
    assert_eq!(datasets, expected);
}

#[test]
fn an_ingest_stopped_inside_a_row_group_resumes_at_its_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One row group of 150 rows: decoded in pieces of 64, each piece committed on its own.
    let rows: Vec<Value> = (1..=150u64).map(|i| row(&format!("pallets__click-{i}"))).collect();
    let pq = dir.path().join("big_group.parquet");
    write_parquet_with(&pq, nv_schema(), &rows, Some(props(200)));
    let mut store = Store::open(&dir.path().join("t.db")).expect("open");
    let cancel = Arc::new(AtomicBool::new(false));
    let opts = IngestOptions { cancel: Some(Arc::clone(&cancel)), workers: 1, ..IngestOptions::default() };
    let first = ingest(&mut store, std::slice::from_ref(&pq), &opts, |_| cancel.store(true, Ordering::SeqCst))
        .expect("first ingest");
    assert!(first.cancelled);
    assert!(first.stored > 0 && first.stored < 150, "stopped after a piece: {}", first.stored);
    let second = ingest(&mut store, &[pq], &IngestOptions::default(), |_| {}).expect("resume");
    assert_eq!(second.duplicates, 0, "no row read twice");
    assert_eq!(first.stored + second.stored, 150);
    assert_eq!(first.records + second.records, 150);
    let lines: Vec<i64> = store
        .connection()
        .prepare("SELECT line FROM trajectories ORDER BY line")
        .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
        .expect("lines");
    assert_eq!(lines, (1..=150).collect::<Vec<i64>>());
}

/// Open-SWE-Traces rows (formats.md §1.2): `messages` with `reasoning_content`, `tools`, `resolved`
/// 1/0/-1, a nested `metadata` struct naming the teacher model and holding the patch.
#[test]
fn open_swe_traces_rows_give_the_same_trajectories_from_parquet_as_from_json_lines() {
    use arrow_schema::{DataType, Field, Fields, Schema};
    let dir = tempfile::tempdir().expect("tempdir");
    let rows: Vec<Value> = nv_rows(5)
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let messages: Vec<Value> = r["trajectory"]
                .as_array()
                .expect("messages")
                .iter()
                .map(|m| {
                    let mut m = m.clone();
                    let o = m.as_object_mut().expect("message");
                    o.remove("name");
                    o.remove("tool_call_id");
                    if o["role"] == "assistant" && i % 2 == 0 {
                        o.insert("reasoning_content".into(), json!("Thinking about the next step."));
                    }
                    m
                })
                .collect();
            let patch = |p: &Value| json!({"patch": p, "num_modified_files": 1, "num_modified_lines": i});
            let resolved = [1, 0, -1][i % 3];
            json!({
                "instance_id": r["instance_id"], "repo": r["repo"], "license": r["license"], "language": "python",
                "trajectory_id": r["trajectory_id"], "messages": messages,
                "tools": ["{\"type\": \"function\", \"function\": {\"name\": \"execute_bash\"}}"],
                "resolved": resolved,
                "metadata": {
                    "category": "bugfix",
                    "teacher_model": {"name": "MiniMax-M2.5", "enable_thinking": i % 2 == 0, "reasoning_effort": "high"},
                    "reference_patch": patch(&json!("diff --git a/r b/r\n")),
                    "model_patch": patch(&r["model_patch"]),
                },
                "hf_dataset_name": "nvidia/Open-SWE-Traces",
            })
        })
        .collect();
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let i64f = |n: &str| Field::new(n, DataType::Int64, true);
    let list = |n: &str, t: DataType| Field::new(n, DataType::List(Arc::new(Field::new("item", t, true))), true);
    let function = DataType::Struct(Fields::from(vec![s("name"), s("arguments")]));
    let call = DataType::Struct(Fields::from(vec![s("id"), s("type"), Field::new("function", function, true)]));
    let message =
        DataType::Struct(Fields::from(vec![s("role"), s("content"), s("reasoning_content"), list("tool_calls", call)]));
    let patch =
        DataType::Struct(Fields::from(vec![s("patch"), i64f("num_modified_files"), i64f("num_modified_lines")]));
    let teacher = DataType::Struct(Fields::from(vec![
        s("name"),
        Field::new("enable_thinking", DataType::Boolean, true),
        s("reasoning_effort"),
    ]));
    let metadata = DataType::Struct(Fields::from(vec![
        s("category"),
        Field::new("teacher_model", teacher, true),
        Field::new("reference_patch", patch.clone(), true),
        Field::new("model_patch", patch, true),
    ]));
    let schema = Schema::new(vec![
        s("instance_id"),
        s("repo"),
        s("license"),
        s("language"),
        s("trajectory_id"),
        list("messages", message),
        list("tools", DataType::Utf8),
        i64f("resolved"),
        Field::new("metadata", metadata, true),
        s("hf_dataset_name"),
    ]);
    let jsonl = dir.path().join("open_swe_traces.jsonl");
    write_jsonl(&jsonl, &rows);
    let (store, js) = ingest_one(dir.path(), "jsonl", &jsonl);
    assert_eq!(js.by_format.get("open-swe-traces"), Some(&(rows.len() as u64)), "{:#?}", js.diagnostics);
    let pq = dir.path().join("open_swe_traces.parquet");
    write_parquet_with(&pq, schema, &rows, Some(props(2)));
    let (pstore, ps) = ingest_one(dir.path(), "parquet", &pq);
    assert_eq!((ps.stored, ps.errors), (rows.len() as u64, 0), "{:#?}", ps.diagnostics);
    let (expected, got) = (stored(&store, &js), stored(&pstore, &ps));
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e, "an Open-SWE-Traces Parquet row differs from its JSON line");
    }
}
