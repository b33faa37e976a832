//! The SQLite back-end's own checks, beside the conformance suite: query plans, the
//! checkpointer, and how durable the writer's commits are.

use super::*;
use natter_core::RoomId;

/// An account named `name`, for stores under test.
fn new_user(name: &str) -> natter_core::NewUser {
    natter_core::NewUser {
        username: natter_core::Username::parse(name).unwrap(),
        display_name: name.into(),
        password_hash: "h".into(),
        invite: None,
        default_rooms: None,
    }
}

fn writer_sync(store: &SqliteStore) -> i64 {
    let writer = store.inner.writer.lock().unwrap();
    writer
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap()
}

#[test]
fn loading_a_room_reads_its_staff_not_all_its_members() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let writer = store.inner.writer.lock().unwrap();
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT {} FROM rooms WHERE id = 1",
        rows::ROOM_COLS
    );
    let mut stmt = writer.prepare(&sql).unwrap();
    let plan: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let members: Vec<&String> = plan.iter().filter(|p| p.starts_with("SEARCH s ")).collect();
    assert_eq!(members.len(), 2, "{plan:?}");
    for step in members {
        assert!(
            step.contains("INDEX room_members_"),
            "a scan of the members: {step}"
        );
    }
}

/// Commits leave the copying of the log into the database file to the checkpointer's
/// thread: the writer's own threshold is far beyond these few writes, yet they reach the
/// file.
#[tokio::test]
async fn the_checkpointer_copies_the_log_into_the_database_file() {
    use natter_core::Store;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let store = SqliteStore::open(&path).unwrap();
    let size = || std::fs::metadata(&path).unwrap().len();
    let before = size();
    store.create_user(new_user("alice")).await.unwrap();
    let mut waited = 0;
    while size() == before && waited < 100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    assert!(size() > before, "nothing reached the database file in 10 s");
    // And it keeps up: a write after a checkpoint is checkpointed too.
    let grown = size();
    for i in 0..200 {
        store
            .create_user(new_user(&format!("user{i}")))
            .await
            .unwrap();
    }
    let mut waited = 0;
    while size() == grown && waited < 100 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    assert!(
        size() > grown,
        "later writes never reached the database file"
    );
    // Closing the store ends the thread and its connection: the file can be restored.
    drop(store);
    assert!(maintenance::lock_exclusive(&path).unwrap().is_some());
}

/// `ready` lists a person's rooms, and the people who hear of their presence, from their
/// memberships, whatever number of rooms and members the server has.
#[test]
fn a_persons_rooms_are_found_from_their_memberships_not_by_testing_every_room() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let writer = store.inner.writer.lock().unwrap();
    for sql in [&*rooms::MEMBER_ROOMS_SQL, rooms::PRESENCE_PEERS_SQL] {
        let mut stmt = writer
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let plan: Vec<String> = stmt
            .query_map(
                rusqlite::params_from_iter([1, 250].iter().take(stmt.parameter_count())),
                |r| r.get::<_, String>(3),
            )
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(plan[0].starts_with("SEARCH mine USING"), "{plan:?}");
        assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "{plan:?}");
    }
}

/// A statement that SQLite prepares again on every run costs as much as the query itself
/// (it was 11% of the server's CPU serving history pages).
#[test]
fn history_statements_are_not_prepared_again_on_every_run() {
    use rusqlite::StatementStatus;
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let writer = store.inner.writer.lock().unwrap();
    for (room, before) in [(1, i64::MAX), (2, 40), (1, 7), (3, i64::MAX)] {
        messages::before(&writer, RoomId(room), before, 51).unwrap();
        messages::after(&writer, RoomId(room), before / 2, 51).unwrap();
    }
    for sql in [&*messages::BEFORE_SQL, &*messages::AFTER_SQL] {
        let stmt = writer.prepare_cached(sql).unwrap();
        assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{sql}");
    }
}

/// New messages join the full-text index at the end of their batch, whether the batch
/// went through at once or item by item after an item failed.
#[tokio::test]
async fn every_stored_message_is_indexed_once() {
    use natter_core::{MessageBody, MessageId, NewMessage, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let alice = store.create_user(new_user("alice")).await.unwrap().id;
    let room = store.member_rooms(alice).await.unwrap()[0].id;
    let msg = |body: &str, reply_to: Option<MessageId>| NewMessage {
        room_id: room,
        sender_id: alice,
        body: MessageBody::parse(body).unwrap(),
        html: String::new(),
        client_id: None,
        reply_to,
        mentions: Vec::new(),
        mentions_room: false,
        attachments: Vec::new(),
    };
    let at_once = vec![msg("apple one", None), msg("apple two", None)];
    assert!(store
        .append_messages(at_once)
        .await
        .unwrap()
        .iter()
        .all(Result::is_ok));
    let one_failing = vec![
        msg("apple three", None),
        msg("apple nowhere", Some(MessageId(999))),
        msg("apple four", None),
    ];
    let outcomes = store.append_messages(one_failing).await.unwrap();
    assert!(outcomes[1].is_err());
    let writer = store.inner.writer.lock().unwrap();
    let matches = |word: &str| -> i64 {
        writer
            .query_row(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
                [word],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(matches("apple"), 4);
    assert_eq!(
        (matches("two"), matches("four"), matches("nowhere")),
        (1, 1, 0)
    );
}

#[test]
fn the_writer_syncs_every_commit_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let full = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    assert_eq!(writer_sync(&full), 2, "FULL");
    let normal = SqliteStore::open_with(&dir.path().join("b.db"), Synchronous::Normal).unwrap();
    assert_eq!(writer_sync(&normal), 1, "NORMAL");
}

/// A read mark commits without its own fsync, and the next durable write is durable again,
/// even after a read mark that failed.
#[tokio::test]
async fn after_a_read_mark_the_next_durable_write_is_durable_again() {
    use natter_core::{NewRoom, RoomKind, Store};
    let dir = tempfile::tempdir().unwrap();
    // (file, how the store was opened, FULL (2) or NORMAL (1) after a mark, after a write)
    for (name, sync, after_mark, after_write) in [
        ("a.db", Synchronous::Full, 1, 2),
        ("b.db", Synchronous::Normal, 1, 1),
    ] {
        let path = dir.path().join(name);
        let store = SqliteStore::open_with(&path, sync).unwrap();
        let user = store.create_user(new_user("alice")).await.unwrap();
        assert_eq!(writer_sync(&store), after_write, "{name} at first");
        let room = store
            .create_room(NewRoom {
                name: "lobby".into(),
                topic: String::new(),
                kind: RoomKind::Public,
                creator: user.id,
            })
            .await
            .unwrap();
        store.mark_read(room.id, user.id, 0).await.unwrap();
        assert_eq!(writer_sync(&store), after_mark, "{name} after a mark");
        store.create_user(new_user("bob")).await.unwrap();
        assert_eq!(writer_sync(&store), after_write, "{name} after a write");
        // Not a member: the mark fails; the next write is still durable.
        let other = RoomId(room.id.0 + 1000);
        assert!(store.mark_read(other, user.id, 0).await.is_err());
        store.create_user(new_user("carol")).await.unwrap();
        assert_eq!(
            writer_sync(&store),
            after_write,
            "{name} after a failed mark"
        );
    }
}

#[test]
fn the_full_text_index_merges_lazily_and_never_all_at_once_in_a_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
    let writer = store.inner.writer.lock().unwrap();
    let setting = |key: &str| -> i64 {
        writer
            .query_row(
                "SELECT v FROM messages_fts_config WHERE k = ?1",
                [key],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(setting("automerge"), 16);
    assert_eq!(setting("crisismerge"), 64);
    assert_eq!(setting("secure-delete"), 1, "set by an earlier migration");
}

/// A send's standing is kept between writes of this store: a change made by another process
/// (here another store on the same file) shows once the kept one is older than its time to
/// live, and a change made through this store shows at once.
#[tokio::test]
async fn kept_standings_see_other_processes_after_their_time_to_live() {
    use natter_core::{NewRoom, RoomKind, Store, Timestamp};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let server = SqliteStore::open(&path).unwrap();
    let other = SqliteStore::open(&path).unwrap();
    let alice = server.create_user(new_user("alice")).await.unwrap().id;
    let bob = server.create_user(new_user("bob")).await.unwrap().id;
    let room = server
        .create_room(NewRoom {
            name: "r".into(),
            topic: String::new(),
            kind: RoomKind::Public,
            creator: alice,
        })
        .await
        .unwrap()
        .id;
    assert!(server.add_member(room, bob).await.unwrap());
    let now = Timestamp::now();
    let member = async |at: i64| {
        let standing = server.standing(room, bob, Timestamp(at)).await.unwrap();
        standing.unwrap().member
    };
    assert!(member(now.0).await);
    assert!(other.remove_member(room, bob).await.unwrap());
    assert!(member(now.0 + 1).await, "kept: another process's change");
    let ttl = standings::TTL_MS;
    assert!(!member(now.0 + ttl).await, "read again when too old");
    assert!(server.add_member(room, bob).await.unwrap());
    assert!(
        member(now.0 + ttl + 1).await,
        "this store's change, at once"
    );
}
