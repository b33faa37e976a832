//! Rooms, memberships and DMs.

use std::sync::LazyLock;

use natter_core::{
    FileInfo, NewRoom, Room, RoomId, RoomInvitation, RoomKind, RoomRole, RoomSummary, RoomUpdate,
    StoreError, Timestamp, User, UserId,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::rows::{self, ROOM_COLS, USER_COLS};
use crate::{backend, conflict_or_backend};

pub(crate) fn create_room(conn: &mut Connection, new: NewRoom) -> Result<Room, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let now = Timestamp::now().0;
    tx.execute(
        "INSERT INTO rooms (name, kind, topic, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![new.name, new.kind.as_str(), new.topic, new.creator.0, now],
    )
    .map_err(conflict_or_backend("room name"))?;
    let id = RoomId(tx.last_insert_rowid());
    add_member(&tx, id, new.creator)?;
    tx.execute(
        "UPDATE room_members SET role = 'owner' WHERE room_id = ?1 AND user_id = ?2",
        [id.0, new.creator.0],
    )
    .map_err(backend)?;
    let room = room(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(room)
}

/// One room by id: every send and every sync reads it, so its SQL is built once.
static ROOM_SQL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {ROOM_COLS} FROM rooms WHERE id = ?1"));

pub(crate) fn room(conn: &Connection, id: RoomId) -> Result<Option<Room>, StoreError> {
    crate::rows::cached_row(conn, &ROOM_SQL, [id.0], rows::room)
        .optional()
        .map_err(backend)
}

pub(crate) fn set_topic(
    conn: &mut Connection,
    id: RoomId,
    topic: &str,
) -> Result<Room, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let n = tx
        .execute(
            "UPDATE rooms SET topic = ?2 WHERE id = ?1",
            params![id.0, topic],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let changed = room(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(changed)
}

fn rooms_where(conn: &Connection, cond: &str, user: UserId) -> Result<Vec<Room>, StoreError> {
    let sql = format!("SELECT {ROOM_COLS} FROM rooms WHERE {cond} ORDER BY rooms.name, rooms.id");
    rooms_of(conn, &sql, user)
}

/// The rooms `sql` selects (`ROOM_COLS` first) for the user bound as `?1`.
fn rooms_of(conn: &Connection, sql: &str, user: UserId) -> Result<Vec<Room>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let found = stmt
        .query_map([user.0], rows::room)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

const IS_MEMBER: &str =
    "EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = rooms.id AND m.user_id = ?1)";

pub(crate) fn visible_rooms(conn: &Connection, user: UserId) -> Result<Vec<Room>, StoreError> {
    let listed = "(rooms.kind = 'public' AND rooms.archived_at IS NULL)";
    rooms_where(conn, &format!("{listed} OR {IS_MEMBER}"), user)
}

/// A person's rooms, found through their memberships (the `room_members_user` index): a
/// condition on `rooms` would test every room of the server for each `ready`.
pub(crate) static MEMBER_ROOMS_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ROOM_COLS} FROM room_members mine JOIN rooms ON rooms.id = mine.room_id
          WHERE mine.user_id = ?1 ORDER BY rooms.name, rooms.id"
    )
});

pub(crate) fn member_rooms(conn: &Connection, user: UserId) -> Result<Vec<Room>, StoreError> {
    rooms_of(conn, &MEMBER_ROOMS_SQL, user)
}

pub(crate) fn is_member(conn: &Connection, room: RoomId, user: UserId) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM room_members WHERE room_id = ?1 AND user_id = ?2)",
    )
    .and_then(|mut s| s.query_row([room.0, user.0], |r| r.get(0)))
    .map_err(backend)
}

pub(crate) fn room_role(
    conn: &Connection,
    room: RoomId,
    user: UserId,
) -> Result<Option<RoomRole>, StoreError> {
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM room_members WHERE room_id = ?1 AND user_id = ?2")
        .and_then(|mut s| s.query_row([room.0, user.0], |r| r.get(0)).optional())
        .map_err(backend)?;
    Ok(role.map(|r| RoomRole::parse(&r).unwrap_or(RoomRole::Member)))
}

pub(crate) fn set_room_role(
    conn: &mut Connection,
    id: RoomId,
    user: UserId,
    role: RoomRole,
) -> Result<Room, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    if room_role(&tx, id, user)?.is_none() {
        return Err(StoreError::NotFound);
    }
    if role == RoomRole::Owner {
        tx.execute(
            "UPDATE room_members SET role = 'moderator'
             WHERE room_id = ?1 AND role = 'owner' AND user_id != ?2",
            [id.0, user.0],
        )
        .map_err(backend)?;
    }
    tx.execute(
        "UPDATE room_members SET role = ?3 WHERE room_id = ?1 AND user_id = ?2",
        params![id.0, user.0, role.as_str()],
    )
    .map_err(backend)?;
    let changed = room(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(changed)
}

pub(crate) fn room_count(conn: &Connection, user: UserId) -> Result<u32, StoreError> {
    conn.prepare_cached("SELECT count(*) FROM room_members WHERE user_id = ?1")
        .and_then(|mut s| s.query_row([user.0], |r| r.get(0)))
        .map_err(backend)
}

pub(crate) fn add_member(
    conn: &Connection,
    room: RoomId,
    user: UserId,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "INSERT OR IGNORE INTO room_members (room_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
            params![room.0, user.0, Timestamp::now().0],
        )
        .map_err(conflict_or_backend("member"))?;
    Ok(n == 1)
}

pub(crate) fn remove_member(
    conn: &Connection,
    room: RoomId,
    user: UserId,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM room_members WHERE room_id = ?1 AND user_id = ?2",
            [room.0, user.0],
        )
        .map_err(backend)?;
    Ok(n == 1)
}

pub(crate) fn room_members(conn: &Connection, room: RoomId) -> Result<Vec<User>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLS} FROM room_members m JOIN users ON users.id = m.user_id
         WHERE m.room_id = ?1 ORDER BY users.username"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map([room.0], rows::user)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn member_ids(conn: &Connection, room: RoomId) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT user_id FROM room_members WHERE room_id = ?1 ORDER BY user_id")
        .map_err(backend)?;
    let ids = stmt
        .query_map([room.0], |r| r.get(0).map(UserId))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(ids)
}

/// The people who share a room of at most `?2` members with `?1`.
pub(crate) const PRESENCE_PEERS_SQL: &str = "SELECT DISTINCT peer.user_id
   FROM room_members mine
   JOIN rooms r ON r.id = mine.room_id AND r.member_count <= ?2
   JOIN room_members peer ON peer.room_id = mine.room_id
  WHERE mine.user_id = ?1 AND peer.user_id != ?1
  ORDER BY peer.user_id";

pub(crate) fn presence_peers(
    conn: &Connection,
    user: UserId,
    max_members: u32,
) -> Result<Vec<UserId>, StoreError> {
    let mut stmt = conn.prepare_cached(PRESENCE_PEERS_SQL).map_err(backend)?;
    let ids = stmt
        .query_map(rusqlite::params![user.0, max_members], |r| {
            r.get(0).map(UserId)
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(ids)
}

pub(crate) fn find_dm(conn: &Connection, members: &[UserId]) -> Result<Option<Room>, StoreError> {
    let sql = format!("SELECT {ROOM_COLS} FROM rooms WHERE dm_key = ?1");
    crate::rows::cached_row(conn, &sql, [rows::dm_key(members)], rows::room)
        .optional()
        .map_err(backend)
}

pub(crate) fn find_or_create_dm(
    conn: &mut Connection,
    members: &[UserId],
    name: String,
) -> Result<(Room, bool), StoreError> {
    let key = rows::dm_key(members);
    let tx = conn.transaction().map_err(backend)?;
    let sql = format!("SELECT {ROOM_COLS} FROM rooms WHERE dm_key = ?1");
    if let Some(found) = crate::rows::cached_row(&tx, &sql, [&key], rows::room)
        .optional()
        .map_err(backend)?
    {
        return Ok((found, false));
    }
    tx.execute(
        "INSERT INTO rooms (name, kind, dm_key, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![name, RoomKind::Dm.as_str(), key, members[0].0, Timestamp::now().0],
    )
    .map_err(backend)?;
    let id = RoomId(tx.last_insert_rowid());
    for member in members {
        add_member(&tx, id, *member)?;
    }
    let created = room(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok((created, true))
}

pub(crate) fn update_room(
    conn: &mut Connection,
    id: RoomId,
    change: &RoomUpdate,
) -> Result<Room, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let archived_at = change.archived.map(|on| on.then_some(Timestamp::now().0));
    let n = tx
        .execute(
            "UPDATE rooms SET
                name = COALESCE(?2, name),
                kind = COALESCE(?3, kind),
                archived_at = CASE WHEN ?4 THEN ?5 ELSE archived_at END,
                members_can_set_topic = COALESCE(?6, members_can_set_topic),
                members_can_add = COALESCE(?7, members_can_add)
             WHERE id = ?1 AND kind != 'dm'",
            params![
                id.0,
                change.name,
                change.kind.map(RoomKind::as_str),
                archived_at.is_some(),
                archived_at.flatten(),
                change.members_can_set_topic,
                change.members_can_add
            ],
        )
        .map_err(conflict_or_backend("room name"))?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let changed = room(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(changed)
}

pub(crate) fn delete_room(conn: &mut Connection, id: RoomId) -> Result<Vec<FileInfo>, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let files = crate::files::in_room(&tx, id)?;
    // Children first: the foreign keys between messages (replies, threads) and files.
    for sql in [
        "DELETE FROM files WHERE room_id = ?1",
        "UPDATE messages SET reply_to = NULL, thread_root = NULL WHERE room_id = ?1",
        "DELETE FROM mentions WHERE room_id = ?1",
        "DELETE FROM messages WHERE room_id = ?1",
        "DELETE FROM rooms WHERE id = ?1 AND kind != 'dm'",
    ] {
        tx.execute(sql, [id.0]).map_err(backend)?;
    }
    // The room's trigger bumps the page epoch when its row goes; a DM's row stays while its
    // messages go, so the bump is made here too.
    tx.execute("UPDATE page_epoch SET value = value + 1", [])
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(files)
}

pub(crate) fn all_rooms(
    conn: &Connection,
    search: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<RoomSummary>, StoreError> {
    let escaped = rows::like_escape(search);
    let sql = format!(
        "SELECT {ROOM_COLS}, (SELECT count(*) FROM room_members m WHERE m.room_id = rooms.id)
         FROM rooms WHERE kind != 'dm' AND name LIKE ?1 ESCAPE '\\'
         ORDER BY rooms.name, rooms.id LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map(params![format!("%{escaped}%"), limit, offset], |r| {
            Ok(RoomSummary {
                room: rows::room(r)?,
                members: r.get(rows::ROOM_COL_COUNT)?,
            })
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn put_room_invitation(
    conn: &Connection,
    room: RoomId,
    user: UserId,
    by: UserId,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO room_invitations (room_id, user_id, by_user, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, room_id) DO UPDATE SET by_user = excluded.by_user, at = excluded.at",
        params![room.0, user.0, by.0, Timestamp::now().0],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn room_invitations(
    conn: &Connection,
    user: UserId,
) -> Result<Vec<RoomInvitation>, StoreError> {
    let sql = format!(
        "SELECT {ROOM_COLS}, i.by_user, i.at FROM room_invitations i
         JOIN rooms ON rooms.id = i.room_id WHERE i.user_id = ?1 ORDER BY i.at DESC"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map([user.0], |r| {
            Ok(RoomInvitation {
                room: rows::room(r)?,
                by: UserId(r.get(rows::ROOM_COL_COUNT)?),
                at: Timestamp(r.get(rows::ROOM_COL_COUNT + 1)?),
            })
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn delete_room_invitation(
    conn: &Connection,
    room: RoomId,
    user: UserId,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM room_invitations WHERE room_id = ?1 AND user_id = ?2",
            [room.0, user.0],
        )
        .map_err(backend)?;
    Ok(n == 1)
}
