//! Snapshots of the wire format: a change to any of these strings is a protocol change and
//! must be deliberate (and documented in docs/protocol.md).

use std::collections::BTreeMap;

use expect_test::expect;
use natter_proto::*;

fn message() -> Message {
    Message {
        id: "7".into(),
        room_id: "1".into(),
        seq: 3,
        sender_id: "2".into(),
        body: "hi".into(),
        html: "<p>hi</p>".into(),
        created_at: "2026-11-21T10:00:00.000Z".into(),
        client_id: Some("c-1".into()),
        ..Message::default()
    }
}

/// A message with every optional part present.
fn rich_message() -> Message {
    Message {
        id: "9".into(),
        seq: 5,
        body: "**yes** @bob".into(),
        html: "<p><strong>yes</strong> @bob</p>".into(),
        client_id: None,
        rev: 12,
        edited_at: Some("2026-11-21T10:01:00.000Z".into()),
        reply_to: Some(ReplyRef {
            id: "7".into(),
            seq: 3,
            sender_id: "2".into(),
            excerpt: "hi".into(),
            deleted: false,
        }),
        thread_root: Some("7".into()),
        pinned_at: Some("2026-11-21T10:02:00.000Z".into()),
        mentions: vec!["3".into()],
        reactions: vec![Reaction {
            emoji: "🎉".into(),
            user_ids: vec!["2".into(), "3".into()],
        }],
        ..message()
    }
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn server_frames_have_their_documented_shape() {
    let user = User {
        id: "2".into(),
        username: "alice".into(),
        display_name: "Alice".into(),
        status: String::new(),
        is_admin: false,
        last_seen: None,
        deactivated: false,
        deleted: false,
    };
    let room = Room {
        id: "1".into(),
        name: "general".into(),
        kind: RoomKind::Public,
        topic: "".into(),
        last_seq: 3,
        last_rev: 12,
        owner_id: Some("2".into()),
        moderator_ids: vec!["4".into()],
        slow_mode_secs: 0,
        archived: false,
        members_can_set_topic: true,
        members_can_add: false,
        member_ids: None,
    };
    let read = ReadState {
        room_id: "1".into(),
        last_read: 2,
        unread: 1,
        mentions: 0,
    };
    let ready = ServerFrame::Ready {
        user,
        rooms: vec![room],
        online: vec!["2".into()],
        reads: vec![read.clone()],
        blocked: vec!["4".into()],
    };
    expect![[r#"{"type":"ready","user":{"id":"2","username":"alice","display_name":"Alice","status":"","is_admin":false},"rooms":[{"id":"1","name":"general","kind":"public","topic":"","last_seq":3,"last_rev":12,"owner_id":"2","moderator_ids":["4"],"members_can_set_topic":true,"members_can_add":false}],"online":["2"],"reads":[{"room_id":"1","last_read":2,"unread":1,"mentions":0}],"blocked":["4"]}"#]]
        .assert_eq(&json(&ready));
    expect![[r#"{"type":"message_updated","message":{"id":"9","room_id":"1","seq":5,"sender_id":"2","body":"**yes** @bob","html":"<p><strong>yes</strong> @bob</p>","created_at":"2026-11-21T10:00:00.000Z","rev":12,"edited_at":"2026-11-21T10:01:00.000Z","reply_to":{"id":"7","seq":3,"sender_id":"2","excerpt":"hi"},"thread_root":"7","pinned_at":"2026-11-21T10:02:00.000Z","mentions":["3"],"reactions":[{"emoji":"🎉","user_ids":["2","3"]}]}}"#]].assert_eq(&json(&ServerFrame::MessageUpdated {
        message: rich_message(),
    }));
    expect![[r#"{"type":"read","room_id":"1","last_read":2,"unread":1,"mentions":0}"#]]
        .assert_eq(&json(&ServerFrame::Read(read)));
    expect![[r#"{"type":"blocked","user_id":"4","blocked":true}"#]].assert_eq(&json(
        &ServerFrame::Blocked {
            user_id: "4".into(),
            blocked: true,
        },
    ));
    expect![[r#"{"type":"message","message":{"id":"7","room_id":"1","seq":3,"sender_id":"2","body":"hi","html":"<p>hi</p>","created_at":"2026-11-21T10:00:00.000Z","client_id":"c-1"}}"#]]
        .assert_eq(&json(&ServerFrame::Message { message: message() }));
    expect![[r#"{"type":"ack","client_id":"c-1","message":{"id":"7","room_id":"1","seq":3,"sender_id":"2","body":"hi","html":"<p>hi</p>","created_at":"2026-11-21T10:00:00.000Z","client_id":"c-1"}}"#]]
        .assert_eq(&json(&ServerFrame::Ack { client_id: Some("c-1".into()), message: message() }));
    expect![[r#"{"type":"typing","room_id":"1","user_id":"2","active":true}"#]].assert_eq(&json(
        &ServerFrame::Typing {
            room_id: "1".into(),
            user_id: "2".into(),
            active: true,
        },
    ));
    expect![[r#"{"type":"presence","user_id":"2","online":false}"#]].assert_eq(&json(
        &ServerFrame::Presence {
            user_id: "2".into(),
            online: false,
        },
    ));
    expect![[r#"{"type":"member","room_id":"1","user_id":"2","event":"joined"}"#]].assert_eq(
        &json(&ServerFrame::Member {
            room_id: "1".into(),
            user_id: "2".into(),
            event: MemberEvent::Joined,
        }),
    );
    expect![[r#"{"type":"synced"}"#]].assert_eq(&json(&ServerFrame::Synced {
        more: Default::default(),
    }));
    expect![[r#"{"type":"pong"}"#]].assert_eq(&json(&ServerFrame::Pong));
    expect![[r#"{"type":"error","code":"not_found","message":"not found","client_id":"c-1"}"#]]
        .assert_eq(&json(&ServerFrame::Error {
            code: "not_found".into(),
            message: "not found".into(),
            client_id: Some("c-1".into()),
            retry_after_ms: None,
        }));
    expect![[
        r#"{"type":"error","code":"rate_limited","message":"slow down","retry_after_ms":1500}"#
    ]]
    .assert_eq(&json(&ServerFrame::Error {
        code: "rate_limited".into(),
        message: "slow down".into(),
        client_id: None,
        retry_after_ms: Some(1500),
    }));
    expect![[r#"{"type":"synced","more":{"12":500}}"#]].assert_eq(&json(&ServerFrame::Synced {
        more: [("12".to_owned(), 500)].into(),
    }));
}

#[test]
fn client_frames_parse_from_their_documented_shape() {
    let send: ClientFrame =
        serde_json::from_str(r#"{"type":"send","room_id":"1","body":"hi","client_id":"c-1"}"#)
            .unwrap();
    assert_eq!(
        send,
        ClientFrame::Send {
            room_id: "1".into(),
            body: "hi".into(),
            client_id: Some("c-1".into()),
            reply_to: None,
            attachments: Vec::new(),
        }
    );
    let reply: ClientFrame =
        serde_json::from_str(r#"{"type":"send","room_id":"1","body":"yes","reply_to":"7"}"#)
            .unwrap();
    assert!(matches!(reply, ClientFrame::Send { reply_to: Some(r), .. } if r == "7"));
    let read: ClientFrame =
        serde_json::from_str(r#"{"type":"read","room_id":"1","seq":3}"#).unwrap();
    assert_eq!(
        read,
        ClientFrame::Read {
            room_id: "1".into(),
            seq: 3
        }
    );
    let sync: ClientFrame =
        serde_json::from_str(r#"{"type":"sync","since":{"1":3,"4":0}}"#).unwrap();
    assert_eq!(
        sync,
        ClientFrame::Sync {
            since: BTreeMap::from([("1".into(), 3), ("4".into(), 0)]),
            revs: BTreeMap::new(),
        }
    );
    let sync: ClientFrame =
        serde_json::from_str(r#"{"type":"sync","since":{"1":3},"revs":{"1":12}}"#).unwrap();
    assert!(matches!(sync, ClientFrame::Sync { revs, .. } if revs["1"] == 12));
    expect![[r#"{"type":"typing","room_id":"1","active":false}"#]].assert_eq(&json(
        &ClientFrame::Typing {
            room_id: "1".into(),
            active: false,
        },
    ));
    expect![[r#"{"type":"ping"}"#]].assert_eq(&json(&ClientFrame::Ping));
    expect![[r#"{"type":"watch_presence","user_ids":["3"]}"#]].assert_eq(&json(
        &ClientFrame::WatchPresence {
            user_ids: vec!["3".into()],
        },
    ));
}

#[test]
fn rest_errors_have_their_documented_shape() {
    let body = ErrorBody {
        error: ErrorDetail {
            code: "invalid_body".into(),
            message: "too long".into(),
            retry_after_ms: None,
        },
    };
    expect![[r#"{"error":{"code":"invalid_body","message":"too long"}}"#]].assert_eq(&json(&body));
}

#[test]
fn a_room_update_has_its_documented_shape() {
    let topic = UpdateRoomRequest {
        topic: Some("Weekly planning".into()),
        ..UpdateRoomRequest::default()
    };
    expect![[r#"{"topic":"Weekly planning"}"#]].assert_eq(&json(&topic));
    expect![[r#"{}"#]].assert_eq(&json(&UpdateRoomRequest::default()));
    let clear: UpdateRoomRequest = serde_json::from_str(r#"{"topic":""}"#).unwrap();
    assert_eq!(clear.topic.as_deref(), Some(""));
}

#[test]
fn administration_bodies_have_their_documented_shape() {
    use natter_proto::admin::*;
    let info = ServerInfo {
        name: "natter".into(),
        registration: Registration::Invite,
    };
    expect![[r#"{"name":"natter","registration":"invite"}"#]].assert_eq(&json(&info));
    let role = SetRoomRoleRequest {
        role: RoomRole::Moderator,
    };
    expect![[r#"{"role":"moderator"}"#]].assert_eq(&json(&role));
    let invite = Invite {
        id: "3".into(),
        created_by: Some("1".into()),
        created_at: "2026-11-30T10:00:00.000Z".into(),
        expires_at: "2026-12-07T10:00:00.000Z".into(),
        max_uses: 5,
        revoked_at: None,
        uses: vec![InviteUse {
            user_id: "7".into(),
            used_at: "2026-11-30T11:00:00.000Z".into(),
        }],
        usable: true,
        token: Some("9f2c".into()),
    };
    expect![[r#"{"id":"3","created_by":"1","created_at":"2026-11-30T10:00:00.000Z","expires_at":"2026-12-07T10:00:00.000Z","max_uses":5,"uses":[{"user_id":"7","used_at":"2026-11-30T11:00:00.000Z"}],"usable":true,"token":"9f2c"}"#]].assert_eq(&json(&invite));
    let entry = AuditEntry {
        id: "12".into(),
        at: "2026-11-30T10:00:00.000Z".into(),
        kind: "banned".into(),
        actor_id: Some("1".into()),
        target_user_id: Some("7".into()),
        target_room_id: Some("4".into()),
        addr: Some("203.0.113.9".into()),
        reason: "spam".into(),
        detail: "until 2026-12-01T10:00:00.000Z".into(),
    };
    expect![[r#"{"id":"12","at":"2026-11-30T10:00:00.000Z","kind":"banned","actor_id":"1","target_user_id":"7","target_room_id":"4","addr":"203.0.113.9","reason":"spam","detail":"until 2026-12-01T10:00:00.000Z"}"#]].assert_eq(&json(&entry));
}
