//! Domain records as the store returns them.

use crate::{FileId, MessageId, RoomId, SessionId, UserId};

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1000)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub status: String,
    pub is_admin: bool,
    pub created_at: Timestamp,
    pub last_seen: Option<Timestamp>,
    /// An admin turned the account off: it cannot sign in, and its sessions are gone. Its
    /// messages stay, shown as from a deactivated account.
    pub deactivated: bool,
    /// An admin deleted the account: its name reads "Deleted user", and nothing can sign in.
    pub deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoomKind {
    Public,
    Private,
    Dm,
}

impl RoomKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomKind::Public => "public",
            RoomKind::Private => "private",
            RoomKind::Dm => "dm",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(RoomKind::Public),
            "private" => Some(RoomKind::Private),
            "dm" => Some(RoomKind::Dm),
            _ => None,
        }
    }
}

/// A member's standing in one room. The owner (one per room, none in DMs) appoints
/// moderators and can hand the room over; moderators and the owner moderate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoomRole {
    Member,
    Moderator,
    Owner,
}

impl RoomRole {
    pub fn as_str(self) -> &'static str {
        match self {
            RoomRole::Member => "member",
            RoomRole::Moderator => "moderator",
            RoomRole::Owner => "owner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(RoomRole::Member),
            "moderator" => Some(RoomRole::Moderator),
            "owner" => Some(RoomRole::Owner),
            _ => None,
        }
    }

    /// Owners and moderators moderate.
    pub fn moderates(self) -> bool {
        self >= RoomRole::Moderator
    }
}

/// What a room's newest page of history depends on. Any change to a message that page could
/// show changes it: a new message (`last_seq`), an edit, delete, reaction, pin or reply
/// (`last_rev`), and what neither shows, a room deleted or an attached file removed (`epoch`,
/// store-wide). Equal versions mean equal pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageVersion {
    pub last_seq: i64,
    pub last_rev: i64,
    pub epoch: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    pub kind: RoomKind,
    pub topic: String,
    pub last_seq: i64,
    /// The room's change counter: bumped by every edit, delete, reaction, pin or new reply to a
    /// message already stored, which then carries the new value as its `rev`.
    pub last_rev: i64,
    /// The member with the owner role, if any. DMs have no owner.
    pub owner: Option<UserId>,
    /// Members with the moderator role, ascending.
    pub moderators: Vec<UserId>,
    /// Slow mode: a member may post once per this many seconds (0: off).
    pub slow_mode_secs: u32,
    /// Archived: read-only, out of the public list; its members still read it.
    pub archived: bool,
    /// Whether plain members may change the topic (else only those who moderate).
    pub members_can_set_topic: bool,
    /// Whether plain members may add people to a private room (else only those who moderate).
    pub members_can_add: bool,
    /// Everyone in a DM, ascending; empty for other rooms.
    pub dm_members: Vec<UserId>,
    pub created_at: Timestamp,
}

/// A stored message as everyone sees it now: edits, reactions and pins included. A deleted
/// message keeps its place (`seq`) as a tombstone with an empty body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub room_id: RoomId,
    pub seq: i64,
    pub sender_id: UserId,
    pub body: String,
    /// The body rendered from Markdown and sanitized; safe to show as HTML.
    pub html: String,
    pub client_id: Option<String>,
    pub created_at: Timestamp,
    /// The room's change counter at this message's last change; 0 if never changed.
    pub rev: i64,
    pub edited_at: Option<Timestamp>,
    pub deleted_at: Option<Timestamp>,
    pub reply_to: Option<ReplyRef>,
    /// The first message of the thread this one replies into.
    pub thread_root: Option<MessageId>,
    /// Replies in the thread this message starts, and when the latest came.
    pub reply_count: i64,
    pub last_reply_at: Option<Timestamp>,
    pub pinned_at: Option<Timestamp>,
    /// Users mentioned by `@username`.
    pub mentions: Vec<UserId>,
    /// Whether the message mentions `@room`, that is every member.
    pub mentions_room: bool,
    /// Reactions by emoji, in the order they were first added.
    pub reactions: Vec<Reaction>,
    /// Files attached when it was sent, in the order given.
    pub attachments: Vec<FileInfo>,
}

/// An uploaded file: what was stored, by whom, and where it was shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    pub id: FileId,
    pub owner: UserId,
    pub name: String,
    /// Sniffed from the bytes on upload, never taken from the client.
    pub content_type: String,
    pub size: i64,
    /// Set for an image the server could decode within its pixel bounds: it has a thumbnail
    /// and may be shown inline. Everything else is only ever downloaded.
    pub image: Option<ImageSize>,
    /// The key of the bytes in the blob store; the thumbnail is under [`FileInfo::thumbnail_key`].
    pub blob: String,
    pub created_at: Timestamp,
    /// The message it is attached to, and its room; `None` until it is sent.
    pub message: Option<(MessageId, RoomId)>,
}

impl FileInfo {
    pub fn thumbnail_key(&self) -> Option<String> {
        self.image.map(|_| Self::thumbnail_key_of(&self.blob))
    }

    pub fn thumbnail_key_of(blob: &str) -> String {
        format!("{blob}.thumb")
    }

    /// Thumbnails of JPEGs are JPEGs; everything else keeps transparency as PNG.
    pub fn thumbnail_type(&self) -> &'static str {
        if self.content_type == "image/jpeg" {
            "image/jpeg"
        } else {
            "image/png"
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSize {
    pub width: u32,
    pub height: u32,
}

/// What a reply shows of the message it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRef {
    pub id: MessageId,
    pub seq: i64,
    pub sender_id: UserId,
    /// The start of the parent's body; empty if the parent was deleted.
    pub excerpt: String,
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reaction {
    pub emoji: String,
    /// Who reacted, earliest first.
    pub users: Vec<UserId>,
}

/// A user's reading position in one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadState {
    pub room_id: RoomId,
    /// The highest `seq` the user has seen.
    pub last_read: i64,
    /// Messages by others after `last_read`, counted up to [`ReadState::MAX_COUNT`].
    pub unread: i64,
    /// Of those, the ones that mention the user (or `@room`).
    pub mentions: i64,
}

impl ReadState {
    /// Counts stop here, so reading state stays cheap for rooms never read; clients show "999+".
    pub const MAX_COUNT: i64 = 999;
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub message: Message,
    /// The matching part of the body, with matches between `\u{2}` and `\u{3}` markers.
    pub snippet: String,
}

/// A live session, found by the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user: User,
    pub expires_at: Timestamp,
}

/// An account as an admin sees it in the user list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub user: User,
    /// Live sessions (signed-in devices).
    pub sessions: u32,
}

/// A room in the admin's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    pub room: Room,
    pub members: u32,
}

/// An invitation to join a public room, waiting for its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInvitation {
    pub room: Room,
    pub by: UserId,
    pub at: Timestamp,
}
