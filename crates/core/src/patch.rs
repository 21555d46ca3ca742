//! Unified diffs: the one parser of patches (git's `diff --git` form and plain `---`/`+++` pairs),
//! read by the derived facts (patch statistics, test and stray files) and by the render (file
//! diffs). It never fails: binary patches, garbage and truncated hunks are read as far as they
//! make sense.
//!
//! A file's paths follow git's rule: the `---`/`+++` lines (`/dev/null` for a created or deleted
//! side), corrected by `rename from`/`rename to`, `copy from`/`copy to`, `new file mode` and
//! `deleted file mode`, and otherwise the `diff --git a/X b/Y` header. A header whose two sides
//! differ and that can be split more than one way (paths with ` b/` in them) is split at the first
//! ` b/`. The path that names the file ([`FilePatch::path`]) is the new path, or the old one
//! for a deleted file.
//!
//! Hunk lines are read only inside hunks, bounded by the `@@ -a,b +c,d @@` counts, so `---`/`+++`
//! headers and `--`-prefixed content are never confused. A hunk header whose counts do not parse
//! (`@@ garbage @@`) opens an unnumbered hunk that runs until the next header: its added and
//! removed lines are counted ([`Patch::unnumbered_added`]) but belong to no file.

use std::ops::Range;

/// What a hunk line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// An added line (`+`).
    Add,
    /// A removed line (`-`).
    Del,
    /// A context line (` `, or an empty line where a tool stripped the space).
    Ctx,
    /// `\ No newline at end of file`.
    Marker,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    /// What the line is.
    pub kind: LineKind,
    /// The text without its `+`/`-`/` ` prefix; for a [`LineKind::Marker`], the whole line.
    pub text: &'a str,
    /// The line's number in the old file (`None` for added lines and markers).
    pub old_no: Option<u64>,
    /// The line's number in the new file (`None` for removed lines and markers).
    pub new_no: Option<u64>,
}

/// One hunk of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk<'a> {
    /// The header line (`@@ -12,7 +12,8 @@ def f():`).
    pub header: &'a str,
    /// The lines in order.
    pub lines: Vec<Line<'a>>,
}

/// One file of a patch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilePatch<'a> {
    /// The path before the change (without `a/`); `None` for a created file.
    pub old_path: Option<String>,
    /// The path after the change (without `b/`); `None` for a deleted file.
    pub new_path: Option<String>,
    /// A binary change (`Binary files … differ` or `GIT binary patch`).
    pub binary: bool,
    /// The hunks in order.
    pub hunks: Vec<Hunk<'a>>,
    /// The lines of the patch ([`Patch::lines`]) that belong to this file, headers included.
    pub lines: Range<usize>,
    /// Opened by a `diff --git` header (its `---`/`+++` lines, if any, follow).
    git_header: bool,
    /// A `---` line was read for this file (a following `---`/`+++` pair starts a new file).
    seen_minus: bool,
}

impl FilePatch<'_> {
    /// The path that names the file (git's rule): the new path, or the old path when the file is
    /// deleted. `None` when the patch names neither.
    pub fn path(&self) -> Option<&str> {
        let new = self.new_path.as_deref().filter(|p| !p.is_empty());
        new.or_else(|| self.old_path.as_deref().filter(|p| !p.is_empty()))
    }

    /// Whether the patch creates the file (`new file mode`, `--- /dev/null`).
    pub fn created(&self) -> bool {
        self.old_path.is_none() && self.path().is_some()
    }

    /// The number of added lines.
    pub fn added(&self) -> u64 {
        self.count(LineKind::Add)
    }

    /// The number of removed lines.
    pub fn removed(&self) -> u64 {
        self.count(LineKind::Del)
    }

    fn count(&self, kind: LineKind) -> u64 {
        self.hunks.iter().flat_map(|h| &h.lines).filter(|l| l.kind == kind).count() as u64
    }
}

/// A parsed patch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patch<'a> {
    /// The patch split into lines ([`split_lines`]).
    pub lines: Vec<&'a str>,
    /// The files in patch order. A hunk before any file header opens a file without paths.
    pub files: Vec<FilePatch<'a>>,
    /// Added lines of unnumbered hunks (a header without readable counts), in no file.
    pub unnumbered_added: u64,
    /// Removed lines of unnumbered hunks, in no file.
    pub unnumbered_removed: u64,
}

impl Patch<'_> {
    /// All added lines.
    pub fn added(&self) -> u64 {
        self.files.iter().map(FilePatch::added).sum::<u64>() + self.unnumbered_added
    }

    /// All removed lines.
    pub fn removed(&self) -> u64 {
        self.files.iter().map(FilePatch::removed).sum::<u64>() + self.unnumbered_removed
    }
}

/// The lines of a text: split at `\n`, a final line end dropped, a `\r` before each `\n` dropped.
pub fn split_lines(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
}

/// Where the reader is relative to hunks.
#[derive(Clone, Copy)]
enum State {
    /// Between hunks (headers).
    Headers,
    /// Inside a hunk with this many old and new lines left, and the next old and new numbers.
    Counted { old_left: u64, new_left: u64, old_no: u64, new_no: u64 },
    /// Inside a hunk whose header had no readable counts: runs until the next header.
    Unnumbered,
    /// Inside a `GIT binary patch`: runs until the next `diff --git`.
    Binary,
}

/// Parses a unified diff. See the module docs for the rules.
pub fn parse(patch: &str) -> Patch<'_> {
    let lines = split_lines(patch);
    let mut out = Patch::default();
    let mut cur: Option<FilePatch<'_>> = None;
    let mut state = State::Headers;
    let mut i = 0usize;
    while i < lines.len() {
        let line = lines[i];
        let next_is_plus = lines.get(i + 1).is_some_and(|l| l.starts_with("+++ "));
        if let Some(rest) = line.strip_prefix("diff --git ") {
            finish(&mut cur, &mut out.files, i);
            let (old_path, new_path) = git_header_paths(rest);
            cur = Some(FilePatch { old_path, new_path, git_header: true, lines: i..i, ..FilePatch::default() });
            state = State::Headers;
            i += 1;
            continue;
        }
        match state {
            State::Counted { old_left, new_left, old_no, new_no } => {
                let kind = match line.as_bytes().first() {
                    Some(b' ') | None if old_left > 0 && new_left > 0 => Some(LineKind::Ctx),
                    Some(b'-') if old_left > 0 => Some(LineKind::Del),
                    Some(b'+') if new_left > 0 => Some(LineKind::Add),
                    Some(b'\\') => Some(LineKind::Marker),
                    // Anything else ends a truncated or miscounted hunk and is read as a header.
                    _ => None,
                };
                if let Some(kind) = kind {
                    let (o, n) = match kind {
                        LineKind::Ctx => (Some(old_no), Some(new_no)),
                        LineKind::Del => (Some(old_no), None),
                        LineKind::Add => (None, Some(new_no)),
                        LineKind::Marker => (None, None),
                    };
                    let text = if kind == LineKind::Marker { line } else { line.get(1..).unwrap_or("") };
                    if let Some(h) = cur.as_mut().and_then(|f| f.hunks.last_mut()) {
                        h.lines.push(Line { kind, text, old_no: o, new_no: n });
                    }
                    let (old_left, new_left) = (old_left - u64::from(o.is_some()), new_left - u64::from(n.is_some()));
                    state = if old_left == 0 && new_left == 0 {
                        State::Headers
                    } else {
                        State::Counted {
                            old_left,
                            new_left,
                            old_no: old_no.saturating_add(u64::from(o.is_some())),
                            new_no: new_no.saturating_add(u64::from(n.is_some())),
                        }
                    };
                    i += 1;
                    continue;
                }
                state = State::Headers;
            }
            State::Unnumbered => {
                let is_header =
                    line.starts_with("diff ") || line.starts_with("@@") || (line.starts_with("--- ") && next_is_plus);
                if !is_header {
                    match line.as_bytes().first() {
                        Some(b'+') => out.unnumbered_added += 1,
                        Some(b'-') => out.unnumbered_removed += 1,
                        _ => {}
                    }
                    i += 1;
                    continue;
                }
                state = State::Headers;
            }
            State::Binary => {
                i += 1;
                continue;
            }
            State::Headers => {}
        }

        if line.starts_with('\\') {
            if let Some(h) = cur.as_mut().and_then(|f| f.hunks.last_mut()) {
                h.lines.push(Line { kind: LineKind::Marker, text: line, old_no: None, new_no: None });
            }
        } else if line.starts_with("@@") {
            match parse_hunk_header(line) {
                Some((a, b, c, d)) => {
                    let f = cur.get_or_insert_with(|| FilePatch { lines: i..i, ..FilePatch::default() });
                    f.hunks.push(Hunk { header: line, lines: Vec::new() });
                    let old_no = if b == 0 { a.saturating_add(1) } else { a.max(1) };
                    let new_no = if d == 0 { c.saturating_add(1) } else { c.max(1) };
                    if b > 0 || d > 0 {
                        state = State::Counted { old_left: b, new_left: d, old_no, new_no };
                    }
                }
                None => state = State::Unnumbered,
            }
        } else if let Some(old) = line.strip_prefix("--- ") {
            // A `---` line belongs to a git file still in its header; a `---`/`+++` pair otherwise
            // starts a file of its own.
            let in_git_header = cur.as_ref().is_some_and(|f| f.git_header && !f.seen_minus && f.hunks.is_empty());
            if next_is_plus || in_git_header {
                if !in_git_header {
                    finish(&mut cur, &mut out.files, i);
                    cur = Some(FilePatch { lines: i..i, ..FilePatch::default() });
                }
                if let Some(f) = cur.as_mut() {
                    f.old_path = clean_path(old, "a/");
                    f.seen_minus = true;
                    if let Some(new) = lines.get(i + 1).and_then(|l| l.strip_prefix("+++ ")) {
                        f.new_path = clean_path(new, "b/");
                        i += 1;
                    }
                }
            }
        } else if let Some(new) = line.strip_prefix("+++ ") {
            if let Some(f) = cur.as_mut().filter(|f| f.git_header && f.hunks.is_empty()) {
                f.new_path = clean_path(new, "b/");
            }
        } else if let Some(f) = cur.as_mut() {
            if let Some(p) = line.strip_prefix("rename from ").or_else(|| line.strip_prefix("copy from ")) {
                f.old_path = Some(unquote(p));
            } else if let Some(p) = line.strip_prefix("rename to ").or_else(|| line.strip_prefix("copy to ")) {
                f.new_path = Some(unquote(p));
            } else if line.starts_with("new file mode") {
                f.old_path = None;
            } else if line.starts_with("deleted file mode") {
                f.new_path = None;
            } else if let Some((a, b)) = binary_paths(line) {
                f.binary = true;
                if a.is_none() {
                    f.old_path = None;
                }
                if b.is_none() {
                    f.new_path = None;
                }
            } else if line == "GIT binary patch" {
                f.binary = true;
                state = State::Binary;
            }
        }
        i += 1;
    }
    finish(&mut cur, &mut out.files, lines.len());
    out.lines = lines;
    out
}

/// Closes the open file at line `end`.
fn finish<'a>(cur: &mut Option<FilePatch<'a>>, files: &mut Vec<FilePatch<'a>>, end: usize) {
    if let Some(mut f) = cur.take() {
        f.lines.end = end;
        files.push(f);
    }
}

/// `@@ -a[,b] +c[,d] @@…` → (a, b, c, d); an omitted count is 1.
fn parse_hunk_header(line: &str) -> Option<(u64, u64, u64, u64)> {
    let rest = line.strip_prefix("@@ -")?;
    let end = rest.find(" @@")?;
    let (old, new) = rest[..end].split_once(" +")?;
    let range = |s: &str| -> Option<(u64, u64)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

/// Unquotes a C-quoted git path (`"a/caf\303\251"`); returns the text itself when unquoted.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    match it.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            it.next();
                        }
                        _ => break,
                    }
                }
                bytes.push((v & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A path from a `---`/`+++` line or a header: `/dev/null` → `None`, `a/`/`b/` prefix dropped,
/// a trailing tab-separated timestamp dropped.
fn clean_path(raw: &str, prefix: &str) -> Option<String> {
    let raw = raw.trim_end();
    let raw = if raw.starts_with('"') { raw } else { raw.split('\t').next().unwrap_or(raw) };
    let p = unquote(raw);
    if p == "/dev/null" {
        return None;
    }
    Some(p.strip_prefix(prefix).map(str::to_string).unwrap_or(p))
}

/// The two paths of a `diff --git a/X b/Y` header (paths may contain spaces, may be quoted).
fn git_header_paths(rest: &str) -> (Option<String>, Option<String>) {
    let rest = rest.trim_end();
    if let Some(inner) = rest.strip_prefix('"') {
        // "a/x" "b/y" or "a/x" b/y
        if let Some(end) = inner.find("\" ").map(|i| i + 1) {
            let (a, b) = (&rest[..=end], rest[end + 1..].trim_start());
            return (clean_path(a, "a/"), clean_path(b, "b/"));
        }
    }
    // Prefer the split where both sides name the same path (the usual case, also with spaces);
    // else the first ` b/`.
    let candidates: Vec<usize> = rest.match_indices(" b/").map(|(i, _)| i).collect();
    for &i in &candidates {
        let (a, b) = (&rest[..i], &rest[i + 1..]);
        if a.strip_prefix("a/") == b.strip_prefix("b/") {
            return (clean_path(a, "a/"), clean_path(b, "b/"));
        }
    }
    if let Some(&i) = candidates.first() {
        return (clean_path(&rest[..i], "a/"), clean_path(&rest[i + 1..], "b/"));
    }
    // --no-prefix: two equal halves.
    let n = rest.len();
    if n % 2 == 1
        && rest.is_char_boundary(n / 2)
        && rest.as_bytes()[n / 2] == b' '
        && rest[..n / 2] == rest[n / 2 + 1..]
    {
        let p = rest[..n / 2].to_string();
        return (Some(p.clone()), Some(p));
    }
    let mut words = rest.split_whitespace();
    (words.next().map(str::to_string), words.next().map(str::to_string))
}

/// `Binary files A and B differ` → the two paths.
fn binary_paths(line: &str) -> Option<(Option<String>, Option<String>)> {
    let rest = line.strip_prefix("Binary files ")?.strip_suffix(" differ")?;
    let (a, b) = rest.split_once(" and ")?;
    Some((clean_path(a, "a/"), clean_path(b, "b/")))
}
