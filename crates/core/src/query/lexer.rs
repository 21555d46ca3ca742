//! The parser's character cursor: positions, limits, keywords, and the lexical pieces of a query
//! (field names, bare words, quoted strings, `/regex/` values).

use super::ast::QueryError;
use super::fields::{regex_error_summary, MAX_DEPTH, MAX_TERMS};

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
    /// Open groups and negations around the current position.
    pub(super) depth: usize,
    /// Terms parsed so far.
    pub(super) terms: usize,
}

/// Whether a char ends a word or a bare value.
pub(super) fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

impl Parser {
    pub(super) fn error_at(&self, pos: usize, message: impl Into<String>) -> QueryError {
        QueryError { column: pos + 1, message: message.into() }
    }

    /// Enters one more level of `(` or `-` at `pos`, refusing more than [`MAX_DEPTH`].
    pub(super) fn enter(&mut self, pos: usize) -> Result<(), QueryError> {
        if self.depth >= MAX_DEPTH {
            return Err(
                self.error_at(pos, format!("query nested too deeply: more than {MAX_DEPTH} levels of '(' and '-'"))
            );
        }
        self.depth += 1;
        Ok(())
    }

    /// Counts one more term starting at `pos`, refusing more than [`MAX_TERMS`].
    pub(super) fn count_term(&mut self, pos: usize) -> Result<(), QueryError> {
        if self.terms >= MAX_TERMS {
            return Err(self.error_at(
                pos,
                format!("too many terms: at most {MAX_TERMS} (quote a pasted text to search it as one phrase)"),
            ));
        }
        self.terms += 1;
        Ok(())
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub(super) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Whether the keyword (`OR`, `AND`) stands as a whole token at the current position.
    pub(super) fn at_keyword(&self, keyword: &str) -> bool {
        let n = keyword.chars().count();
        let matches = keyword.chars().enumerate().all(|(i, k)| self.chars.get(self.pos + i) == Some(&k));
        matches && self.chars.get(self.pos + n).is_none_or(|&c| ends_word(c))
    }

    /// Whether nothing that can start a term follows (end, `)`, or a keyword).
    pub(super) fn at_term_end(&self) -> bool {
        self.at_end() || self.peek() == Some(')') || self.at_keyword("OR") || self.at_keyword("AND")
    }

    /// If the current token is `NAME:` with an identifier-like NAME, consumes it and returns the
    /// name. A NAME that is not a field is returned too (parse_field reports it).
    pub(super) fn field_name_here(&mut self) -> Option<String> {
        let mut end = self.pos;
        while self.chars.get(end).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
            end += 1;
        }
        let first = *self.chars.get(self.pos)?;
        if end == self.pos || first.is_ascii_digit() || self.chars.get(end) != Some(&':') {
            return None;
        }
        let name: String = self.chars[self.pos..end].iter().collect();
        self.pos = end + 1;
        Some(name)
    }

    /// Consumes a run of word chars.
    pub(super) fn take_bare(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !ends_word(c)) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// At a `"`: consumes a quoted string with `\"` and `\\` escapes.
    pub(super) fn parse_quoted(&mut self) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(open, "unterminated quote")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') if matches!(self.chars.get(self.pos + 1), Some('"' | '\\')) => {
                    out.push(self.chars[self.pos + 1]);
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// At the opening `/` of `cmd:/…/`.
    pub(super) fn parse_regex(&mut self, cond_start: usize) -> Result<String, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error_at(open, "unterminated regex: expected a closing '/'")),
                Some('/') => {
                    self.pos += 1;
                    break;
                }
                Some('\\') => {
                    match self.chars.get(self.pos + 1) {
                        Some('/') => out.push('/'),
                        Some(&c) => {
                            out.push('\\');
                            out.push(c);
                        }
                        None => out.push('\\'),
                    }
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        if out.is_empty() {
            return Err(self.error_at(cond_start, "empty value for 'cmd:'"));
        }
        if let Some(c) = self.peek().filter(|c| !c.is_whitespace() && *c != ')') {
            return Err(self.error_at(self.pos, format!("unexpected '{c}' after the regex")));
        }
        if let Err(e) = regex::Regex::new(&out) {
            return Err(self.error_at(open, format!("bad regex: {}", regex_error_summary(&e))));
        }
        Ok(out)
    }
}
