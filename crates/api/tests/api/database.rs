//! The database behind the API: notices about its index reach the app through `db_info`.

use trawl_api::protocol::{Empty, Methods};
use trawl_api::Service;

use crate::support::{data, library};

#[test]
fn db_info_carries_the_notice_of_an_index_rebuilt_because_it_belonged_to_another_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = data(dir.path(), 8, 3);
    drop(library(dir.path(), "t.db", &file, "alice"));
    // Start over: the database file goes, its index folder stays.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("t.db{suffix}")));
    }
    let service = Service::open(&dir.path().join("t.db")).unwrap();
    let info = service.db_info(Empty {}).unwrap();
    assert_eq!((info.stats.trajectories, info.stats.indexed), (0, 0), "{:?}", info.stats);
    assert_eq!(info.notices.len(), 1, "{:?}", info.notices);
    assert!(info.notices[0].contains("rebuilt") && info.notices[0].contains("another database"), "{:?}", info.notices);
    // A notice is given once.
    assert!(service.db_info(Empty {}).unwrap().notices.is_empty());
}
