//! One message and what is done to it (edit, delete, reactions, pins, its thread), read state,
//! search and blocking. Every change is announced live to the room as `message_updated`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use natter_core::{ChangeOutcome, MessageId, SearchFilter, Toggle, UserId, MAX_SEARCH_OFFSET};
use natter_proto::{
    BlocksResponse, EditMessageRequest, MarkReadRequest, Message, PinsResponse, ReadState,
    SearchResponse, ThreadResponse,
};
use serde::Deserialize;

use crate::auth::Authed;
use crate::extract::{id_from, ApiJson, ApiQuery, IdPath, RoomPath};
use crate::{wire, ApiError, AppState, Limit};

/// Announces a change that changed something, and answers with the message as it is now.
async fn answer(state: &AppState, outcome: ChangeOutcome) -> Json<Message> {
    if outcome.changed {
        state.announce_change(&outcome.message).await;
    }
    Json(wire::message(&outcome.message))
}

#[utoipa::path(
    get,
    path = "/messages/{id}",
    operation_id = "get_message",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 404, description = ""))
)]
pub async fn get_one(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
) -> Result<Json<Message>, ApiError> {
    let (message, _) = state
        .service()
        .readable_message(authed.session.user.id, id)
        .await?;
    Ok(Json(wire::message(&message)))
}

#[utoipa::path(
    patch,
    path = "/messages/{id}",
    operation_id = "edit_message",
    tag = "messages",
    request_body = natter_proto::EditMessageRequest,
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn edit(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
    ApiJson(req): ApiJson<EditMessageRequest>,
) -> Result<Json<Message>, ApiError> {
    state.rate(Limit::Edit, authed.session.user.id)?;
    let outcome = state
        .service()
        .edit(authed.session.user.id, id, &req.body)
        .await?;
    Ok(answer(&state, outcome).await)
}

#[utoipa::path(
    delete,
    path = "/messages/{id}",
    operation_id = "delete_message",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 429, description = ""))
)]
pub async fn delete(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
) -> Result<Json<Message>, ApiError> {
    state.rate(Limit::Edit, authed.session.user.id)?;
    let outcome = state.service().delete(&authed.actor(), id).await?;
    crate::files::delete_blobs(state.blobs(), &outcome.removed_files).await;
    Ok(answer(&state, outcome).await)
}

async fn react(
    state: AppState,
    authed: Authed,
    (id, emoji): (String, String),
    on: Toggle,
) -> Result<Json<Message>, ApiError> {
    let id: MessageId = id_from(&id)?;
    state.rate(Limit::React, authed.session.user.id)?;
    let outcome = state
        .service()
        .react(authed.session.user.id, id, &emoji, on)
        .await?;
    Ok(answer(&state, outcome).await)
}

#[utoipa::path(
    put,
    path = "/messages/{id}/reactions/{emoji}",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn add_reaction(
    State(state): State<AppState>,
    authed: Authed,
    Path(path): Path<(String, String)>,
) -> Result<Json<Message>, ApiError> {
    react(state, authed, path, Toggle::On).await
}

#[utoipa::path(
    delete,
    path = "/messages/{id}/reactions/{emoji}",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn remove_reaction(
    State(state): State<AppState>,
    authed: Authed,
    Path(path): Path<(String, String)>,
) -> Result<Json<Message>, ApiError> {
    react(state, authed, path, Toggle::Off).await
}

async fn pin(
    state: AppState,
    authed: Authed,
    id: MessageId,
    on: Toggle,
) -> Result<Json<Message>, ApiError> {
    state.rate(Limit::Edit, authed.session.user.id)?;
    let outcome = state.service().pin(authed.session.user.id, id, on).await?;
    Ok(answer(&state, outcome).await)
}

#[utoipa::path(
    put,
    path = "/messages/{id}/pin",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 429, description = ""))
)]
pub async fn add_pin(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
) -> Result<Json<Message>, ApiError> {
    pin(state, authed, id, Toggle::On).await
}

#[utoipa::path(
    delete,
    path = "/messages/{id}/pin",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 429, description = ""))
)]
pub async fn remove_pin(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
) -> Result<Json<Message>, ApiError> {
    pin(state, authed, id, Toggle::Off).await
}

#[utoipa::path(
    get,
    path = "/rooms/{id}/pins",
    operation_id = "list_pins",
    tag = "messages",
    responses((status = 200, description = "OK", body = natter_proto::PinsResponse), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn pins(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
) -> Result<Json<PinsResponse>, ApiError> {
    let messages = state.service().pins(authed.session.user.id, room).await?;
    Ok(Json(PinsResponse {
        messages: messages.iter().map(wire::message).collect(),
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadQuery {
    after: Option<i64>,
    limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/messages/{id}/thread",
    operation_id = "get_thread",
    tag = "messages",
    params(ThreadQuery),
    responses((status = 200, description = "OK", body = natter_proto::ThreadResponse), (status = 404, description = ""))
)]
pub async fn thread(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<MessageId>,
    ApiQuery(q): ApiQuery<ThreadQuery>,
) -> Result<Json<ThreadResponse>, ApiError> {
    let thread = state
        .service()
        .thread(
            authed.session.user.id,
            id,
            q.after.unwrap_or(0),
            q.limit.unwrap_or(100),
        )
        .await?;
    Ok(Json(ThreadResponse {
        root: wire::message(&thread.root),
        replies: thread.replies.iter().map(wire::message).collect(),
        has_more: thread.has_more,
    }))
}

#[utoipa::path(
    post,
    path = "/rooms/{id}/read",
    tag = "messages",
    request_body = natter_proto::MarkReadRequest,
    responses((status = 200, description = "OK", body = natter_proto::ReadState), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn mark_read(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(room): RoomPath,
    ApiJson(req): ApiJson<MarkReadRequest>,
) -> Result<Json<ReadState>, ApiError> {
    let user = authed.session.user.id;
    let read = state.service().mark_read(user, room, req.seq).await?;
    state.announce_read(user, &read).await;
    Ok(Json(wire::read_state(&read)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    q: String,
    room_id: Option<String>,
    sender_id: Option<String>,
    /// RFC 3339 time or `YYYY-MM-DD` (from the start of that day, UTC).
    from: Option<String>,
    /// RFC 3339 time or `YYYY-MM-DD` (to the end of that day, UTC).
    to: Option<String>,
    offset: Option<u32>,
    limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/search",
    operation_id = "search",
    tag = "messages",
    params(SearchParams),
    responses((status = 200, description = "OK", body = natter_proto::SearchResponse), (status = 404, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn search(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResponse>, ApiError> {
    state.rate(Limit::Search, authed.session.user.id)?;
    let bad_time = || ApiError::BadRequest("invalid_query", "from and to must be dates".into());
    let limit = p.limit.unwrap_or(20).clamp(1, 50);
    let offset = p.offset.unwrap_or(0);
    let filter = SearchFilter {
        room: p.room_id.as_deref().map(id_from).transpose()?,
        sender: p.sender_id.as_deref().map(id_from).transpose()?,
        from: p
            .from
            .as_deref()
            .map(|t| wire::parse_time(t, wire::DayEdge::Start).ok_or_else(bad_time))
            .transpose()?,
        to: p
            .to
            .as_deref()
            .map(|t| wire::parse_time(t, wire::DayEdge::End).ok_or_else(bad_time))
            .transpose()?,
        offset,
        limit,
    };
    let hits = state
        .service()
        .search(authed.session.user.id, &p.q, filter)
        .await?;
    // The service reads no further than `MAX_SEARCH_OFFSET`; say there is no next page beyond it.
    let next_offset = (hits.len() == limit as usize && offset + limit <= MAX_SEARCH_OFFSET)
        .then(|| offset + limit);
    Ok(Json(SearchResponse {
        hits: hits.iter().map(wire::search_hit).collect(),
        next_offset,
    }))
}

#[utoipa::path(
    get,
    path = "/blocks",
    operation_id = "list_blocks",
    tag = "users",
    responses((status = 200, description = "OK", body = natter_proto::BlocksResponse))
)]
pub async fn blocks(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<BlocksResponse>, ApiError> {
    let blocked = state.service().blocked(authed.session.user.id).await?;
    Ok(Json(BlocksResponse {
        user_ids: blocked.iter().map(|u| u.to_string()).collect(),
    }))
}

async fn set_block(
    state: AppState,
    authed: Authed,
    target: UserId,
    on: Toggle,
) -> Result<StatusCode, ApiError> {
    let user = authed.session.user.id;
    if state.service().block(user, target, on).await? {
        state.announce_block(user, target, on == Toggle::On).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put,
    path = "/users/{id}/block",
    operation_id = "block_user",
    tag = "users",
    responses((status = 204, description = "Done"), (status = 404, description = ""), (status = 422, description = ""))
)]
pub async fn block(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(target): IdPath<UserId>,
) -> Result<StatusCode, ApiError> {
    set_block(state, authed, target, Toggle::On).await
}

#[utoipa::path(
    delete,
    path = "/users/{id}/block",
    operation_id = "unblock_user",
    tag = "users",
    responses((status = 204, description = "Done"), (status = 404, description = ""))
)]
pub async fn unblock(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(target): IdPath<UserId>,
) -> Result<StatusCode, ApiError> {
    set_block(state, authed, target, Toggle::Off).await
}
