//! Moderating a room: kicking, banning, muting and slow mode. Who may act on whom follows
//! rank: admins over owners over moderators over members; one acts only on those below.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::{Error, Room, RoomId, RoomKind, RoomRole, Service, Timestamp, UserId};

/// The longest a timed ban or a mute can last: a year. A ban without a duration is for good.
pub const MAX_SANCTION_SECS: i64 = 365 * 24 * 3600;
/// The longest slow-mode interval: an hour.
pub const MAX_SLOW_MODE_SECS: u32 = 3600;

/// What a moderator did to someone in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanctionKind {
    /// Out of the room and unable to rejoin.
    Ban,
    /// Still reading, but unable to post or react.
    Mute,
}

impl SanctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Ban => "ban",
            SanctionKind::Mute => "mute",
        }
    }
}

/// A ban or mute in force, or that was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub room: RoomId,
    pub user: UserId,
    pub kind: SanctionKind,
    /// When it ends; `None` for good.
    pub until: Option<Timestamp>,
    pub reason: String,
    /// Who imposed it; `None` for the console.
    pub by: Option<UserId>,
    pub at: Timestamp,
}

impl Sanction {
    pub fn active(&self, now: Timestamp) -> bool {
        self.until.is_none_or(|u| u > now)
    }
}

/// What a member adds to a room, for the mute and slow-mode checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contribution {
    /// A message: held back by a mute and by slow mode.
    Message,
    /// A reaction: held back by a mute only.
    Reaction,
}

/// How far someone reaches in a room: who outranks whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Member,
    Moderator,
    Owner,
    Admin,
}

fn ends(duration_secs: Option<i64>) -> Result<Option<Timestamp>, Error> {
    match duration_secs {
        None => Ok(None),
        Some(secs) if (1..=MAX_SANCTION_SECS).contains(&secs) => {
            Ok(Some(Timestamp::now().plus_secs(secs)))
        }
        Some(_) => Err(crate::DomainError::InvalidDuration.into()),
    }
}

impl Service {
    async fn rank(&self, user: UserId, room: &Room) -> Result<Rank, Error> {
        if self.is_admin(user).await? {
            return Ok(Rank::Admin);
        }
        Ok(match self.role_in(user, room.id).await? {
            Some(RoomRole::Owner) => Rank::Owner,
            Some(RoomRole::Moderator) => Rank::Moderator,
            _ => Rank::Member,
        })
    }

    /// The room if `by` moderates it (admins and the console any room but a DM; owners and
    /// moderators their own). Others get the room's usual answer: `NotFound` if they cannot see
    /// it, `Forbidden` if they can. Returns the actor's rank with it.
    async fn moderated_room(&self, by: &Actor, room: RoomId) -> Result<(Room, Rank), Error> {
        let found = match by.user {
            None => self.store.room(room).await?.ok_or(Error::NotFound)?,
            Some(user) if self.is_admin(user).await? => {
                self.store.room(room).await?.ok_or(Error::NotFound)?
            }
            Some(user) => self.visible_room(user, room).await?,
        };
        if found.kind == RoomKind::Dm {
            return Err(Error::Forbidden("direct messages have no moderators"));
        }
        let rank = match by.user {
            None => Rank::Admin,
            Some(user) => self.rank(user, &found).await?,
        };
        if rank == Rank::Member {
            return Err(Error::Forbidden(
                "only the room's owner, moderators and admins can do this",
            ));
        }
        Ok((found, rank))
    }

    /// Checks `by` may act on `target` in `room`: strictly above them, and not themselves.
    async fn may_act_on(
        &self,
        by: &Actor,
        rank: Rank,
        room: &Room,
        target: UserId,
    ) -> Result<(), Error> {
        if by.user == Some(target) {
            return Err(Error::Forbidden("you cannot do this to yourself"));
        }
        if self.rank(target, room).await? >= rank {
            return Err(Error::Forbidden(
                "you can only moderate people below you: moderators act on members, owners on moderators, admins on everyone",
            ));
        }
        Ok(())
    }

    fn audited(&self, kind: AuditKind, by: &Actor, room: RoomId, target: UserId) -> NewAuditEntry {
        NewAuditEntry::new(kind, *by).room(room).user(target)
    }

    /// Removes a member from the room. They may join again (a public room) or be added again.
    pub async fn kick(
        &self,
        by: &Actor,
        room: RoomId,
        target: UserId,
        reason: &str,
    ) -> Result<Room, Error> {
        let (found, rank) = self.moderated_room(by, room).await?;
        self.role_in(target, room).await?.ok_or(Error::NotFound)?;
        self.may_act_on(by, rank, &found, target).await?;
        self.store.remove_member(room, target).await?;
        let entry = self
            .audited(AuditKind::Kicked, by, room, target)
            .reason(reason);
        self.audit(entry).await;
        Ok(found)
    }

    /// Bans someone from the room for `duration_secs`, or for good: out of it now, and unable
    /// to join or be added until it ends. The flag says whether they were a member.
    pub async fn ban(
        &self,
        by: &Actor,
        room: RoomId,
        target: UserId,
        duration_secs: Option<i64>,
        reason: &str,
    ) -> Result<(Sanction, bool), Error> {
        let until = ends(duration_secs)?;
        let (found, rank) = self.moderated_room(by, room).await?;
        self.store.user(target).await?.ok_or(Error::NotFound)?;
        self.may_act_on(by, rank, &found, target).await?;
        let sanction = self
            .impose(by, room, target, SanctionKind::Ban, until, reason)
            .await?;
        let was_member = self.store.remove_member(room, target).await?;
        let detail = until.map_or("for good".to_owned(), |u| format!("until {}", u.0));
        let entry = self
            .audited(AuditKind::Banned, by, room, target)
            .reason(reason)
            .detail(detail);
        self.audit(entry).await;
        Ok((sanction, was_member))
    }

    /// Mutes a member for `duration_secs`: they still read, but cannot post or react there.
    pub async fn mute(
        &self,
        by: &Actor,
        room: RoomId,
        target: UserId,
        duration_secs: i64,
        reason: &str,
    ) -> Result<Sanction, Error> {
        let until = ends(Some(duration_secs))?;
        let (found, rank) = self.moderated_room(by, room).await?;
        self.role_in(target, room).await?.ok_or(Error::NotFound)?;
        self.may_act_on(by, rank, &found, target).await?;
        let sanction = self
            .impose(by, room, target, SanctionKind::Mute, until, reason)
            .await?;
        let detail = until.map_or(String::new(), |u| format!("until {}", u.0));
        let entry = self
            .audited(AuditKind::Muted, by, room, target)
            .reason(reason)
            .detail(detail);
        self.audit(entry).await;
        Ok(sanction)
    }

    async fn impose(
        &self,
        by: &Actor,
        room: RoomId,
        user: UserId,
        kind: SanctionKind,
        until: Option<Timestamp>,
        reason: &str,
    ) -> Result<Sanction, Error> {
        let sanction = Sanction {
            room,
            user,
            kind,
            until,
            reason: reason.to_owned(),
            by: by.user,
            at: Timestamp::now(),
        };
        self.store.put_sanction(sanction.clone()).await?;
        Ok(sanction)
    }

    /// Lifts a ban or a mute; `false` if there was none in force.
    pub async fn lift(
        &self,
        by: &Actor,
        room: RoomId,
        target: UserId,
        kind: SanctionKind,
    ) -> Result<bool, Error> {
        self.moderated_room(by, room).await?;
        let lifted = self.store.lift_sanction(room, target, kind).await?;
        if lifted {
            let audit_kind = match kind {
                SanctionKind::Ban => AuditKind::Unbanned,
                SanctionKind::Mute => AuditKind::Unmuted,
            };
            self.audit(self.audited(audit_kind, by, room, target)).await;
        }
        Ok(lifted)
    }

    /// The bans or mutes in force in a room, for its moderators.
    pub async fn sanctions(
        &self,
        by: &Actor,
        room: RoomId,
        kind: SanctionKind,
    ) -> Result<Vec<Sanction>, Error> {
        self.moderated_room(by, room).await?;
        Ok(self.store.sanctions(room, kind, Timestamp::now()).await?)
    }

    /// Sets slow mode: each member may post once per `secs` (0 turns it off); moderators are
    /// exempt. Returns the room as it now is.
    pub async fn set_slow_mode(
        &self,
        by: &Actor,
        room: RoomId,
        secs: u32,
    ) -> Result<(Room, bool), Error> {
        if secs > MAX_SLOW_MODE_SECS {
            return Err(crate::DomainError::InvalidDuration.into());
        }
        let (found, _) = self.moderated_room(by, room).await?;
        if found.slow_mode_secs == secs {
            return Ok((found, false));
        }
        let changed = self.store.set_slow_mode(room, secs).await?;
        let entry = NewAuditEntry::new(AuditKind::SlowMode, *by)
            .room(room)
            .detail(format!("{secs} s"));
        self.audit(entry).await;
        Ok((changed, true))
    }

    /// Refuses someone banned from `room` (joining, or being added).
    pub(crate) async fn check_not_banned(&self, room: RoomId, user: UserId) -> Result<(), Error> {
        let now = Timestamp::now();
        match self
            .store
            .sanction(room, user, SanctionKind::Ban, now)
            .await?
        {
            Some(ban) => Err(Error::Banned(ban.until)),
            None => Ok(()),
        }
    }

    /// Refuses a muted member's post or reaction, and, in slow mode, a member's post that comes
    /// too soon after their last. Moderators are never held back by slow mode.
    pub(crate) async fn check_may_post(
        &self,
        user: UserId,
        room: &Room,
        what: Contribution,
    ) -> Result<(), Error> {
        if room.kind == RoomKind::Dm {
            return Ok(());
        }
        let now = Timestamp::now();
        let muted = self
            .store
            .sanction(room.id, user, SanctionKind::Mute, now)
            .await?;
        self.check_may_post_muted(user, room, what, muted, now)
            .await
    }

    /// [`Service::check_may_post`] with `user`'s mute in force at `now` already read.
    pub(crate) async fn check_may_post_muted(
        &self,
        user: UserId,
        room: &Room,
        what: Contribution,
        muted: Option<Sanction>,
        now: Timestamp,
    ) -> Result<(), Error> {
        if room.kind == RoomKind::Dm {
            return Ok(());
        }
        if room.archived {
            return Err(Error::Forbidden("this room is archived; it is read-only"));
        }
        if let Some(mute) = muted {
            return Err(Error::Muted(mute.until));
        }
        if what == Contribution::Reaction
            || room.slow_mode_secs == 0
            || self.moderates(user, room).await?
        {
            return Ok(());
        }
        if let Some(last) = self.store.last_post_at(room.id, user).await? {
            let next = last.plus_secs(i64::from(room.slow_mode_secs));
            if next > now {
                return Err(Error::SlowMode(next));
            }
        }
        Ok(())
    }
}
