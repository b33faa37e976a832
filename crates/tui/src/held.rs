//! The messages of one room that the client holds, and the rules for taking in a message or a
//! change so that the held run never has a gap.

use std::collections::BTreeMap;

use natter_client::proto::{Message, Room};

/// The messages of one room that this client holds: always a contiguous run of `seq`s.
#[derive(Debug, Default)]
pub struct Timeline {
    pub messages: BTreeMap<i64, Message>,
    /// Every message up to this `seq` is either loaded or older than the loaded run.
    pub synced_to: i64,
    /// The highest `rev` seen in this room, for `sync`'s `revs`.
    pub rev_seen: i64,
    /// Older messages exist on the server than the oldest loaded one.
    pub has_older: bool,
    pub loading_older: bool,
    /// Changes that arrived before their message (the protocol does not order them).
    early: BTreeMap<i64, Message>,
}

impl Timeline {
    pub(crate) fn starting_at(room: &Room) -> Self {
        Timeline {
            synced_to: room.last_seq,
            rev_seen: room.last_rev,
            has_older: room.last_seq > 0,
            ..Timeline::default()
        }
    }

    /// Takes a message from the stream (`message`, `ack`) or a page of history. A message older
    /// than the loaded run is only an update: inserting it would leave a gap. Returns whether it
    /// was new to this timeline.
    pub(crate) fn insert(&mut self, message: Message) -> bool {
        let oldest = self.messages.keys().next().copied();
        if oldest.is_some_and(|oldest| message.seq < oldest - 1) {
            self.update(message);
            return false;
        }
        let message = match self.early.remove(&message.seq) {
            Some(early) if early.rev > message.rev => early,
            _ => message,
        };
        self.rev_seen = self.rev_seen.max(message.rev);
        self.synced_to = self.synced_to.max(message.seq);
        match self.messages.get(&message.seq) {
            Some(old) if old.rev >= message.rev => false,
            Some(_) => {
                self.messages.insert(message.seq, message);
                false
            }
            None => {
                self.messages.insert(message.seq, message);
                true
            }
        }
    }

    /// Takes a changed copy of a message (`message_updated`, a REST answer): it replaces the
    /// copy held if it is newer. A change to a message not yet received waits for it; one to a
    /// message older than the loaded run is dropped (it loads whole with its page).
    pub(crate) fn update(&mut self, message: Message) {
        self.rev_seen = self.rev_seen.max(message.rev);
        if let Some(old) = self.messages.get_mut(&message.seq) {
            if message.rev > old.rev {
                *old = message;
            }
        } else if message.seq > self.synced_to {
            self.early.insert(message.seq, message);
        }
    }

    /// The `seq` to ask for older history before.
    pub fn oldest(&self) -> i64 {
        self.messages
            .keys()
            .next()
            .copied()
            .unwrap_or(self.synced_to + 1)
    }
}
