//! Parquet exports through the real binary: compression and page version chosen, recorded in the
//! manifest and rebuilt; NV records become their own rows.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::curation::{fails, gen, generated_db, nv_row, s};
use crate::curation_export::{check_manifest, manifest, python_has};
use crate::support::run_json;

#[test]
fn parquet_compression_is_chosen_recorded_and_rebuilt() {
    let (tmp, _, db) = generated_db(4, 40);
    run_json(&db, &["subset", "create", "all", "--rule", "", "--json"]);
    let export = |codec: Option<&str>| {
        let dir = tmp.path().join(format!("pq-{}", codec.unwrap_or("default")));
        let mut args = vec!["export", "--subset", "all", "--format", "parquet", "--out", s(&dir), "--json"];
        if let Some(c) = codec {
            args.extend(["--compression", c]);
        }
        run_json(&db, &args);
        check_manifest(&dir);
        dir
    };
    let dirs: Vec<(PathBuf, &str, &str)> =
        [(None, "snappy", "SNAPPY"), (Some("zstd"), "zstd", "ZSTD"), (Some("none"), "none", "UNCOMPRESSED")]
            .into_iter()
            .map(|(c, name, pyarrow)| (export(c), name, pyarrow))
            .collect();
    let size = |d: &Path| std::fs::metadata(d.join("data.parquet")).unwrap().len();
    for (dir, name, _) in &dirs {
        assert_eq!(manifest(dir)["compression"], *name, "{}", dir.display());
    }
    // The same rows, three codecs: three sizes, uncompressed the largest.
    let (snappy, zstd, none) = (size(&dirs[0].0), size(&dirs[1].0), size(&dirs[2].0));
    assert!(zstd < snappy && snappy < none, "sizes: zstd {zstd}, snappy {snappy}, none {none}");
    if python_has("pyarrow") {
        let script = "import sys, pyarrow.parquet as pq\nf = pq.ParquetFile(sys.argv[1])\nm = f.metadata\nprint(sorted({m.row_group(g).column(c).compression for g in range(m.num_row_groups) for c in range(m.num_columns)}), f.read().num_rows)";
        for (dir, _, pyarrow) in &dirs {
            let o = std::process::Command::new("python3")
                .arg("-c")
                .arg(script)
                .arg(dir.join("data.parquet"))
                .output()
                .unwrap();
            assert!(o.status.success(), "pyarrow: {}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), format!("['{pyarrow}'] 40"));
        }
    } else if std::env::var_os("CI").is_some() {
        panic!("CI is set but pyarrow is not installed (pip install pyarrow datasets)");
    }
    // The rebuild from the manifest uses the recorded codec: byte-identical.
    let again = tmp.path().join("again");
    run_json(&db, &["export", "--from-manifest", s(&dirs[1].0.join("manifest.json")), "--out", s(&again), "--json"]);
    assert_eq!(
        std::fs::read(again.join("data.parquet")).unwrap(),
        std::fs::read(dirs[1].0.join("data.parquet")).unwrap()
    );
    // Bad input: an unknown codec, or a codec for a text format, is refused and writes nothing.
    let bad = tmp.path().join("bad");
    let err =
        fails(&db, &["export", "--subset", "all", "--format", "parquet", "--out", s(&bad), "--compression", "lzo"]);
    assert!(err.contains("unknown compression 'lzo' (snappy, zstd, none)"), "{err}");
    let err =
        fails(&db, &["export", "--subset", "all", "--format", "sft-chat", "--out", s(&bad), "--compression", "zstd"]);
    assert!(err.contains("applies to parquet exports only"), "{err}");
    assert!(!bad.join("data.jsonl").exists() && !bad.join("manifest.json").exists());
}

#[test]
fn parquet_page_version_is_recorded_and_an_older_manifest_rebuilds_its_own_pages() {
    let (tmp, _, db) = generated_db(5, 30);
    run_json(&db, &["subset", "create", "all", "--rule", "", "--json"]);
    let current = tmp.path().join("current");
    run_json(&db, &["export", "--subset", "all", "--format", "parquet", "--out", s(&current), "--json"]);
    assert_eq!(manifest(&current)["parquet_pages"], 2);
    let with_pages = |from: &Path, pages: Option<u64>, name: &str| {
        let mut m = manifest(from);
        match pages {
            Some(v) => m["parquet_pages"] = json!(v),
            None => {
                m.as_object_mut().unwrap().remove("parquet_pages");
            }
        }
        let path = from.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        path
    };
    // The page version shapes the bytes: version 1 pages do not rebuild a version 2 export.
    let v1 = tmp.path().join("v1");
    let err = fails(&db, &["export", "--from-manifest", s(&with_pages(&current, Some(1), "m1.json")), "--out", s(&v1)]);
    assert!(err.contains("rebuild differs from the manifest"), "{err}");
    assert_eq!(manifest(&v1)["parquet_pages"], 1);
    // A manifest from before the version was recorded (version 1 pages) rebuilds byte-identical.
    let old = with_pages(&v1, None, "old.json");
    let again = tmp.path().join("again");
    run_json(&db, &["export", "--from-manifest", s(&old), "--out", s(&again), "--json"]);
    assert_eq!(std::fs::read(again.join("data.parquet")).unwrap(), std::fs::read(v1.join("data.parquet")).unwrap());
    // Both read back with pyarrow, the same rows.
    if python_has("pyarrow") {
        for dir in [&current, &v1] {
            let o = std::process::Command::new("python3")
                .args(["-c", "import sys, pyarrow.parquet as pq; print(pq.read_table(sys.argv[1]).num_rows)"])
                .arg(dir.join("data.parquet"))
                .output()
                .unwrap();
            assert!(o.status.success(), "pyarrow: {}", String::from_utf8_lossy(&o.stderr));
            assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "30");
        }
    }
    let err = fails(
        &db,
        &["export", "--from-manifest", s(&with_pages(&current, Some(3), "m3.json")), "--out", s(&tmp.path().join("x"))],
    );
    assert!(err.contains("manifest parquet_pages 3 is unknown (1, 2)"), "{err}");
}

/// A message as the NV `trajectory` column holds it: every key of the schema, null when absent.
pub(crate) fn nv_message(m: &Value) -> Value {
    let calls = m.get("tool_calls").filter(|c| !c.is_null()).map(|calls| {
        Value::Array(
            calls
                .as_array()
                .unwrap()
                .iter()
                .map(|c| json!({"id": c["id"], "type": c["type"], "function": {"name": c["function"]["name"], "arguments": c["function"]["arguments"]}}))
                .collect(),
        )
    });
    json!({
        "role": m["role"], "content": m.get("content").cloned().unwrap_or(Value::Null),
        "tool_calls": calls.unwrap_or(Value::Null),
        "name": m.get("name").cloned().unwrap_or(Value::Null),
        "tool_call_id": m.get("tool_call_id").cloned().unwrap_or(Value::Null),
    })
}

#[test]
fn parquet_rows_of_nv_records_are_their_own_messages() {
    if !python_has("pyarrow") {
        assert!(std::env::var_os("CI").is_none(), "CI is set but pyarrow is not installed");
        eprintln!("note: pyarrow is not installed; skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("src.jsonl");
    gen(&data, 3, 6);
    let mut text = std::fs::read_to_string(&data).unwrap();
    // Read as they stand: a null content, a CRLF patch (normalized as the adapter does).
    let mut null_content: Value =
        serde_json::from_str(&nv_row("x1", "o__r-1", "o/r", "Fix it.", "diff --git a/a b/a\r\n+x\r\n")).unwrap();
    null_content["trajectory"][4]["content"] = Value::Null;
    // Not the NV message schema: a key it has not, the list as a JSON string. These go through
    // the normalized trajectory and still land.
    let mut extra_key: Value =
        serde_json::from_str(&nv_row("x2", "o__r-2", "o/r", "Fix two.", "diff --git a/b b/b\n")).unwrap();
    extra_key["trajectory"][2]["reasoning_content"] = json!("Thinking first.");
    let mut as_string: Value =
        serde_json::from_str(&nv_row("x3", "o__r-3", "o/r", "Fix three.", "diff --git a/c b/c\n")).unwrap();
    as_string["trajectory"] = Value::String(as_string["trajectory"].to_string());
    // A null `model_patch` beside a `patch`: the adapter's patch, through the normalized path.
    let mut patch_elsewhere: Value = serde_json::from_str(&nv_row("x4", "o__r-4", "o/r", "Fix four.", "")).unwrap();
    patch_elsewhere["model_patch"] = Value::Null;
    patch_elsewhere["patch"] = json!("diff --git a/d b/d\n");
    for v in [&null_content, &extra_key, &as_string, &patch_elsewhere] {
        text.push_str(&v.to_string());
        text.push('\n');
    }
    std::fs::write(&data, &text).unwrap();
    let db = tmp.path().join("t.db");
    run_json(&db, &["ingest", s(&data), "--json", "-q"]);
    run_json(&db, &["subset", "create", "all", "--json"]);
    let out = tmp.path().join("pq");
    run_json(&db, &["export", "--subset", "all", "--format", "parquet", "--out", s(&out), "--json"]);
    let script = r#"
import json, sys, pyarrow.parquet as pq
rows = pq.read_table(sys.argv[1]).to_pylist()
print(json.dumps({r["trajectory_id"]: {"trajectory": r["trajectory"], "model_patch": r["model_patch"],
                  "repo": r["repo"], "format": r["format"]} for r in rows}))
"#;
    let o = std::process::Command::new("python3").arg("-c").arg(script).arg(out.join("data.parquet")).output().unwrap();
    assert!(o.status.success(), "pyarrow: {}", String::from_utf8_lossy(&o.stderr));
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(got.as_object().unwrap().len(), 10);
    for line in text.lines() {
        let src: Value = serde_json::from_str(line).unwrap();
        let id = src["trajectory_id"].as_str().unwrap();
        let row = &got[id];
        assert_eq!(row["format"], "nv-swe-zero", "{id}");
        assert_eq!(row["repo"], src["repo"], "{id}");
        let roles: Vec<&str> =
            row["trajectory"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        if id == "x4" {
            assert_eq!(row["model_patch"], "diff --git a/d b/d\n");
        }
        if id == "x2" || id == "x3" || id == "x4" {
            // The conversation of the normalized trajectory: every call answered by a `tool`
            // message, the closing `finish` call too.
            assert_eq!(roles, ["system", "user", "assistant", "tool", "assistant", "tool"], "{id}");
            continue;
        }
        let want: Vec<Value> = src["trajectory"].as_array().unwrap().iter().map(nv_message).collect();
        assert_eq!(row["trajectory"], Value::Array(want), "{id}: the row's own messages");
        let patch = src["model_patch"].as_str().unwrap().replace("\r\n", "\n");
        assert_eq!(row["model_patch"], patch, "{id}");
    }
    assert_eq!(got["x1"]["trajectory"][4]["content"], Value::Null);
}
