//! The session's tool calls and their observations: messages, `execute_bash`, `think`, file and
//! directory views, `grep`, and the choice of related files.

use super::*;

impl Sim<'_> {
    pub(super) fn written(&self) -> usize {
        self.out.len() - self.row_start
    }

    pub(super) fn abs(&self, rel: &str) -> String {
        if rel.is_empty() {
            self.ws_abs.clone()
        } else {
            format!("{}/{rel}", self.ws_abs)
        }
    }

    pub(super) fn text_of(&self, file: usize) -> &str {
        match &self.working[file] {
            Some(w) => &w.text,
            None => &self.rc.files[file].text,
        }
    }

    /// Line starts of the current text of `file`, plus its length.
    pub(super) fn starts_of(&self, file: usize) -> &[u32] {
        match &self.working[file] {
            Some(w) => &w.starts,
            None => &self.rc.files[file].line_starts,
        }
    }

    pub(super) fn set_text(&mut self, file: usize, text: String) {
        let starts = line_starts(&text);
        self.working[file] = Some(Working { text, starts });
    }

    /// Whether this exact call is new in the row (and records it).
    pub(super) fn fresh(&mut self, name: &str, args: &str) -> bool {
        self.seen.insert(hash_action(name, args))
    }

    fn begin_message(&mut self) {
        if self.messages > 0 {
            self.out.push(b',');
        }
        self.messages += 1;
    }

    /// Writes an assistant message with one tool call; returns the call id.
    pub(super) fn call(&mut self, content: &str, name: &str, args: &str) -> String {
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

    pub(super) fn tool_text(&mut self, id: &str, name: &str, text: &str) {
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
    pub(super) fn bash(&mut self, content: &str, cmd: &str, output: &str, exit: i32, allow_repeat: bool) -> bool {
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

    pub(super) fn think(&mut self, content: &str, thought: &str) -> bool {
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

    pub(super) fn view_dir(&mut self, content: &str, dir: &str) -> bool {
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
    pub(super) fn view_file(
        &mut self,
        content: &str,
        file: usize,
        range: Option<(usize, usize)>,
        allow_repeat: bool,
    ) -> bool {
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

    pub(super) fn n_lines(&self, file: usize) -> usize {
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

    pub(super) fn grep(&mut self, content: &str, needle: &str, allowance: usize, allow_repeat: bool) -> bool {
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

    pub(super) fn symbols(&self, file: usize) -> Vec<String> {
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
    pub(super) fn related_file(&mut self, inst: &Instance) -> usize {
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
    pub(super) fn file_of_size(&mut self, inst: &Instance, bytes: usize) -> usize {
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
