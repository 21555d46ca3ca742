//! Synthesis of plausible Python source and test modules from templates.
//!
//! Owns the code templates: license headers, module and class docstrings, import blocks,
//! constants, classes with `__init__`, properties and methods, module functions, and pytest
//! modules. Every generated function is recorded as a [`Func`] (definition line, body start after
//! the docstring, end) so that the agent simulation can pick edit sites that really exist. It does
//! not decide which files a repository has (see `corpus`) and produces no JSON.

use std::collections::HashSet;

use rand::Rng;

use crate::rng::{pick, word, GenRng};
use crate::vocab::{RepoSpec, ADJS, ATTRS, BASES, EXCEPTIONS, ITEMS, LOCALS, OPTIONS, PY_TYPES, STD_IMPORTS, VERBS};

/// A function or method in a generated module (0-based line indices).
#[derive(Debug, Clone)]
pub(crate) struct Func {
    pub name: String,
    pub class: Option<String>,
    /// The `def` line (single-line signature) or the first line of a wrapped signature.
    pub def_line: usize,
    /// True when the signature is one line ending in `):`.
    pub one_line_def: bool,
    /// First statement after the docstring.
    pub body_start: usize,
    /// One past the last body line.
    pub end: usize,
    /// Named parameters, without `self` and starred ones.
    pub params: Vec<String>,
    /// Indentation of the body, in spaces.
    pub indent: usize,
}

/// A class in a generated module.
#[derive(Debug, Clone)]
pub(crate) struct ClassInfo {
    pub name: String,
    /// The `class` line.
    pub line: usize,
}

/// A generated module.
pub(crate) struct Module {
    pub lines: Vec<String>,
    pub funcs: Vec<Func>,
    pub classes: Vec<ClassInfo>,
}

/// What a module exports, decided for every module of a repository before any is written, so that
/// modules can import from each other.
#[derive(Debug, Clone)]
pub(crate) struct ModulePlan {
    /// Path relative to the checkout, e.g. `pandas/core/frame_utils.py`.
    pub path: String,
    /// Dotted module name, e.g. `pandas.core.frame_utils`.
    pub dotted: String,
    pub noun: String,
    pub classes: Vec<String>,
    pub functions: Vec<String>,
}

/// `frame_accessor` -> `FrameAccessor`.
pub(crate) fn camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split('_').filter(|p| !p.is_empty()) {
        let mut cs = part.chars();
        if let Some(c) = cs.next() {
            out.extend(c.to_uppercase());
            out.push_str(cs.as_str());
        }
    }
    out
}

fn cap(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

fn words(s: &str) -> String {
    s.replace('_', " ")
}

/// Greedy word wrap at `width` columns (the indent is added by the caller).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for w in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + w.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

const PARAGRAPHS: &[&str] = &[
    "This object keeps a reference to the {a} and lazily computes the {b} when it is first requested.",
    "It is not meant to be instantiated directly; use the factory functions in this module instead.",
    "The implementation favours clarity over speed, and the results are cached per {a}.",
    "Instances are cheap to copy and can be shared between {n} objects.",
    "Subclasses should override the hooks below rather than the public methods.",
    "When {a} is not given, the value from the global configuration is used.",
    "All public methods validate their arguments eagerly and raise early on bad input.",
    "See the user guide for a longer discussion of how {n} objects interact with {b}.",
    "The returned value is always a new object; the inputs are never modified in place.",
    "This mirrors the behaviour of the older {n} API, which is kept for backwards compatibility.",
];

fn fill(t: &str, a: &str, b: &str, n: &str) -> String {
    t.replace("{a}", &words(a)).replace("{b}", &words(b)).replace("{n}", n)
}

/// Decides the modules of a repository: paths, nouns and exported names.
pub(crate) fn plan_modules(rng: &mut GenRng, repo: &RepoSpec, count: usize) -> Vec<ModulePlan> {
    let mut plans = Vec::with_capacity(count);
    let mut paths = HashSet::new();
    let mut names = HashSet::new();
    let mut attempts = 0;
    while plans.len() < count && attempts < count * 20 {
        attempts += 1;
        let sub = *pick(rng, repo.subpkgs);
        let noun = *pick(rng, repo.nouns);
        let suffix = *pick(rng, crate::vocab::MODULE_SUFFIXES);
        let modname = format!("{noun}{suffix}");
        let dir = if sub.is_empty() { repo.pkg.to_string() } else { format!("{}/{}", repo.pkg, sub) };
        let path = format!("{dir}/{modname}.py");
        if !paths.insert(path.clone()) {
            continue;
        }
        let dotted = format!("{dir}/{modname}").replace('/', ".");
        let n_classes = rng.random_range(1..=5usize);
        let n_funcs = rng.random_range(1..=6usize);
        let mut classes = Vec::new();
        for _ in 0..n_classes * 3 {
            if classes.len() == n_classes {
                break;
            }
            let other = pick(rng, repo.nouns);
            let base = if rng.random_bool(0.6) { noun } else { other };
            let name = format!("{}{}", camel(base), pick(rng, crate::vocab::CLASS_KINDS));
            if names.insert(name.clone()) {
                classes.push(name);
            }
        }
        let mut functions = Vec::new();
        for _ in 0..n_funcs * 3 {
            if functions.len() == n_funcs {
                break;
            }
            let obj = if rng.random_bool(0.5) { noun.to_string() } else { pick(rng, ATTRS).to_string() };
            let name = format!("{}_{}", pick(rng, VERBS), obj);
            if names.insert(name.clone()) {
                functions.push(name);
            }
        }
        plans.push(ModulePlan { path, dotted, noun: noun.to_string(), classes, functions });
    }
    plans
}

/// The per-function state the body templates draw from.
struct Ctx<'a> {
    params: Vec<String>,
    self_attrs: Vec<String>,
    method: bool,
    locals: Vec<String>,
    consts: &'a [String],
    foreign: &'a [String],
    helpers: &'a [String],
    noun: &'a str,
    fname: &'a str,
    has_logging: bool,
    has_warnings: bool,
}

impl Ctx<'_> {
    fn param(&self, rng: &mut GenRng) -> String {
        if self.params.is_empty() {
            if self.method && !self.self_attrs.is_empty() {
                return format!("self.{}", pick(rng, &self.self_attrs));
            }
            return "None".to_string();
        }
        pick(rng, &self.params).clone()
    }

    fn new_local(&mut self, rng: &mut GenRng) -> String {
        for _ in 0..8 {
            let l = pick(rng, LOCALS).to_string();
            if !self.locals.contains(&l) && !self.params.contains(&l) {
                self.locals.push(l.clone());
                return l;
            }
        }
        let l = format!("{}_{}", pick(rng, LOCALS), self.locals.len());
        self.locals.push(l.clone());
        l
    }

    fn callee(&self, rng: &mut GenRng) -> String {
        if self.method && rng.random_bool(0.5) {
            return format!("self._{}_{}", pick(rng, VERBS), self.noun);
        }
        if !self.helpers.is_empty() && rng.random_bool(0.6) {
            let h = pick(rng, self.helpers);
            if h != self.fname {
                return h.clone();
            }
        }
        format!("_{}_{}", pick(rng, VERBS), pick(rng, ATTRS))
    }

    fn storage(&self, rng: &mut GenRng) -> String {
        if self.method && !self.self_attrs.is_empty() {
            format!("self._{}", pick(rng, &self.self_attrs))
        } else if !self.consts.is_empty() {
            let c = pick(rng, self.consts);
            if c.ends_with("_REGISTRY") || c.ends_with("_CACHE") {
                return c.clone();
            }
            format!("_{}_CACHE", self.noun.to_uppercase())
        } else {
            format!("_{}_CACHE", self.noun.to_uppercase())
        }
    }

    fn default_value(&self, rng: &mut GenRng) -> String {
        match rng.random_range(0..6) {
            0 if !self.consts.is_empty() => pick(rng, self.consts).clone(),
            1 => "None".into(),
            2 => "[]".into(),
            3 => "{}".into(),
            4 => format!("\"{}\"", pick(rng, OPTIONS)),
            _ => rng.random_range(0..64).to_string(),
        }
    }
}

/// One statement group of a body, lines with relative indentation.
fn snippet(rng: &mut GenRng, c: &mut Ctx<'_>) -> Vec<String> {
    let p = c.param(rng);
    match rng.random_range(0..17) {
        0 => vec![format!("if {p} is None:"), format!("    raise ValueError(\"{} must not be None\")", words(&p))],
        1 => {
            let i1 = rng.random_range(0..PY_TYPES.len());
            let i2 = (i1 + rng.random_range(1..PY_TYPES.len())) % PY_TYPES.len();
            let (t1, t2) = (PY_TYPES[i1], PY_TYPES[i2]);
            vec![
                format!("if not isinstance({p}, ({t1}, {t2})):"),
                "    raise TypeError(".to_string(),
                format!("        f\"{}() expected {t1} or {t2} for '{p}', got {{type({p}).__name__}}\"", c.fname),
                "    )".to_string(),
            ]
        }
        2 => {
            let d = c.default_value(rng);
            vec![format!("if {p} is None:"), format!("    {p} = {d}")]
        }
        3 => {
            let res = c.new_local(rng);
            let item = pick(rng, ITEMS);
            let call = c.callee(rng);
            let store = c.storage(rng);
            vec![
                format!("{res} = []"),
                format!("for {item} in {p}:"),
                format!("    if {item} in {store}:"),
                "        continue".to_string(),
                format!("    {res}.append({call}({item}))"),
            ]
        }
        4 => {
            let v = c.new_local(rng);
            let store = c.storage(rng);
            let d = c.default_value(rng);
            vec![format!("{v} = {store}.get({p}, {d})")]
        }
        5 => {
            let v = c.new_local(rng);
            let call = c.callee(rng);
            let i1 = rng.random_range(0..5);
            let (e1, e2) = (EXCEPTIONS[i1], EXCEPTIONS[(i1 + rng.random_range(1..5)) % 5]);
            let mut lines =
                vec!["try:".to_string(), format!("    {v} = {call}({p})"), format!("except ({e1}, {e2}) as err:")];
            if c.has_logging {
                lines.push(format!("    logger.debug(\"could not {} %r: %s\", {p}, err)", pick(rng, VERBS)));
            }
            lines.push(format!("    {v} = None"));
            lines
        }
        6 if c.method => {
            let store = c.storage(rng);
            let v = c.param(rng);
            vec!["with self._lock:".to_string(), format!("    {store}[{p}] = {v}")]
        }
        7 => {
            let v = c.new_local(rng);
            vec![format!("{v} = {{key: val for key, val in dict({p}).items() if val is not None}}")]
        }
        8 => {
            let v = c.new_local(rng);
            let o1 = pick(rng, OPTIONS);
            let o2 = pick(rng, OPTIONS);
            let call = c.callee(rng);
            let q = c.param(rng);
            vec![
                format!("if {p} == \"{o1}\":"),
                format!("    {v} = {call}({q})"),
                format!("elif {p} == \"{o2}\":"),
                format!("    {v} = {q}"),
                "else:".to_string(),
                format!("    raise ValueError(f\"invalid {} {{{p}!r}}\")", words(&p)),
            ]
        }
        9 if c.has_warnings => vec![
            format!("if {p} is not None:"),
            "    warnings.warn(".to_string(),
            format!("        \"The '{p}' keyword is deprecated and will be removed in a future version\","),
            "        FutureWarning,".to_string(),
            "        stacklevel=2,".to_string(),
            "    )".to_string(),
        ],
        10 if c.has_logging => vec![format!("logger.info(\"{} {} %s\", {p})", pick(rng, VERBS), words(c.noun))],
        11 if !c.foreign.is_empty() => {
            let v = c.new_local(rng);
            let f = pick(rng, c.foreign);
            vec![format!("{v} = {f}({p})")]
        }
        12 => {
            let v = c.new_local(rng);
            let call = c.callee(rng);
            vec![format!("{v} = [{call}(x) for x in {p} if x is not None]")]
        }
        13 => {
            let i = if c.locals.iter().any(|l| l == "pos") { "cursor" } else { "pos" };
            c.locals.push(i.to_string());
            vec![
                format!("{i} = 0"),
                format!("while {i} < len({p}):"),
                format!("    if {p}[{i}] is None:"),
                "        break".to_string(),
                format!("    {i} += 1"),
            ]
        }
        14 if c.consts.iter().any(|k| !k.starts_with('_')) => {
            let limits: Vec<&String> = c.consts.iter().filter(|k| !k.starts_with('_')).collect();
            let k = *pick(rng, &limits);
            vec![
                format!("if len({p}) > {k}:"),
                format!("    raise ValueError(f\"too many {}s: {{len({p})}} > {{{k}}}\")", c.noun),
            ]
        }
        15 => vec![format!("if not {p}:"), format!("    return {}", pick(rng, &["None", "[]", "{}", "False", "0"]))],
        _ => {
            let v = c.new_local(rng);
            let call = c.callee(rng);
            let q = c.param(rng);
            if q != p && rng.random_bool(0.5) {
                vec![format!("{v} = {call}({p}, {q})")]
            } else {
                vec![format!("{v} = {call}({p})")]
            }
        }
    }
}

fn return_line(rng: &mut GenRng, c: &Ctx<'_>) -> String {
    match rng.random_range(0..5) {
        0 | 1 if !c.locals.is_empty() => format!("return {}", c.locals.last().unwrap()),
        2 if c.method => "return self".to_string(),
        3 if !c.locals.is_empty() && !c.params.is_empty() => {
            format!(
                "return {} if {} is not None else {}",
                pick(rng, &c.locals),
                pick(rng, &c.params),
                pick(rng, &c.locals)
            )
        }
        _ if !c.params.is_empty() => format!("return {}", pick(rng, &c.params)),
        _ => "return None".to_string(),
    }
}

/// Builds the lines of one module.
struct Writer {
    lines: Vec<String>,
    funcs: Vec<Func>,
    classes: Vec<ClassInfo>,
    numpy_doc: bool,
}

impl Writer {
    fn push(&mut self, indent: usize, s: &str) {
        if s.is_empty() {
            self.lines.push(String::new());
        } else {
            let mut l = " ".repeat(indent);
            l.push_str(s);
            self.lines.push(l);
        }
    }

    fn blank(&mut self, n: usize) {
        for _ in 0..n {
            self.lines.push(String::new());
        }
    }

    fn docstring(&mut self, indent: usize, summary: &str, para: Option<&str>, params: &[String]) {
        if para.is_none() && params.is_empty() {
            self.push(indent, &format!("\"\"\"{summary}\"\"\""));
            return;
        }
        self.push(indent, &format!("\"\"\"{summary}"));
        if let Some(p) = para {
            self.blank(1);
            for l in wrap(p, 76usize.saturating_sub(indent)) {
                self.push(indent, &l);
            }
        }
        if !params.is_empty() {
            self.blank(1);
            if self.numpy_doc {
                self.push(indent, "Parameters");
                self.push(indent, "----------");
                for p in params {
                    self.push(indent, &format!("{p} : object, optional"));
                    self.push(indent + 4, &format!("The {} to use.", words(p)));
                }
            } else {
                self.push(indent, "Args:");
                for p in params {
                    self.push(indent + 4, &format!("{p}: The {} to use.", words(p)));
                }
            }
        }
        self.push(indent, "\"\"\"");
    }

    /// Writes a function or method; returns nothing, records a [`Func`].
    #[allow(clippy::too_many_arguments)]
    fn function(
        &mut self,
        rng: &mut GenRng,
        indent: usize,
        name: &str,
        class: Option<&str>,
        self_attrs: &[String],
        consts: &[String],
        foreign: &[String],
        helpers: &[String],
        noun: &str,
        flags: (bool, bool),
    ) {
        let method = class.is_some();
        // Module functions always take something, so that body templates have a name to use.
        let n_params = rng.random_range(usize::from(!method)..=3);
        let mut params: Vec<String> = Vec::new();
        for _ in 0..n_params * 2 {
            if params.len() == n_params {
                break;
            }
            let p = pick(rng, ATTRS).to_string();
            if !params.contains(&p) {
                params.push(p);
            }
        }
        let mut sig_parts: Vec<String> = Vec::new();
        if method {
            sig_parts.push("self".into());
        }
        let n_required = if params.is_empty() { 0 } else { rng.random_range(1..=params.len()) };
        for (i, p) in params.iter().enumerate() {
            if i < n_required {
                sig_parts.push(p.clone());
            } else {
                let d = match rng.random_range(0..4) {
                    0 => "None".to_string(),
                    1 => "False".to_string(),
                    2 => format!("\"{}\"", pick(rng, OPTIONS)),
                    _ => rng.random_range(0..16).to_string(),
                };
                sig_parts.push(format!("{p}={d}"));
            }
        }
        if rng.random_bool(0.15) {
            sig_parts.push("**kwargs".into());
        }
        let one_line = format!("def {name}({}):", sig_parts.join(", "));
        let def_line = self.lines.len();
        let one_line_def = indent + one_line.len() <= 88;
        if one_line_def {
            self.push(indent, &one_line);
        } else {
            self.push(indent, &format!("def {name}("));
            for s in &sig_parts {
                self.push(indent + 4, &format!("{s},"));
            }
            self.push(indent, "):");
        }
        let bi = indent + 4;
        let verb = name.trim_start_matches('_').split('_').next().unwrap_or("get");
        let obj = name.split('_').skip(1).collect::<Vec<_>>().join(" ");
        let summary = match rng.random_range(0..4) {
            0 => format!("{} the {} {}.", cap(verb), noun, obj),
            1 => format!("{} {} for this {}.", cap(verb), obj, noun),
            2 => format!("Return the {} {} of the {}.", pick(rng, ADJS), obj, noun),
            _ => format!("Helper to {verb} {obj} using the configured options."),
        };
        let para = if rng.random_bool(0.3) {
            Some(fill(word(rng, PARAGRAPHS), word(rng, ATTRS), word(rng, ATTRS), noun))
        } else {
            None
        };
        let doc_params: Vec<String> = if rng.random_bool(0.5) { params.clone() } else { Vec::new() };
        if rng.random_bool(0.85) {
            self.docstring(bi, &summary, para.as_deref(), &doc_params);
        }
        let body_start = self.lines.len();
        let mut ctx = Ctx {
            params: params.clone(),
            self_attrs: self_attrs.to_vec(),
            method,
            locals: Vec::new(),
            consts,
            foreign,
            helpers,
            noun,
            fname: name,
            has_logging: flags.0,
            has_warnings: flags.1,
        };
        let n_snippets = rng.random_range(2..=8usize);
        for i in 0..n_snippets {
            if i > 0 && rng.random_bool(0.2) {
                self.blank(1);
            }
            for l in snippet(rng, &mut ctx) {
                self.push(bi, &l);
            }
        }
        let ret = return_line(rng, &ctx);
        self.push(bi, &ret);
        self.funcs.push(Func {
            name: name.to_string(),
            class: class.map(str::to_string),
            def_line,
            one_line_def,
            body_start,
            end: self.lines.len(),
            params,
            indent: bi,
        });
    }
}

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
