//! Extractors whose rejections are [`ApiError`]s, so bad input gets the documented JSON error.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use std::str::FromStr;

use natter_core::RoomId;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// A JSON object body (`axum::Json`, but never an array standing in for an object), with our
/// error body on rejection.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            let msg = "Expected request with `Content-Type: application/json`";
            return Err(ApiError::UnsupportedMediaType(msg.into()));
        }
        let bytes = Bytes::from_request(req, state).await?;
        json_object(&bytes).map(ApiJson)
    }
}

/// Reads a body that must be a JSON object. serde would read a struct from an array of its
/// fields too, and refuses `2.0` for an integer, which JSON Schema (and so the API document)
/// counts as one; this takes objects only, and integral numbers however they are written.
pub fn json_object<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Read straight into `T` when that works (it needs no tree of the whole body, which for
    // an import is large); only a body it refuses is looked at again as a tree.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        if let Ok(found) = serde_json::from_slice(bytes) {
            return Ok(found);
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest("malformed_json", e.to_string()))?;
    if !value.is_object() {
        let msg = "the body must be a JSON object";
        return Err(ApiError::BadRequest("malformed_json", msg.into()));
    }
    integral_numbers(&mut value);
    T::deserialize(value).map_err(|e| ApiError::BadRequest("invalid_request", e.to_string()))
}

/// Rewrites each number with no fractional part (`2.0`, `1e3`) as the integer it is.
fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Strictly inside the i64 range: a literal just past it reads as the same float as its end.
            if f.fract() == 0.0 && f > -9.223_372_036_854_776e18 && f < 9.223_372_036_854_776e18 {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// `application/json`, or another JSON type (`application/*+json`), as axum's `Json` takes.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|sub| sub.ends_with("+json"))
}

/// `axum::extract::Query` with our error body on rejection.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// `?query=&offset=&limit=` of the admin's lists.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub offset: u32,
    pub limit: Option<u32>,
}

/// The one id in the path (a room, message or user). Anything that is not an id names
/// nothing: 404.
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: FromStr> FromRequestParts<S> for IdPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::Domain(natter_core::Error::NotFound))?;
        id_from(&raw).map(IdPath)
    }
}

/// A room id from the path.
pub type RoomPath = IdPath<RoomId>;

/// Parses an id sent in a path, query or body; an unparsable id names nothing.
pub fn id_from<T: FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Domain(natter_core::Error::NotFound))
}

/// Parses a user id sent in a body; an unparsable id names no user.
pub fn user_id(raw: &str) -> Result<natter_core::UserId, ApiError> {
    id_from(raw)
}

/// Parses a list of ids; any unparsable one names nothing.
pub fn ids_from<T: FromStr>(raw: &[String]) -> Result<Vec<T>, ApiError> {
    raw.iter().map(|id| id_from(id)).collect()
}
