//! Record framing: turning the bytes of one record (a JSONL line, a whole `.json` file, a Parquet
//! row already converted to JSON) into a `serde_json::Value`, with a precise reason when that fails.
//!
//! Owns: BOM and CRLF handling, blank-line detection, UTF-8 and NUL checks, JSON syntax errors with
//! a column, the stable record id and the choice of how a file is framed from its name. It does not
//! open files or decompress (the store's ingest does), and it does not decide what a record is
//! (see `formats`).

use serde_json::Value;

/// How a file's bytes are split into records, decided from the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One JSON value per line (`.jsonl`, `.ndjson`, and compressed variants).
    Lines,
    /// One JSON value for the whole file (`.json`, `.traj`, `.traj.json`); an array or a
    /// `preds.json` dict is split into records by the adapters. A `.json` file that turns out to
    /// hold several lines of JSON is read as lines.
    Whole,
    /// An Apache Parquet file: one record per row.
    Parquet,
}

/// Compression wrapped around a file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// Zstandard (`.zst`, `.zstd`).
    Zstd,
}

/// What ingest should do with a file, from its name; `None` for files that are not trajectory
/// data (licenses, READMEs, patches), which a directory walk skips and a named file reports.
pub fn classify(file_name: &str) -> Option<(Framing, Compression)> {
    let lower = file_name.to_ascii_lowercase();
    let (stem, compression) = if let Some(s) = lower.strip_suffix(".gz") {
        (s, Compression::Gzip)
    } else if let Some(s) = lower.strip_suffix(".zst").or_else(|| lower.strip_suffix(".zstd")) {
        (s, Compression::Zstd)
    } else {
        (lower.as_str(), Compression::None)
    };
    let framing = if stem.ends_with(".jsonl") || stem.ends_with(".ndjson") {
        Framing::Lines
    } else if stem.ends_with(".json") || stem.ends_with(".traj") {
        Framing::Whole
    } else if stem.ends_with(".parquet") {
        Framing::Parquet
    } else {
        return None;
    };
    Some((framing, compression))
}

/// Removes what surrounds a record's JSON on its line: a UTF-8 byte-order mark (at the start of a
/// file) and the line end (`\n` or `\r\n`).
pub fn trim_line(mut bytes: &[u8]) -> &[u8] {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        bytes = rest;
    }
    if let Some(rest) = bytes.strip_suffix(b"\n") {
        bytes = rest;
    }
    if let Some(rest) = bytes.strip_suffix(b"\r") {
        bytes = rest;
    }
    bytes
}

/// Whether a line holds nothing but white space (it is not a record, and not an error).
pub fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

/// Parses one record's bytes (already trimmed with [`trim_line`]) as JSON.
///
/// The error is a lowercase reason: invalid UTF-8 (with the byte offset), a NUL byte outside a
/// string, truncated input, or a syntax error with its column.
pub fn parse_record(bytes: &[u8]) -> Result<Value, String> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(format!("invalid utf-8 at byte {}", e.valid_up_to()));
    }
    if looks_binary(bytes) {
        return Err("binary data, not json".into());
    }
    serde_json::from_slice(bytes).map_err(|e| describe_json_error(&e))
}

/// A heuristic for binary content: NUL bytes or many control characters in the first 4 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let controls = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c)).count();
    controls * 20 > head.len().max(1)
}

/// Turns a serde_json error into the reason text used in diagnostics.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let msg = e.to_string();
    // serde_json appends " at line L column C"; keep only the message part.
    let what = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    match e.classify() {
        Category::Eof => format!("truncated json: {what}"),
        Category::Syntax | Category::Data => {
            if e.line() > 1 {
                format!("invalid json at line {} column {}: {what}", e.line(), e.column())
            } else {
                format!("invalid json at column {}: {what}", e.column())
            }
        }
        Category::Io => format!("read error: {what}"),
    }
}

/// The stable id of a record: a content hash of its original bytes (after line-end trimming), so
/// that the same record ingested twice, from any path, has the same id.
pub fn record_id(raw: &[u8]) -> String {
    let hash = blake3::hash(raw);
    let hex = hash.to_hex();
    format!("t{}", &hex.as_str()[..19])
}
