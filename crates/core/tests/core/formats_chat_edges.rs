//! Tests: formats_chat_edges. Generic chat rows and their edge cases (argument shapes, wrong
//! types kept with warnings, malformed rows), SWE-smith call styles, built nebius SWE-agent rows,
//! and garbage in any field never panicking.

use serde_json::{json, Value};
use trawl_core::formats::recognize;
use trawl_core::{Format, Recognized, Role};

use crate::formats_chat::{expect_err, nv_row, open_swe_traces_row, roles, swe_gym_row};
use crate::support::trajectory_of;

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
pub(crate) fn replace_at(v: &mut Value, path: &[&str], with: Value) {
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
