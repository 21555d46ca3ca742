//! The one unified-diff parser (`trawl_core::patch`) and the facts that read it: a file's path
//! follows git's rule (the `+++ b/` path, the `--- a/` path for a deleted file, then the
//! `diff --git` header), and the facts' file list is the parser's.

use trawl_core::facts;
use trawl_core::patch::{self, LineKind};

fn paths(p: &str) -> Vec<Option<String>> {
    patch::parse(p).files.iter().map(|f| f.path().map(str::to_string)).collect()
}

/// A header whose sides differ and that splits two ways (` b/` inside a path), with no `---`/`+++`
/// or rename lines to settle it. Before the one parser, the facts took the last split (`src/d.py`)
/// and the render the first (`c.py b/src/d.py`).
const AMBIGUOUS_HEADER: &str = "diff --git a/src/a b/c.py b/src/d.py\nold mode 100644\nnew mode 100755\n";

#[test]
fn ambiguous_header_splits_at_the_first_b() {
    let parsed = patch::parse(AMBIGUOUS_HEADER);
    assert_eq!(parsed.files.len(), 1);
    let f = &parsed.files[0];
    assert_eq!((f.old_path.as_deref(), f.new_path.as_deref()), (Some("src/a"), Some("c.py b/src/d.py")));
    assert_eq!(facts::patch_stats(AMBIGUOUS_HEADER).files, vec!["c.py b/src/d.py".to_string()]);
}

#[test]
fn plus_path_wins_over_the_header_and_minus_path_names_a_deletion() {
    let p = "\
diff --git a/x b/y b/z
--- a/x
+++ b/y b/z
@@ -1 +1 @@
-a
+b
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git a/new.py b/new.py
new file mode 100644
--- /dev/null
+++ b/new.py
@@ -0,0 +1 @@
+y
";
    assert_eq!(paths(p), vec![Some("y b/z".into()), Some("gone.py".into()), Some("new.py".into())]);
    let parsed = patch::parse(p);
    assert_eq!(parsed.files.iter().map(|f| f.created()).collect::<Vec<_>>(), vec![false, false, true]);
    assert_eq!((parsed.added(), parsed.removed()), (2, 2));
    let stats = facts::patch_stats(p);
    assert_eq!(stats.files, vec!["y b/z", "gone.py", "new.py"]);
    assert_eq!(stats.created, vec!["new.py"]);
}

#[test]
fn facts_read_the_parser() {
    for p in [
        AMBIGUOUS_HEADER,
        "diff --git \"a/caf\\303\\251.py\" \"b/caf\\303\\251.py\"\n--- \"a/caf\\303\\251.py\"\n+++ \"b/caf\\303\\251.py\"\n@@ -1 +1 @@\n-a\n+b\n",
        "--- a/x.c\t2024-01-01\n+++ b/x.c\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n",
        "diff --git a/a.rb b/b.rb\nsimilarity index 90%\nrename from a.rb\nrename to b.rb\n",
        "this is not a diff\n@@ garbage @@\n+x\n-y\n",
    ] {
        let parsed = patch::parse(p);
        let stats = facts::patch_stats(p);
        let mut named: Vec<String> = Vec::new();
        for f in &parsed.files {
            if let Some(path) = f.path().filter(|path| !named.iter().any(|n| n == path)) {
                named.push(path.to_string());
            }
        }
        assert_eq!(stats.files, named, "{p:?}");
        assert_eq!((stats.added, stats.removed), (parsed.added(), parsed.removed()), "{p:?}");
    }
    assert_eq!(facts::patch_stats("diff --git \"a/caf\\303\\251.py\" \"b/caf\\303\\251.py\"\n").files, vec!["café.py"]);
}

#[test]
fn hunks_carry_line_numbers_and_markers() {
    let p = "--- a/x.txt\n+++ b/x.txt\n@@ -3,2 +3,2 @@\n keep\n-old\n\\ No newline at end of file\n+new\n";
    let parsed = patch::parse(p);
    let lines = &parsed.files[0].hunks[0].lines;
    let seen: Vec<(LineKind, &str, Option<u64>, Option<u64>)> =
        lines.iter().map(|l| (l.kind, l.text, l.old_no, l.new_no)).collect();
    assert_eq!(
        seen,
        vec![
            (LineKind::Ctx, "keep", Some(3), Some(3)),
            (LineKind::Del, "old", Some(4), None),
            (LineKind::Marker, "\\ No newline at end of file", None, None),
            (LineKind::Add, "new", None, Some(4)),
        ]
    );
    assert_eq!(parsed.files[0].lines, 0..parsed.lines.len());
}
