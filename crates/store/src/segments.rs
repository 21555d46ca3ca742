//! Content-addressed storage of original records.
//!
//! A record's original bytes are cut at its long JSON string tokens: each such token (its raw,
//! still-escaped bytes) becomes a blob keyed by its blake3 hash and stored once in the `blobs`
//! table, and the record itself becomes a short list of segments (literal bytes and blob
//! references), zstd-compressed. Rebuilding concatenates the segments, so the original bytes come
//! back exactly, whatever the format. The system prompt of 300k rows is stored once.
//!
//! This module only encodes and decodes; the store decides where blobs live.

/// String tokens at least this long (raw bytes between the quotes) become blobs.
/// Shorter strings stay in the record's own (compressed) literal stream: compressing many small
/// blobs one by one costs more than it saves.
pub const MIN_BLOB_LEN: usize = 1024;

const TAG_LITERAL: u8 = 0;
const TAG_BLOB: u8 = 1;
/// zstd level: 1 is several times faster than the default 3 and compresses this text nearly as
/// well.
const ZSTD_LEVEL: i32 = 1;

/// A zstd context to reuse across calls (creating one per call costs more than compressing a
/// small blob).
pub fn compressor() -> zstd::bulk::Compressor<'static> {
    zstd::bulk::Compressor::new(ZSTD_LEVEL).expect("zstd context")
}

/// A blob cut from a record: its hash and its raw bytes.
pub struct CutBlob<'a> {
    /// blake3 of `bytes`.
    pub hash: [u8; 32],
    /// The raw bytes of the string token, without the quotes.
    pub bytes: &'a [u8],
}

/// Encodes a record into compressed segments, returning the encoding and the blobs it refers to.
///
/// `raw` must be valid JSON (it has been parsed before); on anything else the scanner still
/// terminates and the encoding still round-trips, it may just cut fewer blobs.
pub fn encode<'a>(raw: &'a [u8], zstd: &mut zstd::bulk::Compressor<'static>) -> (Vec<u8>, Vec<CutBlob<'a>>) {
    let mut out = Vec::with_capacity(raw.len() / 4);
    let mut blobs = Vec::new();
    let mut literal_start = 0;
    let mut i = 0;
    while let Some(q) = memchr::memchr(b'"', &raw[i..]) {
        let start = i + q + 1;
        let end = string_end(raw, start);
        if end - start >= MIN_BLOB_LEN {
            push_literal(&mut out, &raw[literal_start..start]);
            let bytes = &raw[start..end];
            let hash = *blake3::hash(bytes).as_bytes();
            out.push(TAG_BLOB);
            out.extend_from_slice(&hash);
            blobs.push(CutBlob { hash, bytes });
            literal_start = end;
        }
        i = (end + 1).min(raw.len());
        if end >= raw.len() {
            break;
        }
    }
    push_literal(&mut out, &raw[literal_start..]);
    let compressed = zstd.compress(&out).expect("zstd compression of memory");
    (compressed, blobs)
}

/// Index of the closing quote of a string token whose content starts at `start` (or the end of
/// input for an unterminated string).
fn string_end(raw: &[u8], start: usize) -> usize {
    let mut j = start;
    loop {
        match memchr::memchr2(b'"', b'\\', &raw[j..]) {
            None => return raw.len(),
            Some(k) => {
                let at = j + k;
                if raw[at] == b'"' {
                    return at;
                }
                j = at + 2;
                if j >= raw.len() {
                    return raw.len();
                }
            }
        }
    }
}

fn push_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.push(TAG_LITERAL);
    push_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn read_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

/// Compresses a blob's bytes for storage.
pub fn compress_blob(zstd: &mut zstd::bulk::Compressor<'static>, bytes: &[u8]) -> Vec<u8> {
    zstd.compress(bytes).expect("zstd compression of memory")
}

/// More than any stored record or blob can hold (records are framed well below this).
const MAX_PLAIN_BYTES: usize = 1 << 32;

thread_local! {
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Decompresses a zstd frame written by this module onto the end of `out`, reusing a per-thread
/// context (and `out`'s capacity: no allocation once it has grown to the largest record).
fn decompress_append(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    let size = zstd::zstd_safe::get_frame_content_size(data)
        .ok()
        .flatten()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "zstd frame without a content size"))?;
    // A damaged frame header must not become an allocation of its claimed size.
    if size > MAX_PLAIN_BYTES {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "zstd frame claims an impossible size"));
    }
    let start = out.len();
    out.resize(start + size, 0);
    let written = DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Decompressor::new()?);
        }
        slot.as_mut().expect("just set").decompress_to_buffer(data, &mut out[start..])
    });
    match written {
        Ok(n) if n == size => Ok(()),
        Ok(_) => {
            out.truncate(start);
            Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "zstd frame shorter than its content size"))
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

fn decompress(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    decompress_append(data, &mut out)?;
    Ok(out)
}

/// Decompresses a stored blob onto the end of `out`.
pub fn decompress_blob_into(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    decompress_append(data, out)
}

/// One segment of a decoded encoding: literal bytes, or the hash of a blob.
enum Segment<'a> {
    Literal(&'a [u8]),
    Blob([u8; 32]),
}

/// The segments of a decompressed encoding, in order (an error for corrupt bytes).
fn segments(plain: &[u8]) -> impl Iterator<Item = std::io::Result<Segment<'_>>> {
    let corrupt = || std::io::Error::new(std::io::ErrorKind::InvalidData, "corrupt record segments");
    let mut pos = 0;
    std::iter::from_fn(move || {
        if pos >= plain.len() {
            return None;
        }
        let tag = plain[pos];
        pos += 1;
        Some(match tag {
            TAG_LITERAL => read_varint(plain, &mut pos)
                .and_then(|len| {
                    let end = pos.checked_add(usize::try_from(len).ok()?)?;
                    let bytes = plain.get(pos..end)?;
                    pos = end;
                    Some(Segment::Literal(bytes))
                })
                .ok_or_else(corrupt),
            TAG_BLOB => plain
                .get(pos..pos + 32)
                .and_then(|h| <[u8; 32]>::try_from(h).ok())
                .map(|hash| {
                    pos += 32;
                    Segment::Blob(hash)
                })
                .ok_or_else(corrupt),
            _ => {
                pos = plain.len();
                Err(corrupt())
            }
        })
    })
}

/// Rebuilds the original bytes from an encoding into `out` (cleared first; its capacity is
/// reused), with `blob` appending each blob's bytes to it.
pub fn decode_into(
    encoded: &[u8],
    out: &mut Vec<u8>,
    mut blob: impl FnMut(&[u8; 32], &mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    out.clear();
    let plain = decompress(encoded)?;
    for seg in segments(&plain) {
        match seg? {
            Segment::Literal(bytes) => out.extend_from_slice(bytes),
            Segment::Blob(hash) => blob(&hash, out)?,
        }
    }
    Ok(())
}

/// The escaped start of a skeleton placeholder (see [`decode_skeleton`]).
const SKELETON_MARK: &[u8] = b"\\u0001\\u0002";

/// A record's bytes with placeholders for its blobs, and the blob hashes in order.
pub type Skeleton = (Vec<u8>, Vec<[u8; 32]>);

/// The string a placeholder of [`decode_skeleton`] decodes to, for blob `i`.
pub fn skeleton_placeholder(i: usize) -> String {
    format!("\u{1}\u{2}{i}")
}

/// Rebuilds a record's bytes with each blob (a long string token's contents) replaced by a short
/// placeholder (the JSON escape of [`skeleton_placeholder`]`(i)`), and returns them with the blob
/// hashes in order: the record's structure without decompressing its long texts. `None` when the
/// record's own bytes contain the placeholder's escaped start, so that a string equal to a
/// placeholder is always one (a JSON string spells U+0001 U+0002 only as that escape).
pub fn decode_skeleton(encoded: &[u8]) -> std::io::Result<Option<Skeleton>> {
    let plain = decompress(encoded)?;
    let mut out = Vec::with_capacity(plain.len());
    let mut blobs = Vec::new();
    for seg in segments(&plain) {
        match seg? {
            Segment::Literal(bytes) => {
                if memchr::memmem::find(bytes, SKELETON_MARK).is_some() {
                    return Ok(None);
                }
                out.extend_from_slice(bytes);
            }
            Segment::Blob(hash) => {
                out.extend_from_slice(SKELETON_MARK);
                out.extend_from_slice(blobs.len().to_string().as_bytes());
                blobs.push(hash);
            }
        }
    }
    Ok(Some((out, blobs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn decode(encoded: &[u8], blob: impl Fn(&[u8; 32]) -> std::io::Result<Vec<u8>>) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decode_into(encoded, &mut out, |h, out| {
            out.extend_from_slice(&blob(h)?);
            Ok(())
        })?;
        Ok(out)
    }

    fn round_trip(raw: &[u8]) -> usize {
        let (enc, blobs) = encode(raw, &mut compressor());
        let n = blobs.len();
        let map: HashMap<[u8; 32], Vec<u8>> = blobs.iter().map(|b| (b.hash, b.bytes.to_vec())).collect();
        let back = decode(&enc, |h| Ok(map[h].clone())).unwrap();
        assert_eq!(back, raw);
        n
    }

    #[test]
    fn round_trips_short_and_long_strings() {
        let long = "x".repeat(MIN_BLOB_LEN);
        let escaped = format!("a\\\"b\\\\{}", "y".repeat(MIN_BLOB_LEN));
        let raw = format!(r#"{{"a":"short","b":"{long}","c":["{escaped}", 1, "{long}"]}}"#);
        assert_eq!(round_trip(raw.as_bytes()), 3);
        assert_eq!(round_trip(b"{}"), 0);
        assert_eq!(round_trip(b""), 0);
        assert_eq!(round_trip(b"\"unterminated"), 0);
        assert_eq!(round_trip(b"\"ends with backslash\\"), 0);
    }

    #[test]
    fn a_frame_claiming_an_impossible_size_is_an_error_not_an_allocation() {
        // zstd magic, a single-segment header with an 8-byte content size of 1 TiB, no blocks.
        let mut frame = vec![0x28, 0xB5, 0x2F, 0xFD, 0xE0];
        frame.extend_from_slice(&(1u64 << 40).to_le_bytes());
        let err = decompress(&frame).unwrap_err();
        assert!(err.to_string().contains("impossible size"), "{err}");
        let mut out = b"kept".to_vec();
        assert!(decompress_blob_into(&frame, &mut out).is_err());
        assert_eq!(out, b"kept");
    }

    #[test]
    fn decoding_into_a_used_buffer_gives_the_same_bytes() {
        let long = "q".repeat(3000);
        let raw = format!(r#"{{"a":"{long}","b":"short"}}"#);
        let (enc, blobs) = encode(raw.as_bytes(), &mut compressor());
        let stored: HashMap<[u8; 32], Vec<u8>> =
            blobs.iter().map(|b| (b.hash, compress_blob(&mut compressor(), b.bytes))).collect();
        let mut out = vec![b'x'; 10_000];
        for _ in 0..2 {
            decode_into(&enc, &mut out, |h, out| decompress_blob_into(&stored[h], out)).unwrap();
            assert_eq!(out, raw.as_bytes());
        }
    }

    #[test]
    fn identical_strings_share_a_hash() {
        let long = "z".repeat(2000);
        let raw = format!(r#"["{long}","{long}"]"#);
        let (_, blobs) = encode(raw.as_bytes(), &mut compressor());
        assert_eq!(blobs.len(), 2);
        assert_eq!(blobs[0].hash, blobs[1].hash);
    }
}
