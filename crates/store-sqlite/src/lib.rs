//! The embedded SQLite back-end of [`natter_core::Store`], the default.
//!
//! One writer connection and a small pool of reader connections over one WAL-mode database
//! file. Writes (each a transaction that waits for fsync) and long reads (search, exports,
//! admin listings) run on tokio's blocking pool; the short lookups of requests and sends run
//! on the calling thread, where they cost less than a hand-off to another thread would.
//! `synchronous=FULL` makes every commit durable before the caller hears of it; the server
//! batches message writes, so the fsync is paid once per batch, not once per message.

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
mod store_impl;
mod users;

use std::path::{Path, PathBuf};
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
            }),
        })
    }

    /// Runs `f` on the writer connection on the blocking pool.
    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            let result = f(&mut conn);
            drop(conn);
            inner.checkpointer.nudge();
            result
        })
        .await
        .map_err(|e| StoreError::Backend(format!("writer task failed: {e}")))?
    }

    /// [`SqliteStore::write`] without waiting for the disk, for writes a power cut may undo at
    /// no real cost (read marks: the client marks again when next shown the room). A crash of
    /// the process loses nothing (the commit is in the log), and the next durable commit
    /// syncs the log with it. Under a chat load, a read mark's fsync cost more than the rest
    /// of it, and held up the commits of messages queued behind it.
    async fn write_unsynced<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        if self.inner.sync == Synchronous::Normal {
            return self.write(f).await;
        }
        self.write(move |c| {
            c.pragma_update(None, "synchronous", "NORMAL")
                .map_err(backend)?;
            let result = f(c);
            // Whatever `f` did, the next write must be durable again.
            let restored = c
                .pragma_update(None, "synchronous", "FULL")
                .map_err(backend);
            let result = result?;
            restored?;
            Ok(result)
        })
        .await
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
    /// are taken once.
    async fn read_together<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.read(move |c| {
            let tx = c.unchecked_transaction().map_err(backend)?;
            let result = f(&tx)?;
            tx.commit().map_err(backend)?;
            Ok(result)
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
    let mut idle = inner.readers.lock().unwrap_or_else(|p| p.into_inner());
    if idle.len() < MAX_IDLE_READERS {
        idle.push(conn);
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
mod tests {
    use super::*;
    use natter_core::RoomId;

    fn writer_sync(store: &SqliteStore) -> i64 {
        let writer = store.inner.writer.lock().unwrap();
        writer
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn loading_a_room_reads_its_staff_not_all_its_members() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let writer = store.inner.writer.lock().unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT {} FROM rooms WHERE id = 1",
            rows::ROOM_COLS
        );
        let mut stmt = writer.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let members: Vec<&String> = plan.iter().filter(|p| p.starts_with("SEARCH s ")).collect();
        assert_eq!(members.len(), 2, "{plan:?}");
        for step in members {
            assert!(
                step.contains("INDEX room_members_"),
                "a scan of the members: {step}"
            );
        }
    }

    /// Commits leave the copying of the log into the database file to the checkpointer's
    /// thread: the writer's own threshold is far beyond these few writes, yet they reach the
    /// file.
    #[tokio::test]
    async fn the_checkpointer_copies_the_log_into_the_database_file() {
        use natter_core::{NewUser, Store, Username};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = SqliteStore::open(&path).unwrap();
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        let new_user = |name: &str| NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.into(),
            password_hash: "h".into(),
            invite: None,
            default_rooms: None,
        };
        store.create_user(new_user("alice")).await.unwrap();
        let mut waited = 0;
        while size() == before && waited < 100 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited += 1;
        }
        assert!(size() > before, "nothing reached the database file in 10 s");
        // And it keeps up: a write after a checkpoint is checkpointed too.
        let grown = size();
        for i in 0..200 {
            store
                .create_user(new_user(&format!("user{i}")))
                .await
                .unwrap();
        }
        let mut waited = 0;
        while size() == grown && waited < 100 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            waited += 1;
        }
        assert!(
            size() > grown,
            "later writes never reached the database file"
        );
        // Closing the store ends the thread and its connection: the file can be restored.
        drop(store);
        assert!(maintenance::lock_exclusive(&path).unwrap().is_some());
    }

    /// `ready` lists a person's rooms, and the people who hear of their presence, from their
    /// memberships, whatever number of rooms and members the server has.
    #[test]
    fn a_persons_rooms_are_found_from_their_memberships_not_by_testing_every_room() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let writer = store.inner.writer.lock().unwrap();
        for sql in [&*rooms::MEMBER_ROOMS_SQL, rooms::PRESENCE_PEERS_SQL] {
            let mut stmt = writer
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let plan: Vec<String> = stmt
                .query_map(
                    rusqlite::params_from_iter([1, 250].iter().take(stmt.parameter_count())),
                    |r| r.get::<_, String>(3),
                )
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(plan[0].starts_with("SEARCH mine USING"), "{plan:?}");
            assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "{plan:?}");
        }
    }

    /// A statement that SQLite prepares again on every run costs as much as the query itself
    /// (it was 11% of the server's CPU serving history pages).
    #[test]
    fn history_statements_are_not_prepared_again_on_every_run() {
        use rusqlite::StatementStatus;
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let writer = store.inner.writer.lock().unwrap();
        for (room, before) in [(1, i64::MAX), (2, 40), (1, 7), (3, i64::MAX)] {
            messages::before(&writer, RoomId(room), before, 51).unwrap();
            messages::after(&writer, RoomId(room), before / 2, 51).unwrap();
        }
        for sql in [&*messages::BEFORE_SQL, &*messages::AFTER_SQL] {
            let stmt = writer.prepare_cached(sql).unwrap();
            assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0, "{sql}");
        }
    }

    /// New messages join the full-text index at the end of their batch, whether the batch
    /// went through at once or item by item after an item failed.
    #[tokio::test]
    async fn every_stored_message_is_indexed_once() {
        use natter_core::{MessageBody, MessageId, NewMessage, NewUser, Store, Username};
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        let new_user = NewUser {
            username: Username::parse("alice").unwrap(),
            display_name: "alice".into(),
            password_hash: "h".into(),
            invite: None,
            default_rooms: None,
        };
        let alice = store.create_user(new_user).await.unwrap().id;
        let room = store.member_rooms(alice).await.unwrap()[0].id;
        let msg = |body: &str, reply_to: Option<MessageId>| NewMessage {
            room_id: room,
            sender_id: alice,
            body: MessageBody::parse(body).unwrap(),
            html: String::new(),
            client_id: None,
            reply_to,
            mentions: Vec::new(),
            mentions_room: false,
            attachments: Vec::new(),
        };
        let at_once = vec![msg("apple one", None), msg("apple two", None)];
        assert!(store
            .append_messages(at_once)
            .await
            .unwrap()
            .iter()
            .all(Result::is_ok));
        let one_failing = vec![
            msg("apple three", None),
            msg("apple nowhere", Some(MessageId(999))),
            msg("apple four", None),
        ];
        let outcomes = store.append_messages(one_failing).await.unwrap();
        assert!(outcomes[1].is_err());
        let writer = store.inner.writer.lock().unwrap();
        let matches = |word: &str| -> i64 {
            writer
                .query_row(
                    "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?1",
                    [word],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(matches("apple"), 4);
        assert_eq!(
            (matches("two"), matches("four"), matches("nowhere")),
            (1, 1, 0)
        );
    }

    #[test]
    fn the_writer_syncs_every_commit_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let full = SqliteStore::open(&dir.path().join("a.db")).unwrap();
        assert_eq!(writer_sync(&full), 2, "FULL");
        let normal = SqliteStore::open_with(&dir.path().join("b.db"), Synchronous::Normal).unwrap();
        assert_eq!(writer_sync(&normal), 1, "NORMAL");
    }

    /// A read mark commits without its own fsync, and the writer is durable again after it.
    #[tokio::test]
    async fn a_read_mark_leaves_the_writer_as_durable_as_before() {
        use natter_core::{NewRoom, NewUser, RoomKind, Store, Username};
        let dir = tempfile::tempdir().unwrap();
        for (name, sync, code) in [
            ("a.db", Synchronous::Full, 2),
            ("b.db", Synchronous::Normal, 1),
        ] {
            let path = dir.path().join(name);
            let store = SqliteStore::open_with(&path, sync).unwrap();
            let user = store
                .create_user(NewUser {
                    username: Username::parse("alice").unwrap(),
                    display_name: "alice".into(),
                    password_hash: "h".into(),
                    invite: None,
                    default_rooms: None,
                })
                .await
                .unwrap();
            let room = store
                .create_room(NewRoom {
                    name: "lobby".into(),
                    topic: String::new(),
                    kind: RoomKind::Public,
                    creator: user.id,
                })
                .await
                .unwrap();
            store.mark_read(room.id, user.id, 0).await.unwrap();
            assert_eq!(writer_sync(&store), code, "{name}");
            // Not a member: the write fails, and the writer is still restored.
            let other = RoomId(room.id.0 + 1000);
            assert!(store.mark_read(other, user.id, 0).await.is_err());
            assert_eq!(writer_sync(&store), code, "{name} after a failed mark");
        }
    }
}
