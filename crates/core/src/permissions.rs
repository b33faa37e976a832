//! Who may do what: server roles (admin, member) and room roles (owner, moderator, member),
//! and the use cases that change them. Every rule that depends on a role asks here.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::{Error, Room, RoomId, RoomKind, RoomRole, Service, StoreError, Toggle, User, UserId};

/// Limits the server keeps on what people can be put into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most rooms (DMs included) one account can be a member of.
    pub max_rooms_per_user: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rooms_per_user: 2000,
        }
    }
}

impl Service {
    /// `user`'s role in `room`; `None` if they are not a member.
    pub(crate) async fn role_in(
        &self,
        user: UserId,
        room: RoomId,
    ) -> Result<Option<RoomRole>, Error> {
        Ok(self.store.room_role(room, user).await?)
    }

    /// Whether `user` is a server admin now: read from the store each time, so a demotion
    /// takes effect on the next request.
    pub(crate) async fn is_admin(&self, user: UserId) -> Result<bool, Error> {
        let found = self.store.user(user).await?;
        Ok(found.is_some_and(|u| u.is_admin && !u.deactivated && !u.deleted))
    }

    /// Whether `user` may moderate `room`: its owner and moderators, server admins, and
    /// anyone in a DM (for their own conversation).
    pub async fn moderates(&self, user: UserId, room: &Room) -> Result<bool, Error> {
        // Every caller has already found the room visible to `user`, and a visible DM is one
        // they are in.
        if room.kind == RoomKind::Dm {
            return Ok(true);
        }
        if room.owner == Some(user) || room.moderators.contains(&user) {
            return Ok(true);
        }
        self.is_admin(user).await
    }

    /// The room if `actor` may manage its roles: its owner, or a server admin (any room but a
    /// DM, joined or not). Others get the room's usual answer: `NotFound` if they cannot see
    /// it, `Forbidden` if they can.
    async fn managed_room(&self, by: &Actor, room: RoomId) -> Result<Room, Error> {
        let actor = match by.user {
            Some(user) if !self.is_admin(user).await? => user,
            admin => {
                let found = self.store.room(room).await?.ok_or(Error::NotFound)?;
                let in_dm = admin.is_some_and(|a| found.dm_members.contains(&a));
                if found.kind != RoomKind::Dm || in_dm {
                    return Ok(found);
                }
                return Err(Error::NotFound);
            }
        };
        let found = self.visible_room(actor, room).await?;
        if found.owner == Some(actor) {
            Ok(found)
        } else {
            Err(Error::Forbidden(
                "only the room's owner and admins can change roles",
            ))
        }
    }

    /// The owner (or an admin) gives a member a role. Making someone owner hands the room
    /// over: the previous owner becomes a moderator. The owner cannot step down any other way,
    /// so a room never loses its owner by accident. Returns the room as it now is.
    pub async fn set_room_role(
        &self,
        by: &Actor,
        room: RoomId,
        target: UserId,
        role: RoomRole,
    ) -> Result<Room, Error> {
        let found = self.managed_room(by, room).await?;
        if found.kind == RoomKind::Dm {
            return Err(Error::Forbidden("direct messages have no roles"));
        }
        let current = self.role_in(target, room).await?.ok_or(Error::NotFound)?;
        if current == role {
            return Ok(found);
        }
        if current == RoomRole::Owner {
            return Err(Error::Forbidden(
                "the owner keeps the room until they hand it to someone else",
            ));
        }
        let changed = self.store.set_room_role(room, target, role).await?;
        let entry = NewAuditEntry::new(AuditKind::RoomRoleChanged, *by)
            .user(target)
            .room(room)
            .detail(role.as_str());
        self.audit(entry).await;
        Ok(changed)
    }

    /// An admin makes another user an admin, or takes it away. The server always keeps at
    /// least one admin: `Conflict("last admin")` otherwise.
    pub async fn set_server_role(
        &self,
        by: &Actor,
        target: UserId,
        admin: Toggle,
    ) -> Result<User, Error> {
        self.require_admin(by).await?;
        let before = self.store.user(target).await?.ok_or(Error::NotFound)?;
        let user = match self.store.set_admin(target, admin).await {
            Err(StoreError::Conflict("last admin")) => return Err(Error::LastAdmin),
            other => other?,
        };
        if before.is_admin != user.is_admin {
            let role = if user.is_admin { "admin" } else { "member" };
            let entry = NewAuditEntry::new(AuditKind::ServerRoleChanged, *by)
                .user(target)
                .detail(role);
            self.audit(entry).await;
        }
        Ok(user)
    }

    /// Refuses to put `user` into one more room past the server's limit.
    pub(crate) async fn check_room_limit(&self, user: UserId) -> Result<(), Error> {
        if self.store.room_count(user).await? >= self.limits.max_rooms_per_user {
            return Err(Error::Forbidden(
                "that account is already in as many rooms as this server allows",
            ));
        }
        Ok(())
    }
}

impl Service {
    /// Admins and the console pass; anyone else is `Forbidden`. The server asks it before
    /// work that only admins may cause (hashing a new account's password, say).
    pub async fn require_admin(&self, by: &Actor) -> Result<(), Error> {
        match by.user {
            None => Ok(()),
            Some(user) if self.is_admin(user).await? => Ok(()),
            Some(_) => Err(Error::Forbidden("only admins can do this")),
        }
    }
}
