//! Server settings an admin changes at run time (kept in the store), and who may register.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::{DomainError, Error, RoomId, RoomKind, Service};

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Anyone who can reach the server.
    Open,
    /// Only someone holding a valid invite.
    Invite,
    /// Only admins create accounts (the admin console and `natter admin`).
    Closed,
}

impl Registration {
    pub fn as_str(self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::Invite => "invite",
            Registration::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Registration::Open),
            "invite" => Some(Registration::Invite),
            "closed" => Some(Registration::Closed),
            _ => None,
        }
    }
}

/// The settings as they are now, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Shown on the sign-in page and in the browser's title.
    pub server_name: String,
    /// Who may register once the first account exists (the first one always may: it becomes
    /// the admin). Defaults to `Invite`.
    pub registration: Registration,
    /// Whether members, not only admins, may create invites.
    pub members_can_invite: bool,
    /// Whether a deleted account's username may be taken again.
    pub reuse_usernames: bool,
    /// The public rooms every new account joins; `None` for `general`.
    pub default_rooms: Option<Vec<RoomId>>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            server_name: "natter".to_owned(),
            registration: Registration::Invite,
            members_can_invite: false,
            reuse_usernames: false,
            default_rooms: None,
        }
    }
}

/// A change to the settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub server_name: Option<String>,
    pub registration: Option<Registration>,
    pub members_can_invite: Option<bool>,
    pub reuse_usernames: Option<bool>,
    pub default_rooms: Option<Vec<RoomId>>,
}

const SERVER_NAME: &str = "server_name";
const REGISTRATION: &str = "registration";
const MEMBERS_CAN_INVITE: &str = "members_can_invite";
const REUSE_USERNAMES: &str = "reuse_usernames";
const DEFAULT_ROOMS: &str = "default_rooms";

fn server_name(raw: &str) -> Result<String, Error> {
    match crate::values::ServerName::parse(raw) {
        Ok(name) => Ok(name.into_string()),
        Err(_) => Err(DomainError::InvalidServerName.into()),
    }
}

impl Service {
    /// The settings, readable by anyone (the sign-up page shows the name and whether an
    /// invite is needed).
    pub async fn settings(&self) -> Result<ServerSettings, Error> {
        let mut settings = ServerSettings::default();
        for (key, value) in self.store.settings().await? {
            match key.as_str() {
                SERVER_NAME => settings.server_name = value,
                REGISTRATION => {
                    if let Some(r) = Registration::parse(&value) {
                        settings.registration = r;
                    }
                }
                MEMBERS_CAN_INVITE => settings.members_can_invite = value == "true",
                REUSE_USERNAMES => settings.reuse_usernames = value == "true",
                DEFAULT_ROOMS => {
                    let ids = value.split(',').filter_map(|s| s.parse().ok());
                    settings.default_rooms = Some(ids.map(RoomId).collect());
                }
                _ => {}
            }
        }
        Ok(settings)
    }

    /// The settings as an admin's console shows them; admins only.
    pub async fn admin_settings(&self, by: &Actor) -> Result<ServerSettings, Error> {
        self.require_admin(by).await?;
        self.settings().await
    }

    /// An admin (or the console) changes settings; each change is audited.
    pub async fn update_settings(
        &self,
        by: &Actor,
        change: SettingsChange,
    ) -> Result<ServerSettings, Error> {
        self.require_admin(by).await?;
        let mut writes = Vec::new();
        if let Some(raw) = &change.server_name {
            writes.push((SERVER_NAME, server_name(raw)?));
        }
        if let Some(r) = change.registration {
            writes.push((REGISTRATION, r.as_str().to_owned()));
        }
        if let Some(on) = change.members_can_invite {
            writes.push((MEMBERS_CAN_INVITE, on.to_string()));
        }
        if let Some(on) = change.reuse_usernames {
            writes.push((REUSE_USERNAMES, on.to_string()));
        }
        if let Some(rooms) = &change.default_rooms {
            writes.push((DEFAULT_ROOMS, self.public_room_list(rooms).await?));
        }
        for (key, value) in writes {
            self.store.put_setting(key, value.clone()).await?;
            let entry = NewAuditEntry::new(AuditKind::SettingsChanged, *by)
                .detail(format!("{key}={value}"));
            self.audit(entry).await;
        }
        self.settings().await
    }

    /// Checks each default room is a public, unarchived room and lists them for storing.
    async fn public_room_list(&self, rooms: &[RoomId]) -> Result<String, Error> {
        if rooms.len() > 20 {
            return Err(DomainError::InvalidDefaultRooms.into());
        }
        let mut ids = Vec::with_capacity(rooms.len());
        for id in rooms {
            let room = self.store.room(*id).await?.ok_or(Error::NotFound)?;
            if room.kind != RoomKind::Public || room.archived {
                return Err(DomainError::InvalidDefaultRooms.into());
            }
            ids.push(id.to_string());
        }
        Ok(ids.join(","))
    }

    /// Applies a registration mode the operator set in the configuration, at start; written
    /// (and audited) only when it differs from the stored one.
    pub async fn configure_registration(&self, mode: Registration) -> Result<(), Error> {
        if self.settings().await?.registration == mode {
            return Ok(());
        }
        let change = SettingsChange {
            registration: Some(mode),
            ..SettingsChange::default()
        };
        self.update_settings(&Actor::console(), change).await?;
        Ok(())
    }
}
