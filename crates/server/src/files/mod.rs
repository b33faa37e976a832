//! Files: the blob store seam, receiving an upload to disk, sniffing its type, thumbnails,
//! and sweeping uploads that were never sent.
//!
//! An upload never sits whole in memory: the body is streamed chunk by chunk to a spool file
//! (counted against the size limit and the owner's quota as it arrives), its type is sniffed
//! from its first bytes, an image gets a thumbnail, and only then is the file handed to the
//! [`BlobStore`] and its metadata recorded. Anything that fails on the way leaves nothing
//! behind: the spool file removes itself when dropped, and stored blobs are deleted again.

mod blobs;
mod receive;
mod thumbnail;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use natter_core::{FileInfo, Service, Timestamp, UserId};

pub use blobs::{Blob, BlobStore, FsBlobs};
pub(crate) use receive::{random_hex, receive, served_type, sniff, Limit, ReceiveError, Received};
pub(crate) use thumbnail::Thumbnailer;

/// Uploads not sent with a message within this long are removed.
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Uploads one user may have in progress at once. Each spools at most the file limit to disk,
/// so this bounds how much disk one user can take before the quota check at the end.
const UPLOADS_PER_USER: usize = 4;

/// Counts each user's uploads in progress.
#[derive(Clone, Default)]
pub(crate) struct UploadSlots {
    busy: Arc<Mutex<HashMap<UserId, usize>>>,
}

/// One upload in progress; its slot is given back when it is dropped.
pub(crate) struct UploadSlot {
    slots: UploadSlots,
    user: UserId,
}

impl UploadSlots {
    /// A slot for `user`, or `None` if they already have [`UPLOADS_PER_USER`] uploads going.
    pub(crate) fn take(&self, user: UserId) -> Option<UploadSlot> {
        let mut busy = self.busy.lock().unwrap_or_else(|p| p.into_inner());
        let n = busy.entry(user).or_insert(0);
        if *n >= UPLOADS_PER_USER {
            return None;
        }
        *n += 1;
        Some(UploadSlot {
            slots: self.clone(),
            user,
        })
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut busy = self.slots.busy.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = busy.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                busy.remove(&self.user);
            }
        }
    }
}

/// Deletes the bytes of files whose metadata is gone. A failure is logged and leaves an
/// orphaned blob, never a file that is listed but cannot be read.
pub(crate) async fn delete_blobs(blobs: &dyn BlobStore, files: &[FileInfo]) {
    for file in files {
        let keys = std::iter::once(file.blob.clone()).chain(file.thumbnail_key());
        for key in keys {
            if let Err(e) = blobs.delete(&key).await {
                tracing::warn!(file = %file.id, error = %e, "could not delete a blob");
            }
        }
    }
}

/// Removes uploads abandoned for a day, and their blobs. The hourly sweep runs it.
pub(crate) async fn sweep_abandoned(service: &Service, blobs: &dyn BlobStore) {
    let age = i64::try_from(ABANDONED_AFTER.as_secs()).unwrap_or(i64::MAX);
    let before = Timestamp::now().plus_secs(-age);
    match service.sweep_abandoned(before).await {
        Ok(removed) => {
            if !removed.is_empty() {
                tracing::info!(count = removed.len(), "removed abandoned uploads");
            }
            delete_blobs(blobs, &removed).await;
        }
        Err(e) => tracing::warn!(error = %e, "sweeping abandoned uploads failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_user_has_a_few_upload_slots_given_back_when_done() {
        let slots = UploadSlots::default();
        let (a, b) = (UserId(1), UserId(2));
        let mut held: Vec<UploadSlot> = (0..UPLOADS_PER_USER)
            .map(|_| slots.take(a).expect("a free slot"))
            .collect();
        assert!(slots.take(a).is_none(), "one too many");
        assert!(slots.take(b).is_some(), "slots are per user");
        held.pop();
        assert!(slots.take(a).is_some(), "a finished upload frees its slot");
        drop(held);
        assert!(slots.busy.lock().unwrap().get(&a).is_none());
    }
}
