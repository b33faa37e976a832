//! The sweeps: hourly, uploads never sent and audit entries past their retention; every
//! minute, rate-limit buckets that are full again.

use std::sync::Arc;
use std::time::Duration;

use natter_core::{Service, Timestamp};
use tokio::sync::watch;

use crate::files::{self, BlobStore};
use crate::limits::RateLimits;

const SWEEP_EVERY: Duration = Duration::from_secs(3600);
const FORGET_EVERY: Duration = Duration::from_secs(60);

/// What the sweeps work on.
pub(crate) struct Sweeps {
    pub service: Service,
    pub blobs: Arc<dyn BlobStore>,
    pub audit_retention: Duration,
    pub limits: Arc<RateLimits>,
}

/// Until shutdown (and once at start), runs each sweep at its interval.
pub(crate) fn spawn(
    sweeps: Sweeps,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(SWEEP_EVERY);
        let mut minutely = tokio::time::interval(FORGET_EVERY);
        loop {
            let hour_passed = tokio::select! {
                _ = hourly.tick() => true,
                _ = minutely.tick() => false,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            if hour_passed {
                files::sweep_abandoned(&sweeps.service, sweeps.blobs.as_ref()).await;
                prune_audit(&sweeps.service, sweeps.audit_retention).await;
            } else {
                sweeps.limits.forget_idle();
            }
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
