//! The SQLite database: opening it, applying the embedded migrations in order, and refusing a
//! database written by a newer trawl.
//!
//! Migrations are the files in `migrations/` at the repository root, embedded at build time and
//! applied forward-only; `PRAGMA user_version` records how many have run. This module does not
//! know about trajectories beyond running the schema.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::StoreError;

/// The embedded migrations, in order. Never edit one that has landed; append a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_init", include_str!("../../../migrations/0001_init.sql")),
    ("0002_labels", include_str!("../../../migrations/0002_labels.sql")),
    ("0003_subsets", include_str!("../../../migrations/0003_subsets.sql")),
    ("0004_lz4_records", include_str!("../../../migrations/0004_lz4_records.sql")),
    ("0005_predictions", include_str!("../../../migrations/0005_predictions.sql")),
    ("0006_calls_index", include_str!("../../../migrations/0006_calls_index.sql")),
    ("0007_zstd_records", include_str!("../../../migrations/0007_zstd_records.sql")),
    ("0008_calls_cmd_covering", include_str!("../../../migrations/0008_calls_cmd_covering.sql")),
];

/// The page size of new databases.
pub const PAGE_SIZE: i64 = 65536;

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens (creating if needed) a database file, applies pending migrations, and sets the pragmas
/// trawl relies on (WAL, foreign keys, a busy timeout).
///
/// Transactions begin `IMMEDIATE`: a write transaction takes the write lock when it begins, so it
/// waits its turn through the busy timeout; a deferred one that read first and then wrote would
/// fail at once with "database is locked" whenever another process had written in between.
///
/// A database that can only be read (a read-only file, folder or file system) opens read-only,
/// and is not changed in any way.
///
/// `after` runs inside each migration's transaction, after its SQL: the data steps that need
/// code above this floor (the store passes `predictions::after_migration`).
pub fn open(path: &Path, after: AfterMigration) -> Result<Connection, StoreError> {
    open_with(path, true, after)
}

/// A data step run inside a migration's transaction after its SQL, given the migration's name.
pub type AfterMigration = fn(&str, &Connection) -> Result<(), StoreError>;

/// [`open`], except that with `create` false a missing file is an error ([`StoreError::Missing`])
/// and nothing (no folder, no file) is created. A database newer than this binary is refused
/// before anything is written to it (not even the journal mode in its header).
pub fn open_with(path: &Path, create: bool, after: AfterMigration) -> Result<Connection, StoreError> {
    let file = fs_path(path);
    if !create && !file.is_file() {
        return Err(StoreError::Missing { path: file.display().to_string() });
    }
    if let Some(parent) = file.parent() {
        if create && !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Io { path: parent.display().to_string(), source: e })?;
        }
    }
    let flags =
        if create { OpenFlags::default() } else { OpenFlags::default().difference(OpenFlags::SQLITE_OPEN_CREATE) };
    let mut conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            return Err(not_a_database(path));
        }
        Err(e)
            if file.is_file()
                && matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
                ) =>
        {
            // A WAL database in a folder that cannot be written (its shared-memory file cannot be
            // created): read it as an immutable file.
            return open_immutable(&file);
        }
        Err(e) => return Err(e.into()),
    }
    // Before any pragma below writes to the file: a refused database is left byte-identical.
    check_version(&conn, path)?;
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        check_read_only_version(&conn, path)?;
        return Ok(conn);
    }
    // Takes effect only on a new database (before its first table): most of what trawl stores
    // are compressed records and blobs of a few KiB, which 64 KiB pages hold with fewer
    // overflow chains and far fewer page writes than 4 KiB ones (ingest about 10% faster, the
    // file about 10% smaller; queries and exports measured the same).
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -64_000)?;
    register_functions(&conn)?;
    migrate(&conn, path, after)?;
    Ok(conn)
}

/// SQL functions the schema uses: `trawl_base_instance(id)` (migration 0005 fills
/// `base_instance` with it).
fn register_functions(conn: &Connection) -> Result<(), StoreError> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        "trawl_base_instance",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let id: Option<String> = ctx.get(0)?;
            Ok(id.map(|id| trawl_core::instance::base_instance(&id).to_string()))
        },
    )?;
    Ok(())
}

/// The file of a database given as a path or as an SQLite URI (`file:PATH?mode=ro`, which SQLite
/// honours when opening): its index folder and the checks on the file use this path.
pub fn fs_path(path: &Path) -> std::path::PathBuf {
    let s = path.to_string_lossy();
    let Some(rest) = s.strip_prefix("file:") else { return path.to_path_buf() };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let rest = rest.strip_prefix("//localhost").or_else(|| rest.strip_prefix("//")).unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    std::path::PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

fn not_a_database(path: &Path) -> StoreError {
    StoreError::NotADatabase { path: path.display().to_string() }
}

/// Opens a database read-only without locking or writing anything beside it.
fn open_immutable(path: &Path) -> Result<Connection, StoreError> {
    let mut uri = String::from("file:");
    for b in path.display().to_string().bytes() {
        match b {
            b'?' | b'#' | b'%' => uri.push_str(&format!("%{b:02X}")),
            _ => uri.push(b as char),
        }
    }
    uri.push_str("?immutable=1");
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    match conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => return Err(not_a_database(path)),
        Err(e) => return Err(e.into()),
    }
    check_read_only_version(&conn, path)?;
    Ok(conn)
}

/// A read-only database must already have this binary's schema: it cannot be migrated.
fn check_read_only_version(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let current = check_version(conn, path)?;
    if current < SCHEMA_VERSION {
        return Err(StoreError::TooOldReadOnly {
            path: path.display().to_string(),
            found: current,
            needed: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// The database's identity: a random id created with it and kept in `meta` (`db_id`). The index
/// records it in every commit, so an index left beside another database is recognised. A
/// database written before identities existed gets one on its first writable open. Returns the
/// id (None for a read-only database without one) and whether it was assigned just now or is
/// missing (then an index without an identity is trusted when its counts agree).
pub fn identity(conn: &Connection, writable: bool) -> Result<(Option<String>, bool), StoreError> {
    let get = || -> Result<Option<String>, StoreError> {
        Ok(rusqlite::OptionalExtension::optional(conn.query_row(
            "SELECT value FROM meta WHERE key = 'db_id'",
            [],
            |r| r.get::<_, String>(0),
        ))?)
    };
    if let Some(id) = get()? {
        return Ok((Some(id), false));
    }
    if !writable {
        return Ok((None, true));
    }
    let id = format!("{:032x}", rand::random::<u128>());
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('db_id', ?1)", [&id])?;
    Ok((get()?, true))
}

/// Refuses a database written by a newer trawl (only reads its header); returns its version.
fn check_version(conn: &Connection, path: &Path) -> Result<i64, StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew { path: path.display().to_string(), found: current, supported: SCHEMA_VERSION });
    }
    Ok(current)
}

/// Takes the next change sequence number (inside the caller's transaction).
pub(crate) fn next_seq(conn: &Connection) -> Result<i64, rusqlite::Error> {
    conn.query_row(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING CAST(value AS INTEGER)",
        [],
        |r| r.get(0),
    )
}

/// Applies pending migrations, each in its own transaction together with the version bump.
fn migrate(conn: &Connection, path: &Path, after: AfterMigration) -> Result<(), StoreError> {
    let current = check_version(conn, path)?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = i as i64 + 1;
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql).map_err(|e| StoreError::Migration { name: (*name).to_string(), source: e })?;
        after(name, &tx)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// The current time as stored everywhere (labels, subsets, lists, manifests): RFC 3339 UTC with
/// microseconds, fixed width, so that text order is time order (`2026-03-01T09:00:00.000000Z`).
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

#[cfg(test)]
mod tests {
    /// `now()` is RFC 3339 UTC with microseconds and a fixed width, so text order is time order
    /// (it replaced subsets' seconds-only `now_rfc3339`, whose test this was).
    #[test]
    fn rfc3339_is_well_formed() {
        let t = super::now();
        assert_eq!(t.len(), 27, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T" && &t[19..20] == ".", "{t}");
    }
}
