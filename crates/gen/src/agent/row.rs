//! Writing a row: the edits a row makes, the order of its turns (slots) within the size budget,
//! and the row's JSON envelope.

use super::edits::{decorator_for, make_edit, occurrences, test_edit};
use super::*;

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
