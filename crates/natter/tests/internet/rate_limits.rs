//! Rate limits: 429 with `Retry-After` over REST, an `error` frame with `retry_after_ms` over the
//! WebSocket (which stays open), and a login lockout that never locks out a known device.

use natter_client::proto::{ClientFrame, ServerFrame};
use natter_client::Client;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

/// Starts a server with every limit off but the ones given (`NAME=COUNT/PERIOD`).
async fn app_limiting(limits: &[&str]) -> TestApp {
    let limits: Vec<String> = limits.iter().map(|s| s.to_string()).collect();
    spawn_app_with(move |s| {
        let mut all = vec!["all=off".parse().unwrap()];
        all.extend(limits.iter().map(|l| l.parse().unwrap()));
        s.rate_limits = Some(all);
    })
    .await
}

/// Checks a refusal is a 429 with `Retry-After` (whole seconds) and `retry_after_ms` in the body.
async fn assert_limited(resp: reqwest::Response) -> u64 {
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = resp
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let ms = body["error"]["retry_after_ms"]
        .as_u64()
        .expect("retry_after_ms");
    assert!(
        ms > 0 && retry_after >= 1 && retry_after * 1000 >= ms,
        "{retry_after} s vs {ms} ms"
    );
    retry_after
}

async fn login(
    app: &TestApp,
    name: &str,
    password: &str,
    device: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({ "username": name, "password": password });
    if let Some(d) = device {
        body["device_token"] = json!(d);
    }
    app.http(Method::POST, "/auth/login", None)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_wrong_passwords_locks_out_new_devices_but_never_the_owners_own() {
    let app = app_limiting(&["login_account=5/10m"]).await;
    let (owner, _) = app.user("alice").await;
    let resp = login(&app, "alice", &password("alice"), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("natter_device="))
        .expect("a device cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Path=/api/v1/auth"),
        "{cookie}"
    );
    let device: Value = resp.json().await.unwrap();
    let device = device["device_token"].as_str().unwrap().to_owned();

    // An attacker guesses until the account's bucket is empty (the first login used one).
    let mut refused = 0;
    for i in 0..10 {
        let resp = login(&app, "alice", &format!("guess-{i}"), None).await;
        match resp.status() {
            StatusCode::UNAUTHORIZED => assert_eq!(refused, 0, "401 after a 429"),
            _ => {
                assert_limited(resp).await;
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 6, "4 guesses were checked, the rest refused");
    // Even the right password from a new device waits: that is the lockout.
    let resp = login(&app, "alice", &password("alice"), None).await;
    let wait = assert_limited(resp).await;
    assert!(
        wait > 60,
        "the bucket refills one attempt per two minutes, said {wait} s"
    );
    // A device token for another account, or a forged one, does not get around it.
    let (_bob, _) = app.user("bob").await;
    let bobs = login(&app, "bob", &password("bob"), None).await;
    let bobs: Value = bobs.json().await.unwrap();
    let bobs = bobs["device_token"].as_str().unwrap();
    assert_limited(login(&app, "alice", &password("alice"), Some(bobs)).await).await;
    let forged = format!("{}{}", &device[..32], "0".repeat(32));
    assert_limited(login(&app, "alice", &password("alice"), Some(&forged)).await).await;

    // The owner's own device gets in, by body field (the SDK) and by cookie (the browser).
    let resp = login(&app, "alice", &password("alice"), Some(&device)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .http(Method::POST, "/auth/login", None)
        .header("cookie", format!("natter_device={device}"))
        .json(&json!({ "username": "alice", "password": password("alice") }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // The client library remembers its device token by itself.
    let mut again = owner;
    again
        .login("alice", &password("alice"))
        .await
        .expect("the owner's client gets in");
    // A wrong password from the known device is still just wrong.
    assert_eq!(
        login(&app, "alice", "nope", Some(&device)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logins_and_reset_link_guesses_from_one_address_are_limited_across_accounts() {
    let app = app_limiting(&["login_addr=3/10m"]).await;
    for name in ["carol", "dave", "erin"] {
        let resp = login(&app, name, "whatever-pass", None).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(login(&app, "frank", "whatever-pass", None).await).await;
    // Guessing reset links costs a password hash each: the same bucket.
    let resp = app
        .http(Method::POST, "/auth/reset", None)
        .json(&json!({ "token": "guess", "new_password": "long enough" }))
        .send()
        .await
        .unwrap();
    assert_limited(resp).await;
}

#[tokio::test]
async fn registrations_are_limited_per_address_and_forwarded_for_counts_only_from_a_trusted_proxy()
{
    let register = |app: &TestApp, name: &str, forwarded: Option<&str>| {
        let mut req = app
            .http(Method::POST, "/auth/register", None)
            .json(&json!({ "username": name, "password": password(name) }));
        if let Some(f) = forwarded {
            req = req.header("x-forwarded-for", f);
        }
        req.send()
    };
    // Straight from the internet, the header is ignored: both count against 127.0.0.1.
    let app = app_limiting(&["register=1/1h"]).await;
    let first = register(&app, "ann", Some("198.51.100.1")).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = register(&app, "ben", Some("198.51.100.2")).await.unwrap();
    let wait = assert_limited(second).await;
    assert!(
        wait > 3000,
        "a fresh bucket refills in an hour, said {wait} s"
    );

    // Behind a trusted proxy, each forwarded client has its own bucket.
    let app = spawn_app_with(|s| {
        s.rate_limits = Some(vec![
            "all=off".parse().unwrap(),
            "register=1/1h".parse().unwrap(),
        ]);
        s.trusted_proxies = Some(vec!["127.0.0.1".parse().unwrap()]);
    })
    .await;
    for (name, from) in [("ann", "198.51.100.1"), ("ben", "198.51.100.2")] {
        let resp = register(&app, name, Some(from)).await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "{name}");
    }
    // What the client wrote left of what our proxy appended does not help it.
    let spoofed = register(&app, "cat", Some("203.0.113.5, 198.51.100.1"))
        .await
        .unwrap();
    assert_limited(spoofed).await;
}

#[tokio::test]
async fn sends_past_the_limit_get_429_over_rest_and_an_error_frame_over_a_socket_that_stays_open() {
    let app = app_limiting(&["send=3/1m"]).await;
    let (alice, _) = app.user("alice").await;
    let (conn_ready, ready) = {
        let (bob, _) = app.user("bob").await;
        let (conn, ready) = connect_live(&bob).await;
        ((conn, bob), ready)
    };
    let room = general(&ready);
    for i in 0..3 {
        alice
            .send_message(&room, &format!("rest {i}"), None)
            .await
            .unwrap();
    }
    let resp = app
        .http(
            Method::POST,
            &format!("/rooms/{room}/messages"),
            alice.token(),
        )
        .json(&json!({ "body": "one too many" }))
        .send()
        .await
        .unwrap();
    assert_limited(resp).await;

    let (mut conn, _bob) = conn_ready;
    for i in 0..4 {
        let send = ClientFrame::Send {
            room_id: room.clone(),
            body: format!("ws {i}"),
            client_id: Some(format!("c-{i}")),
            reply_to: None,
            attachments: Vec::new(),
        };
        conn.send(&send).await.unwrap();
    }
    // The refusal is immediate; acks follow their commit, so the order between them varies.
    let (mut acked, mut refusal) = (Vec::new(), None);
    while acked.len() < 3 || refusal.is_none() {
        match expect_frame(&mut conn, "acks and a refusal", |_| true).await {
            ServerFrame::Ack {
                client_id: Some(c), ..
            } => acked.push(c),
            ServerFrame::Error {
                client_id: Some(c),
                code,
                retry_after_ms,
                ..
            } => {
                assert_eq!(c, "c-3");
                refusal = Some((code, retry_after_ms));
            }
            _ => {}
        }
    }
    acked.sort();
    assert_eq!(acked, ["c-0", "c-1", "c-2"]);
    let (code, retry_after_ms) = refusal.unwrap();
    assert_eq!(code, "rate_limited");
    assert!(
        retry_after_ms.is_some_and(|ms| ms > 1000 && ms <= 20_000),
        "{retry_after_ms:?}"
    );
    // The connection is still open and answering.
    conn.send(&ClientFrame::Ping).await.unwrap();
    expect_frame(&mut conn, "pong", |f| matches!(f, ServerFrame::Pong)).await;
    // The refused message was not stored: history holds exactly the six accepted ones.
    let history = alice.messages(&room, Default::default()).await.unwrap();
    assert_eq!(history.messages.len(), 6, "{:?}", history.messages);
}

/// Does one `limit`ed action as `client` (in `room`, on `message`), returning the status.
async fn act(
    app: &TestApp,
    client: &Client,
    limit: &str,
    room: &str,
    message: &str,
    other: &str,
) -> u16 {
    let token = client.token();
    let req = match limit {
        "react" => app.http(
            Method::PUT,
            &format!("/messages/{message}/reactions/👍"),
            token,
        ),
        "edit" => app
            .http(Method::PATCH, &format!("/messages/{message}"), token)
            .json(&json!({ "body": "edited" })),
        "create_room" => app
            .http(Method::POST, "/rooms", token)
            .json(&json!({ "name": format!("r{}", rand_suffix()), "visibility": "public" })),
        "add_member" => app
            .http(Method::POST, &format!("/rooms/{room}/members"), token)
            .json(&json!({ "user_id": other })),
        "upload" => app
            .http(Method::POST, "/files?name=a.txt", token)
            .body("hello"),
        "search" => app.http(Method::GET, "/search?q=hello", token),
        other => panic!("no action for {other}"),
    };
    req.send().await.unwrap().status().as_u16()
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[tokio::test]
async fn every_costly_rest_action_has_its_own_limit_per_user() {
    for limit in [
        "react",
        "edit",
        "create_room",
        "add_member",
        "upload",
        "search",
    ] {
        let setting = format!("{limit}=2/1h");
        let app = app_limiting(&[&setting]).await;
        let (alice, _) = app.user("alice").await;
        let (bob, bob_user) = app.user("bob").await;
        // In #general, which everyone is in, so setting up spends nothing of any bucket.
        let (_, ready) = connect(&alice).await;
        let room = general(&ready);
        let (sent, _) = alice.send_message(&room, "hello", None).await.unwrap();
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(act(&app, &alice, limit, &room, &sent.id, &bob_user.id).await);
        }
        assert!(
            statuses[..2].iter().all(|s| *s < 400),
            "{limit}: {statuses:?}"
        );
        assert_eq!(statuses[2], 429, "{limit}: {statuses:?}");
        // Another user's bucket is their own.
        let (bobs_msg, _) = bob.send_message(&room, "hello", None).await.unwrap();
        let carol = app.user("carol").await.1.id;
        let status = act(&app, &bob, limit, &room, &bobs_msg.id, &carol).await;
        assert!(status < 400, "{limit}: bob got {status}");
    }
}

#[tokio::test]
async fn typing_toggles_past_the_limit_are_refused_on_an_open_socket() {
    let app = app_limiting(&["typing=2/1m"]).await;
    let (alice, _) = app.user("alice").await;
    let (mut conn, ready) = connect_live(&alice).await;
    let room = general(&ready);
    for active in [true, false, true] {
        let frame = ClientFrame::Typing {
            room_id: room.clone(),
            active,
        };
        conn.send(&frame).await.unwrap();
    }
    let refusal = expect_frame(&mut conn, "a refusal", |f| {
        matches!(f, ServerFrame::Error { .. })
    })
    .await;
    assert!(
        matches!(&refusal, ServerFrame::Error { code, retry_after_ms: Some(_), .. } if code == "rate_limited"),
        "{refusal:?}"
    );
    conn.send(&ClientFrame::Ping).await.unwrap();
    expect_frame(&mut conn, "pong", |f| matches!(f, ServerFrame::Pong)).await;
}
