//! Tests: facts of a patch. Patch statistics rendered compactly (files, lines, created, deleted,
//! renamed, binary and garbage input, quoted paths) and languages by extension.

use crate::facts::SIMPLE_PATCH;
use trawl_core::facts::{self, PatchStats};

// ---------------------------------------------------------------------------------------------
// Patch statistics
// ---------------------------------------------------------------------------------------------

pub(crate) fn render_stats(s: &PatchStats) -> String {
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
pub(crate) fn check_patch(patch: &str, expected: &str) {
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
pub(crate) fn check_language(path: &str, expected: &str) {
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
