//! Whole modules: license headers, source modules with their classes, `__init__.py`
//! re-exports and pytest modules.

use super::*;

/// License header lines for a repository (may be empty).
fn header(rng: &mut GenRng, repo: &RepoSpec) -> Vec<String> {
    if !repo.header_holder.is_empty() {
        let year = rng.random_range(2015..=2023);
        return [
            format!("# Copyright {year} {}", repo.header_holder),
            "#".into(),
            "# Licensed under the Apache License, Version 2.0 (the \"License\");".into(),
            "# you may not use this file except in compliance with the License.".into(),
            "# You may obtain a copy of the License at".into(),
            "#".into(),
            "#     https://www.apache.org/licenses/LICENSE-2.0".into(),
            "#".into(),
            "# Unless required by applicable law or agreed to in writing, software".into(),
            "# distributed under the License is distributed on an \"AS IS\" BASIS,".into(),
            "# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.".into(),
            "# See the License for the specific language governing permissions and".into(),
            "# limitations under the License.".into(),
        ]
        .to_vec();
    }
    if repo.license.starts_with("MIT") && rng.random_bool(0.3) {
        return vec![format!("# Licensed under the MIT License: see LICENSE in the {} repository", repo.name)];
    }
    Vec::new()
}

/// Writes a source module for `plan`, importing names from `others`.
pub(crate) fn source_module(rng: &mut GenRng, repo: &RepoSpec, plan: &ModulePlan, others: &[&ModulePlan]) -> Module {
    let mut w = Writer {
        lines: header(rng, repo),
        funcs: Vec::new(),
        classes: Vec::new(),
        numpy_doc: matches!(repo.pkg, "pandas" | "numpy" | "dask" | "modin" | "bokeh"),
    };
    if !w.lines.is_empty() {
        w.blank(1);
    }
    let noun = plan.noun.as_str();
    let summary = match rng.random_range(0..4) {
        0 => format!("{} utilities for {}.", cap(&words(noun)), repo.pkg),
        1 => format!("Core {} objects and helpers.", words(noun)),
        2 => format!("Implementation of the {} machinery.", words(noun)),
        _ => format!("Functions for working with {} values.", words(noun)),
    };
    let para = if rng.random_bool(0.5) {
        Some(fill(word(rng, PARAGRAPHS), word(rng, ATTRS), word(rng, ATTRS), noun))
    } else {
        None
    };
    w.docstring(0, &summary, para.as_deref(), &[]);
    w.blank(1);

    // Imports.
    let mut std_imports: Vec<&str> = Vec::new();
    for m in STD_IMPORTS {
        if rng.random_bool(0.3) {
            std_imports.push(m);
        }
    }
    for must in ["logging", "threading", "warnings", "abc"] {
        if !std_imports.contains(&must) && (must != "warnings" || rng.random_bool(0.5)) {
            std_imports.push(must);
        }
    }
    std_imports.sort_unstable();
    let has_logging = true;
    let has_warnings = std_imports.contains(&"warnings");
    if rng.random_bool(0.5) {
        w.push(0, "from __future__ import annotations");
        w.blank(1);
    }
    for m in &std_imports {
        w.push(0, &format!("import {m}"));
    }
    w.push(0, "from typing import Any, Callable, Dict, Generic, Iterable, List, Optional, TypeVar");
    let mut foreign: Vec<String> = Vec::new();
    let mut from_lines: Vec<String> = Vec::new();
    for o in others {
        if let Some(c) = o.classes.first() {
            from_lines.push(format!("from {} import {}", o.dotted, c));
            foreign.push(c.clone());
        }
        if rng.random_bool(0.4) {
            if let Some(f) = o.functions.first() {
                from_lines.push(format!("from {} import {}", o.dotted, f));
            }
        }
    }
    from_lines.sort();
    if !from_lines.is_empty() {
        w.blank(1);
        for l in &from_lines {
            w.push(0, l);
        }
    }
    w.blank(2);
    w.push(0, "logger = logging.getLogger(__name__)");
    w.push(0, "T = TypeVar(\"T\")");
    w.blank(1);
    let up = noun.to_uppercase();
    let mut consts = vec![format!("DEFAULT_{up}_LIMIT"), format!("_{up}_REGISTRY"), format!("_{up}_CACHE")];
    w.push(0, &format!("{} = {}", consts[0], [16, 32, 64, 128, 256, 1024][rng.random_range(0..6)]));
    w.push(0, &format!("{}: Dict[str, Any] = {{}}", consts[1]));
    w.push(0, &format!("{}: Dict[str, Any] = {{}}", consts[2]));
    if rng.random_bool(0.5) {
        let name = format!("MAX_{}", pick(rng, ATTRS).to_uppercase());
        w.push(0, &format!("{name} = {}", rng.random_range(2..500)));
        consts.push(name);
    }

    // Interleave classes and functions.
    let mut items: Vec<(bool, &String)> =
        plan.classes.iter().map(|c| (true, c)).chain(plan.functions.iter().map(|f| (false, f))).collect();
    for i in (1..items.len()).rev() {
        let j = rng.random_range(0..=i);
        items.swap(i, j);
    }
    let helpers = plan.functions.clone();
    for (is_class, name) in items {
        w.blank(2);
        if is_class {
            class(&mut w, rng, name, noun, &consts, &foreign, &helpers, (has_logging, has_warnings));
        } else {
            w.function(rng, 0, name, None, &[], &consts, &foreign, &helpers, noun, (has_logging, has_warnings));
        }
    }
    Module { lines: w.lines, funcs: w.funcs, classes: w.classes }
}

#[allow(clippy::too_many_arguments)]
fn class(
    w: &mut Writer,
    rng: &mut GenRng,
    name: &str,
    noun: &str,
    consts: &[String],
    foreign: &[String],
    helpers: &[String],
    flags: (bool, bool),
) {
    let base = *pick(rng, BASES);
    let line = w.lines.len();
    if base == "object" {
        w.push(0, &format!("class {name}:"));
    } else {
        w.push(0, &format!("class {name}({base}):"));
    }
    w.classes.push(ClassInfo { name: name.to_string(), line });
    let kind_words = words(noun);
    let summary = match rng.random_range(0..3) {
        0 => format!("{} {} object.", cap(word(rng, ADJS)), kind_words),
        1 => format!("Base class for {kind_words} handling."),
        _ => format!("Container for {kind_words} state and related helpers."),
    };
    let mut attrs: Vec<String> = Vec::new();
    for _ in 0..rng.random_range(1..=4) {
        let a = pick(rng, ATTRS).to_string();
        if !attrs.contains(&a) {
            attrs.push(a);
        }
    }
    let para = fill(word(rng, PARAGRAPHS), &attrs[0], word(rng, ATTRS), noun);
    w.docstring(4, &summary, Some(&para), &attrs);
    w.blank(1);
    if rng.random_bool(0.4) {
        w.push(4, &format!("{}_{} = {}", noun.to_lowercase(), pick(rng, ATTRS), rng.random_range(0..9)));
        w.blank(1);
    }
    // __init__
    let init_sig = format!(
        "def __init__(self, {}):",
        attrs
            .iter()
            .enumerate()
            .map(|(i, a)| if i == 0 { a.clone() } else { format!("{a}=None") })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let def_line = w.lines.len();
    w.push(4, &init_sig);
    let body_start = w.lines.len();
    if base != "object" && base != "Generic[T]" && rng.random_bool(0.5) {
        w.push(8, "super().__init__()");
    }
    for a in &attrs {
        w.push(8, &format!("self._{a} = {a}"));
    }
    w.push(8, "self._lock = threading.RLock()");
    w.funcs.push(Func {
        name: "__init__".into(),
        class: Some(name.to_string()),
        def_line,
        one_line_def: 4 + init_sig.len() <= 88,
        body_start,
        end: w.lines.len(),
        params: attrs.clone(),
        indent: 8,
    });
    // Properties.
    for a in attrs.iter().take(2) {
        if rng.random_bool(0.5) {
            w.blank(1);
            w.push(4, "@property");
            w.push(4, &format!("def {a}(self):"));
            w.push(8, &format!("\"\"\"The {} of this {}.\"\"\"", words(a), kind_words));
            w.push(8, &format!("return self._{a}"));
        }
    }
    // Methods.
    let n_methods = rng.random_range(2..=10usize);
    let mut used = HashSet::new();
    for _ in 0..n_methods {
        let m = format!(
            "{}{}_{}",
            if rng.random_bool(0.25) { "_" } else { "" },
            pick(rng, VERBS),
            if rng.random_bool(0.5) { noun.to_string() } else { pick(rng, ATTRS).to_string() }
        );
        if !used.insert(m.clone()) {
            continue;
        }
        w.blank(1);
        w.function(rng, 4, &m, Some(name), &attrs, consts, foreign, helpers, noun, flags);
    }
    if rng.random_bool(0.5) {
        w.blank(1);
        w.push(4, "def __repr__(self):");
        w.push(8, &format!("return f\"{{type(self).__name__}}({}={{self._{}!r}})\"", attrs[0], attrs[0]));
    }
}

/// Writes a `__init__.py` re-exporting the first names of the given modules.
pub(crate) fn init_module(repo: &RepoSpec, plans: &[&ModulePlan]) -> Module {
    let mut lines = Vec::new();
    let _ = repo;
    let mut all = Vec::new();
    for p in plans {
        for c in p.classes.iter().take(2) {
            lines.push(format!("from {} import {}", p.dotted, c));
            all.push(c.clone());
        }
    }
    if !all.is_empty() {
        lines.push(String::new());
        lines.push("__all__ = [".into());
        for a in &all {
            lines.push(format!("    \"{a}\","));
        }
        lines.push("]".into());
    }
    Module { lines, funcs: Vec::new(), classes: Vec::new() }
}

/// Writes a pytest module exercising `target`.
pub(crate) fn test_module(rng: &mut GenRng, target: &ModulePlan, module: &Module) -> Module {
    let mut w = Writer { lines: Vec::new(), funcs: Vec::new(), classes: Vec::new(), numpy_doc: false };
    w.push(0, "import pytest");
    w.blank(1);
    let mut names: Vec<String> = target.classes.iter().take(2).cloned().collect();
    names.extend(target.functions.iter().take(2).cloned());
    w.push(0, &format!("from {} import {}", target.dotted, names.join(", ")));
    let noun = target.noun.as_str();
    let cls = target.classes.first().cloned().unwrap_or_else(|| camel(noun));
    w.blank(2);
    w.push(0, "@pytest.fixture");
    w.push(0, &format!("def {noun}_obj():"));
    w.push(4, &format!("return {cls}(\"{}\")", pick(rng, ATTRS)));
    let methods: Vec<&Func> =
        module.funcs.iter().filter(|f| f.class.as_deref() == Some(cls.as_str()) && !f.name.starts_with('_')).collect();
    let n = rng.random_range(4..=14usize);
    let mut used = HashSet::new();
    for i in 0..n {
        let case = pick(rng, &["basic", "empty", "none", "default", "strict", "roundtrip", "copy"]);
        let callee = if !methods.is_empty() && rng.random_bool(0.6) {
            let m = pick(rng, &methods);
            format!("{noun}_obj.{}", m.name)
        } else if let Some(f) = target.functions.first() {
            f.clone()
        } else {
            format!("{noun}_obj.copy")
        };
        let short = callee.rsplit('.').next().unwrap_or("call").to_string();
        let tname = format!("test_{short}_{case}");
        if !used.insert(tname.clone()) {
            continue;
        }
        w.blank(2);
        let def_line = w.lines.len();
        let uses_fixture = callee.contains('.');
        let arg = match rng.random_range(0..4) {
            0 => "None".to_string(),
            1 => format!("\"{}\"", pick(rng, OPTIONS)),
            2 => format!("[{}, {}]", rng.random_range(0..9), rng.random_range(0..9)),
            _ => rng.random_range(0..100).to_string(),
        };
        if i % 4 == 3 {
            w.push(0, &format!("@pytest.mark.parametrize(\"value\", [None, 0, \"{}\", []])", pick(rng, OPTIONS)));
        }
        let parametrized = i % 4 == 3;
        let sig = match (uses_fixture, parametrized) {
            (true, true) => format!("def {tname}({noun}_obj, value):"),
            (true, false) => format!("def {tname}({noun}_obj):"),
            (false, true) => format!("def {tname}(value):"),
            (false, false) => format!("def {tname}():"),
        };
        w.push(0, &sig);
        let body_start = w.lines.len();
        let a = if parametrized { "value".to_string() } else { arg };
        if rng.random_bool(0.3) {
            w.push(4, &format!("with pytest.raises({}):", pick(rng, &EXCEPTIONS[..3])));
            w.push(8, &format!("{callee}({a})"));
        } else {
            w.push(4, &format!("result = {callee}({a})"));
            match rng.random_range(0..3) {
                0 => w.push(4, "assert result is not None"),
                1 => w.push(4, &format!("assert result == {a}")),
                _ => w.push(4, &format!("assert isinstance(result, {})", pick(rng, PY_TYPES))),
            }
        }
        w.funcs.push(Func {
            name: tname,
            class: None,
            def_line,
            one_line_def: true,
            body_start,
            end: w.lines.len(),
            params: Vec::new(),
            indent: 4,
        });
    }
    Module { lines: w.lines, funcs: w.funcs, classes: Vec::new() }
}
