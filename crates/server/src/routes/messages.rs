//! History and sending over REST. Sends take the same pipeline as WebSocket sends.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use natter_core::{Page, Send};
use natter_proto::{Message, MessagesPage, SendMessageRequest};
use serde::Deserialize;

use crate::auth::Authed;
use crate::extract::{id_from, ids_from, ApiJson, ApiQuery, IdPath, RoomPath};
use crate::{wire, ApiError, AppState, Limit};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    after: Option<i64>,
    before: Option<i64>,
    /// How many messages, 1 to 100 (50 if not given).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[utoipa::path(
    get,
    path = "/rooms/{id}/messages",
    operation_id = "history",
    tag = "messages",
    params(HistoryQuery),
    responses((status = 200, description = "OK", body = natter_proto::MessagesPage), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn history(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Response, ApiError> {
    let page = match (q.after, q.before) {
        (Some(after), Some(before)) => Page::Between(after, before),
        (Some(after), None) => Page::After(after),
        (None, Some(before)) => Page::Before(before),
        (None, None) => Page::Latest,
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        let msg = "limit must be between 1 and 100".to_owned();
        return Err(ApiError::BadRequest("invalid_query", msg));
    }
    let user = authed.session.user.id;
    // The newest page is what most reads ask for; it is kept until the room changes.
    let version = match page {
        Page::Latest => Some(state.service().newest_page_version(user, id).await?),
        _ => None,
    };
    if let Some(body) = version.and_then(|v| state.pages().get(id, limit, v)) {
        return Ok(json_body(body));
    }
    let (messages, has_more) = state.service().history(user, id, page, limit).await?;
    let page = MessagesPage {
        messages: messages.iter().map(wire::message).collect(),
        has_more,
    };
    let body = Bytes::from(
        serde_json::to_vec(&page).map_err(|e| ApiError::Internal(format!("a page: {e}")))?,
    );
    if let Some(version) = version {
        state.pages().put(id, limit, version, body.clone());
    }
    Ok(json_body(body))
}

fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// 201 with the new message, or 200 with the original when `client_id` was already used.
#[utoipa::path(
    post,
    path = "/rooms/{id}/messages",
    operation_id = "send_message",
    tag = "messages",
    request_body = natter_proto::SendMessageRequest,
    responses((status = 200, description = "OK", body = natter_proto::Message), (status = 201, description = "OK", body = natter_proto::Message), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn send(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    state.rate(Limit::Send, authed.session.user.id)?;
    let send = Send {
        room: id,
        body: &req.body,
        client_id: req.client_id.as_deref(),
        reply_to: req.reply_to.as_deref().map(id_from).transpose()?,
        attachments: &ids_from(&req.attachments)?,
    };
    let new = state
        .service()
        .prepare_send(authed.session.user.id, send)
        .await?;
    let outcome = state.pipeline().send_and_wait(new).await?;
    let status = if outcome.duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(wire::message(&outcome.message))))
}
