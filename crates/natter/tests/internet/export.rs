//! Taking data away: a person's own data as a ZIP, a room as JSON or a self-contained HTML
//! transcript for its owner and admins, and a room export imported into another server.

use std::io::Read;

use natter_client::proto::Visibility;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::*;

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    app.http(Method::GET, path, token).send().await.unwrap()
}

#[tokio::test]
async fn a_person_downloads_their_own_data_as_a_zip() {
    let app = spawn_app().await;
    let (_root, _) = app.user("root").await;
    let (alice, me) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (_conn, ready) = connect(&alice).await;
    let room = general(&ready);
    alice
        .send_message(&room, "alice says hi", None)
        .await
        .unwrap();
    bob.send_message(&room, "bob says hi", None).await.unwrap();
    let file = alice
        .upload("notes.txt", b"my notes".to_vec())
        .await
        .unwrap();
    alice
        .send_with_files(&room, "with notes", &[&file.id])
        .await
        .unwrap();
    let gone = alice.send_message(&room, "regret", None).await.unwrap().0;
    alice.delete_message(&gone.id).await.unwrap();

    let resp = get(&app, "/me/export", alice.token()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let disposition = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.contains("attachment") && disposition.contains("natter-alice-export.zip"));
    let bytes = resp.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut text = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut text).unwrap();
        text
    };
    let profile: Value = serde_json::from_slice(&read("profile.json")).unwrap();
    assert_eq!(profile["user"]["username"], "alice");
    assert_eq!(profile["user"]["id"], me.id.as_str());
    assert!(profile["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == room.as_str()));
    let messages: Value = serde_json::from_slice(&read("messages.json")).unwrap();
    let bodies: Vec<&str> = messages
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["alice says hi", "with notes"],
        "own, not deleted, not bob's"
    );
    assert_eq!(read(&format!("files/{}-notes.txt", file.id)), b"my notes");
    // Nobody else's data is in it.
    assert!(zip.file_names().all(|n| !n.unwrap().contains("bob")));
}

fn png() -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(4, 3, image::Rgba([10, 200, 30, 255]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

#[tokio::test]
async fn a_room_exports_as_json_and_as_a_self_contained_html_file_for_its_owner_and_admins() {
    let app = spawn_app().await;
    let (root, _) = app.user("root").await;
    let (alice, _) = app.user("alice").await;
    let (bob, bob_user) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let room = alice
        .create_room("plans", Some("Q1 & more"), Visibility::Private)
        .await
        .unwrap();
    alice.add_member(&room.id, &bob_user.id).await.unwrap();
    alice
        .send_message(&room.id, "first <script>alert(1)</script>", None)
        .await
        .unwrap();
    bob.send_message(&room.id, "**second**", None)
        .await
        .unwrap();
    let image = alice.upload("chart.png", png()).await.unwrap();
    alice
        .send_with_files(&room.id, "the chart", &[&image.id])
        .await
        .unwrap();
    let path = format!("/rooms/{}/export", room.id);

    // A member who does not own it is refused; a stranger does not see it at all.
    assert_eq!(
        get(&app, &path, bob.token()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&app, &path, carol.token()).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &path, root.token()).await.status(),
        StatusCode::NOT_FOUND,
        "not a member"
    );

    let resp = get(&app, &path, alice.token()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let export: Value = resp.json().await.unwrap();
    assert_eq!(export["format"], "natter-room-export");
    assert_eq!(export["room"]["name"], "plans");
    let messages = export["messages"].as_array().unwrap();
    let seqs: Vec<i64> = messages
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(messages[1]["sender_username"], "bob");
    assert_eq!(messages[1]["body"], "**second**");

    let resp = get(&app, &format!("{path}?format=html"), alice.token()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("<h1>#plans</h1>") && html.contains("Q1 &amp; more"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "user text never becomes markup");
    assert!(html.contains("<strong>second</strong>"));
    assert!(
        html.contains("src=\"data:image/png;base64,"),
        "the image travels inside the file"
    );
    assert!(
        !html.contains("http://") && !html.contains("/api/v1/"),
        "nothing loads from a server"
    );
    let bad = get(&app, &format!("{path}?format=pdf"), alice.token()).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // An admin exports a public room they never joined, its files included.
    let open = alice
        .create_room("open-plans", None, Visibility::Public)
        .await
        .unwrap();
    let chart = alice.upload("open.png", png()).await.unwrap();
    alice
        .send_with_files(&open.id, "open chart", &[&chart.id])
        .await
        .unwrap();
    let resp = get(
        &app,
        &format!("/rooms/{}/export?format=html", open.id),
        root.token(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("src=\"data:image/png;base64,"));
}

#[tokio::test]
async fn a_room_export_imported_into_another_server_keeps_its_messages_in_order() {
    let source = spawn_app().await;
    let (_root, _) = source.user("root").await;
    let (alice, _) = source.user("alice").await;
    let room = alice
        .create_room("history", Some("old times"), Visibility::Public)
        .await
        .unwrap();
    for i in 1..=30 {
        alice
            .send_message(&room.id, &format!("message {i}"), None)
            .await
            .unwrap();
    }
    let gone = alice
        .send_message(&room.id, "deleted one", None)
        .await
        .unwrap()
        .0;
    alice.delete_message(&gone.id).await.unwrap();
    let export: Value = get(
        &source,
        &format!("/rooms/{}/export", room.id),
        alice.token(),
    )
    .await
    .json()
    .await
    .unwrap();

    let target = spawn_app().await;
    let (admin, _) = target.user("admin").await;
    let (someone, _) = target.user("someone").await;
    let import = |token| {
        target
            .http(Method::POST, "/rooms/import", token)
            .json(&export)
            .send()
    };
    assert_eq!(
        import(someone.token()).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let resp = import(admin.token()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let made: Value = resp.json().await.unwrap();
    assert_eq!(made["imported"], 30);
    assert_eq!(made["room"]["name"], "history");
    assert_eq!(made["room"]["topic"], "old times");
    let id = made["room"]["id"].as_str().unwrap();
    let history = admin
        .messages(
            id,
            natter_client::History {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(history.messages.len(), 30);
    for (i, m) in history.messages.iter().enumerate() {
        assert!(
            m.body.starts_with("**Alice** · ") || m.body.starts_with("**alice** · "),
            "{}",
            m.body
        );
        assert!(
            m.body.ends_with(&format!("\nmessage {}", i + 1)),
            "{}",
            m.body
        );
    }
    // The same export again: the name is taken now.
    assert_eq!(
        import(admin.token()).await.unwrap().status(),
        StatusCode::CONFLICT
    );
}
