//! Accounts and sessions: registration, login lookups, sessions, passwords, profiles and
//! finding people. Hashing passwords and minting tokens are the server's (they are CPU work
//! and randomness); deciding who may do what with them is here.

use std::net::IpAddr;

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::store::{Credentials, NewSession, NewUser, ProfileChange};
use crate::Registration;
use crate::{Error, Room, Service, Session, SessionId, Timestamp, User, UserId, Username};

/// How many users one lookup returns at most.
pub const MAX_USER_RESULTS: u32 = 20;
/// Longest prefix a user lookup takes; a longer one cannot match a username.
const MAX_PREFIX: usize = 32;

/// A new account and the rooms it was put in (announced to their members by the caller).
pub struct Registered {
    pub user: User,
    pub rooms: Vec<Room>,
}

impl Service {
    /// Someone signs up. The first account may always (it becomes the admin); after that the
    /// `registration` setting decides: open to all, by a usable invite (checked and counted
    /// in the transaction that creates the account), or closed.
    pub async fn register(
        &self,
        mut new: NewUser,
        addr: Option<IpAddr>,
    ) -> Result<Registered, Error> {
        let first = self.store.user_count().await? == 0;
        let settings = self.settings().await?;
        let mode = settings.registration;
        new.default_rooms = settings.default_rooms;
        match mode {
            _ if first => new.invite = None,
            Registration::Open => new.invite = None,
            Registration::Invite if new.invite.is_none() => return Err(Error::InviteRequired),
            Registration::Invite => {}
            Registration::Closed => return Err(Error::RegistrationClosed),
        }
        let by_invite = new.invite.is_some();
        let registered = self.create_user(new).await?;
        if by_invite {
            let id = registered.user.id;
            let entry = NewAuditEntry::new(AuditKind::InviteUsed, Actor::user(id, addr)).user(id);
            self.audit(entry).await;
        }
        Ok(registered)
    }

    /// An admin (or the console) creates an account, whatever the registration setting.
    pub async fn create_account(&self, by: &Actor, mut new: NewUser) -> Result<Registered, Error> {
        self.require_admin(by).await?;
        new.default_rooms = self.settings().await?.default_rooms;
        let registered = self.create_user(new).await?;
        let entry = NewAuditEntry::new(AuditKind::UserCreated, *by).user(registered.user.id);
        self.audit(entry).await;
        Ok(registered)
    }

    async fn create_user(&self, new: NewUser) -> Result<Registered, Error> {
        let user = self.store.create_user(new).await?;
        let rooms = self.store.member_rooms(user.id).await?;
        Ok(Registered { user, rooms })
    }

    /// The account and its password hash, for checking a login. `None` for an unknown name.
    pub async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, Error> {
        Ok(self.store.credentials(username).await?)
    }

    /// Records a session whose token the caller has handed out; only its hash is stored.
    pub async fn start_session(&self, new: NewSession) -> Result<SessionId, Error> {
        Ok(self.store.create_session(new).await?)
    }

    /// The live session a token hashes to, if any.
    pub async fn session(&self, token_hash: &[u8; 32]) -> Result<Option<Session>, Error> {
        Ok(self
            .store
            .session_by_token_hash(token_hash, Timestamp::now())
            .await?)
    }

    /// Ends the caller's own session (logout).
    pub async fn end_session(&self, session: &Session) -> Result<(), Error> {
        Ok(self.store.delete_session(session.id).await?)
    }

    /// The caller's own password hash, to check their current password before a change.
    pub async fn own_password_hash(&self, user: UserId) -> Result<String, Error> {
        Ok(self.store.password_hash(user).await?)
    }

    /// Replaces the caller's password hash and ends every other session of theirs, returning
    /// the ended ones so their connections can be closed.
    pub async fn change_password(
        &self,
        session: &Session,
        new_hash: String,
        addr: Option<IpAddr>,
    ) -> Result<Vec<SessionId>, Error> {
        let user = session.user.id;
        self.store.set_password_hash(user, new_hash).await?;
        let ended = self.store.delete_other_sessions(user, session.id).await?;
        let entry = NewAuditEntry::new(AuditKind::PasswordChanged, Actor::user(user, addr))
            .user(user)
            .detail(format!("{} other sessions ended", ended.len()));
        self.audit(entry).await;
        Ok(ended)
    }

    /// The caller changes their own display name or status.
    pub async fn update_profile(&self, user: UserId, change: ProfileChange) -> Result<User, Error> {
        Ok(self.store.update_profile(user, change).await?)
    }

    /// Records that these users' last connections closed now, in one write.
    pub async fn record_last_seen(&self, users: &[UserId]) -> Result<(), Error> {
        Ok(self.store.set_last_seen(users, Timestamp::now()).await?)
    }

    /// Users whose username starts with `prefix`, for any signed-in user: usernames and
    /// display names are what every member already sees in rooms.
    pub async fn find_users(&self, prefix: &str) -> Result<Vec<User>, Error> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() > MAX_PREFIX {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .users_by_prefix(&prefix, MAX_USER_RESULTS)
            .await?)
    }

    /// Any signed-in user may look up any user's public profile.
    pub async fn user(&self, id: UserId) -> Result<User, Error> {
        self.store.user(id).await?.ok_or(Error::NotFound)
    }

    /// The rooms the caller is a member of, for their `ready` frame.
    pub async fn my_rooms(&self, user: UserId) -> Result<Vec<Room>, Error> {
        Ok(self.store.member_rooms(user).await?)
    }

    /// Public rooms and the caller's own, for the room list.
    pub async fn rooms_for(&self, user: UserId) -> Result<Vec<Room>, Error> {
        Ok(self.store.visible_rooms(user).await?)
    }
}
