//! Shared test helpers: locating ../shared fixtures and rendering a trajectory as a golden summary.
#![allow(dead_code)]

use std::path::PathBuf;

use trawl_core::{Recognized, Trajectory};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/fixtures/real/<rel>` relative to the repository root.
pub fn real_fixture(rel: &str) -> PathBuf {
    repo_root().join("../shared/fixtures/real").join(rel)
}

/// Recognises a JSON value and returns its trajectory, panicking with the reason otherwise.
pub fn trajectory_of(value: serde_json::Value, file_name: &str) -> (Trajectory, Vec<String>) {
    let rec = trawl_core::formats::recognize(value, file_name).expect("recognised");
    match rec.recognized {
        Recognized::Trajectory(t) => (*t, rec.warnings),
        other => panic!("expected a trajectory, got {other:?}"),
    }
}

/// A compact, human-reviewable summary of a normalized trajectory for golden snapshots:
/// header fields, then one line per step (role, tool names, exit code, observation size).
pub fn golden_summary(t: &Trajectory) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let o = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    writeln!(s, "format: {}", t.format.as_str()).unwrap();
    writeln!(s, "instance_id: {}", o(&t.instance_id)).unwrap();
    writeln!(s, "repo: {}", o(&t.repo)).unwrap();
    writeln!(s, "dataset: {}", o(&t.dataset)).unwrap();
    writeln!(s, "license: {}", o(&t.license)).unwrap();
    writeln!(s, "model: {}", o(&t.model)).unwrap();
    writeln!(s, "trajectory_id: {}", o(&t.trajectory_id)).unwrap();
    writeln!(
        s,
        "problem_statement: {}",
        t.problem_statement.as_ref().map(|p| format!("{} chars", p.chars().count())).unwrap_or("-".into())
    )
    .unwrap();
    writeln!(
        s,
        "patch: {}",
        match &t.patch {
            None => "none".to_string(),
            Some(p) if p.is_empty() => "empty".to_string(),
            Some(p) => format!("{} lines", p.lines().count()),
        }
    )
    .unwrap();
    writeln!(s, "resolved: {:?}", t.outcome.resolved).unwrap();
    writeln!(s, "exit_status: {}", o(&t.outcome.exit_status)).unwrap();
    writeln!(
        s,
        "error: {}",
        t.outcome.error.as_ref().map(|e| e.chars().take(80).collect::<String>()).unwrap_or("-".into())
    )
    .unwrap();
    writeln!(s, "usage: {:?}", t.usage).unwrap();
    writeln!(s, "steps: {}", t.steps.len()).unwrap();
    for (i, st) in t.steps.iter().enumerate() {
        let tools: Vec<String> = st
            .tool_calls
            .iter()
            .map(|c| match c.exit_code {
                Some(e) => format!("{}[exit {e}]", c.name),
                None => c.name.clone(),
            })
            .collect();
        writeln!(
            s,
            "  {i:3} {:9} text={} thought={} calls=[{}] obs={}",
            st.role.as_str(),
            st.text.len(),
            st.thought.as_ref().map(|t| t.len().to_string()).unwrap_or("-".into()),
            tools.join(", "),
            st.observation.as_ref().map(|o| o.len().to_string()).unwrap_or("-".into()),
        )
        .unwrap();
    }
    s
}
