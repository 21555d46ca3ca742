//! The simulated agent: plans a row, then plays an execution-free CodeAct session against the
//! synthetic checkout and writes the row's JSON.
//!
//! Owns instances (which repository, file and functions an issue is about), the special-case
//! decisions ([`crate::RowPlan`]), edits that really apply to the checkout (`str_replace` with a
//! unique `old_str`), tool observations computed from the files (views, grep, find, head, sed,
//! `git diff`), the size budget that steers how much each step shows, and the final
//! `model_patch` (a `similar` unified diff of original versus edited files). It does not own
//! the wording of prose and prompts (`prompts`) or the checkout contents (`corpus`).
//!
//! Files: this one (instances, the plan, the session's types), `edits` (edits planned on the
//! checkout), `tools` and `steps` (the session's calls and larger steps), `row` (writing a row).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use memchr::memmem;
use rand::Rng;
use similar::TextDiff;

use crate::corpus::{corpus, line_starts, listing, RepoCorpus, SourceFile};
use crate::json::{escape_into, string_into, ArgsBuilder};
use crate::prompts::{self, IssueFacts};
use crate::pysynth::Func;
use crate::rng::{hex, mix64, normal_clamped, pick, rng_for, stream, text_hash_hex, weighted, GenRng};
use crate::vocab::{RepoSpec, DATASETS, REPOS};
use crate::{RowPlan, PHRASES, RATES};

/// Number of shared instances that multi-attempt rows draw from.
const POOL_SIZE: u64 = 150;
/// Instance keys of the shared pool start here (row indices never reach it).
const POOL_BASE: u64 = 1 << 62;
/// OpenHands clips file views longer than this many characters.
const MAX_VIEW_CHARS: u32 = 16_000;
const CLIP_NOTE: &str = "<response clipped><NOTE>To save on context only part of this file has been shown to you. You should retry this tool after you have searched inside the file with `grep -n` in order to find the line numbers of what you are looking for.</NOTE>\n";

/// Kinds of edits, in the order `prompts::issue` knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EditKind {
    Guard = 0,
    Return = 1,
    Condition = 2,
    Decorator = 3,
    Param = 4,
}

/// The task a row works on; shared by every attempt at the same instance.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub repo: usize,
    pub version: &'static str,
    pub number: u64,
    pub dataset: usize,
    pub base_commit: String,
    pub target_file: usize,
    /// Functions of the target file to edit; the first is the one the issue is about.
    pub funcs: Vec<usize>,
    pub kind: EditKind,
    /// Another `(file, function)` that some attempts also edit.
    pub second: Option<(usize, usize)>,
    pub phrases: Vec<usize>,
    pub error: &'static str,
    pub new_param: &'static str,
    pub issue_key: u64,
}

fn repo_corpus(i: &Instance) -> &'static RepoCorpus {
    &corpus().repos[i.repo]
}

/// A bijection on `u64` that keeps row-derived PR numbers distinct within a repository.
fn pr_number(index: u64) -> u64 {
    100 + ((index.wrapping_mul(48_271)) & 0x1_FFFF) + (index >> 17) * 0x2_0000
}

fn line_text(f: &SourceFile, i: usize) -> &str {
    f.line(i)
}

fn last_return(file: &SourceFile, f: &Func) -> Option<usize> {
    (f.body_start..f.end).rev().find(|&i| {
        let t = line_text(file, i).trim();
        t.starts_with("return ") && t != "return self" && t != "return None"
    })
}

fn condition_line(file: &SourceFile, f: &Func) -> Option<usize> {
    (f.body_start..f.end).find(|&i| {
        let t = line_text(file, i).trim();
        t.starts_with("if ") && t.ends_with(':') && !t.contains(" else ")
    })
}

fn feasible(file: &SourceFile, f: &Func, kind: EditKind, new_param: &str) -> bool {
    match kind {
        EditKind::Guard => !f.params.is_empty() && f.body_start < f.end,
        EditKind::Return => last_return(file, f).is_some(),
        EditKind::Condition => !f.params.is_empty() && condition_line(file, f).is_some(),
        EditKind::Decorator => f.name != "__init__" || f.class.is_some(),
        EditKind::Param => {
            let l = line_text(file, f.def_line);
            f.one_line_def
                && !l.contains("**kwargs")
                && l.len() + new_param.len() + 10 <= 88
                && !f.params.iter().any(|p| p == new_param)
        }
    }
}

const NEW_PARAMS: &[&str] = &["strict", "copy", "validate", "allow_none", "inplace", "raise_on_missing", "sort"];

fn instance(seed: u64, key: u64, unique_index: Option<u64>) -> Instance {
    let mut r = rng_for(seed, stream::INSTANCE, key);
    let repo = weighted(&mut r, REPOS.iter().map(|x| x.weight));
    let spec = &REPOS[repo];
    let rc = &corpus().repos[repo];
    let version = *pick(&mut r, spec.versions);
    let number = match unique_index {
        Some(i) => pr_number(i),
        None => r.random_range(100..60_000),
    };
    let dataset = spec.datasets[weighted(&mut r, spec.datasets.iter().map(|d| d.1))].0;
    let base_commit = hex(&mut r, 40);
    let mut phrases = Vec::new();
    for (i, p) in PHRASES.iter().enumerate() {
        if r.random_bool(p.rate) {
            phrases.push(i);
        }
    }
    let new_param = *pick(&mut r, NEW_PARAMS);
    // Target file and functions: prefer functions with parameters.
    let mut target_file = *pick(&mut r, &rc.editable);
    let mut candidates: Vec<usize> = Vec::new();
    for _ in 0..8 {
        let file = &rc.files[target_file];
        candidates = (0..file.funcs.len())
            .filter(|&i| {
                let f = &file.funcs[i];
                !f.params.is_empty() && f.name != "__init__" && f.end > f.body_start + 1
            })
            .collect();
        if candidates.len() >= 2 {
            break;
        }
        target_file = *pick(&mut r, &rc.editable);
    }
    let file = &rc.files[target_file];
    if candidates.is_empty() {
        candidates = (0..file.funcs.len()).filter(|&i| file.funcs[i].end > file.funcs[i].body_start).collect();
    }
    let primary = *pick(&mut r, &candidates);
    let kinds = [
        (EditKind::Guard, 35),
        (EditKind::Return, 20),
        (EditKind::Condition, 20),
        (EditKind::Decorator, 10),
        (EditKind::Param, 15),
    ];
    let pf = &file.funcs[primary];
    let ok: Vec<(EditKind, u32)> = kinds.iter().copied().filter(|(k, _)| feasible(file, pf, *k, new_param)).collect();
    let kind = if ok.is_empty() { EditKind::Decorator } else { ok[weighted(&mut r, ok.iter().map(|x| x.1))].0 };
    let mut funcs = vec![primary];
    let extra = r.random_range(0..=2usize);
    for _ in 0..extra * 3 {
        if funcs.len() > extra {
            break;
        }
        let c = *pick(&mut r, &candidates);
        if !funcs.contains(&c) {
            funcs.push(c);
        }
    }
    let second = if r.random_bool(0.15) && rc.editable.len() > 1 {
        let f2 = *pick(&mut r, &rc.editable);
        let file2 = &rc.files[f2];
        let c2: Vec<usize> = (0..file2.funcs.len())
            .filter(|&i| !file2.funcs[i].params.is_empty() && file2.funcs[i].name != "__init__")
            .collect();
        if f2 != target_file && !c2.is_empty() {
            Some((f2, *pick(&mut r, &c2)))
        } else {
            None
        }
    } else {
        None
    };
    let error = match kind {
        EditKind::Guard => *pick(&mut r, &["AttributeError", "TypeError"]),
        EditKind::Return => "TypeError",
        EditKind::Condition => *pick(&mut r, &["ValueError", "AssertionError"]),
        EditKind::Decorator => "KeyError",
        EditKind::Param => "TypeError",
    };
    Instance {
        repo,
        version,
        number,
        dataset,
        base_commit,
        target_file,
        funcs,
        kind,
        second,
        phrases,
        error,
        new_param,
        issue_key: mix64(key ^ 0x1551_e000),
    }
}

/// Decides everything about row `index` that does not need the simulation.
pub(crate) fn plan(seed: u64, index: u64) -> RowPlan {
    let mut r = rng_for(seed, stream::PLAN, index);
    let (key, unique) = if r.random_bool(RATES.multi_attempt) {
        (POOL_BASE + r.random_range(0..POOL_SIZE), None)
    } else {
        (index, Some(index))
    };
    let inst = instance(seed, key, unique);
    let spec = &REPOS[inst.repo];
    let empty_patch = r.random_bool(RATES.empty_patch);
    let no_finish = r.random_bool(RATES.no_finish);
    let loop_repeats = if r.random_bool(RATES.loop_action) { r.random_range(3..=5) } else { 0 };
    let ran_tests = if r.random_bool(RATES.ran_tests) {
        Some(if r.random_bool(RATES.ran_tests_failing) {
            if r.random_bool(0.6) {
                1
            } else {
                2
            }
        } else {
            0
        })
    } else {
        None
    };
    // Conditional rates so that the overall rates hit the targets.
    let stray_repro = r.random_bool(RATES.stray_repro / (1.0 - RATES.empty_patch)) && !empty_patch;
    let edits_test = r.random_bool(RATES.edited_tests / (1.0 - RATES.empty_patch)) && !empty_patch;
    let tool_error = r.random_bool(RATES.tool_error);
    let target_messages = normal_clamped(&mut r, 70.0, 22.0, 20.0, 120.0).round() as u32;
    let turns = (f64::from(target_messages) - 1.0) / 2.0;
    let per_turn = normal_clamped(&mut r, 2_700.0, 800.0, 900.0, 6_000.0);
    let target_bytes = (11_000.0 + turns * per_turn).clamp(36_000.0, 225_000.0) as u64;
    let trajectory_id = {
        let h = hex(&mut r, 32);
        format!("{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..])
    };
    RowPlan {
        index,
        instance_id: format!("{}__{}-{}", spec.owner, spec.name, inst.number),
        repo: repo_name(spec),
        license: spec.license,
        dataset: DATASETS[inst.dataset],
        trajectory_id,
        target_messages,
        target_bytes,
        empty_patch,
        no_finish,
        loop_repeats,
        ran_tests,
        stray_repro,
        edits_test,
        tool_error,
        phrases: inst.phrases.iter().map(|&i| PHRASES[i].text).collect(),
        inst,
    }
}

fn repo_name(spec: &RepoSpec) -> &'static str {
    // `owner/name` strings, built once.
    use std::sync::OnceLock;
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        REPOS.iter().map(|r| &*Box::leak(format!("{}/{}", r.owner, r.name).into_boxed_str())).collect()
    });
    let i = REPOS.iter().position(|r| std::ptr::eq(r, spec)).expect("spec comes from REPOS");
    names[i]
}

mod edits;
mod row;
mod steps;
mod tools;

pub(crate) use row::write_row;

/// One `str_replace` planned on the original file.
#[derive(Debug, Clone)]
struct EditSpec {
    file: usize,
    old: String,
    new: String,
    /// 0-based half-open line span of `old` in the original file.
    span: (usize, usize),
    describe: String,
}

// ---------------------------------------------------------------------------------------------
// The session

/// What to do in one assistant turn.
#[derive(Debug, Clone)]
enum Slot {
    Opening,
    ViewRoot,
    GrepTarget,
    Filler,
    Cover { file: usize, a: usize, b: usize },
    Loop(u32),
    Analysis,
    Repro,
    RanTests,
    FailedEdit(usize),
    Edit(usize),
    Insert(usize),
    Review(usize),
    Finish,
}

impl Slot {
    fn estimate(&self) -> usize {
        match self {
            Slot::Opening => 1_300,
            Slot::ViewRoot => 2_200,
            Slot::GrepTarget => 800,
            Slot::Filler => 0,
            Slot::Cover { a, b, .. } => 500 + (b - a) * 52,
            Slot::Loop(n) => *n as usize * 1_300,
            Slot::Analysis => 1_000,
            Slot::Repro => 1_800,
            Slot::RanTests => 1_600,
            Slot::FailedEdit(_) => 1_200,
            Slot::Edit(_) => 1_300,
            Slot::Insert(_) => 1_000,
            Slot::Review(_) => 900,
            Slot::Finish => 1_100,
        }
    }
}

/// The current text of an edited file.
struct Working {
    text: String,
    starts: Vec<u32>,
}

struct Sim<'o> {
    out: &'o mut Vec<u8>,
    row_start: usize,
    rng: GenRng,
    spec: &'static RepoSpec,
    rc: &'static RepoCorpus,
    ws_abs: String,
    /// Edited files: the current text and its line starts.
    working: Vec<Option<Working>>,
    created: Vec<(String, String)>,
    seen: HashSet<u64>,
    messages: usize,
    viewed: HashSet<usize>,
    /// Files whose original was shown before their first edit.
    edits: Vec<EditSpec>,
    applied: Vec<Option<(usize, usize)>>,
    changes: Vec<String>,
    /// Whether the phase 4 and phase 5 headers were written.
    phase4_written: bool,
    phase5_written: bool,
    /// Exit code of the planned `pytest`/`python` call.
    tests_exit: i32,
    /// The last `execute_bash` call: command, output, exit code (for loops).
    last_bash: Option<(String, String, i32)>,
}

fn hash_action(name: &str, args: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in name.bytes().chain([0u8]).chain(args.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
