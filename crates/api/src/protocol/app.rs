//! Protocol types of the app's methods: database, jobs, charts, source excerpts, trajectory
//! rendering and comparison.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use trawl_render::{
    AlignedPair, CallRender, Code, DiffLine, DiffLineKind, FileDiff, Hunk, RenderedCall, RenderedStep, Span, StepRole,
    StepSummary,
};

use super::{FacetValue, IngestProgress, IngestReport, StatsResponse, TrajectoryMeta};

/// Parameters of a method that takes none.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
pub struct Empty {}

/// The open database.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DbInfo {
    /// Path of the database file.
    pub path: String,
    /// Counts about it.
    pub stats: StatsResponse,
    /// One-line notices about the database not shown before (an index rebuilt, and why).
    #[serde(default)]
    pub notices: Vec<String>,
}

/// `open_db`: open (or create) a database file.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OpenDbRequest {
    /// Path of the database file; created with its parent directory when missing.
    pub path: String,
}

/// A trajectory id.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct IdRequest {
    /// Stable id (or a unique prefix of at least 6 characters).
    pub id: String,
}

/// `trajectory`: one trajectory, rendered for reading.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrajectoryRequest {
    /// Stable id (or a unique prefix of at least 6 characters).
    pub id: String,
    /// The query the user came from: its full-text terms are returned for highlighting.
    #[serde(default)]
    #[ts(optional)]
    pub query: Option<String>,
    /// Render the steps from this index on (default 0).
    #[serde(default)]
    #[ts(optional)]
    pub from_step: Option<usize>,
    /// Render at most this many steps (default: all). A reader's first screen needs a few; the
    /// rest follow with `from_step`. The final patch comes with the part that reaches the end.
    #[serde(default)]
    #[ts(optional)]
    pub max_steps: Option<usize>,
}

/// `observation`: one observation, whole or up to `max_lines`.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ObservationRequest {
    /// Trajectory id.
    pub id: String,
    /// Step index.
    pub step: usize,
    /// Tool call index in the step, or null for the step's own observation.
    pub call: Option<usize>,
    /// At most this many lines (`truncated` says when there are more); null or absent: all.
    #[serde(default)]
    #[ts(optional)]
    pub max_lines: Option<usize>,
}

/// `compare`: two trajectories side by side.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CompareRequest {
    /// The left trajectory.
    pub a: String,
    /// The right trajectory.
    pub b: String,
}

/// `charts`: distributions and rates over the matches of a query.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ChartsRequest {
    /// The query (empty = everything).
    #[serde(default)]
    pub query: String,
}

/// A job id.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct JobIdRequest {
    /// The job.
    pub id: u64,
}

/// State of a background job.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, TS, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Running.
    Running,
    /// Finished.
    Done,
    /// Stopped by an error.
    Failed,
    /// Stopped on request.
    Cancelled,
}

/// A background ingest job.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct JobView {
    /// Job id (unique within this process).
    pub id: u64,
    /// The paths being ingested.
    pub paths: Vec<String>,
    /// Its state.
    pub state: JobState,
    /// The latest progress.
    pub progress: Option<IngestProgress>,
    /// The report, once finished or cancelled.
    pub report: Option<IngestReport>,
    /// The error that stopped it.
    pub error: Option<String>,
}

/// `source_lines`: raw lines of a source file around a line (to open a diagnostic).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SourceLinesRequest {
    /// The file, as a diagnostic names it.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// Lines before and after (default 3, at most 50).
    #[serde(default)]
    #[ts(optional)]
    pub context: Option<u64>,
}

/// Raw lines of a source file.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SourceExcerpt {
    /// The file.
    pub file: String,
    /// Line number of `lines[0]`.
    pub first_line: u64,
    /// The lines, each cut at 2,000 characters (render as text).
    pub lines: Vec<String>,
}

/// A histogram bucket: values `lo..=hi`.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct Bucket {
    /// Smallest value in the bucket.
    pub lo: u64,
    /// Largest value in the bucket.
    pub hi: u64,
    /// Trajectories in it.
    pub count: u64,
}

/// A distribution.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq, Default)]
pub struct Histogram {
    /// Buckets in value order; empty when no value is known.
    pub buckets: Vec<Bucket>,
    /// Trajectories without a value (e.g. no token counts).
    pub missing: u64,
}

/// Rates for one repository or dataset.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct RateRow {
    /// The repository or dataset (`(none)` when missing).
    pub key: String,
    /// Trajectories.
    pub total: u64,
    /// Resolved.
    pub resolved_true: u64,
    /// Known not resolved.
    pub resolved_false: u64,
    /// Trajectories per flag.
    pub flags: BTreeMap<String, u64>,
}

/// Distributions and rates over the matches of a query.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ChartsResponse {
    /// Trajectories matching.
    pub total: u64,
    /// Steps per trajectory.
    pub steps: Histogram,
    /// Prompt + completion tokens per trajectory.
    pub tokens: Histogram,
    /// Patch lines (added + removed) per trajectory.
    pub patch_lines: Histogram,
    /// Per repository, most trajectories first (at most 50).
    pub by_repo: Vec<RateRow>,
    /// Per dataset, most trajectories first.
    pub by_dataset: Vec<RateRow>,
    /// Calls per tool, most first.
    pub tools: Vec<FacetValue>,
    /// Milliseconds spent.
    pub took_ms: f64,
}

/// A trajectory rendered for reading: typed, highlighted steps and the final patch as diffs.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RenderedTrajectory {
    /// The header.
    pub meta: TrajectoryMeta,
    /// Task text.
    pub problem_statement: Option<String>,
    /// Steps, each tool call rendered by kind; long observations truncated (see `observation`).
    /// All of them, or the part the request asked for (each carries its `index`).
    pub steps: Vec<RenderedStep>,
    /// Whether `steps` reach the last step. When false, `patch` is empty and the rest comes with
    /// `from_step`.
    pub complete: bool,
    /// The final patch, per file (with the part that reaches the last step).
    pub patch: Vec<FileDiff>,
    /// Lowercase full-text terms of the request's query, to highlight.
    pub terms: Vec<String>,
    /// Milliseconds spent loading and rendering.
    pub took_ms: f64,
}

/// Two trajectories side by side.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct CompareView {
    /// The left one.
    pub a: TrajectoryMeta,
    /// The right one.
    pub b: TrajectoryMeta,
    /// Per file: how b's patch differs from a's.
    pub patch_diff: Vec<FileDiff>,
    /// The left steps, summarized.
    pub a_steps: Vec<StepSummary>,
    /// The right steps, summarized.
    pub b_steps: Vec<StepSummary>,
    /// The steps paired: every index of both sides once, in order.
    pub alignment: Vec<AlignedPair>,
}
