//! Uploads, downloads, thumbnails and storage usage under `/files`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use natter_core::{FileId, FileInfo, FileName, NewFile};
use natter_proto::{Attachment, StorageUsage};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;

use crate::auth::Authed;
use crate::extract::{ApiQuery, IdPath};
use crate::files::{self, Limit, Received};
use crate::{wire, ApiError, AppState};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    name: String,
}

/// `POST /files?name=NAME` with the file's bytes as the body (any `Content-Type`; it is not
/// trusted). 201 with the stored file, unattached until it is sent with a message.
#[utoipa::path(
    post,
    path = "/files",
    operation_id = "upload_file",
    tag = "files",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    params(UploadQuery),
    responses((status = 201, description = "OK", body = natter_proto::Attachment), (status = 413, description = ""), (status = 422, description = ""), (status = 429, description = ""))
)]
pub async fn upload(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>), ApiError> {
    let owner = authed.session.user.id;
    let name = FileName::parse(&q.name)?;
    state.rate(crate::Limit::Upload, owner)?;
    let _slot = state
        .upload_slots()
        .take(owner)
        .ok_or(ApiError::RateLimited(std::time::Duration::from_secs(1)))?;
    let config = state.config();
    let quota = i64::try_from(config.storage_quota_bytes).unwrap_or(i64::MAX);
    let used = state.service().storage_used(owner).await?;
    let left = u64::try_from(quota.saturating_sub(used)).unwrap_or(0);
    let limit = Limit::of(config.max_file_bytes, left);
    // A declared length already over the limit is refused before reading a byte.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.bytes()) {
        return Err(over(limit, config.max_file_bytes));
    }
    let received = files::receive(body, &config.upload_dir, limit)
        .await
        .map_err(|e| match e {
            files::ReceiveError::Over(limit) => over(limit, config.max_file_bytes),
            files::ReceiveError::Body(_) | files::ReceiveError::Stalled => {
                ApiError::BadRequest("upload_interrupted", format!("the upload broke off: {e}"))
            }
            files::ReceiveError::Io(e) => ApiError::Internal(format!("spooling: {e}")),
        })?;
    if received.size == 0 {
        return Err(natter_core::DomainError::EmptyFile.into());
    }
    // From here on the work runs to the end even if the client goes away, so a blob is never
    // left stored without its row, or a row without its blob.
    let task = tokio::spawn(store(state.clone(), owner, name, received, quota));
    let stored = task
        .await
        .map_err(|e| ApiError::Internal(format!("storing an upload: {e}")))??;
    tracing::info!(file = %stored.id, size = stored.size, kind = %stored.content_type, "file uploaded");
    Ok((StatusCode::CREATED, Json(wire::attachment(&stored))))
}

fn over(limit: Limit, max_file: u64) -> ApiError {
    match limit {
        Limit::File(_) => ApiError::FileTooLarge(max_file),
        Limit::Quota(_) => natter_core::Error::QuotaExceeded.into(),
    }
}

/// Sniffs, thumbnails, moves the bytes into the blob store and records the file. If recording
/// fails (the quota filled up meanwhile), the blobs are deleted again.
async fn store(
    state: AppState,
    owner: natter_core::UserId,
    name: FileName,
    received: Received,
    quota: i64,
) -> Result<FileInfo, ApiError> {
    let content_type = files::sniff(&received.head);
    let thumbnail = state
        .thumbnailer()
        .make(received.path().to_owned(), &content_type)
        .await;
    let blob = files::random_hex().map_err(|e| ApiError::Internal(e.to_string()))?;
    let thumb_key = FileInfo::thumbnail_key_of(&blob);
    let new = NewFile {
        owner,
        name,
        content_type,
        size: i64::try_from(received.size).unwrap_or(i64::MAX),
        image: thumbnail.as_ref().map(|t| t.size),
        blob: blob.clone(),
    };
    let blobs = state.blobs();
    let internal = |e: std::io::Error| ApiError::Internal(format!("storing a blob: {e}"));
    blobs
        .put_file(&blob, received.path())
        .await
        .map_err(internal)?;
    drop(received);
    let stored = match thumbnail {
        Some(t) => blobs.put_bytes(&thumb_key, t.bytes).await.map_err(internal),
        None => Ok(()),
    };
    let recorded = match stored {
        Ok(()) => state
            .service()
            .record_file(new, quota)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    if recorded.is_err() {
        for key in [blob, thumb_key] {
            let _ = blobs.delete(&key).await;
        }
    }
    recorded
}

/// Which bytes of a file to serve.
#[derive(Clone, Copy)]
enum Variant {
    Original,
    Thumbnail,
}

/// `GET /files/{id}`: the bytes, to the uploader and to members of the room it was shared in.
#[utoipa::path(
    get,
    path = "/files/{id}",
    operation_id = "download_file",
    tag = "files",
    responses((status = 200, description = "The file's bytes", content_type = "*/*", body = Vec<u8>), (status = 404, description = ""))
)]
pub async fn download(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<FileId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(&state, &authed, id, &headers, Variant::Original).await
}

/// `GET /files/{id}/thumbnail`: for images only.
#[utoipa::path(
    get,
    path = "/files/{id}/thumbnail",
    operation_id = "download_thumbnail",
    tag = "files",
    responses((status = 200, description = "The thumbnail", content_type = "image/*", body = Vec<u8>), (status = 404, description = ""))
)]
pub async fn thumbnail(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<FileId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    serve(&state, &authed, id, &headers, Variant::Thumbnail).await
}

/// `DELETE /files/{id}`: the uploader discards a file not yet sent.
#[utoipa::path(
    delete,
    path = "/files/{id}",
    operation_id = "discard_file",
    tag = "files",
    responses((status = 204, description = "Done"), (status = 403, description = ""), (status = 404, description = ""), (status = 409, description = ""))
)]
pub async fn discard(
    State(state): State<AppState>,
    authed: Authed,
    IdPath(id): IdPath<FileId>,
) -> Result<StatusCode, ApiError> {
    let file = state
        .service()
        .discard_upload(authed.session.user.id, id)
        .await?;
    files::delete_blobs(state.blobs(), &[file]).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /files/usage`: what the caller stores, and the limits.
#[utoipa::path(
    get,
    path = "/files/usage",
    operation_id = "storage_usage",
    tag = "files",
    responses((status = 200, description = "OK", body = natter_proto::StorageUsage))
)]
pub async fn usage(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Json<StorageUsage>, ApiError> {
    let used = state.service().storage_used(authed.session.user.id).await?;
    let config = state.config();
    let bytes = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Json(StorageUsage {
        used_bytes: used,
        quota_bytes: bytes(config.storage_quota_bytes),
        max_file_bytes: bytes(config.max_file_bytes),
    }))
}

/// Streams a file the caller may read, with headers that stop a browser from running it: the
/// sniffed type, `nosniff`, a sandboxing CSP, and `attachment` for everything but images.
async fn serve(
    state: &AppState,
    authed: &Authed,
    id: FileId,
    request: &HeaderMap,
    variant: Variant,
) -> Result<Response, ApiError> {
    let file = state
        .service()
        .readable_file(authed.session.user.id, id)
        .await?;
    let (key, content_type, inline) = match variant {
        Variant::Original => (
            file.blob.clone(),
            files::served_type(&file.content_type),
            file.image.is_some(),
        ),
        Variant::Thumbnail => {
            let key = file.thumbnail_key().ok_or(natter_core::Error::NotFound)?;
            (key, file.thumbnail_type(), true)
        }
    };
    // The key names these exact bytes forever, so it is the ETag. Access was checked above,
    // so a browser's copy is reused only after the server has said yes again.
    let etag = format!("\"{key}\"");
    let cache = [
        (header::ETAG, header_value(&etag)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        ),
    ];
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let blob = state
        .blobs()
        .get(&key)
        .await
        .map_err(|e| ApiError::Internal(format!("reading a blob: {e}")))?
        .ok_or_else(|| ApiError::Internal(format!("the blob of file {} is missing", file.id)))?;
    let disposition = if inline { "inline" } else { "attachment" };
    let headers = [
        (header::CONTENT_TYPE, header_value(content_type)),
        (header::CONTENT_LENGTH, HeaderValue::from(blob.len)),
        (
            header::CONTENT_DISPOSITION,
            header_value(&content_disposition(disposition, &file.name)),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
    ];
    Ok((cache, headers, Body::from_stream(blob.body)).into_response())
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

/// Everything but unreserved characters is escaped in `filename*` (RFC 8187).
const FILENAME_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`: the plain name for old
/// clients (non-ASCII, quotes and backslashes replaced) and the exact one for everyone else.
pub(super) fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = utf8_percent_encode(name, FILENAME_ESCAPES);
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_quoted_safely_in_content_disposition() {
        assert_eq!(
            content_disposition("attachment", "a \"b\".txt"),
            "attachment; filename=\"a _b_.txt\"; filename*=UTF-8''a%20%22b%22.txt"
        );
        assert_eq!(
            content_disposition("inline", "café.png"),
            "inline; filename=\"caf_.png\"; filename*=UTF-8''caf%C3%A9.png"
        );
    }
}
