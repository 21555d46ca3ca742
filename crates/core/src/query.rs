//! The query language: one string used by the CLI, the app and saved subsets.
//!
//! Owns the grammar, the parser and the AST. It does not execute anything: the store compiles the
//! AST to tantivy queries (text and trajectory-level fields) and SQL (step-level conditions).
//! A syntax error is a [`QueryError`] that names the 1-based column, never an empty result.
//!
//! # Grammar
//!
//! ```text
//! query     := ws* [ or ] ws*                       (empty or blank query = match all)
//! or        := and ( "OR" and )*
//! and       := unary ( [ "AND" ] unary )*           (juxtaposition is AND)
//! unary     := "-" unary | atom                     ("-" directly followed by its operand)
//! atom      := "(" or ")" | phrase | step | label | field | word
//! phrase    := '"' ( char | '\"' | '\\' )* '"'      (non-empty)
//! word      := wchar+ , not starting with "-", and not the keywords "OR" / "AND"
//! wchar     := any char except whitespace ( ) "
//! field     := NAME ":" value
//! NAME      := "repo" | "instance" | "base" | "dataset" | "format" | "model" | "id" | "tool"
//!            | "kind"
//!            | "resolved" | "flag" | "steps" | "patch_files" | "patch_lines"
//!            | "annotator" | "noted"
//! value     := phrase | wchar+                      (non-empty)
//!              pattern fields (repo instance base dataset format model id tool):
//!                  exact, or a glob when it contains "*"
//!              format:   a format name (see model::Format::as_str) or a glob
//!              resolved: "true" | "false" | "unknown"
//!              flag:     a flag name (see facts::Flag::as_str)
//!              steps, patch_files, patch_lines: range
//!              annotator: an annotator name or a glob
//!              noted:    "true" | "false"
//!              kind:     "trajectory" | "prediction" | "any"  (without a kind: term anywhere
//!                        in the query, only trajectories match: patch-only prediction records
//!                        are found with kind:prediction or kind:any)
//! label     := "label:" SET [ "=" value | ":none" | ( ">" | ">=" | "<" | "<=" ) N ]
//!              (SET := [a-z0-9_]+; no suffix = has any value in SET; "=A..B" on rating sets)
//! range     := N | ">" N | ">=" N | "<" N | "<=" N | N ".." N     (N := [0-9]+, A..B needs A <= B)
//! step      := "step:(" ws* stepcond ( ws+ stepcond )* ws* ")"
//! stepcond  := "tool:" value
//!            | "cmd:/" ( char | "\/" )+ "/"         (a regex, checked; "\/" is a literal "/")
//!            | "cmd:" value                         (substring)
//!            | "exit:" [ "!" ] [ "-" ] N             (exit:!N = a stated exit code other than N)
//! ```
//!
//! `OR` and `AND` are keywords only in upper case and as whole tokens; `or` is a word. `AND` binds
//! tighter than `OR`: `a b OR c` is `(a AND b) OR c`. A word whose prefix before the first `:` looks
//! like a name (`[A-Za-z_][A-Za-z0-9_]*`) must be a known field; quote it to search it as text.
//! Words keep their case (the index lowercases). The AST is normalized: an `And`/`Or` of one item is
//! that item, and nested `And`s (`Or`s) are merged into their parent `And` (`Or`).
//!
//! Every error names the 1-based character column of the offending token: the opening quote of an
//! unterminated quote, the `(` that is never closed or the `)` that was never opened, the field of
//! an empty value, the value of a bad range, flag, format, exit code or `resolved`, the `/` of a bad
//! regex, the name of an unknown field or step condition, and the dangling `-`, `OR` or `AND`.
//!
//! Limits, so that no query can exhaust the stack or the time of the search that runs it: at most
//! [`MAX_QUERY_CHARS`] characters, [`MAX_DEPTH`] nested levels of `(` and `-`, and [`MAX_TERMS`]
//! terms; each is a column error (the first character past the length, the `(` or `-` one level
//! too deep, the first term too many).

use crate::facts::Flag;
use crate::model::Format;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All of these hold. An empty `And` matches everything.
    And(Vec<Expr>),
    /// Any of these holds.
    Or(Vec<Expr>),
    /// Negation (`-term`, `-field:value`, `-(…)`).
    Not(Box<Expr>),
    /// A bare word (full-text, matched after the index's tokenization).
    Word(String),
    /// A "quoted phrase" (full-text, positions).
    Phrase(String),
    /// A trajectory-level filter.
    Field(Filter),
    /// `step:( … )`: all conditions must hold in one step.
    Step(Vec<StepCond>),
}

/// A string match: exact, or a glob with `*` (case-sensitive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Exact value.
    Exact(String),
    /// Glob with `*` wildcards.
    Glob(String),
}

/// A numeric condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// `N`
    Eq(u64),
    /// `>N`
    Gt(u64),
    /// `>=N`
    Ge(u64),
    /// `<N`
    Lt(u64),
    /// `<=N`
    Le(u64),
    /// `A..B` (inclusive)
    Between(u64, u64),
}

/// A trajectory-level filter (`field:value`).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `repo:`
    Repo(Pattern),
    /// `instance:`
    Instance(Pattern),
    /// `base:` the base instance (the instance id without a sample suffix, see
    /// [`crate::instance::base_instance`])
    Base(Pattern),
    /// `kind:trajectory|prediction|any`
    Kind(KindFilter),
    /// `dataset:`
    Dataset(Pattern),
    /// `format:` (a stable format name)
    Format(Pattern),
    /// `model:`
    Model(Pattern),
    /// `id:` our trajectory id (prefix allowed with `*`)
    Id(Pattern),
    /// `resolved:true|false|unknown` (`None` = unknown)
    Resolved(Option<bool>),
    /// `flag:<name>`
    Flag(crate::facts::Flag),
    /// `tool:<name>` (the trajectory has at least one call of this tool)
    Tool(Pattern),
    /// `steps:`
    Steps(Range),
    /// `patch_files:`
    PatchFiles(Range),
    /// `patch_lines:` (added + removed)
    PatchLines(Range),
    /// `label:<set>…`
    Label(LabelFilter),
    /// `annotator:<name>` (the trajectory has a current label by this annotator)
    Annotator(Pattern),
    /// `noted:true|false` (the trajectory, or one of its steps, has a note)
    Noted(bool),
}

/// `kind:` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindFilter {
    /// Trajectories (what a query without `kind:` matches).
    Trajectory,
    /// Patch-only prediction records.
    Prediction,
    /// Both.
    Any,
}

impl Expr {
    /// Whether a `kind:` term appears anywhere in the expression (a query without one matches
    /// trajectories only).
    pub fn mentions_kind(&self) -> bool {
        match self {
            Expr::And(items) | Expr::Or(items) => items.iter().any(Expr::mentions_kind),
            Expr::Not(inner) => inner.mentions_kind(),
            Expr::Field(Filter::Kind(_)) => true,
            _ => false,
        }
    }
}

/// `label:<set>…`: a condition on the current labels of a trajectory (or of any of its steps).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelFilter {
    /// The label set.
    pub set: String,
    /// What its value must be.
    pub cond: LabelCond,
    /// 1-based column of the set name (to report an unknown set).
    pub set_column: usize,
    /// 1-based column of the value (to report a value outside the set's schema).
    pub value_column: usize,
}

/// The condition of a `label:` term.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelCond {
    /// `label:SET`: any value.
    Any,
    /// `label:SET:none`: no value.
    None,
    /// `label:SET=VALUE`: the value is (or, multi-select, contains) VALUE; on a rating set VALUE is
    /// `N` or `A..B`.
    Is(String),
    /// `label:SET>N`, `>=N`, `<N`, `<=N` (rating sets).
    Range(Range),
}

/// A condition inside `step:( … )`.
#[derive(Debug, Clone, PartialEq)]
pub enum StepCond {
    /// `tool:<name>`
    Tool(Pattern),
    /// `cmd:/regex/` or `cmd:word` (substring)
    CmdRegex(String),
    /// `cmd:word` substring
    CmdContains(String),
    /// `exit:N`
    ExitIs(i64),
    /// `exit:!N`
    ExitIsNot(i64),
}

/// A syntax error with the 1-based column (in characters) where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// 1-based column, in characters.
    pub column: usize,
    /// A lowercase sentence.
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

/// The field names with a one-line help each, in the order the app offers them for completion.
pub fn fields() -> &'static [(&'static str, &'static str)] {
    &[
        ("repo", "repository owner/name; * globs (repo:django/*)"),
        ("instance", "instance id; * globs (instance:astropy__astropy-12907)"),
        ("base", "base instance, the instance id without a sample suffix (base:django__django-11099 finds …-11099_2)"),
        ("kind", "record kind: trajectory (the default), prediction (patch-only records) or any"),
        ("dataset", "task source dataset; * globs (dataset:SWE-Gym/*)"),
        ("format", "source format name (format:nv-swe-zero) or a glob"),
        ("model", "model that produced the trajectory; * globs (model:*qwen*)"),
        ("id", "trajectory id; * for a prefix (id:3f2a*)"),
        ("resolved", "harness outcome: true, false or unknown"),
        ("flag", "quality flag (flag:ran_tests, flag:loop, …)"),
        ("tool", "has a call of this tool; * globs (tool:execute_bash)"),
        ("steps", "number of steps: N, >N, >=N, <N, <=N or A..B"),
        ("patch_files", "files in the final patch: N, >N, >=N, <N, <=N or A..B"),
        ("patch_lines", "added + removed patch lines: N, >N, >=N, <N, <=N or A..B"),
        ("label", "current label: label:verdict=keep, label:failure_mode=loop, label:quality>=4, label:verdict:none"),
        ("annotator", "labelled by this annotator; * globs (annotator:alice)"),
        ("noted", "has a note: true or false"),
        ("step", "one step matches all: step:(tool:NAME cmd:/REGEX/ cmd:TEXT exit:N exit:!N)"),
    ]
}

/// The step-condition names inside `step:( … )`.
pub const STEP_CONDITIONS: [&str; 3] = ["tool", "cmd", "exit"];

/// The longest query accepted, in characters (a pasted traceback of a few pages fits; longer is
/// refused with a column error at the first character past the limit).
pub const MAX_QUERY_CHARS: usize = 20_000;

/// The deepest nesting of groups `(` and negations `-` accepted. The parser, the compilers in the
/// store and tantivy's query tree all recurse once per level, so this bounds their stack use: a
/// query nested deeper is a column error at the `(` or `-` that opens level `MAX_DEPTH + 1`.
pub const MAX_DEPTH: usize = 64;

/// The most terms (words, phrases, field filters, step conditions) a query may have: each is one
/// lookup in the index, so a pasted text of thousands of unquoted words is refused with a column
/// error at the first term past the limit (quoted, it is one phrase).
pub const MAX_TERMS: usize = 1_000;

/// Parses a query string. See the module docs for the grammar.
pub fn parse(input: &str) -> Result<Expr, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let len = chars.len();
    let mut p = Parser { chars, pos: 0, depth: 0, terms: 0 };
    // The parser is linear and its recursion bounded, so it runs over a too long query too: an
    // error before the limit (a nesting too deep, say) is the one to name.
    match p.parse_all() {
        Err(e) if e.column <= MAX_QUERY_CHARS => Err(e),
        _ if len > MAX_QUERY_CHARS => Err(QueryError {
            column: MAX_QUERY_CHARS + 1,
            message: format!("query too long: {len} characters, at most {MAX_QUERY_CHARS}"),
        }),
        result => result,
    }
}

impl Parser {
    fn parse_all(&mut self) -> Result<Expr, QueryError> {
        let p = self;
        p.skip_ws();
        if p.at_end() {
            return Ok(Expr::And(Vec::new()));
        }
        let expr = p.parse_or()?;
        p.skip_ws();
        if !p.at_end() {
            // parse_or stops only at the end, or at a ')' that no group opened.
            return Err(p.error_at(p.pos, "unbalanced parenthesis: ')' has no matching '('"));
        }
        Ok(expr)
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Open groups and negations around the current position.
    depth: usize,
    /// Terms parsed so far.
    terms: usize,
}

/// Whether a char ends a word or a bare value.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

impl Parser {
    fn error_at(&self, pos: usize, message: impl Into<String>) -> QueryError {
        QueryError { column: pos + 1, message: message.into() }
    }

    /// Enters one more level of `(` or `-` at `pos`, refusing more than [`MAX_DEPTH`].
    fn enter(&mut self, pos: usize) -> Result<(), QueryError> {
        if self.depth >= MAX_DEPTH {
            return Err(
                self.error_at(pos, format!("query nested too deeply: more than {MAX_DEPTH} levels of '(' and '-'"))
            );
        }
        self.depth += 1;
        Ok(())
    }

    /// Counts one more term starting at `pos`, refusing more than [`MAX_TERMS`].
    fn count_term(&mut self, pos: usize) -> Result<(), QueryError> {
        if self.terms >= MAX_TERMS {
            return Err(self.error_at(
                pos,
                format!("too many terms: at most {MAX_TERMS} (quote a pasted text to search it as one phrase)"),
            ));
        }
        self.terms += 1;
        Ok(())
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Whether the keyword (`OR`, `AND`) stands as a whole token at the current position.
    fn at_keyword(&self, keyword: &str) -> bool {
        let n = keyword.chars().count();
        let matches = keyword.chars().enumerate().all(|(i, k)| self.chars.get(self.pos + i) == Some(&k));
        matches && self.chars.get(self.pos + n).is_none_or(|&c| ends_word(c))
    }

    /// Whether nothing that can start a term follows (end, `)`, or a keyword).
    fn at_term_end(&self) -> bool {
        self.at_end() || self.peek() == Some(')') || self.at_keyword("OR") || self.at_keyword("AND")
    }

    fn parse_or(&mut self) -> Result<Expr, QueryError> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.at_keyword("OR") {
                let or_pos = self.pos;
                if items.is_empty() {
                    return Err(self.dangling(or_pos, "OR"));
                }
                self.pos += 2;
                self.skip_ws();
                if self.at_term_end() {
                    return Err(self.dangling(or_pos, "OR"));
                }
            }
            let and = self.parse_and()?;
            if and == Expr::And(Vec::new()) {
                break;
            }
            items.push(and);
            self.skip_ws();
            if !self.at_keyword("OR") {
                break;
            }
        }
        if items.is_empty() {
            return Ok(Expr::And(Vec::new()));
        }
        Ok(combine(items, Combine::Or))
    }

    fn parse_and(&mut self) -> Result<Expr, QueryError> {
        let mut items = Vec::new();
        loop {
            self.skip_ws();
            if self.at_keyword("AND") {
                let and_pos = self.pos;
                if items.is_empty() {
                    return Err(self.dangling(and_pos, "AND"));
                }
                self.pos += 3;
                self.skip_ws();
                if self.at_term_end() {
                    return Err(self.dangling(and_pos, "AND"));
                }
            }
            if self.at_end() || self.peek() == Some(')') || self.at_keyword("OR") {
                break;
            }
            items.push(self.parse_unary()?);
        }
        Ok(combine(items, Combine::And))
    }

    fn dangling(&self, pos: usize, keyword: &str) -> QueryError {
        self.error_at(pos, format!("dangling '{keyword}': expected a term on both sides"))
    }

    fn parse_unary(&mut self) -> Result<Expr, QueryError> {
        if self.peek() == Some('-') {
            let minus = self.pos;
            self.pos += 1;
            let next_ends = self.peek().is_none_or(char::is_whitespace);
            if next_ends || self.at_term_end() {
                return Err(self.error_at(minus, "dangling '-': expected a term right after it"));
            }
            self.enter(minus)?;
            let inner = self.parse_unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.parse_atom()
    }

    fn parse_atom(&mut self) -> Result<Expr, QueryError> {
        let start = self.pos;
        match self.peek() {
            Some('(') => {
                self.enter(start)?;
                self.pos += 1;
                let inner = self.parse_or()?;
                self.depth -= 1;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(self.error_at(start, "unbalanced parenthesis: '(' is never closed"));
                }
                self.pos += 1;
                if inner == Expr::And(Vec::new()) {
                    return Err(self.error_at(start, "empty group '()'"));
                }
                Ok(inner)
            }
            Some('"') => {
                self.count_term(start)?;
                let text = self.parse_quoted()?;
                if text.is_empty() {
                    return Err(self.error_at(start, "empty phrase"));
                }
                Ok(Expr::Phrase(text))
            }
            _ => {
                self.count_term(start)?;
                if let Some(name) = self.field_name_here() {
                    return self.parse_field(start, &name);
                }
                let word = self.take_bare();
                Ok(Expr::Word(word))
            }
        }
    }

    /// If the current token is `NAME:` with an identifier-like NAME, consumes it and returns the
    /// name. A NAME that is not a field is returned too (parse_field reports it).
    fn field_name_here(&mut self) -> Option<String> {
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
    fn take_bare(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !ends_word(c)) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// At a `"`: consumes a quoted string with `\"` and `\\` escapes.
    fn parse_quoted(&mut self) -> Result<String, QueryError> {
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

    /// A field value: quoted or bare. Returns the value and the position where it starts.
    fn parse_value(&mut self, field_start: usize, name: &str) -> Result<(String, usize), QueryError> {
        let start = self.pos;
        let value = if self.peek() == Some('"') { self.parse_quoted()? } else { self.take_bare() };
        if value.is_empty() {
            return Err(self.error_at(field_start, format!("empty value for '{name}:'")));
        }
        Ok((value, start))
    }

    fn parse_field(&mut self, start: usize, name: &str) -> Result<Expr, QueryError> {
        if name == "step" {
            return self.parse_step(start);
        }
        if name == "label" {
            return self.parse_label(start);
        }
        if !fields().iter().any(|(f, _)| *f == name) {
            return Err(self.error_at(start, unknown_name_message("field", name, &field_names())));
        }
        let (value, value_pos) = self.parse_value(start, name)?;
        let filter = match name {
            "repo" => Filter::Repo(pattern(value)),
            "instance" => Filter::Instance(pattern(value)),
            "base" => Filter::Base(pattern(value)),
            "kind" => match value.to_ascii_lowercase().as_str() {
                "trajectory" | "trajectories" => Filter::Kind(KindFilter::Trajectory),
                "prediction" | "predictions" => Filter::Kind(KindFilter::Prediction),
                "any" | "all" => Filter::Kind(KindFilter::Any),
                _ => {
                    return Err(self.error_at(
                        value_pos,
                        format!("bad value '{value}' for 'kind:'; expected trajectory, prediction or any"),
                    ))
                }
            },
            "dataset" => Filter::Dataset(pattern(value)),
            "model" => Filter::Model(pattern(value)),
            "id" => Filter::Id(pattern(value)),
            "tool" => Filter::Tool(pattern(value)),
            "annotator" => Filter::Annotator(pattern(value)),
            "noted" => match value.to_ascii_lowercase().as_str() {
                "true" => Filter::Noted(true),
                "false" => Filter::Noted(false),
                _ => {
                    return Err(
                        self.error_at(value_pos, format!("bad value '{value}' for 'noted:'; expected true or false"))
                    )
                }
            },
            "format" => {
                if value.contains('*') {
                    Filter::Format(Pattern::Glob(value))
                } else if Format::from_name(&value).is_some() {
                    Filter::Format(Pattern::Exact(value))
                } else {
                    let valid: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                    return Err(self.error_at(
                        value_pos,
                        format!("unknown format '{value}'; valid formats: {}", valid.join(", ")),
                    ));
                }
            }
            "resolved" => match value.to_ascii_lowercase().as_str() {
                "true" => Filter::Resolved(Some(true)),
                "false" => Filter::Resolved(Some(false)),
                "unknown" => Filter::Resolved(None),
                _ => {
                    return Err(self.error_at(
                        value_pos,
                        format!("bad value '{value}' for 'resolved:'; expected true, false or unknown"),
                    ))
                }
            },
            "flag" => match Flag::from_name(&value) {
                Some(flag) => Filter::Flag(flag),
                None => {
                    let valid: Vec<&str> = Flag::ALL.iter().map(|f| f.as_str()).collect();
                    return Err(
                        self.error_at(value_pos, format!("unknown flag '{value}'; valid flags: {}", valid.join(", ")))
                    );
                }
            },
            "steps" | "patch_files" | "patch_lines" => {
                let range = parse_range(&value)
                    .map_err(|why| self.error_at(value_pos, format!("bad range '{value}' for '{name}:': {why}")))?;
                match name {
                    "steps" => Filter::Steps(range),
                    "patch_files" => Filter::PatchFiles(range),
                    _ => Filter::PatchLines(range),
                }
            }
            _ => unreachable!("every name in fields() is handled"),
        };
        Ok(Expr::Field(filter))
    }

    /// After `label:`: `SET`, then `=VALUE`, `:none`, a comparison, or nothing.
    fn parse_label(&mut self, start: usize) -> Result<Expr, QueryError> {
        let set_pos = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let set: String = self.chars[set_pos..self.pos].iter().collect();
        if set.is_empty() {
            return Err(self.error_at(start, "empty value for 'label:'; expected label:SET=VALUE"));
        }
        let filter = |cond, value_pos: usize| {
            Expr::Field(Filter::Label(LabelFilter {
                set: set.clone(),
                cond,
                set_column: set_pos + 1,
                value_column: value_pos + 1,
            }))
        };
        let here = self.pos;
        match self.peek() {
            None => Ok(filter(LabelCond::Any, here)),
            Some(c) if ends_word(c) => Ok(filter(LabelCond::Any, here)),
            Some('=') => {
                self.pos += 1;
                let value_pos = self.pos;
                let value = if self.peek() == Some('"') { self.parse_quoted()? } else { self.take_bare() };
                if value.is_empty() {
                    return Err(self.error_at(start, format!("empty value for 'label:{set}='")));
                }
                Ok(filter(LabelCond::Is(value), value_pos))
            }
            Some('>' | '<') => {
                let value = self.take_bare();
                let range = parse_range(&value)
                    .map_err(|why| self.error_at(here, format!("bad comparison '{value}' for 'label:{set}': {why}")))?;
                Ok(filter(LabelCond::Range(range), here))
            }
            Some(':') => {
                self.pos += 1;
                let word = self.take_bare();
                if word != "none" {
                    return Err(self.error_at(here, format!("expected ':none' after 'label:{set}', found ':{word}'")));
                }
                Ok(filter(LabelCond::None, here))
            }
            Some(c) => Err(self.error_at(
                here,
                format!("unexpected '{c}' after 'label:{set}'; expected '=VALUE', ':none', '>N', '>=N', '<N' or '<=N'"),
            )),
        }
    }

    /// After `step:`: `( stepcond+ )`.
    fn parse_step(&mut self, start: usize) -> Result<Expr, QueryError> {
        let open = self.pos;
        if self.peek() != Some('(') {
            return Err(self
                .error_at(start, "'step:' expects conditions in parentheses, e.g. step:(tool:execute_bash exit:!0)"));
        }
        self.pos += 1;
        let mut conds = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(self.error_at(open, "unbalanced parenthesis: '(' is never closed")),
                Some(')') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    self.count_term(self.pos)?;
                    conds.push(self.parse_step_cond()?)
                }
            }
        }
        if conds.is_empty() {
            return Err(self.error_at(open, "empty step condition list 'step:()'"));
        }
        Ok(Expr::Step(conds))
    }

    fn parse_step_cond(&mut self) -> Result<StepCond, QueryError> {
        let start = self.pos;
        let Some(name) = self.field_name_here() else {
            let token = self.take_bare();
            let token = if token.is_empty() { self.peek().map(String::from).unwrap_or_default() } else { token };
            return Err(
                self.error_at(start, format!("expected a step condition (tool:, cmd: or exit:), found '{token}'"))
            );
        };
        match name.as_str() {
            "tool" => {
                let (value, _) = self.parse_value(start, "tool")?;
                Ok(StepCond::Tool(pattern(value)))
            }
            "cmd" if self.peek() == Some('/') => self.parse_regex(start).map(StepCond::CmdRegex),
            "cmd" => {
                let (value, _) = self.parse_value(start, "cmd")?;
                Ok(StepCond::CmdContains(value))
            }
            "exit" => {
                let (value, value_pos) = self.parse_value(start, "exit")?;
                let (negated, number) = match value.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, value.as_str()),
                };
                let code: i64 = number
                    .parse()
                    .map_err(|_| self.error_at(value_pos, format!("bad exit code '{value}'; expected N or !N")))?;
                Ok(if negated { StepCond::ExitIsNot(code) } else { StepCond::ExitIs(code) })
            }
            other => Err(self.error_at(start, unknown_name_message("step condition", other, &STEP_CONDITIONS))),
        }
    }

    /// At the opening `/` of `cmd:/…/`.
    fn parse_regex(&mut self, cond_start: usize) -> Result<String, QueryError> {
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

#[derive(Clone, Copy, PartialEq)]
enum Combine {
    And,
    Or,
}

/// Builds an `And`/`Or`, merging nested ones of the same kind and unwrapping a single item.
fn combine(items: Vec<Expr>, kind: Combine) -> Expr {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match (item, kind) {
            (Expr::And(inner), Combine::And) | (Expr::Or(inner), Combine::Or) => flat.extend(inner),
            (other, _) => flat.push(other),
        }
    }
    if flat.len() == 1 {
        return flat.pop().expect("one item");
    }
    match kind {
        Combine::And => Expr::And(flat),
        Combine::Or => Expr::Or(flat),
    }
}

fn pattern(value: String) -> Pattern {
    if value.contains('*') {
        Pattern::Glob(value)
    } else {
        Pattern::Exact(value)
    }
}

/// `N`, `>N`, `>=N`, `<N`, `<=N`, `A..B`; the error says why.
pub fn parse_range(value: &str) -> Result<Range, &'static str> {
    const EXPECTED: &str = "expected N, >N, >=N, <N, <=N or A..B";
    let number = |s: &str| -> Result<u64, &'static str> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EXPECTED);
        }
        s.parse().map_err(|_| "number too large")
    };
    if let Some(rest) = value.strip_prefix(">=") {
        return Ok(Range::Ge(number(rest)?));
    }
    if let Some(rest) = value.strip_prefix("<=") {
        return Ok(Range::Le(number(rest)?));
    }
    if let Some(rest) = value.strip_prefix('>') {
        return Ok(Range::Gt(number(rest)?));
    }
    if let Some(rest) = value.strip_prefix('<') {
        return Ok(Range::Lt(number(rest)?));
    }
    if let Some((a, b)) = value.split_once("..") {
        let (a, b) = (number(a)?, number(b)?);
        if a > b {
            return Err("the start is greater than the end");
        }
        return Ok(Range::Between(a, b));
    }
    Ok(Range::Eq(number(value)?))
}

fn field_names() -> Vec<&'static str> {
    fields().iter().map(|(name, _)| *name).collect()
}

/// "unknown field 'x'; did you mean 'y'?" (or the list of valid names when none is close).
fn unknown_name_message(kind: &str, name: &str, valid: &[&str]) -> String {
    let nearest = valid.iter().map(|v| (edit_distance(&name.to_ascii_lowercase(), v), *v)).min();
    match nearest {
        Some((d, v)) if d <= 2.max(name.chars().count() / 3) => {
            format!("unknown {kind} '{name}'; did you mean '{v}'?")
        }
        _ => format!("unknown {kind} '{name}'; valid: {}", valid.join(", ")),
    }
}

/// Levenshtein distance in chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The one-line reason of a regex error (the crate's message spans several lines).
fn regex_error_summary(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.lines().last().unwrap_or("").trim().to_string())
}
