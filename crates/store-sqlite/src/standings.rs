//! The standings every send asks for ([`natter_core::Store::standing`]), kept in memory
//! between writes that could change them.
//!
//! A send needs the room, whether the sender is a member and their mute. Read from SQLite
//! that is a read transaction of three lookups, about a fifth of a send's CPU, most of it
//! taking and dropping the database's file locks. The answer changes only when rooms,
//! memberships or sanctions do, and in this process every change to those goes through the
//! writer: so every write forgets every kept standing before it returns, except the two kinds
//! that cannot change one (appending messages, read marks; see `lib.rs`).
//!
//! - **A write that commits is never missed.** A standing read from the database is kept only
//!   if no forgetting write finished while it was read (`generation`): a read that saw the
//!   database before a kick cannot be kept after the kick returned.
//! - **Another process's writes are seen within [`TTL_MS`]**: a kept standing older than that
//!   is read again. (The admin command line's account commands change none of these tables;
//!   restores and imports run with no server.)
//! - **Mutes that run out do so on time:** a mute is kept with its end and checked against the
//!   time of each send.
//! - **Bounded**: at most [`CAPACITY`] standings; when full, all are forgotten.
//!
//! What is kept of the room is what a send uses. Its `last_seq` and `last_rev` are as they were
//! when read: appending a message moves them without forgetting anything.

use std::collections::HashMap;
use std::sync::Mutex;

use natter_core::{RoomId, Standing, Timestamp, UserId};

/// How long a kept standing answers before it is read again: what another process's change
/// to a room, a membership or a mute may take to be seen.
pub(crate) const TTL_MS: i64 = 2_000;

/// Standings kept at most: some megabytes.
pub(crate) const CAPACITY: usize = 50_000;

#[derive(Default)]
pub(crate) struct Standings {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Moved on by every forgetting write.
    generation: u64,
    kept: HashMap<(RoomId, UserId), Kept>,
}

struct Kept {
    standing: Standing,
    read_at: Timestamp,
}

/// When a standing was read from the database, to keep it afterwards.
#[derive(Clone, Copy)]
pub(crate) struct Reading {
    generation: u64,
    at: Timestamp,
}

impl Standings {
    /// The kept standing of `user` in `room` at `now`, if one is kept and fresh.
    pub(crate) fn get(&self, room: RoomId, user: UserId, now: Timestamp) -> Option<Standing> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let kept = state.kept.get(&(room, user))?;
        // A clock that went back, or a standing past its time: read again.
        if now < kept.read_at || now.0 - kept.read_at.0 >= TTL_MS {
            return None;
        }
        let mut standing = kept.standing.clone();
        standing.muted = standing
            .muted
            .filter(|m| m.until.is_none_or(|until| until > now));
        Some(standing)
    }

    /// Called before reading a standing from the database at `now`.
    pub(crate) fn reading(&self, now: Timestamp) -> Reading {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        Reading {
            generation: state.generation,
            at: now,
        }
    }

    /// Keeps what was read since `reading`, unless a forgetting write finished meanwhile.
    pub(crate) fn keep(&self, reading: Reading, standing: &Standing, user: UserId) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.generation != reading.generation {
            return;
        }
        if state.kept.len() >= CAPACITY {
            state.kept.clear();
        }
        state.kept.insert(
            (standing.room.id, user),
            Kept {
                standing: standing.clone(),
                read_at: reading.at,
            },
        );
    }

    /// Forgets every kept standing: after a write that may have changed one.
    pub(crate) fn forget_all(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.generation = state.generation.wrapping_add(1);
        state.kept.clear();
    }
}

impl crate::SqliteStore {
    /// `Store::standing`: the kept answer if it is fresh, else read together and kept.
    pub(crate) async fn kept_standing(
        &self,
        room: RoomId,
        user: UserId,
        now: Timestamp,
    ) -> Result<Option<Standing>, natter_core::StoreError> {
        let kept = &self.inner.standings;
        if let Some(standing) = kept.get(room, user, now) {
            return Ok(Some(standing));
        }
        let reading = kept.reading(now);
        let found = self
            .read_together(move |c| crate::moderation::standing(c, room, user, now))
            .await?;
        if let Some(standing) = &found {
            kept.keep(reading, standing, user);
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use natter_core::{Room, RoomKind, Sanction, SanctionKind};

    use super::*;

    fn standing(room: i64, muted_until: Option<i64>) -> Standing {
        Standing {
            room: Room {
                id: RoomId(room),
                name: "r".into(),
                kind: RoomKind::Public,
                topic: String::new(),
                last_seq: 0,
                last_rev: 0,
                owner: None,
                moderators: Vec::new(),
                slow_mode_secs: 0,
                archived: false,
                members_can_set_topic: true,
                members_can_add: true,
                dm_members: Vec::new(),
                created_at: Timestamp(0),
            },
            member: true,
            muted: muted_until.map(|until| Sanction {
                room: RoomId(room),
                user: UserId(7),
                kind: SanctionKind::Mute,
                until: Some(Timestamp(until)),
                reason: String::new(),
                by: None,
                at: Timestamp(0),
            }),
        }
    }

    #[test]
    fn a_standing_read_across_a_write_is_not_kept() {
        let kept = Standings::default();
        let reading = kept.reading(Timestamp(1_000));
        kept.forget_all();
        kept.keep(reading, &standing(1, None), UserId(7));
        assert_eq!(kept.get(RoomId(1), UserId(7), Timestamp(1_000)), None);

        let reading = kept.reading(Timestamp(1_000));
        kept.keep(reading, &standing(1, None), UserId(7));
        assert_eq!(
            kept.get(RoomId(1), UserId(7), Timestamp(1_000)),
            Some(standing(1, None))
        );
        assert_eq!(kept.get(RoomId(1), UserId(8), Timestamp(1_000)), None);
        kept.forget_all();
        assert_eq!(kept.get(RoomId(1), UserId(7), Timestamp(1_000)), None);
    }

    #[test]
    fn a_kept_standing_ages_and_its_mute_runs_out() {
        let kept = Standings::default();
        let reading = kept.reading(Timestamp(1_000));
        kept.keep(reading, &standing(1, Some(1_500)), UserId(7));
        let at = |t| kept.get(RoomId(1), UserId(7), Timestamp(t));
        assert!(at(1_499).unwrap().muted.is_some());
        assert_eq!(at(1_500).unwrap().muted, None, "the mute ended");
        assert!(at(1_000 + TTL_MS - 1).is_some());
        assert_eq!(at(1_000 + TTL_MS), None, "too old");
        assert_eq!(at(999), None, "the clock went back");
    }

    #[test]
    fn the_kept_standings_are_bounded() {
        let kept = Standings::default();
        for user in 0..=CAPACITY as i64 {
            let reading = kept.reading(Timestamp(1_000));
            kept.keep(reading, &standing(1, None), UserId(user));
        }
        let state = kept.state.lock().unwrap();
        assert!(state.kept.len() <= CAPACITY);
    }
}
