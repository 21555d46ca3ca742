//! Durable output: files hashed and written behind (synced in steps), staged in a fresh folder
//! that replaces the target as a whole.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::options::Manifest;
use crate::StoreError;

// ---------------------------------------------------------------------------------------------
// Files.

/// A writer that hashes and counts what passes through it, and has it written out to disk behind
/// it.
pub(super) struct Hashing<W: Write> {
    pub(super) inner: W,
    pub(super) hasher: Sha256,
    pub(super) bytes: u64,
    pub(super) behind: WriteBehind,
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
    pub(super) fn create(file: File) -> std::io::Result<Self> {
        let behind = WriteBehind::new(&file)?;
        Ok(Hashing { inner: BufWriter::with_capacity(1 << 20, file), hasher: Sha256::new(), bytes: 0, behind })
    }

    /// Flushes and syncs the file; its size and sha256 (hex).
    pub(super) fn close(self) -> std::io::Result<(u64, String)> {
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
pub(super) struct WriteBehind {
    pub(super) tx: Option<std::sync::mpsc::SyncSender<()>>,
    pub(super) thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
    pub(super) unsynced: u64,
}

impl WriteBehind {
    pub(super) const STEP: u64 = 32 << 20;

    pub(super) fn new(file: &File) -> std::io::Result<WriteBehind> {
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

    pub(super) fn wrote(&mut self, n: u64) {
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
    pub(super) fn finish(mut self) -> std::io::Result<()> {
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

pub(super) enum Sink {
    Lines(Hashing<BufWriter<File>>),
    Parquet(Box<parquet::file::writer::SerializedFileWriter<Hashing<BufWriter<File>>>>),
}

pub(super) struct OutFile {
    pub(super) name: String,
    pub(super) split: String,
    pub(super) tmp: PathBuf,
    pub(super) sink: Option<Sink>,
    pub(super) records: u64,
    pub(super) skipped: u64,
    pub(super) groups: u64,
    pub(super) bytes: u64,
    pub(super) sha256: String,
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn write_err(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Cannot {
        action: "write",
        path: path.display().to_string(),
        source: std::io::Error::other(e.to_string()),
    }
}

pub(super) fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Cannot { action: "write", path: path.display().to_string(), source: e }
}

fn target_err(dir: &Path, reason: &str) -> StoreError {
    StoreError::ExportTarget { path: dir.display().to_string(), reason: reason.to_string() }
}

pub(super) fn tmp_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.tmp-{}", std::process::id()))
}

pub(super) fn create_tmp(path: &Path) -> Result<File, StoreError> {
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| io_err(path, e))
}

/// Removes `*.tmp-<pid>` files of processes that no longer run (a killed export).
pub(super) fn clean_stale_temps(dir: &Path) {
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
pub(super) struct TempGuard(pub(super) Vec<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

pub(super) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Test hook: with `TRAWL_TEST_EXPORT_PAUSE=<step>`, the export stops at that step of publishing
/// (`staged`: the new folder is complete; `swapped`: the target holds the new export and the old
/// one is still beside it), prints `export paused at <step>` on stderr and waits to be killed.
pub(super) fn pause_point(step: &str) {
    if std::env::var("TRAWL_TEST_EXPORT_PAUSE").is_ok_and(|v| v == step) {
        eprintln!("export paused at {step}");
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

/// The folder an export goes to, checked before anything is written.
pub(super) struct Target {
    /// As given.
    pub(super) dir: PathBuf,
    /// The folder holding it (where the new export is staged) and its name there.
    pub(super) parent: PathBuf,
    pub(super) name: std::ffi::OsString,
    /// Missing or empty (a plain rename), or an earlier export (swapped).
    pub(super) earlier_export: bool,
}

impl Target {
    pub(super) fn check(dir: &Path) -> Result<Target, StoreError> {
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
            return Err(target_err(dir, "choose a folder inside it"));
        };
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Cannot {
            action: "create output directory",
            path: parent.display().to_string(),
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
                return Err(target_err(dir, "it is a file"))
            }
            Err(e) => return Err(StoreError::Cannot { action: "read", path: dir.display().to_string(), source: e }),
        };
        if std::fs::metadata(&abs).is_ok_and(|m| m.permissions().readonly()) {
            return Err(target_err(dir, "the folder is read-only"));
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
            return Err(target_err(
                dir,
                &format!(
                    "it is not empty and not a trawl export (it holds {}); choose a new or empty folder",
                    listing(&all)
                ),
            ));
        };
        let own: std::collections::HashSet<&str> =
            m.outputs.iter().map(|o| o.file.as_str()).chain([m.members.file.as_str(), "manifest.json"]).collect();
        let foreign: Vec<&String> = entries.iter().filter(|n| !own.contains(n.as_str())).collect();
        if !foreign.is_empty() {
            return Err(target_err(
                dir,
                &format!(
                    "it holds an earlier export and also {}, which an export would delete; move them or choose another folder",
                    listing(&foreign)
                ),
            ));
        }
        t.earlier_export = true;
        Ok(t)
    }
}

/// The fresh folder an export is written into, beside its target; removed on drop unless
/// published.
pub(super) struct Stage {
    pub(super) dir: PathBuf,
    pub(super) published: bool,
}

pub(super) fn stage_name(name: &std::ffi::OsStr, kind: &str, pid: u32) -> String {
    format!(".{}.trawl-{kind}-{pid}", name.to_string_lossy())
}

impl Stage {
    pub(super) fn create(t: &Target) -> Result<Stage, StoreError> {
        let dir = t.parent.join(stage_name(&t.name, "export", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).map_err(|e| StoreError::Cannot {
            action: "create",
            path: dir.display().to_string(),
            source: e,
        })?;
        Ok(Stage { dir, published: false })
    }

    /// Puts the complete new export in the target's place.
    pub(super) fn publish(&mut self, t: &Target) -> Result<(), StoreError> {
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
pub(super) fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
pub(super) fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes what exports killed before publishing left beside a target: their staged folders and
/// (when the swap was not atomic) the earlier export set aside.
pub(super) fn clean_stale_stages(parent: &Path, name: &std::ffi::OsStr) {
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

pub(super) fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = create_tmp(path)?;
    f.write_all(bytes).map_err(|e| io_err(path, e))?;
    f.sync_all().map_err(|e| io_err(path, e))
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
}
