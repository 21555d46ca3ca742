//! Trawl's storage: SQLite as the ground truth and a tantivy full-text index derived from it.
//!
//! SQLite holds every original record (content-addressed, see `segments`), the facts derived at
//! ingest, outcome statements and diagnostics. The tantivy index is derived data keyed by our
//! trajectory id: it can be deleted and rebuilt from SQLite at any time (`Store::reindex`), and it
//! catches up by itself on open when a killed process left it behind (`reindex::catch_up`), and an
//! index that belongs to another database (its commit records the database's identity) is rebuilt.
//!
//! This crate owns the schema, the ingest pipeline and query execution. It does not own the
//! request/response types of the API (see `trawl-api`) or any presentation.
#![deny(missing_docs)]

pub mod check;
pub mod contamination;
pub mod db;
pub mod dedup;
pub mod error;
pub mod export;
pub mod index;
pub mod ingest;
pub mod label_events;
pub mod label_sets;
pub mod labels;
pub mod merges;
pub mod predictions;
pub mod queue;
pub mod records;
pub mod reindex;
pub mod rows;
pub mod search;
pub mod segments;
pub mod show;
pub mod stats;
pub mod subsets;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;

pub use crate::error::{StoreError, UndoRefusal};

/// Rank tables per text column, each with the change sequence and the index searcher generation
/// it was built at.
type RankCache = HashMap<search::TextKey, ((i64, u64), Arc<Vec<u32>>)>;

/// An open trawl database: the SQLite file and its index directory beside it.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) index: index::Index,
    pub(crate) db_path: PathBuf,
    /// Rank tables for ordering by text columns, with what they were built at.
    ranks: std::sync::Mutex<RankCache>,
    /// The database's identity (`meta.db_id`); None only for a read-only database written by an
    /// older trawl.
    db_id: Option<String>,
    /// The identity was assigned by this open (a database written by an older trawl, or a new
    /// one): an index without an identity is trusted when its counts agree.
    legacy: bool,
    read_only: bool,
    /// Held while this handle is the index's writer (ingest, reindex, repair).
    writer_lock: Option<index::WriterLock>,
    /// One-line notices from opening or refreshing (an index rebuilt, and why), not yet taken.
    notices: Vec<String>,
}

/// How long a reader waits for another process to finish rebuilding an index that is not usable
/// yet (foreign, damaged, ahead of the database), and a writer for a lock held by a short task.
const WAIT_FOR_WRITER: std::time::Duration = std::time::Duration::from_secs(30);

impl Store {
    /// Opens or creates the database at `db_path` and its index at `<db_path>.index/`, applying
    /// migrations and bringing the index up to date with SQLite when no other process is
    /// writing it (then that process does). Opening never waits for a running ingest.
    pub fn open(db_path: &Path) -> Result<Store, StoreError> {
        Store::open_with(db_path, true)
    }

    /// Opens the database and its index as they are, without catching up or rebuilding the index
    /// (`check` reports what it finds). A missing or unreadable index is still created empty.
    pub fn open_as_is(db_path: &Path) -> Result<Store, StoreError> {
        Store::open_inner(db_path, false, false)
    }

    /// Opens the database at `db_path` like [`Store::open`]; with `create` false, a missing file
    /// is [`StoreError::Missing`] and nothing is created.
    pub fn open_with(db_path: &Path, create: bool) -> Result<Store, StoreError> {
        Store::open_inner(db_path, create, true)
    }

    fn open_inner(db_path: &Path, create: bool, maintain: bool) -> Result<Store, StoreError> {
        let conn = db::open_with(db_path, create, predictions::after_migration)?;
        let read_only = conn.is_readonly(rusqlite::MAIN_DB)?;
        let (db_id, legacy) = db::identity(&conn, !read_only)?;
        let dir = index_dir_for(&db::fs_path(db_path));
        let started = std::time::Instant::now();
        let mut notices = Vec::new();
        let (index, lock) = loop {
            let attempt =
                if read_only { index::TryLock::ReadOnly } else { index::try_lock_writer(&dir, "index check")? };
            match attempt {
                index::TryLock::Acquired(lock) => {
                    let index = match index::Index::open(&dir) {
                        Ok(i) => i,
                        Err(reason) => {
                            if reason != "missing" {
                                let done = if maintain {
                                    "rebuilt it from the database"
                                } else {
                                    "replaced it with an empty one (`trawl check --repair` rebuilds it)"
                                };
                                notices.push(format!(
                                    "the index of {} was unreadable ({reason}); {done}",
                                    db_path.display()
                                ));
                            }
                            index::Index::create(&dir)?
                        }
                    };
                    break (index, Some(lock));
                }
                index::TryLock::Busy(holder) => {
                    if let Ok(i) = index::Index::open(&dir) {
                        if usable(&conn, &i, db_id.as_deref(), legacy)? {
                            break (i, None);
                        }
                    }
                    if started.elapsed() > WAIT_FOR_WRITER {
                        return Err(StoreError::Busy(format!(
                            "the index of {} is being rebuilt by {} (pid {}, since {}); try again when it is done",
                            db_path.display(),
                            holder.what,
                            holder.pid,
                            holder.since
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                index::TryLock::ReadOnly => {
                    if dir.exists() && !dir.is_dir() {
                        return Err(StoreError::IndexNotAFolder { path: dir.display().to_string() });
                    }
                    let i = index::Index::open(&dir).map_err(|reason| StoreError::IndexUnusable {
                        db: db_path.display().to_string(),
                        state: if reason == "missing" {
                            "missing".to_string()
                        } else {
                            format!("unreadable ({reason})")
                        },
                    })?;
                    if !usable(&conn, &i, db_id.as_deref(), legacy)? {
                        return Err(StoreError::IndexMismatch { db: db_path.display().to_string() });
                    }
                    let behind = index::db_seq(&conn)? - i.payload()?.seq;
                    if behind > 0 {
                        notices.push(format!(
                            "the index of the read-only database {} is {behind} changes behind it: the latest trajectories may be missing from search results",
                            db_path.display()
                        ));
                    }
                    break (i, None);
                }
            }
        };
        let mut store = Store {
            conn,
            index,
            db_path: db_path.to_path_buf(),
            ranks: Default::default(),
            db_id,
            legacy,
            read_only,
            writer_lock: lock,
            notices,
        };
        store.index.db_id.clone_from(&store.db_id);
        if store.writer_lock.is_some() {
            let result = if maintain { store.maintain_index() } else { Ok(()) };
            // Closing the writer commits what it wrote: on a full disk that fails too, and is
            // answered like a failed catch-up.
            let released = store.release_writer();
            if let Err(e) = result.and(released).map_err(|e| e.at_disk_full(&dir)) {
                // A reader is not stopped by an index it could not update (a full disk) as long
                // as the index it has answers for this database; it says what may be missing.
                let _ = store.index.reload_if_changed();
                if !usable(&store.conn, &store.index, store.db_id.as_deref(), store.legacy)? {
                    return Err(e);
                }
                store.notices.push(format!(
                    "could not bring the index of {} up to date ({e}); the latest changes may be missing from search results",
                    db_path.display()
                ));
            }
        }
        Ok(store)
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Whether the database can only be read.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Takes the notices gathered since the last call (one line each).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// Brings the index in line with the database; the caller holds the writer lock. An index of
    /// another database, or ahead of this one, or whose document count disagrees after catching
    /// up, is rebuilt from SQLite with a notice; an index behind it catches up.
    pub(crate) fn maintain_index(&mut self) -> Result<(), StoreError> {
        let payload = self.index.payload()?;
        let db_seq = index::db_seq(&self.conn)?;
        let docs = self.index.trajectory_docs()?;
        let foreign = match (&payload.db, &self.db_id) {
            (Some(a), Some(b)) => a != b,
            (None, _) => docs > 0 && !self.legacy,
            (Some(_), None) => false,
        };
        let reason = if foreign {
            Some("it belonged to another database".to_string())
        } else if payload.seq > db_seq {
            Some(format!("it was ahead of the database (change {} of {db_seq})", payload.seq))
        } else {
            None
        };
        if let Some(reason) = reason {
            return self.rebuild_with_notice(&reason, docs);
        }
        if payload.seq < db_seq {
            reindex::catch_up(self)?;
        }
        let docs = self.index.trajectory_docs()?;
        let rows = self.trajectory_count()?;
        if docs != rows {
            return self.rebuild_with_notice(&format!("it held {docs} documents for {rows} trajectories"), docs);
        }
        if payload.db.is_none() && self.db_id.is_some() && (docs > 0 || db_seq > 0) {
            // An index written before databases had an identity, and found to agree: record it.
            self.index.commit(db_seq)?;
            self.index.close_writer()?;
        }
        Ok(())
    }

    fn rebuild_with_notice(&mut self, reason: &str, docs: u64) -> Result<(), StoreError> {
        let n = reindex::rebuild(self)?;
        if docs > 0 || n > 0 {
            self.notices.push(format!(
                "the index of {} was rebuilt from the database ({n} trajectories): {reason}",
                self.db_path.display()
            ));
        }
        Ok(())
    }

    /// Whether the index has not yet reached the database's last change (an ingest is writing).
    pub fn index_behind(&self) -> Result<bool, StoreError> {
        Ok(self.index.payload()?.seq < index::db_seq(&self.conn)?)
    }

    /// The rows that have an index document ([`INDEXED_ROWS`]).
    pub(crate) fn trajectory_count(&self) -> Result<u64, StoreError> {
        indexed_row_count(&self.conn)
    }

    /// Becomes the index's one writer for `what` (`ingest`, `reindex`, `check --repair`) and
    /// brings the index in line with the database. Another ingest holding it is an error naming
    /// it; a shorter task (a catch-up, a reindex) is waited for.
    pub fn lock_writer(&mut self, what: &str) -> Result<(), StoreError> {
        self.acquire_writer(what)?;
        if let Err(e) = self.maintain_index() {
            self.release_writer()?;
            return Err(e);
        }
        Ok(())
    }

    /// Deletes the index and rebuilds it, and the derived facts, from SQLite (as its one writer).
    pub fn reindex(&mut self) -> Result<usize, StoreError> {
        self.acquire_writer("reindex")?;
        let r = reindex::rebuild(self);
        let released = self.release_writer();
        let n = r?;
        released?;
        Ok(n)
    }

    /// Becomes the index's one writer without checking the index (see [`Store::lock_writer`]).
    pub(crate) fn acquire_writer(&mut self, what: &str) -> Result<(), StoreError> {
        if self.writer_lock.is_some() {
            return Ok(());
        }
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        let dir = index_dir_for(&db::fs_path(&self.db_path));
        let started = std::time::Instant::now();
        loop {
            match index::try_lock_writer(&dir, what)? {
                index::TryLock::Acquired(lock) => {
                    self.writer_lock = Some(lock);
                    break;
                }
                index::TryLock::ReadOnly => {
                    return Err(StoreError::IndexReadOnly { path: dir.display().to_string(), what: what.to_string() })
                }
                index::TryLock::Busy(h) => {
                    if h.what == "ingest" || started.elapsed() > WAIT_FOR_WRITER {
                        return Err(StoreError::Busy(format!(
                            "another {} holds {} since {} (pid {}); try again when it is done",
                            h.what,
                            self.db_path.display(),
                            h.since,
                            h.pid
                        )));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
        // Another process may have written since this handle was opened.
        if let Err(e) = self.index.reload_if_changed() {
            self.release_writer()?;
            return Err(e);
        }
        Ok(())
    }

    /// Stops being the index's writer: waits for tantivy's merges and releases the locks.
    pub fn release_writer(&mut self) -> Result<(), StoreError> {
        let r = self.index.close_writer();
        self.writer_lock = None;
        r
    }

    /// Makes what other processes and handles committed visible: reloads the index when it has a
    /// newer commit, and catches it up with SQLite when it is behind and nobody is writing it (a
    /// killed ingest). Cheap when nothing changed (reads the index's `meta.json` and `meta.seq`).
    pub fn refresh(&mut self) -> Result<(), StoreError> {
        if self.writer_lock.is_none() && !self.read_only {
            let behind = self.index.payload()?.seq < index::db_seq(&self.conn)?;
            if behind {
                if let index::TryLock::Acquired(lock) =
                    index::try_lock_writer(&index_dir_for(&db::fs_path(&self.db_path)), "index catch-up")?
                {
                    self.writer_lock = Some(lock);
                    self.index.reload_if_changed()?;
                    let r = self.maintain_index();
                    self.release_writer()?;
                    r?;
                }
            }
        }
        self.index.reload_if_changed()?;
        Ok(())
    }

    /// The rank table of a text column, rebuilt when the database changed since it was built.
    pub(crate) fn ranks(
        &self,
        searcher: &tantivy::Searcher,
        key: search::TextKey,
    ) -> Result<Arc<Vec<u32>>, StoreError> {
        let at = (index::db_seq(&self.conn)?, searcher.generation().generation_id());
        let mut cache = self.ranks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((built, table)) = cache.get(&key) {
            if *built == at {
                return Ok(table.clone());
            }
        }
        let table = Arc::new(search::rank_table(self, searcher, key)?);
        cache.insert(key, (at, table.clone()));
        Ok(table)
    }

    /// Whether the index keeps `chunk_ref` as a column (indexes written before it did are still
    /// read and kept up to date; `reindex` rewrites them with it).
    pub fn index_has_chunk_ref_column(&self) -> bool {
        self.index.chunk_ref_fast
    }

    /// The underlying connection, for read-only use by callers in this workspace (stats).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// True when `path` (canonical, as ingest records it) is a source file of this database.
    pub fn is_source(&self, path: &str) -> Result<bool, StoreError> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM sources WHERE path = ?1", [path], |r| r.get(0))?;
        Ok(n > 0)
    }
}

/// Whether an index opened by a reader (which cannot rebuild it) answers for this database: it
/// carries the database's identity (or, for a database without one yet, holds as many documents
/// as it has trajectories) and is not ahead of it.
fn usable(conn: &Connection, i: &index::Index, db_id: Option<&str>, legacy: bool) -> Result<bool, StoreError> {
    let p = i.payload()?;
    if p.seq > index::db_seq(conn)? {
        return Ok(false);
    }
    match (p.db.as_deref(), db_id) {
        (Some(a), Some(b)) => Ok(a == b),
        (Some(_), None) => Ok(false),
        (None, _) => {
            let docs = i.trajectory_docs()?;
            if docs == 0 {
                return Ok(true);
            }
            Ok(legacy && docs == indexed_row_count(conn)?)
        }
    }
}

/// The rows of `trajectories` that have an index document: every trajectory and every patch-only
/// prediction record; a prediction joined to its trajectory (`pred_of`) is shown with it and has
/// none. Counts compared with the index (open, `stats`, `check`) use this one condition.
pub(crate) const INDEXED_ROWS: &str = "(kind = 0 OR pred_of IS NULL)";

/// How many rows [`INDEXED_ROWS`] selects, counted as all rows less the joined predictions rather
/// than with that filter: `kind` and `pred_of` come after `raw` in the row, so the filter reads
/// every record (1.9 s of the app's start at 300,000 trajectories). A bare count reads the
/// smallest index; joined predictions are found through the partial index on `pred_of`.
fn indexed_row_count(conn: &Connection) -> Result<u64, StoreError> {
    let all: i64 = conn.query_row("SELECT count(*) FROM trajectories", [], |r| r.get(0))?;
    let joined: i64 =
        conn.query_row("SELECT count(*) FROM trajectories WHERE pred_of IS NOT NULL AND kind != 0", [], |r| r.get(0))?;
    Ok((all - joined) as u64)
}

/// The index directory that belongs to a database file.
pub fn index_dir_for(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".index");
    PathBuf::from(s)
}
