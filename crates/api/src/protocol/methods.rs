//! The method table: every call of the API, its parameters and its result type. From this one
//! list come the [`Request`] enum (the wire format of both transports), the [`ApiResults`] map
//! (method name → result type, which the TypeScript client is typed by) and the [`Methods`]
//! trait that a server implements.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::*;
use crate::ApiError;

macro_rules! methods {
    ($( $(#[doc = $doc:literal])+ $name:ident($params:ty) -> $result:ty; )+) => {
        /// One call of the API: `{"method": "<name>", "params": {...}}`.
        #[derive(Debug, Clone, Serialize, Deserialize, TS)]
        #[serde(tag = "method", content = "params")]
        #[allow(non_camel_case_types)]
        pub enum Request {
            $( $(#[doc = $doc])+ $name($params), )+
        }

        /// The result type of every method, by method name (`ApiResults[method]` in TypeScript).
        #[derive(Debug, Clone, Serialize, Deserialize, TS)]
        pub struct ApiResults {
            $( $(#[doc = $doc])+ pub $name: $result, )+
        }

        /// What serves the API: one function per method.
        pub trait Methods {
            $( $(#[doc = $doc])+ fn $name(&self, params: $params) -> Result<$result, ApiError>; )+
        }

        impl Request {
            /// The method's name.
            pub fn method(&self) -> &'static str {
                match self {
                    $( Request::$name(_) => stringify!($name), )+
                }
            }

            /// Every method name.
            pub const METHODS: &'static [&'static str] = &[$( stringify!($name), )+];

            /// Calls the method on `server` and returns its result as JSON.
            pub fn dispatch(self, server: &impl Methods) -> Result<serde_json::Value, ApiError> {
                match self {
                    $( Request::$name(p) => to_json(server.$name(p)?), )+
                }
            }
        }
    };
}

fn to_json<T: Serialize>(v: T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot encode result: {e}")))
}

methods! {
    /// The open database and its counts.
    db_info(Empty) -> DbInfo;
    /// Opens (or creates) a database file and makes it the current one.
    open_db(OpenDbRequest) -> DbInfo;
    /// Counts about the database.
    stats(Empty) -> StatsResponse;
    /// The names the API understands: flags, query fields, shaping and export options.
    vocabulary(Empty) -> Vocabulary;
    /// Runs a query: a page of hits, the total and facet counts.
    search(SearchRequest) -> SearchResponse;
    /// One trajectory, rendered for reading.
    trajectory(TrajectoryRequest) -> RenderedTrajectory;
    /// One observation, whole and highlighted.
    observation(ObservationRequest) -> Code;
    /// Two trajectories side by side: patches diffed, steps aligned.
    compare(CompareRequest) -> CompareView;
    /// One trajectory, normalized, unrendered.
    show(IdRequest) -> TrajectoryView;
    /// Distributions and rates over the matches of a query.
    charts(ChartsRequest) -> ChartsResponse;
    /// Starts a background ingest.
    ingest_start(IngestRequest) -> JobView;
    /// The ingest jobs of this process, newest first.
    jobs(Empty) -> Vec<JobView>;
    /// Asks a job to stop after its current batch.
    job_cancel(JobIdRequest) -> JobView;
    /// The stored diagnostics.
    diagnostics(DiagnosticsRequest) -> DiagnosticsResponse;
    /// Raw lines of a source file around a line.
    source_lines(SourceLinesRequest) -> SourceExcerpt;
    /// The label sets and their schemas.
    label_sets(Empty) -> Vec<LabelSetView>;
    /// Creates or updates a label set.
    define_label_set(LabelSetView) -> LabelSetView;
    /// This install's annotator name.
    annotator(Empty) -> AnnotatorView;
    /// Sets this install's annotator name.
    set_annotator(SetAnnotatorRequest) -> AnnotatorView;
    /// Labels a trajectory or one of its steps.
    label(LabelRequest) -> LabelWriteResult;
    /// Clears a label.
    clear_label(ClearLabelRequest) -> LabelWriteResult;
    /// Records the adjudicated value of a disagreement.
    adjudicate(LabelRequest) -> LabelWriteResult;
    /// Confirms or dismisses an engine flag (a label in set `flag_review`).
    review_flag(ReviewFlagRequest) -> LabelWriteResult;
    /// A trajectory's current labels by annotator, and their history.
    labels_for(LabelsForRequest) -> TrajectoryLabels;
    /// Undoes a labelling batch (the annotator's latest when none is named).
    undo(UndoRequest) -> LabelWriteResult;
    /// Labels every match of a query, as one undoable batch.
    label_bulk(LabelBulkRequest) -> LabelWriteResult;
    /// A labelling queue over a query's results, with progress.
    queue(QueueRequest) -> QueueResponse;
    /// Every label event as JSON Lines.
    labels_export(LabelsExportRequest) -> LabelsExportResponse;
    /// Merges a label file (line-by-line report of what could not be imported).
    labels_import(LabelsImportRequest) -> LabelsImportReport;
    /// Agreement between annotators on a label set, with the disagreements.
    agreement(AgreementRequest) -> AgreementResponse;
    /// Saves a new subset version (membership frozen), with its stage report.
    subset_create(SubsetCreateRequest) -> SubsetVersionView;
    /// Every subset and its versions.
    subsets(Empty) -> SubsetsResponse;
    /// One subset version and a page of its members.
    subset_show(SubsetShowRequest) -> SubsetShowResponse;
    /// The funnel from the whole pool to a subset version, with what each rule removed.
    subset_lineage(SubsetLineageRequest) -> SubsetLineageResponse;
    /// Exact and near-duplicate clusters.
    dedup_report(DedupReportRequest) -> DedupReportResponse;
    /// The contamination lists (built-in and the user's).
    contamination_lists(Empty) -> ContaminationListsResponse;
    /// Adds a contamination list of the user's.
    contamination_add(ContaminationAddRequest) -> ContaminationListView;
    /// Exports a subset version (formats, splits, manifest).
    export(ExportRequest) -> ExportResponse;
}
