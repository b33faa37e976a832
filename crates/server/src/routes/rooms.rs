//! Rooms, membership and direct messages.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use natter_core::{Added, RoomKind, RoomName, Topic};
use natter_proto::{
    AddMemberRequest, CreateRoomRequest, MemberEvent, MembersResponse, OpenDmRequest, Room,
    RoomsResponse, Visibility,
};

use crate::auth::Authed;
use crate::extract::{user_id, ApiJson, IdPath, RoomPath};
use crate::{wire, ApiError, AppState, Limit};

#[utoipa::path(
    get,
    path = "/rooms",
    operation_id = "list_rooms",
    tag = "rooms",
    responses((status = 200, description = "OK", body = natter_proto::RoomsResponse))
)]
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<RoomsResponse>, ApiError> {
    let rooms = state.service().rooms_for(authed.session.user.id).await?;
    Ok(Json(RoomsResponse {
        rooms: rooms.iter().map(wire::room).collect(),
    }))
}

#[utoipa::path(
    post,
    path = "/rooms",
    operation_id = "create_room",
    tag = "rooms",
    request_body = natter_proto::CreateRoomRequest,
    responses((status = 201, description = "OK", body = natter_proto::Room), (status = 409, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, Json<Room>), ApiError> {
    state.rate(Limit::CreateRoom, authed.session.user.id)?;
    let name = RoomName::parse(&req.name)?;
    let topic = Topic::parse(req.topic.as_deref().unwrap_or(""))?;
    let kind = match req.visibility {
        Visibility::Public => RoomKind::Public,
        Visibility::Private => RoomKind::Private,
    };
    let creator = authed.session.user.id;
    let room = state
        .service()
        .create_room(creator, name, topic, kind)
        .await?;
    state.announce_room(vec![creator], &room).await;
    Ok((StatusCode::CREATED, Json(wire::room(&room))))
}

#[utoipa::path(
    get,
    path = "/rooms/{id}",
    operation_id = "get_room",
    tag = "rooms",
    responses((status = 200, description = "OK", body = natter_proto::Room), (status = 404, description = ""))
)]
pub async fn get_one(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
) -> Result<Json<Room>, ApiError> {
    let room = state
        .service()
        .visible_room(authed.session.user.id, id)
        .await?;
    Ok(Json(wire::room(&room)))
}

#[utoipa::path(
    post,
    path = "/rooms/{id}/join",
    operation_id = "join_room",
    tag = "rooms",
    responses((status = 200, description = "OK", body = natter_proto::Room), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn join(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
) -> Result<Json<Room>, ApiError> {
    let user = authed.session.user.id;
    let (room, added) = state.service().join(user, id).await?;
    if added {
        state.announce_room(vec![user], &room).await;
        state.announce_member(id, user, MemberEvent::Joined).await;
    }
    Ok(Json(wire::room(&room)))
}

#[utoipa::path(
    post,
    path = "/rooms/{id}/leave",
    operation_id = "leave_room",
    tag = "rooms",
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
pub async fn leave(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
) -> Result<StatusCode, ApiError> {
    let user = authed.session.user.id;
    if state.service().leave(user, id).await? {
        state.announce_member(id, user, MemberEvent::Left).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/rooms/{id}/members",
    operation_id = "list_members",
    tag = "rooms",
    responses((status = 200, description = "OK", body = natter_proto::MembersResponse), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn members(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
) -> Result<Json<MembersResponse>, ApiError> {
    let members = state.service().members(authed.session.user.id, id).await?;
    Ok(Json(MembersResponse {
        members: members.iter().map(wire::user).collect(),
    }))
}

/// Adds someone to a private room (200), or invites them to a public one (202): they join it
/// themselves if they want to.
#[utoipa::path(
    post,
    path = "/rooms/{id}/members",
    tag = "rooms",
    request_body = natter_proto::AddMemberRequest,
    responses((status = 200, description = "OK", body = natter_proto::Room), (status = 202, description = "OK", body = natter_proto::Room), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""), (status = 429, description = ""))
)]
pub async fn add_member(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> Result<(StatusCode, Json<Room>), ApiError> {
    let target = user_id(&req.user_id)?;
    let actor = authed.session.user.id;
    state.rate(Limit::AddMember, actor)?;
    let (room, added) = state.service().add_member(actor, id, target).await?;
    let status = match added {
        Added::Joined(_) => {
            state.announce_room(vec![target], &room).await;
            state.announce_member(id, target, MemberEvent::Joined).await;
            StatusCode::OK
        }
        Added::Invited(_) => {
            state.announce_invitation(target, &room, actor).await;
            StatusCode::ACCEPTED
        }
        Added::Already(_) => StatusCode::OK,
    };
    Ok((status, Json(wire::room(&room))))
}

#[utoipa::path(
    post,
    path = "/dms",
    tag = "rooms",
    request_body = natter_proto::OpenDmRequest,
    responses((status = 200, description = "OK", body = natter_proto::Room), (status = 201, description = "OK", body = natter_proto::Room), (status = 403, description = ""), (status = 404, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn open_dm(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<OpenDmRequest>,
) -> Result<(StatusCode, Json<Room>), ApiError> {
    state.rate(Limit::CreateRoom, authed.session.user.id)?;
    if req.user_ids.len() > 2 * natter_core::MAX_DM_OTHERS {
        return Err(natter_core::DomainError::InvalidDmMembers.into());
    }
    let others = req
        .user_ids
        .iter()
        .map(|raw| {
            raw.parse()
                .map_err(|_| natter_core::DomainError::InvalidDmMembers)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let dm = state
        .service()
        .open_dm(authed.session.user.id, &others)
        .await?;
    let status = if dm.created {
        state.announce_room(dm.members.clone(), &dm.room).await;
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(wire::room(&dm.room))))
}
