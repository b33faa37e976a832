//! Administration: server settings, invites and the audit log.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use natter_core::{AuditKind, AuditQuery, SettingsChange};
use natter_proto::admin::{
    AuditResponse, CreateInviteRequest, Invite, InvitesResponse, ServerInfo, Settings,
    UpdateSettingsRequest,
};
use serde::Deserialize;

use crate::auth::{self, Authed};
use crate::extract::{id_from, ApiJson, ApiQuery, IdPath};
use crate::wire::{self, DayEdge};
use crate::{ApiError, AppState};

/// How long an invite lasts when the request does not say: a week.
const DEFAULT_INVITE_SECS: i64 = 7 * 24 * 3600;

/// `GET /server`: open to everyone, so the sign-up page can say whether it needs an invite.
#[utoipa::path(
    get,
    path = "/server",
    operation_id = "server_info",
    tag = "admin",
    responses((status = 200, description = "OK", body = natter_proto::admin::ServerInfo)),
    security(())
)]
pub async fn info(State(state): State<AppState>) -> Result<Json<ServerInfo>, ApiError> {
    let settings = state.service().settings().await?;
    Ok(Json(ServerInfo {
        name: settings.server_name,
        registration: wire::registration(settings.registration),
    }))
}

/// `GET /admin/settings`.
#[utoipa::path(
    get,
    path = "/admin/settings",
    operation_id = "get_settings",
    tag = "admin",
    responses((status = 200, description = "OK", body = natter_proto::admin::Settings), (status = 403, description = ""))
)]
pub async fn settings(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<Settings>, ApiError> {
    let found = state.service().admin_settings(&authed.actor()).await?;
    Ok(Json(wire::settings(&found)))
}

/// `PATCH /admin/settings`.
#[utoipa::path(
    patch,
    path = "/admin/settings",
    tag = "admin",
    request_body = natter_proto::admin::UpdateSettingsRequest,
    responses((status = 200, description = "OK", body = natter_proto::admin::Settings), (status = 403, description = ""), (status = 404, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all)]
pub async fn update_settings(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<UpdateSettingsRequest>,
) -> Result<Json<Settings>, ApiError> {
    let change = SettingsChange {
        server_name: req.server_name,
        registration: req.registration.map(wire::registration_from),
        members_can_invite: req.members_can_invite,
        reuse_usernames: req.reuse_usernames,
        default_rooms: req
            .default_room_ids
            .map(|ids| {
                ids.iter()
                    .map(|id| id_from(id))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?,
    };
    let found = state
        .service()
        .update_settings(&authed.actor(), change)
        .await?;
    Ok(Json(wire::settings(&found)))
}

/// `POST /invites`: the answer carries the token, the only time it is ever shown.
#[utoipa::path(
    post,
    path = "/invites",
    tag = "admin",
    request_body = natter_proto::admin::CreateInviteRequest,
    responses((status = 201, description = "OK", body = natter_proto::admin::Invite), (status = 403, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all)]
pub async fn create_invite(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateInviteRequest>,
) -> Result<(StatusCode, Json<Invite>), ApiError> {
    let token = auth::new_token()?;
    let invite = state
        .service()
        .create_invite(
            &authed.actor(),
            auth::token_hash(&token),
            req.expires_in_secs.unwrap_or(DEFAULT_INVITE_SECS),
            req.max_uses.unwrap_or(1),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(wire::invite(&invite, Some(token))),
    ))
}

/// `GET /invites`: every invite for admins, a member's own for members.
#[utoipa::path(
    get,
    path = "/invites",
    operation_id = "list_invites",
    tag = "admin",
    responses((status = 200, description = "OK", body = natter_proto::admin::InvitesResponse), (status = 403, description = ""))
)]
pub async fn invites(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<InvitesResponse>, ApiError> {
    let found = state.service().invites(&authed.actor()).await?;
    Ok(Json(InvitesResponse {
        invites: found.iter().map(|i| wire::invite(i, None)).collect(),
    }))
}

/// `DELETE /invites/{id}`: revokes it; it stays listed, marked revoked.
#[utoipa::path(
    delete,
    path = "/invites/{id}",
    tag = "admin",
    responses((status = 200, description = "OK", body = natter_proto::admin::Invite), (status = 403, description = ""), (status = 404, description = ""))
)]
#[tracing::instrument(skip_all, fields(invite = id))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<i64>,
) -> Result<Json<Invite>, ApiError> {
    let revoked = state.service().revoke_invite(&authed.actor(), id).await?;
    Ok(Json(wire::invite(&revoked, None)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    actor: Option<String>,
    user: Option<String>,
    room: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
    limit: Option<u32>,
}

fn bad_filter(what: &str) -> ApiError {
    ApiError::BadRequest("invalid_query", format!("{what} is not valid"))
}

/// `GET /admin/audit`: newest first, filtered, paged by `before`.
#[utoipa::path(
    get,
    path = "/admin/audit",
    operation_id = "audit_log",
    tag = "admin",
    params(AuditParams),
    responses((status = 200, description = "OK", body = natter_proto::admin::AuditResponse), (status = 403, description = ""))
)]
pub async fn audit(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<AuditResponse>, ApiError> {
    let time = |raw: &Option<String>, what: &str, edge| {
        raw.as_deref()
            .map(|r| wire::parse_time(r, edge).ok_or_else(|| bad_filter(what)))
            .transpose()
    };
    let kind = p
        .kind
        .as_deref()
        .map(|k| AuditKind::parse(k).ok_or_else(|| bad_filter("kind")))
        .transpose()?;
    let limit = p.limit.unwrap_or(50);
    fn id<T: std::str::FromStr>(raw: &Option<String>, what: &str) -> Result<Option<T>, ApiError> {
        raw.as_deref()
            .map(|r| id_from(r).map_err(|_| bad_filter(what)))
            .transpose()
    }
    let query = AuditQuery {
        actor: id(&p.actor, "actor")?,
        target_user: id(&p.user, "user")?,
        target_room: id(&p.room, "room")?,
        kind,
        from: time(&p.from, "from", DayEdge::Start)?,
        to: time(&p.to, "to", DayEdge::End)?,
        before: id(&p.before, "before")?,
        limit,
    };
    let entries = state.service().audit_log(&authed.actor(), query).await?;
    let full = entries.len() as u32 >= limit.clamp(1, natter_core::MAX_AUDIT_PAGE);
    Ok(Json(AuditResponse {
        next_before: entries.last().filter(|_| full).map(|e| e.id.to_string()),
        entries: entries.iter().map(wire::audit_entry).collect(),
    }))
}
