//! Limits on what an account can be put into, and a `ready` that is never too large to send.

use futures_util::{stream, StreamExt};
use natter_client::proto::{ServerFrame, Visibility};

use crate::common::{connect, refused, spawn_app, spawn_app_with, within};

#[tokio::test]
async fn nobody_is_put_into_more_rooms_than_the_limit() {
    let app = spawn_app_with(|s| s.max_rooms_per_user = Some(3)).await;
    let (alice, _) = app.user("alice").await;
    let (bob, bob_user) = app.user("bob").await;
    // Bob is in general; two rooms more reach his limit of three.
    let first = alice
        .create_room("one", None, Visibility::Public)
        .await
        .unwrap();
    let second = alice
        .create_room("two", None, Visibility::Private)
        .await
        .unwrap();
    let third = alice.create_room("three", None, Visibility::Public).await;
    assert_eq!(refused(third).0, 403, "alice is at her limit too");
    bob.join(&first.id).await.unwrap();
    alice.add_member(&second.id, &bob_user.id).await.unwrap();

    let (carol, carol_user) = app.user("carol").await;
    let room = carol
        .create_room("four", None, Visibility::Public)
        .await
        .unwrap();
    assert_eq!(refused(bob.join(&room.id).await).0, 403);
    // Inviting him to a public room is not adding him; the limit holds when he accepts.
    carol.add_member(&room.id, &bob_user.id).await.unwrap();
    assert_eq!(refused(bob.join(&room.id).await).0, 403);
    let private = carol
        .create_room("five", None, Visibility::Private)
        .await
        .unwrap();
    assert_eq!(
        refused(carol.add_member(&private.id, &bob_user.id).await).0,
        403
    );
    assert_eq!(refused(carol.open_dm(&[bob_user.id.as_str()]).await).0, 403);
    // Bob's rooms are as they were; and an existing room or DM is never refused.
    assert_eq!(
        bob.rooms().await.unwrap().len(),
        4,
        "3 of his and carol's public one"
    );
    let joined_again = bob.join(&first.id).await.unwrap();
    assert_eq!(joined_again.id, first.id);
    let _ = carol_user;
}

#[tokio::test]
async fn someone_in_a_thousand_rooms_with_long_topics_still_gets_ready() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let topic = "t".repeat(500);
    let created: Vec<_> = stream::iter(0..999)
        .map(|i| {
            let (alice, topic) = (&alice, &topic);
            async move {
                alice
                    .create_room(&format!("room {i}"), Some(topic), Visibility::Private)
                    .await
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    assert!(created.iter().all(Result::is_ok));
    let (_, ready) = within("ready for a thousand rooms", connect(&alice)).await;
    let ServerFrame::Ready { rooms, reads, .. } = ready else {
        unreachable!()
    };
    assert_eq!(rooms.len(), 1000);
    assert_eq!(reads.len(), 1000);
}
