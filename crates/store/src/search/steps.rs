//! Step conditions (`step:( … )`) answered in SQL over `calls`, from an index where one is
//! selective: the covering index on (tool, exit code, trajectory, command) (migration 0008: the
//! command regex is checked in the index, without reading the call's row), or the trigram index
//! of commands (`calls_cmd`, migration 0006) for a command regex or substring with a literal of 3
//! or more characters. `regexp()` then checks only the calls the chosen index returns.
//!
//! Which index drives is decided per query by probing with a cap ([`PROBE_CAP`] rows): an exact
//! tool (with its exit code) under the cap reads the tool index; else the trigram index when its
//! literal has fewer candidates than the cap; else the tool index if there is an exact tool, or a
//! scan, as a condition that matches that many calls is not selective anyway.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use trawl_core::query::{Expr, Pattern, StepCond};

use super::pattern::{ensure_regexp, glob_regex};
use crate::{Store, StoreError};

/// Probes read at most this many index entries; a driver with more candidates is not selective.
const PROBE_CAP: i64 = 20_000;

/// Trigrams per literal in the trigram query (a superset filter needs only some of them).
const MAX_TRIGRAMS: usize = 12;

/// Selective trigrams per literal read when a literal has any (see [`selective_query`]).
const SELECTIVE_TRIGRAMS: usize = 3;

/// Which index reads the candidate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// `calls_tool_exit_traj_cmd`: an exact tool, with the exit code when there is one.
    ToolExit,
    /// `calls_cmd`: the trigrams of a literal every matching command contains.
    Trigrams,
    /// Whatever SQLite picks (a scan when nothing is indexable).
    Any,
}

/// A step condition as SQL: its branches (an `exit:!N` is two ranges, `< N` and `> N`, each
/// answered from the index) and the trigram query of the command's literals, if any.
struct StepSql {
    /// Per branch: conditions on `c` (calls) and their arguments.
    branches: Vec<(Vec<String>, Vec<Value>)>,
    /// Per branch: the conditions the tool index answers (exact tool, exit code) and their arguments.
    indexed: Vec<(Vec<String>, Vec<Value>)>,
    /// Literals of which every matching command contains one (the trigram index's input).
    literals: Option<Vec<String>>,
    has_tool: bool,
}

fn build(conds: &[StepCond]) -> StepSql {
    let mut branches: Vec<(Vec<String>, Vec<Value>)> = vec![(Vec::new(), Vec::new())];
    let mut indexed: Vec<(Vec<String>, Vec<Value>)> = vec![(Vec::new(), Vec::new())];
    // Cheap conditions first: SQLite evaluates the terms it cannot answer from an index in order,
    // so the regex callback runs only on calls that already have the right tool and exit code.
    let mut sorted: Vec<&StepCond> = conds.iter().collect();
    sorted.sort_by_key(|c| {
        matches!(c, StepCond::CmdRegex(_) | StepCond::CmdContains(_) | StepCond::Tool(Pattern::Glob(_)))
    });
    let mut literals: Vec<Vec<String>> = Vec::new();
    let mut has_tool = false;
    let push_all = |set: &mut Vec<(Vec<String>, Vec<Value>)>, sql: &str, args: &[Value]| {
        for (w, a) in set.iter_mut() {
            w.push(sql.to_string());
            a.extend(args.iter().cloned());
        }
    };
    for c in sorted {
        match c {
            StepCond::Tool(Pattern::Exact(t)) => {
                has_tool = true;
                push_all(&mut branches, "c.tool = ?", &[t.clone().into()]);
                push_all(&mut indexed, "c.tool = ?", &[t.clone().into()]);
            }
            StepCond::Tool(Pattern::Glob(g)) => {
                push_all(&mut branches, "regexp(?, c.tool)", &[format!("^(?:{})$", glob_regex(g)).into()]);
            }
            StepCond::CmdRegex(re) => {
                push_all(&mut branches, "regexp(?, c.cmd)", &[re.clone().into()]);
                if let Some(lits) = regex_literals(re) {
                    literals.push(lits);
                }
            }
            StepCond::CmdContains(s) => {
                push_all(&mut branches, "instr(c.cmd, ?) > 0", &[s.clone().into()]);
                if s.chars().count() >= 3 {
                    literals.push(vec![s.clone()]);
                }
            }
            StepCond::ExitIs(n) => {
                push_all(&mut branches, "c.exit_code = ?", &[(*n).into()]);
                push_all(&mut indexed, "c.exit_code = ?", &[(*n).into()]);
            }
            StepCond::ExitIsNot(n) => {
                // Two ranges instead of `!=`, so each reads the index (NULL matches neither).
                for set in [&mut branches, &mut indexed] {
                    let mut split = Vec::with_capacity(set.len() * 2);
                    for (w, a) in set.drain(..) {
                        for op in ["<", ">"] {
                            let mut w2 = w.clone();
                            w2.push(format!("c.exit_code {op} ?"));
                            let mut a2 = a.clone();
                            a2.push((*n).into());
                            split.push((w2, a2));
                        }
                    }
                    *set = split;
                }
            }
        }
    }
    let literals = literals.into_iter().max_by_key(|l| l.iter().map(|s| s.chars().count()).min().unwrap_or(0));
    StepSql { branches, indexed, literals, has_tool }
}

/// Literals of which every match of `re` contains one (its prefixes or its suffixes, whichever
/// are longer), each of 3 or more characters; `None` when the regex has no such set.
fn regex_literals(re: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(re).ok()?;
    let mut best: Option<Vec<String>> = None;
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let seq = Extractor::new().kind(kind).extract(&hir);
        let Some(lits) = seq.literals() else { continue };
        if lits.is_empty() {
            continue;
        }
        let mut out: Vec<String> = Vec::with_capacity(lits.len());
        for l in lits {
            // Only whole characters: a literal cut inside a UTF-8 sequence is not usable.
            let Ok(s) = std::str::from_utf8(l.as_bytes()) else {
                out.clear();
                break;
            };
            if s.chars().count() < 3 {
                out.clear();
                break;
            }
            // The trigram index folds ASCII case, so case variants are the same trigrams.
            out.push(s.to_ascii_lowercase());
        }
        out.sort();
        out.dedup();
        let shortest = |v: &Vec<String>| v.iter().map(|s| s.chars().count()).min().unwrap_or(0);
        if !out.is_empty() && best.as_ref().is_none_or(|b| shortest(&out) > shortest(b)) {
            best = Some(out);
        }
    }
    best
}

/// The distinct trigrams of a literal, lowercased (as the index folds them), in order.
fn trigrams(lit: &str) -> Vec<String> {
    let chars: Vec<char> = lit.chars().collect();
    let mut grams: Vec<String> = chars.windows(3).map(|w| w.iter().collect::<String>().to_lowercase()).collect();
    grams.sort();
    grams.dedup();
    grams
}

/// An FTS5 query: any of the groups, each as all of its trigrams.
fn grams_query(groups: &[Vec<String>]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let groups: Vec<String> =
        groups.iter().map(|g| format!("({})", g.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" AND "))).collect();
    groups.join(" OR ")
}

/// An FTS5 query: any of the literals, each as all of (up to [`MAX_TRIGRAMS`] of) its trigrams.
fn trigram_query(literals: &[String]) -> String {
    let groups: Vec<Vec<String>> = literals
        .iter()
        .map(|lit| {
            let grams = trigrams(lit);
            let step = grams.len().div_ceil(MAX_TRIGRAMS).max(1);
            grams.into_iter().step_by(step).collect()
        })
        .collect();
    grams_query(&groups)
}

/// The trigram query to read: for each literal, only its selective trigrams (fewer than
/// [`PROBE_CAP`] calls each, at most [`SELECTIVE_TRIGRAMS`], rarest first), since FTS5 reads every
/// trigram's whole list and a common one (`est`, `tes`: a million calls each at 300,000
/// trajectories) costs more than all the rest; a literal without one keeps all its trigrams.
fn selective_query(store: &Store, literals: &[String]) -> Result<String, StoreError> {
    let mut groups = Vec::with_capacity(literals.len());
    for lit in literals {
        let mut counted = Vec::new();
        for g in trigrams(lit) {
            let n = probe(
                store,
                "SELECT 1 FROM calls_cmd WHERE calls_cmd MATCH ?",
                vec![grams_query(&[vec![g.clone()]]).into()],
            )?;
            counted.push((n, g));
        }
        counted.sort();
        let rare: Vec<String> =
            counted.iter().filter(|(n, _)| *n < PROBE_CAP).take(SELECTIVE_TRIGRAMS).map(|(_, g)| g.clone()).collect();
        if rare.is_empty() {
            return Ok(trigram_query(literals));
        }
        groups.push(rare);
    }
    Ok(grams_query(&groups))
}

/// How many rows a query returns, reading at most [`PROBE_CAP`] of them.
fn probe(store: &Store, sql: &str, args: Vec<Value>) -> Result<i64, StoreError> {
    let sql = format!("SELECT count(*) FROM ({sql} LIMIT {PROBE_CAP})");
    Ok(store.conn.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| r.get(0))?)
}

fn choose(store: &Store, s: &StepSql) -> Result<(Driver, Option<String>), StoreError> {
    let tool_rows = if s.has_tool {
        let mut n = 0;
        for (w, a) in &s.indexed {
            let sql = format!("SELECT 1 FROM calls c INDEXED BY calls_tool_exit_traj_cmd WHERE {}", w.join(" AND "));
            n += probe(store, &sql, a.clone())?;
        }
        Some(n)
    } else {
        None
    };
    // A tool side under the cap is cheap to read whole: the trigram probe (which reads the
    // literal's posting lists in full) would cost more than it could save.
    if tool_rows.is_some_and(|t| t < PROBE_CAP) {
        return Ok((Driver::ToolExit, None));
    }
    let query = match &s.literals {
        Some(l) => Some(selective_query(store, l)?),
        None => None,
    };
    let gram_rows = match &query {
        Some(q) => Some(probe(store, "SELECT 1 FROM calls_cmd WHERE calls_cmd MATCH ?", vec![q.clone().into()])?),
        None => None,
    };
    let driver = match (tool_rows, gram_rows) {
        (Some(t), Some(g)) if g < PROBE_CAP && g < t => Driver::Trigrams,
        (None, Some(g)) if g < PROBE_CAP => Driver::Trigrams,
        (Some(_), _) => Driver::ToolExit,
        _ => Driver::Any,
    };
    Ok((driver, query))
}

/// The SQL (and its arguments) that lists the trajectories with a call satisfying every condition.
fn step_sql(store: &Store, conds: &[StepCond]) -> Result<(String, Vec<Value>), StoreError> {
    let s = build(conds);
    let (driver, query) = choose(store, &s)?;
    let mut args = Vec::new();
    let cond = |w: &[String]| if w.is_empty() { "1".to_string() } else { w.join(" AND ") };
    if let (Driver::Trigrams, Some(q)) = (driver, query) {
        // One read of the trigram index, its calls tested against every branch.
        args.push(Value::from(q));
        let mut ors = Vec::with_capacity(s.branches.len());
        for (w, a) in &s.branches {
            args.extend(a.iter().cloned());
            ors.push(format!("({})", cond(w)));
        }
        let sql = format!(
            "SELECT DISTINCT c.traj FROM calls_cmd f CROSS JOIN calls c ON c.rowid = f.rowid \
             WHERE calls_cmd MATCH ? AND ({})",
            ors.join(" OR ")
        );
        return Ok((sql, args));
    }
    let from = if driver == Driver::ToolExit { "calls c INDEXED BY calls_tool_exit_traj_cmd" } else { "calls c" };
    let mut selects = Vec::new();
    for (w, a) in &s.branches {
        args.extend(a.iter().cloned());
        selects.push(format!("SELECT c.traj FROM {from} WHERE {}", cond(w)));
    }
    let sql = match selects.len() {
        1 => selects[0].replacen("SELECT", "SELECT DISTINCT", 1),
        _ => selects.join(" UNION "),
    };
    Ok((sql, args))
}

/// Row ids of trajectories with at least one call satisfying all conditions.
pub(super) fn step_matches(store: &Store, conds: &[StepCond]) -> Result<Vec<i64>, StoreError> {
    ensure_regexp(&store.conn)?;
    let (sql, args) = step_sql(store, conds)?;
    let mut st = store.conn.prepare_cached(&sql)?;
    let ids = st.query_map(params_from_iter(args), |r| r.get::<_, i64>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// The plan SQLite follows for each `step:( … )` of a query: the `detail` lines of `EXPLAIN QUERY
/// PLAN`, one list per step condition (for tests and for looking into a slow query).
pub fn explain_steps(store: &Store, query_text: &str) -> Result<Vec<Vec<String>>, StoreError> {
    fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e [StepCond]>) {
        match e {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| walk(x, out)),
            Expr::Not(x) => walk(x, out),
            Expr::Step(c) => out.push(c),
            Expr::Word(_) | Expr::Phrase(_) | Expr::Field(_) => {}
        }
    }
    ensure_regexp(&store.conn)?;
    let expr = trawl_core::query::parse(query_text).map_err(StoreError::Query)?;
    let mut steps = Vec::new();
    walk(&expr, &mut steps);
    let mut plans = Vec::new();
    for conds in steps {
        let (sql, args) = step_sql(store, conds)?;
        let mut st = store.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let lines = st.query_map(params_from_iter(args), |r| r.get::<_, String>(3))?.collect::<Result<_, _>>()?;
        plans.push(lines);
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::{regex_literals, trigram_query};

    #[test]
    fn literals_every_match_contains() {
        assert_eq!(regex_literals("pytest"), Some(vec!["pytest".to_string()]));
        assert_eq!(regex_literals("^grep -rn"), Some(vec!["grep -rn".to_string()]));
        assert_eq!(regex_literals("(pytest|tox) -x"), Some(vec!["pytest -x".to_string(), "tox -x".to_string()]));
        // a prefix too short, a suffix long enough
        assert_eq!(regex_literals("a.*_test\\.py$"), Some(vec!["_test.py".to_string()]));
        // nothing usable: too short, or no literal at all
        assert_eq!(regex_literals("ab"), None);
        assert_eq!(regex_literals(".*"), None);
        assert_eq!(regex_literals("[a-z]+"), None);
        // case-insensitive: ASCII case variants are one literal (the index folds ASCII case)
        let folded = regex_literals("(?i)PyTest").unwrap();
        assert!(folded.contains(&"pytest".to_string()) && !folded.contains(&"PyTest".to_string()), "{folded:?}");
    }

    #[test]
    fn trigram_queries_quote_every_trigram() {
        assert_eq!(trigram_query(&["pytest".into()]), r#"("est" AND "pyt" AND "tes" AND "yte")"#);
        assert_eq!(trigram_query(&["a\"bc".into(), "xyz".into()]), r#"("""bc" AND "a""b") OR ("xyz")"#);
    }
}
