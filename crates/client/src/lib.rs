//! The Rust client library for natter: the REST API ([`Client`]) and the real-time
//! WebSocket protocol ([`Connection`]). The tests, the terminal client and the load generator
//! all talk to the server through this crate.
//!
//! ```no_run
//! # async fn demo() -> Result<(), natter_client::ClientError> {
//! use natter_client::Client;
//! let mut client = Client::new("http://127.0.0.1:8080");
//! client.login("alice", "correct horse battery").await?;
//! let rooms = client.rooms().await?;
//! let mut conn = client.connect().await?;
//! client.send_message(&rooms[0].id, "hello", None).await?;
//! while let Some(frame) = conn.next_frame().await? {
//!     println!("{frame:?}");
//! }
//! # Ok(()) }
//! ```

mod admin;
mod files;
mod http;
mod rich;
mod ws;

pub use admin::AuditFilter;
pub use files::Download;
pub use http::{Client, History};
pub use natter_proto as proto;
pub use rich::Search;
pub use ws::Connection;

/// Everything the client can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{status} {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("unexpected frame from server: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("not logged in")]
    NotLoggedIn,
    #[error("reading a local file: {0}")]
    Io(std::io::Error),
}

impl ClientError {
    /// The error with every cause under it, e.g. "http: error sending request: invalid peer
    /// certificate: UnknownIssuer", for showing to a person.
    pub fn describe(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.contains(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        text
    }

    /// The machine-readable error code, if the server sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered (also when it refused a WebSocket upgrade).
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            ClientError::WebSocket(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                Some(resp.status().as_u16())
            }
            _ => None,
        }
    }
}
