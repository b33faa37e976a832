//! Reports: any member flags a message with a reason; those who moderate its room (and admins)
//! see the open ones in a queue and resolve each, by dismissing it or acting on the sender.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::store::ChangeOutcome;
use crate::{Error, MessageId, RoomId, Sanction, Service, Timestamp, UserId};

/// What a report's resolution did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportAction {
    Dismiss,
    /// Delete the reported message.
    Delete,
    /// Mute the sender in the room for this many seconds.
    Mute(i64),
    /// Remove the sender from the room.
    Kick,
    /// Ban the sender from the room, for this many seconds or for good.
    Ban(Option<i64>),
}

impl ReportAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportAction::Dismiss => "dismiss",
            ReportAction::Delete => "delete",
            ReportAction::Mute(_) => "mute",
            ReportAction::Kick => "kick",
            ReportAction::Ban(_) => "ban",
        }
    }
}

/// How a report was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// Who resolved it; `None` for the console.
    pub by: Option<UserId>,
    pub at: Timestamp,
    /// `dismiss`, `delete`, `mute`, `kick` or `ban`.
    pub action: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub message: MessageId,
    pub room: RoomId,
    /// Who sent the reported message.
    pub sender: UserId,
    pub reporter: UserId,
    pub reason: String,
    pub at: Timestamp,
    /// The start of the message's body when it was reported, for the queue.
    pub excerpt: String,
    pub resolution: Option<Resolution>,
}

pub struct NewReport {
    pub message: MessageId,
    pub room: RoomId,
    pub sender: UserId,
    pub reporter: UserId,
    pub reason: String,
    pub excerpt: String,
}

/// What resolving a report did besides closing it, for the caller to announce.
#[derive(Debug, Clone)]
pub enum Effect {
    Nothing,
    Deleted(Box<ChangeOutcome>),
    Muted(Sanction),
    Kicked,
    /// The ban, and whether the sender was a member until now.
    Banned(Sanction, bool),
}

impl Service {
    /// A member reports someone else's message. Reporting it again replaces the reason.
    pub async fn report(&self, by: &Actor, id: MessageId, reason: &str) -> Result<Report, Error> {
        let user = by.user.ok_or(Error::NotFound)?;
        let reason = crate::Reason::parse(reason)?.into_string();
        let reason = reason.as_str();
        let message = self.store.message(id).await?.ok_or(Error::NotFound)?;
        let room = self.member_room(user, message.room_id).await?;
        if message.sender_id == user {
            return Err(Error::Forbidden("you cannot report your own message"));
        }
        if message.deleted_at.is_some() {
            return Err(Error::Forbidden("the message is already deleted"));
        }
        let new = NewReport {
            message: id,
            room: room.id,
            sender: message.sender_id,
            reporter: user,
            reason: reason.to_owned(),
            excerpt: message.body.chars().take(200).collect(),
        };
        let report = self.store.create_report(new).await?;
        let entry = NewAuditEntry::new(AuditKind::ReportCreated, *by)
            .room(room.id)
            .user(message.sender_id)
            .reason(reason)
            .detail(format!("report {} on message {id}", report.id));
        self.audit(entry).await;
        Ok(report)
    }

    /// The reports `by` may handle: every one for admins, those in rooms they own or moderate
    /// for others. Open ones only unless `include_resolved`.
    pub async fn reports(
        &self,
        by: &Actor,
        room: Option<RoomId>,
        include_resolved: bool,
    ) -> Result<Vec<Report>, Error> {
        let rooms = match by.user {
            Some(user) if self.require_admin(by).await.is_err() => {
                let mut staff = self.store.staff_rooms(user).await?;
                if let Some(only) = room {
                    staff.retain(|r| *r == only);
                }
                Some(staff)
            }
            _ => room.map(|r| vec![r]),
        };
        Ok(self.store.reports(rooms, include_resolved).await?)
    }

    /// Resolves an open report: dismisses it, or acts on the message or its sender in the room.
    /// The action follows its own rule (a moderator cannot ban the room's owner this way
    /// either). The reporter is told by the caller.
    pub async fn resolve_report(
        &self,
        by: &Actor,
        id: i64,
        action: ReportAction,
        note: &str,
    ) -> Result<(Report, Effect), Error> {
        let report = self.store.report(id).await?.ok_or(Error::NotFound)?;
        let visible = self.reports(by, Some(report.room), true).await?;
        if !visible.iter().any(|r| r.id == id) {
            return Err(Error::NotFound);
        }
        if report.resolution.is_some() {
            return Err(Error::Conflict("report"));
        }
        let effect = match action {
            ReportAction::Dismiss => Effect::Nothing,
            ReportAction::Delete => {
                Effect::Deleted(Box::new(self.delete(by, report.message).await?))
            }
            ReportAction::Mute(secs) => Effect::Muted(
                self.mute(by, report.room, report.sender, secs, note)
                    .await?,
            ),
            ReportAction::Kick => {
                self.kick(by, report.room, report.sender, note).await?;
                Effect::Kicked
            }
            ReportAction::Ban(secs) => {
                let (ban, was) = self.ban(by, report.room, report.sender, secs, note).await?;
                Effect::Banned(ban, was)
            }
        };
        let resolution = Resolution {
            by: by.user,
            at: Timestamp::now(),
            action: action.as_str().to_owned(),
            note: note.to_owned(),
        };
        let resolved = self.store.resolve_report(id, resolution).await?;
        let entry = NewAuditEntry::new(AuditKind::ReportResolved, *by)
            .room(report.room)
            .user(report.sender)
            .reason(note)
            .detail(format!("report {id}: {}", action.as_str()));
        self.audit(entry).await;
        Ok((resolved, effect))
    }
}
