//! Extractors whose rejections are [`ApiError`]s, so bad input gets the documented JSON error.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
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

/// A room id from the path. Anything that is not an id names no room: 404.
pub struct RoomPath(pub RoomId);

impl<S: Send + Sync> FromRequestParts<S> for RoomPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::Domain(natter_core::Error::NotFound))?;
        raw.parse()
            .map(RoomPath)
            .map_err(|_| ApiError::Domain(natter_core::Error::NotFound))
    }
}

/// Parses a user id sent in a body; an unparsable id names no user.
pub fn user_id(raw: &str) -> Result<natter_core::UserId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Domain(natter_core::Error::NotFound))
}
