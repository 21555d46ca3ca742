//! Exports that must not leak or leave debris: redaction counts, an unwritable or full target,
//! a killed export.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::curation::{fails, generated_db, nv_row, s, sha256_hex};
use crate::curation_export::{check_manifest, manifest};
use crate::support::{run_json, trawl, u};

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
        // The patch holds the AWS key (an sft-chat line carries it beside the conversation).
        assert_eq!(u(&r["redactions"], "aws"), 1, "{format}: {r}");
        assert_eq!(u(&r["redactions"], "openai"), 0);
        assert_eq!(manifest(&out)["redactions"], r["redactions"]);
        let bytes = std::fs::read(out.join(r["outputs"][0]["file"].as_str().unwrap())).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if format != "parquet" {
            assert!(!text.contains(&gh) && !text.contains(aws) && !text.contains("tok.en-tok"), "{format}: {text}");
            assert!(text.contains("o__r-1"), "{format}");
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
