//! What a message says beyond its text, against the real server: replies and threads,
//! @mentions (and who may mention @room), and Markdown rendered to safe HTML.

mod common;

use common::{
    connect, connect_live, expect_frame, general, reads_of, refused, spawn_app, updated, within,
};
use natter_client::proto::{ClientFrame, ServerFrame, Visibility};

#[tokio::test]
async fn a_reply_quotes_its_parent_and_a_reply_to_a_reply_joins_the_same_thread() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (carol, _) = app.user("carol").await;
    let (mut aws, ready) = connect_live(&alice).await;
    let (mut cws, _) = connect_live(&carol).await;
    let room = general(&ready);
    let (root, _) = alice
        .send_message(&room, "lunch at noon?", None)
        .await
        .unwrap();
    expect_frame(&mut aws, "own root", |f| {
        matches!(f, ServerFrame::Message { .. })
    })
    .await;

    let first = bob.reply(&room, &root.id, "yes", None).await.unwrap();
    let parent = first.reply_to.as_ref().expect("reply_to is set");
    assert_eq!(
        (parent.id.as_str(), parent.seq, parent.sender_id.as_str()),
        (root.id.as_str(), root.seq, a.id.as_str())
    );
    assert_eq!(parent.excerpt, "lunch at noon?");
    assert_eq!(first.thread_root.as_deref(), Some(root.id.as_str()));
    let counted = expect_frame(&mut aws, "the root with one reply", |f| {
        updated(f, &root.id).is_some_and(|m| m.reply_count == 1)
    })
    .await;
    let counted = updated(&counted, &root.id).unwrap();
    assert_eq!(
        counted.last_reply_at.as_deref(),
        Some(first.created_at.as_str())
    );
    assert!(counted.rev > 0);

    // Carol answers bob's reply over the WebSocket: it joins alice's thread, not a new one.
    cws.send(&ClientFrame::Send {
        room_id: room.clone(),
        body: "me too".into(),
        client_id: Some("c-1".into()),
        reply_to: Some(first.id.clone()),
        attachments: Vec::new(),
    })
    .await
    .unwrap();
    // Carol's own connection gets the updated root too, before or after her ack.
    let (second, carols_root) = within("ack and the root", async {
        let (mut ack, mut root_now) = (None, None);
        while ack.is_none() || root_now.is_none() {
            match cws.next_frame().await.unwrap().expect("open") {
                ServerFrame::Ack { message, .. } => ack = Some(message),
                ServerFrame::MessageUpdated { message } if message.id == root.id => {
                    root_now = Some(message)
                }
                _ => {}
            }
        }
        (ack.unwrap(), root_now.unwrap())
    })
    .await;
    assert_eq!(carols_root.reply_count, 2);
    let parent = second.reply_to.as_ref().expect("reply_to is set");
    assert_eq!(
        (
            parent.id.as_str(),
            parent.sender_id.as_str(),
            parent.excerpt.as_str()
        ),
        (first.id.as_str(), b.id.as_str(), "yes")
    );
    assert_eq!(second.thread_root.as_deref(), Some(root.id.as_str()));
    let frame = expect_frame(&mut aws, "the root with two replies", |f| {
        updated(f, &root.id).is_some_and(|m| m.reply_count == 2)
    })
    .await;
    let now = updated(&frame, &root.id).unwrap();
    assert_eq!(now, &carols_root);
    assert_eq!(
        now.last_reply_at.as_deref(),
        Some(second.created_at.as_str())
    );
    assert!(now.rev > counted.rev);

    for asked in [&root.id, &first.id, &second.id] {
        let thread = carol.thread(asked, None).await.unwrap();
        assert_eq!(thread.root.id, root.id);
        assert_eq!(thread.root.reply_count, 2);
        let ids: Vec<&str> = thread.replies.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, [first.id.as_str(), second.id.as_str()], "in order");
        assert!(!thread.has_more);
    }
    let rest = carol.thread(&root.id, Some(first.seq)).await.unwrap();
    assert_eq!(rest.replies.len(), 1);
    assert_eq!(rest.replies[0].id, second.id);
}

#[tokio::test]
async fn a_reply_to_a_message_of_another_room_is_not_found() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect_live(&alice).await.1);
    let side = alice
        .create_room("side", None, Visibility::Public)
        .await
        .unwrap();
    let (elsewhere, _) = alice
        .send_message(&side.id, "over here", None)
        .await
        .unwrap();
    let (status, code) = refused(alice.reply(&room, &elsewhere.id, "hm", None).await);
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let (status, _) = refused(alice.reply(&room, "999999", "hm", None).await);
    assert_eq!(status, 404);
    let history = alice.messages(&room, Default::default()).await.unwrap();
    assert!(history.messages.is_empty(), "nothing was stored");
    assert_eq!(alice.message(&elsewhere.id).await.unwrap().reply_count, 0);
}

#[tokio::test]
async fn a_mention_counts_only_for_members_and_shows_in_their_read_state() {
    let app = spawn_app().await;
    app.user("admin").await;
    let (carol, c) = app.user("carol").await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let crew = carol
        .create_room("crew", None, Visibility::Private)
        .await
        .unwrap();
    carol.add_member(&crew.id, &a.id).await.unwrap();
    let (outside, _) = alice
        .send_message(&crew.id, "@bob is not here, @Carol is", None)
        .await
        .unwrap();
    assert_eq!(outside.mentions, [c.id], "bob is not a member yet");

    carol.add_member(&crew.id, &b.id).await.unwrap();
    let (hello, _) = alice
        .send_message(&crew.id, "hi @bob, see `@alice` above", None)
        .await
        .unwrap();
    assert_eq!(
        hello.mentions,
        std::slice::from_ref(&b.id),
        "never the sender"
    );
    alice
        .send_message(&crew.id, "no mention", None)
        .await
        .unwrap();

    let (_, ready) = connect(&bob).await;
    let read = reads_of(&ready, &crew.id);
    // Bob joined after the first message: it counts as read.
    assert_eq!((read.last_read, read.unread, read.mentions), (1, 2, 1));
    let answered = bob.mark_read(&crew.id, hello.seq).await.unwrap();
    assert_eq!(
        (answered.last_read, answered.unread, answered.mentions),
        (2, 1, 0)
    );
}

#[tokio::test]
async fn only_the_room_owner_may_mention_room_and_it_counts_for_every_member() {
    let app = spawn_app().await;
    app.user("admin").await;
    let (owner, o) = app.user("olivia").await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let team = owner
        .create_room("team", None, Visibility::Private)
        .await
        .unwrap();
    owner.add_member(&team.id, &a.id).await.unwrap();
    owner.add_member(&team.id, &b.id).await.unwrap();

    let err = alice
        .send_message(&team.id, "@room wake up", None)
        .await
        .expect_err("a plain member may not mention @room");
    let natter_client::ClientError::Api {
        status, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 403);
    assert!(message.contains("@room"), "the refusal says why: {message}");
    assert!(owner
        .messages(&team.id, Default::default())
        .await
        .unwrap()
        .messages
        .is_empty());

    let (standup, _) = owner
        .send_message(&team.id, "@room standup in 5", None)
        .await
        .unwrap();
    assert!(standup.mentions_room);
    for (who, ws_user) in [(&alice, &a), (&bob, &b)] {
        let (_, ready) = connect(who).await;
        let read = reads_of(&ready, &team.id);
        assert_eq!((read.unread, read.mentions), (1, 1), "{}", ws_user.username);
    }
    let (_, ready) = connect(&owner).await;
    let own = reads_of(&ready, &team.id);
    assert_eq!((own.unread, own.mentions), (0, 0), "{}", o.username);
}

#[tokio::test]
async fn markdown_is_rendered_and_nothing_dangerous_reaches_the_html() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut bws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    let body = "**bold** <script>alert(1)</script> [click](javascript:alert(2)) \
                [site](https://example.com) and https://natter.example/x";
    let (sent, _) = alice.send_message(&room, body, None).await.unwrap();
    assert_eq!(sent.body, body, "the raw body is kept as typed");
    let html = &sent.html;
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.to_lowercase().contains("javascript:"), "{html}");
    assert!(
        html.contains(
            r#"<a href="https://example.com" rel="noopener noreferrer nofollow">site</a>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"<a href="https://natter.example/x" rel="noopener noreferrer nofollow">"#),
        "bare links are linked too: {html}"
    );
    let live = expect_frame(&mut bws, "the message", |f| {
        matches!(f, ServerFrame::Message { .. })
    })
    .await;
    let ServerFrame::Message { message } = live else {
        unreachable!()
    };
    assert_eq!(message.html, sent.html, "everyone gets the same rendering");

    let edited = alice
        .edit_message(&sent.id, "<img src=x onerror=alert(3)> *fine*")
        .await
        .unwrap();
    assert!(!edited.html.contains("<img"), "{}", edited.html);
    assert!(edited.html.contains("<em>fine</em>"), "{}", edited.html);
}

#[tokio::test]
async fn a_reply_shows_its_parent_as_deleted_once_it_is_and_threads_stay_private() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = general(&connect_live(&alice).await.1);
    let (parent, _) = alice
        .send_message(&room, "oops, secret", None)
        .await
        .unwrap();
    let reply = bob
        .reply(&room, &parent.id, "saw that", None)
        .await
        .unwrap();
    alice.delete_message(&parent.id).await.unwrap();
    let now = bob.message(&reply.id).await.unwrap();
    let quoted = now.reply_to.expect("still a reply");
    assert!(quoted.deleted);
    assert_eq!(quoted.excerpt, "", "the deleted text is not quoted");

    let secret = alice
        .create_room("secret", None, Visibility::Private)
        .await
        .unwrap();
    let (root, _) = alice
        .send_message(&secret.id, "hidden", None)
        .await
        .unwrap();
    alice
        .reply(&secret.id, &root.id, "hidden too", None)
        .await
        .unwrap();
    assert_eq!(refused(bob.thread(&root.id, None).await).0, 404);
    assert_eq!(
        refused(bob.reply(&secret.id, &root.id, "me?", None).await).0,
        404
    );
}

#[tokio::test]
async fn the_server_admin_may_mention_room_in_general_and_a_plain_member_may_not() {
    let app = spawn_app().await;
    let (admin, _) = app.user("admin").await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect(&alice).await.1);
    let (status, _) = refused(alice.send_message(&room, "hey @room", None).await);
    assert_eq!(status, 403);
    let (sent, _) = alice.send_message(&room, "hey @admin", None).await.unwrap();
    let (status, _) = refused(alice.edit_message(&sent.id, "hey @room").await);
    assert_eq!(status, 403, "an edit may not sneak @room in either");
    let (announce, _) = admin
        .send_message(&room, "@room maintenance", None)
        .await
        .unwrap();
    assert!(announce.mentions_room);
    let (_, ready) = connect(&alice).await;
    assert_eq!(reads_of(&ready, &room).mentions, 1);
}
