//! The closed vocabularies of the protocol: dedup modes, cap orders, export formats, split
//! grouping, compression, list and record kinds, search sorts. Each is a serde enum whose JSON is
//! its stable name (exported to TypeScript as a union of string literals), parsed by `FromStr`
//! with the error text the API has always given for an unknown name; and [`Vocabulary`], what the
//! `vocabulary` method serves so that no client copies these lists by hand.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Declares a vocabulary enum: its variants with their stable names (and accepted aliases), and
/// `err`, the message for an unknown name given the name and the list of stable names.
macro_rules! vocabulary_enum {
    (
        $(#[doc = $doc:literal])+
        $name:ident, err = $err:expr;
        $( $(#[doc = $vdoc:literal])+ $variant:ident = $text:literal $(| $alias:literal)*, )+
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[serde(try_from = "String")]
        pub enum $name {
            $( $(#[doc = $vdoc])+ #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in the documented order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<$name, String> {
                match s {
                    $( $text $(| $alias)* => Ok($name::$variant), )+
                    other => {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                        let err: fn(&str, &str) -> String = $err;
                        Err(err(other, &names.join(", ")))
                    }
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;

            fn try_from(s: String) -> Result<$name, String> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

vocabulary_enum! {
    /// How a subset's shaping (or a dedup report) finds duplicates.
    DedupMode, err = |v, names| format!("unknown dedup mode '{v}' ({names})");
    /// No dedup (shaping only).
    None = "none",
    /// Identical normalized patches.
    ExactPatch = "exact_patch",
    /// Identical normalized text.
    ExactText = "exact_text",
    /// Patches at least `threshold` similar (MinHash estimate).
    NearPatch = "near_patch",
}

vocabulary_enum! {
    /// An order key of a cap (and of dedup's choice of which to keep), most important first.
    CapOrder, err = |v, names| format!("unknown order key '{v}' (known: {names})");
    /// Resolved first, then unknown, then unresolved.
    Resolved = "resolved",
    /// Fewest steps first.
    FewestSteps = "fewest_steps",
    /// Most steps first.
    MostSteps = "most_steps",
    /// Fewest patch lines first.
    SmallestPatch = "smallest_patch",
    /// Most patch lines first.
    LargestPatch = "largest_patch",
    /// Ingest order.
    Ingest = "ingest",
}

vocabulary_enum! {
    /// The format of an export.
    ExportFormat, err = |v, names| format!("unknown export format '{v}' ({names})");
    /// Each record's original bytes, one per line.
    JsonlOriginal = "jsonl-original",
    /// Chat messages for supervised fine-tuning, one conversation per line.
    SftChat = "sft-chat",
    /// A Parquet table of the normalized trajectories.
    Parquet = "parquet",
}

vocabulary_enum! {
    /// What a split keeps together: a group never spans two splits.
    GroupBy, err = |v, names| format!("unknown group_by '{v}' ({names})");
    /// The repository.
    Repo = "repo",
    /// The instance.
    Instance = "instance",
}

vocabulary_enum! {
    /// A quality flag derived from a trajectory (`flag:<name>`; core's `facts::Flag`, whose names
    /// are a stable contract).
    QualityFlag, err = |v, names| format!("unknown flag '{v}' ({names})");
    /// The final patch is missing or whitespace only.
    EmptyPatch = "empty_patch",
    /// No finish/submit action.
    NoFinish = "no_finish",
    /// The run ended on an iteration, cost or context limit.
    HitLimit = "hit_limit",
    /// The same action repeated.
    Loop = "loop",
    /// A shell command ran python, pytest, mypy, pip or apt.
    RanTests = "ran_tests",
    /// The patch or the edits touch test files.
    EditedTests = "edited_tests",
    /// The patch adds agent scratch files.
    StrayFiles = "stray_files",
    /// An observation reports a tool error.
    ToolErrors = "tool_errors",
}

vocabulary_enum! {
    /// The page codec of a Parquet export.
    Compression, err = |v, names| format!("unknown compression '{v}' ({names})");
    /// Snappy (the default, what pyarrow writes).
    Snappy = "snappy",
    /// Zstandard (smaller).
    Zstd = "zstd",
    /// Uncompressed.
    None = "none",
}

vocabulary_enum! {
    /// What a contamination list holds.
    ListKind, err = |v, names| format!("unknown list kind '{v}' ({names})");
    /// Instance ids (`owner__name-NUMBER`).
    Instances = "instances" | "instance",
    /// Repositories (`owner/name`).
    Repos = "repos" | "repo",
}

vocabulary_enum! {
    /// What a stored record is.
    RecordKind, err = |v, names| format!("unknown record kind '{v}' ({names})");
    /// A trajectory.
    Trajectory = "trajectory",
    /// A prediction: a run's submitted patch without steps.
    Prediction = "prediction",
}

vocabulary_enum! {
    /// The order of search hits.
    SearchSort, err = |v, _names| format!("unknown sort '{v}'");
    /// Best match first (the default).
    Relevance = "relevance",
    /// Ingest order.
    Ingest = "ingest",
    /// Most steps first.
    StepsDesc = "steps_desc",
    /// Fewest steps first.
    StepsAsc = "steps_asc",
    /// Most patch lines first.
    PatchLinesDesc = "patch_lines_desc",
    /// Fewest patch lines first.
    PatchLinesAsc = "patch_lines_asc",
    /// Unresolved first.
    ResolvedAsc = "resolved_asc",
    /// Resolved first.
    ResolvedDesc = "resolved_desc",
    /// By instance id, A to Z.
    InstanceAsc = "instance_asc",
    /// By instance id, Z to A.
    InstanceDesc = "instance_desc",
    /// By repository, A to Z.
    RepoAsc = "repo_asc",
    /// By repository, Z to A.
    RepoDesc = "repo_desc",
    /// By dataset, A to Z.
    DatasetAsc = "dataset_asc",
    /// By dataset, Z to A.
    DatasetDesc = "dataset_desc",
}

/// A term of a vocabulary and one line about it.
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct TermDoc {
    /// The term.
    pub name: String,
    /// One line of help.
    pub detail: String,
}

/// `vocabulary`: the names the API understands, for completion and forms (a client copies none
/// of them by hand).
#[derive(Debug, Clone, Serialize, Deserialize, TS, PartialEq)]
pub struct Vocabulary {
    /// Quality flags (`flag:NAME`), in bit order.
    pub flags: Vec<TermDoc>,
    /// Query fields (`NAME:value`), in the order completion offers them.
    pub fields: Vec<TermDoc>,
    /// Dedup modes of a subset's shaping.
    pub dedup_modes: Vec<DedupMode>,
    /// Order keys of a cap.
    pub cap_orders: Vec<CapOrder>,
    /// Export formats.
    pub export_formats: Vec<ExportFormat>,
    /// Page codecs of a Parquet export.
    pub compressions: Vec<Compression>,
    /// Observations longer than this many lines come truncated in a rendered trajectory (and are
    /// shown collapsed).
    pub observation_preview_lines: u32,
}
