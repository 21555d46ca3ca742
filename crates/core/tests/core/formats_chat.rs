//! Tests: formats_chat. The OpenAI-chat family (NV SWE-Zero/Hero, nebius SWE-rebench-openhands,
//! SWE-Gym, Open-SWE-Traces, SWE-smith, generic chat rows) and nebius SWE-agent rows: golden
//! summaries of the real fixtures, explicit field checks, and small built rows for the formats and
//! edge cases without a real file.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use trawl_core::formats::recognize;
use trawl_core::{Format, Recognized, Role, Trajectory};

use crate::support::{golden_summary, real_fixture, trajectory_of};

fn read_json(rel: &str) -> Value {
    let path = real_fixture(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("fixture is json")
}

fn tool_counts(t: &Trajectory) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (_, c) in t.tool_calls() {
        *m.entry(c.name.clone()).or_insert(0) += 1;
    }
    m
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn roles(t: &Trajectory) -> Vec<Role> {
    t.steps.iter().map(|s| s.role).collect()
}

/// Recognition must fail with a lowercase reason without a trailing period.
fn expect_err(v: Value) -> String {
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

fn nv_row() -> Value {
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

fn swe_gym_row() -> Value {
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

fn open_swe_traces_row() -> Value {
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

// ------------------------------------------------------------------------------------------------
// Generic chat rows and edge cases

#[test]
fn generic_chat_arguments_string_and_object_and_parts() {
    let messages = json!([
        {"role": "system", "content": [{"type": "text", "text": "You are "}, {"type": "text", "text": "helpful."}]},
        {"role": "user", "content": [{"type": "text", "text": "Fix bug"}, {"type": "image_url", "image_url": {"url": "x"}}]},
        {"role": "assistant", "content": null, "tool_calls": [
            {"id": "s", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"ls -la\"}"}},
            {"id": "o", "type": "function", "function": {"name": "bash", "arguments": {"command": "pwd"}}},
            {"id": "e", "type": "function", "function": {"name": "submit", "arguments": ""}}
        ]},
        {"role": "tool", "tool_call_id": "o", "content": [{"type": "text", "text": "/repo"}]},
        {"role": "tool", "tool_call_id": "s", "content": "total 0"}
    ]);
    let row = json!({"instance_id": "a__b-1", "model": "m", "messages": messages.to_string()});
    let (t, warnings) = trajectory_of(row, "chat.jsonl");
    assert_eq!(t.format, Format::OpenaiChat);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("image_url"), "{warnings:?}");
    assert_eq!(t.steps[0].text, "You are helpful.");
    assert_eq!(t.problem_statement.as_deref(), Some("Fix bug"));
    let s = &t.steps[2];
    assert_eq!(s.text, "");
    assert_eq!(s.tool_calls[0].arguments, json!({"command": "ls -la"}));
    assert_eq!(s.tool_calls[0].observation.as_deref(), Some("total 0"));
    assert_eq!(s.tool_calls[1].arguments, json!({"command": "pwd"}));
    assert_eq!(s.tool_calls[1].observation.as_deref(), Some("/repo"));
    assert_eq!(s.tool_calls[2].arguments, json!({}), "empty arguments string is no arguments");
    assert_eq!(s.tool_calls[2].observation, None);
    assert_eq!(t.repo.as_deref(), Some("a/b"));
    assert_eq!(t.model.as_deref(), Some("m"));
    assert_eq!(t.patch, None);
}

#[test]
fn bad_and_wrong_typed_arguments_are_kept_with_warnings() {
    let row = json!({"messages": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "x", "tool_calls": [
            {"id": "1", "function": {"name": "bash", "arguments": "{\"command\": \"ls"}},
            {"id": "2", "function": {"name": "bash", "arguments": ["ls", "-l"]}},
            {"id": "3", "function": {"name": "bash", "arguments": "\"{\\\"command\\\": \\\"echo\\\"}\""}},
            {"id": "4", "function": {"arguments": "{}"}},
            17
        ]}
    ]});
    let (t, warnings) = trajectory_of(row, "chat.jsonl");
    let calls = &t.steps[1].tool_calls;
    assert_eq!(calls.len(), 4, "the number is skipped");
    assert_eq!(calls[0].arguments, Value::String("{\"command\": \"ls".into()));
    assert_eq!(calls[1].arguments, json!(["ls", "-l"]));
    assert_eq!(calls[2].arguments, json!({"command": "echo"}), "double-encoded arguments are decoded");
    assert_eq!(calls[3].name, "unknown");
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(warnings[0].contains("tool call 0") && warnings[0].contains("not valid json"), "{warnings:?}");
    assert!(warnings[1].contains("tool call 1") && warnings[1].contains("an array"), "{warnings:?}");
    assert!(warnings[2].contains("tool call 3") && warnings[2].contains("no name"), "{warnings:?}");
    assert!(warnings[3].contains("tool call 4") && warnings[3].contains("a number"), "{warnings:?}");
    for w in &warnings {
        assert!(!w.ends_with('.') && w.chars().next().is_some_and(|c| !c.is_uppercase()), "{w}");
    }
}

#[test]
fn wrong_typed_content_and_messages_are_warnings() {
    let row = json!({"messages": [
        {"role": "user", "content": 42},
        "not a message",
        {"role": "narrator", "content": "hm"},
        {"content": "no role"},
        {"role": "assistant", "content": {"text": "single part"}, "tool_calls": {"id": "x"}}
    ]});
    let (t, warnings) = trajectory_of(row, "chat.jsonl");
    assert_eq!(t.steps.len(), 4);
    assert_eq!(t.steps[0].text, "42");
    assert_eq!(t.problem_statement.as_deref(), Some("42"));
    assert_eq!(roles(&t), [Role::User, Role::User, Role::User, Role::Assistant]);
    assert_eq!(t.steps[3].text, "single part");
    assert!(t.steps[3].tool_calls.is_empty());
    let joined = warnings.join("\n");
    for needle in [
        "message 0: `content` is a number",
        "message 1 is a string, not an object; skipped",
        "message 2 has role `narrator`",
        "message 3 has role <none>",
        "message 4: `tool_calls` is an object, not a list",
    ] {
        assert!(joined.contains(needle), "missing {needle:?} in {warnings:?}");
    }
}

#[test]
fn malformed_rows_are_errors() {
    let e = expect_err(json!({"messages": "not json"}));
    assert!(e.contains("`messages`") && e.contains("not valid json"), "{e}");
    let e = expect_err(json!({"messages": "{\"a\": 1}"}));
    assert!(e.contains("holding an object"), "{e}");
    let e = expect_err(json!({"traj_id": "x", "messages": "[1,"}));
    assert!(e.contains("`messages`"), "{e}");
    let e = expect_err(json!({"target": true, "generated_patch": "", "trajectory": 5}));
    assert!(e.contains("`trajectory` is a number"), "{e}");
    let e = expect_err(json!({"target": true, "generated_patch": ""}));
    assert!(e.contains("no `trajectory`"), "{e}");
}

// ------------------------------------------------------------------------------------------------
// SWE-smith call styles

#[test]
fn swe_smith_xml_row_from_json_string_with_parts() {
    let messages = json!([
        {"role": "system", "content": [{"type": "text", "text": "sys"}]},
        {"role": "user", "content": [{"type": "text", "text": "<pr_description>\nBug\n</pr_description>"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Look:\n<function=str_replace_editor>\n<parameter=command>str_replace</parameter>\n<parameter=path>/t/a.py</parameter>\n<parameter=old_str>\n  a = 1\n</parameter>\n<parameter=new_str>\n  a = 2\n</parameter>\n</function>"}]},
        {"role": "user", "content": [{"type": "text", "text": "OBSERVATION:\nThe file /t/a.py has been edited."}]},
        {"role": "assistant", "content": "Run it\n<function=bash>\n<parameter=command>python a.py</parameter>\n</function>"},
        {"role": "tool", "content": "OBSERVATION:\nTraceback\nExit code: 1"},
        {"role": "user", "content": "Please continue."},
        {"role": "assistant", "content": "<function=submit>\n</function>"}
    ]);
    let row = json!({
        "instance_id": "owner__repo.0123abcd.func_pm__xyz",
        "traj_id": "owner__repo.0123abcd.func_pm__xyz.k1",
        "resolved": false,
        "model": "claude",
        "patch": "diff --git a/a.py b/a.py\n",
        "messages": messages.to_string()
    });
    let (t, warnings) = trajectory_of(row, "smith.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::SweSmith);
    assert_eq!(t.repo.as_deref(), Some("owner/repo"));
    assert_eq!(t.trajectory_id.as_deref(), Some("owner__repo.0123abcd.func_pm__xyz.k1"));
    assert_eq!(t.outcome.resolved, Some(false));
    assert_eq!(t.problem_statement.as_deref(), Some("Bug"));
    assert_eq!(roles(&t), [Role::System, Role::User, Role::Assistant, Role::Assistant, Role::User, Role::Assistant]);
    let edit = &t.steps[2].tool_calls[0];
    assert_eq!(edit.name, "str_replace_editor");
    assert_eq!(
        edit.arguments,
        json!({"command": "str_replace", "path": "/t/a.py", "old_str": "  a = 1", "new_str": "  a = 2"})
    );
    assert_eq!(edit.observation.as_deref(), Some("OBSERVATION:\nThe file /t/a.py has been edited."));
    let run = &t.steps[3].tool_calls[0];
    assert_eq!(run.arguments, json!({"command": "python a.py"}));
    assert_eq!(run.exit_code, Some(1), "tool-role observation paired positionally");
    assert_eq!(t.steps[4].text, "Please continue.", "a user message after an answered call is a user step");
    assert_eq!(t.steps[5].tool_calls[0].name, "submit");
    assert_eq!(t.steps[5].tool_calls[0].arguments, json!({}));
}

#[test]
fn swe_smith_tool_calls_action_and_ticks_rows() {
    // Real tool_calls: text that looks like a call is not one, and user messages are not observations.
    let row = json!({"traj_id": "t", "instance_id": "a__b-2", "messages": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "I could write <function=bash> but will not", "thought": "hmm", "tool_calls": [
            {"id": "x", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"ls\"}"}}
        ]},
        {"role": "user", "content": "OBSERVATION:\nnot paired: user role in a tool-call row"}
    ]});
    let (t, _) = trajectory_of(row, "smith.jsonl");
    assert_eq!(t.format, Format::SweSmith);
    assert_eq!(roles(&t), [Role::User, Role::Assistant, Role::User]);
    assert_eq!(t.steps[1].tool_calls.len(), 1);
    assert_eq!(t.steps[1].thought.as_deref(), Some("hmm"));

    // `action` strings (SWE-agent history style).
    let row = json!({"traj_id": "t", "messages": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "look", "action": "str_replace_editor view /testbed/a.py --view_range '[1, 20]'"},
        {"role": "user", "content": "OBSERVATION:\n1 import os"},
        {"role": "assistant", "content": "search", "action": "find_file setup.py"},
        {"role": "user", "content": "Found 1 match"},
        {"role": "assistant", "content": "run", "action": "cd /testbed && pytest -x"},
        {"role": "user", "content": "1 passed"}
    ]});
    let (t, warnings) = trajectory_of(row, "smith.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    let calls: Vec<_> = t.tool_calls().map(|(_, c)| c.clone()).collect();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].name, "str_replace_editor");
    assert_eq!(calls[0].arguments, json!({"command": "view", "path": "/testbed/a.py", "view_range": "[1, 20]"}));
    assert_eq!(calls[1].name, "find_file");
    assert_eq!(calls[1].arguments, json!({"command": "find_file setup.py"}));
    assert_eq!(calls[2].name, "bash");
    assert_eq!(calls[2].command(), Some("cd /testbed && pytest -x"));
    assert!(calls.iter().all(|c| c.observation.is_some()));
    assert_eq!(t.steps.len(), 4);

    // Fenced blocks ("ticks" split): the last top-level block is the command.
    let row = json!({"traj_id": "t", "messages": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "Example:\n```python\nprint(1)\n```\nNow:\n```bash\nls -la\n```\n"},
        {"role": "user", "content": "total 0"},
        {"role": "assistant", "content": "No command here."},
        {"role": "user", "content": "Your output was not formatted correctly"}
    ]});
    let (t, _) = trajectory_of(row, "smith.jsonl");
    assert_eq!(roles(&t), [Role::User, Role::Assistant, Role::Assistant, Role::User]);
    assert_eq!(t.steps[1].tool_calls[0].command(), Some("ls -la"));
    assert_eq!(t.steps[1].observation.as_deref(), Some("total 0"));
    assert!(t.steps[2].tool_calls.is_empty());
}

// ------------------------------------------------------------------------------------------------
// nebius SWE-agent rows: built edge cases

#[test]
fn nebius_swe_agent_built_row() {
    let row = json!({
        "instance_id": "x__y-3",
        "model_name": "m",
        "target": null,
        "exit_status": "submitted",
        "generated_patch": "",
        "trajectory": [
            {"role": "system", "text": null, "system_prompt": "SETTING"},
            {"role": "user", "text": "ISSUE:\nIt breaks\n\nINSTRUCTIONS:\ndo it"},
            {"role": "ai", "text": "Nested:\n```\nedit 1:1\n```python\nx = 1\n```\nend_of_edit\n```"},
            {"role": "user", "text": "File updated."},
            {"role": "ai", "text": "I am thinking without a command."},
            {"role": "user", "text": "Your output was not formatted correctly"},
            {"role": "ai", "text": "```\nsubmit\n```"},
            3
        ]
    });
    let (t, warnings) = trajectory_of(row, "nebius.jsonl");
    assert_eq!(warnings, vec!["trajectory item 7 is a number, not an object; skipped".to_string()]);
    assert_eq!(t.format, Format::NebiusSweAgent);
    assert_eq!(t.outcome.resolved, None, "null target is unknown");
    assert_eq!(t.patch.as_deref(), Some(""));
    assert_eq!(t.repo.as_deref(), Some("x/y"));
    assert_eq!(t.problem_statement.as_deref(), Some("It breaks"));
    assert_eq!(t.steps[0].text, "SETTING");
    assert_eq!(roles(&t), [Role::System, Role::User, Role::Assistant, Role::Assistant, Role::User, Role::Assistant]);
    let edit = &t.steps[2].tool_calls[0];
    assert_eq!(edit.name, "edit");
    assert_eq!(edit.arguments, json!({"command": "edit 1:1\n```python\nx = 1\n```\nend_of_edit"}));
    assert_eq!(edit.observation.as_deref(), Some("File updated."));
    assert!(t.steps[3].tool_calls.is_empty());
    assert_eq!(t.steps[5].tool_calls[0].name, "submit");

    let (t, warnings) = trajectory_of(
        json!({"target": 1, "generated_patch": 5, "trajectory": "[{\"role\": \"ai\", \"text\": \"```\\nls\\n```\"}]"}),
        "nebius.jsonl",
    );
    assert_eq!(t.outcome.resolved, Some(true));
    assert_eq!(t.patch, None);
    assert_eq!(warnings, vec!["`generated_patch` is a number, not a string; ignored".to_string()]);
    assert_eq!(t.steps[0].tool_calls[0].name, "bash");
}

// ------------------------------------------------------------------------------------------------
// Never panic

/// Replaces the value at `path` (object keys or array indices) with `with`.
fn replace_at(v: &mut Value, path: &[&str], with: Value) {
    let mut cur = v;
    for p in &path[..path.len() - 1] {
        cur = match p.parse::<usize>() {
            Ok(i) => &mut cur[i],
            Err(_) => &mut cur[*p],
        };
    }
    let last = path[path.len() - 1];
    match last.parse::<usize>() {
        Ok(i) => cur[i] = with,
        Err(_) => cur[last] = with,
    }
}

#[test]
fn garbage_in_any_field_never_panics() {
    let garbage = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5e300),
        json!("["),
        json!("[{\"role\": 1}]"),
        json!([]),
        json!([null, 1, "x", [], {}]),
        json!({}),
        json!({"patch": 3, "name": [], "function": "f"}),
        json!("```\n```\n```"),
        json!("<function=>\n<parameter=>x</parameter><function=a"),
    ];
    let cases: Vec<(Value, Vec<Vec<&str>>)> = vec![
        (
            nv_row(),
            vec![
                vec!["trajectory"],
                vec!["trajectory", "1"],
                vec!["trajectory", "1", "content"],
                vec!["trajectory", "2", "tool_calls"],
                vec!["trajectory", "2", "tool_calls", "0"],
                vec!["trajectory", "2", "tool_calls", "0", "function"],
                vec!["trajectory", "2", "tool_calls", "0", "function", "arguments"],
                vec!["trajectory", "3", "tool_call_id"],
                vec!["trajectory", "3", "role"],
                vec!["model_patch"],
                vec!["instance_id"],
                vec!["repo"],
            ],
        ),
        (swe_gym_row(), vec![vec!["test_result"], vec!["test_result", "report"], vec!["resolved"], vec!["run_id"]]),
        (
            open_swe_traces_row(),
            vec![
                vec!["metadata"],
                vec!["metadata", "teacher_model"],
                vec!["metadata", "model_patch"],
                vec!["messages", "2", "reasoning_content"],
                vec!["resolved"],
            ],
        ),
        (
            json!({"traj_id": "t", "messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "<function=bash>\n<parameter=command>ls</parameter>\n</function>", "action": "ls"}, {"role": "user", "content": "y"}]}),
            vec![
                vec!["messages"],
                vec!["messages", "1", "content"],
                vec!["messages", "1", "action"],
                vec!["messages", "2"],
            ],
        ),
        (
            json!({"target": false, "generated_patch": "", "trajectory": [{"role": "system", "text": null, "system_prompt": "s"}, {"role": "ai", "text": "```\nls\n```"}, {"role": "user", "text": "a"}]}),
            vec![
                vec!["target"],
                vec!["trajectory"],
                vec!["trajectory", "0", "system_prompt"],
                vec!["trajectory", "1", "text"],
                vec!["trajectory", "1", "role"],
                vec!["generated_patch"],
            ],
        ),
    ];
    let mut ok = 0;
    let mut total = 0;
    for (base, paths) in &cases {
        for path in paths {
            for g in &garbage {
                let mut v = base.clone();
                replace_at(&mut v, path, g.clone());
                total += 1;
                // Either outcome is fine; a panic fails the test.
                if let Ok(r) = recognize(v, "garbage.jsonl") {
                    if matches!(r.recognized, Recognized::Trajectory(_)) {
                        ok += 1;
                    }
                }
            }
        }
    }
    // Most substitutions leave a usable record: the adapters degrade rather than reject.
    assert!(ok * 2 > total, "{ok} of {total} recognised");
}
