//! One task per WebSocket connection: a single `select!` loop over shutdown, kicks from the
//! hub, inbound frames, the outbound queue, the heartbeat and typing expiry.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use natter_core::{RoomId, Session, Timestamp, UserId};
use natter_hub::{Batch, ConnId, KickReason, Next, Outbox};
use natter_proto::{self as proto, ServerFrame};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

use super::socket::{self, Outgoing, Socket, WsError};
use super::tracker::SeqTracker;
use crate::listen::ConnSlot;
use crate::{wire, AppState};

/// How long the final close frame may take; the peer may be the reason we are closing.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long queued frames wait for the client's first frame after `ready`.
const RESUME_GRACE: Duration = Duration::from_secs(1);

/// Why the loop ended: close with a code, answer the client's close, or the peer is already
/// gone.
pub(super) enum Exit {
    Close(u16, &'static str),
    /// The client closed with this code (RFC 6455 §5.5.1: the answer echoes it).
    Echo(u16),
    Gone,
}

/// A typing indicator this connection has announced and not yet ended.
pub(super) struct Typing {
    pub room: RoomId,
    pub expires: Instant,
    pub announced: Instant,
}

pub(super) struct Conn {
    pub state: AppState,
    pub socket: Socket,
    pub user: UserId,
    /// The session's token hash: rechecked at each heartbeat, so a session ended elsewhere
    /// (by `natter admin` on the data dir, say) closes this connection too.
    token_hash: [u8; 32],
    pub id: ConnId,
    pub seen: SeqTracker,
    pub typing: Vec<Typing>,
    outbox: Arc<Outbox>,
    last_heard: Instant,
    /// Queued frames flow once the client has sent `sync` or the resume grace has passed.
    /// Until then they wait in the outbox, so a replay is never overtaken by a live message
    /// that arrived between `ready` and `sync`.
    flowing: bool,
}

/// What a connection task starts from. It is boxed: an async function keeps its arguments
/// for as long as it runs, so the task holds a pointer rather than a second copy of what it
/// moves into [`Conn`].
pub struct Start {
    pub state: AppState,
    pub session: Session,
    pub token_hash: [u8; 32],
    /// [`natter_hub::Hub::sessions_ended`] before the session was checked.
    pub sessions_ended: u64,
    pub on_upgrade: OnUpgrade,
    /// The most bytes one message may have.
    pub limit: usize,
    /// The connection's place under the caps: the socket counts until the task ends.
    pub slot: Option<Arc<ConnSlot>>,
    /// Held until the task ends, so a shutdown waits for it.
    pub alive: mpsc::Sender<()>,
}

/// One connection, from the upgrade to the last cleanup. Every step that runs once (`ready`,
/// the close, the cleanup) is boxed and the session is dropped before the loop: the task's
/// future is as big as its biggest state, and every idle connection holds one.
pub async fn run(start: Box<Start>) {
    let Start {
        state,
        session,
        token_hash,
        sessions_ended,
        on_upgrade,
        limit,
        slot,
        alive,
    } = *start;
    let Ok(upgraded) = on_upgrade.await else {
        return;
    };
    let socket = Socket::new(TokioIo::new(upgraded), limit);
    let user = session.user.id;
    let attachment = state.hub().attach(user, session.id).await;
    let span = tracing::info_span!("ws", %user, conn = attachment.id.0);
    state.metrics().websockets.inc();
    tracing::debug!(%user, conn = attachment.id.0, "connected");
    // A logout between the upgrade's check and `attach` would have missed this connection.
    // Only if sessions were ended meanwhile is the session looked up again (a lookup per
    // handshake was a tenth of the database's work while thousands reconnected).
    let still_valid = if state.hub().sessions_ended() == sessions_ended {
        Ok(())
    } else {
        match state.service().session(&token_hash).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(Exit::Close(proto::CLOSE_SESSION_ENDED, "session ended")),
            Err(_) => Err(Exit::Close(1011, "internal error")),
        }
    };
    if attachment.came_online {
        state.presence().changed(user);
    }
    let mut conn = Conn {
        state,
        socket,
        user,
        token_hash,
        id: attachment.id,
        seen: SeqTracker::default(),
        typing: Vec::new(),
        outbox: attachment.outbox,
        last_heard: Instant::now(),
        flowing: false,
    };
    // A deadline, not a duration: the session ends when it ends, however long `ready` took.
    let session_ends = Instant::now()
        + Duration::from_millis((session.expires_at.0 - Timestamp::now().0).max(0) as u64);
    let exit = match still_valid {
        Ok(()) => Box::pin(conn.send_ready(session).instrument(span.clone())).await,
        Err(exit) => {
            drop(session);
            Err(exit)
        }
    };
    let exit = match exit {
        // A panic inside the loop still closes the socket and runs the cleanup below.
        Ok(()) => std::panic::AssertUnwindSafe(conn.serve(session_ends).instrument(span.clone()))
            .catch_unwind()
            .await
            .unwrap_or(Exit::Close(1011, "internal error")),
        Err(exit) => exit,
    };
    if let Exit::Close(code, reason) = exit {
        if let Some(why) = kick_reason(code) {
            conn.state.metrics().kicked(why);
        }
        if code == proto::CLOSE_RESYNC {
            // Each of these makes a client reconnect and resync: an operator needs to see them.
            let queue = conn.state.config().outbound_queue;
            tracing::warn!(user = %conn.user, conn = conn.id.0, queue, "closed a connection that fell behind (4000)");
        }
        Box::pin(conn.close(code, reason)).await;
    }
    if let Exit::Echo(code) = exit {
        Box::pin(conn.close(code, "")).await;
    }
    let state = conn.state.clone();
    Box::pin(conn.cleanup().instrument(span)).await;
    state.metrics().websockets.dec();
    drop((slot, alive));
}

impl Conn {
    async fn send_ready(&mut self, session: Session) -> Result<(), Exit> {
        let limit = self.state.config().presence_room_limit;
        let arrival = self
            .state
            .service()
            .arrival(self.user, limit)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "could not load what ready lists");
                Exit::Close(1011, "internal error")
            })?;
        let natter_core::Arrival {
            rooms,
            reads,
            blocked,
            peers,
        } = arrival;
        let mut online = self.state.hub().online_among(&peers).await;
        online.push(self.user);
        let ready = ServerFrame::Ready {
            user: wire::user(&session.user),
            rooms: rooms.iter().map(wire::room).collect(),
            online: online.iter().map(|u| u.to_string()).collect(),
            reads: reads.iter().map(wire::read_state).collect(),
            blocked: blocked.iter().map(|u| u.to_string()).collect(),
        };
        self.write_frame(&ready).await
    }

    async fn serve(&mut self, session_ends: Instant) -> Exit {
        let now = Instant::now();
        let hold_ends = now + RESUME_GRACE;
        let (period, idle_timeout) = {
            let config = self.state.config();
            (config.heartbeat_interval, config.idle_timeout)
        };
        let mut next_beat = now + period;
        // One timer for every deadline (the session's end, the hold after `ready`, the
        // heartbeat, typing expiry), reset to the nearest: a timer is about a hundred bytes
        // that every idle connection would hold, and it is made once, not on every turn.
        let mut timer = std::pin::pin!(tokio::time::sleep_until(now));
        // A shutdown kicks every attached connection through the hub; one that attached
        // after those kicks finds the flag set here.
        if *self.state.inner.shutdown.borrow() {
            return Exit::Close(proto::CLOSE_GOING_AWAY, "server shutting down");
        }
        loop {
            let typing_due = self.typing.iter().map(|t| t.expires).min();
            let mut due = session_ends.min(next_beat);
            if !self.flowing {
                due = due.min(hold_ends);
            }
            if let Some(typing) = typing_due {
                due = due.min(typing);
            }
            if timer.deadline() != due {
                timer.as_mut().reset(due);
            }
            // Checked on every turn, so a client that keeps the loop busy cannot hold off
            // its session's end (the timer below comes after inbound frames).
            if Instant::now() >= session_ends {
                return Exit::Close(proto::CLOSE_SESSION_ENDED, "session expired");
            }
            // A kick wakes the outbox's wait below; checked here too, so a client that keeps
            // the loop busy with frames cannot hold it off either.
            if let Some(reason) = self.outbox.kick().reason() {
                return kick_exit(reason);
            }
            tokio::select! {
                biased;
                inbound = self.socket.recv() => match inbound {
                    Ok(msg) => {
                        self.last_heard = Instant::now();
                        self.state.metrics().frames_in.inc();
                        // Boxed: handling a frame needs far more state than waiting does, and
                        // only while it runs.
                        if let Err(exit) = Box::pin(self.on_message(msg)).await {
                            return exit;
                        }
                    }
                    Err(e) => return read_error_exit(&e),
                },
                // After inbound frames: a `sync` that arrived as the hold ended is read before
                // anything queued is written, and frames already received count as heard
                // before the idle check. Before the outbox, so deliveries cannot starve it.
                _ = &mut timer => {
                    let now = Instant::now();
                    if !self.flowing && now >= hold_ends {
                        self.start_flowing();
                    }
                    if typing_due.is_some_and(|due| due <= now) {
                        Box::pin(self.expire_typing()).await;
                    }
                    if now >= next_beat {
                        next_beat = now + period;
                        if let Err(exit) = Box::pin(self.heartbeat(idle_timeout)).await {
                            return exit;
                        }
                    }
                }
                next = self.outbox.next() => match next {
                    Next::Batch(batch) => {
                        if let Err(exit) = self.deliver(batch).await {
                            return exit;
                        }
                    }
                    Next::Kicked(reason) => return kick_exit(reason),
                },
            }
        }
    }

    /// Closes a connection that has gone quiet or whose session has ended elsewhere, and
    /// pings the rest.
    async fn heartbeat(&mut self, idle_timeout: Duration) -> Result<(), Exit> {
        if self.last_heard.elapsed() >= idle_timeout {
            return Err(Exit::Close(proto::CLOSE_IDLE, "idle timeout"));
        }
        if let Ok(None) = self.state.service().session(&self.token_hash).await {
            return Err(Exit::Close(proto::CLOSE_SESSION_ENDED, "session ended"));
        }
        self.write(Outgoing::Ping).await
    }

    /// Lets held frames go: the replay (if any) has been sent.
    pub(super) fn start_flowing(&mut self) {
        self.flowing = true;
        self.outbox.flow();
    }

    /// Writes what was queued, in one go, leaving out messages a replay already sent.
    async fn deliver(&mut self, batch: Batch) -> Result<(), Exit> {
        let size = (batch.frames.iter().chain(&batch.latest))
            .map(|f| f.bytes.len() + 10)
            .sum();
        // Sized for everything taken (a frame header is at most 10 bytes).
        let mut out = Vec::with_capacity(size);
        let count = self.encode_batch(batch, &mut out);
        self.write_bytes(&out, count).await
    }

    /// Adds to `out` whatever is queued and may go now, for a write the caller is about to
    /// make anyway; how many frames.
    pub(super) fn take_queued(&mut self, out: &mut Vec<u8>) -> u64 {
        // A kicked connection writes nothing more: the loop closes it next.
        if self.outbox.kick().reason().is_some() {
            return 0;
        }
        match self.outbox.take_ready() {
            Some(batch) => self.encode_batch(batch, out),
            None => 0,
        }
    }

    /// Encodes `batch` into `out` (frames are JSON the server made: text as they are), leaving
    /// out messages a replay already sent; how many frames.
    fn encode_batch(&mut self, batch: Batch, out: &mut Vec<u8>) -> u64 {
        let live = batch.frames.into_iter().filter(|frame| match frame.seq {
            Some((room, seq)) => self.seen.take_live(room, seq),
            None => true,
        });
        let mut count = 0;
        for frame in live.chain(batch.latest) {
            socket::encode(out, Outgoing::Text(&frame.bytes));
            count += 1;
        }
        count
    }

    pub(super) async fn write_frame(&mut self, frame: &ServerFrame) -> Result<(), Exit> {
        self.write(Outgoing::Text(wire::encode(frame).as_bytes()))
            .await
    }

    pub(super) async fn write(&mut self, frame: Outgoing<'_>) -> Result<(), Exit> {
        let mut out = Vec::new();
        socket::encode(&mut out, frame);
        self.write_bytes(&out, 1).await
    }

    /// Writes encoded frames to the socket, giving up on a peer that does not take the bytes
    /// in time, and on a connection the hub kicks while the write is stuck.
    pub(super) async fn write_bytes(&mut self, out: &[u8], count: u64) -> Result<(), Exit> {
        if count == 0 {
            return Ok(());
        }
        let limit = self.state.config().write_timeout;
        let bytes = out.len();
        let mut sending = std::pin::pin!(self.socket.write_all(out));
        // Most writes complete at once: only one that waits gets a timer, boxed so that the
        // waiting connection's future need not have room for it.
        let sent = match (&mut sending).now_or_never() {
            Some(sent) => Ok(sent),
            None => {
                let kick = self.outbox.kick();
                let waiting = async {
                    tokio::select! {
                        sent = tokio::time::timeout(limit, sending) => Ok(sent),
                        reason = kick.fired() => Err(kick_exit(reason)),
                    }
                };
                Box::pin(waiting).await?
            }
        };
        match sent {
            Ok(Ok(())) => {
                self.state.metrics().frames_out.inc_by(count);
                Ok(())
            }
            Ok(Err(e)) => {
                // Usually the peer went away; anything else is worth an operator's look.
                tracing::info!(user = %self.user, conn = self.id.0, bytes, error = %e, "write failed; dropping connection");
                Err(Exit::Gone)
            }
            Err(_) => {
                tracing::info!(user = %self.user, conn = self.id.0, bytes, "write timed out; dropping connection");
                Err(Exit::Gone)
            }
        }
    }

    /// The last word: a close frame, if the peer takes it within a moment.
    async fn close(&mut self, code: u16, reason: &'static str) {
        let mut out = Vec::new();
        socket::encode(&mut out, Outgoing::Close(code, reason));
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.socket.write_all(&out)).await;
    }

    async fn expire_typing(&mut self) {
        let now = Instant::now();
        let (expired, kept): (Vec<_>, Vec<_>) =
            self.typing.drain(..).partition(|t| t.expires <= now);
        self.typing = kept;
        for t in expired {
            self.state
                .announce_typing(t.room, self.user, false, self.id)
                .await;
        }
    }

    /// Runs on every exit path: ends typing, detaches, and records presence.
    async fn cleanup(self) {
        for t in &self.typing {
            self.state
                .announce_typing(t.room, self.user, false, self.id)
                .await;
        }
        if self.state.hub().detach(self.id).await {
            self.state.last_seen().went_offline(self.user).await;
        }
        tracing::debug!(user = %self.user, conn = self.id.0, "disconnected");
    }
}

/// The metrics label of a close the server chose.
fn kick_reason(code: u16) -> Option<&'static str> {
    match code {
        proto::CLOSE_RESYNC => Some("lagged"),
        proto::CLOSE_SESSION_ENDED => Some("session_ended"),
        proto::CLOSE_IDLE => Some("idle"),
        proto::CLOSE_TOO_MANY => Some("replaced"),
        1002 | 1007 | 1009 => Some("protocol"),
        _ => None,
    }
}

fn kick_exit(reason: KickReason) -> Exit {
    match reason {
        KickReason::Lagged => {
            Exit::Close(proto::CLOSE_RESYNC, "too far behind; reconnect and sync")
        }
        KickReason::SessionEnded => Exit::Close(proto::CLOSE_SESSION_ENDED, "session ended"),
        KickReason::Replaced => Exit::Close(
            proto::CLOSE_TOO_MANY,
            "too many connections for this account; this, the oldest, was closed",
        ),
        KickReason::ShuttingDown => Exit::Close(proto::CLOSE_GOING_AWAY, "server shutting down"),
    }
}

/// RFC 6455 §7.4.1: 1009 for a message over the limit, 1007 for data that is not what its
/// type says (a text frame that is not UTF-8), 1002 for a broken frame (unmasked, reserved
/// bits, bad opcode or length); any other read error means the peer is gone.
fn read_error_exit(e: &WsError) -> Exit {
    match e {
        WsError::TooBig => Exit::Close(1009, "message too big"),
        WsError::NotUtf8 => Exit::Close(1007, "text frames must be UTF-8"),
        WsError::Protocol(_) => Exit::Close(1002, "protocol error"),
        WsError::Ended | WsError::Io(_) => Exit::Gone,
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    /// The size of what `f` returns, without calling it.
    fn returned_size<A, F: Future>(_: fn(A) -> F) -> usize {
        std::mem::size_of::<F>()
    }

    /// An idle connection is mostly its task's future, and every connection holds one for as
    /// long as it is open. In a debug build it was 3,544 bytes before the task was made lean
    /// (its arguments held two and three times, three timers and an interval, `ready` and the
    /// write timer inline), 1,448 after. The bound leaves a little room for other compilers.
    #[test]
    fn the_connection_task_stays_small() {
        let size = returned_size(super::run);
        eprintln!("the connection task's future: {size} bytes");
        assert!(size <= 1_600, "{size} bytes");
    }
}
