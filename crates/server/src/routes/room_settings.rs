//! Changing a room (topic, slow mode, name, visibility, archive, its rules), deleting it, the
//! admin's list of every room, and the invitations waiting for the caller's answer.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use natter_core::{RoomChange, RoomKind, RoomName, Topic};
use natter_proto::admin::{InvitationsResponse, RoomListResponse};
use natter_proto::{Room, UpdateRoomRequest, Visibility};
use serde::Deserialize;

use crate::auth::Authed;
use crate::extract::{ApiJson, ApiQuery, IdPath, ListParams, RoomPath};
use crate::{files, wire, ApiError, AppState};

/// `PATCH /rooms/{id}`: each field is checked and applied in turn, under its own rule (the
/// topic for members if the room allows it, everything else for those who moderate); every
/// member hears of the result once.
#[utoipa::path(
    patch,
    path = "/rooms/{id}",
    operation_id = "update_room",
    tag = "rooms",
    request_body = natter_proto::UpdateRoomRequest,
    responses((status = 200, description = "OK", body = natter_proto::Room), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all, fields(room = %id))]
pub async fn update(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
    ApiJson(req): ApiJson<UpdateRoomRequest>,
) -> Result<Json<Room>, ApiError> {
    let user = authed.session.user.id;
    let topic = req.topic.as_deref().map(Topic::parse).transpose()?;
    let change = RoomChange {
        name: req.name.as_deref().map(RoomName::parse).transpose()?,
        visibility: req.visibility.map(|v| match v {
            Visibility::Public => RoomKind::Public,
            Visibility::Private => RoomKind::Private,
        }),
        archived: req.archived,
        members_can_set_topic: req.members_can_set_topic,
        members_can_add: req.members_can_add,
    };
    let service = state.service();
    let settings_change = change.name.is_some()
        || change.visibility.is_some()
        || change.archived.is_some()
        || change.members_can_set_topic.is_some()
        || change.members_can_add.is_some();
    let (mut room, mut changed) = (None, false);
    if settings_change {
        let (now, did) = service.update_room(&authed.actor(), id, change).await?;
        (room, changed) = (Some(now), did);
    }
    if let Some(topic) = topic {
        let (now, did) = service.set_topic(user, id, topic).await?;
        (room, changed) = (Some(now), changed || did);
    }
    if let Some(secs) = req.slow_mode_secs {
        let (now, did) = service.set_slow_mode(&authed.actor(), id, secs).await?;
        (room, changed) = (Some(now), changed || did);
    }
    // Nothing to change: the answer is the room, under the rule for reading it as a member.
    let room = match room {
        Some(room) => room,
        None => service.member_room(user, id).await?,
    };
    if changed {
        state.announce_room_to_members(&room).await;
    }
    Ok(Json(wire::room(&room)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    #[serde(default)]
    confirm: String,
}

/// `DELETE /rooms/{id}?confirm=<the room's name>`: its owner or an admin; messages and files
/// go with it, and every member's clients drop it.
#[utoipa::path(
    delete,
    path = "/rooms/{id}",
    operation_id = "delete_room",
    tag = "rooms",
    params(DeleteParams),
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(room = %id))]
pub async fn delete(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
    ApiQuery(p): ApiQuery<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    let (members, removed) = state
        .service()
        .delete_room(&authed.actor(), id, &p.confirm)
        .await?;
    state.announce_room_deleted(members, id).await;
    files::delete_blobs(state.blobs(), &removed).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /admin/rooms`: every room but DMs, private ones included, never their messages.
#[utoipa::path(
    get,
    path = "/admin/rooms",
    operation_id = "list_all_rooms",
    tag = "admin",
    params(crate::extract::ListParams),
    responses((status = 200, description = "OK", body = natter_proto::admin::RoomListResponse), (status = 403, description = ""))
)]
pub async fn admin_list(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<RoomListResponse>, ApiError> {
    let found = state
        .service()
        .admin_rooms(&authed.actor(), &p.query, p.offset, p.limit.unwrap_or(50))
        .await?;
    Ok(Json(RoomListResponse {
        rooms: found.iter().map(wire::room_summary).collect(),
    }))
}

/// `GET /invitations`: the invitations to public rooms waiting for the caller's answer.
#[utoipa::path(
    get,
    path = "/invitations",
    operation_id = "list_invitations",
    tag = "rooms",
    responses((status = 200, description = "OK", body = natter_proto::admin::InvitationsResponse))
)]
pub async fn invitations(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<InvitationsResponse>, ApiError> {
    let found = state.service().invitations(authed.session.user.id).await?;
    Ok(Json(InvitationsResponse {
        invitations: found.iter().map(wire::invitation).collect(),
    }))
}

/// `DELETE /invitations/{room_id}`: declines one (joining the room accepts it).
#[utoipa::path(
    delete,
    path = "/invitations/{id}",
    operation_id = "decline_invitation",
    tag = "rooms",
    responses((status = 204, description = "Done"), (status = 404, description = ""))
)]
pub async fn decline(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
) -> Result<StatusCode, ApiError> {
    state
        .service()
        .decline_invitation(authed.session.user.id, room)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
