//! Full-text search against the real server: scoped to what the caller may read, filtered,
//! paged, with safe snippets.

mod common;

use std::collections::BTreeSet;

use common::{connect, general, refused, spawn_app};
use natter_client::proto::{SearchResponse, Visibility};
use natter_client::{Client, Search};

async fn search(client: &Client, search: Search<'_>) -> SearchResponse {
    client.search(&search).await.expect("search succeeds")
}

fn q(q: &str) -> Search<'_> {
    Search {
        q,
        ..Default::default()
    }
}

fn bodies(found: &SearchResponse) -> BTreeSet<String> {
    found.hits.iter().map(|h| h.message.body.clone()).collect()
}

fn set<const N: usize>(items: [&str; N]) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn search_never_returns_messages_from_private_rooms_or_dms_the_caller_is_not_in() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let (carol, c) = app.user("carol").await;
    let room = general(&connect(&alice).await.1);
    let vault = alice
        .create_room("vault", None, Visibility::Private)
        .await
        .unwrap();
    alice
        .send_message(&vault.id, "zebra in the vault", None)
        .await
        .unwrap();
    let dm = alice.open_dm(&[&b.id]).await.unwrap();
    alice
        .send_message(&dm.id, "zebra in the dm", None)
        .await
        .unwrap();
    bob.send_message(&dm.id, "zebra reply in the dm", None)
        .await
        .unwrap();
    alice
        .send_message(&room, "zebra in general", None)
        .await
        .unwrap();
    let plaza = alice
        .create_room("plaza", None, Visibility::Public)
        .await
        .unwrap();
    alice
        .send_message(&plaza.id, "zebra on the plaza", None)
        .await
        .unwrap();

    let public = set(["zebra in general", "zebra on the plaza"]);
    // Whole words, prefixes, other words of the hidden messages, and every filter.
    for words in ["zebra", "zeb", "z", "vault", "dm", "reply", "zebra in the"] {
        let found = search(&carol, q(words)).await;
        assert!(
            bodies(&found).is_subset(&public),
            "{words}: carol sees only public rooms: {:?}",
            bodies(&found)
        );
    }
    assert_eq!(bodies(&search(&carol, q("zebra")).await), public);
    for sender in [&b.id, &c.id] {
        let only = Search {
            sender_id: Some(sender),
            ..q("zebra")
        };
        assert!(search(&carol, only).await.hits.is_empty());
    }
    let from = Search {
        from: Some("2000-01-01"),
        limit: Some(50),
        ..q("zebra")
    };
    assert_eq!(bodies(&search(&carol, from).await), public);
    for hidden in [&vault.id, &dm.id] {
        let (status, code) = refused(
            carol
                .search(&Search {
                    room_id: Some(hidden),
                    ..q("zebra")
                })
                .await,
        );
        assert_eq!((status, code.as_str()), (404, "not_found"));
    }

    let bobs = search(&bob, q("zebra")).await;
    let mut expected = public.clone();
    expected.extend(set(["zebra in the dm", "zebra reply in the dm"]));
    assert_eq!(bodies(&bobs), expected, "bob reads the dm, not the vault");

    // Membership is what counts: carol finds the vault while she is in it, and not after.
    alice.add_member(&vault.id, &c.id).await.unwrap();
    assert!(bodies(&search(&carol, q("vault")).await).contains("zebra in the vault"));
    carol.leave(&vault.id).await.unwrap();
    assert!(search(&carol, q("vault")).await.hits.is_empty());
}

#[tokio::test]
async fn search_filters_by_room_sender_and_dates() {
    let app = spawn_app().await;
    let (alice, a) = app.user("alice").await;
    let (bob, b) = app.user("bob").await;
    let room = general(&connect(&alice).await.1);
    let side = alice
        .create_room("side", None, Visibility::Public)
        .await
        .unwrap();
    bob.join(&side.id).await.unwrap();
    let (first, _) = alice
        .send_message(&room, "deploy by alice", None)
        .await
        .unwrap();
    bob.send_message(&room, "deploy by bob", None)
        .await
        .unwrap();
    bob.send_message(&side.id, "deploy on the side", None)
        .await
        .unwrap();

    let in_side = Search {
        room_id: Some(&side.id),
        ..q("deploy")
    };
    assert_eq!(
        bodies(&search(&alice, in_side).await),
        set(["deploy on the side"])
    );
    let by_alice = Search {
        sender_id: Some(&a.id),
        ..q("deploy")
    };
    assert_eq!(
        bodies(&search(&bob, by_alice).await),
        set(["deploy by alice"])
    );
    let by_bob_in_general = Search {
        sender_id: Some(&b.id),
        room_id: Some(&room),
        ..q("deploy")
    };
    assert_eq!(
        bodies(&search(&alice, by_bob_in_general).await),
        set(["deploy by bob"])
    );

    let today = &first.created_at[..10];
    let all = set(["deploy by alice", "deploy by bob", "deploy on the side"]);
    let within_today = Search {
        from: Some(today),
        to: Some(today),
        ..q("deploy")
    };
    assert_eq!(bodies(&search(&alice, within_today).await), all);
    let before = Search {
        to: Some("2001-01-01"),
        ..q("deploy")
    };
    assert!(search(&alice, before).await.hits.is_empty());
    let later = Search {
        from: Some("2999-01-01T00:00:00Z"),
        ..q("deploy")
    };
    assert!(search(&alice, later).await.hits.is_empty());
    let (status, code) = refused(
        alice
            .search(&Search {
                from: Some("yesterday"),
                ..q("deploy")
            })
            .await,
    );
    assert_eq!((status, code.as_str()), (400, "invalid_query"));
}

#[tokio::test]
async fn search_pages_with_offset_and_next_offset() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect(&alice).await.1);
    // Equal bodies rank equally: paging must still give each hit exactly once.
    for _ in 0..7 {
        alice
            .send_message(&room, "release notes", None)
            .await
            .unwrap();
    }
    alice.send_message(&room, "unrelated", None).await.unwrap();
    let mut seen = Vec::new();
    let mut offset = Some(0);
    let mut sizes = Vec::new();
    while let Some(at) = offset {
        assert!(sizes.len() < 3, "7 hits in pages of 3 take 3 pages");
        let page = search(
            &alice,
            Search {
                offset: Some(at),
                limit: Some(3),
                ..q("release")
            },
        )
        .await;
        sizes.push(page.hits.len());
        seen.extend(page.hits.iter().map(|h| h.message.id.clone()));
        offset = page.next_offset;
        if let Some(next) = offset {
            assert_eq!(next, at + 3);
        }
    }
    assert_eq!(sizes, [3, 3, 1]);
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(
        (seen.len(), distinct.len()),
        (7, 7),
        "every hit once: {seen:?}"
    );
}

#[tokio::test]
async fn snippets_mark_the_match_and_escape_the_text() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect(&alice).await.1);
    alice
        .send_message(&room, "if a < b && <i>wombat</i> then go", None)
        .await
        .unwrap();
    let found = search(&alice, q("wombat")).await;
    assert_eq!(found.hits.len(), 1);
    let snippet = &found.hits[0].snippet_html;
    assert!(snippet.contains("<mark>wombat</mark>"), "{snippet}");
    assert!(
        snippet.contains("a &lt; b &amp;&amp; &lt;i&gt;"),
        "{snippet}"
    );
    assert!(!snippet.contains("<i>"), "{snippet}");
    assert_eq!(
        snippet.matches('<').count(),
        2,
        "only <mark> and </mark>: {snippet}"
    );
}

#[tokio::test]
async fn a_query_without_words_finds_nothing_and_a_long_one_is_invalid() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect(&alice).await.1);
    alice
        .send_message(&room, "?! \"*()- all of it", None)
        .await
        .unwrap();
    // The message is searchable, so an empty answer below is the query's doing.
    assert_eq!(search(&alice, q("all")).await.hits.len(), 1);
    for wordless in ["", "   ", "?!", "\"*()-"] {
        let found = search(&alice, q(wordless)).await;
        assert!(found.hits.is_empty(), "{wordless:?}");
        assert_eq!(found.next_offset, None, "{wordless:?}");
    }
    let (status, code) = refused(alice.search(&q(&"x".repeat(201))).await);
    assert_eq!((status, code.as_str()), (422, "invalid_query"));
}

#[tokio::test]
async fn an_edited_message_is_found_by_its_new_words_and_not_its_old_ones() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let room = general(&connect(&alice).await.1);
    let (sent, _) = alice
        .send_message(&room, "meeting on tuesday", None)
        .await
        .unwrap();
    alice
        .edit_message(&sent.id, "meeting on thursday")
        .await
        .unwrap();
    assert!(search(&alice, q("tuesday")).await.hits.is_empty());
    let found = search(&alice, q("thursday")).await;
    assert_eq!(found.hits.len(), 1);
    assert_eq!(found.hits[0].message.id, sent.id);
    assert_eq!(found.hits[0].message.body, "meeting on thursday");
    assert_eq!(search(&alice, q("meeting")).await.hits.len(), 1);
}
