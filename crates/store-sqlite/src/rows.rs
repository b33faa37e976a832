//! Column lists and row mappers shared by the queries.

use natter_core::{Message, MessageId, ReplyRef, Room, RoomId, RoomKind, Timestamp, User, UserId};
use rusqlite::{Connection, Params, Row};

/// `query_row` through the connection's statement cache: each statement is parsed once per
/// connection, not on every call.
pub(crate) fn cached_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached(sql)?.query_row(params, f)
}

pub(crate) const USER_COLS: &str =
    "users.id, users.username, users.display_name, users.status, users.is_admin, users.created_at, users.last_seen,
    users.deactivated_at, users.deleted_at";
/// How many columns `USER_COLS` has; a query's own columns follow.
pub(crate) const USER_COL_COUNT: usize = 9;
/// The room's columns, with its owner and moderators found through the partial indexes on
/// staff (`role != 'member'` is what lets SQLite use `room_members_staff`; without it, loading
/// a room read every one of its members).
pub(crate) const ROOM_COLS: &str =
    "rooms.id, rooms.name, rooms.kind, rooms.topic, rooms.last_seq, rooms.dm_key, rooms.created_at, rooms.last_rev,
    (SELECT s.user_id FROM room_members s WHERE s.room_id = rooms.id AND s.role = 'owner'),
    (SELECT group_concat(s.user_id) FROM room_members s
      WHERE s.room_id = rooms.id AND s.role != 'member' AND s.role = 'moderator'),
    rooms.slow_mode_secs, rooms.archived_at, rooms.members_can_set_topic, rooms.members_can_add";
/// How many columns `ROOM_COLS` has; a query's own columns follow.
pub(crate) const ROOM_COL_COUNT: usize = 14;
/// Every message query starts here: the message `m` and, for a reply, its parent `p`.
pub(crate) const MESSAGE_SELECT: &str =
    "SELECT m.id, m.room_id, m.seq, m.sender_id, m.body, m.client_id, m.created_at,
    m.html, m.rev, m.edited_at, m.deleted_at, m.thread_root, m.reply_count, m.last_reply_at,
    m.pinned_at, m.mentions, m.mentions_room,
    m.reply_to, p.seq, p.sender_id, substr(p.body, 1, 800), p.deleted_at
    FROM messages m LEFT JOIN messages p ON p.id = m.reply_to";

/// Maps the first `USER_COL_COUNT` columns of `row`, in `USER_COLS` order.
pub(crate) fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        username: row.get(1)?,
        display_name: row.get(2)?,
        status: row.get(3)?,
        is_admin: row.get(4)?,
        created_at: Timestamp(row.get(5)?),
        last_seen: row.get::<_, Option<i64>>(6)?.map(Timestamp),
        deactivated: row.get::<_, Option<i64>>(7)?.is_some(),
        deleted: row.get::<_, Option<i64>>(8)?.is_some(),
    })
}

pub(crate) fn room(row: &Row<'_>) -> rusqlite::Result<Room> {
    let kind: String = row.get(2)?;
    let dm_key: Option<String> = row.get(5)?;
    Ok(Room {
        id: RoomId(row.get(0)?),
        name: row.get(1)?,
        kind: RoomKind::parse(&kind).unwrap_or(RoomKind::Private),
        topic: row.get(3)?,
        last_seq: row.get(4)?,
        dm_members: dm_key.as_deref().map(parse_dm_key).unwrap_or_default(),
        created_at: Timestamp(row.get(6)?),
        last_rev: row.get(7)?,
        owner: row.get::<_, Option<i64>>(8)?.map(UserId),
        moderators: {
            let mut ids = parse_ids(&row.get::<_, Option<String>>(9)?.unwrap_or_default());
            ids.sort();
            ids
        },
        slow_mode_secs: row.get(10)?,
        archived: row.get::<_, Option<i64>>(11)?.is_some(),
        members_can_set_topic: row.get(12)?,
        members_can_add: row.get(13)?,
    })
}

fn time(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    Ok(row.get::<_, Option<i64>>(i)?.map(Timestamp))
}

/// Maps a row of `MESSAGE_SELECT`. Reactions and attachments are filled in by the caller.
pub(crate) fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(row.get(0)?),
        room_id: RoomId(row.get(1)?),
        seq: row.get(2)?,
        sender_id: UserId(row.get(3)?),
        body: row.get(4)?,
        client_id: row.get(5)?,
        created_at: Timestamp(row.get(6)?),
        html: row.get(7)?,
        rev: row.get(8)?,
        edited_at: time(row, 9)?,
        deleted_at: time(row, 10)?,
        thread_root: row.get::<_, Option<i64>>(11)?.map(MessageId),
        reply_count: row.get(12)?,
        last_reply_at: time(row, 13)?,
        pinned_at: time(row, 14)?,
        mentions: parse_ids(&row.get::<_, String>(15)?),
        mentions_room: row.get(16)?,
        reply_to: match row.get::<_, Option<i64>>(17)? {
            None => None,
            Some(id) => Some(reply_ref(MessageId(id), row, 18)?),
        },
        reactions: Vec::new(),
        attachments: Vec::new(),
    })
}

/// The parent's `seq, sender_id, substr(body, 1, 800), deleted_at`, from column `at` on. The
/// excerpt is made from the body's start: 800 characters of Markdown hold the first 200 of its
/// text unless markers or link targets fill them ([`natter_core::markup::excerpt`]).
pub(crate) fn reply_ref(id: MessageId, row: &Row<'_>, at: usize) -> rusqlite::Result<ReplyRef> {
    let deleted = row.get::<_, Option<i64>>(at + 3)?.is_some();
    Ok(ReplyRef {
        id,
        seq: row.get(at)?,
        sender_id: UserId(row.get(at + 1)?),
        excerpt: if deleted {
            String::new()
        } else {
            natter_core::markup::excerpt(&row.get::<_, String>(at + 2)?)
        },
        deleted,
    })
}

/// `text` with LIKE's wildcards escaped by a backslash, for `LIKE ... ESCAPE '\'`.
pub(crate) fn like_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            _ => vec![c],
        })
        .collect()
}

/// Ids as a comma-separated list, the form `mentions` is stored in.
pub(crate) fn join_ids(ids: &[UserId]) -> String {
    ids.iter()
        .map(|u| u.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn parse_ids(list: &str) -> Vec<UserId> {
    list.split(',').filter_map(|s| s.parse().ok()).collect()
}

/// Ids as a JSON array, for `json_each(?)` in `IN` clauses.
pub(crate) fn json_ids(ids: &[UserId]) -> String {
    json_list(ids.iter().map(|u| u.0))
}

/// Integers as a JSON array, for `json_each(?)` in `IN` clauses.
pub(crate) fn json_list(ids: impl Iterator<Item = i64>) -> String {
    let items: Vec<String> = ids.map(|i| i.to_string()).collect();
    format!("[{}]", items.join(","))
}

/// A DM's key: its member ids ascending, comma-separated. Unique per set of people.
pub(crate) fn dm_key(members: &[UserId]) -> String {
    join_ids(members)
}

fn parse_dm_key(key: &str) -> Vec<UserId> {
    parse_ids(key)
}
