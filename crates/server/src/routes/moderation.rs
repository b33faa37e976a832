//! Moderating a room: kick, ban and unban, mute and unmute, and the lists of bans and mutes.
//! Everyone concerned hears of it live: the room's members, and the person acted on.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use natter_core::{RoomId, SanctionKind, UserId};
use natter_proto::admin::{BanRequest, MuteRequest, ReasonRequest, Sanction, SanctionsResponse};
use natter_proto::MemberEvent;

use crate::auth::Authed;
use crate::extract::{id_from, user_id, ApiJson, IdPath, RoomPath};
use crate::routes::users::reason_text;
use crate::{wire, ApiError, AppState};

fn room_and_user(raw: &(String, String)) -> Result<(RoomId, UserId), ApiError> {
    Ok((id_from(&raw.0)?, user_id(&raw.1)?))
}

/// `POST /rooms/{id}/members/{user_id}/kick`: out of the room now; they may come back.
#[utoipa::path(
    post,
    path = "/rooms/{id}/members/{user_id}/kick",
    operation_id = "kick_member",
    tag = "moderation",
    request_body = natter_proto::admin::ReasonRequest,
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(room = %ids.0, target = %ids.1))]
pub async fn kick(
    State(state): State<AppState>,
    authed: Authed,
    Path(ids): Path<(String, String)>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<StatusCode, ApiError> {
    let (room, target) = room_and_user(&ids)?;
    let reason = req.reason.unwrap_or_default();
    state
        .service()
        .kick(&authed.actor(), room, target, reason_text(&reason)?)
        .await?;
    state
        .announce_member(room, target, MemberEvent::Kicked)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /rooms/{id}/bans`: out of the room and unable to come back until it ends.
#[utoipa::path(
    post,
    path = "/rooms/{id}/bans",
    operation_id = "ban_member",
    tag = "moderation",
    request_body = natter_proto::admin::BanRequest,
    responses((status = 201, description = "OK", body = natter_proto::admin::Sanction), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all, fields(room = %room))]
pub async fn ban(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
    ApiJson(req): ApiJson<BanRequest>,
) -> Result<(StatusCode, Json<Sanction>), ApiError> {
    let target = user_id(&req.user_id)?;
    let reason = req.reason.unwrap_or_default();
    let (ban, was_member) = state
        .service()
        .ban(
            &authed.actor(),
            room,
            target,
            req.duration_secs,
            reason_text(&reason)?,
        )
        .await?;
    if was_member {
        state
            .announce_member(room, target, MemberEvent::Banned)
            .await;
    }
    Ok((StatusCode::CREATED, Json(wire::sanction(&ban))))
}

/// `POST /rooms/{id}/mutes`: still reading, but not posting or reacting, until it ends.
#[utoipa::path(
    post,
    path = "/rooms/{id}/mutes",
    operation_id = "mute_member",
    tag = "moderation",
    request_body = natter_proto::admin::MuteRequest,
    responses((status = 201, description = "OK", body = natter_proto::admin::Sanction), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all, fields(room = %room))]
pub async fn mute(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
    ApiJson(req): ApiJson<MuteRequest>,
) -> Result<(StatusCode, Json<Sanction>), ApiError> {
    let target = user_id(&req.user_id)?;
    let reason = req.reason.unwrap_or_default();
    let mute = state
        .service()
        .mute(
            &authed.actor(),
            room,
            target,
            req.duration_secs,
            reason_text(&reason)?,
        )
        .await?;
    state.announce_muted(room, target, Some(&mute)).await;
    Ok((StatusCode::CREATED, Json(wire::sanction(&mute))))
}

/// `DELETE /rooms/{id}/bans/{user_id}`.
#[utoipa::path(
    delete,
    path = "/rooms/{id}/bans/{user_id}",
    operation_id = "unban_member",
    tag = "moderation",
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn unban(
    State(state): State<AppState>,
    authed: Authed,
    Path(ids): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (room, target) = room_and_user(&ids)?;
    state
        .service()
        .lift(&authed.actor(), room, target, SanctionKind::Ban)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /rooms/{id}/mutes/{user_id}`.
#[utoipa::path(
    delete,
    path = "/rooms/{id}/mutes/{user_id}",
    operation_id = "unmute_member",
    tag = "moderation",
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn unmute(
    State(state): State<AppState>,
    authed: Authed,
    Path(ids): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (room, target) = room_and_user(&ids)?;
    let lifted = state
        .service()
        .lift(&authed.actor(), room, target, SanctionKind::Mute)
        .await?;
    if lifted {
        state.announce_muted(room, target, None).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn list(
    state: &AppState,
    authed: &Authed,
    room: RoomId,
    kind: SanctionKind,
) -> Result<Json<SanctionsResponse>, ApiError> {
    let found = state
        .service()
        .sanctions(&authed.actor(), room, kind)
        .await?;
    Ok(Json(SanctionsResponse {
        sanctions: found.iter().map(wire::sanction).collect(),
    }))
}

/// `GET /rooms/{id}/bans`: moderators only.
#[utoipa::path(
    get,
    path = "/rooms/{id}/bans",
    operation_id = "list_bans",
    tag = "moderation",
    responses((status = 200, description = "OK", body = natter_proto::admin::SanctionsResponse), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn bans(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
) -> Result<Json<SanctionsResponse>, ApiError> {
    list(&state, &authed, room, SanctionKind::Ban).await
}

/// `GET /rooms/{id}/mutes`: moderators only.
#[utoipa::path(
    get,
    path = "/rooms/{id}/mutes",
    operation_id = "list_mutes",
    tag = "moderation",
    responses((status = 200, description = "OK", body = natter_proto::admin::SanctionsResponse), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn mutes(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
) -> Result<Json<SanctionsResponse>, ApiError> {
    list(&state, &authed, room, SanctionKind::Mute).await
}
