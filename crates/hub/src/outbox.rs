//! A connection's outbound side: its frames in order and bounded, the presence news waiting
//! for it (one entry per person, the latest replacing the one before), and its kick signal.
//!
//! One lock and one wake per connection. A producer wakes the connection only when the outbox
//! goes from empty to not empty, and the connection takes everything waiting at once, so a
//! burst of frames costs one wake and one write, not one of each per frame.

use std::collections::VecDeque;
use std::sync::Mutex;

use natter_core::{RoomId, UserId};
use tokio::sync::Notify;

use crate::{Frame, Kick, KickReason};

/// What a frame kept only in its latest version is about: a newer frame with the same key
/// replaces one not yet sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latest {
    /// Whether this person is online.
    Presence(UserId),
    /// Whether this person is typing in this room.
    Typing(RoomId, UserId),
}

/// What a connection takes from its outbox in one go: frames in the order they were queued,
/// then the latest frame for each [`Latest`] key.
#[derive(Debug, Default)]
pub struct Batch {
    pub frames: VecDeque<Frame>,
    pub latest: Vec<Frame>,
}

/// How many times its capacity a connection may have queued while it holds after `ready`.
pub const HOLD_FACTOR: usize = 16;

#[derive(Default)]
struct Waiting {
    frames: VecDeque<Frame>,
    latest: Vec<(Latest, Frame)>,
    /// Until the connection starts taking frames (the hold after `ready`, normally at most a
    /// second), frames are limited only by [`HOLD_FACTOR`] times the capacity: a connection
    /// is not closed for what ordinary traffic brought while it waited, but a client that
    /// draws out its `sync` replay cannot grow the queue without end.
    holding: bool,
    /// How many frames may wait before the connection is kicked.
    limit: usize,
}

impl Waiting {
    /// Whether the connection would find nothing to take now.
    fn nothing_to_take(&self) -> bool {
        self.latest.is_empty() && (self.holding || self.frames.is_empty())
    }
}

/// What [`Outbox::next`] found.
pub enum Next {
    Batch(Batch),
    Kicked(KickReason),
}

pub struct Outbox {
    waiting: Mutex<Waiting>,
    wake: Notify,
    capacity: usize,
    kick: Kick,
}

/// Takes the latest-only frames, leaving no capacity behind: an idle connection holds no
/// buffer for them.
fn take_latest(latest: &mut Vec<(Latest, Frame)>) -> Vec<Frame> {
    std::mem::take(latest).into_iter().map(|(_, f)| f).collect()
}

impl Outbox {
    pub(crate) fn new(capacity: usize) -> Self {
        Outbox {
            waiting: Mutex::new(Waiting {
                holding: true,
                limit: capacity,
                ..Waiting::default()
            }),
            wake: Notify::new(),
            capacity,
            kick: Kick::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a frame, or kicks the connection if too many are waiting.
    pub(crate) fn push(&self, frame: &Frame) {
        let mut waiting = self.lock();
        let limit = if waiting.holding {
            self.capacity * HOLD_FACTOR
        } else {
            waiting.limit
        };
        if waiting.frames.len() >= limit {
            drop(waiting);
            self.kick_now(KickReason::Lagged);
            return;
        }
        let wake = waiting.nothing_to_take() && !waiting.holding;
        waiting.frames.push_back(frame.clone());
        drop(waiting);
        if wake {
            self.wake.notify_one();
        }
    }

    /// Queues a frame that replaces any not yet taken with the same key. Never kicks: there
    /// is at most one entry per key.
    pub fn push_latest(&self, key: Latest, frame: &Frame) {
        let mut waiting = self.lock();
        let wake = waiting.nothing_to_take();
        match waiting.latest.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = frame.clone(),
            None => waiting.latest.push((key, frame.clone())),
        }
        drop(waiting);
        if wake {
            self.wake.notify_one();
        }
    }

    /// Ends the hold: from now on frames are taken, and limited. What piled up during the hold is
    /// allowed on top of the usual limit until the connection has caught up.
    pub fn flow(&self) {
        let mut waiting = self.lock();
        waiting.holding = false;
        waiting.limit = self.capacity.max(waiting.frames.len() + self.capacity);
        if !waiting.frames.is_empty() {
            drop(waiting);
            // Frames queued during the hold did not wake the connection for themselves.
            self.wake.notify_one();
        }
    }

    /// Tells the connection to close, for `reason`: whoever waits in [`Outbox::next`] or on
    /// [`Kick::fired`] hears of it.
    pub(crate) fn kick_now(&self, reason: KickReason) {
        self.kick.fire(reason);
        self.wake.notify_one();
    }

    /// Waits until something is queued, then takes all of it, or until the connection is
    /// kicked. During the hold only the latest-only frames are taken: they carry no message a
    /// replay could also send. One wait for both: a connection task waiting on a second signal
    /// registered and removed a waiter on every turn of its loop (7% of the server's CPU under
    /// fan-out).
    pub async fn next(&self) -> Next {
        loop {
            if let Some(reason) = self.kick.reason() {
                return Next::Kicked(reason);
            }
            if let Some(batch) = self.take_ready() {
                return Next::Batch(batch);
            }
            // A wake since the check above left a permit, so this returns at once.
            self.wake.notified().await;
        }
    }

    /// What [`Outbox::next`] would return now, without waiting: `None` if nothing may go yet.
    /// For a connection about to write anyway, so what is queued goes in the same write.
    pub fn take_ready(&self) -> Option<Batch> {
        let mut waiting = self.lock();
        if waiting.nothing_to_take() {
            return None;
        }
        let frames = if waiting.holding {
            VecDeque::new()
        } else {
            waiting.limit = self.capacity;
            std::mem::take(&mut waiting.frames)
        };
        Some(Batch {
            frames,
            latest: take_latest(&mut waiting.latest),
        })
    }

    /// [`Outbox::next`] for a connection that is not kicked.
    #[cfg(test)]
    pub(crate) async fn next_batch(&self) -> Batch {
        match self.next().await {
            Next::Batch(batch) => batch,
            Next::Kicked(reason) => panic!("kicked: {reason:?}"),
        }
    }

    /// Takes whatever is waiting, without waiting.
    #[cfg(test)]
    pub(crate) fn take_now(&self) -> Batch {
        let mut waiting = self.lock();
        Batch {
            frames: std::mem::take(&mut waiting.frames),
            latest: take_latest(&mut waiting.latest),
        }
    }

    /// The connection's kick signal.
    pub fn kick(&self) -> &Kick {
        &self.kick
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(n: u8) -> Frame {
        Frame::new(format!("{n}"))
    }

    #[tokio::test]
    async fn a_burst_is_taken_in_one_batch_in_order() {
        let out = Outbox::new(8);
        out.flow();
        for n in 0..5 {
            out.push(&frame(n));
        }
        let batch = out.next_batch().await;
        let got: Vec<_> = batch.frames.iter().map(|f| f.bytes.clone()).collect();
        assert_eq!(got, ["0", "1", "2", "3", "4"]);
        assert!(out.lock().nothing_to_take());
    }

    #[tokio::test]
    async fn a_latest_frame_replaces_its_key_and_never_kicks() {
        let out = Outbox::new(1);
        out.flow();
        for n in 0..50 {
            out.push_latest(Latest::Presence(UserId(1)), &frame(n));
            out.push_latest(Latest::Presence(UserId(n.into())), &frame(n));
        }
        out.push_latest(Latest::Typing(RoomId(1), UserId(1)), &frame(0));
        assert!(!out.kick.is_fired());
        let batch = out.next_batch().await;
        assert_eq!(batch.latest.len(), 51, "one per key");
        assert_eq!(&batch.latest[0].bytes[..], b"49", "the latest wins");
    }

    #[tokio::test]
    async fn frames_past_the_limit_kick_but_not_during_the_hold() {
        let out = Outbox::new(2);
        for n in 0..10 {
            out.push(&frame(n));
        }
        assert!(
            !out.kick.is_fired(),
            "held frames may exceed the usual limit"
        );
        out.flow();
        out.push(&frame(10));
        out.push(&frame(11));
        assert!(!out.kick.is_fired(), "the backlog from the hold is allowed");
        assert_eq!(out.next_batch().await.frames.len(), 12);
        out.push(&frame(0));
        out.push(&frame(1));
        assert!(!out.kick.is_fired());
        out.push(&frame(2));
        assert_eq!(out.kick.fired().await, KickReason::Lagged);
        assert!(
            matches!(out.next().await, Next::Kicked(KickReason::Lagged)),
            "the waiting connection task hears of the kick before anything queued"
        );
        assert_eq!(out.take_now().frames.len(), 2, "the overflow is not queued");
    }

    #[tokio::test]
    async fn a_kick_wakes_a_task_waiting_for_frames() {
        let out = std::sync::Arc::new(Outbox::new(2));
        let waiting = tokio::spawn({
            let out = out.clone();
            async move { matches!(out.next().await, Next::Kicked(KickReason::SessionEnded)) }
        });
        tokio::task::yield_now().await;
        out.kick_now(KickReason::SessionEnded);
        assert!(waiting.await.unwrap());
    }

    #[tokio::test]
    async fn even_during_the_hold_the_queue_has_a_ceiling() {
        let out = Outbox::new(2);
        for n in 0..(2 * HOLD_FACTOR) {
            out.push(&frame(n as u8));
        }
        assert!(!out.kick.is_fired());
        out.push(&frame(0));
        assert_eq!(out.kick.fired().await, KickReason::Lagged);
    }

    #[tokio::test]
    async fn during_the_hold_only_latest_frames_are_taken() {
        let out = Outbox::new(8);
        out.push(&frame(1));
        out.push_latest(Latest::Presence(UserId(1)), &frame(2));
        let batch = out.next_batch().await;
        assert!(batch.frames.is_empty());
        assert_eq!(batch.latest.len(), 1);
        out.flow();
        assert_eq!(
            out.next_batch().await.frames.len(),
            1,
            "held frames follow the hold"
        );
    }

    #[test]
    fn what_may_go_now_is_taken_without_waiting_and_held_frames_only_after_the_hold() {
        let out = Outbox::new(8);
        assert!(out.take_ready().is_none(), "nothing queued");
        out.push(&frame(1));
        assert!(out.take_ready().is_none(), "held during the hold");
        out.flow();
        let batch = out.take_ready().expect("the held frame may go");
        assert_eq!(batch.frames.len(), 1);
        assert!(out.take_ready().is_none(), "taken once");
    }

    #[tokio::test]
    async fn a_waiting_connection_is_woken_by_the_first_frame() {
        let out = std::sync::Arc::new(Outbox::new(8));
        out.flow();
        let taker = tokio::spawn({
            let out = out.clone();
            async move { out.next_batch().await }
        });
        tokio::task::yield_now().await;
        out.push(&frame(1));
        let batch = taker.await.unwrap();
        assert_eq!(batch.frames.len(), 1);
    }
}
