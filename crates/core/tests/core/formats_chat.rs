//! Tests: formats_chat. The OpenAI-chat family (NV SWE-Zero/Hero, nebius SWE-rebench-openhands,
//! SWE-Gym, Open-SWE-Traces, SWE-smith, generic chat rows) and nebius SWE-agent rows: golden
//! summaries of the real fixtures, explicit field checks, and small built rows for the formats
//! without a real file (edge cases are in `formats_chat_edges`).

use std::collections::BTreeMap;

use serde_json::{json, Value};
use trawl_core::formats::recognize;
use trawl_core::{Format, Recognized, Role, Trajectory};

use crate::support::{golden_summary, real_fixture, trajectory_of};

pub(crate) fn read_json(rel: &str) -> Value {
    let path = real_fixture(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("fixture is json")
}

pub(crate) fn tool_counts(t: &Trajectory) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (_, c) in t.tool_calls() {
        *m.entry(c.name.clone()).or_insert(0) += 1;
    }
    m
}

pub(crate) fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

pub(crate) fn roles(t: &Trajectory) -> Vec<Role> {
    t.steps.iter().map(|s| s.role).collect()
}

/// Recognition must fail with a lowercase reason without a trailing period.
pub(crate) fn expect_err(v: Value) -> String {
    match recognize(v, "x.jsonl") {
        Ok(r) => panic!("expected an error, got {:?}", r.recognized),
        Err(e) => {
            assert!(!e.is_empty() && !e.ends_with('.'), "bad reason {e:?}");
            assert_eq!(e.chars().next().map(|c| c.is_lowercase() || !c.is_alphabetic()), Some(true), "{e}");
            e
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Real fixtures

#[test]
fn swe_zero_rewrapped_real_file() {
    let v = read_json("swe-zero-nvidia/keras-team__keras-nlp-385.final_request.json");
    let (t, warnings) = trajectory_of(v, "keras-team__keras-nlp-385.final_request.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::OpenaiChat);
    assert_eq!(t.instance_id.as_deref(), Some("keras-team__keras-nlp-385"));
    assert_eq!(t.repo.as_deref(), Some("keras-team/keras-nlp"), "derived from the instance id");
    assert_eq!(t.model.as_deref(), Some("openhands-agent"));
    assert_eq!(t.patch, None, "the re-wrapped file lost model_patch");
    assert_eq!(t.outcome.resolved, None);
    assert_eq!(t.dataset, None);
    // 69 messages: system, user, 34 assistant turns, 33 tool results paired with their calls.
    assert_eq!(t.steps.len(), 36);
    assert_eq!(&roles(&t)[..3], &[Role::System, Role::User, Role::Assistant]);
    assert!(t.steps[2..].iter().all(|s| s.role == Role::Assistant));
    assert_eq!(
        tool_counts(&t),
        counts(&[("str_replace_editor", 24), ("execute_bash", 7), ("think", 2), ("finish", 1)])
    );
    // Every call but the final `finish` got its observation (the tool messages lost their ids).
    let calls: Vec<_> = t.tool_calls().map(|(_, c)| c).collect();
    assert!(calls[..33].iter().all(|c| c.observation.is_some()));
    assert_eq!(calls[33].name, "finish");
    assert!(calls[33].observation.is_none());
    assert_eq!(calls[0].observation.as_deref(), Some("Your thought has been logged."));
    assert_eq!(calls[0].id.as_deref(), Some("chatcmpl-tool-07a92f37aadb42a6a7316c496bc3d4ad"));
    assert_eq!(calls[1].arguments, json!({"command": "view", "path": "/workspace/keras-team__keras-nlp__1.0"}));
    // Exit codes come from the OpenHands footer of the bash observations: two greps found nothing.
    let bash_codes: Vec<Option<i64>> = calls.iter().filter(|c| c.name == "execute_bash").map(|c| c.exit_code).collect();
    assert_eq!(bash_codes, vec![Some(0), Some(0), Some(1), Some(1), Some(0), Some(0), Some(0)]);
    assert!(calls.iter().filter(|c| c.name != "execute_bash").all(|c| c.exit_code.is_none()));
    // `think` calls keep the thought in their arguments and also show it as the step's thought.
    let think_step = &t.steps[2];
    assert_eq!(think_step.tool_calls[0].name, "think");
    assert!(think_step.thought.as_deref().unwrap_or("").starts_with("Let me break down the issue"));
    assert!(t.steps[3].thought.is_none());
    let ps = t.problem_statement.as_deref().unwrap_or("");
    assert!(ps.starts_with("Register our BERT components as a serializable Keras objects"), "{ps}");
    assert!(!ps.contains("<issue_description>") && !ps.contains("Phase 1"));
    insta::assert_snapshot!(golden_summary(&t));
}

#[test]
fn swe_smith_real_rows() {
    let v = read_json("swe-smith-trajectories/adp_sample_raw.json");
    let rows = match recognize(v, "adp_sample_raw.json").expect("recognised").recognized {
        Recognized::Records(rows) => rows,
        other => panic!("expected a container, got {other:?}"),
    };
    assert_eq!(rows.len(), 5);
    let mut golden = String::new();
    let mut trajs = Vec::new();
    for row in rows {
        let (t, warnings) = trajectory_of(row, "adp_sample_raw.json");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(t.format, Format::SweSmith);
        golden.push_str(&golden_summary(&t));
        golden.push('\n');
        trajs.push(t);
    }
    let ids: Vec<&str> = trajs.iter().map(|t| t.instance_id.as_deref().unwrap_or("")).collect();
    assert_eq!(
        ids,
        [
            "arrow-py__arrow.1d70d009.lm_rewrite__nuzjfyur",
            "pudo__dataset.5c2dc8d3.func_pm_op_change__fq79104s",
            "sqlfluff__sqlfluff.50a1c4b6.lm_rewrite__5n2sn94d",
            "pyutils__line_profiler.a646bf0f.100",
            "getmoto__moto.694ce1f4.pr_6055",
        ]
    );
    let repos: Vec<&str> = trajs.iter().map(|t| t.repo.as_deref().unwrap_or("")).collect();
    assert_eq!(repos, ["arrow-py/arrow", "pudo/dataset", "sqlfluff/sqlfluff", "pyutils/line_profiler", "getmoto/moto"]);
    // Messages 31/47/37/45/77: system + task + one agent step per assistant message; every later
    // user message answered the call before it.
    let steps: Vec<usize> = trajs.iter().map(|t| t.steps.len()).collect();
    assert_eq!(steps, [17, 25, 20, 24, 40]);
    for t in &trajs {
        assert_eq!(&roles(t)[..2], &[Role::System, Role::User]);
        assert!(t.steps[2..].iter().all(|s| s.role == Role::Assistant && s.tool_calls.len() == 1));
        assert_eq!(t.outcome.resolved, Some(true));
        assert!(t.problem_statement.as_deref().is_some_and(|p| !p.contains("<pr_description>")));
        assert!(t.trajectory_id.as_deref().unwrap_or("").starts_with(t.instance_id.as_deref().unwrap_or("-")));
    }
    assert_eq!(tool_counts(&trajs[0]), counts(&[("bash", 6), ("str_replace_editor", 7), ("submit", 2)]));
    assert_eq!(tool_counts(&trajs[3]), counts(&[("bash", 8), ("str_replace_editor", 13), ("submit", 1)]));
    assert_eq!(tool_counts(&trajs[4]), counts(&[("bash", 13), ("str_replace_editor", 23), ("submit", 2)]));
    // The patch is kept as the row states it: row 0's is misaligned upstream (autograd), two are empty.
    assert!(trajs[0].patch.as_deref().unwrap_or("").starts_with("diff --git a/autograd/"));
    assert_eq!(trajs[3].patch.as_deref(), Some(""));
    assert_eq!(trajs[4].patch.as_deref(), Some(""));
    assert_eq!(trajs[0].model.as_deref(), Some("claude-3-7-sonnet-20250219"));
    assert_eq!(trajs[3].model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    // xml calls are parsed into arguments; observations are kept verbatim.
    let first = &trajs[0].steps[2].tool_calls[0];
    assert_eq!(first.name, "bash");
    assert_eq!(
        first.arguments,
        json!({"command": "find /testbed -type f -name \"*.py\" | grep -v \"__pycache__\" | sort"})
    );
    assert!(first.observation.as_deref().unwrap_or("").starts_with("OBSERVATION:\n/testbed/arrow/__init__.py"));
    assert_eq!(
        trajs[0].steps[3].tool_calls[0].arguments,
        json!({"command": "view", "path": "/testbed/arrow/arrow.py"})
    );
    // The last submit of row 3 got no answer.
    let last = trajs[3].steps.last().expect("steps");
    assert_eq!(last.tool_calls[0].name, "submit");
    assert!(last.observation.is_none());
    insta::assert_snapshot!(golden);
}

#[test]
fn nebius_swe_agent_real_row() {
    let v = read_json("nebius-swe-agent-trajectories/Melevir__cognitive_complexity-15.row.json");
    let (t, warnings) = trajectory_of(v, "Melevir__cognitive_complexity-15.row.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::NebiusSweAgent);
    assert_eq!(t.instance_id.as_deref(), Some("Melevir__cognitive_complexity-15"));
    assert_eq!(t.repo.as_deref(), Some("Melevir/cognitive_complexity"));
    assert_eq!(t.model.as_deref(), Some("swe-agent-llama-70b"));
    assert_eq!(t.outcome.resolved, Some(false), "target=false");
    assert_eq!(t.outcome.exit_status.as_deref(), Some("submitted (exit_context)"));
    let patch = t.patch.as_deref().expect("patch");
    assert!(patch.starts_with("diff --git a/cognitive_complexity/utils/ast.py"), "leading newline dropped");
    // 63 items: system, task, 31 ai turns; 30 user texts are observations of the commands.
    assert_eq!(t.steps.len(), 33);
    assert_eq!(&roles(&t)[..2], &[Role::System, Role::User]);
    assert!(t.steps[0].text.starts_with("SETTING: You are an autonomous programmer"), "system_prompt used");
    assert!(t.steps[2..].iter().all(|s| s.role == Role::Assistant && s.tool_calls.len() == 1));
    assert_eq!(t.steps.iter().filter(|s| s.observation.is_some()).count(), 30);
    assert!(t.steps.last().is_some_and(|s| s.observation.is_none()));
    assert_eq!(
        tool_counts(&t),
        counts(&[
            ("edit", 9),
            ("open", 6),
            ("bash", 5),
            ("goto", 4),
            ("search_dir", 3),
            ("find_file", 2),
            ("create", 1),
            ("scroll_up", 1),
        ])
    );
    let first = &t.steps[2].tool_calls[0];
    assert_eq!(first.name, "create");
    assert_eq!(first.arguments, json!({"command": "create reproduce.py"}));
    assert!(first.observation.as_deref().unwrap_or("").starts_with("[File: /cognitive_complexity/reproduce.py"));
    let edit = &t.steps[3].tool_calls[0];
    let cmd = edit.arguments["command"].as_str().unwrap_or("");
    assert!(cmd.starts_with("edit 1:1\n") && cmd.ends_with("end_of_edit"), "{cmd}");
    let bash: Vec<&str> = t.tool_calls().filter(|(_, c)| c.name == "bash").filter_map(|(_, c)| c.command()).collect();
    assert_eq!(bash, vec!["python reproduce.py"; 5]);
    let ps = t.problem_statement.as_deref().unwrap_or("");
    assert!(ps.starts_with("Incorrect counting for sequences of binary logical operators"), "{ps}");
    assert!(!ps.contains("INSTRUCTIONS:"));
    insta::assert_snapshot!(golden_summary(&t));
}

// ------------------------------------------------------------------------------------------------
// Built rows: one per format without a real file

pub(crate) fn nv_row() -> Value {
    json!({
        "instance_id": "pandas-dev__pandas-53418",
        "repo": "pandas-dev/pandas",
        "license": "BSD-3-Clause",
        "trajectory_id": "traj-0001",
        "dataset": "R2E-Gym/R2E-Gym-Subset",
        "model_patch": "diff --git a/a.py b/a.py\r\n--- a/a.py\r\n+++ b/a.py\r\n@@ -1 +1 @@\r\n-x\r\n+y\r\n",
        "trajectory": [
            {"role": "system", "content": "You are OpenHands agent"},
            {"role": "user", "content": "<uploaded_files>\n/workspace/p\n</uploaded_files>\n<pr_description>\nFix the frobnicator.\n</pr_description>\nGo."},
            {"role": "assistant", "content": "Looking.", "tool_calls": [
                {"id": "call-a", "type": "function", "function": {"name": "execute_bash", "arguments": "{\"command\": \"grep -rn frob .\"}"}},
                {"id": "call-b", "type": "function", "function": {"name": "str_replace_editor", "arguments": "{\"command\": \"view\", \"path\": \"/workspace/p/a.py\"}"}}
            ]},
            // Answered out of order: by id first, then positionally for the one without an id.
            {"role": "tool", "content": "Here's the result of running `cat -n`", "tool_call_id": "call-b", "name": "str_replace_editor"},
            {"role": "tool", "content": "\n[The command completed with exit code 2.]\n[Command finished with exit code 2]"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "call-c", "type": "function", "function": {"name": "finish", "arguments": "{\"message\": \"done\"}"}}
            ]}
        ]
    })
}

#[test]
fn nv_swe_zero_row() {
    let (t, warnings) = trajectory_of(nv_row(), "swe-zero.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::NvSweZero);
    assert_eq!(t.instance_id.as_deref(), Some("pandas-dev__pandas-53418"));
    assert_eq!(t.repo.as_deref(), Some("pandas-dev/pandas"));
    assert_eq!(t.license.as_deref(), Some("BSD-3-Clause"));
    assert_eq!(t.dataset.as_deref(), Some("R2E-Gym/R2E-Gym-Subset"));
    assert_eq!(t.trajectory_id.as_deref(), Some("traj-0001"));
    assert_eq!(t.model, None);
    assert_eq!(t.outcome.resolved, None, "no label column");
    assert_eq!(t.patch.as_deref(), Some("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n"));
    assert_eq!(t.problem_statement.as_deref(), Some("Fix the frobnicator."));
    assert_eq!(roles(&t), [Role::System, Role::User, Role::Assistant, Role::Assistant]);
    let s = &t.steps[2];
    assert_eq!(s.text, "Looking.");
    assert_eq!(s.tool_calls.len(), 2);
    assert_eq!(s.tool_calls[0].arguments, json!({"command": "grep -rn frob ."}));
    assert!(s.tool_calls[0].observation.as_deref().unwrap_or("").contains("exit code 2"));
    assert_eq!(s.tool_calls[0].exit_code, Some(2));
    assert_eq!(s.tool_calls[1].observation.as_deref(), Some("Here's the result of running `cat -n`"));
    assert_eq!(s.tool_calls[1].exit_code, None);
    // The step observation joins the call observations in call order; exit code of the last stating one.
    assert_eq!(
        s.observation.as_deref(),
        Some("\n[The command completed with exit code 2.]\n[Command finished with exit code 2]\n\nHere's the result of running `cat -n`")
    );
    assert_eq!(s.exit_code, Some(2));
    assert_eq!(t.steps[3].tool_calls[0].name, "finish");
    assert_eq!(t.steps[3].tool_calls[0].id.as_deref(), Some("call-c"));
    assert_eq!(t.steps[3].observation, None);
}

#[test]
fn nv_row_without_optional_tool_fields_and_with_a_string_trajectory() {
    let mut row = nv_row();
    let traj = row["trajectory"].clone();
    row["trajectory"] = Value::String(traj.to_string());
    row.as_object_mut().expect("object").remove("repo");
    let (t, _) = trajectory_of(row, "swe-zero.jsonl");
    assert_eq!(t.format, Format::NvSweZero);
    assert_eq!(t.steps.len(), 4);
    assert_eq!(t.repo.as_deref(), Some("pandas-dev/pandas"), "derived");
    assert_eq!(t.steps[2].tool_calls[0].exit_code, Some(2));
}

#[test]
fn nebius_openhands_row() {
    let row = json!({
        "instance_id": "Owner-1__some.repo_x-77_run3",
        "trajectory_id": "chatcmpl-123",
        "resolved": 1,
        "gen_tests_correct": 2,
        "pred_passes_gen_tests": 2,
        "exit_status": "submit",
        "model_patch": "",
        "tools": [{"type": "function", "function": {"name": "execute_bash"}}],
        "trajectory": [
            {"role": "system", "content": "sys"},
            {"role": "tool", "content": "orphan result", "tool_call_id": "nope"},
            {"role": "user", "content": "Please fix <issue_description></issue_description> it"},
            {"role": "assistant", "content": "ok", "tool_calls": [
                {"id": "t1", "type": "function", "function": {"name": "execute_bash", "arguments": {"command": "ls"}}}
            ]},
            {"role": "tool", "content": "a.py\nExit code: 0", "tool_call_id": "t1", "name": "execute_bash"},
            {"role": "tool", "content": "a second answer with nowhere to go", "tool_call_id": "t1"}
        ]
    });
    let (t, warnings) = trajectory_of(row, "rebench.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::NebiusOpenhands);
    assert_eq!(t.outcome.resolved, Some(true));
    assert_eq!(t.outcome.exit_status.as_deref(), Some("submit"));
    assert_eq!(t.patch.as_deref(), Some(""), "present but empty");
    assert_eq!(t.trajectory_id.as_deref(), Some("chatcmpl-123"));
    assert_eq!(t.instance_id.as_deref(), Some("Owner-1__some.repo_x-77_run3"), "kept as stated");
    assert_eq!(t.repo.as_deref(), Some("Owner-1/some.repo_x"), "sample suffix ignored for the repo");
    // An empty tag falls back to the whole first user text.
    assert_eq!(t.problem_statement.as_deref(), Some("Please fix <issue_description></issue_description> it"));
    assert_eq!(roles(&t), [Role::System, Role::Tool, Role::User, Role::Assistant, Role::Tool]);
    assert_eq!(t.steps[1].observation.as_deref(), Some("orphan result"));
    assert_eq!(t.steps[3].tool_calls[0].arguments, json!({"command": "ls"}));
    assert_eq!(t.steps[3].tool_calls[0].exit_code, Some(0), "Exit code: N form");
    assert_eq!(t.steps[4].text, "a second answer with nowhere to go");

    let mut row0 = json!({"trajectory": [], "resolved": 0, "exit_status": "error", "model_patch": "d"});
    let (t0, w0) = trajectory_of(row0.take(), "x.jsonl");
    assert_eq!(t0.format, Format::NebiusOpenhands);
    assert_eq!(t0.outcome.resolved, Some(false));
    assert!(t0.steps.is_empty());
    assert_eq!(w0, vec!["the trajectory has no messages".to_string()]);
}

pub(crate) fn swe_gym_row() -> Value {
    json!({
        "instance_id": "python__mypy-15976",
        "run_id": "gpt-4o-2024-08-06_maxiter_50_N_v2.1-no-hint-train-t0-run_1",
        "resolved": true,
        "tools": [],
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "<uploaded_files>\n/workspace/python__mypy__1.6\n</uploaded_files>\n<pr_description>\nattrs bug\n</pr_description>"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "str_replace_editor", "arguments": "{\"command\":\"view\",\"path\":\"/workspace/python__mypy__1.6\"}"}}]},
            {"role": "tool", "name": "str_replace_editor", "tool_call_id": "call_1", "content": "OBSERVATION:\nHere's the files"}
        ],
        "test_result": {
            "git_patch": "diff --git a/mypy/plugins/attrs.py b/mypy/plugins/attrs.py\n",
            "apply_patch_output": "APPLY_PATCH_PASS",
            "report": {"resolved": true, "empty_generation": false, "failed_apply_patch": false, "error_eval": false, "test_timeout": false}
        }
    })
}

#[test]
fn swe_gym_row_fields() {
    let (t, warnings) = trajectory_of(swe_gym_row(), "swe-gym.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::SweGym);
    assert_eq!(t.instance_id.as_deref(), Some("python__mypy-15976"));
    assert_eq!(t.repo.as_deref(), Some("python/mypy"));
    assert_eq!(t.model.as_deref(), Some("gpt-4o-2024-08-06"), "from the OpenHands run name");
    assert_eq!(t.patch.as_deref(), Some("diff --git a/mypy/plugins/attrs.py b/mypy/plugins/attrs.py\n"));
    assert_eq!(t.outcome.resolved, Some(true));
    assert_eq!(t.problem_statement.as_deref(), Some("attrs bug"));
    assert_eq!(t.steps.len(), 3);
    // The OBSERVATION: prefix is part of the record and stays.
    assert_eq!(t.steps[2].observation.as_deref(), Some("OBSERVATION:\nHere's the files"));

    // Only the report states it.
    let mut row = swe_gym_row();
    row.as_object_mut().expect("object").remove("resolved");
    row["test_result"]["report"]["resolved"] = json!(false);
    let (t, _) = trajectory_of(row, "swe-gym.jsonl");
    assert_eq!(t.outcome.resolved, Some(false));

    // They disagree: the row's own label wins, with a warning.
    let mut row = swe_gym_row();
    row["test_result"]["report"]["resolved"] = json!(false);
    let (t, warnings) = trajectory_of(row, "swe-gym.jsonl");
    assert_eq!(t.outcome.resolved, Some(true));
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("disagrees"));

    // Neither states it: unknown, never false.
    let mut row = swe_gym_row();
    row.as_object_mut().expect("object").remove("resolved");
    row["test_result"]["report"] = json!({});
    let (t, _) = trajectory_of(row, "swe-gym.jsonl");
    assert_eq!(t.outcome.resolved, None);
}

pub(crate) fn open_swe_traces_row() -> Value {
    json!({
        "instance_id": "golang__go-1234",
        "repo": "golang/go",
        "license": "BSD-3-Clause",
        "language": "go",
        "trajectory_id": "ost-9",
        "hf_dataset_name": "SWE-bench/SWE-bench_Multilingual",
        "tools": ["{\"type\":\"function\"}"],
        "resolved": -1,
        "metadata": {
            "category": "bugfix",
            "teacher_model": {"name": "MiniMax-M2.5", "enable_thinking": true, "reasoning_effort": "high"},
            "reference_patch": {"patch": "GOLD PATCH", "num_modified_files": 1, "num_modified_lines": 2},
            "model_patch": {"patch": "diff --git a/x.go b/x.go\n", "num_modified_files": 1}
        },
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "<pr_description>\nPanic in x\n</pr_description>"},
            {"role": "assistant", "content": "Let me look.", "reasoning_content": "The panic is probably in x.go", "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "think", "arguments": "{\"thought\": \"not used as the step thought\"}"}}
            ]},
            {"role": "tool", "tool_call_id": "c1", "content": "OBSERVATION:\nYour thought has been logged."}
        ]
    })
}

#[test]
fn open_swe_traces_row_fields() {
    let (t, warnings) = trajectory_of(open_swe_traces_row(), "ost.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::OpenSweTraces);
    assert_eq!(t.outcome.resolved, None, "-1 means unknown");
    assert_eq!(t.model.as_deref(), Some("MiniMax-M2.5"));
    assert_eq!(t.dataset.as_deref(), Some("SWE-bench/SWE-bench_Multilingual"));
    assert_eq!(t.license.as_deref(), Some("BSD-3-Clause"));
    assert_eq!(t.trajectory_id.as_deref(), Some("ost-9"));
    assert_eq!(t.patch.as_deref(), Some("diff --git a/x.go b/x.go\n"), "the model's patch, never the gold one");
    assert_eq!(t.problem_statement.as_deref(), Some("Panic in x"));
    let s = &t.steps[2];
    assert_eq!(s.thought.as_deref(), Some("The panic is probably in x.go"), "reasoning_content wins");
    assert_eq!(s.tool_calls[0].arguments, json!({"thought": "not used as the step thought"}));
    assert_eq!(s.observation.as_deref(), Some("OBSERVATION:\nYour thought has been logged."));

    let mut row = open_swe_traces_row();
    row["resolved"] = json!(1);
    row["metadata"]["model_patch"] = json!("diff --git a/y.go b/y.go\n");
    let (t, _) = trajectory_of(row, "ost.jsonl");
    assert_eq!(t.outcome.resolved, Some(true));
    assert_eq!(t.patch.as_deref(), Some("diff --git a/y.go b/y.go\n"));

    let mut row = open_swe_traces_row();
    row["resolved"] = json!(0);
    row["metadata"]["model_patch"] = json!({"num_modified_files": 0});
    let (t, _) = trajectory_of(row, "ost.jsonl");
    assert_eq!(t.outcome.resolved, Some(false));
    assert_eq!(t.patch, None, "no patch text stated");

    let mut row = open_swe_traces_row();
    row["resolved"] = json!(7);
    let (t, warnings) = trajectory_of(row, "ost.jsonl");
    assert_eq!(t.outcome.resolved, None);
    assert!(warnings.iter().any(|w| w.contains("`resolved` is 7")), "{warnings:?}");
}
