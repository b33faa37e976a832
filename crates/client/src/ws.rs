//! The real-time connection: JSON frames over one WebSocket.

use futures_util::{SinkExt, StreamExt};
use natter_proto::{ClientFrame, ServerFrame};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::ClientError;

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One WebSocket session with the server. Pings are answered as frames are read.
pub struct Connection {
    stream: Stream,
    close: Option<CloseFrame>,
}

/// How much tungstenite reads at a time. Its default, 128 KiB, is zeroed before every read:
/// for frames of a few hundred bytes that was most of a client's CPU with many connections.
const READ_CHUNK: usize = 8 * 1024;

fn config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(READ_CHUNK)
}

/// `http://host` becomes `ws://host/api/v1/ws`, `https://` becomes `wss://`.
fn ws_url(base: &str) -> String {
    let rest = base
        .strip_prefix("https://")
        .map(|r| format!("wss://{r}"))
        .or_else(|| base.strip_prefix("http://").map(|r| format!("ws://{r}")))
        .unwrap_or_else(|| base.to_owned());
    format!("{rest}/api/v1/ws")
}

impl Connection {
    /// Opens the WebSocket at `base` with `token`, over `tcp` when given (a TCP connection to
    /// the server's address opened by the caller, say from a chosen source address).
    pub(crate) async fn open(
        base: &str,
        token: &str,
        tcp: Option<TcpStream>,
    ) -> Result<Self, ClientError> {
        let mut request = ws_url(base).into_client_request()?;
        let bearer = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::NotLoggedIn)?;
        request.headers_mut().insert(AUTHORIZATION, bearer);
        let (stream, _) = match tcp {
            None => {
                tokio_tungstenite::connect_async_with_config(request, Some(config()), false).await?
            }
            Some(tcp) => {
                tokio_tungstenite::client_async_tls_with_config(request, tcp, Some(config()), None)
                    .await?
            }
        };
        Ok(Connection {
            stream,
            close: None,
        })
    }

    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), ClientError> {
        let text = serde_json::to_string(frame)?;
        self.send_raw(&text).await
    }

    /// Sends any text as a frame, valid or not (for tests of the server's error handling).
    pub async fn send_raw(&mut self, text: &str) -> Result<(), ClientError> {
        self.stream.send(Message::text(text)).await?;
        Ok(())
    }

    /// The next server frame, or `None` once the server closed the connection
    /// (see [`Connection::close_frame`] for its code).
    pub async fn next_frame(&mut self) -> Result<Option<ServerFrame>, ClientError> {
        while let Some(msg) = self.stream.next().await {
            match msg? {
                Message::Text(text) => return Ok(Some(serde_json::from_str(&text)?)),
                Message::Close(frame) => {
                    self.close = frame;
                    return Ok(None);
                }
                _ => continue,
            }
        }
        Ok(None)
    }

    /// The close frame the server sent, once `next_frame` has returned `None`.
    pub fn close_frame(&self) -> Option<(u16, String)> {
        self.close
            .as_ref()
            .map(|f| (u16::from(f.code), f.reason.to_string()))
    }

    pub async fn close(mut self) -> Result<(), ClientError> {
        self.stream.close(None).await?;
        Ok(())
    }
}
