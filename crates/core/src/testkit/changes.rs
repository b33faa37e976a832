//! Conformance of changes to stored messages: revs, tombstones, `changes_after`, threads
//! and pins.

use std::sync::Arc;

use super::{append, append_one, edit, ids, last_rev, msg, react, room, user};
use crate::{
    Message, MessageChange, MessageId, NewMessage, Reaction, RoomKind, Store, StoreError, Toggle,
};

pub(super) async fn a_change_bumps_the_rev_only_when_it_changes_something(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let other = room(s, a, "other", RoomKind::Public).await;
    let m = append(s, msg(general, a, "first", None)).await;
    assert_eq!((m.rev, last_rev(s, general).await), (0, 0));
    let steps = [
        (edit("first, edited"), true),
        (edit("first, edited"), false),
        (react(b, "👍", Toggle::On), true),
        (react(b, "👍", Toggle::On), false),
        (react(a, "👍", Toggle::On), true),
        (react(b, "👍", Toggle::Off), true),
        (react(b, "👍", Toggle::Off), false),
        (MessageChange::Pin { on: Toggle::On }, true),
        (MessageChange::Pin { on: Toggle::On }, false),
        (MessageChange::Pin { on: Toggle::Off }, true),
        (MessageChange::Pin { on: Toggle::Off }, false),
    ];
    let mut rev = 0;
    for (i, (change, changes)) in steps.into_iter().enumerate() {
        let out = s.change_message(m.id, change).await.unwrap();
        assert_eq!(out.changed, changes, "step {i}: changed");
        rev += i64::from(changes);
        assert_eq!(out.message.rev, rev, "step {i}: the message's rev");
        assert_eq!(
            last_rev(s, general).await,
            rev,
            "step {i}: the room's last_rev"
        );
        assert_eq!(s.message(m.id).await.unwrap().unwrap(), out.message);
    }
    let now = s.message(m.id).await.unwrap().unwrap();
    assert_eq!((now.seq, now.body.as_str()), (m.seq, "first, edited"));
    assert!(now.html.contains("first, edited") && now.edited_at.is_some());
    let only_alice = Reaction {
        emoji: "👍".into(),
        users: vec![a],
    };
    assert_eq!((now.reactions, now.pinned_at), (vec![only_alice], None));
    assert_eq!(
        last_rev(s, other).await,
        0,
        "other rooms count their own changes"
    );
    let missing = s.change_message(MessageId(m.id.0 + 1000), edit("x")).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

pub(super) async fn a_delete_leaves_a_tombstone(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let mut new = msg(general, a, "secret @bob", None);
    new.mentions = vec![b];
    let m = append(s, new).await;
    s.change_message(m.id, react(b, "🎉", Toggle::On))
        .await
        .unwrap();
    s.change_message(m.id, MessageChange::Pin { on: Toggle::On })
        .await
        .unwrap();
    let out = s.change_message(m.id, MessageChange::Delete).await.unwrap();
    assert!(out.changed);
    let tomb = s.message(m.id).await.unwrap().unwrap();
    assert_eq!(tomb, out.message);
    assert_eq!((tomb.id, tomb.seq), (m.id, m.seq), "it keeps its place");
    assert!(tomb.deleted_at.is_some());
    assert_eq!((tomb.body.as_str(), tomb.html.as_str()), ("", ""));
    assert!(tomb.reactions.is_empty() && tomb.mentions.is_empty());
    assert!(tomb.pinned_at.is_none());
    assert_eq!(tomb.rev, last_rev(s, general).await);
    let history = s.messages_after(general, 0, 10).await.unwrap();
    assert_eq!(history, [tomb]);
}

pub(super) async fn changes_after_lists_each_changed_message_once_by_rev(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let other = room(s, a, "other", RoomKind::Public).await;
    let mut m = Vec::new();
    for body in ["m1", "m2", "m3", "m4"] {
        m.push(append(s, msg(general, a, body, None)).await.id);
    }
    let elsewhere = append(s, msg(other, a, "x", None)).await.id;
    s.change_message(m[1], edit("m2 once")).await.unwrap();
    s.change_message(m[0], react(a, "👍", Toggle::On))
        .await
        .unwrap();
    s.change_message(elsewhere, edit("y")).await.unwrap();
    s.change_message(m[1], edit("m2 twice")).await.unwrap();
    s.change_message(m[3], edit("m4 once")).await.unwrap();
    let revs = |v: Vec<Message>| v.into_iter().map(|m| (m.id, m.rev)).collect::<Vec<_>>();
    let all = s.changes_after(general, 0, 4, 50).await.unwrap();
    assert_eq!(revs(all.clone()), [(m[0], 2), (m[1], 3), (m[3], 4)]);
    assert_eq!(all[1].body, "m2 twice", "each message once, as it is now");
    assert_eq!(
        ids(&s.changes_after(general, 2, 4, 50).await.unwrap()),
        [m[1], m[3]]
    );
    assert_eq!(
        ids(&s.changes_after(general, 0, 3, 50).await.unwrap()),
        [m[0], m[1]]
    );
    assert_eq!(
        ids(&s.changes_after(general, 0, 4, 1).await.unwrap()),
        [m[0]]
    );
    assert!(s.changes_after(general, 4, 4, 50).await.unwrap().is_empty());
    assert_eq!(
        ids(&s.changes_after(other, 0, 9, 50).await.unwrap()),
        [elsewhere]
    );
}

/// A reply quotes its parent as the reader sees it: the text without Markdown, on one line, at
/// most `markup::EXCERPT_CHARS` characters, whether the reply was just stored or read back.
pub(super) async fn reply_quotes_are_plain_text(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let long = format!("**Kickoff** :tada:\n\n- [x] {}", "agenda ".repeat(60));
    let root = append(s, msg(general, a, &long, None)).await;
    let reply = append(
        s,
        NewMessage {
            reply_to: Some(root.id),
            ..msg(general, b, "on it", None)
        },
    )
    .await;
    let expected = crate::markup::excerpt(&long);
    assert!(
        expected.starts_with("Kickoff 🎉 ☑ agenda agenda"),
        "{expected}"
    );
    assert_eq!(expected.chars().count(), crate::markup::EXCERPT_CHARS);
    assert_eq!(reply.reply_to.as_ref().unwrap().excerpt, expected);
    let read = s.messages_after(general, reply.seq - 1, 10).await.unwrap();
    assert_eq!(read[0].reply_to.as_ref().unwrap().excerpt, expected);
}

pub(super) async fn replies_join_the_thread_of_their_parent(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let root = append(s, msg(general, a, "root", None)).await;
    let plain = append_one(s, msg(general, b, "not a reply", None)).await;
    assert!(plain.thread_root.is_none() && plain.message.thread_root.is_none());
    let reply = |parent: MessageId, body: &str| NewMessage {
        reply_to: Some(parent),
        ..msg(general, b, body, None)
    };
    let first = append_one(s, reply(root.id, "first")).await;
    let quoted = first.message.reply_to.clone().expect("a reply");
    assert_eq!(
        (quoted.id, quoted.seq, quoted.sender_id),
        (root.id, root.seq, a)
    );
    assert_eq!((quoted.excerpt.as_str(), quoted.deleted), ("root", false));
    assert_eq!(first.message.thread_root, Some(root.id));
    let counted = first.thread_root.expect("the root as changed");
    assert_eq!((counted.id, counted.reply_count), (root.id, 1));
    assert_eq!(counted.last_reply_at, Some(first.message.created_at));
    assert_eq!((counted.rev, last_rev(s, general).await), (1, 1));

    let second = append_one(s, reply(first.message.id, "second")).await;
    assert_eq!(second.message.thread_root, Some(root.id), "the same thread");
    assert_eq!(
        second.message.reply_to.as_ref().unwrap().id,
        first.message.id
    );
    let counted = second.thread_root.expect("the root as changed");
    assert_eq!(
        (counted.id, counted.reply_count, counted.rev),
        (root.id, 2, 2)
    );
    assert_eq!(s.message(root.id).await.unwrap().unwrap(), counted);

    let (r1, r2) = (first.message.id, second.message.id);
    assert_eq!(ids(&s.thread(root.id, 0, 10).await.unwrap()), [r1, r2]);
    assert_eq!(
        ids(&s.thread(root.id, first.message.seq, 10).await.unwrap()),
        [r2]
    );
    assert_eq!(ids(&s.thread(root.id, 0, 1).await.unwrap()), [r1]);
    assert!(s.thread(plain.message.id, 0, 10).await.unwrap().is_empty());
}

pub(super) async fn pinned_lists_the_pinned_messages_of_one_room(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let general = s.member_rooms(a).await.unwrap()[0].id;
    let other = room(s, a, "other", RoomKind::Public).await;
    let mut m = Vec::new();
    for body in ["m1", "m2", "m3"] {
        m.push(append(s, msg(general, a, body, None)).await.id);
    }
    let elsewhere = append(s, msg(other, a, "x", None)).await.id;
    for id in [m[0], m[2], elsewhere] {
        let on = MessageChange::Pin { on: Toggle::On };
        s.change_message(id, on).await.unwrap();
    }
    let pins = s.pinned(general).await.unwrap();
    let mut found = ids(&pins);
    found.sort();
    assert_eq!(found, [m[0], m[2]]);
    assert!(pins.windows(2).all(|w| w[0].pinned_at >= w[1].pinned_at));
    assert!(pins.iter().all(|p| p.pinned_at.is_some()));
    let off = MessageChange::Pin { on: Toggle::Off };
    s.change_message(m[0], off).await.unwrap();
    assert_eq!(ids(&s.pinned(general).await.unwrap()), [m[2]]);
    s.change_message(m[2], MessageChange::Delete).await.unwrap();
    assert!(s.pinned(general).await.unwrap().is_empty());
    assert_eq!(ids(&s.pinned(other).await.unwrap()), [elsewhere]);
}
