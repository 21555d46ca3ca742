//! A small shell lexer: splits a command line into simple commands (words with quotes removed)
//! and the command lines nested in `$(…)`, backticks and `<(…)`, skipping comments, redirections
//! and here-documents.

#[derive(Default)]
pub(super) struct ShellLexed {
    /// Simple commands, each a list of words with quotes removed.
    pub(super) commands: Vec<Vec<String>>,
    /// Command lines found inside `$(…)`, backticks and `<(…)`.
    pub(super) nested: Vec<String>,
}

struct ShellLexer<'a> {
    b: &'a [u8],
    i: usize,
    word: Vec<u8>,
    in_word: bool,
    skip_next_word: bool,
    command: Vec<String>,
    heredocs: Vec<(Vec<u8>, bool)>,
}

impl ShellLexer<'_> {
    fn finish_word(&mut self) {
        if self.in_word {
            if self.skip_next_word {
                self.skip_next_word = false;
            } else {
                self.command.push(String::from_utf8_lossy(&self.word).into_owned());
            }
        }
        self.word.clear();
        self.in_word = false;
    }

    fn end_command(&mut self, out: &mut ShellLexed) {
        self.finish_word();
        self.skip_next_word = false;
        if !self.command.is_empty() {
            out.commands.push(std::mem::take(&mut self.command));
        }
    }

    /// At `start` is an opening `(`: returns the index just past the matching `)` (or the end),
    /// pushing the inside to `nested`.
    fn take_balanced(&self, start: usize, out: &mut ShellLexed) -> usize {
        let mut depth = 0usize;
        let mut j = start;
        let mut quote: Option<u8> = None;
        while j < self.b.len() {
            let c = self.b[j];
            match quote {
                Some(q) => {
                    if c == b'\\' && q == b'"' {
                        j += 1;
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    b'\\' => j += 1,
                    b'\'' | b'"' => quote = Some(c),
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            out.nested.push(String::from_utf8_lossy(&self.b[start + 1..j]).into_owned());
                            return j + 1;
                        }
                    }
                    _ => {}
                },
            }
            j += 1;
        }
        let end = self.b.len().min(start + 1);
        out.nested.push(String::from_utf8_lossy(&self.b[end..]).into_owned());
        self.b.len()
    }

    /// At `start` is an opening backtick: returns the index past the closing one.
    fn take_backticks(&self, start: usize, out: &mut ShellLexed) -> usize {
        let rest = &self.b[start + 1..];
        let end = memchr::memchr(b'`', rest).unwrap_or(rest.len());
        out.nested.push(String::from_utf8_lossy(&rest[..end]).into_owned());
        (start + 1 + end + 1).min(self.b.len())
    }

    /// At a newline (already consumed): skips pending here-document bodies.
    fn skip_heredocs(&mut self) {
        for (delim, strip_tabs) in std::mem::take(&mut self.heredocs) {
            while self.i < self.b.len() {
                let rest = &self.b[self.i..];
                let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let mut line = &rest[..line_end];
                self.i += (line_end + 1).min(rest.len());
                if strip_tabs {
                    while let [b'\t', tail @ ..] = line {
                        line = tail;
                    }
                }
                if line.trim_ascii_end() == delim.as_slice() {
                    break;
                }
            }
        }
    }
}

pub(super) fn lex_shell(b: &[u8], out: &mut ShellLexed) {
    let mut lx = ShellLexer {
        b,
        i: 0,
        word: Vec::new(),
        in_word: false,
        skip_next_word: false,
        command: Vec::new(),
        heredocs: Vec::new(),
    };
    while lx.i < b.len() {
        let c = b[lx.i];
        let next = b.get(lx.i + 1).copied();
        match c {
            b' ' | b'\t' | b'\r' => {
                lx.finish_word();
                lx.i += 1;
            }
            b'\n' => {
                lx.finish_word();
                // SWE-agent's `edit N:M` takes the following lines up to `end_of_edit` as text.
                if lx.command.len() == 2
                    && lx.command[0] == "edit"
                    && lx.command[1].contains(':')
                    && lx.command[1].bytes().all(|c| c.is_ascii_digit() || c == b':')
                {
                    lx.heredocs.push((b"end_of_edit".to_vec(), false));
                }
                lx.end_command(out);
                lx.i += 1;
                lx.skip_heredocs();
            }
            b'\\' => {
                if next == Some(b'\n') {
                    lx.finish_word();
                } else if let Some(n) = next {
                    lx.word.push(n);
                    lx.in_word = true;
                }
                lx.i += 2;
            }
            b'\'' => {
                let rest = &b[lx.i + 1..];
                let end = memchr::memchr(b'\'', rest).unwrap_or(rest.len());
                lx.word.extend_from_slice(&rest[..end]);
                lx.in_word = true;
                lx.i += 1 + end + 1;
            }
            b'"' => {
                lx.in_word = true;
                lx.i += 1;
                while lx.i < b.len() && b[lx.i] != b'"' {
                    match b[lx.i] {
                        b'\\' => {
                            if let Some(&n) = b.get(lx.i + 1) {
                                if !matches!(n, b'$' | b'`' | b'"' | b'\\' | b'\n') {
                                    lx.word.push(b'\\');
                                }
                                if n != b'\n' {
                                    lx.word.push(n);
                                }
                            }
                            lx.i += 2;
                        }
                        b'$' if b.get(lx.i + 1) == Some(&b'(') => {
                            lx.i = lx.take_balanced(lx.i + 1, out);
                        }
                        b'`' => lx.i = lx.take_backticks(lx.i, out),
                        other => {
                            lx.word.push(other);
                            lx.i += 1;
                        }
                    }
                }
                lx.i += 1;
            }
            b'`' => {
                lx.in_word = true;
                lx.i = lx.take_backticks(lx.i, out);
            }
            b'$' if next == Some(b'(') => {
                lx.in_word = true;
                lx.i = lx.take_balanced(lx.i + 1, out);
            }
            b'#' if !lx.in_word => {
                let rest = &b[lx.i..];
                lx.i += memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            }
            b'&' if next == Some(b'>') => {
                lx.end_word_before_redirect();
                lx.i += 2;
                if b.get(lx.i) == Some(&b'>') {
                    lx.i += 1;
                }
                lx.skip_next_word = true;
            }
            b';' | b'&' | b'|' | b'(' | b')' => {
                lx.end_command(out);
                lx.i += 1;
            }
            b'<' | b'>' => {
                lx.end_word_before_redirect();
                if next == Some(b'(') {
                    // Process substitution.
                    lx.i = lx.take_balanced(lx.i + 1, out);
                    continue;
                }
                if c == b'<' && next == Some(b'<') && b.get(lx.i + 2) != Some(&b'<') {
                    lx.i += 2;
                    let strip_tabs = b.get(lx.i) == Some(&b'-');
                    if strip_tabs {
                        lx.i += 1;
                    }
                    while matches!(b.get(lx.i), Some(b' ' | b'\t')) {
                        lx.i += 1;
                    }
                    let mut delim = Vec::new();
                    while let Some(&d) = b.get(lx.i) {
                        if matches!(d, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>') {
                            break;
                        }
                        if !matches!(d, b'\'' | b'"' | b'\\') {
                            delim.push(d);
                        }
                        lx.i += 1;
                    }
                    lx.heredocs.push((delim, strip_tabs));
                    continue;
                }
                lx.i += 1;
                while matches!(b.get(lx.i), Some(b'<' | b'>' | b'&' | b'|')) {
                    lx.i += 1;
                }
                lx.skip_next_word = true;
            }
            other => {
                lx.word.push(other);
                lx.in_word = true;
                lx.i += 1;
            }
        }
    }
    lx.end_command(out);
}

impl ShellLexer<'_> {
    /// Before a redirection operator: a word made only of digits is a file descriptor and is
    /// dropped; any other word ends.
    fn end_word_before_redirect(&mut self) {
        if self.in_word && !self.word.is_empty() && self.word.iter().all(u8::is_ascii_digit) {
            self.word.clear();
            self.in_word = false;
        } else {
            self.finish_word();
        }
    }
}
