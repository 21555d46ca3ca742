//! Invariants of the workspace checked as ordinary tests (see ARCHITECTURE.md).

use std::process::Command;

/// The normal (non-dev) dependency closure of a workspace package, as `cargo tree` prints it.
fn dependency_names(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn core_is_pure() {
    let deps = dependency_names("trawl-core");
    assert!(deps.iter().any(|d| d == "serde_json"), "the check sees dependencies: {deps:?}");
    for forbidden in ["rusqlite", "tantivy", "tauri", "tokio", "parquet", "zstd"] {
        assert!(!deps.iter().any(|d| d == forbidden), "trawl-core must not depend on {forbidden}");
    }
}

#[test]
fn the_api_crate_holds_no_storage_dependency_of_its_own() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../api/Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    for forbidden in ["rusqlite", "tantivy"] {
        assert!(!deps.contains(forbidden), "trawl-api must reach storage only through trawl-store");
    }
}

#[test]
fn migrations_are_numbered_and_embedded_in_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    for (i, n) in names.iter().enumerate() {
        assert!(n.starts_with(&format!("{:04}_", i + 1)), "migration {n} out of sequence");
    }
    let db_rs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../store/src/db.rs")).unwrap();
    for n in &names {
        assert!(db_rs.contains(&format!("migrations/{n}")), "migration {n} is not embedded in store/src/db.rs");
    }
}
