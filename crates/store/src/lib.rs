//! Trawl's storage: SQLite as the ground truth and a tantivy full-text index derived from it.
//!
//! SQLite holds every original record (content-addressed, see `segments`), the facts derived at
//! ingest, outcome statements and diagnostics. The tantivy index is derived data keyed by our
//! trajectory id: it can be deleted and rebuilt from SQLite at any time (`Store::reindex`), and it
//! catches up by itself on open when a killed process left it behind (`index::catch_up`).
//!
//! This crate owns the schema, the ingest pipeline and query execution. It does not own the
//! request/response types of the API (see `trawl-api`) or any presentation.
#![deny(missing_docs)]

pub mod contamination;
pub mod db;
pub mod dedup;
pub mod export;
pub mod index;
pub mod ingest;
pub mod labels;
pub mod predictions;
pub mod search;
pub mod segments;
pub mod show;
pub mod stats;
pub mod subsets;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;

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
    Sqlite(#[from] rusqlite::Error),
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
    /// A request that cannot be carried out as given (a label outside its set's schema, an unknown
    /// label set, a bad subset definition, an unknown list); the message names what and why.
    #[error("{0}")]
    Invalid(String),
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

/// Rank tables per text column, each with the change sequence it was built at.
type RankCache = HashMap<search::TextKey, (i64, Arc<Vec<u32>>)>;

/// An open trawl database: the SQLite file and its index directory beside it.
pub struct Store {
    pub(crate) conn: Connection,
    pub(crate) index: index::Index,
    pub(crate) db_path: PathBuf,
    /// Rank tables for ordering by text columns, with the change sequence they were built at.
    ranks: std::sync::Mutex<RankCache>,
}

impl Store {
    /// Opens or creates the database at `db_path` and its index at `<db_path>.index/`, applying
    /// migrations and bringing the index up to date with SQLite.
    pub fn open(db_path: &Path) -> Result<Store, StoreError> {
        let conn = db::open(db_path)?;
        let index_dir = index_dir_for(db_path);
        let index = index::Index::open_or_create(&index_dir)?;
        let mut store = Store { conn, index, db_path: db_path.to_path_buf(), ranks: Default::default() };
        index::catch_up(&mut store)?;
        Ok(store)
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Makes changes committed by another handle (a background ingest) visible to searches.
    pub fn refresh(&self) -> Result<(), StoreError> {
        self.index.reader.reload()?;
        Ok(())
    }

    /// The rank table of a text column, rebuilt when the database changed since it was built.
    pub(crate) fn ranks(&self, key: search::TextKey) -> Result<Arc<Vec<u32>>, StoreError> {
        let seq = index::db_seq(&self.conn)?;
        let mut cache = self.ranks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, table)) = cache.get(&key) {
            if *at == seq {
                return Ok(table.clone());
            }
        }
        let table = Arc::new(search::rank_table(&self.conn, key)?);
        cache.insert(key, (seq, table.clone()));
        Ok(table)
    }

    /// The underlying connection, for read-only use by callers in this workspace (stats).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// The index directory that belongs to a database file.
pub fn index_dir_for(db_path: &Path) -> PathBuf {
    let mut s = db_path.as_os_str().to_owned();
    s.push(".index");
    PathBuf::from(s)
}

/// Takes the next change sequence number (inside the caller's transaction).
pub(crate) fn next_seq(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER)",
        [],
        |r| r.get(0),
    )
}
