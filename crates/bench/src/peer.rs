//! The generic JSON protocol of the peer servers under `bench/peers/` (see
//! `bench/peers/PROTOCOL.md`): log in for a token, open a WebSocket, join rooms, send messages
//! acked to the sender and broadcast to every other member, ping. It comes in two dialects:
//! plain JSON text frames (the Node `ws` peer), and the same objects as the Socket.IO event
//! `frame` over Engine.IO v4's WebSocket transport (the Socket.IO peer).

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How the protocol's objects travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// One JSON object per WebSocket text frame, at `/ws?token=…`.
    Ws,
    /// `42["frame",{…}]` Socket.IO events at `/socket.io/?EIO=4&transport=websocket`.
    SocketIo,
}

/// A signed-in account on a peer server.
#[derive(Debug, Clone)]
pub struct Account {
    base: String,
    token: String,
    dialect: Dialect,
}

/// What a client sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Request<'a> {
    Join {
        room: &'a str,
    },
    Send {
        room: &'a str,
        id: u64,
        body: &'a str,
    },
    Ping,
}

/// What a server sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Event {
    Ready,
    Joined { room: String },
    Ack { id: u64 },
    Message { body: String },
    Pong,
    Error { message: String },
}

/// Logs `user` in; peers keep no passwords, so this is cheap and needs no registration.
pub async fn login(
    http: &reqwest::Client,
    base: &str,
    dialect: Dialect,
    user: &str,
) -> anyhow::Result<Account> {
    #[derive(Deserialize)]
    struct Token {
        token: String,
    }
    let res = http
        .post(format!("{base}/login"))
        .json(&serde_json::json!({ "user": user }))
        .send()
        .await
        .with_context(|| format!("logging {user} in at {base}/login (is the peer running?)"))?;
    let token: Token = res.error_for_status()?.json().await?;
    Ok(Account {
        base: base.to_owned(),
        token: token.token,
        dialect,
    })
}

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One open connection to a peer server.
pub struct Conn {
    ws: Stream,
    dialect: Dialect,
}

impl Account {
    /// The account whose session is `token`, at the peer at `base`.
    pub fn with_token(base: &str, dialect: Dialect, token: String) -> Account {
        Account {
            base: base.to_owned(),
            token,
            dialect,
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Opens a WebSocket, waits for `ready`, and joins `rooms`, waiting for each `joined`.
    pub async fn connect(&self, rooms: &[String]) -> anyhow::Result<Conn> {
        let ws_base = self.base.replacen("http", "ws", 1);
        let url = match self.dialect {
            Dialect::Ws => format!("{ws_base}/ws?token={}", self.token),
            Dialect::SocketIo => format!("{ws_base}/socket.io/?EIO=4&transport=websocket"),
        };
        // As natter's own client does: from one of several source addresses, reading 8 KiB at
        // a time (tungstenite zeroes its whole read size before each read).
        let tcp = crate::source::tcp(&self.base).await?;
        let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
        let (ws, _) =
            tokio_tungstenite::client_async_tls_with_config(&url, tcp, Some(config), None)
                .await
                // The `ws` peer's address carries the session token: it stays out of errors.
                .with_context(|| format!("opening {ws_base}"))?;
        let mut conn = Conn {
            ws,
            dialect: self.dialect,
        };
        if self.dialect == Dialect::SocketIo {
            conn.socket_io_handshake(&self.token).await?;
        }
        match conn.next().await? {
            Some(Event::Ready) => {}
            other => bail!("expected ready first, got {other:?}"),
        }
        for room in rooms {
            conn.send(&Request::Join { room }).await?;
            loop {
                match conn.next().await? {
                    Some(Event::Joined { room: r }) if &r == room => break,
                    Some(Event::Error { message }) => bail!("joining {room}: {message}"),
                    Some(_) => continue,
                    None => bail!("the peer closed the connection while joining {room}"),
                }
            }
        }
        Ok(conn)
    }
}

impl Conn {
    /// Engine.IO's open packet, then Socket.IO's CONNECT with the token as its auth.
    async fn socket_io_handshake(&mut self, token: &str) -> anyhow::Result<()> {
        match self.ws.next().await.transpose()? {
            Some(Message::Text(t)) if t.starts_with('0') => {}
            other => bail!("expected Engine.IO's open packet, got {other:?}"),
        }
        let auth = serde_json::json!({ "token": token });
        self.ws.send(Message::text(format!("40{auth}"))).await?;
        loop {
            match self.ws.next().await.transpose()? {
                Some(Message::Text(t)) if t.starts_with("40") => return Ok(()),
                Some(Message::Text(t)) if t.starts_with("44") => bail!("refused: {t}"),
                Some(Message::Text(t)) if t.as_str() == "2" => {
                    self.ws.send(Message::text("3")).await?;
                }
                Some(_) => continue,
                None => bail!("the peer closed the connection during Socket.IO's handshake"),
            }
        }
    }

    pub async fn send(&mut self, request: &Request<'_>) -> anyhow::Result<()> {
        let json = serde_json::to_string(request)?;
        let text = match self.dialect {
            Dialect::Ws => json,
            Dialect::SocketIo => format!("42[\"frame\",{json}]"),
        };
        self.ws.send(Message::text(text)).await?;
        Ok(())
    }

    /// The next protocol event, or `None` once the peer closed the connection. Engine.IO's
    /// heartbeat pings are answered on the way.
    pub async fn next(&mut self) -> anyhow::Result<Option<Event>> {
        while let Some(msg) = self.ws.next().await {
            let text = match msg? {
                Message::Text(text) => text,
                Message::Close(_) => return Ok(None),
                _ => continue,
            };
            let json = match self.dialect {
                Dialect::Ws => text.as_str(),
                Dialect::SocketIo => {
                    if text.as_str() == "2" {
                        self.ws.send(Message::text("3")).await?;
                        continue;
                    }
                    match text
                        .strip_prefix("42[\"frame\",")
                        .and_then(|t| t.strip_suffix(']'))
                    {
                        Some(json) => json,
                        None => continue,
                    }
                }
            };
            return Ok(Some(serde_json::from_str(json).with_context(|| {
                format!("an event the bench cannot read: {json}")
            })?));
        }
        Ok(None)
    }
}
