//! What a reconnecting client missed: the first page of a `sync`'s replay, with the room's
//! visibility checked and its row read once.

use crate::{Error, Message, RoomId, Service, UserId};

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
