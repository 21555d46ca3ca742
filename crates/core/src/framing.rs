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
/// string, truncated input, or a syntax error with its column. An escaped lone UTF-16 surrogate
/// is read as U+FFFD (see [`parse_lenient`]).
pub fn parse_record(bytes: &[u8]) -> Result<Value, String> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(format!("invalid utf-8 at byte {}", e.valid_up_to()));
    }
    if looks_binary(bytes) {
        return Err("binary data, not json".into());
    }
    parse_lenient(bytes).map(|(v, _)| v)
}

/// Parses JSON, replacing escaped lone UTF-16 surrogates (`\ud83d` not followed by a low
/// surrogate, as Python's `json` writes half an emoji) with U+FFFD; returns the value and how many
/// were replaced. The bytes themselves are not changed (the record id and the stored record stay
/// those of the original), only the parsed value carries the replacement.
pub fn parse_lenient(bytes: &[u8]) -> Result<(Value, usize), String> {
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok((v, 0)),
        Err(e) => {
            let Some((patched, n)) = replace_lone_surrogates(bytes) else { return Err(describe_json_error(&e)) };
            let v = serde_json::from_slice(&patched).map_err(|e| describe_json_error(&e))?;
            Ok((v, n))
        }
    }
}

/// Parses one record like [`parse_record`], and also says how many escaped lone surrogates were
/// replaced with U+FFFD (ingest reports them as a warning).
pub fn parse_record_counting(bytes: &[u8]) -> Result<(Value, usize), String> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(format!("invalid utf-8 at byte {}", e.valid_up_to()));
    }
    if looks_binary(bytes) {
        return Err("binary data, not json".into());
    }
    parse_lenient(bytes)
}

/// The warning for a record whose lone surrogate escapes were replaced.
pub fn surrogate_warning(n: usize) -> String {
    let what = if n == 1 { "an escaped lone utf-16 surrogate" } else { "escaped lone utf-16 surrogates" };
    format!("{what} ({n}) replaced with U+FFFD; the stored record keeps its original bytes")
}

/// A copy of JSON text with every escaped lone surrogate (`\uD800`–`\uDFFF` not forming a
/// high–low pair) replaced by `\uFFFD` (same length, so error columns do not move); `None` when
/// there is none. Backslashes occur in JSON only inside strings, so a scan of escapes is exact.
fn replace_lone_surrogates(bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    fn unit(b: &[u8], at: usize) -> Option<u16> {
        if b.get(at) != Some(&b'\\') || b.get(at + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(b.get(at + 2..at + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    }
    let mut out: Option<Vec<u8>> = None;
    let mut n = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'\\', &bytes[i..]) {
        let at = i + k;
        match unit(bytes, at) {
            Some(0xD800..=0xDBFF) if matches!(unit(bytes, at + 6), Some(0xDC00..=0xDFFF)) => i = at + 12,
            Some(0xD800..=0xDFFF) => {
                out.get_or_insert_with(|| bytes.to_vec())[at..at + 6].copy_from_slice(b"\\ufffd");
                n += 1;
                i = at + 6;
            }
            _ => i = (at + 2).min(bytes.len()),
        }
        if i >= bytes.len() {
            break;
        }
    }
    out.map(|o| (o, n))
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

/// Whether a text has the shape of a [`record_id`]: `t` and 19 lowercase hex digits.
pub fn is_record_id(s: &str) -> bool {
    s.len() == 20 && s.starts_with('t') && s[1..].bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let (v, n) =
            parse_record_counting(br#"{"a": "x\ud83d y", "b": "\ud83d\ude00", "c": "\\ud83d", "d": "\udc00"}"#)
                .expect("parses");
        assert_eq!(n, 2);
        assert_eq!(v["a"], "x\u{fffd} y");
        assert_eq!(v["b"], "\u{1f600}");
        assert_eq!(v["c"], "\\ud83d");
        assert_eq!(v["d"], "\u{fffd}");
        assert_eq!(parse_record_counting(br#"{"a": 1}"#).expect("parses").1, 0);
        assert!(parse_record(br#"{"a": "\ud83d"#).is_err());
    }

    #[test]
    fn record_ids_have_one_shape() {
        assert!(is_record_id(&record_id(b"{}")));
        for bad in
            ["t0123", "T0123456789abcdef012", "t0123456789ABCDEF012", "x0123456789abcdef012", "t0123456789abcdef0123"]
        {
            assert!(!is_record_id(bad), "{bad}");
        }
    }
}
