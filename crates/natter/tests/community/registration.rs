//! Who may create an account: open, by invite, or closed; and invites.

use natter_client::proto::admin::{Registration, UpdateSettingsRequest};
use natter_client::Client;

use crate::common::{password, refused, spawn_app_with, TestApp};

/// A server started without the test harness's open registration: as an operator gets it.
async fn as_shipped() -> (TestApp, Client) {
    let app = spawn_app_with(|s| s.registration = None).await;
    let (root, user) = app.user("root").await;
    assert!(
        user.is_admin,
        "the first account may always register, and is the admin"
    );
    (app, root)
}

async fn sign_up(app: &TestApp, name: &str, invite: &str) -> Result<Client, (u16, String)> {
    let mut client = app.client();
    match client
        .register_with_invite(name, &password(name), invite)
        .await
    {
        Ok(_) => Ok(client),
        Err(e) => Err(refused::<()>(Err(e))),
    }
}

#[tokio::test]
async fn after_the_first_account_sign_up_needs_an_invite_which_runs_out() {
    let (app, root) = as_shipped().await;
    let info = app.client().server_info().await.unwrap();
    assert_eq!(info.registration, Registration::Invite);
    let mut stranger = app.client();
    let plain = stranger
        .register("stranger", &password("stranger"), None)
        .await;
    assert_eq!(refused(plain), (403, "invite_required".into()));
    assert_eq!(
        sign_up(&app, "guesser", "0123abcd").await.err(),
        Some((403, "invalid_invite".into()))
    );

    let invite = root.create_invite(None, Some(2)).await.unwrap();
    let token = invite.token.clone().expect("the token, once");
    assert!(invite.usable);
    // The sign-up form takes the whole link or just the token.
    let link = format!("{}/?invite={token}", app.base);
    let bob = sign_up(&app, "bob", &link)
        .await
        .expect("bob signs up by link");
    sign_up(&app, "carol", &token)
        .await
        .expect("carol by token");
    assert_eq!(
        sign_up(&app, "dave", &token).await.err(),
        Some((403, "invalid_invite".into())),
        "two uses, then no more"
    );
    assert_eq!(bob.me().await.unwrap().username, "bob");

    // The admin sees who used it; the token is never shown again.
    let listed = root.invites().await.unwrap();
    let mine = listed.iter().find(|i| i.id == invite.id).unwrap();
    assert_eq!(mine.uses.len(), 2);
    assert!(!mine.usable);
    assert!(listed.iter().all(|i| i.token.is_none()));
}

#[tokio::test]
async fn a_revoked_invite_lets_nobody_in() {
    let (app, root) = as_shipped().await;
    let invite = root.create_invite(Some(3600), Some(10)).await.unwrap();
    let revoked = root.revoke_invite(&invite.id).await.unwrap();
    assert!(revoked.revoked_at.is_some() && !revoked.usable);
    let token = invite.token.unwrap();
    assert_eq!(
        sign_up(&app, "bob", &token).await.err(),
        Some((403, "invalid_invite".into()))
    );
}

#[tokio::test]
async fn closed_registration_refuses_every_sign_up_and_only_admins_change_it() {
    let (app, root) = as_shipped().await;
    let invite = root.create_invite(None, Some(5)).await.unwrap();
    let token = invite.token.unwrap();
    let bob = sign_up(&app, "bob", &token).await.unwrap();
    let grab = bob
        .update_settings(&UpdateSettingsRequest {
            registration: Some(Registration::Open),
            ..Default::default()
        })
        .await;
    assert_eq!(refused(grab).0, 403);
    assert_eq!(refused(bob.settings().await).0, 403);

    let closed = root
        .update_settings(&UpdateSettingsRequest {
            registration: Some(Registration::Closed),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(closed.registration, Registration::Closed);
    assert_eq!(
        sign_up(&app, "carol", &token).await.err(),
        Some((403, "registration_closed".into())),
        "even a valid invite"
    );
    let mut anyone = app.client();
    let plain = anyone.register("dave", &password("dave"), None).await;
    assert_eq!(refused(plain), (403, "registration_closed".into()));

    root.update_settings(&UpdateSettingsRequest {
        registration: Some(Registration::Open),
        server_name: Some("Team chat".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    app.user("erin").await;
    assert_eq!(app.client().server_info().await.unwrap().name, "Team chat");
    let bad_name = root
        .update_settings(&UpdateSettingsRequest {
            server_name: Some(" ".into()),
            ..Default::default()
        })
        .await;
    assert_eq!(refused(bad_name), (422, "invalid_server_name".into()));
}

#[tokio::test]
async fn members_create_invites_only_when_the_admin_allows_and_see_only_their_own() {
    let (app, root) = as_shipped().await;
    let admins = root.create_invite(None, Some(5)).await.unwrap();
    let bob = sign_up(&app, "bob", admins.token.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(refused(bob.create_invite(None, None).await).0, 403);

    root.update_settings(&UpdateSettingsRequest {
        members_can_invite: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    let bobs = bob.create_invite(None, None).await.unwrap();
    let seen: Vec<String> = bob
        .invites()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(seen, vec![bobs.id.clone()]);
    assert_eq!(refused(bob.revoke_invite(&admins.id).await).0, 404);
    bob.revoke_invite(&bobs.id).await.unwrap();
    assert_eq!(
        root.invites().await.unwrap().len(),
        2,
        "the admin sees both"
    );
}
