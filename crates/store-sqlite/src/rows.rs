//! Column lists and row mappers shared by the queries.

use natter_core::{Message, MessageId, Room, RoomId, RoomKind, Timestamp, User, UserId};
use rusqlite::Row;

pub(crate) const USER_COLS: &str =
    "users.id, users.username, users.display_name, users.status, users.is_admin, users.created_at, users.last_seen";
pub(crate) const ROOM_COLS: &str =
    "rooms.id, rooms.name, rooms.kind, rooms.topic, rooms.last_seq, rooms.dm_key, rooms.created_at";
pub(crate) const MESSAGE_COLS: &str = "id, room_id, seq, sender_id, body, client_id, created_at";

/// Maps the first seven columns of `row`, in `USER_COLS` order.
pub(crate) fn user(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        username: row.get(1)?,
        display_name: row.get(2)?,
        status: row.get(3)?,
        is_admin: row.get(4)?,
        created_at: Timestamp(row.get(5)?),
        last_seen: row.get::<_, Option<i64>>(6)?.map(Timestamp),
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
    })
}

pub(crate) fn message(row: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(row.get(0)?),
        room_id: RoomId(row.get(1)?),
        seq: row.get(2)?,
        sender_id: UserId(row.get(3)?),
        body: row.get(4)?,
        client_id: row.get(5)?,
        created_at: Timestamp(row.get(6)?),
    })
}

/// A DM's key: its member ids ascending, comma-separated. Unique per set of people.
pub(crate) fn dm_key(members: &[UserId]) -> String {
    members
        .iter()
        .map(|u| u.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_dm_key(key: &str) -> Vec<UserId> {
    key.split(',').filter_map(|s| s.parse().ok()).collect()
}
