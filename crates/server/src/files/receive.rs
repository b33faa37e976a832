//! Receiving an upload: the request body streamed to a spool file within limits, and the type
//! sniffed from its first bytes.

use std::io;
use std::path::{Path, PathBuf};

use axum::body::Body;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

/// Enough of the start of a file for every signature `infer` knows.
const HEAD_BYTES: usize = 8192;
/// An upload that sends nothing for this long is dropped, so a stalled client cannot hold a
/// spool file and an upload slot open.
const STALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// How many bytes an upload may have, and which limit that is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Limit {
    /// The server's largest file.
    File(u64),
    /// What is left of the uploader's quota (smaller than the largest file).
    Quota(u64),
}

impl Limit {
    /// The tighter of the file limit and what remains of the quota.
    pub(crate) fn of(max_file: u64, quota_left: u64) -> Limit {
        if quota_left < max_file {
            Limit::Quota(quota_left)
        } else {
            Limit::File(max_file)
        }
    }

    pub(crate) fn bytes(self) -> u64 {
        match self {
            Limit::File(n) | Limit::Quota(n) => n,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ReceiveError {
    #[error("the upload is larger than allowed")]
    Over(Limit),
    #[error("the upload ended early: {0}")]
    Body(axum::Error),
    #[error("the upload stalled")]
    Stalled,
    #[error("spooling the upload failed: {0}")]
    Io(#[from] io::Error),
}

/// A spooled upload. The spool file is removed when this is dropped, unless it was moved away.
pub(crate) struct Received {
    spool: Spool,
    pub size: u64,
    /// The first bytes, for sniffing.
    pub head: Vec<u8>,
}

impl Received {
    pub(crate) fn path(&self) -> &Path {
        &self.spool.0
    }
}

/// A spool file, removed when dropped (a no-op once it has been moved into the blob store).
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Streams `body` into a new file in `dir`, stopping as soon as it passes `limit`. Only one
/// chunk is in memory at a time.
pub(crate) async fn receive(
    body: Body,
    dir: &Path,
    limit: Limit,
) -> Result<Received, ReceiveError> {
    let spool = Spool(dir.join(format!("upload-{}", random_hex()?)));
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&spool.0)
        .await?;
    let mut size: u64 = 0;
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut stream = body.into_data_stream();
    loop {
        let next = tokio::time::timeout(STALL_TIMEOUT, stream.next()).await;
        let Some(chunk) = next.map_err(|_| ReceiveError::Stalled)? else {
            break;
        };
        let chunk = chunk.map_err(ReceiveError::Body)?;
        size += chunk.len() as u64;
        if size > limit.bytes() {
            return Err(ReceiveError::Over(limit));
        }
        let room = HEAD_BYTES - head.len();
        head.extend_from_slice(&chunk[..chunk.len().min(room)]);
        file.write_all(&chunk).await?;
    }
    // Durable before the metadata that points at it is committed.
    file.sync_all().await?;
    Ok(Received { spool, size, head })
}

/// A random 128-bit key in hex: the blob key of a new file, and its spool file's name.
pub(crate) fn random_hex() -> io::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(io::Error::other)?;
    Ok(hex::encode(bytes))
}

/// Types a browser would render as a document (with scripts), wherever it found them.
const DOCUMENT_TYPES: &[&str] = &[
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
];

/// The type a stored file is served as: its sniffed type, except that a document type becomes
/// plain text, so no upload (older ones included) is ever rendered as a page.
pub(crate) fn served_type(stored: &str) -> &str {
    let essence = stored.split(';').next().unwrap_or(stored).trim();
    if DOCUMENT_TYPES
        .iter()
        .any(|t| essence.eq_ignore_ascii_case(t))
    {
        "text/plain; charset=utf-8"
    } else {
        stored
    }
}

/// The content type of a file from its first bytes: a known signature, else UTF-8 text, else
/// `application/octet-stream`. Whatever the client claimed is never consulted. HTML, SVG and
/// XML are recorded as text (or bytes), never as a type a browser renders.
pub(crate) fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        let mime = kind.mime_type();
        if served_type(mime) == mime {
            return mime.to_owned();
        }
    }
    if looks_like_text(head) {
        "text/plain; charset=utf-8".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// Valid UTF-8 (allowing a character cut off at the end) with no control characters but
/// whitespace.
fn looks_like_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && !valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(sniff(png), "image/png");
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), "image/jpeg");
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), "image/gif");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(
            sniff("plain words, é\n".as_bytes()),
            "text/plain; charset=utf-8"
        );
        assert_eq!(sniff(b"caf\xc3"), "text/plain; charset=utf-8");
        assert_eq!(sniff(b"\0\x01\x02binary"), "application/octet-stream");
        assert_eq!(sniff(b""), "application/octet-stream");
    }

    #[test]
    fn html_svg_and_xml_are_never_a_type_a_browser_renders() {
        let text = "text/plain; charset=utf-8";
        for doc in [
            &b"<!DOCTYPE html><html><script>alert(1)</script></html>"[..],
            b"<html><body onload=alert(1)>",
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
            b"<?xml version=\"1.0\"?><root/>",
        ] {
            assert_eq!(sniff(doc), text, "{}", String::from_utf8_lossy(doc));
        }
        // What was stored before this rule is served as text too.
        for stored in [
            "text/html",
            "image/svg+xml",
            "text/xml; charset=utf-8",
            "TEXT/HTML",
        ] {
            assert_eq!(served_type(stored), text, "{stored}");
        }
        assert_eq!(served_type("image/png"), "image/png");
    }

    #[test]
    fn the_tighter_limit_names_itself() {
        assert!(matches!(Limit::of(100, 50), Limit::Quota(50)));
        assert!(matches!(Limit::of(100, 500), Limit::File(100)));
    }
}
