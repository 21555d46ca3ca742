//! Tests: facts.
//!
//! One `check_*` helper per feature, each fed many small hand-built cases: patch statistics
//! rendered compactly, the ran_tests command-word rule, path heuristics (test files, stray files,
//! languages), tool-error and limit texts, the loop rule, and `derive` over small trajectories
//! (flags rendered as their names).

use serde_json::{json, Value};
use trawl_core::facts::{self, Facts, Flag, PatchStats};
use trawl_core::{Format, Role, Step, ToolCall, Trajectory};

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

fn call(name: &str, arguments: Value) -> ToolCall {
    ToolCall { id: None, name: name.to_string(), arguments, observation: None, exit_code: None }
}

fn bash(cmd: &str) -> ToolCall {
    call("execute_bash", json!({ "command": cmd }))
}

fn editor(command: &str, path: &str) -> ToolCall {
    call("str_replace_editor", json!({ "command": command, "path": path }))
}

fn finish() -> ToolCall {
    call("finish", json!({ "message": "done" }))
}

fn observed(mut c: ToolCall, observation: &str) -> ToolCall {
    c.observation = Some(observation.to_string());
    c
}

fn exited(mut c: ToolCall, code: i64) -> ToolCall {
    c.exit_code = Some(code);
    c
}

/// System + user steps, then one assistant step per call, with a non-empty patch by default.
fn traj(calls: Vec<ToolCall>) -> Trajectory {
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

const SIMPLE_PATCH: &str = "\
diff --git a/pkg/mod.py b/pkg/mod.py
index 1111111..2222222 100644
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1,2 +1,2 @@
 a = 1
-b = 2
+b = 3
";

fn flag_names(f: &Facts) -> String {
    f.flags.iter().map(Flag::as_str).collect::<Vec<_>>().join(" ")
}

#[track_caller]
fn check_flags(t: &Trajectory, expected: &str) {
    assert_eq!(flag_names(&facts::derive(t)), expected);
}

// ---------------------------------------------------------------------------------------------
// Patch statistics
// ---------------------------------------------------------------------------------------------

fn render_stats(s: &PatchStats) -> String {
    let langs: Vec<String> = s.languages.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!(
        "files=[{}] +{} -{} created=[{}] langs={{{}}}",
        s.files.join(", "),
        s.added,
        s.removed,
        s.created.join(", "),
        langs.join(" ")
    )
}

#[track_caller]
fn check_patch(patch: &str, expected: &str) {
    assert_eq!(render_stats(&facts::patch_stats(patch)), expected);
}

#[test]
fn patch_stats_basic() {
    check_patch("", "files=[] +0 -0 created=[] langs={}");
    check_patch(SIMPLE_PATCH, "files=[pkg/mod.py] +1 -1 created=[] langs={python:1}");
    // Leading newline (SWE-agent) and CRLF line ends.
    check_patch(
        "\ndiff --git a/x.go b/x.go\r\n--- a/x.go\r\n+++ b/x.go\r\n@@ -1 +1,2 @@\r\n x\r\n+y\r\n",
        "files=[x.go] +1 -0 created=[] langs={go:1}",
    );
}

#[test]
fn patch_stats_headers_are_not_lines() {
    // A removed line that itself starts with "--" and an added one starting with "++" are
    // content, and the ---/+++ headers are not counted.
    check_patch(
        "\
diff --git a/a.sql b/a.sql
--- a/a.sql
+++ b/a.sql
@@ -1,3 +1,3 @@
--- comment
+++ counter
 keep
---x
+--y
",
        "files=[a.sql] +2 -2 created=[] langs={other:1}",
    );
}

#[test]
fn patch_stats_multiple_files_and_languages() {
    check_patch(
        "\
diff --git a/src/lib.rs b/src/lib.rs
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -10,3 +10,4 @@ fn x() {
 a
+b
 c
 d
@@ -20,2 +21,1 @@
-e
 f
diff --git a/web/app.tsx b/web/app.tsx
--- a/web/app.tsx
+++ b/web/app.tsx
@@ -1 +1 @@
-x
+y
diff --git a/README.md b/README.md
--- a/README.md
+++ b/README.md
@@ -1 +1 @@
-old
+new
",
        "files=[src/lib.rs, web/app.tsx, README.md] +3 -3 created=[] \
         langs={markdown:1 rust:1 typescript:1}",
    );
}

#[test]
fn patch_stats_created_deleted_renamed() {
    check_patch(
        "\
diff --git a/reproduce.py b/reproduce.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/reproduce.py
@@ -0,0 +1,2 @@
+import x
+print(x)
diff --git a/old.c b/old.c
deleted file mode 100644
--- a/old.c
+++ /dev/null
@@ -1,2 +0,0 @@
-int a;
-int b;
diff --git a/lib/a.rb b/lib/b.rb
similarity index 90%
rename from lib/a.rb
rename to lib/b.rb
",
        "files=[reproduce.py, old.c, lib/b.rb] +2 -2 created=[reproduce.py] \
         langs={c:1 python:1 ruby:1}",
    );
}

#[test]
fn patch_stats_plain_unified_diff() {
    // No `diff --git` headers: files come from ---/+++ pairs, with timestamps stripped.
    check_patch(
        "\
--- a/x.java\t2024-01-01 00:00:00
+++ b/x.java\t2024-01-02 00:00:00
@@ -1,2 +1,2 @@
-a
+b
 c
--- /dev/null
+++ b/new.php
@@ -0,0 +1 @@
+<?php
",
        "files=[x.java, new.php] +2 -1 created=[new.php] langs={java:1 php:1}",
    );
}

#[test]
fn patch_stats_binary_and_garbage() {
    check_patch(
        "\
diff --git a/img.png b/img.png
new file mode 100644
index 0000000..e69de29
GIT binary patch
literal 12
zcmV+b0RO)+P)
literal 0
HcmV?d00001

diff --git a/a.cpp b/a.cpp
--- a/a.cpp
+++ b/a.cpp
@@ -1 +1 @@
-x
+y
",
        "files=[img.png, a.cpp] +1 -1 created=[img.png] langs={cpp:1 other:1}",
    );
    check_patch("Binary files a/x.bin and b/x.bin differ\n", "files=[] +0 -0 created=[] langs={}");
    check_patch("this is not a diff\n+++ nor this\n@@ garbage @@\n+x\n-y\n", "files=[] +1 -1 created=[] langs={}");
    check_patch("@@ -1,2 +1,2 @@\n", "files=[] +0 -0 created=[] langs={}");
    // A truncated hunk (fewer lines than its header says) ends at the next header.
    check_patch(
        "\
diff --git a/a.js b/a.js
--- a/a.js
+++ b/a.js
@@ -1,5 +1,5 @@
-x
+y
diff --git a/b.js b/b.js
--- a/b.js
+++ b/b.js
@@ -1 +1 @@
-p
+q
",
        "files=[a.js, b.js] +2 -2 created=[] langs={javascript:2}",
    );
}

#[test]
fn patch_stats_paths_with_spaces_and_quotes() {
    check_patch(
        "diff --git a/my dir/b c.py b/my dir/b c.py\n--- a/my dir/b c.py\n+++ b/my dir/b c.py\n@@ -1 +1 @@\n-a\n+b\n",
        "files=[my dir/b c.py] +1 -1 created=[] langs={python:1}",
    );
    check_patch(
        "diff --git \"a/q x.h\" \"b/q x.h\"\nnew file mode 100644\n",
        "files=[q x.h] +0 -0 created=[q x.h] langs={c:1}",
    );
}

#[track_caller]
fn check_language(path: &str, expected: &str) {
    assert_eq!(facts::language_of(path), expected, "{path}");
}

#[test]
fn languages_by_extension() {
    for (path, lang) in [
        ("a/b.py", "python"),
        ("x.pyi", "python"),
        ("x.c", "c"),
        ("x.h", "c"),
        ("x.cc", "cpp"),
        ("x.cpp", "cpp"),
        ("x.hpp", "cpp"),
        ("x.go", "go"),
        ("X.java", "java"),
        ("x.js", "javascript"),
        ("x.jsx", "javascript"),
        ("x.mjs", "javascript"),
        ("x.ts", "typescript"),
        ("x.tsx", "typescript"),
        ("x.php", "php"),
        ("x.rb", "ruby"),
        ("Gemfile", "ruby"),
        ("x.rs", "rust"),
        ("README.md", "markdown"),
        ("p.json", "json"),
        ("c.yml", "yaml"),
        ("c.yaml", "yaml"),
        ("Cargo.toml", "toml"),
        ("run.sh", "shell"),
        ("x.pony", "other"),
        ("Makefile", "other"),
        ("noext", "other"),
        ("dir.py/file", "other"),
        ("X.PY", "python"),
    ] {
        check_language(path, lang);
    }
}

// ---------------------------------------------------------------------------------------------
// ran_tests: the command-word rule
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn check_ran(cmd: &str, expected: bool) {
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
fn check_test_path(path: &str, expected: bool) {
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
fn check_stray(path: &str, expected: bool) {
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
fn check_tool_error(tool: Option<&str>, observation: &str, expected: bool) {
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
fn check_limit(text: &str, expected: bool) {
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
fn check_loop(calls: Vec<ToolCall>, expected: bool) {
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
