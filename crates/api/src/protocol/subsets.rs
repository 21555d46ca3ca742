//! Protocol types of curation: subsets with lineage, dedup reports, contamination lists and
//! exports. Plain serde types; the `Library` methods in `crate::subsets` convert to and from the
//! store's types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CapOrder, Compression, DedupMode, ExportFormat, GroupBy, ListKind, QualityFlag};

/// A subset version reference: `{subset, version}` (`version` null = the latest).
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS, PartialEq)]
pub struct SubsetRefView {
    /// Subset name.
    pub subset: String,
    /// Version number (null = the latest).
    #[serde(default)]
    pub version: Option<i64>,
}

/// Dedup shaping: `mode` is `none`, `exact_patch`, `exact_text` or `near_patch` (with
/// `threshold`, default 0.8).
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS, PartialEq)]
pub struct DedupSpec {
    /// `none`, `exact_patch`, `exact_text`, `near_patch`.
    pub mode: DedupMode,
    /// Similarity threshold for `near_patch`, in (0, 1].
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// Cap of `k` trajectories per instance, keeping the first by `order`.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS, PartialEq)]
pub struct CapSpec {
    /// At most this many per instance.
    pub k: usize,
    /// Order keys, most important first: `resolved` (resolved first), `fewest_steps`,
    /// `most_steps`, `smallest_patch`, `largest_patch`, `ingest`. Ties end on the stable id.
    #[serde(default)]
    pub order: Vec<CapOrder>,
}

/// Shaping applied after the rule and the manual lists: dedup, then cap, then contamination.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ts_rs::TS, PartialEq)]
pub struct ShapingSpec {
    /// Keep one per duplicate group (null = no dedup).
    #[serde(default)]
    pub dedup: Option<DedupSpec>,
    /// Cap per instance (null = no cap).
    #[serde(default)]
    pub cap: Option<CapSpec>,
    /// Contamination list names whose matches are removed (see `contamination_lists`).
    #[serde(default)]
    pub contamination: Vec<String>,
}

/// `subset_create`: evaluates a definition and freezes it as the next version of `name`.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetCreateRequest {
    /// Subset name (no spaces, no `@`).
    pub name: String,
    /// The parent version; null = the whole database.
    #[serde(default)]
    pub parent: Option<SubsetRefView>,
    /// A query in the query language (empty = all of the parent). A syntax error is `bad_query`
    /// with the column in this string.
    #[serde(default)]
    pub rule: String,
    /// Trajectory ids added by hand (from the whole database).
    #[serde(default)]
    pub includes: Vec<String>,
    /// Trajectory ids removed by hand.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// Shaping.
    #[serde(default)]
    pub shaping: ShapingSpec,
}

/// One funnel step of a version.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS, PartialEq)]
pub struct StageView {
    /// What it did: a rule clause (`-flag:empty_patch`), `excluded by hand`, `included by hand`,
    /// `duplicate patch`, `capped at 2 per instance`, `in swe-bench-verified.instances`, ….
    pub label: String,
    /// Trajectories removed.
    pub removed: u64,
    /// Trajectories added.
    pub added: u64,
    /// Trajectories after the step.
    pub count: u64,
}

/// A saved (frozen) subset version.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetVersionView {
    /// Subset name.
    pub name: String,
    /// Version number.
    pub version: i64,
    /// Parent version (null = the whole database).
    pub parent: Option<SubsetRefView>,
    /// The rule.
    pub rule: String,
    /// Manual includes.
    pub includes: Vec<String>,
    /// Manual excludes.
    pub excludes: Vec<String>,
    /// Shaping.
    pub shaping: ShapingSpec,
    /// Size of the parent when this version was made.
    pub pool: u64,
    /// Members.
    pub count: u64,
    /// The funnel from `pool` to `count`.
    pub stages: Vec<StageView>,
    /// When it was saved (UTC, RFC 3339).
    pub created: String,
    /// Milliseconds to evaluate and save (0 when loaded).
    pub took_ms: f64,
}

/// `subsets`: every subset and its versions.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetsResponse {
    /// Subsets by name.
    pub subsets: Vec<SubsetSummaryView>,
}

/// A subset and its versions.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetSummaryView {
    /// Name.
    pub name: String,
    /// Versions, oldest first.
    pub versions: Vec<SubsetVersionView>,
}

/// `subset_show`: a version and a page of its members.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetShowRequest {
    /// Subset name.
    pub name: String,
    /// Version (null = the latest).
    #[serde(default)]
    pub version: Option<i64>,
    /// Members to skip.
    #[serde(default)]
    pub offset: usize,
    /// Page size (default 50).
    #[serde(default = "default_page")]
    pub limit: usize,
}

fn default_page() -> usize {
    50
}

/// A member of a version.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetMemberView {
    /// Trajectory id.
    pub id: String,
    /// Instance.
    pub instance_id: Option<String>,
    /// Repository.
    pub repo: Option<String>,
    /// Dataset.
    pub dataset: Option<String>,
    /// Resolved as it is now.
    pub resolved: Option<bool>,
    /// Steps.
    pub steps: u64,
    /// Flags.
    pub flags: Vec<QualityFlag>,
}

/// `subset_show` result.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetShowResponse {
    /// The version.
    pub version: SubsetVersionView,
    /// Members in total.
    pub total: u64,
    /// The page.
    pub members: Vec<SubsetMemberView>,
}

/// `subset_lineage {name, version?}`.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetLineageRequest {
    /// Subset name.
    pub name: String,
    /// Version (null = the latest).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A node of the lineage: the whole pool first (`name` null), then each version.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct LineageNode {
    /// Subset name (null for the whole database).
    pub name: Option<String>,
    /// Version (null for the whole database).
    pub version: Option<i64>,
    /// Trajectories at this node.
    pub count: u64,
    /// The rule that made it (empty for the pool).
    pub rule: String,
}

/// A stage between two nodes.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct LineageStage {
    /// Index of the node this stage belongs to (it leads from node `node - 1` to `node`).
    pub node: usize,
    /// What it did.
    pub label: String,
    /// Removed.
    pub removed: u64,
    /// Added.
    pub added: u64,
    /// Trajectories after it.
    pub count: u64,
}

/// `subset_lineage` result: the funnel from the whole pool to the version.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct SubsetLineageResponse {
    /// The pool, then each version from the root.
    pub nodes: Vec<LineageNode>,
    /// Every stage in order.
    pub stages: Vec<LineageStage>,
}

/// `dedup_report`: duplicate clusters among the matches of a query or the members of a subset.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct DedupReportRequest {
    /// A query (used when `subset` is null; empty = everything).
    #[serde(default)]
    pub query: Option<String>,
    /// A subset version.
    #[serde(default)]
    pub subset: Option<SubsetRefView>,
    /// `near_patch` (default), `exact_patch` or `exact_text`.
    #[serde(default)]
    pub mode: Option<DedupMode>,
    /// Similarity threshold for `near_patch` (default 0.8).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// At most this many clusters in the answer (largest first; default 100).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// A duplicate cluster.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct DedupClusterView {
    /// Members.
    pub size: u64,
    /// Lowest estimated similarity of a member to the first (1 for exact modes).
    pub min_similarity: f64,
    /// Trajectory ids, the first is the one dedup keeps by default.
    pub members: Vec<String>,
    /// Instance ids of the members (same order).
    pub instances: Vec<Option<String>>,
}

/// `dedup_report` result.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct DedupReportResponse {
    /// Trajectories examined.
    pub scanned: u64,
    /// Clusters found.
    pub clusters_total: u64,
    /// Trajectories a keep-one-per-cluster rule removes.
    pub removable: u64,
    /// The largest clusters.
    pub clusters: Vec<DedupClusterView>,
    /// Milliseconds.
    pub took_ms: f64,
}

/// A contamination list.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ContaminationListView {
    /// Name (used in `shaping.contamination`).
    pub name: String,
    /// `instances` or `repos`.
    pub kind: ListKind,
    /// Entries.
    pub entries: u64,
    /// Shipped with trawl.
    pub builtin: bool,
    /// Provenance (built-in) or the file it was added from.
    pub source: String,
}

/// `contamination_lists` result.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ContaminationListsResponse {
    /// Built-in lists first, then the user's.
    pub lists: Vec<ContaminationListView>,
    /// The provenance of the built-in lists (markdown).
    pub provenance: String,
}

/// `contamination_add`: adds or replaces a user list.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ContaminationAddRequest {
    /// Name (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// `instances` or `repos`; null = detected (entries with `/` are repos).
    #[serde(default)]
    pub kind: Option<ListKind>,
    /// The list text: one entry per line, `#` comments.
    pub text: String,
    /// Where it came from (a file name), recorded as its provenance.
    #[serde(default)]
    pub source: String,
}

/// Train/validation/test ratios.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ts_rs::TS, PartialEq)]
pub struct SplitRatios {
    /// Train.
    pub train: f64,
    /// Validation.
    pub validation: f64,
    /// Test.
    pub test: f64,
}

/// `export`: writes a subset version to a directory.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportRequest {
    /// Subset name.
    pub subset: String,
    /// Version (null = the latest).
    #[serde(default)]
    pub version: Option<i64>,
    /// `jsonl-original`, `sft-chat` or `parquet`.
    pub format: ExportFormat,
    /// Output directory (created when missing).
    pub out_dir: String,
    /// Split ratios (null = one file, `data.*`).
    #[serde(default)]
    pub splits: Option<SplitRatios>,
    /// `repo` (default) or `instance`: a group never spans two splits.
    #[serde(default)]
    pub group_by: Option<GroupBy>,
    /// Seed of the split assignment (default 0).
    #[serde(default)]
    pub seed: u64,
    /// Redact secrets (API keys, tokens, private keys) in the exported text.
    #[serde(default)]
    pub redact: bool,
    /// Page codec of a `parquet` export: `snappy` (null: the default), `zstd` or `none`.
    #[serde(default)]
    pub compression: Option<Compression>,
    /// `sft-chat` lines with `messages` and `tools` alone, without the record's id, format,
    /// outcome, labels and envelope (by default a line carries them, so that the file comes back
    /// as what it was). Other formats refuse it.
    #[serde(default)]
    pub bare: bool,
}

/// `export_from_manifest`: rebuilds an export from its manifest, checking every sha256.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportFromManifestRequest {
    /// Path of `manifest.json`.
    pub manifest: String,
    /// Output directory.
    pub out_dir: String,
}

/// An exported file.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportFileView {
    /// File name.
    pub file: String,
    /// `train`, `validation`, `test` or `all`.
    pub split: String,
    /// Records written.
    pub records: u64,
    /// Records not convertible to the format (sft-chat without an assistant message).
    pub skipped: u64,
    /// Groups in the split.
    pub groups: u64,
    /// Bytes.
    pub bytes: u64,
    /// sha256.
    pub sha256: String,
}

/// `export` result: a summary of the manifest written.
#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
pub struct ExportResponse {
    /// Path of `manifest.json`.
    pub manifest_path: String,
    /// Format.
    pub format: String,
    /// Subset exported.
    pub subset: Option<String>,
    /// Its version.
    pub version: Option<i64>,
    /// Files written.
    pub outputs: Vec<ExportFileView>,
    /// Secrets redacted, per kind.
    pub redactions: BTreeMap<String, u64>,
    /// Records written.
    pub records: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Seconds in total.
    pub elapsed_s: f64,
    /// Seconds reading, converting and writing records.
    pub write_elapsed_s: f64,
    /// Output MB/s over `elapsed_s`, the whole export (the write phase is most of it).
    pub mb_per_s: f64,
    /// The manifest this was rebuilt from (its sha256s were checked).
    pub rebuilt_from: Option<String>,
}
