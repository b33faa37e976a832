//! Conformance of the newest page's version: anything the newest page shows changes it.

use std::sync::Arc;

use super::{append, edit, msg, react, room, user};
use crate::{
    FileName, MessageChange, NewFile, PageVersion, RoomId, RoomKind, Store, Timestamp, Toggle,
};

async fn version(s: &dyn Store, room: RoomId) -> PageVersion {
    s.page_version(room)
        .await
        .unwrap()
        .expect("the room exists")
}

/// Asserts that what was just done gave `room` a version it never had, and remembers it.
async fn changed(s: &dyn Store, room: RoomId, seen: &mut Vec<PageVersion>, what: &str) {
    let now = version(s, room).await;
    assert!(!seen.contains(&now), "{what} left the version at {now:?}");
    assert_eq!(version(s, room).await, now, "read twice, unchanged");
    seen.push(now);
}

pub(super) async fn the_page_version_changes_with_everything_the_newest_page_shows(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let r = room(s, a, "pages", RoomKind::Public).await;
    s.add_member(r, b).await.unwrap();
    let mut seen = vec![version(s, r).await];

    let first = append(s, msg(r, a, "first", None)).await;
    changed(s, r, &mut seen, "a new message").await;
    s.change_message(first.id, edit("first, edited"))
        .await
        .unwrap();
    changed(s, r, &mut seen, "an edit").await;
    s.change_message(first.id, react(b, "👍", Toggle::On))
        .await
        .unwrap();
    changed(s, r, &mut seen, "a reaction").await;
    let pin = MessageChange::Pin { on: Toggle::On };
    s.change_message(first.id, pin).await.unwrap();
    changed(s, r, &mut seen, "a pin").await;
    let mut reply = msg(r, b, "a reply", None);
    reply.reply_to = Some(first.id);
    append(s, reply).await;
    changed(s, r, &mut seen, "a reply").await;

    // Bob's file, attached to a message, goes with his account: no seq or rev shows it.
    let file = NewFile {
        owner: b,
        name: FileName::parse("b.png").unwrap(),
        content_type: "image/png".into(),
        size: 10,
        image: None,
        blob: "blob-b".into(),
    };
    let file = s.create_file(file, 1_000).await.unwrap();
    let mut with_file = msg(r, b, "see attached", None);
    with_file.attachments = vec![file.id];
    append(s, with_file).await;
    changed(s, r, &mut seen, "a message with a file").await;
    s.delete_user(b, false, Timestamp::now()).await.unwrap();
    changed(s, r, &mut seen, "an attached file deleted").await;

    // A deleted room's id may be given to the next room: the new room's version is new.
    let gone = room(s, a, "gone", RoomKind::Public).await;
    let before = version(s, gone).await;
    s.delete_room(gone).await.unwrap();
    assert_eq!(s.page_version(gone).await.unwrap(), None);
    let next = room(s, a, "next", RoomKind::Public).await;
    assert_ne!(version(s, next).await, before, "room {gone} then {next}");
}
