//! Managing rooms: renaming, visibility, archiving, the room's rules, invitations to public
//! rooms, deleting, the admin's room list and default rooms.

use natter_client::proto::admin::UpdateSettingsRequest;
use natter_client::proto::{RoomRole, ServerFrame, UpdateRoomRequest, Visibility};
use natter_client::{Client, History};
use reqwest::Method;

use crate::common::{connect_live, expect_frame, refused, spawn_app, TestApp};

async fn patch(
    client: &Client,
    room: &str,
    change: UpdateRoomRequest,
) -> Result<natter_client::proto::Room, natter_client::ClientError> {
    client.update_room(room, &change).await
}

/// `root` (admin), `owner` with a room, `mod` moderating it, `member` in it, `outsider`.
async fn setup(app: &TestApp, visibility: Visibility) -> (Vec<(Client, String)>, String) {
    let mut people = Vec::new();
    for name in ["root", "owner", "mod", "member", "outsider"] {
        let (client, user) = app.user(name).await;
        people.push((client, user.id));
    }
    let room = people[1]
        .0
        .create_room("project", None, visibility)
        .await
        .unwrap();
    for i in [2, 3] {
        match visibility {
            Visibility::Public => people[i].0.join(&room.id).await.map(|_| ()).unwrap(),
            Visibility::Private => {
                people[1]
                    .0
                    .add_member(&room.id, &people[i].1)
                    .await
                    .unwrap();
            }
        }
    }
    people[1]
        .0
        .set_room_role(&room.id, &people[2].1, RoomRole::Moderator)
        .await
        .unwrap();
    (people, room.id)
}

#[tokio::test]
async fn moderators_rename_and_archive_a_room_which_then_is_read_only_and_unlisted() {
    let app = spawn_app().await;
    let (people, room) = setup(&app, Visibility::Public).await;
    let [_, (owner, _), (moderator, _), (member, _), (outsider, _)] = &people[..] else {
        unreachable!()
    };
    let said = owner
        .send_message(&room, "before the archive", None)
        .await
        .unwrap()
        .0;
    let rename = |name: &str| UpdateRoomRequest {
        name: Some(name.into()),
        ..Default::default()
    };
    assert_eq!(refused(patch(member, &room, rename("mine")).await).0, 403);
    let (mut member_ws, _) = connect_live(member).await;
    let renamed = patch(moderator, &room, rename("project-x")).await.unwrap();
    assert_eq!(renamed.name, "project-x");
    expect_frame(
        &mut member_ws,
        "the new name",
        |f| matches!(f, ServerFrame::Room { room: r } if r.name == "project-x"),
    )
    .await;

    let archive = UpdateRoomRequest {
        archived: Some(true),
        ..Default::default()
    };
    let archived = patch(moderator, &room, archive).await.unwrap();
    assert!(archived.archived);
    let send = member.send_message(&room, "hello?", None).await;
    assert_eq!(refused(send).0, 403);
    assert_eq!(refused(member.react(&said.id, "👍").await).0, 403);
    assert_eq!(refused(outsider.join(&room).await).0, 403);
    assert!(
        !outsider.rooms().await.unwrap().iter().any(|r| r.id == room),
        "unlisted"
    );
    let history = member.messages(&room, History::default()).await.unwrap();
    assert_eq!(
        history.messages[0].body, "before the archive",
        "members still read it"
    );

    let back = UpdateRoomRequest {
        archived: Some(false),
        ..Default::default()
    };
    patch(owner, &room, back).await.unwrap();
    member
        .send_message(&room, "we are back", None)
        .await
        .unwrap();
    assert!(outsider.rooms().await.unwrap().iter().any(|r| r.id == room));
}

#[tokio::test]
async fn a_room_decides_whether_members_change_the_topic_and_add_people() {
    let app = spawn_app().await;
    let (people, room) = setup(&app, Visibility::Private).await;
    let [_, _, (moderator, _), (member, _), (_, outsider_id)] = &people[..] else {
        unreachable!()
    };
    assert_eq!(refused(member.add_member(&room, outsider_id).await).0, 403);
    member
        .set_topic(&room, "members may, by default")
        .await
        .unwrap();
    let rules = UpdateRoomRequest {
        members_can_set_topic: Some(false),
        members_can_add: Some(true),
        ..Default::default()
    };
    let now = patch(moderator, &room, rules).await.unwrap();
    assert!(!now.members_can_set_topic && now.members_can_add);
    assert_eq!(refused(member.set_topic(&room, "mine").await).0, 403);
    moderator
        .set_topic(&room, "moderators decide")
        .await
        .unwrap();
    member.add_member(&room, outsider_id).await.unwrap();
    // Private to public and back: visibility is the moderators' to switch.
    let public = UpdateRoomRequest {
        visibility: Some(Visibility::Public),
        ..Default::default()
    };
    assert_eq!(refused(patch(member, &room, public.clone()).await).0, 403);
    let switched = patch(moderator, &room, public).await.unwrap();
    assert_eq!(switched.kind, natter_client::proto::RoomKind::Public);
}

#[tokio::test]
async fn adding_someone_to_a_public_room_invites_them_and_they_decide() {
    let app = spawn_app().await;
    let (people, room) = setup(&app, Visibility::Public).await;
    let [_, _, _, (member, member_id), (outsider, outsider_id)] = &people[..] else {
        unreachable!()
    };
    let (mut outsider_ws, _) = connect_live(outsider).await;
    let resp = app
        .http(
            Method::POST,
            &format!("/rooms/{room}/members"),
            member.token(),
        )
        .json(&serde_json::json!({ "user_id": outsider_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202, "an invitation, not a membership");
    expect_frame(
        &mut outsider_ws,
        "the invitation",
        |f| matches!(f, ServerFrame::Invited { room: r, by } if r.id == room && by == member_id),
    )
    .await;
    let members = member.members(&room).await.unwrap();
    assert!(
        !members.iter().any(|m| &m.id == outsider_id),
        "not a member yet"
    );
    let pending = outsider.invitations().await.unwrap();
    assert_eq!(pending.len(), 1);
    outsider.join(&room).await.unwrap();
    assert!(
        outsider.invitations().await.unwrap().is_empty(),
        "joining answers it"
    );

    // Declining forgets it.
    let (other, other_user) = app.user("other").await;
    member.add_member(&room, &other_user.id).await.unwrap();
    other.decline_invitation(&room).await.unwrap();
    assert!(other.invitations().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_owner_deletes_a_room_after_confirming_and_every_member_loses_it() {
    let app = spawn_app().await;
    let (people, room) = setup(&app, Visibility::Private).await;
    let [(root, _), (owner, _), (moderator, _), (member, _), _] = &people[..] else {
        unreachable!()
    };
    let file = member
        .upload("plan.txt", b"the plan".to_vec())
        .await
        .unwrap();
    member
        .send_with_files(&room, "the plan", &[file.id.as_str()])
        .await
        .unwrap();
    assert_eq!(
        refused(moderator.delete_room(&room, "project").await).0,
        403
    );
    assert_eq!(
        refused(owner.delete_room(&room, "Project?").await),
        (409, "confirmation_required".into())
    );
    let (mut member_ws, _) = connect_live(member).await;
    owner.delete_room(&room, "project").await.unwrap();
    expect_frame(
        &mut member_ws,
        "the deletion",
        |f| matches!(f, ServerFrame::RoomDeleted { room_id } if *room_id == room),
    )
    .await;
    assert_eq!(
        refused(member.messages(&room, History::default()).await).0,
        404
    );
    assert_eq!(refused(member.download(&file.id).await).0, 404);
    assert_eq!(refused(root.room(&room).await).0, 404);
}

#[tokio::test]
async fn admins_list_every_room_without_reading_private_ones_and_set_default_rooms() {
    let app = spawn_app().await;
    let (people, room) = setup(&app, Visibility::Private).await;
    let [(root, _), (owner, _), _, (member, _), _] = &people[..] else {
        unreachable!()
    };
    let listed = root.admin_rooms("proj").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].room.id.as_str(), listed[0].members),
        (room.as_str(), 3)
    );
    assert_eq!(
        refused(root.messages(&room, History::default()).await).0,
        404
    );
    assert_eq!(refused(member.admin_rooms("").await).0, 403);
    // An admin can archive a private room they are not in.
    let archive = UpdateRoomRequest {
        archived: Some(true),
        ..Default::default()
    };
    assert!(patch(root, &room, archive).await.unwrap().archived);

    let lobby = owner
        .create_room("lobby", None, Visibility::Public)
        .await
        .unwrap();
    let wrong = root
        .update_settings(&UpdateSettingsRequest {
            default_room_ids: Some(vec![room.clone()]),
            ..Default::default()
        })
        .await;
    assert_eq!(
        refused(wrong),
        (422, "invalid_default_rooms".into()),
        "private rooms cannot be defaults"
    );
    root.update_settings(&UpdateSettingsRequest {
        default_room_ids: Some(vec![lobby.id.clone()]),
        ..Default::default()
    })
    .await
    .unwrap();
    let (newcomer, _) = app.user("newcomer").await;
    let rooms: Vec<String> = newcomer
        .rooms()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind != natter_client::proto::RoomKind::Public || r.name == "lobby")
        .map(|r| r.name)
        .collect();
    assert_eq!(rooms, ["lobby"]);
    let (_, ready) = connect_live(&newcomer).await;
    let ServerFrame::Ready { rooms, .. } = ready else {
        unreachable!()
    };
    let names: Vec<&str> = rooms.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["lobby"], "only the default rooms, not general");
}
