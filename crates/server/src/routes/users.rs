//! Managing accounts (admins): the user list, creating accounts, deactivation, ending
//! sessions, password reset links, deleting; and using a reset link (anyone holding one).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use natter_core::{DisplayName, NewUser, Password, UserId, Username};
use natter_proto::admin::{
    CreateUserRequest, PasswordResetLink, ReasonRequest, ResetPasswordRequest, UserListResponse,
};
use natter_proto::{MemberEvent, User};
use serde::Deserialize;

use crate::auth::{self, Authed, ClientAddr};
use crate::extract::{ApiJson, ApiQuery, IdPath, ListParams};
use crate::{files, wire, ApiError, AppState};

/// `GET /admin/users?query=&offset=&limit=`.
#[utoipa::path(
    get,
    path = "/admin/users",
    operation_id = "list_users",
    tag = "admin",
    params(ListParams),
    responses((status = 200, description = "OK", body = natter_proto::admin::UserListResponse), (status = 403, description = ""))
)]
pub async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<UserListResponse>, ApiError> {
    let found = state
        .service()
        .list_users(&authed.actor(), &p.query, p.offset, p.limit.unwrap_or(50))
        .await?;
    Ok(Json(UserListResponse {
        users: found.iter().map(wire::user_summary).collect(),
    }))
}

/// `POST /admin/users`: works whatever the registration setting.
#[utoipa::path(
    post,
    path = "/admin/users",
    operation_id = "create_user",
    tag = "admin",
    request_body = natter_proto::admin::CreateUserRequest,
    responses((status = 201, description = "OK", body = natter_proto::User), (status = 403, description = ""), (status = 409, description = ""), (status = 422, description = ""))
)]
#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<CreateUserRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let by = authed.actor();
    // Checked before hashing, so a member cannot make the server hash for nothing.
    state.service().require_admin(&by).await?;
    let username = Username::parse(&req.username)?;
    let password = Password::parse(&req.password)?;
    let display_name = match req.display_name.as_deref() {
        Some(raw) => DisplayName::parse(raw)?.into_string(),
        None => username.as_str().to_owned(),
    };
    let new = NewUser {
        username,
        display_name,
        password_hash: state.hasher().hash(password).await?,
        invite: None,
        default_rooms: None,
    };
    let mut registered = state.service().create_account(&by, new).await?;
    if req.admin {
        let id = registered.user.id;
        registered.user = state
            .service()
            .set_server_role(&by, id, natter_core::Toggle::On)
            .await?;
    }
    for room in &registered.rooms {
        state
            .announce_member(room.id, registered.user.id, MemberEvent::Joined)
            .await;
    }
    Ok((StatusCode::CREATED, Json(wire::user(&registered.user))))
}

/// `POST /admin/users/{id}/deactivate`: every session ends and its connections close now.
#[utoipa::path(
    post,
    path = "/admin/users/{id}/deactivate",
    operation_id = "deactivate_user",
    tag = "admin",
    request_body = natter_proto::admin::ReasonRequest,
    responses((status = 200, description = "OK", body = natter_proto::User), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(target = %id))]
pub async fn deactivate(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<UserId>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<User>, ApiError> {
    let reason = req.reason.unwrap_or_default();
    let (user, ended) = state
        .service()
        .deactivate(&authed.actor(), id, reason_text(&reason)?)
        .await?;
    state.hub().end_sessions(id, &ended).await;
    Ok(Json(wire::user(&user)))
}

/// `POST /admin/users/{id}/reactivate`.
#[utoipa::path(
    post,
    path = "/admin/users/{id}/reactivate",
    operation_id = "reactivate_user",
    tag = "admin",
    responses((status = 200, description = "OK", body = natter_proto::User), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn reactivate(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<UserId>,
) -> Result<Json<User>, ApiError> {
    let user = state.service().reactivate(&authed.actor(), id).await?;
    Ok(Json(wire::user(&user)))
}

/// `DELETE /admin/users/{id}/sessions`: signs the account out everywhere.
#[utoipa::path(
    delete,
    path = "/admin/users/{id}/sessions",
    operation_id = "end_sessions",
    tag = "admin",
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn end_sessions(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<UserId>,
) -> Result<StatusCode, ApiError> {
    let ended = state
        .service()
        .end_all_sessions(&authed.actor(), id)
        .await?;
    state.hub().end_sessions(id, &ended).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /admin/users/{id}/password-reset`: a one-time token for the person, shown once.
#[utoipa::path(
    post,
    path = "/admin/users/{id}/password-reset",
    operation_id = "create_password_reset",
    tag = "admin",
    responses((status = 201, description = "OK", body = natter_proto::admin::PasswordResetLink), (status = 403, description = ""), (status = 404, description = ""))
)]
pub async fn password_reset(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<UserId>,
) -> Result<(StatusCode, Json<PasswordResetLink>), ApiError> {
    let token = auth::new_token()?;
    let expires = state
        .service()
        .create_password_reset(&authed.actor(), id, auth::token_hash(&token))
        .await?;
    let link = PasswordResetLink {
        token,
        expires_at: wire::time(expires),
    };
    Ok((StatusCode::CREATED, Json(link)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    #[serde(default)]
    reason: String,
}

/// `DELETE /admin/users/{id}?reason=`: the account's messages stay, from "Deleted user".
#[utoipa::path(
    delete,
    path = "/admin/users/{id}",
    operation_id = "delete_user",
    tag = "admin",
    params(DeleteParams),
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
#[tracing::instrument(skip_all, fields(target = %id))]
pub async fn delete(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<UserId>,
    ApiQuery(p): ApiQuery<DeleteParams>,
) -> Result<StatusCode, ApiError> {
    let deleted = state
        .service()
        .delete_account(&authed.actor(), id, reason_text(&p.reason)?)
        .await?;
    state.hub().end_sessions(id, &deleted.sessions).await;
    for room in &deleted.rooms {
        state.announce_member(*room, id, MemberEvent::Left).await;
    }
    files::delete_blobs(state.blobs(), &deleted.files).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /auth/reset`: anyone holding a reset link sets a new password; every session of the
/// account ends.
#[utoipa::path(
    post,
    path = "/auth/reset",
    operation_id = "reset_password",
    tag = "accounts",
    request_body = natter_proto::admin::ResetPasswordRequest,
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 422, description = ""), (status = 429, description = "")),
    security(())
)]
#[tracing::instrument(skip_all)]
pub async fn use_reset(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> Result<StatusCode, ApiError> {
    // A guess at a reset link costs a password hash: counted like a login attempt.
    if let Some(ip) = addr {
        state
            .limits()
            .check(crate::Limit::LoginAddr, &crate::limits::Key::addr(ip))?;
    }
    let password = Password::parse(&req.new_password)?;
    let hash = state.hasher().hash(password).await?;
    let (user, ended) = state
        .service()
        .reset_password(auth::invite_token_hash(&req.token), hash, addr)
        .await?;
    state.hub().end_sessions(user, &ended).await;
    Ok(StatusCode::NO_CONTENT)
}

/// A reason as given: at most 500 characters, no control characters; trimmed.
pub(crate) fn reason_text(raw: &str) -> Result<&str, ApiError> {
    natter_core::Reason::parse(raw)?;
    Ok(raw.trim())
}
