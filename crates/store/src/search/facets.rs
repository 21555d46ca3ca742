//! Facet counts over the whole result set, gathered from fast fields.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocId, Score, SegmentReader};
use trawl_core::facts::Flag;

use super::types::Facets;
use crate::rows::{DICT_DATASET, DICT_FORMAT, DICT_MODEL, DICT_REPO};

/// Counts of facet values by dictionary id, gathered from fast fields.
#[derive(Default, Clone)]
pub(super) struct FacetCounts {
    pub(super) repo: HashMap<u64, u64>,
    pub(super) dataset: HashMap<u64, u64>,
    pub(super) format: HashMap<u64, u64>,
    pub(super) model: HashMap<u64, u64>,
    pub(super) resolved: [u64; 3],
    pub(super) flags: [u64; 32],
}

impl FacetCounts {
    pub(super) fn merge(&mut self, o: FacetCounts) {
        for (dst, src) in [
            (&mut self.repo, o.repo),
            (&mut self.dataset, o.dataset),
            (&mut self.format, o.format),
            (&mut self.model, o.model),
        ] {
            for (k, v) in src {
                *dst.entry(k).or_default() += v;
            }
        }
        for i in 0..3 {
            self.resolved[i] += o.resolved[i];
        }
        for i in 0..32 {
            self.flags[i] += o.flags[i];
        }
    }

    pub(super) fn into_facets(self, names: &HashMap<(i64, u64), String>) -> Facets {
        let named = |kind: i64, m: HashMap<u64, u64>| {
            let mut v: Vec<(String, u64)> = m
                .into_iter()
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
        self.count += 1;
        let c = &mut self.counts;
        let get = |i: usize| self.cols[i].first(doc).unwrap_or(0);
        *c.repo.entry(get(0)).or_default() += 1;
        *c.dataset.entry(get(1)).or_default() += 1;
        *c.format.entry(get(2)).or_default() += 1;
        *c.model.entry(get(3)).or_default() += 1;
        let r = get(4).min(2) as usize;
        c.resolved[r] += 1;
        let mut bits = get(5);
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            c.flags[b] += 1;
            bits &= bits - 1;
        }
    }

    fn harvest(self) -> (u64, FacetCounts) {
        (self.count, self.counts)
    }
}
