//! Names that mislead are refused, and WebSocket protocol violations close with the codes
//! RFC 6455 gives them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use natter_client::proto::Visibility;

use crate::common::*;

#[tokio::test]
async fn a_public_room_cannot_take_a_name_that_looks_like_another() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    alice
        .create_room("ops", None, Visibility::Public)
        .await
        .unwrap();
    for alike in ["0ps", "\u{43e}ps", "OPS", "o-p-s"] {
        let refused = bob.create_room(alike, None, Visibility::Public).await;
        assert_eq!(refused_code(refused), "room_name_taken", "{alike}");
    }
    // Private names are nobody else's business, but turning one public is checked.
    let private = bob
        .create_room("0ps", None, Visibility::Private)
        .await
        .unwrap();
    let resp = app
        .http(
            reqwest::Method::PATCH,
            &format!("/rooms/{}", private.id),
            bob.token(),
        )
        .json(&serde_json::json!({ "visibility": "public" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    // A name that only differs in look from another is fine once it differs in letters.
    bob.create_room("ops-2", None, Visibility::Public)
        .await
        .unwrap();
}

fn refused_code<T: std::fmt::Debug>(r: Result<T, natter_client::ClientError>) -> String {
    refused(r).1
}

#[tokio::test]
async fn names_that_draw_nothing_or_reorder_text_are_refused() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    for bad in ["\u{3164}", "\u{200b}\u{200b}", "admin\u{202e}nimda"] {
        let refused = alice.create_room(bad, None, Visibility::Public).await;
        assert_eq!(refused_code(refused), "invalid_room_name", "{bad:?}");
        let resp = app
            .http(reqwest::Method::PATCH, "/me", alice.token())
            .json(&serde_json::json!({ "display_name": bad }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{bad:?}");
    }
}

/// Upgrades a raw TCP connection to a WebSocket by hand, so the test can send broken frames.
async fn raw_socket(app: &TestApp, token: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let request = format!(
        "GET /api/v1/ws HTTP/1.1\r\nhost: {}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\
         authorization: Bearer {token}\r\n\r\n",
        app.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(stream.read_u8().await.unwrap());
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// Reads server frames until a close frame; returns its code.
async fn close_code(stream: &mut TcpStream) -> u16 {
    within("a close frame", async {
        loop {
            let b0 = stream
                .read_u8()
                .await
                .expect("a close frame before the end");
            let len = match stream.read_u8().await.unwrap() & 0x7f {
                126 => u64::from(stream.read_u16().await.unwrap()),
                127 => stream.read_u64().await.unwrap(),
                n => u64::from(n),
            };
            let mut payload = vec![0u8; len as usize];
            stream.read_exact(&mut payload).await.unwrap();
            if b0 & 0x0f == 0x8 {
                return u16::from_be_bytes([payload[0], payload[1]]);
            }
        }
    })
    .await
}

/// A client frame, masked as clients must.
fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![first, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    frame
}

#[tokio::test]
async fn websocket_protocol_violations_close_with_1002_or_1007() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let token = alice.token().unwrap().to_owned();

    // A text frame whose bytes are not UTF-8.
    let mut ws = raw_socket(&app, &token).await;
    ws.write_all(&masked(0x81, &[0xff, 0xfe, 0xfd]))
        .await
        .unwrap();
    assert_eq!(close_code(&mut ws).await, 1007);

    // A frame with a reserved bit set and no extension to explain it.
    let mut ws = raw_socket(&app, &token).await;
    ws.write_all(&masked(0xc1, b"{}")).await.unwrap();
    assert_eq!(close_code(&mut ws).await, 1002);

    // An unmasked client frame.
    let mut ws = raw_socket(&app, &token).await;
    ws.write_all(&[0x81, 0x02, b'{', b'}']).await.unwrap();
    assert_eq!(close_code(&mut ws).await, 1002);
}
