//! Synthesis of plausible Python source and test modules from templates.
//!
//! Owns the code templates: license headers, module and class docstrings, import blocks,
//! constants, classes with `__init__`, properties and methods, module functions, and pytest
//! modules. Every generated function is recorded as a [`Func`] (definition line, body start after
//! the docstring, end) so that the agent simulation can pick edit sites that really exist. It does
//! not decide which files a repository has (see `corpus`) and produces no JSON.
//!
//! Files: this one (types, module plans, text helpers), `body` (function bodies), `writer` (the
//! line writer), `modules` (whole modules).

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

mod body;
mod modules;
mod writer;

pub(crate) use modules::{init_module, source_module, test_module};

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

/// Builds the lines of one module.
struct Writer {
    lines: Vec<String>,
    funcs: Vec<Func>,
    classes: Vec<ClassInfo>,
    numpy_doc: bool,
}
