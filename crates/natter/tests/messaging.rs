//! Sending and reading messages over REST: validation, idempotency, paging, errors.

mod common;

use common::{refused, spawn_app};
use natter_client::proto::Visibility;
use natter_client::History;

#[tokio::test]
async fn messages_get_gapless_seqs_and_trimmed_bodies() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = alice.rooms().await.unwrap()[0].id.clone();
    let mut seqs = Vec::new();
    for i in 0..5 {
        let (m, created) = alice
            .send_message(&room, &format!("  m{i}\n"), None)
            .await
            .unwrap();
        assert!(created);
        assert_eq!(m.body, format!("m{i}"));
        assert!(m.created_at.ends_with('Z'));
        seqs.push(m.seq);
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert_eq!(alice.room(&room).await.unwrap().last_seq, 5);
}

#[tokio::test]
async fn a_retried_send_with_the_same_client_id_is_stored_once() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = alice.rooms().await.unwrap()[0].id.clone();
    let (first, created) = alice
        .send_message(&room, "once", Some("c-1"))
        .await
        .unwrap();
    assert!(created);
    let (again, created) = alice
        .send_message(&room, "once", Some("c-1"))
        .await
        .unwrap();
    assert!(!created, "a retry answers 200 with the original");
    assert_eq!(first, again);
    let history = alice.messages(&room, History::default()).await.unwrap();
    assert_eq!(history.messages.len(), 1);
    assert_eq!(history.messages[0].client_id.as_deref(), Some("c-1"));
}

#[tokio::test]
async fn concurrent_sends_are_all_stored_in_one_gapless_sequence() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = alice.rooms().await.unwrap()[0].id.clone();
    let sends = (0..50).map(|i| {
        let (alice, room) = (alice.clone(), room.clone());
        tokio::spawn(async move {
            alice
                .send_message(&room, &format!("m{i}"), None)
                .await
                .unwrap()
                .0
                .seq
        })
    });
    let mut seqs = Vec::new();
    for s in sends {
        seqs.push(s.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
}

#[tokio::test]
async fn history_pages_backwards_and_forwards_by_seq() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = alice.rooms().await.unwrap()[0].id.clone();
    for i in 1..=120 {
        alice
            .send_message(&room, &format!("m{i}"), None)
            .await
            .unwrap();
    }
    let seqs = |p: &natter_client::proto::MessagesPage| {
        p.messages.iter().map(|m| m.seq).collect::<Vec<_>>()
    };
    let newest = alice.messages(&room, History::default()).await.unwrap();
    assert_eq!(seqs(&newest), (71..=120).collect::<Vec<_>>());
    assert!(newest.has_more);
    let older = alice
        .messages(
            &room,
            History {
                before: Some(71),
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(seqs(&older), (1..=70).collect::<Vec<_>>());
    assert!(!older.has_more);
    let after = alice
        .messages(
            &room,
            History {
                after: Some(110),
                limit: Some(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(seqs(&after), [111, 112, 113, 114, 115]);
    assert!(after.has_more);
    let too_many = History {
        limit: Some(101),
        ..Default::default()
    };
    let err = alice.messages(&room, too_many).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalid_query"))
    );
}

/// The newest page is kept between reads (`server/src/pages.rs`): every change to what it shows
/// is seen by the next read, and keeping it changes nobody's access.
#[tokio::test]
async fn the_newest_page_shows_every_change_at_once() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await; // the first account: an admin
    let (bob, bob_user) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let room = alice
        .create_room("kept", None, Visibility::Private)
        .await
        .unwrap()
        .id;
    alice.add_member(&room, &bob_user.id).await.unwrap();
    let newest = || async {
        let page = alice.messages(&room, History::default()).await.unwrap();
        page.messages
    };
    let first = alice.send_message(&room, "first", None).await.unwrap().0;
    assert_eq!(newest().await[0].body, "first");
    let (status, _) = refused(carol.messages(&room, History::default()).await);
    assert_eq!(status, 404, "a non-member, with the page kept");

    alice
        .edit_message(&first.id, "first, edited")
        .await
        .unwrap();
    assert_eq!(newest().await[0].body, "first, edited");
    bob.react(&first.id, "👍").await.unwrap();
    assert_eq!(newest().await[0].reactions.len(), 1);
    alice.pin(&first.id).await.unwrap();
    assert!(newest().await[0].pinned_at.is_some());
    bob.reply(&room, &first.id, "a reply", None).await.unwrap();
    let page = newest().await;
    assert_eq!((page.len(), page[0].reply_count), (2, 1));
    let file = bob.upload("b.txt", b"hello".to_vec()).await.unwrap();
    bob.send_with_files(&room, "attached", &[&file.id])
        .await
        .unwrap();
    assert_eq!(newest().await[2].attachments.len(), 1);
    alice.delete_user(&bob_user.id, "").await.unwrap();
    assert!(
        newest().await[2].attachments.is_empty(),
        "the file went with its owner's account"
    );
    alice.delete_message(&first.id).await.unwrap();
    assert!(newest().await[0].deleted);

    // SQLite gives a deleted room's id to the next room, which may reach the same seq and rev:
    // nothing kept for the old room shows in the new one.
    alice.delete_room(&room, "kept").await.unwrap();
    let old = alice
        .create_room("old", None, Visibility::Private)
        .await
        .unwrap()
        .id;
    alice.send_message(&old, "secret", None).await.unwrap();
    let page = alice.messages(&old, History::default()).await.unwrap();
    assert_eq!(page.messages[0].body, "secret");
    alice.delete_room(&old, "old").await.unwrap();
    let next = carol
        .create_room("next", None, Visibility::Private)
        .await
        .unwrap()
        .id;
    carol.send_message(&next, "hello", None).await.unwrap();
    let page = carol.messages(&next, History::default()).await.unwrap();
    let bodies: Vec<&str> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["hello"], "room {old}, then {next}");
}

#[tokio::test]
async fn bodies_must_be_one_to_4000_characters_after_trimming() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = alice.rooms().await.unwrap()[0].id.clone();
    for bad in ["", "   \n ", &"x".repeat(4001)] {
        let err = alice.send_message(&room, bad, None).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(422), Some("invalid_body"))
        );
    }
    alice
        .send_message(&room, &"é".repeat(4000), None)
        .await
        .unwrap();
    let history = alice.messages(&room, History::default()).await.unwrap();
    assert_eq!(history.messages.len(), 1, "rejected sends stored nothing");
}

#[tokio::test]
async fn malformed_oversized_and_unauthorized_requests_get_documented_errors() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let token = alice.token().unwrap();
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/v1{p}", app.base);
    let error_of = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.expect("error bodies are JSON");
        (status, body["error"]["code"].as_str().unwrap().to_owned())
    };
    let cases = [
        (http.get(url("/me")), 401, "unauthorized"),
        (
            http.get(url("/me")).bearer_auth("forged"),
            401,
            "unauthorized",
        ),
        (
            http.post(url("/rooms"))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body("{nope"),
            400,
            "malformed_json",
        ),
        (
            http.post(url("/rooms"))
                .bearer_auth(token)
                .json(&serde_json::json!({"name": 5})),
            400,
            "invalid_request",
        ),
        (
            http.post(url("/rooms")).bearer_auth(token).body("name=x"),
            415,
            "unsupported_media_type",
        ),
        (
            http.post(url("/rooms/1/messages"))
                .bearer_auth(token)
                .json(&serde_json::json!({"body": "x".repeat(100_000)})),
            413,
            "payload_too_large",
        ),
        (
            http.get(url("/rooms/abc")).bearer_auth(token),
            404,
            "not_found",
        ),
        (
            http.get(url("/rooms/1/messages?limit=lots"))
                .bearer_auth(token),
            400,
            "invalid_query",
        ),
        (http.get(url("/no/such/thing")), 404, "not_found"),
    ];
    for (req, status, code) in cases {
        assert_eq!(
            error_of(req.send().await.unwrap()).await,
            (status, code.to_owned())
        );
    }
    let health = http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the server survived all of it");
}
