//! The in-process hub: a map from user to their connections' queues.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use natter_core::{SessionId, UserId};
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::{Attachment, ConnId, Frame, Hub, Kick, KickReason, Recipients};

struct Conn {
    id: ConnId,
    session: SessionId,
    tx: mpsc::Sender<Frame>,
    kick: Arc<Kick>,
}

impl Conn {
    fn deliver(&self, frame: &Frame) {
        match self.tx.try_send(frame.clone()) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(_)) => self.kick.fire(KickReason::Lagged),
        }
    }
}

#[derive(Default)]
struct State {
    by_user: HashMap<UserId, Vec<Conn>>,
    user_of: HashMap<ConnId, UserId>,
}

/// Fan-out within one process. The lock is a short `std` lock never held across an await.
pub struct LocalHub {
    state: RwLock<State>,
    next_id: AtomicU64,
    queue_capacity: usize,
    max_per_user: usize,
}

impl LocalHub {
    /// `queue_capacity` is how many frames a connection may have waiting before it is kicked.
    pub fn new(queue_capacity: usize) -> Self {
        LocalHub {
            state: RwLock::default(),
            next_id: AtomicU64::new(1),
            queue_capacity: queue_capacity.max(1),
            max_per_user: usize::MAX,
        }
    }

    /// At most `max` live connections per user: a new one past it closes the oldest.
    pub fn with_max_per_user(mut self, max: usize) -> Self {
        self.max_per_user = max.max(1);
        self
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Hub for LocalHub {
    async fn attach(&self, user: UserId, session: SessionId) -> Attachment {
        let id = ConnId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        let kick = Arc::new(Kick::default());
        let mut state = self.write();
        let conns = state.by_user.entry(user).or_default();
        let came_online = conns.is_empty();
        // Connections already told to close are on their way out and do not count.
        let mut live = conns.iter().filter(|c| !c.kick.is_fired());
        if live.clone().count() >= self.max_per_user {
            if let Some(oldest) = live.next() {
                oldest.kick.fire(KickReason::Replaced);
            }
        }
        conns.push(Conn {
            id,
            session,
            tx,
            kick: kick.clone(),
        });
        state.user_of.insert(id, user);
        Attachment {
            id,
            rx,
            kick,
            came_online,
        }
    }

    async fn detach(&self, conn: ConnId) -> bool {
        let mut state = self.write();
        let Some(user) = state.user_of.remove(&conn) else {
            return false;
        };
        let Some(conns) = state.by_user.get_mut(&user) else {
            return false;
        };
        conns.retain(|c| c.id != conn);
        if conns.is_empty() {
            state.by_user.remove(&user);
            return true;
        }
        false
    }

    async fn publish(&self, to: Recipients<'_>, frame: Frame, except: Option<ConnId>) {
        let state = self.read();
        let mut deliver_all = |conns: &Vec<Conn>| {
            for conn in conns.iter().filter(|c| Some(c.id) != except) {
                conn.deliver(&frame);
            }
        };
        match to {
            Recipients::Users(users) => users
                .iter()
                .filter_map(|u| state.by_user.get(u))
                .for_each(&mut deliver_all),
            Recipients::Everyone => state.by_user.values().for_each(&mut deliver_all),
        }
    }

    async fn send_to(&self, conn: ConnId, frame: Frame) {
        let state = self.read();
        let Some(user) = state.user_of.get(&conn) else {
            return;
        };
        let conns = state.by_user.get(user).into_iter().flatten();
        if let Some(c) = conns.into_iter().find(|c| c.id == conn) {
            c.deliver(&frame);
        }
    }

    async fn end_sessions(&self, user: UserId, sessions: &[SessionId]) {
        let state = self.read();
        let conns = state.by_user.get(&user).into_iter().flatten();
        for conn in conns.filter(|c| sessions.contains(&c.session)) {
            conn.kick.fire(KickReason::SessionEnded);
        }
    }

    async fn is_online(&self, user: UserId) -> bool {
        self.read().by_user.contains_key(&user)
    }

    async fn online_users(&self) -> Vec<UserId> {
        self.read().by_user.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserId = UserId(1);
    const BOB: UserId = UserId(2);

    #[tokio::test]
    async fn a_user_is_online_while_any_connection_is_attached() {
        let hub = LocalHub::new(8);
        let first = hub.attach(ALICE, SessionId(1)).await;
        let second = hub.attach(ALICE, SessionId(2)).await;
        assert!(first.came_online && !second.came_online);
        assert_eq!(hub.online_users().await, [ALICE]);
        assert!(!hub.detach(first.id).await);
        assert!(hub.detach(second.id).await);
        assert!(hub.online_users().await.is_empty());
    }

    #[tokio::test]
    async fn publish_reaches_every_connection_of_every_recipient_but_the_excepted_one() {
        let hub = LocalHub::new(8);
        let mut a1 = hub.attach(ALICE, SessionId(1)).await;
        let mut a2 = hub.attach(ALICE, SessionId(2)).await;
        let mut b = hub.attach(BOB, SessionId(3)).await;
        let frame = Frame::new("{}".into());
        hub.publish(Recipients::Users(&[ALICE]), frame, Some(a1.id))
            .await;
        assert!(a1.rx.try_recv().is_err());
        assert_eq!(&a2.rx.try_recv().unwrap().bytes[..], b"{}");
        assert!(b.rx.try_recv().is_err());
        let shared = Frame::new("{\"x\":1}".into());
        hub.publish(Recipients::Everyone, shared.clone(), None)
            .await;
        let got = b.rx.try_recv().unwrap();
        assert_eq!(
            got.bytes.as_ptr(),
            shared.bytes.as_ptr(),
            "bytes are shared, not copied"
        );
    }

    #[tokio::test]
    async fn a_connection_whose_queue_overflows_is_kicked_and_others_are_not() {
        let hub = LocalHub::new(2);
        let slow = hub.attach(ALICE, SessionId(1)).await;
        let mut fast = hub.attach(BOB, SessionId(2)).await;
        for _ in 0..3 {
            hub.publish(Recipients::Everyone, Frame::new("{}".into()), None)
                .await;
            while fast.rx.try_recv().is_ok() {}
        }
        assert_eq!(slow.kick.fired().await, KickReason::Lagged);
        assert_eq!(fast.kick.reason.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn ending_a_session_kicks_only_its_connections() {
        let hub = LocalHub::new(8);
        let ended = hub.attach(ALICE, SessionId(1)).await;
        let kept = hub.attach(ALICE, SessionId(2)).await;
        hub.end_sessions(ALICE, &[SessionId(1)]).await;
        assert_eq!(ended.kick.fired().await, KickReason::SessionEnded);
        assert_eq!(kept.kick.reason.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn past_the_cap_a_new_connection_closes_the_oldest_live_one() {
        let hub = LocalHub::new(8).with_max_per_user(2);
        let first = hub.attach(ALICE, SessionId(1)).await;
        let second = hub.attach(ALICE, SessionId(1)).await;
        let bobs = hub.attach(BOB, SessionId(2)).await;
        assert!(!first.kick.is_fired() && !second.kick.is_fired());
        let third = hub.attach(ALICE, SessionId(1)).await;
        assert_eq!(first.kick.fired().await, KickReason::Replaced);
        assert!(!second.kick.is_fired() && !third.kick.is_fired() && !bobs.kick.is_fired());
        // The one on its way out does not count: the next newcomer replaces the second.
        let _fourth = hub.attach(ALICE, SessionId(1)).await;
        assert_eq!(second.kick.fired().await, KickReason::Replaced);
        assert!(!third.kick.is_fired());
    }
}
