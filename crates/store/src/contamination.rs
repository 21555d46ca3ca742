//! Contamination lists: benchmark instance ids and repositories whose trajectories must not be
//! trained on. Four lists are built in (embedded from `data/contamination/`, with their
//! provenance in `SOURCES.md`): SWE-bench Verified and SWE-bench Multilingual, each as instances
//! and as repositories. Users add lists of their own; those live in SQLite.
//!
//! Matching is case-insensitive (the Multilingual `repo` column is lower case while GitHub
//! spells some owners in mixed case).

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

/// What a list's entries are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Instance ids (`owner__name-NUMBER`).
    Instances,
    /// Repositories (`owner/name`).
    Repos,
}

impl ListKind {
    /// `instances` or `repos`.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Instances => "instances",
            ListKind::Repos => "repos",
        }
    }

    /// Parses `instances` / `repos`.
    pub fn from_name(s: &str) -> Option<ListKind> {
        match s {
            "instances" | "instance" => Some(ListKind::Instances),
            "repos" | "repo" => Some(ListKind::Repos),
            _ => None,
        }
    }
}

/// A contamination list.
#[derive(Debug, Clone)]
pub struct List {
    /// Its name (`swe-bench-verified.instances`, or a user's).
    pub name: String,
    /// What the entries are.
    pub kind: ListKind,
    /// The entries, as given (sorted, distinct).
    pub entries: Vec<String>,
    /// Shipped with trawl.
    pub builtin: bool,
    /// Where it came from: the provenance file for built-in lists, the file a user added.
    pub source: String,
}

impl List {
    /// A matcher over the lower-cased entries.
    pub fn matcher(&self) -> Matcher {
        Matcher { kind: self.kind, set: self.entries.iter().map(|e| e.to_lowercase()).collect() }
    }
}

/// Tests trajectories against one list.
pub struct Matcher {
    kind: ListKind,
    set: HashSet<String>,
}

impl Matcher {
    /// Whether a trajectory with this instance id and repository is on the list. Callers pass
    /// the base instance (`django__django-11099` for `django__django-11099_2`), see
    /// `trawl_core::instance`; the id is also tried with its sample suffix removed here.
    pub fn matches(&self, instance: Option<&str>, repo: Option<&str>) -> bool {
        let v = match self.kind {
            ListKind::Instances => instance,
            ListKind::Repos => repo,
        };
        v.is_some_and(|v| {
            let v = v.to_lowercase();
            self.set.contains(&v)
                || (self.kind == ListKind::Instances && self.set.contains(trawl_core::instance::base_instance(&v)))
        })
    }
}

/// The provenance of the built-in lists (`data/contamination/SOURCES.md`).
pub const PROVENANCE: &str = include_str!("../../../data/contamination/SOURCES.md");

/// The built-in lists: name, kind, embedded text.
const BUILTIN: [(&str, ListKind, &str); 4] = [
    (
        "swe-bench-verified.instances",
        ListKind::Instances,
        include_str!("../../../data/contamination/swe-bench-verified.instances.txt"),
    ),
    (
        "swe-bench-verified.repos",
        ListKind::Repos,
        include_str!("../../../data/contamination/swe-bench-verified.repos.txt"),
    ),
    (
        "swe-bench-multilingual.instances",
        ListKind::Instances,
        include_str!("../../../data/contamination/swe-bench-multilingual.instances.txt"),
    ),
    (
        "swe-bench-multilingual.repos",
        ListKind::Repos,
        include_str!("../../../data/contamination/swe-bench-multilingual.repos.txt"),
    ),
];

/// The entries of a list file: one per line, trimmed; blank lines and `#` comments skipped;
/// sorted and distinct.
pub fn parse_entries(text: &str) -> Vec<String> {
    let mut v: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect();
    v.sort();
    v.dedup();
    v
}

fn builtin(name: &str) -> Option<List> {
    BUILTIN.iter().find(|(n, _, _)| *n == name).map(|(n, kind, text)| List {
        name: n.to_string(),
        kind: *kind,
        entries: parse_entries(text),
        builtin: true,
        source: "data/contamination/SOURCES.md (built in)".to_string(),
    })
}

/// Every list: the built-in ones, then the user's by name.
pub fn lists(store: &Store) -> Result<Vec<List>, StoreError> {
    let mut out: Vec<List> = BUILTIN.iter().filter_map(|(n, _, _)| builtin(n)).collect();
    let names: Vec<String> = {
        let mut st = store.conn.prepare("SELECT name FROM contamination_lists ORDER BY name")?;
        let rows = st.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for n in names {
        out.push(get(store, &n)?);
    }
    Ok(out)
}

/// One list by name.
pub fn get(store: &Store, name: &str) -> Result<List, StoreError> {
    if let Some(l) = builtin(name) {
        return Ok(l);
    }
    let row: Option<(String, String)> = store
        .conn
        .query_row("SELECT kind, source FROM contamination_lists WHERE name = ?1", [name], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((kind, source)) = row else {
        let known: Vec<String> = lists_names(store)?;
        return Err(StoreError::UnknownList { name: name.to_string(), known: known.join(", ") });
    };
    let mut st = store.conn.prepare_cached("SELECT value FROM contamination_entries WHERE list = ?1 ORDER BY value")?;
    let entries = st.query_map([name], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
    Ok(List {
        name: name.to_string(),
        kind: ListKind::from_name(&kind).unwrap_or(ListKind::Instances),
        entries,
        builtin: false,
        source,
    })
}

fn lists_names(store: &Store) -> Result<Vec<String>, StoreError> {
    let mut names: Vec<String> = BUILTIN.iter().map(|(n, _, _)| n.to_string()).collect();
    let mut st = store.conn.prepare("SELECT name FROM contamination_lists ORDER BY name")?;
    for n in st.query_map([], |r| r.get::<_, String>(0))? {
        names.push(n?);
    }
    Ok(names)
}

/// Adds (or replaces) a user list from the text of a file (one entry per line). `kind` is
/// detected when not given: entries with a `/` are repositories, entries without are instance
/// ids; a file that mixes both is refused.
pub fn add(
    store: &mut Store,
    name: &str,
    kind: Option<ListKind>,
    text: &str,
    source: &str,
) -> Result<List, StoreError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(StoreError::BadName {
            what: "list",
            name: name.to_string(),
            rule: "use letters, digits, '.', '_' and '-'",
        });
    }
    if builtin(name).is_some() {
        return Err(StoreError::BuiltinList { name: name.to_string() });
    }
    let entries = parse_entries(text);
    if entries.is_empty() {
        return Err(StoreError::BadListFile {
            file: source.to_string(),
            reason: "no entries (one instance id or owner/name per line)".to_string(),
        });
    }
    let with_slash = entries.iter().filter(|e| e.contains('/')).count();
    let kind = match kind {
        Some(k) => k,
        None if with_slash == entries.len() => ListKind::Repos,
        None if with_slash == 0 => ListKind::Instances,
        None => {
            let first = entries.iter().find(|e| e.contains('/')).cloned().unwrap_or_default();
            return Err(StoreError::BadListFile {
                file: source.to_string(),
                reason: format!("mixes repositories ('{first}') and instance ids; give the kind or split the file"),
            });
        }
    };
    let tx = store.conn.transaction()?;
    tx.execute("DELETE FROM contamination_entries WHERE list = ?1", [name])?;
    tx.execute("DELETE FROM contamination_lists WHERE name = ?1", [name])?;
    tx.execute(
        "INSERT INTO contamination_lists (name, kind, source, created) VALUES (?1, ?2, ?3, ?4)",
        params![name, kind.as_str(), source, crate::db::now()],
    )?;
    {
        let mut ins = tx.prepare("INSERT INTO contamination_entries (list, value) VALUES (?1, ?2)")?;
        for e in &entries {
            ins.execute(params![name, e])?;
        }
    }
    tx.commit()?;
    get(store, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_have_the_documented_sizes() {
        let sizes: Vec<(String, usize)> = BUILTIN
            .iter()
            .map(|(n, _, _)| {
                let l = builtin(n).unwrap();
                (l.name, l.entries.len())
            })
            .collect();
        assert_eq!(
            sizes,
            vec![
                ("swe-bench-verified.instances".to_string(), 500),
                ("swe-bench-verified.repos".to_string(), 12),
                ("swe-bench-multilingual.instances".to_string(), 300),
                ("swe-bench-multilingual.repos".to_string(), 41),
            ]
        );
        assert!(PROVENANCE.contains("9fa561428aeef6406f534c8370c670f9ce51c630"));
    }

    #[test]
    fn shipped_instance_ids_are_their_own_base_instance_and_match_their_samples() {
        for name in ["swe-bench-verified.instances", "swe-bench-multilingual.instances"] {
            let l = builtin(name).unwrap();
            for e in &l.entries {
                assert_eq!(trawl_core::instance::base_instance(e), e, "{name}: {e}");
            }
        }
        let m = builtin("swe-bench-verified.instances").unwrap().matcher();
        assert!(m.matches(Some("django__django-11099_2"), None));
        assert!(m.matches(Some("django__django-11099"), None));
        assert!(!m.matches(Some("django__django-110992"), None));
    }

    #[test]
    fn matching_ignores_case() {
        let m = builtin("swe-bench-multilingual.repos").unwrap().matcher();
        assert!(m.matches(None, Some("BurntSushi/ripgrep")));
        assert!(!m.matches(Some("burntsushi__ripgrep-1"), None));
        let i = builtin("swe-bench-verified.instances").unwrap().matcher();
        assert!(i.matches(Some("astropy__astropy-12907"), Some("x/y")));
        assert!(!i.matches(Some("astropy__astropy-1"), Some("astropy/astropy")));
    }
}
