//! Exports of a frozen set of trajectories: `jsonl-original` (each record's original bytes),
//! `sft-chat` (OpenAI chat fine-tuning lines) and `parquet` (the NV SWE-Zero/Hero row schema plus
//! our flags and labels), split into train/validation/test by group, optionally redacted, with a
//! manifest that lets `from_manifest` rebuild byte-identical files from a fresh database.
//!
//! Determinism: records are written in stable-id order within each split; splits assign whole
//! groups (repository or instance) in an order given by a hash of the seed and the group key.
//! Nothing depends on row ids, paths or time, so the same records give the same bytes.
//!
//! Atomicity: an export is written into a fresh folder beside the target
//! (`.<target>.trawl-export-<pid>`), every file synced, and that folder then replaces the
//! target as a whole: renamed onto it when the target is missing or empty, or swapped with it in
//! one step (`renameat2(RENAME_EXCHANGE)` on Linux) when the target holds an earlier export, whose
//! folder is then removed. A kill at any moment leaves the target holding either the old export
//! or the new one, complete, never a mix (and the leftover folder of a dead process is removed by
//! the next export). A non-empty target that is not a trawl export (or holds files besides its
//! export) is refused, naming what is in it. On error the new folder is removed.
//!
//! Records are read and converted on worker threads (one read-only SQLite connection each) and
//! written in order by the calling thread. A Parquet worker builds the Arrow columns of a chunk
//! of records directly from the chat messages and encodes and compresses them into a whole row
//! group (`ROW_GROUP` rows); the writer thread only appends the encoded row groups in order, so
//! the bytes do not depend on the number of threads.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use arrow_array::builder::{ArrayBuilder, StringBuilder};
use arrow_array::{ArrayRef, BooleanArray, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trawl_core::facts::FlagSet;
use trawl_core::{Role, Trajectory};

use crate::{Store, StoreError};

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

    fn extension(self) -> &'static str {
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

    fn parquet(self) -> parquet::basic::Compression {
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
}

/// The data page version of new Parquet exports. Version 2 pages keep their repetition and
/// definition levels outside the compressed values, so a page is compressed from the values
/// buffer as it stands instead of from a copy with the levels in front (9,353 records, 416 MB:
/// 4.1-4.2 s against 4.3-4.5 s, alternated); values stay `PLAIN`, which every reader reads, and
/// pyarrow, `datasets`, DuckDB, Polars and Spark read version 2 pages.
pub const PARQUET_PAGES: u8 = 2;

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

const SPLITS: [&str; 3] = ["train", "validation", "test"];
/// Records per work chunk.
const CHUNK: usize = 64;
/// Parquet rows per row group (each row group is one work chunk, encoded on a worker).
const ROW_GROUP: usize = 128;

/// A chunk of records of one output file, in output order.
struct Job<'a> {
    /// Index of the output file.
    split: usize,
    /// Index of the chunk within its file (the Parquet row group index).
    index: usize,
    /// Row ids.
    ids: &'a [i64],
}

/// Secret kinds and their patterns, most specific first.
const SECRET_KINDS: [(&str, &str); 8] = [
    ("private_key", r#"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[^"]*?-----END[A-Z ]{0,40}PRIVATE KEY-----"#),
    ("anthropic", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
    ("openai", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
    ("github", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ("aws", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    ("huggingface", r"\bhf_[A-Za-z0-9]{30,}"),
    ("slack", r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    ("bearer", r"\bBearer\s+[A-Za-z0-9._~+/=\-]{20,}"),
];

fn secret_pattern() -> String {
    SECRET_KINDS.iter().enumerate().map(|(i, (_, p))| format!("(?P<k{i}>{p})")).collect::<Vec<_>>().join("|")
}

static SECRETS_STR: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(&secret_pattern()).expect("secret patterns compile"));
static SECRETS_BYTES: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(&secret_pattern()).expect("secret patterns compile"));

type Counts = [u64; SECRET_KINDS.len()];

fn replacement(kind: usize) -> String {
    match SECRET_KINDS[kind].0 {
        "bearer" => "Bearer [REDACTED:bearer]".to_string(),
        k => format!("[REDACTED:{k}]"),
    }
}

/// Replaces secrets in a text, counting them per kind.
pub fn redact_str<'a>(text: &'a str, counts: &mut [u64; 8]) -> std::borrow::Cow<'a, str> {
    SECRETS_STR.replace_all(text, |c: &regex::Captures<'_>| {
        let k = (0..SECRET_KINDS.len()).find(|i| c.name(&format!("k{i}")).is_some()).unwrap_or(0);
        counts[k] += 1;
        replacement(k)
    })
}

fn redact_bytes<'a>(text: &'a [u8], counts: &mut Counts) -> std::borrow::Cow<'a, [u8]> {
    SECRETS_BYTES.replace_all(text, |c: &regex::bytes::Captures<'_>| {
        let k = (0..SECRET_KINDS.len()).find(|i| c.name(&format!("k{i}")).is_some()).unwrap_or(0);
        counts[k] += 1;
        replacement(k).into_bytes()
    })
}

/// The names of the secret kinds redaction knows.
pub fn secret_kinds() -> Vec<&'static str> {
    SECRET_KINDS.iter().map(|(k, _)| *k).collect()
}

/// Removes whitespace outside JSON strings: the compact form of a JSON value that keeps its key
/// order and number spelling (for records that span several lines in their source).
pub fn compact_json(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut in_str = false;
    let mut esc = false;
    for &b in raw {
        if in_str {
            out.push(b);
            if esc {
                esc = false;
            } else if b == b'\\' {
                esc = true;
            } else if b == b'"' {
                in_str = false;
            }
        } else if b == b'"' {
            in_str = true;
            out.push(b);
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            out.push(b);
        }
    }
    out
}

/// The current labels of a trajectory as a JSON string for the `labels` Parquet column, or None
/// when it has none: `{"<set>": {"<annotator>": value}, "steps": [{"step", "set", "annotator",
/// "value"}]}` (an adjudication appears as annotator `adjudicator:<name>`).
pub fn labels_json_for(conn: &Connection, uid: &str) -> Result<Option<String>, StoreError> {
    let mut st = conn.prepare_cached(
        "SELECT step_key, label_set, annotator, value FROM label_current WHERE target = ?1 \
         ORDER BY step_key, label_set, annotator",
    )?;
    let rows = st.query_map([uid], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    let mut top = serde_json::Map::new();
    let mut steps = Vec::new();
    for row in rows {
        let (step, set, annotator, value) = row?;
        let value: serde_json::Value = serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value));
        if step < 0 {
            let by = top.entry(set).or_insert_with(|| serde_json::Value::Object(Default::default()));
            if let serde_json::Value::Object(m) = by {
                m.insert(annotator, value);
            }
        } else {
            steps.push(serde_json::json!({"step": step, "set": set, "annotator": annotator, "value": value}));
        }
    }
    if top.is_empty() && steps.is_empty() {
        return Ok(None);
    }
    if !steps.is_empty() {
        top.insert("steps".into(), serde_json::Value::Array(steps));
    }
    Ok(Some(serde_json::Value::Object(top).to_string()))
}

// ---------------------------------------------------------------------------------------------
// Chat messages (sft-chat lines and the Parquet `trajectory` column).

#[derive(Serialize)]
struct Msg<'a> {
    role: &'a str,
    content: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_calls: Option<Vec<Call<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_call_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
struct Call<'a> {
    id: std::borrow::Cow<'a, str>,
    #[serde(rename = "type")]
    kind: &'a str,
    function: Func<'a>,
}

#[derive(Serialize)]
struct Func<'a> {
    name: &'a str,
    arguments: std::borrow::Cow<'a, str>,
}

/// Argument keys and JSON types seen per tool (for synthesized tool schemas).
type ToolShapes<'a> = BTreeMap<&'a str, BTreeMap<String, &'static str>>;

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn clean<'a>(s: std::borrow::Cow<'a, str>, redacting: bool, counts: &mut Counts) -> std::borrow::Cow<'a, str> {
    if !redacting {
        return s;
    }
    match s {
        std::borrow::Cow::Borrowed(b) => redact_str(b, counts),
        std::borrow::Cow::Owned(o) => std::borrow::Cow::Owned(redact_str(&o, counts).into_owned()),
    }
}

/// Converts a trajectory to OpenAI chat messages (redacting when `counts` is given).
fn chat_messages<'a>(t: &'a Trajectory, counts: Option<&mut Counts>, shapes: &mut ToolShapes<'a>) -> Vec<Msg<'a>> {
    let mut unused: Counts = [0; SECRET_KINDS.len()];
    let redacting = counts.is_some();
    let counts: &mut Counts = match counts {
        Some(c) => c,
        None => &mut unused,
    };
    let clean = |s: std::borrow::Cow<'a, str>, counts: &mut Counts| clean(s, redacting, counts);
    let mut out = Vec::with_capacity(t.steps.len() * 2);
    for (si, s) in t.steps.iter().enumerate() {
        match s.role {
            Role::System | Role::User => out.push(Msg {
                role: s.role.as_str(),
                content: clean(s.text.as_str().into(), counts),
                tool_calls: None,
                tool_call_id: None,
                name: None,
            }),
            Role::Tool => {
                let text = if s.text.is_empty() { s.observation.as_deref().unwrap_or("") } else { s.text.as_str() };
                out.push(Msg {
                    role: "user",
                    content: clean(text.into(), counts),
                    tool_calls: None,
                    tool_call_id: None,
                    name: None,
                });
            }
            Role::Assistant => {
                let thought_is_call = s.tool_calls.iter().any(|c| c.name == "think");
                let text: &str = match (&s.thought, s.text.is_empty()) {
                    (Some(th), true) if !thought_is_call => th,
                    _ => &s.text,
                };
                let ids: Vec<String> = s
                    .tool_calls
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c.id.clone().unwrap_or_else(|| format!("call_{si}_{k}")))
                    .collect();
                let calls: Vec<Call<'a>> = s
                    .tool_calls
                    .iter()
                    .zip(&ids)
                    .map(|(c, id)| {
                        let shape = shapes.entry(c.name.as_str()).or_default();
                        if let serde_json::Value::Object(m) = &c.arguments {
                            for (k, v) in m {
                                shape.entry(k.clone()).or_insert_with(|| json_type(v));
                            }
                        }
                        let args: std::borrow::Cow<'a, str> = match &c.arguments {
                            serde_json::Value::String(s) => s.as_str().into(),
                            v => v.to_string().into(),
                        };
                        Call {
                            id: id.clone().into(),
                            kind: "function",
                            function: Func { name: &c.name, arguments: clean(args, counts) },
                        }
                    })
                    .collect();
                out.push(Msg {
                    role: "assistant",
                    content: clean(text.into(), counts),
                    tool_calls: (!calls.is_empty()).then_some(calls),
                    tool_call_id: None,
                    name: None,
                });
                for (c, id) in s.tool_calls.iter().zip(ids) {
                    out.push(Msg {
                        role: "tool",
                        content: clean(c.observation.as_deref().unwrap_or("").into(), counts),
                        tool_calls: None,
                        tool_call_id: Some(id.into()),
                        name: Some(&c.name),
                    });
                }
            }
        }
    }
    out
}

/// The record's own tool definitions (`tools`: objects or JSON strings), normalized to
/// `{"type": "function", "function": {...}}`.
fn own_tools(raw: &[u8]) -> Option<Vec<serde_json::Value>> {
    memchr::memmem::find(raw, b"\"tools\"")?;
    let v: serde_json::Value = serde_json::from_slice(raw).ok()?;
    let arr = v.get("tools")?.as_array()?;
    let mut out = Vec::new();
    for t in arr {
        let t = match t {
            serde_json::Value::String(s) => serde_json::from_str(s).ok()?,
            other => other.clone(),
        };
        match t {
            serde_json::Value::Object(ref m) if m.contains_key("function") => out.push(t),
            serde_json::Value::Object(ref m) if m.contains_key("name") => {
                out.push(serde_json::json!({"type": "function", "function": t}))
            }
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

fn synthesized_tools(shapes: &ToolShapes<'_>) -> Vec<serde_json::Value> {
    shapes
        .iter()
        .map(|(name, args)| {
            let props: serde_json::Map<String, serde_json::Value> =
                args.iter().map(|(k, t)| (k.clone(), serde_json::json!({"type": t}))).collect();
            serde_json::json!({
                "type": "function",
                "function": {"name": name, "parameters": {"type": "object", "properties": props}}
            })
        })
        .collect()
}

#[derive(Serialize)]
struct SftLine<'a> {
    messages: Vec<Msg<'a>>,
    tools: Vec<serde_json::Value>,
}

struct NvRow<'a> {
    instance_id: Option<&'a str>,
    repo: Option<&'a str>,
    license: Option<&'a str>,
    trajectory_id: Option<&'a str>,
    trajectory: Messages<'a>,
    model_patch: Option<std::borrow::Cow<'a, str>>,
    dataset: Option<&'a str>,
    uid: &'a str,
    format: &'a str,
    resolved: Option<bool>,
    flags: Vec<&'static str>,
    labels: Option<String>,
}

/// The `trajectory` column of one row: chat messages derived from the normalized trajectory, or
/// the record's own NV message list.
enum Messages<'a> {
    Derived(Vec<Msg<'a>>),
    Own(Vec<NvMsg<'a>>),
}

// An NV SWE-Zero/Hero record read straight into the export's columns: its own message list and
// patch, borrowed from the stored record wherever a string needs no unescaping. Only a record
// whose messages fit the NV schema exactly is read this way (unknown message keys, a list given
// as a JSON string, arguments given as an object… fail to deserialize); any other record goes
// through the normalized trajectory.

/// The parts of an NV record the Parquet row takes from the record itself (the envelope comes from
/// the stored columns).
#[derive(Deserialize)]
struct NvRecord<'a> {
    #[serde(borrow)]
    trajectory: Vec<NvMsg<'a>>,
    #[serde(borrow, default)]
    model_patch: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NvMsg<'a> {
    #[serde(borrow)]
    role: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    content: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    tool_calls: Option<Vec<NvCall<'a>>>,
    #[serde(borrow, default)]
    name: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    tool_call_id: Option<std::borrow::Cow<'a, str>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NvCall<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    kind: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    function: NvFunc<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NvFunc<'a> {
    #[serde(borrow)]
    name: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    arguments: std::borrow::Cow<'a, str>,
}

/// Reads an NV record's own messages and patch (`None`: the record does not fit the NV schema
/// exactly, or has no `model_patch` string, so that the adapter may have found its patch
/// elsewhere; it is exported through its normalized trajectory). The patch is normalized as the
/// adapter normalizes it, and everything is redacted when `counts` is given.
fn own_nv_record<'a>(raw: &'a [u8], counts: Option<&mut Counts>) -> Option<NvRecord<'a>> {
    let mut rec: NvRecord<'a> = serde_json::from_slice(raw).ok()?;
    rec.model_patch.as_ref()?;
    if let Some(p) = &mut rec.model_patch {
        if p.contains('\r') || p.starts_with('\n') {
            *p = trawl_core::formats::normalize_patch(p).into();
        }
    }
    if let Some(counts) = counts {
        let mut red = |s: &mut std::borrow::Cow<'a, str>| {
            let redacted = match redact_str(s, counts) {
                std::borrow::Cow::Owned(r) => Some(r),
                std::borrow::Cow::Borrowed(_) => None,
            };
            if let Some(r) = redacted {
                *s = r.into();
            }
        };
        for m in &mut rec.trajectory {
            if let Some(c) = &mut m.content {
                red(c);
            }
            for c in m.tool_calls.iter_mut().flatten() {
                red(&mut c.function.arguments);
            }
        }
        if let Some(p) = &mut rec.model_patch {
            red(p);
        }
    }
    Some(rec)
}

/// The Arrow schema of the Parquet export: the NV SWE-Zero/Hero columns, then ours.
pub fn parquet_schema() -> SchemaRef {
    let s = |n: &str| Field::new(n, DataType::Utf8, true);
    let function = Field::new("function", DataType::Struct(Fields::from(vec![s("name"), s("arguments")])), true);
    let call = DataType::Struct(Fields::from(vec![s("id"), s("type"), function]));
    let message = DataType::Struct(Fields::from(vec![
        s("role"),
        s("content"),
        Field::new("tool_calls", DataType::List(Arc::new(Field::new("item", call, true))), true),
        s("name"),
        s("tool_call_id"),
    ]));
    Arc::new(Schema::new(vec![
        s("instance_id"),
        s("repo"),
        s("license"),
        s("trajectory_id"),
        Field::new("trajectory", DataType::List(Arc::new(Field::new("item", message, true))), true),
        s("model_patch"),
        s("dataset"),
        Field::new("uid", DataType::Utf8, false),
        Field::new("format", DataType::Utf8, false),
        Field::new("resolved", DataType::Boolean, true),
        Field::new("flags", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), true),
        s("labels"),
    ]))
}

// ---------------------------------------------------------------------------------------------
// Parquet: Arrow columns built directly from the chat messages (no JSON round trip), encoded
// into a whole row group on the worker; the writer thread only appends the encoded chunks.

/// A nullable UTF-8 column under construction. The sizes of the last batch size the next one's,
/// so that big text columns are not grown by copying.
#[derive(Default)]
struct StrCol {
    b: StringBuilder,
}

impl StrCol {
    fn push(&mut self, s: Option<&str>) -> Result<(), StoreError> {
        match s {
            Some(s) => {
                if self.b.values_slice().len() + s.len() > i32::MAX as usize {
                    return Err(StoreError::Damaged {
                        id: "parquet export".into(),
                        reason: "more than 2 GiB of text in one column batch".into(),
                    });
                }
                self.b.append_value(s);
            }
            None => self.b.append_null(),
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.b.len()
    }

    fn bytes(&self) -> usize {
        self.b.values_slice().len()
    }

    fn finish(&mut self) -> Result<ArrayRef, StoreError> {
        let (items, bytes) = (self.len(), self.bytes());
        let a = self.b.finish();
        self.b = StringBuilder::with_capacity(items + items / 4, bytes + bytes / 4);
        Ok(Arc::new(a))
    }
}

/// List offsets with validity.
#[derive(Default)]
struct ListCol {
    offsets: Vec<i32>,
    valid: Vec<bool>,
    nulls: usize,
}

impl ListCol {
    /// Closes a list whose items end at `end` (`None`: a null list).
    fn push(&mut self, end: usize, valid: bool) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.offsets.push(end as i32);
        self.valid.push(valid);
        if !valid {
            self.nulls += 1;
        }
    }

    fn finish(&mut self, item: FieldRef, values: ArrayRef) -> Result<ArrayRef, StoreError> {
        let mut offsets = std::mem::take(&mut self.offsets);
        if offsets.is_empty() {
            offsets.push(0);
        }
        let valid = std::mem::take(&mut self.valid);
        let nulls = (std::mem::take(&mut self.nulls) > 0).then(|| NullBuffer::from(valid));
        let a = ListArray::try_new(item, OffsetBuffer::new(ScalarBuffer::from(offsets)), values, nulls)
            .map_err(arrow_err)?;
        Ok(Arc::new(a))
    }
}

fn arrow_err(e: arrow_schema::ArrowError) -> StoreError {
    StoreError::Damaged { id: "parquet export".into(), reason: e.to_string() }
}

fn parquet_err(e: parquet::errors::ParquetError) -> StoreError {
    StoreError::Damaged { id: "parquet export".into(), reason: e.to_string() }
}

/// The columns of a batch of NV rows (see [`parquet_schema`]).
#[derive(Default)]
struct NvCols {
    rows: usize,
    instance_id: StrCol,
    repo: StrCol,
    license: StrCol,
    trajectory_id: StrCol,
    trajectory: ListCol,
    m_role: StrCol,
    m_content: StrCol,
    m_tool_calls: ListCol,
    m_name: StrCol,
    m_tool_call_id: StrCol,
    c_id: StrCol,
    c_type: StrCol,
    c_name: StrCol,
    c_arguments: StrCol,
    model_patch: StrCol,
    dataset: StrCol,
    uid: StrCol,
    format: StrCol,
    resolved: Vec<Option<bool>>,
    flags: ListCol,
    flag_names: StrCol,
    labels: StrCol,
}

/// Text bytes after which a worker hands the columns built so far to the encoders: small enough
/// that the column buffers are reused from the allocator's free lists instead of being faulted in
/// fresh for every row group.
const BATCH_TEXT_BYTES: usize = 4 << 20;

impl NvCols {
    fn push(&mut self, nv: &NvRow<'_>) -> Result<(), StoreError> {
        self.rows += 1;
        self.instance_id.push(nv.instance_id)?;
        self.repo.push(nv.repo)?;
        self.license.push(nv.license)?;
        self.trajectory_id.push(nv.trajectory_id)?;
        match &nv.trajectory {
            Messages::Derived(messages) => {
                for m in messages {
                    self.m_role.push(Some(m.role))?;
                    self.m_content.push(Some(&m.content))?;
                    let calls = m
                        .tool_calls
                        .as_ref()
                        .map(|calls| calls.iter().map(|c| (&*c.id, c.kind, c.function.name, &*c.function.arguments)));
                    self.push_calls(calls)?;
                    self.m_name.push(m.name)?;
                    self.m_tool_call_id.push(m.tool_call_id.as_deref())?;
                }
            }
            Messages::Own(messages) => {
                for m in messages {
                    self.m_role.push(Some(&m.role))?;
                    self.m_content.push(m.content.as_deref())?;
                    let calls = m.tool_calls.as_ref().map(|calls| {
                        calls.iter().map(|c| (&*c.id, &*c.kind, &*c.function.name, &*c.function.arguments))
                    });
                    self.push_calls(calls)?;
                    self.m_name.push(m.name.as_deref())?;
                    self.m_tool_call_id.push(m.tool_call_id.as_deref())?;
                }
            }
        }
        self.trajectory.push(self.m_role.len(), true);
        self.model_patch.push(nv.model_patch.as_deref())?;
        self.dataset.push(nv.dataset)?;
        self.uid.push(Some(nv.uid))?;
        self.format.push(Some(nv.format))?;
        self.resolved.push(nv.resolved);
        for f in &nv.flags {
            self.flag_names.push(Some(f))?;
        }
        self.flags.push(self.flag_names.len(), true);
        self.labels.push(nv.labels.as_deref())?;
        Ok(())
    }

    /// Closes one message's `tool_calls` list (`None`: null) from `(id, type, name, arguments)`.
    fn push_calls<'c>(
        &mut self,
        calls: Option<impl Iterator<Item = (&'c str, &'c str, &'c str, &'c str)>>,
    ) -> Result<(), StoreError> {
        match calls {
            Some(calls) => {
                for (id, kind, name, arguments) in calls {
                    self.c_id.push(Some(id))?;
                    self.c_type.push(Some(kind))?;
                    self.c_name.push(Some(name))?;
                    self.c_arguments.push(Some(arguments))?;
                }
                self.m_tool_calls.push(self.c_id.len(), true);
            }
            None => self.m_tool_calls.push(self.c_id.len(), false),
        }
        Ok(())
    }

    fn text_bytes(&self) -> usize {
        self.m_content.bytes() + self.c_arguments.bytes() + self.model_patch.bytes()
    }

    /// The batch built so far (and an empty builder for the next).
    fn finish(&mut self, schema: &SchemaRef) -> Result<RecordBatch, StoreError> {
        let f = schema.fields();
        let list_item = |i: usize| match f[i].data_type() {
            DataType::List(item) => item.clone(),
            other => unreachable!("list column, not {other}"),
        };
        let traj_item = list_item(4);
        let DataType::Struct(msg_fields) = traj_item.data_type().clone() else { unreachable!("message struct") };
        let DataType::List(call_item) = msg_fields[2].data_type().clone() else { unreachable!("tool_calls list") };
        let DataType::Struct(call_fields) = call_item.data_type().clone() else { unreachable!("call struct") };
        let DataType::Struct(func_fields) = call_fields[2].data_type().clone() else { unreachable!("function") };
        let func = StructArray::try_new(func_fields, vec![self.c_name.finish()?, self.c_arguments.finish()?], None)
            .map_err(arrow_err)?;
        let calls =
            StructArray::try_new(call_fields, vec![self.c_id.finish()?, self.c_type.finish()?, Arc::new(func)], None)
                .map_err(arrow_err)?;
        let tool_calls = self.m_tool_calls.finish(call_item, Arc::new(calls))?;
        let messages = StructArray::try_new(
            msg_fields,
            vec![
                self.m_role.finish()?,
                self.m_content.finish()?,
                tool_calls,
                self.m_name.finish()?,
                self.m_tool_call_id.finish()?,
            ],
            None,
        )
        .map_err(arrow_err)?;
        let trajectory = self.trajectory.finish(traj_item, Arc::new(messages))?;
        let flag_names = self.flag_names.finish()?;
        let columns: Vec<ArrayRef> = vec![
            self.instance_id.finish()?,
            self.repo.finish()?,
            self.license.finish()?,
            self.trajectory_id.finish()?,
            trajectory,
            self.model_patch.finish()?,
            self.dataset.finish()?,
            self.uid.finish()?,
            self.format.finish()?,
            Arc::new(BooleanArray::from(std::mem::take(&mut self.resolved))),
            self.flags.finish(list_item(10), flag_names)?,
            self.labels.finish()?,
        ];
        self.rows = 0;
        RecordBatch::try_new(schema.clone(), columns).map_err(arrow_err)
    }
}

/// Encodes a batch into a row group's column writers.
fn encode_batch(writers: &mut [ArrowColumnWriter], schema: &SchemaRef, batch: &RecordBatch) -> Result<(), StoreError> {
    let mut w = writers.iter_mut();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        for leaf in compute_leaves(field, column).map_err(parquet_err)? {
            w.next().expect("a writer per leaf").write(&leaf).map_err(parquet_err)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Work: one chunk of records converted on a worker.

enum Payload {
    Bytes(Vec<u8>),
    /// The encoded column chunks of one whole row group.
    RowGroup(Vec<ArrowColumnChunk>),
}

struct ChunkOut {
    payload: Payload,
    records: u64,
    skipped: u64,
    redactions: Counts,
}

fn convert_chunk(
    conn: &Connection,
    job: &Job<'_>,
    opts: &Options,
    schema: &SchemaRef,
    factory: Option<&ArrowRowGroupWriterFactory>,
    cache: &mut crate::dedup::BlobCache,
    cols: &mut NvCols,
) -> Result<ChunkOut, StoreError> {
    let ids = job.ids;
    let mut counts: Counts = [0; SECRET_KINDS.len()];
    let mut buf: Vec<u8> = Vec::with_capacity(if opts.format == Format::Parquet { 0 } else { ids.len() * 64 * 1024 });
    let mut parquet = match factory {
        Some(f) => Some((f.create_column_writers(job.index).map_err(parquet_err)?, cols)),
        None => None,
    };
    let mut records = 0;
    let mut skipped = 0;
    for &id in ids {
        match opts.format {
            Format::JsonlOriginal => {
                let raw = crate::dedup::load_raw_cached(conn, id, cache)?.raw;
                let line: std::borrow::Cow<'_, [u8]> = if memchr::memchr2(b'\n', b'\r', &raw).is_some() {
                    compact_json(&raw).into()
                } else {
                    raw.as_slice().into()
                };
                if opts.redact {
                    buf.extend_from_slice(&redact_bytes(&line, &mut counts));
                } else {
                    buf.extend_from_slice(&line);
                }
                buf.push(b'\n');
                records += 1;
                drop(line);
                cache.recycle(raw);
            }
            Format::SftChat => {
                let (row, traj) = crate::dedup::load_traj_cached(conn, id, cache)?;
                let mut shapes = ToolShapes::new();
                let messages = chat_messages(&traj, opts.redact.then_some(&mut counts), &mut shapes);
                if !messages.iter().any(|m| m.role == "assistant") {
                    skipped += 1;
                    continue;
                }
                let tools = own_tools(&row.raw).unwrap_or_else(|| synthesized_tools(&shapes));
                serde_json::to_writer(&mut buf, &SftLine { messages, tools }).expect("serializing to memory");
                buf.push(b'\n');
                records += 1;
                cache.recycle(row.raw);
            }
            Format::Parquet => {
                let row = crate::dedup::load_raw_cached(conn, id, cache)?;
                let mut local: Counts = [0; SECRET_KINDS.len()];
                let own = if row.format == trawl_core::Format::NvSweZero.as_str() {
                    own_nv_record(&row.raw, opts.redact.then_some(&mut local))
                } else {
                    None
                };
                let traj: Trajectory;
                let nv = match own {
                    Some(rec) => NvRow {
                        instance_id: row.instance_id.as_deref(),
                        repo: row.repo.as_deref(),
                        license: row.license.as_deref(),
                        trajectory_id: row.trajectory_id.as_deref(),
                        trajectory: Messages::Own(rec.trajectory),
                        model_patch: rec.model_patch,
                        dataset: row.dataset.as_deref(),
                        uid: &row.uid,
                        format: &row.format,
                        resolved: row.resolved,
                        flags: FlagSet(row.flags).iter().map(|f| f.as_str()).collect(),
                        labels: labels_json_for(conn, &row.uid)?,
                    },
                    None => {
                        traj = crate::show::normalize_record(&row.raw, &row.path)
                            .map_err(|reason| StoreError::Damaged { id: row.uid.clone(), reason })?;
                        let t = &traj;
                        let mut shapes = ToolShapes::new();
                        let trajectory = chat_messages(t, opts.redact.then_some(&mut local), &mut shapes);
                        let model_patch =
                            t.patch.as_deref().map(|p| if opts.redact { redact_str(p, &mut local) } else { p.into() });
                        NvRow {
                            instance_id: t.instance_id.as_deref(),
                            repo: t.repo.as_deref(),
                            license: t.license.as_deref(),
                            trajectory_id: t.trajectory_id.as_deref(),
                            trajectory: Messages::Derived(trajectory),
                            model_patch,
                            dataset: t.dataset.as_deref(),
                            uid: &row.uid,
                            format: t.format.as_str(),
                            resolved: row.resolved,
                            flags: FlagSet(row.flags).iter().map(|f| f.as_str()).collect(),
                            labels: labels_json_for(conn, &row.uid)?,
                        }
                    }
                };
                for (c, l) in counts.iter_mut().zip(local) {
                    *c += l;
                }
                let (writers, cols) = parquet.as_mut().expect("parquet writers");
                cols.push(&nv)?;
                drop(nv);
                cache.recycle(row.raw);
                if cols.text_bytes() >= BATCH_TEXT_BYTES {
                    encode_batch(writers, schema, &cols.finish(schema)?)?;
                }
                records += 1;
            }
        }
    }
    let payload = match parquet {
        Some((mut writers, cols)) => {
            if cols.rows > 0 {
                encode_batch(&mut writers, schema, &cols.finish(schema)?)?;
            }
            let chunks = writers.into_iter().map(|w| w.close()).collect::<Result<Vec<_>, _>>().map_err(parquet_err)?;
            Payload::RowGroup(chunks)
        }
        None => Payload::Bytes(buf),
    };
    Ok(ChunkOut { payload, records, skipped, redactions: counts })
}

// ---------------------------------------------------------------------------------------------
// Files.

/// A writer that hashes and counts what passes through it, and has it written out to disk behind
/// it.
struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
    behind: WriteBehind,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        self.behind.wrote(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Hashing<BufWriter<File>> {
    /// Writes `file` through a 1 MiB buffer, hashing and writing it out to disk behind.
    fn create(file: File) -> std::io::Result<Self> {
        let behind = WriteBehind::new(&file)?;
        Ok(Hashing { inner: BufWriter::with_capacity(1 << 20, file), hasher: Sha256::new(), bytes: 0, behind })
    }

    /// Flushes and syncs the file; its size and sha256 (hex).
    fn close(self) -> std::io::Result<(u64, String)> {
        let Hashing { inner, hasher, bytes, behind } = self;
        let file = inner.into_inner().map_err(|e| e.into_error())?;
        behind.finish()?;
        file.sync_all()?;
        Ok((bytes, hex(&hasher.finalize())))
    }
}

/// Writes a file's pages out to disk while the export goes on: a thread calls `fdatasync` each
/// time another [`WriteBehind::STEP`] bytes have been written, so that the `fsync` before the
/// rename waits for the last few megabytes instead of the whole file. (Linux starts writing dirty
/// pages back only past 10% of memory or after 30 s: with 24 GB, a 1.4 GB export was written to
/// disk, at about 400 MB/s, only once it was complete, which took as long as building it.)
struct WriteBehind {
    tx: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    unsynced: u64,
}

impl WriteBehind {
    const STEP: u64 = 32 << 20;

    fn new(file: &File) -> std::io::Result<WriteBehind> {
        let file = file.try_clone()?;
        // One request waits while one runs; more would only repeat it.
        let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new().name("export-sync".into()).spawn(move || {
            for () in rx {
                file.sync_data()?;
            }
            Ok(())
        })?;
        Ok(WriteBehind { tx: Some(tx), thread: Some(thread), unsynced: 0 })
    }

    fn wrote(&mut self, n: u64) {
        self.unsynced += n;
        if self.unsynced >= Self::STEP {
            if let Some(tx) = &self.tx {
                // Full: a sync is already waiting, and it covers these bytes too. Disconnected:
                // the thread stopped on an error, which `finish` reports.
                let _ = tx.try_send(());
            }
            self.unsynced = 0;
        }
    }

    /// Waits for the thread; the first error it met (a failed `fdatasync` is not reported
    /// again by a later `fsync`, so it must not be lost).
    fn finish(mut self) -> std::io::Result<()> {
        drop(self.tx.take());
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(std::io::Error::other("the sync thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for WriteBehind {
    fn drop(&mut self) {
        // On an error path: let the thread end after its current sync, without waiting for it.
        drop(self.tx.take());
    }
}

enum Sink {
    Lines(Hashing<BufWriter<File>>),
    Parquet(Box<parquet::file::writer::SerializedFileWriter<Hashing<BufWriter<File>>>>),
}

struct OutFile {
    name: String,
    split: String,
    tmp: PathBuf,
    sink: Option<Sink>,
    records: u64,
    skipped: u64,
    groups: u64,
    bytes: u64,
    sha256: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io { path: format!("cannot write {}", path.display()), source: std::io::Error::other(e.to_string()) }
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    let full = if e.kind() == std::io::ErrorKind::StorageFull { "disk full: " } else { "" };
    StoreError::Io { path: format!("{full}cannot write {}", path.display()), source: e }
}

fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.tmp-{}", std::process::id()))
}

fn create_tmp(path: &Path) -> Result<File, StoreError> {
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| io_err(path, e))
}

/// Removes `*.tmp-<pid>` files of processes that no longer run (a killed export).
fn clean_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let own = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some((_, pid)) = name.rsplit_once(".tmp-") else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        let alive = pid == own || (Path::new("/proc").is_dir() && Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Removes the temporary files on drop unless disarmed (every error path).
struct TempGuard(Vec<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

// ---------------------------------------------------------------------------------------------
// Export.

/// A member to export: row id, stable id, and what splits group by.
struct Rec {
    id: i64,
    uid: String,
    source_id: i64,
    repo: Option<String>,
    instance: Option<String>,
}

/// The members' bookkeeping, read through a memory-mapped reader connection as the workers read
/// records: members sit on 64 KiB pages of their own, and reading those pages through SQLite's
/// page cache copied about 600 MB for an export of 9,353 records (0.37 s; mapped, 0.05 s).
fn load_recs(store: &Store, ids: &[i64]) -> Result<Vec<Rec>, StoreError> {
    let conn = crate::dedup::reader_connection(&store.db_path)?;
    // Splits by instance group a task's samples together: the base instance (sample suffix removed).
    let mut st = conn
        .prepare("SELECT uid, source_id, repo, coalesce(base_instance, instance_id) FROM trajectories WHERE id = ?1")?;
    ids.iter()
        .map(|&id| {
            st.query_row([id], |r| {
                Ok(Rec { id, uid: r.get(0)?, source_id: r.get(1)?, repo: r.get(2)?, instance: r.get(3)? })
            })
            .map_err(StoreError::from)
        })
        .collect()
}

fn group_rank(seed: u64, key: &str) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(&seed.to_le_bytes());
    h.update(key.as_bytes());
    u64::from_le_bytes(h.finalize().as_bytes()[..8].try_into().expect("8 bytes"))
}

/// Assigns each record (sorted by stable id) to a split: groups in seed order each go whole to
/// the split furthest below its share of the records. Returns split index per record and
/// the number of groups per split.
fn assign_splits(recs: &[Rec], ratios: &Ratios, group_by: GroupBy, seed: u64) -> (Vec<usize>, [u64; 3]) {
    let key = |r: &Rec| -> String {
        let k = match group_by {
            GroupBy::Repo => r.repo.as_deref(),
            GroupBy::Instance => r.instance.as_deref(),
        };
        match k {
            Some(k) => format!("k:{k}"),
            None => format!("u:{}", r.uid),
        }
    };
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in recs.iter().enumerate() {
        groups.entry(key(r)).or_default().push(i);
    }
    let mut order: Vec<(u64, &String)> = groups.keys().map(|k| (group_rank(seed, k), k)).collect();
    order.sort();
    let sum = ratios.train + ratios.validation + ratios.test;
    let n = recs.len() as f64;
    let want = [ratios.train / sum * n, ratios.validation / sum * n, ratios.test / sum * n];
    let mut filled = [0f64; 3];
    let mut out = vec![0usize; recs.len()];
    let mut group_counts = [0u64; 3];
    for (_, k) in order {
        let members = &groups[k];
        // The split furthest below its share takes the whole group (splits with no share never do).
        let split = (0..3)
            .filter(|&s| want[s] > 0.0)
            .max_by(|&a, &b| (want[a] - filled[a]).total_cmp(&(want[b] - filled[b])).then(b.cmp(&a)))
            .unwrap_or(0);
        for &i in members {
            out[i] = split;
        }
        filled[split] += members.len() as f64;
        group_counts[split] += 1;
    }
    (out, group_counts)
}

fn check_options(opts: &Options) -> Result<(), StoreError> {
    if let Some(r) = &opts.splits {
        let all = [r.train, r.validation, r.test];
        if all.iter().any(|x| !x.is_finite() || *x < 0.0) || all.iter().sum::<f64>() <= 0.0 {
            return Err(StoreError::Invalid(format!(
                "bad split ratios {}/{}/{}: give non-negative numbers with a positive sum",
                r.train, r.validation, r.test
            )));
        }
    }
    if opts.format != Format::Parquet && opts.codec != Codec::default() {
        return Err(StoreError::Invalid(format!(
            "compression '{}' applies to parquet exports only; {} is written as plain text",
            opts.codec.as_str(),
            opts.format.as_str()
        )));
    }
    Ok(())
}

/// Exports a subset version.
pub fn export_subset(
    store: &mut Store,
    name: &str,
    version: Option<i64>,
    opts: &Options,
) -> Result<Summary, StoreError> {
    check_options(opts)?;
    let vid = crate::subsets::version_id(store, name, version)?;
    let v = crate::subsets::load(store, vid)?;
    let ids = crate::subsets::member_ids(store, vid)?;
    let lineage = lineage_json(store, vid)?;
    let subset = SubsetRef { name: v.definition.name.clone(), version: v.version, count: v.count };
    run(store, &ids, opts, Some(subset), lineage, None)
}

/// The lineage of a version as manifest JSON: every version from the root, with its definition
/// (rule, includes, excludes, shaping), parent size, count and funnel.
pub fn lineage_json(store: &Store, vid: i64) -> Result<serde_json::Value, StoreError> {
    let chain = crate::subsets::lineage(store, vid)?;
    Ok(serde_json::Value::Array(
        chain
            .iter()
            .map(|v| {
                serde_json::json!({
                    "name": v.definition.name,
                    "version": v.version,
                    "parent": v.definition.parent.as_ref().map(|(n, pv)| serde_json::json!({"name": n, "version": pv})),
                    "definition": v.definition,
                    "pool": v.pool,
                    "count": v.count,
                    "stages": v.stages,
                    "created": v.created,
                })
            })
            .collect(),
    ))
}

/// Rebuilds an export from its manifest into `out_dir`: the same records (found by the stable
/// ids of the manifest's members file, in this database), the same options, and checks that every
/// output file has the manifest's sha256. Fails, naming the file, when one differs.
pub fn from_manifest(store: &mut Store, manifest_path: &Path, out_dir: &Path) -> Result<Summary, StoreError> {
    let read = |p: &Path| std::fs::read(p).map_err(|e| StoreError::Io { path: p.display().to_string(), source: e });
    let bytes = read(manifest_path)?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::Invalid(format!("{}: not a trawl export manifest: {e}", manifest_path.display())))?;
    let dir = manifest_path.parent().unwrap_or(Path::new("."));
    let members_path = dir.join(&m.members.file);
    let members = read(&members_path)?;
    let got = hex(&Sha256::digest(&members));
    if got != m.members.sha256 {
        return Err(StoreError::Invalid(format!(
            "{}: sha256 {got} differs from the manifest's {}",
            members_path.display(),
            m.members.sha256
        )));
    }
    let uids: Vec<String> =
        String::from_utf8_lossy(&members).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    let mut ids = Vec::with_capacity(uids.len());
    let mut missing = Vec::new();
    {
        let mut st = store.conn.prepare_cached("SELECT id FROM trajectories WHERE uid = ?1")?;
        for u in &uids {
            match st.query_row([u], |r| r.get::<_, i64>(0)).optional()? {
                Some(id) => ids.push(id),
                None => missing.push(u.clone()),
            }
        }
    }
    if !missing.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{} of {} records of the manifest are not in this database (first: {}); ingest the sources it lists",
            missing.len(),
            uids.len(),
            missing[0]
        )));
    }
    ids.sort_unstable();
    let format = Format::from_name(&m.format)
        .ok_or_else(|| StoreError::Invalid(format!("manifest format '{}' is unknown", m.format)))?;
    let group_by = GroupBy::from_name(&m.group_by)
        .ok_or_else(|| StoreError::Invalid(format!("manifest group_by '{}' is unknown", m.group_by)))?;
    let codec = match m.compression.as_deref() {
        None => Codec::default(),
        Some(c) => {
            Codec::from_name(c).ok_or_else(|| StoreError::Invalid(format!("manifest compression '{c}' is unknown")))?
        }
    };
    let opts = Options {
        format,
        out_dir: out_dir.to_path_buf(),
        splits: m.splits,
        group_by,
        seed: m.seed,
        redact: m.redact,
        codec,
        parquet_pages: match m.parquet_pages {
            None => 1,
            Some(v @ (1 | 2)) => v,
            Some(v) => return Err(StoreError::Invalid(format!("manifest parquet_pages {v} is unknown (1, 2)"))),
        },
    };
    let summary =
        run(store, &ids, &opts, m.subset.clone(), m.lineage.clone(), Some(manifest_path.display().to_string()))?;
    let want: Vec<(&str, &str)> = m.outputs.iter().map(|o| (o.file.as_str(), o.sha256.as_str())).collect();
    let have: Vec<(&str, &str)> =
        summary.manifest.outputs.iter().map(|o| (o.file.as_str(), o.sha256.as_str())).collect();
    for ((wf, ws), (hf, hs)) in want.iter().zip(&have) {
        if wf != hf || ws != hs {
            return Err(StoreError::Invalid(format!(
                "rebuild differs from the manifest: {hf} has sha256 {hs}, the manifest says {wf} {ws}"
            )));
        }
    }
    if want.len() != have.len() {
        return Err(StoreError::Invalid(format!(
            "rebuild differs from the manifest: {} output files, the manifest lists {}",
            have.len(),
            want.len()
        )));
    }
    Ok(summary)
}

/// Exports the given rows.
fn run(
    store: &mut Store,
    ids: &[i64],
    opts: &Options,
    subset: Option<SubsetRef>,
    lineage: serde_json::Value,
    rebuilt_from: Option<String>,
) -> Result<Summary, StoreError> {
    let started = Instant::now();
    check_options(opts)?;
    let target = Target::check(&opts.out_dir)?;
    let mut stage = Stage::create(&target)?;
    let dir = &stage.dir.clone();

    let mut recs = load_recs(store, ids)?;
    recs.sort_by(|a, b| a.uid.cmp(&b.uid));
    let (assign, group_counts) = match &opts.splits {
        Some(r) => assign_splits(&recs, r, opts.group_by, opts.seed),
        None => {
            let groups: std::collections::HashSet<String> = recs
                .iter()
                .map(|r| match opts.group_by {
                    GroupBy::Repo => r.repo.clone().unwrap_or_else(|| r.uid.clone()),
                    GroupBy::Instance => r.instance.clone().unwrap_or_else(|| r.uid.clone()),
                })
                .collect();
            (vec![0; recs.len()], [groups.len() as u64, 0, 0])
        }
    };
    let split_names: Vec<&str> = match &opts.splits {
        Some(_) => SPLITS.to_vec(),
        None => vec!["all"],
    };
    let mut guard = TempGuard(Vec::new());
    let schema = parquet_schema();
    let mut files: Vec<OutFile> = Vec::new();
    let mut factories: Vec<ArrowRowGroupWriterFactory> = Vec::new();
    for (i, split) in split_names.iter().enumerate() {
        let name = if opts.splits.is_some() {
            format!("{split}.{}", opts.format.extension())
        } else {
            format!("data.{}", opts.format.extension())
        };
        let tmp = tmp_path(dir, &name);
        let file = create_tmp(&tmp)?;
        guard.0.push(tmp.clone());
        let w = Hashing::create(file).map_err(|e| io_err(&tmp, e))?;
        let sink = match opts.format {
            Format::Parquet => {
                // Long unique texts: no dictionaries, no page statistics (both cost time and save
                // nothing on them); small columns keep dictionaries.
                let mut props = parquet::file::properties::WriterProperties::builder()
                    .set_dictionary_enabled(false)
                    .set_statistics_enabled(parquet::file::properties::EnabledStatistics::None);
                use parquet::schema::types::ColumnPath;
                for col in ["instance_id", "repo", "license", "dataset", "format"] {
                    props = props.set_column_dictionary_enabled(ColumnPath::new(vec![col.to_string()]), true);
                }
                for col in ["role", "name", "tool_call_id"] {
                    let path = ["trajectory", "list", "item", col].map(String::from).to_vec();
                    props = props.set_column_dictionary_enabled(ColumnPath::new(path), true);
                }
                let props = props
                    .set_compression(opts.codec.parquet())
                    .set_writer_version(match opts.parquet_pages {
                        1 => parquet::file::properties::WriterVersion::PARQUET_1_0,
                        _ => parquet::file::properties::WriterVersion::PARQUET_2_0,
                    })
                    .set_encoding(parquet::basic::Encoding::PLAIN)
                    .set_created_by(format!("trawl {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let aw = parquet::arrow::ArrowWriter::try_new(w, schema.clone(), Some(props))
                    .map_err(|e| write_err(&tmp, e))?;
                // Row groups are encoded on the workers (one per job) and appended in order.
                let (fw, factory) = aw.into_serialized_writer().map_err(|e| write_err(&tmp, e))?;
                factories.push(factory);
                Sink::Parquet(Box::new(fw))
            }
            _ => Sink::Lines(w),
        };
        files.push(OutFile {
            name,
            split: split.to_string(),
            tmp,
            sink: Some(sink),
            records: 0,
            skipped: 0,
            groups: group_counts[i],
            bytes: 0,
            sha256: String::new(),
        });
    }

    // Jobs: chunks of ids within one split, in output order.
    let mut per_split: Vec<Vec<i64>> = vec![Vec::new(); split_names.len()];
    for (r, s) in recs.iter().zip(&assign) {
        per_split[*s].push(r.id);
    }
    let chunk = if opts.format == Format::Parquet { ROW_GROUP } else { CHUNK };
    let jobs: Vec<Job<'_>> = per_split
        .iter()
        .enumerate()
        .flat_map(|(split, ids)| ids.chunks(chunk).enumerate().map(move |(index, ids)| Job { split, index, ids }))
        .collect();
    let mut redactions: Counts = [0; SECRET_KINDS.len()];
    let write_started = Instant::now();
    pipeline(&store.db_path, &jobs, opts, &schema, &factories, |split, out| {
        let f = &mut files[split];
        f.records += out.records;
        f.skipped += out.skipped;
        for (a, b) in redactions.iter_mut().zip(out.redactions) {
            *a += b;
        }
        match (f.sink.as_mut().expect("open sink"), out.payload) {
            (Sink::Lines(w), Payload::Bytes(b)) => w.write_all(&b).map_err(|e| io_err(&f.tmp, e)),
            (Sink::Parquet(w), Payload::RowGroup(chunks)) => {
                let mut rg = w.next_row_group().map_err(|e| write_err(&f.tmp, e))?;
                for c in chunks {
                    c.append_to_row_group(&mut rg).map_err(|e| write_err(&f.tmp, e))?;
                }
                rg.close().map(|_| ()).map_err(|e| write_err(&f.tmp, e))
            }
            _ => unreachable!("payload matches the format"),
        }
    })?;
    // Close, sync.
    for f in &mut files {
        let hashing = match f.sink.take().expect("open sink") {
            Sink::Lines(w) => w,
            Sink::Parquet(w) => w.into_inner().map_err(|e| write_err(&f.tmp, e))?,
        };
        (f.bytes, f.sha256) = hashing.close().map_err(|e| io_err(&f.tmp, e))?;
    }
    let write_elapsed = write_started.elapsed();

    // The members sidecar: stable ids in output order.
    let members_name = "members.txt";
    let members_tmp = tmp_path(dir, members_name);
    let mut members_text = String::with_capacity(recs.len() * 70);
    for r in &recs {
        members_text.push_str(&r.uid);
        members_text.push('\n');
    }
    guard.0.push(members_tmp.clone());
    write_synced(&members_tmp, members_text.as_bytes())?;

    let sources = source_entries(store, &recs)?;
    let manifest = Manifest {
        manifest_version: 1,
        tool: format!("trawl {}", env!("CARGO_PKG_VERSION")),
        created: crate::subsets::now_rfc3339(),
        database: store.db_path.display().to_string(),
        format: opts.format.as_str().to_string(),
        subset,
        lineage,
        seed: opts.seed,
        splits: opts.splits,
        group_by: opts.group_by.as_str().to_string(),
        redact: opts.redact,
        compression: (opts.format == Format::Parquet).then(|| opts.codec.as_str().to_string()),
        parquet_pages: (opts.format == Format::Parquet).then_some(opts.parquet_pages),
        redactions: SECRET_KINDS.iter().zip(redactions).map(|((k, _), n)| (k.to_string(), n)).collect(),
        sources,
        members: MembersFile {
            file: members_name.to_string(),
            count: recs.len() as u64,
            sha256: hex(&Sha256::digest(members_text.as_bytes())),
        },
        outputs: files
            .iter()
            .map(|f| OutputFile {
                file: f.name.clone(),
                split: f.split.clone(),
                records: f.records,
                skipped: f.skipped,
                groups: f.groups,
                bytes: f.bytes,
                sha256: f.sha256.clone(),
            })
            .collect(),
        rebuilt_from,
    };
    let manifest_name = "manifest.json";
    let manifest_tmp = tmp_path(dir, manifest_name);
    guard.0.push(manifest_tmp.clone());
    let mut mbytes = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    mbytes.push(b'\n');
    write_synced(&manifest_tmp, &mbytes)?;

    // Publish: data files, the sidecar, the manifest last.
    let mut renames: Vec<(PathBuf, PathBuf)> = files.iter().map(|f| (f.tmp.clone(), dir.join(&f.name))).collect();
    renames.push((members_tmp, dir.join(members_name)));
    renames.push((manifest_tmp, dir.join(manifest_name)));
    for (from, to) in &renames {
        std::fs::rename(from, to).map_err(|e| io_err(to, e))?;
    }
    guard.0.clear();
    sync_dir(dir);
    stage.publish(&target)?;
    Ok(Summary { manifest, manifest_path: target.dir.join(manifest_name), elapsed: started.elapsed(), write_elapsed })
}

/// Test hook: with `TRAWL_TEST_EXPORT_PAUSE=<step>`, the export stops at that step of publishing
/// (`staged`: the new folder is complete; `swapped`: the target holds the new export and the old
/// one is still beside it), prints `export paused at <step>` on stderr and waits to be killed.
fn pause_point(step: &str) {
    if std::env::var("TRAWL_TEST_EXPORT_PAUSE").is_ok_and(|v| v == step) {
        eprintln!("export paused at {step}");
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

/// The folder an export goes to, checked before anything is written.
struct Target {
    /// As given.
    dir: PathBuf,
    /// The folder holding it (where the new export is staged) and its name there.
    parent: PathBuf,
    name: std::ffi::OsString,
    /// Missing or empty (a plain rename), or an earlier export (swapped).
    earlier_export: bool,
}

impl Target {
    fn check(dir: &Path) -> Result<Target, StoreError> {
        let abs = if dir.is_absolute() {
            dir.to_path_buf()
        } else {
            std::env::current_dir().map_err(|e| io_err(dir, e))?.join(dir)
        };
        let abs = match std::fs::canonicalize(&abs) {
            Ok(c) => c,
            Err(_) => abs,
        };
        let (Some(parent), Some(name)) = (abs.parent(), abs.file_name()) else {
            return Err(StoreError::Invalid(format!(
                "cannot export into {}: choose a folder inside it",
                dir.display()
            )));
        };
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Io {
            path: format!("cannot create output directory {}", parent.display()),
            source: e,
        })?;
        clean_stale_stages(parent, name);
        let mut t = Target {
            dir: dir.to_path_buf(),
            parent: parent.to_path_buf(),
            name: name.to_owned(),
            earlier_export: false,
        };
        let entries = match std::fs::read_dir(&abs) {
            Ok(rd) => rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect::<Vec<_>>(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory || abs.is_file() => {
                return Err(StoreError::Invalid(format!("cannot export into {}: it is a file", dir.display())))
            }
            Err(e) => return Err(StoreError::Io { path: format!("cannot read {}", dir.display()), source: e }),
        };
        if std::fs::metadata(&abs).is_ok_and(|m| m.permissions().readonly()) {
            return Err(StoreError::Invalid(format!("cannot export into {}: the folder is read-only", dir.display())));
        }
        // Temporary files of an export killed by an earlier trawl (files were renamed in place).
        let entries: Vec<String> = entries.into_iter().filter(|n| !n.contains(".tmp-")).collect();
        if entries.is_empty() {
            return Ok(t);
        }
        let listing = |names: &[&String]| {
            let mut names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
            names.sort_unstable();
            let more = names.len().saturating_sub(5);
            let mut s = names.into_iter().take(5).collect::<Vec<_>>().join(", ");
            if more > 0 {
                s.push_str(&format!(" and {more} more"));
            }
            s
        };
        let manifest: Option<Manifest> =
            std::fs::read(abs.join("manifest.json")).ok().and_then(|b| serde_json::from_slice(&b).ok());
        let Some(m) = manifest else {
            let all: Vec<&String> = entries.iter().collect();
            return Err(StoreError::Invalid(format!(
                "cannot export into {}: it is not empty and not a trawl export (it holds {}); choose a new or empty folder",
                dir.display(),
                listing(&all)
            )));
        };
        let own: std::collections::HashSet<&str> =
            m.outputs.iter().map(|o| o.file.as_str()).chain([m.members.file.as_str(), "manifest.json"]).collect();
        let foreign: Vec<&String> = entries.iter().filter(|n| !own.contains(n.as_str())).collect();
        if !foreign.is_empty() {
            return Err(StoreError::Invalid(format!(
                "cannot export into {}: it holds an earlier export and also {}, which an export would delete; move them or choose another folder",
                dir.display(),
                listing(&foreign)
            )));
        }
        t.earlier_export = true;
        Ok(t)
    }
}

/// The fresh folder an export is written into, beside its target; removed on drop unless
/// published.
struct Stage {
    dir: PathBuf,
    published: bool,
}

fn stage_name(name: &std::ffi::OsStr, kind: &str, pid: u32) -> String {
    format!(".{}.trawl-{kind}-{pid}", name.to_string_lossy())
}

impl Stage {
    fn create(t: &Target) -> Result<Stage, StoreError> {
        let dir = t.parent.join(stage_name(&t.name, "export", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir)
            .map_err(|e| StoreError::Io { path: format!("cannot create {}", dir.display()), source: e })?;
        Ok(Stage { dir, published: false })
    }

    /// Puts the complete new export in the target's place.
    fn publish(&mut self, t: &Target) -> Result<(), StoreError> {
        pause_point("staged");
        let target = t.parent.join(&t.name);
        if !t.earlier_export {
            // A missing target, or an empty folder, which rename(2) replaces.
            clean_stale_temps(&target);
            std::fs::rename(&self.dir, &target).map_err(|e| io_err(&target, e))?;
            self.published = true;
            sync_dir(&t.parent);
            return Ok(());
        }
        // The earlier export goes where the new one was staged, in the same step.
        if exchange(&self.dir, &target).is_err() {
            // No atomic swap here: the old folder steps aside first (a kill in between leaves
            // it beside the target, complete, under a `.trawl-old-` name).
            let old = t.parent.join(stage_name(&t.name, "old", std::process::id()));
            std::fs::rename(&target, &old).map_err(|e| io_err(&target, e))?;
            if let Err(e) = std::fs::rename(&self.dir, &target) {
                let _ = std::fs::rename(&old, &target);
                return Err(io_err(&target, e));
            }
            self.published = true;
            sync_dir(&t.parent);
            let _ = std::fs::remove_dir_all(&old);
            return Ok(());
        }
        // `self.dir` now holds the earlier export; dropping the stage removes it.
        sync_dir(&t.parent);
        pause_point("swapped");
        Ok(())
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Swaps two directory entries in one step (`renameat2` with `RENAME_EXCHANGE`, through rustix:
/// the workspace forbids `unsafe`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes what exports killed before publishing left beside a target: their staged folders and
/// (when the swap was not atomic) the earlier export set aside.
fn clean_stale_stages(parent: &Path, name: &std::ffi::OsStr) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let own = std::process::id();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        for kind in ["export", "old"] {
            let prefix = format!(".{}.trawl-{kind}-", name.to_string_lossy());
            let Some(pid) = file.strip_prefix(&prefix).and_then(|p| p.parse::<u32>().ok()) else { continue };
            let alive = pid == own || (Path::new("/proc").is_dir() && Path::new(&format!("/proc/{pid}")).exists());
            if !alive {
                if kind == "old" && !parent.join(name).exists() {
                    // Killed between the two renames of a non-atomic swap: the earlier export
                    // is the only complete one; put it back.
                    let _ = std::fs::rename(e.path(), parent.join(name));
                } else {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = create_tmp(path)?;
    f.write_all(bytes).map_err(|e| io_err(path, e))?;
    f.sync_all().map_err(|e| io_err(path, e))
}

/// Runs the conversion on worker threads and hands each chunk's output, in job order, to `sink`.
fn pipeline(
    db_path: &Path,
    jobs: &[Job<'_>],
    opts: &Options,
    schema: &SchemaRef,
    factories: &[ArrowRowGroupWriterFactory],
    mut sink: impl FnMut(usize, ChunkOut) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let workers = crate::dedup::workers().min(jobs.len());
    // How far workers may run ahead of the writer (bounds memory).
    let window = workers * 4;
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<ChunkOut, StoreError>)>(window);
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (next, written, abort) = (&next, &written, &abort);
            s.spawn(move || {
                let conn = match crate::dedup::reader_connection(db_path) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = tx.send((usize::MAX, Err(e)));
                        return;
                    }
                };
                let mut cache = crate::dedup::BlobCache::default();
                let mut cols = NvCols::default();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= jobs.len() {
                        return;
                    }
                    while i >= written.load(Ordering::SeqCst) + window {
                        if abort.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    if abort.load(Ordering::SeqCst) {
                        return;
                    }
                    let job = &jobs[i];
                    let out = convert_chunk(&conn, job, opts, schema, factories.get(job.split), &mut cache, &mut cols);
                    if tx.send((i, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        let mut pending: HashMap<usize, ChunkOut> = HashMap::new();
        let mut expected = 0;
        let result = (|| {
            for (i, out) in rx.iter() {
                pending.insert(i, out?);
                while let Some(o) = pending.remove(&expected) {
                    sink(jobs[expected].split, o)?;
                    expected += 1;
                    written.store(expected, Ordering::SeqCst);
                }
            }
            Ok(())
        })();
        if result.is_err() {
            abort.store(true, Ordering::SeqCst);
            // Drain so that blocked senders finish.
            for _ in rx.iter() {}
        }
        result
    })
}

/// The source files of the records with their sha256 (cached per fingerprint; recomputed when the
/// file changed; `None` with a note when it is gone or changed since ingest).
fn source_entries(store: &Store, recs: &[Rec]) -> Result<Vec<SourceEntry>, StoreError> {
    let mut counts: BTreeMap<i64, u64> = BTreeMap::new();
    for r in recs {
        *counts.entry(r.source_id).or_default() += 1;
    }
    let mut out = Vec::new();
    for (sid, n) in counts {
        let (path, fp): (String, String) =
            store.conn.query_row("SELECT path, fingerprint FROM sources WHERE id = ?1", [sid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let p = Path::new(&path);
        let current = std::fs::metadata(p).ok().and_then(|m| crate::ingest::fingerprint(p, m.len()).ok());
        let (sha, note) = match current {
            None => (None, Some("the file is gone".to_string())),
            Some(c) if c != fp => (None, Some("the file changed since it was ingested".to_string())),
            Some(_) => {
                let cached: Option<String> = store
                    .conn
                    .query_row(
                        "SELECT sha256 FROM source_hashes WHERE source_id = ?1 AND fingerprint = ?2",
                        params![sid, fp],
                        |r| r.get(0),
                    )
                    .optional()?;
                match cached {
                    Some(h) => (Some(h), None),
                    None => match sha256_file(p) {
                        Ok(h) => {
                            store.conn.execute(
                                "INSERT OR REPLACE INTO source_hashes (source_id, fingerprint, sha256) VALUES (?1, ?2, ?3)",
                                params![sid, fp, h],
                            )?;
                            (Some(h), None)
                        }
                        Err(e) => (None, Some(format!("cannot read: {e}"))),
                    },
                }
            }
        };
        out.push(SourceEntry { path, sha256: sha, records: n, note });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_written_behind_holds_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let mut w = Hashing::create(create_tmp(&path).unwrap()).unwrap();
        // Three syncs' worth, in pieces that do not line up with the step.
        let piece: Vec<u8> = (0..=250u8).cycle().take(999_983).collect();
        let mut want = Sha256::new();
        for _ in 0..(3 * WriteBehind::STEP as usize / piece.len() + 1) {
            w.write_all(&piece).unwrap();
            want.update(&piece);
        }
        let (bytes, sha256) = w.close().unwrap();
        assert!(bytes > 3 * WriteBehind::STEP);
        let got = std::fs::read(&path).unwrap();
        assert_eq!(got.len() as u64, bytes);
        assert_eq!(hex(&Sha256::digest(&got)), hex(&want.finalize()));
        assert_eq!(sha256, hex(&Sha256::digest(&got)));
    }

    #[test]
    fn compact_keeps_order_and_strings() {
        let raw = b"{\n  \"b\": 1.50,\n  \"a\": \"x  y\\\" \\n\",\n  \"c\": [1, 2]\n}";
        assert_eq!(compact_json(raw), b"{\"b\":1.50,\"a\":\"x  y\\\" \\n\",\"c\":[1,2]}".to_vec());
    }

    #[test]
    fn redaction_counts_each_kind() {
        let mut c = [0u64; 8];
        let text = format!(
            "key sk-ant-{} and sk-proj-{} gh ghp_{} aws AKIAABCDEFGHIJKLMNOP hf hf_{} slack xoxb-1234567890-abc \
             Authorization: Bearer {} -----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY----- fine sk-short",
            "a".repeat(30),
            "b".repeat(30),
            "c".repeat(36),
            "d".repeat(34),
            "e".repeat(30)
        );
        let out = redact_str(&text, &mut c);
        assert_eq!(c, [1, 1, 1, 1, 1, 1, 1, 1], "{out}");
        assert!(out.contains("[REDACTED:anthropic]") && out.contains("Bearer [REDACTED:bearer]"));
        assert!(out.contains("sk-short"));
        assert!(!out.contains("aaaa") && !out.contains("PRIVATE KEY"));
        let mut c2 = [0u64; 8];
        let bytes = redact_bytes(text.as_bytes(), &mut c2);
        assert_eq!(bytes.as_ref(), out.as_bytes());
    }

    fn rec(uid: &str, repo: &str) -> Rec {
        Rec { id: 0, uid: uid.into(), source_id: 0, repo: Some(repo.into()), instance: None }
    }

    #[test]
    fn splits_keep_groups_whole_and_follow_the_seed() {
        let recs: Vec<Rec> = (0..200).map(|i| rec(&format!("u{i:03}"), &format!("r{}", i % 23))).collect();
        let r = Ratios { train: 0.8, validation: 0.1, test: 0.1 };
        let (a, _) = assign_splits(&recs, &r, GroupBy::Repo, 1);
        let mut split_of: HashMap<&str, usize> = HashMap::new();
        for (rc, s) in recs.iter().zip(&a) {
            let prev = split_of.insert(rc.repo.as_deref().unwrap(), *s);
            assert!(prev.is_none() || prev == Some(*s), "a group spans splits");
        }
        let train = a.iter().filter(|s| **s == 0).count();
        assert!((140..=180).contains(&train), "train {train}");
        assert!(a.contains(&1) && a.contains(&2));
        assert_eq!(assign_splits(&recs, &r, GroupBy::Repo, 1).0, a);
        assert_ne!(assign_splits(&recs, &r, GroupBy::Repo, 2).0, a);
    }
}
