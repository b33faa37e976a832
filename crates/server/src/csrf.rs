//! Cross-site request forgery, refused in depth: a browser request that carries the session
//! cookie and changes something must come from this server's own origin (scheme, host and
//! port) or a configured one. `SameSite=Lax` on the cookie is the first wall; this is the
//! second, and the WebSocket upgrade applies the same origin rule.
//!
//! API answers are also marked `Cache-Control: no-store`, so no shared or browser cache keeps a
//! copy of someone's messages.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::peer::ClientScheme;
use crate::{auth, device, ApiError, AppState};

/// Whether `Origin` (or, without it, `Sec-Fetch-Site`) says the request comes from this
/// server's own origin or an allowed one. Requests with neither header are not from a browser
/// (or from one too old to send them on a POST), and cannot be forged this way.
pub fn origin_allowed(headers: &HeaderMap, scheme: &str, allowed: &[String]) -> bool {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(origin) = header(header::ORIGIN) {
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
            return true;
        }
        return match (origin.split_once("://"), header(header::HOST)) {
            (Some((their_scheme, authority)), Some(host)) => {
                their_scheme.eq_ignore_ascii_case(scheme) && authority.eq_ignore_ascii_case(host)
            }
            _ => false,
        };
    }
    match header(axum::http::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

fn unsafe_method(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a cookie-carrying unsafe request from another origin with 403 `forbidden_origin`;
/// marks every API answer `no-store`.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    // Only a bearer token takes the cookie's place (as in `auth::authenticate`): any other
    // Authorization header (a proxy's Basic auth) is sent by browsers cross-site too.
    let by_cookie = auth::bearer(headers).is_none()
        && (auth::cookie_named(headers, auth::COOKIE_NAME).is_some()
            || auth::cookie_named(headers, device::COOKIE_NAME).is_some());
    if by_cookie && unsafe_method(req.method()) {
        let scheme = req
            .extensions()
            .get::<ClientScheme>()
            .map_or("http", |s| s.0);
        if !origin_allowed(headers, scheme, &state.config().allowed_origins) {
            return ApiError::ForbiddenOrigin.into_response();
        }
    }
    let api = req.uri().path().starts_with("/api/");
    let mut response = next.run(req).await;
    if api && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_own_origin_scheme_included_or_a_configured_one_passes() {
        let host = ("host", "chat.example.org");
        let own = headers(&[host, ("origin", "https://chat.example.org")]);
        assert!(origin_allowed(&own, "https", &[]));
        assert!(!origin_allowed(&own, "http", &[]), "the scheme counts");
        let evil = headers(&[host, ("origin", "https://evil.example")]);
        assert!(!origin_allowed(&evil, "https", &[]));
        assert!(!origin_allowed(
            &headers(&[host, ("origin", "null")]),
            "https",
            &[]
        ));
        let allowed = vec!["https://app.example.org".to_owned()];
        let app = headers(&[host, ("origin", "https://app.example.org")]);
        assert!(origin_allowed(&app, "https", &allowed));
        // Without Origin, the browser's own word on where the request came from.
        let cross = headers(&[host, ("sec-fetch-site", "cross-site")]);
        assert!(!origin_allowed(&cross, "https", &[]));
        let sibling = headers(&[host, ("sec-fetch-site", "same-site")]);
        assert!(!origin_allowed(&sibling, "https", &[]));
        assert!(origin_allowed(
            &headers(&[host, ("sec-fetch-site", "same-origin")]),
            "https",
            &[]
        ));
        // Not a browser at all.
        assert!(origin_allowed(&headers(&[host]), "https", &[]));
    }
}
