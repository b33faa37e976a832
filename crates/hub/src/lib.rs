//! Fan-out: who is connected, and delivery of pre-encoded frames to their connections.
//!
//! The [`Hub`] trait is the seam for running several nodes: [`LocalHub`] delivers within one
//! process; a Redis-backed hub will relay the same calls between nodes. Frames arrive already
//! serialized ([`Frame`] holds reference-counted bytes), so one event is encoded once and every
//! recipient gets a clone of the same buffer. Each connection has an [`Outbox`]: a bounded queue
//! of frames (a connection that falls behind is kicked, [`KickReason::Lagged`], rather than
//! allowed to grow memory) and presence news kept apart, one entry per person, that never
//! counts toward that bound.

mod local;
mod outbox;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use natter_core::{RoomId, SessionId, UserId};
use tokio::sync::Notify;

pub use local::LocalHub;
pub use outbox::{Batch, Latest, Next, Outbox};

/// One live WebSocket connection, unique within a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnId(pub u64);

/// An encoded server frame. `bytes` is valid UTF-8 JSON. Message-bearing frames carry the
/// room and seq of their message so a connection can drop what a replay already sent.
#[derive(Debug, Clone)]
pub struct Frame {
    pub bytes: Bytes,
    pub seq: Option<(RoomId, i64)>,
}

impl Frame {
    pub fn new(json: String) -> Self {
        Frame {
            bytes: Bytes::from(json),
            seq: None,
        }
    }

    pub fn with_seq(json: String, room: RoomId, seq: i64) -> Self {
        Frame {
            bytes: Bytes::from(json),
            seq: Some((room, seq)),
        }
    }
}

/// Who receives a published frame. Borrowed, so a caller holding a member list (the
/// pipeline caches one per room and batch) publishes without copying it per message.
#[derive(Clone, Copy)]
pub enum Recipients<'a> {
    Users(&'a [UserId]),
    Everyone,
}

/// Why the hub asks a connection to close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KickReason {
    /// Its outbound queue overflowed; the client must reconnect and resync.
    Lagged,
    /// Its session was logged out or revoked.
    SessionEnded,
    /// Its user opened more connections than allowed; the oldest make way.
    Replaced,
    /// The server is shutting down.
    ShuttingDown,
}

/// A one-way signal from the hub to a connection task: close, for this reason.
#[derive(Debug, Default)]
pub struct Kick {
    notify: Notify,
    reason: AtomicU8,
}

impl Kick {
    pub(crate) fn fire(&self, reason: KickReason) {
        let code = match reason {
            KickReason::Lagged => 1,
            KickReason::SessionEnded => 2,
            KickReason::Replaced => 3,
            KickReason::ShuttingDown => 4,
        };
        // The first reason wins; later ones do not overwrite it.
        if self
            .reason
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            self.notify.notify_one();
        }
    }

    /// Whether the connection has been told to close.
    pub fn is_fired(&self) -> bool {
        self.reason.load(Ordering::Acquire) != 0
    }

    /// Why the connection was kicked, if it was.
    pub fn reason(&self) -> Option<KickReason> {
        match self.reason.load(Ordering::Acquire) {
            1 => Some(KickReason::Lagged),
            2 => Some(KickReason::SessionEnded),
            3 => Some(KickReason::Replaced),
            4 => Some(KickReason::ShuttingDown),
            _ => None,
        }
    }

    /// Waits until the connection is kicked and says why.
    pub async fn fired(&self) -> KickReason {
        loop {
            match self.reason() {
                Some(reason) => return reason,
                None => self.notify.notified().await,
            }
        }
    }
}

/// Encodes the `presence` frame saying whether a person is online.
pub type PresenceAnswer = dyn Fn(UserId, bool) -> Frame + Send + Sync;

/// What a connection task gets when it attaches: its id, its outbox (with its kick signal),
/// and whether this connection brought its user online.
pub struct Attachment {
    pub id: ConnId,
    pub outbox: Arc<Outbox>,
    pub came_online: bool,
}

#[async_trait]
pub trait Hub: Send + Sync + 'static {
    /// Registers a connection of `user` in `session`.
    async fn attach(&self, user: UserId, session: SessionId) -> Attachment;
    /// Unregisters a connection; `true` if that was the user's last one (they went offline).
    async fn detach(&self, conn: ConnId) -> bool;
    /// Queues `frame` on every connection of every recipient, except `except`.
    async fn publish(&self, to: Recipients<'_>, frame: Frame, except: Option<ConnId>);
    /// Queues `frame` on one connection, in order with everything published to it.
    async fn send_to(&self, conn: ConnId, frame: Frame);
    /// Tells whoever should hear it that `user` came or went: every connection of each of
    /// `to`, and every connection watching `user`. Kept apart from the frame queue, one entry
    /// per person, so it never makes a connection fall behind.
    async fn publish_presence(&self, user: UserId, to: &[UserId], frame: Frame);
    /// Queues `frame` on every connection of every recipient but `except`, replacing any
    /// frame with the same key not yet sent. Never counts toward the queue bound.
    async fn publish_latest(
        &self,
        to: Recipients<'_>,
        key: Latest,
        frame: Frame,
        except: Option<ConnId>,
    );
    /// Replaces the people whose presence `conn` follows besides its user's own audience, and
    /// queues on it where each of them is now (`answer(user, online)`), under the lock that
    /// attaching and detaching take: a later change is published after this answer, never
    /// overtaken by it.
    async fn watch_presence(&self, conn: ConnId, users: Vec<UserId>, answer: &PresenceAnswer);
    /// Kicks every connection of `user` that belongs to one of `sessions`.
    async fn end_sessions(&self, user: UserId, sessions: &[SessionId]);
    /// A count that grows each time `end_sessions` runs here, before it looks for the
    /// connections to kick. A connection that read it before its session was checked and
    /// finds it unchanged once attached cannot have missed an ending of its session: any
    /// `end_sessions` after the check either counted before the second read or kicks the
    /// attached connection.
    fn sessions_ended(&self) -> u64;
    /// Kicks every connection attached here: the server is shutting down. A connection that
    /// attaches after this must see the shutdown some other way (the server's shutdown flag,
    /// set before this is called).
    async fn close_all(&self);
    /// Whether `user` has at least one connection.
    async fn is_online(&self, user: UserId) -> bool;
    /// Those of `users` with at least one connection, in the same order.
    async fn online_among(&self, users: &[UserId]) -> Vec<UserId>;
}
