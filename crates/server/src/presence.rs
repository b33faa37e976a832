//! Presence: telling people that someone came online or went offline, and how often.
//!
//! A connection task only notes that its user may have come or gone ([`Presence::changed`]);
//! one task sends. It reads the state from the hub at sending time, so announcements that race
//! (a last connection closing while a new one opens) cannot leave a wrong state behind. A
//! change goes out at once unless one went out for the same person less than
//! [`MIN_INTERVAL`] ago; then it waits for the interval to pass and only the latest state is
//! sent, so someone whose connection flaps costs each listener one frame a second at most.
//!
//! Who hears it is the person's presence audience (see `Service::presence_peers`) and the
//! connections watching them; the hub keeps it apart from the frame queue, so it never makes
//! a connection fall behind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natter_core::{Service, UserId};
use natter_hub::Hub;
use natter_proto::ServerFrame;
use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use crate::wire;

/// The least time between two presence frames about one person.
pub(crate) const MIN_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct Slot {
    /// What was last sent, and when.
    sent: Option<(bool, Instant)>,
    /// A change was noted that has not been looked at yet.
    dirty: bool,
}

/// How often the record of people long offline is cleared out.
const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// Which people have news waiting, and when each was last announced.
#[derive(Default)]
pub(crate) struct Presence {
    board: Mutex<Board>,
    wake: Notify,
}

#[derive(Default)]
struct Board {
    slots: HashMap<UserId, Slot>,
    /// The people whose slot is dirty, each once: what `due` looks at, so a change costs the
    /// same with twenty thousand people online as with two.
    dirty: Vec<UserId>,
    pruned_at: Option<Instant>,
}

impl Presence {
    fn lock(&self) -> std::sync::MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Notes that `user` may have come online or gone offline.
    pub(crate) fn changed(&self, user: UserId) {
        let mut board = self.lock();
        let slot = board.slots.entry(user).or_insert(Slot {
            sent: None,
            dirty: false,
        });
        if !slot.dirty {
            slot.dirty = true;
            board.dirty.push(user);
        }
        drop(board);
        self.wake.notify_one();
    }

    /// The people whose news may go out at `now`, and when the next of the others may.
    /// Every [`PRUNE_EVERY`] it forgets people last announced offline over a second ago, so
    /// the record stays about as large as the number of people online.
    fn due(&self, now: Instant) -> (Vec<UserId>, Option<Instant>) {
        let mut board = self.lock();
        let board = &mut *board;
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        let mut waiting = Vec::new();
        for user in std::mem::take(&mut board.dirty) {
            let Some(slot) = board.slots.get_mut(&user) else {
                continue;
            };
            let free_at = slot.sent.map(|(_, at)| at + MIN_INTERVAL);
            match free_at {
                Some(at) if at > now => {
                    next = Some(next.map_or(at, |n| n.min(at)));
                    waiting.push(user);
                }
                _ => {
                    slot.dirty = false;
                    due.push(user);
                }
            }
        }
        board.dirty = waiting;
        if board.pruned_at.is_none_or(|at| at + PRUNE_EVERY <= now) {
            board.pruned_at = Some(now);
            board.slots.retain(|_, slot| {
                let recent = slot.sent.is_some_and(|(_, at)| at + MIN_INTERVAL > now);
                slot.dirty || recent || matches!(slot.sent, Some((true, _)))
            });
        }
        (due, next)
    }

    /// Records that `user` is `online` at `now`; `false` if that is what was last sent, so
    /// nothing needs sending.
    fn record(&self, user: UserId, online: bool, now: Instant) -> bool {
        let mut board = self.lock();
        let slot = board.slots.entry(user).or_insert(Slot {
            sent: None,
            dirty: false,
        });
        if slot.sent.is_some_and(|(was, _)| was == online) {
            return false;
        }
        slot.sent = Some((online, now));
        true
    }
}

/// Starts the task that sends presence; it ends when the server shuts down.
pub(crate) fn spawn(
    service: Service,
    hub: Arc<dyn Hub>,
    room_limit: u32,
    mut shutdown: watch::Receiver<bool>,
) -> Arc<Presence> {
    let presence = Arc::new(Presence::default());
    let board = presence.clone();
    tokio::spawn(async move {
        loop {
            let (due, next) = board.due(Instant::now());
            for user in due {
                let online = hub.is_online(user).await;
                if board.record(user, online, Instant::now()) {
                    send(&service, hub.as_ref(), room_limit, user, online).await;
                }
            }
            let far = Instant::now() + Duration::from_secs(3600);
            tokio::select! {
                _ = board.wake.notified() => {}
                _ = tokio::time::sleep_until(next.unwrap_or(far)) => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
        }
    });
    presence
}

async fn send(service: &Service, hub: &dyn Hub, room_limit: u32, user: UserId, online: bool) {
    let audience = match service.presence_peers(user, room_limit).await {
        Ok(peers) => peers,
        Err(e) => {
            // Watchers still hear it; the others see it on their next `ready`.
            tracing::error!(error = %e, %user, "could not load the presence audience");
            Vec::new()
        }
    };
    let frame = wire::frame(&ServerFrame::Presence {
        user_id: user.to_string(),
        online,
    });
    // A person's own other connections hear it too, as before.
    let mut to = audience;
    to.push(user);
    hub.publish_presence(user, &to, frame).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: UserId = UserId(1);
    const B: UserId = UserId(2);

    #[test]
    fn the_first_change_goes_at_once_and_the_next_waits_for_the_interval() {
        let p = Presence::default();
        let t0 = Instant::now();
        p.changed(A);
        assert_eq!(p.due(t0), (vec![A], None));
        assert!(p.record(A, true, t0));
        p.changed(A);
        let (due, next) = p.due(t0 + Duration::from_millis(10));
        assert!(due.is_empty());
        assert_eq!(next, Some(t0 + MIN_INTERVAL));
        assert_eq!(p.due(t0 + MIN_INTERVAL).0, [A]);
    }

    #[test]
    fn only_a_state_that_differs_from_the_last_sent_one_goes_out() {
        let p = Presence::default();
        let t0 = Instant::now();
        p.changed(A);
        p.due(t0);
        assert!(p.record(A, true, t0));
        // Offline and back within the interval: by sending time the state is what was sent.
        p.changed(A);
        p.changed(A);
        let later = t0 + MIN_INTERVAL;
        assert_eq!(p.due(later).0, [A]);
        assert!(!p.record(A, true, later));
        assert!(p.record(A, false, later));
    }

    #[test]
    fn people_long_offline_are_forgotten_and_online_ones_kept() {
        let p = Presence::default();
        let t0 = Instant::now();
        for user in [A, B] {
            p.changed(user);
        }
        p.due(t0);
        assert!(p.record(A, true, t0));
        assert!(p.record(B, false, t0));
        let (due, next) = p.due(t0 + PRUNE_EVERY);
        assert!(due.is_empty() && next.is_none());
        let board = p.lock();
        assert!(board.slots.contains_key(&A) && !board.slots.contains_key(&B));
    }
}
