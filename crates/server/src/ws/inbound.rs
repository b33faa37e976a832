//! What a connection does with each frame its client sends.

use natter_core::{Page, RoomId, UserId};
use natter_proto::{ClientFrame, ServerFrame};
use tokio::time::Instant;

use super::conn::{Conn, Exit, Typing};
use super::socket::{self, Incoming, Outgoing};
use crate::extract::{id_from, ids_from};
use crate::pipeline::ReplyTo;
use crate::{wire, ApiError, Limit};

/// Rooms one `sync` frame may name.
const MAX_SYNC_ROOMS: usize = 1000;
/// Messages read from the store per replay page.
const REPLAY_PAGE: u32 = 100;

/// A sync's frames are gathered and written together once they reach this many bytes, and
/// at its end.
const GATHER_BYTES: usize = 64 * 1024;

/// Frames encoded for one write: a sync's replay and its `synced` go out in one write (or a
/// few, for a long replay) instead of one system call per frame, which was a fifth of the
/// server's CPU while thousands of clients resumed at once.
#[derive(Default)]
struct Gathered {
    out: Vec<u8>,
    count: u64,
}

/// People one `watch_presence` frame may name.
pub(crate) const MAX_WATCHED: usize = 500;

const KNOWN_TYPES: &[&str] = &["send", "typing", "sync", "read", "ping", "watch_presence"];

fn bad_frame(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(code, message.into())
}

/// Explains why a text frame did not parse: not JSON, an unknown `type`, or wrong fields.
fn classify_parse_error(text: &str, err: serde_json::Error) -> ApiError {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return bad_frame("malformed_frame", "frames must be JSON objects");
    };
    match value.get("type").and_then(|t| t.as_str()) {
        Some(t) if KNOWN_TYPES.contains(&t) => bad_frame("invalid_frame", err.to_string()),
        Some(t) => bad_frame("unknown_type", format!("unknown frame type `{t}`")),
        None => bad_frame("malformed_frame", "frames need a string `type`"),
    }
}

/// How the replay of one room ended.
enum Replayed {
    /// The room was refused (not found, not visible): an error frame said so.
    Refused,
    /// Everything the client lacked was sent.
    All,
    /// The cap was reached at this `seq`: the client asks again from it.
    Capped(i64),
}

fn room_id(raw: &str) -> Result<RoomId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::Domain(natter_core::Error::NotFound))
}

impl Conn {
    pub(super) async fn on_message(&mut self, msg: Incoming) -> Result<(), Exit> {
        match msg {
            Incoming::Text(text) => match serde_json::from_str::<ClientFrame>(&text) {
                Ok(frame) => self.on_frame(frame).await,
                Err(e) => {
                    let err = classify_parse_error(&text, e);
                    self.write_frame(&err.to_frame(None)).await
                }
            },
            Incoming::Binary => {
                let err = bad_frame("unsupported_frame", "send JSON text frames");
                self.write_frame(&err.to_frame(None)).await
            }
            Incoming::Ping(payload) => self.write(Outgoing::Pong(&payload)).await,
            // Any traffic already counted as liveness.
            Incoming::Pong => Ok(()),
            // The close handshake: the client's code echoed, or 1000 if it gave none.
            Incoming::Close(code) => Err(Exit::Echo(code.unwrap_or(1000))),
        }
    }

    async fn on_frame(&mut self, frame: ClientFrame) -> Result<(), Exit> {
        match frame {
            ClientFrame::Ping => self.write_frame(&ServerFrame::Pong).await,
            ClientFrame::Send {
                room_id,
                body,
                client_id,
                reply_to,
                attachments,
            } => {
                let sent = self
                    .send(
                        &room_id,
                        &body,
                        client_id.as_deref(),
                        reply_to.as_deref(),
                        &attachments,
                    )
                    .await;
                if let Err(e) = sent {
                    self.write_frame(&e.to_frame(client_id)).await?;
                }
                Ok(())
            }
            ClientFrame::Read { room_id, seq } => {
                if let Err(e) = self.read(&room_id, seq).await {
                    self.write_frame(&e.to_frame(None)).await?;
                }
                Ok(())
            }
            ClientFrame::Typing { room_id, active } => {
                if let Err(e) = self.typing(&room_id, active).await {
                    self.write_frame(&e.to_frame(None)).await?;
                }
                Ok(())
            }
            ClientFrame::WatchPresence { user_ids } => {
                if let Err(e) = self.watch_presence(&user_ids).await {
                    self.write_frame(&e.to_frame(None)).await?;
                }
                Ok(())
            }
            ClientFrame::Sync { since, revs } => {
                if since.len() > MAX_SYNC_ROOMS || revs.len() > MAX_SYNC_ROOMS {
                    let err = bad_frame("invalid_frame", "too many rooms in one sync");
                    return self.write_frame(&err.to_frame(None)).await;
                }
                if let Err(e) = self.state.rate(Limit::Sync, self.user) {
                    return self.write_frame(&e.to_frame(None)).await;
                }
                let mut more = std::collections::BTreeMap::new();
                let mut out = Gathered::default();
                for (room, seq) in since {
                    match self.replay(&mut out, &room, seq).await? {
                        Replayed::Refused => continue,
                        Replayed::Capped(up_to) => {
                            more.insert(room.clone(), up_to);
                        }
                        Replayed::All => {}
                    }
                    // Changes only to messages the client had: later ones went out whole.
                    if let Some(rev) = revs.get(&room) {
                        self.replay_changes(&mut out, &room, *rev, seq).await?;
                    }
                }
                self.gather(&mut out, &ServerFrame::Synced { more }).await?;
                // Live frames held since `ready` now follow the replay, in the same write.
                self.start_flowing();
                out.count += self.take_queued(&mut out.out);
                self.flush(&mut out).await?;
                Ok(())
            }
        }
    }

    /// Hands the message to the pipeline; the `ack` (or `error`) comes back through the queue.
    async fn send(
        &mut self,
        room: &str,
        body: &str,
        client_id: Option<&str>,
        reply_to: Option<&str>,
        attachments: &[String],
    ) -> Result<(), ApiError> {
        self.state.rate(Limit::Send, self.user)?;
        let room = room_id(room)?;
        let reply_to = reply_to.map(id_from).transpose()?;
        let send = natter_core::Send {
            room,
            body,
            client_id,
            reply_to,
            attachments: &ids_from(attachments)?,
        };
        let new = self.state.service().prepare_send(self.user, send).await?;
        self.state
            .pipeline()
            .submit(new, ReplyTo::Ws(self.id))
            .await?;
        self.stop_typing(room).await;
        Ok(())
    }

    /// Follows the presence of `raw` people from now on, and queues where each of them is now.
    async fn watch_presence(&mut self, raw: &[String]) -> Result<(), ApiError> {
        if raw.len() > MAX_WATCHED {
            let message = format!("at most {MAX_WATCHED} people per watch_presence");
            return Err(bad_frame("invalid_frame", message));
        }
        let mut users: Vec<UserId> = ids_from(raw)?;
        users.sort_unstable();
        users.dedup();
        let answer = |user: UserId, online: bool| {
            wire::frame(&ServerFrame::Presence {
                user_id: user.to_string(),
                online,
            })
        };
        self.state
            .hub()
            .watch_presence(self.id, users, &answer)
            .await;
        Ok(())
    }

    async fn read(&mut self, room: &str, seq: i64) -> Result<(), ApiError> {
        let room = room_id(room)?;
        let read = self.state.service().mark_read(self.user, room, seq).await?;
        self.state.announce_read(self.user, &read).await;
        Ok(())
    }

    async fn typing(&mut self, room: &str, active: bool) -> Result<(), ApiError> {
        let room = room_id(room)?;
        self.state.rate(Limit::Typing, self.user)?;
        self.state.service().member_room(self.user, room).await?;
        if !active {
            self.stop_typing(room).await;
            return Ok(());
        }
        let now = Instant::now();
        let ttl = self.state.config().typing_ttl;
        let refresh_after = ttl / 2;
        match self.typing.iter_mut().find(|t| t.room == room) {
            Some(t) => {
                t.expires = now + ttl;
                if now.duration_since(t.announced) < refresh_after {
                    return Ok(());
                }
                t.announced = now;
            }
            None => self.typing.push(Typing {
                room,
                expires: now + ttl,
                announced: now,
            }),
        }
        self.state
            .announce_typing(room, self.user, true, self.id)
            .await;
        Ok(())
    }

    async fn stop_typing(&mut self, room: RoomId) {
        let before = self.typing.len();
        self.typing.retain(|t| t.room != room);
        if self.typing.len() != before {
            self.state
                .announce_typing(room, self.user, false, self.id)
                .await;
        }
    }

    /// Sends every message of `room` after `since` that this connection has not yet been sent,
    /// up to the server's cap per room.
    async fn replay(
        &mut self,
        out: &mut Gathered,
        room: &str,
        since: i64,
    ) -> Result<Replayed, Exit> {
        let first = match room_id(room) {
            Ok(id) => self
                .state
                .service()
                .replay_from(self.user, id, since, REPLAY_PAGE)
                .await
                .map(|first| (id, first))
                .map_err(ApiError::from),
            Err(e) => Err(e),
        };
        let (room, first) = match first {
            Ok(found) => found,
            Err(e) => {
                return self
                    .gather(out, &e.to_frame(None))
                    .await
                    .map(|()| Replayed::Refused)
            }
        };
        let mut budget = self.state.config().sync_replay_max;
        let limit = self.seen.replay_limit(room);
        // Starts no later than the room's end: a `since` beyond it (a stale client, a restored
        // database) must not make the connection drop live messages it has never sent.
        let mut cursor = first.from;
        let (mut page, mut full) = (first.messages, first.more);
        loop {
            for m in page {
                if limit.is_some_and(|l| m.seq > l) {
                    self.seen.replayed(room, cursor);
                    return Ok(Replayed::All);
                }
                if budget == 0 {
                    self.seen.replayed(room, cursor);
                    return Ok(Replayed::Capped(cursor));
                }
                budget -= 1;
                let frame = ServerFrame::Message {
                    message: wire::message(&m),
                };
                self.gather(out, &frame).await?;
                cursor = m.seq;
            }
            if !full {
                break;
            }
            let next = self
                .state
                .service()
                .history(self.user, room, Page::After(cursor), REPLAY_PAGE)
                .await;
            (page, full) = match next {
                Ok(found) => found,
                Err(e) => {
                    // What went out so far counts, and the client asks again from there.
                    self.seen.replayed(room, cursor);
                    let err = ApiError::from(e).to_frame(None);
                    return self
                        .gather(out, &err)
                        .await
                        .map(|()| Replayed::Capped(cursor));
                }
            };
        }
        self.seen.replayed(room, cursor);
        Ok(Replayed::All)
    }

    /// Sends, as `message_updated`, every message up to `up_to` (the client's `since`) that
    /// changed after `rev`. Messages after `up_to` went out whole in the replay, changes included.
    async fn replay_changes(
        &mut self,
        out: &mut Gathered,
        room: &str,
        rev: i64,
        up_to: i64,
    ) -> Result<(), Exit> {
        let Ok(room) = room_id(room) else {
            return Ok(()); // the replay already answered with an error
        };
        let mut cursor = rev.max(0);
        loop {
            let page = match self
                .state
                .service()
                .changes(self.user, room, cursor, up_to, REPLAY_PAGE)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    return self.gather(out, &ApiError::from(e).to_frame(None)).await;
                }
            };
            let full = page.len() == REPLAY_PAGE as usize;
            for m in page {
                cursor = m.rev;
                let frame = ServerFrame::MessageUpdated {
                    message: wire::message(&m),
                };
                self.gather(out, &frame).await?;
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Adds `frame` to `out`, writing what was gathered once it is big enough.
    async fn gather(&mut self, out: &mut Gathered, frame: &ServerFrame) -> Result<(), Exit> {
        socket::encode(&mut out.out, Outgoing::Text(wire::encode(frame).as_bytes()));
        out.count += 1;
        if out.out.len() >= GATHER_BYTES {
            self.flush(out).await?;
        }
        Ok(())
    }

    /// Writes what `out` gathered, in one write.
    async fn flush(&mut self, out: &mut Gathered) -> Result<(), Exit> {
        let written = self.write_bytes(&out.out, out.count).await;
        out.out.clear();
        out.count = 0;
        written
    }
}
