//! The OpenAPI 3.1 document of the REST API, served at `/api/v1/openapi.json`.
//!
//! The handlers' `#[utoipa::path]` attributes and the proto types' schemas make it; [`document`]
//! then adds what every operation shares (its path parameters, the error body of each error
//! status, the statuses any request may meet, the `Retry-After` of a 429) and puts core's text
//! rules on the fields they govern, so that the document says what the server takes.

use std::sync::OnceLock;

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use utoipa::OpenApi;

use super::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "natter",
        description = "The REST API of a natter server. Live events (messages as they arrive, \
            presence, typing) come over the WebSocket at `/api/v1/ws`, described with every \
            type in docs/protocol.md."
    ),
    servers((url = "/api/v1")),
    paths(
        accounts::register,
        accounts::login,
        accounts::logout,
        accounts::me,
        accounts::update_me,
        accounts::change_password,
        accounts::search_users,
        accounts::get_user,
        export::own_data,
        export::room,
        export::import,
        rooms::list,
        rooms::create,
        rooms::get_one,
        rooms::join,
        rooms::leave,
        rooms::members,
        rooms::add_member,
        rooms::open_dm,
        messages::history,
        messages::send,
        room_settings::update,
        room_settings::delete,
        room_settings::admin_list,
        room_settings::invitations,
        room_settings::decline,
        roles::set_room_role,
        roles::set_server_role,
        admin::info,
        admin::settings,
        admin::update_settings,
        admin::audit,
        admin::invites,
        admin::create_invite,
        admin::revoke_invite,
        users::list,
        users::create,
        users::delete,
        users::deactivate,
        users::reactivate,
        users::end_sessions,
        users::password_reset,
        users::use_reset,
        moderation::kick,
        moderation::ban,
        moderation::bans,
        moderation::unban,
        moderation::mute,
        moderation::mutes,
        moderation::unmute,
        rich::pins,
        rich::mark_read,
        rich::get_one,
        rich::edit,
        rich::delete,
        rich::add_reaction,
        rich::remove_reaction,
        rich::add_pin,
        rich::remove_pin,
        rich::thread,
        rich::search,
        rich::blocks,
        rich::block,
        rich::unblock,
        reports::create,
        reports::list,
        reports::resolve,
        files::upload,
        files::usage,
        files::download,
        files::thumbnail,
        files::discard
    ),
    components(schemas(natter_proto::ErrorBody, natter_proto::ErrorDetail)),
    tags(
        (name = "accounts", description = "Registering, signing in and out, one's own profile"),
        (name = "users", description = "Other people: looking them up, blocking"),
        (name = "rooms", description = "Rooms, membership, invitations and direct messages"),
        (name = "messages", description = "History, sending, edits, reactions, pins, threads, read state, search"),
        (name = "files", description = "Uploads and downloads"),
        (name = "moderation", description = "Room roles, kicks, bans, mutes and reports"),
        (name = "admin", description = "Server administration"),
        (name = "export", description = "Taking data out and bringing rooms in"),
    )
)]
struct ApiDoc;

/// `GET /api/v1/openapi.json`: open to everyone, like the API's shape it describes.
pub async fn serve() -> Response {
    // Encoded once; each answer shares the buffer.
    static BYTES: OnceLock<Bytes> = OnceLock::new();
    let bytes = BYTES.get_or_init(|| serde_json::to_vec(&document()).unwrap_or_default().into());
    ([(header::CONTENT_TYPE, "application/json")], bytes.clone()).into_response()
}

/// The whole document.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    doc["components"]["securitySchemes"] = json!({
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "The `token` that registering or signing in answers with."
        },
        "session": {
            "type": "apiKey",
            "in": "cookie",
            "name": crate::auth::COOKIE_NAME,
            "description": "The browser's session cookie; a request that changes something \
                must then come from the server's own origin."
        }
    });
    doc["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    doc["components"]["schemas"]["Emoji"] = json!({
        "type": "string",
        "description": "One emoji, with its skin tone if any.",
        "enum": natter_core::Emoji::all(),
    });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                complete_operation(path, method, op);
            }
        }
    }
    rules::apply(&mut doc);
    links(&mut doc);
    doc
}

/// Links from an answer carrying a new thing's `id` to the operations on that thing, so that
/// tools can chain calls (schemathesis's stateful phase follows them).
fn links(doc: &mut Value) {
    // (operation that makes it, its success status, the paths under which it is `{id}`)
    let makers = [
        ("/rooms", "post", "201", &["/rooms/{id}"][..]),
        ("/dms", "post", "201", &["/rooms/{id}"][..]),
        (
            "/rooms/{id}/messages",
            "post",
            "201",
            &["/messages/{id}"][..],
        ),
        ("/files", "post", "201", &["/files/{id}"][..]),
        ("/invites", "post", "201", &["/invites/{id}"][..]),
        (
            "/messages/{id}/report",
            "post",
            "201",
            &["/reports/{id}"][..],
        ),
        (
            "/admin/users",
            "post",
            "201",
            &["/admin/users/{id}", "/users/{id}"][..],
        ),
    ];
    let mut found = Vec::new();
    for (path, method, status, under) in makers {
        let mut targets = Map::new();
        for (target, item) in doc["paths"].as_object().into_iter().flatten() {
            if !under.iter().any(|prefix| target.starts_with(prefix)) {
                continue;
            }
            for op in item.as_object().into_iter().flatten().map(|(_, op)| op) {
                let id = op["operationId"].as_str().unwrap_or_default().to_owned();
                let link = json!({
                    "operationId": id,
                    "parameters": { "id": "$response.body#/id" },
                });
                targets.insert(id, link);
            }
        }
        found.push((path, method, status, targets));
    }
    for (path, method, status, targets) in found {
        doc["paths"][path][method]["responses"][status]["links"] = Value::Object(targets);
    }
}

/// What a path parameter is, by its name and the collection it follows.
fn path_parameter(path: &str, name: &str) -> Value {
    if name == "emoji" {
        return json!({
            "name": name, "in": "path", "required": true,
            "description": "The reaction.",
            "schema": { "$ref": "#/components/schemas/Emoji" },
        });
    }
    let of = if name == "user_id" {
        "user"
    } else {
        match path
            .trim_start_matches('/')
            .split('/')
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["admin", "users", ..] | ["users", ..] => "user",
            ["rooms", ..] | ["invitations", ..] => "room",
            ["messages", ..] => "message",
            ["files", ..] => "file",
            ["invites", ..] => "invite",
            ["reports", ..] => "report",
            _ => "resource",
        }
    };
    json!({
        "name": name, "in": "path", "required": true,
        "description": format!("The {of}'s id. An id that is not one names nothing: 404."),
        "schema": { "type": "string", "pattern": "^[0-9]{1,18}$" },
    })
}

fn complete_operation(path: &str, method: &str, op: &mut Value) {
    let mut params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
    for name in path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
    {
        if !params
            .iter()
            .any(|p| p["name"] == name && p["in"] == "path")
        {
            params.push(path_parameter(path, name));
        }
    }
    let has_query = params.iter().any(|p| p["in"] == "query");
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    let public = op["security"] == json!([{}]);
    let json_body = !op["requestBody"]["content"]["application/json"].is_null();
    let mut statuses: Vec<&str> = vec!["500"];
    if !public {
        statuses.push("401");
        // A cookie-carrying change from another origin is refused.
        if method != "get" {
            statuses.push("403");
        }
    }
    if has_query || op.get("requestBody").is_some() {
        // Malformed, or a value that breaks its rule.
        statuses.extend(["400", "422"]);
    }
    if op.get("requestBody").is_some() {
        statuses.extend(["408", "413"]);
    }
    if json_body {
        statuses.push("415");
    }
    let responses = op["responses"].as_object_mut();
    let Some(responses) = responses else { return };
    for status in statuses {
        responses
            .entry(status)
            .or_insert_with(|| json!({ "description": "" }));
    }
    for (status, response) in responses.iter_mut() {
        let code: u16 = status.parse().unwrap_or(0);
        if code < 400 {
            continue;
        }
        response["description"] = json!(error_description(code));
        response["content"] = json!({
            "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } }
        });
        if code == 429 {
            response["headers"] = json!({
                "Retry-After": {
                    "description": "Whole seconds to wait before trying again.",
                    "required": true,
                    "schema": { "type": "integer", "minimum": 1 }
                }
            });
        }
    }
}

/// What each error status means in this API; the body's `code` says which case it is.
fn error_description(status: u16) -> &'static str {
    match status {
        400 => "Malformed: the body is not the JSON described, or a query parameter is wrong.",
        401 => "Not signed in, or the credentials are wrong.",
        403 => {
            "Not allowed: the caller's role, a ban or mute, the server's settings, or a \
            cookie-carrying change from another origin."
        }
        404 => "Nothing by that id that the caller may see.",
        408 => "The request body came too slowly.",
        409 => "In conflict with the current state (a name taken, the last admin, ...).",
        413 => "The body, the file or the storage quota is too large.",
        415 => "The body must be `application/json`.",
        422 => "A value breaks its rule (a length, characters, a range); `code` names it.",
        429 => "Too many requests, or slow mode: wait `Retry-After` seconds.",
        _ => "The server failed; the cause is in its log.",
    }
}

mod rules;
