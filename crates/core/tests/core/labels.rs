//! Tests: label-set schemas and the validation and normalization of values, one case per kind.

use serde_json::{json, Value};
use trawl_core::labels::{default_sets, LabelKind, LabelLevel, LabelSet};

fn set(name: &str) -> LabelSet {
    default_sets().into_iter().find(|s| s.name == name).unwrap()
}

#[track_caller]
fn check(set_name: &str, value: Value, expected: &str) {
    let actual = match set(set_name).normalize(&value) {
        Ok(Some(v)) => v.to_string(),
        Ok(None) => "clear".to_string(),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(actual, expected, "{set_name} = {value}");
}

#[test]
fn default_sets_are_valid() {
    let sets = default_sets();
    let names: Vec<&str> = sets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["verdict", "failure_mode", "quality", "note", "flag_review"]);
    for s in &sets {
        s.check().unwrap();
    }
}

#[test]
fn single_select() {
    check("verdict", json!("keep"), "\"keep\"");
    check("verdict", json!("kepp"), "error: value 'kepp' is not in label set 'verdict' (keep, reject, unsure)");
    check("verdict", json!(["keep"]), "error: label set 'verdict' takes one value as a string, not [\"keep\"]");
}

#[test]
fn multi_select() {
    check("failure_mode", json!(["loop", "wrong_fix", "loop"]), "[\"wrong_fix\",\"loop\"]");
    check("failure_mode", json!("gave_up"), "[\"gave_up\"]");
    check("failure_mode", json!([]), "clear");
    check("failure_mode", json!(["loop", "nope"]), "error: value 'nope' is not in label set 'failure_mode' (wrong_fix, incomplete_fix, hallucinated_api, loop, tool_misuse, edited_tests, no_verification, environment_error, gave_up, other)");
    check("flag_review", json!(["dismiss:loop"]), "[\"dismiss:loop\"]");
}

#[test]
fn rating() {
    check("quality", json!(4), "4");
    check("quality", json!("5"), "5");
    check("quality", json!(0), "error: value 0 is not a rating of label set 'quality' (an integer from 1 to 5)");
    check("quality", json!(3.5), "error: value 3.5 is not a rating of label set 'quality' (an integer from 1 to 5)");
    check(
        "quality",
        json!("high"),
        "error: value 'high' is not a rating of label set 'quality' (an integer from 1 to 5)",
    );
}

#[test]
fn text() {
    check("note", json!("  fixed the wrong file  "), "\"fixed the wrong file\"");
    check("note", json!("   "), "clear");
    check("note", json!(3), "error: label set 'note' takes text, not 3");
}

#[test]
fn levels() {
    assert!(set("verdict").check_level(None).is_ok());
    assert_eq!(
        set("verdict").check_level(Some(3)).unwrap_err(),
        "label set 'verdict' applies to trajectories, not steps"
    );
    assert!(set("failure_mode").check_level(Some(3)).is_ok());
    let step_only = LabelSet { level: LabelLevel::Step, ..set("failure_mode") };
    assert_eq!(step_only.check_level(None).unwrap_err(), "label set 'failure_mode' applies to steps: give a step");
}

#[test]
fn schema_checks() {
    let base = LabelSet {
        name: "x".into(),
        kind: LabelKind::Single,
        level: LabelLevel::Both,
        values: vec!["a".into()],
        min: 0,
        max: 0,
        description: None,
    };
    assert!(base.check().is_ok());
    let bad = |s: LabelSet| s.check().unwrap_err();
    assert!(bad(LabelSet { name: "Bad Name".into(), ..base.clone() }).starts_with("bad label set name 'Bad Name'"));
    assert_eq!(bad(LabelSet { values: vec![], ..base.clone() }), "label set 'x' (single) needs at least one value");
    assert_eq!(
        bad(LabelSet { values: vec!["a".into(), "a".into()], ..base.clone() }),
        "label set 'x': value 'a' is listed twice"
    );
    assert_eq!(
        bad(LabelSet { kind: LabelKind::Rating, values: vec![], min: 5, max: 1, ..base.clone() }),
        "label set 'x': min 5 must be below max 1"
    );
    assert_eq!(bad(LabelSet { kind: LabelKind::Text, ..base }), "label set 'x' (text) takes no values");
}

#[test]
fn values_typed_as_text() {
    assert_eq!(set("failure_mode").value_from_text("loop, gave_up"), json!(["loop", "gave_up"]));
    assert_eq!(set("quality").value_from_text("4"), json!(4));
    assert_eq!(set("verdict").value_from_text("keep"), json!("keep"));
    assert_eq!(LabelSet::category(&json!(["wrong_fix", "loop"])), "wrong_fix+loop");
}
