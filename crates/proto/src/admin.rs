//! REST bodies of administration: server settings, invites, the audit log.

use serde::{Deserialize, Serialize};

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    Open,
    Invite,
    Closed,
}

/// `GET /server`: what anyone, signed in or not, may know about the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServerInfo {
    pub name: String,
    pub registration: Registration,
}

/// `GET` and `PATCH /admin/settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Settings {
    pub server_name: String,
    pub registration: Registration,
    pub members_can_invite: bool,
    /// Whether a deleted account's username may be taken again.
    pub reuse_usernames: bool,
    /// The public rooms every new account joins; absent means `general`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_room_ids: Option<Vec<String>>,
}

/// `PATCH /admin/settings`: only the fields given change.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateSettingsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration: Option<Registration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members_can_invite: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_usernames: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_room_ids: Option<Vec<String>>,
}

/// `POST /invites`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInviteRequest {
    /// Seconds until it expires: 300 to 7776000 (90 days); default 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_secs: Option<i64>,
    /// How many accounts it can create: 1 to 1000; default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteUse {
    pub user_id: String,
    pub used_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invite {
    pub id: String,
    /// Absent for invites made with `natter admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub max_uses: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Who signed up with it, earliest first.
    #[serde(default)]
    pub uses: Vec<InviteUse>,
    /// Whether it would let one more person in now.
    pub usable: bool,
    /// The secret to share, in the answer to `POST /invites` only; never shown again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitesResponse {
    pub invites: Vec<Invite>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: String,
    pub at: String,
    pub kind: String,
    /// Who acted; absent for the console (`natter admin`) and for failed logins by unknown names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_room_id: Option<String>,
    /// The client's address, when it came over the network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditResponse {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

/// One account in the admin's user list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub user: crate::User,
    pub created_at: String,
    /// Live sessions (signed-in devices).
    pub sessions: u32,
}

/// `GET /admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserListResponse {
    pub users: Vec<UserSummary>,
}

/// `POST /admin/users`: an admin creates an account, whatever the registration setting.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    pub username: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Make the new account an admin.
    #[serde(default)]
    pub admin: bool,
}

/// A reason for a moderation or administration action, kept in the audit log.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /admin/users/{id}/password-reset`: the one-time token to hand to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetLink {
    pub token: String,
    pub expires_at: String,
}

/// `POST /auth/reset`: sets a new password with a reset link's token (or the whole link).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPasswordRequest {
    pub token: String,
    pub new_password: String,
}

/// `POST /rooms/{id}/bans`: for `duration_secs` (1 to a year), or for good when absent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BanRequest {
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `POST /rooms/{id}/mutes`: for `duration_secs` (1 to a year).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MuteRequest {
    pub user_id: String,
    pub duration_secs: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A ban or a mute in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sanction {
    pub room_id: String,
    pub user_id: String,
    /// `"ban"` or `"mute"`.
    pub kind: String,
    /// When it ends; absent for good (bans only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    #[serde(default)]
    pub reason: String,
    /// Who imposed it; absent for the console.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SanctionsResponse {
    pub sanctions: Vec<Sanction>,
}

/// One room in the admin's list: never its messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomSummary {
    pub room: crate::Room,
    pub members: u32,
}

/// `GET /admin/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomListResponse {
    pub rooms: Vec<RoomSummary>,
}

/// An invitation to a public room, waiting for its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomInvitation {
    pub room: crate::Room,
    pub by: String,
    pub at: String,
}

/// `GET /invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationsResponse {
    pub invitations: Vec<RoomInvitation>,
}

/// `POST /messages/{id}/report`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRequest {
    #[serde(default)]
    pub reason: String,
}

/// A reported message, for the moderators' queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: String,
    pub message_id: String,
    pub room_id: String,
    /// Who sent the reported message.
    pub sender_id: String,
    pub reporter_id: String,
    pub reason: String,
    /// The start of the message's body when it was reported.
    pub excerpt: String,
    pub at: String,
    /// How it was resolved; absent while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ReportResolution>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportResolution {
    /// `dismiss`, `delete`, `mute`, `kick` or `ban`.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub at: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportsResponse {
    pub reports: Vec<Report>,
}

/// What a moderator does about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReportActionKind {
    Dismiss,
    Delete,
    Mute,
    Kick,
    Ban,
}

/// `POST /reports/{id}/resolve`: `duration_secs` for a mute (required) or a ban (absent: for
/// good); `note` goes to the audit log.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolveReportRequest {
    pub action: ReportActionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_secs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A room's whole history as `GET /rooms/{id}/export` writes it, and as
/// `POST /rooms/import` reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomExport {
    /// Always `natter-room-export`.
    pub format: String,
    /// `1`.
    pub version: u32,
    pub exported_at: String,
    pub room: crate::Room,
    /// Every message, in `seq` order, deleted ones as tombstones.
    pub messages: Vec<ExportedMessage>,
}

/// A message in an export: the message as clients see it, with its sender named, since the
/// ids mean nothing on another server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedMessage {
    pub sender_username: String,
    pub sender_name: String,
    #[serde(flatten)]
    pub message: crate::Message,
}

/// What `POST /rooms/import` made.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub room: crate::Room,
    /// Messages posted (deleted ones are not).
    pub imported: u32,
}
