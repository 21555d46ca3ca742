//! The import graph of every crate of the workspace and of ui/src: no loops between sibling
//! modules (nor between top-level ones), read from the source text with std only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::tidy_lex::{code_only, is_ident, line_of, parse_tree, skip_ws, Rust};

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

pub(crate) fn rel(path: &Path) -> String {
    path.strip_prefix(workspace()).unwrap_or(path).display().to_string()
}

pub(crate) fn files_under(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "node_modules" && name != "target" && !name.starts_with('.') {
                files_under(&p, exts, out);
            }
        } else if exts.iter().any(|e| name.ends_with(&format!(".{e}"))) {
            out.push(p);
        }
    }
}

/// One reference from a file to another module of the same crate (or package).
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub file: String,
    pub line: usize,
    pub text: String,
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "(root)".into()
    } else {
        m.join("::")
    }
}

/// Lifts each edge to the children of the two ends' common parent (a parent and its own descendants
/// are not an edge: the parent assembles its children) and returns every loop among siblings, as lines.
pub(crate) fn cycles(unit: &str, edges: &[Edge]) -> Vec<String> {
    // parent -> (child a -> child b -> first witness)
    let mut groups: BTreeMap<Vec<String>, BTreeMap<String, BTreeMap<String, &Edge>>> = BTreeMap::new();
    for e in edges {
        let common = e.from.iter().zip(&e.to).take_while(|(a, b)| a == b).count();
        if common == e.from.len() || common == e.to.len() {
            continue;
        }
        groups
            .entry(e.from[..common].to_vec())
            .or_default()
            .entry(e.from[common].clone())
            .or_default()
            .entry(e.to[common].clone())
            .or_insert(e);
    }
    let mut found = Vec::new();
    for (parent, graph) in &groups {
        let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
        for (a, outs) in graph {
            for b in outs.keys() {
                // The shortest path b -> ... -> a closes a loop through the edge a -> b.
                let Some(path) = shortest_path(graph, b, a) else { continue };
                let mut cycle: Vec<String> = std::iter::once(a.clone()).chain(path).collect();
                cycle.pop();
                let min = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap();
                cycle.rotate_left(min);
                if !seen.insert(cycle.clone()) {
                    continue;
                }
                let mut text = format!("{unit}: loop under {}: {} -> {}", show(parent), cycle.join(" -> "), cycle[0]);
                for i in 0..cycle.len() {
                    let (x, y) = (&cycle[i], &cycle[(i + 1) % cycle.len()]);
                    let e = graph[x][y];
                    text.push_str(&format!(
                        "\n    {x} -> {y}: {}:{} `{}` ({} -> {})",
                        e.file,
                        e.line,
                        e.text,
                        show(&e.from),
                        show(&e.to)
                    ));
                }
                found.push(text);
            }
        }
    }
    found
}

fn shortest_path(graph: &BTreeMap<String, BTreeMap<String, &Edge>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut prev: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([from.to_string()]);
    let mut visited = BTreeSet::from([from.to_string()]);
    while let Some(n) = queue.pop_front() {
        if n == to {
            let mut path = vec![n.clone()];
            let mut cur = n;
            while let Some(p) = prev.get(&cur) {
                path.push(p.clone());
                cur = p.clone();
            }
            path.reverse();
            return Some(path);
        }
        for next in graph.get(&n).map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
            if visited.insert(next.clone()) {
                prev.insert(next.clone(), n.clone());
                queue.push_back(next);
            }
        }
    }
    None
}

/// The Rust crates of the workspace: (name, src dir).
pub(crate) fn rust_crates() -> Vec<(String, PathBuf)> {
    let ws = workspace();
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(ws.join("crates")).unwrap().map(|e| e.unwrap().path().join("src")).collect();
    dirs.push(ws.join("src-tauri/src"));
    dirs.sort();
    for d in dirs {
        if d.is_dir() {
            out.push((rel(d.parent().unwrap()), d));
        }
    }
    out
}

/// A crate's module tree: file modules, their `pub use` re-exports and the items they define.
struct Krate {
    modules: BTreeMap<Vec<String>, (PathBuf, Rust)>,
    reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
    globs: BTreeMap<Vec<String>, Vec<Vec<String>>>,
}

fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut segs: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    let last = segs.pop().unwrap();
    let stem = last.trim_end_matches(".rs").to_string();
    if !(stem == "mod" || (segs.is_empty() && (stem == "lib" || stem == "main"))) {
        segs.push(stem);
    }
    segs
}

impl Krate {
    fn load(src: &Path) -> Krate {
        let mut files = Vec::new();
        files_under(src, &["rs"], &mut files);
        let mut modules = BTreeMap::new();
        for f in files {
            let m = module_path(src, &f);
            let text = std::fs::read_to_string(&f).unwrap();
            let prev = modules.insert(m.clone(), (f.clone(), Rust::new(&text)));
            assert!(prev.is_none(), "two files for module {}: {}", show(&m), f.display());
        }
        let mut k = Krate { modules, reexports: BTreeMap::new(), globs: BTreeMap::new() };
        let keys: Vec<_> = k.modules.keys().cloned().collect();
        for m in keys {
            let rust = &k.modules[&m].1;
            let mut names = BTreeMap::new();
            let mut globs = Vec::new();
            for (_, tree) in rust.uses(true) {
                for (path, alias) in tree {
                    let Some(abs) = k.absolute(&m, &path, true) else { continue };
                    if alias == "*" {
                        globs.push(abs);
                    } else {
                        names.insert(alias, abs);
                    }
                }
            }
            k.reexports.insert(m.clone(), names);
            k.globs.insert(m, globs);
        }
        k
    }

    /// The absolute path (from the crate root) of a path written in module `base`, or None for
    /// another crate. `relative`: a first segment naming a child module counts (2018 `use` paths).
    fn absolute(&self, base: &[String], path: &[String], relative: bool) -> Option<Vec<String>> {
        let mut out = base.to_vec();
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") | Some("$crate") => {
                out.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().map(String::as_str) == Some("super") {
                    out.pop();
                    rest = &rest[1..];
                }
            }
            Some(first) if relative => {
                let mut child = base.to_vec();
                child.push(first.to_string());
                if !self.modules.contains_key(&child) {
                    return None;
                }
            }
            _ => return None,
        }
        out.extend(rest.iter().cloned());
        Some(out)
    }

    /// The file module an absolute path lands in, following `pub use` re-exports.
    fn target(&self, abs: &[String], depth: usize) -> Vec<String> {
        let mut m: Vec<String> = Vec::new();
        for (i, s) in abs.iter().enumerate() {
            let mut next = m.clone();
            next.push(s.clone());
            if self.modules.contains_key(&next) {
                m = next;
                continue;
            }
            if depth < 8 {
                if let Some(t) = self.reexports.get(&m).and_then(|r| r.get(s)) {
                    let mut t = t.clone();
                    t.extend(abs[i + 1..].iter().cloned());
                    return self.target(&t, depth + 1);
                }
                for g in self.globs.get(&m).into_iter().flatten() {
                    let gm = self.target(g, depth + 1);
                    if self.modules.get(&gm).is_some_and(|(_, r)| r.defines(s)) {
                        return gm;
                    }
                }
            }
            break;
        }
        m
    }

    fn edges(&self) -> Vec<Edge> {
        let mut out = Vec::new();
        for (m, (file, rust)) in &self.modules {
            for r in rust.references() {
                let base: Vec<String> = m.iter().cloned().chain(r.inline.iter().cloned()).collect();
                let Some(abs) = self.absolute(&base, &r.path, false) else { continue };
                let to = self.target(&abs, 0);
                if &to == m {
                    continue;
                }
                out.push(Edge { from: m.clone(), to, file: rel(file), line: r.line, text: r.path.join("::") });
            }
        }
        out
    }
}

pub(crate) fn rust_edges(src: &Path) -> Vec<Edge> {
    Krate::load(src).edges()
}

/// ui/src: nodes are folders and files (without extension; `index.ts` is its folder), edges the
/// relative `import … from './x'`, `export … from`, `import './x'` and `import('./x')`.
pub(crate) fn ts_edges(src: &Path) -> Vec<Edge> {
    let mut files = Vec::new();
    files_under(src, &["ts", "tsx", "mjs", "js"], &mut files);
    let node = |f: &Path| -> Vec<String> {
        let rel = f.strip_prefix(src).unwrap();
        let mut segs: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        let last = segs.pop().unwrap();
        let stem = last.split('.').next().unwrap().to_string();
        if stem != "index" {
            segs.push(stem);
        }
        segs
    };
    let mut out = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let code = code_only(&text, true);
        for (at, spec) in ts_specifiers(&code, &text) {
            if !spec.starts_with('.') {
                continue;
            }
            let base = f.parent().unwrap().join(&spec);
            let stripped = base.to_string_lossy().trim_end_matches(".js").to_string();
            let candidates = [
                base.clone(),
                PathBuf::from(format!("{stripped}.ts")),
                PathBuf::from(format!("{stripped}.tsx")),
                base.join("index.ts"),
                base.join("index.tsx"),
            ];
            let Some(target) = candidates.iter().find(|c| c.is_file()) else {
                panic!("{}:{}: import '{spec}' resolves to no file", rel(f), line_of(&text, at));
            };
            let target = target.canonicalize().unwrap();
            if !target.starts_with(src) {
                continue;
            }
            let (from, to) = (node(f), node(&target));
            if from != to {
                out.push(Edge { from, to, file: rel(f), line: line_of(&text, at), text: spec });
            }
        }
    }
    out
}

/// (byte offset, specifier) of each module specifier in TypeScript source; `code` has comments
/// blanked but strings kept.
fn ts_specifiers(code: &str, text: &str) -> Vec<(usize, String)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    for kw in ["from", "import"] {
        let mut start = 0;
        while let Some(i) = code[start..].find(kw).map(|i| i + start) {
            start = i + kw.len();
            if (i > 0 && is_ident(b[i - 1])) || b.get(start).is_some_and(|&c| is_ident(c)) {
                continue;
            }
            let mut j = skip_ws(b, start);
            if kw == "import" && b.get(j) == Some(&b'(') {
                j = skip_ws(b, j + 1);
            }
            let Some(&q) = b.get(j) else { continue };
            if q != b'\'' && q != b'"' {
                continue;
            }
            let Some(end) = text[j + 1..].find(q as char) else { continue };
            out.push((i, text[j + 1..j + 1 + end].to_string()));
        }
    }
    out
}

pub(crate) fn parse_use_tree_for_tests(s: &str) -> Vec<(Vec<String>, String)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    parse_tree(b, 0, &mut Vec::new(), &mut out);
    out
}

fn workspace_edges() -> Vec<(String, Vec<Edge>)> {
    let mut all: Vec<(String, Vec<Edge>)> =
        rust_crates().into_iter().map(|(name, src)| (name, rust_edges(&src))).collect();
    all.push(("ui/src".into(), ts_edges(&workspace().join("ui/src"))));
    all
}

/// Whether some edge goes from module `from` (or one inside it) to `to` (or one inside it).
fn has_edge(edges: &[Edge], from: &str, to: &str) -> bool {
    let within = |m: &[String], of: &str| {
        let m = show(m);
        m == of || m.starts_with(&format!("{of}::"))
    };
    edges.iter().any(|e| within(&e.from, from) && within(&e.to, to))
}

#[test]
fn the_import_graph_reader_sees_edges() {
    assert_eq!(
        parse_use_tree_for_tests("crate::{a::{b, c as d}, e::*, self};"),
        vec![
            (vec!["crate".into(), "a".into(), "b".into()], "b".into()),
            (vec!["crate".into(), "a".into(), "c".into()], "d".into()),
            (vec!["crate".into(), "e".into()], "*".into()),
            (vec!["crate".into()], "crate".into()),
        ]
    );
    let all = workspace_edges();
    let of = |unit: &str| &all.iter().find(|(n, _)| n == unit).unwrap().1;
    // Known references, one per way of writing them: `use crate::…`, `crate::…` inline, `super::`,
    // a name re-exported by a glob at the root, and a TypeScript import.
    let known = [
        ("crates/core", "formats::chat", "model"),
        ("crates/core", "facts", "model"),
        ("crates/store", "ingest", "segments"),
        ("crates/api", "service", "protocol"),
        ("crates/gen", "agent", "corpus"),
        ("ui/src", "views::Library", "api::client"),
    ];
    let mut missing = Vec::new();
    for (unit, from, to) in known {
        if !has_edge(of(unit), from, to) {
            let seen: Vec<String> = of(unit).iter().map(|e| format!("{} -> {}", show(&e.from), show(&e.to))).collect();
            missing.push(format!("{unit}: {from} -> {to} not seen; seen: {seen:?}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    let total: usize = all.iter().map(|(_, e)| e.len()).sum();
    assert!(total > 200, "only {total} edges seen in the whole workspace");
}

#[test]
fn no_module_graph_has_a_loop() {
    let mut found = Vec::new();
    for (unit, edges) in workspace_edges() {
        found.extend(cycles(&unit, &edges));
    }
    assert!(
        found.is_empty(),
        "{} import loop(s) between sibling modules (each edge: file:line `path` (from -> to)):\n{}",
        found.len(),
        found.join("\n")
    );
}
