//! Diffs: parsing unified (git) patches, diffing two texts with `similar`, and comparing two
//! patches file by file. Every diff line is highlighted in its file's language; each side of a
//! file (old: context and removed lines, new: context and added lines) is highlighted as one text
//! so that multi-line strings and comments come out right.

use similar::{capture_diff_slices_deadline, group_diff_ops, Algorithm, DiffOp};

use crate::highlight::{highlight_lines, language_for_path, plain_line, reported_language, split_lines};
use crate::types::{DiffLine, DiffLineKind, FileDiff, Hunk, Span};

/// How long one text diff may search for a minimal diff before settling for a coarser one.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(200);

/// A parsed diff line before highlighting.
#[derive(Debug, Clone, Copy)]
enum RawKind {
    Add,
    Del,
    Ctx,
    /// `\ No newline at end of file`.
    Marker,
}

#[derive(Debug)]
struct RawHunk<'a> {
    header: &'a str,
    lines: Vec<(RawKind, &'a str, Option<u64>, Option<u64>)>,
}

#[derive(Debug, Default)]
struct RawFile<'a> {
    old_path: Option<String>,
    new_path: Option<String>,
    binary: bool,
    hunks: Vec<RawHunk<'a>>,
    /// Lines of the patch that belong to this file (`start..end` into the split patch).
    start: usize,
    end: usize,
    /// `---` was seen (a following `---`/`+++` pair starts a new file).
    seen_minus: bool,
}

/// `@@ -a[,b] +c[,d] @@…` → (a, b, c, d); an omitted count is 1.
fn parse_hunk_header(line: &str) -> Option<(u64, u64, u64, u64)> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (old, new) = rest[..end].split_once(" +")?;
    let range = |s: &str| -> Option<(u64, u64)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

/// Unquotes a C-quoted git path (`"a/caf\303\251"`); returns the text itself when unquoted.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                bytes.push((v & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A path from a `---`/`+++` line or a header: `/dev/null` → `None`, `a/`/`b/` prefix dropped,
/// a trailing tab-separated timestamp dropped.
fn clean_path(raw: &str, prefix: &str) -> Option<String> {
    let raw = raw.trim_end();
    let raw = if raw.starts_with('"') { raw } else { raw.split('\t').next().unwrap_or(raw) };
    let p = unquote(raw);
    if p == "/dev/null" {
        return None;
    }
    Some(p.strip_prefix(prefix).map(str::to_string).unwrap_or(p))
}

/// The two paths of a `diff --git a/X b/Y` header.
fn git_header_paths(rest: &str) -> (Option<String>, Option<String>) {
    if let Some(inner) = rest.strip_prefix('"') {
        // "a/x" "b/y" or "a/x" b/y
        if let Some(end) = inner.find("\" ").map(|i| i + 1) {
            let (a, b) = (&rest[..=end], rest[end + 1..].trim_start());
            return (clean_path(a, "a/"), clean_path(b, "b/"));
        }
    }
    // Prefer the split where both sides name the same path (the usual case, also with spaces).
    let candidates: Vec<usize> = rest.match_indices(" b/").map(|(i, _)| i).collect();
    for &i in &candidates {
        let (a, b) = (&rest[..i], &rest[i + 1..]);
        if a.strip_prefix("a/") == b.strip_prefix("b/") {
            return (clean_path(a, "a/"), clean_path(b, "b/"));
        }
    }
    if let Some(&i) = candidates.first() {
        return (clean_path(&rest[..i], "a/"), clean_path(&rest[i + 1..], "b/"));
    }
    // --no-prefix: two equal halves.
    let n = rest.len();
    if n % 2 == 1
        && rest.is_char_boundary(n / 2)
        && rest.as_bytes()[n / 2] == b' '
        && rest[..n / 2] == rest[n / 2 + 1..]
    {
        let p = rest[..n / 2].to_string();
        return (Some(p.clone()), Some(p));
    }
    let mut words = rest.split_whitespace();
    (words.next().map(str::to_string), words.next().map(str::to_string))
}

/// `Binary files A and B differ` → the two paths.
fn binary_paths(line: &str) -> Option<(Option<String>, Option<String>)> {
    let rest = line.strip_prefix("Binary files ")?.strip_suffix(" differ")?;
    let (a, b) = rest.split_once(" and ")?;
    Some((clean_path(a, "a/"), clean_path(b, "b/")))
}

/// Parses a patch into raw files. `lines` is the split patch.
fn parse_raw<'a>(lines: &[&'a str]) -> Vec<RawFile<'a>> {
    let mut files: Vec<RawFile<'a>> = Vec::new();
    let mut cur: Option<RawFile<'a>> = None;
    // Remaining old/new lines of the open hunk, and the next line numbers.
    let (mut old_left, mut new_left, mut old_no, mut new_no) = (0u64, 0u64, 0u64, 0u64);
    let mut in_binary_patch = false;
    let mut i = 0usize;
    let finish = |cur: &mut Option<RawFile<'a>>, files: &mut Vec<RawFile<'a>>, end: usize| {
        if let Some(mut f) = cur.take() {
            f.end = end;
            files.push(f);
        }
    };
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("diff --git ") {
            finish(&mut cur, &mut files, i);
            let (a, b) = git_header_paths(rest);
            cur = Some(RawFile { old_path: a, new_path: b, start: i, ..RawFile::default() });
            old_left = 0;
            new_left = 0;
            in_binary_patch = false;
            i += 1;
            continue;
        }
        if old_left > 0 || new_left > 0 {
            let kind = match line.as_bytes().first() {
                Some(b' ') | None => Some(RawKind::Ctx),
                Some(b'-') => Some(RawKind::Del),
                Some(b'+') => Some(RawKind::Add),
                Some(b'\\') => Some(RawKind::Marker),
                _ => None,
            };
            let fits = match kind {
                Some(RawKind::Ctx) => old_left > 0 && new_left > 0,
                Some(RawKind::Del) => old_left > 0,
                Some(RawKind::Add) => new_left > 0,
                Some(RawKind::Marker) => true,
                None => false,
            };
            if let (Some(kind), true, Some(f)) = (kind, fits, cur.as_mut()) {
                let text = line.get(1..).unwrap_or("");
                let (o, n) = match kind {
                    RawKind::Ctx => {
                        old_left -= 1;
                        new_left -= 1;
                        let nums = (Some(old_no), Some(new_no));
                        old_no = old_no.saturating_add(1);
                        new_no = new_no.saturating_add(1);
                        nums
                    }
                    RawKind::Del => {
                        old_left -= 1;
                        let nums = (Some(old_no), None);
                        old_no = old_no.saturating_add(1);
                        nums
                    }
                    RawKind::Add => {
                        new_left -= 1;
                        let nums = (None, Some(new_no));
                        new_no = new_no.saturating_add(1);
                        nums
                    }
                    RawKind::Marker => (None, None),
                };
                if let Some(h) = f.hunks.last_mut() {
                    h.lines.push((kind, if matches!(kind, RawKind::Marker) { line } else { text }, o, n));
                }
                i += 1;
                continue;
            }
            // The hunk is shorter than its header said: close it and read the line as a header.
            old_left = 0;
            new_left = 0;
        }
        if in_binary_patch {
            i += 1;
            continue;
        }
        if line.starts_with('\\') {
            if let Some(h) = cur.as_mut().and_then(|f| f.hunks.last_mut()) {
                h.lines.push((RawKind::Marker, line, None, None));
            }
            i += 1;
            continue;
        }
        if line.starts_with("@@ ") {
            if let Some((a, b, c, d)) = parse_hunk_header(line) {
                if cur.is_none() {
                    cur = Some(RawFile { start: i, ..RawFile::default() });
                }
                if let Some(f) = cur.as_mut() {
                    f.hunks.push(RawHunk { header: line, lines: Vec::new() });
                }
                (old_left, new_left, old_no, new_no) = (b, d, a.max(1), c.max(1));
                if b == 0 {
                    old_no = a.saturating_add(1);
                }
                if d == 0 {
                    new_no = c.saturating_add(1);
                }
                i += 1;
                continue;
            }
        }
        if let Some(old) = line.strip_prefix("--- ") {
            if let Some(new) = lines.get(i + 1).and_then(|l| l.strip_prefix("+++ ")) {
                let starts_new = match &cur {
                    None => true,
                    Some(f) => f.seen_minus || !f.hunks.is_empty(),
                };
                if starts_new {
                    finish(&mut cur, &mut files, i);
                    cur = Some(RawFile { start: i, ..RawFile::default() });
                }
                if let Some(f) = cur.as_mut() {
                    f.old_path = clean_path(old, "a/");
                    f.new_path = clean_path(new, "b/");
                    f.seen_minus = true;
                }
                i += 2;
                continue;
            }
        }
        if let Some(f) = cur.as_mut() {
            if let Some(p) = line.strip_prefix("rename from ").or_else(|| line.strip_prefix("copy from ")) {
                f.old_path = Some(unquote(p));
            } else if let Some(p) = line.strip_prefix("rename to ").or_else(|| line.strip_prefix("copy to ")) {
                f.new_path = Some(unquote(p));
            } else if line.starts_with("new file mode") {
                f.old_path = None;
            } else if line.starts_with("deleted file mode") {
                f.new_path = None;
            } else if let Some((a, b)) = binary_paths(line) {
                f.binary = true;
                if a.is_none() {
                    f.old_path = None;
                }
                if b.is_none() {
                    f.new_path = None;
                }
            } else if line == "GIT binary patch" {
                f.binary = true;
                in_binary_patch = true;
            }
        }
        i += 1;
    }
    finish(&mut cur, &mut files, lines.len());
    files
}

fn marker_spans(text: &str) -> Vec<Span> {
    vec![Span { text: text.to_string(), class: Some("meta".to_string()) }]
}

/// Highlights a raw file: each side as one text.
fn build_file(f: &RawFile<'_>, language: Option<&str>) -> FileDiff {
    let lang =
        language.unwrap_or_else(|| language_for_path(f.new_path.as_deref().or(f.old_path.as_deref()).unwrap_or("")));
    let mut old_side: Vec<&str> = Vec::new();
    let mut new_side: Vec<&str> = Vec::new();
    for h in &f.hunks {
        for (kind, text, _, _) in &h.lines {
            match kind {
                RawKind::Ctx => {
                    old_side.push(text);
                    new_side.push(text);
                }
                RawKind::Del => old_side.push(text),
                RawKind::Add => new_side.push(text),
                RawKind::Marker => {}
            }
        }
    }
    let mut old_hl = highlight_lines(&old_side, lang).into_iter();
    // Context lines take their spans from the new side; skip them on the old side.
    let mut new_hl = highlight_lines(&new_side, lang).into_iter();
    let (mut added, mut removed) = (0u64, 0u64);
    let hunks = f
        .hunks
        .iter()
        .map(|h| Hunk {
            header: h.header.to_string(),
            lines: h
                .lines
                .iter()
                .map(|(kind, text, o, n)| {
                    let (kind, spans) = match kind {
                        RawKind::Ctx => {
                            old_hl.next();
                            (DiffLineKind::Ctx, new_hl.next().unwrap_or_else(|| plain_line(text)))
                        }
                        RawKind::Del => {
                            removed += 1;
                            (DiffLineKind::Del, old_hl.next().unwrap_or_else(|| plain_line(text)))
                        }
                        RawKind::Add => {
                            added += 1;
                            (DiffLineKind::Add, new_hl.next().unwrap_or_else(|| plain_line(text)))
                        }
                        RawKind::Marker => (DiffLineKind::Ctx, marker_spans(text)),
                    };
                    DiffLine { kind, old_no: *o, new_no: *n, spans }
                })
                .collect(),
        })
        .collect();
    FileDiff {
        old_path: f.old_path.clone(),
        new_path: f.new_path.clone(),
        language: reported_language(lang),
        binary: f.binary,
        added,
        removed,
        hunks,
    }
}

/// A text that is not a patch, as one plain file diff of context lines without numbers.
fn plain_file(lines: &[&str]) -> FileDiff {
    FileDiff {
        old_path: None,
        new_path: None,
        language: "plain".to_string(),
        binary: false,
        added: 0,
        removed: 0,
        hunks: vec![Hunk {
            header: String::new(),
            lines: lines
                .iter()
                .map(|l| DiffLine { kind: DiffLineKind::Ctx, old_no: None, new_no: None, spans: plain_line(l) })
                .collect(),
        }],
    }
}

/// Parses a unified diff (git or plain `---`/`+++`; several files; new, deleted, renamed and
/// binary files; `\ No newline at end of file`; hunk counts omitted) into highlighted file diffs.
/// Never fails: text before the first file is skipped, and text that holds no file at all becomes
/// one plain [`FileDiff`] (no paths, language `plain`). An empty patch gives no files.
pub fn diff_patch(patch: &str) -> Vec<FileDiff> {
    let lines = split_lines(patch);
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    let raw = parse_raw(&lines);
    if raw.is_empty() {
        return vec![plain_file(&lines)];
    }
    raw.iter().map(|f| build_file(f, None)).collect()
}

/// The diff of two texts (line diff with `similar`, hunks with `context` lines around each
/// change), highlighted in `path`'s language. Both paths of the result are `path`. Identical texts
/// give no hunks.
pub fn diff_texts(old: &str, new: &str, path: &str, context: usize) -> FileDiff {
    let p = Some(path.to_string());
    diff_texts_as(old, new, p.clone(), p, language_for_path(path), context, 0, 0)
}

/// [`diff_texts`] with explicit paths, language and line-number offsets (added to every old/new
/// line number).
#[allow(clippy::too_many_arguments)]
pub(crate) fn diff_texts_as(
    old: &str,
    new: &str,
    old_path: Option<String>,
    new_path: Option<String>,
    language: &str,
    context: usize,
    old_offset: u64,
    new_offset: u64,
) -> FileDiff {
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let deadline = std::time::Instant::now() + DIFF_DEADLINE;
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &old_lines, &new_lines, Some(deadline));
    let groups = group_diff_ops(ops, context.min(usize::MAX / 4));
    let old_hl = if groups.is_empty() { Vec::new() } else { highlight_lines(&old_lines, language) };
    let new_hl = if groups.is_empty() { Vec::new() } else { highlight_lines(&new_lines, language) };
    let spans_at = |hl: &[Vec<Span>], src: &[&str], i: usize| {
        hl.get(i).cloned().unwrap_or_else(|| plain_line(src.get(i).copied().unwrap_or("")))
    };
    let (mut added, mut removed) = (0u64, 0u64);
    let mut hunks = Vec::with_capacity(groups.len());
    for group in &groups {
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let (os, oe) = (first.old_range().start, last.old_range().end);
        let (ns, ne) = (first.new_range().start, last.new_range().end);
        let range = |start: usize, len: usize, offset: u64| {
            let s = if len == 0 { start as u64 + offset } else { start as u64 + 1 + offset };
            format!("{s},{len}")
        };
        let header = format!("@@ -{} +{} @@", range(os, oe - os, old_offset), range(ns, ne - ns, new_offset));
        let mut lines = Vec::new();
        for op in group {
            let (_, old_r, new_r) = op.as_tag_tuple();
            match op {
                DiffOp::Equal { .. } => {
                    for (o, n) in old_r.zip(new_r) {
                        lines.push(DiffLine {
                            kind: DiffLineKind::Ctx,
                            old_no: Some(o as u64 + 1 + old_offset),
                            new_no: Some(n as u64 + 1 + new_offset),
                            spans: spans_at(&new_hl, &new_lines, n),
                        });
                    }
                }
                DiffOp::Delete { .. } | DiffOp::Insert { .. } | DiffOp::Replace { .. } => {
                    for o in old_r {
                        removed += 1;
                        lines.push(DiffLine {
                            kind: DiffLineKind::Del,
                            old_no: Some(o as u64 + 1 + old_offset),
                            new_no: None,
                            spans: spans_at(&old_hl, &old_lines, o),
                        });
                    }
                    for n in new_r {
                        added += 1;
                        lines.push(DiffLine {
                            kind: DiffLineKind::Add,
                            old_no: None,
                            new_no: Some(n as u64 + 1 + new_offset),
                            spans: spans_at(&new_hl, &new_lines, n),
                        });
                    }
                }
            }
        }
        hunks.push(Hunk { header, lines });
    }
    FileDiff { old_path, new_path, language: reported_language(language), binary: false, added, removed, hunks }
}

/// A diff that only adds `text`, its first line numbered `first_new_no` (an insert, or an edit
/// whose replaced lines are not known).
pub(crate) fn added_only(path: &str, text: &str, first_new_no: u64, header: String) -> FileDiff {
    let lines = split_lines(text);
    let language = language_for_path(path);
    let hl = highlight_lines(&lines, language);
    let diff_lines: Vec<DiffLine> = hl
        .into_iter()
        .enumerate()
        .map(|(i, spans)| DiffLine {
            kind: DiffLineKind::Add,
            old_no: None,
            new_no: Some(first_new_no.saturating_add(i as u64)),
            spans,
        })
        .collect();
    FileDiff {
        old_path: Some(path.to_string()),
        new_path: Some(path.to_string()),
        language: reported_language(language),
        binary: false,
        added: diff_lines.len() as u64,
        removed: 0,
        hunks: if diff_lines.is_empty() { Vec::new() } else { vec![Hunk { header, lines: diff_lines }] },
    }
}

/// The per-file texts of a patch, keyed by path (new path, else old path), in patch order.
fn patch_files(patch: &str) -> Vec<(String, String)> {
    let lines = split_lines(patch);
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    let raw = parse_raw(&lines);
    if raw.is_empty() {
        return vec![(String::new(), format!("{}\n", lines.join("\n")))];
    }
    raw.iter()
        .map(|f| {
            let key = f.new_path.clone().or_else(|| f.old_path.clone()).unwrap_or_default();
            let end = f.end.max(f.start).min(lines.len());
            // Blob hashes (`index 1a2b..3c4d`) differ whenever the results differ: noise here.
            let text: Vec<&str> = lines[f.start..end].iter().copied().filter(|l| !l.starts_with("index ")).collect();
            (key, format!("{}\n", text.join("\n")))
        })
        .collect()
}

/// Compares two patches file by file: for each path, the diff of `a`'s patch text of that file
/// against `b`'s (so the result shows how `b`'s change differs from `a`'s), highlighted as
/// `diff` (`index` lines, whose blob hashes differ whenever the results do, are left out). Files of
/// only one side are included (their other path is `None`); files whose patch
/// text is the same in both have no hunks. Order: `a`'s files, then `b`'s other files.
pub fn diff_patches(a: Option<&str>, b: Option<&str>) -> Vec<FileDiff> {
    let fa = patch_files(a.unwrap_or(""));
    let fb = patch_files(b.unwrap_or(""));
    let mut out = Vec::with_capacity(fa.len() + fb.len());
    let path_of = |k: &str| if k.is_empty() { None } else { Some(k.to_string()) };
    for (key, text) in &fa {
        let other = fb.iter().find(|(k, _)| k == key);
        let (new_path, new_text) = match other {
            Some((k, t)) => (path_of(k), t.as_str()),
            None => (None, ""),
        };
        out.push(diff_texts_as(text, new_text, path_of(key), new_path, "diff", 3, 0, 0));
    }
    for (key, text) in &fb {
        if fa.iter().any(|(k, _)| k == key) {
            continue;
        }
        out.push(diff_texts_as("", text, None, path_of(key), "diff", 3, 0, 0));
    }
    out
}
