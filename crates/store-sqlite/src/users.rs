//! Managing accounts: listing them for admins, deactivation, ending sessions, password reset
//! links and deleting an account.

use natter_core::{
    DeletedAccount, FileInfo, RoomId, SessionId, StoreError, Timestamp, Toggle, User, UserId,
    UserSummary,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::accounts::{ensure_an_admin, user_by_id};
use crate::backend;
use crate::rows::{self, USER_COLS, USER_COL_COUNT};

pub(crate) fn list_users(
    conn: &Connection,
    search: &str,
    offset: u32,
    limit: u32,
) -> Result<Vec<UserSummary>, StoreError> {
    let escaped = rows::like_escape(search);
    let sql = format!(
        "SELECT {USER_COLS},
            (SELECT count(*) FROM sessions s WHERE s.user_id = users.id AND s.expires_at > ?4)
         FROM users
         WHERE deleted_at IS NULL
           AND (username LIKE ?1 ESCAPE '\\' OR display_name LIKE ?1 ESCAPE '\\')
         ORDER BY username LIMIT ?2 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let found = stmt
        .query_map(
            params![format!("%{escaped}%"), limit, offset, Timestamp::now().0],
            |r| {
                Ok(UserSummary {
                    user: rows::user(r)?,
                    sessions: r.get(USER_COL_COUNT)?,
                })
            },
        )
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(found)
}

fn delete_sessions_of(conn: &Connection, user: UserId) -> Result<Vec<SessionId>, StoreError> {
    let mut stmt = conn
        .prepare_cached("DELETE FROM sessions WHERE user_id = ?1 RETURNING id")
        .map_err(backend)?;
    let ids = stmt
        .query_map([user.0], |r| r.get(0).map(SessionId))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    Ok(ids)
}

pub(crate) fn end_sessions(conn: &Connection, user: UserId) -> Result<Vec<SessionId>, StoreError> {
    delete_sessions_of(conn, user)
}

pub(crate) fn set_deactivated(
    conn: &mut Connection,
    user: UserId,
    on: Toggle,
    at: Timestamp,
) -> Result<(User, Vec<SessionId>), StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let value = (on == Toggle::On).then_some(at.0);
    let n = tx
        .execute(
            "UPDATE users SET deactivated_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![user.0, value],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    ensure_an_admin(&tx)?;
    let ended = match on {
        Toggle::On => delete_sessions_of(&tx, user)?,
        Toggle::Off => Vec::new(),
    };
    let found = user_by_id(&tx, user)?.ok_or(StoreError::NotFound)?;
    tx.commit().map_err(backend)?;
    Ok((found, ended))
}

pub(crate) fn create_password_reset(
    conn: &Connection,
    user: UserId,
    token_hash: &[u8; 32],
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![&token_hash[..], user.0, Timestamp::now().0, expires_at.0],
    )
    .map_err(crate::conflict_or_backend("password reset"))?;
    Ok(())
}

pub(crate) fn reset_password(
    conn: &mut Connection,
    token_hash: &[u8; 32],
    new_hash: &str,
    now: Timestamp,
) -> Result<(UserId, Vec<SessionId>), StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let user: Option<i64> = tx
        .query_row(
            "SELECT r.user_id FROM password_resets r JOIN users u ON u.id = r.user_id
             WHERE r.token_hash = ?1 AND r.used_at IS NULL AND r.expires_at > ?2
               AND u.deleted_at IS NULL AND u.deactivated_at IS NULL",
            params![&token_hash[..], now.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    let user = UserId(user.ok_or(StoreError::NotFound)?);
    tx.execute(
        "UPDATE password_resets SET used_at = ?2 WHERE token_hash = ?1",
        params![&token_hash[..], now.0],
    )
    .map_err(backend)?;
    tx.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![user.0, new_hash],
    )
    .map_err(backend)?;
    let ended = delete_sessions_of(&tx, user)?;
    tx.commit().map_err(backend)?;
    Ok((user, ended))
}

pub(crate) fn delete_user(
    conn: &mut Connection,
    user: UserId,
    free_username: bool,
    at: Timestamp,
) -> Result<DeletedAccount, StoreError> {
    let tx = conn.transaction().map_err(backend)?;
    let found = user_by_id(&tx, user)?.ok_or(StoreError::NotFound)?;
    if found.deleted {
        return Err(StoreError::NotFound);
    }
    let username = if free_username {
        format!("deleted-{}", user.0)
    } else {
        found.username.clone()
    };
    tx.execute(
        "UPDATE users SET username = ?2, display_name = 'Deleted user', status = '',
            password_hash = '', is_admin = 0, deleted_at = ?3,
            deactivated_at = COALESCE(deactivated_at, ?3)
         WHERE id = ?1",
        params![user.0, username, at.0],
    )
    .map_err(backend)?;
    ensure_an_admin(&tx)?;
    let sessions = delete_sessions_of(&tx, user)?;
    let rooms = {
        let mut stmt = tx
            .prepare("DELETE FROM room_members WHERE user_id = ?1 RETURNING room_id")
            .map_err(backend)?;
        let ids = stmt
            .query_map([user.0], |r| r.get(0).map(RoomId))
            .map_err(backend)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        ids
    };
    let files: Vec<FileInfo> = crate::files::owned_by(&tx, user)?;
    tx.execute("DELETE FROM files WHERE owner = ?1", [user.0])
        .map_err(backend)?;
    tx.execute("DELETE FROM password_resets WHERE user_id = ?1", [user.0])
        .map_err(backend)?;
    tx.commit().map_err(backend)?;
    Ok(DeletedAccount {
        sessions,
        rooms,
        files,
    })
}
