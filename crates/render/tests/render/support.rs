//! Shared test helpers: the real fixtures in ../shared/fixtures/real, loaded with trawl-core's
//! adapters, and small checks over render output.
#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::Value;
use trawl_core::{Recognized, Step, ToolCall, Trajectory};
use trawl_render::{Code, FileDiff, Span};

/// `../shared/fixtures/real/<rel>` relative to the repository root.
pub fn real_fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/real").join(rel)
}

fn collect(value: Value, file_name: &str, out: &mut Vec<Trajectory>) {
    let Ok(rec) = trawl_core::formats::recognize(value, file_name) else { return };
    match rec.recognized {
        Recognized::Trajectory(t) => out.push(*t),
        Recognized::Records(items) => {
            for v in items {
                collect(v, file_name, out);
            }
        }
        Recognized::Outcomes(_) => {}
    }
}

/// Every trajectory in a real fixture file (JSON or JSON Lines).
pub fn trajectories(rel: &str) -> Vec<Trajectory> {
    let path = real_fixture(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut out = Vec::new();
    if rel.ends_with(".jsonl") {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            collect(serde_json::from_str(line).expect("fixture line is JSON"), &name, &mut out);
        }
    } else {
        collect(serde_json::from_str(&text).expect("fixture is JSON"), &name, &mut out);
    }
    assert!(!out.is_empty(), "no trajectory in {rel}");
    out
}

/// All real trajectory fixtures.
pub const TRAJECTORY_FIXTURES: &[&str] = &[
    "swe-agent/pydicom__pydicom-1458.traj",
    "mini-swe-agent-swebench/astropy__astropy-12907.traj.json",
    "openhands/multi_swe_bench_c_ponyc.output.jsonl",
    "swe-zero-nvidia/keras-team__keras-nlp-385.final_request.json",
    "nebius-swe-agent-trajectories/Melevir__cognitive_complexity-15.row.json",
    "swe-smith-trajectories/adp_sample_raw.json",
];

/// A line's text (spans joined).
pub fn line_text(spans: &[Span]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

/// All lines of a code block as text.
pub fn code_text(code: &Code) -> Vec<String> {
    code.lines.iter().map(|l| line_text(l)).collect()
}

/// The classes used anywhere in a code block.
pub fn classes(code: &Code) -> Vec<String> {
    let mut out: Vec<String> = code.lines.iter().flatten().filter_map(|s| s.class.clone()).collect();
    out.sort();
    out.dedup();
    out
}

/// (added, removed) counted over the lines of the diff.
pub fn counted(files: &[FileDiff]) -> (u64, u64) {
    let mut add = 0;
    let mut del = 0;
    for f in files {
        for h in &f.hunks {
            for l in &h.lines {
                match l.kind {
                    trawl_render::DiffLineKind::Add => add += 1,
                    trawl_render::DiffLineKind::Del => del += 1,
                    trawl_render::DiffLineKind::Ctx => {}
                }
            }
        }
    }
    (add, del)
}

/// An assistant step with one call.
pub fn step_with_call(name: &str, arguments: Value, observation: Option<&str>) -> Step {
    let mut s = Step::message(trawl_core::Role::Assistant, "doing it");
    s.tool_calls.push(ToolCall {
        id: Some("call_1".into()),
        name: name.into(),
        arguments,
        observation: observation.map(str::to_string),
        exit_code: None,
    });
    s.sync_observation();
    s
}
