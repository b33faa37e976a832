//! The storage seam. One trait, implemented once per database (SQLite now, PostgreSQL next),
//! and every implementation must pass [`crate::testkit`].
//!
//! Methods speak intent rather than SQL. Rules every back-end keeps:
//! - usernames are unique ignoring case; the first user created is the admin;
//! - every new user joins the room named `general`, which exists from the first start;
//! - a message's `seq` is the room's previous `last_seq + 1`, assigned in the same transaction
//!   that stores it, so a room's sequence has no gaps and no repeats;
//! - a (sender, client_id) pair is stored at most once;
//! - a member who joins has read everything before: their `last_read` starts at `last_seq`;
//! - a file is attached to at most one message, only by its owner, in the transaction that
//!   stores the message; deleting the message deletes its files.

use async_trait::async_trait;

use crate::audit::{AuditEntry, AuditQuery, NewAuditEntry};
use crate::invites::{Invite, NewInvite};
use crate::moderation::{Sanction, SanctionKind};
use crate::reports::{NewReport, Report, Resolution};
use crate::{
    Arrival, FileId, FileInfo, Message, MessageId, PageVersion, ReadState, Room, RoomId,
    RoomInvitation, RoomRole, RoomSummary, SearchHit, Session, SessionId, StoreError, Timestamp,
    Topic, User, UserId, UserSummary, Username,
};

mod records;

pub use records::*;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates an account and joins it to `general`. `Conflict("username")` if taken.
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError>;
    async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, StoreError>;
    async fn password_hash(&self, user: UserId) -> Result<String, StoreError>;
    async fn set_password_hash(&self, user: UserId, hash: String) -> Result<(), StoreError>;
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// How many accounts exist.
    async fn user_count(&self) -> Result<u64, StoreError>;
    /// Users whose username starts with `prefix` (lowercase), by username.
    async fn users_by_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<User>, StoreError>;
    async fn update_profile(&self, id: UserId, change: ProfileChange) -> Result<User, StoreError>;
    /// Sets `last_seen` of every user in `ids`, in one write.
    async fn set_last_seen(&self, ids: &[UserId], at: Timestamp) -> Result<(), StoreError>;
    /// Makes `user` a server admin or takes it away, and returns them as they now are.
    /// `Conflict("last admin")` if that would leave the server without an admin; the check
    /// and the change are one transaction.
    async fn set_admin(&self, user: UserId, on: Toggle) -> Result<User, StoreError>;

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

    /// Creates a public or private room with its creator as the first member and its owner.
    /// `Conflict("room name")` if a public room of that name (ignoring case) exists. Private
    /// room names need not be unique, so creating a room reveals nothing about private ones.
    async fn create_room(&self, new: NewRoom) -> Result<Room, StoreError>;
    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError>;
    /// Replaces the room's topic (`""` for none) and returns the room as it now is.
    /// `NotFound` if the room does not exist.
    async fn set_topic(&self, room: RoomId, topic: Topic) -> Result<Room, StoreError>;
    /// Public rooms and every room `user` is a member of, by name.
    async fn visible_rooms(&self, user: UserId) -> Result<Vec<Room>, StoreError>;
    /// Rooms `user` is a member of.
    async fn member_rooms(&self, user: UserId) -> Result<Vec<Room>, StoreError>;
    async fn is_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// `user`'s role in `room`; `None` if they are not a member.
    async fn room_role(&self, room: RoomId, user: UserId) -> Result<Option<RoomRole>, StoreError>;
    /// Gives a member a role and returns the room as it now is. A room has at most one owner:
    /// making someone owner makes the previous owner a moderator, in the same transaction.
    /// `NotFound` if `user` is not a member of `room`.
    async fn set_room_role(
        &self,
        room: RoomId,
        user: UserId,
        role: RoomRole,
    ) -> Result<Room, StoreError>;
    /// How many rooms (DMs included) `user` is a member of.
    async fn room_count(&self, user: UserId) -> Result<u32, StoreError>;
    /// Adds a member; `false` if they already were one.
    async fn add_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// Removes a member; `false` if they were not one.
    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    async fn room_members(&self, room: RoomId) -> Result<Vec<User>, StoreError>;
    async fn member_ids(&self, room: RoomId) -> Result<Vec<UserId>, StoreError>;
    /// Everyone other than `user` who shares with them a room (a DM included) of at most
    /// `max_members` members, ascending and without repeats: the people who hear `user`
    /// come and go unasked.
    async fn presence_peers(
        &self,
        user: UserId,
        max_members: u32,
    ) -> Result<Vec<UserId>, StoreError>;
    /// The DM room for exactly this set of users (ascending, no repeats), if it exists.
    async fn find_dm(&self, members: &[UserId]) -> Result<Option<Room>, StoreError>;
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
    /// Up to `limit` messages sent by `sender` with `id > after`, in every room, ascending by
    /// id, deleted ones left out (a person's own data, for their export).
    async fn messages_by_sender(
        &self,
        sender: UserId,
        after: MessageId,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// Every file `owner` uploaded, attached or not, oldest first.
    async fn files_of(&self, owner: UserId) -> Result<Vec<FileInfo>, StoreError>;
    /// The version of `room`'s newest page, read in one snapshot; `None` if no such room.
    async fn page_version(&self, room: RoomId) -> Result<Option<PageVersion>, StoreError>;
    /// The newest `limit` messages with `seq < before`, ascending.
    async fn messages_before(
        &self,
        room: RoomId,
        before: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    async fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError>;
    /// Applies `change`; `NotFound` if the message does not exist.
    async fn change_message(
        &self,
        id: MessageId,
        change: MessageChange,
    ) -> Result<ChangeOutcome, StoreError>;
    /// Up to `limit` messages with `seq <= up_to` changed after `after_rev`, ascending by `rev`.
    async fn changes_after(
        &self,
        room: RoomId,
        after_rev: i64,
        up_to: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// Up to `limit` replies in the thread of `root` with `seq > after`, ascending.
    async fn thread(
        &self,
        root: MessageId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// The room's pinned messages, most recently pinned first.
    async fn pinned(&self, room: RoomId) -> Result<Vec<Message>, StoreError>;
    /// Members of `room` among `usernames` (lowercase).
    async fn members_named(
        &self,
        room: RoomId,
        usernames: Vec<String>,
    ) -> Result<Vec<UserId>, StoreError>;

    /// Moves `user`'s reading position in `room` forward to `seq` (never back) and returns it.
    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: i64,
    ) -> Result<ReadState, StoreError>;
    /// The reading position in every room `user` is a member of.
    async fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, StoreError>;

    /// Ranked matches, best first.
    async fn search(&self, query: SearchQuery) -> Result<Vec<SearchHit>, StoreError>;

    /// Blocks or unblocks; `false` if nothing changed.
    async fn set_block(
        &self,
        blocker: UserId,
        blocked: UserId,
        on: Toggle,
    ) -> Result<bool, StoreError>;
    /// Everyone `user` has blocked.
    async fn blocked_by(&self, user: UserId) -> Result<Vec<UserId>, StoreError>;
    /// What `user`'s `ready` lists: [`Store::member_rooms`], [`Store::read_states`],
    /// [`Store::blocked_by`] and [`Store::presence_peers`]. A back-end that can read them in one
    /// transaction should: every connection asks for them.
    async fn arrival(&self, user: UserId, max_members: u32) -> Result<Arrival, StoreError> {
        Ok(Arrival {
            rooms: self.member_rooms(user).await?,
            reads: self.read_states(user).await?,
            blocked: self.blocked_by(user).await?,
            peers: self.presence_peers(user, max_members).await?,
        })
    }
    /// Whether a member of `room` other than `user` has blocked `user`.
    async fn blocked_in(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// Whether any of `others` has blocked `user`.
    async fn blocked_by_any(&self, others: &[UserId], user: UserId) -> Result<bool, StoreError>;

    /// Accounts whose username or display name contains `search` (deleted ones never), by
    /// username, with how many live sessions each has.
    async fn list_users(
        &self,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<UserSummary>, StoreError>;
    /// Turns an account off (ending every session, returned) or on again. `Conflict("last
    /// admin")` if no active admin would be left; `NotFound` for a deleted account.
    async fn set_deactivated(
        &self,
        user: UserId,
        on: Toggle,
        at: Timestamp,
    ) -> Result<(User, Vec<SessionId>), StoreError>;
    /// Ends every session of `user`, returning them.
    async fn end_sessions(&self, user: UserId) -> Result<Vec<SessionId>, StoreError>;
    /// Stores a one-time password reset for `user`, by the hash of its token.
    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Uses a reset: if it is unused and unexpired (and its account active), sets the password
    /// hash, marks it used and ends every session of the account, in one transaction.
    /// `NotFound` otherwise.
    async fn reset_password(
        &self,
        token_hash: [u8; 32],
        new_hash: String,
        now: Timestamp,
    ) -> Result<(UserId, Vec<SessionId>), StoreError>;
    /// Deletes an account, keeping its row so its messages keep a sender: the name becomes
    /// "Deleted user" (and the username `deleted-<id>` if `free_username`), sessions,
    /// memberships and uploaded files go. `Conflict("last admin")` if no active admin would
    /// be left.
    async fn delete_user(
        &self,
        user: UserId,
        free_username: bool,
        at: Timestamp,
    ) -> Result<DeletedAccount, StoreError>;

    /// Stores a report (replacing the reason of the same reporter's open report on the same
    /// message) and returns it.
    async fn create_report(&self, new: NewReport) -> Result<Report, StoreError>;
    async fn report(&self, id: i64) -> Result<Option<Report>, StoreError>;
    /// Reports in `rooms` (all rooms for `None`), newest first; open ones only unless
    /// `include_resolved`.
    async fn reports(
        &self,
        rooms: Option<Vec<RoomId>>,
        include_resolved: bool,
    ) -> Result<Vec<Report>, StoreError>;
    /// Closes an open report; `Conflict("report")` if it was already resolved.
    async fn resolve_report(&self, id: i64, resolution: Resolution) -> Result<Report, StoreError>;
    /// The rooms `user` owns or moderates.
    async fn staff_rooms(&self, user: UserId) -> Result<Vec<RoomId>, StoreError>;

    /// Records a ban or mute, replacing any of the same kind for that person in that room.
    async fn put_sanction(&self, sanction: Sanction) -> Result<(), StoreError>;
    /// Lifts a ban or mute in force; `false` if there was none.
    async fn lift_sanction(
        &self,
        room: RoomId,
        user: UserId,
        kind: SanctionKind,
    ) -> Result<bool, StoreError>;
    /// `room` (`None` if there is none), whether `user` is a member, and their mute in force at
    /// `now`: [`Store::room`], [`Store::is_member`] and [`Store::sanction`]. A back-end that can
    /// read them in one transaction should: every send asks. It may keep the answer, but any
    /// change to the room, the membership or the mute shows as soon as the change returns.
    async fn standing(
        &self,
        room: RoomId,
        user: UserId,
        now: Timestamp,
    ) -> Result<Option<Standing>, StoreError> {
        let Some(found) = self.room(room).await? else {
            return Ok(None);
        };
        Ok(Some(Standing {
            room: found,
            member: self.is_member(room, user).await?,
            muted: self.sanction(room, user, SanctionKind::Mute, now).await?,
        }))
    }
    /// The ban or mute of `user` in `room` in force at `now`, if any.
    async fn sanction(
        &self,
        room: RoomId,
        user: UserId,
        kind: SanctionKind,
        now: Timestamp,
    ) -> Result<Option<Sanction>, StoreError>;
    /// Every ban or mute in force in `room` at `now`, newest first.
    async fn sanctions(
        &self,
        room: RoomId,
        kind: SanctionKind,
        now: Timestamp,
    ) -> Result<Vec<Sanction>, StoreError>;
    /// Applies `change` to a room and returns it as it now is. `Conflict("room name")` if it
    /// would make two public rooms of the same name.
    async fn update_room(&self, room: RoomId, change: RoomUpdate) -> Result<Room, StoreError>;
    /// Deletes a room with its messages, memberships and file records; returns the files so
    /// their blobs can go too.
    async fn delete_room(&self, room: RoomId) -> Result<Vec<FileInfo>, StoreError>;
    /// Every room, DMs aside, whose name contains `search`, by name, with member counts.
    async fn all_rooms(
        &self,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<RoomSummary>, StoreError>;
    /// Records that `by` invited `user` to `room` (replacing an earlier invitation).
    async fn put_room_invitation(
        &self,
        room: RoomId,
        user: UserId,
        by: UserId,
    ) -> Result<(), StoreError>;
    /// `user`'s pending invitations: the room and who invited them, newest first.
    async fn room_invitations(&self, user: UserId) -> Result<Vec<RoomInvitation>, StoreError>;
    /// Removes an invitation; `false` if there was none.
    async fn delete_room_invitation(&self, room: RoomId, user: UserId) -> Result<bool, StoreError>;
    /// Sets the room's slow-mode interval and returns the room as it now is.
    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> Result<Room, StoreError>;
    /// When `user` last posted in `room`, if ever.
    async fn last_post_at(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Timestamp>, StoreError>;

    /// Every stored server setting as `(key, value)`.
    async fn settings(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Stores one setting, replacing its value.
    async fn put_setting(&self, key: &str, value: String) -> Result<(), StoreError>;

    /// Stores an invite; its uses start empty.
    async fn create_invite(&self, new: NewInvite) -> Result<Invite, StoreError>;
    /// Every invite, newest first, with who used each.
    async fn invites(&self) -> Result<Vec<Invite>, StoreError>;
    async fn invite(&self, id: i64) -> Result<Option<Invite>, StoreError>;
    /// Marks an invite revoked at `at` and returns it. `NotFound` if it does not exist.
    async fn revoke_invite(&self, id: i64, at: Timestamp) -> Result<Invite, StoreError>;

    /// Appends an audit entry. There is no way to change or delete one but [`Store::prune_audit`].
    async fn append_audit(&self, entry: NewAuditEntry, at: Timestamp) -> Result<(), StoreError>;
    /// Entries matching `query`, newest first.
    async fn audit_entries(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;
    /// Deletes entries older than `before`; returns how many.
    async fn prune_audit(&self, before: Timestamp) -> Result<u64, StoreError>;

    /// Commits a small write, to prove the store takes writes (the health check).
    async fn probe_write(&self, at: Timestamp) -> Result<(), StoreError>;

    /// Records an uploaded file, unattached. `QuotaExceeded` if the owner's files would then
    /// add up to more than `quota` bytes; the check and the insert are one transaction.
    async fn create_file(&self, new: NewFile, quota: i64) -> Result<FileInfo, StoreError>;
    async fn file(&self, id: FileId) -> Result<Option<FileInfo>, StoreError>;
    /// Bytes of every file `user` has stored, attached or not.
    async fn storage_used(&self, user: UserId) -> Result<i64, StoreError>;
    /// Removes files that were never attached and returns them, so their blobs can go too.
    async fn remove_unattached(&self, which: Unattached) -> Result<Vec<FileInfo>, StoreError>;
}
