//! The REST router under `/api/v1`, plus `/healthz`, the WebSocket endpoint and, for every
//! other path, the embedded web client.

mod accounts;
mod admin;
mod export;
mod files;
mod messages;
mod moderation;
mod openapi;
mod reports;
mod rich;
mod roles;
mod room_settings;
mod rooms;
mod transcript;
mod users;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::{assets, ws, AppState};

/// The largest room export `POST /rooms/import` takes.
pub(super) const IMPORT_MAX_BYTES: usize = 64 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/auth/register", post(accounts::register))
        .route("/auth/login", post(accounts::login))
        .route("/auth/logout", post(accounts::logout))
        .route("/me", get(accounts::me).patch(accounts::update_me))
        .route("/me/password", post(accounts::change_password))
        .route("/me/export", get(export::own_data))
        .route("/rooms/{id}/export", get(export::room))
        .route(
            "/rooms/import",
            // A whole room's history: far past the usual body limit.
            post(export::import).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
        .route("/users", get(accounts::search_users))
        .route("/users/{id}", get(accounts::get_user))
        .route("/rooms", get(rooms::list).post(rooms::create))
        .route(
            "/rooms/{id}",
            get(rooms::get_one)
                .patch(room_settings::update)
                .delete(room_settings::delete),
        )
        .route("/admin/rooms", get(room_settings::admin_list))
        .route("/invitations", get(room_settings::invitations))
        .route("/invitations/{id}", delete(room_settings::decline))
        .route("/rooms/{id}/join", post(rooms::join))
        .route("/rooms/{id}/leave", post(rooms::leave))
        .route(
            "/rooms/{id}/members",
            get(rooms::members).post(rooms::add_member),
        )
        .route(
            "/rooms/{id}/messages",
            get(messages::history).post(messages::send),
        )
        .route(
            "/rooms/{id}/members/{user_id}/role",
            put(roles::set_room_role),
        )
        .route("/admin/users/{id}/role", put(roles::set_server_role))
        .route("/server", get(admin::info))
        .route(
            "/admin/settings",
            get(admin::settings).patch(admin::update_settings),
        )
        .route("/admin/audit", get(admin::audit))
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}", delete(users::delete))
        .route("/admin/users/{id}/deactivate", post(users::deactivate))
        .route("/admin/users/{id}/reactivate", post(users::reactivate))
        .route("/admin/users/{id}/sessions", delete(users::end_sessions))
        .route(
            "/admin/users/{id}/password-reset",
            post(users::password_reset),
        )
        .route("/auth/reset", post(users::use_reset))
        .route("/invites", get(admin::invites).post(admin::create_invite))
        .route("/invites/{id}", delete(admin::revoke_invite))
        .route("/rooms/{id}/members/{user_id}/kick", post(moderation::kick))
        .route(
            "/rooms/{id}/bans",
            get(moderation::bans).post(moderation::ban),
        )
        .route("/rooms/{id}/bans/{user_id}", delete(moderation::unban))
        .route(
            "/rooms/{id}/mutes",
            get(moderation::mutes).post(moderation::mute),
        )
        .route("/rooms/{id}/mutes/{user_id}", delete(moderation::unmute))
        .route("/rooms/{id}/pins", get(rich::pins))
        .route("/rooms/{id}/read", post(rich::mark_read))
        .route(
            "/messages/{id}",
            get(rich::get_one).patch(rich::edit).delete(rich::delete),
        )
        .route(
            "/messages/{id}/reactions/{emoji}",
            put(rich::add_reaction).delete(rich::remove_reaction),
        )
        .route(
            "/messages/{id}/pin",
            put(rich::add_pin).delete(rich::remove_pin),
        )
        .route("/messages/{id}/thread", get(rich::thread))
        .route("/messages/{id}/report", post(reports::create))
        .route("/reports", get(reports::list))
        .route("/reports/{id}/resolve", post(reports::resolve))
        .route("/search", get(rich::search))
        .route("/blocks", get(rich::blocks))
        .route("/users/{id}/block", put(rich::block).delete(rich::unblock))
        .route("/dms", post(rooms::open_dm))
        .route("/files", post(files::upload))
        .route("/files/usage", get(files::usage))
        .route("/files/{id}", get(files::download).delete(files::discard))
        .route("/files/{id}/thumbnail", get(files::thumbnail))
        .route("/ws", get(ws::upgrade))
        .route("/openapi.json", get(openapi::serve));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(crate::metrics::scrape))
        .nest("/api/v1", api)
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::observe,
        ))
        .fallback(assets::serve)
        .layer(DefaultBodyLimit::max(state.config().max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::body_rate::enforce,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::csrf::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::peer::resolve,
        ));
    let router = if state.config().tls.is_some() {
        router.layer(axum::middleware::from_fn(crate::tls::hsts))
    } else {
        router
    };
    router.with_state(state)
}

/// 200 while messages can be committed; 503 while they cannot. After a failed commit, each
/// check probes the store with a small write, so the answer turns 200 again as soon as the
/// store takes writes, even if nobody has sent anything since.
async fn healthz(State(state): State<AppState>) -> Response {
    let pipeline = state.pipeline();
    // One probe at a time: checks that come while one runs answer with the last verdict, so
    // a monitor (or anyone) calling often cannot pile writes onto a struggling database.
    let healthy = pipeline.healthy()
        || (pipeline.running()
            && match pipeline.start_probe() {
                Some(_probing) => {
                    let probe = state.service().check_writable();
                    let ok = matches!(tokio::time::timeout(PROBE_TIMEOUT, probe).await, Ok(Ok(())));
                    if ok {
                        pipeline.recovered();
                    }
                    ok
                }
                None => false,
            });
    if healthy {
        return axum::Json(serde_json::json!({ "status": "ok" })).into_response();
    }
    let body = serde_json::json!({
        "status": "unavailable",
        "reason": "messages cannot be committed",
    });
    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}

/// How long a health check waits for its probe write.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
