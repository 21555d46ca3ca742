//! Planning an ingest: expanding folders (following symbolic links), classifying files, and
//! deciding for each whether to read it from the start, resume it, or skip it as unchanged.
use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use trawl_core::framing::{self, Compression, Framing};
use trawl_core::Diagnostic;

use super::{IngestOptions, IngestSummary, PlannedFile};
use crate::{Store, StoreError};

/// Expands directories, classifies files and decides, for each, whether to read it from the
/// start, resume it, or skip it as unchanged.
pub(super) fn plan(
    store: &mut Store,
    paths: &[PathBuf],
    opts: &IngestOptions,
    summary: &mut IngestSummary,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<PlannedFile>, StoreError> {
    let mut found: Vec<(PathBuf, bool)> = Vec::new();
    let mut walked = HashSet::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| StoreError::Io { path: p.display().to_string(), source: e })?;
        if meta.is_dir() {
            let mut stack = Vec::new();
            walk(p, &mut found, &mut stack, &mut walked, diags)
                .map_err(|e| StoreError::Io { path: p.display().to_string(), source: e })?;
        } else {
            found.push((p.clone(), true));
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (path, named) in found {
        // A file is read once, however many links lead to it, but it is named by the path that
        // led to it: a symbolic link's name (a Hugging Face snapshot's `data/train.parquet`, whose
        // target is a content hash under `blobs/`) tells its format and is what diagnostics name.
        let target = std::fs::canonicalize(&path).unwrap_or(path.clone());
        let abs = linked_path(&path).unwrap_or(target.clone());
        let display = abs.display().to_string();
        let name = abs.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (framing, compression) = match framing::classify(&name) {
            Some(c) => c,
            None if named => (Framing::Lines, Compression::None),
            // Not data by its name (a snapshot's `blobs/<hash>` is data only by a link's name).
            None => continue,
        };
        if !seen.insert(target) {
            continue;
        }
        let size = match std::fs::metadata(&abs) {
            Ok(m) => m.len(),
            Err(e) => {
                diags.push(Diagnostic::error(&display, 0, format!("cannot read file: {e}")));
                continue;
            }
        };
        let fingerprint = match fingerprint(&abs, size) {
            Ok(f) => f,
            Err(e) => {
                diags.push(Diagnostic::error(&display, 0, format!("cannot read file: {e}")));
                continue;
            }
        };
        let existing: Option<(i64, String, i64, i64, bool)> = store
            .conn
            .query_row(
                "SELECT id, fingerprint, committed_offset, committed_line, complete FROM sources WHERE path = ?1",
                [&display],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let (source_id, start_offset, start_line) = match existing {
            Some((id, fp, _, _, true)) if fp == fingerprint && !opts.force => {
                let _ = id;
                summary.files_unchanged += 1;
                continue;
            }
            Some((id, fp, off, line, false)) if fp == fingerprint && !opts.force => (id, off as u64, line as u64),
            Some((id, _, _, _, _)) => {
                store.conn.execute(
                    "UPDATE sources SET size = ?2, fingerprint = ?3, committed_offset = 0, committed_line = 0, complete = 0 WHERE id = ?1",
                    params![id, size as i64, fingerprint],
                )?;
                (id, 0, 0)
            }
            None => {
                store.conn.execute(
                    "INSERT INTO sources (path, size, fingerprint) VALUES (?1, ?2, ?3)",
                    params![display, size as i64, fingerprint],
                )?;
                (store.conn.last_insert_rowid(), 0, 0)
            }
        };
        out.push(PlannedFile { path: abs, display, source_id, framing, compression, start_offset, start_line, size });
    }
    Ok(out)
}

/// The absolute path of a file with its directory resolved but not the file itself (a symbolic
/// link keeps its own name).
fn linked_path(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// Collects the files under a directory that look like trajectory data, in a stable order.
/// Symbolic links are followed, to files and to directories alike (a Hugging Face hub snapshot is
/// made of them); a link back to a directory being walked is a loop, reported and not followed,
/// and a directory reached twice by links is walked once. A broken link with a data file's name
/// is reported; other entries that are neither files nor directories are skipped.
fn walk(
    dir: &Path,
    out: &mut Vec<(PathBuf, bool)>,
    stack: &mut Vec<PathBuf>,
    walked: &mut HashSet<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) -> std::io::Result<()> {
    let canonical = std::fs::canonicalize(dir)?;
    if let Some(ancestor) = stack.iter().find(|a| **a == canonical) {
        diags.push(Diagnostic::warning(
            &dir.display().to_string(),
            0,
            format!("symbolic link loop: leads back to {}; not followed again", ancestor.display()),
        ));
        return Ok(());
    }
    if !walked.insert(canonical.clone()) {
        return Ok(());
    }
    stack.push(canonical);
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let mut ft = e.file_type()?;
        if ft.is_symlink() {
            match std::fs::metadata(e.path()) {
                Ok(m) => ft = m.file_type(),
                Err(err) => {
                    if framing::classify(&name.to_string_lossy()).is_some() {
                        diags.push(Diagnostic::error(
                            &e.path().display().to_string(),
                            0,
                            format!("cannot read file: broken symbolic link ({err})"),
                        ));
                    }
                    continue;
                }
            }
        }
        if ft.is_dir() {
            walk(&e.path(), out, stack, walked, diags)?;
        } else if ft.is_file() {
            out.push((e.path(), false));
        }
    }
    stack.pop();
    Ok(())
}

/// Identifies a file's content cheaply: its size and a hash of its first and last 64 KiB.
pub(crate) fn fingerprint(path: &Path, size: u64) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = blake3::Hasher::new();
    h.update(&size.to_le_bytes());
    let mut buf = vec![0u8; 64 * 1024];
    let n = read_full(&mut f, &mut buf)?;
    h.update(&buf[..n]);
    if size > 128 * 1024 {
        f.seek(SeekFrom::Start(size - 64 * 1024))?;
        let n = read_full(&mut f, &mut buf)?;
        h.update(&buf[..n]);
    }
    Ok(h.finalize().to_hex()[..32].to_string())
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
