//! What the screen asks of the state: names and labels, the sidebar's order, who is typing,
//! and lookups of loaded messages. Read-only; the state changes only in `state.rs`.

use std::time::Instant;

use natter_client::proto::{Message, Room, RoomKind};

use crate::state::{State, TYPING_TTL};

impl State {
    /// The name to show for a user: display name, else username, else the id.
    pub fn name_of(&self, id: &str) -> String {
        match self.users.get(id) {
            Some(u) if !u.display_name.is_empty() => u.display_name.clone(),
            Some(u) => u.username.clone(),
            None => format!("user {id}"),
        }
    }

    /// `#general` for a room, `@bob, @carol` for a DM (everyone but me).
    pub fn room_label(&self, room: &Room) -> String {
        match (&room.kind, &room.member_ids) {
            (RoomKind::Dm, Some(ids)) => {
                let others: Vec<String> = ids
                    .iter()
                    .filter(|id| id.as_str() != self.my_id())
                    .map(|id| match self.users.get(id) {
                        Some(u) => format!("@{}", u.username),
                        None => format!("@{id}"),
                    })
                    .collect();
                if others.is_empty() {
                    "@me".to_owned()
                } else {
                    others.join(", ")
                }
            }
            (RoomKind::Private, _) => format!("🔒{}", room.name),
            _ => format!("#{}", room.name),
        }
    }

    /// Rooms as the sidebar lists them: rooms by name, then DMs by name.
    pub fn sidebar(&self) -> Vec<&Room> {
        let mut rooms: Vec<&Room> = self.rooms.values().collect();
        rooms.sort_by_cached_key(|r| (r.kind == RoomKind::Dm, self.room_label(r).to_lowercase()));
        rooms
    }

    /// Who is typing in `room` now, oldest first, by name.
    pub fn typing_in(&self, room: &str, now: Instant) -> Vec<String> {
        let Some(typing) = self.typing.get(room) else {
            return Vec::new();
        };
        let mut who: Vec<(&Instant, &String)> = typing
            .iter()
            .filter(|(_, at)| now.duration_since(**at) < TYPING_TTL)
            .map(|(id, at)| (at, id))
            .collect();
        who.sort();
        who.into_iter().map(|(_, id)| self.name_of(id)).collect()
    }

    /// The newest message in `room` this user sent and may still edit.
    pub fn my_last_message(&self, room: &str) -> Option<&Message> {
        let me = self.my_id();
        self.timelines
            .get(room)?
            .messages
            .values()
            .rev()
            .find(|m| m.sender_id == me && !m.deleted)
    }

    pub fn message(&self, room: &str, seq: i64) -> Option<&Message> {
        self.timelines.get(room)?.messages.get(&seq)
    }

    /// Newest `seq` loaded in `room`.
    pub fn newest_seq(&self, room: &str) -> Option<i64> {
        self.timelines
            .get(room)?
            .messages
            .keys()
            .next_back()
            .copied()
    }
}
