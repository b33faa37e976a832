//! The embedded SQLite back-end of [`natter_core::Store`], the default.
//!
//! One writer connection and a small pool of reader connections over one WAL-mode database
//! file. Writes (each a transaction) and long reads (search, exports,
//! admin listings) run on tokio's blocking pool; the short lookups of requests and sends run
//! on the calling thread, where they cost less than a hand-off to another thread would.
//! `synchronous=FULL` makes every commit durable before the caller hears of it (all but read
//! marks: see `write_unsynced`); the server batches message writes, so the fsync is paid once
//! per batch, not once per message.

mod accounts;
mod admin;
mod checkpoint;
mod files;
mod maintenance;
mod messages;
mod moderation;
mod reports;
mod rich;
mod rooms;
mod rows;
mod schema;
mod standings;
mod store_impl;
mod users;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use natter_core::StoreError;
use rusqlite::Connection;

pub use maintenance::{backup_database, lock_exclusive, verify_database, DbLock, Verified};

const MAX_IDLE_READERS: usize = 8;

/// Prepared statements kept per connection: more than the store has distinct statements.
const STATEMENT_CACHE: usize = 256;

/// When a commit returns. In WAL mode, `Normal` skips the fsync of each commit (the log is
/// synced at checkpoints): the database never corrupts and a crash of the process loses
/// nothing, but a power cut or an operating-system crash can roll back the last commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synchronous {
    /// After the commit's fsync: an acknowledged write survives a power cut.
    Full,
    Normal,
}

/// A `Store` over one SQLite database file. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// First, so its thread and connection are gone before the lock below is let go.
    checkpointer: checkpoint::Checkpointer,
    /// Held shared while the store is open, so a restore cannot replace the file under it.
    _lock: DbLock,
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    /// How the writer commits, unless a write says otherwise ([`SqliteStore::write_unsynced`]).
    sync: Synchronous,
    /// The writer is set to commit without fsync, after an unsynced write. Read and written
    /// only with the writer's lock held.
    unsynced: AtomicBool,
    /// What sends last read of rooms, memberships and mutes; forgotten by writes.
    standings: standings::Standings,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// Commits are durable ([`Synchronous::Full`]).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_with(path, Synchronous::Full)
    }

    /// [`SqliteStore::open`], with commits as durable as `sync` says.
    pub fn open_with(path: &Path, sync: Synchronous) -> Result<Self, StoreError> {
        let lock = maintenance::lock_shared(path)?.ok_or_else(|| {
            StoreError::Backend("the database is being restored; try again when it is done".into())
        })?;
        let mut writer = open_connection(path)?;
        schema::migrate(&mut writer).map_err(backend)?;
        writer
            .pragma_update(
                None,
                "wal_autocheckpoint",
                checkpoint::WRITER_BACKSTOP_PAGES,
            )
            .map_err(backend)?;
        if sync == Synchronous::Normal {
            // Only the writer commits; readers keep the default.
            writer
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(backend)?;
        }
        let checkpointer = checkpoint::Checkpointer::start(path)?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                checkpointer,
                _lock: lock,
                path: path.to_owned(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                sync,
                unsynced: AtomicBool::new(false),
                standings: standings::Standings::default(),
            }),
        })
    }

    /// Runs `f` on the writer connection on the blocking pool; its commits are as durable as
    /// the store was opened with. Every kept standing is forgotten before it returns.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.on_writer(Commit::AsOpened, Changes::Anything, f).await
    }

    /// [`SqliteStore::write`] for appending messages, which changes no room's settings, no
    /// membership and no sanction: the standings kept for sends stay (`standings.rs`).
    async fn write_messages<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.on_writer(Commit::AsOpened, Changes::NoStanding, f)
            .await
    }

    /// [`SqliteStore::write`] without waiting for the disk, for writes a power cut may undo at
    /// no real cost (read marks: the client marks again when next shown the room). A crash of
    /// the process loses nothing (the commit is in the log), and the next durable commit
    /// syncs the log with it. Under a chat load, a read mark's fsync cost more than the rest
    /// of it, and held up the commits of messages queued behind it. A read mark changes no
    /// standing, so the kept ones stay.
    async fn write_unsynced<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.on_writer(Commit::Unsynced, Changes::NoStanding, f)
            .await
    }

    async fn on_writer<T, F>(&self, commit: Commit, changes: Changes, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            // Forgets the kept standings when this closure ends: after the write committed,
            // failed or panicked, and before its caller hears of it.
            let _forget = (changes == Changes::Anything).then(|| ForgetStandings(&inner));
            let result = inner.commit_as(&conn, commit).and_then(|()| f(&mut conn));
            drop(conn);
            inner.checkpointer.nudge();
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("writer task failed: {e}")))?
    }

    /// Runs `f` on a pooled reader connection, on the calling thread. For the lookups a
    /// request or a send makes (a room, a membership, a page of history): they take
    /// microseconds, and handing each to a blocking-pool thread cost more than the lookup
    /// itself (a third of the server's CPU went to switching threads under a send load).
    /// A WAL reader never waits for the writer.
    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        with_reader(&self.inner, f)
    }

    /// [`SqliteStore::read`] for several statements, in one read transaction: they see one
    /// snapshot, and the file locks each statement would take and release (two `fcntl` calls)
    /// are taken once. `BEGIN` and `COMMIT` come from the statement cache: a `Transaction`
    /// parses them again on every call. A connection left in its transaction (a failed
    /// `ROLLBACK`) is not pooled again (`with_reader`).
    async fn read_together<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.read(move |c| {
            let run = |sql: &str| {
                c.prepare_cached(sql)
                    .and_then(|mut s| s.execute([]))
                    .map_err(backend)
            };
            run("BEGIN")?;
            let result = f(c);
            run(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
            result
        })
        .await
    }

    /// Runs `f` on a pooled reader connection on the blocking pool: for reads that may take
    /// milliseconds (search, exports, admin listings), which must not hold up an async thread.
    async fn read_long<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || with_reader(&inner, f))
            .await
            .map_err(|e| StoreError::Backend(format!("reader task failed: {e}")))?
    }
}

/// What a write may change, for the standings kept for sends (`standings.rs`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Changes {
    Anything,
    /// Neither a room's settings, nor a membership, nor a sanction.
    NoStanding,
}

/// Forgets the kept standings when dropped.
struct ForgetStandings<'a>(&'a Inner);

impl Drop for ForgetStandings<'_> {
    fn drop(&mut self) {
        self.0.standings.forget_all();
    }
}

/// How a write commits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Commit {
    /// As durable as the store was opened with ([`Synchronous`]).
    AsOpened,
    /// Without its own fsync.
    Unsynced,
}

impl Inner {
    /// Sets the writer (whose lock the caller holds) to commit as `commit` says. The setting
    /// is changed only when it differs, and set back before the next durable write rather
    /// than after each unsynced one: so an unsynced write that fails or panics cannot leave
    /// later commits without their fsync. If it cannot be made durable again, the write is
    /// refused rather than committed without it.
    fn commit_as(&self, writer: &Connection, commit: Commit) -> Result<(), StoreError> {
        let unsynced = commit == Commit::Unsynced && self.sync == Synchronous::Full;
        if unsynced == self.unsynced.load(Ordering::Acquire) {
            return Ok(());
        }
        let level = if unsynced { "NORMAL" } else { "FULL" };
        match writer.pragma_update(None, "synchronous", level) {
            Ok(()) => {
                self.unsynced.store(unsynced, Ordering::Release);
                Ok(())
            }
            // Not relaxed after all: the write is simply durable.
            Err(_) if unsynced => Ok(()),
            Err(e) => Err(StoreError::Backend(format!(
                "could not make commits durable again: {e}"
            ))),
        }
    }
}

/// Runs `f` on an idle reader connection, opening one if none is idle, and keeps at most
/// [`MAX_IDLE_READERS`] for next time.
fn with_reader<T>(
    inner: &Inner,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let pooled = inner
        .readers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .pop();
    let conn = match pooled {
        Some(c) => c,
        None => open_connection(&inner.path)?,
    };
    let result = f(&conn);
    // A connection left inside a transaction (a rollback that failed) would hold an old
    // snapshot for whoever takes it next, and keep checkpoints from finishing: not kept.
    if conn.is_autocommit() {
        let mut idle = inner.readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
    result
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(backend)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA secure_delete = ON;",
    )
    .map_err(backend)?;
    // rusqlite keeps 16 statements per connection by default, fewer than a send or a page of
    // history uses, so statements were evicted and parsed again all the time.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Maps a unique-key violation to `Conflict(what)`; anything else (foreign keys, checks) is
/// `Backend`.
pub(crate) fn conflict_or_backend(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
    move |e| match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.extended_code,
                SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY
            ) =>
        {
            StoreError::Conflict(what)
        }
        _ => backend(e),
    }
}

#[cfg(test)]
mod tests;
