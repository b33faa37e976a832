//! Connection limits and deadlines: a client that sends nothing, or trickles its headers or
//! body, is cut off; an address and an account cannot hold more than their share.
//! Time runs on tokio's paused clock where a deadline is what is under test.

use std::net::SocketAddr;
use std::time::Duration;

use natter_client::proto::CLOSE_TOO_MANY;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::Instant;

use crate::common::*;

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got).await;
    String::from_utf8_lossy(&got).into_owned()
}

/// A connection from `source` (one of 127.0.0.x) to the server.
async fn connect_from(source: [u8; 4], to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((source, 0))).unwrap();
    socket.connect(to).await.unwrap()
}

/// Whether the server has closed `stream` (reads end) rather than kept it open: a request
/// sent on it either gets an answer (open) or nothing (closed).
async fn is_open(stream: &mut TcpStream) -> bool {
    if stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(stream.read(&mut buf).await, Ok(n) if n > 0)
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_sends_nothing_or_trickles_its_headers_is_closed_at_the_deadline() {
    let app = spawn_app_with(|s| s.header_timeout_secs = Some(10)).await;
    // Silent.
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    let start = Instant::now();
    read_to_close(&mut silent).await;
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(11),
        "{took:?}"
    );

    // A header line every 2 s: each one is progress, but the head never completes.
    let mut trickle = TcpStream::connect(app.addr).await.unwrap();
    let start = Instant::now();
    trickle
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    let closed = async {
        for i in 0..100 {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let line = format!("x-slow-{i}: y\r\n");
            if trickle.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
        panic!("still open after 200 s of trickled headers");
    };
    closed.await;
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(20),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_deadline() {
    let app = spawn_app_with(|s| s.header_timeout_secs = Some(10)).await;
    let mut conn = TcpStream::connect(app.addr).await.unwrap();
    conn.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let start = Instant::now();
    read_to_close(&mut conn).await;
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(11),
        "{took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_body_that_trickles_is_refused_with_408_and_the_connection_closed() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let token = alice.token().unwrap().to_owned();
    let mut conn = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/rooms HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 4000\r\n\r\n{{\"name\":\""
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let start = Instant::now();
    let (mut reader, mut writer) = conn.into_split();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
    let mut answer = Vec::new();
    let _ = reader.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    // 20 s of grace; the few bytes sent buy almost nothing more.
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(26),
        "{took:?}"
    );
    trickle.abort();
}

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_connections() {
    let app = spawn_app_with(|s| s.max_conns_per_addr = Some(3)).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut c = connect_from([127, 0, 0, 2], app.addr).await;
        assert!(is_open(&mut c).await);
        held.push(c);
    }
    // The fourth from the same address is closed at once, without an answer.
    let mut fourth = connect_from([127, 0, 0, 2], app.addr).await;
    assert!(!is_open(&mut fourth).await);
    // Another address is unaffected.
    let mut other = connect_from([127, 0, 0, 3], app.addr).await;
    assert!(is_open(&mut other).await);
    // A freed place can be taken again.
    drop(held.pop());
    let mut again = within("a freed place", async {
        loop {
            let mut c = connect_from([127, 0, 0, 2], app.addr).await;
            if is_open(&mut c).await {
                return c;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(is_open(&mut again).await);
}

#[tokio::test]
async fn past_the_global_cap_new_connections_are_closed_and_upgraded_sockets_count() {
    let app = spawn_app_with(|s| s.max_connections = Some(2)).await;
    let token = {
        let (alice, _) = app.user("alice").await;
        alice.token().unwrap().to_owned()
        // Dropped here: its pooled HTTP connection closes and frees its place soon after.
    };
    let alice = app.client().with_token(token);
    let (_ws, _) = connect(&alice).await;
    // Take the other place as soon as the registration's connection has let go of it.
    let mut second = within("the second place", async {
        loop {
            let mut c = connect_from([127, 0, 0, 4], app.addr).await;
            if is_open(&mut c).await {
                return c;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(is_open(&mut second).await);
    let mut third = connect_from([127, 0, 0, 5], app.addr).await;
    assert!(
        !is_open(&mut third).await,
        "the WebSocket and one HTTP connection fill the cap"
    );
}

#[tokio::test]
async fn past_the_per_account_cap_the_oldest_websocket_is_closed_with_4003() {
    let app = spawn_app_with(|s| s.max_ws_per_user = Some(2)).await;
    let (alice, _) = app.user("alice").await;
    let (mut first, _) = connect_live(&alice).await;
    let (mut second, _) = connect_live(&alice).await;
    let (mut third, _) = connect_live(&alice).await;
    assert_eq!(
        expect_closed(&mut first, "the oldest closes").await,
        Some(CLOSE_TOO_MANY)
    );
    for conn in [&mut second, &mut third] {
        conn.send(&natter_client::proto::ClientFrame::Ping)
            .await
            .unwrap();
        expect_frame(conn, "pong", |f| {
            matches!(f, natter_client::proto::ServerFrame::Pong)
        })
        .await;
    }
}
