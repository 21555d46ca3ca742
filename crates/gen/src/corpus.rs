//! The fixed synthetic checkouts: one set of files per repository, shared by every row.
//!
//! Owns building the corpus once per process (a `OnceLock`, independent of the row seed, so the
//! same repository shows the same files in every row and across seeds, the way real corpora repeat
//! content), the `cat -n` renderings of each file (pre-escaped for JSON, so a view observation is a
//! slice copy), and directory listings. It does not decide what an agent looks at.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::OnceLock;

use rand::Rng;

use crate::json::escape_into;
use crate::pysynth::{self, ClassInfo, Func, Module, ModulePlan};
use crate::rng::{rng_for, stream};
use crate::vocab::{RepoSpec, REPOS};

/// Seed of the corpus; fixed so that checkouts do not depend on the row seed.
const CORPUS_SEED: u64 = 0x7472_6177_6c00_0001;

/// One file of a synthetic checkout.
pub(crate) struct SourceFile {
    /// Path relative to the checkout root.
    pub path: String,
    pub text: String,
    /// Byte offset of each line start, plus `text.len()` at the end.
    pub line_starts: Vec<u32>,
    pub funcs: Vec<Func>,
    pub classes: Vec<ClassInfo>,
    pub is_test: bool,
    /// For a test file, the index of the source file it tests.
    pub tests_file: Option<usize>,
    /// Dotted module name.
    pub dotted: String,
    /// `cat -n` rendering of every line, JSON-escaped.
    pub esc_numbered: Vec<u8>,
    /// Offset of each line in `esc_numbered`, plus the total length.
    pub esc_starts: Vec<u32>,
    /// Offset of each line in the raw (unescaped) `cat -n` rendering, plus the total length.
    pub raw_numbered_starts: Vec<u32>,
    /// Short content hash for `index` lines of diffs.
    pub blob_hash: String,
}

impl SourceFile {
    fn new(path: String, dotted: String, module: Module, is_test: bool) -> SourceFile {
        let mut text = String::new();
        for l in &module.lines {
            text.push_str(l);
            text.push('\n');
        }
        let line_starts = line_starts(&text);
        let mut esc_numbered = Vec::with_capacity(text.len() * 5 / 4);
        let mut esc_starts = Vec::with_capacity(module.lines.len() + 1);
        let mut raw_numbered_starts = Vec::with_capacity(module.lines.len() + 1);
        let mut raw = 0u32;
        let mut num = String::new();
        for (i, l) in module.lines.iter().enumerate() {
            esc_starts.push(esc_numbered.len() as u32);
            raw_numbered_starts.push(raw);
            num.clear();
            let _ = writeln!(num, "{:>6}\t{}", i + 1, l);
            raw += num.len() as u32;
            escape_into(&mut esc_numbered, &num);
        }
        esc_starts.push(esc_numbered.len() as u32);
        raw_numbered_starts.push(raw);
        SourceFile {
            path,
            blob_hash: crate::rng::text_hash_hex(&text, 7),
            text,
            line_starts,
            funcs: module.funcs,
            classes: module.classes,
            is_test,
            tests_file: None,
            dotted,
            esc_numbered,
            esc_starts,
            raw_numbered_starts,
        }
    }

    /// Number of lines.
    pub fn n_lines(&self) -> usize {
        self.line_starts.len() - 1
    }

    /// Line `i` (0-based) without its newline.
    pub fn line(&self, i: usize) -> &str {
        let a = self.line_starts[i] as usize;
        let b = self.line_starts[i + 1] as usize;
        &self.text[a..b - 1]
    }

    /// The escaped `cat -n` rendering of lines `[a, b)` (0-based).
    pub fn esc_range(&self, a: usize, b: usize) -> &[u8] {
        &self.esc_numbered[self.esc_starts[a] as usize..self.esc_starts[b] as usize]
    }
}

/// Byte offsets of line starts, plus the text length.
pub(crate) fn line_starts(text: &str) -> Vec<u32> {
    let mut v = vec![0u32];
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            v.push(i as u32 + 1);
        }
    }
    if *v.last().unwrap() as usize != text.len() {
        v.push(text.len() as u32);
    }
    v
}

/// One repository's checkout.
pub(crate) struct RepoCorpus {
    pub files: Vec<SourceFile>,
    /// Every path of the checkout (files and `__init__.py`s and extras), relative, sorted.
    pub all_paths: Vec<String>,
    /// Indices of source (non-test, non-`__init__`) files that have functions.
    pub editable: Vec<usize>,
}

impl RepoCorpus {
    /// Index of the test file for source file `i`, if there is one.
    pub fn test_for(&self, i: usize) -> Option<usize> {
        self.files.iter().position(|f| f.tests_file == Some(i))
    }
}

/// All checkouts, indexed like `REPOS`.
pub(crate) struct Corpus {
    pub repos: Vec<RepoCorpus>,
}

/// The process-wide corpus (built on first use, a few milliseconds).
pub(crate) fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| Corpus { repos: REPOS.iter().enumerate().map(|(i, r)| build_repo(i as u64, r)).collect() })
}

const EXTRA_FILES: &[&str] = &[
    "README.md",
    "LICENSE",
    "CONTRIBUTING.md",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "docs/conf.py",
    "docs/index.rst",
    "docs/changelog.rst",
    "requirements-dev.txt",
];

fn build_repo(repo_index: u64, repo: &RepoSpec) -> RepoCorpus {
    let mut rng = rng_for(CORPUS_SEED, stream::CORPUS, repo_index);
    let n_src = rng.random_range(14..=22usize);
    let plans = pysynth::plan_modules(&mut rng, repo, n_src);
    let mut files: Vec<SourceFile> = Vec::new();
    let mut modules: Vec<Module> = Vec::new();
    for (i, plan) in plans.iter().enumerate() {
        let n_imports = rng.random_range(0..=3usize);
        let mut others: Vec<&ModulePlan> = Vec::new();
        for _ in 0..n_imports {
            let j = rng.random_range(0..plans.len());
            if j != i && !others.iter().any(|o| o.path == plans[j].path) {
                others.push(&plans[j]);
            }
        }
        let module = pysynth::source_module(&mut rng, repo, plan, &others);
        modules.push(module);
    }
    for (plan, module) in plans.iter().zip(modules) {
        files.push(SourceFile::new(plan.path.clone(), plan.dotted.clone(), module, false));
    }
    // Tests for some modules.
    let n_tests = rng.random_range(4..=7usize).min(plans.len());
    let mut tested = BTreeSet::new();
    while tested.len() < n_tests {
        tested.insert(rng.random_range(0..plans.len()));
    }
    for &i in &tested {
        let plan = &plans[i];
        let module = {
            let src_module = Module { lines: Vec::new(), funcs: files[i].funcs.clone(), classes: Vec::new() };
            pysynth::test_module(&mut rng, plan, &src_module)
        };
        let rel = plan.path.strip_prefix(&format!("{}/", repo.pkg)).unwrap_or(&plan.path);
        let (dir, file) = match rel.rsplit_once('/') {
            Some((d, f)) => (format!("{d}/"), f.to_string()),
            None => (String::new(), rel.to_string()),
        };
        let path = if repo.tests_inside {
            format!("{}/tests/{dir}test_{file}", repo.pkg)
        } else {
            format!("tests/{dir}test_{file}")
        };
        let dotted = path.trim_end_matches(".py").replace('/', ".");
        let mut f = SourceFile::new(path, dotted, module, true);
        f.tests_file = Some(i);
        files.push(f);
    }
    // __init__.py per package directory.
    let mut dirs = BTreeSet::new();
    for f in &files {
        if f.is_test || !f.path.starts_with(repo.pkg) {
            continue;
        }
        let mut d = f.path.as_str();
        while let Some((parent, _)) = d.rsplit_once('/') {
            dirs.insert(parent.to_string());
            d = parent;
        }
    }
    for d in &dirs {
        let members: Vec<&ModulePlan> =
            plans.iter().filter(|p| p.path.rsplit_once('/').map(|x| x.0) == Some(d.as_str())).collect();
        let module = pysynth::init_module(repo, &members);
        let path = format!("{d}/__init__.py");
        let dotted = d.replace('/', ".");
        files.push(SourceFile::new(path, dotted, module, false));
    }
    let editable: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.is_test && !f.path.ends_with("__init__.py") && f.funcs.iter().any(|x| x.end > x.body_start + 1)
        })
        .map(|(i, _)| i)
        .collect();
    let mut all: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
    for e in EXTRA_FILES {
        all.insert((*e).to_string());
    }
    if !repo.tests_inside {
        all.insert("tests/__init__.py".into());
        all.insert("tests/conftest.py".into());
    }
    RepoCorpus { files, all_paths: all.into_iter().collect(), editable }
}

/// The entries of a `view` of directory `dir` (relative, `""` for the root): files and
/// directories up to two levels deep, sorted, directories with a trailing `/`.
pub(crate) fn listing(repo: &RepoCorpus, dir: &str) -> Vec<String> {
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let mut out = BTreeSet::new();
    for p in &repo.all_paths {
        let Some(rest) = p.strip_prefix(&prefix) else {
            continue;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match parts.len() {
            1 => {
                out.insert(parts[0].to_string());
            }
            2 => {
                out.insert(format!("{}/", parts[0]));
                out.insert(format!("{}/{}", parts[0], parts[1]));
            }
            _ => {
                out.insert(format!("{}/", parts[0]));
                out.insert(format!("{}/{}/", parts[0], parts[1]));
            }
        }
    }
    out.into_iter().collect()
}

/// Subdirectories (relative) of the checkout that a listing can be taken of.
pub(crate) fn directories(repo: &RepoCorpus) -> Vec<String> {
    let mut dirs = BTreeSet::new();
    for p in &repo.all_paths {
        let mut d = p.as_str();
        while let Some((parent, _)) = d.rsplit_once('/') {
            dirs.insert(parent.to_string());
            d = parent;
        }
    }
    dirs.into_iter().collect()
}
