//! The storage conformance suite. Every [`Store`] back-end runs [`conformance`] against fresh,
//! empty stores; passing it is what "implements Store" means.

mod admin;
mod arrival;
mod changes;
mod files;
mod moderation;
mod pages;
mod presence;
mod reading;
mod roles;
mod users;

use std::future::Future;
use std::sync::Arc;

use crate::{
    AppendOutcome, ClientId, Emoji, Message, MessageBody, MessageChange, MessageId, NewMessage,
    NewRoom, NewSession, NewUser, ProfileChange, RoomId, RoomKind, Store, StoreError, Timestamp,
    Toggle, Topic, UserId, Username,
};

/// Runs every check, each on a new store from `fresh`. Panics name the failed check.
pub async fn conformance<F, Fut>(fresh: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    users_are_unique_ignoring_case_and_the_first_is_admin(fresh().await).await;
    every_new_user_joins_general(fresh().await).await;
    sessions_are_found_by_hash_until_they_expire_or_are_deleted(fresh().await).await;
    rooms_have_members_and_visibility(fresh().await).await;
    a_topic_is_replaced_and_can_be_cleared(fresh().await).await;
    a_dm_is_the_same_room_for_the_same_people(fresh().await).await;
    presence::presence_peers_are_the_people_in_ones_small_rooms(fresh().await).await;
    arrival::arrival_is_what_the_reads_it_gathers_say(fresh().await).await;
    moderation::standing_is_what_the_reads_it_gathers_say(fresh().await).await;
    moderation::standing_follows_every_change_at_once(fresh().await).await;
    seqs_are_gapless_across_batches_and_client_ids_dedupe(fresh().await).await;
    history_pages_in_both_directions(fresh().await).await;
    pages::the_page_version_changes_with_everything_the_newest_page_shows(fresh().await).await;
    // Rich messaging.
    changes::a_change_bumps_the_rev_only_when_it_changes_something(fresh().await).await;
    changes::a_delete_leaves_a_tombstone(fresh().await).await;
    changes::changes_after_lists_each_changed_message_once_by_rev(fresh().await).await;
    changes::replies_join_the_thread_of_their_parent(fresh().await).await;
    changes::reply_quotes_are_plain_text(fresh().await).await;
    changes::pinned_lists_the_pinned_messages_of_one_room(fresh().await).await;
    reading::read_state_counts_others_messages_and_mentions_and_never_goes_back(fresh().await)
        .await;
    reading::search_finds_words_only_in_rooms_the_user_may_read(fresh().await).await;
    reading::blocks_are_one_way_and_toggle(fresh().await).await;
    // Files.
    files::files_count_against_their_owners_quota(fresh().await).await;
    files::a_file_is_attached_once_by_its_owner_and_goes_with_its_message(fresh().await).await;
    files::only_unattached_files_are_removed_as_abandoned(fresh().await).await;
    files::a_persons_own_messages_and_files_are_listed_for_their_export(fresh().await).await;
    // Roles.
    roles::a_room_has_one_owner_who_can_hand_it_over(fresh().await).await;
    roles::the_last_admin_cannot_be_demoted(fresh().await).await;
    roles::room_counts_include_every_membership(fresh().await).await;
    // Administration.
    admin::settings_are_stored_and_replaced(fresh().await).await;
    admin::an_invite_admits_up_to_its_uses_until_it_expires_or_is_revoked(fresh().await).await;
    admin::the_audit_log_filters_pages_and_prunes(fresh().await).await;
    admin::the_health_probe_writes_again_and_again(fresh().await).await;
    users::deactivation_ends_sessions_and_keeps_an_admin(fresh().await).await;
    users::a_password_reset_works_once(fresh().await).await;
    users::a_deleted_account_keeps_its_row_and_loses_the_rest(fresh().await).await;
    moderation::sanctions_are_in_force_until_they_end_or_are_lifted(fresh().await).await;
    moderation::slow_mode_is_stored_and_last_posts_are_found(fresh().await).await;
}

async fn user(store: &dyn Store, name: &str) -> UserId {
    let new = NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.to_owned(),
        password_hash: format!("hash-of-{name}"),
        invite: None,
        default_rooms: None,
    };
    store.create_user(new).await.unwrap().id
}

fn msg(room: crate::RoomId, sender: UserId, body: &str, client_id: Option<&str>) -> NewMessage {
    NewMessage {
        room_id: room,
        sender_id: sender,
        html: crate::markup::render(body),
        body: MessageBody::parse(body).unwrap(),
        client_id: client_id.map(|c| ClientId::parse(c).unwrap()),
        reply_to: None,
        mentions: Vec::new(),
        mentions_room: false,
        attachments: Vec::new(),
    }
}

async fn users_are_unique_ignoring_case_and_the_first_is_admin(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let first = user(s, "alice").await;
    let second = user(s, "bob").await;
    assert!(s.user(first).await.unwrap().unwrap().is_admin);
    assert!(!s.user(second).await.unwrap().unwrap().is_admin);
    let dup = NewUser {
        username: Username::parse("ALICE").unwrap(),
        display_name: "x".into(),
        password_hash: "h".into(),
        invite: None,
        default_rooms: None,
    };
    assert!(matches!(
        s.create_user(dup).await,
        Err(StoreError::Conflict(_))
    ));
    let creds = s
        .credentials(&Username::parse("Alice").unwrap())
        .await
        .unwrap();
    assert_eq!(creds.unwrap().password_hash, "hash-of-alice");
    s.set_password_hash(first, "new".into()).await.unwrap();
    assert_eq!(s.password_hash(first).await.unwrap(), "new");
    let change = ProfileChange {
        display_name: Some("Alice A.".into()),
        status: Some("busy".into()),
    };
    let updated = s.update_profile(first, change).await.unwrap();
    assert_eq!(
        (updated.display_name.as_str(), updated.status.as_str()),
        ("Alice A.", "busy")
    );
    let found = s.users_by_prefix("al", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    s.set_last_seen(&[first, second], Timestamp(42))
        .await
        .unwrap();
    assert_eq!(
        s.user(first).await.unwrap().unwrap().last_seen,
        Some(Timestamp(42))
    );
    assert_eq!(
        s.user(second).await.unwrap().unwrap().last_seen,
        Some(Timestamp(42))
    );
}

async fn every_new_user_joins_general(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let rooms = s.member_rooms(a).await.unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(
        (rooms[0].name.as_str(), rooms[0].kind),
        ("general", RoomKind::Public)
    );
}

async fn sessions_are_found_by_hash_until_they_expire_or_are_deleted(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let now = Timestamp::now();
    let new = |b: u8, exp: Timestamp| NewSession {
        user_id: a,
        token_hash: [b; 32],
        expires_at: exp,
    };
    let live = s.create_session(new(1, now.plus_secs(60))).await.unwrap();
    let other = s.create_session(new(2, now.plus_secs(60))).await.unwrap();
    s.create_session(new(3, now.plus_secs(-1))).await.unwrap();
    let found = s
        .session_by_token_hash(&[1; 32], now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id, found.user.id), (live, a));
    assert!(s
        .session_by_token_hash(&[3; 32], now)
        .await
        .unwrap()
        .is_none());
    assert!(s
        .session_by_token_hash(&[9; 32], now)
        .await
        .unwrap()
        .is_none());
    let revoked = s.delete_other_sessions(a, live).await.unwrap();
    assert!(revoked.contains(&other));
    assert!(s
        .session_by_token_hash(&[2; 32], now)
        .await
        .unwrap()
        .is_none());
    s.delete_session(live).await.unwrap();
    assert!(s
        .session_by_token_hash(&[1; 32], now)
        .await
        .unwrap()
        .is_none());
}

async fn rooms_have_members_and_visibility(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b) = (user(s, "alice").await, user(s, "bob").await);
    let new = |name: &str, kind| NewRoom {
        name: name.into(),
        topic: "t".into(),
        kind,
        creator: a,
    };
    let secret = s
        .create_room(new("secret", RoomKind::Private))
        .await
        .unwrap();
    let open = s.create_room(new("open", RoomKind::Public)).await.unwrap();
    let taken = s.create_room(new("OPEN", RoomKind::Public)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))));
    let private_twin = s.create_room(new("Secret", RoomKind::Private)).await;
    assert!(
        private_twin.is_ok(),
        "a private name reveals nothing: it may repeat"
    );
    assert!(s.is_member(secret.id, a).await.unwrap());
    assert!(!s.is_member(secret.id, b).await.unwrap());
    let b_sees: Vec<String> = s
        .visible_rooms(b)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(
        b_sees,
        ["general", "open"],
        "neither private room is visible"
    );
    assert!(s.add_member(secret.id, b).await.unwrap());
    assert!(!s.add_member(secret.id, b).await.unwrap());
    assert_eq!(s.member_ids(secret.id).await.unwrap(), [a, b]);
    assert_eq!(
        s.visible_rooms(b).await.unwrap().len(),
        3,
        "general, open, secret"
    );
    assert_eq!(s.room_members(open.id).await.unwrap().len(), 1);
    assert!(s.remove_member(secret.id, b).await.unwrap());
    assert!(!s.remove_member(secret.id, b).await.unwrap());
    assert_eq!(s.room(open.id).await.unwrap().unwrap().name, "open");
}

async fn a_topic_is_replaced_and_can_be_cleared(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let id = room(s, a, "team", RoomKind::Private).await;
    let topic = |t: &str| Topic::parse(t).unwrap();
    let changed = s.set_topic(id, topic("Weekly planning")).await.unwrap();
    assert_eq!(
        (changed.id, changed.topic.as_str()),
        (id, "Weekly planning")
    );
    assert_eq!(changed.name, "team", "only the topic changes");
    let read = s.room(id).await.unwrap().unwrap();
    assert_eq!(read.topic, "Weekly planning", "the new topic is stored");
    let cleared = s.set_topic(id, topic("")).await.unwrap();
    assert_eq!(cleared.topic, "");
    let missing = s.set_topic(RoomId(id.0 + 1000), topic("x")).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

async fn a_dm_is_the_same_room_for_the_same_people(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let (first, created) = s
        .find_or_create_dm(&[a, b], "alice, bob".into())
        .await
        .unwrap();
    assert!(created);
    let (again, created) = s
        .find_or_create_dm(&[a, b], "alice, bob".into())
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(first.id, again.id);
    assert_eq!(again.kind, RoomKind::Dm);
    assert_eq!(again.dm_members, [a, b]);
    let (group, _) = s.find_or_create_dm(&[a, b, c], "g".into()).await.unwrap();
    assert_ne!(group.id, first.id);
    assert!(!s.is_member(first.id, c).await.unwrap());
    let visible = s.visible_rooms(c).await.unwrap();
    assert!(visible.iter().all(|r| r.id != first.id));
}

async fn seqs_are_gapless_across_batches_and_client_ids_dedupe(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let room = s.member_rooms(a).await.unwrap()[0].id;
    let first = s
        .append_messages(vec![
            msg(room, a, "one", Some("c1")),
            msg(room, a, "two", None),
        ])
        .await
        .unwrap();
    let seqs: Vec<i64> = first
        .iter()
        .map(|r| r.as_ref().unwrap().message.seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
    let missing = crate::RoomId(room.0 + 1000);
    let second = s
        .append_messages(vec![
            msg(room, a, "one again", Some("c1")),
            msg(missing, a, "nowhere", None),
            msg(room, a, "three", Some("c3")),
            msg(room, a, "three again", Some("c3")),
        ])
        .await
        .unwrap();
    let retried = second[0].as_ref().unwrap();
    assert!(retried.duplicate);
    assert_eq!(
        (retried.message.seq, retried.message.body.as_str()),
        (1, "one")
    );
    assert!(second[1].is_err());
    let third = second[2].as_ref().unwrap();
    assert_eq!((third.message.seq, third.duplicate), (3, false));
    assert!(second[3].as_ref().unwrap().duplicate);
    assert_eq!(s.room(room).await.unwrap().unwrap().last_seq, 3);
    // An item that fails after it took a seq (its parent is missing) gives the seq back.
    let mut bad_reply = msg(room, a, "to nothing", None);
    bad_reply.reply_to = Some(MessageId(room.0 + 1000));
    let third = s
        .append_messages(vec![
            msg(room, a, "four", None),
            bad_reply,
            msg(room, a, "five", None),
        ])
        .await
        .unwrap();
    assert!(third[1].is_err());
    let seqs: Vec<i64> = [&third[0], &third[2]]
        .iter()
        .map(|r| r.as_ref().unwrap().message.seq)
        .collect();
    assert_eq!(seqs, [4, 5]);
    assert_eq!(s.room(room).await.unwrap().unwrap().last_seq, 5);
    let other = s
        .create_room(NewRoom {
            name: "other".into(),
            topic: String::new(),
            kind: RoomKind::Public,
            creator: a,
        })
        .await
        .unwrap();
    let reused = s
        .append_messages(vec![msg(other.id, a, "x", Some("c1"))])
        .await
        .unwrap();
    assert!(matches!(reused[0], Err(StoreError::Conflict(_))));
}

async fn history_pages_in_both_directions(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let room = s.member_rooms(a).await.unwrap()[0].id;
    let batch = (1..=10)
        .map(|i| msg(room, a, &format!("m{i}"), None))
        .collect();
    s.append_messages(batch).await.unwrap();
    let seqs = |v: Vec<crate::Message>| v.into_iter().map(|m| m.seq).collect::<Vec<_>>();
    assert_eq!(
        seqs(s.messages_after(room, 7, 50).await.unwrap()),
        [8, 9, 10]
    );
    assert_eq!(seqs(s.messages_after(room, 2, 2).await.unwrap()), [3, 4]);
    assert_eq!(
        seqs(s.messages_before(room, 4, 50).await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        seqs(s.messages_before(room, i64::MAX, 3).await.unwrap()),
        [8, 9, 10]
    );
    let m = &s.messages_after(room, 0, 1).await.unwrap()[0];
    assert_eq!((m.body.as_str(), m.sender_id, m.room_id), ("m1", a, room));
}

async fn append_one(s: &dyn Store, new: NewMessage) -> AppendOutcome {
    let mut out = s.append_messages(vec![new]).await.unwrap();
    out.remove(0).unwrap()
}

async fn append(s: &dyn Store, new: NewMessage) -> Message {
    append_one(s, new).await.message
}

fn edit(body: &str) -> MessageChange {
    MessageChange::Edit {
        body: MessageBody::parse(body).unwrap(),
        html: crate::markup::render(body),
        mentions: Vec::new(),
        mentions_room: false,
    }
}

fn react(user: UserId, emoji: &str, on: Toggle) -> MessageChange {
    let emoji = Emoji::parse(emoji).unwrap();
    MessageChange::React { user, emoji, on }
}

async fn last_rev(s: &dyn Store, room: RoomId) -> i64 {
    s.room(room).await.unwrap().unwrap().last_rev
}

async fn room(s: &dyn Store, creator: UserId, name: &str, kind: RoomKind) -> RoomId {
    let new = NewRoom {
        name: name.into(),
        topic: String::new(),
        kind,
        creator,
    };
    s.create_room(new).await.unwrap().id
}

fn ids(messages: &[Message]) -> Vec<MessageId> {
    messages.iter().map(|m| m.id).collect()
}
