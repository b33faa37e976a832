//! The storage seam. One trait, implemented once per database (SQLite now, PostgreSQL next),
//! and every implementation must pass [`crate::testkit`].
//!
//! Methods speak intent rather than SQL. Rules every back-end keeps:
//! - usernames are unique ignoring case; the first user created is the admin;
//! - every new user joins the room named `general`, which exists from the first start;
//! - a message's `seq` is the room's previous `last_seq + 1`, assigned in the same transaction
//!   that stores it, so a room's sequence has no gaps and no repeats;
//! - a (sender, client_id) pair is stored at most once.

use async_trait::async_trait;

use crate::{
    ClientId, Message, MessageBody, Room, RoomId, RoomKind, Session, SessionId, StoreError,
    Timestamp, User, UserId, Username,
};

pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
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
    pub client_id: Option<ClientId>,
}

/// The result of appending one message: the stored message, and whether it was already there
/// (a retried `client_id`), in which case nothing new was stored.
#[derive(Debug, Clone)]
pub struct AppendOutcome {
    pub message: Message,
    pub duplicate: bool,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates an account and joins it to `general`. `Conflict("username")` if taken.
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError>;
    async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, StoreError>;
    async fn password_hash(&self, user: UserId) -> Result<String, StoreError>;
    async fn set_password_hash(&self, user: UserId, hash: String) -> Result<(), StoreError>;
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// Users whose username starts with `prefix` (lowercase), by username.
    async fn users_by_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<User>, StoreError>;
    async fn update_profile(&self, id: UserId, change: ProfileChange) -> Result<User, StoreError>;
    async fn set_last_seen(&self, id: UserId, at: Timestamp) -> Result<(), StoreError>;

    /// Stores a session; expired sessions may be purged at the same time.
    async fn create_session(&self, new: NewSession) -> Result<SessionId, StoreError>;
    /// The unexpired session whose token hashes to `token_hash`.
    async fn session_by_token_hash(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError>;
    async fn delete_session(&self, id: SessionId) -> Result<(), StoreError>;
    /// Revokes every session of `user` but `keep`, returning the revoked ones.
    async fn delete_other_sessions(
        &self,
        user: UserId,
        keep: SessionId,
    ) -> Result<Vec<SessionId>, StoreError>;

    /// Creates a public or private room with its creator as the first member.
    /// `Conflict("room name")` if a public room of that name (ignoring case) exists. Private
    /// room names need not be unique, so creating a room reveals nothing about private ones.
    async fn create_room(&self, new: NewRoom) -> Result<Room, StoreError>;
    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError>;
    /// Public rooms and every room `user` is a member of, by name.
    async fn visible_rooms(&self, user: UserId) -> Result<Vec<Room>, StoreError>;
    /// Rooms `user` is a member of.
    async fn member_rooms(&self, user: UserId) -> Result<Vec<Room>, StoreError>;
    async fn is_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// Adds a member; `false` if they already were one.
    async fn add_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// Removes a member; `false` if they were not one.
    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    async fn room_members(&self, room: RoomId) -> Result<Vec<User>, StoreError>;
    async fn member_ids(&self, room: RoomId) -> Result<Vec<UserId>, StoreError>;
    /// The DM room for exactly this set of users (ascending, no repeats), created if missing.
    /// The flag says whether it was created now.
    async fn find_or_create_dm(
        &self,
        members: &[UserId],
        name: String,
    ) -> Result<(Room, bool), StoreError>;

    /// Appends a batch of messages in one transaction (group commit) and returns one outcome
    /// per input, in order. A failed item (missing room, reused client_id) fails alone.
    /// Returns only after the transaction is durably committed.
    async fn append_messages(
        &self,
        batch: Vec<NewMessage>,
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError>;
    /// Up to `limit` messages with `seq > after`, ascending.
    async fn messages_after(
        &self,
        room: RoomId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// The newest `limit` messages with `seq < before`, ascending.
    async fn messages_before(
        &self,
        room: RoomId,
        before: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
}
