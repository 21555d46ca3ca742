//! Query execution: the query language's AST compiled to a tantivy query (full text and
//! trajectory-level fields) plus SQL for step-level conditions, with facet counts over the whole
//! result set, a page of hits, and for each hit the step it matched and a highlighted snippet.
//!
//! It does not parse queries (see `trawl_core::query`) and does not format anything for output.

use std::collections::HashMap;
use std::ops::Bound;
use std::time::{Duration, Instant};

use rusqlite::functions::FunctionFlags;
use rusqlite::params_from_iter;
use tantivy::collector::{Collector, SegmentCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Order, Score, SegmentReader, Term};
use trawl_core::facts::Flag;
use trawl_core::query::{self, Expr, Filter, Pattern, Range, StepCond};

use crate::ingest::{DICT_DATASET, DICT_FORMAT, DICT_MODEL, DICT_REPO};
use crate::{Store, StoreError};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By relevance when the query has full-text terms, else by ingest order.
    #[default]
    Relevance,
    /// By ingest order.
    Ingest,
    /// By step count, most first.
    StepsDesc,
    /// By step count, fewest first.
    StepsAsc,
    /// By patch size, largest first.
    PatchLinesDesc,
    /// By patch size, smallest first.
    PatchLinesAsc,
    /// By resolved (false, true, unknown), then ingest order.
    ResolvedAsc,
    /// By resolved (unknown, true, false), then ingest order.
    ResolvedDesc,
    /// By a text column (instance, repo, dataset), then ingest order.
    Text(TextKey, bool),
}

/// A text column results can be ordered by (the bool of [`Sort::Text`] is "descending").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKey {
    /// Instance id.
    Instance,
    /// Repository.
    Repo,
    /// Dataset.
    Dataset,
}

impl TextKey {
    fn column(self) -> &'static str {
        match self {
            TextKey::Instance => "instance_id",
            TextKey::Repo => "repo",
            TextKey::Dataset => "dataset",
        }
    }
}

/// A search request.
#[derive(Debug, Clone)]
pub struct SearchParams {
    /// The query string.
    pub query: String,
    /// Page size.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Ordering.
    pub sort: Sort,
    /// Whether to compute the matched step and snippet of each hit.
    pub snippets: bool,
}

/// A highlighted excerpt; `highlights` are character ranges into `text`.
#[derive(Debug, Clone, PartialEq)]
pub struct Snippet {
    /// The excerpt.
    pub text: String,
    /// Character ranges `[start, end)` of matched terms in `text`.
    pub highlights: Vec<(usize, usize)>,
}

/// One hit.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Row id.
    pub row_id: i64,
    /// Stable id.
    pub uid: String,
    /// Instance id.
    pub instance_id: Option<String>,
    /// Base instance (the instance id without a sample suffix).
    pub base_instance: Option<String>,
    /// Trajectory, or a (patch-only) prediction record.
    pub kind: trawl_core::RecordKind,
    /// The record's own trajectory id.
    pub trajectory_id: Option<String>,
    /// Repository.
    pub repo: Option<String>,
    /// Dataset.
    pub dataset: Option<String>,
    /// Format name.
    pub format: String,
    /// Model.
    pub model: Option<String>,
    /// Effective resolved.
    pub resolved: Option<bool>,
    /// Flags.
    pub flags: Vec<Flag>,
    /// Step count.
    pub steps: u64,
    /// Patch files.
    pub patch_files: u64,
    /// Patch lines added + removed.
    pub patch_lines: u64,
    /// The step the full-text part matched, when it matched inside a step.
    pub step: Option<usize>,
    /// A highlighted excerpt of the match.
    pub snippet: Option<Snippet>,
}

/// Facet counts over the whole result set.
#[derive(Debug, Clone, Default)]
pub struct Facets {
    /// Per repository, most first.
    pub repo: Vec<(String, u64)>,
    /// Per dataset.
    pub dataset: Vec<(String, u64)>,
    /// Per format.
    pub format: Vec<(String, u64)>,
    /// Per model.
    pub model: Vec<(String, u64)>,
    /// `true`, `false`, `unknown`.
    pub resolved: Vec<(String, u64)>,
    /// Per flag, in flag order (every flag, zero counts included).
    pub flag: Vec<(String, u64)>,
}

/// A search result.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// Trajectories matching.
    pub total: u64,
    /// Facets over all matches.
    pub facets: Facets,
    /// The requested page.
    pub hits: Vec<Hit>,
    /// Time spent answering (parse, search, facets, hits and snippets).
    pub took: Duration,
}

/// Runs a query.
pub fn search(store: &Store, params: &SearchParams) -> Result<SearchResult, StoreError> {
    let started = Instant::now();
    let expr = query::parse(&params.query).map_err(StoreError::Query)?;
    let analyzer = analyzer(store)?;
    let searcher = store.index.reader.searcher();
    let compiled = trajectories_only(store, &expr, compile(store, &searcher, &analyzer, &expr)?)?;
    let limit = params.limit.max(1);
    let has_text = !text_leaves(&expr, &analyzer).is_empty();
    let sort = match params.sort {
        Sort::Relevance if !has_text => Sort::Ingest,
        s => s,
    };
    let top = TopDocs::with_limit(limit).and_offset(params.offset);
    let (addrs, (total, counts)) = match sort {
        Sort::Relevance => {
            let (docs, f) = searcher.search(&compiled, &(top.order_by_score(), FacetCollector))?;
            (docs.into_iter().map(|(_, a)| a).collect::<Vec<_>>(), f)
        }
        Sort::Ingest => ordered(&searcher, &compiled, top, "id", Order::Asc)?,
        Sort::StepsDesc => ordered(&searcher, &compiled, top, "steps", Order::Desc)?,
        Sort::StepsAsc => ordered(&searcher, &compiled, top, "steps", Order::Asc)?,
        Sort::PatchLinesDesc => ordered(&searcher, &compiled, top, "patch_lines", Order::Desc)?,
        Sort::PatchLinesAsc => ordered(&searcher, &compiled, top, "patch_lines", Order::Asc)?,
        Sort::ResolvedAsc => ordered(&searcher, &compiled, top, "resolved", Order::Asc)?,
        Sort::ResolvedDesc => ordered(&searcher, &compiled, top, "resolved", Order::Desc)?,
        Sort::Text(key, desc) => {
            let (mut all, f) = searcher.search(&compiled, &(IdCollector, FacetCollector))?;
            let ranks = store.ranks(key)?;
            let rank = |id: u64| ranks.get(id as usize).copied().unwrap_or(u32::MAX);
            all.sort_unstable_by_key(|&id| rank(id));
            if desc {
                all.reverse();
            }
            let page: Vec<i64> = all.iter().skip(params.offset).take(limit).map(|&id| id as i64).collect();
            return finish(store, params, &expr, &analyzer, has_text, page, f, started);
        }
    };
    let mut ids = Vec::with_capacity(addrs.len());
    for a in addrs {
        let col = searcher.segment_reader(a.segment_ord).fast_fields().u64("id")?;
        if let Some(id) = col.first(a.doc_id) {
            ids.push(id as i64);
        }
    }
    finish(store, params, &expr, &analyzer, has_text, ids, (total, counts), started)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    store: &Store,
    params: &SearchParams,
    expr: &Expr,
    analyzer: &TextAnalyzer,
    has_text: bool,
    ids: Vec<i64>,
    (total, counts): (u64, FacetCounts),
    started: Instant,
) -> Result<SearchResult, StoreError> {
    let names = dict_names(store)?;
    let facets = counts.into_facets(&names);
    let mut hits = load_hits(store, &ids)?;
    if params.snippets && has_text {
        let leaves = text_leaves(expr, analyzer);
        attach_snippets(store, &mut hits, &leaves, analyzer);
    }
    Ok(SearchResult { total, facets, hits, took: started.elapsed() })
}

/// The row ids of every trajectory matching a query, in ascending order.
pub fn matching_ids(store: &Store, query_text: &str) -> Result<Vec<i64>, StoreError> {
    let expr = query::parse(query_text).map_err(StoreError::Query)?;
    let analyzer = analyzer(store)?;
    let searcher = store.index.reader.searcher();
    let compiled = trajectories_only(store, &expr, compile(store, &searcher, &analyzer, &expr)?)?;
    let mut ids = searcher.search(&compiled, &IdCollector)?;
    ids.sort_unstable();
    Ok(ids.into_iter().map(|id| id as i64).collect())
}

/// Every row id's position when all trajectories are ordered by `key` (then by id), indexed by
/// row id (`u32::MAX` for ids that do not exist).
pub(crate) fn rank_table(conn: &rusqlite::Connection, key: TextKey) -> Result<Vec<u32>, StoreError> {
    let max: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM trajectories", [], |r| r.get(0))?;
    let mut ranks = vec![u32::MAX; max as usize + 1];
    let sql = format!("SELECT id FROM trajectories ORDER BY {} COLLATE NOCASE, id", key.column());
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map([], |r| r.get::<_, i64>(0))?;
    for (pos, id) in rows.enumerate() {
        ranks[id? as usize] = pos as u32;
    }
    Ok(ranks)
}

/// Collects the `id` fast field of every matching document.
struct IdCollector;

struct SegmentIds {
    col: tantivy::columnar::Column<u64>,
    ids: Vec<u64>,
}

impl Collector for IdCollector {
    type Fruit = Vec<u64>;
    type Child = SegmentIds;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentIds> {
        Ok(SegmentIds { col: reader.fast_fields().u64("id")?, ids: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentIds {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.col.first(doc) {
            self.ids.push(id);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.ids
    }
}

/// Counts matches only (no facets, no hits): the fastest path, used for phrase counts.
pub fn count(store: &Store, query_text: &str) -> Result<(u64, Duration), StoreError> {
    let started = Instant::now();
    let expr = query::parse(query_text).map_err(StoreError::Query)?;
    let analyzer = analyzer(store)?;
    let searcher = store.index.reader.searcher();
    let compiled = trajectories_only(store, &expr, compile(store, &searcher, &analyzer, &expr)?)?;
    let n = searcher.search(&compiled, &tantivy::collector::Count)?;
    Ok((n as u64, started.elapsed()))
}

type FacetFruit = (u64, FacetCounts);

fn ordered(
    searcher: &tantivy::Searcher,
    q: &dyn Query,
    top: TopDocs,
    field: &str,
    order: Order,
) -> Result<(Vec<tantivy::DocAddress>, FacetFruit), StoreError> {
    let (docs, f) = searcher.search(q, &(top.order_by_u64_field(field, order), FacetCollector))?;
    Ok((docs.into_iter().map(|(_, a)| a).collect(), f))
}

fn analyzer(store: &Store) -> Result<TextAnalyzer, StoreError> {
    Ok(store.index.index.tokenizer_for_field(store.index.fields.text)?)
}

/// Lowercased tokens of a text, as the index sees them.
fn tokens(analyzer: &TextAnalyzer, text: &str) -> Vec<String> {
    let mut a = analyzer.clone();
    let mut ts = a.token_stream(text);
    let mut out = Vec::new();
    while ts.advance() {
        out.push(ts.token().text.clone());
    }
    out
}

fn text_query(field: Field, toks: Vec<String>) -> Box<dyn Query> {
    match toks.len() {
        0 => Box::new(AllQuery),
        1 => Box::new(TermQuery::new(Term::from_field_text(field, &toks[0]), IndexRecordOption::WithFreqs)),
        _ => Box::new(PhraseQuery::new(toks.iter().map(|t| Term::from_field_text(field, t)).collect())),
    }
}

/// The full-text leaves of a query that are not negated, as token lists.
/// The distinct full-text terms of a query, as the index tokenizes them (lowercase), for
/// highlighting them in a trajectory. Negated terms are not included.
pub fn query_terms(store: &Store, query_text: &str) -> Result<Vec<String>, StoreError> {
    let expr = query::parse(query_text).map_err(StoreError::Query)?;
    let mut terms: Vec<String> = text_leaves(&expr, &analyzer(store)?).into_iter().flatten().collect();
    terms.sort();
    terms.dedup();
    Ok(terms)
}

fn text_leaves(expr: &Expr, analyzer: &TextAnalyzer) -> Vec<Vec<String>> {
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
fn trajectories_only(store: &Store, expr: &Expr, q: Box<dyn Query>) -> Result<Box<dyn Query>, StoreError> {
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
fn prediction_docs(store: &Store) -> Result<Box<dyn Query>, StoreError> {
    let name = trawl_core::Format::SwebenchPreds.as_str().to_string();
    dict_query(store, store.index.fields.format, DICT_FORMAT, &Pattern::Exact(name))
}

/// A full-text leaf: the trajectories that contain the text inline, or that reference a shared
/// chunk containing it (see `index::build_doc`).
fn text_leaf(store: &Store, searcher: &tantivy::Searcher, toks: Vec<String>) -> Result<Box<dyn Query>, StoreError> {
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
    let refs = TermSetQuery::new(keys.into_iter().map(|k| Term::from_field_u64(f.chunk_ref, k)));
    Ok(Box::new(BooleanQuery::new(vec![(Occur::Should, inline), (Occur::Should, Box::new(refs) as Box<dyn Query>)])))
}

/// Collects the keys of matching chunk documents.
struct ChunkKeys;

struct SegmentChunkKeys {
    col: tantivy::columnar::Column<u64>,
    keys: Vec<u64>,
}

impl Collector for ChunkKeys {
    type Fruit = Vec<u64>;
    type Child = SegmentChunkKeys;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentChunkKeys> {
        Ok(SegmentChunkKeys { col: reader.fast_fields().u64("chunk")?, keys: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentChunkKeys {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(k) = self.col.first(doc) {
            self.keys.push(k);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.keys
    }
}

fn compile(
    store: &Store,
    searcher: &tantivy::Searcher,
    analyzer: &TextAnalyzer,
    expr: &Expr,
) -> Result<Box<dyn Query>, StoreError> {
    let f = &store.index.fields;
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
        Expr::Step(conds) => {
            let ids = step_matches(store, conds)?;
            if ids.is_empty() {
                Box::new(EmptyQuery)
            } else {
                Box::new(TermSetQuery::new(ids.into_iter().map(|id| Term::from_field_u64(f.id, id as u64))))
            }
        }
    })
}

fn compile_filter(store: &Store, filter: &Filter) -> Result<Box<dyn Query>, StoreError> {
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
            let ids = id_set(store, crate::labels::label_term_rows(store, l)?);
            match l.cond {
                query::LabelCond::None => not(ids),
                _ => ids,
            }
        }
        Filter::Annotator(p) => id_set(store, crate::labels::annotator_rows(store, p)?),
        Filter::Noted(true) => id_set(store, crate::labels::noted_rows(store)?),
        Filter::Noted(false) => not(id_set(store, crate::labels::noted_rows(store)?)),
    })
}

/// A term-set query on the `id` field (empty when there are no ids).
fn id_set(store: &Store, ids: Vec<i64>) -> Box<dyn Query> {
    if ids.is_empty() {
        return Box::new(EmptyQuery);
    }
    let f = store.index.fields.id;
    Box::new(TermSetQuery::new(ids.into_iter().map(|id| Term::from_field_u64(f, id as u64))))
}

/// Everything but the query's matches.
fn not(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(BooleanQuery::new(vec![(Occur::Must, Box::new(AllQuery) as Box<dyn Query>), (Occur::MustNot, q)]))
}

/// Row ids of every trajectory a query matches, ascending (ingest order), without loading rows.
pub fn matching_row_ids(store: &Store, query_text: &str) -> Result<Vec<i64>, StoreError> {
    let expr = query::parse(query_text).map_err(StoreError::Query)?;
    let analyzer = analyzer(store)?;
    let searcher = store.index.reader.searcher();
    let compiled = trajectories_only(store, &expr, compile(store, &searcher, &analyzer, &expr)?)?;
    let mut ids = searcher.search(&compiled, &RowIds)?;
    ids.sort_unstable();
    Ok(ids)
}

/// Collects the row ids (`id` fast field) of every matching document.
struct RowIds;

struct SegmentRowIds {
    col: tantivy::columnar::Column<u64>,
    ids: Vec<i64>,
}

impl Collector for RowIds {
    type Fruit = Vec<i64>;
    type Child = SegmentRowIds;

    fn for_segment(&self, _ord: u32, reader: &SegmentReader) -> tantivy::Result<SegmentRowIds> {
        Ok(SegmentRowIds { col: reader.fast_fields().u64("id")?, ids: Vec::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentRowIds {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.col.first(doc) {
            self.ids.push(id as i64);
        }
    }

    fn harvest(self) -> Vec<i64> {
        self.ids
    }
}

fn range_query(field: Field, r: Range) -> Box<dyn Query> {
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

/// A pattern for an error message: its first 40 characters, then `…`.
fn short(pattern: &str) -> String {
    let mut out: String = pattern.chars().take(40).collect();
    if pattern.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A glob with `*` as a regex matching the whole value.
pub fn glob_regex(glob: &str) -> String {
    let parts: Vec<String> = glob.split('*').map(regex::escape).collect();
    parts.join(".*")
}

fn string_query(field: Field, p: &Pattern) -> Result<Box<dyn Query>, StoreError> {
    Ok(match p {
        Pattern::Exact(v) => Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic)),
        // tantivy's automaton has a state limit: a glob past it is refused in a sentence
        Pattern::Glob(g) => Box::new(RegexQuery::from_pattern(&glob_regex(g), field).map_err(|_| {
            StoreError::Invalid(format!(
                "the pattern '{}' is too complex for the index: use fewer '*' or a shorter pattern",
                short(g)
            ))
        })?),
    })
}

fn dict_query(store: &Store, field: Field, kind: i64, p: &Pattern) -> Result<Box<dyn Query>, StoreError> {
    let ids: Vec<u64> = match p {
        Pattern::Exact(v) => store
            .conn
            .prepare_cached("SELECT id FROM dict WHERE kind = ?1 AND value = ?2")?
            .query_map(rusqlite::params![kind, v], |r| r.get::<_, i64>(0))?
            .map(|r| r.map(|v| v as u64))
            .collect::<Result<_, _>>()?,
        Pattern::Glob(g) => {
            // An escaped glob is a valid regex; a very long one can still exceed the size limit.
            let re = regex::Regex::new(&format!("^(?:{})$", glob_regex(g))).map_err(|_| {
                StoreError::Invalid(format!("the pattern '{}' is too large to match: use a shorter pattern", short(g)))
            })?;
            let mut st = store.conn.prepare_cached("SELECT id, value FROM dict WHERE kind = ?1")?;
            let rows = st.query_map([kind], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, value) = row?;
                if re.is_match(&value) {
                    ids.push(id as u64);
                }
            }
            ids
        }
    };
    Ok(match ids.len() {
        0 => Box::new(EmptyQuery),
        _ => Box::new(TermSetQuery::new(ids.into_iter().map(|id| Term::from_field_u64(field, id)))),
    })
}

/// Row ids of the records whose base instance matches (`base_instance` is stored only where it
/// differs from `instance_id`).
fn base_instance_rows(store: &Store, p: &Pattern) -> Result<Vec<i64>, StoreError> {
    let ids = match p {
        Pattern::Exact(v) => {
            let mut st = store.conn.prepare_cached(
                "SELECT id FROM trajectories WHERE base_instance = ?1
                 UNION SELECT id FROM trajectories WHERE instance_id = ?1 AND base_instance IS NULL",
            )?;
            let rows = st.query_map([v], |r| r.get(0))?;
            rows.collect::<Result<Vec<i64>, _>>()?
        }
        Pattern::Glob(g) => {
            ensure_regexp(&store.conn)?;
            let mut st = store
                .conn
                .prepare_cached("SELECT id FROM trajectories WHERE regexp(?1, coalesce(base_instance, instance_id))")?;
            let rows = st.query_map([format!("^(?:{})$", glob_regex(g))], |r| r.get(0))?;
            rows.collect::<Result<Vec<i64>, _>>()?
        }
    };
    Ok(ids)
}

/// Row ids of trajectories with at least one call satisfying all conditions.
fn step_matches(store: &Store, conds: &[StepCond]) -> Result<Vec<i64>, StoreError> {
    ensure_regexp(&store.conn)?;
    let mut wheres = Vec::new();
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    for c in conds {
        match c {
            StepCond::Tool(Pattern::Exact(t)) => {
                wheres.push("tool = ?".to_string());
                args.push(t.clone().into());
            }
            StepCond::Tool(Pattern::Glob(g)) => {
                wheres.push("regexp(?, tool)".to_string());
                args.push(format!("^(?:{})$", glob_regex(g)).into());
            }
            StepCond::CmdRegex(re) => {
                wheres.push("regexp(?, cmd)".to_string());
                args.push(re.clone().into());
            }
            StepCond::CmdContains(s) => {
                wheres.push("instr(cmd, ?) > 0".to_string());
                args.push(s.clone().into());
            }
            StepCond::ExitIs(n) => {
                wheres.push("exit_code = ?".to_string());
                args.push((*n).into());
            }
            StepCond::ExitIsNot(n) => {
                wheres.push("exit_code IS NOT NULL AND exit_code != ?".to_string());
                args.push((*n).into());
            }
        }
    }
    // Cheap conditions first: SQLite evaluates the terms it cannot answer from an index in order,
    // so the regex callback runs only on calls that already have the right tool and exit code.
    let mut order: Vec<usize> = (0..wheres.len()).collect();
    order.sort_by_key(|&i| wheres[i].contains("regexp") || wheres[i].contains("instr"));
    let wheres: Vec<String> = order.iter().map(|&i| wheres[i].clone()).collect();
    let args: Vec<rusqlite::types::Value> = order.iter().map(|&i| args[i].clone()).collect();
    let sql = format!(
        "SELECT DISTINCT traj FROM calls WHERE {}",
        if wheres.is_empty() { "1".to_string() } else { wheres.join(" AND ") }
    );
    let mut st = store.conn.prepare_cached(&sql)?;
    let ids = st.query_map(params_from_iter(args), |r| r.get::<_, i64>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// Registers `regexp(pattern, text)` on a connection (compiled patterns are cached per statement).
pub fn ensure_regexp(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    conn.create_scalar_function(
        "regexp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let re =
                ctx.get_or_create_aux(0, |vr| -> Result<regex::Regex, Box<dyn std::error::Error + Send + Sync>> {
                    Ok(regex::Regex::new(vr.as_str()?)?)
                })?;
            let text = ctx.get_raw(1).as_str().unwrap_or("");
            Ok(re.is_match(text))
        },
    )?;
    Ok(())
}

/// Dictionary id → value, per kind.
fn dict_names(store: &Store) -> Result<HashMap<(i64, u64), String>, StoreError> {
    let mut st = store.conn.prepare_cached("SELECT kind, id, value FROM dict")?;
    let rows = st.query_map([], |r| Ok(((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64), r.get::<_, String>(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn load_hits(store: &Store, ids: &[i64]) -> Result<Vec<Hit>, StoreError> {
    let mut st = store.conn.prepare_cached(
        "SELECT uid, instance_id, trajectory_id, repo, dataset, format, model, resolved, flags, steps, patch_files,
                patch_added + patch_removed, coalesce(base_instance, instance_id), kind
         FROM trajectories WHERE id = ?1",
    )?;
    let mut hits = Vec::with_capacity(ids.len());
    for &id in ids {
        let hit = st.query_row([id], |r| {
            let flags: i64 = r.get(8)?;
            Ok(Hit {
                row_id: id,
                uid: r.get(0)?,
                instance_id: r.get(1)?,
                base_instance: r.get(12)?,
                kind: if r.get::<_, i64>(13)? == crate::predictions::KIND_PREDICTION {
                    trawl_core::RecordKind::Prediction
                } else {
                    trawl_core::RecordKind::Trajectory
                },
                trajectory_id: r.get(2)?,
                repo: r.get(3)?,
                dataset: r.get(4)?,
                format: r.get(5)?,
                model: r.get(6)?,
                resolved: r.get(7)?,
                flags: trawl_core::facts::FlagSet(flags as u32).iter().collect(),
                steps: r.get::<_, i64>(9)? as u64,
                patch_files: r.get::<_, i64>(10)? as u64,
                patch_lines: r.get::<_, i64>(11)? as u64,
                step: None,
                snippet: None,
            })
        })?;
        hits.push(hit);
    }
    Ok(hits)
}

/// Finds the matched step and a snippet for each hit. Records are read from SQLite on this thread
/// and normalized and scanned on two threads.
fn attach_snippets(store: &Store, hits: &mut [Hit], leaves: &[Vec<String>], analyzer: &TextAnalyzer) {
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
fn prefilter(leaves: &[Vec<String>]) -> Option<regex::Regex> {
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
fn find_match(
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
const SNIPPET_CONTEXT: usize = 80;

fn snippet_in(text: &str, leaves: &[Vec<String>], analyzer: &TextAnalyzer) -> Option<Snippet> {
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

fn back_chars(text: &str, from: usize, n: usize) -> usize {
    text[..from].char_indices().rev().nth(n.saturating_sub(1)).map(|(i, _)| i).unwrap_or(0)
}

fn forward_chars(text: &str, from: usize, n: usize) -> usize {
    text[from..].char_indices().nth(n).map(|(i, _)| from + i).unwrap_or(text.len())
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Counts of facet values by dictionary id, gathered from fast fields.
#[derive(Default, Clone)]
struct FacetCounts {
    repo: HashMap<u64, u64>,
    dataset: HashMap<u64, u64>,
    format: HashMap<u64, u64>,
    model: HashMap<u64, u64>,
    resolved: [u64; 3],
    flags: [u64; 32],
}

impl FacetCounts {
    fn merge(&mut self, o: FacetCounts) {
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

    fn into_facets(self, names: &HashMap<(i64, u64), String>) -> Facets {
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
struct FacetCollector;

struct SegmentFacets {
    cols: [tantivy::columnar::Column<u64>; 6],
    count: u64,
    counts: FacetCounts,
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
