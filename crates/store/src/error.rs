//! The store's errors: one variant per way a request can fail, carrying what failed (the id,
//! name or path) so that callers can map them to codes; each message is the sentence users see.

use std::path::Path;

/// Errors of the store. Messages are lowercase and name the file when a file is at fault.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database was written by a newer trawl.
    #[error("database {path} has schema version {found}, newer than this trawl supports ({supported}): upgrade trawl")]
    TooNew {
        /// The database file.
        path: String,
        /// Its `user_version`.
        found: i64,
        /// What this binary knows.
        supported: i64,
    },
    /// No database file at this path (and the caller did not ask to create one).
    #[error("no database at {path}")]
    Missing {
        /// The path given.
        path: String,
    },
    /// The disk (or file system) holding a file trawl writes is full.
    #[error("disk full: cannot write {path} ({detail})")]
    DiskFull {
        /// The file or folder being written.
        path: String,
        /// Free space left, or the underlying error.
        detail: String,
    },
    /// A migration failed to apply.
    #[error("migration {name} failed: {source}")]
    Migration {
        /// Migration name.
        name: String,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A write to a database that can only be read (a read-only file, folder or file system).
    #[error("the database is read-only: this change cannot be saved (searching and showing still work)")]
    ReadOnly,
    /// The database's writer is busy: another ingest (or reindex, or repair) holds it.
    #[error("{0}")]
    Busy(String),
    /// tantivy failed.
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A query did not parse.
    #[error("query error at column {}: {}", .0.column, .0.message)]
    Query(trawl_core::query::QueryError),
    /// A query pattern that cannot be run (a glob too complex for the index or too large to
    /// match); the message names the pattern and why.
    #[error("{0}")]
    Invalid(String),
    /// A file of an export could not be read, written or created (`action`: "read", "write",
    /// "create", "create output directory"); a write that found the disk full says so first.
    #[error("{}cannot {action} {path}: {source}", disk_full_prefix(action, source))]
    Cannot {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file at this path is not an SQLite database.
    #[error("{path} is not a trawl database (not an SQLite file)")]
    NotADatabase {
        /// The path given.
        path: String,
    },
    /// A read-only database written by an older trawl, which would need a migration.
    #[error("{path} is read-only and was written by an older trawl (schema {found}, this one needs {needed}): open it once where it can be written")]
    TooOldReadOnly {
        /// The database file.
        path: String,
        /// Its `user_version`.
        found: i64,
        /// The version this binary needs.
        needed: i64,
    },
    /// A file stands where the database's index folder belongs.
    #[error("{path} is not a folder: trawl keeps the database's index there; move that file away")]
    IndexNotAFolder {
        /// The index folder's path.
        path: String,
    },
    /// The index must be rebuilt but its folder cannot be written.
    #[error("the index of {db} is {state} and cannot be rebuilt because its folder is read-only; run `trawl reindex` where it can be written")]
    IndexUnusable {
        /// The database file.
        db: String,
        /// "missing" or "unreadable (<reason>)".
        state: String,
    },
    /// The index belongs to another database and cannot be rebuilt (read-only).
    #[error("the index of {db} does not match the database and cannot be rebuilt because it is read-only; run `trawl reindex` where it can be written")]
    IndexMismatch {
        /// The database file.
        db: String,
    },
    /// A writer (`what`: ingest, reindex …) needs the index folder, which cannot be written.
    #[error("the index folder {path} cannot be written, and {what} must write it")]
    IndexReadOnly {
        /// The index folder.
        path: String,
        /// What wanted to write.
        what: String,
    },
    /// A name that is not allowed (`what`: "subset" or "list"; `rule`: what a name may be).
    #[error("bad {what} name '{name}': {rule}")]
    BadName {
        /// What is named.
        what: &'static str,
        /// The name given.
        name: String,
        /// What a good name looks like.
        rule: &'static str,
    },
    /// No label set with this name.
    #[error("unknown label set '{name}'; known sets: {known}")]
    UnknownLabelSet {
        /// The name given.
        name: String,
        /// The known sets, comma separated.
        known: String,
    },
    /// A label set definition, a label or an annotator name that its checks refuse.
    #[error("{reason}")]
    BadLabel {
        /// Why (names the set, value or annotator).
        reason: String,
    },
    /// A label set with events cannot change its kind.
    #[error("label set '{set}' has {events} label events; its kind cannot change from {from} to {to}")]
    LabelKindChange {
        /// The set.
        set: String,
        /// How many events it has.
        events: i64,
        /// Its kind.
        from: &'static str,
        /// The kind asked for.
        to: &'static str,
    },
    /// An undo that cannot be done (`reason` names the batch or annotator).
    #[error("{}", undo_message(annotator, batch.as_deref(), *reason))]
    Undo {
        /// The annotator undoing.
        annotator: String,
        /// The batch named, if any.
        batch: Option<String>,
        /// Why not.
        reason: UndoRefusal,
    },
    /// Agreement asked of a text label set.
    #[error("agreement needs a select or rating set; '{set}' is text")]
    TextAgreement {
        /// The set.
        set: String,
    },
    /// No subset with this name.
    #[error("no subset named '{name}'")]
    UnknownSubset {
        /// The name given.
        name: String,
    },
    /// A subset without this version (or without any, when `version` is None).
    #[error("{}", match version { Some(v) => format!("subset '{name}' has no version {v}"), None => format!("subset '{name}' has no versions") })]
    NoSubsetVersion {
        /// The subset.
        name: String,
        /// The version asked for (None: the latest).
        version: Option<i64>,
    },
    /// A trajectory id listed in a subset definition (`what`: its includes or excludes) that no
    /// trajectory has.
    #[error("{what}: no trajectory with id '{id}'")]
    UnknownMember {
        /// Where the id was given.
        what: String,
        /// The id.
        id: String,
    },
    /// A shaping order key that does not exist.
    #[error("unknown order key '{key}' (known: {known})")]
    UnknownOrderKey {
        /// The key given.
        key: String,
        /// The known keys, comma separated.
        known: String,
    },
    /// A near-patch dedup threshold outside (0, 1].
    #[error("near_patch threshold must be in (0, 1], got {threshold}")]
    BadThreshold {
        /// The threshold given.
        threshold: f64,
    },
    /// A cap of zero per group.
    #[error("cap k must be at least 1")]
    BadCap,
    /// No contamination list with this name.
    #[error("no contamination list named '{name}' (known: {known})")]
    UnknownList {
        /// The name given.
        name: String,
        /// The known lists, comma separated.
        known: String,
    },
    /// A built-in contamination list cannot be replaced.
    #[error("'{name}' is a built-in list and cannot be replaced")]
    BuiltinList {
        /// Its name.
        name: String,
    },
    /// A contamination list file that cannot be added (`reason`: no entries, mixed kinds).
    #[error("{file}: {reason}")]
    BadListFile {
        /// The file (or where the text came from).
        file: String,
        /// Why.
        reason: String,
    },
    /// Split ratios that are negative, not numbers, or sum to zero.
    #[error("bad split ratios {train}/{validation}/{test}: give non-negative numbers with a positive sum")]
    BadSplitRatios {
        /// Train.
        train: f64,
        /// Validation.
        validation: f64,
        /// Test.
        test: f64,
    },
    /// `--bare` asked of a format other than sft-chat.
    #[error(
        "--bare applies to sft-chat exports only (lines with messages and tools alone); {format} has no such lines"
    )]
    BareNeedsSftChat {
        /// The format.
        format: &'static str,
    },
    /// Compression asked of a format that is written as plain text.
    #[error("compression '{codec}' applies to parquet exports only; {format} is written as plain text")]
    CompressionNeedsParquet {
        /// The compression asked for.
        codec: &'static str,
        /// The format.
        format: &'static str,
    },
    /// A folder an export cannot be written into (`reason` says why).
    #[error("cannot export into {path}: {reason}")]
    ExportTarget {
        /// The folder given.
        path: String,
        /// Why.
        reason: String,
    },
    /// A file that is not an export manifest.
    #[error("{path}: not a trawl export manifest: {reason}")]
    NotAManifest {
        /// The file.
        path: String,
        /// The JSON error.
        reason: String,
    },
    /// A file whose sha256 differs from what its manifest says.
    #[error("{path}: sha256 {got} differs from the manifest's {want}")]
    ChecksumMismatch {
        /// The file.
        path: String,
        /// Its sha256.
        got: String,
        /// The manifest's.
        want: String,
    },
    /// Records of a manifest that this database does not hold.
    #[error("{missing} of {total} records of the manifest are not in this database (first: {first}); ingest the sources it lists")]
    ManifestRecordsMissing {
        /// How many are missing.
        missing: usize,
        /// How many the manifest lists.
        total: usize,
        /// The first missing stable id.
        first: String,
    },
    /// A manifest field with a value this trawl does not know (`field`: format, group_by,
    /// compression, parquet_pages, sft_lines).
    #[error("{}", if *field == "parquet_pages" || *field == "sft_lines" { format!("manifest {field} {value} is unknown (1, 2)") } else { format!("manifest {field} '{value}' is unknown") })]
    ManifestValue {
        /// The field.
        field: &'static str,
        /// Its value.
        value: String,
    },
    /// A rebuild from a manifest whose output differs (`detail` names the file or the counts).
    #[error("rebuild differs from the manifest: {detail}")]
    RebuildDiffers {
        /// What differs.
        detail: String,
    },
    /// No trajectory with this id.
    #[error("no trajectory with id {0}")]
    NotFound(String),
    /// A stored record could not be rebuilt or re-read.
    #[error("stored record {id} is damaged: {reason}")]
    Damaged {
        /// Trajectory id.
        id: String,
        /// What went wrong.
        reason: String,
    },
}

/// Why an undo is refused (see [`StoreError::Undo`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoRefusal {
    /// No batch with that id.
    NoBatch,
    /// The batch is itself an undo.
    IsUndo,
    /// The batch is already undone.
    AlreadyUndone,
    /// The annotator has nothing left to undo.
    Nothing,
}

fn undo_message(annotator: &str, batch: Option<&str>, reason: UndoRefusal) -> String {
    match (batch, reason) {
        (Some(b), UndoRefusal::NoBatch) => format!("no label batch {b}"),
        (Some(b), UndoRefusal::IsUndo) => format!("batch {b} is an undo; label again instead"),
        (Some(b), UndoRefusal::AlreadyUndone) => format!("batch {b} is already undone"),
        _ => format!("nothing to undo for annotator {annotator}"),
    }
}

fn disk_full_prefix(action: &str, source: &std::io::Error) -> &'static str {
    if action == "write" && source.kind() == std::io::ErrorKind::StorageFull {
        "disk full: "
    } else {
        ""
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ReadOnly) => StoreError::ReadOnly,
            _ => StoreError::Sqlite(e),
        }
    }
}

impl StoreError {
    /// This error as [`StoreError::DiskFull`] naming `path`, when it comes from a full disk:
    /// SQLite's `SQLITE_FULL`, an I/O error "no space left", or an index error (tantivy reports a
    /// failed segment write as "an index writer was killed") while the file system holding
    /// `path` has less than 1 MiB free. Other errors are returned unchanged.
    pub fn at_disk_full(self, path: &Path) -> StoreError {
        let free = free_bytes(path);
        let full = match &self {
            StoreError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            StoreError::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            StoreError::Index(e) => e.to_string().contains("No space left") || free.is_some_and(|f| f < 1 << 20),
            _ => false,
        };
        if !full {
            return self;
        }
        let detail = match free {
            Some(f) => format!("{f} bytes free on its file system"),
            None => self.to_string(),
        };
        StoreError::DiskFull { path: path.display().to_string(), detail }
    }
}

/// Free bytes (for an unprivileged user) on the file system holding `path` or its nearest
/// existing ancestor.
#[cfg(unix)]
fn free_bytes(path: &Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| !p.as_os_str().is_empty() && p.exists()).unwrap_or(Path::new("."));
    let st = rustix::fs::statvfs(existing).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_: &Path) -> Option<u64> {
    None
}
