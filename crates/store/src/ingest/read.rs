//! The reader thread: frames every planned file into batches of raw records (JSON lines,
//! whole JSON files, Parquet rows), through decompressors that drop damaged compressed members.
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use trawl_core::framing::{self, Compression, Framing};
use trawl_core::Diagnostic;

use super::parquet::GroupTask;
use super::{Batch, RawRecord, BATCH_BYTES, BATCH_RECORDS};

/// Counts bytes read from the file on disk (before decompression), for progress, and hashes
/// them: a file read to its end gets its sha256 (what an export's manifest lists for its source)
/// while its bytes pass anyway, instead of a second read of the whole file at the first export.
struct CountingReader<R> {
    inner: R,
    count: Arc<std::sync::atomic::AtomicU64>,
    sha: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        self.sha.lock().expect("hash lock").update(&buf[..n]);
        Ok(n)
    }
}

/// The bytes of one file read so far, and their running sha256.
#[derive(Default)]
pub(super) struct FileRead {
    disk: Arc<std::sync::atomic::AtomicU64>,
    sha: Arc<Mutex<Sha256>>,
}

impl FileRead {
    /// The file's sha256 (hex) when every byte it holds now was read, else `None` (a read error,
    /// a decoder that stopped before the end, a file that grew or shrank meanwhile, a Parquet file,
    /// which is not read through this reader).
    fn whole_file_sha256(&self, path: &Path) -> Option<String> {
        let size = std::fs::metadata(path).ok()?.len();
        if self.disk.load(Ordering::Relaxed) != size {
            return None;
        }
        let h = std::mem::take(&mut *self.sha.lock().ok()?);
        Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Opens a file through its decompressor. With `past_bad_members`, a gzip member that fails its
/// checksum does not end the stream (the next member is read; [`damaged_members`] says which
/// records to drop); otherwise it is a read error.
fn open_decoded(
    path: &Path,
    compression: Compression,
    read: &FileRead,
    past_bad_members: bool,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let file = File::open(path)?;
    let counted = CountingReader { inner: file, count: Arc::clone(&read.disk), sha: Arc::clone(&read.sha) };
    Ok(match compression {
        Compression::None => Box::new(BufReader::with_capacity(1 << 20, counted)),
        Compression::Gzip if past_bad_members => {
            Box::new(BufReader::with_capacity(1 << 20, GzMembers::new(BufReader::new(counted))))
        }
        Compression::Gzip => {
            Box::new(BufReader::with_capacity(1 << 20, flate2::read::MultiGzDecoder::new(BufReader::new(counted))))
        }
        Compression::Zstd => Box::new(BufReader::with_capacity(1 << 20, zstd::stream::read::Decoder::new(counted)?)),
    })
}

/// A compressed member (a gzip member, a zstd frame) that failed its checksum: the decompressed
/// bytes it covers (to the end of the file when the reader cannot go on after it), which member,
/// and why. None of its records is stored.
#[derive(Debug, Clone)]
struct BadMember {
    start: u64,
    end: Option<u64>,
    what: String,
    reason: String,
}

impl BadMember {
    fn overlaps(&self, from: u64, to: u64) -> bool {
        from < self.end.unwrap_or(u64::MAX) && to > self.start
    }
}

fn is_checksum_error(e: &std::io::Error) -> bool {
    e.to_string().contains("checksum")
}

/// The gzip members of a stream one after another (as `MultiGzDecoder` reads them), except that a
/// member failing its checksum does not end the stream: its range is recorded in `bad` and the
/// next member is read. (A member's trailer has been read when its checksum is compared, so the
/// next member starts right after it.)
struct GzMembers<R: BufRead> {
    dec: Option<flate2::bufread::GzDecoder<R>>,
    pos: u64,
    member_start: u64,
    member: usize,
    bad: Vec<BadMember>,
}

impl<R: BufRead> GzMembers<R> {
    fn new(r: R) -> GzMembers<R> {
        GzMembers { dec: Some(flate2::bufread::GzDecoder::new(r)), pos: 0, member_start: 0, member: 1, bad: Vec::new() }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(dec) = self.dec.as_mut() else { return Ok(0) };
            match dec.read(buf) {
                Ok(0) => {}
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if is_checksum_error(&e) => self.bad.push(BadMember {
                    start: self.member_start,
                    end: Some(self.pos),
                    what: format!("gzip member {}", self.member),
                    reason: e.to_string(),
                }),
                Err(e) => return Err(e),
            }
            let mut inner = self.dec.take().expect("a decoder").into_inner();
            if inner.fill_buf()?.is_empty() {
                return Ok(0);
            }
            self.member += 1;
            self.member_start = self.pos;
            self.dec = Some(flate2::bufread::GzDecoder::new(inner));
        }
    }
}

/// A `Write` that only counts.
struct CountingSink(u64);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decompresses a file once, only to find the members that fail their checksum, before any of
/// its records is stored: a checksum is compared at the end of its member, after the member's
/// text has been decompressed, so a reader that stored records as it decompressed them would
/// store corrupted text. Costs one more decompression of every compressed file. Other read
/// errors (a cut stream, a damaged deflate block) are left to the reading pass, which stores
/// what decodes before them and reports the error, as `zcat` does.
fn damaged_members(path: &Path, compression: Compression) -> Vec<BadMember> {
    let Ok(file) = File::open(path) else { return Vec::new() };
    let reader = BufReader::with_capacity(1 << 20, file);
    match compression {
        Compression::None => Vec::new(),
        Compression::Gzip => {
            let mut members = GzMembers::new(reader);
            let _ = std::io::copy(&mut members, &mut CountingSink(0));
            members.bad
        }
        Compression::Zstd => {
            // zstd frames one by one; the reader cannot go on after a frame that fails (the
            // reading pass stops there too), so such a frame's range runs to the end.
            let mut reader = reader;
            let mut pos = 0u64;
            let mut frame = 0usize;
            loop {
                match reader.fill_buf() {
                    Ok(b) if !b.is_empty() => {}
                    _ => return Vec::new(),
                }
                frame += 1;
                let Ok(dec) = zstd::stream::read::Decoder::with_buffer(reader) else { return Vec::new() };
                let mut dec = dec.single_frame();
                let mut sink = CountingSink(0);
                match std::io::copy(&mut dec, &mut sink) {
                    Ok(n) => {
                        pos += n;
                        reader = dec.finish();
                    }
                    Err(e) if is_checksum_error(&e) => {
                        return vec![BadMember {
                            start: pos,
                            end: None,
                            what: format!("zstd frame {frame}, to the end of the file"),
                            reason: e.to_string(),
                        }]
                    }
                    Err(_) => return Vec::new(),
                }
            }
        }
    }
}

/// The reader thread: frames every planned file into batches.
pub(super) fn read_files(
    plan: Vec<(PathBuf, String, Framing, Compression, u64, u64)>,
    tx: SyncSender<Batch>,
    cancel: Arc<AtomicBool>,
) {
    let seq = std::cell::Cell::new(0u64);
    for (file_idx, (path, display, framing, compression, start_offset, start_line)) in plan.into_iter().enumerate() {
        let read = FileRead::default();
        let disk = &read.disk;
        let lost = std::cell::Cell::new(0u64);
        let send = |b: Batch| tx.send(b).is_ok() && !cancel.load(Ordering::SeqCst);
        let mut emit = |records: Vec<RawRecord>,
                        diagnostics: Vec<Diagnostic>,
                        end_offset: u64,
                        end_line: u64,
                        file_done: bool|
         -> bool {
            send(Batch {
                seq: seq.replace(seq.get() + 1),
                file: file_idx,
                records,
                diagnostics,
                end_offset,
                end_line,
                file_done,
                disk_bytes: disk.load(Ordering::Relaxed),
                lost: lost.take(),
                group: None,
                source_sha256: if file_done { read.whole_file_sha256(&path) } else { None },
            })
        };
        let mut emit_group = |task: GroupTask| -> bool {
            send(Batch {
                seq: seq.replace(seq.get() + 1),
                file: file_idx,
                records: Vec::new(),
                diagnostics: Vec::new(),
                end_offset: task.first_row,
                end_line: task.first_row,
                file_done: false,
                disk_bytes: task.disk.0,
                lost: 0,
                group: Some(task),
                source_sha256: None,
            })
        };
        let keep_going = match framing {
            Framing::Lines => {
                read_lines(&path, &display, compression, (start_offset, start_line), &read, &lost, &mut emit)
            }
            Framing::Whole => read_whole(&path, &display, compression, &read, &mut emit),
            Framing::Parquet => read_parquet(&path, &display, start_line, &mut emit, &mut emit_group),
        };
        if !keep_going {
            return;
        }
    }
}

type Emit<'a> = dyn FnMut(Vec<RawRecord>, Vec<Diagnostic>, u64, u64, bool) -> bool + 'a;
type EmitGroup<'a> = dyn FnMut(GroupTask) -> bool + 'a;

fn read_lines(
    path: &Path,
    display: &str,
    compression: Compression,
    (start_offset, start_line): (u64, u64),
    read: &FileRead,
    lost: &std::cell::Cell<u64>,
    emit: &mut Emit<'_>,
) -> bool {
    let bad = damaged_members(path, compression);
    let mut reader = match open_decoded(path, compression, read, true) {
        Ok(r) => r,
        Err(e) => {
            return emit(Vec::new(), vec![Diagnostic::error(display, 0, format!("cannot open file: {e}"))], 0, 0, true)
        }
    };
    // Skip what earlier runs committed.
    if start_offset > 0 {
        match std::io::copy(&mut (&mut reader).take(start_offset), &mut std::io::sink()) {
            Ok(n) if n == start_offset => {}
            _ => {
                return emit(
                    Vec::new(),
                    vec![Diagnostic::error(display, start_line, "file shorter than its committed offset")],
                    start_offset,
                    start_line,
                    true,
                )
            }
        }
    }
    // A binary file (an image, UTF-16 text, noise) is one diagnostic, not one per "line". It is
    // judged by the first 4 KiB of the file, not by its first line, which can be short and free of
    // NUL bytes (a PNG's first line is `\x89PNG\r`).
    if start_offset == 0 {
        match reader.fill_buf() {
            Ok(head) => {
                let head = &head[..head.len().min(4096)];
                let first = framing::trim_line(head).iter().find(|b| !b.is_ascii_whitespace()).copied();
                if !matches!(first, Some(b'{') | Some(b'[') | None) && memchr::memchr(0, head).is_some() {
                    return emit(
                        Vec::new(),
                        vec![Diagnostic::error(display, 0, "binary file, not json lines")],
                        0,
                        0,
                        true,
                    );
                }
            }
            Err(e) => {
                return emit(Vec::new(), vec![Diagnostic::error(display, 1, format!("read error: {e}"))], 0, 0, true);
            }
        }
    }
    let mut offset = start_offset;
    let mut line_no = start_line;
    let mut records = Vec::new();
    let mut diags = Vec::new();
    let mut batch_bytes = 0usize;
    // Whether a line other than white space was seen: a file without one is reported as empty,
    // as an empty `.json` file is.
    let mut any_content = start_offset > 0;
    // Records of a member that failed its checksum: (which member, first line, last line).
    let mut dropped: Option<(usize, u64, u64)> = None;
    let report_dropped = |dropped: &mut Option<(usize, u64, u64)>, diags: &mut Vec<Diagnostic>| {
        if let Some((i, first, last)) = dropped.take() {
            let b: &BadMember = &bad[i];
            let lines = if first == last { format!("line {first}") } else { format!("lines {first}..{last}") };
            diags.push(Diagnostic::error(display, first, format!("{lines} ({}) not stored: {}", b.what, b.reason)));
        }
    };
    loop {
        let mut buf = Vec::new();
        let n = match reader.read_until(b'\n', &mut buf) {
            Ok(n) => n,
            Err(e) => {
                report_dropped(&mut dropped, &mut diags);
                diags.push(Diagnostic::error(display, line_no + 1, format!("read error: {e}")));
                return emit(records, diags, offset, line_no, true);
            }
        };
        if n == 0 {
            report_dropped(&mut dropped, &mut diags);
            if !any_content {
                let what = if line_no == 0 { "empty file" } else { "empty file (only blank lines)" };
                diags.push(Diagnostic::error(display, 0, what));
            }
            return emit(records, diags, offset, line_no, true);
        }
        line_no += 1;
        let rec_offset = offset;
        offset += n as u64;
        let trimmed = framing::trim_line(&buf);
        if framing::is_blank(trimmed) {
            continue;
        }
        any_content = true;
        if let Some(i) = bad.iter().position(|b| b.overlaps(rec_offset, offset)) {
            match &mut dropped {
                Some((j, _, last)) if *j == i => *last = line_no,
                _ => {
                    report_dropped(&mut dropped, &mut diags);
                    dropped = Some((i, line_no, line_no));
                }
            }
            lost.set(lost.get() + 1);
            continue;
        }
        report_dropped(&mut dropped, &mut diags);
        // Keep the record's bytes exactly as they stand in the file, minus the line end and a
        // leading BOM: that is what exports write back.
        let start = buf.len() - buf.len() + (trimmed.as_ptr() as usize - buf.as_ptr() as usize);
        let len = trimmed.len();
        buf.truncate(start + len);
        if start > 0 {
            buf.drain(..start);
        }
        batch_bytes += len;
        records.push(RawRecord { bytes: buf, offset: rec_offset + start as u64, line: line_no });
        if records.len() >= BATCH_RECORDS || batch_bytes >= BATCH_BYTES {
            if !emit(std::mem::take(&mut records), std::mem::take(&mut diags), offset, line_no, false) {
                return false;
            }
            batch_bytes = 0;
        }
    }
}

fn read_whole(path: &Path, display: &str, compression: Compression, read: &FileRead, emit: &mut Emit<'_>) -> bool {
    let mut bytes = Vec::new();
    let done = open_decoded(path, compression, read, false).and_then(|mut r| r.read_to_end(&mut bytes));
    if let Err(e) = done {
        return emit(Vec::new(), vec![Diagnostic::error(display, 0, format!("cannot read file: {e}"))], 0, 0, true);
    }
    let size = bytes.len() as u64;
    let body = framing::trim_line(&bytes);
    if framing::is_blank(body) {
        return emit(Vec::new(), vec![Diagnostic::error(display, 0, "empty file")], size, 0, true);
    }
    // A `.json` file that holds JSON lines is read as lines: its first value is followed by more,
    // or (when the first line is the broken one) its lines are mostly JSON objects on their own.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        if e.to_string().starts_with("trailing characters") || looks_like_json_lines(&bytes) {
            let mut records = Vec::new();
            let mut offset = 0u64;
            for (i, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
                let t = framing::trim_line(line);
                if !framing::is_blank(t) {
                    let start = (t.as_ptr() as usize - line.as_ptr() as usize) as u64;
                    records.push(RawRecord { bytes: t.to_vec(), offset: offset + start, line: i as u64 + 1 });
                }
                offset += line.len() as u64;
            }
            let lines = records.last().map(|r| r.line).unwrap_or(0);
            return emit(records, Vec::new(), size, lines, true);
        }
    }
    let offset = (body.as_ptr() as usize - bytes.as_ptr() as usize) as u64;
    let rec = RawRecord { bytes: body.to_vec(), offset, line: 1 };
    emit(vec![rec], Vec::new(), size, 1, true)
}

/// Whether a file that is not one JSON value holds JSON lines: at least two non-blank lines, at
/// least half of which are JSON objects on their own (a broken pretty-printed file has almost none).
fn looks_like_json_lines(bytes: &[u8]) -> bool {
    let (mut lines, mut objects) = (0usize, 0usize);
    for line in bytes.split(|b| *b == b'\n') {
        let t = framing::trim_line(line);
        if framing::is_blank(t) {
            continue;
        }
        lines += 1;
        let first = t.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok() {
            objects += 1;
        }
    }
    lines >= 2 && objects >= 1 && objects * 2 >= lines
}

/// Plans a Parquet file: reads its metadata and hands out one task per row group, decoded on a
/// worker ([`parquet::decode_group`]; each row's "line" is its 1-based row number). Groups whose
/// rows were all committed by an earlier run (up to `start_row`) are skipped.
fn read_parquet(
    path: &Path,
    display: &str,
    start_row: u64,
    emit: &mut Emit<'_>,
    emit_group: &mut EmitGroup<'_>,
) -> bool {
    use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
    let opened = File::open(path).map_err(|e| format!("cannot open file: {e}")).and_then(|file| {
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::default())
            .map_err(|e| format!("not a readable parquet file: {e}"))
    });
    let meta = match opened {
        Ok(m) => m,
        Err(reason) => return emit(Vec::new(), vec![Diagnostic::error(display, 0, reason)], 0, 0, true),
    };
    let direct = super::arrow::direct_schema(meta.schema());
    let groups: Vec<(u64, u64)> = meta
        .metadata()
        .row_groups()
        .iter()
        .map(|g| (g.num_rows().max(0) as u64, g.compressed_size().max(0) as u64))
        .collect();
    let (mut row, mut disk) = (0u64, 0u64); // rows and bytes before the current row group
    for (group, &(size, bytes)) in groups.iter().enumerate() {
        let (first, disk_before) = (row, disk);
        row += size;
        disk += bytes;
        if row <= start_row {
            continue;
        }
        let task = GroupTask {
            path: path.to_path_buf(),
            meta: meta.clone(),
            group,
            first_row: first,
            rows: size,
            start_row,
            direct,
            disk: (disk_before, disk),
        };
        if !emit_group(task) {
            return false;
        }
    }
    emit(Vec::new(), Vec::new(), row, row, true)
}
