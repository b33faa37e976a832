//! Taking data away and bringing it in: a person's own data as a ZIP of JSON and files, a room
//! as JSON or as a self-contained HTML transcript, and a room imported from another server.

use std::collections::HashMap;
use std::io::Write;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use futures_util::TryStreamExt;
use natter_core::{
    ImportedMessage, MessageId, RoomId, RoomImport, RoomKind, RoomName, Timestamp, Topic, UserId,
    EXPORT_PAGE,
};
use natter_proto::admin::{ExportedMessage, ImportResult, RoomExport};
use serde::Deserialize;
use zip::write::SimpleFileOptions;

use crate::auth::Authed;
use crate::extract::{ApiQuery, IdPath, RoomPath};
use crate::pipeline::ReplyTo;
use crate::{wire, ApiError, AppState, Limit};

/// Files bigger than this in all are listed, not embedded, in an HTML transcript.
const HTML_EMBED_BUDGET: u64 = 50 * 1024 * 1024;

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// The bytes of a stored blob (files are at most the upload limit).
async fn blob_bytes(state: &AppState, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(blob) = state.blobs().get(key).await.map_err(internal)? else {
        return Ok(None);
    };
    let chunks: Vec<_> = blob.body.try_collect().await.map_err(internal)?;
    Ok(Some(chunks.concat()))
}

/// A ZIP being written to an unlinked spool file; each write runs on the blocking pool.
struct Spool(Option<zip::ZipWriter<std::fs::File>>);

impl Spool {
    fn create(state: &AppState) -> Result<Self, ApiError> {
        let path = state.config().upload_dir.join(format!(
            "export-{}",
            crate::files::random_hex().map_err(internal)?
        ));
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(internal)?;
        // Gone from the directory at once; the open file keeps its bytes until it is closed.
        let _ = std::fs::remove_file(&path);
        Ok(Spool(Some(zip::ZipWriter::new(file))))
    }

    async fn entry(&mut self, name: String, bytes: Vec<u8>) -> Result<(), ApiError> {
        let mut zip = self
            .0
            .take()
            .ok_or_else(|| internal("export already finished"))?;
        let (zip, written) = tokio::task::spawn_blocking(move || {
            let options =
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            let written = zip
                .start_file(name, options)
                .map_err(std::io::Error::other)
                .and_then(|()| zip.write_all(&bytes));
            (zip, written)
        })
        .await
        .map_err(internal)?;
        self.0 = Some(zip);
        written.map_err(internal)
    }

    async fn finish(mut self) -> Result<tokio::fs::File, ApiError> {
        let zip = self
            .0
            .take()
            .ok_or_else(|| internal("export already finished"))?;
        let file = tokio::task::spawn_blocking(move || {
            let mut file = zip.finish().map_err(std::io::Error::other)?;
            std::io::Seek::rewind(&mut file)?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(internal)?
        .map_err(internal)?;
        Ok(tokio::fs::File::from_std(file))
    }
}

fn download(content_type: &'static str, name: &str, body: Body) -> Response {
    let disposition = super::files::content_disposition("attachment", name);
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

/// `GET /me/export`: everything of the caller's own, as a ZIP: `profile.json` (the account,
/// its rooms, read state and blocks), `messages.json` (every message they sent) and `files/`.
#[utoipa::path(
    get,
    path = "/me/export",
    operation_id = "export_own_data",
    tag = "export",
    responses((status = 200, description = "A ZIP archive", content_type = "application/zip", body = Vec<u8>), (status = 429, description = ""))
)]
pub async fn own_data(State(state): State<AppState>, authed: Authed) -> Result<Response, ApiError> {
    let me = authed.session.user.id;
    state.rate(Limit::Export, me)?;
    let service = state.service();
    let profile = serde_json::json!({
        "user": wire::user(&authed.session.user),
        "rooms": service.my_rooms(me).await?.iter().map(wire::room).collect::<Vec<_>>(),
        "reads": service.read_states(me).await?.iter().map(wire::read_state).collect::<Vec<_>>(),
        "blocked": service.blocked(me).await?.iter().map(|u| u.to_string()).collect::<Vec<_>>(),
        "exported_at": wire::time(Timestamp::now()),
    });
    let mut zip = Spool::create(&state)?;
    zip.entry(
        "profile.json".into(),
        serde_json::to_vec_pretty(&profile).map_err(internal)?,
    )
    .await?;
    let mut messages = Vec::new();
    let mut after = MessageId(0);
    loop {
        let page = service.own_messages(me, after).await?;
        let full = page.len() == EXPORT_PAGE as usize;
        after = page.last().map_or(after, |m| m.id);
        messages.extend(page.iter().map(wire::message));
        if !full {
            break;
        }
    }
    zip.entry(
        "messages.json".into(),
        serde_json::to_vec_pretty(&messages).map_err(internal)?,
    )
    .await?;
    for file in service.own_files(me).await? {
        if let Some(bytes) = blob_bytes(&state, &file.blob).await? {
            zip.entry(format!("files/{}-{}", file.id, file.name), bytes)
                .await?;
        }
    }
    let spool = zip.finish().await?;
    let name = format!(
        "natter-{}-export.zip",
        safe_name(&authed.session.user.username)
    );
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(spool));
    Ok(download("application/zip", &name, body))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    #[serde(default)]
    format: Option<String>,
}

/// Every message of a room, oldest first, with its sender's name.
async fn room_messages(
    state: &AppState,
    me: UserId,
    room: RoomId,
) -> Result<Vec<ExportedMessage>, ApiError> {
    let service = state.service();
    let mut names: HashMap<UserId, (String, String)> = HashMap::new();
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = service.export_page(me, room, after).await?;
        let full = page.len() == EXPORT_PAGE as usize;
        for m in &page {
            after = m.seq;
            let (username, name) = match names.get(&m.sender_id) {
                Some(known) => known.clone(),
                None => {
                    let user = service.user(m.sender_id).await?;
                    let found = (user.username.clone(), user.display_name.clone());
                    names.insert(m.sender_id, found.clone());
                    found
                }
            };
            out.push(ExportedMessage {
                sender_username: username,
                sender_name: name,
                message: wire::message(m),
            });
        }
        if !full {
            return Ok(out);
        }
    }
}

/// `GET /rooms/{id}/export?format=json|html`: the room's whole history, for its owner or an
/// admin, as JSON (which `POST /rooms/import` reads) or as one HTML file that opens with no
/// server, its files embedded.
#[utoipa::path(
    get,
    path = "/rooms/{id}/export",
    operation_id = "export_room",
    tag = "export",
    params(ExportQuery),
    responses((status = 200, description = "The export", content((natter_proto::admin::RoomExport = "application/json"), (String = "text/html"))), (status = 403, description = ""), (status = 404, description = ""), (status = 429, description = ""))
)]
pub async fn room(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): RoomPath,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let me = authed.session.user.id;
    let room = state.service().exportable_room(me, id).await?;
    state.rate(Limit::Export, me)?;
    let messages = room_messages(&state, me, id).await?;
    let base = format!(
        "natter-{}-{}",
        safe_name(&room.name),
        Timestamp::now().0 / 1000
    );
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let export = RoomExport {
                format: "natter-room-export".into(),
                version: 1,
                exported_at: wire::time(Timestamp::now()),
                room: wire::room(&room),
                messages,
            };
            let bytes = serde_json::to_vec_pretty(&export).map_err(internal)?;
            Ok(download(
                "application/json",
                &format!("{base}.json"),
                bytes.into(),
            ))
        }
        "html" => {
            let html =
                super::transcript::render(&state, me, &room, &messages, HTML_EMBED_BUDGET).await?;
            // Served as a download, never rendered here: it holds what people wrote.
            Ok(download(
                "text/html; charset=utf-8",
                &format!("{base}.html"),
                html.into(),
            ))
        }
        _ => Err(ApiError::BadRequest(
            "invalid_query",
            "format must be json or html".into(),
        )),
    }
}

/// The embeddable bytes of a file as a `data:` URL, if the budget allows.
pub(super) async fn data_url(
    state: &AppState,
    me: UserId,
    room: RoomId,
    file: &natter_proto::Attachment,
    budget: &mut u64,
) -> Result<Option<String>, ApiError> {
    let size = u64::try_from(file.size).unwrap_or(u64::MAX);
    if size > *budget {
        return Ok(None);
    }
    let Ok(id) = file.id.parse() else {
        return Ok(None);
    };
    let info = state.service().exported_file(me, room, id).await?;
    let Some(bytes) = blob_bytes(state, &info.blob).await? else {
        return Ok(None);
    };
    *budget -= size;
    let kind = crate::files::served_type(&info.content_type);
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(Some(format!("data:{kind};base64,{encoded}")))
}

/// `POST /rooms/import` (admins): a room export from another natter server becomes a new room
/// here, its messages posted in their order by the importing admin, each naming its sender.
#[utoipa::path(
    post,
    path = "/rooms/import",
    operation_id = "import_room",
    tag = "export",
    request_body = natter_proto::admin::RoomExport,
    responses((status = 201, description = "OK", body = natter_proto::admin::ImportResult), (status = 403, description = ""), (status = 409, description = ""), (status = 422, description = ""))
)]
pub async fn import(
    State(state): State<AppState>,
    authed: Authed,
    body: Body,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    // Admins only, decided before a byte of the (large) body is read.
    state.service().require_admin(&authed.actor()).await?;
    let bytes = axum::body::to_bytes(body, super::IMPORT_MAX_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let export: RoomExport = crate::extract::json_object(&bytes)?;
    if export.format != "natter-room-export" || export.version != 1 {
        return Err(ApiError::BadRequest(
            "invalid_import",
            "not a natter room export (format natter-room-export, version 1)".into(),
        ));
    }
    let kind = match export.room.kind {
        natter_proto::RoomKind::Public => RoomKind::Public,
        _ => RoomKind::Private,
    };
    let import = RoomImport {
        name: RoomName::parse(&export.room.name)?,
        topic: Topic::parse(&export.room.topic)?,
        kind,
        messages: export
            .messages
            .iter()
            .filter(|m| !m.message.deleted && !m.message.body.trim().is_empty())
            .map(|m| ImportedMessage {
                sender: m.sender_name.clone(),
                at: m.message.created_at.clone(),
                body: m.message.body.clone(),
            })
            .collect(),
    };
    let (room, news) = state.service().import_room(&authed.actor(), import).await?;
    state
        .announce_room(vec![authed.session.user.id], &room)
        .await;
    // Through the pipeline like every message: batched commits, in order.
    let mut waiting = Vec::with_capacity(news.len());
    for new in news {
        let (tx, rx) = tokio::sync::oneshot::channel();
        state.pipeline().submit(new, ReplyTo::Rest(tx)).await?;
        waiting.push(rx);
    }
    let mut imported = 0;
    for rx in waiting {
        let outcome = rx
            .await
            .map_err(|_| internal("the pipeline dropped an import"))?;
        outcome?;
        imported += 1;
    }
    let room = state
        .service()
        .visible_room(authed.session.user.id, room.id)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            room: wire::room(&room),
            imported,
        }),
    ))
}
