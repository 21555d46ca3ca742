//! Protocol types of labelling: label sets, judgements and their history, undo, bulk labelling,
//! queues, import and export, agreement and adjudication, the annotator name, flag review.
//!
//! Values are JSON: a string for single-select and text sets, a list of strings for multi-select
//! sets, an integer for ratings. Trajectory ids are the stable ids of search hits; `step` is a
//! 0-based step index, or null for the whole trajectory.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A label set's schema (`label_sets` result; `define_label_set` params).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct LabelSetView {
    /// Name, `[a-z0-9_]+` (queried as `label:<name>=…`).
    pub name: String,
    /// `single`, `multi`, `rating` or `text`.
    pub kind: String,
    /// `trajectory`, `step` or `both`.
    #[serde(default = "default_level")]
    pub level: String,
    /// Values of a single- or multi-select set, in order (keys 1–9 pick them).
    #[serde(default)]
    pub values: Vec<String>,
    /// Lowest rating (rating sets).
    #[serde(default)]
    pub min: Option<i64>,
    /// Highest rating (rating sets).
    #[serde(default)]
    pub max: Option<i64>,
    /// One line of help.
    #[serde(default)]
    pub description: Option<String>,
}

fn default_level() -> String {
    "trajectory".into()
}

/// `label`: one judgement by this install's annotator; `adjudicate`: the adjudicated value.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LabelRequest {
    /// Trajectory id (or a unique prefix of at least 6 characters).
    pub id: String,
    /// Step index, or null for the trajectory.
    #[serde(default)]
    pub step: Option<u64>,
    /// Label set.
    pub set: String,
    /// The value (see the module docs); an empty list or blank text clears.
    pub value: serde_json::Value,
}

/// `clear_label`: removes this annotator's value.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ClearLabelRequest {
    /// Trajectory id.
    pub id: String,
    /// Step index, or null.
    #[serde(default)]
    pub step: Option<u64>,
    /// Label set.
    pub set: String,
}

/// What a labelling write did: the batch to give to `undo`, and the events written.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct LabelWriteResult {
    /// Batch id.
    pub batch: String,
    /// Labels written (or, for `undo`, labels whose value changed back).
    pub count: u64,
}

/// `labels_for`: a trajectory's labels.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LabelsForRequest {
    /// Trajectory id.
    pub id: String,
}

/// A current value.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct CurrentLabelView {
    /// Who (`adjudicator:<name>` for an adjudication).
    pub annotator: String,
    /// Step, or null.
    pub step: Option<u64>,
    /// Label set.
    pub set: String,
    /// Value.
    pub value: serde_json::Value,
    /// When it was set (RFC 3339 UTC).
    pub at: String,
}

/// One event of the append-only history (also one line of a labels file, without `undone`).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct LabelEventView {
    /// Unique event id.
    pub event: String,
    /// Who.
    pub annotator: String,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// `set`, `clear` or `undo`.
    pub op: String,
    /// Trajectory id (set, clear).
    pub id: Option<String>,
    /// Step (set, clear), or null.
    pub step: Option<u64>,
    /// Label set (set, clear).
    pub set: Option<String>,
    /// Value (set).
    pub value: Option<serde_json::Value>,
    /// Batch.
    pub batch: String,
    /// The batch an undo event undoes.
    pub undoes: Option<String>,
    /// This event's batch was undone later.
    pub undone: bool,
}

/// An engine flag on a trajectory with the curators' decisions about it.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct FlagReviewView {
    /// Flag name.
    pub flag: String,
    /// Whether the engine set it.
    pub set_by_engine: bool,
    /// Decision per annotator: `confirm` or `dismiss`.
    pub decisions: BTreeMap<String, String>,
}

/// A trajectory's labels.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrajectoryLabels {
    /// Trajectory id (full).
    pub id: String,
    /// This install's annotator.
    pub annotator: String,
    /// Current values of every annotator.
    pub current: Vec<CurrentLabelView>,
    /// Every event about this trajectory, oldest first.
    pub history: Vec<LabelEventView>,
    /// Every engine flag (set or not) with its review decisions.
    pub flags: Vec<FlagReviewView>,
}

/// `undo`: undoes a batch (default: this annotator's latest batch not undone yet).
#[derive(Debug, Clone, Serialize, Deserialize, TS, Default)]
pub struct UndoRequest {
    /// Batch id.
    #[serde(default)]
    pub batch: Option<String>,
}

/// `label_bulk`: the same value on every trajectory a query matches, as one undoable batch.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LabelBulkRequest {
    /// The query.
    pub query: String,
    /// Label set.
    pub set: String,
    /// Value.
    pub value: serde_json::Value,
    /// The count the user confirmed: when given and the query now matches a different number,
    /// nothing is written (error `bad_request`).
    #[serde(default)]
    pub expect: Option<u64>,
}

/// `queue`: a labelling queue over a query's results.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QueueRequest {
    /// The query.
    #[serde(default)]
    pub query: String,
    /// `all` (default), `unlabelled`, `flagged_first` or `sample`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The label set that counts as done (default `verdict`).
    #[serde(default)]
    pub set: Option<String>,
    /// Sample size (`sample`; required there).
    #[serde(default)]
    pub n: Option<usize>,
    /// Sample seed (default 0).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Ids to skip.
    #[serde(default)]
    pub offset: usize,
    /// At most this many ids (default all).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A labelling queue.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct QueueResponse {
    /// Trajectory ids in labelling order (the requested page; `unlabelled` lists only those left).
    pub ids: Vec<String>,
    /// Of the queue's trajectories, how many this annotator labelled in the set.
    pub done: u64,
    /// How many trajectories the queue covers (progress is done / total).
    pub total: u64,
}

/// `labels_export`: every label event as JSON Lines.
#[derive(Debug, Clone, Serialize, Deserialize, TS, Default)]
pub struct LabelsExportRequest {
    /// Write to this file (atomically) instead of returning the text.
    #[serde(default)]
    pub path: Option<String>,
    /// Only this annotator's events.
    #[serde(default)]
    pub annotator: Option<String>,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LabelsExportResponse {
    /// Events.
    pub count: u64,
    /// The file written, when `path` was given.
    pub path: Option<String>,
    /// The JSON Lines text, when no `path` was given.
    pub jsonl: Option<String>,
}

/// `labels_import`: a labels file (JSON Lines) to merge in.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct LabelsImportRequest {
    /// The file.
    pub path: String,
}

/// A line of a labels file that was not imported.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct ImportErrorView {
    /// 1-based line.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// What an import did. Valid lines are imported (all of them in one transaction), invalid ones
/// reported; nothing is overwritten: events are only added.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct LabelsImportReport {
    /// Events added.
    pub imported: u64,
    /// Events already present (same event id).
    pub duplicates: u64,
    /// Lines not imported.
    pub errors: Vec<ImportErrorView>,
}

/// `agreement`: agreement between annotators on one label set.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AgreementRequest {
    /// Label set (select or rating).
    pub set: String,
    /// Only these annotators (default: every annotator with labels in the set).
    #[serde(default)]
    pub annotators: Vec<String>,
}

/// One item annotators disagree on.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct DisagreementView {
    /// Trajectory id.
    pub id: String,
    /// Step, or null.
    pub step: Option<u64>,
    /// Each annotator's value.
    pub values: BTreeMap<String, serde_json::Value>,
    /// The adjudicated value, when recorded.
    pub adjudicated: Option<serde_json::Value>,
}

/// Agreement on a label set over the items annotators share.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct AgreementResponse {
    /// Label set.
    pub set: String,
    /// `cohen_kappa` (two annotators) or `krippendorff_alpha` (more, or fewer).
    pub kind: String,
    /// The coefficient of `kind`; null when undefined (no shared items, or no variation at all).
    pub value: Option<f64>,
    /// Krippendorff's α in every case (nominal for select sets, interval for ratings).
    pub alpha: Option<f64>,
    /// Items (trajectory or step) labelled by at least two of the annotators.
    pub items: u64,
    /// Annotators compared.
    pub annotators: Vec<String>,
    /// Shared items with different values.
    pub disagreements: Vec<DisagreementView>,
}

/// This install's annotator name and where it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct AnnotatorView {
    /// The name labels are written under.
    pub name: String,
    /// `env` (TRAWL_ANNOTATOR), `config` (the user's config file), `user` (the login name) or
    /// `session` (set for this process only).
    pub source: String,
}

/// `set_annotator`: the name to label under from now on, saved in the user's config file.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SetAnnotatorRequest {
    /// Name: one line, at most 128 bytes; not starting with `adjudicator:`.
    pub name: String,
}

/// `review_flag`: confirm or dismiss an engine flag on a trajectory (a label in set `flag_review`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReviewFlagRequest {
    /// Trajectory id.
    pub id: String,
    /// Flag name.
    pub flag: String,
    /// `confirm`, `dismiss` or `clear`.
    pub decision: String,
}
