//! Message append (group commit) and history.

use natter_core::{AppendOutcome, Message, NewMessage, RoomId, StoreError, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};

use crate::backend;
use crate::rows::{self, MESSAGE_COLS};

/// Appends the whole batch in one transaction; one outcome per item, in order.
pub(crate) fn append_batch(
    conn: &mut Connection,
    batch: Vec<NewMessage>,
) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
    let mut tx = conn.transaction().map_err(backend)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for new in batch {
        // Each item in its own savepoint: a failed item leaves nothing behind, not even its
        // `last_seq` increment (dropping the savepoint rolls it back).
        let item = tx.savepoint().map_err(backend)?;
        let outcome = append_one(&item, new);
        if outcome.is_ok() {
            item.commit().map_err(backend)?;
        } else {
            drop(item);
        }
        if tx.is_autocommit() {
            // SQLite rolled the whole transaction back (disk full, I/O error): fail it all.
            return Err(StoreError::Backend(
                "batch transaction was rolled back".into(),
            ));
        }
        outcomes.push(outcome);
    }
    tx.commit().map_err(backend)?;
    Ok(outcomes)
}

fn append_one(tx: &Connection, new: NewMessage) -> Result<AppendOutcome, StoreError> {
    if let Some(client_id) = &new.client_id {
        let sql =
            format!("SELECT {MESSAGE_COLS} FROM messages WHERE sender_id = ?1 AND client_id = ?2");
        let existing = tx
            .prepare_cached(&sql)
            .and_then(|mut s| {
                s.query_row(params![new.sender_id.0, client_id.as_str()], rows::message)
                    .optional()
            })
            .map_err(backend)?;
        if let Some(message) = existing {
            if message.room_id != new.room_id {
                return Err(StoreError::Conflict("client_id"));
            }
            return Ok(AppendOutcome {
                message,
                duplicate: true,
            });
        }
    }
    let seq: i64 = tx
        .prepare_cached("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq")
        .and_then(|mut s| s.query_row([new.room_id.0], |r| r.get(0)).optional())
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    let created_at = Timestamp::now();
    let client_id = new.client_id.map(|c| c.as_str().to_owned());
    tx.prepare_cached(
        "INSERT INTO messages (room_id, seq, sender_id, body, client_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            new.room_id.0,
            seq,
            new.sender_id.0,
            new.body.as_str(),
            client_id,
            created_at.0
        ])
    })
    .map_err(backend)?;
    Ok(AppendOutcome {
        message: Message {
            id: natter_core::MessageId(tx.last_insert_rowid()),
            room_id: new.room_id,
            seq,
            sender_id: new.sender_id,
            body: new.body.into_string(),
            client_id,
            created_at,
        },
        duplicate: false,
    })
}

pub(crate) fn after(
    conn: &Connection,
    room: RoomId,
    after: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "SELECT {MESSAGE_COLS} FROM messages WHERE room_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
    );
    query(conn, &sql, room, after, limit)
}

pub(crate) fn before(
    conn: &Connection,
    room: RoomId,
    before: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "SELECT {MESSAGE_COLS} FROM messages WHERE room_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3"
    );
    let mut found = query(conn, &sql, room, before, limit)?;
    found.reverse();
    Ok(found)
}

fn query(
    conn: &Connection,
    sql: &str,
    room: RoomId,
    seq: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let found = stmt
        .query_map(params![room.0, seq, limit], rows::message)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}
