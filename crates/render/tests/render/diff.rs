//! Patch parsing, text diffs and patch comparison.

use trawl_render::{diff_patch, diff_patches, diff_texts, DiffLineKind, FileDiff};

use crate::support::{counted, line_text, real_fixture, trajectories};

/// (added, removed) by scanning the patch text on its own: `+`/`-` lines that are not file
/// headers.
fn scanned(patch: &str) -> (u64, u64) {
    let mut add = 0;
    let mut del = 0;
    for l in patch.lines() {
        if l.starts_with('+') && !l.starts_with("+++ ") {
            add += 1;
        } else if l.starts_with('-') && !l.starts_with("--- ") {
            del += 1;
        }
    }
    (add, del)
}

fn files_named(patch: &str) -> Vec<String> {
    patch.lines().filter_map(|l| l.strip_prefix("+++ b/")).map(str::to_string).collect()
}

fn check_real_patch(name: &str, patch: &str) {
    let files = diff_patch(patch);
    assert_eq!(
        files.iter().map(|f| f.new_path.clone().unwrap_or_default()).collect::<Vec<_>>(),
        files_named(patch),
        "{name}"
    );
    let (add, del) = scanned(patch);
    assert_eq!(counted(&files), (add, del), "{name}: lines by kind");
    assert_eq!(
        (files.iter().map(|f| f.added).sum::<u64>(), files.iter().map(|f| f.removed).sum::<u64>()),
        (add, del),
        "{name}: added/removed fields"
    );
    // Line numbers follow the hunk headers and each line's text is the patch text.
    for f in &files {
        for h in &f.hunks {
            let nums: Vec<u64> =
                h.header.trim_start_matches("@@ -").split([' ', ',', '+']).filter_map(|x| x.parse().ok()).collect();
            let (mut o, mut n) = (nums[0], nums[2]);
            for l in &h.lines {
                match l.kind {
                    DiffLineKind::Ctx if l.old_no.is_some() => {
                        assert_eq!((l.old_no, l.new_no), (Some(o), Some(n)), "{name}");
                        o += 1;
                        n += 1;
                    }
                    DiffLineKind::Ctx => {}
                    DiffLineKind::Del => {
                        assert_eq!((l.old_no, l.new_no), (Some(o), None), "{name}");
                        o += 1;
                    }
                    DiffLineKind::Add => {
                        assert_eq!((l.old_no, l.new_no), (None, Some(n)), "{name}");
                        n += 1;
                    }
                }
                let prefix = match l.kind {
                    DiffLineKind::Add => '+',
                    DiffLineKind::Del => '-',
                    DiffLineKind::Ctx => ' ',
                };
                let text = line_text(&l.spans);
                assert!(
                    patch.lines().any(|l| l == format!("{prefix}{text}")) || (text.is_empty() && prefix == ' '),
                    "{name}: line {text:?} is not in the patch"
                );
            }
        }
    }
}

#[test]
fn real_swe_agent_patch_file() {
    let patch = std::fs::read_to_string(real_fixture("swe-agent/pydicom__pydicom-1458.patch")).unwrap();
    check_real_patch("pydicom", &patch);
    let files = diff_patch(&patch);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].language, "python");
    assert!(files[0].hunks[0].lines.iter().any(|l| l.spans.iter().any(|s| s.class.as_deref() == Some("str"))));
}

#[test]
fn real_patches_of_every_fixture_trajectory() {
    let mut multi_file = 0;
    let mut checked = 0;
    for rel in crate::support::TRAJECTORY_FIXTURES {
        for t in trajectories(rel) {
            let Some(patch) = t.patch.as_deref().filter(|p| !p.trim().is_empty()) else { continue };
            check_real_patch(rel, patch);
            checked += 1;
            if files_named(patch).len() > 1 {
                multi_file += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} patches");
    assert!(multi_file >= 1, "no multi-file patch among the fixtures");
}

#[test]
fn real_multi_swe_bench_fix_patches_in_c_and_pony() {
    let text = std::fs::read_to_string(real_fixture("openhands/multi_swe_bench_c_ponyc.patch.jsonl")).unwrap();
    let mut langs = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let patch = v["fix_patch"].as_str().unwrap();
        check_real_patch("ponyc", patch);
        langs.extend(diff_patch(patch).into_iter().map(|f| f.language));
    }
    assert!(langs.contains(&"c".to_string()) && langs.contains(&"plain".to_string()), "{langs:?}");
}

const BINARY: &str = "diff --git a/img/logo.png b/img/logo.png
new file mode 100644
index 0000000..3f4e2a1
Binary files /dev/null and b/img/logo.png differ
diff --git a/data.bin b/data.bin
index 1234567..89abcde 100644
GIT binary patch
literal 12
TcmZQzVPs@rU}9ioU|;|M1_1y9

literal 0
KcmV+b0RR6000031

diff --git a/a.py b/a.py
--- a/a.py
+++ b/a.py
@@ -1 +1 @@
-x = 1
+x = 2
";

#[test]
fn binary_files_have_no_hunks() {
    let files = diff_patch(BINARY);
    assert_eq!(files.len(), 3);
    assert!(files[0].binary && files[0].hunks.is_empty());
    assert_eq!((files[0].old_path.as_deref(), files[0].new_path.as_deref()), (None, Some("img/logo.png")));
    assert!(files[1].binary && files[1].hunks.is_empty());
    assert_eq!(files[1].new_path.as_deref(), Some("data.bin"));
    assert!(!files[2].binary);
    assert_eq!((files[2].added, files[2].removed), (1, 1));
}

#[test]
fn renames_new_and_deleted_files() {
    let patch = "diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
index 1..2 100644
--- a/old name.py
+++ b/new name.py
@@ -1,2 +1,2 @@
 import os
-x = 1
+x = 2
diff --git a/pure_rename.rs b/moved/pure_rename.rs
similarity index 100%
rename from pure_rename.rs
rename to moved/pure_rename.rs
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
index 3..0
--- a/gone.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
diff --git a/new.go b/new.go
new file mode 100644
--- /dev/null
+++ b/new.go
@@ -0,0 +1 @@
+package main
";
    let files = diff_patch(patch);
    assert_eq!(files.len(), 4);
    assert_eq!(
        (files[0].old_path.as_deref(), files[0].new_path.as_deref()),
        (Some("old name.py"), Some("new name.py"))
    );
    assert_eq!(files[0].language, "python");
    assert_eq!(
        (files[1].old_path.as_deref(), files[1].new_path.as_deref()),
        (Some("pure_rename.rs"), Some("moved/pure_rename.rs"))
    );
    assert!(files[1].hunks.is_empty() && !files[1].binary);
    assert_eq!((files[2].old_path.as_deref(), files[2].new_path.as_deref()), (Some("gone.txt"), None));
    assert_eq!((files[2].added, files[2].removed), (0, 2));
    assert_eq!(files[2].hunks[0].lines[1].old_no, Some(2));
    assert_eq!((files[3].old_path.as_deref(), files[3].new_path.as_deref()), (None, Some("new.go")));
    assert_eq!(files[3].hunks[0].lines[0].new_no, Some(1));
    assert!(files[3].hunks[0].lines[0].spans.iter().any(|s| s.class.as_deref() == Some("kw")));
}

#[test]
fn no_newline_markers_and_omitted_counts() {
    let patch = "--- a/x.txt
+++ b/x.txt
@@ -3 +3 @@
-old last
\\ No newline at end of file
+new last
\\ No newline at end of file
";
    let files = diff_patch(patch);
    assert_eq!(files.len(), 1);
    let lines = &files[0].hunks[0].lines;
    assert_eq!(lines.len(), 4);
    assert_eq!((lines[0].kind, lines[0].old_no), (DiffLineKind::Del, Some(3)));
    assert_eq!((lines[1].kind, lines[1].old_no, lines[1].new_no), (DiffLineKind::Ctx, None, None));
    assert_eq!(line_text(&lines[1].spans), "\\ No newline at end of file");
    assert_eq!((lines[2].kind, lines[2].new_no), (DiffLineKind::Add, Some(3)));
    assert_eq!((files[0].added, files[0].removed), (1, 1));
}

#[test]
fn stripped_blank_context_lines_and_trailing_garbage() {
    // Some tools strip the space of empty context lines; text after the last hunk is ignored.
    let patch = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,3 +1,3 @@\n x = 1\n\n-y = 2\n+y = 3\nnot part of the patch\n";
    let files = diff_patch(patch);
    assert_eq!(files.len(), 1);
    let l = &files[0].hunks[0].lines;
    assert_eq!(l.len(), 4);
    assert_eq!((l[1].kind, l[1].old_no, l[1].new_no), (DiffLineKind::Ctx, Some(2), Some(2)));
    assert_eq!((l[3].kind, l[3].new_no), (DiffLineKind::Add, Some(3)));
}

#[test]
fn garbage_becomes_one_plain_file_and_empty_gives_none() {
    assert!(diff_patch("").is_empty());
    assert!(diff_patch("\n  \n").is_empty());
    let files = diff_patch("this is <b>not</b> a patch\nat all");
    assert_eq!(files.len(), 1);
    let f = &files[0];
    assert_eq!((f.old_path.as_ref(), f.new_path.as_ref(), f.language.as_str()), (None, None, "plain"));
    assert_eq!(f.hunks[0].lines.len(), 2);
    assert_eq!(line_text(&f.hunks[0].lines[0].spans), "this is <b>not</b> a patch");
}

#[test]
fn whole_side_highlighting_keeps_multi_line_strings() {
    let patch = "--- a/m.py\n+++ b/m.py\n@@ -1,4 +1,4 @@\n x = \"\"\"\n-inside old\n+inside new\n end\"\"\"\n";
    let f = &diff_patch(patch)[0];
    for l in &f.hunks[0].lines[1..3] {
        assert!(l.spans.iter().all(|s| s.class.as_deref() == Some("str")), "{:?}", l);
    }
}

#[test]
fn diff_texts_hunks_numbers_and_context() {
    let old: String = (1..=30).map(|i| format!("line {i}\n")).collect();
    let new =
        old.replace("line 5\n", "line five\n").replace("line 25\n", "").replace("line 30\n", "line 30\nline 31\n");
    let d = diff_texts(&old, &new, "notes.txt", 2);
    assert_eq!(d.language, "plain");
    assert_eq!((d.old_path.as_deref(), d.new_path.as_deref()), (Some("notes.txt"), Some("notes.txt")));
    assert_eq!((d.added, d.removed), (2, 2));
    // Lines 26..=30 are five equal lines, more than twice the context: three hunks.
    let headers: Vec<&str> = d.hunks.iter().map(|h| h.header.as_str()).collect();
    assert_eq!(headers, vec!["@@ -3,5 +3,5 @@", "@@ -23,5 +23,4 @@", "@@ -29,2 +28,3 @@"]);
    let del = d.hunks[0].lines.iter().find(|l| l.kind == DiffLineKind::Del).unwrap();
    assert_eq!((del.old_no, line_text(&del.spans).as_str()), (Some(5), "line 5"));
    let ctx = &d.hunks[1].lines[3];
    assert_eq!((ctx.kind, ctx.old_no, ctx.new_no), (DiffLineKind::Ctx, Some(26), Some(25)));
    let add = d.hunks[2].lines.iter().find(|l| l.kind == DiffLineKind::Add).unwrap();
    assert_eq!((add.new_no, line_text(&add.spans).as_str()), (Some(30), "line 31"));
    assert!(diff_texts("same\n", "same\n", "a.py", 3).hunks.is_empty());
    let d = diff_texts("", "a = 1\n", "a.py", 3);
    assert_eq!(d.hunks[0].header, "@@ -0,0 +1,1 @@");
}

fn paths(f: &FileDiff) -> (Option<&str>, Option<&str>) {
    (f.old_path.as_deref(), f.new_path.as_deref())
}

#[test]
fn diff_patches_per_file() {
    let a = "diff --git a/x.py b/x.py\nindex 111..222 100644\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\ndiff --git a/only_a.py b/only_a.py\n--- a/only_a.py\n+++ b/only_a.py\n@@ -1 +1 @@\n-q\n+r\n";
    let b = "diff --git a/x.py b/x.py\nindex 111..333 100644\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 3\ndiff --git a/only_b.py b/only_b.py\n--- a/only_b.py\n+++ b/only_b.py\n@@ -1 +1 @@\n-s\n+t\n";
    let d = diff_patches(Some(a), Some(b));
    assert_eq!(d.len(), 3);
    assert_eq!(paths(&d[0]), (Some("x.py"), Some("x.py")));
    assert_eq!(d[0].language, "diff");
    assert_eq!((d[0].added, d[0].removed), (1, 1));
    let added: Vec<String> =
        d[0].hunks[0].lines.iter().filter(|l| l.kind == DiffLineKind::Add).map(|l| line_text(&l.spans)).collect();
    assert_eq!(added, vec!["+a = 3"]);
    assert_eq!(paths(&d[1]), (Some("only_a.py"), None));
    assert_eq!(d[1].removed, 6);
    assert_eq!(paths(&d[2]), (None, Some("only_b.py")));
    assert_eq!(d[2].added, 6);
    // Same patch on both sides: files without hunks.
    let same = diff_patches(Some(a), Some(a));
    assert_eq!(same.len(), 2);
    assert!(same.iter().all(|f| f.hunks.is_empty()));
    assert!(diff_patches(None, None).is_empty());
    assert_eq!(diff_patches(None, Some(b)).len(), 2);
}

#[test]
fn quoted_paths_and_header_only_changes() {
    let patch = "diff --git \"a/caf\\303\\251 menu.py\" \"b/caf\\303\\251 menu.py\"\n--- \"a/caf\\303\\251 menu.py\"\n+++ \"b/caf\\303\\251 menu.py\"\n@@ -1 +1 @@\n-a = 1\n+a = 2\ndiff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n";
    let files = diff_patch(patch);
    assert_eq!(files.len(), 2);
    assert_eq!(paths(&files[0]), (Some("café menu.py"), Some("café menu.py")));
    assert_eq!(files[0].language, "python");
    assert_eq!(paths(&files[1]), (Some("run.sh"), Some("run.sh")));
    assert!(files[1].hunks.is_empty() && !files[1].binary);
}
