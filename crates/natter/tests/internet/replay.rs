//! `sync` replays at most a capped number of messages per room, says which rooms have more, and
//! is itself limited per minute.

use std::collections::BTreeMap;

use natter_client::proto::{ClientFrame, ServerFrame};

use crate::common::*;

fn sync_from(room: &str, seq: i64) -> ClientFrame {
    ClientFrame::Sync {
        since: BTreeMap::from([(room.to_owned(), seq)]),
        revs: BTreeMap::new(),
    }
}

/// Reads replayed messages until `synced`; returns their seqs and the rooms with more.
async fn replayed(conn: &mut natter_client::Connection) -> (Vec<i64>, BTreeMap<String, i64>) {
    let mut seqs = Vec::new();
    loop {
        match expect_frame(conn, "replay", |_| true).await {
            ServerFrame::Message { message } => seqs.push(message.seq),
            ServerFrame::Synced { more } => return (seqs, more),
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_sync_replays_at_most_the_cap_per_room_and_the_client_asks_again_for_the_rest() {
    let app = spawn_app_with(|s| s.sync_replay_max = Some(5)).await;
    let (alice, _) = app.user("alice").await;
    let (_, ready) = connect(&alice).await;
    let room = general(&ready);
    for i in 1..=12 {
        alice
            .send_message(&room, &format!("m{i}"), None)
            .await
            .unwrap();
    }
    let (mut conn, _) = connect(&alice).await;
    conn.send(&sync_from(&room, 0)).await.unwrap();
    let (first, more) = replayed(&mut conn).await;
    assert_eq!(first, vec![1, 2, 3, 4, 5]);
    assert_eq!(more, BTreeMap::from([(room.clone(), 5)]));
    conn.send(&sync_from(&room, 5)).await.unwrap();
    let (second, more) = replayed(&mut conn).await;
    assert_eq!(second, vec![6, 7, 8, 9, 10]);
    assert_eq!(more, BTreeMap::from([(room.clone(), 10)]));
    conn.send(&sync_from(&room, 10)).await.unwrap();
    let (last, more) = replayed(&mut conn).await;
    assert_eq!(last, vec![11, 12]);
    assert!(more.is_empty());
}

#[tokio::test]
async fn syncs_past_the_limit_are_refused_and_the_connection_stays_open() {
    let app = spawn_app_with(|s| {
        s.rate_limits = Some(vec![
            "all=off".parse().unwrap(),
            "sync=2/1m".parse().unwrap(),
        ])
    })
    .await;
    let (alice, _) = app.user("alice").await;
    let (mut conn, ready) = connect(&alice).await;
    let room = general(&ready);
    for _ in 0..2 {
        conn.send(&sync_from(&room, 0)).await.unwrap();
        replayed(&mut conn).await;
    }
    conn.send(&sync_from(&room, 0)).await.unwrap();
    let refusal = expect_frame(&mut conn, "a refusal", |f| {
        matches!(f, ServerFrame::Error { .. } | ServerFrame::Synced { .. })
    })
    .await;
    assert!(
        matches!(&refusal, ServerFrame::Error { code, retry_after_ms: Some(ms), .. } if code == "rate_limited" && *ms > 1000),
        "{refusal:?}"
    );
    conn.send(&ClientFrame::Ping).await.unwrap();
    expect_frame(&mut conn, "pong", |f| matches!(f, ServerFrame::Pong)).await;
}
