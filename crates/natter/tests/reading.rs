//! Server-side read state and resuming with changes, against the real server: `ready.reads`,
//! the `read` frame between a user's sessions, and `sync` with `revs`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{
    connect, connect_live, expect_frame, expect_none, general, reads_of, spawn_app, updated, within,
};
use natter_client::proto::{ClientFrame, ReadState, ServerFrame};

const QUIET: Duration = Duration::from_millis(300);

fn read_frame(room: &str) -> impl Fn(&ServerFrame) -> bool + '_ {
    move |f| matches!(f, ServerFrame::Read(r) if r.room_id == room)
}

fn counts(r: &ReadState) -> (i64, i64, i64) {
    (r.last_read, r.unread, r.mentions)
}

#[tokio::test]
async fn ready_reports_unread_counts_that_leave_out_the_users_own_messages() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = general(&connect(&alice).await.1);
    for body in ["one", "two", "three"] {
        alice.send_message(&room, body, None).await.unwrap();
    }
    bob.send_message(&room, "four", None).await.unwrap();
    let (_, bob_ready) = connect(&bob).await;
    assert_eq!(counts(&reads_of(&bob_ready, &room)), (0, 3, 0));
    let (_, alice_ready) = connect(&alice).await;
    assert_eq!(counts(&reads_of(&alice_ready, &room)), (0, 1, 0));
}

#[tokio::test]
async fn a_read_frame_moves_forward_never_back_and_reaches_the_users_other_sessions() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut b1, ready) = connect_live(&bob).await;
    let (mut b2, _) = connect_live(&bob).await;
    let (mut aws, _) = connect_live(&alice).await;
    let room = general(&ready);
    for body in ["one", "two", "three"] {
        alice.send_message(&room, body, None).await.unwrap();
    }
    bob.send_message(&room, "four", None).await.unwrap();

    b1.send(&ClientFrame::Read {
        room_id: room.clone(),
        seq: 2,
    })
    .await
    .unwrap();
    for ws in [&mut b2, &mut b1] {
        let frame = expect_frame(ws, "read to 2", read_frame(&room)).await;
        let ServerFrame::Read(read) = frame else {
            unreachable!()
        };
        assert_eq!(counts(&read), (2, 1, 0), "seq 3 is unread, 4 is bob's own");
    }
    expect_none(&mut aws, QUIET, |f| matches!(f, ServerFrame::Read(_))).await;

    b2.send(&ClientFrame::Read {
        room_id: room.clone(),
        seq: 1,
    })
    .await
    .unwrap();
    let frame = expect_frame(&mut b1, "read back to 1", read_frame(&room)).await;
    assert!(
        matches!(&frame, ServerFrame::Read(r) if r.last_read == 2),
        "never back: {frame:?}"
    );

    let over_rest = bob.mark_read(&room, 1).await.unwrap();
    assert_eq!(counts(&over_rest), (2, 1, 0));
    let to_end = bob.mark_read(&room, 999).await.unwrap();
    assert_eq!(counts(&to_end), (4, 0, 0), "clamped to the room's end");
    for ws in [&mut b1, &mut b2] {
        expect_frame(
            ws,
            "read to the end",
            |f| matches!(f, ServerFrame::Read(r) if r.room_id == room && r.last_read == 4),
        )
        .await;
    }
    let (_, fresh) = connect(&bob).await;
    assert_eq!(counts(&reads_of(&fresh, &room)), (4, 0, 0));
}

#[tokio::test]
async fn a_read_frame_for_a_room_the_user_is_not_in_is_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let secret = alice
        .create_room("secret", None, natter_client::proto::Visibility::Private)
        .await
        .unwrap();
    alice
        .send_message(&secret.id, "hidden", None)
        .await
        .unwrap();
    let (mut bws, _) = connect_live(&bob).await;
    bws.send(&ClientFrame::Read {
        room_id: secret.id.clone(),
        seq: 1,
    })
    .await
    .unwrap();
    let err = expect_frame(&mut bws, "error", |f| {
        matches!(f, ServerFrame::Error { .. })
    })
    .await;
    assert!(matches!(err, ServerFrame::Error { code, .. } if code == "not_found"));
}

/// The frames a resuming connection gets until `synced`.
async fn sync_and_collect(
    conn: &mut natter_client::Connection,
    room: &str,
    since: i64,
    rev: i64,
) -> Vec<ServerFrame> {
    conn.send(&ClientFrame::Sync {
        since: BTreeMap::from([(room.to_owned(), since)]),
        revs: BTreeMap::from([(room.to_owned(), rev)]),
    })
    .await
    .unwrap();
    within("the replay", async {
        let mut got = Vec::new();
        loop {
            match conn.next_frame().await.unwrap().expect("open") {
                ServerFrame::Synced { .. } => return got,
                f @ (ServerFrame::Message { .. } | ServerFrame::MessageUpdated { .. }) => {
                    got.push(f)
                }
                _ => {}
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_resume_with_revs_replays_what_changed_while_away_and_nothing_the_client_had() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (bws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    let mut ids = Vec::new();
    for body in ["one", "two", "three", "four"] {
        ids.push(alice.send_message(&room, body, None).await.unwrap().0.id);
    }
    // A change bob saw before he went away: the rev he knows covers it.
    alice
        .edit_message(&ids[3], "four, edited early")
        .await
        .unwrap();
    let known = bob.room(&room).await.unwrap();
    assert_eq!((known.last_seq, known.last_rev), (4, 1));
    bws.close().await.unwrap();

    let edited = alice.edit_message(&ids[0], "one, edited").await.unwrap();
    let reacted = alice.react(&ids[1], "👍").await.unwrap();
    let (five, _) = alice.send_message(&room, "five", None).await.unwrap();
    // A message that arrived and changed while away comes whole, once, in the replay.
    let five_edited = alice.edit_message(&five.id, "five, edited").await.unwrap();

    let (mut bws, _) = connect(&bob).await;
    let got = sync_and_collect(&mut bws, &room, known.last_seq, known.last_rev).await;
    let seen: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|f| match f {
            ServerFrame::Message { message } => {
                ("message", message.id.as_str(), message.body.as_str())
            }
            ServerFrame::MessageUpdated { message } => {
                ("updated", message.id.as_str(), message.body.as_str())
            }
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("message", five.id.as_str(), "five, edited"),
            ("updated", ids[0].as_str(), "one, edited"),
            ("updated", ids[1].as_str(), "two"),
        ],
        "exactly the new message and the changes to messages bob had"
    );
    let ServerFrame::MessageUpdated { message } = &got[1] else {
        unreachable!()
    };
    assert_eq!(message, &edited);
    let ServerFrame::MessageUpdated { message } = &got[2] else {
        unreachable!()
    };
    assert_eq!(message, &reacted);
    let ServerFrame::Message { message } = &got[0] else {
        unreachable!()
    };
    assert_eq!(message, &five_edited);

    // Live changes flow after the replay.
    alice.unreact(&ids[1], "👍").await.unwrap();
    expect_frame(&mut bws, "a live change", |f| {
        updated(f, &ids[1]).is_some_and(|m| m.reactions.is_empty())
    })
    .await;
}

#[tokio::test]
async fn a_resume_that_knows_the_latest_rev_gets_no_changes() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = general(&connect(&alice).await.1);
    let (one, _) = alice.send_message(&room, "one", None).await.unwrap();
    alice.react(&one.id, "🎉").await.unwrap();
    let reply = bob.reply(&room, &one.id, "two", None).await.unwrap();
    let known = bob.room(&room).await.unwrap();
    assert_eq!(
        known.last_rev, 2,
        "the reaction and the reply counted on the root"
    );
    let (mut bws, _) = connect(&bob).await;
    let got = sync_and_collect(&mut bws, &room, known.last_seq, known.last_rev).await;
    assert!(got.is_empty(), "bob had it all: {got:?}");

    let (mut bws, _) = connect(&bob).await;
    let got = sync_and_collect(&mut bws, &room, one.seq, 0).await;
    let kinds: Vec<(bool, &str)> = got
        .iter()
        .map(|f| match f {
            ServerFrame::Message { message } => (true, message.id.as_str()),
            ServerFrame::MessageUpdated { message } => (false, message.id.as_str()),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(
        kinds,
        [(true, reply.id.as_str()), (false, one.id.as_str())],
        "the reply comes whole, the root once as changed"
    );
}

#[tokio::test]
async fn editing_away_or_deleting_a_mention_takes_it_out_of_the_counts() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = general(&connect(&alice).await.1);
    let (first, _) = alice.send_message(&room, "@bob one", None).await.unwrap();
    let (second, _) = alice.send_message(&room, "@bob two", None).await.unwrap();
    let state = |ready: ServerFrame| counts(&reads_of(&ready, &room));
    assert_eq!(state(connect(&bob).await.1), (0, 2, 2));
    alice
        .edit_message(&first.id, "one, never mind")
        .await
        .unwrap();
    assert_eq!(state(connect(&bob).await.1), (0, 2, 1));
    alice.delete_message(&second.id).await.unwrap();
    assert_eq!(
        state(connect(&bob).await.1),
        (0, 1, 0),
        "a tombstone is not unread"
    );
    alice
        .edit_message(&first.id, "one, @BOB after all")
        .await
        .unwrap();
    assert_eq!(state(connect(&bob).await.1), (0, 1, 1));
}
