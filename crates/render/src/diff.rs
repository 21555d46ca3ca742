//! Diffs: highlighting unified (git) patches (parsed by `trawl_core::patch`, the parser the derived
//! facts read too), diffing two texts with `similar`, and comparing two patches file by file. Every diff line is highlighted in its file's language; each side of a
//! file (old: context and removed lines, new: context and added lines) is highlighted as one text
//! so that multi-line strings and comments come out right.

use similar::{capture_diff_slices_deadline, group_diff_ops, Algorithm, DiffOp};
use trawl_core::patch::{self, FilePatch, LineKind};

use crate::highlight::{highlight_lines, language_for_path, plain_line, reported_language, split_lines};
use crate::types::{DiffLine, DiffLineKind, FileDiff, Hunk, Span};

/// How long one text diff may search for a minimal diff before settling for a coarser one.
const DIFF_DEADLINE: std::time::Duration = std::time::Duration::from_millis(200);

fn marker_spans(text: &str) -> Vec<Span> {
    vec![Span { text: text.to_string(), class: Some("meta".to_string()) }]
}

/// Highlights a parsed file: each side as one text.
fn build_file(f: &FilePatch<'_>, language: Option<&str>) -> FileDiff {
    let lang =
        language.unwrap_or_else(|| language_for_path(f.new_path.as_deref().or(f.old_path.as_deref()).unwrap_or("")));
    let mut old_side: Vec<&str> = Vec::new();
    let mut new_side: Vec<&str> = Vec::new();
    for h in &f.hunks {
        for l in &h.lines {
            match l.kind {
                LineKind::Ctx => {
                    old_side.push(l.text);
                    new_side.push(l.text);
                }
                LineKind::Del => old_side.push(l.text),
                LineKind::Add => new_side.push(l.text),
                LineKind::Marker => {}
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
                .map(|l| {
                    let text = l.text;
                    let (kind, spans) = match l.kind {
                        LineKind::Ctx => {
                            old_hl.next();
                            (DiffLineKind::Ctx, new_hl.next().unwrap_or_else(|| plain_line(text)))
                        }
                        LineKind::Del => {
                            removed += 1;
                            (DiffLineKind::Del, old_hl.next().unwrap_or_else(|| plain_line(text)))
                        }
                        LineKind::Add => {
                            added += 1;
                            (DiffLineKind::Add, new_hl.next().unwrap_or_else(|| plain_line(text)))
                        }
                        LineKind::Marker => (DiffLineKind::Ctx, marker_spans(text)),
                    };
                    DiffLine { kind, old_no: l.old_no, new_no: l.new_no, spans }
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
    let parsed = patch::parse(patch);
    if parsed.lines.iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    if parsed.files.is_empty() {
        return vec![plain_file(&parsed.lines)];
    }
    parsed.files.iter().map(|f| build_file(f, None)).collect()
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
    let parsed = patch::parse(patch);
    let lines = &parsed.lines;
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Vec::new();
    }
    if parsed.files.is_empty() {
        return vec![(String::new(), format!("{}\n", lines.join("\n")))];
    }
    parsed
        .files
        .iter()
        .map(|f| {
            let key = f.path().unwrap_or_default().to_string();
            let end = f.lines.end.max(f.lines.start).min(lines.len());
            // Blob hashes (`index 1a2b..3c4d`) differ whenever the results differ: noise here.
            let text: Vec<&str> =
                lines[f.lines.start..end].iter().copied().filter(|l| !l.starts_with("index ")).collect();
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
