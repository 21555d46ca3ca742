//! Rendering steps: each tool call becomes a typed [`CallRender`] by what the call does (shell
//! command, file view, edit, creation, thought, final message), and each observation a [`Code`]
//! in the language that fits (file views in the file's language with their real line numbers).

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use trawl_core::{Step, ToolCall, ToolKind, Trajectory};

use crate::diff::{added_only, diff_patch, diff_texts};
use crate::highlight::{
    highlight, highlight_lines, language_for_path, plain_line, reported_language, split_lines, with_memo,
};
use crate::types::{CallRender, Code, FileDiff, RenderOptions, RenderedCall, RenderedStep, Span, StepRole};

/// How an observation's lines carry file line numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbering {
    /// No line numbers.
    None,
    /// `cat -n` (`     12\tcode`), as the OpenHands / SWE-agent 1.x editor prints.
    CatN,
    /// SWE-agent 0.x windows (`12:code`).
    Window,
    /// Plain file text whose first line is this line of the file (`cat F`, `sed -n 'A,Bp' F`):
    /// the lines of the output region (see [`content_region`]) are numbered from here.
    Sequential(u64),
}

/// What a call does, with the parts the render needs.
#[derive(Debug)]
enum CallKind<'a> {
    /// A shell command, and the file it prints when it only prints (part of) one file.
    Bash(&'a str, Option<(String, Numbering)>),
    View {
        path: String,
        numbering: Numbering,
    },
    StrReplace {
        path: &'a str,
        old: &'a str,
        new: &'a str,
    },
    Insert {
        path: &'a str,
        line: u64,
        text: &'a str,
    },
    Create {
        path: String,
        text: &'a str,
        numbering: Numbering,
    },
    /// SWE-agent `edit A:B` (replacement text; the replaced lines are unknown) and whole-content
    /// edits (`edit_file`).
    Replace {
        path: String,
        command: String,
        start: u64,
        end: Option<u64>,
        text: &'a str,
        numbering: Numbering,
    },
    Think(String),
    Finish(String),
    Generic,
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

fn u64_arg(args: &Value, key: &str) -> Option<u64> {
    match args.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The path of a SWE-agent window header `[File: /path (N lines total)]` in an observation.
fn window_path(observation: Option<&str>) -> Option<String> {
    let obs = observation?;
    let start = obs.find("[File: ")? + "[File: ".len();
    let rest = &obs[start..];
    let end = rest.find(" (").or_else(|| rest.find(']'))?;
    let path = rest[..end].trim();
    (!path.is_empty() && !path.contains('\n')).then(|| path.to_string())
}

/// The first argument word of a command line (`open "x y.py" 12` → `x y.py`).
fn first_arg(command: &str) -> Option<String> {
    let rest = command.split_once(char::is_whitespace)?.1.trim_start();
    let line = rest.lines().next()?;
    if let Some(q) = line.strip_prefix('"') {
        return q.split_once('"').map(|(p, _)| p.to_string());
    }
    line.split_whitespace().next().map(str::to_string)
}

fn classify<'a>(step: &'a Step, call: &'a ToolCall) -> CallKind<'a> {
    let args = &call.arguments;
    let name = call.name.as_str();
    let command = str_arg(args, "command");
    let text_or_thought = || step.thought.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| step.text.clone());
    let kind = call.kind();
    if kind == ToolKind::Editor {
        let path = str_arg(args, "path").unwrap_or("");
        match command {
            Some("view") => return CallKind::View { path: path.to_string(), numbering: Numbering::CatN },
            Some("create") => {
                return CallKind::Create {
                    path: path.to_string(),
                    text: str_arg(args, "file_text").unwrap_or(""),
                    numbering: Numbering::CatN,
                }
            }
            Some("str_replace") => {
                return CallKind::StrReplace {
                    path,
                    old: str_arg(args, "old_str").unwrap_or(""),
                    new: str_arg(args, "new_str").unwrap_or(""),
                }
            }
            Some("insert") => {
                return CallKind::Insert {
                    path,
                    line: u64_arg(args, "insert_line").unwrap_or(0),
                    text: str_arg(args, "new_str").or_else(|| str_arg(args, "text")).unwrap_or(""),
                }
            }
            None if name == "edit_file" => {
                if let Some(content) = str_arg(args, "content") {
                    let start = u64_arg(args, "start").unwrap_or(1).max(1);
                    let end = u64_arg(args, "end").filter(|e| *e >= start);
                    return CallKind::Replace {
                        path: path.to_string(),
                        command: "edit".to_string(),
                        start,
                        end,
                        text: content,
                        numbering: Numbering::None,
                    };
                }
            }
            Some(c) if c.starts_with("str_replace_editor") => return CallKind::Bash(c, None),
            _ => {}
        }
        return CallKind::Generic;
    }
    match kind {
        ToolKind::Think => {
            return CallKind::Think(str_arg(args, "thought").map(str::to_string).unwrap_or_else(text_or_thought));
        }
        ToolKind::Finish => {
            let msg = ["message", "final_thought", "outputs", "content"]
                .iter()
                .find_map(|k| str_arg(args, k))
                .filter(|m| !m.trim().is_empty());
            return CallKind::Finish(msg.map(str::to_string).unwrap_or_else(|| step.text.clone()));
        }
        _ => {}
    }
    let Some(command) = command else {
        return CallKind::Generic;
    };
    let obs = call.observation.as_deref();
    match name {
        "open" => {
            if let Some(path) = first_arg(command).or_else(|| window_path(obs)) {
                return CallKind::View { path, numbering: Numbering::Window };
            }
        }
        "goto" | "scroll_up" | "scroll_down" => {
            if let Some(path) = window_path(obs) {
                return CallKind::View { path, numbering: Numbering::Window };
            }
        }
        "create" => {
            if let Some(path) = first_arg(command) {
                return CallKind::Create { path, text: "", numbering: Numbering::Window };
            }
        }
        "edit" => {
            if let Some(kind) = swe_agent_edit(command, obs) {
                return kind;
            }
        }
        _ => {}
    }
    let only_command = args.as_object().is_some_and(|o| o.len() == 1);
    if kind == ToolKind::Shell || only_command {
        let ok = call.exit_code.is_none_or(|c| c == 0);
        return CallKind::Bash(command, if ok { file_dump(command) } else { None });
    }
    CallKind::Generic
}

/// SWE-agent `edit A:B\n<text>\nend_of_edit`.
fn swe_agent_edit<'a>(command: &'a str, obs: Option<&str>) -> Option<CallKind<'a>> {
    let (head, body) = command.split_once('\n').unwrap_or((command, ""));
    let range = head.trim().strip_prefix("edit")?.trim();
    let (a, b) = range.split_once(':')?;
    let start: u64 = a.trim().parse().ok()?;
    let end: u64 = b.trim().parse().ok()?;
    let body = body.trim_end_matches(['\n', '\r']);
    let text = body.strip_suffix("end_of_edit").unwrap_or(body);
    Some(CallKind::Replace {
        path: window_path(obs).unwrap_or_default(),
        command: head.trim().to_string(),
        start: start.max(1),
        end: Some(end.max(start)),
        text,
        numbering: Numbering::Window,
    })
}

/// The file a shell command prints, when all it does is print (part of) one file, and how its
/// output is numbered: `cat F` and `head [-n N] F` (from line 1), `sed -n 'A,Bp' F` (from A),
/// `cat -n F`, `nl -ba F` and either piped into `sed -n 'A,Bp'` (numbers in the output). A
/// leading `cd DIR &&` is allowed; anything else (redirects, globs, other pipes) is not a dump.
fn file_dump(command: &str) -> Option<(String, Numbering)> {
    let mut cmd = command.trim();
    if cmd.starts_with("cd ") {
        cmd = cmd.split_once("&&")?.1.trim();
    }
    if cmd.contains(['\n', ';', '>', '<', '`', '*', '?', '&', '$']) {
        return None;
    }
    let words = |s: &str| -> Vec<String> {
        s.split_whitespace().map(|w| w.trim_matches(|c| c == '\'' || c == '"').to_string()).collect()
    };
    let sed_start = |w: &[String]| -> Option<u64> {
        match w {
            [sed, n, range] if sed == "sed" && n == "-n" => {
                let (a, b) = range.strip_suffix('p')?.split_once(',')?;
                b.parse::<u64>().ok()?;
                a.parse().ok()
            }
            _ => None,
        }
    };
    let is_path = |p: &str| !p.is_empty() && !p.starts_with('-');
    let (first, rest) = match cmd.split_once('|') {
        Some((a, b)) => (a, Some(b)),
        None => (cmd, None),
    };
    let w = words(first);
    let w: Vec<&str> = w.iter().map(String::as_str).collect();
    match (w.as_slice(), rest) {
        (["cat", p], None) if is_path(p) => Some((p.to_string(), Numbering::Sequential(1))),
        (["head", p], None) | (["head", "-n", _, p], None) if is_path(p) => {
            Some((p.to_string(), Numbering::Sequential(1)))
        }
        (["head", n, p], None) if n.starts_with('-') && n[1..].parse::<u64>().is_ok() && is_path(p) => {
            Some((p.to_string(), Numbering::Sequential(1)))
        }
        (["sed", "-n", _, p], None) if is_path(p) => {
            let start = sed_start(&words(first)[..3])?;
            Some((p.to_string(), Numbering::Sequential(start)))
        }
        (["cat", "-n", p], rest) | (["nl", "-ba", p], rest) if is_path(p) => match rest {
            None => Some((p.to_string(), Numbering::CatN)),
            Some(r) => {
                sed_start(&words(r))?;
                Some((p.to_string(), Numbering::CatN))
            }
        },
        _ => None,
    }
}

/// The lines of a shell observation that are the command's output: inside mini-swe-agent's
/// `<output>`…`</output>`, after an `OBSERVATION:` line, and before OpenHands' `[The command
/// completed …]` / `[Current working directory …]` footer. `None` when the output is not there
/// whole (mini-swe-agent's `<output_head>`/`<output_tail>` for long outputs).
fn content_region(lines: &[&str]) -> Option<std::ops::Range<usize>> {
    let mut a = 0;
    let mut b = lines.len();
    if let Some(i) = lines.iter().take(5).position(|l| l.trim() == "<output>") {
        a = i + 1;
        if let Some(j) = lines.iter().rposition(|l| l.trim() == "</output>") {
            b = j.max(a);
        }
    } else if lines.first().is_some_and(|l| l.starts_with("<returncode>")) {
        return None;
    } else if lines.first().is_some_and(|l| l.trim() == "OBSERVATION:") {
        a = 1;
    }
    while b > a {
        let l = lines[b - 1].trim();
        let footer = l.starts_with("[The command completed")
            || l.starts_with("[Current working directory")
            || l.starts_with("[Python interpreter")
            || l.starts_with("[Command finished");
        if footer || l.is_empty() && b < lines.len() {
            b -= 1;
        } else {
            break;
        }
    }
    Some(a..b)
}

/// Splits a numbered line into (number, code).
fn numbered(line: &str, numbering: Numbering) -> Option<(u64, &str)> {
    match numbering {
        Numbering::None | Numbering::Sequential(_) => None,
        Numbering::CatN => {
            let trimmed = line.trim_start_matches(' ');
            let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 12 {
                return None;
            }
            let prefix_len = line.len() - trimmed.len() + digits;
            let n: u64 = trimmed[..digits].parse().ok()?;
            let rest = &trimmed[digits..];
            if let Some(code) = rest.strip_prefix('\t') {
                return Some((n, code));
            }
            // The abbreviated view pads to six columns and separates with a space.
            if prefix_len >= 6 {
                if rest.is_empty() {
                    return Some((n, ""));
                }
                if let Some(code) = rest.strip_prefix(' ') {
                    return Some((n, code));
                }
            }
            None
        }
        Numbering::Window => {
            let digits = line.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 || digits > 12 || line.as_bytes().get(digits) != Some(&b':') {
                return None;
            }
            Some((line[..digits].parse().ok()?, &line[digits + 1..]))
        }
    }
}

/// Whether an observation is a diff (possibly after a few lines of preamble).
fn looks_like_diff(lines: &[&str]) -> bool {
    lines.iter().take(4).any(|l| l.starts_with("diff --git "))
}

/// An observation as [`Code`]: numbered lines highlighted in `language` with their numbers, other
/// lines plain; without numbered lines, plain (or `diff` when it is one).
fn observation_code(text: &str, language: &str, numbering: Numbering, max_lines: Option<usize>) -> Code {
    let all = split_lines(text);
    let total = all.len();
    let keep = max_lines.map_or(total, |m| m.min(total));
    let kept = &all[..keep];
    let parsed: Vec<Option<(u64, &str)>> = match numbering {
        Numbering::Sequential(start) => {
            let region = content_region(&all).unwrap_or(0..0);
            // An error message instead of the file (`cat: x: No such file or directory`).
            let failed = all
                .get(region.start)
                .is_some_and(|l| ["cat: ", "sed: ", "head: ", "nl: "].iter().any(|p| l.starts_with(p)));
            kept.iter()
                .enumerate()
                .map(|(i, l)| {
                    (!failed && region.contains(&i)).then(|| (start.saturating_add((i - region.start) as u64), *l))
                })
                .collect()
        }
        _ => kept.iter().map(|l| numbered(l, numbering)).collect(),
    };
    let code_lines: Vec<&str> = parsed.iter().filter_map(|p| p.map(|(_, c)| c)).collect();
    if code_lines.is_empty() {
        let lang = if looks_like_diff(kept) { "diff" } else { "plain" };
        let lines = highlight_lines(kept, lang);
        return Code {
            language: lang.to_string(),
            line_numbers: vec![None; lines.len()],
            lines,
            first_line: 1,
            total_lines: total as u64,
            truncated: keep < total,
        };
    }
    let mut hl = highlight_lines(&code_lines, language).into_iter();
    let mut lines: Vec<Vec<Span>> = Vec::with_capacity(kept.len());
    let mut line_numbers = Vec::with_capacity(kept.len());
    for (line, p) in kept.iter().zip(&parsed) {
        match p {
            Some((n, code)) => {
                lines.push(hl.next().unwrap_or_else(|| plain_line(code)));
                line_numbers.push(Some(*n));
            }
            None => {
                lines.push(plain_line(line));
                line_numbers.push(None);
            }
        }
    }
    let first_line = line_numbers.iter().flatten().next().copied().unwrap_or(1);
    Code {
        language: reported_language(language),
        lines,
        first_line,
        line_numbers,
        total_lines: total as u64,
        truncated: keep < total,
    }
}

/// The observation of a call, in the form its kind calls for.
fn call_observation(kind: &CallKind<'_>, text: &str, max_lines: Option<usize>) -> Code {
    match kind {
        CallKind::View { path, numbering } | CallKind::Create { path, numbering, .. } => {
            observation_code(text, language_for_path(path), *numbering, max_lines)
        }
        CallKind::Replace { path, numbering, .. } => {
            observation_code(text, language_for_path(path), *numbering, max_lines)
        }
        CallKind::StrReplace { path, .. } | CallKind::Insert { path, .. } => {
            observation_code(text, language_for_path(path), Numbering::CatN, max_lines)
        }
        CallKind::Bash(_, Some((path, numbering))) => {
            observation_code(text, language_for_path(path), *numbering, max_lines)
        }
        _ => observation_code(text, "plain", Numbering::None, max_lines),
    }
}

fn render_kind(kind: &CallKind<'_>, call: &ToolCall, opts: &RenderOptions) -> CallRender {
    let max = Some(opts.max_code_lines);
    match kind {
        CallKind::Bash(cmd, _) => CallRender::Bash { command: highlight(cmd, "shell", max) },
        CallKind::View { path, .. } => CallRender::View { path: path.clone() },
        CallKind::StrReplace { path, old, new } => CallRender::Edit {
            path: path.to_string(),
            command: "str_replace".to_string(),
            diff: cap_diff(diff_texts(old, new, path, usize::MAX / 4), opts.max_code_lines),
        },
        CallKind::Insert { path, line, text } => {
            let n = split_lines(text).len();
            let header = format!("@@ -{line},0 +{},{n} @@", line.saturating_add(1));
            CallRender::Edit {
                path: path.to_string(),
                command: "insert".to_string(),
                diff: cap_diff(added_only(path, text, line.saturating_add(1), header), opts.max_code_lines),
            }
        }
        CallKind::Create { path, text, .. } => {
            CallRender::Create { path: path.clone(), code: highlight(text, language_for_path(path), max) }
        }
        CallKind::Replace { path, command, start, end, text, .. } => {
            let n = split_lines(text).len();
            let old = match end {
                Some(e) => format!("{start},{}", e - start + 1),
                None => format!("{start}"),
            };
            let header = format!("@@ -{old} +{start},{n} @@ replaced lines not shown");
            CallRender::Edit {
                path: path.clone(),
                command: command.clone(),
                diff: cap_diff(added_only(path, text, *start, header), opts.max_code_lines),
            }
        }
        CallKind::Think(t) => CallRender::Think { text: t.clone() },
        CallKind::Finish(t) => CallRender::Finish { text: t.clone() },
        CallKind::Generic => {
            let json = serde_json::to_string_pretty(&call.arguments).unwrap_or_default();
            CallRender::Generic { arguments: highlight(&json, "json", max) }
        }
    }
}

/// Keeps at most `max` lines over all hunks of a diff (counts stay those of the whole diff).
fn cap_diff(mut diff: FileDiff, max: usize) -> FileDiff {
    let mut left = max;
    diff.hunks.retain_mut(|h| {
        if left == 0 {
            return false;
        }
        h.lines.truncate(left);
        left -= h.lines.len();
        true
    });
    diff
}

fn render_call(step: &Step, call: &ToolCall, index: usize, opts: &RenderOptions) -> RenderedCall {
    let kind = classify(step, call);
    let observation = call.observation.as_deref().map(|o| call_observation(&kind, o, Some(opts.observation_cap(o))));
    RenderedCall {
        index,
        name: call.name.clone(),
        render: render_kind(&kind, call, opts),
        observation,
        exit_code: call.exit_code,
    }
}

/// Renders one step: its calls by kind, their observations (cut at
/// [`RenderOptions::observation_cap`]), and a step-level observation when no call carries
/// one (orphan tool results).
pub fn render_step(step: &Step, index: usize, opts: &RenderOptions) -> RenderedStep {
    let calls = step.tool_calls.iter().enumerate().map(|(i, c)| render_call(step, c, i, opts)).collect();
    let calls_carry = step.tool_calls.iter().any(|c| c.observation.is_some());
    let observation = if calls_carry {
        None
    } else {
        step.observation
            .as_deref()
            .map(|o| observation_code(o, "plain", Numbering::None, Some(opts.observation_cap(o))))
    };
    RenderedStep {
        index,
        role: StepRole::from(step.role),
        text: step.text.clone(),
        thought: step.thought.clone(),
        calls,
        observation,
        exit_code: step.exit_code,
    }
}

/// Renders every step of a trajectory, and its final patch as file diffs (empty without a patch).
///
/// Highlighting dominates the cost (tens of microseconds per line), so long trajectories are
/// rendered on up to [`std::thread::available_parallelism`] (at most 8) scoped threads. Each
/// thread keeps a memo of highlighted lines (exact: keyed by the line and the parser state before
/// it), so lines that the agent viewed before cost a lookup; the steps that work on the same file
/// go to the same thread.
/// The result does not depend on the number of threads or on the memo.
pub fn render_trajectory(t: &Trajectory, opts: &RenderOptions) -> (Vec<RenderedStep>, Vec<FileDiff>) {
    render_trajectory_part(t, 0..t.steps.len(), true, opts)
}

/// Renders the steps of `range` (clamped to the trajectory) and, when `with_patch`, the final
/// patch: a reader's first screen needs the first steps only, and the rest can follow.
pub fn render_trajectory_part(
    t: &Trajectory,
    range: std::ops::Range<usize>,
    with_patch: bool,
    opts: &RenderOptions,
) -> (Vec<RenderedStep>, Vec<FileDiff>) {
    let end = range.end.min(t.steps.len());
    let range = range.start.min(end)..end;
    let patch_of =
        |t: &Trajectory| if with_patch { t.patch.as_deref().map(diff_patch).unwrap_or_default() } else { Vec::new() };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || range.len() < 8 {
        return with_memo(|| {
            let steps = range.clone().map(|i| render_step(&t.steps[i], i, opts)).collect();
            (steps, patch_of(t))
        });
    }
    let units = work_units(&t.steps, range.clone(), opts);
    let next = AtomicUsize::new(0);
    let (parts, patch) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads - 1)
            .map(|_| scope.spawn(|| with_memo(|| render_units(&t.steps, &units, &next, opts))))
            .collect();
        // This thread renders the patch first, then helps with the steps.
        let (patch, mut parts) = with_memo(|| (patch_of(t), render_units(&t.steps, &units, &next, opts)));
        for w in workers {
            match w.join() {
                Ok(p) => parts.extend(p),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        (parts, patch)
    });
    let mut steps: Vec<Option<RenderedStep>> = range.clone().map(|_| None).collect();
    for s in parts {
        let i = s.index - range.start;
        steps[i] = Some(s);
    }
    (steps.into_iter().flatten().collect(), patch)
}

/// The file a step works on: the path of its first call that views, edits, creates or prints one.
fn step_file(step: &Step) -> Option<String> {
    step.tool_calls
        .iter()
        .find_map(|c| match classify(step, c) {
            CallKind::View { path, .. } | CallKind::Create { path, .. } | CallKind::Replace { path, .. } => Some(path),
            CallKind::StrReplace { path, .. } | CallKind::Insert { path, .. } => Some(path.to_string()),
            CallKind::Bash(_, Some((path, _))) => Some(path),
            _ => None,
        })
        .filter(|p| !p.is_empty())
}

/// Work units for the render threads: the steps that work on the same file go together (so one
/// thread's memo sees every view of that file), every other step alone; costliest unit first.
fn work_units(steps: &[Step], range: std::ops::Range<usize>, opts: &RenderOptions) -> Vec<Vec<usize>> {
    let mut by_file: rustc_hash::FxHashMap<String, usize> = rustc_hash::FxHashMap::default();
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (i, step) in steps.iter().enumerate().take(range.end).skip(range.start) {
        match step_file(step) {
            Some(path) => {
                let u = *by_file.entry(path).or_insert_with(|| {
                    units.push(Vec::new());
                    units.len() - 1
                });
                units[u].push(i);
            }
            None => units.push(vec![i]),
        }
    }
    // Cost: the observation bytes that can be highlighted (about 60 bytes a line).
    let cap = opts.max_observation_lines.saturating_mul(60);
    let cost = |u: &Vec<usize>| -> usize {
        u.iter()
            .flat_map(|&i| steps[i].tool_calls.iter())
            .map(|c| c.observation.as_deref().map_or(0, str::len).min(cap) + 100)
            .sum()
    };
    units.sort_by_cached_key(|u| std::cmp::Reverse(cost(u)));
    units
}

/// Renders the work units that `next` hands out, until none is left.
fn render_units(steps: &[Step], units: &[Vec<usize>], next: &AtomicUsize, opts: &RenderOptions) -> Vec<RenderedStep> {
    let mut out = Vec::new();
    while let Some(unit) = units.get(next.fetch_add(1, Ordering::Relaxed)) {
        out.extend(unit.iter().map(|&i| render_step(&steps[i], i, opts)));
    }
    out
}

/// The whole (untruncated) observation of a step's call (`call` = its index in the step), or of
/// the step itself (`call` = `None`), rendered as in [`render_step`]. `None` when there is no such
/// call or no observation.
pub fn render_observation_full(step: &Step, call: Option<usize>) -> Option<Code> {
    render_observation(step, call, None)
}

/// Like [`render_observation_full`], cut at `max_lines` when given (`truncated` says so).
pub fn render_observation(step: &Step, call: Option<usize>, max_lines: Option<usize>) -> Option<Code> {
    match call {
        Some(i) => {
            let c = step.tool_calls.get(i)?;
            let text = c.observation.as_deref()?;
            Some(call_observation(&classify(step, c), text, max_lines))
        }
        None => step.observation.as_deref().map(|o| observation_code(o, "plain", Numbering::None, max_lines)),
    }
}
