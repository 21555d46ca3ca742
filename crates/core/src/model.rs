//! The normalized trajectory: what every format adapter produces and everything downstream reads.
//!
//! Owns the domain types only. It does not know how records are framed in files (see `framing`),
//! how a format is recognised (see `formats`), or how anything is stored or serialized for the
//! wire (the store and the api crate convert). Unknown stays unknown: every label that a format may
//! lack is an `Option`, and a missing label is never turned into `false`.

use serde_json::Value;

/// The source format a record was recognised as. The string forms (see [`Format::as_str`]) are
/// part of the query language (`format:<name>`) and of the JSON output contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// NVIDIA SWE-Zero / SWE-Hero rows: `trajectory` + `model_patch` + `dataset`.
    NvSweZero,
    /// nebius SWE-rebench-openhands rows: `trajectory` + `resolved` + `gen_tests_correct`.
    NebiusOpenhands,
    /// Generic OpenAI-chat rows under `messages` or `trajectory` (also re-wrapped SWE-Zero rows).
    OpenaiChat,
    /// SWE-Gym OpenHands-sampled rows: `messages` + `run_id` + `test_result`.
    SweGym,
    /// nvidia/Open-SWE-Traces rows: `messages` + `metadata.teacher_model`.
    OpenSweTraces,
    /// SWE-smith trajectory rows: `messages` (often a JSON string) + `traj_id`.
    SweSmith,
    /// SWE-agent `.traj` files (0.x and 1.x, and history-only demonstrations).
    SweAgentTraj,
    /// nebius/SWE-agent-trajectories rows: `target` + `generated_patch`.
    NebiusSweAgent,
    /// OpenHands `output.jsonl` event streams.
    OpenhandsEvents,
    /// mini-swe-agent `.traj.json` (v1 and v2).
    MiniSweAgent,
    /// SWE-bench prediction records (`model_patch` or Multi-SWE-bench `fix_patch`, no messages).
    SwebenchPreds,
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Format; 11] = [
        Format::NvSweZero,
        Format::NebiusOpenhands,
        Format::OpenaiChat,
        Format::SweGym,
        Format::OpenSweTraces,
        Format::SweSmith,
        Format::SweAgentTraj,
        Format::NebiusSweAgent,
        Format::OpenhandsEvents,
        Format::MiniSweAgent,
        Format::SwebenchPreds,
    ];

    /// The stable name used in queries, JSON output and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::NvSweZero => "nv-swe-zero",
            Format::NebiusOpenhands => "nebius-openhands",
            Format::OpenaiChat => "openai-chat",
            Format::SweGym => "swe-gym",
            Format::OpenSweTraces => "open-swe-traces",
            Format::SweSmith => "swe-smith",
            Format::SweAgentTraj => "swe-agent",
            Format::NebiusSweAgent => "nebius-swe-agent",
            Format::OpenhandsEvents => "openhands-events",
            Format::MiniSweAgent => "mini-swe-agent",
            Format::SwebenchPreds => "swebench-preds",
        }
    }

    /// Parses the stable name back.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// What records of this format are: SWE-bench prediction records are predictions (a run's
    /// submitted patch), every other format holds trajectories.
    pub fn kind(self) -> RecordKind {
        match self {
            Format::SwebenchPreds => RecordKind::Prediction,
            _ => RecordKind::Trajectory,
        }
    }
}

/// What a stored record is. The string forms are part of the query language (`kind:<name>`) and
/// of the JSON output contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// An agent run with its steps.
    Trajectory,
    /// A prediction record: a run's submitted patch for an instance, without steps. It joins a
    /// trajectory of the same run (its *submitted prediction*) or is a patch-only record.
    Prediction,
}

impl RecordKind {
    /// `trajectory` or `prediction`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Trajectory => "trajectory",
            RecordKind::Prediction => "prediction",
        }
    }
}

/// Where a record came from. `line` is 1-based for line-framed files; for Parquet it is the
/// 1-based row number and `byte_offset`/`byte_len` are 0.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceRef {
    /// Path of the file as given to ingest (or found by walking a directory).
    pub file: String,
    /// Offset of the record's first byte in the (decompressed) file.
    pub byte_offset: u64,
    /// Length of the record in bytes.
    pub byte_len: u64,
    /// 1-based line (or row) number.
    pub line: u64,
}

/// Who produced a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The system prompt.
    System,
    /// The user / task / environment message that is not a tool result.
    User,
    /// An agent turn: text, thought and tool calls, with the observations that answered them.
    Assistant,
    /// A tool result that could not be paired with a call of a preceding assistant step.
    Tool,
}

impl Role {
    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One tool call made by the agent, with its result when the format pairs one.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The call id where the format has one (`chatcmpl-tool-…`, `toolu_…`).
    pub id: Option<String>,
    /// The tool name, normalized to what the agent called: `execute_bash`, `str_replace_editor`,
    /// `think`, `finish`, `bash` (mini-swe-agent / SWE-agent commands), `submit`, …
    pub name: String,
    /// Arguments as JSON. A JSON-string `arguments` is parsed; one that does not parse is kept as
    /// `Value::String` and reported as a diagnostic. Bash-like calls carry `{"command": …}`.
    pub arguments: Value,
    /// The observation that answered this call, if any.
    pub observation: Option<String>,
    /// Exit code stated by the observation (event metadata, `<returncode>`, "exit code N").
    pub exit_code: Option<i64>,
}

impl ToolCall {
    /// What kind of tool this call is, by its name (see [`ToolKind`]).
    pub fn kind(&self) -> ToolKind {
        ToolKind::of(&self.name)
    }

    /// The shell command of a bash-like call (`arguments.command` when the tool is not an editor).
    pub fn command(&self) -> Option<&str> {
        if self.kind() == ToolKind::Editor {
            return None;
        }
        self.arguments.get("command").and_then(Value::as_str)
    }
}

/// What kind of tool a call is, by its name: the one tool vocabulary. Derived facts (which calls
/// run shell commands or Python, which edit files, which finish, which are not actions for the
/// loop check) and the render (how a call is shown, hence the UI's call kinds) all read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolKind {
    /// A shell: its `command` argument is a shell command line ([`ToolKind::SHELL_NAMES`], compared
    /// ASCII case-insensitively).
    Shell,
    /// A file editor: its `command` argument is an editor sub-command (`view`, `create`,
    /// `str_replace`, `insert`, …), not a shell command ([`ToolKind::EDITOR_NAMES`], exact).
    Editor,
    /// A tool whose every call runs Python code, such as OpenHands' IPython tool
    /// ([`ToolKind::PYTHON_NAMES`], any case).
    Python,
    /// `think` (any case): a thought, not an action.
    Think,
    /// `finish` or `submit` (any case): the agent's final action.
    Finish,
    /// Any other tool: SWE-agent commands named by their command word (`open`, `edit`, `create`,
    /// …, with the whole command line as `command`), search tools, custom tools.
    Other,
}

impl ToolKind {
    /// Tool names that are shells (compared ASCII case-insensitively).
    pub const SHELL_NAMES: &'static [&'static str] =
        &["execute_bash", "bash", "run", "shell", "terminal", "execute_command", "run_command", "cmd_run"];

    /// Tool names that are file editors (compared exactly).
    pub const EDITOR_NAMES: &'static [&'static str] =
        &["str_replace_editor", "str_replace_based_edit_tool", "edit_file", "editor"];

    /// Tool names whose every call runs Python code (compared ASCII case-insensitively).
    pub const PYTHON_NAMES: &'static [&'static str] = &["execute_ipython_cell", "ipython", "python"];

    /// Tool names of thoughts (compared ASCII case-insensitively).
    pub const THINK_NAMES: &'static [&'static str] = &["think"];

    /// Tool names of the final action (compared ASCII case-insensitively).
    pub const FINISH_NAMES: &'static [&'static str] = &["finish", "submit"];

    /// The kind of a tool name.
    pub fn of(name: &str) -> ToolKind {
        let any_case = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if ToolKind::EDITOR_NAMES.contains(&name) {
            ToolKind::Editor
        } else if any_case(ToolKind::SHELL_NAMES) {
            ToolKind::Shell
        } else if any_case(ToolKind::PYTHON_NAMES) {
            ToolKind::Python
        } else if any_case(ToolKind::THINK_NAMES) {
            ToolKind::Think
        } else if any_case(ToolKind::FINISH_NAMES) {
            ToolKind::Finish
        } else {
            ToolKind::Other
        }
    }

    /// Whether calls of this kind are actions for the loop check (thoughts and the final action
    /// are not).
    pub fn is_action(self) -> bool {
        !matches!(self, ToolKind::Think | ToolKind::Finish)
    }
}

/// One step of a trajectory: a system or user message, or an agent turn together with the
/// observations that answered its tool calls.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Who produced the step.
    pub role: Role,
    /// The message text (assistant prose, user message, system prompt, or an orphan tool result).
    pub text: String,
    /// Reasoning shown apart from the text (`reasoning_content`, SWE-agent `thought`, `think` args).
    pub thought: Option<String>,
    /// Tool calls made in this step, each with its own observation.
    pub tool_calls: Vec<ToolCall>,
    /// Observation text of the step: for agent steps the observations of its calls joined by a
    /// blank line; for `Role::Tool` steps the orphan result itself.
    pub observation: Option<String>,
    /// The exit code of the step's last call that states one.
    pub exit_code: Option<i64>,
}

impl Step {
    /// A step with only a role and text.
    pub fn message(role: Role, text: impl Into<String>) -> Step {
        Step { role, text: text.into(), thought: None, tool_calls: Vec::new(), observation: None, exit_code: None }
    }

    /// Recomputes `observation` and `exit_code` from the tool calls (for agent steps).
    pub fn sync_observation(&mut self) {
        if self.role != Role::Assistant {
            return;
        }
        let parts: Vec<&str> = self.tool_calls.iter().filter_map(|c| c.observation.as_deref()).collect();
        self.observation = if parts.is_empty() { None } else { Some(parts.join("\n\n")) };
        self.exit_code = self.tool_calls.iter().rev().find_map(|c| c.exit_code);
    }
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Resolved by the benchmark harness: `None` when no source states it.
    pub resolved: Option<bool>,
    /// The agent's exit status as the format states it (`submitted`, `Submitted`, `LimitsExceeded`…).
    pub exit_status: Option<String>,
    /// An error message the run ended with.
    pub error: Option<String>,
}

/// Cost and token figures where the format has them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Usage {
    /// Cost in dollars.
    pub cost: Option<f64>,
    /// Prompt (input) tokens.
    pub prompt_tokens: Option<u64>,
    /// Completion (output) tokens.
    pub completion_tokens: Option<u64>,
    /// Number of model calls.
    pub api_calls: Option<u64>,
}

/// A normalized trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    /// The recognised format.
    pub format: Format,
    /// SWE-bench-style instance id (`owner__repo-123`).
    pub instance_id: Option<String>,
    /// Repository `owner/name`.
    pub repo: Option<String>,
    /// Task source (`SWE-Gym/SWE-Gym`, `R2E-Gym/R2E-Gym-Subset`, …).
    pub dataset: Option<String>,
    /// SPDX license of the source repository.
    pub license: Option<String>,
    /// Model that produced the trajectory.
    pub model: Option<String>,
    /// The record's own trajectory id, when the format has one.
    pub trajectory_id: Option<String>,
    /// The task text.
    pub problem_statement: Option<String>,
    /// The steps in order.
    pub steps: Vec<Step>,
    /// The final patch (unified diff), normalized to LF line ends; `None` when the format has no
    /// patch field, `Some("")` when the field is present but empty.
    pub patch: Option<String>,
    /// How the run ended.
    pub outcome: Outcome,
    /// Cost and tokens.
    pub usage: Usage,
}

impl Trajectory {
    /// An empty trajectory of a format, to be filled by an adapter.
    pub fn new(format: Format) -> Trajectory {
        Trajectory {
            format,
            instance_id: None,
            repo: None,
            dataset: None,
            license: None,
            model: None,
            trajectory_id: None,
            problem_statement: None,
            steps: Vec::new(),
            patch: None,
            outcome: Outcome::default(),
            usage: Usage::default(),
        }
    }

    /// The instance id without a trailing sample suffix (see [`crate::instance::base_instance`]).
    pub fn base_instance(&self) -> Option<&str> {
        self.instance_id.as_deref().map(crate::instance::base_instance)
    }

    /// All tool calls in order, with the index of their step.
    pub fn tool_calls(&self) -> impl Iterator<Item = (usize, &ToolCall)> {
        self.steps.iter().enumerate().flat_map(|(i, s)| s.tool_calls.iter().map(move |c| (i, c)))
    }
}

/// A resolved/unresolved statement about an instance, from a report file rather than from the
/// trajectory record itself. Joined to trajectories by instance id (see the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeFact {
    /// The instance the statement is about.
    pub instance_id: String,
    /// Resolved or not.
    pub resolved: bool,
    /// How specific the source is: per-instance reports win over run-level lists.
    pub precedence: OutcomePrecedence,
}

/// How specific an outcome source is; higher wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutcomePrecedence {
    /// A run-level list (`resolved_ids`, `results_summary.json`).
    RunLevel = 1,
    /// A per-instance `report.json`.
    PerInstance = 2,
}

/// What one JSON value in a file turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Recognized {
    /// One trajectory.
    Trajectory(Box<Trajectory>),
    /// Outcome statements (a report file).
    Outcomes(Vec<OutcomeFact>),
    /// A container of records (a `preds.json` dict or a JSON array of records): each element is
    /// recognised on its own, with the given sub-locations. The values are the original elements.
    Records(Vec<Value>),
}

/// How serious a diagnostic is. Errors mean the record was not stored; warnings mean it was stored
/// but something in it was odd (an unparseable `arguments` string, a duplicate trajectory id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The record was stored; something in it was odd.
    Warning,
    /// The record (or the file) was not stored.
    Error,
}

/// A problem found while reading input. Always names where: file and line (or row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// File path.
    pub file: String,
    /// 1-based line or row; 0 when the problem is about the whole file.
    pub line: u64,
    /// A lowercase sentence without a trailing period.
    pub message: String,
}

impl Diagnostic {
    /// An error at a place.
    pub fn error(file: &str, line: u64, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, file: file.to_string(), line, message: message.into() }
    }

    /// A warning at a place.
    pub fn warning(file: &str, line: u64, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, file: file.to_string(), line, message: message.into() }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}:{}: {sev}: {}", self.file, self.line, self.message)
    }
}
