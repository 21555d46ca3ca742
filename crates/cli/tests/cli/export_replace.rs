//! Exports replace, never mix: an export is written into a fresh folder beside its target and
//! replaces the target's earlier export as a whole. Checked with real `trawl export` processes:
//! a split export followed by an unsplit one into the same folder, folders that are not exports,
//! and `kill -9` at the two moments of publishing (through the `TRAWL_TEST_EXPORT_PAUSE` hook)
//! and at random moments of a whole export. After every kill the folder holds exactly one
//! complete export (its files are the manifest's, with the manifest's sha256), the old or the new.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::curation::generated_db;
use crate::support::{run_json, trawl};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

/// The folder holds exactly one complete export; returns its output files and their sha256.
fn one_complete_export(dir: &Path) -> Result<BTreeSet<(String, String)>, String> {
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).map_err(|e| format!("no manifest: {e}"))?)
            .map_err(|e| format!("manifest is not json: {e}"))?;
    let mut want: BTreeSet<String> =
        ["manifest.json".to_string(), m["members"]["file"].as_str().unwrap().to_string()].into();
    let mut outs = BTreeSet::new();
    for o in m["outputs"].as_array().unwrap() {
        let file = o["file"].as_str().unwrap().to_string();
        let bytes = std::fs::read(dir.join(&file)).map_err(|e| format!("{file}: {e}"))?;
        let sha = sha256_hex(&bytes);
        if sha != o["sha256"].as_str().unwrap() {
            return Err(format!("{file} does not have the manifest's sha256"));
        }
        want.insert(file.clone());
        outs.insert((file, sha));
    }
    let members = std::fs::read(dir.join(m["members"]["file"].as_str().unwrap())).map_err(|e| e.to_string())?;
    if sha256_hex(&members) != m["members"]["sha256"].as_str().unwrap() {
        return Err("members file does not match the manifest".into());
    }
    let have = names(dir);
    if have != want {
        return Err(format!("the folder holds {have:?}, the manifest names {want:?}"));
    }
    Ok(outs)
}

fn export_args(split: bool) -> Vec<&'static str> {
    let mut a = vec!["export", "--subset", "all", "--format", "sft-chat"];
    if split {
        a.extend(["--split", "0.8,0.1,0.1"]);
    }
    a
}

fn spawn_export(db: &Path, out: &Path, split: bool, pause: Option<&str>) -> Child {
    let mut c = trawl();
    c.arg("--db").arg(db).args(export_args(split)).arg("--out").arg(out).stdout(Stdio::null()).stderr(Stdio::piped());
    if let Some(step) = pause {
        c.env("TRAWL_TEST_EXPORT_PAUSE", step);
    }
    c.spawn().expect("spawn trawl export")
}

fn export(db: &Path, out: &Path, split: bool) -> BTreeSet<(String, String)> {
    let out_put = trawl().arg("--db").arg(db).args(export_args(split)).arg("--out").arg(out).output().unwrap();
    assert!(out_put.status.success(), "export failed: {}", String::from_utf8_lossy(&out_put.stderr));
    one_complete_export(out).unwrap()
}

/// Leftovers of killed exports beside the target.
fn leftovers(parent: &Path) -> Vec<String> {
    names(parent).into_iter().filter(|n| n.contains(".trawl-")).collect()
}

#[test]
fn an_unsplit_export_replaces_a_split_one_and_strangers_are_refused() {
    let (tmp, _, db) = generated_db(21, 60);
    run_json(&db, &["subset", "create", "all", "--json"]);
    let out = tmp.path().join("out");
    let split = export(&db, &out, true);
    assert_eq!(split.len(), 3);
    let unsplit = export(&db, &out, false);
    assert_eq!(unsplit.iter().map(|o| o.0.as_str()).collect::<Vec<_>>(), ["data.jsonl"]);
    assert_eq!(names(&out), ["data.jsonl", "manifest.json", "members.txt"].map(String::from).into());
    assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));

    // A folder that is not an export is refused, naming what is in it, and left alone.
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    std::fs::write(notes.join("todo.txt"), "mine").unwrap();
    let o = trawl().arg("--db").arg(&db).args(export_args(false)).arg("--out").arg(&notes).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a trawl export") && err.contains("todo.txt"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_eq!(names(&notes), ["todo.txt".to_string()].into());
    // An export with a file of the user's beside it: refused too (replacing would delete it).
    std::fs::write(out.join("README.md"), "my notes").unwrap();
    let o = trawl().arg("--db").arg(&db).args(export_args(true)).arg("--out").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("README.md"), "{err}");
    assert!(out.join("README.md").exists() && out.join("data.jsonl").exists());
    // An empty folder is fine.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    export(&db, &empty, true);
}

/// Waits for the paused export's line on stderr, then kills it with SIGKILL.
fn kill_when_paused(mut child: Child, step: &str) {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let want = format!("export paused at {step}");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains(&want) {
                let _ = tx.send(());
                return;
            }
        }
    });
    let paused = rx.recv_timeout(Duration::from_secs(60)).is_ok();
    let _ = child.kill();
    let status = child.wait().unwrap();
    assert!(paused, "the export never paused at {step} (it ended with {status})");
}

#[test]
fn a_kill_at_any_moment_leaves_the_old_export_or_the_new_one_complete() {
    let (tmp, _, db) = generated_db(22, 240);
    run_json(&db, &["subset", "create", "all", "--json"]);
    let out = tmp.path().join("out");
    let split = export(&db, &out, true);
    let unsplit = export(&db, &tmp.path().join("reference-unsplit"), false);

    // Killed once the new export is complete beside the target: the old one stays.
    kill_when_paused(spawn_export(&db, &out, false, Some("staged")), "staged");
    assert_eq!(one_complete_export(&out).unwrap(), split, "killed before publishing");
    // Killed right after the swap: the new one is in place, whole.
    kill_when_paused(spawn_export(&db, &out, false, Some("swapped")), "swapped");
    assert_eq!(one_complete_export(&out).unwrap(), unsplit, "killed after the swap");
    assert!(!leftovers(tmp.path()).is_empty(), "the swapped-out export should still be beside the target");
    // The next export removes what the killed ones left.
    assert_eq!(export(&db, &out, true), split);
    assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));

    // Kills at moments spread over whole exports, alternating split and unsplit.
    let started = Instant::now();
    export(&db, &out, false);
    let full = started.elapsed();
    let mut current = unsplit.clone();
    let mut killed = 0;
    for i in 0..12u32 {
        let split_now = i % 2 == 0;
        let mut child = spawn_export(&db, &out, split_now, None);
        std::thread::sleep(full.mul_f64(0.1 + 0.08 * f64::from(i)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let now = one_complete_export(&out).unwrap_or_else(|e| panic!("kill {i}: {e}"));
        let new = if split_now { &split } else { &unsplit };
        assert!(now == current || &now == new, "kill {i}: the folder holds neither the old nor the new export");
        current = now;
    }
    assert!(killed >= 4, "only {killed} kills hit a running export");
}
