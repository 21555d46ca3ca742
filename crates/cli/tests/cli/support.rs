//! Running the `trawl` binary and reading its JSON output.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// A `trawl` command.
pub fn trawl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trawl"))
}

/// Runs `trawl --db DB ARGS...`, asserts success and returns its standard output.
pub fn run(db: &Path, args: &[&str]) -> Vec<u8> {
    let out = trawl().arg("--db").arg(db).args(args).output().expect("run trawl");
    assert!(
        out.status.success(),
        "trawl {} failed ({}): {}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `trawl --db DB ARGS...` (which must include `--json`) and parses its output.
pub fn run_json(db: &Path, args: &[&str]) -> Value {
    let out = run(db, args);
    serde_json::from_slice(&out).unwrap_or_else(|e| {
        panic!("trawl {}: output is not json ({e}): {}", args.join(" "), String::from_utf8_lossy(&out))
    })
}

/// A non-negative integer field of a JSON object.
pub fn u(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or_else(|| panic!("no integer `{key}` in {v}"))
}
