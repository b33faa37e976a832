//! The embedded web client is served by the server itself, with headers that keep it safe.
//! (The browser tests in web/e2e drive it in real Chromium.)

mod common;

use common::spawn_app;
use reqwest::{header, Method, StatusCode};

async fn get(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("request")
}

#[tokio::test]
async fn the_web_client_is_served_at_the_root_under_a_strict_content_security_policy() {
    let app = spawn_app().await;
    let page = get(&format!("{}/", app.base)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"<div id="app">"#), "{html}");
    // No outside host is needed at run time: every script and stylesheet comes from here.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );

    let script = html
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with(".js"))
        .expect("index.html loads a script from /assets/");
    let js = get(&format!("{}{script}", app.base)).await;
    assert_eq!(js.status(), StatusCode::OK);
    assert_eq!(
        js.headers()[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        js.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(!js.bytes().await.unwrap().is_empty());

    let icon = get(&format!("{}/favicon.svg", app.base)).await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()[header::CONTENT_TYPE], "image/svg+xml");
}

/// A room's or a message's address (`/r/ROOM`, `/r/ROOM/SEQ`) is the client's page, under the
/// same headers, whether or not the room exists: the page itself tells nothing.
#[tokio::test]
async fn room_and_message_addresses_are_the_client_page() {
    let app = spawn_app().await;
    let root = get(&format!("{}/", app.base)).await.text().await.unwrap();
    for path in ["/r/1", "/r/1/", "/r/42/7", "/r/999999/123"] {
        let page = get(&format!("{}{path}", app.base)).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        let headers = page.headers().clone();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert!(
            headers.contains_key(header::CONTENT_SECURITY_POLICY),
            "{path}"
        );
        assert_eq!(page.text().await.unwrap(), root, "{path}");
    }
}

#[tokio::test]
async fn paths_that_are_not_part_of_the_client_still_get_the_json_404() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/assets/missing.js",
        "/api/v1/nope",
        "/index.html/x",
        "/r",
        "/r/general",
        "/r/1/2/3",
    ] {
        let res = get(&format!("{}{path}", app.base)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let post = reqwest::Client::new()
        .request(Method::POST, format!("{}/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_signed_in_user_can_look_up_anyone_by_id_and_strangers_cannot() {
    let app = spawn_app().await;
    let (alice, alice_user) = app.user("alice").await;
    let (_bob, bob_user) = app.user("bob").await;
    let found = alice.user(&bob_user.id).await.expect("bob by id");
    assert_eq!(found, bob_user);
    assert_eq!(alice.user(&alice_user.id).await.unwrap(), alice_user);
    for missing in ["999", "not-a-number"] {
        let err = alice.user(missing).await.expect_err("no such user");
        assert_eq!(err.code(), Some("not_found"), "{missing}");
    }
    let anonymous = app
        .client()
        .user(&bob_user.id)
        .await
        .expect_err("needs a session");
    assert_eq!(anonymous.code(), Some("unauthorized"));
}
