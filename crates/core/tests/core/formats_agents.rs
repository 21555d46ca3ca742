//! Tests: formats_agents. The agent-run adapters for SWE-agent `.traj` and mini-swe-agent
//! `.traj.json`, against the real fixtures in ../shared/fixtures/real and small built fixtures
//! (OpenHands, predictions and reports are in `formats_runs`).

use serde_json::{json, Value};
use trawl_core::formats::{detect, recognize, Detected};
use trawl_core::{Format, OutcomeFact, Recognized, Role, Trajectory};

use crate::support::{golden_summary, real_fixture, trajectory_of};

pub(crate) fn read_json(rel: &str) -> Value {
    let bytes = std::fs::read(real_fixture(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("parse {rel}: {e}"))
}

pub(crate) fn read_jsonl(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(real_fixture(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("parse a line of {rel}: {e}")))
        .collect()
}

pub(crate) fn outcomes_of(value: Value, file_name: &str) -> (Vec<OutcomeFact>, Vec<String>) {
    let rec = recognize(value, file_name).expect("recognised");
    match rec.recognized {
        Recognized::Outcomes(f) => (f, rec.warnings),
        other => panic!("expected outcomes, got {other:?}"),
    }
}

pub(crate) fn records_of(value: Value, file_name: &str) -> Vec<Value> {
    match recognize(value, file_name).expect("recognised").recognized {
        Recognized::Records(r) => r,
        other => panic!("expected a container, got {other:?}"),
    }
}

pub(crate) fn tool_names(t: &Trajectory) -> Vec<&str> {
    t.tool_calls().map(|(_, c)| c.name.as_str()).collect()
}

/// An error reason is a lowercase sentence without a trailing period.
pub(crate) fn assert_reason_style(reason: &str) {
    assert!(!reason.is_empty());
    let first = reason.chars().next().unwrap();
    assert!(!first.is_uppercase(), "reason starts uppercase: {reason}");
    assert!(!reason.ends_with('.'), "reason ends with a period: {reason}");
}

// ---------------------------------------------------------------------------------------------
// SWE-agent

#[test]
fn swe_agent_real_0x_traj() {
    let v = read_json("swe-agent/pydicom__pydicom-1458.traj");
    assert_eq!(detect(&v, "pydicom__pydicom-1458.traj").unwrap(), Detected::Format(Format::SweAgentTraj));
    let (t, warnings) = trajectory_of(v, "pydicom__pydicom-1458.traj");
    insta::assert_snapshot!("swe_agent_pydicom_1458", golden_summary(&t));
    assert!(warnings.is_empty(), "{warnings:?}");

    assert_eq!(t.format, Format::SweAgentTraj);
    // A 0.x .traj names no instance inside; `recognize` takes it from the file name.
    assert_eq!(t.instance_id.as_deref(), Some("pydicom__pydicom-1458"));
    assert_eq!(t.repo.as_deref(), Some("pydicom/pydicom"));
    assert_eq!(t.outcome.resolved, None);
    assert_eq!(t.outcome.exit_status.as_deref(), Some("submitted"));
    // system, task, then the 12 trajectory items; the demonstration is skipped.
    assert_eq!(t.steps.len(), 14);
    assert_eq!(t.steps[0].role, Role::System);
    assert_eq!(t.steps[1].role, Role::User);
    assert!(t.steps[1].text.starts_with("We're currently solving the following issue"));
    assert!(t.steps.iter().all(|s| !s.text.contains("Here is a demonstration")));
    assert!(t.steps[2..].iter().all(|s| s.role == Role::Assistant && s.tool_calls.len() == 1));
    let ps = t.problem_statement.as_deref().unwrap();
    assert!(ps.starts_with("Pixel Representation attribute should be optional"), "{ps}");
    assert!(!ps.contains("INSTRUCTIONS:"));
    assert_eq!(
        tool_names(&t),
        ["create", "edit", "bash", "find_file", "open", "edit", "edit", "edit", "edit", "bash", "bash", "submit"]
    );
    let first = &t.steps[2].tool_calls[0];
    assert_eq!(first.arguments, json!({"command": "create reproduce_bug.py"}));
    assert!(first.observation.as_deref().unwrap().starts_with("[File: /pydicom__pydicom/reproduce_bug.py"));
    assert_eq!(first.exit_code, None);
    let third = &t.steps[4].tool_calls[0];
    assert_eq!(third.command(), Some("python reproduce_bug.py"));
    assert!(t.steps[2].thought.as_deref().unwrap().starts_with("First, I'll create"));
    assert!(t.steps[2].text.contains("```\ncreate reproduce_bug.py\n```"));

    let patch = t.patch.as_deref().unwrap();
    assert!(patch.starts_with("diff --git a/pydicom/pixel_data_handlers/numpy_handler.py"), "{patch:?}");
    assert!(patch.contains("+    if 'PixelData' in ds:\n"));
    // The submit step saw the patch.
    assert!(t.steps[13].observation.as_deref().unwrap().contains("diff --git"));

    assert_eq!(t.usage.cost, Some(1.26719));
    assert_eq!(t.usage.prompt_tokens, Some(122612));
    assert_eq!(t.usage.completion_tokens, Some(1369));
    assert_eq!(t.usage.api_calls, Some(12));
}

#[test]
fn swe_agent_real_all_preds_jsonl() {
    let rows = read_jsonl("swe-agent/pydicom__pydicom-1458.all_preds.jsonl");
    assert_eq!(rows.len(), 1);
    let traj_patch = trajectory_of(read_json("swe-agent/pydicom__pydicom-1458.traj"), "x.traj").0.patch;
    let row = rows.into_iter().next().unwrap();
    assert_eq!(detect(&row, "all_preds.jsonl").unwrap(), Detected::Format(Format::SwebenchPreds));
    let (t, warnings) = trajectory_of(row, "all_preds.jsonl");
    insta::assert_snapshot!("preds_pydicom_1458", golden_summary(&t));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.format, Format::SwebenchPreds);
    assert_eq!(t.instance_id.as_deref(), Some("pydicom__pydicom-1458"));
    assert_eq!(
        t.model.as_deref(),
        Some("gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1")
    );
    assert!(t.steps.is_empty());
    assert_eq!(t.outcome.resolved, None);
    // The leading blank line is dropped, as in the .traj's submission.
    assert!(t.patch.as_deref().unwrap().starts_with("diff --git "));
    assert_eq!(t.patch, traj_patch);
}

/// A SWE-agent 1.x `.traj`: function-calling history (`tool_calls`, `role: tool` with
/// `tool_call_ids`, `message_type`), trajectory items with `query`, and a `replay_config` string.
pub(crate) fn swe_agent_1x() -> Value {
    let replay = json!({
        "agent": {"model": {"name": "claude-3-5-sonnet-20241022"}},
        "problem_statement": {"id": "astropy__astropy-14365", "type": "swe_bench"}
    });
    json!({
        "environment": "main",
        "trajectory": [
            {"action": "str_replace_editor view /testbed/astropy/io/ascii/qdp.py", "observation": "Here's the result of running `cat -n`…",
             "response": "Let me look.", "thought": "Let me look.", "execution_time": 0.2, "state": {"working_dir": "/testbed"},
             "query": [{"role": "system", "content": "…"}], "extra_info": {}},
            {"action": "cd /testbed && python -m pytest -q astropy/io/ascii/tests/test_qdp.py", "observation": "3 passed",
             "response": "", "thought": "", "execution_time": 4.1, "state": {}, "query": [], "extra_info": {}},
            {"action": "submit", "observation": "diff --git a/astropy/io/ascii/qdp.py b/astropy/io/ascii/qdp.py\n",
             "response": "Done.", "thought": "Done.", "execution_time": 0.1, "state": {}, "query": [], "extra_info": {}}
        ],
        "history": [
            {"role": "system", "content": "You are a helpful assistant.", "agent": "main", "message_type": "system_prompt"},
            {"role": "user", "content": "Demo task", "agent": "main", "message_type": "user", "is_demo": true},
            {"role": "user", "content": [{"type": "text", "text": "<uploaded_files>\n/testbed\n</uploaded_files>\nI've uploaded a python code repository in the directory /testbed. Consider the following PR description:\n\n<pr_description>\nascii.qdp Table format assumes QDP commands are upper case\n</pr_description>\n\nCan you help me implement the necessary changes?"}],
             "agent": "main", "message_type": "observation"},
            {"role": "assistant", "content": "Let me look.", "thought": "Let me look.", "action": "str_replace_editor view /testbed/astropy/io/ascii/qdp.py",
             "agent": "main", "message_type": "action",
             "tool_calls": [{"id": "toolu_01", "type": "function", "function": {"name": "str_replace_editor", "arguments": "{\"command\": \"view\", \"path\": \"/testbed/astropy/io/ascii/qdp.py\"}"}}]},
            {"role": "tool", "content": [{"type": "text", "text": "OBSERVATION:\nHere's the result of running `cat -n`…"}], "agent": "main",
             "message_type": "observation", "tool_call_ids": ["toolu_01"]},
            {"role": "assistant", "content": "", "thought": "", "action": "cd /testbed && python -m pytest -q astropy/io/ascii/tests/test_qdp.py",
             "agent": "main", "message_type": "action",
             "tool_calls": [{"id": "toolu_02", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"cd /testbed && python -m pytest -q astropy/io/ascii/tests/test_qdp.py\"}"}}]},
            {"role": "tool", "content": "OBSERVATION:\n3 passed", "agent": "main", "message_type": "observation", "tool_call_ids": ["toolu_02"]},
            {"role": "assistant", "content": "Done.", "thought": "Done.", "action": "submit", "agent": "main", "message_type": "action",
             "tool_calls": [{"id": "toolu_03", "type": "function", "function": {"name": "submit", "arguments": "{}"}}]},
            {"role": "tool", "content": "OBSERVATION:\ndiff --git a/astropy/io/ascii/qdp.py b/astropy/io/ascii/qdp.py\n", "agent": "main",
             "message_type": "observation", "tool_call_ids": ["toolu_03"]}
        ],
        "info": {
            "swe_agent_version": "1.0.1",
            "exit_status": "submitted",
            "submission": "diff --git a/astropy/io/ascii/qdp.py b/astropy/io/ascii/qdp.py\r\n--- a/astropy/io/ascii/qdp.py\r\n+++ b/astropy/io/ascii/qdp.py\r\n",
            "model_stats": {"instance_cost": 0.5, "tokens_sent": 1000, "tokens_received": 50, "api_calls": 3},
            "edited_files30": ""
        },
        "replay_config": replay.to_string()
    })
}

#[test]
fn swe_agent_1x_traj_uses_history_tool_calls() {
    let mut v = swe_agent_1x();
    // A rejected output and its format error sit in the history but not in the trajectory.
    let history = v["history"].as_array_mut().unwrap();
    history.insert(
        3,
        json!({"role": "assistant", "content": "ls", "thought": "", "action": "ls", "agent": "main",
               "message_type": "action",
               "tool_calls": [{"id": "toolu_00", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"ls\"}"}}]}),
    );
    history.insert(
        4,
        json!({"role": "user", "content": "Your last output did not use any tool calls!", "agent": "main",
               "message_type": "user"}),
    );
    assert_eq!(detect(&v, "x.traj").unwrap(), Detected::Format(Format::SweAgentTraj));
    let (t, warnings) = trajectory_of(v, "astropy__astropy-14365.traj");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.instance_id.as_deref(), Some("astropy__astropy-14365"));
    assert_eq!(t.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    assert_eq!(t.problem_statement.as_deref(), Some("ascii.qdp Table format assumes QDP commands are upper case"));
    let roles: Vec<Role> = t.steps.iter().map(|s| s.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::Assistant, Role::Assistant]);
    assert!(t.steps.iter().all(|s| s.text != "Demo task"));
    assert_eq!(tool_names(&t), ["str_replace_editor", "bash", "submit"]);
    let view = &t.steps[2].tool_calls[0];
    assert_eq!(view.id.as_deref(), Some("toolu_01"));
    assert_eq!(view.arguments, json!({"command": "view", "path": "/testbed/astropy/io/ascii/qdp.py"}));
    assert_eq!(view.observation.as_deref(), Some("Here's the result of running `cat -n`…"));
    let bash = &t.steps[3].tool_calls[0];
    assert_eq!(bash.command(), Some("cd /testbed && python -m pytest -q astropy/io/ascii/tests/test_qdp.py"));
    assert_eq!(t.steps[3].thought, None);
    assert_eq!(t.steps[3].observation.as_deref(), Some("3 passed"));
    // CRLF normalized.
    assert_eq!(
        t.patch.as_deref(),
        Some("diff --git a/astropy/io/ascii/qdp.py b/astropy/io/ascii/qdp.py\n--- a/astropy/io/ascii/qdp.py\n+++ b/astropy/io/ascii/qdp.py\n")
    );
    assert_eq!(t.outcome.exit_status.as_deref(), Some("submitted"));
    assert_eq!(t.usage.api_calls, Some(3));
}

#[test]
fn swe_agent_1x_history_only_pairs_tool_results_by_id() {
    let mut v = swe_agent_1x();
    let obj = v.as_object_mut().unwrap();
    obj.remove("trajectory");
    obj.remove("info");
    obj.remove("replay_config");
    obj.remove("environment");
    assert_eq!(detect(&v, "function_calling_simple.traj").unwrap(), Detected::Format(Format::SweAgentTraj));
    let (t, warnings) = trajectory_of(v, "function_calling_simple.traj");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.instance_id, None);
    assert_eq!(t.patch, None);
    assert_eq!(t.outcome.exit_status, None);
    assert_eq!(t.steps.len(), 5);
    assert_eq!(tool_names(&t), ["str_replace_editor", "bash", "submit"]);
    assert_eq!(
        t.steps[2].tool_calls[0].observation.as_deref(),
        Some("OBSERVATION:\nHere's the result of running `cat -n`…")
    );
    assert_eq!(t.steps[3].observation.as_deref(), Some("OBSERVATION:\n3 passed"));
    assert_eq!(t.steps[4].tool_calls[0].id.as_deref(), Some("toolu_03"));
    assert!(t.steps.iter().all(|s| s.role != Role::Tool));
}

#[test]
fn swe_agent_0x_history_only_demo() {
    // A 0.x demonstration: actions as strings, the next user message is the observation.
    let v = json!({"history": [
        {"role": "system", "content": "SETTING: …", "agent": "primary"},
        {"role": "user", "content": "We're currently solving the following issue within our repository. Here's the issue text:\nISSUE:\nTimeDelta serialization precision\n\nINSTRUCTIONS:\nNow, you're going to solve this issue on your own.", "agent": "primary"},
        {"role": "assistant", "content": "Let's reproduce.\n```\ncreate reproduce.py\n```", "thought": "Let's reproduce.\n", "action": "create reproduce.py\n", "agent": "primary"},
        {"role": "user", "content": "[File: /marshmallow-code__marshmallow/reproduce.py (1 lines total)]", "agent": "primary"},
        {"role": "assistant", "content": "Run it.\n```\npython reproduce.py\n```", "thought": "Run it.\n", "action": "python reproduce.py\n", "agent": "primary"},
        {"role": "user", "content": "344", "agent": "primary"},
        {"role": "assistant", "content": "Done.\n```\nsubmit\n```", "thought": "Done.\n", "action": "submit\n", "agent": "primary"}
    ]});
    let (t, warnings) = trajectory_of(v, "demo.traj");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.problem_statement.as_deref(), Some("TimeDelta serialization precision"));
    assert_eq!(t.steps.len(), 5);
    assert_eq!(tool_names(&t), ["create", "bash", "submit"]);
    assert_eq!(t.steps[3].tool_calls[0].command(), Some("python reproduce.py"));
    assert_eq!(t.steps[3].observation.as_deref(), Some("344"));
    assert_eq!(t.steps[4].tool_calls[0].observation, None);
    assert_eq!(t.steps[2].thought.as_deref(), Some("Let's reproduce.\n"));
}

#[test]
fn swe_agent_empty_action_item_and_cost_exit() {
    let v = json!({
        "environment": "swe_main",
        "trajectory": [
            {"action": "ls\n", "observation": "a.py", "response": "```\nls\n```", "thought": "", "state": "{}"},
            {"action": "", "observation": "Exited (autosubmitted)", "response": "", "thought": "", "state": "{}"}
        ],
        "history": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "plain task text"}
        ],
        "info": {"exit_status": "submitted (exit_cost)", "submission": null,
                 "model_stats": {"instance_cost": "0.1", "tokens_sent": 10.0, "tokens_received": -3, "api_calls": null}}
    });
    let (t, warnings) = trajectory_of(v, "x.traj");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.problem_statement.as_deref(), Some("plain task text"));
    let roles: Vec<Role> = t.steps.iter().map(|s| s.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::Assistant, Role::Tool]);
    assert_eq!(t.steps[2].tool_calls[0].name, "bash");
    assert!(t.steps[3].tool_calls.is_empty());
    assert_eq!(t.steps[3].observation, None);
    assert_eq!(t.steps[4].text, "Exited (autosubmitted)");
    assert_eq!(t.patch, None);
    assert_eq!(t.outcome.exit_status.as_deref(), Some("submitted (exit_cost)"));
    assert_eq!(t.usage.cost, Some(0.1));
    assert_eq!(t.usage.prompt_tokens, Some(10));
    assert_eq!(t.usage.completion_tokens, None);
    assert_eq!(t.usage.api_calls, None);
}

// ---------------------------------------------------------------------------------------------
// mini-swe-agent

#[test]
fn mini_real_v1_traj() {
    let v = read_json("mini-swe-agent-swebench/astropy__astropy-12907.traj.json");
    assert_eq!(detect(&v, "x.traj.json").unwrap(), Detected::Format(Format::MiniSweAgent));
    let (t, warnings) = trajectory_of(v, "astropy__astropy-12907.traj.json");
    insta::assert_snapshot!("mini_astropy_12907", golden_summary(&t));
    assert!(warnings.is_empty(), "{warnings:?}");

    assert_eq!(t.instance_id.as_deref(), Some("astropy__astropy-12907"));
    assert_eq!(t.model.as_deref(), Some("google/gemini-3-pro-preview"));
    assert_eq!(t.outcome.exit_status.as_deref(), Some("Submitted"));
    assert_eq!(t.outcome.resolved, None);
    assert_eq!(t.outcome.error, None);
    assert_eq!(t.usage.api_calls, Some(20));
    assert!((t.usage.cost.unwrap() - 0.2305142).abs() < 1e-6);
    assert!(t.usage.prompt_tokens.unwrap() > 0 && t.usage.completion_tokens.unwrap() > 0);

    // system + task + 20 assistant steps; every observation is paired with its call.
    assert_eq!(t.steps.len(), 22);
    assert_eq!(t.steps[0].role, Role::System);
    assert_eq!(t.steps[1].role, Role::User);
    assert!(t.steps[2..].iter().all(|s| s.role == Role::Assistant && s.tool_calls.len() == 1));
    let ps = t.problem_statement.as_deref().unwrap();
    assert!(ps.starts_with("Modeling's `separability_matrix` does not compute separability correctly"), "{ps}");
    assert!(!ps.contains("<pr_description>"));

    let names = tool_names(&t);
    assert_eq!(names.len(), 20);
    assert!(names[..19].iter().all(|n| *n == "bash"));
    assert_eq!(names[19], "submit");
    let first = &t.steps[2].tool_calls[0];
    assert_eq!(first.command(), Some("ls -R"));
    assert_eq!(first.exit_code, Some(0));
    assert!(first.observation.as_deref().unwrap().starts_with("<returncode>0</returncode>\n<warning>"));
    assert_eq!(
        t.steps[2].thought.as_deref(),
        Some("I need to explore the codebase to locate the relevant files. I'll start by listing the files in the current directory.")
    );
    assert!(t.steps[2..21].iter().all(|s| s.exit_code.is_some()));
    let submit = &t.steps[21].tool_calls[0];
    assert!(submit.command().unwrap().starts_with("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"));
    assert!(submit.observation.as_deref().unwrap().starts_with("diff --git a/astropy/modeling/separable.py"));
    assert_eq!(submit.exit_code, None);

    let patch = t.patch.as_deref().unwrap();
    assert!(patch.starts_with("diff --git a/astropy/modeling/separable.py"));
    assert!(patch.contains("cright[-right.shape[0]:, -right.shape[1]:] = right"));
}

/// A mini-swe-agent v2 (`mini-swe-agent-1.1`) tool-calling trajectory, as `DefaultAgent.save`
/// writes it: assistant messages with `tool_calls` and `extra.actions`, `role: tool` observations
/// with `extra.returncode`, a format error, and the final `exit` message. `info` lacks the exit
/// status and submission, which then come from the exit message.
pub(crate) fn mini_v2() -> Value {
    json!({
        "info": {
            "model_stats": {"instance_cost": 0.12, "api_calls": 3},
            "config": {"model": {"model_name": "anthropic/claude-sonnet-4-5-20250929"}, "agent_type": "minisweagent.agents.default.DefaultAgent"},
            "mini_version": "2.0.0"
        },
        "messages": [
            {"role": "system", "content": "You are a helpful assistant that can interact with a computer."},
            {"role": "user", "content": "<pr_description>\nConsider the following PR description:\nFix the off-by-one in range_sum\n</pr_description>\n\n<instructions>…</instructions>"},
            {"role": "assistant", "content": "Let me run the tests.", "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"pytest -q\"}"}}],
             "extra": {"actions": [{"command": "pytest -q", "tool_call_id": "call_1"}], "cost": 0.04,
                       "response": {"usage": {"prompt_tokens": 100, "completion_tokens": 10}}}},
            {"role": "tool", "tool_call_id": "call_1", "content": "<returncode>1</returncode>\n<output>\n1 failed\n</output>",
             "extra": {"raw_output": "1 failed\n", "returncode": 1, "timestamp": 1.0}},
            {"role": "user", "content": "No tool calls found in the response. Every response MUST include at least one tool call.",
             "extra": {"interrupt_type": "FormatError"}},
            {"role": "assistant", "content": "Fix it.", "tool_calls": [
                {"id": "call_2", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"sed -i 's/n-1/n/' range_sum.py\"}"}}],
             "extra": {"actions": [{"command": "sed -i 's/n-1/n/' range_sum.py", "tool_call_id": "call_2"}],
                       "response": {"usage": {"prompt_tokens": 200, "completion_tokens": 20}}}},
            {"role": "tool", "tool_call_id": "call_2", "content": "<returncode>0</returncode>\n<output>\n</output>",
             "extra": {"raw_output": "", "returncode": 0}},
            {"role": "assistant", "content": "Submitting.", "reasoning_content": "All good.", "tool_calls": [
                {"id": "call_3", "type": "function", "function": {"name": "bash", "arguments": "{\"command\": \"echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff\"}"}}],
             "extra": {"actions": [{"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff", "tool_call_id": "call_3"}],
                       "response": {"usage": {"prompt_tokens": 300, "completion_tokens": 30}}}},
            {"role": "exit", "content": "diff --git a/range_sum.py b/range_sum.py\n",
             "extra": {"exit_status": "Submitted", "submission": "diff --git a/range_sum.py b/range_sum.py\n"}}
        ],
        "trajectory_format": "mini-swe-agent-1.1",
        "instance_id": "acme__ranges-7"
    })
}

#[test]
fn mini_v2_tool_calls_and_exit_message() {
    let v = mini_v2();
    assert_eq!(detect(&v, "x.traj.json").unwrap(), Detected::Format(Format::MiniSweAgent));
    let (t, warnings) = trajectory_of(v, "acme__ranges-7.traj.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.instance_id.as_deref(), Some("acme__ranges-7"));
    assert_eq!(t.model.as_deref(), Some("anthropic/claude-sonnet-4-5-20250929"));
    assert_eq!(t.problem_statement.as_deref(), Some("Fix the off-by-one in range_sum"));
    assert_eq!(t.outcome.exit_status.as_deref(), Some("Submitted"));
    assert_eq!(t.patch.as_deref(), Some("diff --git a/range_sum.py b/range_sum.py\n"));
    assert_eq!(t.usage.prompt_tokens, Some(600));
    assert_eq!(t.usage.completion_tokens, Some(60));
    assert_eq!(t.usage.api_calls, Some(3));

    let roles: Vec<Role> = t.steps.iter().map(|s| s.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::User, Role::Assistant, Role::Assistant]);
    assert_eq!(tool_names(&t), ["bash", "bash", "submit"]);
    let c1 = &t.steps[2].tool_calls[0];
    assert_eq!(c1.id.as_deref(), Some("call_1"));
    assert_eq!(c1.exit_code, Some(1));
    assert_eq!(t.steps[2].exit_code, Some(1));
    assert!(t.steps[3].text.starts_with("No tool calls found"));
    assert_eq!(t.steps[4].tool_calls[0].exit_code, Some(0));
    assert_eq!(t.steps[5].thought.as_deref(), Some("All good."));
    assert_eq!(t.steps[5].tool_calls[0].observation.as_deref(), Some("diff --git a/range_sum.py b/range_sum.py\n"));
}

#[test]
fn mini_v2_text_based_actions_and_limits_exceeded() {
    // Text-based v2: ```mswea_bash_command blocks, `extra.actions`, user observations; the run
    // ends on the step limit, with the exception text in `submission`.
    let v = json!({
        "info": {"exit_status": "LimitsExceeded", "submission": "", "model_stats": {"instance_cost": 0.0, "api_calls": 1}},
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "Do the task."},
            {"role": "assistant", "content": "THOUGHT: list files\n\n```mswea_bash_command\nls\n```",
             "extra": {"actions": [{"command": "ls"}]}},
            {"role": "user", "content": "<returncode>2</returncode>\n<output>\nls: cannot access\n</output>",
             "extra": {"raw_output": "ls: cannot access\n", "returncode": 2}},
            {"role": "exit", "content": "", "extra": {"exit_status": "LimitsExceeded", "submission": ""}}
        ],
        "trajectory_format": "mini-swe-agent-1.1"
    });
    let (t, warnings) = trajectory_of(v, "x.traj.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.instance_id, None);
    assert_eq!(t.problem_statement.as_deref(), Some("Do the task."));
    assert_eq!(t.outcome.exit_status.as_deref(), Some("LimitsExceeded"));
    assert_eq!(t.patch.as_deref(), Some(""));
    assert_eq!(t.steps.len(), 3);
    assert_eq!(t.steps[2].thought.as_deref(), Some("list files"));
    assert_eq!(t.steps[2].tool_calls[0].command(), Some("ls"));
    assert_eq!(t.steps[2].exit_code, Some(2));
    // No usage in the responses: tokens stay unknown.
    assert_eq!(t.usage.prompt_tokens, None);
}

#[test]
fn mini_v1_format_error_and_error_exit() {
    // Two blocks: mini rejects the message, nothing runs, the format error is a user message.
    let v = json!({
        "info": {"exit_status": "RuntimeError", "submission": "litellm.APIError: overloaded"},
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "task"},
            {"role": "assistant", "content": "```bash\nls\n```\n```bash\npwd\n```"},
            {"role": "user", "content": "Please always provide EXACTLY ONE action in triple backticks."},
            {"role": "assistant", "content": "```bash\nsleep 100\n```"},
            {"role": "user", "content": "The last command <command>sleep 100</command> timed out and has been killed."}
        ],
        "trajectory_format": "mini-swe-agent-1"
    });
    let (t, _) = trajectory_of(v, "x.traj.json");
    assert_eq!(t.steps.len(), 5);
    assert!(t.steps[2].tool_calls.is_empty());
    assert_eq!(t.steps[3].role, Role::User);
    assert_eq!(t.steps[4].tool_calls[0].command(), Some("sleep 100"));
    assert!(t.steps[4].observation.as_deref().unwrap().contains("timed out"));
    assert_eq!(t.steps[4].exit_code, None);
    // On a non-submitted exit the submission field holds the error, not a patch.
    assert_eq!(t.patch, None);
    assert_eq!(t.outcome.error.as_deref(), Some("litellm.APIError: overloaded"));
    assert_eq!(t.outcome.exit_status.as_deref(), Some("RuntimeError"));
}
