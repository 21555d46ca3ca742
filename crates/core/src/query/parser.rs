//! The recursive-descent parser of the query grammar (see the module docs of `query`).

use super::ast::{Expr, Filter, KindFilter, LabelCond, LabelFilter, Pattern, QueryError, StepCond};
use super::fields::{field_names, fields, parse_range, unknown_name_message, MAX_QUERY_CHARS, STEP_CONDITIONS};
use super::lexer::{ends_word, Parser};
use crate::facts::Flag;
use crate::model::Format;

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

impl Parser {
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
