//! The hourly sweep: uploads never sent, and audit entries past their retention.

use std::sync::Arc;
use std::time::Duration;

use natter_core::{Service, Timestamp};
use tokio::sync::watch;

use crate::files::{self, BlobStore};

const SWEEP_EVERY: Duration = Duration::from_secs(3600);

/// Every hour until shutdown (and once at start), runs each sweep.
pub(crate) fn spawn(
    service: Service,
    blobs: Arc<dyn BlobStore>,
    audit_retention: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SWEEP_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            files::sweep_abandoned(&service, blobs.as_ref()).await;
            prune_audit(&service, audit_retention).await;
        }
    })
}

async fn prune_audit(service: &Service, retention: Duration) {
    let age = i64::try_from(retention.as_secs()).unwrap_or(i64::MAX);
    match service.prune_audit(Timestamp::now().plus_secs(-age)).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(count = n, "pruned audit entries past their retention"),
        Err(e) => tracing::warn!(error = %e, "pruning the audit log failed"),
    }
}
