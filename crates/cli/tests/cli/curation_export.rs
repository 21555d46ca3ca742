//! Exports through the real binary: `jsonl-original` byte-exact, `sft-chat` in the OpenAI message
//! shape, Parquet read back with pyarrow and `datasets`, disjoint split groups, byte-identical
//! rebuild from a manifest.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{json, Value};

use crate::curation::{fails, generated_db, s, sha256_hex, EXPORT_COLUMNS};
use crate::support::{run_json, u};

/// Lines of a file as byte strings.
pub(crate) fn lines_of(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.is_empty() || bytes.ends_with(b"\n"), "{} does not end with a newline", path.display());
    bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

pub(crate) fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every output file exists with the manifest's size and sha256; returns the outputs.
pub(crate) fn check_manifest(dir: &Path) -> Vec<Value> {
    let m = manifest(dir);
    let outs = m["outputs"].as_array().unwrap().clone();
    for o in &outs {
        let bytes = std::fs::read(dir.join(o["file"].as_str().unwrap())).unwrap();
        assert_eq!(bytes.len() as u64, u(o, "bytes"));
        assert_eq!(sha256_hex(&bytes), o["sha256"].as_str().unwrap(), "{o}");
    }
    let members = std::fs::read(dir.join("members.txt")).unwrap();
    assert_eq!(sha256_hex(&members), m["members"]["sha256"].as_str().unwrap());
    assert!(m["tool"].as_str().unwrap().starts_with("trawl "));
    assert!(m["lineage"].as_array().is_some_and(|l| !l.is_empty()));
    for src in m["sources"].as_array().unwrap() {
        let path = src["path"].as_str().unwrap();
        assert_eq!(src["sha256"].as_str().unwrap(), sha256_hex(&std::fs::read(path).unwrap()), "{path}");
    }
    assert!(std::fs::read_dir(dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp-")));
    outs
}

pub(crate) fn validate_openai_line(line: &Value) {
    let msgs = line["messages"].as_array().expect("messages");
    let tools = line["tools"].as_array().expect("tools");
    let tool_names: HashSet<&str> = tools
        .iter()
        .map(|t| {
            assert_eq!(t["type"], "function", "{t}");
            assert!(t["function"]["parameters"].is_object() || t["function"]["parameters"].is_null());
            t["function"]["name"].as_str().expect("tool name")
        })
        .collect();
    let mut open_calls: HashSet<String> = HashSet::new();
    assert!(msgs.iter().any(|m| m["role"] == "assistant"));
    for m in msgs {
        let role = m["role"].as_str().expect("role");
        assert!(["system", "user", "assistant", "tool"].contains(&role), "{role}");
        assert!(m["content"].is_string(), "{m}");
        if let Some(calls) = m.get("tool_calls") {
            assert_eq!(role, "assistant");
            for c in calls.as_array().unwrap() {
                assert_eq!(c["type"], "function");
                let name = c["function"]["name"].as_str().unwrap();
                assert!(tool_names.contains(name), "{name} not in tools");
                let args = c["function"]["arguments"].as_str().expect("arguments are a JSON string");
                serde_json::from_str::<Value>(args).expect("arguments parse as JSON");
                open_calls.insert(c["id"].as_str().unwrap().to_string());
            }
        }
        if role == "tool" {
            let id = m["tool_call_id"].as_str().expect("tool_call_id");
            assert!(open_calls.contains(id), "tool message answers an unknown call {id}");
        }
    }
}

pub(crate) fn python_has(module: &str) -> bool {
    std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn exports_original_chat_and_parquet_with_splits_and_a_reproducible_manifest() {
    let (tmp, data, db) = generated_db(9, 240);
    let v = run_json(&db, &["subset", "create", "sel", "--rule", "-flag:empty_patch", "--json"]);
    let n = u(&v, "count");
    let source_lines: HashSet<Vec<u8>> = lines_of(&data).into_iter().collect();

    // jsonl-original, split by repo: lines are the source bytes, groups never span splits.
    let orig = tmp.path().join("orig");
    let r = run_json(
        &db,
        &[
            "export",
            "--subset",
            "sel@1",
            "--format",
            "jsonl-original",
            "--out",
            s(&orig),
            "--split",
            "0.8,0.1,0.1",
            "--group-by",
            "repo",
            "--seed",
            "7",
            "--json",
        ],
    );
    assert_eq!(u(&r, "records"), n);
    let outs = check_manifest(&orig);
    assert_eq!(
        outs.iter().map(|o| o["file"].as_str().unwrap()).collect::<Vec<_>>(),
        ["train.jsonl", "validation.jsonl", "test.jsonl"]
    );
    let mut repos_by_split: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut total = 0;
    for o in &outs {
        let lines = lines_of(&orig.join(o["file"].as_str().unwrap()));
        assert_eq!(lines.len() as u64, u(o, "records"));
        total += lines.len() as u64;
        for l in &lines {
            assert!(source_lines.contains(l), "an exported line is not byte-identical to a source line");
            let v: Value = serde_json::from_slice(l).unwrap();
            repos_by_split
                .entry(o["split"].as_str().unwrap().into())
                .or_default()
                .insert(v["repo"].as_str().unwrap().into());
        }
    }
    assert_eq!(total, n);
    let splits: Vec<&HashSet<String>> = repos_by_split.values().collect();
    assert_eq!(splits.len(), 3, "every split gets records: {repos_by_split:?}");
    for (i, a) in splits.iter().enumerate() {
        for b in &splits[i + 1..] {
            assert!(a.is_disjoint(b), "a repository spans two splits");
        }
    }
    let train = u(&outs[0], "records") as f64 / n as f64;
    assert!((0.6..=0.95).contains(&train), "train share {train}");
    let m = manifest(&orig);
    assert_eq!((m["seed"].as_u64(), m["group_by"].as_str()), (Some(7), Some("repo")));
    assert_eq!(m["subset"]["name"], "sel");
    assert_eq!(m["lineage"][0]["definition"]["rule"], "-flag:empty_patch");
    // Instance grouping is disjoint too, and another seed gives another assignment.
    let by_inst = tmp.path().join("inst");
    run_json(
        &db,
        &[
            "export",
            "--subset",
            "sel",
            "--format",
            "jsonl-original",
            "--out",
            s(&by_inst),
            "--split",
            "0.5,0.25,0.25",
            "--group-by",
            "instance",
            "--seed",
            "8",
            "--json",
        ],
    );
    let mut inst_split: HashMap<String, String> = HashMap::new();
    for o in check_manifest(&by_inst) {
        for l in lines_of(&by_inst.join(o["file"].as_str().unwrap())) {
            let v: Value = serde_json::from_slice(&l).unwrap();
            let prev =
                inst_split.insert(v["instance_id"].as_str().unwrap().into(), o["split"].as_str().unwrap().into());
            assert!(prev.is_none_or(|p| p == o["split"].as_str().unwrap()), "an instance spans two splits");
        }
    }

    // sft-chat: every line has the OpenAI fine-tuning shape.
    let chat = tmp.path().join("chat");
    let r = run_json(&db, &["export", "--subset", "sel", "--format", "sft-chat", "--out", s(&chat), "--json"]);
    assert_eq!(u(&r, "records"), n);
    check_manifest(&chat);
    let lines = lines_of(&chat.join("data.jsonl"));
    assert_eq!(lines.len() as u64, n);
    for l in &lines {
        validate_openai_line(&serde_json::from_slice(l).unwrap());
    }
    let first: Value = serde_json::from_slice(&lines[0]).unwrap();
    let names: BTreeSet<&str> =
        first["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert!(names.contains("execute_bash") && names.contains("str_replace_editor"), "{names:?}");

    // Parquet: NV columns plus flags and labels; read back with pyarrow and datasets.
    let pq = tmp.path().join("pq");
    run_json(
        &db,
        &["export", "--subset", "sel", "--format", "parquet", "--out", s(&pq), "--split", "0.8,0.1,0.1", "--json"],
    );
    let pq_outs = check_manifest(&pq);
    if python_has("pyarrow") {
        let script = r#"
import json, sys, pyarrow.parquet as pq
out = {}
for f in sys.argv[1:]:
    t = pq.read_table(f)
    row = t.slice(0, 1).to_pylist()[0] if t.num_rows else {}
    out[f] = {"rows": t.num_rows, "columns": t.column_names,
              "roles": sorted({m["role"] for m in row.get("trajectory", [])}),
              "patch": bool(row.get("model_patch"))}
print(json.dumps(out))
"#;
        let files: Vec<PathBuf> = pq_outs.iter().map(|o| pq.join(o["file"].as_str().unwrap())).collect();
        let o = std::process::Command::new("python3").arg("-c").arg(script).args(&files).output().unwrap();
        assert!(o.status.success(), "pyarrow: {}", String::from_utf8_lossy(&o.stderr));
        let got: Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut rows = 0;
        for (f, o) in files.iter().zip(&pq_outs) {
            let g = &got[s(f)];
            assert_eq!(u(g, "rows"), u(o, "records"));
            rows += u(g, "rows");
            let cols: Vec<&str> = g["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
            assert_eq!(cols, EXPORT_COLUMNS);
            if u(g, "rows") > 0 {
                assert_eq!(g["roles"], json!(["assistant", "system", "tool", "user"]));
                assert_eq!(g["patch"], true);
            }
        }
        assert_eq!(rows, n);
        if python_has("datasets") {
            let script = "import sys, datasets\nd = datasets.load_dataset('parquet', data_files={'train': sys.argv[1]}, split='train')\nprint(len(d), d.column_names[0])";
            let o = std::process::Command::new("python3").arg("-c").arg(script).arg(&files[0]).output().unwrap();
            assert!(o.status.success(), "datasets: {}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), format!("{} instance_id", u(&pq_outs[0], "records")));
        } else if std::env::var_os("CI").is_some() {
            panic!("CI is set but the python `datasets` package is not installed");
        } else {
            eprintln!("note: python `datasets` is not installed; skipped loading the Parquet with it");
        }
    } else if std::env::var_os("CI").is_some() {
        panic!("CI is set but pyarrow is not installed (pip install pyarrow datasets)");
    } else {
        eprintln!("note: pyarrow is not installed; skipped reading the Parquet back");
    }

    // A fresh database ingested from the same source rebuilds byte-identical files.
    let fresh = tmp.path().join("fresh.db");
    run_json(&fresh, &["ingest", s(&data), "--json", "-q"]);
    for (dir, label) in [(&orig, "orig"), (&chat, "chat"), (&pq, "pq")] {
        let again = tmp.path().join(format!("rebuilt-{label}"));
        let r = run_json(
            &fresh,
            &["export", "--from-manifest", s(&dir.join("manifest.json")), "--out", s(&again), "--json"],
        );
        assert!(r["rebuilt_from"].is_string());
        for o in manifest(dir)["outputs"].as_array().unwrap() {
            let f = o["file"].as_str().unwrap();
            assert_eq!(
                std::fs::read(dir.join(f)).unwrap(),
                std::fs::read(again.join(f)).unwrap(),
                "{label}/{f} differs"
            );
        }
    }
    // A database missing the records refuses, naming how many are missing.
    let empty = tmp.path().join("empty.db");
    run_json(&empty, &["stats", "--json", "--create"]);
    let err = fails(
        &empty,
        &["export", "--from-manifest", s(&orig.join("manifest.json")), "--out", s(&tmp.path().join("x"))],
    );
    assert!(err.contains(&format!("{n} of {n} records of the manifest are not in this database")), "{err}");
}
