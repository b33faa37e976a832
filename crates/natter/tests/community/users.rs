//! Managing accounts: deactivation, ending sessions, password reset links, deleting, and
//! creating accounts as an admin.

use std::time::Duration;

use natter_client::proto::admin::{CreateUserRequest, Registration, UpdateSettingsRequest};
use natter_client::proto::CLOSE_SESSION_ENDED;
use natter_client::{AuditFilter, Client};

use crate::common::{connect_live, expect_closed, general, password, refused, spawn_app};

/// The close code of a connection the server must close within one second.
async fn closed_within_a_second(conn: &mut natter_client::Connection) -> Option<u16> {
    tokio::time::timeout(Duration::from_secs(1), expect_closed(conn, "the close"))
        .await
        .expect("closed within a second")
}

#[tokio::test]
async fn a_deactivated_account_is_signed_out_everywhere_at_once_and_comes_back_when_reactivated() {
    let app = spawn_app().await;
    let (root, root_user) = app.user("root").await;
    let (bob, bob_user) = app.user("bob").await;
    let (mut bob_ws, ready) = connect_live(&bob).await;
    let mut second = app.client();
    second.login("bob", &password("bob")).await.unwrap();
    let (mut second_ws, _) = connect_live(&second).await;
    let room = general(&ready);
    let said = bob.send_message(&room, "before", None).await.unwrap().0;

    let gone = root
        .deactivate_user(&bob_user.id, "spamming")
        .await
        .unwrap();
    assert!(gone.deactivated);
    assert_eq!(
        closed_within_a_second(&mut bob_ws).await,
        Some(CLOSE_SESSION_ENDED)
    );
    assert_eq!(
        closed_within_a_second(&mut second_ws).await,
        Some(CLOSE_SESSION_ENDED)
    );
    assert_eq!(refused(bob.me().await).0, 401);
    let mut again = app.client();
    let login = again.login("bob", &password("bob")).await;
    assert_eq!(refused(login), (403, "account_deactivated".into()));
    let wrong = again.login("bob", "a wrong password").await;
    assert_eq!(
        refused(wrong),
        (401, "invalid_credentials".into()),
        "no hint without the password"
    );

    // The messages stay, from an account everyone can see is deactivated.
    let kept = root.message(&said.id).await.unwrap();
    assert_eq!(
        (kept.body.as_str(), kept.sender_id.as_str()),
        ("before", bob_user.id.as_str())
    );
    assert!(root.user(&bob_user.id).await.unwrap().deactivated);

    // Not oneself, not by a member; and the audit log keeps the reason.
    assert_eq!(
        refused(root.deactivate_user(&root_user.id, "").await).0,
        403
    );
    let (carol, carol_user) = app.user("carol").await;
    assert_eq!(
        refused(carol.deactivate_user(&root_user.id, "").await).0,
        403
    );
    let log = root
        .audit(&AuditFilter {
            kind: Some("user_deactivated"),
            ..Default::default()
        })
        .await
        .unwrap()
        .entries;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].reason, "spamming");

    root.reactivate_user(&bob_user.id).await.unwrap();
    again.login("bob", &password("bob")).await.unwrap();
    assert!(!again.me().await.unwrap().deactivated);
    let _ = carol_user;
}

#[tokio::test]
async fn ending_someones_sessions_closes_their_connections() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (bob, bob_user) = app.user("bob").await;
    let (mut bob_ws, _) = connect_live(&bob).await;
    root.end_user_sessions(&bob_user.id).await.unwrap();
    assert_eq!(
        closed_within_a_second(&mut bob_ws).await,
        Some(CLOSE_SESSION_ENDED)
    );
    assert_eq!(refused(bob.me().await).0, 401);
    // Bob may sign himself out everywhere too; nobody else but an admin may.
    let (carol, _) = app.user("carol").await;
    assert_eq!(refused(carol.end_user_sessions(&bob_user.id).await).0, 403);
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_signs_the_account_out() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (bob, bob_user) = app.user("bob").await;
    let (mut bob_ws, _) = connect_live(&bob).await;
    assert_eq!(refused(bob.password_reset_link(&bob_user.id).await).0, 403);
    let link = root.password_reset_link(&bob_user.id).await.unwrap();

    let anyone = app.client();
    let short = anyone.reset_password(&link.token, "short").await;
    assert_eq!(refused(short), (422, "invalid_password".into()));
    let url = format!("{}/?reset={}", app.base, link.token);
    anyone
        .reset_password(&url, "brand new password")
        .await
        .unwrap();
    assert_eq!(
        closed_within_a_second(&mut bob_ws).await,
        Some(CLOSE_SESSION_ENDED)
    );
    let twice = anyone.reset_password(&link.token, "another new one").await;
    assert_eq!(refused(twice), (403, "invalid_reset_link".into()));
    let mut bob_again = app.client();
    let old = bob_again.login("bob", &password("bob")).await;
    assert_eq!(refused(old).0, 401);
    bob_again.login("bob", "brand new password").await.unwrap();
}

#[tokio::test]
async fn a_deleted_account_leaves_its_messages_as_deleted_user_and_takes_its_files() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (bob, bob_user) = app.user("bob").await;
    let (_, ready) = connect_live(&root).await;
    let room = general(&ready);
    let file = bob
        .upload("notes.txt", b"private notes".to_vec())
        .await
        .unwrap();
    let sent = bob
        .send_with_files(&room, "my notes", &[file.id.as_str()])
        .await
        .unwrap();
    assert_eq!(
        refused(root.delete_user(&root.me().await.unwrap().id, "").await).0,
        403
    );

    root.delete_user(&bob_user.id, "left the team")
        .await
        .unwrap();
    let kept = root.message(&sent.id).await.unwrap();
    assert_eq!(
        (kept.body.as_str(), kept.sender_id.as_str()),
        ("my notes", bob_user.id.as_str())
    );
    assert!(
        kept.attachments.is_empty(),
        "the files went with the account"
    );
    assert_eq!(refused(root.download(&file.id).await).0, 404);
    let ghost = root.user(&bob_user.id).await.unwrap();
    assert!(ghost.deleted);
    assert_eq!(ghost.display_name, "Deleted user");
    assert!(!root
        .members(&room)
        .await
        .unwrap()
        .iter()
        .any(|m| m.id == bob_user.id));
    assert_eq!(refused(bob.me().await).0, 401);
    // The name stays taken unless the setting frees it.
    let mut again = app.client();
    let taken = again.register("bob", &password("bob"), None).await;
    assert_eq!(refused(taken), (409, "username_taken".into()));
    assert_eq!(refused(root.delete_user(&bob_user.id, "").await).0, 404);

    let (carol, carol_user) = app.user("carol").await;
    root.update_settings(&UpdateSettingsRequest {
        reuse_usernames: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    root.delete_user(&carol_user.id, "").await.unwrap();
    let mut new_carol = app.client();
    new_carol
        .register("carol", &password("carol"), None)
        .await
        .expect("the name is free again");
    let _ = carol;
}

#[tokio::test]
async fn admins_create_accounts_even_when_registration_is_closed_and_list_them() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    root.update_settings(&UpdateSettingsRequest {
        registration: Some(Registration::Closed),
        ..Default::default()
    })
    .await
    .unwrap();
    let req = |name: &str, admin| CreateUserRequest {
        username: name.into(),
        password: password(name),
        display_name: Some(format!("{name} the great")),
        admin,
    };
    let dana = root.create_user(&req("dana", false)).await.unwrap();
    let erin = root.create_user(&req("erin", true)).await.unwrap();
    assert!(!dana.is_admin && erin.is_admin);
    let mut as_dana = Client::new(&app.base);
    as_dana.login("dana", &password("dana")).await.unwrap();
    assert_eq!(
        refused(as_dana.create_user(&req("frank", false)).await).0,
        403
    );
    let taken = root.create_user(&req("dana", false)).await;
    assert_eq!(refused(taken), (409, "username_taken".into()));

    let found = root.list_users("great").await.unwrap();
    let names: Vec<&str> = found.iter().map(|s| s.user.username.as_str()).collect();
    assert_eq!(names, ["dana", "erin"]);
    assert_eq!(found[0].sessions, 1, "dana signed in once");
    assert_eq!(refused(as_dana.list_users("").await).0, 403);
}
