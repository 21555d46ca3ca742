//! What a search takes and gives: parameters, sort orders, hits with their snippets, facets.

use std::time::Duration;

use trawl_core::facts::Flag;

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
