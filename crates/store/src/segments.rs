//! Content-addressed storage of original records.
//!
//! A record's original bytes are cut at its long JSON string tokens: each such token (its raw,
//! still-escaped bytes) becomes a blob keyed by its blake3 hash and stored once in the `blobs`
//! table, and the record itself becomes a short list of segments (literal bytes and blob
//! references), compressed. Rebuilding concatenates the segments, so the original bytes come
//! back exactly, whatever the format. The system prompt of 300k rows is stored once.
//!
//! Compression is zstd level 1, one frame per value, with a context reused per worker. Schemas 4
//! to 6 wrote LZ4 (an LZ4 block behind a tag byte and the plain length) for speed; at full size
//! that made the database about a fifth larger than zstd (database + index 0.41x the JSONL at
//! 300,000 trajectories, against a budget of 0.4x) while zstd level 1 measured the same ingest
//! time (the writer, not compression on the workers, is the bottleneck) and an export 7% slower
//! (benches/RESULTS.md, "Record compression"). Both older encodings are still read: a zstd frame
//! starts with 0x28, never with the LZ4 tag.
//!
//! This module only encodes and decodes; the store decides where blobs live.

/// String tokens at least this long (raw bytes between the quotes) become blobs.
/// Shorter strings stay in the record's own (compressed) literal stream: compressing many small
/// blobs one by one costs more than it saves.
pub const MIN_BLOB_LEN: usize = 1024;

const TAG_LITERAL: u8 = 0;
const TAG_BLOB: u8 = 1;
/// First byte of an LZ4-compressed value; a u32 little-endian plain length and the LZ4 block
/// follow.
const LZ4_TAG: u8 = b'L';
/// zstd's frame magic number (little-endian), the first bytes of values written before schema 4
/// and from schema 7 on.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
/// zstd level of new values: level 1 compresses these texts about as fast as the pipeline feeds
/// them (see the module docs).
const ZSTD_LEVEL: i32 = 1;

/// A compressor (a zstd context) reused across calls.
#[derive(Default)]
pub struct Compressor {
    zstd: Option<zstd::bulk::Compressor<'static>>,
}

impl Compressor {
    /// Compresses `plain` into a value for storage: a zstd frame (level 1) that records its
    /// content size.
    pub fn compress(&mut self, plain: &[u8]) -> Vec<u8> {
        let z = match &mut self.zstd {
            Some(z) => z,
            None => self.zstd.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL).expect("a zstd context")),
        };
        z.compress(plain).expect("zstd compression of memory")
    }
}

/// Builds a value as trawl wrote them from schema 4 to 6 (an LZ4 block behind [`LZ4_TAG`] and the
/// plain length): for tests of databases written then.
pub fn lz4_value(plain: &[u8]) -> Vec<u8> {
    let len = u32::try_from(plain.len()).expect("an LZ4 value holds less than 4 GiB");
    let mut out = vec![LZ4_TAG];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&lz4_flex::block::compress(plain));
    out
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
pub fn encode<'a>(raw: &'a [u8], compressor: &mut Compressor) -> (Vec<u8>, Vec<CutBlob<'a>>) {
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
    (compressor.compress(&out), blobs)
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

/// More than any stored record or blob can hold (records are framed well below this).
const MAX_PLAIN_BYTES: usize = 1 << 32;

thread_local! {
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

fn invalid(msg: &'static str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

/// Decompresses a value written by this module onto the end of `out` (reusing `out`'s capacity:
/// no allocation once it has grown to the largest record). On an error `out` is as it was.
fn decompress_append(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    match data.first() {
        Some(&LZ4_TAG) => lz4_append(&data[1..], out),
        _ if data.starts_with(&ZSTD_MAGIC) => zstd_append(data, out),
        _ => Err(invalid("stored value in an unknown compression format")),
    }
}

fn lz4_append(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    let (len, block) = data.split_first_chunk::<4>().ok_or_else(|| invalid("truncated LZ4 value"))?;
    let size = u32::from_le_bytes(*len) as usize;
    // An LZ4 block expands at most 255-fold: a damaged length must not become a big allocation.
    if size > block.len().saturating_mul(255).saturating_add(64) {
        return Err(invalid("LZ4 value claims an impossible length"));
    }
    let start = out.len();
    out.resize(start + size, 0);
    match lz4_flex::block::decompress_into(block, &mut out[start..]) {
        Ok(n) if n == size => Ok(()),
        Ok(_) => {
            out.truncate(start);
            Err(invalid("LZ4 value shorter than its stated length"))
        }
        Err(e) => {
            out.truncate(start);
            Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("damaged LZ4 value: {e}")))
        }
    }
}

/// Decompresses a zstd frame (a value written before schema 4 or from schema 7 on), reusing a
/// per-thread context.
fn zstd_append(data: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    let size = zstd::zstd_safe::get_frame_content_size(data)
        .ok()
        .flatten()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| invalid("zstd frame without a content size"))?;
    // A damaged frame header must not become an allocation of its claimed size.
    if size > MAX_PLAIN_BYTES {
        return Err(invalid("zstd frame claims an impossible size"));
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
            Err(invalid("zstd frame shorter than its content size"))
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
        let (enc, blobs) = encode(raw, &mut Compressor::default());
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
        let (enc, blobs) = encode(raw.as_bytes(), &mut Compressor::default());
        let stored: HashMap<[u8; 32], Vec<u8>> =
            blobs.iter().map(|b| (b.hash, Compressor::default().compress(b.bytes))).collect();
        let mut out = vec![b'x'; 10_000];
        for _ in 0..2 {
            decode_into(&enc, &mut out, |h, out| decompress_blob_into(&stored[h], out)).unwrap();
            assert_eq!(out, raw.as_bytes());
        }
    }

    #[test]
    fn values_are_written_as_zstd_and_lz4_values_of_older_databases_still_read() {
        let plain = "fn main() { println!(\"hello\"); }\n".repeat(200);
        let zstd = Compressor::default().compress(plain.as_bytes());
        assert!(zstd.starts_with(&ZSTD_MAGIC));
        assert!(zstd.len() < plain.len() / 4, "{} bytes", zstd.len());
        assert_eq!(decompress(&zstd).unwrap(), plain.as_bytes());
        // What a schema 4-6 database holds: an LZ4 block behind the tag and the plain length.
        let lz4 = lz4_value(plain.as_bytes());
        assert_eq!(lz4[0], LZ4_TAG);
        assert_eq!(decompress(&lz4).unwrap(), plain.as_bytes());
        // What a schema-3 database holds: a zstd frame written without a reused context.
        let old = zstd::bulk::compress(plain.as_bytes(), 3).unwrap();
        assert_eq!(decompress(&old).unwrap(), plain.as_bytes());
        let mut out = b"kept".to_vec();
        decompress_blob_into(&zstd, &mut out).unwrap();
        decompress_blob_into(&lz4, &mut out).unwrap();
        assert_eq!(out.len(), 4 + 2 * plain.len());
        // Empty values round-trip too, and one compressor serves many values.
        let mut c = Compressor::default();
        assert_eq!(decompress(&c.compress(b"")).unwrap(), b"");
        assert_eq!(decompress(&c.compress(plain.as_bytes())).unwrap(), plain.as_bytes());
    }

    #[test]
    fn damaged_lz4_values_are_errors_and_leave_the_buffer_as_it_was() {
        let plain = "abcdefgh".repeat(500);
        let good = lz4_value(plain.as_bytes());
        let mut cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![LZ4_TAG, 1, 0], "truncated"),
            (vec![], "unknown compression"),
            (b"{\"not\": \"compressed\"}".to_vec(), "unknown compression"),
        ];
        let mut huge = good.clone();
        huge[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
        cases.push((huge, "impossible length"));
        let mut short = good.clone();
        short.truncate(good.len() / 2);
        cases.push((short, "LZ4 value"));
        let mut longer = good.clone();
        longer[1..5].copy_from_slice(&(plain.len() as u32 + 1).to_le_bytes());
        cases.push((longer, "LZ4"));
        for (value, want) in cases {
            let mut out = b"kept".to_vec();
            let err = decompress_blob_into(&value, &mut out).unwrap_err();
            assert!(err.to_string().contains(want), "{want}: {err}");
            assert_eq!(out, b"kept");
        }
    }

    #[test]
    fn identical_strings_share_a_hash() {
        let long = "z".repeat(2000);
        let raw = format!(r#"["{long}","{long}"]"#);
        let (_, blobs) = encode(raw.as_bytes(), &mut Compressor::default());
        assert_eq!(blobs.len(), 2);
        assert_eq!(blobs[0].hash, blobs[1].hash);
    }
}
