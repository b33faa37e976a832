//! The resume rules: what `sync` asks for, which copy of a message is kept, and the outbox.

use super::*;
use natter_client::proto::{MessagesPage, ReadState, Room, RoomKind, ServerFrame, User};

fn user(id: &str) -> User {
    User {
        id: id.into(),
        username: format!("u{id}"),
        display_name: String::new(),
        status: String::new(),
        is_admin: false,
        last_seen: None,
        deactivated: false,
        deleted: false,
    }
}

fn room(id: &str, last_seq: i64) -> Room {
    Room {
        id: id.into(),
        name: format!("room{id}"),
        kind: RoomKind::Public,
        topic: String::new(),
        last_seq,
        last_rev: 0,
        owner_id: None,
        moderator_ids: Vec::new(),
        slow_mode_secs: 0,
        archived: false,
        members_can_set_topic: true,
        members_can_add: false,
        member_ids: None,
    }
}

fn message(room: &str, seq: i64, rev: i64, sender: &str, body: &str) -> Message {
    serde_json::from_value(serde_json::json!({
        "id": format!("{room}-{seq}"), "room_id": room, "seq": seq, "sender_id": sender,
        "body": body, "html": "", "created_at": "2026-11-21T10:00:00Z", "rev": rev,
    }))
    .expect("a message")
}

fn ready(rooms: Vec<Room>) -> ServerFrame {
    ServerFrame::Ready {
        user: user("1"),
        rooms,
        online: vec!["1".into()],
        reads: vec![ReadState {
            room_id: "7".into(),
            last_read: 0,
            unread: 0,
            mentions: 0,
        }],
        blocked: Vec::new(),
    }
}

fn sync_of(follow: &[Follow]) -> (BTreeMap<String, i64>, BTreeMap<String, i64>) {
    match follow.first() {
        Some(Follow::Sync(ClientFrame::Sync { since, revs })) => (since.clone(), revs.clone()),
        other => panic!("expected a sync first, got {other:?}"),
    }
}

#[test]
fn a_first_ready_syncs_from_the_newest_message_and_a_later_one_from_what_is_held() {
    let mut state = State::default();
    let (since, revs) = sync_of(&state.apply(ready(vec![room("7", 40)])));
    assert_eq!(since, BTreeMap::from([("7".to_owned(), 40)]));
    assert!(revs.is_empty());
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    state.on_older(
        "7",
        MessagesPage {
            messages: vec![message("7", 39, 3, "2", "a"), message("7", 40, 5, "2", "b")],
            has_more: true,
        },
    );
    state.apply(ServerFrame::Message {
        message: message("7", 41, 0, "2", "c"),
    });
    let (since, revs) = sync_of(&state.apply(ready(vec![room("7", 45)])));
    assert_eq!(since["7"], 41, "replay everything after the newest held");
    assert_eq!(revs["7"], 5, "and changes after the newest rev seen");
}

#[test]
fn a_replay_cut_short_by_the_server_is_asked_for_again_from_where_it_stopped() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 1)]));
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    state.apply(ready(vec![room("7", 400)]));
    for seq in 2..=300 {
        state.apply(ServerFrame::Message {
            message: message("7", seq, 0, "2", "x"),
        });
    }
    let follow = state.apply(ServerFrame::Synced {
        more: BTreeMap::from([("7".to_owned(), 300)]),
    });
    let (since, _) = sync_of(&follow);
    assert_eq!(since, BTreeMap::from([("7".to_owned(), 300)]));
    assert!(state.replaying, "still catching up");
    let follow = state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    assert!(matches!(follow[..], [Follow::Synced]));
    assert!(!state.replaying);
}

#[test]
fn a_resync_refused_for_now_is_sent_again_after_the_wait() {
    let mut state = State::default();
    let first = sync_of(&state.apply(ready(vec![room("7", 40)])));
    let follow = state.apply(ServerFrame::Error {
        code: "rate_limited".into(),
        message: "too many requests; try again in 2 s".into(),
        client_id: None,
        retry_after_ms: Some(1500),
    });
    assert!(
        matches!(follow[..], [Follow::ResyncAfter(w)] if w == std::time::Duration::from_millis(1500)),
        "{follow:?}"
    );
    assert!(state.replaying);
    match state.sync_frame() {
        ClientFrame::Sync { since, revs } => assert_eq!((since, revs), first),
        other => panic!("{other:?}"),
    }
    // Once caught up, the same refusal (of a typing frame, say) is just shown.
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    let follow = state.apply(ServerFrame::Error {
        code: "rate_limited".into(),
        message: "slow down".into(),
        client_id: None,
        retry_after_ms: Some(1500),
    });
    assert!(matches!(follow[..], [Follow::Error(_)]));
}

#[test]
fn a_room_far_behind_starts_again_from_its_newest_message() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 1)]));
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    state.apply(ServerFrame::Message {
        message: message("7", 2, 0, "2", "x"),
    });
    let (since, _) = sync_of(&state.apply(ready(vec![room("7", 5000)])));
    assert_eq!(since["7"], 5000);
    assert!(state.timelines["7"].messages.is_empty());
    assert!(state.timelines["7"].has_older);
}

#[test]
fn a_replayed_or_repeated_message_is_held_once_and_the_newest_rev_wins() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 0)]));
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    let first = state.apply(ServerFrame::Message {
        message: message("7", 1, 0, "2", "hi"),
    });
    assert!(matches!(first[0], Follow::Arrived { seq: 1, .. }));
    let again = state.apply(ServerFrame::Message {
        message: message("7", 1, 0, "2", "hi"),
    });
    assert!(!again.iter().any(|f| matches!(f, Follow::Arrived { .. })));
    state.apply(ServerFrame::MessageUpdated {
        message: message("7", 1, 9, "2", "edited"),
    });
    state.apply(ServerFrame::MessageUpdated {
        message: message("7", 1, 4, "2", "stale"),
    });
    let timeline = &state.timelines["7"];
    assert_eq!(timeline.messages.len(), 1);
    assert_eq!(timeline.messages[&1].body, "edited");
    assert_eq!(state.reads["7"].unread, 1, "counted once");
}

#[test]
fn replayed_messages_are_not_counted_again_as_unread() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 3)]));
    let replayed = state.apply(ServerFrame::Message {
        message: message("7", 4, 0, "2", "missed while away"),
    });
    assert!(!replayed.iter().any(|f| matches!(f, Follow::Arrived { .. })));
    assert_eq!(state.reads["7"].unread, 0);
}

#[test]
fn the_outbox_empties_on_ack_or_on_its_own_message_and_a_refusal_gives_the_text_back() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 0)]));
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    for id in ["a", "b", "c"] {
        state.outbox.push(Pending {
            client_id: id.into(),
            room_id: "7".into(),
            body: format!("text {id}"),
            reply_to: None,
        });
    }
    let mut acked = message("7", 1, 0, "1", "text a");
    acked.client_id = Some("a".into());
    state.apply(ServerFrame::Ack {
        client_id: Some("a".into()),
        message: acked,
    });
    let mut echoed = message("7", 2, 0, "1", "text b");
    echoed.client_id = Some("b".into());
    state.apply(ServerFrame::Message { message: echoed });
    let refused = state.apply(ServerFrame::Error {
        code: "forbidden".into(),
        message: "you cannot post here".into(),
        client_id: Some("c".into()),
        retry_after_ms: None,
    });
    assert!(state.outbox.is_empty());
    match &refused[..] {
        [Follow::Refused { pending, reason }] => {
            assert_eq!(pending.body, "text c");
            assert!(reason.contains("you cannot post here"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn typing_expires_and_leaving_a_room_forgets_it() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 0)]));
    state.users.insert("2".into(), user("2"));
    state.apply(ServerFrame::Typing {
        room_id: "7".into(),
        user_id: "2".into(),
        active: true,
    });
    let now = Instant::now();
    assert_eq!(state.typing_in("7", now), ["u2"]);
    assert!(state.typing_in("7", now + TYPING_TTL).is_empty());
    state.apply(ServerFrame::Member {
        room_id: "7".into(),
        user_id: "1".into(),
        event: MemberEvent::Left,
    });
    assert!(!state.rooms.contains_key("7"));
    assert!(state.timelines.is_empty());
}

#[test]
fn changes_to_messages_outside_the_loaded_run_leave_no_gap_and_early_changes_wait() {
    let mut state = State::default();
    state.apply(ready(vec![room("7", 100)]));
    state.apply(ServerFrame::Synced {
        more: BTreeMap::new(),
    });
    state.on_older(
        "7",
        MessagesPage {
            messages: (91..=100).map(|s| message("7", s, 0, "2", "x")).collect(),
            has_more: true,
        },
    );
    state.apply(ServerFrame::MessageUpdated {
        message: message("7", 3, 8, "2", "an old message got a reaction"),
    });
    let timeline = &state.timelines["7"];
    assert_eq!(timeline.oldest(), 91, "no jump back that would hide 4..=90");
    assert_eq!(timeline.messages.len(), 10);

    state.apply(ServerFrame::MessageUpdated {
        message: message("7", 101, 9, "2", "edited before it arrived"),
    });
    state.apply(ServerFrame::Message {
        message: message("7", 101, 0, "2", "original"),
    });
    assert_eq!(
        state.timelines["7"].messages[&101].body,
        "edited before it arrived"
    );
}
