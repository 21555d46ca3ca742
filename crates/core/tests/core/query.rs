//! Tests: query.
//!
//! One `check(input, expected)` helper: `expected` is a compact rendering of the AST
//! (`(and …)`, `(or …)`, `(not …)`, words bare, phrases quoted, filters and step conditions in
//! their `Debug` form) or `error <column>: <message>`.

use trawl_core::query::{self, Expr};

fn render(e: &Expr) -> String {
    let list = |head: &str, items: &[Expr]| {
        let mut s = format!("({head}");
        for item in items {
            s.push(' ');
            s.push_str(&render(item));
        }
        s.push(')');
        s
    };
    match e {
        Expr::And(items) => list("and", items),
        Expr::Or(items) => list("or", items),
        Expr::Not(inner) => format!("(not {})", render(inner)),
        Expr::Word(w) => w.clone(),
        Expr::Phrase(p) => format!("{p:?}"),
        Expr::Field(f) => format!("{f:?}"),
        Expr::Step(conds) => {
            let conds: Vec<String> = conds.iter().map(|c| format!("{c:?}")).collect();
            format!("(step {})", conds.join(" "))
        }
    }
}

#[track_caller]
fn check(input: &str, expected: &str) {
    let actual = match query::parse(input) {
        Ok(e) => render(&e),
        Err(e) => format!("error {}: {}", e.column, e.message),
    };
    assert_eq!(actual, expected, "query: {input:?}");
}

#[test]
fn empty() {
    check("", "(and)");
    check("   \t ", "(and)");
}

#[test]
fn words_and_implicit_and() {
    check("foo", "foo");
    check("Foo", "Foo");
    check("  foo  ", "foo");
    check("foo bar", "(and foo bar)");
    check("foo-bar baz_1", "(and foo-bar baz_1)");
    check("a.b/c*", "a.b/c*");
    check("or and", "(and or and)");
    check("ORACLE ANDROID", "(and ORACLE ANDROID)");
    check("::foo", "::foo");
    check("12:30", "12:30");
    check("über straße", "(and über straße)");
}

#[test]
fn explicit_and_or_precedence() {
    check("a AND b", "(and a b)");
    check("a OR b", "(or a b)");
    check("a b OR c", "(or (and a b) c)");
    check("a OR b c", "(or a (and b c))");
    check("a OR b OR c", "(or a b c)");
    check("a AND b OR c AND d", "(or (and a b) (and c d))");
    check("a OR(b)", "(or a b)");
}

#[test]
fn groups_flatten() {
    check("(a)", "a");
    check("((a))", "a");
    check("(a b) c", "(and a b c)");
    check("(a OR b) c", "(and (or a b) c)");
    check("(a OR b) OR c", "(or a b c)");
    check("a (b OR c)", "(and a (or b c))");
    check("(a)(b)", "(and a b)");
    check("foo)", "error 4: unbalanced parenthesis: ')' has no matching '('");
}

#[test]
fn negation() {
    check("-a", "(not a)");
    check("--a", "(not (not a))");
    check("a -b", "(and a (not b))");
    check("-(a OR b)", "(not (or a b))");
    check("-\"x y\"", "(not \"x y\")");
    check("-repo:a/b", "(not Repo(Exact(\"a/b\")))");
    check("a-b", "a-b");
}

#[test]
fn phrases() {
    check("\"hello world\"", "\"hello world\"");
    check(r#""say \"hi\"""#, r#""say \"hi\"""#);
    check(r#""back\\slash""#, r#""back\\slash""#);
    check(r#""keep \d""#, r#""keep \\d""#);
    check("\"OR\"", "\"OR\"");
    check("foo\"bar\"", "(and foo \"bar\")");
    check("\"a:b\"", "\"a:b\"");
}

#[test]
fn pattern_fields() {
    check("repo:django/django", "Repo(Exact(\"django/django\"))");
    check("repo:django/*", "Repo(Glob(\"django/*\"))");
    check("instance:astropy__astropy-12907", "Instance(Exact(\"astropy__astropy-12907\"))");
    check("dataset:\"SWE-Gym/SWE-Gym\"", "Dataset(Exact(\"SWE-Gym/SWE-Gym\"))");
    check("model:*qwen*", "Model(Glob(\"*qwen*\"))");
    check("model:\"Qwen 3 *\"", "Model(Glob(\"Qwen 3 *\"))");
    check("id:3f2a*", "Id(Glob(\"3f2a*\"))");
    check("tool:execute_bash", "Tool(Exact(\"execute_bash\"))");
    check("repo:a:b", "Repo(Exact(\"a:b\"))");
    check("repo:a)", "error 7: unbalanced parenthesis: ')' has no matching '('");
    check("(repo:a)", "Repo(Exact(\"a\"))");
}

#[test]
fn format_field() {
    check("format:nv-swe-zero", "Format(Exact(\"nv-swe-zero\"))");
    check("format:mini-swe-agent", "Format(Exact(\"mini-swe-agent\"))");
    check("format:*swe*", "Format(Glob(\"*swe*\"))");
    check(
        "format:parquet",
        "error 8: unknown format 'parquet'; valid formats: nv-swe-zero, nebius-openhands, \
         openai-chat, swe-gym, open-swe-traces, swe-smith, swe-agent, nebius-swe-agent, \
         openhands-events, mini-swe-agent, swebench-preds",
    );
}

#[test]
fn resolved_and_flag() {
    check("resolved:true", "Resolved(Some(true))");
    check("resolved:false", "Resolved(Some(false))");
    check("resolved:unknown", "Resolved(None)");
    check("resolved:TRUE", "Resolved(Some(true))");
    check("resolved:yes", "error 10: bad value 'yes' for 'resolved:'; expected true, false or unknown");
    check("flag:ran_tests", "Flag(RanTests)");
    check("flag:loop -flag:empty_patch", "(and Flag(Loop) (not Flag(EmptyPatch)))");
    check("flag:stray_files", "Flag(StrayFiles)");
    check(
        "flag:looping",
        "error 6: unknown flag 'looping'; valid flags: empty_patch, no_finish, hit_limit, loop, \
         ran_tests, edited_tests, stray_files, tool_errors",
    );
}

#[test]
fn ranges() {
    check("steps:10", "Steps(Eq(10))");
    check("steps:>10", "Steps(Gt(10))");
    check("steps:>=10", "Steps(Ge(10))");
    check("steps:<10", "Steps(Lt(10))");
    check("steps:<=10", "Steps(Le(10))");
    check("steps:10..20", "Steps(Between(10, 20))");
    check("steps:7..7", "Steps(Between(7, 7))");
    check("patch_files:1", "PatchFiles(Eq(1))");
    check("patch_lines:\"<50\"", "PatchLines(Lt(50))");
    check("steps:abc", "error 7: bad range 'abc' for 'steps:': expected N, >N, >=N, <N, <=N or A..B");
    check("x steps:20..10", "error 9: bad range '20..10' for 'steps:': the start is greater than the end");
    check("patch_lines:>", "error 13: bad range '>' for 'patch_lines:': expected N, >N, >=N, <N, <=N or A..B");
    check("steps:1..", "error 7: bad range '1..' for 'steps:': expected N, >N, >=N, <N, <=N or A..B");
    check("steps:-3", "error 7: bad range '-3' for 'steps:': expected N, >N, >=N, <N, <=N or A..B");
    check("steps:99999999999999999999", "error 7: bad range '99999999999999999999' for 'steps:': number too large");
}

#[test]
fn step_conditions() {
    check("step:(tool:execute_bash)", "(step Tool(Exact(\"execute_bash\")))");
    check("step:( tool:execute_bash  exit:!0 )", "(step Tool(Exact(\"execute_bash\")) ExitIsNot(0))");
    check("step:(exit:1)", "(step ExitIs(1))");
    check("step:(exit:-1)", "(step ExitIs(-1))");
    check("step:(tool:*edit*)", "(step Tool(Glob(\"*edit*\")))");
    check("step:(cmd:pytest)", "(step CmdContains(\"pytest\"))");
    check("step:(cmd:\"python -m pytest\")", "(step CmdContains(\"python -m pytest\"))");
    check(r"step:(cmd:/^python\d? /)", r#"(step CmdRegex("^python\\d? "))"#);
    check(r"step:(cmd:/a\/b/)", r#"(step CmdRegex("a/b"))"#);
    check(r"step:(cmd:/a\\/)", r#"(step CmdRegex("a\\\\"))"#);
    check(r"step:(cmd:/(a|b) c/)", r#"(step CmdRegex("(a|b) c"))"#);
    check(
        "step:(tool:execute_bash cmd:/grep/) -step:(exit:0)",
        "(and (step Tool(Exact(\"execute_bash\")) CmdRegex(\"grep\")) (not (step ExitIs(0))))",
    );
    check("foo step:(exit:2) OR bar", "(or (and foo (step ExitIs(2))) bar)");
}

#[test]
fn errors_quotes_and_parens() {
    check("\"abc", "error 1: unterminated quote");
    check("foo \"abc", "error 5: unterminated quote");
    check(r#"foo "abc\""#, "error 5: unterminated quote");
    check("repo:\"abc", "error 6: unterminated quote");
    check("\"\"", "error 1: empty phrase");
    check("(foo", "error 1: unbalanced parenthesis: '(' is never closed");
    check("a (b (c)", "error 3: unbalanced parenthesis: '(' is never closed");
    check("a)", "error 2: unbalanced parenthesis: ')' has no matching '('");
    check(")", "error 1: unbalanced parenthesis: ')' has no matching '('");
    check("(a))", "error 4: unbalanced parenthesis: ')' has no matching '('");
    check("x ()", "error 3: empty group '()'");
    check("( )", "error 1: empty group '()'");
    check("é \"x", "error 3: unterminated quote");
}

#[test]
fn errors_dangling_operators() {
    check("-", "error 1: dangling '-': expected a term right after it");
    check("a -", "error 3: dangling '-': expected a term right after it");
    check("a - b", "error 3: dangling '-': expected a term right after it");
    check("(-)", "error 2: dangling '-': expected a term right after it");
    check("-OR a", "error 1: dangling '-': expected a term right after it");
    check("OR", "error 1: dangling 'OR': expected a term on both sides");
    check("OR a", "error 1: dangling 'OR': expected a term on both sides");
    check("a OR", "error 3: dangling 'OR': expected a term on both sides");
    check("a OR  ", "error 3: dangling 'OR': expected a term on both sides");
    check("a OR OR b", "error 3: dangling 'OR': expected a term on both sides");
    check("(a OR) b", "error 4: dangling 'OR': expected a term on both sides");
    check("a OR AND b", "error 3: dangling 'OR': expected a term on both sides");
    check("AND a", "error 1: dangling 'AND': expected a term on both sides");
    check("a AND", "error 3: dangling 'AND': expected a term on both sides");
    check("a AND OR b", "error 3: dangling 'AND': expected a term on both sides");
}

#[test]
fn errors_fields() {
    check("reop:foo", "error 1: unknown field 'reop'; did you mean 'repo'?");
    check("x Repo:foo", "error 3: unknown field 'Repo'; did you mean 'repo'?");
    check("stps:3", "error 1: unknown field 'stps'; did you mean 'steps'?");
    check("stpe:(exit:0)", "error 1: unknown field 'stpe'; did you mean 'step'?");
    check("patch_line:3", "error 1: unknown field 'patch_line'; did you mean 'patch_lines'?");
    check(
        "a zzzzzzzz:1",
        "error 3: unknown field 'zzzzzzzz'; valid: repo, instance, base, kind, dataset, format, model, id, \
         resolved, flag, tool, steps, patch_files, patch_lines, label, annotator, noted, step",
    );
    check("repo:", "error 1: empty value for 'repo:'");
    check("a  tool: b", "error 4: empty value for 'tool:'");
    check("(model:)", "error 2: empty value for 'model:'");
    check("repo:\"\"", "error 1: empty value for 'repo:'");
    check("step:tool:x", "error 1: 'step:' expects conditions in parentheses, e.g. step:(tool:execute_bash exit:!0)");
    check(
        "step: (tool:x)",
        "error 1: 'step:' expects conditions in parentheses, e.g. step:(tool:execute_bash exit:!0)",
    );
}

#[test]
fn errors_step_conditions() {
    check("step:()", "error 6: empty step condition list 'step:()'");
    check("step:(  )", "error 6: empty step condition list 'step:()'");
    check("step:(tool:x", "error 6: unbalanced parenthesis: '(' is never closed");
    check("a step:(exit:0 ", "error 8: unbalanced parenthesis: '(' is never closed");
    check("step:(tol:x)", "error 7: unknown step condition 'tol'; did you mean 'tool'?");
    check("step:(repo:x)", "error 7: unknown step condition 'repo'; valid: tool, cmd, exit");
    check("step:(grep)", "error 7: expected a step condition (tool:, cmd: or exit:), found 'grep'");
    check("step:(\"x\")", "error 7: expected a step condition (tool:, cmd: or exit:), found '\"'");
    check("step:(tool:)", "error 7: empty value for 'tool:'");
    check("step:(cmd:)", "error 7: empty value for 'cmd:'");
    check("step:(cmd://)", "error 7: empty value for 'cmd:'");
    check("step:(exit:)", "error 7: empty value for 'exit:'");
    check("step:(exit:x)", "error 12: bad exit code 'x'; expected N or !N");
    check("step:(exit:!)", "error 12: bad exit code '!'; expected N or !N");
    check("step:(exit:!!1)", "error 12: bad exit code '!!1'; expected N or !N");
    check("step:(cmd:/abc)", "error 11: unterminated regex: expected a closing '/'");
    check("step:(cmd:/a(/)", "error 11: bad regex: unclosed group");
    check("x step:(cmd:/[z-a]/)", "error 13: bad regex: invalid character class range, the start must be <= the end");
    check("step:(cmd:/a/i)", "error 14: unexpected 'i' after the regex");
}

#[test]
fn label_terms() {
    check(
        "label:verdict=keep",
        "Label(LabelFilter { set: \"verdict\", cond: Is(\"keep\"), set_column: 7, value_column: 15 })",
    );
    check(
        "x label:failure_mode=loop",
        "(and x Label(LabelFilter { set: \"failure_mode\", cond: Is(\"loop\"), set_column: 9, value_column: 22 }))",
    );
    check(
        "label:flag_review=dismiss:loop",
        "Label(LabelFilter { set: \"flag_review\", cond: Is(\"dismiss:loop\"), set_column: 7, value_column: 19 })",
    );
    check(
        "label:note=\"needs a look\"",
        "Label(LabelFilter { set: \"note\", cond: Is(\"needs a look\"), set_column: 7, value_column: 12 })",
    );
    check(
        "label:quality=3..5",
        "Label(LabelFilter { set: \"quality\", cond: Is(\"3..5\"), set_column: 7, value_column: 15 })",
    );
    check(
        "label:quality>=4",
        "Label(LabelFilter { set: \"quality\", cond: Range(Ge(4)), set_column: 7, value_column: 14 })",
    );
    check(
        "label:quality<2",
        "Label(LabelFilter { set: \"quality\", cond: Range(Lt(2)), set_column: 7, value_column: 14 })",
    );
    check("label:verdict:none", "Label(LabelFilter { set: \"verdict\", cond: None, set_column: 7, value_column: 14 })");
    check(
        "-label:verdict",
        "(not Label(LabelFilter { set: \"verdict\", cond: Any, set_column: 8, value_column: 15 }))",
    );
    check("(label:verdict)", "Label(LabelFilter { set: \"verdict\", cond: Any, set_column: 8, value_column: 15 })");
    check("annotator:alice", "Annotator(Exact(\"alice\"))");
    check("annotator:\"adjudicator:*\"", "Annotator(Glob(\"adjudicator:*\"))");
    check("noted:true", "Noted(true)");
    check("-noted:TRUE", "(not Noted(true))");
    check("noted:false", "Noted(false)");
}

#[test]
fn errors_label_terms() {
    check("label:", "error 1: empty value for 'label:'; expected label:SET=VALUE");
    check("a label:=keep", "error 3: empty value for 'label:'; expected label:SET=VALUE");
    check("label:verdict=", "error 1: empty value for 'label:verdict='");
    check("label:verdict:nope", "error 14: expected ':none' after 'label:verdict', found ':nope'");
    check("label:quality>x", "error 14: bad comparison '>x' for 'label:quality': expected N, >N, >=N, <N, <=N or A..B");
    check(
        "label:verdict!keep",
        "error 14: unexpected '!' after 'label:verdict'; expected '=VALUE', ':none', '>N', '>=N', '<N' or '<=N'",
    );
    check("label:verdict=\"keep", "error 15: unterminated quote");
    check("noted:maybe", "error 7: bad value 'maybe' for 'noted:'; expected true or false");
    check("annotator:", "error 1: empty value for 'annotator:'");
    check("labels:x", "error 1: unknown field 'labels'; did you mean 'label'?");
}

#[test]
fn field_help_lists_every_field() {
    let names: Vec<&str> = query::fields().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "repo",
            "instance",
            "base",
            "kind",
            "dataset",
            "format",
            "model",
            "id",
            "resolved",
            "flag",
            "tool",
            "steps",
            "patch_files",
            "patch_lines",
            "label",
            "annotator",
            "noted",
            "step"
        ]
    );
    for (name, help) in query::fields() {
        assert!(!help.is_empty() && !help.contains('\n'), "help of {name}");
        // Every listed field parses (with a value valid for it).
        let value = match *name {
            "format" => "swe-agent",
            "resolved" => "true",
            "flag" => "loop",
            "steps" | "patch_files" | "patch_lines" => "3",
            "step" => "(exit:0)",
            "label" => "verdict=keep",
            "noted" => "true",
            "kind" => "prediction",
            _ => "x",
        };
        let q = format!("{name}:{value}");
        assert!(query::parse(&q).is_ok(), "{q}");
    }
}

#[test]
fn kind_and_base_terms() {
    use query::{Expr, Filter, KindFilter, Pattern};
    assert_eq!(query::parse("kind:prediction").unwrap(), Expr::Field(Filter::Kind(KindFilter::Prediction)));
    assert_eq!(query::parse("kind:any").unwrap(), Expr::Field(Filter::Kind(KindFilter::Any)));
    assert_eq!(query::parse("base:django__*").unwrap(), Expr::Field(Filter::Base(Pattern::Glob("django__*".into()))));
    assert!(query::parse("a (b OR -kind:trajectory)").unwrap().mentions_kind());
    assert!(!query::parse("a (b OR -instance:x)").unwrap().mentions_kind());
    let e = query::parse("x kind:nope").unwrap_err();
    assert_eq!(e.column, 8, "{e}");
    assert!(e.message.contains("expected trajectory, prediction or any"), "{e}");
}

#[test]
fn error_display_names_the_column() {
    let e = query::parse("a OR").unwrap_err();
    assert_eq!(e.to_string(), "column 3: dangling 'OR': expected a term on both sides");
}
