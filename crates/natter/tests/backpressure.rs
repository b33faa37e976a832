//! Connections that stop reading or go silent are dropped; everyone else carries on.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{connect, expect_frame, general, message_body, spawn_app_with, within};
use natter_client::proto::ServerFrame;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Opens a WebSocket on a socket with a tiny receive buffer and returns it unread.
async fn stalled_socket(
    addr: std::net::SocketAddr,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let mut req = format!("ws://{addr}/api/v1/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (ws, _) = tokio_tungstenite::client_async(req, stream).await.unwrap();
    ws
}

fn offline(uid: String) -> impl Fn(&ServerFrame) -> bool {
    move |f| matches!(f, ServerFrame::Presence { user_id, online: false } if *user_id == uid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_disconnected_while_others_keep_receiving() {
    let app = spawn_app_with(|s| s.outbound_queue = Some(16)).await;
    let (alice, a_user) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let (mut b, ready) = connect(&bob).await;
    // An empty sync tells the server bob is not resuming: live frames flow at once.
    let start = natter_client::proto::ClientFrame::Sync {
        since: Default::default(),
        revs: Default::default(),
    };
    b.send(&start).await.unwrap();
    let room = general(&ready);
    let mut stalled = stalled_socket(app.addr, alice.token().unwrap()).await;
    // Alice starts her live stream too, then never reads again.
    use futures_util::SinkExt;
    stalled
        .send(Message::text(r#"{"type":"sync","since":{}}"#))
        .await
        .unwrap();

    // Carol floods the room until the server drops alice (bounded, so the test always ends).
    const MAX: usize = 20_000;
    const SENDERS: usize = 8;
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let body = "x".repeat(3900);
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (carol, room, body) = (carol.clone(), room.clone(), body.clone());
            let (stop, sent) = (stop.clone(), sent.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) && sent.load(Ordering::Relaxed) < MAX {
                    carol.send_message(&room, &body, None).await.unwrap();
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let mut received = 0;
    within("alice is dropped", async {
        while !stop.load(Ordering::Relaxed) {
            let frame = b.next_frame().await.unwrap().expect("bob stays connected");
            received += usize::from(message_body(&frame).is_some());
            if offline(a_user.id.clone())(&frame) {
                stop.store(true, Ordering::Relaxed);
            }
        }
    })
    .await;
    for s in senders {
        s.await.unwrap();
    }
    let n = sent.load(Ordering::Relaxed);
    assert!(n < MAX, "alice was dropped before the flood ran out");
    within("bob receives everything", async {
        while received < n {
            let frame = b.next_frame().await.unwrap().expect("bob stays connected");
            received += usize::from(message_body(&frame).is_some());
        }
    })
    .await;

    // What alice's socket still holds ends in a resync close or a cut connection, never in
    // all N messages.
    use futures_util::StreamExt;
    let mut alice_got = 0;
    let mut close_code = None;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(5), stalled.next()).await
    {
        match msg {
            Message::Text(_) => alice_got += 1,
            Message::Close(frame) => {
                close_code = frame.map(|f| u16::from(f.code));
                break;
            }
            _ => {}
        }
    }
    assert!(
        alice_got < n,
        "alice was cut off, not buffered without bound ({alice_got})"
    );
    if let Some(code) = close_code {
        assert_eq!(code, natter_client::proto::CLOSE_RESYNC);
    }
}

#[tokio::test]
async fn a_silent_client_is_closed_after_the_idle_timeout_and_an_active_one_is_not() {
    let app = spawn_app_with(|s| {
        s.heartbeat_secs = Some(1);
        s.idle_timeout_secs = Some(2);
    })
    .await;
    let (alice, a_user) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut b, _) = connect(&bob).await;
    // Alice's socket completes the handshake and then never reads, so never answers a ping.
    let _silent = stalled_socket(app.addr, alice.token().unwrap()).await;
    expect_frame(
        &mut b,
        "alice dropped for idling",
        offline(a_user.id.clone()),
    )
    .await;
    // Bob has been reading all along (answering pings), so he is still connected.
    b.send(&natter_client::proto::ClientFrame::Ping)
        .await
        .unwrap();
    expect_frame(&mut b, "pong", |f| matches!(f, ServerFrame::Pong)).await;
}
