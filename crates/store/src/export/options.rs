//! Export options and the manifest: formats, split ratios, grouping, compression, and the
//! JSON record of an export that `from_manifest` rebuilds from.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Each record's original bytes, one per line.
    JsonlOriginal,
    /// OpenAI chat fine-tuning format.
    SftChat,
    /// The NV row schema as Parquet.
    Parquet,
}

impl Format {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::JsonlOriginal => "jsonl-original",
            Format::SftChat => "sft-chat",
            Format::Parquet => "parquet",
        }
    }

    /// Parses a stable name.
    pub fn from_name(s: &str) -> Option<Format> {
        [Format::JsonlOriginal, Format::SftChat, Format::Parquet].into_iter().find(|f| f.as_str() == s)
    }

    pub(super) fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            _ => "jsonl",
        }
    }
}

/// Train/validation/test ratios (normalized to their sum).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ratios {
    /// Train share.
    pub train: f64,
    /// Validation share.
    pub validation: f64,
    /// Test share.
    pub test: f64,
}

/// What keeps records together in one split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// The repository.
    Repo,
    /// The base instance (sample suffix removed).
    Instance,
}

impl GroupBy {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Repo => "repo",
            GroupBy::Instance => "instance",
        }
    }

    /// Parses a stable name.
    pub fn from_name(s: &str) -> Option<GroupBy> {
        match s {
            "repo" => Some(GroupBy::Repo),
            "instance" => Some(GroupBy::Instance),
            _ => None,
        }
    }
}

/// The codec of a Parquet export's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    /// Snappy: pyarrow's default and what the NV datasets ship with.
    #[default]
    Snappy,
    /// Zstandard (level 3): smaller files for upload, a little slower to write.
    Zstd,
    /// No compression.
    Uncompressed,
}

impl Codec {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Codec::Snappy => "snappy",
            Codec::Zstd => "zstd",
            Codec::Uncompressed => "none",
        }
    }

    /// Parses a stable name.
    pub fn from_name(s: &str) -> Option<Codec> {
        [Codec::Snappy, Codec::Zstd, Codec::Uncompressed].into_iter().find(|c| c.as_str() == s)
    }

    pub(super) fn parquet(self) -> parquet::basic::Compression {
        match self {
            Codec::Snappy => parquet::basic::Compression::SNAPPY,
            Codec::Zstd => parquet::basic::Compression::ZSTD(Default::default()),
            Codec::Uncompressed => parquet::basic::Compression::UNCOMPRESSED,
        }
    }
}

/// Export settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Output format.
    pub format: Format,
    /// Output directory (created when missing).
    pub out_dir: PathBuf,
    /// Split ratios; `None` writes one file.
    pub splits: Option<Ratios>,
    /// Grouping for splits.
    pub group_by: GroupBy,
    /// Seed of the split assignment.
    pub seed: u64,
    /// Redact secrets in the exported text.
    pub redact: bool,
    /// Page codec of a Parquet export (other formats take the default only).
    pub codec: Codec,
    /// Data page version of a Parquet export: 2 (the default) or 1 (what manifests written before
    /// version 2 was used describe, so that their rebuilds stay byte-identical).
    pub parquet_pages: u8,
    /// Layout of an `sft-chat` line: 2 (the default) adds the record's own fields beside
    /// `messages` and `tools`; 1 is `{messages, tools}` alone (`--bare`, and what manifests
    /// written before the record's fields were added describe).
    pub sft_lines: u8,
}

/// The data page version of new Parquet exports. Version 2 pages keep their repetition and
/// definition levels outside the compressed values, so a page is compressed from the values
/// buffer as it stands instead of from a copy with the levels in front (9,353 records, 416 MB:
/// 4.1-4.2 s against 4.3-4.5 s, alternated); values stay `PLAIN`, which every reader reads, and
/// pyarrow, `datasets`, DuckDB, Polars and Spark read version 2 pages.
pub const PARQUET_PAGES: u8 = 2;

/// The layout of new `sft-chat` lines: `messages` and `tools`, then the record's envelope
/// (`instance_id`, `repo`, `license`, `trajectory_id`, `model_patch`, `dataset`) and Trawl's own
/// fields (`uid`, `format`, `resolved`, `flags`, `labels` as a JSON string), the same fields and
/// names as a Parquet export's columns. So a line says which record it came from, and ingesting
/// the file gives each record back its id, format, outcome and labels. Trainers read `messages`
/// and `tools` and leave other columns alone (`datasets`, TRL); `--bare` writes the two alone.
pub const SFT_LINES: u8 = 2;
/// The `sft-chat` layout with `messages` and `tools` only.
pub const SFT_LINES_BARE: u8 = 1;

/// The manifest every export writes (`manifest.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of this manifest layout.
    pub manifest_version: u32,
    /// `trawl <version>`.
    pub tool: String,
    /// When it was written (UTC).
    pub created: String,
    /// The database exported from.
    pub database: String,
    /// Output format.
    pub format: String,
    /// The subset version exported (`name`, `version`, `count`).
    pub subset: Option<SubsetRef>,
    /// The subset version's lineage: each version from the root with its definition and funnel.
    pub lineage: serde_json::Value,
    /// Split seed.
    pub seed: u64,
    /// Split ratios, when split.
    pub splits: Option<Ratios>,
    /// Grouping of the splits.
    pub group_by: String,
    /// Whether secrets were redacted.
    pub redact: bool,
    /// Page codec of a Parquet export (`snappy`, `zstd`, `none`); absent for other formats and in
    /// manifests written before it was recorded (they are snappy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// Data page version of a Parquet export; absent for other formats and in manifests written
    /// before it was recorded (their pages are version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parquet_pages: Option<u8>,
    /// Layout of an `sft-chat` export's lines (see [`SFT_LINES`]); absent for other formats and in
    /// manifests written before it was recorded (their lines are `{messages, tools}`, layout 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sft_lines: Option<u8>,
    /// What was redacted, per kind.
    pub redactions: BTreeMap<String, u64>,
    /// Source files of the exported records, with their sha256.
    pub sources: Vec<SourceEntry>,
    /// The sidecar listing the stable ids of the exported records.
    pub members: MembersFile,
    /// The files written, with their sha256.
    pub outputs: Vec<OutputFile>,
    /// The manifest this export was rebuilt from, if any.
    #[serde(default)]
    pub rebuilt_from: Option<String>,
}

/// A subset version reference.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubsetRef {
    /// Name.
    pub name: String,
    /// Version.
    pub version: i64,
    /// Members.
    pub count: u64,
}

/// A source file in a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceEntry {
    /// Path as ingested.
    pub path: String,
    /// sha256 of the file, when it is still there unchanged.
    pub sha256: Option<String>,
    /// Exported records from it.
    pub records: u64,
    /// Why there is no sha256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The members sidecar.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MembersFile {
    /// File name in the output directory.
    pub file: String,
    /// Stable ids listed.
    pub count: u64,
    /// sha256 of the file.
    pub sha256: String,
}

/// One output file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutputFile {
    /// File name in the output directory.
    pub file: String,
    /// `train`, `validation`, `test` or `all`.
    pub split: String,
    /// Records written.
    pub records: u64,
    /// Records that could not be converted (sft-chat without messages), not written.
    pub skipped: u64,
    /// Groups in the split.
    pub groups: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// sha256.
    pub sha256: String,
}

/// What an export did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The manifest as written.
    pub manifest: Manifest,
    /// Path of the manifest.
    pub manifest_path: PathBuf,
    /// Time spent in total.
    pub elapsed: Duration,
    /// Time spent reading, converting and writing records (without source hashing).
    pub write_elapsed: Duration,
}

pub(super) const SPLITS: [&str; 3] = ["train", "validation", "test"];

pub(super) fn check_options(opts: &Options) -> Result<(), StoreError> {
    if let Some(r) = &opts.splits {
        let all = [r.train, r.validation, r.test];
        if all.iter().any(|x| !x.is_finite() || *x < 0.0) || all.iter().sum::<f64>() <= 0.0 {
            return Err(StoreError::BadSplitRatios { train: r.train, validation: r.validation, test: r.test });
        }
    }
    if opts.format != Format::Parquet && opts.codec != Codec::default() {
        return Err(StoreError::CompressionNeedsParquet { codec: opts.codec.as_str(), format: opts.format.as_str() });
    }
    if opts.format != Format::SftChat && opts.sft_lines != SFT_LINES {
        return Err(StoreError::BareNeedsSftChat { format: opts.format.as_str() });
    }
    Ok(())
}
