//! The render crate stays pure: no storage, index, async or UI crate in its dependency closure.

use std::process::Command;

#[test]
fn render_is_pure() {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-p", "trawl-render", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let deps: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(deps.iter().any(|d| d == "syntect") && deps.iter().any(|d| d == "trawl-core"), "{deps:?}");
    for forbidden in ["trawl-store", "trawl-api", "rusqlite", "tantivy", "tauri", "tokio", "parquet"] {
        assert!(!deps.iter().any(|d| d == forbidden), "trawl-render must not depend on {forbidden}");
    }
}
