//! The texts of a trajectory that are not tool output: system prompt, user prompt, issue
//! descriptions, `think` thoughts, assistant prose and the final summary.
//!
//! Owns the templates and the distinctive phrase sentences (the only place a phrase of
//! [`crate::PHRASES`] is ever written). It does not choose edits or tool calls; it is handed the
//! names it talks about.

use std::fmt::Write as _;

use rand::Rng;

use crate::rng::{pick, word, GenRng};

/// The system prompt: the same in every row (OpenHands CodeAct style, about 6 KB).
pub(crate) const SYSTEM_PROMPT: &str = "You are OpenHands agent, a helpful AI assistant that can interact with a computer to solve tasks.

<ROLE>
Your primary role is to assist users by executing commands, modifying code, and solving technical problems effectively. You should be thorough, methodical, and prioritize quality over speed.
* If the user asks a question, like \"why is X happening\", don't try to fix the problem. Just give an answer to the question.
</ROLE>

<EFFICIENCY>
* Each action you take is somewhat expensive. Wherever possible, combine multiple actions into a single action, e.g. combine multiple bash commands into one, using sed and grep to edit/view multiple files at once.
* When exploring the codebase, use efficient tools like find, grep, and git commands with appropriate filters to minimize unnecessary operations.
</EFFICIENCY>

<FILE_SYSTEM_GUIDELINES>
* When a user provides a file path, do NOT assume it's relative to the current working directory. First explore the file system to locate the file before working on it.
* If asked to edit a file, edit the file directly, rather than creating a new file with a different filename.
* For global search-and-replace operations, consider using `sed` instead of opening file editors multiple times.
* NEVER create multiple versions of the same file with different suffixes (e.g., file_v2.py, file_fix.py, file_simple.py). Instead:
  - Always modify the original file directly when making changes
  - Do not create temporary files for experiments
  - If you decide a file you created is no longer useful, delete it instead of creating a new version
* Do NOT include documentation files explaining your changes in version control unless the user explicitly requests it
* When reproducing bugs or implementing fixes, use a single file rather than creating multiple files with different versions
</FILE_SYSTEM_GUIDELINES>

<CODE_QUALITY>
* Write clean, efficient code with minimal comments. Avoid redundancy in comments: Do not repeat information that can be easily inferred from the code itself.
* When implementing solutions, focus on making the minimal changes needed to solve the problem.
* Before implementing any changes, first thoroughly understand the codebase through exploration.
* If you are adding a lot of code to a function or file, consider splitting the function or file into smaller pieces when appropriate.
* Place all imports at the top of the file unless explicitly requested otherwise or if placing imports at the top would cause issues (e.g., circular dependencies, conditional imports, or imports that need to be delayed for specific reasons).
</CODE_QUALITY>

<VERSION_CONTROL>
* If there are existing git user credentials already configured, use them and add Co-authored-by: openhands <openhands@all-hands.dev> to any commits messages you make. if a git config doesn't exist use \"openhands\" as the user.name and \"openhands@all-hands.dev\" as the user.email by default, unless explicitly instructed otherwise.
* Exercise caution with git operations. Do NOT make potentially dangerous changes (e.g., pushing to main, deleting repositories) unless explicitly asked to do so.
* When committing changes, use `git status` to see all modified files, and stage all files necessary for the commit. Use `git commit -a` whenever possible.
* Do NOT commit files that typically shouldn't go into version control (e.g., node_modules/, .env files, build directories, cache files, large binaries) unless explicitly instructed by the user.
* If unsure about committing certain files, check for the presence of .gitignore files or ask the user for clarification.
</VERSION_CONTROL>

<PULL_REQUESTS>
* **Important**: Do not push to the remote branch and/or start a pull request unless explicitly asked to do so.
* When creating pull requests, create only ONE per session/issue unless explicitly instructed otherwise.
* When working with an existing PR, update it with new commits rather than creating additional PRs for the same issue.
* When updating a PR, preserve the original PR title and purpose, updating description only when necessary.
</PULL_REQUESTS>

<PROBLEM_SOLVING_WORKFLOW>
1. EXPLORATION: Thoroughly explore relevant files and understand the context before proposing solutions
2. ANALYSIS: Consider multiple approaches and select the most promising one
3. IMPLEMENTATION:
   * Make focused, minimal changes to address the problem
   * Always modify existing files directly rather than creating new versions with different suffixes
The development environment is unavailable, so you should not write or execute any tests.
</PROBLEM_SOLVING_WORKFLOW>

<SECURITY>
* Only use GITHUB_TOKEN and other credentials in ways the user has explicitly requested and would expect.
* Use APIs to work with GitHub or other platforms, unless the user asks otherwise or your task requires browsing.
</SECURITY>

<EXTERNAL_SERVICES>
* When interacting with external services like GitHub, GitLab, or Bitbucket, use their respective APIs instead of browser-based interactions whenever possible.
* Only resort to browser-based interactions with these services if specifically requested by the user or if the required operation cannot be performed via API.
</EXTERNAL_SERVICES>

<ENVIRONMENT_SETUP>
Do not install any applications, packages or dependencies.
</ENVIRONMENT_SETUP>

<TROUBLESHOOTING>
* If you've made repeated attempts to solve a problem but the user reports it's still broken:
  1. Step back and reflect on 5-7 different possible sources of the problem
  2. Assess the likelihood of each possible cause
  3. Methodically address the most likely causes, starting with the highest probability
  4. Document your reasoning process
* When you run into any major issue while executing a plan from the user, please don't try to directly work around it. Instead, propose a new plan and confirm with the user before proceeding.
</TROUBLESHOOTING>

<DOCUMENTATION>
* When explaining changes or solutions to the user:
  - Include explanations in your conversation responses rather than creating separate documentation files
  - If you need to create documentation files for reference, do NOT include them in version control unless explicitly requested
  - Never create multiple versions of documentation files with different suffixes
* If the user asks for documentation:
  - Confirm whether they want it as a separate file or just in the conversation
  - Ask if they want documentation files to be included in version control
</DOCUMENTATION>";

/// The SWE-Zero user prompt around an issue (execution-free variant, five phases).
pub(crate) fn user_prompt(ws: &str, issue: &str, base_commit: &str) -> String {
    let mut s = String::with_capacity(3400 + issue.len());
    let _ = write!(
        s,
        "<uploaded_files>
/workspace/{ws}
</uploaded_files>

I've uploaded a python code repository in the directory {ws}. Consider the following issue description:

<issue_description>
{issue}
</issue_description>

Can you help me implement the necessary changes to the repository so that the requirements specified in the <issue_description> are met?
I've already taken care of all changes to any of the test files described in the <issue_description>. This means you DON'T have to modify the testing logic or any of the tests in any way!
The development environment is unavailable. This means you CANNOT RUN PYTHON CODE for any purpose. Do not write or execute any tests. Do not use Python to check your work in any way. Do not install any packages.
When you use the execute_bash tool, you must not use any of these commands: python, pytest, mypy, pip, apt, apt-get. \"python -c\", \"python -m\" or any other options for these commands are also not allowed.
Your task is to make the minimal changes to non-test files in the /workspace/{ws} directory to ensure the <issue_description> is satisfied.

Follow these phases to resolve the issue:

Phase 1. READING: read the problem and reword it in clearer terms
   1.1 If there are code or config snippets. Express in words any best practices or conventions in them.
   1.2 Hightlight message errors, method names, variables, file names, stack traces, and technical details.
   1.3 Explain the problem in clear terms.
   1.4 Enumerate the steps to reproduce the problem.
   1.5 Hightlight any best practices to take into account when testing and fixing the issue

Phase 2. EXPLORATION: find the files that are related to the problem and possible solutions
   2.1 Use `grep` to search for relevant methods, classes, keywords and error messages.
   2.2 Identify all files related to the problem statement.
   2.3 Propose the methods and files to fix the issue and explain why.
   2.4 From the possible file locations, select the most likely location to fix the issue.

Phase 3. FIX ANALYSIS: state clearly the problem and how to fix it
   3.1 State clearly what the problem is.
   3.2 State clearly where the problem is located.
   3.3 State clearly the best practices to take into account in the fix.
   3.4 State clearly how to fix the problem.

Phase 4. FIX IMPLEMENTATION: Edit the source code to implement your chosen solution.
   4.1 Make minimal, focused changes to fix the issue.

5. FINAL REVIEW: Carefully re-read the problem description and compare your changes with the base commit {base_commit}.
   5.1 Ensure you've fully addressed all requirements.

Remember that you MUST NOT write or execute any tests, or run Python code at all.

Be thorough in your exploration and reasoning. It's fine if your thinking process is lengthy - quality and completeness are more important than brevity."
    );
    s
}

/// What an issue is about; built by the agent module from a real edit site.
pub(crate) struct IssueFacts<'a> {
    pub pkg: &'a str,
    pub version: &'a str,
    /// Path of the target file relative to the checkout.
    pub path: &'a str,
    pub dotted: &'a str,
    pub class: Option<&'a str>,
    pub func: &'a str,
    pub param: Option<&'a str>,
    pub noun: &'a str,
    /// 1-based line of a real body line of the function, and its text.
    pub line_no: usize,
    pub line_text: &'a str,
    /// The kind of the primary edit (see `agent::EditKind` order).
    pub kind: usize,
    /// LLM-written (R2E-Gym) style rather than a GitHub issue.
    pub generated_style: bool,
    /// Indices into `crate::PHRASES` to work into the text.
    pub phrases: &'a [usize],
    pub new_param: &'a str,
    pub decorator: &'a str,
    pub error: &'a str,
}

impl IssueFacts<'_> {
    /// `Class.method` or `function`.
    pub fn qual(&self) -> String {
        match self.class {
            Some(c) => format!("{c}.{}", self.func),
            None => self.func.to_string(),
        }
    }

    fn param_or(&self, dflt: &str) -> String {
        self.param.unwrap_or(dflt).to_string()
    }
}

/// The sentence (or block) that carries distinctive phrase `i`. Nothing else writes these phrases.
fn phrase_block(rng: &mut GenRng, i: usize, f: &IssueFacts<'_>) -> String {
    let text = crate::PHRASES[i].text;
    match text {
        "maximum recursion depth exceeded" => format!(
            "With a nested {noun} the call does not fail cleanly; it recurses until the interpreter gives up:\n\n```\n  File \"/usr/local/lib/python3.10/site-packages/{path}\", line {n}, in {func}\n    {line}\n  [Previous line repeated 996 more times]\nRecursionError: {text} while calling a Python object\n```",
            noun = f.noun,
            path = f.path,
            n = f.line_no,
            func = f.func,
            line = f.line_text.trim(),
        ),
        "circular import" => format!(
            "Importing the module directly, before `{pkg}` itself, fails as well:\n\n```\nImportError: cannot import name '{name}' from partially initialized module '{dotted}' (most likely due to a {text})\n```",
            pkg = f.pkg,
            name = f.class.unwrap_or(f.func),
            dotted = f.dotted,
        ),
        "off by one" => format!(
            "Looking at the loop in `{}`, I suspect an {text} mistake in how the last {} is handled.",
            f.func, f.noun
        ),
        "memory leak" => format!(
            "In a long-running service this also shows up as a {text}: the {} cache keeps growing with every call (about {} MB per hour in our deployment).",
            f.noun,
            rng.random_range(20..400)
        ),
        "thread safety" => format!(
            "There may also be a {text} problem here, since the shared registry is mutated from worker threads without holding the lock."
        ),
        "segmentation fault" => format!(
            "On one machine the process even died with a {text} (core dumped) right after this, although I could not reproduce that reliably."
        ),
        "UnicodeDecodeError" => format!(
            "The same code path fails with `{text}: 'utf-8' codec can't decode byte 0x{:02x} in position {}: invalid start byte` when the input is read from a file.",
            rng.random_range(0x80..0x100u32),
            rng.random_range(0..4096)
        ),
        other => format!("Also seen: {other}."),
    }
}

fn traceback(f: &IssueFacts<'_>, minor: u32, call: &str, msg: &str) -> String {
    format!(
        "Traceback (most recent call last):\n  File \"<stdin>\", line 3, in <module>\n    {call}\n  File \"/usr/local/lib/python3.{minor}/site-packages/{path}\", line {n}, in {func}\n    {line}\n{err}: {msg}",
        path = f.path,
        n = f.line_no,
        func = f.func,
        line = f.line_text.trim(),
        err = f.error,
    )
}

/// An issue description (title line, then body).
pub(crate) fn issue(rng: &mut GenRng, f: &IssueFacts<'_>) -> String {
    let qual = f.qual();
    let p = f.param_or("value");
    let minor = rng.random_range(8..=12u32);
    let (obj_setup, call) = match f.class {
        Some(c) => {
            (format!("from {} import {c}\n\nobj = {c}(\"{}\")", f.dotted, f.noun), format!("obj.{}({p}=None)", f.func))
        }
        None => (format!("from {} import {}", f.dotted, f.func), format!("{}({p}=None)", f.func)),
    };
    let (title, summary, expected, msg) = match f.kind {
        0 => (
            pick(
                rng,
                &[
                    format!("`{qual}` raises {} when `{p}` is None", f.error),
                    format!("BUG: {qual}() crashes with {p}=None"),
                    format!("{qual} fails on a missing {p}"),
                ],
            )
            .clone(),
            format!(
                "When `{p}` is not provided (or is explicitly `None`), `{qual}` fails with an unhelpful `{}` instead of handling the missing value.",
                f.error
            ),
            format!("`{qual}` should treat `{p}=None` like the default and return early, the same way the other {} helpers do.", f.noun),
            format!("'NoneType' object has no attribute '{}'", pick(rng, &["get", "items", "copy", "keys", "strip"])),
        ),
        1 => (
            pick(
                rng,
                &[
                    format!("`{qual}` returns None instead of the {}", f.noun),
                    format!("Wrong result from {qual} for empty input"),
                    format!("{qual}: result silently dropped"),
                ],
            )
            .clone(),
            format!("`{qual}` sometimes returns `None` where a {} is expected, which then breaks callers further down.", f.noun),
            format!("A valid (possibly empty) {} should be returned instead of `None`.", f.noun),
            "'NoneType' object is not iterable".to_string(),
        ),
        2 => (
            pick(
                rng,
                &[
                    format!("`{qual}` ignores `{p}` in some cases"),
                    format!("{qual} does not respect the {p} argument"),
                ],
            )
            .clone(),
            format!("The condition in `{qual}` does not take `{p}` into account, so the wrong branch is taken when `{p}` is set."),
            format!("Passing `{p}` should change which branch is taken, consistently with the documentation."),
            format!("unexpected {} state", f.noun),
        ),
        3 => (
            pick(
                rng,
                &[
                    format!("Register `{}` so it can be restored by name", f.class.unwrap_or(f.func)),
                    format!("ENH: make {} discoverable via `{}`", f.class.unwrap_or(f.func), f.decorator),
                ],
            )
            .clone(),
            format!(
                "We would like to annotate `{}` with `@{}`. This allows the actual object to be looked up again after it was saved, which is needed to access attributes like `{}` after a round trip.",
                f.class.unwrap_or(f.func),
                f.decorator,
                p
            ),
            format!("`{}` should be registered like the other {} classes.", f.class.unwrap_or(f.func), f.noun),
            format!("unknown {} type '{}'", f.noun, f.class.unwrap_or(f.func)),
        ),
        _ => (
            pick(
                rng,
                &[
                    format!("Add a `{}` option to `{qual}`", f.new_param),
                    format!("ENH: {qual} should accept {}=", f.new_param),
                ],
            )
            .clone(),
            format!(
                "`{qual}` has no way to control this behaviour. Other {} functions accept a `{}` keyword; it would be consistent to support it here too.",
                f.noun, f.new_param
            ),
            format!("`{qual}({}=True)` should be accepted and default to the current behaviour.", f.new_param),
            format!("{}() got an unexpected keyword argument '{}'", f.func, f.new_param),
        ),
    };
    let code = format!("{obj_setup}\n{call}");
    let tb = traceback(f, minor, &call, &msg);
    let mut s = String::with_capacity(2048);
    if f.generated_style {
        let _ = write!(
            s,
            "**Title:** {title}\n\n**Description:**\n{summary}\n\n**Example Code:**\n```python\n{code}\n```\n\n**Expected Behavior:**\n{expected}\n\n**Actual Behavior:**\nAn exception is raised:\n```\n{tb}\n```"
        );
    } else {
        let _ = write!(
            s,
            "{title}\n{summary}\n\n### Reproducible example\n\n```python\n{code}\n```\n\n### Traceback\n\n```\n{tb}\n```\n\n### Expected behavior\n\n{expected}"
        );
    }
    for &ph in f.phrases {
        s.push_str("\n\n");
        s.push_str(&phrase_block(rng, ph, f));
    }
    if !f.generated_style && rng.random_bool(0.6) {
        let _ = write!(
            s,
            "\n\n### Installed versions\n\n{}: {}\npython: 3.{minor}.{}\nOS: {}",
            f.pkg,
            f.version,
            rng.random_range(0..19),
            pick(rng, &["Linux", "macOS 14.2", "Windows 11", "Ubuntu 22.04"])
        );
    }
    s
}

/// Opening assistant text.
pub(crate) fn opening(rng: &mut GenRng, qual: &str) -> String {
    let first = pick(
        rng,
        &[
            format!("I'll help you implement the necessary changes to fix the issue with `{qual}`. Let me start by understanding the problem and exploring the repository structure."),
            format!("I'll help you resolve this issue. Let me begin by reading the problem carefully and then exploring the code around `{qual}`."),
            "Let me start by understanding the issue and then explore the repository to find the relevant code.".to_string(),
        ],
    )
    .clone();
    format!("{first}\n\n## Phase 1. READING\n\n")
}

/// The reading-phase thought.
pub(crate) fn reading_thought(rng: &mut GenRng, f: &IssueFacts<'_>) -> String {
    let qual = f.qual();
    let mut s = String::with_capacity(1500);
    let _ = write!(
        s,
        "Let me break down the issue description:\n\n1. The problem is in `{qual}` in the `{}` module.\n2. {}\n3. The error surfaced to the user is `{}`.\n\nKey technical details:\n- File: {}\n- Function: {}\n- Parameter: {}\n- Package version: {} {}\n\nSteps to reproduce:\n1. Import `{}` from `{}`\n2. Call it with the problematic arguments\n3. Observe the exception instead of the expected result\n\nBest practices:\n- Make minimal changes to the non-test source files\n- Keep the public signature backwards compatible\n- Follow the existing code style of the {} package\n- Do not modify the tests",
        f.dotted,
        match f.kind {
            0 => format!("A `None` value for `{}` is not handled.", f.param.unwrap_or("the argument")),
            1 => "A `None` result leaks out to callers.".to_string(),
            2 => "A condition ignores one of the arguments.".to_string(),
            3 => format!("The object is not registered with `{}`.", f.decorator),
            _ => format!("A new `{}` option is requested.", f.new_param),
        },
        f.error,
        f.path,
        qual,
        f.param.unwrap_or("-"),
        f.pkg,
        f.version,
        f.class.unwrap_or(f.func),
        f.dotted,
        f.pkg,
    );
    if rng.random_bool(0.5) {
        s.push_str("\n\nI also need to check whether other callers rely on the current behaviour before changing it.");
    }
    s
}

/// The fix-analysis thought.
pub(crate) fn analysis_thought(rng: &mut GenRng, f: &IssueFacts<'_>, files: &[String], callers: usize) -> String {
    let qual = f.qual();
    let mut s = String::with_capacity(1500);
    let _ = write!(
        s,
        "Based on my exploration, I now understand what needs to be done:\n\n1. **Problem**: {}\n\n2. **Location**: `{qual}` in `{}` (around line {}).\n\n3. **Callers**: I found {callers} places that use it, so the change must stay backwards compatible.\n\n4. **Fix**: {}\n\nFiles to change:\n",
        match f.kind {
            0 => format!("`{}` can be `None` and the code dereferences it without a check.", f.param.unwrap_or("the argument")),
            1 => "the function can fall through and return `None`.".to_string(),
            2 => "the branch condition does not consider the argument from the issue.".to_string(),
            3 => "the object is missing its registration decorator.".to_string(),
            _ => format!("the function has no `{}` keyword.", f.new_param),
        },
        f.path,
        f.line_no,
        match f.kind {
            0 => "add an early guard for the `None` case at the top of the function body.".to_string(),
            1 => "keep the computed value and fall back to a sensible default when it is `None`.".to_string(),
            2 => "extend the condition so the argument is respected.".to_string(),
            3 => format!("add `@{}` right above the definition.", f.decorator),
            _ => format!("add `{}=False` to the signature and thread it through.", f.new_param),
        },
    );
    for p in files {
        let _ = writeln!(s, "- {p}");
    }
    if rng.random_bool(0.5) {
        s.push_str("\nAlternative approaches, like changing every caller, would be more invasive, so I'll go with the minimal fix.");
    }
    s
}

/// A mid-exploration thought.
pub(crate) fn musing(rng: &mut GenRng, f: &IssueFacts<'_>, other: &str) -> String {
    let qual = f.qual();
    pick(
        rng,
        &[
            format!("`{other}` looks related but it only delegates to `{qual}`. The real behaviour is decided in `{}`, so that is where the change belongs. I should double-check that nothing else depends on the old return value.", f.path),
            format!("There seem to be two code paths: the public `{qual}` and the helper in `{other}`. The issue only mentions the first one. Changing the helper would affect more callers, which is riskier; I'll keep the change local to `{qual}` unless the helper turns out to be the root cause."),
            format!("Let me think about edge cases for `{qual}`:\n- the argument is `None`\n- the argument is an empty container\n- the argument is a scalar instead of a list\n\nThe existing code in `{other}` already handles the empty case, so I can follow the same pattern."),
        ],
    )
    .clone()
}

/// Short assistant text before a tool call (often empty, like real data).
pub(crate) fn prose(rng: &mut GenRng, what: &str) -> String {
    if rng.random_bool(0.35) {
        return String::new();
    }
    pick(
        rng,
        &[
            format!("Now let me look at {what}:\n\n"),
            format!("Let me examine {what}:\n\n"),
            format!("Let me check {what} to understand the current behaviour:\n\n"),
            format!("I'll look at {what} next.\n\n"),
            format!("Good. Now let me search {what}:\n\n"),
            format!("Perfect! Let me also check {what}:\n\n"),
            format!("Let me understand {what} better:\n\n"),
        ],
    )
    .clone()
}

/// Short assistant text before a search (`what` is what is searched for).
pub(crate) fn search_prose(rng: &mut GenRng, what: &str) -> String {
    if rng.random_bool(0.35) {
        return String::new();
    }
    pick(
        rng,
        &[
            format!("Let me search for {what}:\n\n"),
            format!("Now let me grep for {what}:\n\n"),
            format!("Let me find {what} in the codebase:\n\n"),
            format!("Let me check where {what} appear:\n\n"),
            format!("Good. Let me also look for {what}:\n\n"),
        ],
    )
    .clone()
}

/// Assistant text before running code (which the prompt forbids).
pub(crate) fn run_prose(rng: &mut GenRng) -> String {
    word(
        rng,
        &[
            "Let me run the tests to see the current behaviour:\n\n",
            "Let me quickly verify this by running it:\n\n",
            "",
        ],
    )
    .to_string()
}

/// Assistant text before a second or later edit.
pub(crate) fn next_edit_prose(rng: &mut GenRng, qual: &str) -> String {
    if rng.random_bool(0.4) {
        return String::new();
    }
    pick(
        rng,
        &[
            "Now let me apply the next change:\n\n".to_string(),
            format!("Next, the related code path used by `{qual}`:\n\n"),
            "I also need to update this part:\n\n".to_string(),
        ],
    )
    .clone()
}

/// The final summary text and the `finish` message.
pub(crate) fn summary(rng: &mut GenRng, f: &IssueFacts<'_>, changes: &[String]) -> (String, String) {
    let qual = f.qual();
    let mut content = String::from("Excellent! Let me summarize what I've done.\n\n### Summary of Changes\n\n");
    for (i, c) in changes.iter().enumerate() {
        let _ = writeln!(content, "{}. {c}", i + 1);
    }
    let _ = write!(
        content,
        "\n### Verification\n\nAll changes have been reviewed to:\n- \u{2705} Address the behaviour described for `{qual}`\n- \u{2705} Keep the change minimal and backwards compatible\n- \u{2705} Leave the test files untouched\n"
    );
    let mut message = format!(
        "I have successfully implemented the necessary changes to resolve the issue with `{qual}`.\n\n## Summary of Changes\n\n"
    );
    for c in changes {
        let _ = writeln!(message, "- {c}");
    }
    message.push_str(word(
        rng,
        &[
            "\nThe implementation follows the established patterns in the codebase and keeps the public API unchanged.",
            "\nThese changes are minimal and focused on the behaviour described in the issue.",
            "\nNo test files were modified, as requested.",
        ],
    ));
    (content, message)
}
