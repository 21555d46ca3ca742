//! Patch statistics: the files, languages and line counts of the final patch, read through the one
//! patch parser ([`crate::patch`]).

use std::collections::BTreeMap;

use super::paths::language_of;
use crate::patch;

/// Statistics of a unified diff.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchStats {
    /// Paths of the files the patch touches (the `b/` side; the `a/` side for deletions).
    pub files: Vec<String>,
    /// Added lines.
    pub added: u64,
    /// Removed lines.
    pub removed: u64,
    /// Files per language, by extension (`python`, `c`, `cpp`, `go`, … or `other`).
    pub languages: BTreeMap<String, u32>,
    /// Paths of files the patch creates (`new file mode` or `--- /dev/null`).
    pub created: Vec<String>,
}

/// Parses unified-diff statistics. Never fails: binary patches, garbage and truncated hunks are
/// read as far as they make sense.
///
/// Files and their paths are those of [`crate::patch::parse`] (git's rule: the `+++ b/` path, the
/// `--- a/` path for deletions, corrected by `rename`/`copy` lines, else the `diff --git` header;
/// diffs without `diff --git` headers are read from their `---`/`+++` pairs), each path once.
/// Added and removed lines are counted only inside hunks (bounded by the `@@ -a,b +c,d @@`
/// counts), so `---`/`+++` headers and `--`-prefixed content are never confused.
pub fn patch_stats(patch: &str) -> PatchStats {
    let parsed = patch::parse(patch);
    let mut stats = PatchStats { added: parsed.added(), removed: parsed.removed(), ..PatchStats::default() };
    for f in &parsed.files {
        let Some(path) = f.path() else {
            continue;
        };
        if f.created() && !stats.created.iter().any(|c| c == path) {
            stats.created.push(path.to_string());
        }
        if !stats.files.iter().any(|p| p == path) {
            *stats.languages.entry(language_of(path).to_string()).or_insert(0) += 1;
            stats.files.push(path.to_string());
        }
    }
    stats
}
