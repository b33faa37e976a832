//! The WAL checkpointer: a thread of its own that copies committed pages from the log into the
//! database file, so that the writer never does it inside a commit.
//!
//! SQLite's automatic checkpoint runs in the connection whose commit crossed the threshold:
//! that commit, and every send waiting on its batch, waited for thousands of pages to be
//! copied and the database file to be synced. A passive checkpoint from another connection
//! runs beside the writer (WAL mode lets one checkpointer and one writer work at once), so a
//! commit waits only for its own fsync. The writer keeps a far higher automatic threshold as a
//! backstop, in case this thread cannot keep up or could not start.

use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use natter_core::StoreError;
use rusqlite::Connection;

/// At most one checkpoint this often while writes come in; none while nothing is written.
const REST: Duration = Duration::from_millis(200);

/// The writer's own automatic checkpoint, in WAL pages: only reached if this thread falls
/// behind (at 4 KiB a page, 80 MiB of log).
pub(crate) const WRITER_BACKSTOP_PAGES: i64 = 20_000;

/// Wakes the checkpointer after writes; dropping it ends the thread and waits for it.
pub(crate) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens the checkpointer's connection to `path` and starts its thread.
    pub(crate) fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let conn = crate::open_connection(path)?;
        // Room for one: wakes that come while a checkpoint is due anyway are one wake.
        let (wake, woken) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("natter-checkpoint".into())
            .spawn(move || run(&conn, &woken))
            .map_err(|e| StoreError::Backend(format!("starting the checkpointer: {e}")))?;
        Ok(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Says that something was committed. Never waits.
    pub(crate) fn nudge(&self) {
        if let Some(wake) = &self.wake {
            match wake.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    tracing::warn!("the WAL checkpointer stopped; the writer checkpoints instead");
                }
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel ends the thread at once, even mid-rest; joining it means its
        // connection is closed before the store's lock on the file is let go.
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Checkpoints after each wake, then rests; wakes during the rest make one more checkpoint
/// after it. Returns when the store is closed.
fn run(conn: &Connection, woken: &Receiver<()>) {
    let mut due = false;
    loop {
        if !due && woken.recv().is_err() {
            return;
        }
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed; trying again after the next write");
        }
        due = false;
        let rest_ends = Instant::now() + REST;
        loop {
            let left = rest_ends.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match woken.recv_timeout(left) {
                Ok(()) => due = true,
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}
