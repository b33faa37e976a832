//! What goes into the store and what comes back beside the domain model: new accounts, rooms,
//! messages and files, changes, and the outcomes of appends and changes.

use crate::moderation::Sanction;
use crate::{
    ClientId, Emoji, FileId, FileInfo, FileName, ImageSize, Message, MessageBody, MessageId, Room,
    RoomId, RoomKind, SessionId, Timestamp, User, UserId, Username,
};

pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    /// The rooms to join: `None` for `general`; else these (public, not archived) rooms.
    pub default_rooms: Option<Vec<RoomId>>,
    /// The hash of the invite token to sign up with. The store checks it is usable and
    /// counts the use in the transaction that creates the account (`InvalidInvite` if not).
    pub invite: Option<[u8; 32]>,
}

/// A user with the stored password hash, for login only.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

#[derive(Default)]
pub struct ProfileChange {
    pub display_name: Option<String>,
    pub status: Option<String>,
}

/// A change to a room's settings; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct RoomUpdate {
    pub name: Option<String>,
    /// Public or private (never a DM).
    pub kind: Option<RoomKind>,
    pub archived: Option<bool>,
    pub members_can_set_topic: Option<bool>,
    pub members_can_add: Option<bool>,
}

/// What deleting an account removed, for the caller to finish: close the sessions' connections,
/// tell the rooms, delete the files' blobs.
#[derive(Debug, Clone, Default)]
pub struct DeletedAccount {
    pub sessions: Vec<SessionId>,
    pub rooms: Vec<RoomId>,
    pub files: Vec<FileInfo>,
}

pub struct NewSession {
    pub user_id: UserId,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: [u8; 32],
    pub expires_at: Timestamp,
}

pub struct NewRoom {
    pub name: String,
    pub topic: String,
    pub kind: RoomKind,
    pub creator: UserId,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub room_id: RoomId,
    pub sender_id: UserId,
    pub body: MessageBody,
    pub html: String,
    pub client_id: Option<ClientId>,
    /// The message answered; the core has checked it is in the same room.
    pub reply_to: Option<MessageId>,
    /// Mentioned members (never the sender), ascending.
    pub mentions: Vec<UserId>,
    pub mentions_room: bool,
    /// Files to attach: the sender's own, not yet attached anywhere, no repeats. The store
    /// checks this again when it attaches them: `Conflict` for one already attached,
    /// `NotFound` for one that is not the sender's or does not exist.
    pub attachments: Vec<FileId>,
}

/// A file whose bytes are already in the blob store under `blob`.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub owner: UserId,
    pub name: FileName,
    pub content_type: String,
    pub size: i64,
    pub image: Option<ImageSize>,
    pub blob: String,
}

/// Which files, never attached to a message, to remove.
#[derive(Debug, Clone, Copy)]
pub enum Unattached {
    /// The owner discards one upload.
    One { id: FileId, owner: UserId },
    /// Uploads abandoned before this time.
    OlderThan(Timestamp),
}

/// The result of appending one message: the stored message, and whether it was already there
/// (a retried `client_id`), in which case nothing new was stored.
#[derive(Debug, Clone)]
pub struct AppendOutcome {
    pub message: Message,
    pub duplicate: bool,
    /// For a reply: the thread's root with its new reply count, to publish as changed.
    pub thread_root: Option<Message>,
}

/// A change to a stored message. Each one that changes anything bumps the room's `last_rev`
/// and stores it as the message's `rev`, in one transaction.
#[derive(Debug, Clone)]
pub enum MessageChange {
    Edit {
        body: MessageBody,
        html: String,
        mentions: Vec<UserId>,
        mentions_room: bool,
    },
    /// Leaves a tombstone: body, html, mentions and reactions are erased, `deleted_at` set.
    Delete,
    React {
        user: UserId,
        emoji: Emoji,
        on: Toggle,
    },
    Pin {
        on: Toggle,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toggle {
    On,
    Off,
}

/// The message after a change, and whether anything changed (adding a reaction twice does not).
#[derive(Debug, Clone)]
pub struct ChangeOutcome {
    pub message: Message,
    pub changed: bool,
    /// Files that went with a deleted message; their blobs are the caller's to remove.
    pub removed_files: Vec<FileInfo>,
}

/// A full-text search over the rooms `user` may read.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub user: UserId,
    /// An FTS5 query built by the core from the user's words; never raw user syntax.
    pub terms: String,
    pub room: Option<RoomId>,
    pub sender: Option<UserId>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub offset: u32,
    pub limit: u32,
}

/// How one person stands in a room, read at one moment: what every send checks
/// ([`crate::Store::standing`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The room's settings and staff as they are now. Its `last_seq` and `last_rev` may be
    /// behind: a back-end may keep standings while messages are appended.
    pub room: Room,
    /// Whether they are a member.
    pub member: bool,
    /// Their mute in force, if any.
    pub muted: Option<Sanction>,
}
