//! [`Service`]: the API as the desktop shell and the HTTP server run it. It owns the open
//! [`Library`], runs ingests as background jobs (one at a time, each on its own handle of the
//! same database) and implements [`Methods`], so both transports are `Request::dispatch`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::paths::{PathPolicy, Use};
use crate::protocol::*;
use crate::{ApiError, Library};

/// A running (or finished) ingest job.
struct Job {
    view: Arc<Mutex<JobView>>,
    cancel: Arc<AtomicBool>,
    db: PathBuf,
}

/// The API with its state: the open database and the jobs.
pub struct Service {
    lib: Mutex<Library>,
    jobs: Mutex<Vec<Job>>,
    next_job: AtomicU64,
    /// Bumped whenever a job commits: readers reload their view of the index when it moved.
    changes: Arc<AtomicU64>,
    seen: AtomicU64,
    /// When the view was last brought up to date with what other processes wrote.
    refreshed: Mutex<Option<std::time::Instant>>,
    /// Held by the job that is writing; jobs queue on it.
    writing: Arc<Mutex<()>>,
    /// Where path-taking methods may go.
    paths: PathPolicy,
}

/// How stale a view of the database may get: the service looks for other processes' writes at
/// most this long after the previous look.
pub const FRESH_WITHIN: std::time::Duration = std::time::Duration::from_millis(250);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Service {
    /// Opens (or creates) the database at `path`.
    pub fn open(path: &Path) -> Result<Service, ApiError> {
        Ok(Service::new(Library::open(path)?))
    }

    /// Wraps an open library, with any path allowed (the desktop app: its owner picks files). Starts
    /// warming up the highlighter in the background, so the first trajectory opens as fast as the others.
    pub fn new(lib: Library) -> Service {
        Service::with_paths(lib, PathPolicy::Unrestricted)
    }

    /// Wraps an open library; path-taking methods follow `paths` (`trawl serve`: within its data
    /// directories).
    pub fn with_paths(lib: Library, paths: PathPolicy) -> Service {
        std::thread::spawn(trawl_render::warm_up);
        Service {
            lib: Mutex::new(lib),
            jobs: Mutex::new(Vec::new()),
            next_job: AtomicU64::new(1),
            changes: Arc::new(AtomicU64::new(0)),
            seen: AtomicU64::new(0),
            refreshed: Mutex::new(None),
            writing: Arc::new(Mutex::new(())),
            paths,
        }
    }

    /// The path policy.
    pub fn path_policy(&self) -> &PathPolicy {
        &self.paths
    }

    /// Runs one request; the result as JSON.
    pub fn call(&self, req: Request) -> Result<serde_json::Value, ApiError> {
        req.dispatch(self)
    }

    /// Runs one request given as JSON text (what both transports receive).
    pub fn call_json(&self, body: &[u8]) -> Result<serde_json::Value, ApiError> {
        let req: Request = serde_json::from_slice(body).map_err(|e| {
            ApiError::new(ErrorCode::BadRequest, format!("bad request: {e} (methods: {})", Request::METHODS.join(", ")))
        })?;
        self.call(req)
    }

    /// The library, with its view brought up to date: at once when a job of this service
    /// committed since the last call, and otherwise at most every [`FRESH_WITHIN`], so that what
    /// any other process wrote (a terminal's ingest, labels, a reindex) shows within a second.
    /// SQLite reads always see the latest commit; the index reader is reloaded when the index has
    /// a newer commit (and caught up when it is behind and nobody is writing it).
    fn lib(&self) -> Result<MutexGuard<'_, Library>, ApiError> {
        let mut lib = lock(&self.lib);
        let now = self.changes.load(Ordering::Acquire);
        let job_committed = self.seen.swap(now, Ordering::AcqRel) != now;
        let mut refreshed = lock(&self.refreshed);
        if job_committed || refreshed.is_none_or(|at| at.elapsed() >= FRESH_WITHIN) {
            // A refresh that fails (another process is replacing a damaged index this very
            // moment) leaves the current view in place; the next request tries again.
            *refreshed = lib.refresh().ok().map(|_| std::time::Instant::now());
        }
        drop(refreshed);
        Ok(lib)
    }

    fn running_on(&self, db: &Path) -> bool {
        lock(&self.jobs).iter().any(|j| j.db == db && lock(&j.view).state == JobState::Running)
    }

    fn db_info_of(lib: &mut Library) -> Result<DbInfo, ApiError> {
        let stats = lib.stats()?;
        Ok(DbInfo { path: lib.db_path().display().to_string(), stats, notices: lib.take_notices() })
    }
}

impl Methods for Service {
    fn db_info(&self, _: Empty) -> Result<DbInfo, ApiError> {
        Service::db_info_of(&mut *self.lib()?)
    }

    fn open_db(&self, p: OpenDbRequest) -> Result<DbInfo, ApiError> {
        if p.path.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::BadRequest, "no database path given"));
        }
        let path = PathBuf::from(self.paths.check("database", &p.path, Use::Write)?);
        if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                ApiError::new(ErrorCode::Io, format!("cannot create directory {}: {e}", parent.display()))
            })?;
        }
        let mut lib = lock(&self.lib);
        if self.running_on(lib.db_path()) {
            return Err(ApiError::new(
                ErrorCode::BadRequest,
                "an ingest is running on the open database; wait or cancel it",
            ));
        }
        let opened = Library::open(&path)?;
        *lib = opened;
        Service::db_info_of(&mut lib)
    }

    fn stats(&self, _: Empty) -> Result<StatsResponse, ApiError> {
        self.lib()?.stats()
    }

    fn vocabulary(&self, _: Empty) -> Result<Vocabulary, ApiError> {
        Ok(crate::vocabulary())
    }

    fn search(&self, p: SearchRequest) -> Result<SearchResponse, ApiError> {
        self.lib()?.search(&p)
    }

    fn trajectory(&self, p: TrajectoryRequest) -> Result<RenderedTrajectory, ApiError> {
        self.lib()?.trajectory_part(&p.id, p.query.as_deref(), p.from_step.unwrap_or(0), p.max_steps)
    }

    fn observation(&self, p: ObservationRequest) -> Result<Code, ApiError> {
        self.lib()?.observation(&p.id, p.step, p.call, p.max_lines)
    }

    fn compare(&self, p: CompareRequest) -> Result<CompareView, ApiError> {
        self.lib()?.compare(&p.a, &p.b)
    }

    fn show(&self, p: IdRequest) -> Result<TrajectoryView, ApiError> {
        self.lib()?.show(&p.id)
    }

    fn charts(&self, p: ChartsRequest) -> Result<ChartsResponse, ApiError> {
        self.lib()?.charts(&p.query)
    }

    fn ingest_start(&self, mut p: IngestRequest) -> Result<JobView, ApiError> {
        if p.paths.is_empty() {
            return Err(ApiError::new(ErrorCode::BadRequest, "no paths to ingest"));
        }
        for path in &p.paths {
            if !Path::new(path).exists() {
                return Err(ApiError::new(ErrorCode::Io, format!("cannot read {path}: no such file or directory")));
            }
        }
        if self.paths.is_restricted() {
            let checked: Result<Vec<String>, ApiError> =
                p.paths.iter().map(|path| self.paths.check("input", path, Use::ReadFileOrDir)).collect();
            p.paths = checked?;
        }
        let db = lock(&self.lib).db_path().to_path_buf();
        let id = self.next_job.fetch_add(1, Ordering::Relaxed);
        let view = Arc::new(Mutex::new(JobView {
            id,
            paths: p.paths.clone(),
            state: JobState::Running,
            progress: None,
            report: None,
            error: None,
        }));
        let cancel = Arc::new(AtomicBool::new(false));
        let job = Job { view: view.clone(), cancel: cancel.clone(), db: db.clone() };
        let (changes, writing) = (self.changes.clone(), self.writing.clone());
        std::thread::Builder::new()
            .name(format!("ingest-{id}"))
            .spawn(move || {
                let _turn = lock(&writing);
                let run = || -> Result<IngestReport, ApiError> {
                    let mut lib = Library::open(&db)?;
                    lib.ingest_cancellable(&p, Some(cancel), |progress| {
                        lock(&view).progress = Some(progress.clone());
                        changes.fetch_add(1, Ordering::Release);
                    })
                };
                let result = run();
                let mut v = lock(&view);
                match result {
                    Ok(report) => {
                        v.state = if report.cancelled { JobState::Cancelled } else { JobState::Done };
                        v.report = Some(report);
                    }
                    Err(e) => {
                        v.state = JobState::Failed;
                        v.error = Some(e.to_string());
                    }
                }
                changes.fetch_add(1, Ordering::Release);
            })
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot start a job: {e}")))?;
        let snapshot = lock(&job.view).clone();
        lock(&self.jobs).push(job);
        Ok(snapshot)
    }

    fn jobs(&self, _: Empty) -> Result<Vec<JobView>, ApiError> {
        Ok(lock(&self.jobs).iter().rev().map(|j| lock(&j.view).clone()).collect())
    }

    fn job_cancel(&self, p: JobIdRequest) -> Result<JobView, ApiError> {
        let jobs = lock(&self.jobs);
        let job = jobs
            .iter()
            .find(|j| lock(&j.view).id == p.id)
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, format!("no job {}", p.id)))?;
        job.cancel.store(true, Ordering::Relaxed);
        let view = lock(&job.view).clone();
        Ok(view)
    }

    fn diagnostics(&self, p: DiagnosticsRequest) -> Result<DiagnosticsResponse, ApiError> {
        self.lib()?.diagnostics(&p)
    }

    fn source_lines(&self, mut p: SourceLinesRequest) -> Result<SourceExcerpt, ApiError> {
        if self.paths.is_restricted() {
            // Only the files this database was ingested from (recorded canonical), and only regular files.
            let resolved = std::fs::canonicalize(&p.file)
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read {}: {e}", p.file)))?;
            let shown = resolved.display().to_string();
            if !self.lib()?.is_source(&shown)? {
                return Err(ApiError::new(
                    ErrorCode::Forbidden,
                    format!(
                        "{} is not a source file of the open database; trawl serve only shows lines of ingested files",
                        p.file
                    ),
                ));
            }
            if !std::fs::metadata(&resolved).map(|m| m.is_file()).unwrap_or(false) {
                return Err(ApiError::new(ErrorCode::Forbidden, format!("{} is not a regular file", p.file)));
            }
            p.file = shown;
        }
        crate::source_lines(&p)
    }

    fn label_sets(&self, _: Empty) -> Result<Vec<LabelSetView>, ApiError> {
        self.lib()?.label_sets()
    }

    fn define_label_set(&self, p: LabelSetView) -> Result<LabelSetView, ApiError> {
        self.lib()?.define_label_set(&p)
    }

    fn annotator(&self, _: Empty) -> Result<AnnotatorView, ApiError> {
        Ok(self.lib()?.annotator())
    }

    fn set_annotator(&self, p: SetAnnotatorRequest) -> Result<AnnotatorView, ApiError> {
        self.lib()?.set_annotator(&p)
    }

    fn label(&self, p: LabelRequest) -> Result<LabelWriteResult, ApiError> {
        self.lib()?.label(&p)
    }

    fn clear_label(&self, p: ClearLabelRequest) -> Result<LabelWriteResult, ApiError> {
        self.lib()?.clear_label(&p)
    }

    fn adjudicate(&self, p: LabelRequest) -> Result<LabelWriteResult, ApiError> {
        self.lib()?.adjudicate(&p)
    }

    fn review_flag(&self, p: ReviewFlagRequest) -> Result<LabelWriteResult, ApiError> {
        self.lib()?.review_flag(&p)
    }

    fn labels_for(&self, p: LabelsForRequest) -> Result<TrajectoryLabels, ApiError> {
        self.lib()?.labels_for(&p)
    }

    fn undo(&self, p: UndoRequest) -> Result<LabelWriteResult, ApiError> {
        self.lib()?.undo(&p)
    }

    fn label_bulk(&self, p: LabelBulkRequest) -> Result<LabelWriteResult, ApiError> {
        self.lib()?.label_bulk(&p)
    }

    fn queue(&self, p: QueueRequest) -> Result<QueueResponse, ApiError> {
        self.lib()?.queue(&p)
    }

    fn labels_export(&self, mut p: LabelsExportRequest) -> Result<LabelsExportResponse, ApiError> {
        if let Some(path) = &p.path {
            p.path = Some(self.paths.check("labels file", path, Use::Write)?);
        }
        self.lib()?.labels_export(&p)
    }

    fn labels_import(&self, mut p: LabelsImportRequest) -> Result<LabelsImportReport, ApiError> {
        p.path = self.paths.check("labels file", &p.path, Use::ReadFile)?;
        self.lib()?.labels_import(&p)
    }

    fn agreement(&self, p: AgreementRequest) -> Result<AgreementResponse, ApiError> {
        self.lib()?.agreement(&p)
    }

    fn subset_create(&self, p: SubsetCreateRequest) -> Result<SubsetVersionView, ApiError> {
        self.lib()?.subset_create(&p)
    }

    fn subsets(&self, _: Empty) -> Result<SubsetsResponse, ApiError> {
        self.lib()?.subsets()
    }

    fn subset_show(&self, p: SubsetShowRequest) -> Result<SubsetShowResponse, ApiError> {
        self.lib()?.subset_show(&p)
    }

    fn subset_lineage(&self, p: SubsetLineageRequest) -> Result<SubsetLineageResponse, ApiError> {
        self.lib()?.subset_lineage(&p)
    }

    fn dedup_report(&self, p: DedupReportRequest) -> Result<DedupReportResponse, ApiError> {
        self.lib()?.dedup_report(&p)
    }

    fn contamination_lists(&self, _: Empty) -> Result<ContaminationListsResponse, ApiError> {
        self.lib()?.contamination_lists()
    }

    fn contamination_add(&self, p: ContaminationAddRequest) -> Result<ContaminationListView, ApiError> {
        self.lib()?.contamination_add(&p)
    }

    fn export(&self, mut p: ExportRequest) -> Result<ExportResponse, ApiError> {
        p.out_dir = self.paths.check("export folder", &p.out_dir, Use::Write)?;
        self.lib()?.export(&p)
    }
}
