//! Server roles (admin, member) and room roles (owner, moderator, member).

use natter_client::proto::{RoomRole, ServerFrame, ServerRole, Visibility};
use natter_client::Client;

use crate::common::{connect_live, expect_frame, refused, spawn_app, TestApp};

/// A server whose first account (the admin) is `root`, so the named users are plain members.
async fn community() -> TestApp {
    let app = spawn_app().await;
    app.user("root").await;
    app
}

async fn say(client: &Client, room: &str, body: &str) -> String {
    client.send_message(room, body, None).await.unwrap().0.id
}

#[tokio::test]
async fn a_rooms_creator_owns_it_and_the_moderators_they_appoint_moderate() {
    let app = community().await;
    let (bob, bob_user) = app.user("bob").await;
    let (carol, carol_user) = app.user("carol").await;
    let (dave, dave_user) = app.user("dave").await;
    let room = bob
        .create_room("plans", None, Visibility::Public)
        .await
        .unwrap();
    assert_eq!(room.owner_id.as_deref(), Some(bob_user.id.as_str()));
    assert!(room.moderator_ids.is_empty());
    carol.join(&room.id).await.unwrap();
    dave.join(&room.id).await.unwrap();
    let spam = say(&dave, &room.id, "buy now").await;

    // A plain member neither deletes others' messages nor pins nor appoints.
    assert_eq!(refused(carol.delete_message(&spam).await).0, 403);
    assert_eq!(refused(carol.pin(&spam).await).0, 403);
    let appoint = carol
        .set_room_role(&room.id, &dave_user.id, RoomRole::Moderator)
        .await;
    assert_eq!(refused(appoint), (403, "forbidden".into()));

    // The owner appoints carol; every member hears the room's new staff, live.
    let (mut dave_ws, _) = connect_live(&dave).await;
    let changed = bob
        .set_room_role(&room.id, &carol_user.id, RoomRole::Moderator)
        .await
        .unwrap();
    assert_eq!(changed.moderator_ids, vec![carol_user.id.clone()]);
    let heard = expect_frame(&mut dave_ws, "the room with its moderator", |f| {
        matches!(f, ServerFrame::Room { room: r } if r.id == room.id && !r.moderator_ids.is_empty())
    })
    .await;
    let ServerFrame::Room { room: heard } = heard else {
        unreachable!()
    };
    assert_eq!(heard.moderator_ids, vec![carol_user.id.clone()]);

    // Now carol moderates: she pins and deletes dave's message, but still cannot appoint.
    carol.pin(&spam).await.unwrap();
    let deleted = carol.delete_message(&spam).await.unwrap();
    assert!(deleted.deleted);
    let appoint = carol
        .set_room_role(&room.id, &dave_user.id, RoomRole::Moderator)
        .await;
    assert_eq!(refused(appoint).0, 403);

    // And back: a moderator made a member again loses it at once.
    bob.set_room_role(&room.id, &carol_user.id, RoomRole::Member)
        .await
        .unwrap();
    let again = say(&dave, &room.id, "again").await;
    assert_eq!(refused(carol.delete_message(&again).await).0, 403);
}

#[tokio::test]
async fn the_owner_hands_the_room_over_and_cannot_step_down_otherwise() {
    let app = community().await;
    let (bob, bob_user) = app.user("bob").await;
    let (carol, carol_user) = app.user("carol").await;
    let room = bob
        .create_room("handover", None, Visibility::Private)
        .await
        .unwrap();
    let demote_self = bob
        .set_room_role(&room.id, &bob_user.id, RoomRole::Member)
        .await;
    assert_eq!(refused(demote_self).0, 403);

    // Someone outside a private room learns nothing about it; a non-member target is 404.
    let outside = carol
        .set_room_role(&room.id, &carol_user.id, RoomRole::Owner)
        .await;
    assert_eq!(refused(outside), (404, "not_found".into()));
    let not_member = bob
        .set_room_role(&room.id, &carol_user.id, RoomRole::Moderator)
        .await;
    assert_eq!(refused(not_member), (404, "not_found".into()));

    bob.add_member(&room.id, &carol_user.id).await.unwrap();
    let handed = bob
        .set_room_role(&room.id, &carol_user.id, RoomRole::Owner)
        .await
        .unwrap();
    assert_eq!(handed.owner_id.as_deref(), Some(carol_user.id.as_str()));
    assert_eq!(handed.moderator_ids, vec![bob_user.id.clone()]);
    // The new owner decides now; the old one moderates but appoints no one.
    let back = bob
        .set_room_role(&room.id, &bob_user.id, RoomRole::Owner)
        .await;
    assert_eq!(refused(back).0, 403);
    carol
        .set_room_role(&room.id, &bob_user.id, RoomRole::Member)
        .await
        .unwrap();
    let room = carol.room(&room.id).await.unwrap();
    assert!(room.moderator_ids.is_empty());
}

#[tokio::test]
async fn admins_appoint_admins_and_the_last_admin_stays_one() {
    let app = spawn_app().await;
    let (root, root_user) = app.user("root").await;
    let (bob, bob_user) = app.user("bob").await;
    assert!(root_user.is_admin && !bob_user.is_admin);

    let grab = bob.set_server_role(&bob_user.id, ServerRole::Admin).await;
    assert_eq!(refused(grab), (403, "forbidden".into()));
    let alone = root
        .set_server_role(&root_user.id, ServerRole::Member)
        .await;
    assert_eq!(refused(alone), (409, "last_admin".into()));
    let nobody = root.set_server_role("999999", ServerRole::Admin).await;
    assert_eq!(refused(nobody).0, 404);

    // Bob hears of his promotion on his open connection.
    let (mut bob_ws, _) = connect_live(&bob).await;
    let promoted = root
        .set_server_role(&bob_user.id, ServerRole::Admin)
        .await
        .unwrap();
    assert!(promoted.is_admin);
    expect_frame(
        &mut bob_ws,
        "bob's account as an admin",
        |f| matches!(f, ServerFrame::User { user } if user.id == bob_user.id && user.is_admin),
    )
    .await;
    assert!(bob.me().await.unwrap().is_admin);

    // With two admins, root may step down; then bob is the last and cannot.
    root.set_server_role(&root_user.id, ServerRole::Member)
        .await
        .unwrap();
    let last = bob.set_server_role(&bob_user.id, ServerRole::Member).await;
    assert_eq!(refused(last), (409, "last_admin".into()));
    // A former admin has no power left.
    let gone = root.set_server_role(&root_user.id, ServerRole::Admin).await;
    assert_eq!(refused(gone).0, 403);
}

#[tokio::test]
async fn an_admin_manages_roles_in_a_private_room_they_are_not_in() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (bob, _) = app.user("bob").await;
    let (_, carol_user) = app.user("carol").await;
    let room = bob
        .create_room("secret", None, Visibility::Private)
        .await
        .unwrap();
    bob.add_member(&room.id, &carol_user.id).await.unwrap();
    let changed = root
        .set_room_role(&room.id, &carol_user.id, RoomRole::Moderator)
        .await
        .unwrap();
    assert_eq!(changed.moderator_ids, vec![carol_user.id.clone()]);
    // Managing is not reading: the admin still cannot see the room's messages.
    let history = root
        .messages(&room.id, natter_client::History::default())
        .await;
    assert_eq!(refused(history).0, 404);
}
