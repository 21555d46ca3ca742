//! Tool names by role, as the flag rules name them: editors, shells, Python tools (all from the
//! model's [`ToolKind`], the one tool vocabulary), and the editor sub-commands that change a file.

use crate::model::ToolKind;

/// Whether a tool name is a file editor (its `command` argument is an editor sub-command, not a
/// shell command).
pub fn is_editor_tool(name: &str) -> bool {
    ToolKind::of(name) == ToolKind::Editor
}

/// Whether a tool name is a shell: its `command` argument is a shell command line. These are the
/// calls the `ran_tests` check reads.
pub fn is_bash_tool(name: &str) -> bool {
    ToolKind::of(name) == ToolKind::Shell
}

/// Tool names treated as shells (compared ASCII case-insensitively).
pub const BASH_TOOLS: &[&str] = ToolKind::SHELL_NAMES;

/// Tool names whose every call runs Python code (OpenHands' IPython tool); they set `ran_tests`.
pub const PYTHON_TOOLS: &[&str] = ToolKind::PYTHON_NAMES;

/// Editor sub-commands that change a file; their `path` goes to [`super::Facts::edited_files`].
pub const EDIT_COMMANDS: &[&str] = &["create", "str_replace", "insert", "edit", "write", "append"];
