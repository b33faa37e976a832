//! `natter chat`'s slash commands and Tab completion against a real server, on ratatui's test
//! backend: each command is typed as a user would and checked on the screen and on the server.

mod common;

use common::screen::Screen;
use common::{connect_live, expect_frame, general, message_body, spawn_app};
use natter_client::proto::{RoomKind, ServerFrame, Visibility};
use natter_client::History;
use ratatui::crossterm::event::KeyCode;

#[tokio::test]
async fn rooms_are_joined_created_left_and_given_a_topic_and_dms_opened_by_command() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    bob.create_room("rust", None, Visibility::Public)
        .await
        .unwrap();
    let mut screen = Screen::start(alice.clone(), 100, 30);
    screen.wait_for("● online").await;

    screen.enter("/join #Rust");
    let text = screen.wait_for("joined #rust").await;
    assert!(text.contains(" #rust"), "{text}");
    screen.enter("/topic Systems programming");
    screen.wait_for("#rust — Systems programming").await;
    assert_eq!(
        bob.rooms()
            .await
            .unwrap()
            .iter()
            .find(|r| r.name == "rust")
            .unwrap()
            .topic,
        "Systems programming"
    );

    screen.enter("/create secret plans --private");
    screen.wait_for("created secret plans").await;
    let rooms = alice.rooms().await.unwrap();
    let secret = rooms.iter().find(|r| r.name == "secret plans").unwrap();
    assert_eq!(secret.kind, RoomKind::Private);
    screen.enter("/leave");
    screen.wait_for("left 🔒secret plans").await;
    assert!(!alice
        .rooms()
        .await
        .unwrap()
        .iter()
        .any(|r| r.name == "secret plans"));

    let (mut carol_ws, _) = connect_live(&carol).await;
    screen.enter("/dm @bob carol");
    screen.wait_for("@bob, @carol").await;
    screen.enter("a word for you both");
    screen.wait_sent().await;
    let frame = expect_frame(&mut carol_ws, "the group DM", |f| message_body(f).is_some()).await;
    assert_eq!(message_body(&frame), Some("a word for you both"));

    screen.enter("/join nowhere");
    screen
        .wait_for("there is no public room called nowhere")
        .await;
    screen.enter("/dm nobody-at-all");
    screen.wait_for("nobody is called nobody-at-all").await;
    screen.enter("/jion x");
    screen
        .wait_for("unknown command /jion; did you mean /join?")
        .await;
    assert_eq!(
        screen.chat.state().outbox.len(),
        0,
        "a bad command is never sent"
    );
}

#[tokio::test]
async fn me_nick_status_and_search_work_from_the_composer() {
    let app = spawn_app().await;
    let (alice, alice_user) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut bob_ws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    bob.send_message(&room, "the release notes are out", None)
        .await
        .unwrap();
    let mut screen = Screen::start(alice, 100, 30);
    screen.wait_for("release notes").await;

    screen.enter("/me waves");
    screen.wait_sent().await;
    expect_frame(&mut bob_ws, "the action", |f| {
        message_body(f) == Some("*waves*")
    })
    .await;

    screen.enter("/nick Alice Liddell");
    screen.wait_for("display name changed").await;
    screen.enter("/status in the garden");
    screen.wait_for("status changed").await;
    let me = bob.user(&alice_user.id).await.unwrap();
    assert_eq!(
        (me.display_name.as_str(), me.status.as_str()),
        ("Alice Liddell", "in the garden")
    );
    screen.wait_for("● Alice Liddell — in th").await;

    screen.enter("/search release");
    let text = screen.wait_for("Search: release").await;
    assert!(text.contains("the release notes are out"), "{text}");
    screen.press(KeyCode::Enter);
    assert!(
        screen.text().contains("▶"),
        "the hit is selected in its room"
    );
    screen.enter("/search zebra");
    screen.wait_for("nothing found for \"zebra\"").await;
    screen.press(KeyCode::Esc);
}

#[tokio::test]
async fn files_are_uploaded_and_downloaded_by_number_without_overwriting() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut bob_ws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "remember the milk\n").unwrap();
    let mut screen = Screen::start(alice, 100, 30);
    screen.wait_for("● online").await;

    screen.enter(&format!("/upload {}", notes.display()));
    screen.wait_for("sent notes.txt").await;
    let frame = expect_frame(
        &mut bob_ws,
        "the file",
        |f| matches!(f, ServerFrame::Message { message } if !message.attachments.is_empty()),
    )
    .await;
    let ServerFrame::Message { message } = frame else {
        unreachable!()
    };
    assert_eq!(message.attachments[0].name, "notes.txt");
    screen.wait_for("[1] 📎 notes.txt  18 B").await;

    let file = bob
        .upload("report.pdf", b"%PDF-1.4 pretend".to_vec())
        .await
        .unwrap();
    bob.send_with_files(&room, "the report", &[&file.id])
        .await
        .unwrap();
    screen.wait_for("[2] 📎 report.pdf").await;

    let saved = dir.path().join("out");
    std::fs::create_dir(&saved).unwrap();
    screen.enter(&format!("/download 2 {}", saved.display()));
    screen.wait_for("saved ").await;
    assert_eq!(
        std::fs::read(saved.join("report.pdf")).unwrap(),
        b"%PDF-1.4 pretend"
    );
    screen.enter(&format!("/download 2 {}", saved.display()));
    screen.wait_for("File exists").await;
    screen.enter("/download 9");
    screen.wait_for("there is no attachment 9").await;
    screen.enter("/upload /no/such/file.png");
    screen.wait_for("uploading /no/such/file.png failed").await;
    let page = bob.messages(&room, History::default()).await.unwrap();
    assert_eq!(
        page.messages
            .iter()
            .filter(|m| !m.attachments.is_empty())
            .count(),
        2
    );
}

#[tokio::test]
async fn tab_completes_usernames_and_commands() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bobby").await;
    let (_ws, _) = connect_live(&bob).await;
    app.user("bonnie").await;
    let (bonnie, _) = app.user("carl").await;
    drop(bonnie);
    let mut screen = Screen::start(alice, 100, 30);
    screen.wait_for("● bobby").await;

    screen.type_text("hi @bob");
    screen.press(KeyCode::Tab);
    screen.type_text("and @b");
    screen.press(KeyCode::Tab);
    let text = screen.text();
    assert!(text.contains("› hi @bobby and @bo"), "{text}");
    assert!(
        text.contains("@bobby  @bonnie"),
        "the choices are listed:\n{text}"
    );
    screen.press(KeyCode::Esc);
    for _ in 0..40 {
        screen.press(KeyCode::Backspace);
    }
    screen.type_text("/dow");
    screen.press(KeyCode::Tab);
    screen.type_text("1");
    assert!(screen.text().contains("› /download 1"), "{}", screen.text());
    screen.press(KeyCode::Esc);
}
