//! The WebSocket gateway: authentication and origin checks at upgrade, then one task per
//! connection ([`conn`]) over a lean socket of its own ([`socket`]).

mod conn;
mod inbound;
mod socket;
mod tracker;

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Extension;
use hyper::upgrade::OnUpgrade;

use crate::auth::{authenticate, AuthVia};
use crate::csrf;
use crate::listen::ConnSlot;
use crate::peer::ClientScheme;
use crate::{ApiError, AppState};

/// A WebSocket handshake (RFC 6455 §4.2.1) read from the request, or why it is not one.
pub struct Upgrade(Result<(HeaderValue, OnUpgrade), &'static str>);

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Upgrade(handshake(parts)))
    }
}

fn handshake(parts: &mut Parts) -> Result<(HeaderValue, OnUpgrade), &'static str> {
    let headers = &parts.headers;
    let has = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    if parts.method != Method::GET {
        return Err("a WebSocket upgrade is a GET request");
    }
    if !has(header::CONNECTION, "upgrade") || !has(header::UPGRADE, "websocket") {
        return Err(
            "this endpoint needs a WebSocket upgrade (Connection: upgrade, Upgrade: websocket)",
        );
    }
    if headers.get(header::SEC_WEBSOCKET_VERSION) != Some(&HeaderValue::from_static("13")) {
        return Err("only WebSocket version 13 is spoken");
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or("the upgrade lacks Sec-WebSocket-Key")?;
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let accept = HeaderValue::from_str(&accept).map_err(|_| "a bad Sec-WebSocket-Key")?;
    let on_upgrade = parts
        .extensions
        .remove::<OnUpgrade>()
        .ok_or("this connection cannot be upgraded")?;
    Ok((accept, on_upgrade))
}

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    slot: Option<Extension<Arc<ConnSlot>>>,
    scheme: Option<Extension<ClientScheme>>,
    ws: Upgrade,
) -> Result<Response, ApiError> {
    // Read before the session is checked; see `Hub::sessions_ended`.
    let sessions_ended = state.hub().sessions_ended();
    let authed = authenticate(&state, &headers).await?;
    // A cookie-authenticated upgrade must come from the server's own origin (scheme, host and
    // port) or a configured one: otherwise any site the user visits could open a socket with
    // their cookie. Clients that send no `Origin` are not browsers.
    let scheme = scheme.map_or("http", |Extension(ClientScheme(s))| s);
    let allowed = &state.config().allowed_origins;
    if authed.via == AuthVia::Cookie && !csrf::origin_allowed(&headers, scheme, allowed) {
        return Err(ApiError::ForbiddenOrigin);
    }
    let (accept, on_upgrade) =
        ws.0.map_err(|why| ApiError::BadRequest("websocket_required", why.to_owned()))?;
    let start = conn::Start {
        limit: state.config().max_body_bytes,
        // Taken before the upgrade completes, so a shutdown waits for this connection too.
        alive: state.inner.ws_alive.clone(),
        state,
        session: authed.session,
        token_hash: authed.token_hash,
        sessions_ended,
        on_upgrade,
        slot: slot.map(|Extension(slot)| slot),
    };
    tokio::spawn(conn::run(Box::new(start)));
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    Ok(response)
}
