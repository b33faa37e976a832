//! Resuming with `sync` against the real server: replays that span several pages, and
//! clients that already have everything or claim to have more than there is.

mod common;

use std::collections::BTreeMap;

use common::{connect, expect_frame, general, message_body, spawn_app, within};
use natter_client::proto::{ClientFrame, ServerFrame};

#[tokio::test]
async fn a_sync_from_the_rooms_end_or_beyond_replays_nothing_and_live_messages_follow() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (_, ready) = connect(&bob).await;
    let room = general(&ready);
    for body in ["one", "two"] {
        alice.send_message(&room, body, None).await.unwrap();
    }
    // From the end (seq 2), and from beyond it, as a client of a restored database might.
    for since in [2, 1_000] {
        let (mut b, _) = connect(&bob).await;
        b.send(&ClientFrame::Sync {
            since: BTreeMap::from([(room.clone(), since)]),
            revs: Default::default(),
        })
        .await
        .unwrap();
        let mut early = Vec::new();
        within("synced", async {
            loop {
                match b.next_frame().await.unwrap() {
                    Some(ServerFrame::Synced { more }) => break assert!(more.is_empty()),
                    Some(frame) => early.extend(message_body(&frame).map(str::to_owned)),
                    None => panic!("closed"),
                }
            }
        })
        .await;
        assert!(
            early.is_empty(),
            "from {since}, nothing to replay: {early:?}"
        );
        // Live messages still come: the replay did not count the room as read to `since`.
        let body = format!("after {since}");
        alice.send_message(&room, &body, None).await.unwrap();
        let arrived = expect_frame(&mut b, "live", |f| message_body(f).is_some()).await;
        assert_eq!(message_body(&arrived), Some(body.as_str()));
    }
}

#[tokio::test]
async fn a_sync_across_several_pages_replays_every_missed_message_once_then_live_ones() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (_, ready) = connect(&bob).await;
    let room = general(&ready);
    // Two and a half pages of the replay's 100, missed while away.
    let missed = 250;
    for i in 1..=missed {
        alice
            .send_message(&room, &format!("m{i}"), None)
            .await
            .unwrap();
    }
    let (mut b, _) = connect(&bob).await;
    // One lands between the reconnect and the sync, one while the replay is under way.
    alice.send_message(&room, "held", None).await.unwrap();
    b.send(&ClientFrame::Sync {
        since: BTreeMap::from([(room.clone(), 0)]),
        revs: Default::default(),
    })
    .await
    .unwrap();
    alice.send_message(&room, "live", None).await.unwrap();
    let mut expected: Vec<String> = (1..=missed).map(|i| format!("m{i}")).collect();
    expected.extend(["held".to_owned(), "live".to_owned()]);
    let mut bodies = Vec::new();
    let mut synced = false;
    within("replay, held and live", async {
        while bodies.len() < expected.len() {
            match b.next_frame().await.unwrap() {
                Some(ServerFrame::Synced { more }) => {
                    assert!(more.is_empty(), "nothing left over: {more:?}");
                    synced = true;
                }
                Some(frame) => bodies.extend(message_body(&frame).map(str::to_owned)),
                None => panic!("closed"),
            }
        }
    })
    .await;
    assert!(synced);
    assert_eq!(bodies, expected, "in order, no gap, no duplicate");
    // And nothing after: a marker sent now is the very next message.
    alice.send_message(&room, "marker", None).await.unwrap();
    let next = expect_frame(&mut b, "marker", |f| message_body(f).is_some()).await;
    assert_eq!(message_body(&next), Some("marker"));
}
