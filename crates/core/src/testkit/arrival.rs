//! What a person's `ready` lists, read together: the same as the four reads it stands for.

use std::sync::Arc;

use super::{append, msg, room, user};
use crate::{RoomKind, Store, Toggle};

pub(super) async fn arrival_is_what_the_reads_it_gathers_say(store: Arc<dyn Store>) {
    let s = store.as_ref();
    let (a, b, c) = (
        user(s, "alice").await,
        user(s, "bob").await,
        user(s, "carol").await,
    );
    let pair = room(s, a, "pair", RoomKind::Private).await;
    assert!(s.add_member(pair, b).await.unwrap());
    append(s, msg(pair, b, "hello", None)).await;
    assert!(s.set_block(a, c, Toggle::On).await.unwrap());
    let arrival = s.arrival(a, 2).await.unwrap();
    assert_eq!(arrival.rooms, s.member_rooms(a).await.unwrap());
    assert_eq!(arrival.rooms.len(), 2, "#general and the pair");
    assert_eq!(arrival.reads, s.read_states(a).await.unwrap());
    assert!(arrival
        .reads
        .iter()
        .any(|r| r.room_id == pair && r.unread == 1));
    assert_eq!(arrival.blocked, [c]);
    assert_eq!(
        arrival.peers,
        [b],
        "#general is above the limit of 2, the pair is not"
    );
    // Someone in no room but #general, who blocked nobody.
    let lonely = s.arrival(c, 2).await.unwrap();
    assert_eq!(lonely.rooms.len(), 1);
    assert!(lonely.blocked.is_empty() && lonely.peers.is_empty());
}
