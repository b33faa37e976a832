//! Bans, mutes and slow mode.

use std::sync::LazyLock;

use natter_core::{Room, RoomId, Sanction, SanctionKind, Standing, StoreError, Timestamp, UserId};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::backend;

const SANCTION_COLS: &str = "room_id, user_id, kind, until, reason, by_user, at";

fn kind_of(s: &str) -> rusqlite::Result<SanctionKind> {
    match s {
        "ban" => Ok(SanctionKind::Ban),
        "mute" => Ok(SanctionKind::Mute),
        _ => Err(rusqlite::Error::InvalidQuery),
    }
}

fn sanction_row(r: &Row<'_>) -> rusqlite::Result<Sanction> {
    Ok(Sanction {
        room: RoomId(r.get(0)?),
        user: UserId(r.get(1)?),
        kind: kind_of(&r.get::<_, String>(2)?)?,
        until: r.get::<_, Option<i64>>(3)?.map(Timestamp),
        reason: r.get(4)?,
        by: r.get::<_, Option<i64>>(5)?.map(UserId),
        at: Timestamp(r.get(6)?),
    })
}

pub(crate) fn put_sanction(conn: &Connection, s: &Sanction) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO sanctions (room_id, user_id, kind, until, reason, by_user, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (room_id, user_id, kind) DO UPDATE SET
            until = excluded.until, reason = excluded.reason, by_user = excluded.by_user,
            at = excluded.at",
        params![
            s.room.0,
            s.user.0,
            s.kind.as_str(),
            s.until.map(|t| t.0),
            s.reason,
            s.by.map(|u| u.0),
            s.at.0
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn lift_sanction(
    conn: &Connection,
    room: RoomId,
    user: UserId,
    kind: SanctionKind,
) -> Result<bool, StoreError> {
    let n = conn
        .execute(
            "DELETE FROM sanctions WHERE room_id = ?1 AND user_id = ?2 AND kind = ?3
               AND (until IS NULL OR until > ?4)",
            params![room.0, user.0, kind.as_str(), Timestamp::now().0],
        )
        .map_err(backend)?;
    Ok(n == 1)
}

/// The sanction of one kind in force on one person in one room: every send asks about mutes.
static SANCTION_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {SANCTION_COLS} FROM sanctions
         WHERE room_id = ?1 AND user_id = ?2 AND kind = ?3 AND (until IS NULL OR until > ?4)"
    )
});

pub(crate) fn sanction(
    conn: &Connection,
    room: RoomId,
    user: UserId,
    kind: SanctionKind,
    now: Timestamp,
) -> Result<Option<Sanction>, StoreError> {
    conn.prepare_cached(&SANCTION_SQL)
        .and_then(|mut s| {
            s.query_row(params![room.0, user.0, kind.as_str(), now.0], sanction_row)
                .optional()
        })
        .map_err(backend)
}

pub(crate) fn sanctions(
    conn: &Connection,
    room: RoomId,
    kind: SanctionKind,
    now: Timestamp,
) -> Result<Vec<Sanction>, StoreError> {
    let sql = format!(
        "SELECT {SANCTION_COLS} FROM sanctions
         WHERE room_id = ?1 AND kind = ?2 AND (until IS NULL OR until > ?3)
         ORDER BY at DESC, user_id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map(params![room.0, kind.as_str(), now.0], sanction_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn set_slow_mode(
    conn: &Connection,
    room: RoomId,
    secs: u32,
) -> Result<Room, StoreError> {
    let n = conn
        .execute(
            "UPDATE rooms SET slow_mode_secs = ?2 WHERE id = ?1",
            params![room.0, secs],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    crate::rooms::room(conn, room)?.ok_or(StoreError::NotFound)
}

pub(crate) fn last_post_at(
    conn: &Connection,
    room: RoomId,
    user: UserId,
) -> Result<Option<Timestamp>, StoreError> {
    conn.prepare_cached(
        "SELECT created_at FROM messages WHERE room_id = ?1 AND sender_id = ?2
         ORDER BY seq DESC LIMIT 1",
    )
    .and_then(|mut s| {
        s.query_row([room.0, user.0], |r| r.get(0).map(Timestamp))
            .optional()
    })
    .map_err(backend)
}

/// `room`, whether `user` is a member, and their mute in force at `now`; `None` if there is no
/// such room. Run in one read transaction (`Store::standing`).
pub(crate) fn standing(
    conn: &Connection,
    room: RoomId,
    user: UserId,
    now: Timestamp,
) -> Result<Option<Standing>, StoreError> {
    let Some(found) = crate::rooms::room(conn, room)? else {
        return Ok(None);
    };
    Ok(Some(Standing {
        room: found,
        member: crate::rooms::is_member(conn, room, user)?,
        muted: sanction(conn, room, user, SanctionKind::Mute, now)?,
    }))
}
