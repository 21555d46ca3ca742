//! The one API boundary of trawl: a [`Library`] handle whose methods are the use cases (ingest,
//! search, show, stats, diagnostics, reindex, and labelling in `labels.rs`), taking and returning the plain types of
//! [`protocol`]. The CLI, the HTTP server and the desktop shell all call this and nothing below it.
//!
//! **API Boundary:** domain types (`trawl_core`, `trawl_store`) never cross this crate's public
//! surface; they are converted into protocol types in `convert.rs` and nowhere else. This crate
//! holds no SQL and no parsing.
#![deny(missing_docs)]

mod convert;
mod labels;
mod paths;
pub mod protocol;
pub mod service;

pub use paths::PathPolicy;
pub use service::Service;
mod subsets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use convert::{diagnostic_view, meta_of};
use protocol::*;
use trawl_store::search::{self, SearchParams};
use trawl_store::{Store, StoreError};

/// An error of the API: a code to branch on and a one-line message.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.message)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError(ErrorBody { code, message: message.into(), column: None })
    }

    /// The error code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let code = match &e {
            StoreError::TooNew { .. } => ErrorCode::DatabaseTooNew,
            StoreError::Query(q) => {
                return ApiError(ErrorBody {
                    code: ErrorCode::BadQuery,
                    message: format!("bad query at column {}: {}", q.column, q.message),
                    column: Some(q.column),
                })
            }
            StoreError::NotFound(_) | StoreError::Missing { .. } => ErrorCode::NotFound,
            StoreError::Io { .. } | StoreError::Cannot { .. } | StoreError::DiskFull { .. } => ErrorCode::Io,
            StoreError::Sqlite(_)
            | StoreError::Migration { .. }
            | StoreError::Index(_)
            | StoreError::Damaged { .. } => ErrorCode::Internal,
            // every refusal of a request as given (names what and why); no wildcard, so a new
            // variant must be placed here or above
            StoreError::ReadOnly
            | StoreError::Busy(_)
            | StoreError::Invalid(_)
            | StoreError::NotADatabase { .. }
            | StoreError::TooOldReadOnly { .. }
            | StoreError::IndexNotAFolder { .. }
            | StoreError::IndexUnusable { .. }
            | StoreError::IndexMismatch { .. }
            | StoreError::IndexReadOnly { .. }
            | StoreError::BadName { .. }
            | StoreError::UnknownLabelSet { .. }
            | StoreError::BadLabel { .. }
            | StoreError::LabelKindChange { .. }
            | StoreError::Undo { .. }
            | StoreError::TextAgreement { .. }
            | StoreError::UnknownSubset { .. }
            | StoreError::NoSubsetVersion { .. }
            | StoreError::UnknownMember { .. }
            | StoreError::UnknownOrderKey { .. }
            | StoreError::BadThreshold { .. }
            | StoreError::BadCap
            | StoreError::UnknownList { .. }
            | StoreError::BuiltinList { .. }
            | StoreError::BadListFile { .. }
            | StoreError::BadSplitRatios { .. }
            | StoreError::CompressionNeedsParquet { .. }
            | StoreError::BareNeedsSftChat { .. }
            | StoreError::ExportTarget { .. }
            | StoreError::NotAManifest { .. }
            | StoreError::ChecksumMismatch { .. }
            | StoreError::ManifestRecordsMissing { .. }
            | StoreError::ManifestValue { .. }
            | StoreError::RebuildDiffers { .. } => ErrorCode::BadRequest,
        };
        ApiError::new(code, e.to_string())
    }
}

/// An open trawl database.
pub struct Library {
    store: Store,
    annotator: labels::Annotator,
}

impl Library {
    /// Opens or creates the database at `path`. Notices about opening it (an index rebuilt, and
    /// why) wait in [`Library::take_notices`].
    pub fn open(path: &Path) -> Result<Library, ApiError> {
        Library::open_with(path, true)
    }

    /// Opens the database at `path`; with `create` false a missing file is an error
    /// (`ErrorCode::NotFound`) and nothing is created.
    pub fn open_with(path: &Path, create: bool) -> Result<Library, ApiError> {
        Ok(Library { store: Store::open_with(path, create)?, annotator: labels::Annotator::from_environment() })
    }

    /// True when `path` (canonical, as ingest records it) is a source file of this database.
    pub fn is_source(&self, path: &str) -> Result<bool, ApiError> {
        Ok(self.store.is_source(path)?)
    }

    /// Opens the database and its index as they are, for [`Library::check`]: nothing is caught up
    /// or rebuilt on the way in.
    pub fn open_as_is(path: &Path) -> Result<Library, ApiError> {
        Ok(Library { store: Store::open_as_is(path)?, annotator: labels::Annotator::from_environment() })
    }

    /// One-line notices gathered since the last call (an index rebuilt on opening or refreshing,
    /// and why): the CLI prints them on stderr, the app shows them.
    pub fn take_notices(&mut self) -> Vec<String> {
        self.store.take_notices()
    }

    /// Verifies the whole database (index against SQLite, derived facts, record hashes); with
    /// `repair`, repairs what it can.
    pub fn check(&mut self, repair: bool) -> Result<CheckReport, ApiError> {
        Ok(convert::check_report(trawl_store::check::check(&mut self.store, repair)?))
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        self.store.db_path()
    }

    /// Ingests files and directories, reporting progress after every batch.
    pub fn ingest(
        &mut self,
        req: &IngestRequest,
        progress: impl FnMut(&IngestProgress),
    ) -> Result<IngestReport, ApiError> {
        self.ingest_cancellable(req, None, progress)
    }

    /// Ingests like [`Library::ingest`]; setting `cancel` stops it after the current batch.
    pub fn ingest_cancellable(
        &mut self,
        req: &IngestRequest,
        cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
        mut progress: impl FnMut(&IngestProgress),
    ) -> Result<IngestReport, ApiError> {
        let paths: Vec<PathBuf> = req.paths.iter().map(PathBuf::from).collect();
        let opts = trawl_store::ingest::IngestOptions { force: req.force, cancel, ..Default::default() };
        let db = self.store.db_path().to_path_buf();
        let s = trawl_store::ingest::ingest(&mut self.store, &paths, &opts, |p| progress(&convert::progress_view(p)))
            .map_err(|e| e.at_disk_full(&db))?;
        Ok(convert::ingest_report(s))
    }

    /// Runs a query.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, ApiError> {
        if req.limit > 1000 {
            return Err(ApiError::new(ErrorCode::BadRequest, format!("limit {} is above 1000", req.limit)));
        }
        let r = search::search(
            &self.store,
            &SearchParams {
                query: req.query.clone(),
                limit: req.limit,
                offset: req.offset,
                sort: convert::sort_of(req.sort),
                snippets: req.snippets,
            },
        )?;
        let facet = |v: Vec<(String, u64)>| v.into_iter().map(|(value, count)| FacetValue { value, count }).collect();
        let mut facets = BTreeMap::new();
        facets.insert("repo".to_string(), facet(r.facets.repo));
        facets.insert("dataset".to_string(), facet(r.facets.dataset));
        facets.insert("format".to_string(), facet(r.facets.format));
        facets.insert("model".to_string(), facet(r.facets.model));
        facets.insert("resolved".to_string(), facet(r.facets.resolved));
        facets.insert("flag".to_string(), facet(r.facets.flag));
        Ok(SearchResponse {
            total: r.total,
            took_ms: r.took.as_secs_f64() * 1000.0,
            facets,
            hits: r.hits.into_iter().map(convert::hit_view).collect(),
        })
    }

    /// Counts the matches of a query without facets or hits; returns (count, milliseconds).
    pub fn count(&self, query: &str) -> Result<(u64, f64), ApiError> {
        let (n, took) = search::count(&self.store, query)?;
        Ok((n, took.as_secs_f64() * 1000.0))
    }

    /// One trajectory, normalized, by stable id (or a unique prefix of at least 6 characters).
    pub fn show(&self, id: &str) -> Result<TrajectoryView, ApiError> {
        Ok(convert::trajectory_view(self.load(id)?))
    }

    fn load(&self, id: &str) -> Result<trawl_store::show::LoadedRow, ApiError> {
        let row_id = trawl_store::show::row_id_for_uid(&self.store, id)?;
        Ok(trawl_store::show::load_row(&self.store, row_id)?)
    }

    /// One trajectory rendered for reading: tool calls typed and highlighted, the patch as diffs,
    /// and the full-text terms of `query` to highlight.
    pub fn trajectory(&self, id: &str, query: Option<&str>) -> Result<RenderedTrajectory, ApiError> {
        self.trajectory_part(id, query, 0, None)
    }

    /// Part of a rendered trajectory: at most `max_steps` steps from `from_step` on, and the
    /// patch when the part reaches the last step.
    pub fn trajectory_part(
        &self,
        id: &str,
        query: Option<&str>,
        from_step: usize,
        max_steps: Option<usize>,
    ) -> Result<RenderedTrajectory, ApiError> {
        let started = std::time::Instant::now();
        let terms = match query.filter(|q| !q.trim().is_empty()) {
            Some(q) => search::query_terms(&self.store, q)?,
            None => Vec::new(),
        };
        let mut row = self.load(id)?;
        let opts = trawl_render::RenderOptions {
            max_observation_lines: OBSERVATION_PREVIEW_LINES,
            hit_terms: terms.iter().map(|t| t.to_lowercase()).collect(),
            max_hit_observation_lines: OBSERVATION_HIT_LINES,
            ..Default::default()
        };
        let n = row.traj.steps.len();
        let end = max_steps.map_or(n, |m| from_step.saturating_add(m).min(n));
        let complete = end >= n;
        let (steps, patch) = trawl_render::render_trajectory_part(&row.traj, from_step..end, complete, &opts);
        let problem_statement = row.traj.problem_statement.take();
        Ok(RenderedTrajectory {
            meta: meta_of(&mut row),
            problem_statement,
            steps,
            complete,
            patch,
            terms,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// One observation, highlighted, whole or cut at `max_lines` (`call` = None: the step's own
    /// observation).
    pub fn observation(
        &self,
        id: &str,
        step: usize,
        call: Option<usize>,
        max_lines: Option<usize>,
    ) -> Result<Code, ApiError> {
        let row = self.load(id)?;
        let s = row.traj.steps.get(step).ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("trajectory {id} has no step {step} ({} steps)", row.traj.steps.len()),
            )
        })?;
        trawl_render::render_observation(s, call, max_lines).ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, format!("step {step} of {id} has no observation for call {call:?}"))
        })
    }

    /// Two trajectories side by side: b's patch diffed against a's, steps summarized and aligned.
    pub fn compare(&self, a: &str, b: &str) -> Result<CompareView, ApiError> {
        let (mut ra, mut rb) = (self.load(a)?, self.load(b)?);
        let summaries = |t: &trawl_core::Trajectory| -> Vec<StepSummary> {
            t.steps.iter().enumerate().map(|(i, s)| trawl_render::step_summary(s, i)).collect()
        };
        let (a_steps, b_steps) = (summaries(&ra.traj), summaries(&rb.traj));
        let alignment = trawl_render::align_steps(&a_steps, &b_steps);
        let patch_diff = trawl_render::diff_patches(ra.traj.patch.as_deref(), rb.traj.patch.as_deref());
        Ok(CompareView { a: meta_of(&mut ra), b: meta_of(&mut rb), patch_diff, a_steps, b_steps, alignment })
    }

    /// The original bytes of a trajectory's record, exactly as ingested.
    pub fn raw(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let row_id = trawl_store::show::row_id_for_uid(&self.store, id)?;
        Ok(trawl_store::show::load_row(&self.store, row_id)?.raw)
    }

    /// Counts about the database.
    pub fn stats(&self) -> Result<StatsResponse, ApiError> {
        let index_behind = self.store.index_behind()?;
        Ok(trawl_store::stats::stats(&self.store).map(|s| StatsResponse {
            trajectories: s.trajectories,
            predictions: s.predictions,
            predictions_joined: s.predictions_joined,
            by_format: s.by_format,
            by_dataset: s.by_dataset,
            resolved: s.resolved,
            flags: s.flags,
            diagnostics: s.errors + s.warnings,
            errors: s.errors,
            warnings: s.warnings,
            sources: s.sources,
            blobs: s.blobs,
            indexed: s.indexed,
            index_behind,
            db_bytes: s.db_bytes,
        })?)
    }

    /// The stored diagnostics.
    pub fn diagnostics(&self, req: &DiagnosticsRequest) -> Result<DiagnosticsResponse, ApiError> {
        let (total, list) = trawl_store::stats::diagnostics(&self.store, req.file.as_deref(), req.limit)?;
        Ok(DiagnosticsResponse { total, diagnostics: list.iter().map(diagnostic_view).collect() })
    }

    /// Makes changes committed by any other handle or process on the same database visible (and
    /// catches the index up when it is behind and nobody is writing it).
    pub fn refresh(&mut self) -> Result<(), ApiError> {
        Ok(self.store.refresh()?)
    }

    /// Distributions and rates over the matches of a query (empty: the whole database).
    pub fn charts(&self, query: &str) -> Result<ChartsResponse, ApiError> {
        let started = std::time::Instant::now();
        let ids = if query.trim().is_empty() { None } else { Some(search::matching_ids(&self.store, query)?) };
        let data = trawl_store::stats::chart_data(&self.store, ids.as_deref())?;
        let rates = |v: Vec<trawl_store::stats::GroupRates>| {
            v.into_iter()
                .map(|g| RateRow {
                    key: g.key,
                    total: g.total,
                    resolved_true: g.resolved_true,
                    resolved_false: g.resolved_false,
                    flags: g.flags,
                })
                .collect()
        };
        Ok(ChartsResponse {
            total: data.rows.len() as u64,
            steps: histogram(data.rows.iter().map(|r| Some(r.0))),
            tokens: histogram(data.rows.iter().map(|r| r.1)),
            patch_lines: histogram(data.rows.iter().map(|r| Some(r.2))),
            by_repo: rates(data.by_repo),
            by_dataset: rates(data.by_dataset),
            tools: data.tools.into_iter().map(|(value, count)| FacetValue { value, count }).collect(),
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// Rebuilds the search index (and the derived facts) from SQLite.
    pub fn reindex(&mut self) -> Result<ReindexReport, ApiError> {
        let started = std::time::Instant::now();
        let n = self.store.reindex()?;
        Ok(ReindexReport { indexed: n as u64, elapsed_s: started.elapsed().as_secs_f64() })
    }
}

/// Observations longer than this come truncated in a rendered trajectory: the UI shows such an
/// observation collapsed to its first lines, and expanding it fetches more of it with
/// `observation {max_lines}` ("show all": the whole one). Highlighting dominates the cost of opening a trajectory, so the preview is what
/// the first screen shows, not more.
pub const OBSERVATION_PREVIEW_LINES: usize = 12;

/// The names the API understands (flags, query fields, shaping and export options) and the
/// observation preview length: what the `vocabulary` method serves, from the Rust sources of truth.
pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        flags: convert::flag_docs(),
        fields: convert::field_docs(),
        dedup_modes: DedupMode::ALL.to_vec(),
        cap_orders: CapOrder::ALL.to_vec(),
        export_formats: ExportFormat::ALL.to_vec(),
        compressions: Compression::ALL.to_vec(),
        observation_preview_lines: OBSERVATION_PREVIEW_LINES as u32,
    }
}

/// The preview of an observation that contains a search term is longer, so the hits that `n`/`N`
/// jump between arrive with the trajectory.
pub const OBSERVATION_HIT_LINES: usize = 60;

/// At most this many buckets in a histogram.
const MAX_BUCKETS: u64 = 24;

/// Buckets values into at most [`MAX_BUCKETS`] equal integer ranges of a round width (1, 2 or 5
/// times a power of ten), starting at a multiple of the width.
pub fn histogram(values: impl Iterator<Item = Option<u64>>) -> Histogram {
    let mut missing = 0;
    let known: Vec<u64> = values
        .filter_map(|v| {
            if v.is_none() {
                missing += 1;
            }
            v
        })
        .collect();
    let (Some(&min), Some(&max)) = (known.iter().min(), known.iter().max()) else {
        return Histogram { buckets: Vec::new(), missing };
    };
    let mut width = 1u64;
    'search: for exp in 0..19u32 {
        for m in [1u64, 2, 5] {
            width = m.saturating_mul(10u64.saturating_pow(exp));
            if (max / width) - (min / width) < MAX_BUCKETS {
                break 'search;
            }
        }
    }
    let first = min / width;
    let n = (max / width - first + 1) as usize;
    let mut buckets: Vec<Bucket> = (0..n as u64)
        .map(|i| {
            let lo = (first + i) * width;
            Bucket { lo, hi: lo + width - 1, count: 0 }
        })
        .collect();
    for v in known {
        buckets[(v / width - first) as usize].count += 1;
    }
    Histogram { buckets, missing }
}

/// Raw lines of a source file around a line, for opening a diagnostic at its place.
pub fn source_lines(p: &SourceLinesRequest) -> Result<SourceExcerpt, ApiError> {
    use std::io::BufRead;
    let context = p.context.unwrap_or(3).min(50);
    let first = p.line.saturating_sub(context).max(1);
    let last = p.line.saturating_add(context);
    use std::io::Read;
    /// A line longer than this is cut: only its start is kept (a source file's lines are shown, and
    /// a file without newlines must not be read into memory whole).
    const MAX_LINE: u64 = 64 * 1024;
    let file = std::fs::File::open(&p.file)
        .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read {}: {e}", p.file)))?;
    let io = |e: std::io::Error| ApiError::new(ErrorCode::Io, format!("cannot read {}: {e}", p.file));
    if !file.metadata().map_err(io)?.is_file() {
        return Err(ApiError::new(ErrorCode::BadRequest, format!("{} is not a regular file", p.file)));
    }
    let mut lines = Vec::new();
    let mut reader = std::io::BufReader::new(file);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        let read = (&mut reader).take(MAX_LINE).read_until(b'\n', &mut buf).map_err(io)?;
        if read == 0 {
            break;
        }
        if read as u64 == MAX_LINE && buf.last() != Some(&b'\n') {
            // Skip the rest of an overlong line without keeping it.
            let mut skip = Vec::new();
            loop {
                skip.clear();
                let r = (&mut reader).take(MAX_LINE).read_until(b'\n', &mut skip).map_err(io)?;
                if r == 0 || skip.last() == Some(&b'\n') {
                    break;
                }
            }
        }
        n += 1;
        if n < first {
            continue;
        }
        if n > last {
            break;
        }
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim_end_matches(['\n', '\r']);
        let cut = text.char_indices().nth(2000).map_or(text.len(), |(i, _)| i);
        lines.push(text[..cut].to_string());
    }
    if lines.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound, format!("{} has no line {}", p.file, p.line)));
    }
    Ok(SourceExcerpt { file: p.file.clone(), first_line: first, lines })
}
