//! The index's merge policy: tantivy's log-structured merges, with every merge bounded in size.
//!
//! Why: a merge reads its input segments through memory maps, and the pages it touches count in
//! the ingesting process's resident memory until the inputs are deleted. With tantivy's default
//! (segments merge until they hold 10 million documents), the last merges of a 300k-trajectory
//! ingest read gigabytes of segments, and peak RSS grew with the input (measured at 10 GB of
//! JSONL: anonymous memory flat at about 450 MB, file-backed pages peaking at 429 MB during
//! merges; 1,185 MB in all at 31 GB). Bounding every merge to [`MAX_MERGED_DOCS`] documents bounds
//! what a merge touches (about 11 KB of index per SWE-ZERO-shaped trajectory, so about 330 MB), and
//! saves the CPU of merging big segments again and again. The cost: a 300k index keeps a dozen or
//! so segments instead of a few, which a query visits one by one.
use std::collections::HashMap;

use tantivy::index::SegmentId;
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::SegmentMeta;

/// The most documents a merge may produce.
pub const MAX_MERGED_DOCS: u32 = 30_000;

/// Tantivy's [`LogMergePolicy`] whose merges are cut into merges of at most `max_docs` documents.
#[derive(Debug)]
pub struct BoundedMerges {
    inner: LogMergePolicy,
    max_docs: u32,
}

impl BoundedMerges {
    /// Merges of at most `max_docs` documents (segments holding more than half of that are never
    /// merged again).
    pub fn new(max_docs: u32) -> BoundedMerges {
        let mut inner = LogMergePolicy::default();
        inner.set_max_docs_before_merge((max_docs / 2) as usize);
        BoundedMerges { inner, max_docs }
    }
}

impl Default for BoundedMerges {
    fn default() -> Self {
        BoundedMerges::new(MAX_MERGED_DOCS)
    }
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs: HashMap<SegmentId, u32> = segments.iter().map(|s| (s.id(), s.num_docs())).collect();
        let mut out = Vec::new();
        for candidate in self.inner.compute_merge_candidates(segments) {
            // Pack the candidate's segments, largest first, into merges that stay under the bound;
            // a group of one segment is no merge.
            let mut ids = candidate.0;
            ids.sort_by_key(|id| std::cmp::Reverse(docs.get(id).copied().unwrap_or(0)));
            let mut groups: Vec<(u32, Vec<SegmentId>)> = Vec::new();
            for id in ids {
                let n = docs.get(&id).copied().unwrap_or(0);
                match groups.iter_mut().find(|(sum, _)| sum + n <= self.max_docs) {
                    Some((sum, group)) => {
                        *sum += n;
                        group.push(id);
                    }
                    None => groups.push((n, vec![id])),
                }
            }
            out.extend(groups.into_iter().filter(|(_, g)| g.len() >= 2).map(|(_, g)| MergeCandidate(g)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metas(sizes: &[u32]) -> Vec<SegmentMeta> {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        sizes.iter().map(|&n| index.new_segment_meta(SegmentId::generate_random(), n)).collect()
    }

    fn merged_sizes(policy: &dyn MergePolicy, segments: &[SegmentMeta]) -> Vec<u32> {
        let docs: HashMap<SegmentId, u32> = segments.iter().map(|s| (s.id(), s.num_docs())).collect();
        policy.compute_merge_candidates(segments).iter().map(|c| c.0.iter().map(|id| docs[id]).sum()).collect()
    }

    #[test]
    fn no_merge_exceeds_the_bound() {
        // Sixteen segments of 12k documents: tantivy's default merges eight of them into 96k.
        let segments = metas(&[12_000; 16]);
        let default = merged_sizes(&LogMergePolicy::default(), &segments);
        assert!(default.iter().any(|&n| n > MAX_MERGED_DOCS), "the default merges past the bound: {default:?}");
        let bounded = merged_sizes(&BoundedMerges::default(), &segments);
        assert!(!bounded.is_empty(), "small segments still merge");
        assert!(bounded.iter().all(|&n| n <= MAX_MERGED_DOCS), "{bounded:?}");
    }

    #[test]
    fn small_segments_still_merge_and_big_ones_stay() {
        let mut sizes = vec![1_000; 10];
        sizes.extend([MAX_MERGED_DOCS, MAX_MERGED_DOCS - 1]);
        let segments = metas(&sizes);
        let bounded = merged_sizes(&BoundedMerges::default(), &segments);
        assert_eq!(bounded.iter().sum::<u32>(), 10_000, "the ten small ones merge, the big ones do not: {bounded:?}");
    }
}
