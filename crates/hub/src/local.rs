//! The in-process hub: a map from user to their connections' outboxes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use natter_core::{SessionId, UserId};

use crate::{
    Attachment, ConnId, Frame, Hub, KickReason, Latest, Outbox, PresenceAnswer, Recipients,
};

struct Conn {
    id: ConnId,
    session: SessionId,
    outbox: Arc<Outbox>,
    /// The people whose presence this connection asked to follow.
    watching: Vec<UserId>,
}

#[derive(Default)]
struct State {
    by_user: HashMap<UserId, Vec<Conn>>,
    user_of: HashMap<ConnId, UserId>,
    /// For each watched person, the connections watching them.
    watchers: HashMap<UserId, Vec<ConnId>>,
}

impl State {
    fn conn(&self, id: ConnId) -> Option<&Conn> {
        let user = self.user_of.get(&id)?;
        self.by_user.get(user)?.iter().find(|c| c.id == id)
    }

    /// Calls `f` with the outbox of every connection of every recipient but `except`.
    fn each_conn(&self, to: Recipients<'_>, except: Option<ConnId>, f: impl Fn(&Outbox)) {
        let mut each = |conns: &Vec<Conn>| {
            for conn in conns.iter().filter(|c| Some(c.id) != except) {
                f(&conn.outbox);
            }
        };
        match to {
            Recipients::Users(users) => users
                .iter()
                .filter_map(|u| self.by_user.get(u))
                .for_each(&mut each),
            Recipients::Everyone => self.by_user.values().for_each(&mut each),
        }
    }

    fn unwatch(&mut self, conn: ConnId, users: &[UserId]) {
        for user in users {
            if let Some(conns) = self.watchers.get_mut(user) {
                conns.retain(|c| *c != conn);
                if conns.is_empty() {
                    self.watchers.remove(user);
                }
            }
        }
    }
}

/// Fan-out within one process. The lock is a short `std` lock never held across an await.
pub struct LocalHub {
    state: RwLock<State>,
    next_id: AtomicU64,
    /// See [`Hub::sessions_ended`].
    sessions_ended: AtomicU64,
    queue_capacity: usize,
    max_per_user: usize,
}

impl LocalHub {
    /// `queue_capacity` is how many frames a connection may have waiting before it is kicked.
    pub fn new(queue_capacity: usize) -> Self {
        LocalHub {
            state: RwLock::default(),
            next_id: AtomicU64::new(1),
            sessions_ended: AtomicU64::new(0),
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
        let outbox = Arc::new(Outbox::new(self.queue_capacity));
        let mut state = self.write();
        // Most people have one connection: room for one, not the four a first push makes.
        let conns = state
            .by_user
            .entry(user)
            .or_insert_with(|| Vec::with_capacity(1));
        let came_online = conns.is_empty();
        // Connections already told to close are on their way out and do not count.
        let mut live = conns.iter().filter(|c| !c.outbox.kick().is_fired());
        if live.clone().count() >= self.max_per_user {
            if let Some(oldest) = live.next() {
                oldest.outbox.kick_now(KickReason::Replaced);
            }
        }
        conns.push(Conn {
            id,
            session,
            outbox: outbox.clone(),
            watching: Vec::new(),
        });
        state.user_of.insert(id, user);
        Attachment {
            id,
            outbox,
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
        let Some(at) = conns.iter().position(|c| c.id == conn) else {
            return false;
        };
        let gone = conns.remove(at);
        let last = conns.is_empty();
        if last {
            state.by_user.remove(&user);
        }
        state.unwatch(conn, &gone.watching);
        last
    }

    async fn publish(&self, to: Recipients<'_>, frame: Frame, except: Option<ConnId>) {
        self.read()
            .each_conn(to, except, |outbox| outbox.push(&frame));
    }

    async fn publish_latest(
        &self,
        to: Recipients<'_>,
        key: Latest,
        frame: Frame,
        except: Option<ConnId>,
    ) {
        self.read()
            .each_conn(to, except, |outbox| outbox.push_latest(key, &frame));
    }

    async fn send_to(&self, conn: ConnId, frame: Frame) {
        if let Some(c) = self.read().conn(conn) {
            c.outbox.push(&frame);
        }
    }

    async fn publish_presence(&self, user: UserId, to: &[UserId], frame: Frame) {
        let state = self.read();
        let key = Latest::Presence(user);
        state.each_conn(Recipients::Users(to), None, |outbox| {
            outbox.push_latest(key, &frame)
        });
        let watchers = state.watchers.get(&user).into_iter().flatten();
        for conn in watchers.filter_map(|id| state.conn(*id)) {
            conn.outbox.push_latest(key, &frame);
        }
    }

    async fn watch_presence(&self, conn: ConnId, users: Vec<UserId>, answer: &PresenceAnswer) {
        let mut state = self.write();
        let Some(user) = state.user_of.get(&conn).copied() else {
            return;
        };
        let Some(c) = state
            .by_user
            .get_mut(&user)
            .and_then(|conns| conns.iter_mut().find(|c| c.id == conn))
        else {
            return;
        };
        let before = std::mem::replace(&mut c.watching, users.clone());
        let outbox = c.outbox.clone();
        state.unwatch(conn, &before);
        for watched in users {
            let online = state.by_user.contains_key(&watched);
            outbox.push_latest(Latest::Presence(watched), &answer(watched, online));
            state.watchers.entry(watched).or_default().push(conn);
        }
    }

    async fn end_sessions(&self, user: UserId, sessions: &[SessionId]) {
        self.sessions_ended.fetch_add(1, Ordering::SeqCst);
        let state = self.read();
        let conns = state.by_user.get(&user).into_iter().flatten();
        for conn in conns.filter(|c| sessions.contains(&c.session)) {
            conn.outbox.kick_now(KickReason::SessionEnded);
        }
    }

    async fn close_all(&self) {
        let state = self.read();
        for conn in state.by_user.values().flatten() {
            conn.outbox.kick_now(KickReason::ShuttingDown);
        }
    }

    fn sessions_ended(&self) -> u64 {
        self.sessions_ended.load(Ordering::SeqCst)
    }

    async fn is_online(&self, user: UserId) -> bool {
        self.read().by_user.contains_key(&user)
    }

    async fn online_among(&self, users: &[UserId]) -> Vec<UserId> {
        let state = self.read();
        users
            .iter()
            .filter(|u| state.by_user.contains_key(u))
            .copied()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: UserId = UserId(1);
    const BOB: UserId = UserId(2);

    /// What is waiting on a connection, taken without waiting.
    fn taken(a: &Attachment) -> crate::Batch {
        a.outbox.take_now()
    }

    #[tokio::test]
    async fn a_user_is_online_while_any_connection_is_attached() {
        let hub = LocalHub::new(8);
        let first = hub.attach(ALICE, SessionId(1)).await;
        let second = hub.attach(ALICE, SessionId(2)).await;
        assert!(first.came_online && !second.came_online);
        assert_eq!(hub.online_among(&[BOB, ALICE]).await, [ALICE]);
        assert!(!hub.detach(first.id).await);
        assert!(hub.detach(second.id).await);
        assert!(hub.online_among(&[ALICE]).await.is_empty());
    }

    #[tokio::test]
    async fn publish_reaches_every_connection_of_every_recipient_but_the_excepted_one() {
        let hub = LocalHub::new(8);
        let a1 = hub.attach(ALICE, SessionId(1)).await;
        let a2 = hub.attach(ALICE, SessionId(2)).await;
        let b = hub.attach(BOB, SessionId(3)).await;
        for a in [&a1, &a2, &b] {
            a.outbox.flow();
        }
        let frame = Frame::new("{}".into());
        hub.publish(Recipients::Users(&[ALICE]), frame, Some(a1.id))
            .await;
        assert!(taken(&a1).frames.is_empty());
        assert_eq!(&taken(&a2).frames[0].bytes[..], b"{}");
        assert!(taken(&b).frames.is_empty());
        let shared = Frame::new("{\"x\":1}".into());
        hub.publish(Recipients::Everyone, shared.clone(), None)
            .await;
        let got = taken(&b).frames.pop_front().unwrap();
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
        let fast = hub.attach(BOB, SessionId(2)).await;
        slow.outbox.flow();
        fast.outbox.flow();
        for _ in 0..3 {
            hub.publish(Recipients::Everyone, Frame::new("{}".into()), None)
                .await;
            taken(&fast);
        }
        assert_eq!(slow.outbox.kick().fired().await, KickReason::Lagged);
        assert!(!fast.outbox.kick().is_fired());
    }

    #[tokio::test]
    async fn presence_reaches_the_audience_and_the_watchers_and_never_kicks() {
        let hub = LocalHub::new(1);
        const CAROL: UserId = UserId(3);
        let a = hub.attach(ALICE, SessionId(1)).await;
        let b = hub.attach(BOB, SessionId(2)).await;
        let c = hub.attach(CAROL, SessionId(3)).await;
        for x in [&a, &b, &c] {
            x.outbox.flow();
        }
        let answer = |u: UserId, on: bool| Frame::new(format!("{}:{on}", u.0));
        hub.watch_presence(c.id, vec![ALICE], &answer).await;
        assert_eq!(
            &taken(&c).latest[0].bytes[..],
            b"1:true",
            "where alice is now"
        );
        for n in 0..10 {
            let frame = Frame::new(format!("{n}"));
            hub.publish_presence(ALICE, &[BOB], frame).await;
        }
        assert_eq!(&taken(&b).latest[0].bytes[..], b"9");
        assert_eq!(&taken(&c).latest[0].bytes[..], b"9");
        assert!(taken(&a).latest.is_empty(), "not in the audience");
        assert!(!b.outbox.kick().is_fired() && !c.outbox.kick().is_fired());
        // Watching replaces: carol now follows bob only, and leaving drops her watch.
        hub.watch_presence(c.id, vec![BOB], &answer).await;
        taken(&c);
        hub.publish_presence(ALICE, &[], Frame::new("a".into()))
            .await;
        hub.publish_presence(BOB, &[], Frame::new("b".into())).await;
        let got = taken(&c).latest;
        assert_eq!(got.len(), 1);
        assert_eq!(&got[0].bytes[..], b"b");
        assert!(hub.detach(c.id).await);
        assert!(hub.read().watchers.is_empty());
    }

    #[tokio::test]
    async fn ending_a_session_kicks_only_its_connections() {
        let hub = LocalHub::new(8);
        let ended = hub.attach(ALICE, SessionId(1)).await;
        let kept = hub.attach(ALICE, SessionId(2)).await;
        hub.end_sessions(ALICE, &[SessionId(1)]).await;
        assert_eq!(ended.outbox.kick().fired().await, KickReason::SessionEnded);
        assert!(!kept.outbox.kick().is_fired());
    }

    /// A connection checked its session, then attached: it must learn of any ending of a
    /// session in between, either from the count or from the kick.
    #[tokio::test]
    async fn every_ending_of_sessions_is_counted_even_with_nobody_to_kick() {
        let hub = LocalHub::new(8);
        let before = hub.sessions_ended();
        hub.end_sessions(BOB, &[SessionId(7)]).await;
        assert_eq!(hub.sessions_ended(), before + 1);
        let after_check = hub.sessions_ended();
        let conn = hub.attach(ALICE, SessionId(1)).await;
        hub.end_sessions(ALICE, &[SessionId(1)]).await;
        assert_ne!(hub.sessions_ended(), after_check);
        assert_eq!(conn.outbox.kick().fired().await, KickReason::SessionEnded);
    }

    #[tokio::test]
    async fn past_the_cap_a_new_connection_closes_the_oldest_live_one() {
        let hub = LocalHub::new(8).with_max_per_user(2);
        let first = hub.attach(ALICE, SessionId(1)).await;
        let second = hub.attach(ALICE, SessionId(1)).await;
        let bobs = hub.attach(BOB, SessionId(2)).await;
        let fired = |a: &Attachment| a.outbox.kick().is_fired();
        assert!(!fired(&first) && !fired(&second));
        let third = hub.attach(ALICE, SessionId(1)).await;
        assert_eq!(first.outbox.kick().fired().await, KickReason::Replaced);
        assert!(!fired(&second) && !fired(&third) && !fired(&bobs));
        // The one on its way out does not count: the next newcomer replaces the second.
        let _fourth = hub.attach(ALICE, SessionId(1)).await;
        assert_eq!(second.outbox.kick().fired().await, KickReason::Replaced);
        assert!(!fired(&third));
    }
}
