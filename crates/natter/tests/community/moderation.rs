//! Moderating a room: kick, ban, mute and slow mode, live for everyone concerned.

use natter_client::proto::{ClientFrame, MemberEvent, RoomRole, ServerFrame, Visibility};
use natter_client::{AuditFilter, Client, History};

use crate::common::{connect_live, expect_frame, refused, spawn_app, TestApp};

/// A server with an admin `root`, and a public room owned by `owner` where `mod` moderates and
/// `member` and `other` are members. Returns the clients in that order, and the room id.
async fn moderated_room(app: &TestApp) -> (Vec<(Client, String)>, String) {
    app.user("root").await;
    let mut people = Vec::new();
    for name in ["owner", "mod", "member", "other"] {
        let (client, user) = app.user(name).await;
        people.push((client, user.id));
    }
    let room = people[0]
        .0
        .create_room("town square", None, Visibility::Public)
        .await
        .unwrap();
    for (client, _) in &people[1..] {
        client.join(&room.id).await.unwrap();
    }
    people[0]
        .0
        .set_room_role(&room.id, &people[1].1, RoomRole::Moderator)
        .await
        .unwrap();
    (people, room.id)
}

#[tokio::test]
async fn a_kicked_member_loses_the_room_live_and_may_come_back() {
    let app = spawn_app().await;
    let (people, room) = moderated_room(&app).await;
    let [(owner, owner_id), (moderator, mod_id), (member, member_id), (other, _)] = &people[..]
    else {
        unreachable!()
    };
    let (mut member_ws, _) = connect_live(member).await;
    let (mut other_ws, _) = connect_live(other).await;

    // Plain members kick nobody; a moderator kicks neither the owner nor another moderator.
    assert_eq!(refused(member.kick(&room, owner_id, "").await).0, 403);
    assert_eq!(refused(moderator.kick(&room, owner_id, "").await).0, 403);
    assert_eq!(refused(moderator.kick(&room, mod_id, "").await).0, 403);

    moderator.kick(&room, member_id, "off topic").await.unwrap();
    for ws in [&mut member_ws, &mut other_ws] {
        expect_frame(ws, "the kick", |f| {
            matches!(f, ServerFrame::Member { user_id, event: MemberEvent::Kicked, .. } if user_id == member_id)
        })
        .await;
    }
    let members = owner.members(&room).await.unwrap();
    assert!(!members.iter().any(|m| &m.id == member_id));
    let send = member.send_message(&room, "still here?", None).await;
    assert_eq!(refused(send).0, 403, "no longer a member");
    assert_eq!(
        refused(moderator.kick(&room, member_id, "").await).0,
        404,
        "not a member now"
    );
    member.join(&room).await.expect("a kick is not a ban");
}

#[tokio::test]
async fn a_banned_user_cannot_rejoin_even_a_public_room_until_unbanned() {
    let app = spawn_app().await;
    let (people, room) = moderated_room(&app).await;
    let [(owner, _), (moderator, _), (member, member_id), _] = &people[..] else {
        unreachable!()
    };
    let (mut member_ws, _) = connect_live(member).await;
    let ban = moderator
        .ban(&room, member_id, None, "spam links")
        .await
        .unwrap();
    assert!(ban.until.is_none(), "for good");
    expect_frame(&mut member_ws, "the ban", |f| {
        matches!(f, ServerFrame::Member { user_id, event: MemberEvent::Banned, .. } if user_id == member_id)
    })
    .await;
    let rejoin = member.join(&room).await;
    assert_eq!(refused(rejoin), (403, "banned".into()));
    let add = owner.add_member(&room, member_id).await;
    assert_eq!(refused(add), (403, "banned".into()));
    let listed = moderator.sanctions(&room, "bans").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].reason, "spam links");
    assert_eq!(refused(member.sanctions(&room, "bans").await).0, 403);

    // A timed ban says until when.
    moderator
        .ban(&room, member_id, Some(3600), "cool off")
        .await
        .unwrap();
    let err = member.join(&room).await.unwrap_err().to_string();
    assert!(err.contains("banned from this room until 20"), "{err}");
    let too_long = moderator.ban(&room, member_id, Some(0), "").await;
    assert_eq!(refused(too_long), (422, "invalid_duration".into()));

    moderator.unban(&room, member_id).await.unwrap();
    member.join(&room).await.unwrap();
}

#[tokio::test]
async fn a_muted_member_reads_but_every_post_is_refused_with_the_time_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (people, room) = moderated_room(&app).await;
    let [(owner, _), (moderator, _), (member, member_id), _] = &people[..] else {
        unreachable!()
    };
    let said = owner
        .send_message(&room, "hello all", None)
        .await
        .unwrap()
        .0;
    let (mut member_ws, _) = connect_live(member).await;
    let mute = moderator
        .mute(&room, member_id, 600, "calm down")
        .await
        .unwrap();
    let until = mute.until.clone().expect("a mute has an end");
    expect_frame(
        &mut member_ws,
        "the mute",
        |f| matches!(f, ServerFrame::Muted { user_id, muted: true, .. } if user_id == member_id),
    )
    .await;

    let before = owner.messages(&room, History::default()).await.unwrap();
    let rest = member.send_message(&room, "let me speak", None).await;
    let err = rest.unwrap_err().to_string();
    assert!(
        err.contains("muted") && err.contains(&until),
        "{err} names {until}"
    );
    assert_eq!(
        refused(member.react(&said.id, "👍").await),
        (403, "muted".into())
    );
    // Over the WebSocket too: the error carries the client_id and the time.
    member_ws
        .send(&ClientFrame::Send {
            room_id: room.clone(),
            body: "over the socket".into(),
            client_id: Some("m-1".into()),
            reply_to: None,
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    let refusal = expect_frame(
        &mut member_ws,
        "the refusal",
        |f| matches!(f, ServerFrame::Error { client_id: Some(c), .. } if c == "m-1"),
    )
    .await;
    let ServerFrame::Error { code, message, .. } = refusal else {
        unreachable!()
    };
    assert_eq!(code, "muted");
    assert!(message.contains(&until));
    let after = owner.messages(&room, History::default()).await.unwrap();
    assert_eq!(
        after.messages.len(),
        before.messages.len(),
        "nothing stored"
    );
    // Reading goes on.
    member.messages(&room, History::default()).await.unwrap();

    moderator.unmute(&room, member_id).await.unwrap();
    expect_frame(
        &mut member_ws,
        "the unmute",
        |f| matches!(f, ServerFrame::Muted { user_id, muted: false, .. } if user_id == member_id),
    )
    .await;
    member.send_message(&room, "thank you", None).await.unwrap();
}

#[tokio::test]
async fn slow_mode_refuses_a_second_message_until_the_wait_is_over_and_spares_moderators() {
    let app = spawn_app().await;
    let (people, room) = moderated_room(&app).await;
    let [(_, _), (moderator, _), (member, _), _] = &people[..] else {
        unreachable!()
    };
    assert_eq!(refused(member.set_slow_mode(&room, 5).await).0, 403);
    let slow = moderator.set_slow_mode(&room, 1).await.unwrap();
    assert_eq!(slow.slow_mode_secs, 1);
    let bad = moderator.set_slow_mode(&room, 7200).await;
    assert_eq!(refused(bad), (422, "invalid_duration".into()));

    member.send_message(&room, "first", None).await.unwrap();
    let second = member.send_message(&room, "second", None).await;
    let err = second.unwrap_err();
    let text = err.to_string();
    assert_eq!(refused::<()>(Err(err)).0, 429);
    assert!(text.contains("post again at"), "{text}");
    // The moderator is never held back.
    moderator
        .send_message(&room, "mod one", None)
        .await
        .unwrap();
    moderator
        .send_message(&room, "mod two", None)
        .await
        .unwrap();
    // After the wait (one second here, by wall clock: the rule is about real time), it goes.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    member.send_message(&room, "second", None).await.unwrap();
    moderator.set_slow_mode(&room, 0).await.unwrap();
    member.send_message(&room, "third", None).await.unwrap();
}

#[tokio::test]
async fn every_moderation_action_is_in_the_audit_log() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (people, room) = {
        // `moderated_room` registers root itself; here root is already the admin.
        let mut people = Vec::new();
        for name in ["owner", "mod", "member"] {
            let (client, user) = app.user(name).await;
            people.push((client, user.id));
        }
        let room = people[0]
            .0
            .create_room("audited", None, Visibility::Public)
            .await
            .unwrap();
        people[1].0.join(&room.id).await.unwrap();
        people[2].0.join(&room.id).await.unwrap();
        (people, room.id)
    };
    let (owner, member_id) = (&people[0].0, &people[2].1);
    owner.mute(&room, member_id, 60, "one").await.unwrap();
    owner.unmute(&room, member_id).await.unwrap();
    owner.set_slow_mode(&room, 10).await.unwrap();
    owner.kick(&room, member_id, "two").await.unwrap();
    owner
        .ban(&room, member_id, Some(60), "three")
        .await
        .unwrap();
    owner.unban(&room, member_id).await.unwrap();
    let log = root
        .audit(&AuditFilter {
            room: Some(&room),
            ..Default::default()
        })
        .await
        .unwrap()
        .entries;
    let kinds: Vec<&str> = log.iter().rev().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "muted",
            "unmuted",
            "slow_mode",
            "kicked",
            "banned",
            "unbanned"
        ]
    );
    assert!(log
        .iter()
        .all(|e| e.actor_id.as_deref() == Some(people[0].1.as_str())));
}
