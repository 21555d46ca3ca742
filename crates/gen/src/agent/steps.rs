//! The session's larger steps: filler exploration, applying and showing edits, a reproduction
//! script, test runs, and the final `git diff`.

use super::edits::qual;
use super::*;

impl Sim<'_> {
    pub(super) fn filler(&mut self, inst: &Instance, facts: &IssueFacts<'_>, allowance: usize) {
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
    pub(super) fn apply(&mut self, i: usize) -> Option<(usize, usize)> {
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
    pub(super) fn located(&self, i: usize) -> Option<(usize, usize)> {
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

    pub(super) fn do_edit(&mut self, content: &str, i: usize) {
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

    pub(super) fn failed_edit(&mut self, content: &str, i: usize) {
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

    pub(super) fn insert_import(&mut self, content: &str, file: usize) {
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

    pub(super) fn create_repro(&mut self, content: &str, inst: &Instance) {
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

    pub(super) fn run_tests(&mut self, inst: &Instance, exit: i32, facts: &IssueFacts<'_>) {
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
    pub(super) fn patch(&self) -> String {
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
