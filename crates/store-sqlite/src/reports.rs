//! Reports of messages.

use natter_core::{
    MessageId, NewReport, Report, Resolution, RoomId, StoreError, Timestamp, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::backend;
use crate::rows::json_list;

const REPORT_COLS: &str = "id, message_id, room_id, sender_id, reporter_id, reason, excerpt, at,
    resolved_by, resolved_at, action, note";

fn report_row(r: &Row<'_>) -> rusqlite::Result<Report> {
    let resolved_at: Option<i64> = r.get(9)?;
    Ok(Report {
        id: r.get(0)?,
        message: MessageId(r.get(1)?),
        room: RoomId(r.get(2)?),
        sender: UserId(r.get(3)?),
        reporter: UserId(r.get(4)?),
        reason: r.get(5)?,
        excerpt: r.get(6)?,
        at: Timestamp(r.get(7)?),
        resolution: match resolved_at {
            None => None,
            Some(at) => Some(Resolution {
                by: r.get::<_, Option<i64>>(8)?.map(UserId),
                at: Timestamp(at),
                action: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
                note: r.get(11)?,
            }),
        },
    })
}

pub(crate) fn report(conn: &Connection, id: i64) -> Result<Option<Report>, StoreError> {
    let sql = format!("SELECT {REPORT_COLS} FROM reports WHERE id = ?1");
    crate::rows::cached_row(conn, &sql, [id], report_row)
        .optional()
        .map_err(backend)
}

pub(crate) fn create_report(conn: &Connection, new: &NewReport) -> Result<Report, StoreError> {
    let id: i64 = conn
        .query_row(
            "INSERT INTO reports (message_id, room_id, sender_id, reporter_id, reason, excerpt, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (message_id, reporter_id) WHERE resolved_at IS NULL
             DO UPDATE SET reason = excluded.reason, at = excluded.at
             RETURNING id",
            params![
                new.message.0,
                new.room.0,
                new.sender.0,
                new.reporter.0,
                new.reason,
                new.excerpt,
                Timestamp::now().0
            ],
            |r| r.get(0),
        )
        .map_err(backend)?;
    report(conn, id)?.ok_or(StoreError::NotFound)
}

pub(crate) fn reports(
    conn: &Connection,
    rooms: Option<&[RoomId]>,
    include_resolved: bool,
) -> Result<Vec<Report>, StoreError> {
    let sql = format!(
        "SELECT {REPORT_COLS} FROM reports
         WHERE (?1 IS NULL OR room_id IN (SELECT value FROM json_each(?1)))
           AND (?2 OR resolved_at IS NULL)
         ORDER BY id DESC LIMIT 500"
    );
    let rooms = rooms.map(|r| json_list(r.iter().map(|id| id.0)));
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map(params![rooms, include_resolved], report_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn resolve_report(
    conn: &Connection,
    id: i64,
    r: &Resolution,
) -> Result<Report, StoreError> {
    let n = conn
        .execute(
            "UPDATE reports SET resolved_by = ?2, resolved_at = ?3, action = ?4, note = ?5
             WHERE id = ?1 AND resolved_at IS NULL",
            params![id, r.by.map(|u| u.0), r.at.0, r.action, r.note],
        )
        .map_err(backend)?;
    if n == 0 {
        return match report(conn, id)? {
            Some(_) => Err(StoreError::Conflict("report")),
            None => Err(StoreError::NotFound),
        };
    }
    report(conn, id)?.ok_or(StoreError::NotFound)
}

pub(crate) fn staff_rooms(conn: &Connection, user: UserId) -> Result<Vec<RoomId>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT room_id FROM room_members WHERE user_id = ?1 AND role != 'member'
             ORDER BY room_id",
        )
        .map_err(backend)?;
    let found = stmt
        .query_map([user.0], |r| r.get(0).map(RoomId))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}
