//! Extractors whose rejections are [`ApiError`]s, so bad input gets the documented JSON error.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use std::str::FromStr;

use natter_core::RoomId;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// `axum::Json` with our error body on rejection.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(value))
    }
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
#[derive(serde::Deserialize)]
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
