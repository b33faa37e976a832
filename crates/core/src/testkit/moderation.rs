//! Conformance checks for bans, mutes and slow mode.

use std::sync::Arc;

use super::{msg, room, user};
use crate::{NewRoom, RoomKind, Sanction, SanctionKind, Store, Timestamp, UserId};

fn sanction(room: crate::RoomId, user: UserId, kind: SanctionKind, until: Option<i64>) -> Sanction {
    Sanction {
        room,
        user,
        kind,
        until: until.map(Timestamp),
        reason: "why".into(),
        by: None,
        at: Timestamp(1),
    }
}

pub(super) async fn sanctions_are_in_force_until_they_end_or_are_lifted(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let room = s
        .create_room(NewRoom {
            name: "r".into(),
            topic: String::new(),
            kind: RoomKind::Public,
            creator: a,
        })
        .await
        .unwrap();
    let now = Timestamp(1_000);
    s.put_sanction(sanction(room.id, b, SanctionKind::Ban, Some(2_000)))
        .await
        .unwrap();
    let found = s
        .sanction(room.id, b, SanctionKind::Ban, now)
        .await
        .unwrap();
    assert_eq!(found.map(|x| x.until), Some(Some(Timestamp(2_000))));
    assert!(
        s.sanction(room.id, b, SanctionKind::Ban, Timestamp(2_000))
            .await
            .unwrap()
            .is_none(),
        "over once its time comes"
    );
    assert!(s
        .sanction(room.id, b, SanctionKind::Mute, now)
        .await
        .unwrap()
        .is_none());
    // A second ban replaces the first; for good has no end.
    s.put_sanction(sanction(room.id, b, SanctionKind::Ban, None))
        .await
        .unwrap();
    let listed = s
        .sanctions(room.id, SanctionKind::Ban, Timestamp(9_999))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].until, None);
    assert!(s
        .lift_sanction(room.id, b, SanctionKind::Ban)
        .await
        .unwrap());
    assert!(!s
        .lift_sanction(room.id, b, SanctionKind::Ban)
        .await
        .unwrap());
    assert!(s
        .sanctions(room.id, SanctionKind::Ban, now)
        .await
        .unwrap()
        .is_empty());
}

pub(super) async fn slow_mode_is_stored_and_last_posts_are_found(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let room = s
        .create_room(NewRoom {
            name: "r".into(),
            topic: String::new(),
            kind: RoomKind::Public,
            creator: a,
        })
        .await
        .unwrap();
    assert_eq!(room.slow_mode_secs, 0);
    assert_eq!(
        s.set_slow_mode(room.id, 30).await.unwrap().slow_mode_secs,
        30
    );
    assert_eq!(s.room(room.id).await.unwrap().unwrap().slow_mode_secs, 30);
    assert!(s.last_post_at(room.id, a).await.unwrap().is_none());
    let out = s
        .append_messages(vec![
            msg(room.id, a, "one", None),
            msg(room.id, a, "two", None),
        ])
        .await
        .unwrap();
    let last = out[1].as_ref().unwrap().message.created_at;
    assert_eq!(s.last_post_at(room.id, a).await.unwrap(), Some(last));
}

/// A send's standing read together says what the three reads it stands for say.
pub(super) async fn standing_is_what_the_reads_it_gathers_say(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let room = room(s, a, "r", RoomKind::Public).await;
    assert!(s.add_member(room, b).await.unwrap());
    s.put_sanction(sanction(room, b, SanctionKind::Mute, Some(2_000)))
        .await
        .unwrap();
    s.put_sanction(sanction(room, c, SanctionKind::Mute, Some(2_000)))
        .await
        .unwrap();
    let now = Timestamp(1_000);
    for (who, member) in [(a, true), (b, true), (c, false)] {
        let standing = s.standing(room, who, now).await.unwrap().unwrap();
        assert_eq!(Some(&standing.room), s.room(room).await.unwrap().as_ref());
        assert_eq!(standing.member, member);
        assert_eq!(
            standing.muted,
            s.sanction(room, who, SanctionKind::Mute, now)
                .await
                .unwrap()
        );
    }
    let muted = s.standing(room, b, now).await.unwrap().unwrap().muted;
    assert_eq!(muted.map(|m| m.kind), Some(SanctionKind::Mute));
    let later = s.standing(room, b, Timestamp(2_000)).await.unwrap();
    assert_eq!(later.unwrap().muted, None, "the mute ended");
    let gone = crate::RoomId(room.0 + 1_000);
    assert_eq!(s.standing(gone, a, now).await.unwrap(), None);
}

/// A send's standing follows every change to the room, the membership and the mute as soon as
/// the change returns, however often it was asked before (a back-end may keep standings
/// between writes), and messages sent meanwhile change nothing in it.
pub(super) async fn standing_follows_every_change_at_once(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let room = room(s, a, "r", RoomKind::Public).await;
    assert!(s.add_member(room, b).await.unwrap());
    let now = Timestamp::now();
    let standing = async |s: &dyn Store| s.standing(room, b, now).await.unwrap().unwrap();
    let asked = standing(s).await;
    assert!(asked.member);
    assert_eq!(asked.muted, None);

    let batch = vec![msg(room, b, "one", None), msg(room, a, "two", None)];
    for sent in s.append_messages(batch).await.unwrap() {
        sent.unwrap();
    }
    let after_sends = standing(s).await;
    assert!(after_sends.member);
    assert_eq!(after_sends.room.id, room);
    assert_eq!(after_sends.room.slow_mode_secs, asked.room.slow_mode_secs);

    s.put_sanction(sanction(room, b, SanctionKind::Mute, Some(now.0 + 60_000)))
        .await
        .unwrap();
    let muted = standing(s).await.muted;
    assert_eq!(muted.map(|m| m.kind), Some(SanctionKind::Mute), "muted");
    let later = s
        .standing(room, b, Timestamp(now.0 + 60_000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(later.muted, None, "the mute ran out");
    assert!(s.lift_sanction(room, b, SanctionKind::Mute).await.unwrap());
    assert_eq!(standing(s).await.muted, None, "unmuted");

    assert_eq!(s.set_slow_mode(room, 30).await.unwrap().slow_mode_secs, 30);
    assert_eq!(standing(s).await.room.slow_mode_secs, 30, "slow mode");
    let archive = crate::RoomUpdate {
        archived: Some(true),
        ..Default::default()
    };
    assert!(s.update_room(room, archive).await.unwrap().archived);
    assert!(standing(s).await.room.archived, "archived");

    assert!(s.remove_member(room, b).await.unwrap());
    assert!(!standing(s).await.member, "removed");
    assert!(s.add_member(room, b).await.unwrap());
    assert!(standing(s).await.member, "added again");

    s.delete_room(room).await.unwrap();
    assert_eq!(s.standing(room, b, now).await.unwrap(), None, "deleted");
}
