use std::sync::OnceLock;

use serde_json::Value;
use trawl_gen::{plan, GenConfig, RowPlan, PHRASES};

pub const SEED: u64 = 7;

/// Rows `0..n` of `SEED` as JSON lines (generated once per `n`, through `write_jsonl`).
pub fn lines(n: usize) -> Vec<String> {
    let mut buf = Vec::new();
    trawl_gen::write_jsonl(&GenConfig::new(SEED), n as u64, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    assert_eq!(lines.len(), n);
    lines
}

/// The 2,000 rows used by the rate tests, summarized.
pub fn summaries() -> &'static [Summary] {
    static CELL: OnceLock<Vec<Summary>> = OnceLock::new();
    CELL.get_or_init(|| {
        let cfg = GenConfig::new(SEED);
        lines(2000).iter().enumerate().map(|(i, l)| summarize(l, plan(&cfg, i as u64))).collect()
    })
}

/// What the rate tests need to know about one row, read back from its JSON.
pub struct Summary {
    pub plan: RowPlan,
    pub instance_id: String,
    pub empty_patch: bool,
    pub has_finish: bool,
    /// Longest run of consecutive identical tool calls (name and arguments).
    pub longest_identical_run: usize,
    /// Whether any tool call (name and arguments) occurs twice anywhere.
    pub any_repeated_call: bool,
    /// Exit codes of `execute_bash` calls that run python or pytest.
    pub ran_tests_exits: Vec<i64>,
    pub stray_repro: bool,
    pub patch_touches_tests: bool,
    pub tool_error: bool,
    /// Phrases of `PHRASES` found in the raw line.
    pub phrases: Vec<&'static str>,
}

/// The tool calls of a row: `(name, arguments, observation or "")`.
pub fn calls(v: &Value) -> Vec<(String, String, String)> {
    let msgs = v["trajectory"].as_array().unwrap();
    let mut out = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        let Some(tcs) = m.get("tool_calls").and_then(Value::as_array) else {
            continue;
        };
        for tc in tcs {
            let f = &tc["function"];
            let obs = msgs
                .get(i + 1)
                .filter(|n| n["role"] == "tool")
                .and_then(|n| n["content"].as_str())
                .unwrap_or("")
                .to_string();
            out.push((f["name"].as_str().unwrap().to_string(), f["arguments"].as_str().unwrap().to_string(), obs));
        }
    }
    out
}

/// The command words of a shell command line: the first word of each `&&`/`||`/`|`/`;` segment.
pub fn command_words(cmd: &str) -> Vec<String> {
    cmd.split(['|', ';', '&']).filter_map(|seg| seg.split_whitespace().next()).map(str::to_string).collect()
}

/// Whether a command breaks the execution-free rule (runs python, pytest, mypy, pip or apt).
pub fn runs_code(cmd: &str) -> bool {
    command_words(cmd)
        .iter()
        .any(|w| matches!(w.as_str(), "python" | "python3" | "pytest" | "mypy" | "pip" | "pip3" | "apt" | "apt-get"))
}

/// Exit code stated by a bash observation.
pub fn exit_code(obs: &str) -> Option<i64> {
    let key = "[The command completed with exit code ";
    let at = obs.rfind(key)? + key.len();
    obs[at..].split('.').next()?.parse().ok()
}

fn summarize(line: &str, plan: RowPlan) -> Summary {
    let v: Value = serde_json::from_str(line).unwrap();
    let calls = calls(&v);
    let mut longest = 0;
    let mut run = 0;
    let mut seen = std::collections::HashSet::new();
    let mut any_repeat = false;
    for (i, c) in calls.iter().enumerate() {
        if i > 0 && calls[i - 1].0 == c.0 && calls[i - 1].1 == c.1 {
            run += 1;
        } else {
            run = 1;
        }
        longest = longest.max(run);
        if !seen.insert((c.0.clone(), c.1.clone())) {
            any_repeat = true;
        }
    }
    let mut ran_tests_exits = Vec::new();
    for (name, args, obs) in &calls {
        if name == "execute_bash" {
            let a: Value = serde_json::from_str(args).unwrap();
            if runs_code(a["command"].as_str().unwrap()) {
                ran_tests_exits.push(exit_code(obs).unwrap());
            }
        }
    }
    let patch = v["model_patch"].as_str().unwrap();
    let touched: Vec<&str> =
        patch.lines().filter_map(|l| l.strip_prefix("diff --git a/")).map(|l| l.split(' ').next().unwrap()).collect();
    Summary {
        instance_id: v["instance_id"].as_str().unwrap().to_string(),
        empty_patch: patch.is_empty(),
        has_finish: calls.iter().any(|c| c.0 == "finish"),
        longest_identical_run: longest,
        any_repeated_call: any_repeat,
        ran_tests_exits,
        stray_repro: touched.iter().any(|p| p.ends_with("reproduce_issue.py")),
        patch_touches_tests: touched.iter().any(|p| p.rsplit('/').next().unwrap().starts_with("test_")),
        tool_error: calls.iter().any(|c| c.2.starts_with("ERROR:\nNo replacement was performed")),
        phrases: PHRASES.iter().map(|p| p.text).filter(|t| line.contains(t)).collect(),
        plan,
    }
}
