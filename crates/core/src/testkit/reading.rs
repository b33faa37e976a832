//! Conformance of what each user gets to read: read state and its counts, search scoping,
//! and blocks.

use std::sync::Arc;

use super::{append, edit, msg, room, user};
use crate::{
    MessageChange, MessageId, NewMessage, RoomId, RoomKind, SearchQuery, SearchTerms, Store,
    Timestamp, Toggle, UserId,
};

pub(super) async fn read_state_counts_others_messages_and_mentions_and_never_goes_back(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let side = room(s, a, "side", RoomKind::Private).await;
    let mut mention = msg(general, a, "two @bob", None);
    mention.mentions = vec![b];
    assert_eq!(
        s.members_named(general, vec!["bob".into(), "zed".into()])
            .await
            .unwrap(),
        [b]
    );
    for new in [
        msg(general, a, "one", None),
        mention,
        msg(general, a, "three", None),
    ] {
        append(s, new).await;
    }
    append(s, msg(general, b, "four", None)).await;
    let state = |user: UserId, room: RoomId| async move {
        let all = s.read_states(user).await.unwrap();
        let r = all
            .into_iter()
            .find(|r| r.room_id == room)
            .expect("a member");
        (r.last_read, r.unread, r.mentions)
    };
    assert_eq!(
        s.read_states(b).await.unwrap().len(),
        1,
        "only rooms bob is in"
    );
    assert_eq!(
        state(b, general).await,
        (0, 3, 1),
        "bob's own message is not unread"
    );
    assert_eq!(state(a, general).await, (0, 1, 0));
    assert_eq!(state(a, side).await, (0, 0, 0));

    let moved = s.mark_read(general, b, 2).await.unwrap();
    assert_eq!(
        (moved.room_id, moved.last_read, moved.unread, moved.mentions),
        (general, 2, 1, 0)
    );
    let back = s.mark_read(general, b, 1).await.unwrap();
    assert_eq!(back.last_read, 2, "never back");
    assert_eq!(state(b, general).await, (2, 1, 0));

    let everyone = append(
        s,
        NewMessage {
            mentions_room: true,
            ..msg(general, a, "@room five", None)
        },
    )
    .await;
    assert_eq!(state(b, general).await, (2, 2, 1));
    assert_eq!(state(c, general).await, (0, 5, 1));
    assert_eq!(state(a, general).await, (0, 1, 0), "not the sender");
    s.change_message(everyone.id, MessageChange::Delete)
        .await
        .unwrap();
    assert_eq!(
        state(b, general).await,
        (2, 1, 0),
        "a tombstone counts for nothing"
    );

    let dave = user(s, "dave").await;
    assert_eq!(
        state(dave, general).await,
        (5, 0, 0),
        "a new member has read the past"
    );
}

pub(super) async fn search_finds_words_only_in_rooms_the_user_may_read(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let vault = room(s, a, "vault", RoomKind::Private).await;
    let plaza = room(s, a, "plaza", RoomKind::Public).await;
    let (dm, _) = s.find_or_create_dm(&[a, b], "dm".into()).await.unwrap();
    let g = append(s, msg(general, a, "zebra general", None)).await;
    let v = append(s, msg(vault, a, "zebra vault", None)).await;
    let d = append(s, msg(dm.id, b, "zebra dm", None)).await;
    let p = append(s, msg(plaza, a, "zebra plaza", None)).await;
    let query = |user: UserId, words: &str| SearchQuery {
        user,
        terms: SearchTerms::parse(words)
            .unwrap()
            .unwrap()
            .as_str()
            .to_owned(),
        room: None,
        sender: None,
        from: None,
        to: None,
        offset: 0,
        limit: 50,
    };
    let found = |q: SearchQuery| async move {
        let mut found: Vec<MessageId> = s
            .search(q)
            .await
            .unwrap()
            .iter()
            .map(|h| h.message.id)
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        found(query(c, "zebra")).await,
        [g.id, p.id],
        "public rooms only"
    );
    assert_eq!(found(query(c, "zeb")).await, [g.id, p.id]);
    assert_eq!(found(query(b, "zebra")).await, [g.id, d.id, p.id]);
    assert_eq!(found(query(a, "zebra")).await, [g.id, v.id, d.id, p.id]);
    assert!(found(query(c, "vault")).await.is_empty());
    let in_vault = SearchQuery {
        room: Some(vault),
        ..query(a, "zebra")
    };
    assert_eq!(found(in_vault).await, [v.id]);
    let by_bob = SearchQuery {
        sender: Some(b),
        ..query(a, "zebra")
    };
    assert_eq!(found(by_bob).await, [d.id]);
    let later = SearchQuery {
        from: Some(Timestamp::now().plus_secs(60)),
        ..query(a, "zebra")
    };
    assert!(found(later).await.is_empty());
    let earlier = SearchQuery {
        to: Some(Timestamp(0)),
        ..query(a, "zebra")
    };
    assert!(found(earlier).await.is_empty());
    let page = |offset| SearchQuery {
        offset,
        limit: 2,
        ..query(a, "zebra")
    };
    let (mut first, second) = (found(page(0)).await, found(page(2)).await);
    assert_eq!((first.len(), second.len()), (2, 2));
    first.extend(second);
    first.sort();
    assert_eq!(first, [g.id, v.id, d.id, p.id], "pages do not overlap");

    let hit = &s.search(query(a, "general")).await.unwrap()[0];
    assert_eq!(hit.message, g);
    assert!(
        hit.snippet.contains("\u{2}general\u{3}"),
        "{:?}",
        hit.snippet
    );
    s.change_message(v.id, edit("lion vault")).await.unwrap();
    assert_eq!(found(query(a, "lion")).await, [v.id]);
    s.change_message(g.id, MessageChange::Delete).await.unwrap();
    assert_eq!(found(query(a, "zebra")).await, [d.id, p.id]);
}

pub(super) async fn blocks_are_one_way_and_toggle(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let (dm, _) = s.find_or_create_dm(&[a, b], "dm".into()).await.unwrap();
    assert!(s.set_block(a, b, Toggle::On).await.unwrap());
    assert!(
        !s.set_block(a, b, Toggle::On).await.unwrap(),
        "already blocked"
    );
    assert_eq!(s.blocked_by(a).await.unwrap(), [b]);
    assert!(s.blocked_by(b).await.unwrap().is_empty());
    assert!(s.blocked_in(dm.id, b).await.unwrap());
    assert!(!s.blocked_in(dm.id, a).await.unwrap(), "one way");
    assert!(
        s.blocked_in(general, b).await.unwrap(),
        "alice is in general too"
    );
    assert!(!s.blocked_in(general, c).await.unwrap());
    assert!(s.blocked_by_any(&[a], b).await.unwrap());
    assert!(s.blocked_by_any(&[c, a], b).await.unwrap());
    assert!(!s.blocked_by_any(&[c], b).await.unwrap());
    assert!(!s.blocked_by_any(&[b], a).await.unwrap());
    assert!(!s.blocked_by_any(&[], b).await.unwrap());
    assert!(s.set_block(a, b, Toggle::Off).await.unwrap());
    assert!(
        !s.set_block(a, b, Toggle::Off).await.unwrap(),
        "already unblocked"
    );
    assert!(s.blocked_by(a).await.unwrap().is_empty());
    assert!(!s.blocked_in(dm.id, b).await.unwrap());
    assert!(!s.blocked_by_any(&[a], b).await.unwrap());
}
