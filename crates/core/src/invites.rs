//! Invites: links that let someone create an account while registration is by invite. The
//! server mints the token and hands it out once; only its hash is stored, like a session's.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::{Error, Service, Timestamp, UserId};

/// Shortest and longest life of an invite, in seconds.
pub const INVITE_TTL_SECS: std::ops::RangeInclusive<i64> = 300..=90 * 24 * 3600;
/// The most accounts one invite can create.
pub const MAX_INVITE_USES: u32 = 1000;

/// An invite as stored: never its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub id: i64,
    /// Who made it; `None` for the console.
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub max_uses: u32,
    pub revoked_at: Option<Timestamp>,
    /// Who signed up with it, and when, earliest first.
    pub used_by: Vec<(UserId, Timestamp)>,
}

impl Invite {
    /// Whether it would let one more person in at `now`.
    pub fn usable(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none()
            && self.expires_at > now
            && (self.used_by.len() as u32) < self.max_uses
    }
}

pub struct NewInvite {
    pub token_hash: [u8; 32],
    pub created_by: Option<UserId>,
    pub expires_at: Timestamp,
    pub max_uses: u32,
}

impl Service {
    /// Whether `by` may create invites: admins and the console always, members when the
    /// settings allow.
    async fn may_invite(&self, by: &Actor) -> Result<bool, Error> {
        if self.require_admin(by).await.is_ok() {
            return Ok(true);
        }
        Ok(self.settings().await?.members_can_invite)
    }

    /// Records an invite whose token the server made, valid for `ttl_secs` and `max_uses`
    /// sign-ups (both clamped to their limits).
    pub async fn create_invite(
        &self,
        by: &Actor,
        token_hash: [u8; 32],
        ttl_secs: i64,
        max_uses: u32,
    ) -> Result<Invite, Error> {
        if !self.may_invite(by).await? {
            return Err(Error::Forbidden(
                "only admins can create invites on this server",
            ));
        }
        let ttl = ttl_secs.clamp(*INVITE_TTL_SECS.start(), *INVITE_TTL_SECS.end());
        let new = NewInvite {
            token_hash,
            created_by: by.user,
            expires_at: Timestamp::now().plus_secs(ttl),
            max_uses: max_uses.clamp(1, MAX_INVITE_USES),
        };
        let invite = self.store.create_invite(new).await?;
        let detail = format!("invite {} for {} uses", invite.id, invite.max_uses);
        self.audit(NewAuditEntry::new(AuditKind::InviteCreated, *by).detail(detail))
            .await;
        Ok(invite)
    }

    /// Every invite for admins; a member sees the ones they made.
    pub async fn invites(&self, by: &Actor) -> Result<Vec<Invite>, Error> {
        let all = self.store.invites().await?;
        if self.require_admin(by).await.is_ok() {
            return Ok(all);
        }
        Ok(all
            .into_iter()
            .filter(|i| i.created_by == by.user)
            .collect())
    }

    /// Revokes an invite: admins any, members their own. Revoking twice changes nothing.
    pub async fn revoke_invite(&self, by: &Actor, id: i64) -> Result<Invite, Error> {
        let found = self.store.invite(id).await?.ok_or(Error::NotFound)?;
        let admin = self.require_admin(by).await.is_ok();
        if !admin && found.created_by != by.user {
            return Err(Error::NotFound);
        }
        if found.revoked_at.is_some() {
            return Ok(found);
        }
        let revoked = self.store.revoke_invite(id, Timestamp::now()).await?;
        let entry =
            NewAuditEntry::new(AuditKind::InviteRevoked, *by).detail(format!("invite {id}"));
        self.audit(entry).await;
        Ok(revoked)
    }
}
