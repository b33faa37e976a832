//! Accounts and sessions over real HTTP.

mod common;

use common::{password, spawn_app};
use natter_client::proto::UpdateProfileRequest;

#[tokio::test]
async fn the_first_account_is_admin_and_later_ones_are_not() {
    let app = spawn_app().await;
    let (_, alice) = app.user("alice").await;
    let (_, bob) = app.user("bob").await;
    assert!(alice.is_admin);
    assert!(!bob.is_admin);
    assert_eq!(
        alice.display_name, "alice",
        "display name defaults to the username"
    );
}

#[tokio::test]
async fn usernames_are_unique_ignoring_case_and_validated() {
    let app = spawn_app().await;
    app.user("alice").await;
    let mut c = app.client();
    let taken = c.register("ALICE", "password-x", None).await.unwrap_err();
    assert_eq!(
        (taken.status(), taken.code()),
        (Some(409), Some("username_taken"))
    );
    for bad in ["ab", "has space", "sl/ash", &"x".repeat(33)] {
        let err = c.register(bad, "password-x", None).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(422), Some("invalid_username")),
            "{bad}"
        );
    }
    let short = c.register("carol", "short", None).await.unwrap_err();
    assert_eq!(short.code(), Some("invalid_password"));
}

#[tokio::test]
async fn long_passwords_are_used_whole_not_truncated() {
    let app = spawn_app().await;
    let long = "p".repeat(200);
    let mut c = app.client();
    c.register("alice", &long, None).await.unwrap();
    let almost = "p".repeat(199) + "q";
    let err = app.client().login("alice", &almost).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_credentials"));
    app.client().login("alice", &long).await.unwrap();
}

#[tokio::test]
async fn login_failure_looks_the_same_for_unknown_users_and_wrong_passwords() {
    let app = spawn_app().await;
    app.user("alice").await;
    let wrong = app
        .client()
        .login("alice", "not-her-password")
        .await
        .unwrap_err();
    let unknown = app
        .client()
        .login("nobody", "not-her-password")
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(401));
    assert_eq!(wrong.to_string(), unknown.to_string());
    let mut c = app.client();
    c.login("ALICE", &password("alice")).await.unwrap();
    assert_eq!(c.me().await.unwrap().username, "alice");
}

#[tokio::test]
async fn register_sets_an_http_only_same_site_cookie_that_authenticates() {
    let app = spawn_app().await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/api/v1/auth/register", app.base))
        .json(&serde_json::json!({"username": "alice", "password": "password-alice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let me = http
        .get(format!("{}/api/v1/me", app.base))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn logout_revokes_the_token_at_once() {
    let app = spawn_app().await;
    let (mut alice, _) = app.user("alice").await;
    let token = alice.token().unwrap().to_owned();
    alice.logout().await.unwrap();
    let stale = app.client().with_token(token);
    let err = stale.me().await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(401), Some("unauthorized"))
    );
}

#[tokio::test]
async fn profiles_can_be_edited_within_limits() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let change = UpdateProfileRequest {
        display_name: Some("  Alice Liddell ".into()),
        status: Some("down the rabbit hole".into()),
    };
    let me = alice.update_profile(&change).await.unwrap();
    assert_eq!(
        (me.display_name.as_str(), me.status.as_str()),
        ("Alice Liddell", "down the rabbit hole")
    );
    let too_long = UpdateProfileRequest {
        status: Some("s".repeat(141)),
        ..Default::default()
    };
    let err = alice.update_profile(&too_long).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(422), Some("invalid_status"))
    );
    assert_eq!(
        alice.me().await.unwrap().status,
        "down the rabbit hole",
        "nothing was lost"
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let mut other_device = app.client();
    other_device
        .login("alice", &password("alice"))
        .await
        .unwrap();
    let wrong = alice
        .change_password("nope-nope", "new-password-1")
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(403));
    alice
        .change_password(&password("alice"), "new-password-1")
        .await
        .unwrap();
    assert!(
        alice.me().await.is_ok(),
        "the session that changed it stays"
    );
    assert_eq!(other_device.me().await.unwrap_err().status(), Some(401));
    assert!(app
        .client()
        .login("alice", &password("alice"))
        .await
        .is_err());
    app.client().login("alice", "new-password-1").await.unwrap();
}

#[tokio::test]
async fn users_can_be_found_by_username_prefix() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    app.user("albert").await;
    app.user("bob").await;
    let found: Vec<String> = alice
        .search_users("AL")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(found, ["albert", "alice"]);
    let wildcard = alice.search_users("%").await.unwrap();
    assert!(wildcard.is_empty(), "LIKE wildcards are matched literally");
}

/// A burst of 100 logins at once, more than the hashing queue holds (32 a core): every one is
/// answered, either signed in or told to come back (429), never failed otherwise or left
/// hanging, and each one told to come back gets in when it does.
#[tokio::test]
async fn a_burst_of_100_logins_is_answered_in_full() {
    let app = spawn_app().await;
    app.user("alice").await;
    let attempts: Vec<_> = (0..100)
        .map(|_| {
            let mut client = app.client();
            tokio::spawn(async move {
                let result = client.login("alice", &password("alice")).await;
                (client, result)
            })
        })
        .collect();
    let (mut signed_in, mut refused) = (0, Vec::new());
    for attempt in attempts {
        let (client, result) = attempt.await.unwrap();
        match result {
            Ok(auth) => {
                assert_eq!(auth.user.username, "alice");
                signed_in += 1;
            }
            Err(e) => {
                assert_eq!(e.status(), Some(429), "{e}");
                assert!(e.to_string().contains("rate_limited"), "{e}");
                refused.push(client);
            }
        }
    }
    assert!(signed_in > 0, "the queue let some in");
    assert_eq!(signed_in + refused.len(), 100);
    // Those told to come back do, one after another, and get in.
    for mut client in refused {
        client.login("alice", &password("alice")).await.unwrap();
        assert_eq!(client.me().await.unwrap().username, "alice");
    }
}
