//! The authorization matrix: every endpoint that changes something, and the WebSocket frames
//! that do, against every role, with the status each must answer. Each row runs in a world of
//! its own, so one cell's success cannot change another's answer. The route table in
//! `server/src/routes/mod.rs` is read too: a changing endpoint added there without a row here
//! fails `every_changing_endpoint_has_a_row`.

use std::future::Future;
use std::pin::Pin;

use futures_util::{stream, StreamExt};
use natter_client::proto::{ClientFrame, RoomRole, ServerFrame, Visibility};
use reqwest::Method;
use serde_json::{json, Value};

use crate::common::{expect_frame, password};
use crate::world::{Role, World, ROLES};

/// A request for one cell: method, path under `/api/v1`, and JSON body (or raw bytes).
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    raw: Option<Vec<u8>>,
}

fn call(method: Method, path: impl Into<String>, body: Option<Value>) -> Call {
    Call {
        method,
        path: path.into(),
        body,
        raw: None,
    }
}

type Prepare = for<'a> fn(&'a World, Role) -> Pin<Box<dyn Future<Output = Call> + Send + 'a>>;

/// One row: the endpoint as routed, how to call it, and the status for each role in `ROLES`
/// order: anonymous, deactivated, non-member, banned, muted, member, moderator, owner, admin.
struct Row {
    route: (&'static str, &'static str),
    prepare: Prepare,
    expect: [u16; 9],
}

macro_rules! row {
    ($method:literal $path:literal, |$w:ident, $role:ident| $body:expr, $expect:expr) => {
        Row {
            route: ($method, $path),
            prepare: |$w, $role| {
                let _ = $role;
                Box::pin(async move { $body })
            },
            expect: $expect,
        }
    };
}

fn rows() -> Vec<Row> {
    use Method as M;
    vec![
        row!("post" "/auth/register", |w, r| call(M::POST, "/auth/register",
            Some(json!({"username": w.name("new"), "password": "long enough"}))),
            [201, 201, 201, 201, 201, 201, 201, 201, 201]),
        row!("post" "/auth/login", |_w, r| call(M::POST, "/auth/login",
            Some(json!({"username": "poster", "password": password("poster")}))),
            [200, 200, 200, 200, 200, 200, 200, 200, 200]),
        row!("post" "/auth/reset", |_w, r| call(M::POST, "/auth/reset",
            Some(json!({"token": "not-a-reset-link", "new_password": "long enough"}))),
            [403, 403, 403, 403, 403, 403, 403, 403, 403]),
        row!("post" "/auth/logout", |_w, r| call(M::POST, "/auth/logout", None),
            [401, 401, 204, 204, 204, 204, 204, 204, 204]),
        row!("patch" "/me", |_w, r| call(M::PATCH, "/me", Some(json!({"status": "here"}))),
            [401, 401, 200, 200, 200, 200, 200, 200, 200]),
        row!("post" "/me/password", |w, r| {
            let name = match r {
                Role::Owner => "owner".to_owned(),
                Role::Admin => "root".to_owned(),
                Role::Anonymous | Role::Deactivated => "gone".to_owned(),
                other => w.client(other).me().await.map(|u| u.username).unwrap_or_default(),
            };
            call(M::POST, "/me/password",
                Some(json!({"current_password": password(&name), "new_password": "another long one"})))
        }, [401, 401, 204, 204, 204, 204, 204, 204, 204]),
        row!("put" "/admin/users/{id}/role", |w, r| {
            let target = w.someone().await;
            call(M::PUT, format!("/admin/users/{target}/role"), Some(json!({"role": "admin"})))
        }, [401, 401, 403, 403, 403, 403, 403, 403, 200]),
        row!("patch" "/admin/settings", |_w, r| call(M::PATCH, "/admin/settings",
            Some(json!({"server_name": "Matrix"}))),
            [401, 401, 403, 403, 403, 403, 403, 403, 200]),
        row!("post" "/rooms/import", |w, r| call(M::POST, "/rooms/import", Some(json!({
            "format": "natter-room-export", "version": 1, "exported_at": "2026-11-30T00:00:00Z",
            "room": {"id": "1", "name": w.name("imported"), "kind": "private", "topic": "",
                     "last_seq": 0},
            "messages": []}))),
            [401, 401, 403, 403, 403, 403, 403, 403, 201]),
        row!("post" "/invites", |_w, r| call(M::POST, "/invites", Some(json!({}))),
            [401, 401, 403, 403, 403, 403, 403, 403, 201]),
        row!("delete" "/invites/{id}", |w, r| {
            let invite = w.admin.create_invite(None, None).await.unwrap();
            call(M::DELETE, format!("/invites/{}", invite.id), None)
        }, [401, 401, 404, 404, 404, 404, 404, 404, 200]),
        row!("post" "/admin/users", |w, r| call(M::POST, "/admin/users",
            Some(json!({"username": w.name("made"), "password": "long enough"}))),
            [401, 401, 403, 403, 403, 403, 403, 403, 201]),
        row!("delete" "/admin/users/{id}", |w, r| {
            let target = w.someone().await;
            call(M::DELETE, format!("/admin/users/{target}"), None)
        }, [401, 401, 403, 403, 403, 403, 403, 403, 204]),
        row!("post" "/admin/users/{id}/deactivate", |w, r| {
            let target = w.someone().await;
            call(M::POST, format!("/admin/users/{target}/deactivate"), Some(json!({})))
        }, [401, 401, 403, 403, 403, 403, 403, 403, 200]),
        row!("post" "/admin/users/{id}/reactivate", |w, r| {
            let target = w.someone().await;
            call(M::POST, format!("/admin/users/{target}/reactivate"), None)
        }, [401, 401, 403, 403, 403, 403, 403, 403, 200]),
        row!("delete" "/admin/users/{id}/sessions", |w, r| {
            call(M::DELETE, format!("/admin/users/{}/sessions", w.poster_id), None)
        }, [401, 401, 403, 403, 403, 403, 403, 403, 204]),
        row!("post" "/admin/users/{id}/password-reset", |w, r| {
            call(M::POST, format!("/admin/users/{}/password-reset", w.poster_id), None)
        }, [401, 401, 403, 403, 403, 403, 403, 403, 201]),
        row!("post" "/rooms", |w, r| call(M::POST, "/rooms",
            Some(json!({"name": w.name("room"), "visibility": "public"}))),
            [401, 401, 201, 201, 201, 201, 201, 201, 201]),
        row!("patch" "/rooms/{id}", |w, r| call(M::PATCH, format!("/rooms/{}", w.room),
            Some(json!({"name": w.name("plaza")}))),
            [401, 401, 403, 403, 403, 403, 200, 200, 200]),
        row!("delete" "/rooms/{id}", |w, r| {
            let name = w.name("doomed");
            let room = w.owner.create_room(&name, None, Visibility::Public).await.unwrap();
            let moderator = w.id(Role::Moderator);
            w.client(Role::Moderator).join(&room.id).await.unwrap();
            w.owner.set_room_role(&room.id, &moderator, RoomRole::Moderator).await.unwrap();
            call(M::DELETE, format!("/rooms/{}?confirm={name}", room.id), None)
        }, [401, 401, 403, 403, 403, 403, 403, 204, 204]),
        row!("post" "/rooms/{id}/join", |w, r| call(M::POST, format!("/rooms/{}/join", w.room), None),
            [401, 401, 200, 403, 200, 200, 200, 200, 200]),
        row!("post" "/rooms/{id}/leave", |w, r| call(M::POST, format!("/rooms/{}/leave", w.room), None),
            [401, 401, 204, 204, 204, 204, 204, 204, 204]),
        row!("post" "/rooms/{id}/members", |w, r| {
            let target = w.someone().await;
            call(M::POST, format!("/rooms/{}/members", w.room), Some(json!({"user_id": target})))
        }, [401, 401, 403, 403, 202, 202, 202, 202, 403]),
        row!("put" "/rooms/{id}/members/{user_id}/role", |w, r| {
            let target = w.someone_in_room().await;
            call(M::PUT, format!("/rooms/{}/members/{target}/role", w.room),
                Some(json!({"role": "moderator"})))
        }, [401, 401, 403, 403, 403, 403, 403, 200, 200]),
        row!("post" "/rooms/{id}/members/{user_id}/kick", |w, r| {
            let target = w.someone_in_room().await;
            call(M::POST, format!("/rooms/{}/members/{target}/kick", w.room), Some(json!({})))
        }, [401, 401, 403, 403, 403, 403, 204, 204, 204]),
        row!("post" "/rooms/{id}/bans", |w, r| {
            let target = w.someone_in_room().await;
            call(M::POST, format!("/rooms/{}/bans", w.room), Some(json!({"user_id": target})))
        }, [401, 401, 403, 403, 403, 403, 201, 201, 201]),
        row!("delete" "/rooms/{id}/bans/{user_id}", |w, r| {
            call(M::DELETE, format!("/rooms/{}/bans/{}", w.room, w.id(Role::Banned)), None)
        }, [401, 401, 403, 403, 403, 403, 204, 204, 204]),
        row!("post" "/rooms/{id}/mutes", |w, r| {
            let target = w.someone_in_room().await;
            call(M::POST, format!("/rooms/{}/mutes", w.room),
                Some(json!({"user_id": target, "duration_secs": 60})))
        }, [401, 401, 403, 403, 403, 403, 201, 201, 201]),
        row!("delete" "/rooms/{id}/mutes/{user_id}", |w, r| {
            call(M::DELETE, format!("/rooms/{}/mutes/{}", w.room, w.id(Role::Muted)), None)
        }, [401, 401, 403, 403, 403, 403, 204, 204, 204]),
        row!("post" "/rooms/{id}/messages", |w, r| call(M::POST, format!("/rooms/{}/messages", w.room),
            Some(json!({"body": "hello"}))),
            [401, 401, 403, 403, 403, 201, 201, 201, 403]),
        row!("post" "/rooms/{id}/read", |w, r| call(M::POST, format!("/rooms/{}/read", w.room),
            Some(json!({"seq": 0}))),
            [401, 401, 403, 403, 200, 200, 200, 200, 403]),
        row!("patch" "/messages/{id}", |w, r| {
            let id = w.owner.send_message(&w.room, "the owner's", None).await.unwrap().0.id;
            call(M::PATCH, format!("/messages/{id}"), Some(json!({"body": "changed"})))
        }, [401, 401, 403, 403, 403, 403, 403, 200, 403]),
        row!("delete" "/messages/{id}", |w, r| {
            let id = w.posted().await;
            call(M::DELETE, format!("/messages/{id}"), None)
        }, [401, 401, 403, 403, 403, 403, 200, 200, 200]),
        row!("put" "/messages/{id}/reactions/{emoji}", |w, r| {
            let id = w.posted().await;
            call(M::PUT, format!("/messages/{id}/reactions/%F0%9F%91%8D"), None)
        }, [401, 401, 403, 403, 403, 200, 200, 200, 403]),
        row!("delete" "/messages/{id}/reactions/{emoji}", |w, r| {
            let id = w.posted().await;
            call(M::DELETE, format!("/messages/{id}/reactions/%F0%9F%91%8D"), None)
        }, [401, 401, 403, 403, 200, 200, 200, 200, 403]),
        row!("put" "/messages/{id}/pin", |w, r| {
            let id = w.posted().await;
            call(M::PUT, format!("/messages/{id}/pin"), None)
        }, [401, 401, 403, 403, 403, 403, 200, 200, 403]),
        row!("delete" "/messages/{id}/pin", |w, r| {
            let id = w.posted().await;
            call(M::DELETE, format!("/messages/{id}/pin"), None)
        }, [401, 401, 403, 403, 403, 403, 200, 200, 403]),
        row!("post" "/messages/{id}/report", |w, r| {
            let id = w.posted().await;
            call(M::POST, format!("/messages/{id}/report"), Some(json!({"reason": "spam"})))
        }, [401, 401, 403, 403, 201, 201, 201, 201, 403]),
        row!("post" "/reports/{id}/resolve", |w, r| {
            let id = w.posted().await;
            let report = w.client(Role::Member).report_message(&id, "spam").await.unwrap();
            call(M::POST, format!("/reports/{}/resolve", report.id), Some(json!({"action": "dismiss"})))
        }, [401, 401, 404, 404, 404, 404, 200, 200, 200]),
        row!("put" "/users/{id}/block", |w, r| call(M::PUT, format!("/users/{}/block", w.poster_id), None),
            [401, 401, 204, 204, 204, 204, 204, 204, 204]),
        row!("delete" "/users/{id}/block", |w, r| call(M::DELETE, format!("/users/{}/block", w.poster_id), None),
            [401, 401, 204, 204, 204, 204, 204, 204, 204]),
        row!("post" "/dms", |w, r| call(M::POST, "/dms", Some(json!({"user_ids": [w.poster_id]}))),
            [401, 401, 201, 201, 201, 201, 201, 201, 201]),
        row!("post" "/files", |_w, r| Call {
            method: M::POST,
            path: "/files?name=notes.txt".into(),
            body: None,
            raw: Some(b"some notes".to_vec()),
        }, [401, 401, 201, 201, 201, 201, 201, 201, 201]),
        row!("delete" "/files/{id}", |w, r| {
            let file = w.admin.upload("mine.txt", b"the admin's".to_vec()).await.unwrap();
            call(M::DELETE, format!("/files/{}", file.id), None)
        }, [401, 401, 404, 404, 404, 404, 404, 404, 204]),
        row!("delete" "/invitations/{id}", |w, r| call(M::DELETE, format!("/invitations/{}", w.room), None),
            [401, 401, 204, 204, 204, 204, 204, 204, 204]),
    ]
}

async fn run_row(row: &Row) -> Vec<String> {
    let world = World::new().await;
    let mut wrong = Vec::new();
    for (role, want) in ROLES.iter().zip(row.expect) {
        let c = (row.prepare)(&world, *role).await;
        let mut req = world
            .app
            .http(c.method.clone(), &c.path, world.token(*role).as_deref());
        if let Some(body) = c.body {
            req = req.json(&body);
        }
        if let Some(raw) = c.raw {
            req = req.body(raw);
        }
        let got = req.send().await.unwrap().status().as_u16();
        if got != want {
            wrong.push(format!(
                "{} {} as {role:?}: {got}, expected {want}",
                c.method, row.route.1
            ));
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_gets_its_answer_from_every_changing_endpoint() {
    let rows = rows();
    let wrong: Vec<String> = stream::iter(rows.iter())
        .map(run_row)
        .buffer_unordered(4)
        .flat_map(stream::iter)
        .collect()
        .await;
    assert!(
        wrong.is_empty(),
        "cells that answered wrongly:\n{}",
        wrong.join("\n")
    );
}

/// What a WebSocket frame did: acknowledged (or answered with `pong` after it, for frames that
/// have no answer of their own), or refused with an error code.
async fn frame_outcome(world: &World, role: Role, frame: ClientFrame) -> String {
    let client = world.client(role);
    let Ok(mut conn) = client.connect().await else {
        return "401".into();
    };
    conn.send(&ClientFrame::Sync {
        since: Default::default(),
        revs: Default::default(),
    })
    .await
    .unwrap();
    expect_frame(&mut conn, "synced", |f| {
        matches!(f, ServerFrame::Synced { .. })
    })
    .await;
    // A send is always answered (ack or error), after its commit; the other frames are
    // answered only when refused, so a ping after them is the marker that nothing came.
    let answered = matches!(frame, ClientFrame::Send { .. });
    conn.send(&frame).await.unwrap();
    conn.send(&ClientFrame::Ping).await.unwrap();
    let answer = expect_frame(&mut conn, "an answer", |f| match f {
        ServerFrame::Ack { .. } | ServerFrame::Error { .. } => true,
        ServerFrame::Pong => !answered,
        _ => false,
    })
    .await;
    match answer {
        ServerFrame::Ack { .. } => "ack".into(),
        ServerFrame::Error { code, .. } => code,
        _ => "ok".into(),
    }
}

/// A frame's name, how to build it, and the outcome for each role in `ROLES` order.
type FrameRow<'a> = (&'a str, &'a dyn Fn() -> ClientFrame, [&'a str; 9]);

#[tokio::test]
async fn every_role_gets_its_answer_from_every_changing_frame() {
    let world = World::new().await;
    let room = world.room.clone();
    let send = || ClientFrame::Send {
        room_id: room.clone(),
        body: "over the socket".into(),
        client_id: None,
        reply_to: None,
        attachments: Vec::new(),
    };
    let typing = || ClientFrame::Typing {
        room_id: room.clone(),
        active: true,
    };
    let read = || ClientFrame::Read {
        room_id: room.clone(),
        seq: 0,
    };
    let rows: [FrameRow; 3] = [
        (
            "send",
            &send,
            [
                "401",
                "401",
                "forbidden",
                "forbidden",
                "muted",
                "ack",
                "ack",
                "ack",
                "forbidden",
            ],
        ),
        (
            "typing",
            &typing,
            [
                "401",
                "401",
                "forbidden",
                "forbidden",
                "ok",
                "ok",
                "ok",
                "ok",
                "forbidden",
            ],
        ),
        (
            "read",
            &read,
            [
                "401",
                "401",
                "forbidden",
                "forbidden",
                "ok",
                "ok",
                "ok",
                "ok",
                "forbidden",
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (name, frame, expect) in rows {
        for (role, want) in ROLES.iter().zip(expect) {
            let got = frame_outcome(&world, *role, frame()).await;
            if got != want {
                wrong.push(format!("{name} as {role:?}: {got}, expected {want}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "frames answered wrongly:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_changing_endpoint_has_a_row() {
    let source = include_str!("../../../server/src/routes/mod.rs");
    let covered: Vec<(&str, &str)> = rows().iter().map(|r| r.route).collect();
    let mut missing = Vec::new();
    for chunk in source.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap_or_default();
        let handlers = chunk.split(".route(").next().unwrap_or_default();
        for method in ["post", "put", "patch", "delete"] {
            let named = handlers.contains(&format!("{method}("))
                || handlers.contains(&format!(".{method}("));
            if named && !covered.contains(&(method, path)) {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "changing endpoints with no row in the matrix: {missing:?}"
    );
}
