//! What a connecting client is told: everything its `ready` lists, read at one moment, and
//! what it missed, the first page of a `sync`'s replay with the room's visibility checked and
//! its row read once.

use crate::{Error, Message, ReadState, Room, RoomId, Service, UserId};

/// What a person's `ready` lists, as one read of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// The rooms they are a member of.
    pub rooms: Vec<Room>,
    /// Their read state in each of those rooms.
    pub reads: Vec<ReadState>,
    /// The people they blocked.
    pub blocked: Vec<UserId>,
    /// The people who hear them come and go unasked (see `Service::presence_peers`).
    pub peers: Vec<UserId>,
}

/// The start of a replay: the room's messages after the point the client asked from.
#[derive(Debug)]
pub struct Replay {
    /// Where the replay starts: the client's `since`, or the room's last `seq` if that was
    /// beyond it (a stale client, a restored database), or 0 if negative.
    pub from: i64,
    /// Up to `limit` messages after `from`, ascending.
    pub messages: Vec<Message>,
    /// Whether more follow the last of `messages` (ask for them with `Service::history`).
    pub more: bool,
}

impl Service {
    /// Everything `user`'s `ready` lists, with the presence audience of rooms of at most
    /// `room_limit` members. Read together: every connection asks, thousands at once after a
    /// restart.
    pub async fn arrival(&self, user: UserId, room_limit: u32) -> Result<Arrival, Error> {
        Ok(self.store().arrival(user, room_limit).await?)
    }

    /// The first page of `room`'s messages after `since`, if `user` may read the room. A
    /// client that already has everything costs one read of the room, no read of messages:
    /// after a restart, thousands of clients reconnect at once, most of them missing nothing.
    pub async fn replay_from(
        &self,
        user: UserId,
        room: RoomId,
        since: i64,
        limit: u32,
    ) -> Result<Replay, Error> {
        let found = self.visible_room(user, room).await?;
        let from = since.clamp(0, found.last_seq);
        if from == found.last_seq {
            return Ok(Replay {
                from,
                messages: Vec::new(),
                more: false,
            });
        }
        let limit = limit.clamp(1, 100);
        let mut messages = self.store().messages_after(room, from, limit + 1).await?;
        let more = messages.len() > limit as usize;
        messages.truncate(limit as usize);
        Ok(Replay {
            from,
            messages,
            more,
        })
    }
}
