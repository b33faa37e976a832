//! What a scenario drives: natter itself, or a peer server for comparison. The WebSocket
//! scenarios (fanout, sends, idle) speak to any of them through [`Person`] and [`Conn`]; the
//! rest need natter's own API, or (history and sends) Matrix's.

use std::str::FromStr;

use anyhow::Context;

use natter_client::proto::{ClientFrame, ServerFrame};
use natter_client::{Client, Connection};

use crate::peer::{self, Dialect};
use crate::{matrix, population};

/// The kind of server at `--server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Natter,
    /// A peer speaking `bench/peers/PROTOCOL.md`.
    Peer(Dialect),
    /// A Matrix homeserver (Synapse), over its client-server HTTP API.
    Matrix,
}

impl Target {
    pub const NAMES: &'static str = "natter, ws, socketio, matrix";

    pub fn name(self) -> &'static str {
        match self {
            Target::Natter => "natter",
            Target::Peer(Dialect::Ws) => "ws",
            Target::Peer(Dialect::SocketIo) => "socketio",
            Target::Matrix => "matrix",
        }
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "natter" => Target::Natter,
            "ws" => Target::Peer(Dialect::Ws),
            "socketio" => Target::Peer(Dialect::SocketIo),
            "matrix" => Target::Matrix,
            _ => return Err(format!("no protocol {s:?}; there are {}", Target::NAMES)),
        })
    }
}

/// A signed-in account of any target.
#[derive(Clone)]
pub enum Person {
    Natter(Client),
    Peer(peer::Account),
    Matrix(matrix::Account),
}

/// `n` accounts named `{prefix}{i}`, signed in.
pub async fn people(
    target: Target,
    base: &str,
    prefix: &str,
    n: usize,
    saved: Option<&std::path::Path>,
) -> anyhow::Result<Vec<Person>> {
    Ok(match target {
        Target::Natter => population::accounts(base, prefix, n, saved)
            .await?
            .into_iter()
            .map(Person::Natter)
            .collect(),
        Target::Peer(dialect) => {
            let http = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()?;
            let base = base.to_owned();
            population::named_in_batches(prefix, n, move |name| {
                let (http, base) = (http.clone(), base.clone());
                async move {
                    let account = peer::login(&http, &base, dialect, &name).await?;
                    Ok(Person::Peer(account))
                }
            })
            .await?
        }
        Target::Matrix => matrix::accounts(base, prefix, n)
            .await?
            .into_iter()
            .map(Person::Matrix)
            .collect(),
    })
}

/// A room that `people[0]` makes and everyone in `people` is a member of; its id. Peers have
/// no membership outside a connection: their members join when they connect.
pub async fn room(people: &[Person], name: &str) -> anyhow::Result<String> {
    match people.split_first() {
        Some((Person::Natter(owner), rest)) => {
            let members: Vec<Client> = rest
                .iter()
                .filter_map(|p| match p {
                    Person::Natter(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            population::room(owner, &members, name).await
        }
        Some((Person::Matrix(owner), rest)) => matrix::room(owner, rest, name).await,
        Some((Person::Peer(_), _)) => Ok(name.to_owned()),
        None => anyhow::bail!("a room needs at least one person"),
    }
}

/// An open WebSocket of any target.
pub enum Conn {
    Natter(Connection),
    Peer(peer::Conn),
}

/// What arrived on a [`Conn`], as far as the scenarios care.
#[derive(Debug)]
pub enum Seen {
    Message(String),
    /// The ack of the send with this id.
    Ack(u64),
    Pong,
    Refused(String),
    Other,
}

impl Person {
    /// The account whose session is `token` at the server at `base`, as another load process
    /// was handed it (see `crew`).
    pub fn with_token(
        target: Target,
        base: &str,
        http: &reqwest::Client,
        token: String,
    ) -> anyhow::Result<Person> {
        Ok(match target {
            Target::Natter => {
                Person::Natter(Client::with_http(base, http.clone()).with_token(token))
            }
            Target::Peer(dialect) => Person::Peer(peer::Account::with_token(base, dialect, token)),
            Target::Matrix => anyhow::bail!("Matrix accounts are not handed to other processes"),
        })
    }

    /// The account's session token.
    pub fn token(&self) -> anyhow::Result<&str> {
        match self {
            Person::Natter(client) => client.token().context("a signed-in account has a token"),
            Person::Peer(account) => Ok(account.token()),
            Person::Matrix(_) => anyhow::bail!("Matrix accounts are not handed to other processes"),
        }
    }

    /// Opens a WebSocket that receives the messages of `rooms` (natter: all of the account's
    /// rooms, from now on; a peer: the rooms it joins on the connection).
    pub async fn connect(&self, rooms: &[String]) -> anyhow::Result<Conn> {
        match self {
            Person::Natter(client) => Ok(Conn::Natter(population::connect(client).await?)),
            Person::Peer(account) => Ok(Conn::Peer(account.connect(rooms).await?)),
            Person::Matrix(_) => anyhow::bail!("Matrix has no WebSocket to connect to"),
        }
    }
}

impl Conn {
    /// Sends `body` into `room`; the ack names `id`.
    pub async fn send_message(&mut self, room: &str, id: u64, body: &str) -> anyhow::Result<()> {
        match self {
            Conn::Natter(conn) => {
                let frame = ClientFrame::Send {
                    room_id: room.to_owned(),
                    body: body.to_owned(),
                    client_id: Some(client_id(room, id)),
                    reply_to: None,
                    attachments: Vec::new(),
                };
                Ok(conn.send(&frame).await?)
            }
            Conn::Peer(conn) => conn.send(&peer::Request::Send { room, id, body }).await,
        }
    }

    pub async fn ping(&mut self) -> anyhow::Result<()> {
        match self {
            Conn::Natter(conn) => Ok(conn.send(&ClientFrame::Ping).await?),
            Conn::Peer(conn) => conn.send(&peer::Request::Ping).await,
        }
    }

    /// The next thing that arrived, or `None` once the server closed the connection.
    pub async fn next(&mut self) -> anyhow::Result<Option<Seen>> {
        Ok(Some(match self {
            Conn::Natter(conn) => match conn.next_frame().await? {
                None => return Ok(None),
                Some(ServerFrame::Message { message }) => Seen::Message(message.body),
                Some(ServerFrame::Ack { client_id, .. }) => client_id
                    .as_deref()
                    .and_then(sent_id)
                    .map_or(Seen::Other, Seen::Ack),
                Some(ServerFrame::Pong) => Seen::Pong,
                Some(ServerFrame::Error { code, message, .. }) => {
                    Seen::Refused(format!("{code}: {message}"))
                }
                Some(_) => Seen::Other,
            },
            Conn::Peer(conn) => match conn.next().await? {
                None => return Ok(None),
                Some(peer::Event::Message { body }) => Seen::Message(body),
                Some(peer::Event::Ack { id }) => Seen::Ack(id),
                Some(peer::Event::Pong) => Seen::Pong,
                Some(peer::Event::Error { message }) => Seen::Refused(message),
                Some(_) => Seen::Other,
            },
        }))
    }
}

/// The client id of send `id` into `room`. A server remembers each person's client ids, and
/// accounts kept with `--accounts` come back in later runs, each with rooms of its own: so the
/// room is part of it.
pub fn client_id(room: &str, id: u64) -> String {
    format!("{room}/{id}")
}

/// The send id in a client id made by [`client_id`].
pub fn sent_id(client_id: &str) -> Option<u64> {
    client_id.rsplit_once('/')?.1.parse().ok()
}
