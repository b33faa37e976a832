//! `natter chat`'s screen against a real server: typing and sending, receiving, switching rooms,
//! scrolling back through history, editing, replying and reacting, and resuming after the server
//! restarts. The screen is drawn on ratatui's test backend and read back as text.

mod common;

use std::time::Duration;

use common::screen::{count, Screen};
use common::{connect_live, expect_frame, general, message_body, spawn_app};
use natter_client::proto::{ServerFrame, Visibility};
use natter_client::History;
use natter_tui::markdown::Palette;
use ratatui::crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::{Color, Modifier};

#[tokio::test]
async fn a_message_typed_in_the_terminal_reaches_a_web_user_and_their_answer_appears() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut bob_ws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    let mut screen = Screen::start(alice, 100, 30);
    screen.wait_for("● online").await;
    screen.wait_for("#general").await;

    screen.type_text("hello **bob**");
    screen.press_with(KeyCode::Enter, KeyModifiers::ALT);
    screen.enter("second line");
    screen
        .wait_until("the ack", |t| {
            t.contains("second line") && !t.contains("sending")
        })
        .await;
    let frame = expect_frame(&mut bob_ws, "alice's message", |f| {
        message_body(f).is_some()
    })
    .await;
    assert_eq!(message_body(&frame), Some("hello **bob**\nsecond line"));
    let text = screen.wait_for("second line").await;
    assert!(
        text.contains("hello bob"),
        "Markdown is drawn as styles:\n{text}"
    );
    assert!(!text.contains("**"), "never as raw markup:\n{text}");
    let buffer = screen.buffer();
    let hello = buffer
        .content
        .windows(9)
        .find(|w| w.iter().map(|c| c.symbol()).collect::<String>() == "hello bob")
        .expect("the message is on screen");
    assert!(!hello[0].modifier.contains(Modifier::BOLD));
    assert!(
        hello[6].modifier.contains(Modifier::BOLD),
        "**bob** is bold"
    );

    bob.send_message(&room, "hi @alice, welcome!", None)
        .await
        .unwrap();
    screen.wait_for("hi @alice, welcome!").await;
    assert!(screen.chat.take_bell(), "a mention rings the bell");
    assert!(screen.text().contains("▌ hi @alice"), "and is marked");
    bob.send_message(&room, "no mention here", None)
        .await
        .unwrap();
    screen.wait_for("no mention here").await;
    assert!(!screen.chat.take_bell(), "other messages do not ring");

    screen.type_text("typing…");
    expect_frame(&mut bob_ws, "alice typing", |f| {
        matches!(f, ServerFrame::Typing { active: true, .. })
    })
    .await;
}

#[tokio::test]
async fn ctrl_k_switches_rooms_by_fuzzy_name_and_the_sidebar_counts_unread_and_mentions() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let random = bob
        .create_room("random", None, Visibility::Public)
        .await
        .unwrap();
    alice.join(&random.id).await.unwrap();
    let mut screen = Screen::start(alice, 100, 30);
    screen.wait_for("● online").await;
    screen.wait_for("#random").await;
    screen.wait_for(" #general").await;

    bob.send_message(&random.id, "one", None).await.unwrap();
    bob.send_message(&random.id, "two @alice", None)
        .await
        .unwrap();
    let text = screen
        .wait_until("unread counts", |t| {
            t.contains("#random") && t.contains(" 2 @1")
        })
        .await;
    assert!(
        text.lines()
            .any(|l| l.starts_with("#random") && l.contains("2 @1")),
        "{text}"
    );

    screen.press_with(KeyCode::Char('k'), KeyModifiers::CONTROL);
    screen.type_text("rnd");
    let text = screen.text();
    assert!(text.contains("Switch room"), "{text}");
    screen.press(KeyCode::Enter);
    let text = screen.wait_for("two @alice").await;
    assert!(
        text.contains(" #random"),
        "the header names the room:\n{text}"
    );
    let text = screen
        .wait_until("the room to be read", |t| {
            t.lines().any(|l| {
                let sidebar: String = l.chars().take(20).collect();
                sidebar.starts_with("#random") && !sidebar.contains('2')
            })
        })
        .await;
    assert!(text.contains("one"));

    screen.press_with(KeyCode::Char('p'), KeyModifiers::CONTROL);
    screen.type_text("zzz");
    assert!(screen.text().contains("no room matches"));
    screen.press(KeyCode::Esc);
    assert!(!screen.text().contains("Switch room"));
}

#[tokio::test]
async fn page_up_scrolls_back_and_loads_older_history_until_the_start() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = bob
        .create_room("history", None, Visibility::Public)
        .await
        .unwrap();
    alice.join(&room.id).await.unwrap();
    for i in 1..=120 {
        bob.send_message(&room.id, &format!("history line {i:03}"), None)
            .await
            .unwrap();
    }
    let mut screen = Screen::start(alice, 80, 24);
    screen.wait_for("#history").await;
    screen.press_with(KeyCode::Char('k'), KeyModifiers::CONTROL);
    screen.enter("hist");
    screen.wait_for("history line 120").await;
    assert!(!screen.text().contains("history line 001"));

    let mut pages = 0;
    while !screen.text().contains("This is the start of #history") {
        screen.press(KeyCode::PageUp);
        screen.settle(Duration::from_millis(30)).await;
        pages += 1;
        assert!(pages < 200, "scrolling never reached the start");
    }
    let text = screen.text();
    assert!(text.contains("history line 001"), "{text}");
    assert!(!text.contains("history line 120"));
    let state = screen.chat.state();
    let held = &state.timelines[&room.id].messages;
    assert_eq!(held.len(), 120, "every message loaded once");

    for _ in 0..pages {
        screen.press(KeyCode::PageDown);
    }
    screen.wait_for("history line 120").await;
}

#[tokio::test]
async fn up_edits_the_last_message_and_a_selected_message_gets_replies_and_reactions() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut bob_ws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    bob.send_message(&room, "first from bob", None)
        .await
        .unwrap();
    let mut screen = Screen::start(alice.clone(), 100, 30);
    screen.wait_for("first from bob").await;
    screen.enter("my typo mesage");
    screen.wait_for("my typo mesage").await;
    screen.settle(Duration::from_millis(100)).await;

    screen.press(KeyCode::Up);
    assert!(screen.text().contains("editing your message"));
    for _ in 0.."mesage".len() {
        screen.press(KeyCode::Backspace);
    }
    screen.enter("message");
    screen.wait_for("my typo message (edited)").await;

    screen.press_with(KeyCode::Up, KeyModifiers::ALT);
    screen.press_with(KeyCode::Up, KeyModifiers::ALT);
    assert!(
        screen.text().contains("▶ first from bob"),
        "{}",
        screen.text()
    );
    screen.enter("/react :tada:");
    screen.wait_for("🎉 1").await;
    screen.press_with(KeyCode::Up, KeyModifiers::ALT);
    screen.press_with(KeyCode::Up, KeyModifiers::ALT);
    screen.enter("/reply");
    assert!(screen.text().contains("replying to bob"));
    screen.enter("answering you");
    let text = screen
        .wait_until("the reply", |t| {
            t.contains("answering you") && !t.contains("sending")
        })
        .await;
    assert!(text.contains("↳ bob: first from bob"), "{text}");

    let reply = expect_frame(&mut bob_ws, "the reply", |f| {
        message_body(f) == Some("answering you")
    })
    .await;
    let ServerFrame::Message { message } = reply else {
        unreachable!()
    };
    assert!(message.reply_to.is_some());
    let page = bob.messages(&room, History::default()).await.unwrap();
    let first = page
        .messages
        .iter()
        .find(|m| m.body == "first from bob")
        .unwrap();
    assert_eq!(first.reactions[0].emoji, "🎉");
    assert!(page.messages.iter().any(|m| m.body == "my typo message"));
}

#[tokio::test]
async fn after_a_server_restart_the_client_resyncs_and_sends_what_was_typed_offline_exactly_once() {
    let mut app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (_, ready) = connect_live(&bob).await;
    let room = general(&ready);
    bob.send_message(&room, "before the restart", None)
        .await
        .unwrap();
    let mut screen = Screen::start(alice.clone(), 100, 30);
    screen.wait_for("before the restart").await;

    app.shutdown().await;
    screen.wait_for("offline").await;
    screen.enter("typed while offline");
    let text = screen
        .wait_for("typed while offline (waiting for the connection)")
        .await;
    assert!(text.contains("1 to send"), "{text}");

    app.restart().await;
    bob.send_message(&room, "sent while alice was away", None)
        .await
        .unwrap();
    screen.chat.retry_now();
    let text = screen
        .wait_until("the resync and the outbox", |t| {
            t.contains("● online")
                && t.contains("sent while alice was away")
                && t.contains("typed while offline")
                && !t.contains("to send")
        })
        .await;
    assert_eq!(count(&text, "before the restart"), 1, "{text}");
    assert_eq!(count(&text, "sent while alice was away"), 1, "{text}");
    assert_eq!(count(&text, "typed while offline"), 1, "{text}");

    // Another restart and resync: what was acknowledged is not sent again.
    app.restart().await;
    screen.chat.retry_now();
    screen.wait_for("● online").await;
    screen.settle(Duration::from_millis(300)).await;
    let page = bob.messages(&room, History::default()).await.unwrap();
    let bodies: Vec<&str> = page.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies
            .iter()
            .filter(|b| **b == "typed while offline")
            .count(),
        1,
        "{bodies:?}"
    );
    assert_eq!(count(&screen.text(), "typed while offline"), 1);
}

#[tokio::test]
async fn at_80_by_24_the_members_hide_and_no_color_draws_without_colour() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (_bob_ws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    bob.send_message(&room, "hello in plain text", None)
        .await
        .unwrap();
    let mut screen = Screen::start_with(alice, 120, 30, Palette::NoColor);
    screen.wait_for("hello in plain text").await;
    let text = screen.wait_for("● bob").await;
    assert!(text.contains("Members"), "{text}");
    let buffer = screen.buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset),
        "NO_COLOR: no cell has a colour"
    );

    screen.resize(80, 24);
    let text = screen.text();
    assert!(!text.contains("Members"), "{text}");
    assert!(text.contains("hello in plain text"));
    assert_eq!(text.lines().count(), 24);
    assert!(text.lines().all(|l| l.chars().count() <= 80));

    screen.press(KeyCode::Char('?'));
    let text = screen.text();
    for needle in ["Ctrl+K", "/download N [PATH]", "/quit"] {
        assert!(text.contains(needle), "help shows {needle}:\n{text}");
    }
    screen.press(KeyCode::Esc);
    assert!(!screen.text().contains("/download N"));
}
