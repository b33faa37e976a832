//! Managing accounts, for admins and the console: the user list, deactivation, ending
//! sessions, one-time password reset links, and deleting an account.

use std::net::IpAddr;

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::store::DeletedAccount;
use crate::UserSummary;
use crate::{Error, Service, SessionId, StoreError, Timestamp, Toggle, User, UserId};

/// How long a password reset link works.
pub const RESET_TTL_SECS: i64 = 24 * 3600;
/// The most accounts one page of the user list holds.
pub const MAX_USER_PAGE: u32 = 200;

fn last_admin(e: StoreError) -> Error {
    match e {
        StoreError::Conflict("last admin") => Error::LastAdmin,
        other => other.into(),
    }
}

impl Service {
    fn not_yourself(by: &Actor, target: UserId, what: &'static str) -> Result<(), Error> {
        if by.user == Some(target) {
            return Err(Error::Forbidden(what));
        }
        Ok(())
    }

    /// The user list, searched by username or display name.
    pub async fn list_users(
        &self,
        by: &Actor,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<UserSummary>, Error> {
        self.require_admin(by).await?;
        let search = search.trim().chars().take(64).collect::<String>();
        let limit = limit.clamp(1, MAX_USER_PAGE);
        Ok(self.store.list_users(&search, offset, limit).await?)
    }

    /// Finds an account by username, for the console's commands.
    pub async fn user_named(&self, by: &Actor, name: &crate::Username) -> Result<User, Error> {
        self.require_admin(by).await?;
        let found = self.store.credentials(name).await?.ok_or(Error::NotFound)?;
        Ok(found.user)
    }

    /// Turns an account off: it cannot sign in, and every session ends at once (returned, so
    /// their connections can be closed). Its messages stay. Not yourself, and never the last
    /// active admin.
    pub async fn deactivate(
        &self,
        by: &Actor,
        target: UserId,
        reason: &str,
    ) -> Result<(User, Vec<SessionId>), Error> {
        self.require_admin(by).await?;
        Self::not_yourself(by, target, "you cannot deactivate your own account")?;
        let (user, ended) = self
            .store
            .set_deactivated(target, Toggle::On, Timestamp::now())
            .await
            .map_err(last_admin)?;
        let entry = NewAuditEntry::new(AuditKind::UserDeactivated, *by)
            .user(target)
            .reason(reason)
            .detail(format!("{} sessions ended", ended.len()));
        self.audit(entry).await;
        Ok((user, ended))
    }

    /// Turns an account on again; it signs in with its old password.
    pub async fn reactivate(&self, by: &Actor, target: UserId) -> Result<User, Error> {
        self.require_admin(by).await?;
        let (user, _) = self
            .store
            .set_deactivated(target, Toggle::Off, Timestamp::now())
            .await
            .map_err(last_admin)?;
        self.audit(NewAuditEntry::new(AuditKind::UserReactivated, *by).user(target))
            .await;
        Ok(user)
    }

    /// Ends every session of `target` (admins, or the user themselves).
    pub async fn end_all_sessions(
        &self,
        by: &Actor,
        target: UserId,
    ) -> Result<Vec<SessionId>, Error> {
        if by.user != Some(target) {
            self.require_admin(by).await?;
        }
        self.store.user(target).await?.ok_or(Error::NotFound)?;
        let ended = self.store.end_sessions(target).await?;
        let entry = NewAuditEntry::new(AuditKind::SessionsEnded, *by)
            .user(target)
            .detail(format!("{} sessions ended", ended.len()));
        self.audit(entry).await;
        Ok(ended)
    }

    /// An admin makes a one-time password reset link for someone; the server made the token
    /// and hands it to the admin. Returns when it stops working.
    pub async fn create_password_reset(
        &self,
        by: &Actor,
        target: UserId,
        token_hash: [u8; 32],
    ) -> Result<Timestamp, Error> {
        self.require_admin(by).await?;
        Self::not_yourself(by, target, "change your own password with your current one")?;
        let user = self.store.user(target).await?.ok_or(Error::NotFound)?;
        if user.deleted || user.deactivated {
            return Err(Error::Forbidden("reactivate the account first"));
        }
        let expires = Timestamp::now().plus_secs(RESET_TTL_SECS);
        self.store
            .create_password_reset(target, token_hash, expires)
            .await?;
        self.audit(NewAuditEntry::new(AuditKind::PasswordResetCreated, *by).user(target))
            .await;
        Ok(expires)
    }

    /// Anyone holding a reset link sets a new password with it, once; every session of the
    /// account ends (returned, so their connections can be closed).
    pub async fn reset_password(
        &self,
        token_hash: [u8; 32],
        new_hash: String,
        addr: Option<IpAddr>,
    ) -> Result<(UserId, Vec<SessionId>), Error> {
        let (user, ended) = match self
            .store
            .reset_password(token_hash, new_hash, Timestamp::now())
            .await
        {
            Err(StoreError::NotFound) => return Err(Error::InvalidResetLink),
            other => other?,
        };
        let entry = NewAuditEntry::new(AuditKind::PasswordReset, Actor::user(user, addr))
            .user(user)
            .detail(format!("{} sessions ended", ended.len()));
        self.audit(entry).await;
        Ok((user, ended))
    }

    /// Deletes an account: its messages stay, from "Deleted user"; its files, sessions and
    /// memberships go. The username is freed only if the `reuse_usernames` setting allows.
    pub async fn delete_account(
        &self,
        by: &Actor,
        target: UserId,
        reason: &str,
    ) -> Result<DeletedAccount, Error> {
        self.require_admin(by).await?;
        Self::not_yourself(by, target, "you cannot delete your own account here")?;
        let free = self.settings().await?.reuse_usernames;
        let deleted = self
            .store
            .delete_user(target, free, Timestamp::now())
            .await
            .map_err(last_admin)?;
        let entry = NewAuditEntry::new(AuditKind::UserDeleted, *by)
            .user(target)
            .reason(reason)
            .detail(format!("{} files removed", deleted.files.len()));
        self.audit(entry).await;
        Ok(deleted)
    }
}
