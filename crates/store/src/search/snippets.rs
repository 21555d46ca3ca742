//! Snippets: for each hit, the step its full-text terms matched and a highlighted excerpt.

use tantivy::tokenizer::TextAnalyzer;

use super::types::{Hit, Snippet};
use crate::Store;

/// Finds the matched step and a snippet for each hit. Records are read from SQLite on this thread
/// and normalized and scanned on two threads.
pub(super) fn attach_snippets(store: &Store, hits: &mut [Hit], leaves: &[Vec<String>], analyzer: &TextAnalyzer) {
    let raws: Vec<Option<(Vec<u8>, String)>> =
        hits.iter().map(|h| crate::show::raw_of_row(&store.conn, h.row_id).ok()).collect();
    let prefilter = prefilter(leaves);
    let found: Vec<Option<(Option<usize>, Snippet)>> = std::thread::scope(|scope| {
        let half = raws.len().div_ceil(2).max(1);
        let handles: Vec<_> = raws
            .chunks(half)
            .map(|part| {
                let analyzer = analyzer.clone();
                let prefilter = &prefilter;
                scope.spawn(move || {
                    part.iter()
                        .map(|raw| {
                            let (bytes, path) = raw.as_ref()?;
                            let t = crate::show::normalize_record(bytes, path).ok()?;
                            find_match(&t, leaves, &analyzer, prefilter)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    });
    for (h, f) in hits.iter_mut().zip(found) {
        if let Some((step, snip)) = f {
            h.step = step;
            h.snippet = Some(snip);
        }
    }
}

/// A case-insensitive test for "might contain a leaf": pieces that fail it are not tokenized.
///
/// Each leaf is its tokens joined by "non-word characters". A long phrase (a pasted traceback of
/// hundreds of words) makes that regex larger than the regex crate's size limit, so it falls back
/// to the longest token of each leaf (a text containing the phrase contains that token), and
/// without any test (None: every piece is tokenized) when even that is too large.
pub(super) fn prefilter(leaves: &[Vec<String>]) -> Option<regex::Regex> {
    let build = |alts: Vec<String>| regex::RegexBuilder::new(&alts.join("|")).case_insensitive(true).build().ok();
    let phrases = leaves
        .iter()
        .map(|leaf| leaf.iter().map(|t| regex::escape(t)).collect::<Vec<_>>().join(r"[^\p{L}\p{N}]+"))
        .collect();
    build(phrases).or_else(|| {
        let longest = leaves
            .iter()
            .filter_map(|leaf| leaf.iter().max_by_key(|t| t.chars().count()))
            .map(|t| regex::escape(t))
            .collect();
        build(longest)
    })
}

/// Finds the first place a trajectory matches any text leaf: the step (None for the problem
/// statement or the patch) and a snippet around it.
pub(super) fn find_match(
    t: &trawl_core::Trajectory,
    leaves: &[Vec<String>],
    analyzer: &TextAnalyzer,
    prefilter: &Option<regex::Regex>,
) -> Option<(Option<usize>, Snippet)> {
    let snippet_in = |text: &str, leaves: &[Vec<String>], analyzer: &TextAnalyzer| {
        if prefilter.as_ref().is_none_or(|p| p.is_match(text)) {
            snippet_in(text, leaves, analyzer)
        } else {
            None
        }
    };
    if let Some(p) = &t.problem_statement {
        if let Some(s) = snippet_in(p, leaves, analyzer) {
            // Prefer a step match when the problem statement is also the first user step.
            let in_step = t.steps.iter().position(|s| !s.text.is_empty() && s.text.contains(p.as_str()));
            return Some((in_step, s));
        }
    }
    for (i, step) in t.steps.iter().enumerate() {
        let mut pieces: Vec<&str> = vec![&step.text];
        if let Some(th) = &step.thought {
            pieces.push(th);
        }
        for c in &step.tool_calls {
            if let serde_json::Value::Object(m) = &c.arguments {
                pieces.extend(m.values().filter_map(|v| v.as_str()));
            }
            if let Some(o) = &c.observation {
                pieces.push(o);
            }
        }
        if let Some(o) = &step.observation {
            pieces.push(o);
        }
        for piece in pieces {
            if let Some(s) = snippet_in(piece, leaves, analyzer) {
                return Some((Some(i), s));
            }
        }
    }
    for text in [&t.patch, &t.outcome.error, &t.outcome.exit_status].into_iter().flatten() {
        if let Some(s) = snippet_in(text, leaves, analyzer) {
            return Some((None, s));
        }
    }
    None
}

/// Chars of context on each side of the first match.
pub(super) const SNIPPET_CONTEXT: usize = 80;

pub(super) fn snippet_in(text: &str, leaves: &[Vec<String>], analyzer: &TextAnalyzer) -> Option<Snippet> {
    let mut a = analyzer.clone();
    let mut ts = a.token_stream(text);
    let mut toks: Vec<(String, usize, usize)> = Vec::new();
    while ts.advance() {
        let t = ts.token();
        toks.push((t.text.clone(), t.offset_from, t.offset_to));
    }
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for i in 0..toks.len() {
        for leaf in leaves {
            if i + leaf.len() <= toks.len() && leaf.iter().enumerate().all(|(k, w)| toks[i + k].0 == *w) {
                ranges.push((toks[i].1, toks[i + leaf.len() - 1].2));
            }
        }
    }
    let first = *ranges.first()?;
    let start =
        floor_char(text, first.0.saturating_sub(SNIPPET_CONTEXT * 2).max(back_chars(text, first.0, SNIPPET_CONTEXT)));
    let end = ceil_char(text, forward_chars(text, first.1, SNIPPET_CONTEXT * 2));
    let window = &text[start..end];
    let highlights = ranges
        .into_iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| {
            let cs = text[start..s].chars().count();
            let ce = cs + text[s..e].chars().count();
            (cs, ce)
        })
        .collect();
    Some(Snippet { text: window.to_string(), highlights })
}

pub(super) fn back_chars(text: &str, from: usize, n: usize) -> usize {
    text[..from].char_indices().rev().nth(n.saturating_sub(1)).map(|(i, _)| i).unwrap_or(0)
}

pub(super) fn forward_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..].char_indices().nth(n).map(|(i, _)| from + i).unwrap_or(text.len())
}

pub(super) fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub(super) fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}
