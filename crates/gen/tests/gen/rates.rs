use std::collections::HashMap;

use trawl_gen::{PHRASES, RATES};

use crate::common::summaries;

/// Asserts that `count` of `n` rows is within four standard deviations of rate `p`.
fn assert_rate(what: &str, count: usize, n: usize, p: f64) {
    let expected = n as f64 * p;
    let tolerance = 4.0 * (n as f64 * p * (1.0 - p)).sqrt() + 1.0;
    assert!(
        (count as f64 - expected).abs() <= tolerance,
        "{what}: {count} of {n}, expected {expected:.0} ± {tolerance:.0}"
    );
}

#[test]
fn special_cases_occur_where_planned_and_at_their_rates() {
    let rows = summaries();
    let n = rows.len();
    for (i, r) in rows.iter().enumerate() {
        let p = &r.plan;
        assert_eq!(r.empty_patch, p.empty_patch, "row {i}: empty patch");
        assert_eq!(!r.has_finish, p.no_finish, "row {i}: finish");
        assert_eq!(r.longest_identical_run as u32 >= 3, p.loop_repeats > 0, "row {i}: loop");
        if p.loop_repeats > 0 {
            assert_eq!(r.longest_identical_run as u32, p.loop_repeats, "row {i}");
        } else {
            assert!(!r.any_repeated_call, "row {i}: a tool call repeats without a planned loop");
        }
        assert_eq!(r.ran_tests_exits, p.ran_tests.map(i64::from).into_iter().collect::<Vec<_>>(), "row {i}: ran tests");
        assert_eq!(r.stray_repro, p.stray_repro, "row {i}: stray repro");
        assert_eq!(r.patch_touches_tests, p.edits_test, "row {i}: edited tests");
        assert_eq!(r.tool_error, p.tool_error, "row {i}: tool error");
    }
    let count = |f: &dyn Fn(&crate::common::Summary) -> bool| rows.iter().filter(|r| f(r)).count();
    assert_rate("empty patch", count(&|r| r.empty_patch), n, RATES.empty_patch);
    assert_rate("no finish", count(&|r| !r.has_finish), n, RATES.no_finish);
    assert_rate("loop", count(&|r| r.longest_identical_run >= 3), n, RATES.loop_action);
    assert_rate("ran tests", count(&|r| !r.ran_tests_exits.is_empty()), n, RATES.ran_tests);
    assert_rate("stray repro", count(&|r| r.stray_repro), n, RATES.stray_repro);
    assert_rate("edited tests", count(&|r| r.patch_touches_tests), n, RATES.edited_tests);
    assert_rate("tool error", count(&|r| r.tool_error), n, RATES.tool_error);

    let exits: Vec<i64> = rows.iter().flat_map(|r| r.ran_tests_exits.iter().copied()).collect();
    let failing = exits.iter().filter(|&&e| e != 0).count();
    assert_rate("failing test runs", failing, exits.len(), RATES.ran_tests_failing);
    assert!(exits.contains(&1) && exits.contains(&2) && exits.contains(&0), "{exits:?}");
}

#[test]
fn phrases_occur_exactly_in_the_planned_rows_at_their_rates() {
    let rows = summaries();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.phrases, r.plan.phrases, "row {i}");
    }
    for p in PHRASES {
        let c = rows.iter().filter(|r| r.phrases.contains(&p.text)).count();
        assert_rate(p.text, c, rows.len(), p.rate);
    }
}

#[test]
fn some_instances_have_several_attempts() {
    let rows = summaries();
    let mut by_instance: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in rows {
        by_instance.entry(&r.instance_id).or_default().push(r.plan.repo);
    }
    let shared = by_instance.values().filter(|v| v.len() > 1).count();
    assert!(shared >= 10, "{shared} instances with several attempts");
    assert!(by_instance.values().all(|repos| repos.iter().all(|r| *r == repos[0])));
    let rows_in_shared: usize = by_instance.values().filter(|v| v.len() > 1).map(Vec::len).sum();
    assert_rate("multi-attempt rows", rows_in_shared, rows.len(), RATES.multi_attempt);
}
