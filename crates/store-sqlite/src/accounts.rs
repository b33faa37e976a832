//! Users and sessions.

use std::sync::LazyLock;

use natter_core::{
    Credentials, NewSession, NewUser, ProfileChange, Session, SessionId, StoreError, Timestamp,
    Toggle, User, UserId,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::rows::{self, USER_COLS, USER_COL_COUNT};
use crate::{backend, conflict_or_backend};

pub(crate) fn create_user(conn: &mut Connection, new: NewUser) -> Result<User, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let now = Timestamp::now().0;
    let first: bool = tx
        .query_row("SELECT NOT EXISTS (SELECT 1 FROM users)", [], |r| r.get(0))
        .map_err(backend)?;
    tx.execute(
        "INSERT INTO users (username, display_name, password_hash, is_admin, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            new.username.as_str(),
            new.display_name,
            new.password_hash,
            first,
            now
        ],
    )
    .map_err(conflict_or_backend("username"))?;
    let id = tx.last_insert_rowid();
    if let Some(invite) = &new.invite {
        crate::admin::use_invite(&tx, invite, UserId(id), Timestamp(now))?;
    }
    match &new.default_rooms {
        None => tx.execute(
            "INSERT OR IGNORE INTO room_members (room_id, user_id, joined_at)
             SELECT id, ?1, ?2 FROM rooms WHERE name = 'general' AND kind = 'public'",
            params![id, now],
        ),
        Some(rooms) => tx.execute(
            "INSERT OR IGNORE INTO room_members (room_id, user_id, joined_at)
             SELECT id, ?1, ?2 FROM rooms
             WHERE id IN (SELECT value FROM json_each(?3))
               AND kind = 'public' AND archived_at IS NULL",
            params![id, now, rows::json_list(rooms.iter().map(|r| r.0))],
        ),
    }
    .map_err(backend)?;
    let user = user_by_id(&tx, UserId(id))?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(user)
}

pub(crate) fn user_count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .map_err(backend)
}

static USER_SQL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {USER_COLS} FROM users WHERE id = ?1"));

pub(crate) fn user_by_id(conn: &Connection, id: UserId) -> Result<Option<User>, StoreError> {
    crate::rows::cached_row(conn, &USER_SQL, [id.0], rows::user)
        .optional()
        .map_err(backend)
}

pub(crate) fn credentials(
    conn: &Connection,
    username: &str,
) -> Result<Option<Credentials>, StoreError> {
    let sql = format!(
        "SELECT {USER_COLS}, password_hash FROM users WHERE username = ?1 AND deleted_at IS NULL"
    );
    crate::rows::cached_row(conn, &sql, [username], |r| {
        Ok(Credentials {
            user: rows::user(r)?,
            password_hash: r.get(USER_COL_COUNT)?,
        })
    })
    .optional()
    .map_err(backend)
}

pub(crate) fn password_hash(conn: &Connection, id: UserId) -> Result<String, StoreError> {
    conn.query_row(
        "SELECT password_hash FROM users WHERE id = ?1",
        [id.0],
        |r| r.get(0),
    )
    .optional()
    .map_err(backend)?
    .ok_or(StoreError::NotFound)
}

pub(crate) fn set_password_hash(
    conn: &Connection,
    id: UserId,
    hash: &str,
) -> Result<(), StoreError> {
    let n = conn
        .execute(
            "UPDATE users SET password_hash = ?1 WHERE id = ?2",
            params![hash, id.0],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) fn users_by_prefix(
    conn: &Connection,
    prefix: &str,
    limit: u32,
) -> Result<Vec<User>, StoreError> {
    let escaped = rows::like_escape(prefix);
    let sql = format!(
        "SELECT {USER_COLS} FROM users WHERE username LIKE ?1 ESCAPE '\\' AND deleted_at IS NULL
         ORDER BY username LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map(params![format!("{escaped}%"), limit], rows::user)
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

pub(crate) fn update_profile(
    conn: &Connection,
    id: UserId,
    change: ProfileChange,
) -> Result<User, StoreError> {
    conn.execute(
        "UPDATE users SET display_name = COALESCE(?1, display_name), status = COALESCE(?2, status)
         WHERE id = ?3",
        params![change.display_name, change.status, id.0],
    )
    .map_err(backend)?;
    user_by_id(conn, id)?.ok_or(StoreError::NotFound)
}

pub(crate) fn set_last_seen(
    conn: &Connection,
    ids: &[UserId],
    at: Timestamp,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE users SET last_seen = ?1 WHERE id IN (SELECT value FROM json_each(?2))",
    )
    .and_then(|mut s| s.execute(params![at.0, rows::json_ids(ids)]))
    .map_err(backend)?;
    Ok(())
}

/// Refuses a change that leaves no active admin. Runs inside the changing transaction.
pub(crate) fn ensure_an_admin(tx: &Connection) -> Result<(), StoreError> {
    let admins: i64 = tx
        .query_row(
            "SELECT count(*) FROM users
             WHERE is_admin AND deactivated_at IS NULL AND deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if admins == 0 {
        return Err(StoreError::Conflict("last admin"));
    }
    Ok(())
}

pub(crate) fn set_admin(conn: &mut Connection, id: UserId, on: Toggle) -> Result<User, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let n = tx
        .execute(
            "UPDATE users SET is_admin = ?2 WHERE id = ?1",
            params![id.0, on == Toggle::On],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    // Dropping the transaction rolls the change back.
    ensure_an_admin(&tx)?;
    let user = user_by_id(&tx, id)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok(user)
}

pub(crate) fn create_session(conn: &Connection, new: NewSession) -> Result<SessionId, StoreError> {
    conn.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1",
        [Timestamp::now().0],
    )
    .map_err(backend)?;
    conn.execute(
        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![new.user_id.0, &new.token_hash[..], Timestamp::now().0, new.expires_at.0],
    )
    .map_err(conflict_or_backend("session"))?;
    Ok(SessionId(conn.last_insert_rowid()))
}

/// A live session by its token's hash, with its user: every request and connection asks.
static SESSION_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {USER_COLS}, sessions.id, sessions.expires_at
         FROM sessions JOIN users ON users.id = sessions.user_id
         WHERE sessions.token_hash = ?1 AND sessions.expires_at > ?2
           AND users.deactivated_at IS NULL AND users.deleted_at IS NULL"
    )
});

pub(crate) fn session_by_token_hash(
    conn: &Connection,
    hash: &[u8; 32],
    now: Timestamp,
) -> Result<Option<Session>, StoreError> {
    crate::rows::cached_row(conn, &SESSION_SQL, params![&hash[..], now.0], |r| {
        Ok(Session {
            user: rows::user(r)?,
            id: SessionId(r.get(USER_COL_COUNT)?),
            expires_at: Timestamp(r.get(USER_COL_COUNT + 1)?),
        })
    })
    .optional()
    .map_err(backend)
}

pub(crate) fn delete_session(conn: &Connection, id: SessionId) -> Result<(), StoreError> {
    conn.execute("DELETE FROM sessions WHERE id = ?1", [id.0])
        .map_err(backend)?;
    Ok(())
}

pub(crate) fn delete_other_sessions(
    conn: &Connection,
    user: UserId,
    keep: SessionId,
) -> Result<Vec<SessionId>, StoreError> {
    let mut stmt = conn
        .prepare("DELETE FROM sessions WHERE user_id = ?1 AND id != ?2 RETURNING id")
        .map_err(backend)?;
    let ids = stmt
        .query_map(params![user.0, keep.0], |r| r.get(0).map(SessionId))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(ids)
}
