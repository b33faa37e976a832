//! Administration and moderation calls: roles, server settings, invites and the audit log.

use natter_proto::admin::{
    AuditResponse, BanRequest, CreateInviteRequest, CreateUserRequest, Invite, InvitesResponse,
    MuteRequest, PasswordResetLink, ReasonRequest, ResetPasswordRequest, Sanction,
    SanctionsResponse, ServerInfo, Settings, UpdateSettingsRequest, UserListResponse, UserSummary,
};
use natter_proto::admin::{InvitationsResponse, RoomInvitation, RoomListResponse, RoomSummary};
use natter_proto::admin::{Report, ReportRequest, ReportsResponse, ResolveReportRequest};
use natter_proto::{Room, RoomRole, ServerRole, SetRoomRoleRequest, SetServerRoleRequest, User};
use reqwest::Method;

use crate::{Client, ClientError};

/// Filters of an audit log read; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub actor: Option<&'a str>,
    pub user: Option<&'a str>,
    pub room: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub before: Option<&'a str>,
    pub limit: Option<u32>,
}

impl Client {
    /// Gives a member of `room` a role (`PUT /rooms/{id}/members/{user}/role`). The owner or
    /// an admin only; `Owner` hands the room over. Returns the room as it now is.
    pub async fn set_room_role(
        &self,
        room: &str,
        user: &str,
        role: RoomRole,
    ) -> Result<Room, ClientError> {
        let req = self
            .request(Method::PUT, &format!("/rooms/{room}/members/{user}/role"))
            .json(&SetRoomRoleRequest { role });
        Ok(self.call(req).await?.1)
    }

    /// Makes a user an admin or a plain member (`PUT /admin/users/{id}/role`); admins only.
    pub async fn set_server_role(&self, user: &str, role: ServerRole) -> Result<User, ClientError> {
        let req = self
            .request(Method::PUT, &format!("/admin/users/{user}/role"))
            .json(&SetServerRoleRequest { role });
        Ok(self.call(req).await?.1)
    }

    /// Removes a member from a room (moderators).
    pub async fn kick(&self, room: &str, user: &str, reason: &str) -> Result<(), ClientError> {
        let body = ReasonRequest {
            reason: Some(reason.to_owned()),
        };
        let req = self
            .request(Method::POST, &format!("/rooms/{room}/members/{user}/kick"))
            .json(&body);
        self.call::<()>(req).await?;
        Ok(())
    }

    /// Bans someone from a room for `duration_secs`, or for good with `None`.
    pub async fn ban(
        &self,
        room: &str,
        user: &str,
        duration_secs: Option<i64>,
        reason: &str,
    ) -> Result<Sanction, ClientError> {
        let body = BanRequest {
            user_id: user.to_owned(),
            duration_secs,
            reason: Some(reason.to_owned()),
        };
        self.post(&format!("/rooms/{room}/bans"), &body).await
    }

    pub async fn unban(&self, room: &str, user: &str) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/rooms/{room}/bans/{user}"));
        self.call::<()>(req).await?;
        Ok(())
    }

    /// Mutes a member of a room for `duration_secs`.
    pub async fn mute(
        &self,
        room: &str,
        user: &str,
        duration_secs: i64,
        reason: &str,
    ) -> Result<Sanction, ClientError> {
        let body = MuteRequest {
            user_id: user.to_owned(),
            duration_secs,
            reason: Some(reason.to_owned()),
        };
        self.post(&format!("/rooms/{room}/mutes"), &body).await
    }

    pub async fn unmute(&self, room: &str, user: &str) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/rooms/{room}/mutes/{user}"));
        self.call::<()>(req).await?;
        Ok(())
    }

    /// The bans (`"bans"`) or mutes (`"mutes"`) in force in a room (moderators).
    pub async fn sanctions(&self, room: &str, which: &str) -> Result<Vec<Sanction>, ClientError> {
        let found: SanctionsResponse = self.get(&format!("/rooms/{room}/{which}")).await?;
        Ok(found.sanctions)
    }

    /// Changes a room's settings (`PATCH /rooms/{id}`); returns the room as it now is.
    pub async fn update_room(
        &self,
        room: &str,
        change: &natter_proto::UpdateRoomRequest,
    ) -> Result<Room, ClientError> {
        let req = self
            .request(Method::PATCH, &format!("/rooms/{room}"))
            .json(change);
        Ok(self.call(req).await?.1)
    }

    /// Deletes a room with its messages; `confirm` must be its exact name.
    pub async fn delete_room(&self, room: &str, confirm: &str) -> Result<(), ClientError> {
        let req = self
            .request(Method::DELETE, &format!("/rooms/{room}"))
            .query(&[("confirm", confirm)]);
        self.call::<()>(req).await?;
        Ok(())
    }

    /// Every room but DMs (admins), searched by name.
    pub async fn admin_rooms(&self, query: &str) -> Result<Vec<RoomSummary>, ClientError> {
        let req = self
            .request(Method::GET, "/admin/rooms")
            .query(&[("query", query)]);
        let (_, found): (_, RoomListResponse) = self.call(req).await?;
        Ok(found.rooms)
    }

    /// Invitations to public rooms waiting for an answer; joining the room accepts one.
    pub async fn invitations(&self) -> Result<Vec<RoomInvitation>, ClientError> {
        let found: InvitationsResponse = self.get("/invitations").await?;
        Ok(found.invitations)
    }

    pub async fn decline_invitation(&self, room: &str) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/invitations/{room}"));
        self.call::<()>(req).await?;
        Ok(())
    }

    /// Reports someone's message to the room's moderators.
    pub async fn report_message(&self, message: &str, reason: &str) -> Result<Report, ClientError> {
        let body = ReportRequest {
            reason: reason.to_owned(),
        };
        self.post(&format!("/messages/{message}/report"), &body)
            .await
    }

    /// The reports the caller may handle, open ones (or all with `include_resolved`).
    pub async fn reports(
        &self,
        room: Option<&str>,
        include_resolved: bool,
    ) -> Result<Vec<Report>, ClientError> {
        let status = if include_resolved { "all" } else { "open" };
        let mut query = vec![("status", status)];
        if let Some(room) = room {
            query.push(("room", room));
        }
        let req = self.request(Method::GET, "/reports").query(&query);
        let (_, found): (_, ReportsResponse) = self.call(req).await?;
        Ok(found.reports)
    }

    pub async fn resolve_report(
        &self,
        id: &str,
        resolve: &ResolveReportRequest,
    ) -> Result<Report, ClientError> {
        self.post(&format!("/reports/{id}/resolve"), resolve).await
    }

    /// Sets slow mode in a room: one message per `secs` per member (0 turns it off).
    pub async fn set_slow_mode(&self, room: &str, secs: u32) -> Result<Room, ClientError> {
        let body = natter_proto::UpdateRoomRequest {
            slow_mode_secs: Some(secs),
            ..Default::default()
        };
        let req = self
            .request(Method::PATCH, &format!("/rooms/{room}"))
            .json(&body);
        Ok(self.call(req).await?.1)
    }

    /// The server's name and registration mode; no sign-in needed.
    pub async fn server_info(&self) -> Result<ServerInfo, ClientError> {
        self.get("/server").await
    }

    pub async fn settings(&self) -> Result<Settings, ClientError> {
        self.get("/admin/settings").await
    }

    pub async fn update_settings(
        &self,
        change: &UpdateSettingsRequest,
    ) -> Result<Settings, ClientError> {
        let req = self.request(Method::PATCH, "/admin/settings").json(change);
        Ok(self.call(req).await?.1)
    }

    /// Creates an invite; the answer's `token` is the secret to share.
    pub async fn create_invite(
        &self,
        expires_in_secs: Option<i64>,
        max_uses: Option<u32>,
    ) -> Result<Invite, ClientError> {
        let body = CreateInviteRequest {
            expires_in_secs,
            max_uses,
        };
        self.post("/invites", &body).await
    }

    pub async fn invites(&self) -> Result<Vec<Invite>, ClientError> {
        Ok(self.get::<InvitesResponse>("/invites").await?.invites)
    }

    pub async fn revoke_invite(&self, id: &str) -> Result<Invite, ClientError> {
        let req = self.request(Method::DELETE, &format!("/invites/{id}"));
        Ok(self.call(req).await?.1)
    }

    /// The admin's user list, searched by username or display name.
    pub async fn list_users(&self, query: &str) -> Result<Vec<UserSummary>, ClientError> {
        let req = self
            .request(Method::GET, "/admin/users")
            .query(&[("query", query)]);
        let (_, found): (_, UserListResponse) = self.call(req).await?;
        Ok(found.users)
    }

    /// An admin creates an account (whatever the registration setting).
    pub async fn create_user(&self, req: &CreateUserRequest) -> Result<User, ClientError> {
        self.post("/admin/users", req).await
    }

    /// Deactivates an account: its sessions end and its connections close at once.
    pub async fn deactivate_user(&self, user: &str, reason: &str) -> Result<User, ClientError> {
        let body = ReasonRequest {
            reason: Some(reason.to_owned()),
        };
        self.post(&format!("/admin/users/{user}/deactivate"), &body)
            .await
    }

    pub async fn reactivate_user(&self, user: &str) -> Result<User, ClientError> {
        self.post(&format!("/admin/users/{user}/reactivate"), &())
            .await
    }

    /// Signs an account out everywhere (admins, or the user themselves).
    pub async fn end_user_sessions(&self, user: &str) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/admin/users/{user}/sessions"));
        self.call::<()>(req).await?;
        Ok(())
    }

    /// A one-time password reset token for `user`, to hand to them.
    pub async fn password_reset_link(&self, user: &str) -> Result<PasswordResetLink, ClientError> {
        self.post(&format!("/admin/users/{user}/password-reset"), &())
            .await
    }

    /// Sets a new password with a reset link or its token; no sign-in needed.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<(), ClientError> {
        let body = ResetPasswordRequest {
            token: token.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.post("/auth/reset", &body).await
    }

    /// Deletes an account: its messages stay, from "Deleted user".
    pub async fn delete_user(&self, user: &str, reason: &str) -> Result<(), ClientError> {
        let req = self
            .request(Method::DELETE, &format!("/admin/users/{user}"))
            .query(&[("reason", reason)]);
        self.call::<()>(req).await?;
        Ok(())
    }

    /// A page of the audit log, newest first (admins only).
    pub async fn audit(&self, filter: &AuditFilter<'_>) -> Result<AuditResponse, ClientError> {
        let limit = filter.limit.map(|l| l.to_string());
        let pairs = [
            ("actor", filter.actor),
            ("user", filter.user),
            ("room", filter.room),
            ("kind", filter.kind),
            ("from", filter.from),
            ("to", filter.to),
            ("before", filter.before),
            ("limit", limit.as_deref()),
        ];
        let query: Vec<(&str, &str)> = pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let req = self.request(Method::GET, "/admin/audit").query(&query);
        Ok(self.call(req).await?.1)
    }
}
