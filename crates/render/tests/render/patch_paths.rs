//! The render's file list and the derived facts' `patch_files` come from one parser
//! (`trawl_core::patch`), so they name the same files, also for a header that the two used to
//! read differently.

use trawl_core::facts::patch_stats;
use trawl_render::diff_patch;

use crate::support::{trajectories, TRAJECTORY_FIXTURES};

/// The paths the render shows (new path, else old), each once, in patch order.
fn rendered_paths(patch: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in diff_patch(patch) {
        let path = f.new_path.filter(|p| !p.is_empty()).or(f.old_path.filter(|p| !p.is_empty()));
        if let Some(p) = path.filter(|p| !out.contains(p)) {
            out.push(p);
        }
    }
    out
}

#[test]
fn ambiguous_header_gives_one_answer_in_facts_and_render() {
    // Sides differ and ` b/` occurs twice: the facts took the last split (`src/d.py`), the render
    // the first (`c.py b/src/d.py`). Now both take the first.
    let patch = "diff --git a/src/a b/c.py b/src/d.py\nold mode 100644\nnew mode 100755\n";
    let files = diff_patch(patch);
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].old_path.as_deref(), files[0].new_path.as_deref()), (Some("src/a"), Some("c.py b/src/d.py")));
    assert_eq!(patch_stats(patch).files, vec!["c.py b/src/d.py".to_string()]);
    assert_eq!(rendered_paths(patch), patch_stats(patch).files);
}

#[test]
fn facts_and_render_name_the_same_files() {
    let built = [
        "diff --git a/x b/y b/z\n--- a/x\n+++ b/y b/z\n@@ -1 +1 @@\n-a\n+b\n",
        "diff --git a/gone.py b/gone.py\ndeleted file mode 100644\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
        "diff --git a/img.png b/img.png\nnew file mode 100644\nBinary files /dev/null and b/img.png differ\n",
        "diff --git \"a/caf\\303\\251.py\" \"b/caf\\303\\251.py\"\nold mode 100644\nnew mode 100755\n",
        "--- a/x.c\t2024-01-01\n+++ b/x.c\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n",
    ];
    let mut checked = 0;
    for p in built {
        assert_eq!(rendered_paths(p), patch_stats(p).files, "{p:?}");
        checked += 1;
    }
    for rel in TRAJECTORY_FIXTURES {
        for t in trajectories(rel) {
            let Some(p) = t.patch.as_deref().filter(|p| !p.trim().is_empty()) else { continue };
            assert_eq!(rendered_paths(p), patch_stats(p).files, "{rel}");
            let files = diff_patch(p);
            let stats = patch_stats(p);
            assert_eq!(
                (files.iter().map(|f| f.added).sum::<u64>(), files.iter().map(|f| f.removed).sum::<u64>()),
                (stats.added, stats.removed),
                "{rel}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} patches");
}
