//! Cross-site requests: a cookie-carrying request that changes something must come from the
//! server's own origin, scheme included; API answers are never cached; cookies are `Secure`
//! when the server says it is served over HTTPS.

use reqwest::{Method, StatusCode};

use crate::common::*;

/// A request authenticated only by the session cookie, as a browser sends it.
fn by_cookie(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    app.http(method, path, None)
        .header("cookie", format!("natter_session={token}"))
}

#[tokio::test]
async fn cookie_requests_from_another_origin_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let token = alice.token().unwrap().to_owned();
    let (_, ready) = connect(&alice).await;
    let room = general(&ready);
    let own = format!("http://{}", app.addr);
    let send = |origin: Option<&str>, fetch_site: Option<&str>| {
        let mut req = by_cookie(
            &app,
            Method::POST,
            &format!("/rooms/{room}/messages"),
            &token,
        )
        .json(&serde_json::json!({ "body": "forged?" }));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(s) = fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        req.send()
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        // Same host and port, other scheme: another origin.
        (Some(own.replace("http://", "https://").as_str()), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
    ] {
        let resp = send(origin, site).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden_origin");
    }
    let history = alice.messages(&room, Default::default()).await.unwrap();
    assert!(history.messages.is_empty(), "nothing forged was stored");
    // Logout, join and leave are guarded the same way.
    let resp = by_cookie(&app, Method::POST, "/auth/logout", &token)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    alice.me().await.expect("still signed in");

    // From its own origin, or with no browser headers at all, the same request works.
    assert_eq!(
        send(Some(&own), None).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        send(None, Some("same-origin")).await.unwrap().status(),
        StatusCode::CREATED
    );
    assert_eq!(
        send(None, None).await.unwrap().status(),
        StatusCode::CREATED
    );
    // An Authorization header that is not a bearer token (a proxy's Basic auth, which browsers
    // send cross-site) does not take the cookie's place in the check.
    let resp = by_cookie(
        &app,
        Method::POST,
        &format!("/rooms/{room}/messages"),
        &token,
    )
    .header("authorization", "Basic dXNlcjpwYXNz")
    .header("origin", "https://evil.example")
    .json(&serde_json::json!({ "body": "forged with basic auth" }))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // A bearer token cannot be sent by another site, so its requests need no origin.
    let resp = app
        .http(
            Method::POST,
            &format!("/rooms/{room}/messages"),
            Some(&token),
        )
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({ "body": "by bearer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_cookie_websocket_upgrade_must_match_the_origin_scheme_included() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let token = alice.token().unwrap().to_owned();
    let upgrade = |origin: &str| {
        app.http(Method::GET, "/ws", None)
            .header("cookie", format!("natter_session={token}"))
            .header("origin", origin)
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .send()
    };
    let own = format!("http://{}", app.addr);
    let resp = upgrade(&own.replace("http://", "https://")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = upgrade(&own).await.unwrap();
    assert_eq!(resp.status(), StatusCode::SWITCHING_PROTOCOLS);
}

#[tokio::test]
async fn api_answers_are_not_cached_and_cookies_are_secure_behind_https() {
    let app = spawn_app_with(|s| s.secure_cookies = Some(true)).await;
    let (alice, _) = app.user("alice").await;
    let resp = app
        .http(Method::GET, "/me", alice.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let resp = app
        .http(Method::POST, "/auth/login", None)
        .json(&serde_json::json!({ "username": "alice", "password": password("alice") }))
        .send()
        .await
        .unwrap();
    let token = resp.headers().get_all("set-cookie").iter().count();
    assert_eq!(token, 2);
    for cookie in resp.headers().get_all("set-cookie") {
        assert!(cookie.to_str().unwrap().contains("; Secure"), "{cookie:?}");
    }
    let body: serde_json::Value = resp.json().await.unwrap();
    let session = body["token"].as_str().unwrap();
    // The browser is on https here: its own origin is the https one.
    let resp = by_cookie(&app, Method::POST, "/auth/logout", session)
        .header("origin", format!("https://{}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let cleared = resp.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("; Secure"),
        "{cleared}"
    );
}
