//! Edits planned on the original checkout: `str_replace` specs with a unique `old_str`, one per
//! edit kind, and the regression-test edit.

use super::*;

pub(super) fn occurrences(hay: &str, needle: &str) -> usize {
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

pub(super) fn qual(f: &Func) -> String {
    match &f.class {
        Some(c) => format!("{c}.{}", f.name),
        None => f.name.clone(),
    }
}

pub(super) fn decorator_for(spec: &RepoSpec) -> String {
    if spec.pkg == "keras_nlp" {
        "keras.utils.register_keras_serializable(package=\"keras_nlp\")".to_string()
    } else {
        format!("register_serializable(package=\"{}\")", spec.pkg)
    }
}

pub(super) fn make_edit(
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

pub(super) fn test_edit(rng: &mut GenRng, rc: &RepoCorpus, test_idx: usize, target: &Func) -> Option<EditSpec> {
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
