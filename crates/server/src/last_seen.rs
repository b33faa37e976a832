//! When people were last seen, recorded many at a time. Every connection that closes as its
//! person's last records it; when thousands drop at once (a restart, a network blip), one write
//! and one fsync each kept the writer busy for seconds, so closes wait together for one write.

use std::sync::Arc;

use natter_core::{Service, UserId};
use tokio::sync::{mpsc, oneshot};

use crate::presence::Presence;

/// The most people one write records.
const BATCH: usize = 1024;

type Request = (UserId, oneshot::Sender<()>);

pub(crate) struct LastSeen {
    tx: mpsc::UnboundedSender<Request>,
}

impl LastSeen {
    /// Records that `user`'s last connection closed now, then announces their presence, so
    /// whoever sees them go offline finds `last_seen` already stored. Returns once both are
    /// done: a shutdown waits for the connection, and so for this.
    pub(crate) async fn went_offline(&self, user: UserId) {
        let (done, written) = oneshot::channel();
        if self.tx.send((user, done)).is_ok() {
            let _ = written.await;
        }
    }
}

pub(crate) fn spawn(service: Service, presence: Arc<Presence>) -> LastSeen {
    let (tx, mut rx) = mpsc::unbounded_channel::<Request>();
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(BATCH);
        // Whatever queued while one write ran is the next write.
        while rx.recv_many(&mut batch, BATCH).await > 0 {
            let users: Vec<UserId> = batch.iter().map(|(user, _)| *user).collect();
            if let Err(e) = service.record_last_seen(&users).await {
                tracing::warn!(error = %e, people = users.len(), "could not record last_seen");
            }
            for (user, done) in batch.drain(..) {
                // Sent only if the user is still offline when it goes out.
                presence.changed(user);
                let _ = done.send(());
            }
        }
    });
    LastSeen { tx }
}
