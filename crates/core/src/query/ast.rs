//! The parsed query: the AST the store compiles, and the column error of a query that does not
//! parse.

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
