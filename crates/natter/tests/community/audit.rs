//! The audit log: what admins, moderators and security events leave behind.

use natter_client::proto::admin::UpdateSettingsRequest;
use natter_client::proto::{RoomRole, ServerRole, Visibility};
use natter_client::AuditFilter;
use reqwest::StatusCode;

use crate::common::{password, refused, spawn_app};

#[tokio::test]
async fn each_action_is_recorded_with_actor_target_and_address() {
    let app = spawn_app().await;
    let (root, root_user) = app.user("root").await;
    let (mut bob, bob_user) = app.user("bob").await;

    // Security events: a failed and a good login, a password change.
    let mut intruder = app.client();
    let failed = intruder.login("bob", "not bob's password").await;
    assert_eq!(refused(failed).0, 401);
    bob.login("bob", &password("bob")).await.unwrap();
    bob.change_password(&password("bob"), "a new password")
        .await
        .unwrap();
    // Administration: a setting, an invite made and revoked, a role.
    root.update_settings(&UpdateSettingsRequest {
        members_can_invite: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    let invite = root.create_invite(None, None).await.unwrap();
    root.revoke_invite(&invite.id).await.unwrap();
    root.set_server_role(&bob_user.id, ServerRole::Admin)
        .await
        .unwrap();
    let room = root
        .create_room("ops", None, Visibility::Public)
        .await
        .unwrap();
    bob.join(&room.id).await.unwrap();
    root.set_room_role(&room.id, &bob_user.id, RoomRole::Moderator)
        .await
        .unwrap();

    let log = root.audit(&AuditFilter::default()).await.unwrap().entries;
    let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "login_failed",
        "login",
        "password_changed",
        "settings_changed",
        "invite_created",
        "invite_revoked",
        "server_role_changed",
        "room_role_changed",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert!(
        log.windows(2)
            .all(|w| w[0].id.parse::<i64>().unwrap() > w[1].id.parse::<i64>().unwrap()),
        "newest first"
    );
    let failed = log.iter().find(|e| e.kind == "login_failed").unwrap();
    assert_eq!(failed.target_user_id.as_deref(), Some(bob_user.id.as_str()));
    assert_eq!(failed.addr.as_deref(), Some("127.0.0.1"));
    let promoted = log
        .iter()
        .find(|e| e.kind == "server_role_changed")
        .unwrap();
    assert_eq!(
        (
            promoted.actor_id.as_deref(),
            promoted.target_user_id.as_deref(),
            promoted.detail.as_str()
        ),
        (
            Some(root_user.id.as_str()),
            Some(bob_user.id.as_str()),
            "admin"
        )
    );
    let moderator = log.iter().find(|e| e.kind == "room_role_changed").unwrap();
    assert_eq!(moderator.target_room_id.as_deref(), Some(room.id.as_str()));
    assert!(log.iter().all(|e| !e.detail.contains("not bob's password")));

    // Filters: by kind, by actor, paged.
    let only = AuditFilter {
        kind: Some("invite_created"),
        ..Default::default()
    };
    let found = root.audit(&only).await.unwrap().entries;
    assert_eq!(found.len(), 1);
    let by_bob = AuditFilter {
        actor: Some(&bob_user.id),
        ..Default::default()
    };
    let found = root.audit(&by_bob).await.unwrap().entries;
    assert!(found
        .iter()
        .all(|e| e.actor_id.as_deref() == Some(bob_user.id.as_str())));
    assert!(!found.is_empty());
    let page = root
        .audit(&AuditFilter {
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    let before = page.next_before.expect("a next page");
    let next = root
        .audit(&AuditFilter {
            before: Some(&before),
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(next.entries[0].id, log[2].id);
    let bad = root
        .audit(&AuditFilter {
            kind: Some("nonsense"),
            ..Default::default()
        })
        .await;
    assert_eq!(refused(bad), (400, "invalid_query".into()));
}

#[tokio::test]
async fn only_admins_read_the_log_and_nobody_changes_it() {
    let app = spawn_app().await;
    let (root, root_user) = app.user("root").await;
    let (bob, _) = app.user("bob").await;
    assert_eq!(refused(bob.audit(&AuditFilter::default()).await).0, 403);
    let entry = root.audit(&AuditFilter::default()).await.unwrap().entries;
    let http = reqwest::Client::new();
    let token = root.token().unwrap();
    for (method, path) in [
        (reqwest::Method::DELETE, "/api/v1/admin/audit".to_owned()),
        (reqwest::Method::POST, "/api/v1/admin/audit".to_owned()),
        (reqwest::Method::PATCH, "/api/v1/admin/audit".to_owned()),
        (
            reqwest::Method::DELETE,
            format!(
                "/api/v1/admin/audit/{}",
                entry.first().map_or("1", |e| &e.id)
            ),
        ),
        (
            reqwest::Method::PATCH,
            format!(
                "/api/v1/admin/audit/{}",
                entry.first().map_or("1", |e| &e.id)
            ),
        ),
    ] {
        let resp = http
            .request(method.clone(), format!("{}{path}", app.base))
            .bearer_auth(token)
            .json(&serde_json::json!({"detail": "nothing happened"}))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_FOUND
            ),
            "{method} {path} answered {}",
            resp.status()
        );
    }
    let again = root.audit(&AuditFilter::default()).await.unwrap().entries;
    assert_eq!(again, entry, "nothing changed");
    let _ = root_user;
}
