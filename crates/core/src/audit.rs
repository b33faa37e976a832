//! The audit log: who did what to whom, when and from where. Entries are only ever appended
//! (and pruned by age); no use case changes or deletes one. Admins read it.

use std::net::IpAddr;

use crate::{Error, RoomId, Service, Timestamp, UserId};

/// Who is acting, and from where. A person signed in, or the operator at the console
/// (`natter admin`), who has every admin right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// `None` for the console.
    pub user: Option<UserId>,
    /// The client's address, when the action came over the network.
    pub addr: Option<IpAddr>,
}

impl Actor {
    pub fn user(user: UserId, addr: Option<IpAddr>) -> Self {
        Actor {
            user: Some(user),
            addr,
        }
    }

    /// The operator on the server's machine, with the data directory in hand.
    pub fn console() -> Self {
        Actor {
            user: None,
            addr: None,
        }
    }
}

macro_rules! audit_kinds {
    ($($variant:ident => $name:literal,)*) => {
        /// What an audit entry records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditKind {
            $($variant,)*
        }

        impl AuditKind {
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditKind::$variant => $name,)*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(AuditKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

audit_kinds! {
    Login => "login",
    LoginFailed => "login_failed",
    PasswordChanged => "password_changed",
    PasswordResetCreated => "password_reset_created",
    PasswordReset => "password_reset",
    SessionsEnded => "sessions_ended",
    UserCreated => "user_created",
    InviteCreated => "invite_created",
    InviteUsed => "invite_used",
    InviteRevoked => "invite_revoked",
    SettingsChanged => "settings_changed",
    ServerRoleChanged => "server_role_changed",
    RoomRoleChanged => "room_role_changed",
    UserDeactivated => "user_deactivated",
    UserReactivated => "user_reactivated",
    UserDeleted => "user_deleted",
    Kicked => "kicked",
    Banned => "banned",
    Unbanned => "unbanned",
    Muted => "muted",
    Unmuted => "unmuted",
    SlowMode => "slow_mode",
    MessageDeleted => "message_deleted",
    RoomRenamed => "room_renamed",
    RoomChanged => "room_changed",
    RoomArchived => "room_archived",
    RoomUnarchived => "room_unarchived",
    RoomDeleted => "room_deleted",
    ReportCreated => "report_created",
    ReportResolved => "report_resolved",
}

/// One thing to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub kind: AuditKind,
    pub actor: Actor,
    pub target_user: Option<UserId>,
    pub target_room: Option<RoomId>,
    /// Why, as the actor said; empty if they gave no reason.
    pub reason: String,
    /// What changed, in a few words (a new role, a setting's value, a message id, ...).
    pub detail: String,
}

impl NewAuditEntry {
    pub fn new(kind: AuditKind, actor: Actor) -> Self {
        NewAuditEntry {
            kind,
            actor,
            target_user: None,
            target_room: None,
            reason: String::new(),
            detail: String::new(),
        }
    }
    pub fn user(mut self, user: UserId) -> Self {
        self.target_user = Some(user);
        self
    }
    pub fn room(mut self, room: RoomId) -> Self {
        self.target_room = Some(room);
        self
    }
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub entry: NewAuditEntry,
}

/// Which entries to read: all filters optional, newest first, paged by `before` (an id).
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<UserId>,
    /// Entries whose target user is this one.
    pub target_user: Option<UserId>,
    pub target_room: Option<RoomId>,
    pub kind: Option<AuditKind>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only entries with a smaller id (the last id of the previous page).
    pub before: Option<i64>,
    pub limit: u32,
}

/// The most entries one page holds.
pub const MAX_AUDIT_PAGE: u32 = 200;

impl Service {
    /// Appends an entry. An entry that cannot be written is logged, never fatal to the action
    /// it records (which has already happened).
    pub(crate) async fn audit(&self, entry: NewAuditEntry) {
        let kind = entry.kind.as_str();
        if let Err(e) = self.store.append_audit(entry, Timestamp::now()).await {
            tracing::error!(error = %e, kind, "could not write an audit entry");
        }
    }

    /// Records a login, or a failed one (`user` is `None` for an unknown name).
    pub async fn audit_login(
        &self,
        user: Option<UserId>,
        ok: bool,
        addr: Option<IpAddr>,
        name: &str,
    ) {
        let kind = if ok {
            AuditKind::Login
        } else {
            AuditKind::LoginFailed
        };
        let mut entry = NewAuditEntry::new(kind, Actor { user, addr }).detail(name);
        entry.target_user = user;
        self.audit(entry).await;
    }

    /// A page of the audit log, newest first; admins (and the console) only.
    pub async fn audit_log(&self, by: &Actor, query: AuditQuery) -> Result<Vec<AuditEntry>, Error> {
        self.require_admin(by).await?;
        let query = AuditQuery {
            limit: query.limit.clamp(1, MAX_AUDIT_PAGE),
            ..query
        };
        Ok(self.store.audit_entries(query).await?)
    }

    /// Deletes entries older than `before`; the server's daily retention sweep.
    pub async fn prune_audit(&self, before: Timestamp) -> Result<u64, Error> {
        Ok(self.store.prune_audit(before).await?)
    }

    /// Whether the store takes writes now (the health check's probe).
    pub async fn check_writable(&self) -> Result<(), Error> {
        Ok(self.store.probe_write(Timestamp::now()).await?)
    }
}
