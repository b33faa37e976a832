//! Who hears whom come and go: the people one shares a small room with.

use std::sync::Arc;

use super::{room, user};
use crate::{RoomKind, Store};

pub(super) async fn presence_peers_are_the_people_in_ones_small_rooms(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let a = user(s, "alice").await;
    let b = user(s, "bob").await;
    let c = user(s, "carol").await;
    let d = user(s, "dave").await;
    // All four are in #general, which is too big at a limit of 3.
    assert!(s.presence_peers(a, 3).await.unwrap().is_empty());
    assert_eq!(
        s.presence_peers(a, 4).await.unwrap(),
        [b, c, d],
        "a room at the limit counts"
    );
    let pair = room(s, a, "pair", RoomKind::Private).await;
    assert!(s.add_member(pair, b).await.unwrap());
    s.find_or_create_dm(&[a, c], "alice, carol".into())
        .await
        .unwrap();
    assert_eq!(s.presence_peers(a, 3).await.unwrap(), [b, c]);
    assert_eq!(s.presence_peers(b, 3).await.unwrap(), [a]);
    assert!(s.presence_peers(d, 3).await.unwrap().is_empty());
    // Someone in two shared rooms is listed once; leaving takes them out.
    assert!(s.add_member(pair, c).await.unwrap());
    assert_eq!(s.presence_peers(a, 3).await.unwrap(), [b, c]);
    assert!(s.remove_member(pair, b).await.unwrap());
    assert_eq!(s.presence_peers(a, 3).await.unwrap(), [c]);
    assert!(s.presence_peers(b, 3).await.unwrap().is_empty());
    // The count follows joins past the limit: a room that grows stops counting.
    assert!(s.add_member(pair, b).await.unwrap());
    assert!(s.add_member(pair, d).await.unwrap());
    assert_eq!(s.presence_peers(b, 3).await.unwrap(), Vec::new());
    assert_eq!(s.presence_peers(b, 4).await.unwrap(), [a, c, d]);
}
