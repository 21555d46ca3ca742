//! Duplicate detection, pure: normalized patches and trajectory texts for exact duplicates, and
//! MinHash signatures with LSH banding for near-duplicate patches.
//!
//! Owns the normalization rules and the MinHash/LSH algorithm (deterministic: fixed seeds, no
//! randomness at run time). It does not read records or store signatures (see the store's
//! `dedup` module).
//!
//! * A patch is normalized to its file paths and its added and removed lines, with hunk headers
//!   and context dropped and runs of whitespace collapsed: the same change at other line numbers
//!   or with other context is the same patch.
//! * A trajectory's text is normalized to its steps (role, text, tool calls with canonical
//!   arguments, observations) with whitespace runs collapsed.
//! * Near-duplicates: 5-word shingles of the normalized patch, [`NUM_PERM`] hash permutations, LSH
//!   bands chosen from the threshold so that a pair at the threshold is a candidate with
//!   probability ≥ 0.99; candidates are kept when their estimated Jaccard similarity (the share of
//!   equal signature positions) reaches the threshold. Clusters are the connected components.

use std::collections::HashMap;

use crate::model::Trajectory;

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 5;
/// MinHash permutations (signature length).
pub const NUM_PERM: usize = 128;
/// Version of the normalization and signature rules; stored next to cached keys so that a change
/// here recomputes them.
pub const ALGO_VERSION: i64 = 1;

/// Collapses runs of ASCII whitespace to one space and trims (byte-wise: UTF-8 continuation
/// bytes are never ASCII, so the result stays valid UTF-8).
fn collapse_ws(s: &str, out: &mut String) {
    let mut pending = false;
    let mut started = false;
    let mut run_start = 0;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_whitespace() {
            if run_start < i {
                if pending && started {
                    out.push(' ');
                }
                out.push_str(&s[run_start..i]);
                started = true;
            }
            pending = true;
            run_start = i + 1;
        }
    }
    if run_start < bytes.len() {
        if pending && started {
            out.push(' ');
        }
        out.push_str(&s[run_start..]);
    }
}

/// The normalized form of a unified diff: one `F <path>` line per file and its added (`+`) and
/// removed (`-`) lines with whitespace collapsed; hunk headers, context and blank changes dropped.
/// Empty when the patch changes nothing.
pub fn normalize_patch(patch: &str) -> String {
    let mut out = String::with_capacity(patch.len() / 2);
    for line in patch.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            let path = rest.rsplit(" b/").next().unwrap_or(rest);
            out.push_str("F ");
            out.push_str(path.trim());
            out.push('\n');
        } else if line.starts_with("+++") || line.starts_with("---") {
            continue;
        } else if let Some(body) = line.strip_prefix('+').or_else(|| line.strip_prefix('-')) {
            if body.trim().is_empty() {
                continue;
            }
            out.push_str(&line[..1]);
            collapse_ws(body, &mut out);
            out.push('\n');
        }
    }
    if out.lines().all(|l| l.starts_with("F ")) {
        out.clear();
    }
    out
}

/// The normalized text of a trajectory: every step's role, text, thought, tool calls (name and
/// arguments with keys sorted) and observations, whitespace collapsed, in order.
pub fn normalize_text(t: &Trajectory) -> String {
    let estimate: usize = t
        .steps
        .iter()
        .map(|s| {
            s.text.len()
                + s.tool_calls.iter().map(|c| c.observation.as_ref().map_or(64, |o| o.len() + 64)).sum::<usize>()
        })
        .sum();
    let mut out = String::with_capacity(estimate + t.patch.as_ref().map_or(0, |p| p.len()));
    for s in &t.steps {
        out.push_str(s.role.as_str());
        out.push(':');
        collapse_ws(&s.text, &mut out);
        if let Some(th) = &s.thought {
            out.push_str("\nthought:");
            collapse_ws(th, &mut out);
        }
        for c in &s.tool_calls {
            out.push_str("\ncall:");
            out.push_str(&c.name);
            out.push(' ');
            // serde_json maps are sorted by key (no preserve_order): canonical.
            collapse_ws(&c.arguments.to_string(), &mut out);
            if let Some(o) = &c.observation {
                out.push_str("\nobs:");
                collapse_ws(o, &mut out);
            }
        }
        if s.tool_calls.is_empty() {
            if let Some(o) = &s.observation {
                out.push_str("\nobs:");
                collapse_ws(o, &mut out);
            }
        }
        out.push('\n');
    }
    if let Some(p) = &t.patch {
        out.push_str("patch:");
        out.push_str(&normalize_patch(p));
    }
    out
}

/// A 64-bit hash of bytes: FNV-1a finished with a murmur3 mix. Stable across versions and
/// platforms (shingle identity).
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

fn mix64(mut z: u64) -> u64 {
    z ^= z >> 33;
    z = z.wrapping_mul(0xff51_afd7_ed55_8ccd);
    z ^= z >> 33;
    z = z.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    z ^ (z >> 33)
}

/// The MinHash permutations (fixed: derived from constants with splitmix64).
pub struct MinHasher {
    perms: Vec<(u64, u64)>,
}

impl Default for MinHasher {
    fn default() -> Self {
        MinHasher::new()
    }
}

impl MinHasher {
    /// The [`NUM_PERM`] permutations.
    pub fn new() -> MinHasher {
        let mut state: u64 = 0x7261_776c_2d6d_6821; // fixed seed
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix64(state)
        };
        let perms = (0..NUM_PERM).map(|_| (next() | 1, next())).collect();
        MinHasher { perms }
    }

    /// The signature of a normalized patch, or `None` when it has no words.
    pub fn signature(&self, normalized: &str) -> Option<Vec<u32>> {
        let words: Vec<&str> = normalized.split_whitespace().collect();
        if words.is_empty() {
            return None;
        }
        let mut shingles: Vec<u64> = if words.len() <= SHINGLE_WORDS {
            vec![hash64(words.join(" ").as_bytes())]
        } else {
            words.windows(SHINGLE_WORDS).map(|w| hash64(w.join(" ").as_bytes())).collect()
        };
        shingles.sort_unstable();
        shingles.dedup();
        let mut sig = vec![u32::MAX; NUM_PERM];
        for &x in &shingles {
            for (slot, &(a, b)) in sig.iter_mut().zip(&self.perms) {
                let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
                if v < *slot {
                    *slot = v;
                }
            }
        }
        Some(sig)
    }
}

/// Estimated Jaccard similarity of two signatures: the share of equal positions.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / n as f64
}

/// LSH banding for a threshold: `(bands, rows)` with `bands * rows <= NUM_PERM`, the most rows per
/// band such that a pair exactly at the threshold becomes a candidate with probability ≥ 0.99.
pub fn bands_for(threshold: f64) -> (usize, usize) {
    let t = threshold.clamp(0.01, 1.0);
    let mut best = (NUM_PERM, 1);
    for rows in 1..=NUM_PERM {
        let bands = NUM_PERM / rows;
        let p = 1.0 - (1.0 - t.powi(rows as i32)).powi(bands as i32);
        if p >= 0.99 {
            best = (bands, rows);
        }
    }
    best
}

/// Near-duplicate clusters among signatures: groups (of indexes into `sigs`, each sorted, groups
/// ordered by their first member) of at least two items, connected by pairs whose estimated
/// similarity is at least `threshold`. Items with `None` signatures are never clustered.
///
/// Large LSH buckets (thousands of equal bands) are compared member-to-first and
/// member-to-previous only, so the cost stays near-linear; exact signature duplicates are joined
/// directly.
pub fn clusters(sigs: &[Option<Vec<u32>>], threshold: f64) -> Vec<Vec<usize>> {
    let n = sigs.len();
    let mut uf = UnionFind::new(n);
    // Identical signatures first.
    let mut by_sig: HashMap<&[u32], usize> = HashMap::new();
    let mut distinct: Vec<usize> = Vec::new();
    for (i, s) in sigs.iter().enumerate() {
        if let Some(s) = s {
            match by_sig.get(s.as_slice()) {
                Some(&j) => uf.union(i, j),
                None => {
                    by_sig.insert(s, i);
                    distinct.push(i);
                }
            }
        }
    }
    let (bands, rows) = bands_for(threshold);
    const SMALL_BUCKET: usize = 64;
    for b in 0..bands {
        let mut buckets: HashMap<u64, Vec<usize>> = HashMap::new();
        for &i in &distinct {
            let s = sigs[i].as_ref().expect("distinct items have signatures");
            let band = &s[b * rows..(b + 1) * rows];
            let mut h: u64 = b as u64;
            for &v in band {
                h = mix64(h ^ u64::from(v));
            }
            buckets.entry(h).or_default().push(i);
        }
        for members in buckets.values().filter(|m| m.len() > 1) {
            let sig = |i: usize| sigs[i].as_deref().expect("signature");
            if members.len() <= SMALL_BUCKET {
                for (x, &i) in members.iter().enumerate() {
                    for &j in &members[x + 1..] {
                        if uf.find(i) != uf.find(j) && similarity(sig(i), sig(j)) >= threshold {
                            uf.union(i, j);
                        }
                    }
                }
            } else {
                let first = members[0];
                for (x, &i) in members.iter().enumerate().skip(1) {
                    let prev = members[x - 1];
                    for j in [first, prev] {
                        if uf.find(i) != uf.find(j) && similarity(sig(i), sig(j)) >= threshold {
                            uf.union(i, j);
                        }
                    }
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, s) in sigs.iter().enumerate() {
        if s.is_some() {
            groups.entry(uf.find(i)).or_default().push(i);
        }
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for g in &mut out {
        g.sort_unstable();
    }
    out.sort_by_key(|g| g[0]);
    out
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind { parent: (0..n).collect() }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P1: &str = "diff --git a/src/m.py b/src/m.py\nindex 1..2 100644\n--- a/src/m.py\n+++ b/src/m.py\n@@ -10,3 +10,3 @@ def f():\n     x = 1\n-    return x  +  1\n+    return x + 2\n";

    #[test]
    fn patch_normalization_ignores_hunk_headers_context_and_spacing() {
        let moved = P1.replace("@@ -10,3 +10,3 @@ def f():", "@@ -99,4 +99,4 @@").replace("     x = 1", "     y = 0");
        let spaced = P1.replace("return x + 2", "return   x +   2\t");
        assert_eq!(normalize_patch(P1), normalize_patch(&moved));
        assert_eq!(normalize_patch(P1), normalize_patch(&spaced));
        assert_eq!(normalize_patch(P1), "F src/m.py\n-return x + 1\n+return x + 2\n");
        assert_ne!(normalize_patch(P1), normalize_patch(&P1.replace("x + 2", "x + 3")));
        assert_eq!(normalize_patch(""), "");
        assert_eq!(normalize_patch("diff --git a/x b/x\n+\n-  \n"), "");
    }

    fn text(words: usize, offset: usize) -> String {
        (0..words).map(|i| format!("+line{} tok{}\n", i + offset, (i + offset) * 7 % 13)).collect()
    }

    #[test]
    fn whitespace_runs_collapse() {
        let mut out = String::new();
        collapse_ws("  a \t\n b  é\r\nc ", &mut out);
        assert_eq!(out, "a b é c");
        out.clear();
        collapse_ws(" \n ", &mut out);
        assert_eq!(out, "");
        collapse_ws("x", &mut out);
        assert_eq!(out, "x");
    }

    #[test]
    fn signatures_estimate_jaccard() {
        let h = MinHasher::new();
        let a = h.signature(&text(200, 0)).unwrap();
        assert_eq!(similarity(&a, &h.signature(&text(200, 0)).unwrap()), 1.0);
        // 190 of 200 lines shared: most shingles shared.
        let b = h.signature(&text(200, 10)).unwrap();
        let s = similarity(&a, &b);
        assert!(s > 0.75 && s < 1.0, "similarity {s}");
        let c = h.signature(&text(200, 5000)).unwrap();
        assert!(similarity(&a, &c) < 0.1);
        assert!(h.signature("").is_none());
        assert_eq!(h.signature("+a b").unwrap().len(), NUM_PERM);
    }

    #[test]
    fn bands_favour_recall_at_the_threshold() {
        for t in [0.5, 0.7, 0.8, 0.9, 0.95] {
            let (b, r) = bands_for(t);
            assert!(b * r <= NUM_PERM);
            let p = 1.0 - (1.0 - f64::powi(t, r as i32)).powi(b as i32);
            assert!(p >= 0.99, "t {t}: {b}x{r} gives {p}");
        }
        assert!(bands_for(0.9).1 > bands_for(0.5).1);
    }

    #[test]
    fn clusters_join_near_duplicates_only() {
        let h = MinHasher::new();
        let sigs = vec![
            h.signature(&text(300, 0)),
            h.signature(&text(300, 9000)),
            h.signature(&text(300, 3)),
            None,
            h.signature(&text(300, 0)),
            h.signature(&text(300, 9001)),
            h.signature(&text(300, 20000)),
        ];
        let c = clusters(&sigs, 0.8);
        assert_eq!(c, vec![vec![0, 2, 4], vec![1, 5]]);
        assert!(clusters(&sigs, 1.0).contains(&vec![0, 4]));
    }

    #[test]
    fn large_buckets_still_cluster() {
        let h = MinHasher::new();
        let sigs: Vec<_> = (0..300).map(|i| h.signature(&text(400, i % 2))).collect();
        let c = clusters(&sigs, 0.8);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), 300);
    }
}
