//! The newest page of each busy room, kept serialized: most history reads ask for it, and it
//! stays the same until the room's [`PageVersion`] changes.
//!
//! A page is stored under the version read before it was loaded, so what is stored is never
//! older than its version (a change between the two reads makes it newer, and the next reader
//! sees a new version and loads again). The version is checked after the reader is authorized,
//! by `Service::newest_page_version`; nothing in a page depends on who reads it.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use natter_core::{PageVersion, RoomId};

/// The most bytes of pages kept; past it, pages are dropped, arbitrary ones first.
const MAX_BYTES: usize = 16 << 20;
/// A bigger page is served but not kept.
const MAX_PAGE_BYTES: usize = 512 << 10;
/// What an entry costs besides its page, counted against the budget.
const ENTRY_BYTES: usize = 64;

#[derive(Default)]
pub struct PageCache {
    inner: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    /// By room and page size.
    pages: HashMap<(RoomId, u32), (PageVersion, Bytes)>,
    bytes: usize,
}

impl PageCache {
    /// The page of `limit` newest messages of `room` if it was kept at `version`.
    pub fn get(&self, room: RoomId, limit: u32, version: PageVersion) -> Option<Bytes> {
        let pages = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match pages.pages.get(&(room, limit)) {
            Some((v, body)) if *v == version => Some(body.clone()),
            _ => None,
        }
    }

    /// Keeps `body` as the page at `version`, unless a newer version of it is kept already
    /// (a slower reader finishing last).
    pub fn put(&self, room: RoomId, limit: u32, version: PageVersion, body: Bytes) {
        if body.len() > MAX_PAGE_BYTES {
            return;
        }
        let mut pages = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = (room, limit);
        if let Some((kept, _)) = pages.pages.get(&key) {
            if !newer(version, *kept) {
                return;
            }
        }
        let added = body.len() + ENTRY_BYTES;
        if let Some((_, old)) = pages.pages.insert(key, (version, body)) {
            pages.bytes -= old.len() + ENTRY_BYTES;
        }
        pages.bytes += added;
        while pages.bytes > MAX_BYTES {
            let Some(other) = pages.pages.keys().find(|k| **k != key).copied() else {
                break;
            };
            if let Some((_, gone)) = pages.pages.remove(&other) {
                pages.bytes -= gone.len() + ENTRY_BYTES;
            }
        }
    }
}

/// Whether `a` is a later state of the room than `b`. A later epoch always is (the room may
/// have been deleted and its id given to a new room, whose counters start again); within an
/// epoch, both counters only grow.
fn newer(a: PageVersion, b: PageVersion) -> bool {
    a.epoch > b.epoch
        || (a.epoch == b.epoch && a != b && a.last_seq >= b.last_seq && a.last_rev >= b.last_rev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(last_seq: i64) -> PageVersion {
        PageVersion {
            last_seq,
            last_rev: 0,
            epoch: 0,
        }
    }

    #[test]
    fn a_page_is_served_only_at_the_version_it_was_kept_at() {
        let cache = PageCache::default();
        let (room, other) = (RoomId(1), RoomId(2));
        assert_eq!(cache.get(room, 50, v(3)), None);
        cache.put(room, 50, v(3), Bytes::from_static(b"three"));
        assert_eq!(cache.get(room, 50, v(3)).as_deref(), Some(&b"three"[..]));
        assert_eq!(cache.get(room, 50, v(4)), None, "a newer version");
        assert_eq!(cache.get(room, 20, v(3)), None, "another page size");
        assert_eq!(cache.get(other, 50, v(3)), None, "another room");
        cache.put(room, 50, v(4), Bytes::from_static(b"four"));
        assert_eq!(cache.get(room, 50, v(3)), None, "replaced");
        assert_eq!(cache.get(room, 50, v(4)).as_deref(), Some(&b"four"[..]));
        cache.put(room, 50, v(3), Bytes::from_static(b"three, late"));
        assert_eq!(
            cache.get(room, 50, v(4)).as_deref(),
            Some(&b"four"[..]),
            "kept the newer"
        );
    }

    #[test]
    fn a_later_epoch_replaces_a_page_whose_counters_were_higher() {
        let cache = PageCache::default();
        let room = RoomId(1);
        cache.put(room, 50, v(9), Bytes::from_static(b"old room"));
        let reused = PageVersion { epoch: 1, ..v(1) };
        cache.put(room, 50, reused, Bytes::from_static(b"new room"));
        assert_eq!(
            cache.get(room, 50, reused).as_deref(),
            Some(&b"new room"[..])
        );
    }

    #[test]
    fn the_cache_keeps_to_its_budget() {
        let cache = PageCache::default();
        let page = Bytes::from(vec![b'x'; MAX_PAGE_BYTES]);
        let rooms = 2 * MAX_BYTES / MAX_PAGE_BYTES;
        for room in 0..rooms {
            cache.put(RoomId(room as i64), 50, v(1), page.clone());
        }
        let kept = cache.inner.lock().unwrap();
        assert!(kept.bytes <= MAX_BYTES, "{} bytes", kept.bytes);
        assert_eq!(
            kept.bytes,
            kept.pages.len() * (MAX_PAGE_BYTES + ENTRY_BYTES)
        );
        assert!(
            kept.pages.contains_key(&(RoomId(rooms as i64 - 1), 50)),
            "the newest stays"
        );
        drop(kept);
        let big = RoomId(rooms as i64);
        cache.put(big, 50, v(1), Bytes::from(vec![b'x'; MAX_PAGE_BYTES + 1]));
        assert_eq!(cache.get(big, 50, v(1)), None, "too big to keep");
    }
}
