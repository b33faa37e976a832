//! Conformance checks for roles: room owners and moderators, server admins, room counts.

use std::sync::Arc;

use super::user;
use crate::{NewRoom, RoomKind, RoomRole, Store, StoreError, Toggle};

pub(super) async fn a_room_has_one_owner_who_can_hand_it_over(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let room = s
        .create_room(NewRoom {
            name: "team".into(),
            topic: String::new(),
            kind: RoomKind::Private,
            creator: a,
        })
        .await
        .unwrap();
    assert_eq!(room.owner, Some(a), "the creator owns the room");
    assert!(room.moderators.is_empty());
    assert_eq!(
        s.room_role(room.id, a).await.unwrap(),
        Some(RoomRole::Owner)
    );
    assert_eq!(s.room_role(room.id, b).await.unwrap(), None);
    let refused = s.set_room_role(room.id, b, RoomRole::Moderator).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "members only");

    s.add_member(room.id, b).await.unwrap();
    s.add_member(room.id, c).await.unwrap();
    assert_eq!(
        s.room_role(room.id, b).await.unwrap(),
        Some(RoomRole::Member)
    );
    let changed = s
        .set_room_role(room.id, c, RoomRole::Moderator)
        .await
        .unwrap();
    assert_eq!(changed.moderators, vec![c]);
    let handed = s.set_room_role(room.id, b, RoomRole::Owner).await.unwrap();
    assert_eq!(handed.owner, Some(b));
    let mut staff = handed.moderators.clone();
    staff.sort();
    assert_eq!(staff, vec![a, c], "the old owner becomes a moderator");
    assert_eq!(s.room(room.id).await.unwrap().unwrap(), handed);

    // General exists from the start, owned by nobody; DMs have no owner either.
    let general = &s.member_rooms(a).await.unwrap()[0];
    assert_eq!(general.owner, None);
    let (dm, _) = s.find_or_create_dm(&[a, b], "a, b".into()).await.unwrap();
    assert_eq!((dm.owner, dm.moderators.len()), (None, 0));
    assert_eq!(s.find_dm(&[a, b]).await.unwrap().map(|r| r.id), Some(dm.id));
    assert!(s.find_dm(&[a, c]).await.unwrap().is_none());
}

pub(super) async fn the_last_admin_cannot_be_demoted(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let last = s.set_admin(a, Toggle::Off).await;
    assert!(matches!(last, Err(StoreError::Conflict("last admin"))));
    assert!(s.user(a).await.unwrap().unwrap().is_admin, "rolled back");
    assert!(s.set_admin(b, Toggle::On).await.unwrap().is_admin);
    assert!(!s.set_admin(a, Toggle::Off).await.unwrap().is_admin);
    let last = s.set_admin(b, Toggle::Off).await;
    assert!(matches!(last, Err(StoreError::Conflict("last admin"))));
}

pub(super) async fn room_counts_include_every_membership(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    assert_eq!(s.room_count(a).await.unwrap(), 1, "general");
    s.find_or_create_dm(&[a, b], "a, b".into()).await.unwrap();
    assert_eq!(s.room_count(a).await.unwrap(), 2);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    s.remove_member(general, a).await.unwrap();
    assert_eq!(s.room_count(a).await.unwrap(), 1);
}
