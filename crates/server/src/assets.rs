//! The browser client, embedded in the binary at build time (see `build.rs`) and served at `/`.

use axum::http::{header, HeaderMap, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};

use crate::ApiError;

/// One file of the built web client.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// The same bytes gzipped, and brotli-compressed, when the build made them.
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

/// The smallest form of `asset` the request's `Accept-Encoding` allows: brotli, then gzip,
/// then the bytes as they are.
fn encoded(asset: &Asset, accept: &str) -> (&'static [u8], Option<&'static str>) {
    let accepts = |coding: &str| {
        accept.split(',').any(|part| {
            let mut fields = part.split(';').map(str::trim);
            let name = fields.next().unwrap_or("");
            let refused = fields.any(|f| {
                f.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
    };
    match (asset.brotli, asset.gzip) {
        (Some(br), _) if accepts("br") => (br, Some("br")),
        (_, Some(gz)) if accepts("gzip") => (gz, Some("gzip")),
        _ => (asset.body, None),
    }
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The page may load only what this server serves; it can talk only to this server (REST and
/// WebSocket), and may not be framed. User text never becomes markup, and this is the backstop.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" || is_address(path) {
        "/index.html"
    } else {
        path
    };
    ASSETS.iter().find(|a| a.path == path)
}

/// A room's or a message's address in the client (`/r/ROOM`, `/r/ROOM/SEQ`): the page that
/// opens it is the client's own, which reads the path. Whether the room exists, and whether
/// the reader may see it, is the API's to say when the client asks for it.
fn is_address(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/r/") else {
        return false;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut parts = rest.split('/');
    let number = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.len() <= 19 && p.bytes().all(|b| b.is_ascii_digit()))
    };
    number(parts.next()) && {
        let seq = parts.next();
        (seq.is_none() || number(seq)) && parts.next().is_none()
    }
}

/// Serves a web client file for GET and HEAD, and the JSON 404 for everything else.
pub async fn serve(method: Method, uri: Uri, request: HeaderMap) -> Response {
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
    let accept = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (body, encoding) = encoded(asset, accept);
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    if asset.gzip.is_some() || asset.brotli.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
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

    #[test]
    fn room_and_message_addresses_are_the_client_page_and_nothing_else_is() {
        let index = find("/").unwrap().path;
        for path in ["/r/1", "/r/12/", "/r/12/345", "/r/12/345/"] {
            assert_eq!(find(path).map(|a| a.path), Some(index), "{path}");
        }
        for path in [
            "/r",
            "/r/",
            "/r/x",
            "/r/1/2/3",
            "/r//2",
            "/r/1/x",
            "/rooms/1",
            "/r/1/../x",
        ] {
            assert!(find(path).is_none(), "{path}");
        }
    }

    #[test]
    fn the_smallest_accepted_encoding_is_chosen() {
        let asset = Asset {
            path: "/x.js",
            content_type: "text/javascript",
            body: b"raw bytes",
            gzip: Some(b"gz"),
            brotli: Some(b"br"),
        };
        assert_eq!(encoded(&asset, "gzip, deflate, br").1, Some("br"));
        assert_eq!(encoded(&asset, "gzip;q=1.0, br;q=0").1, Some("gzip"));
        assert_eq!(encoded(&asset, "GZIP").1, Some("gzip"));
        assert_eq!(encoded(&asset, "identity").0, b"raw bytes");
        assert_eq!(encoded(&asset, "").1, None);
        // Every text file of the built client has both forms.
        for a in ASSETS
            .iter()
            .filter(|a| a.path.ends_with(".js") || a.path.ends_with(".css"))
        {
            assert!(a.gzip.is_some() && a.brotli.is_some(), "{}", a.path);
            assert!(a.brotli.unwrap().len() < a.body.len() / 2, "{}", a.path);
        }
    }
}
