//! Schema migrations, applied in order at open and tracked in `PRAGMA user_version`.

use rusqlite::Connection;

/// Each entry moves the schema from version `i` to `i + 1`. Never edit a released entry; append.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER
);
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('public', 'private', 'dm')),
    topic      TEXT NOT NULL DEFAULT '',
    dm_key     TEXT UNIQUE,
    last_seq   INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX rooms_public_name ON rooms(name COLLATE NOCASE) WHERE kind = 'public';
CREATE TABLE room_members (
    room_id   INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) WITHOUT ROWID;
CREATE INDEX room_members_user ON room_members(user_id, room_id);
CREATE TABLE messages (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    sender_id  INTEGER NOT NULL REFERENCES users(id),
    body       TEXT NOT NULL,
    client_id  TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (room_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages(sender_id, client_id) WHERE client_id IS NOT NULL;
INSERT INTO rooms (name, kind, topic, created_at)
    VALUES ('general', 'public', 'Everyone is here', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
"#,
    r#"
-- Rich messaging: edits, deletes, replies and threads, pins, mentions, reactions, read state,
-- full-text search and blocking.
ALTER TABLE rooms ADD COLUMN last_rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_members ADD COLUMN last_read INTEGER NOT NULL DEFAULT 0;
UPDATE room_members SET last_read = (SELECT last_seq FROM rooms WHERE rooms.id = room_id);
-- Someone who joins has read what came before.
CREATE TRIGGER room_members_start_read AFTER INSERT ON room_members BEGIN
    UPDATE room_members SET last_read = (SELECT last_seq FROM rooms WHERE id = NEW.room_id)
     WHERE room_id = NEW.room_id AND user_id = NEW.user_id;
END;
ALTER TABLE messages ADD COLUMN html TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
ALTER TABLE messages ADD COLUMN reply_to INTEGER REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN thread_root INTEGER REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at INTEGER;
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN mentions_room INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_rev ON messages(room_id, rev) WHERE rev > 0;
CREATE INDEX messages_thread ON messages(thread_root, seq) WHERE thread_root IS NOT NULL;
CREATE INDEX messages_pinned ON messages(room_id, pinned_at) WHERE pinned_at IS NOT NULL;
-- One row per mentioned member (`@room` expanded), for mention counts.
CREATE TABLE mentions (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, seq)
) WITHOUT ROWID;
CREATE TABLE reactions (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;
CREATE TABLE blocks (
    blocker    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    blocked    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker, blocked)
) WITHOUT ROWID;
CREATE INDEX blocks_blocked ON blocks(blocked, blocker);
-- Full-text index over message bodies, kept in step by triggers (new messages: see
-- migration 13). Deleted messages have an
-- empty body, so they drop out of it. Prefix indexes make the search-as-you-type prefix of
-- the last word one lookup instead of a merge of every word it starts.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.id, NEW.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body);
    INSERT INTO messages_fts (rowid, body) VALUES (NEW.id, NEW.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body);
END;
"#,
    r#"
-- Files: metadata of uploads; the bytes live in the blob store under `blob`. A file is
-- unattached (message_id NULL) until its owner sends it with a message.
CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    owner        INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    width        INTEGER,
    height       INTEGER,
    blob         TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    message_id   INTEGER REFERENCES messages(id),
    room_id      INTEGER REFERENCES rooms(id),
    position     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_owner ON files(owner);
CREATE INDEX files_message ON files(message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX files_unattached ON files(created_at) WHERE message_id IS NULL;
"#,
    r#"
-- Room roles: one owner per room (none in DMs), moderators, members. The creator of a room
-- owns it. Only non-member roles are indexed: listing a room's staff stays cheap in big rooms.
ALTER TABLE room_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('member', 'moderator', 'owner'));
UPDATE room_members SET role = 'owner'
 WHERE user_id = (SELECT created_by FROM rooms WHERE rooms.id = room_id AND rooms.kind != 'dm');
CREATE INDEX room_members_staff ON room_members(room_id, role) WHERE role != 'member';
CREATE UNIQUE INDEX room_members_one_owner ON room_members(room_id) WHERE role = 'owner';
"#,
    r#"
-- Administration: run-time settings, invites and the append-only audit log.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE invites (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    max_uses   INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE invite_uses (
    invite_id INTEGER NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    used_at   INTEGER NOT NULL,
    PRIMARY KEY (invite_id, user_id)
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    actor       INTEGER,
    target_user INTEGER,
    target_room INTEGER,
    addr        TEXT,
    reason      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_actor ON audit_log(actor, id);
CREATE INDEX audit_target_user ON audit_log(target_user, id);
CREATE INDEX audit_target_room ON audit_log(target_room, id);
-- The log can only grow or be pruned by age: no row is ever changed.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'audit entries cannot be changed');
END;
"#,
    r#"
-- Managing accounts: deactivation, deletion (the row stays, so messages keep their sender),
-- and one-time password reset links.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
CREATE TABLE password_resets (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
"#,
    r#"
-- Moderation: bans and mutes per room (one of each kind per person and room; `until` NULL is
-- for good), slow mode, and finding someone's last post in a room for it.
ALTER TABLE rooms ADD COLUMN slow_mode_secs INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sanctions (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
    until   INTEGER,
    reason  TEXT NOT NULL DEFAULT '',
    by_user INTEGER,
    at      INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id, kind)
) WITHOUT ROWID;
CREATE INDEX messages_sender_room ON messages(room_id, sender_id, seq);
"#,
    r#"
-- Managing rooms: archiving, who may change the topic or add people, and invitations to
-- public rooms waiting for their answer.
ALTER TABLE rooms ADD COLUMN archived_at INTEGER;
ALTER TABLE rooms ADD COLUMN members_can_set_topic INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rooms ADD COLUMN members_can_add INTEGER NOT NULL DEFAULT 0;
CREATE TABLE room_invitations (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    by_user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;
"#,
    r#"
-- Reports of messages, for the moderators' queue. One open report per reporter and message.
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL,
    room_id     INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    sender_id   INTEGER NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason      TEXT NOT NULL,
    excerpt     TEXT NOT NULL,
    at          INTEGER NOT NULL,
    resolved_by INTEGER,
    resolved_at INTEGER,
    action      TEXT,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX reports_open_once ON reports(message_id, reporter_id) WHERE resolved_at IS NULL;
CREATE INDEX reports_room ON reports(room_id, id);
"#,
    // 10: privacy and health. The full-text index overwrites what it deletes (deleted and
    // edited text leaves no segment behind; `secure_delete` on every connection zeroes freed
    // pages), and one row the health check writes to prove the database takes writes.
    r#"
INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
CREATE TABLE health_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
"#,
    // 11: each room's member count, kept by triggers in the transaction that changes the
    // membership, so presence can tell small rooms from big ones without counting members.
    r#"
ALTER TABLE rooms ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET member_count = (SELECT count(*) FROM room_members WHERE room_id = rooms.id);
CREATE TRIGGER room_members_count_in AFTER INSERT ON room_members BEGIN
    UPDATE rooms SET member_count = member_count + 1 WHERE id = NEW.room_id;
END;
CREATE TRIGGER room_members_count_out AFTER DELETE ON room_members BEGIN
    UPDATE rooms SET member_count = member_count - 1 WHERE id = OLD.room_id;
END;
"#,
    // 12: a counter for the changes to stored messages that neither a new seq nor a new rev
    // shows: a room deleted (its id may be given again) and an attached file deleted with its
    // owner's account. A room's newest page is cached under (last_seq, last_rev, this).
    r#"
CREATE TABLE page_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
INSERT INTO page_epoch (id, value) VALUES (1, 0);
CREATE TRIGGER page_epoch_room AFTER DELETE ON rooms BEGIN
    UPDATE page_epoch SET value = value + 1;
END;
CREATE TRIGGER page_epoch_file AFTER DELETE ON files WHEN OLD.message_id IS NOT NULL BEGIN
    UPDATE page_epoch SET value = value + 1;
END;
"#,
    // 13: new messages join the full-text index once per batch, in one statement at the end
    // of its transaction (`messages::index`), not by a trigger per insert.
    r#"
DROP TRIGGER messages_fts_insert;
"#,
    // 14: the full-text index merges its segments less eagerly. Every batch's commit writes a
    // segment; by default FTS5 merges 4 of a level at once and, at 16, merges them all inside
    // the commit that got there. Those commits were the sends' slowest: under `natter bench
    // sends` the ack p99 went from 22-23 ms to 17-19 ms, while a three-word search over 320,000
    // messages went from 0.6 to 2.4 ms.
    r#"
INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 16);
INSERT INTO messages_fts (messages_fts, rank) VALUES ('crisismerge', 64);
"#,
];

/// The version that added `messages.html`.
const RICH_MESSAGING: usize = 2;
/// The version that narrowed the HTML allowlist (links: http, https, mailto; `href` only), so
/// what was rendered before is rendered again; and that turned on secure deletion, so the
/// pages freed before are wiped once (`VACUUM`).
const STRICT_HTML_AND_SECURE_DELETE: usize = 10;

/// Renders every stored body again with the current renderer.
fn render_existing(tx: &Connection) -> rusqlite::Result<()> {
    let mut read = tx.prepare("SELECT id, body FROM messages")?;
    let mut write = tx.prepare("UPDATE messages SET html = ?2 WHERE id = ?1")?;
    let rows = read.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (id, body) = row?;
        write.execute(rusqlite::params![id, natter_core::markup::render(&body)])?;
    }
    Ok(())
}

pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        if i + 1 == RICH_MESSAGING || i + 1 == STRICT_HTML_AND_SECURE_DELETE {
            render_existing(&tx)?;
        }
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied migration");
    }
    if current > 0 && current < STRICT_HTML_AND_SECURE_DELETE {
        conn.execute_batch("VACUUM")?;
    }
    Ok(())
}
