//! Facet counts over the whole result set, gathered from fast fields.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentReader};
use trawl_core::facts::Flag;

use super::types::Facets;
use crate::rows::{DICT_DATASET, DICT_FORMAT, DICT_MODEL, DICT_REPO};

/// Counts of facet values by dictionary id, gathered from fast fields. Dictionary ids are small
/// and dense (rows of `dict`), so each facet is a vector indexed by id: a query matching all
/// 300,000 trajectories of a database counts them in a few milliseconds.
#[derive(Default, Clone)]
pub(super) struct FacetCounts {
    pub(super) repo: Counter,
    pub(super) dataset: Counter,
    pub(super) format: Counter,
    pub(super) model: Counter,
    pub(super) resolved: [u64; 3],
    pub(super) flags: [u64; 32],
}

/// Counts by dictionary id: a vector for the ids a `dict` table has (below `DENSE`), a map for
/// any other value a fast field might hold.
#[derive(Default, Clone)]
pub(super) struct Counter {
    dense: Vec<u64>,
    sparse: HashMap<u64, u64>,
}

const DENSE: u64 = 1 << 20;

impl Counter {
    #[inline]
    fn bump(&mut self, id: u64) {
        if id < DENSE {
            let i = id as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, 0);
            }
            self.dense[i] += 1;
        } else {
            *self.sparse.entry(id).or_default() += 1;
        }
    }

    fn merge(&mut self, o: Counter) {
        if self.dense.len() < o.dense.len() {
            self.dense.resize(o.dense.len(), 0);
        }
        for (d, s) in self.dense.iter_mut().zip(o.dense) {
            *d += s;
        }
        for (k, v) in o.sparse {
            *self.sparse.entry(k).or_default() += v;
        }
    }

    /// (id, count) for every id counted at least once.
    fn into_counts(self) -> impl Iterator<Item = (u64, u64)> {
        let dense = self.dense.into_iter().enumerate().filter(|&(_, n)| n > 0).map(|(id, n)| (id as u64, n));
        dense.chain(self.sparse)
    }
}

impl FacetCounts {
    pub(super) fn merge(&mut self, o: FacetCounts) {
        for (dst, src) in [
            (&mut self.repo, o.repo),
            (&mut self.dataset, o.dataset),
            (&mut self.format, o.format),
            (&mut self.model, o.model),
        ] {
            dst.merge(src);
        }
        for i in 0..3 {
            self.resolved[i] += o.resolved[i];
        }
        for i in 0..32 {
            self.flags[i] += o.flags[i];
        }
    }

    pub(super) fn into_facets(self, names: &HashMap<(i64, u64), String>) -> Facets {
        let named = |kind: i64, m: Counter| {
            let mut v: Vec<(String, u64)> = m
                .into_counts()
                .map(|(id, n)| {
                    let name = if id == 0 {
                        "(none)".to_string()
                    } else {
                        names.get(&(kind, id)).cloned().unwrap_or_else(|| format!("#{id}"))
                    };
                    (name, n)
                })
                .collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        };
        Facets {
            repo: named(DICT_REPO, self.repo),
            dataset: named(DICT_DATASET, self.dataset),
            format: named(DICT_FORMAT, self.format),
            model: named(DICT_MODEL, self.model),
            resolved: vec![
                ("true".into(), self.resolved[1]),
                ("false".into(), self.resolved[0]),
                ("unknown".into(), self.resolved[2]),
            ],
            flag: Flag::ALL.iter().map(|f| (f.as_str().to_string(), self.flags[*f as usize])).collect(),
        }
    }
}

/// Collects the total and facet counts of every matching document.
pub(super) struct FacetCollector;

pub(super) struct SegmentFacets {
    pub(super) cols: [tantivy::columnar::Column<u64>; 6],
    pub(super) count: u64,
    pub(super) counts: FacetCounts,
    /// Values of one block of documents, per column (reused).
    vals: Box<[[Option<u64>; tantivy::COLLECT_BLOCK_BUFFER_LEN]; 6]>,
}

impl Collector for FacetCollector {
    type Fruit = (u64, FacetCounts);
    type Child = SegmentFacets;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let ff = reader.fast_fields();
        Ok(SegmentFacets {
            cols: [
                ff.u64("repo")?,
                ff.u64("dataset")?,
                ff.u64("format")?,
                ff.u64("model")?,
                ff.u64("resolved")?,
                ff.u64("flags")?,
            ],
            count: 0,
            counts: FacetCounts::default(),
            vals: Box::new([[None; tantivy::COLLECT_BLOCK_BUFFER_LEN]; 6]),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<(u64, FacetCounts)>) -> tantivy::Result<(u64, FacetCounts)> {
        let mut total = 0;
        let mut counts = FacetCounts::default();
        for (n, c) in fruits {
            total += n;
            counts.merge(c);
        }
        Ok((total, counts))
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = (u64, FacetCounts);

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.collect_block(&[doc]);
    }

    /// A block of documents at a time: each column's values are read for the whole block.
    fn collect_block(&mut self, docs: &[DocId]) {
        for block in docs.chunks(tantivy::COLLECT_BLOCK_BUFFER_LEN) {
            self.count_block(block);
        }
    }

    fn harvest(self) -> (u64, FacetCounts) {
        (self.count, self.counts)
    }
}

impl SegmentFacets {
    fn count_block(&mut self, docs: &[DocId]) {
        let n = docs.len();
        self.count += n as u64;
        for (col, vals) in self.cols.iter().zip(self.vals.iter_mut()) {
            let out = &mut vals[..n];
            out.fill(None);
            col.first_vals(docs, out);
        }
        let c = &mut self.counts;
        let [repo, dataset, format, model, resolved, flags] = &*self.vals;
        for i in 0..n {
            c.repo.bump(repo[i].unwrap_or(0));
            c.dataset.bump(dataset[i].unwrap_or(0));
            c.format.bump(format[i].unwrap_or(0));
            c.model.bump(model[i].unwrap_or(0));
            c.resolved[resolved[i].unwrap_or(0).min(2) as usize] += 1;
            let mut bits = flags[i].unwrap_or(0);
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                c.flags[b] += 1;
                bits &= bits - 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Counter, DENSE};

    #[test]
    fn counter_counts_small_and_large_ids_and_merges() {
        let mut a = Counter::default();
        for id in [0, 3, 3, DENSE, DENSE + 7, DENSE + 7] {
            a.bump(id);
        }
        let mut b = Counter::default();
        for id in [3, 9, DENSE + 7] {
            b.bump(id);
        }
        a.merge(b);
        let mut got: Vec<(u64, u64)> = a.into_counts().collect();
        got.sort_unstable();
        assert_eq!(got, vec![(0, 1), (3, 3), (9, 1), (DENSE, 1), (DENSE + 7, 3)]);
    }
}
