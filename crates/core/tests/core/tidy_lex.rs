//! Just enough lexing of Rust and TypeScript for the tidy tests: comments (and Rust strings)
//! blanked with offsets kept, `use` trees, `crate::`/`super::`/`self::` paths, inline modules.

use std::collections::BTreeSet;

pub(crate) fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at].iter().filter(|&&c| c == b'\n').count() + 1
}

/// `text` with comments blanked (and, unless `keep_strings`, string and char literal contents),
/// every byte at its offset and newlines kept. `keep_strings` also selects TypeScript's literals
/// ('…', "…", `…`) over Rust's ("…", r#"…"#, '…' versus lifetimes).
pub(crate) fn code_only(text: &str, keep_strings: bool) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if b[i..].starts_with(b"//") {
            let end = text[i..].find('\n').map_or(b.len(), |e| i + e);
            blank(&mut out, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let (mut depth, mut j) = (1, i + 2);
            while j < b.len() && depth > 0 {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if keep_strings && (c == b'\'' || c == b'"' || c == b'`') {
            let mut j = i + 1;
            while j < b.len() && b[j] != c {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            i = j + 1;
        } else if !keep_strings && c == b'r' && (i == 0 || !is_ident(b[i - 1])) && raw_start(b, i + 1).is_some() {
            let (hashes, open) = raw_start(b, i + 1).unwrap();
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            let end = b[open + 1..].windows(close.len()).position(|w| w == close.as_slice());
            let end = end.map_or(b.len(), |e| open + 1 + e + close.len());
            blank(&mut out, open + 1, end - close.len().min(end));
            i = end;
        } else if !keep_strings && c == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j);
            i = j + 1;
        } else if !keep_strings && c == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}', 'é') or a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&x| x == b'\'').map(|p| i + 2 + p)
            } else {
                let len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + len) == Some(&b'\'')).then_some(i + 1 + len)
            };
            match end {
                Some(e) => {
                    blank(&mut out, i + 1, e);
                    i = e + 1;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("blanking keeps UTF-8")
}

/// After an `r` (or `br`): the number of `#` and the offset of the opening quote of a raw string.
fn raw_start(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let start = i;
    while b.get(i) == Some(&b'#') {
        i += 1;
    }
    (b.get(i) == Some(&b'"')).then_some((i - start, i))
}

fn ident(b: &[u8], i: usize) -> (String, usize) {
    let mut j = i;
    if b.get(j) == Some(&b'$') {
        j += 1;
    }
    while b.get(j).is_some_and(|&c| is_ident(c)) {
        j += 1;
    }
    if j == i + 1 && b[i] == b'$' {
        return (String::new(), i);
    }
    (String::from_utf8_lossy(&b[i..j]).into_owned(), j)
}

/// A leaf of a `use` tree: its full path and the name it binds ("*" for a glob).
pub(crate) type Leaf = (Vec<String>, String);

/// Parses a `use` tree (or an inline path) at `i`, pushing (full path, name it binds; "*" for a
/// glob) for each leaf; returns the offset after it.
pub(crate) fn parse_tree(
    b: &[u8],
    mut i: usize,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) -> usize {
    let depth = prefix.len();
    i = skip_ws(b, i);
    if b[i..].starts_with(b"::") {
        i += 2;
    }
    loop {
        i = skip_ws(b, i);
        if b.get(i) == Some(&b'{') {
            i += 1;
            loop {
                i = skip_ws(b, i);
                if i >= b.len() {
                    break;
                }
                if b[i] == b'}' {
                    i += 1;
                    break;
                }
                i = skip_ws(b, parse_tree(b, i, prefix, out));
                match b.get(i) {
                    Some(b',') => i += 1,
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => break,
                }
            }
            prefix.truncate(depth);
            return i;
        }
        if b.get(i) == Some(&b'*') {
            out.push((prefix.clone(), "*".into()));
            prefix.truncate(depth);
            return i + 1;
        }
        let (id, j) = ident(b, i);
        if id.is_empty() {
            if prefix.len() > depth {
                out.push((prefix.clone(), prefix.last().unwrap().clone()));
            }
            prefix.truncate(depth);
            return i;
        }
        let k = skip_ws(b, j);
        if b[k..].starts_with(b"::") && !b[k + 2..].starts_with(b"<") {
            prefix.push(id);
            i = k + 2;
            continue;
        }
        i = j;
        let is_self = id == "self" && !prefix.is_empty();
        if !is_self {
            prefix.push(id);
        }
        let mut alias = prefix.last().cloned().unwrap_or_default();
        if b[k..].starts_with(b"as") && !b.get(k + 2).is_some_and(|&c| is_ident(c)) {
            let (a, j2) = ident(b, skip_ws(b, k + 2));
            alias = a;
            i = j2;
        }
        out.push((prefix.clone(), alias));
        prefix.truncate(depth);
        return i;
    }
}

/// A path written in a file: its segments, line, and the inline modules (`mod x { … }`) it sits in.
pub(crate) struct Ref {
    pub path: Vec<String>,
    pub line: usize,
    pub inline: Vec<String>,
}

/// One Rust source file, lexed.
pub(crate) struct Rust {
    text: String,
    code: String,
    inline_mods: Vec<(usize, usize, String)>,
    defined: BTreeSet<String>,
}

fn word_at(b: &[u8], i: usize, w: &str) -> bool {
    b[i..].starts_with(w.as_bytes())
        && (i == 0 || (!is_ident(b[i - 1]) && b[i - 1] != b'$'))
        && !b.get(i + w.len()).is_some_and(|&c| is_ident(c))
}

impl Rust {
    pub(crate) fn new(text: &str) -> Rust {
        let code = code_only(text, false);
        let b = code.as_bytes();
        let mut inline_mods = Vec::new();
        let mut defined = BTreeSet::new();
        let mut open: Vec<(usize, usize, String)> = Vec::new(); // (start, depth, name)
        let mut depth = 0usize;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    while open.last().is_some_and(|o| o.1 > depth) {
                        let (s, _, n) = open.pop().unwrap();
                        inline_mods.push((s, i, n));
                    }
                }
                _ => {}
            }
            for kw in ["fn", "struct", "enum", "trait", "type", "const", "static", "mod", "union"] {
                if word_at(b, i, kw) {
                    let (name, j) = ident(b, skip_ws(b, i + kw.len()));
                    if kw == "mod" && b.get(skip_ws(b, j)) == Some(&b'{') {
                        open.push((i, depth + 1, name.clone()));
                    }
                    defined.insert(name);
                }
            }
            i += 1;
        }
        Rust { text: text.to_string(), code, inline_mods, defined }
    }

    pub(crate) fn defines(&self, name: &str) -> bool {
        self.defined.contains(name)
    }

    fn inline_at(&self, at: usize) -> Vec<String> {
        let mut m: Vec<_> = self.inline_mods.iter().filter(|(s, e, _)| *s <= at && at <= *e).collect();
        m.sort();
        m.into_iter().map(|(_, _, n)| n.clone()).collect()
    }

    /// Each `use` statement (only `pub`/`pub(…)` ones if `pub_only`): (offset range, leaves).
    pub(crate) fn uses(&self, pub_only: bool) -> Vec<((usize, usize), Vec<Leaf>)> {
        let b = self.code.as_bytes();
        let mut out = Vec::new();
        for i in 0..b.len() {
            if !word_at(b, i, "use") {
                continue;
            }
            let before = self.code[..i].trim_end();
            let is_pub = before.ends_with("pub") || before.ends_with("pub(crate)") || before.ends_with("pub(super)");
            if pub_only && !is_pub {
                continue;
            }
            let mut leaves = Vec::new();
            let end = parse_tree(b, i + 3, &mut Vec::new(), &mut leaves);
            out.push(((i, end), leaves));
        }
        out
    }

    /// Every path starting `crate::`, `$crate::`, `super::` or `self::` (in `use` trees and inline).
    pub(crate) fn references(&self) -> Vec<Ref> {
        let b = self.code.as_bytes();
        let mut out = Vec::new();
        let uses = self.uses(false);
        for ((start, _), leaves) in &uses {
            for (path, _) in leaves {
                if matches!(path.first().map(String::as_str), Some("crate" | "$crate" | "super" | "self")) {
                    let line = line_of(&self.text, *start);
                    out.push(Ref { path: path.clone(), line, inline: self.inline_at(*start) });
                }
            }
        }
        let mut i = 0;
        while i < b.len() {
            if uses.iter().any(|((s, e), _)| *s <= i && i < *e) {
                i += 1;
                continue;
            }
            let hit = ["$crate", "crate", "super", "self"]
                .into_iter()
                .find(|kw| word_at(b, i, kw) && b[skip_ws(b, i + kw.len())..].starts_with(b"::"));
            if hit.is_some() {
                let mut leaves = Vec::new();
                let end = parse_tree(b, i, &mut Vec::new(), &mut leaves);
                for (path, _) in leaves {
                    out.push(Ref { path, line: line_of(&self.text, i), inline: self.inline_at(i) });
                }
                i = end.max(i + 1);
            } else {
                i += 1;
            }
        }
        out
    }
}
