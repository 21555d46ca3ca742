//! Rendering a trajectory for reading: in parts (first screen, then the rest) and whole.

use crate::support::{data, ids, library};

#[test]
fn a_trajectory_in_parts_equals_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let file = data(dir.path(), 6, 11);
    let lib = library(dir.path(), "t.db", &file, "alice");
    let id = ids(&lib, "steps:>20").into_iter().next().expect("a trajectory of more than 20 steps");
    let whole = lib.trajectory(&id, None).unwrap();
    let n = whole.meta.step_count as usize;
    assert!(whole.complete && whole.steps.len() == n && !whole.patch.is_empty());

    let first = lib.trajectory_part(&id, None, 0, Some(10)).unwrap();
    assert_eq!(first.steps.iter().map(|s| s.index).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
    assert!(!first.complete, "10 of {n} steps");
    assert!(first.patch.is_empty(), "the patch comes with the last part");

    let rest = lib.trajectory_part(&id, None, 10, None).unwrap();
    assert!(rest.complete);
    assert_eq!(rest.steps.first().map(|s| s.index), Some(10));
    let joined: Vec<_> = first.steps.iter().chain(&rest.steps).collect();
    assert_eq!(joined.len(), n);
    for (a, b) in joined.iter().zip(&whole.steps) {
        assert_eq!(serde_json::to_value(a).unwrap(), serde_json::to_value(b).unwrap());
    }
    assert_eq!(serde_json::to_value(&rest.patch).unwrap(), serde_json::to_value(&whole.patch).unwrap());

    // Past the end: no steps, complete, the patch.
    let past = lib.trajectory_part(&id, None, n + 5, Some(3)).unwrap();
    assert!(past.steps.is_empty() && past.complete && !past.patch.is_empty());
}
