//! The one mapping from errors to HTTP responses and WebSocket error frames.

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use natter_core::Error;
use natter_proto::{ErrorBody, ErrorDetail, ServerFrame};

use crate::wire;

/// Every error a handler or the WebSocket gateway can produce.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] Error),
    #[error("authentication required")]
    Unauthorized,
    #[error("cross-site WebSocket upgrade refused")]
    ForbiddenOrigin,
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("the request body arrived too slowly")]
    BodyTooSlow,
    #[error("files can be at most {} MiB", .0 / (1024 * 1024))]
    FileTooLarge(u64),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many requests; try again in {} s", .0.as_secs_f64().ceil())]
    RateLimited(std::time::Duration),
    #[error("no such endpoint")]
    NoRoute,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The status and machine-readable code, shared by HTTP and WebSocket errors.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        use StatusCode as S;
        match self {
            ApiError::Domain(e) => match e {
                Error::Invalid(d) => (S::UNPROCESSABLE_ENTITY, d.code()),
                Error::NotFound => (S::NOT_FOUND, "not_found"),
                Error::Forbidden(_) => (S::FORBIDDEN, "forbidden"),
                Error::Conflict("username") => (S::CONFLICT, "username_taken"),
                Error::Conflict("room name") => (S::CONFLICT, "room_name_taken"),
                Error::Conflict("client_id") => (S::CONFLICT, "client_id_reused"),
                Error::Conflict("attachment") => (S::CONFLICT, "file_already_attached"),
                Error::Conflict("report") => (S::CONFLICT, "already_resolved"),
                Error::Conflict(_) => (S::CONFLICT, "conflict"),
                Error::InvalidCredentials => (S::UNAUTHORIZED, "invalid_credentials"),
                Error::LastAdmin => (S::CONFLICT, "last_admin"),
                Error::RegistrationClosed => (S::FORBIDDEN, "registration_closed"),
                Error::InviteRequired => (S::FORBIDDEN, "invite_required"),
                Error::InvalidInvite => (S::FORBIDDEN, "invalid_invite"),
                Error::InvalidResetLink => (S::FORBIDDEN, "invalid_reset_link"),
                Error::AccountDeactivated => (S::FORBIDDEN, "account_deactivated"),
                Error::Banned(_) => (S::FORBIDDEN, "banned"),
                // The confirmation does not match the room as it is now.
                Error::ConfirmationRequired => (S::CONFLICT, "confirmation_required"),
                Error::Muted(_) => (S::FORBIDDEN, "muted"),
                Error::SlowMode(_) => (S::TOO_MANY_REQUESTS, "slow_mode"),
                Error::QuotaExceeded => (S::PAYLOAD_TOO_LARGE, "quota_exceeded"),
                Error::Store(_) => (S::INTERNAL_SERVER_ERROR, "internal"),
            },
            ApiError::Unauthorized => (S::UNAUTHORIZED, "unauthorized"),
            ApiError::ForbiddenOrigin => (S::FORBIDDEN, "forbidden_origin"),
            ApiError::BadRequest(code, _) => (S::BAD_REQUEST, code),
            ApiError::PayloadTooLarge => (S::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ApiError::BodyTooSlow => (S::REQUEST_TIMEOUT, "request_timeout"),
            ApiError::FileTooLarge(_) => (S::PAYLOAD_TOO_LARGE, "file_too_large"),
            ApiError::UnsupportedMediaType(_) => {
                (S::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::RateLimited(_) => (S::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::NoRoute => (S::NOT_FOUND, "not_found"),
            ApiError::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The human-readable message. Server faults get a generic one; the cause goes to the log.
    fn public_message(&self) -> String {
        let (status, _) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, debug = ?self, "request failed");
            return "internal server error".to_owned();
        }
        match self {
            // Say until when, so the person knows how long to wait.
            ApiError::Domain(Error::Banned(until)) => match until {
                Some(t) => format!("you are banned from this room until {}", wire::time(*t)),
                None => "you are banned from this room".to_owned(),
            },
            ApiError::Domain(Error::Muted(until)) => match until {
                Some(t) => format!("you are muted in this room until {}", wire::time(*t)),
                None => "you are muted in this room".to_owned(),
            },
            ApiError::Domain(Error::SlowMode(next)) => format!(
                "slow mode is on in this room: you can post again at {}",
                wire::time(*next)
            ),
            other => other.to_string(),
        }
    }

    /// How long the client should wait before trying again, for refusals that pass with time.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            ApiError::RateLimited(wait) => Some(*wait),
            ApiError::Domain(Error::SlowMode(next)) => {
                let ms = (next.0 - natter_core::Timestamp::now().0).max(1);
                Some(std::time::Duration::from_millis(ms as u64))
            }
            _ => None,
        }
    }

    fn retry_after_ms(&self) -> Option<u64> {
        self.retry_after().map(|d| d.as_millis().max(1) as u64)
    }

    /// The WebSocket form of this error, tagged with the client's `client_id` if it sent one.
    pub fn to_frame(&self, client_id: Option<String>) -> ServerFrame {
        let (_, code) = self.status_and_code();
        ServerFrame::Error {
            code: code.to_owned(),
            message: self.public_message(),
            client_id,
            retry_after_ms: self.retry_after_ms(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message: self.public_message(),
                retry_after_ms: self.retry_after_ms(),
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(wait) = self.retry_after() {
            // Whole seconds, rounded up: a client that waits this long is let in.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.max(1).into());
        }
        response
    }
}

/// Whether a body error was the minimum-rate deadline (see `body_rate`).
pub fn caused_by_slow_body(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if err.is::<crate::body_rate::TooSlow>() {
            return true;
        }
        cause = err.source();
    }
    false
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        if caused_by_slow_body(&r) {
            return ApiError::BodyTooSlow;
        }
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::BadRequest("malformed_json", r.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest("invalid_query", r.body_text())
    }
}

impl From<natter_core::DomainError> for ApiError {
    fn from(e: natter_core::DomainError) -> Self {
        ApiError::Domain(e.into())
    }
}

impl From<natter_core::StoreError> for ApiError {
    fn from(e: natter_core::StoreError) -> Self {
        ApiError::Domain(e.into())
    }
}
