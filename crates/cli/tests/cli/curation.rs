//! Curation through the real binary: subsets with lineage (funnel counts checked against the
//! search engine, frozen membership across a later ingest), dedup and contamination; the helpers
//! the export tests (`curation_export`, `curation_parquet`, `curation_export_failures`) share.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{run, run_json, trawl, u};

/// The columns of a Parquet export, in order (an sft-chat line carries all but `trajectory`).
pub(crate) const EXPORT_COLUMNS: [&str; 12] = [
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
    "labels",
];

pub(crate) fn gen(path: &Path, seed: u64, count: u64) {
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

pub(crate) fn count(db: &Path, query: &str) -> u64 {
    u(&run_json(db, &["search", "--count", "--json", "--", query]), "total")
}

pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs trawl expecting exit status 1; returns the one-line stderr.
pub(crate) fn fails(db: &Path, args: &[&str]) -> String {
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

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn members(db: &Path, name: &str) -> Vec<Value> {
    let r = run_json(db, &["subset", "show", name, "--json", "--limit", "100000"]);
    assert_eq!(r["members"].as_array().unwrap().len() as u64, u(&r, "total"), "{name}: page is not complete");
    r["members"].as_array().unwrap().clone()
}

pub(crate) fn member_ids(db: &Path, name: &str) -> Vec<String> {
    String::from_utf8(run(db, &["subset", "show", name, "--ids"])).unwrap().lines().map(String::from).collect()
}

/// Checks a version's funnel arithmetic: every stage's count follows from the previous one.
pub(crate) fn check_funnel(v: &Value) {
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
pub(crate) fn nv_row(traj_id: &str, instance: &str, repo: &str, user: &str, patch: &str) -> String {
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

pub(crate) fn patch_of(lines: &[String]) -> String {
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
