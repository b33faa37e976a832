//! The WebSocket protocol against the real server: live delivery, acks, typing, presence,
//! resume, errors and origin checks.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{
    connect, expect_closed, expect_frame, expect_none, general, message_body, spawn_app,
    spawn_app_with, within,
};
use natter_client::proto::{ClientFrame, MemberEvent, ServerFrame, Visibility};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn send(room: &str, body: &str, client_id: &str) -> ClientFrame {
    ClientFrame::Send {
        room_id: room.to_owned(),
        body: body.to_owned(),
        client_id: Some(client_id.to_owned()),
        reply_to: None,
        attachments: Vec::new(),
    }
}

#[tokio::test]
async fn two_users_see_each_others_messages_live_on_every_session() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut a, ready) = connect(&alice).await;
    let (mut b1, _) = connect(&bob).await;
    let (mut b2, _) = connect(&bob).await;
    let room = general(&ready);
    a.send(&send(&room, "hi bob", "a1")).await.unwrap();
    let ack = expect_frame(&mut a, "ack", |f| matches!(f, ServerFrame::Ack { .. })).await;
    let ServerFrame::Ack { client_id, message } = ack else {
        unreachable!()
    };
    assert_eq!((client_id.as_deref(), message.seq), (Some("a1"), 1));
    for b in [&mut b1, &mut b2] {
        let got = expect_frame(b, "alice's message", |f| message_body(f).is_some()).await;
        assert_eq!(message_body(&got), Some("hi bob"));
    }
    bob.send_message(&room, "hi alice", None).await.unwrap();
    let got = expect_frame(&mut a, "bob's message", |f| message_body(f).is_some()).await;
    assert_eq!(message_body(&got), Some("hi alice"));
    expect_none(&mut a, Duration::from_millis(200), |f| {
        message_body(f) == Some("hi bob")
    })
    .await;
}

#[tokio::test]
async fn a_retried_websocket_send_is_acked_with_the_original_and_delivered_once() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut a, ready) = connect(&alice).await;
    let (mut b, _) = connect(&bob).await;
    let room = general(&ready);
    for _ in 0..2 {
        a.send(&send(&room, "only once", "same-id")).await.unwrap();
        let ack = expect_frame(&mut a, "ack", |f| matches!(f, ServerFrame::Ack { .. })).await;
        let ServerFrame::Ack { message, .. } = ack else {
            unreachable!()
        };
        assert_eq!(message.seq, 1);
    }
    expect_frame(&mut b, "the message", |f| {
        message_body(f) == Some("only once")
    })
    .await;
    expect_none(&mut b, Duration::from_millis(300), |f| {
        message_body(f).is_some()
    })
    .await;
    let history = bob.messages(&room, Default::default()).await.unwrap();
    assert_eq!(history.messages.len(), 1);
}

#[tokio::test]
async fn a_third_user_does_not_receive_a_dm_between_two_others() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let (mut bob_ws, _) = connect(&bob).await;
    let (mut carol_ws, _) = connect(&carol).await;
    let dm = alice.open_dm(&[&b.id]).await.unwrap();
    alice.send_message(&dm.id, "psst", None).await.unwrap();
    expect_frame(&mut bob_ws, "the dm", |f| message_body(f) == Some("psst")).await;
    expect_none(&mut carol_ws, Duration::from_millis(300), |f| {
        message_body(f).is_some() || matches!(f, ServerFrame::Room { .. })
    })
    .await;
    carol_ws.send(&send(&dm.id, "me too", "c1")).await.unwrap();
    let err = expect_frame(&mut carol_ws, "error", |f| {
        matches!(f, ServerFrame::Error { .. })
    })
    .await;
    let ServerFrame::Error {
        code, client_id, ..
    } = err
    else {
        unreachable!()
    };
    assert_eq!(
        (code.as_str(), client_id.as_deref()),
        ("not_found", Some("c1"))
    );
}

#[tokio::test]
async fn room_and_member_events_reach_the_people_concerned() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (mut a, _) = connect(&alice).await;
    let (mut bws, _) = connect(&bob).await;
    let team = alice
        .create_room("team", None, Visibility::Private)
        .await
        .unwrap();
    expect_frame(
        &mut a,
        "own new room",
        |f| matches!(f, ServerFrame::Room { room } if room.id == team.id),
    )
    .await;
    alice.add_member(&team.id, &b.id).await.unwrap();
    expect_frame(
        &mut bws,
        "room appears for bob",
        |f| matches!(f, ServerFrame::Room { room } if room.id == team.id),
    )
    .await;
    expect_frame(&mut a, "bob joined", |f| {
        matches!(f, ServerFrame::Member { user_id, event: MemberEvent::Joined, .. } if *user_id == b.id)
    })
    .await;
    bob.leave(&team.id).await.unwrap();
    expect_frame(&mut a, "bob left", |f| {
        matches!(f, ServerFrame::Member { user_id, event: MemberEvent::Left, .. } if *user_id == b.id)
    })
    .await;
}

#[tokio::test]
async fn typing_is_relayed_and_ends_by_itself() {
    let app = spawn_app_with(|s| s.typing_ttl_ms = Some(400)).await;
    let (alice, a_user) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut a, ready) = connect(&alice).await;
    let (mut b, _) = connect(&bob).await;
    let room = general(&ready);
    a.send(&ClientFrame::Typing {
        room_id: room.clone(),
        active: true,
    })
    .await
    .unwrap();
    let is_typing = |active: bool| {
        let uid = a_user.id.clone();
        move |f: &ServerFrame| matches!(f, ServerFrame::Typing { user_id, active: x, .. } if *user_id == uid && *x == active)
    };
    expect_frame(&mut b, "typing started", is_typing(true)).await;
    expect_frame(&mut b, "typing expired", is_typing(false)).await;
    a.send(&ClientFrame::Typing {
        room_id: room.clone(),
        active: true,
    })
    .await
    .unwrap();
    expect_frame(&mut b, "typing again", is_typing(true)).await;
    a.send(&send(&room, "done typing", "t1")).await.unwrap();
    expect_frame(&mut b, "sending ends typing", is_typing(false)).await;
}

#[tokio::test]
async fn presence_follows_the_last_session_and_keeps_last_seen() {
    let app = spawn_app().await;
    let (alice, a_user) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut b, _) = connect(&bob).await;
    let (a1, ready) = connect(&alice).await;
    let ServerFrame::Ready { online, .. } = &ready else {
        unreachable!()
    };
    assert!(online.contains(&a_user.id));
    let presence = |on: bool| {
        let uid = a_user.id.clone();
        move |f: &ServerFrame| matches!(f, ServerFrame::Presence { user_id, online } if *user_id == uid && *online == on)
    };
    expect_frame(&mut b, "alice online", presence(true)).await;
    let (a2, _) = connect(&alice).await;
    a1.close().await.unwrap();
    expect_none(&mut b, Duration::from_millis(300), presence(false)).await;
    a2.close().await.unwrap();
    expect_frame(&mut b, "alice offline", presence(false)).await;
    let members = bob.members(&general(&ready)).await.unwrap();
    let seen = members.iter().find(|u| u.id == a_user.id).unwrap();
    assert!(seen.last_seen.is_some(), "last_seen is kept");
}

#[tokio::test]
async fn a_reconnect_with_sync_yields_exactly_the_missed_messages_then_live_ones() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut b, ready) = connect(&bob).await;
    let room = general(&ready);
    for i in 1..=3 {
        alice
            .send_message(&room, &format!("m{i}"), None)
            .await
            .unwrap();
        expect_frame(&mut b, "live", |f| message_body(f).is_some()).await;
    }
    b.close().await.unwrap();
    for i in 4..=8 {
        alice
            .send_message(&room, &format!("m{i}"), None)
            .await
            .unwrap();
    }
    let (mut b, _) = connect(&bob).await;
    // A message lands between the reconnect and the sync: it must arrive exactly once.
    alice.send_message(&room, "m9", None).await.unwrap();
    let since = BTreeMap::from([(room.clone(), 3)]);
    b.send(&ClientFrame::Sync {
        since,
        revs: Default::default(),
    })
    .await
    .unwrap();
    alice.send_message(&room, "m10", None).await.unwrap();
    let mut bodies = Vec::new();
    within("replay and live", async {
        while bodies.len() < 7 {
            if let Some(body) = b
                .next_frame()
                .await
                .unwrap()
                .as_ref()
                .and_then(message_body)
            {
                bodies.push(body.to_owned());
            }
        }
    })
    .await;
    let expected: Vec<String> = (4..=10).map(|i| format!("m{i}")).collect();
    assert_eq!(bodies, expected, "in order, no gap, no duplicate");
    expect_none(&mut b, Duration::from_millis(300), |f| {
        message_body(f).is_some()
    })
    .await;
}

#[tokio::test]
async fn sync_answers_synced_and_refuses_rooms_the_user_is_not_in() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, b_user) = app.user("bob").await;
    let secret = alice
        .create_room("secret", None, Visibility::Private)
        .await
        .unwrap();
    alice
        .send_message(&secret.id, "hidden", None)
        .await
        .unwrap();
    let (mut b, _) = connect(&bob).await;
    let since = BTreeMap::from([(secret.id.clone(), 0)]);
    b.send(&ClientFrame::Sync {
        since,
        revs: Default::default(),
    })
    .await
    .unwrap();
    let err = expect_frame(&mut b, "error", |f| matches!(f, ServerFrame::Error { .. })).await;
    assert!(matches!(err, ServerFrame::Error { code, .. } if code == "not_found"));
    expect_frame(&mut b, "synced", |f| {
        matches!(f, ServerFrame::Synced { .. })
    })
    .await;
    assert!(!b_user.id.is_empty());
}

#[tokio::test]
async fn malformed_and_unknown_frames_get_an_error_and_the_connection_stays_open() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (mut a, ready) = connect(&alice).await;
    let cases = [
        ("not json", "malformed_frame"),
        ("[1,2]", "malformed_frame"),
        (r#"{"type":"dance"}"#, "unknown_type"),
        (r#"{"type":"send","room_id":"1"}"#, "invalid_frame"),
        (
            r#"{"type":"send","room_id":"1","body":"   "}"#,
            "invalid_body",
        ),
        (
            r#"{"type":"typing","room_id":"999","active":true}"#,
            "not_found",
        ),
    ];
    for (text, expected) in cases {
        a.send_raw(text).await.unwrap();
        let err = expect_frame(&mut a, "error", |f| matches!(f, ServerFrame::Error { .. })).await;
        assert!(
            matches!(&err, ServerFrame::Error { code, .. } if code == expected),
            "{text}: {err:?}"
        );
    }
    a.send(&ClientFrame::Ping).await.unwrap();
    expect_frame(&mut a, "pong", |f| matches!(f, ServerFrame::Pong)).await;
    a.send(&send(&general(&ready), "still here", "s1"))
        .await
        .unwrap();
    expect_frame(&mut a, "ack", |f| matches!(f, ServerFrame::Ack { .. })).await;
}

#[tokio::test]
async fn an_oversized_websocket_message_closes_with_1009() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (mut a, _) = connect(&alice).await;
    a.send_raw(&"x".repeat(200_000)).await.unwrap();
    assert_eq!(expect_closed(&mut a, "close").await, Some(1009));
}

#[tokio::test]
async fn an_upgrade_needs_a_valid_session() {
    let app = spawn_app().await;
    let stale = app.client().with_token("0".repeat(64));
    let err = stale.connect().await.err().expect("refused");
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn a_cross_site_cookie_upgrade_is_refused_and_a_same_site_one_accepted() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let cookie = format!("natter_session={}", alice.token().unwrap());
    let attempt = |origin: String| {
        let mut req = format!("ws://{}/api/v1/ws", app.addr)
            .into_client_request()
            .unwrap();
        req.headers_mut().insert("cookie", cookie.parse().unwrap());
        req.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    let refused = attempt("https://evil.example".into())
        .await
        .expect_err("refused");
    assert!(refused.to_string().contains("403"), "{refused}");
    let (mut ok, _) = attempt(format!("http://{}", app.addr))
        .await
        .expect("own origin is fine");
    use futures_util::StreamExt;
    let first = ok.next().await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains("\"type\":\"ready\""));
}

#[tokio::test]
async fn logging_out_closes_that_sessions_websockets() {
    let app = spawn_app().await;
    let (mut alice, _) = app.user("alice").await;
    let (mut a, _) = connect(&alice).await;
    alice.logout().await.unwrap();
    let code = expect_closed(&mut a, "close after logout").await;
    assert_eq!(code, Some(natter_client::proto::CLOSE_SESSION_ENDED));
}
