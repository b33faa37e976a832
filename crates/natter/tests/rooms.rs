//! Rooms, membership and direct messages over real HTTP.

mod common;

use std::time::Duration;

use common::{connect_live, expect_frame, expect_none, spawn_app};
use natter_client::proto::{RoomKind, ServerFrame, Visibility};
use natter_client::{ClientError, History};

#[tokio::test]
async fn every_new_account_is_in_general() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let rooms = alice.rooms().await.unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(
        (rooms[0].name.as_str(), rooms[0].kind),
        ("general", RoomKind::Public)
    );
    let (bob, _) = app.user("bob").await;
    let members = bob.members(&rooms[0].id).await.unwrap();
    assert_eq!(members.len(), 2);
}

#[tokio::test]
async fn public_rooms_are_listed_for_everyone_and_can_be_joined_and_left() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = alice
        .create_room("rust", Some("crabs"), Visibility::Public)
        .await
        .unwrap();
    assert_eq!(
        (room.topic.as_str(), room.kind),
        ("crabs", RoomKind::Public)
    );
    assert!(bob.rooms().await.unwrap().iter().any(|r| r.id == room.id));
    let err = bob.send_message(&room.id, "hi", None).await.unwrap_err();
    assert_eq!(err.status(), Some(403), "members only may post");
    bob.join(&room.id).await.unwrap();
    bob.send_message(&room.id, "hi", None).await.unwrap();
    assert_eq!(alice.members(&room.id).await.unwrap().len(), 2);
    bob.leave(&room.id).await.unwrap();
    assert_eq!(alice.members(&room.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn public_room_names_are_unique_and_private_names_reveal_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    alice
        .create_room("Rust", None, Visibility::Public)
        .await
        .unwrap();
    alice
        .create_room("acquisition", None, Visibility::Private)
        .await
        .unwrap();
    // Bob learns nothing about alice's private room by picking the same name.
    bob.create_room("Acquisition", None, Visibility::Public)
        .await
        .unwrap();
    let dup = bob
        .create_room("rust", None, Visibility::Public)
        .await
        .unwrap_err();
    assert_eq!(
        (dup.status(), dup.code()),
        (Some(409), Some("room_name_taken"))
    );
    let empty = alice
        .create_room("  ", None, Visibility::Public)
        .await
        .unwrap_err();
    assert_eq!(
        (empty.status(), empty.code()),
        (Some(422), Some("invalid_room_name"))
    );
}

#[tokio::test]
async fn private_rooms_are_invisible_to_outsiders_until_a_member_adds_them() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, bob_user) = app.user("bob").await;
    let secret = alice
        .create_room("secret", None, Visibility::Private)
        .await
        .unwrap();
    alice
        .send_message(&secret.id, "classified", None)
        .await
        .unwrap();
    assert!(bob.rooms().await.unwrap().iter().all(|r| r.id != secret.id));
    for err in [
        bob.room(&secret.id).await.unwrap_err(),
        bob.join(&secret.id).await.unwrap_err(),
        bob.members(&secret.id).await.unwrap_err(),
        bob.messages(&secret.id, History::default())
            .await
            .unwrap_err(),
        bob.send_message(&secret.id, "let me in", None)
            .await
            .unwrap_err(),
        bob.add_member(&secret.id, &bob_user.id).await.unwrap_err(),
    ] {
        assert_eq!((err.status(), err.code()), (Some(404), Some("not_found")));
    }
    alice.add_member(&secret.id, &bob_user.id).await.unwrap();
    let history = bob.messages(&secret.id, History::default()).await.unwrap();
    assert_eq!(history.messages[0].body, "classified");
    assert!(bob.rooms().await.unwrap().iter().any(|r| r.id == secret.id));
}

#[tokio::test]
async fn a_dm_is_the_same_room_every_time_for_the_same_people() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (_, c) = app.user("carol").await;
    let first = alice.open_dm(&[&b.id]).await.unwrap();
    assert_eq!(first.kind, RoomKind::Dm);
    let again = bob.open_dm(&[&a.id, &b.id]).await.unwrap();
    assert_eq!(first.id, again.id, "same pair, same room, whoever opens it");
    let group = alice.open_dm(&[&c.id, &b.id]).await.unwrap();
    assert_ne!(group.id, first.id);
    assert_eq!(group, bob.open_dm(&[&a.id, &c.id]).await.unwrap());
}

#[tokio::test]
async fn a_dm_needs_one_to_eight_other_existing_users() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let mut ids = Vec::new();
    for i in 0..9 {
        ids.push(app.user(&format!("user{i}")).await.1.id);
    }
    let nine: Vec<&str> = ids.iter().map(String::as_str).collect();
    for bad in [&nine[..], &[], &["not-an-id"]] {
        let err = alice.open_dm(bad).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(422), Some("invalid_dm_members")),
            "{bad:?}"
        );
    }
    // An id that names nobody names nothing, as everywhere else.
    let err = alice.open_dm(&["999999"]).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some("not_found")));
    alice.open_dm(&nine[..8]).await.unwrap();
}

#[tokio::test]
async fn a_dm_with_only_yourself_is_your_own_notes_and_nobody_elses() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let notes = alice.open_dm(&[&a.id]).await.unwrap();
    assert_eq!(notes.kind, RoomKind::Dm);
    assert_eq!(notes.member_ids.as_deref(), Some(&[a.id.clone()][..]));
    assert_eq!(notes.name, "alice");
    assert_eq!(alice.open_dm(&[&a.id, &a.id]).await.unwrap().id, notes.id);
    alice
        .send_message(&notes.id, "remember the milk", None)
        .await
        .unwrap();
    let history = alice.messages(&notes.id, History::default()).await.unwrap();
    assert_eq!(history.messages[0].body, "remember the milk");
    // Bob's own notes are another room, and alice's stay hidden from him.
    let his = bob.open_dm(&[&b.id]).await.unwrap();
    assert_ne!(his.id, notes.id);
    let err = bob
        .messages(&notes.id, History::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert!(!bob.rooms().await.unwrap().iter().any(|r| r.id == notes.id));
}

#[tokio::test]
async fn a_third_user_cannot_read_or_write_a_dm_between_two_others() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_, b) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let dm = alice.open_dm(&[&b.id]).await.unwrap();
    alice
        .send_message(&dm.id, "just between us", None)
        .await
        .unwrap();
    let read = carol
        .messages(&dm.id, History::default())
        .await
        .unwrap_err();
    assert_eq!(read.status(), Some(404));
    let write = carol
        .send_message(&dm.id, "hello?", None)
        .await
        .unwrap_err();
    assert_eq!(write.status(), Some(404));
    assert_eq!(carol.leave(&dm.id).await.unwrap_err().status(), Some(404));
    assert!(carol.rooms().await.unwrap().iter().all(|r| r.id != dm.id));
}

/// The topic a `room` frame about room `id` carries, if it is one.
fn topic_in(frame: &ServerFrame, id: &str) -> Option<String> {
    match frame {
        ServerFrame::Room { room } if room.id == id => Some(room.topic.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn a_member_changes_the_topic_and_every_member_hears_of_it() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let team = alice
        .create_room("team", None, Visibility::Private)
        .await
        .unwrap();
    alice.add_member(&team.id, &b.id).await.unwrap();
    let (mut alice_ws, _) = connect_live(&alice).await;
    let (mut bob_ws, _) = connect_live(&bob).await;

    let changed = alice.set_topic(&team.id, "Weekly planning").await.unwrap();
    assert_eq!(
        (changed.id.as_str(), changed.topic.as_str()),
        (team.id.as_str(), "Weekly planning")
    );
    for ws in [&mut bob_ws, &mut alice_ws] {
        let frame = expect_frame(ws, "the room with its new topic", |f| {
            topic_in(f, &team.id).is_some()
        })
        .await;
        assert_eq!(
            topic_in(&frame, &team.id).as_deref(),
            Some("Weekly planning")
        );
    }
    assert_eq!(bob.room(&team.id).await.unwrap().topic, "Weekly planning");

    // Any member may change it, not only the owner; an empty topic clears it.
    let cleared = bob.set_topic(&team.id, "").await.unwrap();
    assert_eq!(cleared.topic, "");
    let frame = expect_frame(&mut alice_ws, "the room with its topic cleared", |f| {
        topic_in(f, &team.id).is_some()
    })
    .await;
    assert_eq!(topic_in(&frame, &team.id).as_deref(), Some(""));
}

#[tokio::test]
async fn setting_the_same_topic_again_announces_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let rust = alice
        .create_room("rust", Some("crabs"), Visibility::Public)
        .await
        .unwrap();
    bob.join(&rust.id).await.unwrap();
    let (mut bob_ws, _) = connect_live(&bob).await;
    let same = alice.set_topic(&rust.id, "  crabs ").await.unwrap();
    assert_eq!(same.topic, "crabs", "the topic is trimmed like at creation");
    expect_none(&mut bob_ws, Duration::from_millis(300), |f| {
        topic_in(f, &rust.id).is_some()
    })
    .await;
}

#[tokio::test]
async fn only_members_may_change_a_topic_and_dms_have_none() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let secret = alice
        .create_room("secret", Some("shh"), Visibility::Private)
        .await
        .unwrap();
    let open = alice
        .create_room("open", Some("welcome"), Visibility::Public)
        .await
        .unwrap();
    let dm = alice.open_dm(&[&b.id]).await.unwrap();

    let hidden = carol.set_topic(&secret.id, "mine now").await.unwrap_err();
    assert_eq!(
        (hidden.status(), hidden.code()),
        (Some(404), Some("not_found")),
        "a private room stays invisible to outsiders"
    );
    let outside = carol.set_topic(&open.id, "mine now").await.unwrap_err();
    assert_eq!(
        (outside.status(), outside.code()),
        (Some(403), Some("forbidden")),
        "a public room's outsiders must join first"
    );
    let direct = bob.set_topic(&dm.id, "us").await.unwrap_err();
    assert_eq!(
        (direct.status(), direct.code()),
        (Some(403), Some("forbidden"))
    );
    assert_eq!(alice.room(&secret.id).await.unwrap().topic, "shh");
    assert_eq!(alice.room(&open.id).await.unwrap().topic, "welcome");
    assert_eq!(alice.room(&dm.id).await.unwrap().topic, "");
}

#[tokio::test]
async fn an_overlong_topic_is_refused_with_a_clear_error_and_changes_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let team = alice
        .create_room("team", Some("short"), Visibility::Private)
        .await
        .unwrap();
    assert_eq!(
        alice
            .set_topic(&team.id, &"t".repeat(500))
            .await
            .unwrap()
            .topic
            .len(),
        500,
        "500 characters is the limit, inclusive"
    );
    for bad in ["t".repeat(501), "line\nbreak".to_owned()] {
        match alice.set_topic(&team.id, &bad).await.unwrap_err() {
            ClientError::Api {
                status,
                code,
                message,
            } => {
                // A topic that does not parse is refused like every invalid value (422).
                assert_eq!((status, code.as_str()), (422, "invalid_topic"));
                assert_eq!(
                    message,
                    "topic must be at most 500 characters without control characters"
                );
            }
            other => panic!("expected an error answer, got {other:?}"),
        }
    }
    assert_eq!(alice.room(&team.id).await.unwrap().topic, "t".repeat(500));
}
