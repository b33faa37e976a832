//! Whole-database operations for the operator: a consistent copy of a live database (SQLite's
//! online backup API), an integrity check, and the lock that tells a restore the database is
//! in use.

use std::fs::File;
use std::path::{Path, PathBuf};

use natter_core::StoreError;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::backend;

/// Copies the database at `src` to a new file `dst` while others may be writing to it. The
/// copy is one read transaction's snapshot: every commit before the copy began is in it, none
/// after. The copy is a self-contained file (no `-wal` beside it).
pub fn backup_database(src: &Path, dst: &Path) -> Result<(), StoreError> {
    if dst.exists() {
        return Err(StoreError::Backend(format!(
            "{} already exists",
            dst.display()
        )));
    }
    let source =
        Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(backend)?;
    source
        .busy_timeout(std::time::Duration::from_secs(5))
        .map_err(backend)?;
    let mut target = Connection::open(dst).map_err(backend)?;
    {
        let backup = Backup::new(&source, &mut target).map_err(backend)?;
        // All pages in one step: one snapshot, never a mix of two moments.
        loop {
            match backup.step(-1).map_err(backend)? {
                StepResult::Done => break,
                StepResult::More => continue,
                // Another connection holds a lock the copy needs: wait, then try again.
                _ => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        }
    }
    target
        .execute_batch("PRAGMA journal_mode = DELETE;")
        .map_err(backend)?;
    Ok(())
}

/// What `verify_database` found.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    pub users: i64,
    pub rooms: i64,
    pub messages: i64,
    pub files: i64,
    /// Every blob key the database refers to (files and their thumbnails).
    pub blobs: Vec<String>,
    /// What is wrong; empty when the database is sound.
    pub problems: Vec<String>,
}

/// Checks the database at `path` without changing it: SQLite's page and index integrity,
/// foreign keys, and the full-text index against the messages.
pub fn verify_database(path: &Path) -> Result<Verified, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Backend(format!(
            "no database at {}",
            path.display()
        )));
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(backend)?;
    let mut found = Verified::default();
    let mut integrity = conn.prepare("PRAGMA integrity_check").map_err(backend)?;
    let lines = integrity
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(backend)?;
    for line in lines {
        let line = line.map_err(backend)?;
        if line != "ok" {
            found.problems.push(format!("integrity: {line}"));
        }
    }
    let mut fk = conn.prepare("PRAGMA foreign_key_check").map_err(backend)?;
    let broken = fk
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })
        .map_err(backend)?;
    for row in broken {
        let (table, rowid) = row.map_err(backend)?;
        found.problems.push(format!(
            "foreign key: {table} row {rowid:?} points at nothing"
        ));
    }
    if let Err(e) = conn.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
        [],
    ) {
        found.problems.push(format!("full-text index: {e}"));
    }
    let count = |table: &str| -> Result<i64, StoreError> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(backend)
    };
    found.users = count("users")?;
    found.rooms = count("rooms")?;
    found.messages = count("messages")?;
    found.files = count("files")?;
    let mut blobs = conn
        .prepare("SELECT blob, width IS NOT NULL FROM files")
        .map_err(backend)?;
    let rows = blobs
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))
        .map_err(backend)?;
    for row in rows {
        let (blob, image) = row.map_err(backend)?;
        if image {
            found
                .blobs
                .push(natter_core::FileInfo::thumbnail_key_of(&blob));
        }
        found.blobs.push(blob);
    }
    Ok(found)
}

/// The lock file beside a database: every open store holds it shared; a restore needs it
/// exclusively, so it cannot replace a database a server (or `natter admin`) has open.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    db.with_file_name(name)
}

/// Holds the database's lock until dropped.
pub struct DbLock {
    _file: File,
}

fn take_lock(db: &Path, exclusive: bool) -> Result<Option<DbLock>, StoreError> {
    use rustix::fs::{flock, FlockOperation};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(db))
        .map_err(|e| StoreError::Backend(format!("opening the lock file: {e}")))?;
    let op = if exclusive {
        FlockOperation::NonBlockingLockExclusive
    } else {
        FlockOperation::NonBlockingLockShared
    };
    match flock(&file, op) {
        Ok(()) => Ok(Some(DbLock { _file: file })),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
        Err(e) => Err(StoreError::Backend(format!("locking the database: {e}"))),
    }
}

/// The shared lock an open store holds. `None` if a restore is replacing the database now.
pub(crate) fn lock_shared(db: &Path) -> Result<Option<DbLock>, StoreError> {
    take_lock(db, false)
}

/// The exclusive lock a restore holds; `None` while anything has the database open.
pub fn lock_exclusive(db: &Path) -> Result<Option<DbLock>, StoreError> {
    take_lock(db, true)
}
