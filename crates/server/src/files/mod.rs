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

use std::sync::Arc;
use std::time::Duration;

use natter_core::{FileInfo, Service, Timestamp, Unattached};
use tokio::sync::watch;

pub use blobs::{Blob, BlobStore, FsBlobs};
pub(crate) use receive::{random_hex, receive, sniff, Limit, ReceiveError, Received};
pub(crate) use thumbnail::Thumbnailer;

/// Uploads not sent with a message within this long are removed.
const ABANDONED_AFTER: Duration = Duration::from_secs(24 * 3600);
const SWEEP_EVERY: Duration = Duration::from_secs(3600);

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

/// Every hour until shutdown, removes uploads abandoned for a day.
pub(crate) fn spawn_sweeper(
    service: Service,
    blobs: Arc<dyn BlobStore>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            let age = i64::try_from(ABANDONED_AFTER.as_secs()).unwrap_or(i64::MAX);
            let before = Timestamp::now().plus_secs(-age);
            match service
                .store()
                .remove_unattached(Unattached::OlderThan(before))
                .await
            {
                Ok(removed) => {
                    if !removed.is_empty() {
                        tracing::info!(count = removed.len(), "removed abandoned uploads");
                    }
                    delete_blobs(blobs.as_ref(), &removed).await;
                }
                Err(e) => tracing::warn!(error = %e, "sweeping abandoned uploads failed"),
            }
        }
    })
}
