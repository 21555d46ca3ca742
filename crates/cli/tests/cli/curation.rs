//! Curation through the real binary: subsets with lineage (funnel counts checked against the
//! search engine, frozen membership across a later ingest), dedup and contamination, and exports
//! (`jsonl-original` byte-exact, `sft-chat` in the OpenAI message shape, Parquet read back with
//! pyarrow and `datasets`, disjoint split groups, byte-identical rebuild from a manifest,
//! redaction counts, failures that leave nothing behind).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{run, run_json, trawl, u};

fn gen(path: &Path, seed: u64, count: u64) {
    let status = trawl()
        .args(["gen", "--seed", &seed.to_string(), "--count", &count.to_string(), "--out"])
        .arg(path)
        .stderr(Stdio::null())
        .status()
        .expect("run trawl gen");
    assert!(status.success(), "trawl gen failed");
}

/// A temporary directory with `src.jsonl` (generated from the seed) ingested into `t.db`.
pub(crate) fn generated_db(seed: u64, count: u64) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("src.jsonl");
    gen(&data, seed, count);
    let db = tmp.path().join("t.db");
    run_json(&db, &["ingest", s(&data), "--json", "-q"]);
    (tmp, data, db)
}

fn count(db: &Path, query: &str) -> u64 {
    u(&run_json(db, &["search", "--count", "--json", "--", query]), "total")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs trawl expecting exit status 1; returns the one-line stderr.
fn fails(db: &Path, args: &[&str]) -> String {
    let out = trawl().arg("--db").arg(db).args(args).output().expect("run trawl");
    assert_eq!(
        out.status.code(),
        Some(1),
        "trawl {} should exit 1: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one-line reason expected, got {err:?}");
    err
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn members(db: &Path, name: &str) -> Vec<Value> {
    let r = run_json(db, &["subset", "show", name, "--json", "--limit", "100000"]);
    assert_eq!(r["members"].as_array().unwrap().len() as u64, u(&r, "total"), "{name}: page is not complete");
    r["members"].as_array().unwrap().clone()
}

fn member_ids(db: &Path, name: &str) -> Vec<String> {
    String::from_utf8(run(db, &["subset", "show", name, "--ids"])).unwrap().lines().map(String::from).collect()
}

/// Checks a version's funnel arithmetic: every stage's count follows from the previous one.
fn check_funnel(v: &Value) {
    let mut n = u(v, "pool");
    for st in v["stages"].as_array().unwrap() {
        n = n + u(st, "added") - u(st, "removed");
        assert_eq!(u(st, "count"), n, "stage {st} of {v}");
    }
    assert_eq!(u(v, "count"), n, "final count of {v}");
}

#[test]
fn subset_lineage_of_three_stages_with_frozen_membership() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("a.jsonl");
    gen(&data, 5, 300);
    // Two more attempts at each of three generated instances (short ones: 4 steps).
    let mut extra = String::new();
    for (i, line) in std::fs::read_to_string(&data).unwrap().lines().take(3).enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let (inst, repo) = (v["instance_id"].as_str().unwrap(), v["repo"].as_str().unwrap());
        for k in 0..2 {
            let patch = patch_of(&[format!("attempt_{i}_{k} = True")]);
            extra.push_str(&nv_row(&format!("extra-{i}-{k}"), inst, repo, "try again", &patch));
            extra.push('\n');
        }
    }
    let attempts = tmp.path().join("attempts.jsonl");
    std::fs::write(&attempts, extra).unwrap();
    let db = tmp.path().join("t.db");
    run_json(&db, &["ingest", s(&data), s(&attempts), "--json", "-q"]);
    let total = count(&db, "");
    assert_eq!(total, 306);

    // Stage 1: a rule of two clauses; each clause's removal equals what the engine counts.
    let a = run_json(&db, &["subset", "create", "clean", "--rule", "-flag:empty_patch -flag:no_finish", "--json"]);
    check_funnel(&a);
    let st = a["stages"].as_array().unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(st[0]["label"], "-flag:empty_patch");
    assert_eq!(u(&st[0], "removed"), count(&db, "flag:empty_patch"));
    assert!(u(&st[0], "removed") > 0, "the generator makes empty patches");
    assert_eq!(u(&st[1], "removed"), count(&db, "flag:no_finish -flag:empty_patch"));
    assert_eq!(u(&a, "count"), count(&db, "-flag:empty_patch -flag:no_finish"));
    assert_eq!(u(&a, "pool"), total);

    // Stage 2: parent = stage 1, a cap of 1 per instance (resolved first, then fewest steps).
    let b = run_json(&db, &["subset", "create", "capped", "--parent", "clean@1", "--cap", "1", "--json"]);
    check_funnel(&b);
    assert_eq!(u(&b, "pool"), u(&a, "count"));
    let labels: Vec<&str> = b["stages"].as_array().unwrap().iter().map(|s| s["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["capped at 1 per instance"]);
    let a_members = members(&db, "clean@1");
    let b_members = members(&db, "capped@1");
    let instances_a: BTreeSet<&str> = a_members.iter().map(|m| m["instance_id"].as_str().unwrap()).collect();
    let mut per_instance: HashMap<&str, u64> = HashMap::new();
    for m in &b_members {
        *per_instance.entry(m["instance_id"].as_str().unwrap()).or_default() += 1;
    }
    assert!(per_instance.values().all(|n| *n == 1), "cap of 1 broken: {per_instance:?}");
    assert_eq!(per_instance.len(), instances_a.len(), "every instance keeps one");
    assert!(u(&b["stages"][0], "removed") > 0, "the generator makes several attempts per instance");
    // The one kept per instance has the fewest steps among its attempts (all are unresolved-unknown).
    let steps_a: HashMap<&str, u64> = a_members.iter().map(|m| (m["id"].as_str().unwrap(), u(m, "steps"))).collect();
    for m in &b_members {
        let inst = m["instance_id"].as_str().unwrap();
        let fewest =
            a_members.iter().filter(|x| x["instance_id"] == inst).map(|x| steps_a[x["id"].as_str().unwrap()]).min();
        assert_eq!(Some(u(m, "steps")), fewest, "{inst}");
    }

    // Stage 3: contamination, with a user list naming two kept instances and a built-in list.
    let list = tmp.path().join("mine.txt");
    let two: Vec<&str> = per_instance.keys().copied().collect::<BTreeSet<_>>().into_iter().take(2).collect();
    std::fs::write(&list, format!("# my eval set\n{}\n{}\n", two[0], two[1])).unwrap();
    let added = run_json(&db, &["contamination", "add", "--name", "my-eval", "--file", s(&list), "--json"]);
    assert_eq!((u(&added, "entries"), added["kind"].as_str()), (2, Some("instances")));
    let c = run_json(
        &db,
        &[
            "subset",
            "create",
            "final",
            "--parent",
            "capped",
            "--contamination",
            "my-eval",
            "--contamination",
            "swe-bench-verified.repos",
            "--json",
        ],
    );
    check_funnel(&c);
    assert_eq!(c["stages"][0]["label"], "in my-eval");
    assert_eq!(u(&c["stages"][0], "removed"), 2);
    assert_eq!(u(&c, "count"), u(&b, "count") - 2 - u(&c["stages"][1], "removed"));
    let final_members = member_ids(&db, "final");
    let verified: HashSet<String> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/contamination/swe-bench-verified.repos.txt"
    ))
    .unwrap()
    .lines()
    .map(|l| l.to_lowercase())
    .collect();
    for m in members(&db, "final") {
        let repo = m["repo"].as_str().unwrap().to_lowercase();
        assert!(!verified.contains(&repo), "{repo} is in SWE-bench Verified");
        assert!(!two.contains(&m["instance_id"].as_str().unwrap()));
    }

    // The lineage: the pool, then the three versions, with every stage.
    let l = run_json(&db, &["subset", "lineage", "final", "--json"]);
    let nodes = l["nodes"].as_array().unwrap();
    let counts: Vec<u64> = nodes.iter().map(|n| u(n, "count")).collect();
    assert_eq!(counts, [total, u(&a, "count"), u(&b, "count"), u(&c, "count")]);
    assert!(nodes[0]["name"].is_null());
    assert_eq!(nodes[3]["name"], "final");
    assert_eq!(l["stages"].as_array().unwrap().len(), 2 + 1 + 2);
    let mut n = total;
    for st in l["stages"].as_array().unwrap() {
        n = n + u(st, "added") - u(st, "removed");
        assert_eq!(u(st, "count"), n);
        let node = u(st, "node") as usize;
        assert!((1..=3).contains(&node));
    }
    assert_eq!(n, u(&c, "count"));

    // Frozen: a later ingest changes nothing in saved versions; re-running the rule makes a new one.
    let before = member_ids(&db, "clean@1");
    let more = tmp.path().join("b.jsonl");
    gen(&more, 6, 120);
    run_json(&db, &["ingest", s(&more), "--json", "-q"]);
    assert_eq!(count(&db, ""), 426);
    assert_eq!(member_ids(&db, "clean@1"), before);
    assert_eq!(member_ids(&db, "final"), final_members);
    let again = run_json(&db, &["subset", "rerun", "clean@1", "--json"]);
    assert_eq!(u(&again, "version"), 2);
    assert_eq!(u(&again, "pool"), 426);
    assert_eq!(u(&again, "count"), count(&db, "-flag:empty_patch -flag:no_finish"));
    assert!(u(&again, "count") > before.len() as u64);
    assert_eq!(member_ids(&db, "clean@1"), before);
    let list = run_json(&db, &["subset", "list", "--json"]);
    let names: Vec<&str> = list["subsets"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["capped", "clean", "final"]);

    // Bad input: a rule with a syntax error names the column and saves nothing.
    let err = fails(&db, &["subset", "create", "broken", "--rule", "-flag:empty_patch (foo"]);
    assert!(err.contains("column 19"), "{err}");
    let err = fails(&db, &["subset", "create", "broken", "--parent", "nope@3"]);
    assert!(err.contains("no subset named 'nope'"), "{err}");
    let err = fails(&db, &["subset", "create", "broken", "--contamination", "nope"]);
    assert!(err.contains("no contamination list named 'nope'"), "{err}");
    let list = run_json(&db, &["subset", "list", "--json"]);
    assert_eq!(list["subsets"].as_array().unwrap().len(), 3);
}

/// A small NV row with a given patch.
fn nv_row(traj_id: &str, instance: &str, repo: &str, user: &str, patch: &str) -> String {
    json!({
        "instance_id": instance, "repo": repo, "license": "MIT", "trajectory_id": traj_id,
        "trajectory": [
            {"role": "system", "content": "You are an agent."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": "Looking.", "tool_calls": [{"id": format!("c1-{traj_id}"), "type": "function",
                "function": {"name": "execute_bash", "arguments": "{\"command\": \"grep -rn foo .\"}"}}]},
            {"role": "tool", "tool_call_id": format!("c1-{traj_id}"), "name": "execute_bash", "content": "./a.py:1:foo"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": format!("c2-{traj_id}"), "type": "function",
                "function": {"name": "finish", "arguments": "{\"message\": \"done\"}"}}]}
        ],
        "model_patch": patch, "dataset": "test/dups"
    })
    .to_string()
}

fn patch_of(lines: &[String]) -> String {
    let mut p = String::from("diff --git a/src/m.py b/src/m.py\n--- a/src/m.py\n+++ b/src/m.py\n@@ -1,60 +1,60 @@\n");
    for l in lines {
        p.push_str(&format!("+{l}\n"));
    }
    p
}

#[test]
fn dedup_finds_exact_and_near_duplicate_patches() {
    let tmp = tempfile::tempdir().unwrap();
    let base: Vec<String> = (0..60).map(|i| format!("value_{i} = compute(item_{i}, factor={})", i * 3)).collect();
    let mut near = base.clone();
    near[30] = "value_30 = compute(item_30, factor=-1)".into();
    let other: Vec<String> = (0..60).map(|i| format!("unrelated_{i} = call_{}()", i * 7)).collect();
    let rows = [
        nv_row("t1", "o__r-1", "o/r", "fix one", &patch_of(&base)),
        nv_row("t2", "o__r-1", "o/r", "fix one again", &patch_of(&base)),
        // Same change at other line numbers with other spacing: an exact duplicate once normalized.
        nv_row(
            "t3",
            "o__r-2",
            "o/r",
            "fix two",
            &patch_of(&base).replace("@@ -1,60 +1,60 @@", "@@ -9,60 +9,60 @@").replace(" = ", "  =  "),
        ),
        nv_row("t4", "o__r-3", "o/r", "fix three", &patch_of(&near)),
        nv_row("t5", "o__r-4", "o/r", "fix four", &patch_of(&other)),
        nv_row("t6", "o__r-5", "o/r", "nothing", ""),
        nv_row("t7", "o__r-6", "o/r", "nothing either", ""),
    ];
    let data = tmp.path().join("dups.jsonl");
    std::fs::write(&data, rows.join("\n") + "\n").unwrap();
    let db = tmp.path().join("t.db");
    run_json(&db, &["ingest", s(&data), "--json", "-q"]);

    let exact = run_json(&db, &["dedup", "--mode", "exact_patch", "--json"]);
    assert_eq!((u(&exact, "scanned"), u(&exact, "clusters_total"), u(&exact, "removable")), (7, 1, 2), "{exact}");
    let inst: Vec<&str> =
        exact["clusters"][0]["instances"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
    assert_eq!(inst.iter().collect::<BTreeSet<_>>(), ["o__r-1", "o__r-1", "o__r-2"].iter().collect());
    let near_r = run_json(&db, &["dedup", "--mode", "near_patch", "--threshold", "0.8", "--json"]);
    assert_eq!(u(&near_r, "clusters_total"), 1, "{near_r}");
    assert_eq!(u(&near_r["clusters"][0], "size"), 4, "{near_r}");
    let strict = run_json(&db, &["dedup", "--mode", "near_patch", "--threshold", "1.0", "--json"]);
    assert_eq!(u(&strict["clusters"][0], "size"), 3, "{strict}");
    let text = run_json(&db, &["dedup", "--mode", "exact_text", "--json"]);
    assert_eq!(u(&text, "clusters_total"), 0, "{text}");

    let v = run_json(&db, &["subset", "create", "dd", "--dedup", "near_patch", "--threshold", "0.8", "--json"]);
    assert_eq!(v["stages"][0]["label"], "near-duplicate patch (similarity >= 0.8)");
    assert_eq!((u(&v["stages"][0], "removed"), u(&v, "count")), (3, 4));
}

/// Lines of a file as byte strings.
fn lines_of(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.is_empty() || bytes.ends_with(b"\n"), "{} does not end with a newline", path.display());
    bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(<[u8]>::to_vec).collect()
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Every output file exists with the manifest's size and sha256; returns the outputs.
fn check_manifest(dir: &Path) -> Vec<Value> {
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

fn validate_openai_line(line: &Value) {
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

fn python_has(module: &str) -> bool {
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
            assert_eq!(
                cols,
                [
                    "instance_id",
                    "repo",
                    "license",
                    "trajectory_id",
                    "trajectory",
                    "model_patch",
                    "dataset",
                    "uid",
                    "format",
                    "resolved",
                    "flags",
                    "labels"
                ]
            );
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
fn nv_message(m: &Value) -> Value {
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

#[test]
fn redaction_replaces_secrets_and_counts_them() {
    let tmp = tempfile::tempdir().unwrap();
    let gh = format!("ghp_{}", "A1b2C3d4".repeat(5));
    let bearer = format!("Bearer {}", "tok.en-".repeat(5));
    let aws = "AKIAIOSFODNN7EXAMPLE";
    let row = nv_row(
        "s1",
        "o__r-1",
        "o/r",
        &format!("use {gh} and send Authorization: {bearer}"),
        &format!("diff --git a/c b/c\n--- a/c\n+++ b/c\n@@ -1 +1 @@\n-key = 1\n+key = \"{aws}\"\n"),
    );
    let data = tmp.path().join("s.jsonl");
    std::fs::write(&data, row + "\n").unwrap();
    let db = tmp.path().join("t.db");
    run_json(&db, &["ingest", s(&data), "--json", "-q"]);
    run_json(&db, &["subset", "create", "all", "--json"]);
    for format in ["jsonl-original", "sft-chat", "parquet"] {
        let out = tmp.path().join(format);
        let r =
            run_json(&db, &["export", "--subset", "all", "--format", format, "--out", s(&out), "--redact", "--json"]);
        assert_eq!(u(&r["redactions"], "github"), 1, "{format}: {r}");
        assert_eq!(u(&r["redactions"], "bearer"), 1, "{format}: {r}");
        // The patch (where the AWS key is) is not part of a chat conversation.
        let aws_n = if format == "sft-chat" { 0 } else { 1 };
        assert_eq!(u(&r["redactions"], "aws"), aws_n, "{format}: {r}");
        assert_eq!(u(&r["redactions"], "openai"), 0);
        assert_eq!(manifest(&out)["redactions"], r["redactions"]);
        let bytes = std::fs::read(out.join(r["outputs"][0]["file"].as_str().unwrap())).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if format != "parquet" {
            assert!(!text.contains(&gh) && !text.contains(aws) && !text.contains("tok.en-tok"), "{format}: {text}");
            assert!(text.contains("o__r-1") || format == "sft-chat");
            assert!(text.contains("[REDACTED:github]") && text.contains("Bearer [REDACTED:bearer]"), "{format}");
        }
        if format == "jsonl-original" {
            serde_json::from_slice::<Value>(&bytes).expect("redacted record is still JSON");
        }
    }
}

#[test]
fn an_export_to_an_unwritable_or_full_location_fails_and_leaves_nothing() {
    let (tmp, _, db) = generated_db(4, 60);
    run_json(&db, &["subset", "create", "all", "--json"]);

    // Not a directory.
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let err = fails(&db, &["export", "--subset", "all", "--format", "sft-chat", "--out", s(&file.join("out"))]);
    assert!(err.contains("cannot create output directory") && err.contains("plain-file"), "{err}");
    // Read-only: a directory without write permission (root ignores permissions, so also /proc).
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perm = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o555);
    std::fs::set_permissions(&ro, perm).unwrap();
    let probe = std::fs::File::create(ro.join("probe")).is_ok();
    let target = if probe {
        let _ = std::fs::remove_file(ro.join("probe"));
        PathBuf::from("/proc/trawl-export-test")
    } else {
        ro.clone()
    };
    let err = fails(&db, &["export", "--subset", "all", "--format", "jsonl-original", "--out", s(&target)]);
    assert!(err.contains("cannot"), "{err}");
    if !probe {
        assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0, "a read-only export left files");
    }

    // Full: the file size limit makes writes fail mid-export (EFBIG, like ENOSPC).
    let full = tmp.path().join("full");
    let bin = crate::support::trawl_bin().display().to_string();
    let cmd = format!(
        "ulimit -f 64; trap '' XFSZ; exec '{bin}' --db '{}' export --subset all --format sft-chat --out '{}'",
        s(&db),
        s(&full)
    );
    let out = std::process::Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write") && err.contains("data.jsonl"), "{err}");
    // Nothing is left: no target folder, no staging folder beside it.
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("full"))
        .collect();
    assert!(left.is_empty(), "a failed export left {left:?}");
}

#[test]
fn a_killed_export_leaves_no_partial_file() {
    let (tmp, _, db) = generated_db(11, 100);
    run_json(&db, &["subset", "create", "all", "--json"]);
    let export = |out: &Path| {
        trawl()
            .arg("--db")
            .arg(&db)
            .args(["export", "--subset", "all", "--format", "sft-chat", "--split", "0.8,0.1,0.1", "--out"])
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn trawl export")
    };
    let reference = tmp.path().join("reference");
    let started = std::time::Instant::now();
    assert!(export(&reference).wait().unwrap().success());
    let full = started.elapsed();
    let want: HashMap<String, String> = check_manifest(&reference)
        .iter()
        .map(|o| (o["file"].as_str().unwrap().to_string(), o["sha256"].as_str().unwrap().to_string()))
        .collect();
    let mut killed = 0;
    for i in 0..8 {
        let out = tmp.path().join(format!("killed-{i}"));
        let mut child = export(&out);
        std::thread::sleep(full.mul_f64(0.05 + 0.12 * i as f64));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        // Whatever exists under a final name is complete: the reference's bytes.
        if let Ok(entries) = std::fs::read_dir(&out) {
            for e in entries {
                let name = e.unwrap().file_name().to_string_lossy().into_owned();
                if let Some(sha) = want.get(&name) {
                    assert_eq!(
                        &sha256_hex(&std::fs::read(out.join(&name)).unwrap()),
                        sha,
                        "kill {i}: {name} is partial"
                    );
                }
            }
        }
        // The next export into the same directory completes and removes the dead process's temps.
        assert!(export(&out).wait().unwrap().success());
        let outs = check_manifest(&out);
        for o in outs {
            assert_eq!(want[o["file"].as_str().unwrap()], o["sha256"].as_str().unwrap());
        }
    }
    assert!(killed >= 4, "only {killed} kills hit a running export");
}

/// `django__django-11099_2`-style ids (a sample suffix after the SWE-bench id): the shipped
/// Verified list excludes them and `--cap 1` keeps one per base instance.
#[test]
fn sample_suffixed_ids_are_contamination_and_cap_matched_on_their_base_instance() {
    let tmp = tempfile::tempdir().unwrap();
    let rows: Vec<String> =
        ["django__django-11099_0", "django__django-11099_1", "django__django-11099_2", "psf__requests-1_0"]
            .iter()
            .enumerate()
            .map(|(i, id)| nv_row(&format!("t{i}"), id, "x/y", &format!("attempt {i}"), ""))
            .collect();
    let data = tmp.path().join("converted.jsonl");
    std::fs::write(&data, rows.join("\n") + "\n").unwrap();
    let db = tmp.path().join("t.db");
    run_json(&db, &["ingest", s(&data), "--json", "-q"]);
    assert_eq!(count(&db, ""), 4);
    let clean =
        run_json(&db, &["subset", "create", "clean", "--contamination", "swe-bench-verified.instances", "--json"]);
    assert_eq!(u(&clean, "count"), 1, "{clean}");
    let capped = run_json(&db, &["subset", "create", "capped", "--cap", "1", "--json"]);
    assert_eq!(u(&capped, "count"), 2, "{capped}");
    assert_eq!(count(&db, "base:django__django-11099"), 3);
    // A standalone predictions file: patch-only records, found with kind:prediction only.
    let preds = tmp.path().join("preds").join("all_preds.jsonl");
    std::fs::create_dir_all(preds.parent().unwrap()).unwrap();
    let pred = serde_json::json!({"instance_id": "astropy__astropy-12907", "model_name_or_path": "m",
                                  "model_patch": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"});
    std::fs::write(&preds, pred.to_string() + "\n").unwrap();
    let report = run_json(&db, &["ingest", s(&preds), "--json", "-q"]);
    assert_eq!((u(&report, "stored"), u(&report, "warnings")), (1, 1), "{report}");
    assert_eq!(count(&db, ""), 4);
    assert_eq!(count(&db, "kind:prediction"), 1);
    let stats = run_json(&db, &["stats", "--json"]);
    assert_eq!((u(&stats, "trajectories"), u(&stats, "predictions")), (4, 1));
}
