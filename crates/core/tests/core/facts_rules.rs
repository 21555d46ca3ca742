//! Tests: the rules behind the flags. The ran_tests command-word rule, test and stray paths,
//! tool-error and limit texts, and the loop rule, each fed many small hand-built cases.

use crate::facts::{bash, call, check_flags, editor, finish, flag_names, observed, traj};
use serde_json::{json, Value};
use trawl_core::facts::{self, Flag};
use trawl_core::ToolCall;

// ---------------------------------------------------------------------------------------------
// ran_tests: the command-word rule
// ---------------------------------------------------------------------------------------------

#[track_caller]
pub(crate) fn check_ran(cmd: &str, expected: bool) {
    assert_eq!(facts::runs_forbidden_program(cmd), expected, "{cmd:?}");
}

#[test]
fn ran_tests_positives() {
    for cmd in [
        "python reproduce.py",
        "python3 -c \"import x; print(x)\"",
        "python3.11 -m pytest tests/",
        "pytest -xvs tests/test_a.py",
        "py.test",
        "mypy src/",
        "pip install -e .",
        "pip3 install requests",
        "apt-get install -y libx",
        "apt update",
        "cd /repo && python -m pytest",
        "cd /repo; pytest",
        "ls || python x.py",
        "echo hi | python",
        "(cd /repo && python setup.py build)",
        "echo $(python -c 'print(1)')",
        "echo \"v=$(python --version)\"",
        "echo `pip freeze`",
        "sudo apt-get install foo",
        "sudo -u root pip install x",
        "env PYTHONPATH=. python x.py",
        "PYTHONPATH=src python -m mod",
        "timeout 30 python x.py",
        "timeout -s KILL 30 pytest",
        "time pytest",
        "nohup python server.py &",
        "/usr/bin/python3 x.py",
        "./venv/bin/pytest",
        "/usr/bin/env python3 x.py",
        "bash -c \"python x.py\"",
        "sh -lc 'cd /r && pytest'",
        "find . -name '*.py' | xargs python -m py_compile",
        "find . -name '*.py' -exec python -m py_compile {} \\;",
        "uv run pytest",
        "uv pip install x",
        "poetry run python x.py",
        "if python -c 'import x'; then echo ok; fi",
        "cat > /tmp/t.py << 'EOF'\nprint(1)\nEOF\npython /tmp/t.py",
        "ls \\\n  && python x.py",
        "\"python\" x.py",
        "ls 2>/dev/null; python x.py 2>&1 | head",
        "python",
        "diff <(python a.py) b.txt",
        "eval 'pytest -q'",
        "nice -n 10 python x.py",
        "{ python x.py; }",
        "! pytest",
    ] {
        check_ran(cmd, true);
    }
}

#[test]
fn ran_tests_negatives() {
    for cmd in [
        "grep -r python src/",
        "grep -rn \"pytest\" .",
        "find . -name \"*.py\"",
        "cat setup.py",
        "ls python/",
        "ls",
        "echo python",
        "echo 'run python x.py'",
        "git log --grep=pytest",
        "cat pytest.ini",
        "head -n 20 requirements-pip.txt",
        "which python",
        "command -v python3",
        "type pytest",
        "grep -n 'apt' Dockerfile",
        "cd python && ls",
        "sed -i 's/python2/python3/' setup.cfg",
        "ls # then python x.py",
        "cat > run.sh << EOF\npython x.py\nEOF",
        "cat <<- 'END'\n\tpytest\n\tEND\nls",
        "echo x > python",
        "cat < python",
        "ls -la /usr/lib/python3/dist-packages",
        "pipenv --version",
        "mypyc --help",
        "apt-cache search x",
        "python-config --cflags",
        "tail -f log 2>&1",
        "edit 10:12\npython x.py\nend_of_edit",
        "find . -name '*.py' -exec grep -l pytest {} \\;",
        "",
    ] {
        check_ran(cmd, false);
    }
}

#[test]
fn ran_tests_flag_only_for_shell_tools() {
    // A banned command in a shell tool sets the flag.
    check_flags(&traj(vec![bash("python x.py"), finish()]), "ran_tests");
    check_flags(&traj(vec![call("bash", json!({"command": "pytest"})), finish()]), "ran_tests");
    // The same text as an editor argument or in a think call does not.
    check_flags(
        &traj(vec![
            call("str_replace_editor", json!({"command": "create", "path": "/r/run.sh", "file_text": "python x.py"})),
            call("think", json!({"thought": "python x.py"})),
            finish(),
        ]),
        "",
    );
    // Harmless shell commands do not.
    check_flags(&traj(vec![bash("grep -rn python ."), bash("cat setup.py"), finish()]), "");
    // The IPython tool always runs Python.
    check_flags(&traj(vec![call("execute_ipython_cell", json!({"code": "print(1)"})), finish()]), "ran_tests");
}

// ---------------------------------------------------------------------------------------------
// Test files and stray files
// ---------------------------------------------------------------------------------------------

#[track_caller]
pub(crate) fn check_test_path(path: &str, expected: bool) {
    assert_eq!(facts::is_test_path(path), expected, "{path}");
}

#[test]
fn test_paths() {
    for path in [
        "tests/test_a.py",
        "pkg/tests/helpers.py",
        "src/test/java/FooTest.java",
        "pkg/testing/util.py",
        "test_a.py",
        "pkg/a_test.py",
        "server/handler_test.go",
        "src/FooTest.java",
        "src/FooTests.java",
        "web/app.test.ts",
        "web/app.test.js",
        "web/app.spec.tsx",
        "spec/models/user_spec.rb",
        "conftest.py",
        "/workspace/repo/tests/x.py",
        "src/__tests__/a.js",
    ] {
        check_test_path(path, true);
    }
    for path in [
        "pkg/mod.py",
        "pkg/testbed.py",
        "src/testing_utils/x.c",
        "contest.py",
        "pkg/attest.py",
        "latest/x.py",
        "test.py",
        "pkg/test_data.json",
        "Test.java",
        "_test.go",
        "/testbed/pkg/mod.py",
        "",
    ] {
        check_test_path(path, false);
    }
}

#[track_caller]
pub(crate) fn check_stray(path: &str, expected: bool) {
    assert_eq!(facts::is_stray_path(path), expected, "{path}");
}

#[test]
fn stray_paths() {
    for path in [
        "reproduce.py",
        "reproduce_issue.py",
        "pkg/reproduce_bug.py",
        "repro_1.py",
        "repro.sh",
        "debug_x.py",
        "test_fix.py",
        "test_fix_issue.py",
        "comprehensive_test.py",
        "tests/comprehensive_test_x.py",
        "verify_fix.py",
        "check_behavior.py",
        "Reproduce.py",
        ".openhands/TASKS.md",
        ".openhands/setup.sh",
        "sub/.openhands/x",
        "TASKS.md",
        "pkg/mod.py.orig",
        "pkg/mod.py.rej",
        "x.bak",
        "fix.patch",
        "changes.diff",
        "./reproduce.py",
    ] {
        check_stray(path, true);
    }
    for path in [
        "pkg/mod.py",
        "pkg/debug_utils.py",
        "pkg/check_types.py",
        "src/verify_signature.go",
        "tests/test_issue_123.py",
        "reproducible_builds.md2/x.py",
        "repository.py",
        "checks.py",
        "docs/tasks.md",
        "openhands/x.py",
        "CHANGES.md",
    ] {
        check_stray(path, false);
    }
}

// ---------------------------------------------------------------------------------------------
// Tool errors and limits
// ---------------------------------------------------------------------------------------------

#[track_caller]
pub(crate) fn check_tool_error(tool: Option<&str>, observation: &str, expected: bool) {
    assert_eq!(facts::is_tool_error(tool, observation), expected, "{tool:?} {observation:?}");
}

#[test]
fn tool_errors() {
    let ed = Some("str_replace_editor");
    let sh = Some("execute_bash");
    check_tool_error(ed, "ERROR:\nNo replacement was performed, old_str `x` did not appear verbatim in /r/a.py.", true);
    check_tool_error(ed, "ERROR:\nParameter `old_str` is required for command: str_replace.", true);
    check_tool_error(ed, "ERROR:\nInvalid `path` parameter: /r/x. The path /r/x does not exist.", true);
    check_tool_error(ed, "ERROR:\nInvalid `view_range` parameter: [100, 150].", true);
    check_tool_error(ed, "Unrecognized command view2. The allowed commands are", true);
    check_tool_error(ed, "Traceback (most recent call last):\n  File …", true);
    check_tool_error(ed, "The file /r/a.py has been edited. Here's the result of running `cat -n`", false);
    check_tool_error(ed, "Here's the result:\n  12\tERROR: not at line start", false);
    // In a shell, a traceback or an ERROR: line is the program's output.
    check_tool_error(sh, "Traceback (most recent call last):\n  File \"x.py\"", false);
    check_tool_error(sh, "ERROR: something in a log", false);
    check_tool_error(sh, "bash: pytest: command not found", true);
    check_tool_error(sh, "/bin/sh: 1: foo: command not found\n", true);
    check_tool_error(sh, "src/a.py:3: msg = 'command not found'", false);
    check_tool_error(sh, "total 0\n", false);
    check_tool_error(sh, "Your proposed edit has introduced new syntax error(s). Please understand the fixes", true);
    check_tool_error(None, "[Error occurred in processing last action]", true);
    check_tool_error(None, "ERROR:\nsomething", false);
    check_tool_error(Some("submit"), "ERROR: nothing to submit", true);
}

#[track_caller]
pub(crate) fn check_limit(text: &str, expected: bool) {
    assert_eq!(facts::is_limit_text(text), expected, "{text:?}");
}

#[test]
fn limit_texts() {
    for text in [
        "LimitsExceeded",
        "exit_cost",
        "submitted (exit_cost)",
        "exit_context",
        "submitted (exit_context)",
        "RuntimeError: Agent reached maximum iteration in headless mode. Current iteration: 50, max iteration: 50",
        "max_iterations reached",
        "ContextWindowExceeded",
        "litellm.ContextWindowExceededError: context length exceeded",
        "Cost limit exceeded",
    ] {
        check_limit(text, true);
    }
    for text in ["submitted", "Submitted", "early_exit", "RetryError", "exit_format", "AgentStuckInLoopError", ""] {
        check_limit(text, false);
    }
}

// ---------------------------------------------------------------------------------------------
// Loop
// ---------------------------------------------------------------------------------------------

#[track_caller]
pub(crate) fn check_loop(calls: Vec<ToolCall>, expected: bool) {
    let f = facts::derive(&traj(calls));
    assert_eq!(f.flags.contains(Flag::Loop), expected, "{}", flag_names(&f));
}

#[test]
fn loop_consecutive() {
    check_loop(vec![bash("ls"), bash("ls"), bash("ls")], true);
    check_loop(vec![bash("ls"), bash("ls"), bash("pwd"), bash("ls")], false);
    check_loop(vec![bash("ls"), bash("ls\n"), bash(" ls ")], true);
    // think and finish do not break a run and are not actions themselves.
    let think = || call("think", json!({"thought": "hmm"}));
    check_loop(vec![bash("ls"), think(), bash("ls"), think(), bash("ls")], true);
    check_loop(vec![think(), think(), think(), think(), think()], false);
    check_loop(vec![finish(), finish(), finish()], false);
    // Different tools with the same arguments are different actions.
    check_loop(vec![bash("ls"), call("bash", json!({"command": "ls"})), bash("ls")], false);
}

#[test]
fn loop_consecutive_ignores_observations() {
    check_loop(vec![observed(bash("ls"), "a"), observed(bash("ls"), "b"), observed(bash("ls"), "c")], true);
}

#[test]
fn loop_same_result_anywhere() {
    let failing = || observed(editor("str_replace", "/r/a.py"), "ERROR:\nNo replacement was performed");
    // The same failing edit four times, with other actions between: a loop.
    check_loop(vec![failing(), bash("a"), failing(), bash("b"), failing(), bash("c"), failing()], true);
    // Three times is not enough.
    check_loop(vec![failing(), bash("a"), failing(), bash("b"), failing()], false);
    // Re-running a script after each edit with a new output each time is progress.
    let run = |out: &str| observed(bash("python reproduce.py"), out);
    let edit = |n: u32| editor("str_replace", &format!("/r/m{n}.py"));
    check_loop(
        vec![
            run("Error 1"),
            edit(1),
            run("Error 2"),
            edit(2),
            run("Error 3"),
            edit(3),
            run("Error 4"),
            edit(4),
            run("OK"),
        ],
        false,
    );
    // The same output every time (the edits did not help): a loop. Whitespace is trimmed.
    check_loop(vec![run("Error"), edit(1), run("Error\n"), edit(2), run(" Error"), edit(3), run("Error")], true);
    // Without observations, four identical actions are a loop.
    let view = || editor("view", "/r/a.py");
    check_loop(vec![view(), bash("a"), view(), bash("b"), view(), bash("c"), view()], true);
    check_loop(vec![view(), bash("a"), view(), bash("b"), view()], false);
}

#[test]
fn loop_canonical_arguments() {
    // Key order and commentary arguments do not make actions differ.
    let a = call("str_replace_editor", json!({"command": "view", "path": "/r/a.py", "thought": "one"}));
    let b = call("str_replace_editor", json!({"path": "/r/a.py", "command": "view", "thought": "two"}));
    check_loop(vec![a.clone(), b, a.clone()], true);
    // A different view range is a different action.
    let ranged =
        |r: u64| call("str_replace_editor", json!({"command": "view", "path": "/r/a.py", "view_range": [r, r + 10]}));
    check_loop(vec![ranged(1), ranged(11), ranged(21)], false);
    check_loop(vec![ranged(1), ranged(1), ranged(1)], true);
    // Nested objects are canonical too.
    let nested = |v: Value| call("custom", json!({ "opts": v }));
    check_loop(
        vec![
            nested(json!({"x": 1, "y": [1, 2]})),
            nested(json!({"y": [1, 2], "x": 1})),
            nested(json!({"x": 1, "y": [1, 2]})),
        ],
        true,
    );
    check_loop(
        vec![
            nested(json!({"x": 1, "y": [1, 2]})),
            nested(json!({"x": 1, "y": [2, 1]})),
            nested(json!({"x": 1, "y": [1, 2]})),
        ],
        false,
    );
}

#[test]
fn loop_definition_matches_constants() {
    let d = facts::LOOP_DEFINITION;
    assert!(d.contains(&format!("at least {} times in a row", facts::LOOP_MIN_CONSECUTIVE)));
    assert!(d.contains(&format!("at least {} times anywhere", facts::LOOP_MIN_SAME_RESULT)));
    for key in facts::LOOP_IGNORED_ARGUMENTS {
        assert!(d.contains(key), "{key}");
    }
    for tool in facts::LOOP_EXCLUDED_TOOLS {
        assert!(d.contains(tool), "{tool}");
    }
}
