//! Changes to stored messages, threads, pins, read state, search and blocks.

use natter_core::{
    ChangeOutcome, Message, MessageChange, MessageId, ReadState, RoomId, SearchHit, SearchQuery,
    StoreError, Timestamp, Toggle, UserId,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::messages::{by_id, next_rev, query, record_mentions};
use crate::rows::{self, MESSAGE_SELECT};
use crate::{backend, files};

/// Applies one change in one transaction; a change that changes something bumps the room's
/// `last_rev` and stamps it on the message.
pub(crate) fn change(
    conn: &mut Connection,
    id: MessageId,
    change: MessageChange,
) -> Result<ChangeOutcome, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let current = by_id(&tx, id)?.ok_or(StoreError::NotFound)?;
    let now = Timestamp::now();
    let mut removed_files = Vec::new();
    let changed = match change {
        MessageChange::Edit {
            body,
            html,
            mentions,
            mentions_room,
        } => {
            let same = current.body == body.as_str();
            if !same {
                tx.execute(
                    "UPDATE messages SET body = ?2, html = ?3, mentions = ?4, mentions_room = ?5,
                         edited_at = ?6 WHERE id = ?1",
                    params![
                        id.0,
                        body.as_str(),
                        html,
                        rows::join_ids(&mentions),
                        mentions_room,
                        now.0
                    ],
                )
                .map_err(backend)?;
                forget_mentions(&tx, &current)?;
                record_mentions(
                    &tx,
                    current.room_id,
                    current.seq,
                    current.sender_id,
                    &mentions,
                    mentions_room,
                )?;
            }
            !same
        }
        MessageChange::Delete => {
            tx.execute(
                "UPDATE messages SET body = '', html = '', mentions = '', mentions_room = 0,
                     pinned_at = NULL, deleted_at = ?2 WHERE id = ?1",
                params![id.0, now.0],
            )
            .map_err(backend)?;
            tx.execute("DELETE FROM reactions WHERE message_id = ?1", [id.0])
                .map_err(backend)?;
            forget_mentions(&tx, &current)?;
            removed_files = files::remove_for_message(&tx, id)?;
            true
        }
        MessageChange::React { user, emoji, on } => {
            let sql = match on {
                Toggle::On => {
                    "INSERT OR IGNORE INTO reactions (message_id, emoji, user_id, created_at)
                     VALUES (?1, ?2, ?3, ?4)"
                }
                Toggle::Off => {
                    "DELETE FROM reactions WHERE message_id = ?1 AND emoji = ?2 AND user_id = ?3
                     AND ?4 IS NOT NULL"
                }
            };
            let n = tx
                .prepare_cached(sql)
                .and_then(|mut s| s.execute(params![id.0, emoji.as_str(), user.0, now.0]))
                .map_err(backend)?;
            n > 0
        }
        MessageChange::Pin { on } => {
            let pinned_at = match on {
                Toggle::On => Some(now.0),
                Toggle::Off => None,
            };
            let n = tx
                .execute(
                    "UPDATE messages SET pinned_at = ?2 WHERE id = ?1 AND (pinned_at IS NULL) = (?2 IS NOT NULL)",
                    params![id.0, pinned_at],
                )
                .map_err(backend)?;
            n > 0
        }
    };
    if changed {
        let rev = next_rev(&tx, current.room_id)?;
        tx.execute(
            "UPDATE messages SET rev = ?2 WHERE id = ?1",
            params![id.0, rev],
        )
        .map_err(backend)?;
    }
    let message = by_id(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(ChangeOutcome {
        message,
        changed,
        removed_files,
    })
}

fn forget_mentions(tx: &Connection, m: &Message) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM mentions WHERE room_id = ?1 AND seq = ?2")
        .and_then(|mut s| s.execute(params![m.room_id.0, m.seq]))
        .map_err(backend)?;
    Ok(())
}

pub(crate) fn changes_after(
    conn: &Connection,
    room: RoomId,
    after_rev: i64,
    up_to: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.rev > ?2 AND m.seq <= ?3 ORDER BY m.rev LIMIT +?4"
    );
    query(conn, &sql, params![room.0, after_rev, up_to, limit])
}

pub(crate) fn thread(
    conn: &Connection,
    root: MessageId,
    after: i64,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.thread_root = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT +?3"
    );
    query(conn, &sql, params![root.0, after, limit])
}

pub(crate) fn pinned(conn: &Connection, room: RoomId) -> Result<Vec<Message>, StoreError> {
    let sql = format!(
        "{MESSAGE_SELECT} WHERE m.room_id = ?1 AND m.pinned_at IS NOT NULL
         ORDER BY m.pinned_at DESC LIMIT 100"
    );
    query(conn, &sql, params![room.0])
}

pub(crate) fn members_named(
    conn: &Connection,
    room: RoomId,
    names: &[String],
) -> Result<Vec<UserId>, StoreError> {
    // Usernames are `[a-z0-9_.-]`, so quoting them makes valid JSON.
    let json = format!(
        "[{}]",
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut stmt = conn
        .prepare_cached(
            "SELECT u.id FROM users u JOIN room_members rm ON rm.user_id = u.id AND rm.room_id = ?1
             WHERE u.username IN (SELECT value FROM json_each(?2)) ORDER BY u.id",
        )
        .map_err(backend)?;
    let found = stmt
        .query_map(params![room.0, json], |r| Ok(UserId(r.get(0)?)))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

/// Read state rows. Unread counts look at most `ReadState::MAX_COUNT` messages back from the
/// room's end (seqs have no gaps), so a room never read costs no more than one read recently.
const READ_STATE: &str = "SELECT rm.room_id, rm.last_read,
    (SELECT count(*) FROM messages m WHERE m.room_id = rm.room_id
        AND m.seq > max(rm.last_read, r.last_seq - ?2) AND m.sender_id != rm.user_id
        AND m.deleted_at IS NULL),
    (SELECT count(*) FROM mentions x WHERE x.user_id = rm.user_id AND x.room_id = rm.room_id
        AND x.seq > max(rm.last_read, r.last_seq - ?2))
    FROM room_members rm JOIN rooms r ON r.id = rm.room_id WHERE rm.user_id = ?1";

fn read_state(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReadState> {
    Ok(ReadState {
        room_id: RoomId(row.get(0)?),
        last_read: row.get(1)?,
        unread: row.get(2)?,
        mentions: row.get(3)?,
    })
}

pub(crate) fn mark_read(
    conn: &mut Connection,
    room: RoomId,
    user: UserId,
    seq: i64,
) -> Result<ReadState, StoreError> {
    conn.prepare_cached(
        "UPDATE room_members SET last_read = max(last_read, ?3) WHERE room_id = ?1 AND user_id = ?2",
    )
    .and_then(|mut s| s.execute(params![room.0, user.0, seq]))
    .map_err(backend)?;
    let sql = format!("{READ_STATE} AND rm.room_id = ?3");
    conn.prepare_cached(&sql)
        .and_then(|mut s| {
            s.query_row(params![user.0, ReadState::MAX_COUNT, room.0], read_state)
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound)
}

pub(crate) fn read_states(conn: &Connection, user: UserId) -> Result<Vec<ReadState>, StoreError> {
    let mut stmt = conn.prepare_cached(READ_STATE).map_err(backend)?;
    let found = stmt
        .query_map(params![user.0, ReadState::MAX_COUNT], read_state)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

/// How many of the newest matches a search ranks. Ranking every match of a common word in a
/// large database costs a full scan of its postings (hundreds of milliseconds at a million
/// messages); walking matches newest first and ranking only this many keeps every search
/// bounded, and in chat the newest matches are the ones people look for. A word with fewer
/// matches is ranked over all of them.
const SEARCH_CANDIDATES: u32 = 1000;

/// The page of matching message ids, best first: the newest `SEARCH_CANDIDATES` matches the
/// user may read, ordered by BM25 (then newest first).
const SEARCH_PAGE: &str = "SELECT id FROM (
    SELECT m.id AS id, bm25(messages_fts) AS score
      FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
     WHERE messages_fts MATCH ?1
       AND m.room_id IN (SELECT room_id FROM room_members WHERE user_id = ?2
                         UNION SELECT id FROM rooms WHERE kind = 'public')
       AND (?3 IS NULL OR m.room_id = ?3)
       AND (?4 IS NULL OR m.sender_id = ?4)
       AND (?5 IS NULL OR m.created_at >= ?5)
       AND (?6 IS NULL OR m.created_at < ?6)
     ORDER BY messages_fts.rowid DESC LIMIT ?9)
  ORDER BY score, id DESC LIMIT ?7 OFFSET ?8";

pub(crate) fn search(conn: &Connection, q: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
    let mut stmt = conn.prepare_cached(SEARCH_PAGE).map_err(backend)?;
    let ids = stmt
        .query_map(
            params![
                q.terms,
                q.user.0,
                q.room.map(|r| r.0),
                q.sender.map(|u| u.0),
                q.from.map(|t| t.0),
                q.to.map(|t| t.0),
                q.limit,
                q.offset,
                SEARCH_CANDIDATES
            ],
            |r| r.get::<_, i64>(0),
        )
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = rows::json_list(ids.iter().copied());
    let sql = format!("{MESSAGE_SELECT} WHERE m.id IN (SELECT value FROM json_each(?1))");
    let found = query(conn, &sql, params![list])?;
    let mut snippet = conn
        .prepare_cached(
            "SELECT snippet(messages_fts, 0, char(2), char(3), '…', 16) FROM messages_fts
              WHERE messages_fts MATCH ?1 AND rowid = ?2",
        )
        .map_err(backend)?;
    let mut hits = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(message) = found.iter().find(|m| m.id.0 == id) else {
            continue; // deleted between the two reads
        };
        let text: Option<String> = snippet
            .query_row(params![q.terms, id], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        hits.push(SearchHit {
            message: message.clone(),
            snippet: text.unwrap_or_default(),
        });
    }
    Ok(hits)
}

pub(crate) fn set_block(
    conn: &mut Connection,
    blocker: UserId,
    blocked: UserId,
    on: Toggle,
) -> Result<bool, StoreError> {
    let n = match on {
        Toggle::On => conn.execute(
            "INSERT OR IGNORE INTO blocks (blocker, blocked, created_at) VALUES (?1, ?2, ?3)",
            params![blocker.0, blocked.0, Timestamp::now().0],
        ),
        Toggle::Off => conn.execute(
            "DELETE FROM blocks WHERE blocker = ?1 AND blocked = ?2",
            params![blocker.0, blocked.0],
        ),
    }
    .map_err(backend)?;
    Ok(n > 0)
}

pub(crate) fn blocked_by(conn: &Connection, user: UserId) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT blocked FROM blocks WHERE blocker = ?1 ORDER BY blocked")
        .map_err(backend)?;
    let found = stmt
        .query_map([user.0], |r| Ok(UserId(r.get(0)?)))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn blocked_in(
    conn: &Connection,
    room: RoomId,
    user: UserId,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM blocks b JOIN room_members rm
             ON rm.user_id = b.blocker AND rm.room_id = ?1 WHERE b.blocked = ?2)",
    )
    .and_then(|mut s| s.query_row(params![room.0, user.0], |r| r.get(0)))
    .map_err(backend)
}

pub(crate) fn blocked_by_any(
    conn: &Connection,
    others: &[UserId],
    user: UserId,
) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM blocks WHERE blocked = ?2
             AND blocker IN (SELECT value FROM json_each(?1)))",
    )
    .and_then(|mut s| s.query_row(params![rows::json_ids(others), user.0], |r| r.get(0)))
    .map_err(backend)
}
