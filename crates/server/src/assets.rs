//! The browser client, embedded in the binary at build time (see `build.rs`) and served at `/`.

use axum::http::{header, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// One file of the built web client.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page may load only what this server serves; it can talk only to this server (REST and
/// WebSocket), and may not be framed. User text never becomes markup, and this is the backstop.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}

/// Serves a web client file for GET and HEAD, and the JSON 404 for everything else.
pub async fn serve(method: Method, uri: Uri) -> Response {
    let asset = match (method, find(uri.path())) {
        (Method::GET | Method::HEAD, Some(asset)) => asset,
        _ => return ApiError::NoRoute.into_response(),
    };
    // Vite puts a content hash in every file name under /assets/, so those never change.
    let cache = if asset.path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if asset.content_type.starts_with("text/html") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_client_has_an_index_page_that_loads_its_script() {
        let index = find("/").expect("index.html is embedded");
        let html = std::str::from_utf8(index.body).expect("utf-8");
        let script = ASSETS
            .iter()
            .find(|a| a.path.starts_with("/assets/") && a.path.ends_with(".js"))
            .expect("a script under /assets/");
        assert!(
            html.contains(script.path),
            "index.html loads {}",
            script.path
        );
    }
}
