//! Registration, login, logout, profile and password.

use axum::extract::{Path, State};
use std::net::IpAddr;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;
use natter_core::{
    DisplayName, Error, NewSession, NewUser, Password, ProfileChange, StatusText, Timestamp, User,
    Username,
};
use natter_proto::{
    AuthResponse, ChangePasswordRequest, LoginRequest, MemberEvent, RegisterRequest,
    UpdateProfileRequest, UsersResponse,
};
use serde::Deserialize;

use crate::auth::{self, Authed, ClientAddr};
use crate::device;
use crate::extract::{ApiJson, ApiQuery};
use crate::hasher::Queue;
use crate::limits::Key;
use crate::{wire, ApiError, AppState, Limit};

/// Creates a session for `user` and answers with its token in the body and a cookie.
async fn start_session(
    state: &AppState,
    user: &User,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let token = auth::new_token()?;
    let ttl = state.config().session_ttl.as_secs() as i64;
    let new = NewSession {
        user_id: user.id,
        token_hash: auth::token_hash(&token),
        expires_at: Timestamp::now().plus_secs(ttl),
    };
    state.service().start_session(new).await?;
    let secure = state.config().secure_cookies;
    let cookie = auth::session_cookie(&token, ttl, secure);
    let device_token = state.config().device_key.issue(user.id);
    let device_cookie = device::cookie(&device_token, secure);
    let body = AuthResponse {
        user: wire::user(user),
        token,
        device_token: Some(device_token),
    };
    let cookies = AppendHeaders([
        (header::SET_COOKIE, cookie),
        (header::SET_COOKIE, device_cookie),
    ]);
    Ok((status, cookies, Json(body)).into_response())
}

#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "accounts",
    request_body = natter_proto::RegisterRequest,
    responses((status = 201, description = "OK", body = natter_proto::AuthResponse), (status = 403, description = ""), (status = 409, description = ""), (status = 422, description = ""), (status = 429, description = "")),
    security(())
)]
#[tracing::instrument(skip_all)]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    if let Some(ip) = addr {
        state.limits().check(Limit::Register, &Key::addr(ip))?;
    }
    let username = Username::parse(&req.username)?;
    let password = Password::parse(&req.password)?;
    let display_name = match req.display_name.as_deref() {
        Some(raw) => DisplayName::parse(raw)?.into_string(),
        None => username.as_str().to_owned(),
    };
    let invite = req.invite.as_deref().map(auth::invite_token_hash);
    let password_hash = state.hasher().hash(password).await?;
    let new = NewUser {
        username,
        display_name,
        password_hash,
        invite,
        default_rooms: None,
    };
    let registered = state.service().register(new, addr).await?;
    let user = registered.user;
    tracing::info!(user = %user.id, "registered");
    for room in &registered.rooms {
        state
            .announce_member(room.id, user.id, MemberEvent::Joined)
            .await;
    }
    start_session(&state, &user, StatusCode::CREATED).await
}

#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "accounts",
    request_body = natter_proto::LoginRequest,
    responses((status = 200, description = "OK", body = natter_proto::AuthResponse), (status = 401, description = ""), (status = 403, description = ""), (status = 429, description = "")),
    security(())
)]
#[tracing::instrument(skip_all)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let creds = match Username::parse(&req.username) {
        Ok(name) => state.service().credentials(&name).await?,
        Err(_) => None,
    };
    let (user, stored) = match creds {
        Some(c) => (Some(c.user), Some(c.password_hash)),
        None => (None, None),
    };
    let device = req
        .device_token
        .as_deref()
        .or_else(|| auth::cookie_named(&headers, device::COOKIE_NAME));
    let queue = count_attempt(&state, addr, &req.username, user.as_ref(), device)?;
    // Unknown users are verified against a dummy hash: same work, same answer.
    let ok = state
        .hasher()
        .verify_in(queue, &req.password, stored)
        .await?;
    // What was typed as a name is kept only if it is a valid one (never a password pasted
    // into the wrong field), and cut short.
    let name = match &user {
        Some(u) => u.username.clone(),
        None => Username::parse(&req.username)
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default(),
    };
    let service = state.service();
    match user {
        Some(user) if ok && user.deactivated => {
            service.audit_login(Some(user.id), false, addr, &name).await;
            Err(Error::AccountDeactivated.into())
        }
        Some(user) if ok => {
            service.audit_login(Some(user.id), true, addr, &name).await;
            start_session(&state, &user, StatusCode::OK).await
        }
        found => {
            service
                .audit_login(found.map(|u| u.id), false, addr, &name)
                .await;
            Err(Error::InvalidCredentials.into())
        }
    }
}

/// Counts a login attempt against the device that has signed in to this account before, or else
/// against the source address and the account name; refuses it once either bucket is empty.
fn count_attempt(
    state: &AppState,
    addr: Option<IpAddr>,
    typed_name: &str,
    user: Option<&User>,
    device: Option<&str>,
) -> Result<Queue, ApiError> {
    let limits = state.limits();
    let key = &state.config().device_key;
    if let Some(user) = user.filter(|u| device.is_some_and(|t| key.verify(u.id, t).is_some())) {
        // Counted per account: minting more device tokens buys no more attempts.
        limits.check(Limit::LoginDevice, &Key::User(user.id))?;
        return Ok(Queue::KnownDevice);
    }
    if let Some(ip) = addr {
        limits.check(Limit::LoginAddr, &Key::addr(ip))?;
    }
    let account: String = typed_name.trim().to_lowercase().chars().take(64).collect();
    let refused = limits.check(Limit::LoginAccount, &Key::Account(account));
    if refused.is_err() {
        tracing::info!("login refused: too many attempts for this account");
    }
    refused.map(|()| Queue::Shared)
}

#[utoipa::path(
    post,
    path = "/auth/logout",
    tag = "accounts",
    responses((status = 204, description = "Done"))
)]
pub async fn logout(State(state): State<AppState>, authed: Authed) -> Result<Response, ApiError> {
    let session = authed.session;
    state.service().end_session(&session).await?;
    state
        .hub()
        .end_sessions(session.user.id, &[session.id])
        .await;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            auth::clear_cookie(state.config().secure_cookies),
        )],
    )
        .into_response())
}

#[utoipa::path(
    get,
    path = "/me",
    operation_id = "get_me",
    tag = "accounts",
    responses((status = 200, description = "OK", body = natter_proto::User))
)]
pub async fn me(authed: Authed) -> Json<natter_proto::User> {
    Json(wire::user(&authed.session.user))
}

#[utoipa::path(
    patch,
    path = "/me",
    operation_id = "update_me",
    tag = "accounts",
    request_body = natter_proto::UpdateProfileRequest,
    responses((status = 200, description = "OK", body = natter_proto::User), (status = 422, description = ""))
)]
pub async fn update_me(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<UpdateProfileRequest>,
) -> Result<Json<natter_proto::User>, ApiError> {
    let change = ProfileChange {
        display_name: req
            .display_name
            .as_deref()
            .map(DisplayName::parse)
            .transpose()?
            .map(DisplayName::into_string),
        status: req
            .status
            .as_deref()
            .map(StatusText::parse)
            .transpose()?
            .map(StatusText::into_string),
    };
    let user = state
        .service()
        .update_profile(authed.session.user.id, change)
        .await?;
    Ok(Json(wire::user(&user)))
}

/// Changes the password and signs out every other session of the user.
#[utoipa::path(
    post,
    path = "/me/password",
    tag = "accounts",
    request_body = natter_proto::ChangePasswordRequest,
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 422, description = ""))
)]
pub async fn change_password(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let session = authed.session;
    let stored = state.service().own_password_hash(session.user.id).await?;
    if !state
        .hasher()
        .verify(&req.current_password, Some(stored))
        .await?
    {
        return Err(Error::Forbidden("the current password is incorrect").into());
    }
    let new_password = Password::parse(&req.new_password)?;
    let hash = state.hasher().hash(new_password).await?;
    let revoked = state
        .service()
        .change_password(&session, hash, authed.addr)
        .await?;
    state.hub().end_sessions(session.user.id, &revoked).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    #[serde(default)]
    query: String,
}

#[utoipa::path(
    get,
    path = "/users",
    operation_id = "search_users",
    tag = "users",
    params(UserQuery),
    responses((status = 200, description = "OK", body = natter_proto::UsersResponse), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn search_users(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<UsersResponse>, ApiError> {
    state.rate(Limit::Search, authed.session.user.id)?;
    let found = state.service().find_users(&q.query).await?;
    Ok(Json(UsersResponse {
        users: found.iter().map(wire::user).collect(),
    }))
}

/// Any signed-in user may look up any user's public profile (the same fields search shows).
#[utoipa::path(
    get,
    path = "/users/{id}",
    operation_id = "get_user",
    tag = "users",
    responses((status = 200, description = "OK", body = natter_proto::User), (status = 404, description = ""))
)]
pub async fn get_user(
    State(state): State<AppState>,
    _authed: Authed,
    Path(raw): Path<String>,
) -> Result<Json<natter_proto::User>, ApiError> {
    let id = crate::extract::user_id(&raw)?;
    let user = state.service().user(id).await?;
    Ok(Json(wire::user(&user)))
}
