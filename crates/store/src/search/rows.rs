//! Row-id sets answered in SQL: base instances and the label terms
//! (`label:`, `annotator:`, `noted:`) read from `label_current`.

use trawl_core::query::{Pattern, Range};

use super::pattern::{ensure_regexp, glob_regex};
use crate::label_sets::{label_set, unknown_set_message};
use crate::{Store, StoreError};
use trawl_core::labels::{LabelKind, NOTE_SET};
use trawl_core::query::{LabelCond, LabelFilter, QueryError};

/// Row ids of the records whose base instance matches (`base_instance` is stored only where it
/// differs from `instance_id`).
pub(super) fn base_instance_rows(store: &Store, p: &Pattern) -> Result<Vec<i64>, StoreError> {
    let ids = match p {
        Pattern::Exact(v) => {
            let mut st = store.conn.prepare_cached(
                "SELECT id FROM trajectories WHERE base_instance = ?1
                 UNION SELECT id FROM trajectories WHERE instance_id = ?1 AND base_instance IS NULL",
            )?;
            let rows = st.query_map([v], |r| r.get(0))?;
            rows.collect::<Result<Vec<i64>, _>>()?
        }
        Pattern::Glob(g) => {
            ensure_regexp(&store.conn)?;
            let mut st = store
                .conn
                .prepare_cached("SELECT id FROM trajectories WHERE regexp(?1, coalesce(base_instance, instance_id))")?;
            let rows = st.query_map([format!("^(?:{})$", glob_regex(g))], |r| r.get(0))?;
            rows.collect::<Result<Vec<i64>, _>>()?
        }
    };
    Ok(ids)
}

/// The SQL condition that keeps, of the rows `c` of label_current, those queries see: an
/// adjudication, or any annotator's value when the key has no adjudication.
pub(super) const EFFECTIVE: &str = "(substr(c.annotator, 1, 12) = 'adjudicator:' OR NOT EXISTS (
    SELECT 1 FROM label_current a WHERE a.target = c.target AND a.label_set = c.label_set
      AND a.step_key = c.step_key AND substr(a.annotator, 1, 12) = 'adjudicator:'))";

/// Row ids of the trajectories a `label:` term matches (for `:none`, those that have a value,
/// which the caller negates). A label on a step counts for its trajectory.
pub fn label_term_rows(store: &Store, f: &LabelFilter) -> Result<Vec<i64>, StoreError> {
    let Some(set) = label_set(&store.conn, &f.set)? else {
        return Err(StoreError::Query(QueryError {
            column: f.set_column,
            message: unknown_set_message(&store.conn, &f.set)?,
        }));
    };
    let bad = |message: String| StoreError::Query(QueryError { column: f.value_column, message });
    let mut args: Vec<rusqlite::types::Value> = vec![f.set.clone().into()];
    let cond = match &f.cond {
        LabelCond::Any | LabelCond::None => "1".to_string(),
        LabelCond::Is(v) if set.kind == LabelKind::Rating => {
            let r = trawl_core::query::parse_range(v)
                .ok()
                .filter(|r| matches!(r, Range::Eq(_) | Range::Between(..)))
                .ok_or_else(|| bad(format!("bad rating '{v}' for label set '{}': expected N or A..B", set.name)))?;
            range_sql(r, &mut args)
        }
        LabelCond::Is(v) if set.kind == LabelKind::Text => {
            args.push(v.to_lowercase().into());
            "instr(lower(json_extract(c.value, '$')), ?2) > 0".to_string()
        }
        LabelCond::Is(v) => {
            if !set.values.contains(v) {
                return Err(bad(format!("value '{v}' is not in label set '{}' ({})", set.name, set.values.join(", "))));
            }
            args.push(v.clone().into());
            "EXISTS (SELECT 1 FROM json_each(c.value) j WHERE j.value = ?2)".to_string()
        }
        LabelCond::Range(r) if set.kind == LabelKind::Rating => range_sql(*r, &mut args),
        LabelCond::Range(_) => {
            return Err(bad(format!(
                "'>' and '<' need a rating set; '{}' is {}: use label:{}=VALUE",
                set.name,
                set.kind.as_str(),
                set.name
            )))
        }
    };
    let sql = format!(
        "SELECT DISTINCT t.id FROM label_current c JOIN trajectories t ON t.uid = c.target
         WHERE c.label_set = ?1 AND {cond} AND {EFFECTIVE}"
    );
    let mut st = store.conn.prepare_cached(&sql)?;
    let ids = st.query_map(rusqlite::params_from_iter(args), |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

pub(super) fn range_sql(r: Range, args: &mut Vec<rusqlite::types::Value>) -> String {
    let v = "CAST(c.value AS INTEGER)";
    let mut push = |n: u64| {
        args.push((n as i64).into());
        format!("?{}", args.len())
    };
    match r {
        Range::Eq(n) => format!("{v} = {}", push(n)),
        Range::Gt(n) => format!("{v} > {}", push(n)),
        Range::Ge(n) => format!("{v} >= {}", push(n)),
        Range::Lt(n) => format!("{v} < {}", push(n)),
        Range::Le(n) => format!("{v} <= {}", push(n)),
        Range::Between(a, b) => {
            let a = push(a);
            format!("{v} BETWEEN {a} AND {}", push(b))
        }
    }
}

/// Row ids of trajectories with a current label by an annotator matching the pattern.
pub fn annotator_rows(store: &Store, p: &Pattern) -> Result<Vec<i64>, StoreError> {
    let (cond, arg) = match p {
        Pattern::Exact(a) => ("c.annotator = ?1", a.clone()),
        Pattern::Glob(g) => {
            ensure_regexp(&store.conn)?;
            ("regexp(?1, c.annotator)", format!("^(?:{})$", glob_regex(g)))
        }
    };
    let sql = format!("SELECT DISTINCT t.id FROM label_current c JOIN trajectories t ON t.uid = c.target WHERE {cond}");
    let mut st = store.conn.prepare_cached(&sql)?;
    let ids = st.query_map([arg], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Row ids of trajectories with a note (on the trajectory or a step).
pub fn noted_rows(store: &Store) -> Result<Vec<i64>, StoreError> {
    let mut st = store.conn.prepare_cached(
        "SELECT DISTINCT t.id FROM label_current c JOIN trajectories t ON t.uid = c.target WHERE c.label_set = ?1",
    )?;
    let ids = st.query_map([NOTE_SET], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}
