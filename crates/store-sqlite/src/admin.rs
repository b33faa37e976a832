//! Administration: settings, invites and the audit log.

use natter_core::{
    Actor, AuditEntry, AuditKind, AuditQuery, Invite, NewAuditEntry, NewInvite, RoomId, StoreError,
    Timestamp, UserId,
};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::backend;

pub(crate) fn settings(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT key, value FROM settings ORDER BY key")
        .map_err(backend)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(rows)
}

pub(crate) fn put_setting(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn create_invite(conn: &Connection, new: NewInvite) -> Result<Invite, StoreError> {
    conn.execute(
        "INSERT INTO invites (token_hash, created_by, created_at, expires_at, max_uses)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            &new.token_hash[..],
            new.created_by.map(|u| u.0),
            Timestamp::now().0,
            new.expires_at.0,
            new.max_uses
        ],
    )
    .map_err(crate::conflict_or_backend("invite"))?;
    invite(conn, conn.last_insert_rowid())?.ok_or(StoreError::NotFound)
}

const INVITE_COLS: &str = "id, created_by, created_at, expires_at, max_uses, revoked_at";

fn invite_row(r: &Row<'_>) -> rusqlite::Result<Invite> {
    Ok(Invite {
        id: r.get(0)?,
        created_by: r.get::<_, Option<i64>>(1)?.map(UserId),
        created_at: Timestamp(r.get(2)?),
        expires_at: Timestamp(r.get(3)?),
        max_uses: r.get(4)?,
        revoked_at: r.get::<_, Option<i64>>(5)?.map(Timestamp),
        used_by: Vec::new(),
    })
}

fn with_uses(conn: &Connection, mut invite: Invite) -> Result<Invite, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT user_id, used_at FROM invite_uses WHERE invite_id = ?1 ORDER BY used_at, user_id",
        )
        .map_err(backend)?;
    invite.used_by = stmt
        .query_map([invite.id], |r| {
            Ok((UserId(r.get(0)?), Timestamp(r.get(1)?)))
        })
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(invite)
}

pub(crate) fn invite(conn: &Connection, id: i64) -> Result<Option<Invite>, StoreError> {
    let sql = format!("SELECT {INVITE_COLS} FROM invites WHERE id = ?1");
    let found = crate::rows::cached_row(conn, &sql, [id], invite_row)
        .optional()
        .map_err(backend)?;
    found.map(|i| with_uses(conn, i)).transpose()
}

pub(crate) fn invites(conn: &Connection) -> Result<Vec<Invite>, StoreError> {
    let sql = format!("SELECT {INVITE_COLS} FROM invites ORDER BY id DESC");
    let mut stmt = conn.prepare(&sql).map_err(backend)?;
    let found = stmt
        .query_map([], invite_row)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    found.into_iter().map(|i| with_uses(conn, i)).collect()
}

pub(crate) fn revoke_invite(
    conn: &Connection,
    id: i64,
    at: Timestamp,
) -> Result<Invite, StoreError> {
    conn.execute(
        "UPDATE invites SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        params![id, at.0],
    )
    .map_err(backend)?;
    invite(conn, id)?.ok_or(StoreError::NotFound)
}

/// Inside the sign-up transaction: checks the invite is usable now and records the use.
pub(crate) fn use_invite(
    conn: &Connection,
    token_hash: &[u8; 32],
    user: UserId,
    now: Timestamp,
) -> Result<(), StoreError> {
    let id: Option<i64> = conn
        .query_row(
            "SELECT id FROM invites
             WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2
               AND (SELECT count(*) FROM invite_uses u WHERE u.invite_id = invites.id) < max_uses",
            params![&token_hash[..], now.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    let id = id.ok_or(StoreError::InvalidInvite)?;
    conn.execute(
        "INSERT INTO invite_uses (invite_id, user_id, used_at) VALUES (?1, ?2, ?3)",
        params![id, user.0, now.0],
    )
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn append_audit(
    conn: &Connection,
    e: &NewAuditEntry,
    at: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, kind, actor, target_user, target_room, addr, reason, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![
            at.0,
            e.kind.as_str(),
            e.actor.user.map(|u| u.0),
            e.target_user.map(|u| u.0),
            e.target_room.map(|r| r.0),
            e.actor.addr.map(|a| a.to_string()),
            e.reason,
            e.detail
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub(crate) fn audit_entries(
    conn: &Connection,
    q: &AuditQuery,
) -> Result<Vec<AuditEntry>, StoreError> {
    let sql = "SELECT id, at, kind, actor, target_user, target_room, addr, reason, detail
        FROM audit_log
        WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR target_user = ?2)
          AND (?3 IS NULL OR target_room = ?3) AND (?4 IS NULL OR kind = ?4)
          AND (?5 IS NULL OR at >= ?5) AND (?6 IS NULL OR at <= ?6) AND (?7 IS NULL OR id < ?7)
        ORDER BY id DESC LIMIT ?8";
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                q.actor.map(|u| u.0),
                q.target_user.map(|u| u.0),
                q.target_room.map(|r| r.0),
                q.kind.map(AuditKind::as_str),
                q.from.map(|t| t.0),
                q.to.map(|t| t.0),
                q.before,
                q.limit
            ],
            audit_row,
        )
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(rows)
}

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    let kind: String = r.get(2)?;
    let addr: Option<String> = r.get(6)?;
    Ok(AuditEntry {
        id: r.get(0)?,
        at: Timestamp(r.get(1)?),
        entry: NewAuditEntry {
            kind: AuditKind::parse(&kind).ok_or(rusqlite::Error::InvalidQuery)?,
            actor: Actor {
                user: r.get::<_, Option<i64>>(3)?.map(UserId),
                addr: addr.and_then(|a| a.parse().ok()),
            },
            target_user: r.get::<_, Option<i64>>(4)?.map(UserId),
            target_room: r.get::<_, Option<i64>>(5)?.map(RoomId),
            reason: r.get(7)?,
            detail: r.get(8)?,
        },
    })
}

pub(crate) fn prune_audit(conn: &Connection, before: Timestamp) -> Result<u64, StoreError> {
    let n = conn
        .execute("DELETE FROM audit_log WHERE at < ?1", [before.0])
        .map_err(backend)?;
    Ok(n as u64)
}
