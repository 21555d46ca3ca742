//! Sets of values as tantivy queries answered from fast fields, one pass over a segment's column
//! whatever the size of the set.
//!
//! - [`IdSetQuery`]: the documents whose `id` is in a set of row ids. Conditions answered in SQL
//!   (step conditions, labels, notes, base instances) give row ids, often a large share of the
//!   database.
//! - [`RefSetQuery`]: the documents that reference one of a set of shared chunks (`chunk_ref`).
//!   A common word is in hundreds of thousands of shared chunks at 300,000 trajectories.
//!
//! A `TermSetQuery` over such a set intersects an automaton of the whole set with each segment's
//! term dictionary and reads one posting list per value, which costs more than reading the column.

use std::sync::Arc;

use rustc_hash::FxHashSet;
use tantivy::query::{BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError};

/// Which documents of a segment a set query matches.
trait Matcher: Clone + Send + Sync + 'static {
    const NAME: &'static str;
    fn matching(&self, reader: &SegmentReader) -> tantivy::Result<BitSet>;
}

/// A [`Matcher`] as a query.
#[derive(Clone)]
pub(super) struct SetQuery<M>(M);

impl<M: Matcher> std::fmt::Debug for SetQuery<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", M::NAME)
    }
}

impl<M: Matcher> Query for SetQuery<M> {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl<M: Matcher> Weight for SetQuery<M> {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(self.0.matching(reader)?), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        if self.scorer(reader, 1.0)?.seek(doc) == doc {
            Ok(Explanation::new(M::NAME, 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!("document {doc} does not match")))
        }
    }
}

/// The documents whose `id` is one of a set of row ids: a bitset test of each document's id.
pub(super) type IdSetQuery = SetQuery<IdSet>;

#[derive(Clone)]
pub(super) struct IdSet {
    ids: Arc<BitSet>,
    /// The largest id in the set (ids above it are not in it).
    max: u32,
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
        Some(SetQuery(IdSet { ids: Arc::new(set), max }))
    }
}

impl Matcher for IdSet {
    const NAME: &'static str = "IdSetQuery";

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

/// The documents with a `chunk_ref` value in a set of chunk keys (the field must be fast: see
/// `index::Index::chunk_ref_fast`).
pub(super) type RefSetQuery = SetQuery<RefSet>;

#[derive(Clone)]
pub(super) struct RefSet {
    keys: Arc<FxHashSet<u64>>,
}

impl RefSetQuery {
    pub(super) fn new(keys: impl IntoIterator<Item = u64>) -> RefSetQuery {
        SetQuery(RefSet { keys: Arc::new(keys.into_iter().collect()) })
    }
}

impl Matcher for RefSet {
    const NAME: &'static str = "RefSetQuery";

    /// Every value of the segment's `chunk_ref` column is tested, in blocks; the rows that are in
    /// the set become documents through the column's index.
    fn matching(&self, reader: &SegmentReader) -> tantivy::Result<BitSet> {
        let max_doc = reader.max_doc();
        let mut hits = BitSet::with_max_value(max_doc);
        let col = reader.fast_fields().u64("chunk_ref")?;
        let rows = col.values.num_vals();
        let mut buf = vec![0u64; 1024];
        let mut found: Vec<u32> = Vec::new();
        let mut start = 0u32;
        while start < rows {
            let n = (rows - start).min(buf.len() as u32) as usize;
            col.values.get_range(u64::from(start), &mut buf[..n]);
            for (i, v) in buf[..n].iter().enumerate() {
                if self.keys.contains(v) {
                    found.push(start + i as u32);
                }
            }
            start += n as u32;
        }
        col.index.select_batch_in_place(0, &mut found);
        for doc in found {
            hits.insert(doc);
        }
        Ok(hits)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::DocSetCollector;
    use tantivy::schema::{NumericOptions, Schema};
    use tantivy::{doc, Index, IndexWriter};

    use super::{IdSetQuery, RefSetQuery};

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

    /// Chunk references over two segments, several per document, with a deleted document and
    /// documents without any: exactly the live documents with a reference in the set match.
    #[test]
    fn matches_documents_that_reference_a_key_in_the_set() {
        let mut b = Schema::builder();
        let id = b.add_u64_field("id", NumericOptions::default().set_fast().set_indexed());
        let refs = b.add_u64_field("chunk_ref", NumericOptions::default().set_fast().set_indexed());
        let index = Index::create_in_ram(b.build());
        let mut w: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        // Document i references keys i * 1000 + j for j < i % 4 (none when i % 4 == 0).
        let add = |w: &mut IndexWriter, i: u64| {
            let mut d = tantivy::TantivyDocument::default();
            d.add_u64(id, i);
            for j in 0..i % 4 {
                d.add_u64(refs, (i * 1000 + j).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            }
            w.add_document(d).unwrap();
        };
        for i in 1..=100u64 {
            add(&mut w, i);
        }
        w.commit().unwrap();
        for i in 101..=200u64 {
            add(&mut w, i);
        }
        w.delete_term(tantivy::Term::from_field_u64(id, 150));
        w.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let key = |i: u64, j: u64| (i * 1000 + j).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // 3: its second key; 4: none (it has no references); 7: its last; 150: deleted;
        // 199: its first two; 5: a key it does not have (j = 1 of a document with one reference).
        let keys = vec![key(3, 1), key(4, 0), key(7, 2), key(150, 1), key(199, 0), key(199, 1), key(5, 1), 42];
        let found = searcher.search(&RefSetQuery::new(keys), &DocSetCollector).unwrap();
        let mut got: Vec<u64> = found
            .into_iter()
            .map(|a| searcher.segment_reader(a.segment_ord).fast_fields().u64("id").unwrap().first(a.doc_id).unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, vec![3, 7, 199]);
    }
}
