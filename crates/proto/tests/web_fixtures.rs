//! Records one of every frame and the REST bodies the web client reads, serialized by these
//! types, into `web/src/protocol.fixtures.json`. The web client's `protocol.test.ts` decodes them
//! with its own TypeScript types, so the two sides of the contract cannot drift apart unnoticed.
//! After a deliberate protocol change, refresh the file with `UPDATE_EXPECT=1 cargo test -p natter-proto`.

use std::collections::BTreeMap;

use expect_test::expect_file;
use natter_proto::*;
use serde_json::{json, Value};

fn user(last_seen: Option<&str>) -> User {
    User {
        id: "2".into(),
        username: "alice".into(),
        display_name: "Alice".into(),
        status: "Writing tests".into(),
        is_admin: true,
        last_seen: last_seen.map(Into::into),
        deactivated: false,
        deleted: false,
    }
}

fn room(kind: RoomKind) -> Room {
    Room {
        id: "12".into(),
        name: "alice, bob".into(),
        kind,
        topic: String::new(),
        last_seq: 4,
        last_rev: 2,
        owner_id: (kind != RoomKind::Dm).then(|| "2".into()),
        moderator_ids: match kind {
            RoomKind::Dm => Vec::new(),
            _ => vec!["5".into(), "7".into()],
        },
        slow_mode_secs: if kind == RoomKind::Private { 30 } else { 0 },
        archived: kind == RoomKind::Private,
        members_can_set_topic: kind != RoomKind::Private,
        members_can_add: kind == RoomKind::Private,
        member_ids: (kind == RoomKind::Dm).then(|| vec!["2".into(), "3".into()]),
    }
}

fn message(client_id: Option<&str>) -> Message {
    Message {
        id: "31".into(),
        room_id: "12".into(),
        seq: 4,
        sender_id: "2".into(),
        body: "<b>not markup</b>\nsecond line".into(),
        html: "<p>&lt;b&gt;not markup&lt;/b&gt;<br>\nsecond line</p>".into(),
        created_at: "2026-11-21T10:00:00.000Z".into(),
        client_id: client_id.map(Into::into),
        ..Message::default()
    }
}

/// A message with every optional part: edited, a reply in a thread, pinned, mentioning,
/// with reactions.
fn rich_message() -> Message {
    Message {
        id: "33".into(),
        seq: 6,
        body: "**yes** @bob @room".into(),
        html: "<p><strong>yes</strong> @bob @room</p>".into(),
        rev: 2,
        edited_at: Some("2026-11-21T10:05:00.000Z".into()),
        reply_to: Some(ReplyRef {
            id: "31".into(),
            seq: 4,
            sender_id: "2".into(),
            excerpt: "<b>not markup</b>".into(),
            deleted: false,
        }),
        thread_root: Some("31".into()),
        pinned_at: Some("2026-11-21T10:06:00.000Z".into()),
        mentions: vec!["3".into()],
        mentions_room: true,
        reactions: vec![Reaction {
            emoji: "🎉".into(),
            user_ids: vec!["2".into(), "3".into()],
        }],
        attachments: attachments(),
        ..message(None)
    }
}

/// An image with a thumbnail and a plain file.
fn attachments() -> Vec<Attachment> {
    vec![
        Attachment {
            id: "7".into(),
            name: "cat.png".into(),
            content_type: "image/png".into(),
            size: 48213,
            image: Some(ImageSize {
                width: 800,
                height: 600,
            }),
        },
        Attachment {
            id: "8".into(),
            name: "notes.pdf".into(),
            content_type: "application/pdf".into(),
            size: 1_048_576,
            image: None,
        },
    ]
}

/// A thread root and a deleted message.
fn root_and_tombstone() -> [Message; 2] {
    let root = Message {
        reply_count: 2,
        last_reply_at: Some("2026-11-21T10:04:00.000Z".into()),
        rev: 1,
        ..message(None)
    };
    let tombstone = Message {
        id: "34".into(),
        seq: 7,
        body: String::new(),
        html: String::new(),
        deleted: true,
        rev: 2,
        ..message(None)
    };
    [root, tombstone]
}

fn read_state() -> ReadState {
    ReadState {
        room_id: "12".into(),
        last_read: 3,
        unread: 1,
        mentions: 1,
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).expect("serializable")
}

fn server_frames() -> Vec<Value> {
    let frames = [
        ServerFrame::Ready {
            user: user(None),
            rooms: vec![room(RoomKind::Public), room(RoomKind::Dm)],
            online: vec!["2".into(), "3".into()],
            reads: vec![read_state()],
            blocked: vec!["5".into()],
        },
        ServerFrame::MessageUpdated {
            message: rich_message(),
        },
        ServerFrame::MessageUpdated {
            message: root_and_tombstone()[0].clone(),
        },
        ServerFrame::MessageUpdated {
            message: root_and_tombstone()[1].clone(),
        },
        ServerFrame::Read(read_state()),
        ServerFrame::Blocked {
            user_id: "5".into(),
            blocked: true,
        },
        ServerFrame::Message {
            message: message(None),
        },
        ServerFrame::Message {
            message: message(Some("web-1")),
        },
        ServerFrame::Ack {
            client_id: Some("web-1".into()),
            message: message(Some("web-1")),
        },
        ServerFrame::Typing {
            room_id: "12".into(),
            user_id: "3".into(),
            active: true,
        },
        ServerFrame::Presence {
            user_id: "3".into(),
            online: false,
        },
        ServerFrame::Member {
            room_id: "1".into(),
            user_id: "3".into(),
            event: MemberEvent::Left,
        },
        ServerFrame::Room {
            room: room(RoomKind::Private),
        },
        ServerFrame::User { user: user(None) },
        ServerFrame::RoomDeleted {
            room_id: "12".into(),
        },
        ServerFrame::Report {
            report: admin::Report {
                id: "4".into(),
                message_id: "31".into(),
                room_id: "12".into(),
                sender_id: "3".into(),
                reporter_id: "2".into(),
                reason: "spam".into(),
                excerpt: "buy now".into(),
                at: "2026-11-30T10:00:00.000Z".into(),
                resolution: Some(admin::ReportResolution {
                    action: "delete".into(),
                    by: Some("5".into()),
                    at: "2026-11-30T10:05:00.000Z".into(),
                    note: "spam".into(),
                }),
            },
        },
        ServerFrame::ReportResolved {
            report_id: "4".into(),
            action: "delete".into(),
        },
        ServerFrame::Invited {
            room: room(RoomKind::Public),
            by: "2".into(),
        },
        ServerFrame::Member {
            room_id: "12".into(),
            user_id: "5".into(),
            event: MemberEvent::Banned,
        },
        ServerFrame::Muted {
            room_id: "12".into(),
            user_id: "5".into(),
            muted: true,
            until: Some("2026-11-30T11:00:00.000Z".into()),
        },
        ServerFrame::Muted {
            room_id: "12".into(),
            user_id: "5".into(),
            muted: false,
            until: None,
        },
        ServerFrame::Synced {
            more: Default::default(),
        },
        ServerFrame::Synced {
            more: [("12".to_owned(), 500)].into(),
        },
        ServerFrame::Pong,
        ServerFrame::Error {
            code: "invalid_body".into(),
            message: "message body must be 1 to 4000 characters after trimming".into(),
            client_id: Some("web-2".into()),
            retry_after_ms: None,
        },
        ServerFrame::Error {
            code: "rate_limited".into(),
            message: "too many requests; try again in 2 s".into(),
            client_id: Some("web-3".into()),
            retry_after_ms: Some(1500),
        },
    ];
    frames.iter().map(to_value).collect()
}

fn client_frames() -> Vec<Value> {
    let frames = [
        ClientFrame::Send {
            room_id: "12".into(),
            body: "hi".into(),
            client_id: Some("web-1".into()),
            reply_to: None,
            attachments: Vec::new(),
        },
        ClientFrame::Send {
            room_id: "12".into(),
            body: "yes".into(),
            client_id: Some("web-3".into()),
            reply_to: Some("31".into()),
            attachments: Vec::new(),
        },
        ClientFrame::Send {
            room_id: "12".into(),
            body: String::new(),
            client_id: Some("web-4".into()),
            reply_to: None,
            attachments: vec!["7".into(), "8".into()],
        },
        ClientFrame::Read {
            room_id: "12".into(),
            seq: 4,
        },
        ClientFrame::Typing {
            room_id: "12".into(),
            active: true,
        },
        ClientFrame::Sync {
            since: BTreeMap::from([("1".into(), 3), ("12".into(), 0)]),
            revs: BTreeMap::from([("1".into(), 5)]),
        },
        ClientFrame::Ping,
        ClientFrame::WatchPresence {
            user_ids: vec!["3".into(), "9".into()],
        },
    ];
    frames.iter().map(to_value).collect()
}

fn rest_bodies() -> Value {
    json!({
        "auth": to_value(&AuthResponse { user: user(None), token: "ab".repeat(32), device_token: Some("cd".repeat(32)) }),
        "user": to_value(&user(Some("2026-11-21T09:12:00.000Z"))),
        "deactivated_user": to_value(&User { deactivated: true, is_admin: false, ..user(None) }),
        "deleted_user": to_value(&User { deleted: true, display_name: "Deleted user".into(), is_admin: false, ..user(None) }),
        "users": to_value(&UsersResponse { users: vec![user(None)] }),
        "members": to_value(&MembersResponse { members: vec![user(Some("2026-11-21T09:12:00.000Z"))] }),
        "rooms": to_value(&RoomsResponse { rooms: vec![room(RoomKind::Public), room(RoomKind::Dm)] }),
        "room": to_value(&room(RoomKind::Private)),
        "messages_page": to_value(&MessagesPage { messages: vec![message(None), message(Some("web-1"))], has_more: true }),
        "message": to_value(&rich_message()),
        "thread": to_value(&ThreadResponse { root: root_and_tombstone()[0].clone(), replies: vec![rich_message()], has_more: false }),
        "pins": to_value(&PinsResponse { messages: vec![rich_message()] }),
        "read_state": to_value(&read_state()),
        "search": to_value(&SearchResponse { hits: vec![SearchHit { message: message(None), snippet_html: "&lt;b&gt;not <mark>markup</mark>&lt;/b&gt;".into() }], next_offset: Some(20) }),
        "blocks": to_value(&BlocksResponse { user_ids: vec!["5".into()] }),
        "attachment": to_value(&attachments()[0]),
        "server_info": to_value(&admin::ServerInfo { name: "Team chat".into(), registration: admin::Registration::Invite }),
        "storage_usage": to_value(&StorageUsage { used_bytes: 1_096_789, quota_bytes: 1_073_741_824, max_file_bytes: 26_214_400 }),
        "error": to_value(&ErrorBody { error: ErrorDetail { code: "username_taken".into(), message: "username already in use".into(), retry_after_ms: None } }),
    })
}

#[test]
fn the_web_clients_recorded_frames_match_these_types() {
    let all = json!({
        "server_frames": server_frames(),
        "client_frames": client_frames(),
        "rest": rest_bodies(),
    });
    let text = serde_json::to_string_pretty(&all).expect("json") + "\n";
    expect_file!["../../../web/src/protocol.fixtures.json"].assert_eq(&text);
}
