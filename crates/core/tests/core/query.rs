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

// ---- limits: no query can exhaust the stack ----

/// Parses on a thread with a small stack (1 MiB, half of a server worker's), so a parser that
/// recursed per level without a bound would overflow here long before it did in production.
fn parse_small_stack(q: String) -> Result<Expr, query::QueryError> {
    std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || query::parse(&q))
        .unwrap()
        .join()
        .expect("the parser does not panic")
}

#[test]
fn nesting_deeper_than_the_limit_is_a_column_error() {
    for levels in [65, 3_000, 10_400, 100_000] {
        let cases = [
            format!("{}a{}", "(".repeat(levels), ")".repeat(levels)),
            format!("{}a", "-".repeat(levels)),
            format!("{}a{}", "-(".repeat(levels / 2 + 1), ")".repeat(levels / 2 + 1)),
            format!("{}a", "(".repeat(levels)),
            format!("x OR {}a{}", "(".repeat(levels), ")".repeat(levels)),
        ];
        for q in cases {
            let head: String = q.chars().take(12).collect();
            // (the longest are also too long: the nesting, before the limit, is named)
            let Err(e) = parse_small_stack(q.clone()) else { panic!("{head}… ({levels} levels) parsed") };
            let offset = if q.starts_with("x OR") { 5 } else { 0 };
            assert_eq!(e.column, 65 + offset, "{head}…: {e}");
            assert_eq!(e.message, "query nested too deeply: more than 64 levels of '(' and '-'");
        }
    }
    // exactly the limit parses (and is normalized to the word)
    let q = format!("{}a{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(parse_small_stack(q).unwrap(), Expr::Word("a".into()));
    let q = format!("{}a", "-".repeat(64));
    assert!(parse_small_stack(q).is_ok());
    // levels are counted where they are open, not in total
    let q = "(a) ".repeat(500);
    assert!(parse_small_stack(q).is_ok());
}

#[test]
fn too_long_and_too_many_terms_are_column_errors() {
    let q = "x".repeat(20_000);
    assert!(query::parse(&q).is_ok());
    let e = query::parse(&"x".repeat(20_000 + 1)).expect_err("too long");
    assert_eq!(e.to_string(), "column 20001: query too long: 20001 characters, at most 20000");
    let q = "ab ".repeat(1_000);
    assert!(query::parse(&q).is_ok());
    let e = query::parse(&"ab ".repeat(1_000 + 1)).expect_err("too many terms");
    assert_eq!(
        e.to_string(),
        "column 3001: too many terms: at most 1000 (quote a pasted text to search it as one phrase)"
    );
    // a long quoted text is one term
    let q = format!("\"{}\"", "word ".repeat(3_000));
    assert!(matches!(query::parse(&q), Ok(Expr::Phrase(_))));
}

/// xorshift64*: a small seeded generator, so a failing case is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random queries: tokens of the grammar (parens, quotes, operators, fields, ranges, step
/// conditions, regexes, escapes), unicode, whitespace, and now and then a deep run of `(` or `-`
/// or a huge word.
fn random_query(rng: &mut Rng) -> String {
    const TOKENS: &[&str] = &[
        "(",
        ")",
        "-",
        "\"",
        "\\",
        "\\\"",
        " ",
        " ",
        "  ",
        "\t",
        "OR",
        "AND",
        "or",
        "a",
        "foo",
        "bar",
        "Ünï",
        "😀",
        "日本",
        "\u{0}",
        "\u{feff}",
        "repo:",
        "repo:django/*",
        "instance:*",
        "flag:loop",
        "flag:",
        "steps:>",
        "steps:>3",
        "steps:1..",
        "steps:5..2",
        "patch_lines:<=",
        "resolved:true",
        "format:*",
        "label:verdict=keep",
        "label:quality>=4",
        "label:",
        "label:x:none",
        "noted:true",
        "annotator:*",
        "step:(",
        "tool:",
        "cmd:/",
        "cmd:/a(b/",
        "cmd:/[/",
        "cmd:x",
        "exit:!0",
        "exit:-1",
        "exit:",
        "/",
        ":",
        "::",
        "*",
        "**",
        "=",
        ">",
        "..",
        "id:3f*",
        "model:\"a b\"",
        "foo:bar",
        "\"a b c\"",
    ];
    let mut q = String::new();
    match rng.below(10) {
        0 => {
            let n = rng.below(20_000) + 1;
            let unit = ["(", "-", "-(", "((-", "step:(", "\"", "( a OR "][rng.below(7)];
            q.push_str(&unit.repeat(n));
        }
        1 => q.push_str(&"x".repeat(rng.below(30_000))),
        _ => {}
    }
    for _ in 0..rng.below(60) {
        q.push_str(TOKENS[rng.below(TOKENS.len())]);
        if rng.below(3) == 0 {
            q.push(' ');
        }
    }
    if rng.below(4) == 0 {
        q.push_str(&")".repeat(rng.below(100)));
    }
    q
}

fn depth(e: &Expr) -> usize {
    match e {
        Expr::And(v) | Expr::Or(v) => 1 + v.iter().map(depth).max().unwrap_or(0),
        Expr::Not(inner) => 1 + depth(inner),
        _ => 1,
    }
}

#[test]
fn random_and_deeply_nested_queries_parse_or_name_a_column() {
    let mut rng = Rng(0x5eed_2026_1207);
    for i in 0..3_000 {
        let q = random_query(&mut rng);
        let len = q.chars().count();
        let head: String = q.chars().take(40).collect();
        match parse_small_stack(q) {
            Ok(e) => assert!(depth(&e) <= 2 * 64 + 3, "case {i} ({head:?}…): depth {}", depth(&e)),
            Err(e) => {
                assert!(e.column >= 1 && e.column <= len + 1, "case {i} ({head:?}…): column {} of {len}", e.column);
                assert!(!e.message.is_empty() && !e.message.contains('\n'), "case {i}: {e}");
            }
        }
    }
}
