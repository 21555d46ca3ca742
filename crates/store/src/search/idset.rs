//! A set of row ids as a tantivy query: the documents whose `id` fast field is in the set.
//!
//! Conditions answered in SQL (step conditions, labels, notes, base instances) give row ids, often
//! a large share of the database. A `TermSetQuery` over them intersects an automaton of the whole
//! set with each segment's term dictionary and reads one posting list per id. This query instead
//! tests each document's `id` against a bitset of the wanted ids: one pass over each segment's
//! `id` column, whatever the size of the set.

use std::sync::Arc;

use tantivy::query::{BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError};

/// The documents whose `id` is one of a set of row ids.
#[derive(Clone)]
pub(super) struct IdSetQuery {
    ids: Arc<BitSet>,
    /// The largest id in the set (ids above it are not in it).
    max: u32,
}

impl std::fmt::Debug for IdSetQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdSetQuery({} ids)", self.ids.len())
    }
}

impl IdSetQuery {
    /// The query for `ids` (any order, duplicates allowed); None when an id does not fit a u32
    /// (the caller then uses a term set).
    pub(super) fn new(ids: &[i64]) -> Option<IdSetQuery> {
        let max = ids.iter().copied().max().unwrap_or(0);
        if ids.iter().any(|&id| id < 0) || max >= i64::from(u32::MAX) {
            return None;
        }
        let max = max as u32;
        let mut set = BitSet::with_max_value(max + 1);
        for &id in ids {
            set.insert(id as u32);
        }
        Some(IdSetQuery { ids: Arc::new(set), max })
    }
}

impl Query for IdSetQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl IdSetQuery {
    /// The segment's documents whose id is in the set.
    fn matching(&self, reader: &SegmentReader) -> tantivy::Result<BitSet> {
        let col = reader.fast_fields().u64("id")?;
        let max_doc = reader.max_doc();
        let mut hits = BitSet::with_max_value(max_doc);
        let mut vals = [None; tantivy::COLLECT_BLOCK_BUFFER_LEN];
        let mut docs = [0 as DocId; tantivy::COLLECT_BLOCK_BUFFER_LEN];
        let mut start = 0;
        while start < max_doc {
            let n = (max_doc - start).min(docs.len() as u32) as usize;
            for (i, d) in docs[..n].iter_mut().enumerate() {
                *d = start + i as u32;
            }
            vals[..n].fill(None);
            col.first_vals(&docs[..n], &mut vals[..n]);
            for (doc, v) in docs[..n].iter().zip(&vals[..n]) {
                if let Some(id) = *v {
                    if id <= u64::from(self.max) && self.ids.contains(id as u32) {
                        hits.insert(*doc);
                    }
                }
            }
            start += n as u32;
        }
        Ok(hits)
    }
}

impl Weight for IdSetQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(self.matching(reader)?), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.scorer(reader, 1.0)?.seek(doc) == doc {
            Ok(Explanation::new("IdSetQuery", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} does not match")))
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::schema::{NumericOptions, Schema};
    use tantivy::{doc, Index, IndexWriter};

    use super::IdSetQuery;

    /// Ids over two segments, with a deleted document and documents without an id: exactly the
    /// live documents whose id is in the set match.
    #[test]
    fn matches_documents_whose_id_is_in_the_set() {
        let mut b = Schema::builder();
        let id = b.add_u64_field("id", NumericOptions::default().set_fast().set_indexed());
        let other = b.add_u64_field("other", NumericOptions::default().set_fast());
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for i in 1..=100u64 {
            w.add_document(doc!(id => i)).unwrap();
        }
        w.commit().unwrap();
        for i in 101..=200u64 {
            w.add_document(doc!(id => i)).unwrap();
        }
        w.add_document(doc!(other => 7u64)).unwrap();
        w.delete_term(tantivy::Term::from_field_u64(id, 150));
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let want: Vec<i64> = vec![1, 7, 7, 100, 101, 150, 200, 5000];
        let q = IdSetQuery::new(&want).unwrap();
        let found = searcher.search(&q, &DocSetCollector).unwrap();
        let mut got: Vec<u64> = found
            .into_iter()
            .map(|a| {
                let col = searcher.segment_reader(a.segment_ord).fast_fields().u64("id").unwrap();
                col.first(a.doc_id).unwrap()
            })
            .collect();
        got.sort_unstable();
        assert_eq!(got, vec![1, 7, 100, 101, 200]);
        assert!(IdSetQuery::new(&[-1]).is_none());
        assert!(IdSetQuery::new(&[i64::from(u32::MAX)]).is_none());
    }
}
