//! Tests: the label tables of migration 0002.

use trawl_store::labels;

#[test]
fn a_new_database_has_the_default_label_sets_of_core() {
    let dir = tempfile::tempdir().unwrap();
    let store = trawl_store::Store::open(&dir.path().join("t.db")).unwrap();
    let stored = labels::label_sets(store.connection()).unwrap();
    assert_eq!(stored, trawl_core::labels::default_sets());
}

#[test]
fn time_stamps_are_fixed_width_utc() {
    assert_eq!(labels::parse_time("2026-03-01T10:00:00+01:00").as_deref(), Some("2026-03-01T09:00:00.000000Z"));
    assert_eq!(labels::parse_time("2026-03-01T09:00:00.1234567Z").as_deref(), Some("2026-03-01T09:00:00.123456Z"));
    assert_eq!(labels::parse_time("2026-03-01 09:00"), None);
    assert_eq!(labels::now().len(), "2026-03-01T09:00:00.000000Z".len());
}
