//! The query AST compiled to a tantivy query: full-text leaves (inline or through shared chunks),
//! trajectory-level fields, and the row-id sets of conditions answered in SQL.

use std::ops::Bound;

use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::Term;
use trawl_core::query::{self, Expr, Filter, Pattern, Range};

use super::collect::ChunkKeys;
use super::fastset::{IdSetQuery, RefSetQuery};
use super::pattern::{dict_query, string_query};
use super::rows::{annotator_rows, base_instance_rows, label_term_rows, noted_rows};
use super::steps::step_matches;
use crate::rows::{DICT_DATASET, DICT_FORMAT, DICT_MODEL, DICT_REPO};
use crate::{Store, StoreError};

pub(super) fn analyzer(store: &Store) -> Result<TextAnalyzer, StoreError> {
    Ok(store.index.index.tokenizer_for_field(store.index.fields.text)?)
}

/// Lowercased tokens of a text, as the index sees them.
pub(super) fn tokens(analyzer: &TextAnalyzer, text: &str) -> Vec<String> {
    let mut a = analyzer.clone();
    let mut ts = a.token_stream(text);
    let mut out = Vec::new();
    while ts.advance() {
        out.push(ts.token().text.clone());
    }
    out
}

pub(super) fn text_query(field: Field, toks: Vec<String>) -> Box<dyn Query> {
    match toks.len() {
        0 => Box::new(AllQuery),
        1 => Box::new(TermQuery::new(Term::from_field_text(field, &toks[0]), IndexRecordOption::WithFreqs)),
        _ => Box::new(PhraseQuery::new(toks.iter().map(|t| Term::from_field_text(field, t)).collect())),
    }
}

pub(super) fn text_leaves(expr: &Expr, analyzer: &TextAnalyzer) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    fn walk(e: &Expr, a: &TextAnalyzer, out: &mut Vec<Vec<String>>) {
        match e {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| walk(x, a, out)),
            Expr::Word(w) | Expr::Phrase(w) => {
                let t = tokens(a, w);
                if !t.is_empty() {
                    out.push(t);
                }
            }
            Expr::Not(_) | Expr::Field(_) | Expr::Step(_) => {}
        }
    }
    walk(expr, analyzer, &mut out);
    out
}

/// Restricts a query to trajectory documents (chunk documents are never results), and, unless
/// the query says `kind:` somewhere, to trajectories: patch-only prediction records are results
/// only of queries that ask for them.
pub(super) fn trajectories_only(store: &Store, expr: &Expr, q: Box<dyn Query>) -> Result<Box<dyn Query>, StoreError> {
    let kind = Term::from_field_u64(store.index.fields.kind, crate::index::KIND_TRAJECTORY);
    let mut clauses = vec![
        (Occur::Must, Box::new(TermQuery::new(kind, IndexRecordOption::Basic)) as Box<dyn Query>),
        (Occur::Must, q),
    ];
    if !expr.mentions_kind() {
        clauses.push((Occur::MustNot, prediction_docs(store)?));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// The index documents of prediction records. Predictions joined to a trajectory have no
/// document (see `index::reindex_rows`), so these are the patch-only records.
pub(super) fn prediction_docs(store: &Store) -> Result<Box<dyn Query>, StoreError> {
    let name = trawl_core::Format::SwebenchPreds.as_str().to_string();
    dict_query(store, store.index.fields.format, DICT_FORMAT, &Pattern::Exact(name))
}

/// Chunk keys beyond which a text's references are read from the `chunk_ref` column (one pass
/// over every reference) rather than as a term set (one posting list per key).
const REF_SET_MIN: usize = 2_000;

/// A full-text leaf: the trajectories that contain the text inline, or that reference a shared
/// chunk containing it (see `index::build_doc`).
pub(super) fn text_leaf(
    store: &Store,
    searcher: &tantivy::Searcher,
    toks: Vec<String>,
) -> Result<Box<dyn Query>, StoreError> {
    let f = &store.index.fields;
    if toks.is_empty() {
        return Ok(Box::new(AllQuery));
    }
    let inline = text_query(f.text, toks);
    let in_chunks = BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(TermQuery::new(Term::from_field_u64(f.kind, crate::index::KIND_CHUNK), IndexRecordOption::Basic))
                as Box<dyn Query>,
        ),
        (Occur::Must, inline.box_clone()),
    ]);
    let keys = searcher.search(&in_chunks, &ChunkKeys)?;
    if keys.is_empty() {
        return Ok(inline);
    }
    let refs: Box<dyn Query> = if store.index.chunk_ref_fast && keys.len() > REF_SET_MIN {
        Box::new(RefSetQuery::new(keys))
    } else {
        Box::new(TermSetQuery::new(keys.into_iter().map(|k| Term::from_field_u64(f.chunk_ref, k))))
    };
    Ok(Box::new(BooleanQuery::new(vec![(Occur::Should, inline), (Occur::Should, refs)])))
}

pub(super) fn compile(
    store: &Store,
    searcher: &tantivy::Searcher,
    analyzer: &TextAnalyzer,
    expr: &Expr,
) -> Result<Box<dyn Query>, StoreError> {
    Ok(match expr {
        Expr::And(items) if items.is_empty() => Box::new(AllQuery),
        Expr::And(items) => {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for it in items {
                match it {
                    Expr::Not(inner) => clauses.push((Occur::MustNot, compile(store, searcher, analyzer, inner)?)),
                    other => clauses.push((Occur::Must, compile(store, searcher, analyzer, other)?)),
                }
            }
            if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                clauses.push((Occur::Must, Box::new(AllQuery)));
            }
            Box::new(BooleanQuery::new(clauses))
        }
        Expr::Or(items) => {
            let clauses = items
                .iter()
                .map(|it| Ok((Occur::Should, compile(store, searcher, analyzer, it)?)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            Box::new(BooleanQuery::new(clauses))
        }
        Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
            (Occur::MustNot, compile(store, searcher, analyzer, inner)?),
        ])),
        Expr::Word(w) | Expr::Phrase(w) => text_leaf(store, searcher, tokens(analyzer, w))?,
        Expr::Field(filter) => compile_filter(store, filter)?,
        Expr::Step(conds) => id_set(store, step_matches(store, conds)?),
    })
}

pub(super) fn compile_filter(store: &Store, filter: &Filter) -> Result<Box<dyn Query>, StoreError> {
    let f = &store.index.fields;
    let u64_term = |field: Field, v: u64| -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_u64(field, v), IndexRecordOption::Basic))
    };
    Ok(match filter {
        Filter::Repo(p) => dict_query(store, f.repo, DICT_REPO, p)?,
        Filter::Dataset(p) => dict_query(store, f.dataset, DICT_DATASET, p)?,
        Filter::Format(p) => dict_query(store, f.format, DICT_FORMAT, p)?,
        Filter::Model(p) => dict_query(store, f.model, DICT_MODEL, p)?,
        Filter::Instance(p) => string_query(f.instance, p)?,
        Filter::Base(p) => id_set(store, base_instance_rows(store, p)?),
        Filter::Kind(query::KindFilter::Prediction) => prediction_docs(store)?,
        Filter::Kind(query::KindFilter::Trajectory) => not(prediction_docs(store)?),
        Filter::Kind(query::KindFilter::Any) => Box::new(AllQuery),
        Filter::Id(p) => string_query(f.uid, p)?,
        Filter::Tool(p) => string_query(f.tool, p)?,
        Filter::Resolved(r) => u64_term(f.resolved, crate::index::resolved_code(*r)),
        Filter::Flag(flag) => u64_term(f.flag, *flag as u64),
        Filter::Steps(r) => range_query(f.steps, *r),
        Filter::PatchFiles(r) => range_query(f.patch_files, *r),
        Filter::PatchLines(r) => range_query(f.patch_lines, *r),
        Filter::Label(l) => {
            let ids = id_set(store, label_term_rows(store, l)?);
            match l.cond {
                query::LabelCond::None => not(ids),
                _ => ids,
            }
        }
        Filter::Annotator(p) => id_set(store, annotator_rows(store, p)?),
        Filter::Noted(true) => id_set(store, noted_rows(store)?),
        Filter::Noted(false) => not(id_set(store, noted_rows(store)?)),
    })
}

/// The documents whose `id` is one of `ids`: a bitset test of each document's id (a term set
/// only for ids beyond a u32), empty when there are no ids.
pub(super) fn id_set(store: &Store, ids: Vec<i64>) -> Box<dyn Query> {
    if ids.is_empty() {
        return Box::new(EmptyQuery);
    }
    if let Some(q) = IdSetQuery::new(&ids) {
        return Box::new(q);
    }
    let f = store.index.fields.id;
    Box::new(TermSetQuery::new(ids.into_iter().map(|id| Term::from_field_u64(f, id as u64))))
}

/// Everything but the query's matches.
pub(super) fn not(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery) as Box<dyn Query>), (Occur::MustNot, q)]))
}

pub(super) fn range_query(field: Field, r: Range) -> Box<dyn Query> {
    let t = |v: u64| Term::from_field_u64(field, v);
    let (lo, hi) = match r {
        Range::Eq(v) => (Bound::Included(t(v)), Bound::Included(t(v))),
        Range::Gt(v) => (Bound::Excluded(t(v)), Bound::Unbounded),
        Range::Ge(v) => (Bound::Included(t(v)), Bound::Unbounded),
        Range::Lt(v) => (Bound::Unbounded, Bound::Excluded(t(v))),
        Range::Le(v) => (Bound::Unbounded, Bound::Included(t(v))),
        Range::Between(a, b) => (Bound::Included(t(a)), Bound::Included(t(b))),
    };
    Box::new(RangeQuery::new(lo, hi))
}
