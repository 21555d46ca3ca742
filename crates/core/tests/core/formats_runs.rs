//! Tests: formats_runs. OpenHands `output.jsonl`, SWE-bench / Multi-SWE-bench predictions and
//! report files against the real fixtures and small built ones; malformed and wrong-typed agent
//! records never panic.

use serde_json::{json, Value};
use trawl_core::formats::{detect, recognize, Detected};
use trawl_core::{Format, OutcomeFact, OutcomePrecedence, Role, Trajectory};

use crate::formats_agents::{
    assert_reason_style, mini_v2, outcomes_of, read_json, read_jsonl, records_of, swe_agent_1x, tool_names,
};
use crate::support::{golden_summary, trajectory_of};

// ---------------------------------------------------------------------------------------------
// OpenHands

#[test]
fn openhands_real_output_jsonl() {
    let rows = read_jsonl("openhands/multi_swe_bench_c_ponyc.output.jsonl");
    assert_eq!(rows.len(), 3);
    let preds = read_jsonl("openhands/multi_swe_bench_c_ponyc.patch.jsonl");
    let mut ids = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        assert_eq!(detect(&row, "output.jsonl").unwrap(), Detected::Format(Format::OpenhandsEvents));
        let (t, warnings) = trajectory_of(row, "output.jsonl");
        let id = t.instance_id.clone().unwrap();
        insta::assert_snapshot!(format!("openhands_{i}_{id}"), golden_summary(&t));
        assert!(warnings.is_empty(), "{id}: {warnings:?}");

        assert_eq!(t.format, Format::OpenhandsEvents);
        assert_eq!(t.repo.as_deref(), Some("ponylang/ponyc"));
        assert_eq!(t.model.as_deref(), Some("openai/openrouter-llama-4-maverick"));
        assert_eq!(t.outcome.resolved, None, "{id}: no report in the file");
        assert_eq!(t.usage.cost, Some(0.0));
        assert!(t.usage.prompt_tokens.unwrap() > 100_000);
        assert!(t.problem_statement.is_some());
        assert_eq!(t.steps[0].role, Role::System);
        assert_eq!(t.steps[1].role, Role::User);
        assert!(t.steps[1].text.starts_with("<uploaded_files>"));
        for (_, c) in t.tool_calls() {
            assert!(
                ["execute_bash", "str_replace_editor", "think", "finish"].contains(&c.name.as_str()),
                "{id}: {}",
                c.name
            );
            assert!(c.id.as_deref().unwrap().starts_with("toolu_"));
            if c.name == "execute_bash" {
                assert!(c.command().is_some());
                assert!(c.exit_code.is_some(), "{id}: a run observation states its exit code");
            }
            if c.name != "finish" {
                assert!(c.observation.is_some(), "{id}: {} has an observation", c.name);
            }
        }
        // The patch equals the Multi-SWE-bench prediction derived from it.
        let pred = preds.iter().find(|p| format!("ponylang__ponyc-{}", p["number"].as_str().unwrap()) == id).unwrap();
        assert_eq!(t.patch.as_deref(), pred["fix_patch"].as_str());
        ids.push((id, t));
    }
    assert_eq!(
        ids.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["ponylang__ponyc-4595", "ponylang__ponyc-4593", "ponylang__ponyc-4588"]
    );

    let (_, t0) = &ids[0];
    assert_eq!(t0.outcome.error, None);
    assert_eq!(t0.outcome.exit_status, None);
    assert_eq!(tool_names(t0).last(), Some(&"finish"));
    let view = t0.tool_calls().map(|(_, c)| c).find(|c| c.name == "str_replace_editor").unwrap();
    assert_eq!(view.arguments["command"], "view");
    let think = t0.tool_calls().map(|(_, c)| c).find(|c| c.name == "think").unwrap();
    assert!(think.arguments["thought"].as_str().unwrap().starts_with("Re-read the problem description"));

    // 4593 and 4588 have an editor error that answers no recorded action: an orphan tool step.
    let (_, t1) = &ids[1];
    let orphans: Vec<_> = t1.steps.iter().filter(|s| s.role == Role::Tool).collect();
    assert_eq!(orphans.len(), 1);
    assert!(orphans[0].text.starts_with("Parameter 'command' is expected"));

    let (_, t2) = &ids[2];
    assert_eq!(t2.outcome.exit_status.as_deref(), Some("max_iterations"));
    assert!(t2.outcome.error.as_deref().unwrap().contains("Agent reached maximum iteration"));
    assert!(!tool_names(t2).contains(&"finish"));
    let last = t2.steps.last().unwrap();
    assert_eq!(last.tool_calls[0].command(), Some("apt-get install -y libgtest-dev"));
    assert_eq!(last.exit_code, Some(100));
}

#[test]
fn openhands_real_patch_jsonl_multi_swe_bench_preds() {
    let rows = read_jsonl("openhands/multi_swe_bench_c_ponyc.patch.jsonl");
    assert_eq!(rows.len(), 3);
    let mut summaries = String::new();
    for row in rows {
        assert_eq!(detect(&row, "patch.jsonl").unwrap(), Detected::Format(Format::SwebenchPreds));
        let (t, warnings) = trajectory_of(row, "patch.jsonl");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(t.instance_id.as_deref().unwrap().starts_with("ponylang__ponyc-"));
        assert_eq!(t.repo.as_deref(), Some("ponylang/ponyc"));
        assert_eq!(t.model, None);
        assert!(t.steps.is_empty());
        assert!(t.patch.as_deref().unwrap().starts_with("diff --git a/"));
        summaries.push_str(&golden_summary(&t));
        summaries.push_str("---\n");
    }
    insta::assert_snapshot!("preds_multi_swe_bench_ponyc", summaries);
    assert!(summaries.contains("instance_id: ponylang__ponyc-4595\n"));
}

#[test]
fn openhands_older_action_observation_pairs() {
    let v = json!({
        "instance_id": "django__django-11099",
        "instruction": "<issue_description>\nUsernameValidator allows trailing newline\n</issue_description>",
        "instance": {"repo": "django/django", "instance_id": "django__django-11099"},
        "metadata": {"agent_class": "CodeActAgent", "llm_config": {"model": "gpt-4o"}, "max_iterations": 30},
        "history": [
            [{"id": 1, "source": "user", "action": "message", "args": {"content": "Fix the validator."}},
             {"message": "No observation", "observation": "null", "content": "", "extras": {}}],
            [{"id": 2, "source": "agent", "action": "run", "args": {"command": "grep -rn UsernameValidator", "thought": "Find it."}},
             {"id": 3, "source": "agent", "observation": "run", "content": "django/contrib/auth/validators.py:9", "extras": {"command_id": -1, "command": "grep", "exit_code": 0}}],
            [{"id": 4, "source": "agent", "action": "edit", "args": {"path": "v.py", "content": "new", "start": 1, "end": -1}},
             {"id": 5, "source": "agent", "observation": "edit", "content": "edited", "extras": {}}],
            [{"id": 6, "source": "agent", "action": "run", "args": {"command": "sleep 999"}},
             {"id": 7, "source": "agent", "observation": "run", "content": "timed out", "extras": {"metadata": {"exit_code": -1, "pid": -1}}}],
            [{"id": 8, "source": "agent", "action": "finish", "args": {"outputs": {}, "thought": "Done."}},
             {"observation": "null", "content": "", "extras": {}}]
        ],
        "test_result": {"git_patch": "diff --git a/v.py b/v.py\r\n", "report": {"resolved": true, "empty_generation": false}},
        "metrics": {"accumulated_cost": 0.25},
        "error": "RuntimeError: Agent got stuck in a loop"
    });
    assert_eq!(detect(&v, "output.jsonl").unwrap(), Detected::Format(Format::OpenhandsEvents));
    let (t, warnings) = trajectory_of(v, "output.jsonl");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(t.problem_statement.as_deref(), Some("UsernameValidator allows trailing newline"));
    assert_eq!(t.outcome.resolved, Some(true));
    assert_eq!(t.outcome.exit_status.as_deref(), Some("error"));
    assert_eq!(t.patch.as_deref(), Some("diff --git a/v.py b/v.py\n"));
    assert_eq!(t.usage.cost, Some(0.25));
    assert_eq!(t.usage.prompt_tokens, None);
    assert_eq!(tool_names(&t), ["execute_bash", "edit_file", "execute_bash", "finish"]);
    assert_eq!(t.steps.len(), 5);
    assert_eq!(t.steps[0].role, Role::User);
    let run = &t.steps[1].tool_calls[0];
    assert_eq!(run.arguments, json!({"command": "grep -rn UsernameValidator"}));
    assert_eq!(run.exit_code, Some(0));
    assert_eq!(t.steps[1].thought.as_deref(), Some("Find it."));
    assert_eq!(t.steps[2].tool_calls[0].arguments, json!({"path": "v.py", "content": "new", "start": 1, "end": -1}));
    // OpenHands' -1 is "no exit code captured".
    assert_eq!(t.steps[3].tool_calls[0].observation.as_deref(), Some("timed out"));
    assert_eq!(t.steps[3].exit_code, None);
    assert_eq!(t.steps[4].tool_calls[0].arguments, json!({"outputs": {}}));
    assert_eq!(t.steps[4].tool_calls[0].observation, None);
}

// ---------------------------------------------------------------------------------------------
// Predictions

#[test]
fn preds_json_dict_with_crlf_patches() {
    let v = json!({
        "astropy__astropy-12907": {"model_name_or_path": "m", "instance_id": "astropy__astropy-12907",
                                    "model_patch": "diff --git a/a.py b/a.py\r\n--- a/a.py\r\n+++ b/a.py\r\n"},
        "django__django-11099": {"model_name_or_path": "m", "model_patch": "\r\ndiff --git a/b.py b/b.py\r\n"},
        "sympy__sympy-20590": {"model_name_or_path": "m", "instance_id": "sympy__sympy-20590", "model_patch": null}
    });
    assert_eq!(detect(&v, "preds.json").unwrap(), Detected::Container);
    let records = records_of(v, "preds.json");
    assert_eq!(records.len(), 3);
    let ts: Vec<Trajectory> = records.into_iter().map(|r| trajectory_of(r, "preds.json").0).collect();
    assert!(ts.iter().all(|t| t.format == Format::SwebenchPreds && t.model.as_deref() == Some("m")));
    let by_id = |id: &str| ts.iter().find(|t| t.instance_id.as_deref() == Some(id)).unwrap();
    assert_eq!(
        by_id("astropy__astropy-12907").patch.as_deref(),
        Some("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n")
    );
    // The dict key stands in for a missing `instance_id`.
    assert_eq!(by_id("django__django-11099").patch.as_deref(), Some("diff --git a/b.py b/b.py\n"));
    assert_eq!(by_id("sympy__sympy-20590").patch, None);
    assert!(ts.iter().all(|t| !t.patch.as_deref().unwrap_or("").contains('\r')));
}

#[test]
fn preds_json_array_with_crlf_patches() {
    let v = json!([
        {"instance_id": "a__b-1", "model_name_or_path": "x", "model_patch": "--- a/f\r\n+++ b/f\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n"},
        {"org": "cli", "repo": "cli", "number": 513, "fix_patch": "diff --git a/g.go b/g.go\r\n"}
    ]);
    assert_eq!(detect(&v, "preds.json").unwrap(), Detected::Container);
    let ts: Vec<Trajectory> =
        records_of(v, "preds.json").into_iter().map(|r| trajectory_of(r, "preds.json").0).collect();
    assert_eq!(ts[0].patch.as_deref(), Some("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n"));
    // Every format derives the repository an `owner__name-N` instance id spells.
    assert_eq!(ts[0].repo.as_deref(), Some("a/b"));
    assert_eq!(ts[1].instance_id.as_deref(), Some("cli__cli-513"));
    assert_eq!(ts[1].repo.as_deref(), Some("cli/cli"));
    assert_eq!(ts[1].patch.as_deref(), Some("diff --git a/g.go b/g.go\n"));
}

#[test]
fn preds_malformed_records_are_errors() {
    for (v, needle) in [
        (json!({"model_patch": "diff"}), "no `instance_id`"),
        (json!({"instance_id": "a__b-1", "model_patch": 5}), "`model_patch` is a json number"),
        (json!({"org": "o", "repo": "r", "fix_patch": ["x"]}), "no `instance_id`"),
        (json!({"org": "o", "repo": "r", "number": "1", "fix_patch": {}}), "`fix_patch` is a json object"),
    ] {
        let err = recognize(v.clone(), "preds.jsonl").expect_err(&v.to_string());
        assert!(err.contains(needle), "{err}");
        assert_reason_style(&err);
    }
}

// ---------------------------------------------------------------------------------------------
// Reports

#[test]
fn report_real_per_instance() {
    let v = read_json("mini-swe-agent-swebench/astropy__astropy-12907.report.json");
    assert_eq!(detect(&v, "astropy__astropy-12907.report.json").unwrap(), Detected::Outcomes);
    let (facts, warnings) = outcomes_of(v.clone(), "astropy__astropy-12907.report.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        facts,
        [OutcomeFact {
            instance_id: "astropy__astropy-12907".into(),
            resolved: true,
            precedence: OutcomePrecedence::PerInstance
        }]
    );

    // The harness's own wrapped form needs no file name.
    let wrapped = json!({ "astropy__astropy-12907": v.clone() });
    let (facts, _) = outcomes_of(wrapped, "report.json");
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].instance_id, "astropy__astropy-12907");
    assert!(facts[0].resolved);
    assert_eq!(facts[0].precedence, OutcomePrecedence::PerInstance);

    // A bare report.json names no instance: an error, not a guess.
    let err = recognize(v.clone(), "report.json").expect_err("no id");
    assert!(err.contains("names no instance"), "{err}");
    assert_reason_style(&err);

    // An unresolved one.
    let mut unresolved = v;
    unresolved["resolved"] = json!(false);
    let (facts, _) = outcomes_of(unresolved, "django__django-1.report.json");
    assert_eq!(facts[0].instance_id, "django__django-1");
    assert!(!facts[0].resolved);
}

#[test]
fn report_real_results_summary() {
    let v = read_json("mini-swe-agent-swebench/results_summary.json");
    let expected_true = v["instances"].as_array().unwrap().iter().filter(|i| i["resolved"] == json!(true)).count();
    assert_eq!(expected_true, 371);
    assert_eq!(detect(&v, "results_summary.json").unwrap(), Detected::Outcomes);
    let (facts, warnings) = outcomes_of(v, "results_summary.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(facts.len(), 500);
    assert!(facts.iter().all(|f| f.precedence == OutcomePrecedence::RunLevel));
    assert_eq!(facts.iter().filter(|f| f.resolved).count(), 371);
    let f = facts.iter().find(|f| f.instance_id == "astropy__astropy-12907").unwrap();
    assert!(f.resolved);
    let f = facts.iter().find(|f| f.instance_id == "astropy__astropy-13033").unwrap();
    assert!(!f.resolved);
}

#[test]
fn report_run_level_lists() {
    let v = json!({
        "total_instances": 7, "submitted_instances": 6, "completed_instances": 4, "resolved_instances": 2,
        "unresolved_instances": 1, "empty_patch_instances": 1, "error_instances": 1,
        "completed_ids": ["a__a-1", "b__b-2", "c__c-3", "f__f-6"],
        "incomplete_ids": ["g__g-7"],
        "empty_patch_ids": ["e__e-5"],
        "submitted_ids": ["a__a-1", "b__b-2", "c__c-3", "d__d-4", "e__e-5", "f__f-6"],
        "resolved_ids": ["a__a-1", "b__b-2"],
        "unresolved_ids": ["c__c-3"],
        "error_ids": ["d__d-4"],
        "schema_version": 2
    });
    assert_eq!(detect(&v, "model.run.json").unwrap(), Detected::Outcomes);
    let (facts, warnings) = outcomes_of(v, "model.run.json");
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut got: Vec<(String, bool)> = facts.iter().map(|f| (f.instance_id.clone(), f.resolved)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("a__a-1".to_string(), true),
            ("b__b-2".to_string(), true),
            ("c__c-3".to_string(), false),
            ("d__d-4".to_string(), false),
            ("e__e-5".to_string(), false),
        ]
    );
    assert!(facts.iter().all(|f| f.precedence == OutcomePrecedence::RunLevel));

    // Contradictions keep `resolved` and are reported.
    let v = json!({"resolved_ids": ["x__x-1", 7], "unresolved_ids": ["x__x-1"]});
    let (facts, warnings) = outcomes_of(v, "report.json");
    assert_eq!(facts.len(), 1);
    assert!(facts[0].resolved);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

// ---------------------------------------------------------------------------------------------
// Robustness: wrong types never panic; malformed records are errors with a reason.

#[test]
fn malformed_agent_records_are_errors() {
    let cases = [
        json!({"info": {}, "trajectory": 5}),
        json!({"info": {}, "history": "x"}),
        json!({"info": 3, "trajectory": []}),
        json!({"trajectory_format": "mini-swe-agent-1", "messages": "x"}),
        json!({"trajectory_format": "mini-swe-agent-1", "info": {}}),
        json!({"trajectory_format": "mini-swe-agent-1", "messages": [], "info": "x"}),
        json!({"history": {"a": 1}, "instruction": "x", "metadata": {}}),
    ];
    for v in cases {
        let err = recognize(v.clone(), "x.json").expect_err(&v.to_string());
        assert_reason_style(&err);
    }
}

/// Every way of breaking one field, applied to every top-level field and to every element of the
/// main lists of the real fixtures: recognition may fail but must not panic.
#[test]
fn wrong_types_never_panic() {
    let replacements = [
        Value::Null,
        json!(1),
        json!(-1.5),
        json!("s"),
        json!(true),
        json!([]),
        json!([1, "x", null, {"a": []}]),
        json!({}),
        json!({"role": 5, "content": {}, "action": 3, "observation": [], "tool_calls": "x", "cause": "7"}),
    ];
    let mut samples = vec![
        (read_json("swe-agent/pydicom__pydicom-1458.traj"), "a.traj"),
        (read_json("mini-swe-agent-swebench/astropy__astropy-12907.traj.json"), "a.traj.json"),
        (read_json("mini-swe-agent-swebench/astropy__astropy-12907.report.json"), "x.report.json"),
        (swe_agent_1x(), "b.traj"),
        (mini_v2(), "b.traj.json"),
    ];
    samples.push((read_jsonl("openhands/multi_swe_bench_c_ponyc.output.jsonl").remove(1), "output.jsonl"));
    samples.push((read_jsonl("openhands/multi_swe_bench_c_ponyc.patch.jsonl").remove(0), "patch.jsonl"));
    samples.push((read_jsonl("swe-agent/pydicom__pydicom-1458.all_preds.jsonl").remove(0), "all_preds.jsonl"));
    let mut runs = 0;
    for (sample, name) in &samples {
        let obj = sample.as_object().unwrap();
        for key in obj.keys() {
            for r in &replacements {
                let mut v = sample.clone();
                v[key.as_str()] = r.clone();
                let _ = recognize(v, name);
                runs += 1;
            }
            // Break each element of a list field, and each field of those elements.
            if let Some(items) = obj[key].as_array() {
                for i in 0..items.len().min(40) {
                    for r in &replacements {
                        let mut v = sample.clone();
                        v[key.as_str()][i] = r.clone();
                        let _ = recognize(v, name);
                        runs += 1;
                    }
                    if let Some(item) = items[i].as_object() {
                        for k in item.keys() {
                            for r in &replacements {
                                let mut v = sample.clone();
                                v[key.as_str()][i][k.as_str()] = r.clone();
                                let _ = recognize(v, name);
                                runs += 1;
                            }
                        }
                    }
                }
            }
            // Nested objects one level down (info, metadata, test_result, metrics, instance…).
            if let Some(inner) = obj[key].as_object() {
                for k in inner.keys() {
                    for r in &replacements {
                        let mut v = sample.clone();
                        v[key.as_str()][k.as_str()] = r.clone();
                        let _ = recognize(v, name);
                        runs += 1;
                    }
                }
            }
        }
    }
    assert!(runs > 1000, "{runs}");
}
