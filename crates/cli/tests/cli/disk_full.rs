//! A full disk, for real: a small tmpfs is mounted (this needs root; where mounting is not
//! allowed the test says so and checks nothing) and a real `trawl ingest` fills it. The ingest
//! fails with one line that says "disk full" and names the database; what an earlier ingest stored
//! is all still there (an ingest commits every 128 MB or second, so the failed one may have stored
//! nothing), and with the disk still full the read-only commands (`stats`, `search`, `show`,
//! `diagnostics`) still work.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{run_json, trawl, u};

/// A mounted tmpfs, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_named_and_reads_still_work() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("src.jsonl");
    let st = trawl().args(["gen", "--seed", "5", "--count", "400", "--out"]).arg(&data).output().unwrap();
    assert!(st.status.success());
    let Some(mnt) = Tmpfs::mount(&tmp.path().join("small"), "16m") else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (not root?); the disk-full test checked nothing");
        return;
    };
    let db = mnt.0.join("t.db");
    // An earlier ingest of the first 20 rows, which fits.
    let first = tmp.path().join("first.jsonl");
    let text = std::fs::read_to_string(&data).unwrap();
    std::fs::write(&first, text.lines().take(20).map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    let out = trawl().arg("--db").arg(&db).args(["ingest", "-q"]).arg(&first).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = trawl().arg("--db").arg(&db).args(["ingest", "-q"]).arg(&data).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "the ingest should fail: the disk is 16 MB, the data 42 MB");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("disk full") && err.contains(&db.display().to_string()), "{err}");

    // The disk is still full: reading works.
    let stats = run_json(&db, &["stats", "--json"]);
    let n = u(&stats, "trajectories");
    assert!(n >= 20, "the rows stored before the disk filled are all there: {stats}");
    let hits = run_json(&db, &["search", "", "--json", "--limit", "3"]);
    run_json(&db, &["diagnostics", "--json"]);
    if let Some(id) = hits["hits"].as_array().and_then(|h| h.first()).and_then(|h| h["id"].as_str()) {
        run_json(&db, &["show", id, "--json"]);
    }
}
