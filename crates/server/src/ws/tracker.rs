//! Per-connection bookkeeping that makes resume exact: which message seqs this connection has
//! already been sent, per room, so a `sync` replay and live delivery never send one twice.
//!
//! Live frames for a room reach a connection in ascending `seq` (the pipeline publishes in
//! commit order), contiguously from the moment it attached. So two numbers per room suffice:
//! the first live seq delivered and the highest seq delivered either way.

use natter_core::RoomId;

#[derive(Debug, Clone, Copy)]
struct Seen {
    room: RoomId,
    /// The first seq delivered live on this connection; 0 if none yet.
    first_live: i64,
    /// The highest seq delivered, live or by replay.
    high: i64,
}

/// Small on purpose: one entry per room with traffic during the connection's life.
#[derive(Debug, Default)]
pub struct SeqTracker {
    rooms: Vec<Seen>,
}

impl SeqTracker {
    fn entry(&mut self, room: RoomId) -> &mut Seen {
        let at = match self.rooms.iter().position(|s| s.room == room) {
            Some(at) => at,
            None => {
                self.rooms.push(Seen {
                    room,
                    first_live: 0,
                    high: 0,
                });
                self.rooms.len() - 1
            }
        };
        &mut self.rooms[at]
    }

    /// Records a live frame; `false` means a replay already sent it and it must be dropped.
    pub fn take_live(&mut self, room: RoomId, seq: i64) -> bool {
        let seen = self.entry(room);
        if seq <= seen.high {
            return false;
        }
        // A jump (the user left and rejoined, say) starts a new contiguous live run; a later
        // replay may then fill everything before it.
        if seen.first_live == 0 || seq != seen.high + 1 {
            seen.first_live = seq;
        }
        seen.high = seq;
        true
    }

    /// The highest seq a replay should send: everything from the first live seq on has
    /// already gone (or is queued) live. `None` means no limit.
    pub fn replay_limit(&self, room: RoomId) -> Option<i64> {
        self.rooms
            .iter()
            .find(|s| s.room == room && s.first_live > 0)
            .map(|s| s.first_live - 1)
    }

    /// Records that a replay sent everything up to `seq`.
    pub fn replayed(&mut self, room: RoomId, seq: i64) {
        let seen = self.entry(room);
        seen.high = seen.high.max(seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: RoomId = RoomId(1);

    #[test]
    fn live_frames_already_replayed_are_dropped() {
        let mut t = SeqTracker::default();
        assert_eq!(t.replay_limit(R), None);
        t.replayed(R, 7);
        assert!(!t.take_live(R, 6));
        assert!(!t.take_live(R, 7));
        assert!(t.take_live(R, 8));
    }

    #[test]
    fn a_replay_stops_before_what_was_already_delivered_live() {
        let mut t = SeqTracker::default();
        assert!(t.take_live(R, 5));
        assert!(t.take_live(R, 6));
        assert_eq!(t.replay_limit(R), Some(4));
        t.replayed(R, 4);
        assert!(t.take_live(R, 7));
        assert_eq!(t.replay_limit(RoomId(2)), None);
    }

    #[test]
    fn a_gap_in_live_delivery_lets_a_replay_fill_it() {
        let mut t = SeqTracker::default();
        assert!(t.take_live(R, 101));
        assert!(t.take_live(R, 102));
        assert!(t.take_live(R, 111));
        assert_eq!(t.replay_limit(R), Some(110));
    }
}
