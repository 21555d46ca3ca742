//! The query vocabulary: field and step-condition names with their help, the limits, range values,
//! and the messages that name the nearest valid name.

use super::ast::Range;

/// The field names with a one-line help each, in the order the app offers them for completion.
pub fn fields() -> &'static [(&'static str, &'static str)] {
    &[
        ("repo", "repository owner/name; * globs (repo:django/*)"),
        ("instance", "instance id; * globs (instance:astropy__astropy-12907)"),
        ("base", "base instance, the instance id without a sample suffix (base:django__django-11099 finds …-11099_2)"),
        ("kind", "record kind: trajectory (the default), prediction (patch-only records) or any"),
        ("dataset", "task source dataset; * globs (dataset:SWE-Gym/*)"),
        ("format", "source format name (format:nv-swe-zero) or a glob"),
        ("model", "model that produced the trajectory; * globs (model:*qwen*)"),
        ("id", "trajectory id; * for a prefix (id:3f2a*)"),
        ("resolved", "harness outcome: true, false or unknown"),
        ("flag", "quality flag (flag:ran_tests, flag:loop, …)"),
        ("tool", "has a call of this tool; * globs (tool:execute_bash)"),
        ("steps", "number of steps: N, >N, >=N, <N, <=N or A..B"),
        ("patch_files", "files in the final patch: N, >N, >=N, <N, <=N or A..B"),
        ("patch_lines", "added + removed patch lines: N, >N, >=N, <N, <=N or A..B"),
        ("label", "current label: label:verdict=keep, label:failure_mode=loop, label:quality>=4, label:verdict:none"),
        ("annotator", "labelled by this annotator; * globs (annotator:alice)"),
        ("noted", "has a note: true or false"),
        ("step", "one step matches all: step:(tool:NAME cmd:/REGEX/ cmd:TEXT exit:N exit:!N)"),
    ]
}

/// The step-condition names inside `step:( … )`.
pub const STEP_CONDITIONS: [&str; 3] = ["tool", "cmd", "exit"];

/// The longest query accepted, in characters (a pasted traceback of a few pages fits; longer is
/// refused with a column error at the first character past the limit).
pub const MAX_QUERY_CHARS: usize = 20_000;

/// The deepest nesting of groups `(` and negations `-` accepted. The parser, the compilers in the
/// store and tantivy's query tree all recurse once per level, so this bounds their stack use: a
/// query nested deeper is a column error at the `(` or `-` that opens level `MAX_DEPTH + 1`.
pub const MAX_DEPTH: usize = 64;

/// The most terms (words, phrases, field filters, step conditions) a query may have: each is one
/// lookup in the index, so a pasted text of thousands of unquoted words is refused with a column
/// error at the first term past the limit (quoted, it is one phrase).
pub const MAX_TERMS: usize = 1_000;

/// `N`, `>N`, `>=N`, `<N`, `<=N`, `A..B`; the error says why.
pub fn parse_range(value: &str) -> Result<Range, &'static str> {
    const EXPECTED: &str = "expected N, >N, >=N, <N, <=N or A..B";
    let number = |s: &str| -> Result<u64, &'static str> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EXPECTED);
        }
        s.parse().map_err(|_| "number too large")
    };
    if let Some(rest) = value.strip_prefix(">=") {
        return Ok(Range::Ge(number(rest)?));
    }
    if let Some(rest) = value.strip_prefix("<=") {
        return Ok(Range::Le(number(rest)?));
    }
    if let Some(rest) = value.strip_prefix('>') {
        return Ok(Range::Gt(number(rest)?));
    }
    if let Some(rest) = value.strip_prefix('<') {
        return Ok(Range::Lt(number(rest)?));
    }
    if let Some((a, b)) = value.split_once("..") {
        let (a, b) = (number(a)?, number(b)?);
        if a > b {
            return Err("the start is greater than the end");
        }
        return Ok(Range::Between(a, b));
    }
    Ok(Range::Eq(number(value)?))
}

pub(super) fn field_names() -> Vec<&'static str> {
    fields().iter().map(|(name, _)| *name).collect()
}

/// "unknown field 'x'; did you mean 'y'?" (or the list of valid names when none is close).
pub(super) fn unknown_name_message(kind: &str, name: &str, valid: &[&str]) -> String {
    let nearest = valid.iter().map(|v| (edit_distance(&name.to_ascii_lowercase(), v), *v)).min();
    match nearest {
        Some((d, v)) if d <= 2.max(name.chars().count() / 3) => {
            format!("unknown {kind} '{name}'; did you mean '{v}'?")
        }
        _ => format!("unknown {kind} '{name}'; valid: {}", valid.join(", ")),
    }
}

/// Levenshtein distance in chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The one-line reason of a regex error (the crate's message spans several lines).
pub(super) fn regex_error_summary(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.lines().last().unwrap_or("").trim().to_string())
}
