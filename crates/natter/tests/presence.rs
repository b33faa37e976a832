//! Presence at scale: who hears whom come and go, watching, and a crowd connecting at once.

mod common;

use common::{connect, connect_live, expect_frame, general, message_body, spawn_app_with, within};
use natter_client::proto::Visibility;
use natter_client::proto::{ClientFrame, ServerFrame};
use natter_client::{Client, Connection};

fn presence_of(uid: &str, on: bool) -> impl Fn(&ServerFrame) -> bool + '_ {
    move |f| matches!(f, ServerFrame::Presence { user_id, online } if user_id == uid && *online == on)
}

fn watch(ids: &[&str]) -> ClientFrame {
    ClientFrame::WatchPresence {
        user_ids: ids.iter().map(|id| id.to_string()).collect(),
    }
}

/// Reads frames up to the first that matches `marker` and returns those before it.
async fn frames_before(
    conn: &mut Connection,
    what: &str,
    marker: impl Fn(&ServerFrame) -> bool,
) -> Vec<ServerFrame> {
    within(what, async {
        let mut before = Vec::new();
        loop {
            match conn.next_frame().await.expect("frame decodes") {
                Some(frame) if marker(&frame) => return before,
                Some(frame) => before.push(frame),
                None => panic!("closed while waiting for {what}"),
            }
        }
    })
    .await
}

fn online_ids(ready: &ServerFrame) -> Vec<String> {
    match ready {
        ServerFrame::Ready { online, .. } => online.clone(),
        other => panic!("not ready: {other:?}"),
    }
}

#[tokio::test]
async fn presence_reaches_people_in_small_rooms_and_watchers_but_not_a_big_rooms_crowd() {
    // #general, with four members, counts as big here.
    let app = spawn_app_with(|s| s.presence_room_limit = Some(3)).await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let (dave, d) = app.user("dave").await;
    let pair = alice
        .create_room("pair", None, Visibility::Private)
        .await
        .unwrap();
    alice.add_member(&pair.id, &b.id).await.unwrap();

    let (mut bob_ws, bob_ready) = connect_live(&bob).await;
    assert_eq!(
        online_ids(&bob_ready),
        std::slice::from_ref(&b.id),
        "only oneself is online"
    );
    let (mut carol_ws, _) = connect_live(&carol).await;
    let (mut dave_ws, _) = connect_live(&dave).await;
    // Dave watches alice: he hears where she is now (offline), then every change.
    dave_ws.send(&watch(&[&a.id])).await.unwrap();
    expect_frame(
        &mut dave_ws,
        "alice offline, on watching",
        presence_of(&a.id, false),
    )
    .await;

    let (_alice_ws, alice_ready) = connect(&alice).await;
    assert_eq!(
        online_ids(&alice_ready),
        [b.id.clone(), a.id.clone()],
        "ready lists the online people of one's small rooms, and oneself"
    );
    expect_frame(
        &mut bob_ws,
        "alice online, to a member of a small room",
        presence_of(&a.id, true),
    )
    .await;
    expect_frame(
        &mut dave_ws,
        "alice online, to a watcher",
        presence_of(&a.id, true),
    )
    .await;
    // Carol shares only #general with alice. Her own watch is the marker: its answer is
    // queued after anything about alice would have been.
    carol_ws.send(&watch(&[&d.id])).await.unwrap();
    let before = frames_before(&mut carol_ws, "the watch answer", presence_of(&d.id, true)).await;
    assert!(
        !before
            .iter()
            .any(|f| matches!(f, ServerFrame::Presence { user_id, .. } if *user_id == a.id)),
        "carol heard nothing of alice: {before:?}"
    );

    // An empty list stops watching: dave no longer hears alice, bob still does.
    dave_ws.send(&watch(&[])).await.unwrap();
    dave_ws.send(&watch(&[&b.id])).await.unwrap();
    expect_frame(
        &mut dave_ws,
        "bob online, on watching",
        presence_of(&b.id, true),
    )
    .await;
    drop(_alice_ws);
    expect_frame(&mut bob_ws, "alice offline", presence_of(&a.id, false)).await;
    dave_ws.send(&watch(&[&b.id, &d.id])).await.unwrap();
    let before = frames_before(
        &mut dave_ws,
        "the second watch answer",
        presence_of(&d.id, true),
    )
    .await;
    assert!(
        !before
            .iter()
            .any(|f| matches!(f, ServerFrame::Presence { user_id, .. } if *user_id == a.id)),
        "dave stopped watching alice: {before:?}"
    );
}

#[tokio::test]
async fn a_watch_list_is_capped_and_checked() {
    let app = spawn_app_with(|_| {}).await;
    let (alice, _) = app.user("alice").await;
    let (mut ws, _) = connect_live(&alice).await;
    let many: Vec<String> = (1..=501).map(|n| n.to_string()).collect();
    ws.send(&ClientFrame::WatchPresence { user_ids: many })
        .await
        .unwrap();
    let err = expect_frame(&mut ws, "an error", |f| {
        matches!(f, ServerFrame::Error { .. })
    })
    .await;
    assert!(
        matches!(err, ServerFrame::Error { ref code, .. } if code == "invalid_frame"),
        "{err:?}"
    );
    ws.send(&watch(&["abc"])).await.unwrap();
    let err = expect_frame(&mut ws, "an error", |f| {
        matches!(f, ServerFrame::Error { .. })
    })
    .await;
    assert!(
        matches!(err, ServerFrame::Error { ref code, .. } if code != "invalid_frame"),
        "{err:?}"
    );
    // Someone who does not exist is simply offline.
    ws.send(&watch(&["999999"])).await.unwrap();
    expect_frame(&mut ws, "offline", presence_of("999999", false)).await;
}

/// Everyone in one room connects at once to a server whose queues hold only four frames.
/// Before presence left the queue, each arrival was a frame to everyone and most were closed
/// for falling behind; now all stay, and a message afterwards reaches every one of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_connecting_at_once_all_stay_connected() {
    const CROWD: usize = 40;
    let app = spawn_app_with(|s| s.outbound_queue = Some(4)).await;
    let users = futures_util::future::join_all((0..CROWD).map(|i| {
        let app = &app;
        async move { app.user(&format!("crowd{i}")).await.0 }
    }))
    .await;
    // Open every connection first, reading nothing, so presence piles up on all of them.
    let conns: Vec<(Connection, ServerFrame)> =
        futures_util::future::join_all(users.iter().map(connect)).await;
    let room = general(&conns[0].1);
    let mut conns: Vec<Connection> = conns.into_iter().map(|(c, _)| c).collect();
    for conn in &mut conns {
        conn.send(&ClientFrame::Sync {
            since: Default::default(),
            revs: Default::default(),
        })
        .await
        .unwrap();
    }
    let last: &Client = &users[CROWD - 1];
    last.send_message(&room, "everyone still here?", None)
        .await
        .unwrap();
    for (i, conn) in conns.iter_mut().enumerate() {
        let what = format!("the message on connection {i}");
        let got = expect_frame(conn, &what, |f| {
            message_body(f) == Some("everyone still here?")
        })
        .await;
        assert!(message_body(&got).is_some());
    }
}
