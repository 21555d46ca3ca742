//! The request/response protocol: plain serde types with public fields. This is the JSON
//! contract of `trawl … --json` and of the HTTP API; domain types are converted into these here
//! and nowhere else. Field names and meanings are stable; new fields may be added.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

mod labels;
pub use labels::*;

mod subsets;
pub use subsets::*;

mod trajectory;
pub use trajectory::*;

mod vocab;
pub use vocab::*;

/// `ingest`: files and directories to read.
#[derive(Debug, Clone, Serialize, Deserialize, Default, TS)]
pub struct IngestRequest {
    /// Paths of files or directories (walked).
    pub paths: Vec<String>,
    /// Re-read files that were completely ingested before and have not changed.
    #[serde(default)]
    pub force: bool,
}

/// Progress of a running ingest.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct IngestProgress {
    /// Records read so far.
    pub records: u64,
    /// Bytes of input read so far.
    pub bytes: u64,
    /// Bytes of the files on disk consumed so far.
    pub disk_bytes: u64,
    /// Total bytes of the files on disk.
    pub total_bytes: u64,
    /// Seconds since the start.
    pub elapsed_s: f64,
    /// MB/s of input so far.
    pub mb_per_s: f64,
    /// Estimated seconds left, when it can be estimated.
    pub eta_s: Option<f64>,
    /// The file being read.
    pub current_file: String,
    /// Its place among the files this ingest reads (1-based: file `file_index` of `files`).
    pub file_index: usize,
    /// Files this ingest reads (the shards of a dataset's `data/` folder, say).
    pub files: usize,
}

/// A diagnostic: a record or file that could not be stored, or was stored with a warning.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct DiagnosticView {
    /// `error` (not stored) or `warning` (stored, but odd).
    pub severity: String,
    /// The file.
    pub file: String,
    /// 1-based line or row; 0 for the whole file.
    pub line: u64,
    /// What was wrong.
    pub message: String,
}

/// What an ingest did.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct IngestReport {
    /// Files read (or resumed).
    pub files: u64,
    /// Files skipped as completely ingested before and unchanged.
    pub files_unchanged: u64,
    /// Records read.
    pub records: u64,
    /// Trajectories newly stored.
    pub stored: u64,
    /// Records identical to an already stored trajectory (not stored again).
    pub duplicates: u64,
    /// Records that were outcome reports, not trajectories.
    pub reports: u64,
    /// Records not stored because they could not be read (each named by an error diagnostic).
    /// `records = stored + duplicates + reports + rejected`.
    pub rejected: u64,
    /// Outcome statements read from report files.
    pub outcomes: u64,
    /// Trajectories whose resolved label was joined from a report.
    pub resolved_joined: u64,
    /// Newly stored trajectories per format.
    pub by_format: BTreeMap<String, u64>,
    /// Errors (records or files not stored).
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// The first diagnostics (all are in `trawl diagnostics`).
    pub diagnostics: Vec<DiagnosticView>,
    /// Bytes read.
    pub bytes: u64,
    /// Seconds.
    pub elapsed_s: f64,
    /// Stopped before the end.
    pub cancelled: bool,
}

/// `search`: a query in the query language.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SearchRequest {
    /// The query.
    pub query: String,
    /// Page size (default 20).
    #[serde(default = "default_limit")]
    pub limit: usize,
    /// Hits to skip.
    #[serde(default)]
    pub offset: usize,
    /// `relevance` (default), `ingest`, `steps_desc`, `steps_asc`, `patch_lines_desc`, ….
    #[serde(default)]
    pub sort: Option<SearchSort>,
    /// Compute the matched step and snippet of each hit (default true).
    #[serde(default = "default_true")]
    pub snippets: bool,
}

fn default_limit() -> usize {
    20
}

fn default_true() -> bool {
    true
}

/// A facet value and its count.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct FacetValue {
    /// The value (`(none)` when the field is missing).
    pub value: String,
    /// Matching trajectories with this value.
    pub count: u64,
}

/// A highlighted excerpt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
pub struct SnippetView {
    /// The excerpt text (render as text, never as markup).
    pub text: String,
    /// Character ranges `[start, end)` of matched terms in `text`.
    pub highlights: Vec<[usize; 2]>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SearchHit {
    /// Our stable trajectory id.
    pub id: String,
    /// `trajectory`, or `prediction` for a patch-only record (found with `kind:prediction`).
    pub kind: RecordKind,
    /// Instance id, as in the source.
    pub instance_id: Option<String>,
    /// The instance id without a sample suffix (equal to `instance_id` when it has none).
    pub base_instance: Option<String>,
    /// The record's own trajectory id, or null.
    pub trajectory_id: Option<String>,
    /// Repository.
    pub repo: Option<String>,
    /// Dataset (task source).
    pub dataset: Option<String>,
    /// Format name.
    pub format: String,
    /// Model.
    pub model: Option<String>,
    /// true, false, or null when unknown.
    pub resolved: Option<bool>,
    /// Flag names.
    pub flags: Vec<QualityFlag>,
    /// Step count.
    pub steps: u64,
    /// Files in the patch.
    pub patch_files: u64,
    /// Lines added + removed in the patch.
    pub patch_lines: u64,
    /// Index of the step the text query matched, or null.
    pub step: Option<usize>,
    /// A highlighted excerpt, or null when the query has no full-text part.
    pub snippet: Option<SnippetView>,
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SearchResponse {
    /// Trajectories matching.
    pub total: u64,
    /// Milliseconds spent answering inside the process.
    pub took_ms: f64,
    /// Facet counts over all matches: `repo`, `dataset`, `format`, `model`, `resolved`, `flag`.
    pub facets: BTreeMap<String, Vec<FacetValue>>,
    /// The requested page of hits.
    pub hits: Vec<SearchHit>,
}

/// Counts about the database.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StatsResponse {
    /// Trajectories stored (prediction records excluded).
    pub trajectories: u64,
    /// Patch-only records: predictions that joined no trajectory of their run (found with
    /// `kind:prediction`).
    pub predictions: u64,
    /// Predictions joined to a trajectory of their run (kept as its submitted prediction).
    pub predictions_joined: u64,
    /// Per format.
    pub by_format: BTreeMap<String, u64>,
    /// Per dataset (`(none)` when missing).
    pub by_dataset: BTreeMap<String, u64>,
    /// `true`, `false`, `unknown`.
    pub resolved: BTreeMap<String, u64>,
    /// Per flag.
    pub flags: BTreeMap<String, u64>,
    /// Diagnostics stored (errors + warnings).
    pub diagnostics: u64,
    /// Diagnostics of severity error.
    pub errors: u64,
    /// Diagnostics of severity warning.
    pub warnings: u64,
    /// Source files known.
    pub sources: u64,
    /// Distinct content-addressed blobs.
    pub blobs: u64,
    /// Documents in the search index: trajectories and patch-only records.
    pub indexed: u64,
    /// The index has not reached the database's last change yet: an ingest is writing, and
    /// `indexed` catches up as it commits. Otherwise `indexed` different from `trajectories` is
    /// an error (`trawl check --repair`).
    #[serde(default)]
    pub index_behind: bool,
    /// Size of the database file in bytes.
    pub db_bytes: u64,
}

/// `diagnostics`: the stored diagnostics, optionally of one file.
#[derive(Debug, Clone, Serialize, Deserialize, Default, TS)]
pub struct DiagnosticsRequest {
    /// Only this file.
    pub file: Option<String>,
    /// At most this many (default all).
    pub limit: Option<usize>,
}

/// The stored diagnostics.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DiagnosticsResponse {
    /// Total stored (before `limit`).
    pub total: u64,
    /// In file and line order.
    pub diagnostics: Vec<DiagnosticView>,
}

/// What a reindex did.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReindexReport {
    /// Documents indexed.
    pub indexed: u64,
    /// Seconds.
    pub elapsed_s: f64,
}

/// One thing `check` found wrong.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CheckFinding {
    /// `index_foreign`, `index_ahead`, `index_behind`, `index_missing`, `index_stale`,
    /// `index_doubled`, `derived`, `hash` or `damaged`.
    pub kind: String,
    /// What, naming the trajectories and values.
    pub message: String,
}

/// What `check` found in the whole database and, with `--repair`, what it repaired.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CheckReport {
    /// Trajectories in the database.
    pub trajectories: u64,
    /// Trajectory documents in the index, as found.
    pub indexed: u64,
    /// True when nothing was found wrong.
    pub healthy: bool,
    /// What was found wrong (before any repair).
    pub findings: Vec<CheckFinding>,
    /// What was repaired, one line each.
    pub repaired: Vec<String>,
    /// What is still wrong (without `--repair`: every finding).
    pub unrepaired: Vec<String>,
}

/// Error codes the UI and scripts branch on.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The query has a syntax error (see `column`).
    BadQuery,
    /// No such trajectory.
    NotFound,
    /// The database is newer than this trawl.
    DatabaseTooNew,
    /// A path could not be read.
    Io,
    /// The request is malformed or names something that does not exist (see `message`).
    BadRequest,
    /// The request lacks the token (HTTP only).
    Unauthorized,
    /// Refused: a path outside the server's data directories, or a request that does not come
    /// from the app (HTTP only; see `message`).
    Forbidden,
    /// The request ran longer than the server allows (a search or render; HTTP only).
    TooExpensive,
    /// Anything else.
    Internal,
}

/// An error as the protocol carries it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    /// What kind of error.
    pub code: ErrorCode,
    /// A one-line lowercase message.
    pub message: String,
    /// For `bad_query`: the 1-based column.
    pub column: Option<usize>,
}

mod app;
pub use app::*;

mod methods;
pub use methods::*;
