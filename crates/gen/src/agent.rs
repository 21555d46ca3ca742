//! The simulated agent: plans a row, then plays an execution-free CodeAct session against the
//! synthetic checkout and writes the row's JSON.
//!
//! Owns instances (which repository, file and functions an issue is about), the special-case
//! decisions ([`crate::RowPlan`]), edits that really apply to the checkout (`str_replace` with a
//! unique `old_str`), tool observations computed from the files (views, grep, find, head, sed,
//! `git diff`), the size budget that steers how much each step shows, and the final
//! `model_patch` (a `similar` unified diff of original versus edited files). It does not own
//! the wording of prose and prompts (`prompts`) or the checkout contents (`corpus`).

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

// ---------------------------------------------------------------------------------------------
// Edits

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

fn occurrences(hay: &str, needle: &str) -> usize {
    memmem::find_iter(hay.as_bytes(), needle.as_bytes()).take(2).count()
}

fn join_lines(file: &SourceFile, a: usize, b: usize) -> String {
    let s = file.line_starts[a] as usize;
    let e = file.line_starts[b] as usize;
    file.text[s..e - 1].to_string()
}

/// Grows `[a, b)` inside `[lo, hi)` until its text occurs exactly once in the file.
fn unique_block(
    file: &SourceFile,
    mut a: usize,
    mut b: usize,
    lo: usize,
    hi: usize,
    grow_down: bool,
) -> Option<(usize, usize, String)> {
    loop {
        let block = join_lines(file, a, b);
        if !block.trim().is_empty() && occurrences(&file.text, &block) == 1 {
            return Some((a, b, block));
        }
        if b - a >= 8 {
            return None;
        }
        if grow_down && b < hi {
            b += 1;
        } else if a > lo {
            a -= 1;
        } else if b < hi {
            b += 1;
        } else {
            return None;
        }
    }
}

fn indent_of(line: &str) -> String {
    line[..line.len() - line.trim_start().len()].to_string()
}

fn qual(f: &Func) -> String {
    match &f.class {
        Some(c) => format!("{c}.{}", f.name),
        None => f.name.clone(),
    }
}

fn decorator_for(spec: &RepoSpec) -> String {
    if spec.pkg == "keras_nlp" {
        "keras.utils.register_keras_serializable(package=\"keras_nlp\")".to_string()
    } else {
        format!("register_serializable(package=\"{}\")", spec.pkg)
    }
}

fn make_edit(
    rng: &mut GenRng,
    spec: &RepoSpec,
    rc: &RepoCorpus,
    file_idx: usize,
    func_idx: usize,
    kind: EditKind,
    new_param: &str,
) -> Option<EditSpec> {
    let file = &rc.files[file_idx];
    let f = &file.funcs[func_idx];
    if !feasible(file, f, kind, new_param) {
        return None;
    }
    let ind = " ".repeat(f.indent);
    let q = qual(f);
    match kind {
        EditKind::Guard => {
            let (a, b, old) = unique_block(file, f.body_start, f.body_start + 1, f.body_start, f.end, true)?;
            let p = pick(rng, &f.params).clone();
            let guard = match rng.random_range(0..3) {
                0 => format!("{ind}if {p} is None:\n{ind}    return None\n"),
                1 => format!("{ind}if {p} is None:\n{ind}    {p} = {}\n", pick(rng, &["[]", "{}", "\"\"", "0"])),
                _ => format!("{ind}if not {p}:\n{ind}    return {p}\n"),
            };
            Some(EditSpec {
                file: file_idx,
                new: format!("{guard}{old}"),
                old,
                span: (a, b),
                describe: format!("Added an early guard for `{p}` at the start of `{q}` in `{}`", file.path),
            })
        }
        EditKind::Return => {
            let r = last_return(file, f)?;
            let (a, b, old) = unique_block(file, r, r + 1, f.body_start, f.end, false)?;
            let line = line_text(file, r);
            let ri = indent_of(line);
            let expr = line.trim().trim_start_matches("return ").to_string();
            let fallback = pick(rng, &["[]", "{}", "default", "\"\""]).to_string();
            let fallback = if fallback == "default" && !f.params.contains(&"default".to_string()) {
                "None".to_string()
            } else {
                fallback
            };
            let mut new = String::new();
            for i in a..b {
                if i == r {
                    let _ = write!(
                        new,
                        "{ri}result = {expr}\n{ri}if result is None:\n{ri}    return {fallback}\n{ri}return result"
                    );
                } else {
                    new.push_str(line_text(file, i));
                }
                if i + 1 < b {
                    new.push('\n');
                }
            }
            Some(EditSpec {
                file: file_idx,
                old,
                new,
                span: (a, b),
                describe: format!(
                    "Made `{q}` in `{}` fall back to `{fallback}` instead of returning `None`",
                    file.path
                ),
            })
        }
        EditKind::Condition => {
            let c = condition_line(file, f)?;
            let (a, b, old) = unique_block(file, c, c + 1, f.body_start, f.end, true)?;
            let line = line_text(file, c);
            let p = pick(rng, &f.params).clone();
            let op = if rng.random_bool(0.6) { "and" } else { "or" };
            let cond_new = if op == "and" {
                format!("{} and {p} is not None:", line.trim_end_matches(':'))
            } else {
                format!("{} or {p} is None:", line.trim_end_matches(':'))
            };
            let mut new = String::new();
            for i in a..b {
                new.push_str(if i == c { &cond_new } else { line_text(file, i) });
                if i + 1 < b {
                    new.push('\n');
                }
            }
            Some(EditSpec {
                file: file_idx,
                old,
                new,
                span: (a, b),
                describe: format!("Extended the condition in `{q}` (`{}`) to take `{p}` into account", file.path),
            })
        }
        EditKind::Decorator => {
            let (line, dind) = match &f.class {
                Some(c) => (file.classes.iter().find(|x| &x.name == c)?.line, String::new()),
                None => (f.def_line, " ".repeat(f.indent.saturating_sub(4))),
            };
            let (a, b, old) = unique_block(file, line, line + 1, line, (line + 4).min(file.n_lines()), true)?;
            let deco = decorator_for(spec);
            let target = f.class.clone().unwrap_or_else(|| f.name.clone());
            Some(EditSpec {
                file: file_idx,
                new: format!("{dind}@{deco}\n{old}"),
                old,
                span: (a, b),
                describe: format!("Registered `{target}` in `{}` with `@{deco}`", file.path),
            })
        }
        EditKind::Param => {
            let d = f.def_line;
            let (a, b, old) = unique_block(file, d, d + 1, d, f.end, true)?;
            let line = line_text(file, d);
            let new_line = if line.ends_with("():") {
                line.replacen("():", &format!("({new_param}=False):"), 1)
            } else if line.ends_with("(self):") {
                line.replacen("(self):", &format!("(self, {new_param}=False):"), 1)
            } else {
                format!("{}, {new_param}=False):", line.trim_end_matches("):"))
            };
            let mut new = new_line;
            for i in d + 1..b {
                new.push('\n');
                new.push_str(line_text(file, i));
            }
            Some(EditSpec {
                file: file_idx,
                old,
                new,
                span: (a, b),
                describe: format!("Added a `{new_param}=False` keyword to `{q}` in `{}`", file.path),
            })
        }
    }
}

fn test_edit(rng: &mut GenRng, rc: &RepoCorpus, test_idx: usize, target: &Func) -> Option<EditSpec> {
    let file = &rc.files[test_idx];
    let last = file.funcs.last()?;
    let (a, b, old) = unique_block(file, last.def_line, last.end, last.def_line, last.end, true)?;
    let case = pick(rng, &["none_input", "regression", "empty", "edge_case"]);
    let short = target.name.trim_start_matches('_');
    let call = match &target.class {
        Some(c) => format!("{c}(\"example\").{}(None)", target.name),
        None => format!("{}(None)", target.name),
    };
    let new = format!(
        "{old}\n\n\ndef test_{short}_{case}():\n    # Regression check for the reported issue\n    result = {call}\n    assert result is not None"
    );
    Some(EditSpec {
        file: test_idx,
        old,
        new,
        span: (a, b),
        describe: format!("Added a regression test to `{}`", file.path),
    })
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

impl Sim<'_> {
    fn written(&self) -> usize {
        self.out.len() - self.row_start
    }

    fn abs(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.ws_abs.clone()
        } else {
            format!("{}/{rel}", self.ws_abs)
        }
    }

    fn text_of(&self, file: usize) -> &str {
        match &self.working[file] {
            Some(w) => &w.text,
            None => &self.rc.files[file].text,
        }
    }

    /// Line starts of the current text of `file`, plus its length.
    fn starts_of(&self, file: usize) -> &[u32] {
        match &self.working[file] {
            Some(w) => &w.starts,
            None => &self.rc.files[file].line_starts,
        }
    }

    fn set_text(&mut self, file: usize, text: String) {
        let starts = line_starts(&text);
        self.working[file] = Some(Working { text, starts });
    }

    /// Whether this exact call is new in the row (and records it).
    fn fresh(&mut self, name: &str, args: &str) -> bool {
        self.seen.insert(hash_action(name, args))
    }

    fn begin_message(&mut self) {
        if self.messages > 0 {
            self.out.push(b',');
        }
        self.messages += 1;
    }

    /// Writes an assistant message with one tool call; returns the call id.
    fn call(&mut self, content: &str, name: &str, args: &str) -> String {
        let id = format!("chatcmpl-tool-{}", hex(&mut self.rng, 32));
        self.begin_message();
        self.out.extend_from_slice(b"{\"role\":\"assistant\",\"content\":");
        string_into(self.out, content);
        self.out.extend_from_slice(b",\"tool_calls\":[{\"id\":");
        string_into(self.out, &id);
        self.out.extend_from_slice(b",\"type\":\"function\",\"function\":{\"name\":");
        string_into(self.out, name);
        self.out.extend_from_slice(b",\"arguments\":");
        string_into(self.out, args);
        self.out.extend_from_slice(b"}}]}");
        id
    }

    /// Opens a tool message; the caller writes escaped content, then calls `close_tool`.
    fn open_tool(&mut self) {
        self.begin_message();
        self.out.extend_from_slice(b"{\"role\":\"tool\",\"content\":\"");
    }

    fn close_tool(&mut self, id: &str, name: &str) {
        self.out.extend_from_slice(b"\",\"name\":");
        string_into(self.out, name);
        self.out.extend_from_slice(b",\"tool_call_id\":");
        string_into(self.out, id);
        self.out.push(b'}');
    }

    fn tool_text(&mut self, id: &str, name: &str, text: &str) {
        self.open_tool();
        escape_into(self.out, text);
        self.close_tool(id, name);
    }

    fn bash_footer(&self, exit: i32) -> String {
        format!(
            "\n[The command completed with exit code {exit}.]\n[Current working directory: {}]\n[Python interpreter: /opt/miniconda3/envs/testbed/bin/python]\n[Command finished with exit code {exit}]",
            self.ws_abs
        )
    }

    /// An `execute_bash` turn. Returns false (and writes nothing) when the call is a repeat.
    fn bash(&mut self, content: &str, cmd: &str, output: &str, exit: i32, allow_repeat: bool) -> bool {
        let args = ArgsBuilder::new().str("command", cmd).finish();
        if !self.fresh("execute_bash", &args) && !allow_repeat {
            return false;
        }
        let id = self.call(content, "execute_bash", &args);
        let footer = self.bash_footer(exit);
        self.open_tool();
        escape_into(self.out, output.trim_end_matches('\n'));
        escape_into(self.out, &footer);
        self.close_tool(&id, "execute_bash");
        self.last_bash = Some((cmd.to_string(), output.to_string(), exit));
        true
    }

    fn think(&mut self, content: &str, thought: &str) -> bool {
        let args = ArgsBuilder::new().str("thought", thought).finish();
        if !self.fresh("think", &args) {
            return false;
        }
        let id = self.call(content, "think", &args);
        self.tool_text(&id, "think", "Your thought has been logged.");
        true
    }

    fn view_args(&mut self, path: &str, range: Option<(usize, usize)>) -> String {
        let mut b = if self.rng.random_bool(0.5) {
            ArgsBuilder::new().str("command", "view").str("path", path)
        } else {
            ArgsBuilder::new().str("path", path).str("command", "view")
        };
        if let Some((a, z)) = range {
            b = b.raw("view_range", &format!("[{a}, {z}]"));
        }
        b.finish()
    }

    fn view_dir(&mut self, content: &str, dir: &str) -> bool {
        let abs = self.abs(dir);
        let args = self.view_args(&abs, None);
        if !self.fresh("str_replace_editor", &args) {
            return false;
        }
        let id = self.call(content, "str_replace_editor", &args);
        let mut text =
            format!("Here's the files and directories up to 2 levels deep in {abs}, excluding hidden items:\n{abs}/\n");
        for e in listing(self.rc, dir) {
            let _ = writeln!(text, "{abs}/{e}");
        }
        if dir.is_empty() {
            let _ = write!(
                text,
                "\n{} hidden files/directories in this directory are excluded. You can use 'ls -la {abs}' to see them.",
                self.rng.random_range(3..9)
            );
        }
        self.tool_text(&id, "str_replace_editor", &text);
        true
    }

    /// Views `file`, whole (`None`) or lines `[a, b)` (0-based). Returns false on a repeat.
    fn view_file(&mut self, content: &str, file: usize, range: Option<(usize, usize)>, allow_repeat: bool) -> bool {
        let abs = self.abs(&self.rc.files[file].path);
        let n = self.n_lines(file);
        let range = range.map(|(a, b)| (a.min(n.saturating_sub(1)), b.min(n).max(a + 1).min(n)));
        let args = self.view_args(&abs, range.map(|(a, b)| (a + 1, b)));
        if !self.fresh("str_replace_editor", &args) && !allow_repeat {
            return false;
        }
        self.viewed.insert(file);
        let id = self.call(content, "str_replace_editor", &args);
        self.open_tool();
        escape_into(self.out, &format!("Here's the result of running `cat -n` on {abs}:\n"));
        let (a, b) = range.unwrap_or((0, n));
        match &self.working[file] {
            None => {
                let f = &self.rc.files[file];
                let mut end = b;
                let clipped = range.is_none() && f.raw_numbered_starts[n] > MAX_VIEW_CHARS;
                if clipped {
                    end = f.raw_numbered_starts.iter().position(|&x| x > MAX_VIEW_CHARS).map_or(n, |p| p - 1);
                }
                self.out.extend_from_slice(f.esc_range(a, end));
                if clipped {
                    escape_into(self.out, CLIP_NOTE);
                }
            }
            Some(w) => {
                let (text, starts) = (&w.text, &w.starts);
                let mut buf = String::new();
                for i in a..b {
                    let l = &text[starts[i] as usize..starts[i + 1] as usize];
                    let _ = write!(buf, "{:>6}\t{}", i + 1, l);
                }
                escape_into(self.out, &buf);
            }
        }
        self.close_tool(&id, "str_replace_editor");
        true
    }

    fn n_lines(&self, file: usize) -> usize {
        self.starts_of(file).len() - 1
    }

    /// `grep -rn NEEDLE` over the files under `scope` (a relative directory): output lines.
    fn grep_lines(&self, needle: &str, scope: &str, with_path: bool) -> Vec<String> {
        let cached = original_matches(self.rc, needle);
        let mut out = Vec::new();
        let mut push = |file: usize, line: usize, text: &str| {
            if with_path {
                out.push(format!("{}/{}:{}:{}", self.ws_abs, self.rc.files[file].path, line + 1, text));
            } else {
                out.push(format!("{}:{}", line + 1, text));
            }
        };
        let mut next = 0;
        for (i, f) in self.rc.files.iter().enumerate() {
            let from = next;
            while next < cached.len() && cached[next].0 as usize == i {
                next += 1;
            }
            if !f.path.starts_with(scope) {
                continue;
            }
            match &self.working[i] {
                None => {
                    for &(_, line) in &cached[from..next] {
                        push(i, line as usize, f.line(line as usize));
                    }
                }
                Some(w) => {
                    for line in matching_lines(&w.text, &w.starts, needle) {
                        let (a, b) = (w.starts[line] as usize, w.starts[line + 1] as usize);
                        push(i, line, &w.text[a..b.saturating_sub(1).max(a)]);
                    }
                }
            }
        }
        out
    }

    fn grep(&mut self, content: &str, needle: &str, allowance: usize, allow_repeat: bool) -> bool {
        let scope = if self.rng.random_bool(0.7) { self.spec.pkg } else { "" };
        let lines = self.grep_lines(needle, scope, true);
        let dir = self.abs(scope);
        let mut cmd = format!("grep -rn \"{needle}\" {dir} --include=\"*.py\"");
        let mut shown = lines.len();
        let total: usize = lines.iter().map(|l| l.len() + 1).sum();
        if total > allowance.max(800) {
            let avg = total / lines.len().max(1);
            shown = (allowance / avg.max(1)).clamp(5, lines.len());
            let _ = write!(cmd, " | head -{shown}");
        }
        let exit = if lines.is_empty() { 1 } else { 0 };
        let output = lines[..shown].join("\n");
        self.bash(content, &cmd, &output, exit, allow_repeat)
    }

    fn symbols(&self, file: usize) -> Vec<String> {
        let f = &self.rc.files[file];
        let mut v: Vec<String> = Vec::new();
        for c in f.classes.iter().take(3) {
            v.push(c.name.clone());
        }
        for func in f.funcs.iter().filter(|x| !x.name.starts_with("__")).take(6) {
            v.push(format!("def {}", func.name));
            v.push(format!("{}(", func.name));
        }
        v
    }

    /// A file to look at: near the target most of the time.
    fn related_file(&mut self, inst: &Instance) -> usize {
        let rc = self.rc;
        let target_dir = rc.files[inst.target_file].path.rsplit_once('/').map_or("", |x| x.0).to_string();
        let r = self.rng.random_range(0..100);
        if r < 45 {
            let near: Vec<usize> = (0..rc.files.len()).filter(|&i| rc.files[i].path.starts_with(&target_dir)).collect();
            if !near.is_empty() {
                return *pick(&mut self.rng, &near);
            }
        }
        if r < 60 {
            if let Some(t) = rc.test_for(inst.target_file) {
                return t;
            }
        }
        self.rng.random_range(0..rc.files.len())
    }

    /// A related file whose full view is about `bytes` long, or larger.
    fn file_of_size(&mut self, inst: &Instance, bytes: usize) -> usize {
        let size_of = |s: &Self, c: usize| s.rc.files[c].esc_numbered.len().min(17_500) + 400;
        let mut best = self.related_file(inst);
        for _ in 0..10 {
            let c = self.related_file(inst);
            let (sb, sc) = (size_of(self, best), size_of(self, c));
            let better = if sb < bytes { sc > sb } else { sc >= bytes && sc < sb };
            if better {
                best = c;
            }
        }
        best
    }

    fn filler(&mut self, inst: &Instance, facts: &IssueFacts<'_>, allowance: usize) {
        for _attempt in 0..6 {
            if self.filler_once(inst, facts, allowance) {
                return;
            }
        }
    }

    fn filler_once(&mut self, inst: &Instance, facts: &IssueFacts<'_>, allowance: usize) -> bool {
        #[derive(Clone, Copy)]
        enum Kind {
            Full,
            Range,
            Grep,
            Defs,
            Find,
            Head,
            Sed,
            Dir,
            Think,
        }
        const BIG: [(Kind, u32); 9] = [
            (Kind::Full, 30),
            (Kind::Range, 48),
            (Kind::Grep, 10),
            (Kind::Defs, 2),
            (Kind::Find, 1),
            (Kind::Head, 2),
            (Kind::Sed, 4),
            (Kind::Dir, 1),
            (Kind::Think, 2),
        ];
        const SMALL: [(Kind, u32); 9] = [
            (Kind::Full, 0),
            (Kind::Range, 40),
            (Kind::Grep, 20),
            (Kind::Defs, 8),
            (Kind::Find, 7),
            (Kind::Head, 7),
            (Kind::Sed, 6),
            (Kind::Dir, 6),
            (Kind::Think, 6),
        ];
        let table = if allowance >= 2_500 { &BIG } else { &SMALL };
        let kind = table[weighted(&mut self.rng, table.iter().map(|x| x.1))].0;
        let file = match kind {
            Kind::Range | Kind::Sed => self.file_of_size(inst, allowance),
            _ => self.related_file(inst),
        };
        let rel = self.rc.files[file].path.clone();
        let abs = self.abs(&rel);
        let short = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        let n = self.n_lines(file);
        // Escaped bytes per `cat -n` line of this file.
        let per_line = (self.rc.files[file].esc_numbered.len() / self.rc.files[file].n_lines().max(1)).max(8);
        let lines_for = |bytes: usize| (bytes.saturating_sub(350) / per_line).clamp(6, 400);
        let window = |rng: &mut GenRng, want: usize| {
            let a = if n > want { rng.random_range(0..=n - want) } else { 0 };
            (a, (a + want).min(n))
        };
        match kind {
            Kind::Full => {
                // A whole file, the one closest in size to the allowance.
                let best = self.file_of_size(inst, allowance);
                let what = format!("the `{}` file", self.rc.files[best].path.rsplit('/').next().unwrap_or(""));
                let content = prompts::prose(&mut self.rng, &what);
                self.view_file(&content, best, None, false)
            }
            Kind::Range => {
                let (a, b) = window(&mut self.rng, lines_for(allowance));
                let what = format!("lines {}-{} of `{short}`", a + 1, b);
                let content = prompts::prose(&mut self.rng, &what);
                self.view_file(&content, file, Some((a, b)), false)
            }
            Kind::Grep => {
                let which = if self.rng.random_bool(0.6) { inst.target_file } else { file };
                let syms = self.symbols(which);
                if syms.is_empty() {
                    return false;
                }
                let s = pick(&mut self.rng, &syms).clone();
                let content = prompts::search_prose(&mut self.rng, &format!("usages of `{}`", s.trim_end_matches('(')));
                self.grep(&content, &s, allowance, false)
            }
            Kind::Defs => {
                let lines: Vec<String> = self
                    .text_of(file)
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.contains("def ") || l.contains("class "))
                    .map(|(i, l)| format!("{}:{}", i + 1, l))
                    .collect();
                let cmd = format!("grep -n \"def \\|class \" {abs}");
                let content = prompts::prose(&mut self.rng, &format!("the structure of `{short}`"));
                self.bash(&content, &cmd, &lines.join("\n"), if lines.is_empty() { 1 } else { 0 }, false)
            }
            Kind::Find => {
                let noun = pick(&mut self.rng, self.spec.nouns).to_string();
                let matches: Vec<String> = self
                    .rc
                    .all_paths
                    .iter()
                    .filter(|p| p.rsplit('/').next().is_some_and(|f| f.contains(&noun)))
                    .map(|p| format!("{}/{p}", self.ws_abs))
                    .collect();
                let cmd = format!("find {} -name \"*{noun}*\" -type f", self.ws_abs);
                let content = prompts::search_prose(&mut self.rng, &format!("files related to `{noun}`"));
                self.bash(&content, &cmd, &matches.join("\n"), 0, false)
            }
            Kind::Head => {
                let k = (allowance / 45).clamp(10, 80);
                let text: String = self.text_of(file).lines().take(k).collect::<Vec<_>>().join("\n");
                let cmd = format!("head -{k} {abs}");
                let content = prompts::prose(&mut self.rng, &format!("the top of `{short}`"));
                self.bash(&content, &cmd, &text, 0, false)
            }
            Kind::Sed => {
                let (a, b) = window(&mut self.rng, lines_for(allowance + allowance / 6));
                let text: String = self.text_of(file).lines().skip(a).take(b - a).collect::<Vec<_>>().join("\n");
                let cmd = format!("sed -n '{},{}p' {abs}", a + 1, b);
                let content = prompts::prose(&mut self.rng, &format!("that part of `{short}`"));
                self.bash(&content, &cmd, &text, 0, false)
            }
            Kind::Dir => {
                let dirs = crate::corpus::directories(self.rc);
                if dirs.is_empty() {
                    return false;
                }
                let d = pick(&mut self.rng, &dirs).clone();
                if self.rng.random_bool(0.5) {
                    let content = prompts::prose(&mut self.rng, &format!("the `{d}` directory"));
                    self.view_dir(&content, &d)
                } else {
                    let out = self.ls_la(&d);
                    let cmd = format!("ls -la {}", self.abs(&d));
                    let content = prompts::prose(&mut self.rng, &format!("the contents of `{d}`"));
                    self.bash(&content, &cmd, &out, 0, false)
                }
            }
            Kind::Think => {
                let other = self.rc.files[file].funcs.first().map_or_else(|| short.clone(), qual);
                let thought = prompts::musing(&mut self.rng, facts, &other);
                self.think("", &thought)
            }
        }
    }

    fn ls_la(&mut self, dir: &str) -> String {
        let month = pick(&mut self.rng, &["Jan", "Mar", "Jun", "Sep", "Nov"]).to_string();
        let day = self.rng.random_range(1..29);
        let date = format!("{month} {day:>2} 10:{:02}", self.rng.random_range(0..60));
        let entries: Vec<String> =
            listing(self.rc, dir).into_iter().filter(|e| !e.trim_end_matches('/').contains('/')).collect();
        let mut s = format!("total {}\n", entries.len() * 4 + 8);
        let _ = writeln!(s, "drwxr-xr-x  4 root root  4096 {date} .");
        let _ = writeln!(s, "drwxr-xr-x 12 root root  4096 {date} ..");
        for e in entries {
            if let Some(d) = e.strip_suffix('/') {
                let _ = writeln!(s, "drwxr-xr-x  3 root root  4096 {date} {d}");
            } else {
                let rel = if dir.is_empty() { e.clone() } else { format!("{dir}/{e}") };
                let size =
                    self.rc.files.iter().find(|f| f.path == rel).map_or(1_000 + rel.len() * 37, |f| f.text.len());
                let _ = writeln!(s, "-rw-r--r--  1 root root {size:>5} {date} {e}");
            }
        }
        s
    }

    /// Applies edit `i` to the working copy; returns `(first new line, new line count)`.
    fn apply(&mut self, i: usize) -> Option<(usize, usize)> {
        let e = &self.edits[i];
        let text = self.text_of(e.file);
        let mut it = memmem::find_iter(text.as_bytes(), e.old.as_bytes());
        let pos = it.next()?;
        if it.next().is_some() {
            return None;
        }
        let mut new_text = String::with_capacity(text.len() + e.new.len());
        new_text.push_str(&text[..pos]);
        new_text.push_str(&e.new);
        new_text.push_str(&text[pos + e.old.len()..]);
        let first = text[..pos].bytes().filter(|&b| b == b'\n').count();
        let count = e.new.lines().count();
        self.set_text(e.file, new_text);
        Some((first, count))
    }

    /// Where edit `i` is now: `(first line, line count)` of its `new_str` in the current file
    /// (later edits may have moved it).
    fn located(&self, i: usize) -> Option<(usize, usize)> {
        self.applied[i]?;
        let e = &self.edits[i];
        let text = self.text_of(e.file);
        let pos = memmem::find(text.as_bytes(), e.new.as_bytes())?;
        let first = text[..pos].bytes().filter(|&b| b == b'\n').count();
        Some((first, e.new.lines().count()))
    }

    fn snippet_after_edit(&self, file: usize, first: usize, count: usize) -> String {
        let text = self.text_of(file);
        let starts = self.starts_of(file);
        let n = starts.len() - 1;
        let a = first.saturating_sub(4);
        let b = (first + count + 4).min(n);
        let mut s = String::new();
        for i in a..b {
            let l = &text[starts[i] as usize..starts[i + 1] as usize];
            let _ = write!(s, "{:>6}\t{}", i + 1, l);
        }
        s
    }

    fn do_edit(&mut self, content: &str, i: usize) {
        let e = self.edits[i].clone();
        let abs = self.abs(&self.rc.files[e.file].path);
        let args = if self.rng.random_bool(0.5) {
            ArgsBuilder::new()
                .str("command", "str_replace")
                .str("path", &abs)
                .str("old_str", &e.old)
                .str("new_str", &e.new)
                .finish()
        } else {
            ArgsBuilder::new()
                .str("path", &abs)
                .str("new_str", &e.new)
                .str("old_str", &e.old)
                .str("command", "str_replace")
                .finish()
        };
        self.fresh("str_replace_editor", &args);
        let id = self.call(content, "str_replace_editor", &args);
        match self.apply(i) {
            Some((first, count)) => {
                self.applied[i] = Some((first, count));
                self.changes.push(e.describe.clone());
                let snippet = self.snippet_after_edit(e.file, first, count);
                let text = format!(
                    "The file {abs} has been edited. Here's the result of running `cat -n` on a snippet of {abs}:\n{snippet}Review the changes and make sure they are as expected. Edit the file again if necessary."
                );
                self.tool_text(&id, "str_replace_editor", &text);
            }
            None => {
                let text = format!(
                    "ERROR:\nNo replacement was performed, old_str `{}` did not appear verbatim in {abs}.",
                    e.old
                );
                self.tool_text(&id, "str_replace_editor", &text);
            }
        }
    }

    fn failed_edit(&mut self, content: &str, i: usize) {
        let e = self.edits[i].clone();
        let abs = self.abs(&self.rc.files[e.file].path);
        // The classic failure: indentation lost when copying the block.
        let mut bad: String = e.old.lines().map(str::trim_start).collect::<Vec<_>>().join("\n");
        if self.text_of(e.file).contains(&bad) {
            bad.push_str("  ");
        }
        let args = ArgsBuilder::new()
            .str("command", "str_replace")
            .str("path", &abs)
            .str("old_str", &bad)
            .str("new_str", &e.new)
            .finish();
        self.fresh("str_replace_editor", &args);
        let id = self.call(content, "str_replace_editor", &args);
        let text = format!("ERROR:\nNo replacement was performed, old_str `{bad}` did not appear verbatim in {abs}.");
        self.tool_text(&id, "str_replace_editor", &text);
    }

    fn insert_import(&mut self, content: &str, file: usize) {
        let text = self.text_of(file).to_string();
        let mut last_import = None;
        for (i, l) in text.lines().enumerate() {
            if l.starts_with("import ") {
                last_import = Some(i);
            }
            if l.starts_with("def ") || l.starts_with("class ") {
                break;
            }
        }
        let Some(li) = last_import else { return };
        let module = ["functools", "itertools", "copy", "numbers", "types"]
            .into_iter()
            .find(|m| !text.contains(&format!("import {m}\n")));
        let Some(module) = module else { return };
        let abs = self.abs(&self.rc.files[file].path);
        let new_str = format!("import {module}");
        let args = ArgsBuilder::new()
            .str("command", "insert")
            .str("path", &abs)
            .raw("insert_line", &(li + 1).to_string())
            .str("new_str", &new_str)
            .finish();
        if !self.fresh("str_replace_editor", &args) {
            return;
        }
        let id = self.call(content, "str_replace_editor", &args);
        let at = self.starts_of(file)[li + 1] as usize;
        let new_text = format!("{}{new_str}\n{}", &text[..at], &text[at..]);
        self.set_text(file, new_text);
        let snippet = self.snippet_after_edit(file, li + 1, 1);
        self.changes.push(format!("Imported `{module}` in `{}`", self.rc.files[file].path));
        let msg = format!(
            "The file {abs} has been edited. Here's the result of running `cat -n` on a snippet of the edited file:\n{snippet}Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). Edit the file again if necessary."
        );
        self.tool_text(&id, "str_replace_editor", &msg);
    }

    fn create_repro(&mut self, content: &str, inst: &Instance) {
        let f = &self.rc.files[inst.target_file];
        let func = &f.funcs[inst.funcs[0]];
        let call = match &func.class {
            Some(c) => format!("{c}(\"example\").{}(None)", func.name),
            None => format!("{}(None)", func.name),
        };
        let import = func.class.clone().unwrap_or_else(|| func.name.clone());
        let text = format!(
            "#!/usr/bin/env python3\n\"\"\"Script to reproduce the issue described in the bug report.\"\"\"\n\nimport sys\nimport traceback\n\nsys.path.insert(0, \"{ws}\")\n\nfrom {dotted} import {import}\n\n\ndef main():\n    print(\"Reproducing the issue...\")\n    try:\n        result = {call}\n        print(f\"Result: {{result!r}}\")\n    except Exception:\n        traceback.print_exc()\n        return 1\n    print(\"No error raised\")\n    return 0\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n",
            ws = self.ws_abs,
            dotted = f.dotted,
        );
        let path = format!("{}/reproduce_issue.py", self.ws_abs);
        let args = ArgsBuilder::new().str("command", "create").str("path", &path).str("file_text", &text).finish();
        self.fresh("str_replace_editor", &args);
        let id = self.call(content, "str_replace_editor", &args);
        self.tool_text(&id, "str_replace_editor", &format!("File created successfully at: {path}"));
        self.created.push(("reproduce_issue.py".to_string(), text));
    }

    fn run_tests(&mut self, inst: &Instance, exit: i32, facts: &IssueFacts<'_>) {
        let rc = self.rc;
        let test_path =
            rc.test_for(inst.target_file).map(|t| rc.files[t].path.clone()).unwrap_or_else(|| "tests".to_string());
        let use_repro = !self.created.is_empty() && self.rng.random_bool(0.5);
        let minor = self.rng.random_range(8..=11);
        let (cmd, output) = if use_repro {
            let cmd = format!("cd {} && python reproduce_issue.py", self.ws_abs);
            let out = if exit == 0 {
                "Reproducing the issue...\nResult: None\nNo error raised".to_string()
            } else {
                format!(
                    "Reproducing the issue...\nTraceback (most recent call last):\n  File \"{}/reproduce_issue.py\", line 15, in main\n    result = {}\n  File \"{}/{}\", line {}, in {}\n    {}\n{}: {}",
                    self.ws_abs,
                    facts.qual(),
                    self.ws_abs,
                    facts.path,
                    facts.line_no,
                    facts.func,
                    facts.line_text.trim(),
                    facts.error,
                    "'NoneType' object has no attribute 'get'"
                )
            };
            (cmd, out)
        } else {
            let n = self.rng.random_range(3..40);
            let dur = f64::from(self.rng.random_range(20..900u32)) / 100.0;
            let cmd = format!("cd {} && python -m pytest {test_path} -x -q 2>&1 | tail -30", self.ws_abs);
            let head = format!(
                "============================= test session starts ==============================\nplatform linux -- Python 3.{minor}.{}, pytest-7.4.{}, pluggy-1.3.0\nrootdir: {}\nconfigfile: pyproject.toml\ncollected {n} items\n\n",
                self.rng.random_range(0..19),
                self.rng.random_range(0..5),
                self.ws_abs
            );
            let out = match exit {
                0 => format!("{head}{test_path} {}                                   [100%]\n\n============================== {n} passed in {dur:.2}s ==============================", ".".repeat(n as usize)),
                1 => {
                    let tname = rc
                        .test_for(inst.target_file)
                        .and_then(|t| rc.files[t].funcs.first())
                        .map_or_else(|| "test_basic".to_string(), |f| f.name.clone());
                    format!(
                        "{head}{test_path} ..F\n\n=================================== FAILURES ===================================\n_______________________________ {tname} _______________________________\n\n    def {tname}():\n>       assert result == expected\nE       AssertionError: assert None == []\n\n{test_path}:{}: AssertionError\n=========================== short test summary info ============================\nFAILED {test_path}::{tname} - AssertionError: assert None == []\n!!!!!!!!!!!!!!!!!!!!!!!!!! stopping after 1 failures !!!!!!!!!!!!!!!!!!!!!!!!!!!\n========================= 1 failed, 2 passed in {dur:.2}s =========================",
                        self.rng.random_range(10..200)
                    )
                }
                _ => format!(
                    "==================================== ERRORS ====================================\n_____________________ ERROR collecting {test_path} _____________________\nImportError while importing test module '{}/{test_path}'.\nHint: make sure your test modules/packages have valid Python names.\nE   ModuleNotFoundError: No module named '{}'\n=========================== short test summary info ============================\nERROR {test_path}\n!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!\n=============================== 1 error in {dur:.2}s ===============================",
                    self.ws_abs,
                    pick(&mut self.rng, &["hypothesis", "pytest_asyncio", "moto_server", "tzdata"])
                ),
            };
            (cmd, out)
        };
        let content = prompts::run_prose(&mut self.rng);
        self.bash(&content, &cmd, &output, exit, true);
    }

    /// The unified diff of everything changed so far (files sorted by path).
    fn patch(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        for (i, w) in self.working.iter().enumerate() {
            let Some(Working { text: new, .. }) = w else {
                continue;
            };
            let f = &self.rc.files[i];
            if *new == f.text {
                continue;
            }
            let mut s = format!(
                "diff --git a/{p} b/{p}\nindex {}..{} 100644\n",
                f.blob_hash,
                text_hash_hex(new, 7),
                p = f.path
            );
            let diff = TextDiff::from_lines(f.text.as_str(), new.as_str());
            let _ = write!(
                s,
                "{}",
                diff.unified_diff().context_radius(3).header(&format!("a/{}", f.path), &format!("b/{}", f.path))
            );
            parts.push((f.path.clone(), s));
        }
        for (path, text) in &self.created {
            let mut s = format!(
                "diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..{}\n--- /dev/null\n+++ b/{path}\n",
                text_hash_hex(text, 7)
            );
            let diff = TextDiff::from_lines("", text.as_str());
            let _ = write!(s, "{}", diff.unified_diff().context_radius(3));
            parts.push((path.clone(), s));
        }
        parts.sort();
        parts.into_iter().map(|p| p.1).collect()
    }
}

/// Writes the row for `plan` into `out` (no trailing newline).
pub(crate) fn write_row(seed: u64, plan: &RowPlan, out: &mut Vec<u8>) {
    let inst = &plan.inst;
    let spec = &REPOS[inst.repo];
    let rc = repo_corpus(inst);
    let ws = format!("{}__{}__{}", spec.owner, spec.name, inst.version);
    let mut rng = rng_for(seed, stream::ROW, plan.index);

    // Issue facts (shared by every attempt at the instance).
    let target = &rc.files[inst.target_file];
    let pf = &target.funcs[inst.funcs[0]];
    let line_no = pf
        .params
        .first()
        .and_then(|p| (pf.body_start..pf.end).find(|&i| target.line(i).contains(p.as_str())))
        .unwrap_or(pf.body_start.min(pf.end - 1));
    let module_name = target.path.rsplit('/').next().unwrap_or("").trim_end_matches(".py");
    let noun = module_name.split('_').next().unwrap_or(module_name);
    let decorator = decorator_for(spec);
    let mut issue_rng = rng_for(seed, stream::ISSUE, inst.issue_key);
    let facts = IssueFacts {
        pkg: spec.pkg,
        version: inst.version,
        path: &target.path,
        dotted: &target.dotted,
        class: pf.class.as_deref(),
        func: &pf.name,
        param: pf.params.first().map(String::as_str),
        noun,
        line_no: line_no + 1,
        line_text: target.line(line_no),
        kind: inst.kind as usize,
        generated_style: DATASETS[inst.dataset].starts_with("R2E"),
        phrases: &inst.phrases,
        new_param: inst.new_param,
        decorator: &decorator,
        error: inst.error,
    };
    let issue = prompts::issue(&mut issue_rng, &facts);

    // Edits, planned on the original files.
    let mut edits: Vec<EditSpec> = Vec::new();
    if !plan.empty_patch || plan.tool_error {
        if let Some(e) = primary_edit(&mut rng, spec, rc, inst) {
            edits.push(e);
        }
    }
    if !plan.empty_patch {
        for &fi in &inst.funcs[1..] {
            let kind = *pick(&mut rng, &[EditKind::Guard, EditKind::Return, EditKind::Condition]);
            if let Some(e) = make_edit(&mut rng, spec, rc, inst.target_file, fi, kind, inst.new_param) {
                if !overlaps(&edits, &e) {
                    edits.push(e);
                }
            }
        }
        if let Some((f2, fu2)) = inst.second {
            if rng.random_bool(0.7) {
                let kind = *pick(&mut rng, &[EditKind::Guard, EditKind::Return]);
                if let Some(e) = make_edit(&mut rng, spec, rc, f2, fu2, kind, inst.new_param) {
                    edits.push(e);
                }
            }
        }
        if plan.edits_test {
            let t = rc.test_for(inst.target_file).or_else(|| rc.files.iter().position(|f| f.is_test));
            if let Some(t) = t {
                if let Some(e) = test_edit(&mut rng, rc, t, pf) {
                    edits.push(e);
                }
            }
        }
    }
    let edits = applicable(rc, edits);
    let insert_file = if !plan.empty_patch && rng.random_bool(0.2) { Some(inst.target_file) } else { None };

    // The schedule.
    let turns = ((plan.target_messages as usize).saturating_sub(1) / 2).max(8);
    let mut head: Vec<Slot> = vec![Slot::Opening, Slot::ViewRoot, Slot::GrepTarget];
    let mut covers: Vec<Slot> = Vec::new();
    let mut files_in_order: Vec<usize> = Vec::new();
    for e in &edits {
        if !files_in_order.contains(&e.file) {
            files_in_order.push(e.file);
        }
    }
    for &file in &files_in_order {
        let spans: Vec<(usize, usize)> = edits.iter().filter(|e| e.file == file).map(|e| e.span).collect();
        let lo = spans.iter().map(|s| s.0).min().unwrap_or(0);
        let hi = spans.iter().map(|s| s.1).max().unwrap_or(0);
        let n = rc.files[file].n_lines();
        if hi - lo <= 160 {
            let pad_a = rng.random_range(2..10);
            let pad_b = rng.random_range(2..10);
            covers.push(Slot::Cover { file, a: lo.saturating_sub(pad_a), b: (hi + pad_b).min(n) });
        } else {
            for (a, b) in spans {
                covers.push(Slot::Cover { file, a: a.saturating_sub(3), b: (b + 3).min(n) });
            }
        }
    }
    let mut middle: Vec<Slot> = vec![Slot::Analysis];
    if plan.stray_repro {
        middle.push(Slot::Repro);
    }
    let tests_early = rng.random_bool(0.5);
    if plan.ran_tests.is_some() && tests_early {
        middle.push(Slot::RanTests);
    }
    if plan.tool_error && !edits.is_empty() {
        middle.push(Slot::FailedEdit(0));
    }
    let n_real_edits = if plan.empty_patch { 0 } else { edits.len() };
    for i in 0..n_real_edits {
        middle.push(Slot::Edit(i));
        if i == 0 {
            if let Some(f) = insert_file {
                middle.push(Slot::Insert(f));
            }
        }
    }
    if plan.ran_tests.is_some() && !tests_early {
        middle.push(Slot::RanTests);
    }
    let mut tail: Vec<Slot> = Vec::new();
    for i in 0..n_real_edits.min(2) {
        tail.push(Slot::Review(i));
    }
    let fixed = head.len() + covers.len() + middle.len() + tail.len() + 1 + plan.loop_repeats as usize;
    let fillers = turns.saturating_sub(fixed).max(2);
    let explore = (fillers * 7).div_ceil(10);
    let review = fillers - explore;
    for _ in 0..explore {
        head.push(Slot::Filler);
    }
    if plan.loop_repeats > 0 {
        let at = rng.random_range(3..=head.len());
        head.insert(at, Slot::Loop(plan.loop_repeats));
    }
    let mut slots = head;
    slots.extend(covers);
    slots.extend(middle);
    // Review fillers interleaved with the review views.
    for _ in 0..review {
        let at = rng.random_range(0..=tail.len());
        tail.insert(at, Slot::Filler);
    }
    slots.extend(tail);
    slots.push(Slot::Finish);
    if plan.no_finish {
        // Cut off during the review: every planned special case and edit stays in.
        slots.pop();
        let min_keep = slots.iter().rposition(|s| !matches!(s, Slot::Filler | Slot::Review(_))).map_or(0, |p| p + 1);
        let keep = rng.random_range(min_keep..=slots.len());
        slots.truncate(keep);
    }

    // The row.
    let row_start = out.len();
    out.extend_from_slice(b"{\"instance_id\":");
    string_into(out, &plan.instance_id);
    out.extend_from_slice(b",\"repo\":");
    string_into(out, plan.repo);
    out.extend_from_slice(b",\"license\":");
    string_into(out, plan.license);
    out.extend_from_slice(b",\"trajectory_id\":");
    string_into(out, &plan.trajectory_id);
    out.extend_from_slice(b",\"trajectory\":[");
    out.extend_from_slice(b"{\"role\":\"system\",\"content\":\"");
    out.extend_from_slice(escaped_system_prompt());
    out.extend_from_slice(b"\"},{\"role\":\"user\",\"content\":");
    string_into(out, &prompts::user_prompt(&ws, &issue, &inst.base_commit));
    out.push(b'}');

    let n_edits = edits.len();
    let mut sim = Sim {
        out,
        row_start,
        rng,
        spec,
        rc,
        ws_abs: format!("/workspace/{ws}"),
        working: (0..rc.files.len()).map(|_| None).collect(),
        created: Vec::new(),
        seen: HashSet::new(),
        messages: 2,
        viewed: HashSet::new(),
        edits,
        applied: vec![None; n_edits],
        changes: Vec::new(),
        phase4_written: false,
        phase5_written: false,
        tests_exit: plan.ran_tests.unwrap_or(0),
        last_bash: None,
    };
    let reserve_patch = 2_500usize;
    for (k, slot) in slots.iter().enumerate() {
        match slot {
            Slot::Filler => {
                let rest = &slots[k + 1..];
                let remaining_fillers = 1 + rest.iter().filter(|s| matches!(s, Slot::Filler)).count();
                let reserve: usize = rest.iter().map(Slot::estimate).sum::<usize>() + reserve_patch;
                let budget = (plan.target_bytes as usize).saturating_sub(sim.written() + reserve);
                let allowance = (budget / remaining_fillers).clamp(500, 40_000);
                sim.filler(inst, &facts, allowance);
            }
            _ => run_slot(&mut sim, slot, inst, &facts),
        }
    }
    let patch = if plan.empty_patch && sim.created.is_empty() { String::new() } else { sim.patch() };
    let out = sim.out;
    out.extend_from_slice(b"],\"model_patch\":");
    string_into(out, &patch);
    out.extend_from_slice(b",\"dataset\":");
    string_into(out, plan.dataset);
    out.push(b'}');
}

/// The edit the issue asks for, falling back to other kinds and functions when the planned one
/// has no unique anchor in the file.
fn primary_edit(rng: &mut GenRng, spec: &RepoSpec, rc: &RepoCorpus, inst: &Instance) -> Option<EditSpec> {
    let file = inst.target_file;
    let kinds = [inst.kind, EditKind::Guard, EditKind::Return, EditKind::Condition, EditKind::Decorator];
    for k in kinds {
        if let Some(e) = make_edit(rng, spec, rc, file, inst.funcs[0], k, inst.new_param) {
            return Some(e);
        }
    }
    (0..rc.files[file].funcs.len())
        .find_map(|fi| make_edit(rng, spec, rc, file, fi, EditKind::Decorator, inst.new_param))
}

/// Keeps the edits that still apply, in order, when each is applied after the previous ones
/// (an earlier `new_str` can make a later `old_str` ambiguous).
fn applicable(rc: &RepoCorpus, edits: Vec<EditSpec>) -> Vec<EditSpec> {
    let mut texts: Vec<Option<String>> = vec![None; rc.files.len()];
    let mut kept = Vec::with_capacity(edits.len());
    for e in edits {
        let text = texts[e.file].get_or_insert_with(|| rc.files[e.file].text.clone());
        if occurrences(text, &e.old) != 1 {
            continue;
        }
        *text = text.replacen(&e.old, &e.new, 1);
        kept.push(e);
    }
    kept
}

/// Lines (0-based) of `text` that contain `needle`, in order, each once.
fn matching_lines(text: &str, starts: &[u32], needle: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    for pos in memmem::find_iter(text.as_bytes(), needle.as_bytes()) {
        let line = starts.partition_point(|&s| s as usize <= pos) - 1;
        if lines.last() != Some(&line) {
            lines.push(line);
        }
    }
    lines
}

/// `(file, line)` of every line of the original checkout that contains `needle`, in file order.
/// Cached per process: the checkouts are shared by all rows, and agents grep the same symbols.
fn original_matches(rc: &'static RepoCorpus, needle: &str) -> Arc<Vec<(u32, u32)>> {
    type Cache = Mutex<HashMap<(usize, String), Arc<Vec<(u32, u32)>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (rc as *const RepoCorpus as usize, needle.to_string());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().expect("grep cache lock").get(&key) {
        return Arc::clone(hit);
    }
    let finder = memmem::Finder::new(needle.as_bytes());
    let mut found = Vec::new();
    for (i, f) in rc.files.iter().enumerate() {
        let mut last = usize::MAX;
        for pos in finder.find_iter(f.text.as_bytes()) {
            let line = f.line_starts.partition_point(|&s| s as usize <= pos) - 1;
            if line != last {
                found.push((i as u32, line as u32));
                last = line;
            }
        }
    }
    let found = Arc::new(found);
    cache.lock().expect("grep cache lock").insert(key, Arc::clone(&found));
    found
}

fn overlaps(edits: &[EditSpec], e: &EditSpec) -> bool {
    edits.iter().any(|x| x.file == e.file && x.span.0 < e.span.1 + 1 && e.span.0 < x.span.1 + 1)
}

fn escaped_system_prompt() -> &'static [u8] {
    use std::sync::OnceLock;
    static ESC: OnceLock<Vec<u8>> = OnceLock::new();
    ESC.get_or_init(|| {
        let mut v = Vec::new();
        escape_into(&mut v, prompts::SYSTEM_PROMPT);
        v
    })
}

fn run_slot(sim: &mut Sim<'_>, slot: &Slot, inst: &Instance, facts: &IssueFacts<'_>) {
    match slot {
        Slot::Opening => {
            let content = prompts::opening(&mut sim.rng, &facts.qual());
            let thought = prompts::reading_thought(&mut sim.rng, facts);
            sim.think(&content, &thought);
        }
        Slot::ViewRoot => {
            let content = format!(
                "### 1.1-1.3 Problem Understanding\n\nThe issue is about `{}` in `{}`. {}\n\n### 1.4 Steps to Reproduce\nCall `{}` with the arguments from the issue and observe `{}`.\n\n### 1.5 Best Practices\n- Make minimal changes to existing code\n- Don't modify test files\n\n## Phase 2. EXPLORATION\n\nLet me explore the repository structure:\n\n",
                facts.qual(),
                facts.dotted,
                match inst.kind {
                    EditKind::Guard => "A missing value is not handled before it is used.",
                    EditKind::Return => "A `None` result leaks out to callers.",
                    EditKind::Condition => "A branch ignores one of the arguments.",
                    EditKind::Decorator => "The object is not registered, so it cannot be restored by name.",
                    EditKind::Param => "A keyword option is requested.",
                },
                facts.qual(),
                facts.error
            );
            sim.view_dir(&content, "");
        }
        Slot::GrepTarget => {
            let needle = match facts.class {
                Some(c) if sim.rng.random_bool(0.5) => format!("class {c}"),
                _ => format!("def {}", facts.func),
            };
            let content = prompts::search_prose(&mut sim.rng, &format!("`{needle}`"));
            sim.grep(&content, &needle, 3_000, false);
        }
        Slot::Cover { file, a, b } => {
            let (mut a, mut b) = (*a, *b);
            let short = sim.rc.files[*file].path.rsplit('/').next().unwrap_or("").to_string();
            let content = prompts::prose(&mut sim.rng, &format!("the relevant part of `{short}`"));
            for _ in 0..4 {
                if sim.view_file(&content, *file, Some((a, b)), false) {
                    return;
                }
                a = a.saturating_sub(1);
                b += 1;
            }
            sim.view_file(&content, *file, Some((a, b)), true);
        }
        Slot::Loop(n) => {
            let needle = format!("{}(", facts.func);
            let content = prompts::search_prose(&mut sim.rng, &format!("calls to `{}`", facts.func));
            // The first call must be new in the row; the repeats are identical.
            let mut ok = sim.grep(&content, &needle, 2_500, false);
            let mut tries = 0;
            let mut n_needle = needle;
            while !ok && tries < 4 {
                n_needle = format!("{} ", n_needle.trim_end());
                ok = sim.grep(&content, &n_needle, 2_500, false);
                tries += 1;
            }
            // Replay exactly the same call.
            if let (true, Some((cmd, output, exit))) = (ok, sim.last_bash.clone()) {
                for _ in 1..*n {
                    sim.bash("", &cmd, &output, exit, true);
                }
            }
        }
        Slot::Analysis => {
            let content = "## Phase 3. FIX ANALYSIS\n\n";
            let files: Vec<String> = sim.edits.iter().map(|e| sim.rc.files[e.file].path.clone()).collect();
            let mut files_dedup: Vec<String> = Vec::new();
            for f in files {
                if !files_dedup.contains(&f) {
                    files_dedup.push(f);
                }
            }
            let callers = sim.rng.random_range(1..9);
            let thought = prompts::analysis_thought(&mut sim.rng, facts, &files_dedup, callers);
            sim.think(content, &thought);
        }
        Slot::Repro => {
            let content = "Let me create a small script to reproduce the issue:\n\n";
            sim.create_repro(content, inst);
        }
        Slot::RanTests => {
            let exit = sim.tests_exit;
            sim.run_tests(inst, exit, facts);
        }
        Slot::FailedEdit(i) => {
            let content = phase4(sim);
            sim.failed_edit(&content, *i);
        }
        Slot::Edit(i) => {
            let content =
                if sim.phase4_written { prompts::next_edit_prose(&mut sim.rng, &facts.qual()) } else { phase4(sim) };
            sim.do_edit(&content, *i);
        }
        Slot::Insert(f) => {
            sim.insert_import("I also need an import at the top of the file:\n\n", *f);
        }
        Slot::Review(i) => {
            let content = if sim.phase5_written {
                String::new()
            } else {
                sim.phase5_written = true;
                "## Phase 5. FINAL REVIEW\n\nLet me review the changes I made:\n\n".to_string()
            };
            if let Some((first, count)) = sim.located(*i) {
                let file = sim.edits[*i].file;
                let n = sim.n_lines(file);
                let (mut a, mut b) = (first.saturating_sub(3), (first + count + 3).min(n));
                for _ in 0..4 {
                    if sim.view_file(&content, file, Some((a, b)), false) {
                        return;
                    }
                    a = a.saturating_sub(1);
                    b = (b + 1).min(n);
                }
            } else {
                let patch = sim.patch();
                let cmd = format!("cd {} && git diff", sim.ws_abs);
                sim.bash(&content, &cmd, &patch, 0, false);
            }
        }
        Slot::Finish => {
            if sim.changes.is_empty() {
                sim.changes.push(format!(
                    "No source change was necessary: `{}` already handles the case described in the issue",
                    facts.qual()
                ));
            }
            let changes = sim.changes.clone();
            let (content, message) = prompts::summary(&mut sim.rng, facts, &changes);
            let args = ArgsBuilder::new().str("message", &message).finish();
            sim.call(&content, "finish", &args);
        }
        Slot::Filler => {}
    }
}

fn phase4(sim: &mut Sim<'_>) -> String {
    if sim.phase4_written {
        return String::new();
    }
    sim.phase4_written = true;
    "## Phase 4. FIX IMPLEMENTATION\n\nNow let me implement the fix:\n\n".to_string()
}
