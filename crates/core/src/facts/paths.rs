//! Path rules: the language of a file, test files (`edited_tests`) and agent scratch files
//! (`stray_files`).

/// The language of a file path, by extension (and a few well-known file names).
pub fn language_of(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name {
        "Gemfile" | "Rakefile" => return "ruby",
        "Dockerfile" | "Makefile" | "CMakeLists.txt" => return "other",
        _ => {}
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return "other";
    };
    match ext.to_ascii_lowercase().as_str() {
        "py" | "pyi" | "pyx" | "pxd" => "python",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "h++" | "ipp" => "cpp",
        "go" => "go",
        "java" => "java",
        "js" | "jsx" | "mjs" | "cjs" => "javascript",
        "ts" | "tsx" | "mts" | "cts" => "typescript",
        "php" | "phpt" => "php",
        "rb" | "rake" | "gemspec" => "ruby",
        "rs" => "rust",
        "md" | "markdown" => "markdown",
        "json" => "json",
        "yaml" | "yml" => "yaml",
        "toml" => "toml",
        "sh" | "bash" | "zsh" => "shell",
        _ => "other",
    }
}

/// Whether a path is a test file: a directory component named `test`, `tests`, `testing` or
/// `__tests__`, or a file name `test_*.py`, `*_test.py`, `*_test.go`, `*Test.java`,
/// `*Tests.java`, `*.test.{js,jsx,ts,tsx,mjs,cjs}`, `*.spec.{js,jsx,ts,tsx}`, `*_spec.rb` or
/// `conftest.py`. Absolute and repository-relative paths both work.
pub fn is_test_path(path: &str) -> bool {
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let Some(name) = parts.next_back() else {
        return false;
    };
    if parts.any(|dir| matches!(dir, "test" | "tests" | "testing" | "__tests__")) {
        return true;
    }
    if name == "conftest.py" || (name.starts_with("test_") && name.ends_with(".py")) {
        return true;
    }
    const SUFFIXES: &[&str] = &[
        "_test.py",
        "_test.go",
        "Test.java",
        "Tests.java",
        "_spec.rb",
        ".test.js",
        ".test.jsx",
        ".test.ts",
        ".test.tsx",
        ".test.mjs",
        ".test.cjs",
        ".spec.js",
        ".spec.jsx",
        ".spec.ts",
        ".spec.tsx",
    ];
    SUFFIXES.iter().any(|s| name.len() > s.len() && name.ends_with(s))
}

/// File-name prefixes (lowercased) of agent scratch scripts, stray when created at the
/// repository root.
pub const SCRATCH_PREFIXES: &[&str] =
    &["reproduce", "repro_", "repro.", "debug_", "test_fix", "comprehensive_test", "verify_", "check_"];

/// File-name prefixes (lowercased) stray at any depth: nobody adds these to a project on purpose.
pub const SCRATCH_PREFIXES_ANYWHERE: &[&str] = &["reproduce", "comprehensive_test"];

/// File-name suffixes (lowercased) of leftovers, stray at any depth.
pub const LEFTOVER_SUFFIXES: &[&str] = &[".orig", ".rej", ".bak", ".patch", ".diff"];

/// Whether a file the patch *creates* is agent scratch (the `stray_files` rule). A created path
/// is stray when any holds:
///
/// 1. it lies under a `.openhands/` directory, or its name is `TASKS.md`;
/// 2. its name ends with `.orig`, `.rej`, `.bak`, `.patch` or `.diff` ([`LEFTOVER_SUFFIXES`]);
/// 3. its name starts with `reproduce` or `comprehensive_test`, at any depth
///    ([`SCRATCH_PREFIXES_ANYWHERE`]);
/// 4. it is at the repository root (no directory) and its name starts with `reproduce`, `repro_`,
///    `repro.`, `debug_`, `test_fix`, `comprehensive_test`, `verify_` or `check_`
///    ([`SCRATCH_PREFIXES`]).
///
/// Names are compared lowercased. Only created files count: editing an existing `check_x.py`
/// is not stray.
pub fn is_stray_path(path: &str) -> bool {
    let path = path.trim_start_matches("./");
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    };
    if dir.split('/').any(|c| c == ".openhands") || name == "TASKS.md" {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    if LEFTOVER_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
        return true;
    }
    if SCRATCH_PREFIXES_ANYWHERE.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    dir.is_empty() && SCRATCH_PREFIXES.iter().any(|p| lower.starts_with(p))
}
