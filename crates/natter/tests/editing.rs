//! Changing stored messages against the real server: edits, tombstone deletes, reactions and
//! pins, with who may do each and the `message_updated` frames they cause.

mod common;

use std::time::Duration;

use common::{
    connect_live, expect_frame, expect_none, general, message_body, refused, spawn_app, updated,
};
use natter_client::proto::Visibility;
use natter_client::{History, Search};

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn the_sender_edits_a_message_and_members_see_the_new_version_live() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut bws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    let (sent, _) = alice.send_message(&room, "helo wrold", None).await.unwrap();
    assert!(sent.edited_at.is_none());
    expect_frame(&mut bws, "the original", |f| message_body(f).is_some()).await;

    let edited = alice
        .edit_message(&sent.id, "hello **world**")
        .await
        .unwrap();
    assert_eq!(
        (edited.id.as_str(), edited.seq),
        (sent.id.as_str(), sent.seq)
    );
    assert_eq!(edited.body, "hello **world**");
    assert!(
        edited.html.contains("<strong>world</strong>"),
        "{}",
        edited.html
    );
    assert!(edited.edited_at.is_some(), "edited_at is set");
    assert!(edited.rev > 0, "an edit is a change with a rev");
    let live = expect_frame(&mut bws, "the edit", |f| updated(f, &sent.id).is_some()).await;
    assert_eq!(updated(&live, &sent.id), Some(&edited));
    assert_eq!(bob.message(&sent.id).await.unwrap(), edited);
    assert_eq!(bob.room(&room).await.unwrap().last_rev, edited.rev);

    // The same body again changes nothing and announces nothing.
    let again = alice
        .edit_message(&sent.id, "hello **world**")
        .await
        .unwrap();
    assert_eq!(again.rev, edited.rev);
    expect_none(&mut bws, QUIET, |f| updated(f, &sent.id).is_some()).await;
}

#[tokio::test]
async fn only_the_sender_may_edit_and_never_a_deleted_message() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let room = general(&connect_live(&bob).await.1);
    let (sent, _) = bob.send_message(&room, "bob's words", None).await.unwrap();
    // Not even alice, the server admin, may put words in bob's mouth.
    let (status, code) = refused(alice.edit_message(&sent.id, "alice's words").await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    assert_eq!(bob.message(&sent.id).await.unwrap().body, "bob's words");

    bob.delete_message(&sent.id).await.unwrap();
    let (status, _) = refused(bob.edit_message(&sent.id, "back from the dead").await);
    assert_eq!(status, 403);
    let tomb = bob.message(&sent.id).await.unwrap();
    assert!(tomb.deleted && tomb.body.is_empty());
}

#[tokio::test]
async fn a_deleted_message_is_a_tombstone_in_history_and_gone_from_search() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, _) = app.user("bob").await;
    let (mut aws, ready) = connect_live(&alice).await;
    let room = general(&ready);
    bob.send_message(&room, "before", None).await.unwrap();
    let (doomed, _) = bob
        .send_message(&room, "the quokka password is **hunter2**", None)
        .await
        .unwrap();
    bob.send_message(&room, "after", None).await.unwrap();
    alice.react(&doomed.id, "👍").await.unwrap();
    let quokka = Search {
        q: "quokka",
        ..Default::default()
    };
    assert_eq!(alice.search(&quokka).await.unwrap().hits.len(), 1);

    let tomb = bob.delete_message(&doomed.id).await.unwrap();
    assert!(tomb.deleted);
    assert_eq!((tomb.body.as_str(), tomb.html.as_str()), ("", ""));
    assert!(tomb.reactions.is_empty(), "reactions go with the body");
    assert_eq!(
        (tomb.id.as_str(), tomb.seq),
        (doomed.id.as_str(), doomed.seq)
    );
    let live = expect_frame(&mut aws, "the tombstone", |f| {
        updated(f, &doomed.id).is_some_and(|m| m.deleted)
    })
    .await;
    assert_eq!(updated(&live, &doomed.id), Some(&tomb));

    let history = alice.messages(&room, History::default()).await.unwrap();
    let shown: Vec<(i64, &str, bool)> = history
        .messages
        .iter()
        .map(|m| (m.seq, m.body.as_str(), m.deleted))
        .collect();
    assert_eq!(
        shown,
        [(1, "before", false), (2, "", true), (3, "after", false)]
    );
    assert!(history.messages[1].reactions.is_empty());
    for q in ["quokka", "hunter2", "password"] {
        let hits = alice
            .search(&Search {
                q,
                ..Default::default()
            })
            .await;
        assert!(hits.unwrap().hits.is_empty(), "{q} is gone from the index");
    }
}

#[tokio::test]
async fn the_room_owner_deletes_anyones_message_and_a_plain_member_cannot() {
    let app = spawn_app().await;
    app.user("admin").await; // the first account is the server admin; keep it out of the way
    let (owner, _) = app.user("olivia").await;
    let (member, m) = app.user("mallory").await;
    let (other, o) = app.user("oscar").await;
    let team = owner
        .create_room("team", None, Visibility::Private)
        .await
        .unwrap();
    owner.add_member(&team.id, &m.id).await.unwrap();
    owner.add_member(&team.id, &o.id).await.unwrap();
    let (oscars, _) = other
        .send_message(&team.id, "oscar says", None)
        .await
        .unwrap();
    let (owners, _) = owner
        .send_message(&team.id, "owner says", None)
        .await
        .unwrap();

    let (status, code) = refused(member.delete_message(&oscars.id).await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    let (status, _) = refused(member.delete_message(&owners.id).await);
    assert_eq!(status, 403);
    assert!(!owner.message(&oscars.id).await.unwrap().deleted);

    let tomb = owner.delete_message(&oscars.id).await.unwrap();
    assert!(tomb.deleted && tomb.body.is_empty());
    let (mine, _) = member.send_message(&team.id, "mine", None).await.unwrap();
    assert!(member.delete_message(&mine.id).await.unwrap().deleted);
}

#[tokio::test]
async fn reactions_are_counted_per_emoji_with_each_user_listed_once() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (carol, c) = app.user("carol").await;
    let (mut aws, ready) = connect_live(&alice).await;
    let room = general(&ready);
    let (sent, _) = alice.send_message(&room, "party?", None).await.unwrap();
    expect_frame(&mut aws, "own message", |f| message_body(f).is_some()).await;
    let reactions = |m: &natter_client::proto::Message| {
        m.reactions
            .iter()
            .map(|r| (r.emoji.clone(), r.user_ids.clone()))
            .collect::<Vec<_>>()
    };

    let once = bob.react(&sent.id, "👍").await.unwrap();
    assert_eq!(reactions(&once), [("👍".into(), vec![b.id.clone()])]);
    let live = expect_frame(&mut aws, "bob's reaction", |f| {
        updated(f, &sent.id).is_some()
    })
    .await;
    assert_eq!(updated(&live, &sent.id), Some(&once));

    let twice = bob.react(&sent.id, "👍").await.unwrap();
    assert_eq!((reactions(&twice), twice.rev), (reactions(&once), once.rev));
    expect_none(&mut aws, QUIET, |f| updated(f, &sent.id).is_some()).await;

    carol.react(&sent.id, "👍").await.unwrap();
    let both = alice.react(&sent.id, "🎉").await.unwrap();
    assert_eq!(
        reactions(&both),
        [
            ("👍".into(), vec![b.id.clone(), c.id.clone()]),
            ("🎉".into(), vec![a.id.clone()]),
        ]
    );
    let removed = bob.unreact(&sent.id, "👍").await.unwrap();
    assert_eq!(
        reactions(&removed),
        [("👍".into(), vec![c.id.clone()]), ("🎉".into(), vec![a.id])]
    );
    assert_eq!(
        reactions(&bob.message(&sent.id).await.unwrap()),
        reactions(&removed)
    );
    let gone = carol.unreact(&sent.id, "👍").await.unwrap();
    assert_eq!(gone.reactions.len(), 1, "an emoji nobody uses disappears");
}

#[tokio::test]
async fn a_reaction_must_be_one_emoji_and_only_members_may_react() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (dave, _) = app.user("dave").await;
    let room = general(&connect_live(&alice).await.1);
    let (sent, _) = alice
        .send_message(&room, "react to me", None)
        .await
        .unwrap();
    for bad in ["a", "🎉🎉"] {
        let (status, code) = refused(dave.react(&sent.id, bad).await);
        assert_eq!((status, code.as_str()), (422, "invalid_emoji"), "{bad}");
    }
    let secret = alice
        .create_room("secret", None, Visibility::Private)
        .await
        .unwrap();
    let (hidden, _) = alice
        .send_message(&secret.id, "hidden", None)
        .await
        .unwrap();
    let (status, code) = refused(dave.react(&hidden.id, "👍").await);
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert!(alice
        .message(&hidden.id)
        .await
        .unwrap()
        .reactions
        .is_empty());
}

#[tokio::test]
async fn the_owner_pins_and_unpins_and_a_plain_member_cannot() {
    let app = spawn_app().await;
    app.user("admin").await;
    let (owner, _) = app.user("olivia").await;
    let (member, m) = app.user("mallory").await;
    let team = owner
        .create_room("team", None, Visibility::Private)
        .await
        .unwrap();
    owner.add_member(&team.id, &m.id).await.unwrap();
    let (mut mws, _) = connect_live(&member).await;
    let (first, _) = member
        .send_message(&team.id, "read the rules", None)
        .await
        .unwrap();
    let (second, _) = owner
        .send_message(&team.id, "and the faq", None)
        .await
        .unwrap();

    let (status, code) = refused(member.pin(&first.id).await);
    assert_eq!((status, code.as_str()), (403, "forbidden"));
    assert!(owner.pins(&team.id).await.unwrap().is_empty());

    let pinned = owner.pin(&first.id).await.unwrap();
    assert!(pinned.pinned_at.is_some());
    expect_frame(&mut mws, "the pin", |f| {
        updated(f, &first.id).is_some_and(|m| m.pinned_at.is_some())
    })
    .await;
    owner.pin(&second.id).await.unwrap();
    let pins: Vec<String> = member
        .pins(&team.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(pins.len(), 2);
    assert!(pins.contains(&first.id) && pins.contains(&second.id));

    let (status, _) = refused(member.unpin(&first.id).await);
    assert_eq!(status, 403);
    assert!(owner.unpin(&first.id).await.unwrap().pinned_at.is_none());
    let pins = member.pins(&team.id).await.unwrap();
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0].id, second.id);
}

#[tokio::test]
async fn in_a_dm_either_member_pins() {
    let app = spawn_app().await;
    app.user("admin").await;
    let (alice, _) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let dm = alice.open_dm(&[&b.id]).await.unwrap();
    let (sent, _) = alice.send_message(&dm.id, "our plan", None).await.unwrap();
    assert!(bob.pin(&sent.id).await.unwrap().pinned_at.is_some());
    assert_eq!(alice.pins(&dm.id).await.unwrap()[0].id, sent.id);
    assert!(alice.unpin(&sent.id).await.unwrap().pinned_at.is_none());
    assert!(bob.pins(&dm.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_deleted_message_takes_no_reactions_and_leaves_the_pins() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect_live(&alice).await.1);
    let (sent, _) = alice.send_message(&room, "pin me", None).await.unwrap();
    alice.pin(&sent.id).await.unwrap();
    assert_eq!(alice.pins(&room).await.unwrap().len(), 1);
    let tomb = alice.delete_message(&sent.id).await.unwrap();
    assert!(tomb.pinned_at.is_none());
    assert!(alice.pins(&room).await.unwrap().is_empty());
    assert_eq!(refused(alice.react(&sent.id, "👍").await).0, 403);
    assert_eq!(refused(alice.pin(&sent.id).await).0, 403);
    // Deleting twice changes nothing more.
    assert_eq!(alice.delete_message(&sent.id).await.unwrap().rev, tomb.rev);
}
