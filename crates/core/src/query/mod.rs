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
//!
//! # Files
//!
//! - `ast`: the parsed query ([`Expr`], [`Filter`], [`StepCond`], …) and [`QueryError`];
//! - `fields`: the vocabulary (field and step-condition names, limits), range values and the
//!   messages that name what was meant;
//! - `lexer`: the character cursor of the parser (positions, words, quotes, regexes);
//! - `parser`: [`parse`], the recursive-descent parser of the grammar above.

mod ast;
mod fields;
mod lexer;
mod parser;

pub use ast::{Expr, Filter, KindFilter, LabelCond, LabelFilter, Pattern, QueryError, Range, StepCond};
pub use fields::{fields, parse_range, MAX_DEPTH, MAX_QUERY_CHARS, MAX_TERMS, STEP_CONDITIONS};
pub use parser::parse;
