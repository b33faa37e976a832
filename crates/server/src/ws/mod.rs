//! The WebSocket gateway: authentication and origin checks at upgrade, then one task per
//! connection ([`conn`]).

mod conn;
mod inbound;
mod tracker;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use std::sync::Arc;

use axum::extract::{State, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;

use crate::auth::{authenticate, AuthVia};
use crate::csrf;
use crate::listen::ConnSlot;
use crate::peer::ClientScheme;
use crate::{ApiError, AppState};

/// Read buffer per connection. tungstenite's default (128 KiB) would dominate per-connection
/// memory; chat frames are small, and a larger message just takes more reads.
const READ_BUFFER: usize = 4 * 1024;

/// Bytes of queued frames gathered into one write.
const WRITE_BATCH: usize = 8 * 1024;

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    slot: Option<Extension<Arc<ConnSlot>>>,
    scheme: Option<Extension<ClientScheme>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let authed = authenticate(&state, &headers).await?;
    // A cookie-authenticated upgrade must come from the server's own origin (scheme, host and
    // port) or a configured one: otherwise any site the user visits could open a socket with
    // their cookie. Clients that send no `Origin` are not browsers.
    let scheme = scheme.map_or("http", |Extension(ClientScheme(s))| s);
    let allowed = &state.config().allowed_origins;
    if authed.via == AuthVia::Cookie && !csrf::origin_allowed(&headers, scheme, allowed) {
        return Err(ApiError::ForbiddenOrigin);
    }
    let ws = ws.map_err(|r| ApiError::BadRequest("websocket_required", r.body_text()))?;
    let limit = state.config().max_body_bytes;
    let (session, token_hash) = (authed.session, authed.token_hash);
    // Taken before the upgrade completes, so a shutdown waits for this connection too.
    let alive = state.inner.ws_alive.clone();
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        // A batch of queued frames is written with one flush: frames collect up to this many
        // bytes before a write. The connection task awaits each batch's flush before taking
        // the next, so little more than a batch is ever buffered, and a frame the server built
        // itself is never refused for its size: a `ready` for someone in a thousand rooms
        // runs to hundreds of KiB.
        .write_buffer_size(WRITE_BATCH)
        .max_write_buffer_size(usize::MAX)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| async move {
            conn::run(state, socket, session, token_hash).await;
            // The socket counts against the connection caps until here.
            drop(slot);
            drop(alive);
        }))
}
