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

/// Files of the given kinds whose line count exceeds 800 (generated TypeScript and build output
/// excepted), as "path: lines".
fn files_over_800_lines() -> Vec<String> {
    use crate::tidy_graph::{files_under, rel, workspace};
    let ws = workspace();
    let exts = ["rs", "ts", "tsx", "mjs", "js", "css", "sql", "sh", "py"];
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri", "ui/src", "ui/e2e", "ui/test", "tests", "benches", "scripts"] {
        files_under(&ws.join(dir), &exts, &mut files);
    }
    assert!(files.len() > 100, "the check sees the sources: {} files", files.len());
    let generated = ws.join("ui/src/api/gen");
    let mut over = Vec::new();
    for f in files.iter().filter(|f| !f.starts_with(&generated)) {
        let lines = std::fs::read_to_string(f).map(|t| t.lines().count()).unwrap_or(0);
        if lines > 800 {
            over.push(format!("{}: {lines} lines", rel(f)));
        }
    }
    over
}

#[test]
fn no_source_file_is_over_800_lines() {
    let over = files_over_800_lines();
    assert!(over.is_empty(), "{} file(s) over 800 lines; split them by topic:\n{}", over.len(), over.join("\n"));
}

#[test]
fn the_api_and_its_front_ends_hold_no_sql() {
    use crate::tidy_graph::{files_under, rel, workspace};
    use crate::tidy_lex::{code_only, is_ident, line_of};
    let ws = workspace();
    let mut files = Vec::new();
    for dir in ["crates/api/src", "crates/cli/src", "crates/server/src", "src-tauri/src"] {
        files_under(&ws.join(dir), &["rs"], &mut files);
    }
    assert!(files.len() > 10, "the check sees the sources: {} files", files.len());
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = code_only(&text, false);
        let b = code.as_bytes();
        for word in ["prepare", "execute(", "query_row", "rusqlite"] {
            for (at, _) in code.match_indices(word) {
                if at == 0 || !is_ident(b[at - 1]) {
                    found.push(format!("{}:{}: `{word}`", rel(f), line_of(&text, at)));
                }
            }
        }
    }
    found.sort();
    assert!(found.is_empty(), "SQL belongs in trawl-store; found:\n{}", found.join("\n"));
}

#[test]
fn the_cli_reaches_the_workspace_only_through_the_api() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/Cargo.toml")).unwrap();
    let deps = manifest.split("\n[dependencies]").nth(1).unwrap_or("").split("\n[").next().unwrap_or("");
    assert!(deps.contains("trawl-api"), "the check reads the [dependencies] table: {deps}");
    let used: Vec<&str> = deps
        .lines()
        .filter_map(|l| l.split(['.', '=', ' ']).next())
        .filter(|name| name.starts_with("trawl-"))
        .collect();
    let other: Vec<&&str> = used.iter().filter(|n| !["trawl-api", "trawl-gen", "trawl-server"].contains(n)).collect();
    assert!(
        other.is_empty(),
        "crates/cli/Cargo.toml [dependencies] must not name {other:?} (only trawl-api, trawl-gen, trawl-server)"
    );
}
