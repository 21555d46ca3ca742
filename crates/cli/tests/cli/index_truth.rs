//! The index belongs to its database: whatever happens to the files beside it (a database deleted
//! and created again, another database copied over it, a damaged or foreign index folder, a
//! read-only folder), every count is the database's own, and `trawl check` finds and mends what
//! is damaged.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{gen, run, run_json, search_count, trawl, u};

fn index_dir(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".index");
    PathBuf::from(s)
}

fn remove_db_files(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(s));
    }
}

fn output(db: &Path, args: &[&str]) -> Output {
    trawl().arg("--db").arg(db).args(args).output().expect("run trawl")
}

/// Stats, search count and `indexed` all agree on `n`.
fn assert_counts(db: &Path, n: u64, label: &str) {
    let stats = run_json(db, &["stats", "--json"]);
    assert_eq!(u(&stats, "trajectories"), n, "{label}: trajectories in {stats}");
    assert_eq!(u(&stats, "indexed"), n, "{label}: the index holds {} documents for {n} trajectories", stats["indexed"]);
    assert_eq!(search_count(db, ""), n, "{label}: search '' --count");
}

#[test]
fn starting_over_after_deleting_the_database_file_does_not_double() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    gen(&data, 5, 30);
    let db = dir.path().join("data.trawl.db");
    run(&db, &["ingest", data.to_str().unwrap(), "-q"]);
    assert_counts(&db, 30, "first ingest");
    // The user starts over: deletes the file they know, leaves the index folder beside it.
    remove_db_files(&db);
    assert!(index_dir(&db).is_dir());
    let out = output(&db, &["ingest", data.to_str().unwrap(), "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rebuilt"), "a one-line notice says the index was rebuilt: {err:?}");
    assert_counts(&db, 30, "after starting over");
}

#[test]
fn a_database_copied_over_another_is_answered_from_its_own_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (da, dbb) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    gen(&da, 1, 25);
    gen(&dbb, 2, 12);
    let (a, b) = (dir.path().join("a.trawl.db"), dir.path().join("b.trawl.db"));
    run(&a, &["ingest", da.to_str().unwrap(), "-q"]);
    run(&b, &["ingest", dbb.to_str().unwrap(), "-q"]);
    // Copy a's database file (alone, as a user restoring a backup would) over b's.
    remove_db_files(&b);
    std::fs::copy(&a, &b).unwrap();
    // `trawl check` names the damage before anything else opened the database, and mends it.
    check_names(&b, "index_foreign", "a copied over b");
    repair_and_recheck(&b, 25, "a copied over b");
    assert_counts(&b, 25, "a copied over b");
    // And b's own rows are gone from its answers: an id of a is found, by search and show.
    let hits = run_json(&b, &["search", "", "--json", "--limit", "100"]);
    let ids: Vec<&str> = hits["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    let a_hits = run_json(&a, &["search", "", "--json", "--limit", "100"]);
    let mut a_ids: Vec<&str> = a_hits["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    let mut b_ids = ids.clone();
    a_ids.sort();
    b_ids.sort();
    assert_eq!(a_ids, b_ids, "b answers with a's trajectories");
}

#[test]
fn a_restored_older_backup_rebuilds_an_index_that_is_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = (dir.path().join("one.jsonl"), dir.path().join("two.jsonl"));
    gen(&d1, 1, 10);
    gen(&d2, 2, 10);
    let db = dir.path().join("t.db");
    run(&db, &["ingest", d1.to_str().unwrap(), "-q"]);
    run(&db, &["stats"]); // checkpoint-free copy is fine: WAL is merged on close
    let backup = dir.path().join("backup.db");
    std::fs::copy(&db, &backup).unwrap();
    run(&db, &["ingest", d2.to_str().unwrap(), "-q"]);
    assert_counts(&db, 20, "two files");
    remove_db_files(&db);
    std::fs::copy(&backup, &db).unwrap();
    check_names(&db, "index_ahead", "backup restored");
    repair_and_recheck(&db, 10, "backup restored");
    assert_counts(&db, 10, "backup restored");
}

/// Every entry of an index folder but the files named.
fn corrupt_segment(db: &Path) {
    let dir = index_dir(db);
    let mut largest: Option<(u64, PathBuf)> = None;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with('.') || name.ends_with(".json") || name.ends_with(".lock") {
            continue;
        }
        let len = e.metadata().unwrap().len();
        if largest.as_ref().is_none_or(|(l, _)| len > *l) {
            largest = Some((len, p));
        }
    }
    let (len, path) = largest.expect("a segment file");
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len / 3).unwrap();
}

#[test]
fn a_damaged_or_foreign_index_folder_is_rebuilt_or_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    gen(&data, 4, 15);
    let db = dir.path().join("t.db");
    run(&db, &["ingest", data.to_str().unwrap(), "-q"]);

    // A truncated segment file: rebuilt, with a notice.
    corrupt_segment(&db);
    let out = output(&db, &["search", "", "--count"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "search after a truncated segment: {err}");
    assert!(err.contains("rebuilt"), "notice: {err:?}");
    assert_counts(&db, 15, "truncated segment");

    // Random files inside the folder and a garbage meta.json.
    std::fs::write(index_dir(&db).join("meta.json"), b"not json at all").unwrap();
    std::fs::write(index_dir(&db).join("notes.txt"), b"hello").unwrap();
    let out = output(&db, &["stats", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_counts(&db, 15, "garbage meta.json");

    // The index path is a regular file: one line naming it, nothing deleted.
    std::fs::remove_dir_all(index_dir(&db)).unwrap();
    std::fs::write(index_dir(&db), b"my notes").unwrap();
    let out = output(&db, &["search", "", "--count"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    assert!(err.contains(&index_dir(&db).display().to_string()) && err.contains("not a folder"), "{err}");
    assert_eq!(std::fs::read(index_dir(&db)).unwrap(), b"my notes");

    // A missing index folder is rebuilt.
    std::fs::remove_file(index_dir(&db)).unwrap();
    assert_counts(&db, 15, "missing index");
}

#[test]
fn a_file_that_is_not_sqlite_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    std::fs::write(&db, "these are my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&db).unwrap();
    let out = output(&db, &["stats"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    assert!(err.contains("not a trawl database") || err.contains("not a database"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
}

/// Runs trawl as an unprivileged user when the tests run as root (root ignores file modes).
fn as_reader(db: &Path, args: &[&str]) -> Output {
    let bin = crate::support::trawl_bin();
    let is_root = std::process::Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n"));
    let mut cmd = if is_root.unwrap_or(false) {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", &bin.display().to_string()]);
        c
    } else {
        std::process::Command::new(bin)
    };
    cmd.env("HOME", "/nonexistent")
        .env("TRAWL_ANNOTATOR", "reader")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run trawl")
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn chmod_tree(path: &Path, file_mode: u32, dir_mode: u32) {
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap().flatten() {
            chmod_tree(&e.path(), file_mode, dir_mode);
        }
        set_mode(path, dir_mode);
    } else {
        set_mode(path, file_mode);
    }
}

#[test]
fn a_read_only_database_folder_is_searchable_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.jsonl");
    gen(&data, 6, 12);
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("t.db");
    run(&db, &["ingest", data.to_str().unwrap(), "-q"]);
    let id = run_json(&db, &["search", "", "--json", "--limit", "1"])["hits"][0]["id"].as_str().unwrap().to_string();
    set_mode(dir.path(), 0o755);
    chmod_tree(&folder, 0o444, 0o555);

    let out = as_reader(&db, &["search", "", "--count"]);
    let restore = || chmod_tree(&folder, 0o644, 0o755);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    if !out.status.success() {
        restore();
        panic!("search on a read-only database failed: {err}");
    }
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "12", "{err}");
    let out = as_reader(&db, &["show", &id, "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let show_err = String::from_utf8_lossy(&out.stderr).to_string();
    let out = as_reader(&db, &["label", &id, "verdict", "keep"]);
    let label_err = String::from_utf8_lossy(&out.stderr).to_string();
    let label_status = out.status.code();
    restore();
    assert_eq!(shown["id"].as_str(), Some(id.as_str()), "show on a read-only database: {show_err}");
    assert_eq!(label_status, Some(1), "a label on a read-only database is refused: {label_err}");
    assert_eq!(label_err.trim_end().lines().count(), 1, "{label_err:?}");
    assert!(label_err.contains("read-only"), "the refusal says why: {label_err}");
}

// --- trawl check ---------------------------------------------------------------------------

fn check(db: &Path, repair: bool) -> (Option<i32>, Value, String) {
    let mut args = vec!["check", "--json"];
    if repair {
        args.push("--repair");
    }
    let out = output(db, &args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "trawl check --json printed no JSON: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v, String::from_utf8_lossy(&out.stderr).to_string())
}

/// `trawl check` (without --repair) exits 1 and names a finding of `kind`.
fn check_names(db: &Path, kind: &str, label: &str) {
    let (code, v, err) = check(db, false);
    assert_eq!(code, Some(1), "{label}: check finds the damage: {v} {err}");
    assert!(findings(&v).iter().any(|f| f.contains(kind)), "{label}: check names {kind}: {v}");
}

fn findings(v: &Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| format!("{}: {}", f["kind"], f["message"])).collect()
}

/// Changes the index behind trawl's back (tantivy directly), keeping its commit payload.
fn tamper_index(db: &Path, f: impl FnOnce(&mut tantivy::IndexWriter, &tantivy::schema::Schema)) {
    let index = tantivy::Index::open_in_dir(index_dir(db)).unwrap();
    let payload = index.load_metas().unwrap().payload;
    let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    f(&mut w, &index.schema());
    let mut prepared = w.prepare_commit().unwrap();
    if let Some(p) = payload {
        prepared.set_payload(&p);
    }
    prepared.commit().unwrap();
    w.wait_merging_threads().unwrap();
}

fn healthy_db(dir: &Path, rows: u64) -> (PathBuf, PathBuf) {
    let data = dir.join("d.jsonl");
    gen(&data, 8, rows);
    let db = dir.join("t.db");
    run(&db, &["ingest", data.to_str().unwrap(), "-q"]);
    (db, data)
}

fn repair_and_recheck(db: &Path, n: u64, label: &str) {
    let (code, v, err) = check(db, true);
    assert_eq!(code, Some(0), "{label}: check --repair: {v} {err}");
    assert!(!v["repaired"].as_array().unwrap().is_empty(), "{label}: says what it repaired: {v}");
    let (code, v, err) = check(db, false);
    assert_eq!(code, Some(0), "{label}: check after repair: {v} {err}");
    assert!(findings(&v).is_empty(), "{label}: {v}");
    assert_counts(db, n, label);
}

#[test]
fn check_on_a_healthy_database_has_nothing_to_repair() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = healthy_db(dir.path(), 10);
    let out = output(&db, &["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text} {}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("nothing to repair"), "{text}");
    let (code, v, _) = check(&db, false);
    assert_eq!(code, Some(0));
    assert!(findings(&v).is_empty(), "{v}");
    assert_eq!((u(&v, "trajectories"), u(&v, "indexed")), (10, 10), "{v}");
}

#[test]
fn check_names_missing_and_stale_index_documents_and_repair_mends_them() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = healthy_db(dir.path(), 10);
    tamper_index(&db, |w, schema| {
        let id = schema.get_field("id").unwrap();
        let kind = schema.get_field("kind").unwrap();
        w.delete_term(tantivy::Term::from_field_u64(id, 3));
        w.delete_term(tantivy::Term::from_field_u64(id, 4));
        // A document for a trajectory the database does not have, and one twice.
        for row in [777u64, 5] {
            let mut d = tantivy::TantivyDocument::default();
            d.add_u64(kind, 0);
            d.add_u64(id, row);
            w.add_document(d).unwrap();
        }
    });
    let (code, v, _) = check(&db, false);
    assert_eq!(code, Some(1), "damage found without --repair exits 1: {v}");
    let f = findings(&v).join("\n");
    assert!(f.contains("index_missing") && f.contains("index_stale"), "{f}");
    assert!(f.contains("777"), "the stale document is named: {f}");
    repair_and_recheck(&db, 10, "index documents");
}

#[test]
fn check_names_a_tampered_derived_column_and_repair_recomputes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = healthy_db(dir.path(), 10);
    let uid: String = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("UPDATE trajectories SET steps = steps + 7, patch_added = patch_added + 3 WHERE id = 2", [])
            .unwrap();
        conn.query_row("SELECT uid FROM trajectories WHERE id = 2", [], |r| r.get(0)).unwrap()
    };
    let (code, v, _) = check(&db, false);
    assert_eq!(code, Some(1), "{v}");
    let f = findings(&v).join("\n");
    assert!(f.contains("derived") && f.contains(&uid) && f.contains("steps"), "{f}");
    repair_and_recheck(&db, 10, "derived column");
}

#[test]
fn check_names_a_record_whose_bytes_do_not_match_its_id_and_repair_restores_it_from_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = healthy_db(dir.path(), 10);
    let uid: String = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("UPDATE trajectories SET raw = (SELECT raw FROM trajectories WHERE id = 2) WHERE id = 3", [])
            .unwrap();
        conn.query_row("SELECT uid FROM trajectories WHERE id = 3", [], |r| r.get(0)).unwrap()
    };
    let (code, v, _) = check(&db, false);
    assert_eq!(code, Some(1), "{v}");
    let f = findings(&v).join("\n");
    assert!(f.contains("hash") && f.contains(&uid), "{f}");
    repair_and_recheck(&db, 10, "record bytes");
    let raw = run(&db, &["show", &uid, "--raw"]);
    let shown = run_json(&db, &["show", &uid, "--json"]);
    assert_eq!(shown["id"].as_str(), Some(uid.as_str()));
    assert!(!raw.is_empty());
}

#[test]
fn a_database_from_before_identities_keeps_its_index() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = healthy_db(dir.path(), 10);
    // Make it look like a database and index written by an earlier trawl: no identity in `meta`,
    // a commit payload of only `seq:N`.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute("DELETE FROM meta WHERE key = 'db_id'", []).unwrap();
    }
    let index = tantivy::Index::open_in_dir(index_dir(&db)).unwrap();
    let payload = index.load_metas().unwrap().payload.unwrap();
    let seq_only = payload.split_whitespace().next().unwrap().to_string();
    assert!(seq_only.starts_with("seq:"), "{payload}");
    let mut w: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let mut prepared = w.prepare_commit().unwrap();
    prepared.set_payload(&seq_only);
    prepared.commit().unwrap();
    w.wait_merging_threads().unwrap();
    drop(index);

    let out = output(&db, &["search", "", "--count"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.is_empty(), "the agreeing index is kept, without a rebuild: {err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "10");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let id: String = conn.query_row("SELECT value FROM meta WHERE key = 'db_id'", [], |r| r.get(0)).unwrap();
    let index = tantivy::Index::open_in_dir(index_dir(&db)).unwrap();
    let payload = index.load_metas().unwrap().payload.unwrap();
    assert!(payload.contains(&format!("db:{id}")), "the index now records the identity: {payload}");
    let (code, v, _) = check(&db, false);
    assert_eq!(code, Some(0), "{v}");
}

#[test]
fn a_read_only_index_folder_is_searched_as_it_is_and_an_ingest_is_refused_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = (dir.path().join("one.jsonl"), dir.path().join("two.jsonl"));
    gen(&d1, 9, 8);
    gen(&d2, 10, 4);
    let folder = dir.path().join("db");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("t.db");
    run(&db, &["ingest", d1.to_str().unwrap(), "-q"]);
    let id = run_json(&db, &["search", "", "--json", "--limit", "1"])["hits"][0]["id"].as_str().unwrap().to_string();
    set_mode(dir.path(), 0o755);
    set_mode(&d2, 0o644);
    set_mode(&folder, 0o777);
    set_mode(&db, 0o666);
    chmod_tree(&index_dir(&db), 0o444, 0o555);
    let search = as_reader(&db, &["search", "", "--count"]);
    let label = as_reader(&db, &["label", &id, "verdict", "keep", "--json"]);
    let ingest = as_reader(&db, &["ingest", d2.to_str().unwrap(), "-q"]);
    chmod_tree(&index_dir(&db), 0o644, 0o755);
    let text = |o: &Output| format!("{} {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(search.status.success(), "search: {}", text(&search));
    assert_eq!(String::from_utf8_lossy(&search.stdout).trim(), "8");
    assert!(label.status.success(), "a label needs only the database: {}", text(&label));
    let err = String::from_utf8_lossy(&ingest.stderr);
    assert_eq!(ingest.status.code(), Some(1), "{}", text(&ingest));
    assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
    assert!(err.contains("cannot be written") && err.contains(&index_dir(&db).display().to_string()), "{err}");
    // Nothing of the refused ingest reached the database.
    assert_counts(&db, 8, "after the refused ingest");
}

#[test]
fn a_database_opened_with_mode_ro_is_searchable_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = healthy_db(dir.path(), 6);
    let id = run_json(&db, &["search", "", "--json", "--limit", "1"])["hits"][0]["id"].as_str().unwrap().to_string();
    let uri = format!("file:{}?mode=ro", db.display());
    let ro =
        |args: &[&str]| trawl().current_dir(dir.path()).arg("--db").arg(&uri).args(args).output().expect("run trawl");
    let out = ro(&["search", "", "--count"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "6");
    let out = ro(&["show", &id, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = ro(&["label", &id, "verdict", "keep"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("read-only") && err.trim_end().lines().count() == 1, "{err}");
    let stray: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(stray.iter().all(|n| !n.to_string_lossy().starts_with("file:")), "nothing created beside: {stray:?}");
    assert_counts(&db, 6, "after read-only use");
}
