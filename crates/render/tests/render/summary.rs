//! Step summaries and the alignment of two trajectories.

use rand::{Rng, SeedableRng};
use serde_json::json;
use trawl_core::{Role, Step};
use trawl_render::{align_steps, step_summary, AlignedPair, StepRole, StepSummary};

use crate::support::{step_with_call, trajectories, TRAJECTORY_FIXTURES};

#[test]
fn summaries_by_call_kind() {
    let s = step_summary(&step_with_call("execute_bash", json!({"command": "cd /w && pytest -x\necho done"}), None), 4);
    assert_eq!((s.index, s.role, s.tool.as_deref()), (4, StepRole::Assistant, Some("execute_bash")));
    assert_eq!(s.summary, "cd /w && pytest -x …");
    let s = step_summary(&step_with_call("str_replace_editor", json!({"command": "view", "path": "/w/a.py"}), None), 0);
    assert_eq!(s.summary, "view /w/a.py");
    let s = step_summary(
        &step_with_call(
            "str_replace_editor",
            json!({"command": "str_replace", "path": "/w/a.py", "old_str": "a", "new_str": "b"}),
            None,
        ),
        0,
    );
    assert_eq!(s.summary, "str_replace /w/a.py");
    let s = step_summary(&step_with_call("think", json!({"thought": "\n\nFirst idea.\nSecond."}), None), 0);
    assert_eq!(s.summary, "First idea. …");
    let s = step_summary(&Step::message(Role::User, "  Fix the bug.  \nDetails"), 1);
    assert_eq!((s.tool, s.summary.as_str(), s.role), (None, "Fix the bug. …", StepRole::User));
    let long = "x".repeat(500);
    let s = step_summary(&step_with_call("bash", json!({"command": long}), None), 0);
    assert_eq!(s.summary.chars().count(), 160);
    assert!(s.summary.ends_with('…'));
    let s = step_summary(&Step::message(Role::Assistant, "é".repeat(300)), 0);
    assert_eq!(s.summary.chars().count(), 160);
}

#[test]
fn summaries_of_real_fixtures_are_one_line_and_short() {
    for rel in TRAJECTORY_FIXTURES {
        for t in trajectories(rel) {
            for (i, s) in t.steps.iter().enumerate() {
                let sum = step_summary(s, i);
                assert!(!sum.summary.contains('\n'), "{rel} {i}: {:?}", sum.summary);
                assert!(sum.summary.chars().count() <= 160);
                assert_eq!(sum.tool.as_deref(), s.tool_calls.first().map(|c| c.name.as_str()));
                assert_eq!(sum.exit_code, s.exit_code);
            }
        }
    }
}

fn check_covering(a: &[StepSummary], b: &[StepSummary], pairs: &[AlignedPair]) {
    let av: Vec<usize> = pairs.iter().filter_map(|p| p.a).collect();
    let bv: Vec<usize> = pairs.iter().filter_map(|p| p.b).collect();
    assert_eq!(av, (0..a.len()).collect::<Vec<_>>());
    assert_eq!(bv, (0..b.len()).collect::<Vec<_>>());
    assert!(pairs.iter().all(|p| p.a.is_some() || p.b.is_some()));
}

fn summary(role: StepRole, tool: Option<&str>, text: &str) -> StepSummary {
    StepSummary { index: 0, role, tool: tool.map(str::to_string), summary: text.into(), exit_code: None }
}

#[test]
fn equal_kinds_pair_up() {
    let a = vec![
        summary(StepRole::System, None, "sys"),
        summary(StepRole::User, None, "task"),
        summary(StepRole::Assistant, Some("str_replace_editor"), "view /w/a.py"),
        summary(StepRole::Assistant, Some("execute_bash"), "grep -rn foo"),
        summary(StepRole::Assistant, Some("finish"), "done"),
    ];
    let b = vec![
        summary(StepRole::System, None, "sys prompt differs"),
        summary(StepRole::User, None, "task"),
        summary(StepRole::Assistant, Some("str_replace_editor"), "view /w/b.py"),
        summary(StepRole::Assistant, Some("str_replace_editor"), "view /w/a.py"),
        summary(StepRole::Assistant, Some("execute_bash"), "cd /w && grep -n bar"),
        summary(StepRole::Assistant, Some("finish"), "finished"),
    ];
    let pairs = align_steps(&a, &b);
    check_covering(&a, &b, &pairs);
    let paired: Vec<(usize, usize)> = pairs.iter().filter_map(|p| Some((p.a?, p.b?))).collect();
    assert!(paired.contains(&(0, 0)) && paired.contains(&(1, 1)), "{paired:?}");
    assert!(paired.contains(&(2, 3)), "the views of a.py pair up: {paired:?}");
    assert!(paired.contains(&(3, 4)), "grep pairs with `cd … && grep`: {paired:?}");
    assert!(paired.contains(&(4, 5)), "the finishes pair up: {paired:?}");
    assert_eq!(pairs[2], AlignedPair { a: None, b: Some(2) });
}

#[test]
fn alignment_covers_every_index_of_real_and_random_lists() {
    let all: Vec<Vec<StepSummary>> = TRAJECTORY_FIXTURES
        .iter()
        .flat_map(|rel| trajectories(rel))
        .map(|t| t.steps.iter().enumerate().map(|(i, s)| step_summary(s, i)).collect())
        .collect();
    for a in &all {
        for b in &all {
            check_covering(a, b, &align_steps(a, b));
        }
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let tools = [None, Some("bash"), Some("str_replace_editor"), Some("think")];
    let words = ["view a", "view b", "ls", "grep x", "pytest"];
    for _ in 0..300 {
        let (na, nb) = (rng.random_range(0..30), rng.random_range(0..30));
        let mut make = |n: usize| -> Vec<StepSummary> {
            (0..n)
                .map(|_| {
                    let tool = tools[rng.random_range(0..tools.len())];
                    summary(StepRole::Assistant, tool, words[rng.random_range(0..words.len())])
                })
                .collect()
        };
        let a = make(na);
        let b = make(nb);
        check_covering(&a, &b, &align_steps(&a, &b));
    }
    assert!(align_steps(&[], &[]).is_empty());
}
