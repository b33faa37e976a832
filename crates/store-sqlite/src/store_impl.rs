//! `impl Store for SqliteStore`: each method picks the writer or a reader and delegates.

use async_trait::async_trait;
use natter_core::{
    AppendOutcome, Arrival, AuditEntry, AuditQuery, ChangeOutcome, Credentials, DeletedAccount,
    FileId, FileInfo, Invite, Message, MessageChange, MessageId, NewAuditEntry, NewFile, NewInvite,
    NewMessage, NewRoom, NewSession, NewUser, PageVersion, ProfileChange, ReadState, Room, RoomId,
    RoomInvitation, RoomRole, RoomSummary, RoomUpdate, Sanction, SanctionKind, SearchHit,
    SearchQuery, Session, SessionId, Standing, Store, StoreError, Timestamp, Toggle, Topic,
    Unattached, User, UserId, UserSummary, Username,
};

use crate::{
    accounts, admin, files, messages, moderation, reports, rich, rooms, users, SqliteStore,
};
use natter_core::{NewReport, Report, Resolution};

#[async_trait]
impl Store for SqliteStore {
    async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        self.write(move |c| accounts::create_user(c, new)).await
    }
    async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, StoreError> {
        let name = username.as_str().to_owned();
        self.read(move |c| accounts::credentials(c, &name)).await
    }
    async fn password_hash(&self, user: UserId) -> Result<String, StoreError> {
        self.read(move |c| accounts::password_hash(c, user)).await
    }
    async fn set_password_hash(&self, user: UserId, hash: String) -> Result<(), StoreError> {
        self.write(move |c| accounts::set_password_hash(c, user, &hash))
            .await
    }
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.read(move |c| accounts::user_by_id(c, id)).await
    }
    async fn user_count(&self) -> Result<u64, StoreError> {
        self.read(accounts::user_count).await
    }
    async fn users_by_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<User>, StoreError> {
        let prefix = prefix.to_owned();
        self.read(move |c| accounts::users_by_prefix(c, &prefix, limit))
            .await
    }
    async fn update_profile(&self, id: UserId, change: ProfileChange) -> Result<User, StoreError> {
        self.write(move |c| accounts::update_profile(c, id, change))
            .await
    }
    async fn set_last_seen(&self, ids: &[UserId], at: Timestamp) -> Result<(), StoreError> {
        let ids = ids.to_vec();
        self.write(move |c| accounts::set_last_seen(c, &ids, at))
            .await
    }
    async fn set_admin(&self, user: UserId, on: Toggle) -> Result<User, StoreError> {
        self.write(move |c| accounts::set_admin(c, user, on)).await
    }

    async fn create_session(&self, new: NewSession) -> Result<SessionId, StoreError> {
        self.write(move |c| accounts::create_session(c, new)).await
    }
    async fn session_by_token_hash(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError> {
        let hash = *token_hash;
        self.read(move |c| accounts::session_by_token_hash(c, &hash, now))
            .await
    }
    async fn delete_session(&self, id: SessionId) -> Result<(), StoreError> {
        self.write(move |c| accounts::delete_session(c, id)).await
    }
    async fn delete_other_sessions(
        &self,
        user: UserId,
        keep: SessionId,
    ) -> Result<Vec<SessionId>, StoreError> {
        self.write(move |c| accounts::delete_other_sessions(c, user, keep))
            .await
    }

    async fn create_room(&self, new: NewRoom) -> Result<Room, StoreError> {
        self.write(move |c| rooms::create_room(c, new)).await
    }
    async fn room(&self, id: RoomId) -> Result<Option<Room>, StoreError> {
        self.read(move |c| rooms::room(c, id)).await
    }
    async fn set_topic(&self, room: RoomId, topic: Topic) -> Result<Room, StoreError> {
        self.write(move |c| rooms::set_topic(c, room, topic.as_str()))
            .await
    }
    async fn visible_rooms(&self, user: UserId) -> Result<Vec<Room>, StoreError> {
        self.read(move |c| rooms::visible_rooms(c, user)).await
    }
    async fn member_rooms(&self, user: UserId) -> Result<Vec<Room>, StoreError> {
        self.read(move |c| rooms::member_rooms(c, user)).await
    }
    async fn is_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.read(move |c| rooms::is_member(c, room, user)).await
    }
    async fn room_role(&self, room: RoomId, user: UserId) -> Result<Option<RoomRole>, StoreError> {
        self.read(move |c| rooms::room_role(c, room, user)).await
    }
    async fn set_room_role(
        &self,
        room: RoomId,
        user: UserId,
        role: RoomRole,
    ) -> Result<Room, StoreError> {
        self.write(move |c| rooms::set_room_role(c, room, user, role))
            .await
    }
    async fn room_count(&self, user: UserId) -> Result<u32, StoreError> {
        self.read(move |c| rooms::room_count(c, user)).await
    }
    async fn add_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.write(move |c| rooms::add_member(c, room, user)).await
    }
    async fn remove_member(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.write(move |c| rooms::remove_member(c, room, user))
            .await
    }
    async fn room_members(&self, room: RoomId) -> Result<Vec<User>, StoreError> {
        self.read(move |c| rooms::room_members(c, room)).await
    }
    async fn member_ids(&self, room: RoomId) -> Result<Vec<UserId>, StoreError> {
        self.read(move |c| rooms::member_ids(c, room)).await
    }
    async fn presence_peers(
        &self,
        user: UserId,
        max_members: u32,
    ) -> Result<Vec<UserId>, StoreError> {
        self.read(move |c| rooms::presence_peers(c, user, max_members))
            .await
    }
    async fn find_dm(&self, members: &[UserId]) -> Result<Option<Room>, StoreError> {
        let members = members.to_vec();
        self.read(move |c| rooms::find_dm(c, &members)).await
    }
    async fn find_or_create_dm(
        &self,
        members: &[UserId],
        name: String,
    ) -> Result<(Room, bool), StoreError> {
        let members = members.to_vec();
        self.write(move |c| rooms::find_or_create_dm(c, &members, name))
            .await
    }

    async fn append_messages(
        &self,
        batch: Vec<NewMessage>,
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
        self.write_messages(move |c| messages::append_batch(c, batch))
            .await
    }
    async fn messages_by_sender(
        &self,
        sender: UserId,
        after: MessageId,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        self.read_long(move |c| messages::by_sender(c, sender, after, limit))
            .await
    }
    async fn files_of(&self, owner: UserId) -> Result<Vec<FileInfo>, StoreError> {
        self.read_long(move |c| files::of_owner(c, owner)).await
    }
    async fn messages_after(
        &self,
        room: RoomId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        self.read_together(move |c| messages::after(c, room, after, limit))
            .await
    }
    async fn page_version(&self, room: RoomId) -> Result<Option<PageVersion>, StoreError> {
        self.read(move |c| messages::page_version(c, room)).await
    }
    async fn messages_before(
        &self,
        room: RoomId,
        before: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        self.read_together(move |c| messages::before(c, room, before, limit))
            .await
    }
    async fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
        self.read(move |c| messages::by_id(c, id)).await
    }
    async fn change_message(
        &self,
        id: MessageId,
        change: MessageChange,
    ) -> Result<ChangeOutcome, StoreError> {
        self.write(move |c| rich::change(c, id, change)).await
    }
    async fn changes_after(
        &self,
        room: RoomId,
        after_rev: i64,
        up_to: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        self.read(move |c| rich::changes_after(c, room, after_rev, up_to, limit))
            .await
    }
    async fn thread(
        &self,
        root: MessageId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        self.read(move |c| rich::thread(c, root, after, limit))
            .await
    }
    async fn pinned(&self, room: RoomId) -> Result<Vec<Message>, StoreError> {
        self.read(move |c| rich::pinned(c, room)).await
    }
    async fn members_named(
        &self,
        room: RoomId,
        usernames: Vec<String>,
    ) -> Result<Vec<UserId>, StoreError> {
        self.read(move |c| rich::members_named(c, room, &usernames))
            .await
    }
    async fn mark_read(
        &self,
        room: RoomId,
        user: UserId,
        seq: i64,
    ) -> Result<ReadState, StoreError> {
        self.write_unsynced(move |c| rich::mark_read(c, room, user, seq))
            .await
    }
    async fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, StoreError> {
        self.read(move |c| rich::read_states(c, user)).await
    }
    async fn search(&self, query: SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        self.read_long(move |c| rich::search(c, &query)).await
    }
    async fn set_block(
        &self,
        blocker: UserId,
        blocked: UserId,
        on: Toggle,
    ) -> Result<bool, StoreError> {
        self.write(move |c| rich::set_block(c, blocker, blocked, on))
            .await
    }
    async fn blocked_by(&self, user: UserId) -> Result<Vec<UserId>, StoreError> {
        self.read(move |c| rich::blocked_by(c, user)).await
    }
    async fn arrival(&self, user: UserId, max_members: u32) -> Result<Arrival, StoreError> {
        self.read_together(move |c| {
            Ok(Arrival {
                rooms: rooms::member_rooms(c, user)?,
                reads: rich::read_states(c, user)?,
                blocked: rich::blocked_by(c, user)?,
                peers: rooms::presence_peers(c, user, max_members)?,
            })
        })
        .await
    }
    async fn blocked_in(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.read(move |c| rich::blocked_in(c, room, user)).await
    }
    async fn blocked_by_any(&self, others: &[UserId], user: UserId) -> Result<bool, StoreError> {
        let others = others.to_vec();
        self.read(move |c| rich::blocked_by_any(c, &others, user))
            .await
    }

    async fn list_users(
        &self,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<UserSummary>, StoreError> {
        let search = search.to_owned();
        self.read_long(move |c| users::list_users(c, &search, offset, limit))
            .await
    }
    async fn set_deactivated(
        &self,
        user: UserId,
        on: Toggle,
        at: Timestamp,
    ) -> Result<(User, Vec<SessionId>), StoreError> {
        self.write(move |c| users::set_deactivated(c, user, on, at))
            .await
    }
    async fn end_sessions(&self, user: UserId) -> Result<Vec<SessionId>, StoreError> {
        self.write(move |c| users::end_sessions(c, user)).await
    }
    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: [u8; 32],
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.write(move |c| users::create_password_reset(c, user, &token_hash, expires_at))
            .await
    }
    async fn reset_password(
        &self,
        token_hash: [u8; 32],
        new_hash: String,
        now: Timestamp,
    ) -> Result<(UserId, Vec<SessionId>), StoreError> {
        self.write(move |c| users::reset_password(c, &token_hash, &new_hash, now))
            .await
    }
    async fn delete_user(
        &self,
        user: UserId,
        free_username: bool,
        at: Timestamp,
    ) -> Result<DeletedAccount, StoreError> {
        self.write(move |c| users::delete_user(c, user, free_username, at))
            .await
    }

    async fn update_room(&self, room: RoomId, change: RoomUpdate) -> Result<Room, StoreError> {
        self.write(move |c| rooms::update_room(c, room, &change))
            .await
    }
    async fn delete_room(&self, room: RoomId) -> Result<Vec<FileInfo>, StoreError> {
        self.write(move |c| rooms::delete_room(c, room)).await
    }
    async fn all_rooms(
        &self,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<RoomSummary>, StoreError> {
        let search = search.to_owned();
        self.read_long(move |c| rooms::all_rooms(c, &search, offset, limit))
            .await
    }
    async fn put_room_invitation(
        &self,
        room: RoomId,
        user: UserId,
        by: UserId,
    ) -> Result<(), StoreError> {
        self.write(move |c| rooms::put_room_invitation(c, room, user, by))
            .await
    }
    async fn room_invitations(&self, user: UserId) -> Result<Vec<RoomInvitation>, StoreError> {
        self.read(move |c| rooms::room_invitations(c, user)).await
    }
    async fn delete_room_invitation(&self, room: RoomId, user: UserId) -> Result<bool, StoreError> {
        self.write(move |c| rooms::delete_room_invitation(c, room, user))
            .await
    }
    async fn create_report(&self, new: NewReport) -> Result<Report, StoreError> {
        self.write(move |c| reports::create_report(c, &new)).await
    }
    async fn report(&self, id: i64) -> Result<Option<Report>, StoreError> {
        self.read(move |c| reports::report(c, id)).await
    }
    async fn reports(
        &self,
        rooms: Option<Vec<RoomId>>,
        include_resolved: bool,
    ) -> Result<Vec<Report>, StoreError> {
        self.read_long(move |c| reports::reports(c, rooms.as_deref(), include_resolved))
            .await
    }
    async fn resolve_report(&self, id: i64, resolution: Resolution) -> Result<Report, StoreError> {
        self.write(move |c| reports::resolve_report(c, id, &resolution))
            .await
    }
    async fn staff_rooms(&self, user: UserId) -> Result<Vec<RoomId>, StoreError> {
        self.read(move |c| reports::staff_rooms(c, user)).await
    }
    async fn put_sanction(&self, sanction: Sanction) -> Result<(), StoreError> {
        self.write(move |c| moderation::put_sanction(c, &sanction))
            .await
    }
    async fn lift_sanction(
        &self,
        room: RoomId,
        user: UserId,
        kind: SanctionKind,
    ) -> Result<bool, StoreError> {
        self.write(move |c| moderation::lift_sanction(c, room, user, kind))
            .await
    }
    async fn sanction(
        &self,
        room: RoomId,
        user: UserId,
        kind: SanctionKind,
        now: Timestamp,
    ) -> Result<Option<Sanction>, StoreError> {
        self.read(move |c| moderation::sanction(c, room, user, kind, now))
            .await
    }
    async fn standing(
        &self,
        room: RoomId,
        user: UserId,
        now: Timestamp,
    ) -> Result<Option<Standing>, StoreError> {
        self.kept_standing(room, user, now).await
    }
    async fn sanctions(
        &self,
        room: RoomId,
        kind: SanctionKind,
        now: Timestamp,
    ) -> Result<Vec<Sanction>, StoreError> {
        self.read(move |c| moderation::sanctions(c, room, kind, now))
            .await
    }
    async fn set_slow_mode(&self, room: RoomId, secs: u32) -> Result<Room, StoreError> {
        self.write(move |c| moderation::set_slow_mode(c, room, secs))
            .await
    }
    async fn last_post_at(
        &self,
        room: RoomId,
        user: UserId,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.read(move |c| moderation::last_post_at(c, room, user))
            .await
    }

    async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read(admin::settings).await
    }
    async fn put_setting(&self, key: &str, value: String) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |c| admin::put_setting(c, &key, &value))
            .await
    }
    async fn create_invite(&self, new: NewInvite) -> Result<Invite, StoreError> {
        self.write(move |c| admin::create_invite(c, new)).await
    }
    async fn invites(&self) -> Result<Vec<Invite>, StoreError> {
        self.read(admin::invites).await
    }
    async fn invite(&self, id: i64) -> Result<Option<Invite>, StoreError> {
        self.read(move |c| admin::invite(c, id)).await
    }
    async fn revoke_invite(&self, id: i64, at: Timestamp) -> Result<Invite, StoreError> {
        self.write(move |c| admin::revoke_invite(c, id, at)).await
    }
    async fn append_audit(&self, entry: NewAuditEntry, at: Timestamp) -> Result<(), StoreError> {
        self.write(move |c| admin::append_audit(c, &entry, at))
            .await
    }
    async fn audit_entries(&self, query: AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        self.read_long(move |c| admin::audit_entries(c, &query))
            .await
    }
    async fn prune_audit(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.write(move |c| admin::prune_audit(c, before)).await
    }

    async fn probe_write(&self, at: Timestamp) -> Result<(), StoreError> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO health_probe (id, at) VALUES (1, ?1)
                 ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                [at.0],
            )
            .map(drop)
            .map_err(crate::backend)
        })
        .await
    }

    async fn create_file(&self, new: NewFile, quota: i64) -> Result<FileInfo, StoreError> {
        self.write(move |c| files::create(c, new, quota)).await
    }
    async fn file(&self, id: FileId) -> Result<Option<FileInfo>, StoreError> {
        self.read(move |c| files::by_id(c, id)).await
    }
    async fn storage_used(&self, user: UserId) -> Result<i64, StoreError> {
        self.read(move |c| files::storage_used(c, user)).await
    }
    async fn remove_unattached(&self, which: Unattached) -> Result<Vec<FileInfo>, StoreError> {
        self.write(move |c| files::remove_unattached(c, which))
            .await
    }
}
