//! File metadata: uploads within a quota, attaching to a message, and removal.

use natter_core::{
    FileId, FileInfo, ImageSize, Message, MessageId, NewFile, RoomId, StoreError, Timestamp,
    Unattached, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::{backend, rows};

const FILE_COLS: &str = "id, owner, name, content_type, size, width, height, blob, created_at,
    message_id, room_id";

fn file(row: &Row<'_>) -> rusqlite::Result<FileInfo> {
    let width: Option<u32> = row.get(5)?;
    let height: Option<u32> = row.get(6)?;
    let message: Option<i64> = row.get(9)?;
    let room: Option<i64> = row.get(10)?;
    Ok(FileInfo {
        id: FileId(row.get(0)?),
        owner: UserId(row.get(1)?),
        name: row.get(2)?,
        content_type: row.get(3)?,
        size: row.get(4)?,
        image: width
            .zip(height)
            .map(|(width, height)| ImageSize { width, height }),
        blob: row.get(7)?,
        created_at: Timestamp(row.get(8)?),
        message: message.zip(room).map(|(m, r)| (MessageId(m), RoomId(r))),
    })
}

fn used(conn: &Connection, user: UserId) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT coalesce(sum(size), 0) FROM files WHERE owner = ?1")
        .and_then(|mut s| s.query_row([user.0], |r| r.get(0)))
        .map_err(backend)
}

pub(crate) fn storage_used(conn: &Connection, user: UserId) -> Result<i64, StoreError> {
    used(conn, user)
}

/// Checks the quota and inserts in one transaction, so two uploads at once cannot both pass.
pub(crate) fn create(
    conn: &mut Connection,
    new: NewFile,
    quota: i64,
) -> Result<FileInfo, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    if used(&tx, new.owner)?.saturating_add(new.size) > quota {
        return Err(StoreError::QuotaExceeded);
    }
    let sql = format!(
        "INSERT INTO files (owner, name, content_type, size, width, height, blob, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING {FILE_COLS}"
    );
    let created = tx
        .query_row(
            &sql,
            params![
                new.owner.0,
                new.name.as_str(),
                new.content_type,
                new.size,
                new.image.map(|i| i.width),
                new.image.map(|i| i.height),
                new.blob,
                Timestamp::now().0,
            ],
            file,
        )
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(created)
}

pub(crate) fn of_owner(conn: &Connection, owner: UserId) -> Result<Vec<FileInfo>, StoreError> {
    let sql = format!("SELECT {FILE_COLS} FROM files WHERE owner = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map([owner.0], file)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend);
    found
}

pub(crate) fn by_id(conn: &Connection, id: FileId) -> Result<Option<FileInfo>, StoreError> {
    let sql = format!("SELECT {FILE_COLS} FROM files WHERE id = ?1");
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row([id.0], file).optional())
        .map_err(backend)
}

/// Attaches the sender's unattached `files` to `message`, in the order given. A file of the
/// sender's already attached fails the whole message with `Conflict`; one that is someone
/// else's or gone, with `NotFound`.
pub(crate) fn attach(
    tx: &Connection,
    message: MessageId,
    room: RoomId,
    sender: UserId,
    files: &[FileId],
) -> Result<Vec<FileInfo>, StoreError> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let list = rows::json_list(files.iter().map(|f| f.0));
    let n = tx
        .prepare_cached(
            "UPDATE files SET message_id = ?1, room_id = ?2,
                 position = (SELECT key FROM json_each(?3) WHERE value = files.id)
             WHERE id IN (SELECT value FROM json_each(?3)) AND owner = ?4 AND message_id IS NULL",
        )
        .and_then(|mut s| s.execute(params![message.0, room.0, list, sender.0]))
        .map_err(backend)?;
    if n != files.len() {
        // Own files that were all there are already attached; anything else names nothing.
        let own: usize = tx
            .prepare_cached(
                "SELECT count(*) FROM files WHERE id IN (SELECT value FROM json_each(?1)) AND owner = ?2",
            )
            .and_then(|mut s| s.query_row(params![list, sender.0], |r| r.get(0)))
            .map_err(backend)?;
        return Err(if own == files.len() {
            StoreError::Conflict("attachment")
        } else {
            StoreError::NotFound
        });
    }
    let sql = format!("SELECT {FILE_COLS} FROM files WHERE message_id = ?1 ORDER BY position");
    collect(tx.prepare_cached(&sql).map_err(backend)?, [message.0])
}

/// Every file sent in `room`.
pub(crate) fn in_room(conn: &Connection, room: RoomId) -> Result<Vec<FileInfo>, StoreError> {
    let sql = format!("SELECT {FILE_COLS} FROM files WHERE room_id = ?1 ORDER BY id");
    collect(conn.prepare_cached(&sql).map_err(backend)?, [room.0])
}

/// Every file `user` uploaded, sent or not.
pub(crate) fn owned_by(conn: &Connection, user: UserId) -> Result<Vec<FileInfo>, StoreError> {
    let sql = format!("SELECT {FILE_COLS} FROM files WHERE owner = ?1 ORDER BY id");
    collect(conn.prepare_cached(&sql).map_err(backend)?, [user.0])
}

/// Runs a `FILE_COLS` query and collects its files.
fn collect(
    mut stmt: rusqlite::CachedStatement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<FileInfo>, StoreError> {
    stmt.query_map(params, file)
        .and_then(|rows| rows.collect())
        .map_err(backend)
}

/// Loads the attachments of `messages` in one query.
pub(crate) fn fill_attachments(
    conn: &Connection,
    messages: &mut [Message],
) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT {FILE_COLS} FROM files
         WHERE message_id IN (SELECT value FROM json_each(?1)) ORDER BY message_id, position"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map([crate::messages::json_message_ids(messages)], file)
        .map_err(backend)?;
    for row in found {
        let f = row.map_err(backend)?;
        let Some((id, _)) = f.message else { continue };
        if let Some(m) = messages.iter_mut().find(|m| m.id == id) {
            m.attachments.push(f);
        }
    }
    Ok(())
}

/// Deletes the files of a deleted message and returns them.
pub(crate) fn remove_for_message(
    tx: &Connection,
    message: MessageId,
) -> Result<Vec<FileInfo>, StoreError> {
    let sql = format!("DELETE FROM files WHERE message_id = ?1 RETURNING {FILE_COLS}");
    collect(tx.prepare_cached(&sql).map_err(backend)?, [message.0])
}

pub(crate) fn remove_unattached(
    conn: &Connection,
    which: Unattached,
) -> Result<Vec<FileInfo>, StoreError> {
    let (sql, args) = match which {
        Unattached::One { id, owner } => (
            format!(
                "DELETE FROM files WHERE id = ?1 AND owner = ?2 AND message_id IS NULL
                 RETURNING {FILE_COLS}"
            ),
            [id.0, owner.0],
        ),
        // At most a bounded batch per call; the caller sweeps again later.
        Unattached::OlderThan(before) => (
            format!(
                "DELETE FROM files WHERE id IN (SELECT id FROM files
                     WHERE message_id IS NULL AND created_at < ?1 LIMIT ?2)
                 RETURNING {FILE_COLS}"
            ),
            [before.0, 1000],
        ),
    };
    collect(conn.prepare_cached(&sql).map_err(backend)?, args)
}
