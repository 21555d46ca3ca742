//! Patterns (`*` globs) on fields: as tantivy regex or dictionary-id queries, and `regexp()` for
//! SQLite.

use rusqlite::functions::FunctionFlags;
use tantivy::query::{EmptyQuery, Query, RegexQuery, TermQuery, TermSetQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;
use trawl_core::query::Pattern;

use crate::{Store, StoreError};

/// A pattern for an error message: its first 40 characters, then `…`.
pub(super) fn short(pattern: &str) -> String {
    let mut out: String = pattern.chars().take(40).collect();
    if pattern.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A glob with `*` as a regex matching the whole value.
pub fn glob_regex(glob: &str) -> String {
    let parts: Vec<String> = glob.split('*').map(regex::escape).collect();
    parts.join(".*")
}

pub(super) fn string_query(field: Field, p: &Pattern) -> Result<Box<dyn Query>, StoreError> {
    Ok(match p {
        Pattern::Exact(v) => Box::new(TermQuery::new(Term::from_field_text(field, v), IndexRecordOption::Basic)),
        // tantivy's automaton has a state limit: a glob past it is refused in a sentence
        Pattern::Glob(g) => Box::new(RegexQuery::from_pattern(&glob_regex(g), field).map_err(|_| {
            StoreError::Invalid(format!(
                "the pattern '{}' is too complex for the index: use fewer '*' or a shorter pattern",
                short(g)
            ))
        })?),
    })
}

pub(super) fn dict_query(store: &Store, field: Field, kind: i64, p: &Pattern) -> Result<Box<dyn Query>, StoreError> {
    let ids: Vec<u64> = match p {
        Pattern::Exact(v) => store
            .conn
            .prepare_cached("SELECT id FROM dict WHERE kind = ?1 AND value = ?2")?
            .query_map(rusqlite::params![kind, v], |r| r.get::<_, i64>(0))?
            .map(|r| r.map(|v| v as u64))
            .collect::<Result<_, _>>()?,
        Pattern::Glob(g) => {
            // An escaped glob is a valid regex; a very long one can still exceed the size limit.
            let re = regex::Regex::new(&format!("^(?:{})$", glob_regex(g))).map_err(|_| {
                StoreError::Invalid(format!("the pattern '{}' is too large to match: use a shorter pattern", short(g)))
            })?;
            let mut st = store.conn.prepare_cached("SELECT id, value FROM dict WHERE kind = ?1")?;
            let rows = st.query_map([kind], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut ids = Vec::new();
            for row in rows {
                let (id, value) = row?;
                if re.is_match(&value) {
                    ids.push(id as u64);
                }
            }
            ids
        }
    };
    Ok(match ids.len() {
        0 => Box::new(EmptyQuery),
        _ => Box::new(TermSetQuery::new(ids.into_iter().map(|id| Term::from_field_u64(field, id)))),
    })
}

/// Registers `regexp(pattern, text)` on a connection (compiled patterns are cached per statement).
/// The text is matched as bytes: a command of many kilobytes (a heredoc) is not first checked
/// for valid UTF-8, which costs more than an anchored regex that fails at its first byte.
pub fn ensure_regexp(conn: &rusqlite::Connection) -> Result<(), StoreError> {
    conn.create_scalar_function(
        "regexp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let re = ctx.get_or_create_aux(
                0,
                |vr| -> Result<regex::bytes::Regex, Box<dyn std::error::Error + Send + Sync>> {
                    Ok(regex::bytes::Regex::new(vr.as_str()?)?)
                },
            )?;
            let text = match ctx.get_raw(1) {
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => t,
                _ => b"",
            };
            Ok(re.is_match(text))
        },
    )?;
    Ok(())
}
