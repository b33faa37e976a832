//! WebSocket frames: JSON text messages tagged by `type`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Message, ReadState, Room, User};

/// Close code sent to a client whose outbound queue overflowed: reconnect and `sync`.
pub const CLOSE_RESYNC: u16 = 4000;
/// Close code sent when the connection's session was logged out or revoked.
pub const CLOSE_SESSION_ENDED: u16 = 4001;
/// Close code sent when the client sent nothing (not even a pong) for the idle timeout.
pub const CLOSE_IDLE: u16 = 4002;
/// Close code: the account opened more connections than the server allows at once, and this
/// one (the oldest) made way. Clients do not reconnect by themselves, or two would take turns.
pub const CLOSE_TOO_MANY: u16 = 4003;
/// Close code for a server going away (shutdown), from RFC 6455.
pub const CLOSE_GOING_AWAY: u16 = 1001;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Send {
        room_id: String,
        body: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<String>,
        /// Ids of the sender's uploads to attach; with any, `body` may be empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<String>,
    },
    Typing {
        room_id: String,
        active: bool,
    },
    /// The last `seq` the client saw, per room; the server replays every message after it.
    /// `revs` holds the highest `rev` the client saw, per room: the server also sends, as
    /// `message_updated`, every message up to `since` that changed after it.
    Sync {
        since: BTreeMap<String, i64>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        revs: BTreeMap<String, i64>,
    },
    /// The client has shown the room up to `seq`.
    Read {
        room_id: String,
        seq: i64,
    },
    Ping,
    /// Follow these people's presence, besides those the server tells unasked (the people in
    /// one's small rooms). Replaces the previous list; an empty list stops watching.
    WatchPresence {
        user_ids: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberEvent {
    Joined,
    Left,
    /// A moderator removed them; they may come back.
    Kicked,
    /// A moderator banned them; they cannot come back until the ban ends.
    Banned,
}

impl MemberEvent {
    /// Whether the user is no longer a member after it.
    pub fn departs(self) -> bool {
        !matches!(self, MemberEvent::Joined)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Ready {
        user: User,
        rooms: Vec<Room>,
        online: Vec<String>,
        /// The caller's read state in each of their rooms.
        #[serde(default)]
        reads: Vec<ReadState>,
        /// Ids of the users the caller has blocked.
        #[serde(default)]
        blocked: Vec<String>,
    },
    Message {
        message: Message,
    },
    /// A stored message changed (edit, delete, reaction, pin, new reply in its thread): the
    /// whole message as it is now. Keep it if its `rev` is higher than the copy you have.
    MessageUpdated {
        message: Message,
    },
    /// The caller's read state in a room moved (from this or another of their sessions).
    Read(ReadState),
    /// The caller blocked or unblocked someone (from this or another of their sessions).
    Blocked {
        user_id: String,
        blocked: bool,
    },
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        message: Message,
    },
    Typing {
        room_id: String,
        user_id: String,
        active: bool,
    },
    Presence {
        user_id: String,
        online: bool,
    },
    Member {
        room_id: String,
        user_id: String,
        event: MemberEvent,
    },
    Room {
        room: Room,
    },
    /// A moderator muted or unmuted `user_id` in the room: muted, they read but cannot post
    /// or react there until `until` (absent: until lifted).
    Muted {
        room_id: String,
        user_id: String,
        muted: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
    },
    /// The room was deleted, with its messages: forget it.
    RoomDeleted {
        room_id: String,
    },
    /// Someone invited the caller to a public room; joining it accepts.
    Invited {
        room: Room,
        by: String,
    },
    /// A message was reported in a room the caller owns or moderates.
    Report {
        report: crate::admin::Report,
    },
    /// A report the caller made was handled.
    ReportResolved {
        report_id: String,
        /// `dismiss`, `delete`, `mute`, `kick` or `ban`.
        action: String,
    },
    /// The caller's own account changed (an admin made them one, or not).
    User {
        user: User,
    },
    /// The replay asked for by `sync` is done. `more` maps each room whose replay stopped at
    /// the server's cap (500 messages per room by default) to the last `seq` replayed: the
    /// client asks again with `sync` from exactly that `seq` (not from a later live message),
    /// or pages the room's history.
    Synced {
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        more: BTreeMap<String, i64>,
    },
    Pong,
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        /// On `rate_limited` and `slow_mode`: how long to wait before trying again.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}
