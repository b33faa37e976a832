//! The SQLite back-end passes the shared storage conformance suite.

use std::sync::Arc;

use natter_core::Store;
use natter_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_passes_the_conformance_suite() {
    let dirs = std::sync::Mutex::new(Vec::new());
    natter_core::testkit::conformance(|| {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("natter.db")).unwrap();
        dirs.lock().unwrap().push(dir);
        async move { Arc::new(store) as Arc<dyn Store> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_a_database_keeps_its_data_and_does_not_rerun_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("natter.db");
    let store = SqliteStore::open(&path).unwrap();
    let user = natter_core::NewUser {
        username: natter_core::Username::parse("alice").unwrap(),
        display_name: "Alice".into(),
        password_hash: "h".into(),
        invite: None,
        default_rooms: None,
    };
    let alice = store.create_user(user).await.unwrap();
    drop(store);
    let reopened = SqliteStore::open(&path).unwrap();
    let rooms = reopened.member_rooms(alice.id).await.unwrap();
    assert_eq!(
        rooms.len(),
        1,
        "general exists once and alice is still in it"
    );
}
