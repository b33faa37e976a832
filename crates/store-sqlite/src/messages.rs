//! Message append (group commit) and history.

use natter_core::{
    AppendOutcome, Message, MessageId, NewMessage, PageVersion, Reaction, ReplyRef, RoomId,
    StoreError, Timestamp, UserId,
};
use std::sync::LazyLock;

use rusqlite::{params, Connection, OptionalExtension};

use crate::rows::{self, MESSAGE_SELECT};
use crate::{backend, files};

/// Appends the whole batch in one transaction; one outcome per item, in order.
///
/// First all items at once, with no savepoint; if an item fails, which a checked send hardly
/// ever does, the transaction is rolled back and the batch done again item by item, each in
/// its own savepoint. Either way the new messages join the full-text index last, in one
/// statement (see [`index`]).
pub(crate) fn append_batch(
    conn: &mut Connection,
    batch: Vec<NewMessage>,
) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
    if let Some(outcomes) = append_all(conn, &batch)? {
        return Ok(outcomes);
    }
    append_each(conn, batch)
}

/// The batch in one transaction without savepoints; `None` (and nothing written) if an item
/// fails.
fn append_all(
    conn: &mut Connection,
    batch: &[NewMessage],
) -> Result<Option<Vec<Result<AppendOutcome, StoreError>>>, StoreError> {
    // Immediate: the write lock is taken (or waited for) up front, so a database another
    // process holds fails the whole batch at once instead of each message one by one.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for new in batch {
        match append_one(&tx, new.clone()) {
            Ok(outcome) => outcomes.push(Ok(outcome)),
            // Dropping the transaction rolls back what the batch wrote.
            Err(e) => {
                tracing::debug!(error = %e, "a send in the batch failed; storing it one by one");
                return Ok(None);
            }
        }
    }
    index(&tx, &outcomes)?;
    tx.commit().map_err(backend)?;
    Ok(Some(outcomes))
}

/// The batch in one transaction, each item in its own savepoint: a failed item leaves
/// nothing behind, not even its `last_seq` increment (dropping the savepoint rolls it back).
fn append_each(
    conn: &mut Connection,
    batch: Vec<NewMessage>,
) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
    let mut tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(backend)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for new in batch {
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
    index(&tx, &outcomes)?;
    tx.commit().map_err(backend)?;
    Ok(outcomes)
}

/// Adds a batch's new messages to the full-text index, in one statement at the end of its
/// transaction. FTS5 writes the terms it holds out as a new index segment at every savepoint,
/// and once the index is part of a transaction SQLite opens a savepoint for each statement
/// that could fail halfway; indexing each message as it was inserted (as a trigger did) cost a
/// segment per message and the merges that follow, a quarter of the server's CPU per send.
fn index(
    tx: &Connection,
    outcomes: &[Result<AppendOutcome, StoreError>],
) -> Result<(), StoreError> {
    let mut new = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .filter(|o| !o.duplicate)
        .map(|o| o.message.id.0)
        .peekable();
    if new.peek().is_none() {
        return Ok(());
    }
    tx.prepare_cached(
        "INSERT INTO messages_fts (rowid, body)
         SELECT id, body FROM messages WHERE id IN (SELECT value FROM json_each(?1))",
    )
    .and_then(|mut s| s.execute([rows::json_list(new)]))
    .map_err(backend)?;
    Ok(())
}

/// A sender's message by its client id: every send with one asks.
static BY_CLIENT_ID_SQL: LazyLock<String> =
    LazyLock::new(|| format!("{MESSAGE_SELECT} WHERE m.sender_id = ?1 AND m.client_id = ?2"));

/// One message by id.
static BY_ID_SQL: LazyLock<String> = LazyLock::new(|| format!("{MESSAGE_SELECT} WHERE m.id = ?1"));

fn append_one(tx: &Connection, new: NewMessage) -> Result<AppendOutcome, StoreError> {
    if let Some(client_id) = &new.client_id {
        let existing = tx
            .prepare_cached(&BY_CLIENT_ID_SQL)
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
                message: with_extras(tx, message)?,
                duplicate: true,
                thread_root: None,
            });
        }
    }
    let seq: i64 = tx
        .prepare_cached("UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq")
        .and_then(|mut s| s.query_row([new.room_id.0], |r| r.get(0)).optional())
        .map_err(backend)?
        .ok_or(StoreError::NotFound)?;
    let root = match new.reply_to {
        Some(parent) => Some(thread_root_of(tx, parent, new.room_id)?),
        None => None,
    };
    let created_at = Timestamp::now();
    let client_id = new.client_id.map(|c| c.as_str().to_owned());
    tx.prepare_cached(
        "INSERT INTO messages (room_id, seq, sender_id, body, client_id, created_at, html,
             reply_to, thread_root, mentions, mentions_room)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut s| {
        s.execute(params![
            new.room_id.0,
            seq,
            new.sender_id.0,
            new.body.as_str(),
            client_id,
            created_at.0,
            new.html,
            new.reply_to.map(|m| m.0),
            root.map(|m| m.0),
            rows::join_ids(&new.mentions),
            new.mentions_room,
        ])
    })
    .map_err(backend)?;
    let id = MessageId(tx.last_insert_rowid());
    let attachments = files::attach(tx, id, new.room_id, new.sender_id, &new.attachments)?;
    record_mentions(
        tx,
        new.room_id,
        seq,
        new.sender_id,
        &new.mentions,
        new.mentions_room,
    )?;
    let thread_root = match root {
        Some(root) => Some(count_reply(tx, root, new.room_id, created_at)?),
        None => None,
    };
    // Built from what was just written rather than read back: this runs for every send.
    let reply_to = match new.reply_to {
        Some(parent) => Some(reply_ref(tx, parent)?),
        None => None,
    };
    let message = Message {
        id,
        room_id: new.room_id,
        seq,
        sender_id: new.sender_id,
        body: new.body.into_string(),
        html: new.html,
        client_id,
        created_at,
        rev: 0,
        edited_at: None,
        deleted_at: None,
        reply_to,
        thread_root: root,
        reply_count: 0,
        last_reply_at: None,
        pinned_at: None,
        mentions: new.mentions,
        mentions_room: new.mentions_room,
        reactions: Vec::new(),
        attachments,
    };
    Ok(AppendOutcome {
        message,
        duplicate: false,
        thread_root,
    })
}

/// What a reply shows of `parent`.
fn reply_ref(tx: &Connection, parent: MessageId) -> Result<ReplyRef, StoreError> {
    tx.prepare_cached(
        "SELECT seq, sender_id, substr(body, 1, 800), deleted_at FROM messages WHERE id = ?1",
    )
    .and_then(|mut s| s.query_row([parent.0], |r| rows::reply_ref(parent, r, 0)))
    .map_err(backend)
}

/// The root of the thread a reply to `parent` joins: the parent's own root, or the parent.
fn thread_root_of(
    tx: &Connection,
    parent: MessageId,
    room: RoomId,
) -> Result<MessageId, StoreError> {
    tx.prepare_cached(
        "SELECT coalesce(thread_root, id) FROM messages WHERE id = ?1 AND room_id = ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![parent.0, room.0], |r| r.get(0))
            .optional()
    })
    .map_err(backend)?
    .map(MessageId)
    .ok_or(StoreError::NotFound)
}

/// Counts a new reply on its thread's root, as a change to the root.
fn count_reply(
    tx: &Connection,
    root: MessageId,
    room: RoomId,
    at: Timestamp,
) -> Result<Message, StoreError> {
    let rev = next_rev(tx, room)?;
    tx.prepare_cached(
        "UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ?2, rev = ?3 WHERE id = ?1",
    )
    .and_then(|mut s| s.execute(params![root.0, at.0, rev]))
    .map_err(backend)?;
    by_id(tx, root)?.ok_or(StoreError::NotFound)
}

/// Bumps and returns the room's change counter.
pub(crate) fn next_rev(tx: &Connection, room: RoomId) -> Result<i64, StoreError> {
    tx.prepare_cached("UPDATE rooms SET last_rev = last_rev + 1 WHERE id = ?1 RETURNING last_rev")
        .and_then(|mut s| s.query_row([room.0], |r| r.get(0)).optional())
        .map_err(backend)?
        .ok_or(StoreError::NotFound)
}

/// One row per mentioned member, `@room` expanded to every member but the sender.
pub(crate) fn record_mentions(
    tx: &Connection,
    room: RoomId,
    seq: i64,
    sender: UserId,
    mentions: &[UserId],
    everyone: bool,
) -> Result<(), StoreError> {
    let sql = if everyone {
        "INSERT OR IGNORE INTO mentions (user_id, room_id, seq)
         SELECT user_id, ?1, ?2 FROM room_members WHERE room_id = ?1 AND user_id != ?3"
    } else if mentions.is_empty() {
        return Ok(());
    } else {
        "INSERT OR IGNORE INTO mentions (user_id, room_id, seq)
         SELECT value, ?1, ?2 FROM json_each(?4) WHERE value != ?3"
    };
    let mut stmt = tx.prepare_cached(sql).map_err(backend)?;
    if everyone {
        stmt.execute(params![room.0, seq, sender.0])
    } else {
        stmt.execute(params![room.0, seq, sender.0, rows::json_ids(mentions)])
    }
    .map_err(backend)?;
    Ok(())
}

/// One message with its reactions.
pub(crate) fn by_id(conn: &Connection, id: MessageId) -> Result<Option<Message>, StoreError> {
    let found = conn
        .prepare_cached(&BY_ID_SQL)
        .and_then(|mut s| s.query_row([id.0], rows::message).optional())
        .map_err(backend)?;
    found.map(|m| with_extras(conn, m)).transpose()
}

fn with_extras(conn: &Connection, message: Message) -> Result<Message, StoreError> {
    let mut one = [message];
    fill_extras(conn, &mut one)?;
    let [message] = one;
    Ok(message)
}

/// Loads what lives in tables of its own: reactions and attachments.
pub(crate) fn fill_extras(conn: &Connection, messages: &mut [Message]) -> Result<(), StoreError> {
    fill_reactions(conn, messages)?;
    files::fill_attachments(conn, messages)
}

/// The ids of `messages` as a JSON array, for `json_each(?)`.
pub(crate) fn json_message_ids(messages: &[Message]) -> String {
    rows::json_list(messages.iter().map(|m| m.id.0))
}

/// Loads the reactions of `messages` in one query, grouped by emoji in order of first use.
fn fill_reactions(conn: &Connection, messages: &mut [Message]) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let ids = json_message_ids(messages);
    let mut stmt = conn
        .prepare_cached(
            "SELECT message_id, emoji, user_id FROM reactions
             WHERE message_id IN (SELECT value FROM json_each(?1))
             ORDER BY message_id, created_at, user_id",
        )
        .map_err(backend)?;
    let found = stmt
        .query_map([ids], |r| {
            Ok((
                MessageId(r.get(0)?),
                r.get::<_, String>(1)?,
                UserId(r.get(2)?),
            ))
        })
        .map_err(backend)?;
    for row in found {
        let (id, emoji, user) = row.map_err(backend)?;
        let Some(m) = messages.iter_mut().find(|m| m.id == id) else {
            continue;
        };
        match m.reactions.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => r.users.push(user),
            None => m.reactions.push(Reaction {
                emoji,
                users: vec![user],
            }),
        }
    }
    Ok(())
}

// Paging queries write their limit as `+?N`: SQLite plans with the value of a bare bound
// `LIMIT ?N`, so binding it again makes every run prepare the statement anew (that was 11% of
// the server's CPU serving history pages). The plan does not depend on the limit here.

/// A page of a room's history after a seq, oldest first.
pub(crate) static AFTER_SQL: LazyLock<String> = LazyLock::new(|| {
    format!("{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT +?3")
});

/// A page of a room's history before a seq, newest first.
pub(crate) static BEFORE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!("{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.seq < ?2 ORDER BY m.seq DESC LIMIT +?3")
});

pub(crate) fn page_version(
    conn: &Connection,
    room: RoomId,
) -> Result<Option<PageVersion>, StoreError> {
    conn.prepare_cached(
        "SELECT last_seq, last_rev, (SELECT value FROM page_epoch) FROM rooms WHERE id = ?1",
    )
    .and_then(|mut s| {
        s.query_row([room.0], |r| {
            Ok(PageVersion {
                last_seq: r.get(0)?,
                last_rev: r.get(1)?,
                epoch: r.get(2)?,
            })
        })
        .optional()
    })
    .map_err(backend)
}

pub(crate) fn after(
    conn: &Connection,
    room: RoomId,
    after: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    query(conn, &AFTER_SQL, params![room.0, after, limit])
}

pub(crate) fn by_sender(
    conn: &Connection,
    sender: UserId,
    after: MessageId,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.sender_id = ?1 AND m.id > ?2 AND m.deleted_at IS NULL \
         ORDER BY m.id LIMIT +?3"
    );
    query(conn, &sql, params![sender.0, after.0, limit])
}

pub(crate) fn before(
    conn: &Connection,
    room: RoomId,
    before: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let mut found = query(conn, &BEFORE_SQL, params![room.0, before, limit])?;
    found.reverse();
    Ok(found)
}

/// Runs a `MESSAGE_SELECT` query and fills in reactions and attachments.
pub(crate) fn query(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let mut found = stmt
        .query_map(params, rows::message)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    fill_extras(conn, &mut found)?;
    Ok(found)
}
