//! Protocol types of one stored trajectory: its header ([`TrajectoryMeta`], what every method
//! that names a trajectory carries) and the normalized whole ([`TrajectoryView`], `show`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{QualityFlag, RecordKind};

/// A trajectory's header: everything but its steps and patch.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrajectoryMeta {
    /// Stable id.
    pub id: String,
    /// Source location.
    pub source: SourceView,
    /// Format name.
    pub format: String,
    /// `trajectory`, or `prediction` for a prediction record (a run's submitted patch without
    /// steps: a patch-only record, or one joined to its trajectory, see `joined_to`).
    pub kind: RecordKind,
    /// Instance id, as in the source.
    pub instance_id: Option<String>,
    /// The instance id without a sample suffix (`django__django-11099` for
    /// `django__django-11099_2`); equal to `instance_id` when it has none.
    pub base_instance: Option<String>,
    /// Repository.
    pub repo: Option<String>,
    /// Dataset.
    pub dataset: Option<String>,
    /// License.
    pub license: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// The record's own trajectory id.
    pub trajectory_id: Option<String>,
    /// true, false, or null when unknown.
    pub resolved: Option<bool>,
    /// Exit status.
    pub exit_status: Option<String>,
    /// Error the run ended with.
    pub error: Option<String>,
    /// Cost and tokens.
    pub usage: UsageView,
    /// Flag names.
    pub flags: Vec<QualityFlag>,
    /// Derived facts.
    pub facts: FactsView,
    /// Step count.
    pub step_count: usize,
    /// For a trajectory: the prediction its run submitted for the instance (from a predictions
    /// file of the same run), or null.
    pub prediction: Option<PredictionView>,
    /// For a prediction joined to a trajectory: that trajectory's id, or null.
    pub joined_to: Option<String>,
}

/// The prediction a trajectory's run submitted (SWE-bench `model_patch`, Multi-SWE-bench
/// `fix_patch`), kept with the trajectory.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct PredictionView {
    /// The prediction record's stable id.
    pub id: String,
    /// Where it was read.
    pub file: String,
    /// Its line (or row).
    pub line: u64,
    /// The instance it names.
    pub instance_id: Option<String>,
    /// The model (or run name) it names.
    pub model: Option<String>,
    /// Its patch.
    pub patch: Option<String>,
    /// Whether its patch is the trajectory's final patch (white space around them aside).
    pub same_patch: bool,
    /// How many predictions of the run joined the trajectory (the first by id is shown).
    pub count: u64,
}

/// A tool call in a trajectory view.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ToolCallView {
    /// Call id, when the format has one.
    pub id: Option<String>,
    /// Tool name.
    pub name: String,
    /// Arguments as JSON.
    pub arguments: serde_json::Value,
    /// The observation that answered the call.
    pub observation: Option<String>,
    /// Exit code stated by the observation.
    pub exit_code: Option<i64>,
}

/// A step in a trajectory view.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct StepView {
    /// 0-based index.
    pub index: usize,
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Message text.
    pub text: String,
    /// Reasoning shown apart from the text.
    pub thought: Option<String>,
    /// Tool calls with their observations.
    pub tool_calls: Vec<ToolCallView>,
    /// Observation text of the step.
    pub observation: Option<String>,
    /// Exit code of the step's last call that states one.
    pub exit_code: Option<i64>,
}

/// Where a record came from.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SourceView {
    /// File path.
    pub file: String,
    /// Byte offset in the (decompressed) file.
    pub byte_offset: u64,
    /// Byte length.
    pub byte_len: u64,
    /// 1-based line or row.
    pub line: u64,
}

/// Cost and tokens.
#[derive(Debug, Clone, Serialize, Deserialize, Default, TS)]
pub struct UsageView {
    /// Dollars.
    pub cost: Option<f64>,
    /// Prompt tokens.
    pub prompt_tokens: Option<u64>,
    /// Completion tokens.
    pub completion_tokens: Option<u64>,
    /// Model calls.
    pub api_calls: Option<u64>,
}

/// Facts derived at ingest.
#[derive(Debug, Clone, Serialize, Deserialize, Default, TS)]
pub struct FactsView {
    /// Calls per tool.
    pub tool_counts: BTreeMap<String, u32>,
    /// Files edited through editor calls.
    pub edited_files: Vec<String>,
    /// Files the patch touches.
    pub patch_files: Vec<String>,
    /// Lines added.
    pub patch_added: u64,
    /// Lines removed.
    pub patch_removed: u64,
    /// Patch files per language.
    pub languages: BTreeMap<String, u32>,
}

/// One trajectory, normalized, for reading.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct TrajectoryView {
    /// The header (its fields appear at the top level of the JSON).
    #[serde(flatten)]
    #[ts(flatten)]
    pub meta: TrajectoryMeta,
    /// Task text.
    pub problem_statement: Option<String>,
    /// Steps.
    pub steps: Vec<StepView>,
    /// Final patch.
    pub patch: Option<String>,
}
