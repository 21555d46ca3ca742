//! The TypeScript the protocol generator gets from the render types: shapes as the protocol
//! notes say (numbers, not bigints; `kind`-tagged call renders; snake_case).

use trawl_render::{
    AlignedPair, CallRender, Code, DiffLine, DiffLineKind, FileDiff, RenderedStep, StepRole, StepSummary,
};
use ts_rs::{Config, TS};

/// The declaration without doc comments, whitespace collapsed.
fn decl<T: TS>() -> String {
    let mut d = T::decl(&Config::new());
    while let Some(start) = d.find("/**") {
        let end = d[start..].find("*/").map_or(d.len(), |e| start + e + 2);
        d.replace_range(start..end, " ");
    }
    d.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn typescript_declarations_follow_the_protocol() {
    let code = decl::<Code>();
    for field in [
        "first_line: number",
        "line_numbers: Array<number | null>",
        "total_lines: number",
        "truncated: boolean",
        "lines: Array<Array<Span>>",
    ] {
        assert!(code.contains(field), "{field} not in {code}");
    }
    let call = decl::<CallRender>();
    for variant in [
        "\"kind\": \"bash\", command: Code",
        "\"kind\": \"view\", path: string",
        "\"kind\": \"edit\", path: string, command: string, diff: FileDiff",
        "\"kind\": \"create\", path: string, code: Code",
        "\"kind\": \"think\", text: string",
        "\"kind\": \"finish\", text: string",
        "\"kind\": \"generic\", arguments: Code",
    ] {
        assert!(call.contains(variant), "{variant} not in {call}");
    }
    assert!(decl::<DiffLineKind>().contains("\"add\" | \"del\" | \"ctx\""), "{}", decl::<DiffLineKind>());
    assert!(decl::<StepRole>().contains("\"system\" | \"user\" | \"assistant\" | \"tool\""));
    let line = decl::<DiffLine>();
    assert!(line.contains("old_no: number | null") && line.contains("new_no: number | null"), "{line}");
    let file = decl::<FileDiff>();
    assert!(file.contains("added: number") && file.contains("old_path: string | null"), "{file}");
    let step = decl::<RenderedStep>();
    assert!(step.contains("exit_code: number | null") && step.contains("observation: Code | null"), "{step}");
    assert!(decl::<StepSummary>().contains("tool: string | null"));
    assert!(decl::<AlignedPair>().contains("a: number | null"));
    for d in [code, call, line, file, step] {
        assert!(!d.contains("bigint"), "{d}");
    }
}
