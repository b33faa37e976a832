//! Roles: a room's owner appoints moderators and hands the room over; admins appoint admins.

use axum::extract::{Path, State};
use axum::Json;
use natter_core::{RoomRole, Toggle};
use natter_proto::{self as proto, Room, ServerRole, SetRoomRoleRequest, SetServerRoleRequest};

use crate::auth::Authed;
use crate::extract::{id_from, user_id, ApiJson};
use crate::{wire, ApiError, AppState};

/// `PUT /rooms/{id}/members/{user_id}/role`: every member hears the room's new staff.
#[utoipa::path(
    put,
    path = "/rooms/{id}/members/{user_id}/role",
    tag = "moderation",
    request_body = natter_proto::SetRoomRoleRequest,
    responses((status = 200, description = "OK", body = natter_proto::Room), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(room = %room, target = %target))]
pub async fn set_room_role(
    State(state): State<AppState>,
    authed: Authed,
    Path((room, target)): Path<(String, String)>,
    ApiJson(req): ApiJson<SetRoomRoleRequest>,
) -> Result<Json<Room>, ApiError> {
    let (room, target) = (id_from(&room)?, user_id(&target)?);
    let role = match req.role {
        proto::RoomRole::Owner => RoomRole::Owner,
        proto::RoomRole::Moderator => RoomRole::Moderator,
        proto::RoomRole::Member => RoomRole::Member,
    };
    let changed = state
        .service()
        .set_room_role(&authed.actor(), room, target, role)
        .await?;
    state.announce_room_to_members(&changed).await;
    Ok(Json(wire::room(&changed)))
}

/// `PUT /admin/users/{id}/role`: admins only; the last admin stays one.
#[utoipa::path(
    put,
    path = "/admin/users/{id}/role",
    tag = "admin",
    request_body = natter_proto::SetServerRoleRequest,
    responses((status = 200, description = "OK", body = natter_proto::User), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(target = %target))]
pub async fn set_server_role(
    State(state): State<AppState>,
    authed: Authed,
    Path(target): Path<String>,
    ApiJson(req): ApiJson<SetServerRoleRequest>,
) -> Result<Json<proto::User>, ApiError> {
    let target = user_id(&target)?;
    let admin = match req.role {
        ServerRole::Admin => Toggle::On,
        ServerRole::Member => Toggle::Off,
    };
    let user = state
        .service()
        .set_server_role(&authed.actor(), target, admin)
        .await?;
    state.announce_user(&user).await;
    Ok(Json(wire::user(&user)))
}
