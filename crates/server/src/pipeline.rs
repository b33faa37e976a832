//! The message pipeline: every send, from REST or WebSocket, passes through here.
//!
//! One task takes sends off a queue in batches, appends each batch in one store transaction
//! (group commit), and only after the commit publishes each message to the room's members and
//! acknowledges its sender, in commit order. One task means a room's messages reach every
//! connection in `seq` order, and a burst of sends costs one fsync rather than one each.

use std::collections::hash_map::{Entry, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::time::Instant;

use natter_core::{AppendOutcome, Error, NewMessage, RoomId, Service, UserId};
use natter_hub::{ConnId, Hub, Recipients};
use natter_proto::ServerFrame;
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::{wire, ApiError};

const MAX_BATCH: usize = 256;
const QUEUE: usize = 4096;

/// Where the outcome of a send goes.
pub enum ReplyTo {
    /// A REST handler waiting for the outcome.
    Rest(oneshot::Sender<Result<AppendOutcome, Error>>),
    /// A WebSocket connection: it gets an `ack` or `error` frame, in order with its other frames.
    Ws(ConnId),
}

struct Job {
    new: NewMessage,
    reply: ReplyTo,
}

#[derive(Clone)]
pub struct Pipeline {
    tx: mpsc::Sender<Job>,
    /// Set when the last batch failed to commit; cleared by the next that commits, or by a
    /// health probe that finds the store writable again.
    failing: Arc<AtomicBool>,
    /// Set while a health check's probe write runs.
    probing: Arc<AtomicBool>,
}

/// A health probe in progress; the next may start once this is dropped.
pub struct Probing(Arc<AtomicBool>);

impl Drop for Probing {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Pipeline {
    /// Starts a health probe unless one is running.
    pub fn start_probe(&self) -> Option<Probing> {
        self.probing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Probing(self.probing.clone()))
    }

    /// Whether messages can be committed: the task runs and the last commit succeeded.
    pub fn healthy(&self) -> bool {
        !self.tx.is_closed() && !self.failing.load(Ordering::Acquire)
    }

    /// Whether the task is still taking sends (a health probe cannot bring back a dead one).
    pub fn running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Records that the store took a write again.
    pub fn recovered(&self) {
        self.failing.store(false, Ordering::Release);
    }

    /// Queues a send; waits only for queue space, not for the commit.
    pub async fn submit(&self, new: NewMessage, reply: ReplyTo) -> Result<(), ApiError> {
        self.tx
            .send(Job { new, reply })
            .await
            .map_err(|_| ApiError::Internal("message pipeline stopped".into()))
    }

    /// Queues a send and waits until it is committed (or refused).
    pub async fn send_and_wait(&self, new: NewMessage) -> Result<AppendOutcome, ApiError> {
        let (tx, rx) = oneshot::channel();
        self.submit(new, ReplyTo::Rest(tx)).await?;
        let outcome = rx
            .await
            .map_err(|_| ApiError::Internal("message pipeline dropped a send".into()))?;
        Ok(outcome?)
    }
}

/// Starts the pipeline task. It ends once every `Pipeline` handle is dropped and the queue is
/// drained, so in-flight sends still commit during shutdown.
///
/// The task supervises itself: a panic while handling one batch (a bug, or a library that
/// panics on a failed write) fails only that batch's sends, whose clients resend them with the
/// same `client_id`; the queue and the task go on.
pub fn start(
    service: Service,
    hub: Arc<dyn Hub>,
    metrics: Arc<Metrics>,
) -> (Pipeline, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Job>(QUEUE);
    let failing = Arc::new(AtomicBool::new(false));
    let flag = failing.clone();
    let task = tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let jobs = std::mem::take(&mut batch);
            let handled = AssertUnwindSafe(commit_batch(&service, hub.as_ref(), &metrics, jobs))
                .catch_unwind()
                .await;
            let committed = handled.unwrap_or_else(|_| {
                tracing::error!("handling a message batch panicked; its sends failed");
                false
            });
            flag.store(!committed, Ordering::Release);
        }
    });
    let probing = Arc::new(AtomicBool::new(false));
    (
        Pipeline {
            tx,
            failing,
            probing,
        },
        task,
    )
}

/// Commits, publishes and answers one batch; says whether the commit succeeded.
#[tracing::instrument(skip_all, fields(size = jobs.len()))]
async fn commit_batch(service: &Service, hub: &dyn Hub, metrics: &Metrics, jobs: Vec<Job>) -> bool {
    let size = jobs.len();
    let news = jobs.iter().map(|j| j.new.clone()).collect();
    let committed;
    let started = Instant::now();
    let result = service.commit_messages(news).await;
    let commit_time = started.elapsed();
    let outcomes = match result {
        Ok(outcomes) => {
            // A storage fault on one message (not a refusal like a reused client_id) means
            // the store is not taking writes either.
            committed = !outcomes.iter().any(|o| matches!(o, Err(Error::Store(_))));
            tracing::debug!(committed, "batch done");
            outcomes
        }
        Err(e) => {
            committed = false;
            tracing::error!(error = %e, "message batch failed to commit");
            let failed = || natter_core::StoreError::Backend("commit failed".into()).into();
            (0..jobs.len()).map(|_| Err(failed())).collect()
        }
    };
    let mut members: HashMap<RoomId, Vec<UserId>> = HashMap::new();
    let mut stored = 0;
    for (job, outcome) in jobs.into_iter().zip(outcomes) {
        if let Ok(done) = &outcome {
            if !done.duplicate {
                stored += 1;
                publish(service, hub, &mut members, done, &job.reply).await;
            }
            if let Some(root) = &done.thread_root {
                publish_root(hub, &members, root).await;
            }
        }
        reply(hub, job, outcome).await;
    }
    let stored = if committed { stored } else { 0 };
    metrics.batch(size, commit_time, started.elapsed() - commit_time, stored);
    committed
}

async fn publish(
    service: &Service,
    hub: &dyn Hub,
    members: &mut HashMap<RoomId, Vec<UserId>>,
    done: &AppendOutcome,
    reply: &ReplyTo,
) {
    let room = done.message.room_id;
    let recipients = match members.entry(room) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(slot) => match service.audience(room).await {
            Ok(ids) => slot.insert(ids),
            Err(e) => {
                // Stored but not delivered live: clients recover it with `sync`.
                tracing::error!(error = %e, %room, "could not load members to publish");
                return;
            }
        },
    };
    let frame = ServerFrame::Message {
        message: wire::message(&done.message),
    };
    let except = match reply {
        ReplyTo::Ws(conn) => Some(*conn),
        ReplyTo::Rest(_) => None,
    };
    hub.publish(
        Recipients::Users(recipients),
        wire::message_frame(&frame, &done.message),
        except,
    )
    .await;
}

/// A reply changed its thread's root (count, latest time): members get the root as it is now.
async fn publish_root(
    hub: &dyn Hub,
    members: &HashMap<RoomId, Vec<UserId>>,
    root: &natter_core::Message,
) {
    let Some(recipients) = members.get(&root.room_id) else {
        return; // members could not be loaded; `sync` with `revs` recovers it
    };
    let frame = ServerFrame::MessageUpdated {
        message: wire::message(root),
    };
    hub.publish(Recipients::Users(recipients), wire::frame(&frame), None)
        .await;
}

async fn reply(hub: &dyn Hub, job: Job, outcome: Result<AppendOutcome, Error>) {
    match job.reply {
        ReplyTo::Rest(tx) => {
            let _ = tx.send(outcome);
        }
        ReplyTo::Ws(conn) => {
            let client_id = job.new.client_id.map(|c| c.as_str().to_owned());
            let frame = match outcome {
                Ok(done) => {
                    let ack = ServerFrame::Ack {
                        client_id,
                        message: wire::message(&done.message),
                    };
                    // Untagged: an ack is never dropped as already-seen, even for a retry.
                    wire::frame(&ack)
                }
                Err(e) => wire::frame(&ApiError::from(e).to_frame(client_id)),
            };
            hub.send_to(conn, frame).await;
        }
    }
}
