//! The one API boundary of trawl: a [`Library`] handle whose methods are the use cases (ingest,
//! search, show, stats, diagnostics, reindex), taking and returning the plain types of
//! [`protocol`]. The CLI, the HTTP server and the desktop shell all call this and nothing below it.
//!
//! **API Boundary:** domain types (`trawl_core`, `trawl_store`) never cross this crate's public
//! surface; they are converted into protocol types here. This crate holds no SQL and no parsing.
#![deny(missing_docs)]

pub mod protocol;
mod subsets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use protocol::*;
use trawl_core::facts::FlagSet;
use trawl_store::search::{self, SearchParams, Sort};
use trawl_store::{Store, StoreError};

/// An error of the API: a code to branch on and a one-line message.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.message)]
pub struct ApiError(pub ErrorBody);

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
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
            StoreError::NotFound(_) => ErrorCode::NotFound,
            StoreError::Io { .. } => ErrorCode::Io,
            StoreError::Invalid(_) => ErrorCode::BadRequest,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

/// An open trawl database.
pub struct Library {
    store: Store,
}

impl Library {
    /// Opens or creates the database at `path`.
    pub fn open(path: &Path) -> Result<Library, ApiError> {
        Ok(Library { store: Store::open(path)? })
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        self.store.db_path()
    }

    /// Ingests files and directories, reporting progress after every batch.
    pub fn ingest(
        &mut self,
        req: &IngestRequest,
        mut progress: impl FnMut(&IngestProgress),
    ) -> Result<IngestReport, ApiError> {
        let paths: Vec<PathBuf> = req.paths.iter().map(PathBuf::from).collect();
        let opts = trawl_store::ingest::IngestOptions { force: req.force, ..Default::default() };
        let s = trawl_store::ingest::ingest(&mut self.store, &paths, &opts, |p| progress(&progress_view(p)))?;
        Ok(IngestReport {
            files: s.files,
            files_unchanged: s.files_unchanged,
            records: s.records,
            stored: s.stored,
            duplicates: s.duplicates,
            outcomes: s.outcomes,
            resolved_joined: s.resolved_joined,
            by_format: s.by_format,
            errors: s.errors,
            warnings: s.warnings,
            diagnostics: s.diagnostics.iter().map(diagnostic_view).collect(),
            bytes: s.bytes,
            elapsed_s: s.elapsed.as_secs_f64(),
            cancelled: s.cancelled,
        })
    }

    /// Runs a query.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse, ApiError> {
        let sort = match req.sort.as_deref() {
            None | Some("relevance") => Sort::Relevance,
            Some("ingest") => Sort::Ingest,
            Some("steps_desc") => Sort::StepsDesc,
            Some("steps_asc") => Sort::StepsAsc,
            Some("patch_lines_desc") => Sort::PatchLinesDesc,
            Some(other) => return Err(ApiError::new(ErrorCode::BadQuery, format!("unknown sort '{other}'"))),
        };
        let r = search::search(
            &self.store,
            &SearchParams {
                query: req.query.clone(),
                limit: req.limit,
                offset: req.offset,
                sort,
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
            hits: r
                .hits
                .into_iter()
                .map(|h| SearchHit {
                    id: h.uid,
                    instance_id: h.instance_id,
                    trajectory_id: h.trajectory_id,
                    repo: h.repo,
                    dataset: h.dataset,
                    format: h.format,
                    model: h.model,
                    resolved: h.resolved,
                    flags: h.flags.iter().map(|f| f.as_str().to_string()).collect(),
                    steps: h.steps,
                    patch_files: h.patch_files,
                    patch_lines: h.patch_lines,
                    step: h.step,
                    snippet: h.snippet.map(|s| SnippetView {
                        text: s.text,
                        highlights: s.highlights.into_iter().map(|(a, b)| [a, b]).collect(),
                    }),
                })
                .collect(),
        })
    }

    /// Counts the matches of a query without facets or hits; returns (count, milliseconds).
    pub fn count(&self, query: &str) -> Result<(u64, f64), ApiError> {
        let (n, took) = search::count(&self.store, query)?;
        Ok((n, took.as_secs_f64() * 1000.0))
    }

    /// One trajectory, normalized, by stable id (or a unique prefix of at least 6 characters).
    pub fn show(&self, id: &str) -> Result<TrajectoryView, ApiError> {
        let row_id = trawl_store::show::row_id_for_uid(&self.store, id)?;
        let row = trawl_store::show::load_row(&self.store, row_id)?;
        let facts = trawl_core::facts::derive(&row.traj);
        let t = row.traj;
        Ok(TrajectoryView {
            id: row.uid,
            source: SourceView {
                file: row.source.file,
                byte_offset: row.source.byte_offset,
                byte_len: row.source.byte_len,
                line: row.source.line,
            },
            format: t.format.as_str().to_string(),
            instance_id: t.instance_id,
            repo: t.repo,
            dataset: t.dataset,
            license: t.license,
            model: t.model,
            trajectory_id: t.trajectory_id,
            problem_statement: t.problem_statement,
            resolved: row.resolved,
            exit_status: t.outcome.exit_status,
            error: t.outcome.error,
            usage: UsageView {
                cost: t.usage.cost,
                prompt_tokens: t.usage.prompt_tokens,
                completion_tokens: t.usage.completion_tokens,
                api_calls: t.usage.api_calls,
            },
            flags: FlagSet(row.flags).iter().map(|f| f.as_str().to_string()).collect(),
            facts: FactsView {
                tool_counts: facts.tool_counts,
                edited_files: facts.edited_files,
                patch_files: facts.patch.files,
                patch_added: facts.patch.added,
                patch_removed: facts.patch.removed,
                languages: facts.patch.languages,
            },
            steps: t
                .steps
                .into_iter()
                .enumerate()
                .map(|(index, s)| StepView {
                    index,
                    role: s.role.as_str().to_string(),
                    text: s.text,
                    thought: s.thought,
                    tool_calls: s
                        .tool_calls
                        .into_iter()
                        .map(|c| ToolCallView {
                            id: c.id,
                            name: c.name,
                            arguments: c.arguments,
                            observation: c.observation,
                            exit_code: c.exit_code,
                        })
                        .collect(),
                    observation: s.observation,
                    exit_code: s.exit_code,
                })
                .collect(),
            patch: t.patch,
        })
    }

    /// The original bytes of a trajectory's record, exactly as ingested.
    pub fn raw(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let row_id = trawl_store::show::row_id_for_uid(&self.store, id)?;
        Ok(trawl_store::show::load_row(&self.store, row_id)?.raw)
    }

    /// Counts about the database.
    pub fn stats(&self) -> Result<StatsResponse, ApiError> {
        Ok(trawl_store::stats::stats(&self.store).map(|s| StatsResponse {
            trajectories: s.trajectories,
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
            db_bytes: s.db_bytes,
        })?)
    }

    /// The stored diagnostics.
    pub fn diagnostics(&self, req: &DiagnosticsRequest) -> Result<DiagnosticsResponse, ApiError> {
        let (total, list) = trawl_store::stats::diagnostics(&self.store, req.file.as_deref(), req.limit)?;
        Ok(DiagnosticsResponse { total, diagnostics: list.iter().map(diagnostic_view).collect() })
    }

    /// Rebuilds the search index (and the derived facts) from SQLite.
    pub fn reindex(&mut self) -> Result<ReindexReport, ApiError> {
        let started = std::time::Instant::now();
        let n = trawl_store::index::rebuild(&mut self.store)?;
        Ok(ReindexReport { indexed: n as u64, elapsed_s: started.elapsed().as_secs_f64() })
    }
}

fn diagnostic_view(d: &trawl_core::Diagnostic) -> DiagnosticView {
    DiagnosticView {
        severity: match d.severity {
            trawl_core::Severity::Error => "error",
            trawl_core::Severity::Warning => "warning",
        }
        .to_string(),
        file: d.file.clone(),
        line: d.line,
        message: d.message.clone(),
    }
}

fn progress_view(p: &trawl_store::ingest::Progress) -> IngestProgress {
    let secs = p.elapsed.as_secs_f64();
    let mb_per_s = if secs > 0.0 { p.bytes as f64 / 1e6 / secs } else { 0.0 };
    let eta_s = (p.disk_bytes > 0 && p.total_bytes >= p.disk_bytes && secs > 0.0)
        .then(|| secs * (p.total_bytes - p.disk_bytes) as f64 / p.disk_bytes as f64);
    IngestProgress {
        records: p.records,
        bytes: p.bytes,
        disk_bytes: p.disk_bytes,
        total_bytes: p.total_bytes,
        elapsed_s: secs,
        mb_per_s,
        eta_s,
        current_file: p.current_file.clone(),
    }
}
