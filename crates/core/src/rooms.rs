//! Managing rooms: renaming, switching between public and private, archiving, the room's
//! own rules (who may change the topic, who may add people), deleting, the admin's room list,
//! and invitations to public rooms waiting for their answer.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::store::RoomUpdate;
use crate::{Error, FileInfo, Room, RoomId, RoomKind, RoomName, Service, User, UserId};
use crate::{RoomInvitation, RoomSummary};

/// The most rooms one page of the admin's list holds.
pub const MAX_ROOM_PAGE: u32 = 200;

/// A change to a room, as its moderators ask for it; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct RoomChange {
    pub name: Option<RoomName>,
    /// `Public` or `Private`.
    pub visibility: Option<RoomKind>,
    pub archived: Option<bool>,
    pub members_can_set_topic: Option<bool>,
    pub members_can_add: Option<bool>,
}

/// What adding someone to a room did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// They are a member now (a private room).
    Joined(User),
    /// They were invited and decide themselves (a public room).
    Invited(User),
    /// They already were a member.
    Already(User),
}

impl Service {
    /// The room if `by` may manage it: those who moderate it (admins any room but a DM).
    async fn managed(&self, by: &Actor, room: RoomId) -> Result<Room, Error> {
        let found = match by.user {
            Some(user) if !self.is_admin(user).await? => {
                let found = self.visible_room(user, room).await?;
                if !self.moderates(user, &found).await? {
                    return Err(Error::Forbidden(
                        "only the room's owner, moderators and admins can change the room",
                    ));
                }
                found
            }
            _ => self.store.room(room).await?.ok_or(Error::NotFound)?,
        };
        if found.kind == RoomKind::Dm {
            return Err(Error::Forbidden("direct messages have no settings"));
        }
        Ok(found)
    }

    /// Renames, switches visibility, archives or changes the rules of a room; each change is
    /// audited. Returns the room and whether anything changed.
    pub async fn update_room(
        &self,
        by: &Actor,
        room: RoomId,
        change: RoomChange,
    ) -> Result<(Room, bool), Error> {
        let found = self.managed(by, room).await?;
        let update = RoomUpdate {
            name: change
                .name
                .map(RoomName::into_string)
                .filter(|n| *n != found.name),
            kind: change
                .visibility
                .filter(|k| *k != RoomKind::Dm && *k != found.kind),
            archived: change.archived.filter(|a| *a != found.archived),
            members_can_set_topic: change
                .members_can_set_topic
                .filter(|m| *m != found.members_can_set_topic),
            members_can_add: change
                .members_can_add
                .filter(|m| *m != found.members_can_add),
        };
        let public_after = update.kind.unwrap_or(found.kind) == RoomKind::Public;
        if public_after && (update.name.is_some() || update.kind.is_some()) {
            let name = update.name.as_deref().unwrap_or(&found.name);
            // Public rooms are visible to anyone; an actor with no account (the CLI) sees
            // exactly those through a user id that is a member of nothing.
            let viewer = by.user.unwrap_or(UserId(0));
            self.check_public_name(viewer, name, Some(room)).await?;
        }
        let mut entries = Vec::new();
        let audited = |kind| NewAuditEntry::new(kind, *by).room(room);
        if let Some(name) = &update.name {
            entries
                .push(audited(AuditKind::RoomRenamed).detail(format!("{} -> {name}", found.name)));
        }
        if let Some(kind) = update.kind {
            entries.push(
                audited(AuditKind::RoomChanged).detail(format!("visibility={}", kind.as_str())),
            );
        }
        match update.archived {
            Some(true) => entries.push(audited(AuditKind::RoomArchived)),
            Some(false) => entries.push(audited(AuditKind::RoomUnarchived)),
            None => {}
        }
        if let Some(on) = update.members_can_set_topic {
            entries.push(
                audited(AuditKind::RoomChanged).detail(format!("members_can_set_topic={on}")),
            );
        }
        if let Some(on) = update.members_can_add {
            entries.push(audited(AuditKind::RoomChanged).detail(format!("members_can_add={on}")));
        }
        if entries.is_empty() {
            return Ok((found, false));
        }
        let changed = self.store.update_room(room, update).await?;
        for entry in entries {
            self.audit(entry).await;
        }
        Ok((changed, true))
    }

    /// Deletes a room with its messages and files, once `confirm` repeats its name. Its owner
    /// or an admin only. Returns who was in it (to tell them) and the files (to remove).
    pub async fn delete_room(
        &self,
        by: &Actor,
        room: RoomId,
        confirm: &str,
    ) -> Result<(Vec<UserId>, Vec<FileInfo>), Error> {
        let found = self.managed(by, room).await?;
        let owns = match by.user {
            None => true,
            Some(user) => found.owner == Some(user) || self.is_admin(user).await?,
        };
        if !owns {
            return Err(Error::Forbidden(
                "only the room's owner and admins can delete it",
            ));
        }
        if confirm != found.name {
            return Err(Error::ConfirmationRequired);
        }
        let members = self.store.member_ids(room).await?;
        let files = self.store.delete_room(room).await?;
        let entry = NewAuditEntry::new(AuditKind::RoomDeleted, *by)
            .room(room)
            .detail(format!("{} ({} messages)", found.name, found.last_seq));
        self.audit(entry).await;
        Ok((members, files))
    }

    /// Every room but DMs, for admins: names, kinds and member counts, never messages.
    pub async fn admin_rooms(
        &self,
        by: &Actor,
        search: &str,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<RoomSummary>, Error> {
        self.require_admin(by).await?;
        let search: String = search.trim().chars().take(64).collect();
        let limit = limit.clamp(1, MAX_ROOM_PAGE);
        Ok(self.store.all_rooms(&search, offset, limit).await?)
    }

    /// The invitations waiting for `user`'s answer.
    pub async fn invitations(&self, user: UserId) -> Result<Vec<RoomInvitation>, Error> {
        Ok(self.store.room_invitations(user).await?)
    }

    /// Declines (or forgets) an invitation; `false` if there was none.
    pub async fn decline_invitation(&self, user: UserId, room: RoomId) -> Result<bool, Error> {
        Ok(self.store.delete_room_invitation(room, user).await?)
    }
}
