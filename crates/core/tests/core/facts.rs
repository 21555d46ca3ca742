//! Tests: facts.
//!
//! The builders of small trajectories the facts tests share, and `derive` over them: counts,
//! calls, edited files and each flag (rendered as their names). Patch statistics and languages are
//! in `facts_patch`, the rules behind the flags (ran_tests, paths, errors, limits, loops) in
//! `facts_rules`.

use serde_json::{json, Value};
use trawl_core::facts::{self, Facts, Flag};
use trawl_core::{Format, Role, Step, ToolCall, Trajectory};

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

pub(crate) fn call(name: &str, arguments: Value) -> ToolCall {
    ToolCall { id: None, name: name.to_string(), arguments, observation: None, exit_code: None }
}

pub(crate) fn bash(cmd: &str) -> ToolCall {
    call("execute_bash", json!({ "command": cmd }))
}

pub(crate) fn editor(command: &str, path: &str) -> ToolCall {
    call("str_replace_editor", json!({ "command": command, "path": path }))
}

pub(crate) fn finish() -> ToolCall {
    call("finish", json!({ "message": "done" }))
}

pub(crate) fn observed(mut c: ToolCall, observation: &str) -> ToolCall {
    c.observation = Some(observation.to_string());
    c
}

pub(crate) fn exited(mut c: ToolCall, code: i64) -> ToolCall {
    c.exit_code = Some(code);
    c
}

/// System + user steps, then one assistant step per call, with a non-empty patch by default.
pub(crate) fn traj(calls: Vec<ToolCall>) -> Trajectory {
    let mut t = Trajectory::new(Format::NvSweZero);
    t.steps.push(Step::message(Role::System, "You are OpenHands agent"));
    t.steps.push(Step::message(Role::User, "<issue_description>x"));
    for c in calls {
        let mut s = Step::message(Role::Assistant, "");
        s.tool_calls.push(c);
        s.sync_observation();
        t.steps.push(s);
    }
    t.patch = Some(SIMPLE_PATCH.to_string());
    t
}

pub(crate) const SIMPLE_PATCH: &str = "\
diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1,2 +1,2 @@
 a = 1
-b = 2
+b = 3
";

pub(crate) fn flag_names(f: &Facts) -> String {
    f.flags.iter().map(Flag::as_str).collect::<Vec<_>>().join(" ")
}

#[track_caller]
pub(crate) fn check_flags(t: &Trajectory, expected: &str) {
    assert_eq!(flag_names(&facts::derive(t)), expected);
}

// ---------------------------------------------------------------------------------------------
// derive: counts, calls, edited files, and each flag
// ---------------------------------------------------------------------------------------------

#[test]
fn derive_counts_and_calls() {
    let t = traj(vec![
        exited(bash("grep -rn foo ."), 0),
        editor("view", "/r/a.py"),
        editor("str_replace", "/r/a.py"),
        editor("create", "/r/new.py"),
        editor("str_replace", "/r/a.py"),
        call("str_replace_editor", json!({"command": "insert", "path": "/r/b.py"})),
        call("str_replace_editor", json!({"command": "undo_edit", "path": "/r/c.py"})),
        call("str_replace_editor", json!({"command": "view"})),
        exited(bash("cat x"), 1),
        call("think", json!({"thought": "t"})),
        finish(),
    ]);
    let f = facts::derive(&t);
    assert_eq!(f.steps, 13);
    assert_eq!(f.tool_calls, 11);
    let counts: Vec<String> = f.tool_counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(counts.join(" "), "execute_bash=2 finish=1 str_replace_editor=7 think=1");
    let calls: Vec<String> =
        f.calls.iter().map(|c| format!("{}:{}:{}:{:?}", c.step, c.tool, c.cmd, c.exit_code)).collect();
    assert_eq!(
        calls,
        [
            "2:execute_bash:grep -rn foo .:Some(0)",
            "3:str_replace_editor:view /r/a.py:None",
            "4:str_replace_editor:str_replace /r/a.py:None",
            "5:str_replace_editor:create /r/new.py:None",
            "6:str_replace_editor:str_replace /r/a.py:None",
            "7:str_replace_editor:insert /r/b.py:None",
            "8:str_replace_editor:undo_edit /r/c.py:None",
            "9:str_replace_editor:view:None",
            "10:execute_bash:cat x:Some(1)",
            "11:think::None",
            "12:finish::None",
        ]
    );
    assert_eq!(f.edited_files, ["/r/a.py", "/r/new.py", "/r/b.py"]);
    assert_eq!(f.patch.files, ["pkg/mod.py"]);
    assert_eq!(flag_names(&f), "");
}

#[test]
fn derive_swe_agent_edited_files() {
    // SWE-agent calls are named by their command word and carry the whole command line.
    let swe = |cmd: &str| {
        let name = cmd.split_whitespace().next().unwrap();
        call(name, json!({ "command": cmd }))
    };
    let t = traj(vec![
        swe("edit 1:1\nx\nend_of_edit"), // nothing open yet
        swe("create reproduce.py"),
        swe("edit 1:1\nimport x\nend_of_edit"),
        swe("open \"src/pkg/mod.py\" 40"),
        swe("goto 10"),
        swe("open tests/test_mod.py"),
        swe("open src/pkg/mod.py"),
        swe("edit 3:5\n    return 1\nend_of_edit"),
        call("bash", json!({"command": "create other.py"})),
        swe("submit"),
    ]);
    let f = facts::derive(&t);
    assert_eq!(f.edited_files, ["reproduce.py", "src/pkg/mod.py"]);
    let cmds: Vec<&str> = f.calls.iter().map(|c| c.cmd.as_str()).collect();
    assert_eq!(cmds[3], "open \"src/pkg/mod.py\" 40");
    assert_eq!(flag_names(&f), "");
}

#[test]
fn derive_empty_trajectory() {
    let t = Trajectory::new(Format::SwebenchPreds);
    let f = facts::derive(&t);
    assert_eq!(f.steps, 0);
    assert_eq!(f.tool_calls, 0);
    assert!(f.calls.is_empty());
    // A bare prediction has no steps: not flagged no_finish, but its patch is missing.
    assert_eq!(flag_names(&f), "empty_patch");
}

#[test]
fn flag_empty_patch() {
    let mut t = traj(vec![finish()]);
    check_flags(&t, "");
    t.patch = None;
    check_flags(&t, "empty_patch");
    t.patch = Some(String::new());
    check_flags(&t, "empty_patch");
    t.patch = Some(" \n\t\n".into());
    check_flags(&t, "empty_patch");
}

#[test]
fn flag_no_finish() {
    check_flags(&traj(vec![bash("ls")]), "no_finish");
    check_flags(&traj(vec![]), "no_finish");
    check_flags(&traj(vec![bash("ls"), finish()]), "");
    check_flags(&traj(vec![call("Finish", json!({}))]), "");
    check_flags(&traj(vec![call("submit", json!({}))]), "");
    // SWE-agent's submit command and mini-swe-agent's submit echo, through a shell tool.
    check_flags(&traj(vec![call("bash", json!({"command": "submit"}))]), "");
    check_flags(
        &traj(vec![call(
            "bash",
            json!({"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached"}),
        )]),
        "",
    );
    check_flags(&traj(vec![bash("echo MINI_SWE_AGENT_FINAL_OUTPUT; git diff")]), "");
    check_flags(&traj(vec![bash("git submit-changes")]), "no_finish");
    // A stated `submitted` exit status counts; an auto-submission on a limit does not.
    let mut t = traj(vec![bash("ls")]);
    t.outcome.exit_status = Some("Submitted".into());
    check_flags(&t, "");
    t.outcome.exit_status = Some("submitted (exit_cost)".into());
    check_flags(&t, "no_finish hit_limit");
}

#[test]
fn flag_hit_limit() {
    let mut t = traj(vec![finish()]);
    t.outcome.exit_status = Some("LimitsExceeded".into());
    check_flags(&t, "hit_limit");
    t.outcome.exit_status = Some("submitted".into());
    check_flags(&t, "");
    t.outcome.error =
        Some("RuntimeError: Agent reached maximum iteration in headless mode. Current iteration: 50".into());
    check_flags(&t, "hit_limit");
    t.outcome.error = Some("RuntimeError: sandbox died".into());
    check_flags(&t, "");
}

#[test]
fn flag_edited_tests() {
    check_flags(&traj(vec![editor("str_replace", "/r/pkg/mod.py"), finish()]), "");
    check_flags(&traj(vec![editor("str_replace", "/r/tests/test_mod.py"), finish()]), "edited_tests");
    // Viewing a test file is not editing it.
    check_flags(&traj(vec![editor("view", "/r/tests/test_mod.py"), finish()]), "");
    let mut t = traj(vec![finish()]);
    t.patch = Some(
        "diff --git a/pkg/x_test.go b/pkg/x_test.go\n--- a/pkg/x_test.go\n+++ b/pkg/x_test.go\n@@ -1 +1 @@\n-a\n+b\n"
            .into(),
    );
    check_flags(&t, "edited_tests");
}

#[test]
fn flag_stray_files() {
    let mut t = traj(vec![finish()]);
    t.patch = Some(
        "diff --git a/reproduce_issue.py b/reproduce_issue.py\nnew file mode 100644\n--- /dev/null\n+++ b/reproduce_issue.py\n@@ -0,0 +1 @@\n+print(1)\n"
            .into(),
    );
    check_flags(&t, "stray_files");
    t.patch = Some(
        "diff --git a/.openhands/TASKS.md b/.openhands/TASKS.md\nnew file mode 100644\n--- /dev/null\n+++ b/.openhands/TASKS.md\n@@ -0,0 +1 @@\n+- [ ] x\n"
            .into(),
    );
    check_flags(&t, "stray_files");
    // Modifying (not creating) a file with a scratch-like name is not stray.
    t.patch =
        Some("diff --git a/check_x.py b/check_x.py\n--- a/check_x.py\n+++ b/check_x.py\n@@ -1 +1 @@\n-a\n+b\n".into());
    check_flags(&t, "");
    // Creating a normal module is not stray.
    t.patch = Some(
        "diff --git a/pkg/new.py b/pkg/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+x = 1\n"
            .into(),
    );
    check_flags(&t, "");
}

#[test]
fn flag_tool_errors() {
    check_flags(
        &traj(vec![
            observed(
                editor("str_replace", "/r/a.py"),
                "ERROR:\nNo replacement was performed, old_str `x` did not appear verbatim",
            ),
            finish(),
        ]),
        "tool_errors",
    );
    check_flags(
        &traj(vec![
            observed(bash("grep -rn Error ."), "a.py:1: raise ValueError('ERROR: x')"),
            observed(editor("view", "/r/a.py"), "Here's the result of running `cat -n`"),
            finish(),
        ]),
        "",
    );
    // An orphan tool result (no call to pair with) is read too.
    let mut t = traj(vec![finish()]);
    t.steps.push(Step::message(Role::Tool, "[Error occurred in processing last action]"));
    check_flags(&t, "tool_errors");
}

#[test]
fn flags_combine() {
    let mut t = traj(vec![
        bash("python reproduce.py"),
        bash("python reproduce.py"),
        bash("python reproduce.py"),
        observed(editor("create", "/r/tests/test_x.py"), "ERROR:\nInvalid `path` parameter"),
    ]);
    t.patch = None;
    t.outcome.exit_status = Some("exit_context".into());
    check_flags(&t, "empty_patch no_finish hit_limit loop ran_tests edited_tests tool_errors");
}
