//! Blocking against the real server: a blocked user cannot reach the blocker in a DM, over
//! REST or WebSocket, and the blocker's sessions hear of it.

mod common;

use common::{connect, connect_live, expect_frame, message_body, refused, spawn_app};
use natter_client::proto::{ClientFrame, ServerFrame};

#[tokio::test]
async fn a_blocked_user_can_neither_open_nor_write_in_a_dm_with_the_blocker() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let dm = alice.open_dm(&[&b.id]).await.unwrap();
    bob.send_message(&dm.id, "hi alice", None).await.unwrap();
    let (mut a1, _) = connect_live(&alice).await;
    let (mut a2, _) = connect_live(&alice).await;
    let (mut bws, _) = connect_live(&bob).await;

    alice.block(&b.id).await.unwrap();
    for ws in [&mut a1, &mut a2] {
        let frame = expect_frame(ws, "blocked", |f| matches!(f, ServerFrame::Blocked { .. })).await;
        assert_eq!(
            frame,
            ServerFrame::Blocked {
                user_id: b.id.clone(),
                blocked: true
            }
        );
    }
    assert_eq!(alice.blocks().await.unwrap(), std::slice::from_ref(&b.id));
    assert!(
        bob.blocks().await.unwrap().is_empty(),
        "blocking is one way"
    );
    let (_, ready) = connect(&alice).await;
    let ServerFrame::Ready { blocked, .. } = &ready else {
        unreachable!()
    };
    assert_eq!(blocked, std::slice::from_ref(&b.id), "ready lists bob");

    let (status, code) = refused(bob.open_dm(&[&a.id]).await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    let (status, code) = refused(bob.send_message(&dm.id, "hello?", None).await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    bws.send(&ClientFrame::Send {
        room_id: dm.id.clone(),
        body: "are you there?".into(),
        client_id: Some("b-1".into()),
        reply_to: None,
        attachments: Vec::new(),
    })
    .await
    .unwrap();
    let err = expect_frame(&mut bws, "error", |f| {
        matches!(f, ServerFrame::Error { .. } | ServerFrame::Ack { .. })
    })
    .await;
    let ServerFrame::Error {
        code, client_id, ..
    } = err
    else {
        panic!("the send was accepted: {err:?}")
    };
    assert_eq!(
        (code.as_str(), client_id.as_deref()),
        ("forbidden", Some("b-1"))
    );
    let history = alice.messages(&dm.id, Default::default()).await.unwrap();
    let stored: Vec<&str> = history.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(stored, ["hi alice"], "nothing from bob got through");

    alice.unblock(&b.id).await.unwrap();
    let frame = expect_frame(&mut a2, "unblocked", |f| {
        matches!(f, ServerFrame::Blocked { .. })
    })
    .await;
    assert!(matches!(frame, ServerFrame::Blocked { blocked: false, .. }));
    assert!(alice.blocks().await.unwrap().is_empty());
    assert_eq!(bob.open_dm(&[&a.id]).await.unwrap().id, dm.id);
    bob.send_message(&dm.id, "friends again", None)
        .await
        .unwrap();
    expect_frame(&mut a1, "bob's message", |f| {
        message_body(f) == Some("friends again")
    })
    .await;
}

#[tokio::test]
async fn blocking_yourself_is_forbidden_and_blocking_nobody_is_not_found() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (status, code) = refused(alice.block(&a.id).await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    let (status, _) = refused(alice.block("424242").await);
    assert_eq!(status, 404);
    assert!(alice.blocks().await.unwrap().is_empty());
}
