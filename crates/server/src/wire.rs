//! Domain records to wire types, and frame encoding. The only place that builds `proto` values
//! from `core` ones.

use natter_core::{
    FileInfo, Message, ReadState, Room, RoomKind, SearchHit, Timestamp, User, UserId,
};
use natter_hub::Frame;
use natter_proto as proto;

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-21T10:45:11.123Z`.
pub fn time(ts: Timestamp) -> String {
    let nanos = i128::from(ts.0) * 1_000_000;
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// Which end of a day a bare date means.
#[derive(Debug, Clone, Copy)]
pub enum DayEdge {
    Start,
    End,
}

/// An RFC 3339 time, or a `YYYY-MM-DD` date taken at the start or end of that day, UTC.
pub fn parse_time(raw: &str, edge: DayEdge) -> Option<Timestamp> {
    use time::format_description::well_known::Rfc3339;
    let at = match time::OffsetDateTime::parse(raw, &Rfc3339) {
        Ok(t) => t,
        Err(_) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let day = time::Date::parse(raw, &format).ok()?;
            let start = day.midnight().assume_utc().unix_timestamp() * 1000;
            // Counted in milliseconds, so that the last day of year 9999 has an end too.
            return Some(Timestamp(match edge {
                DayEdge::Start => start,
                DayEdge::End => start + 86_400_000,
            }));
        }
    };
    let millis = at.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(millis).ok().map(Timestamp)
}

pub fn user(u: &User) -> proto::User {
    proto::User {
        id: u.id.to_string(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        status: u.status.clone(),
        is_admin: u.is_admin,
        deactivated: u.deactivated,
        deleted: u.deleted,
        last_seen: u.last_seen.map(time),
    }
}

pub fn room(r: &Room) -> proto::Room {
    let kind = match r.kind {
        RoomKind::Public => proto::RoomKind::Public,
        RoomKind::Private => proto::RoomKind::Private,
        RoomKind::Dm => proto::RoomKind::Dm,
    };
    let member_ids =
        (r.kind == RoomKind::Dm).then(|| r.dm_members.iter().map(|u| u.to_string()).collect());
    proto::Room {
        id: r.id.to_string(),
        name: r.name.clone(),
        kind,
        topic: r.topic.clone(),
        last_seq: r.last_seq,
        last_rev: r.last_rev,
        owner_id: r.owner.map(|u| u.to_string()),
        moderator_ids: ids(&r.moderators),
        slow_mode_secs: r.slow_mode_secs,
        archived: r.archived,
        members_can_set_topic: r.members_can_set_topic,
        members_can_add: r.members_can_add,
        member_ids,
    }
}

fn ids(users: &[UserId]) -> Vec<String> {
    users.iter().map(|u| u.to_string()).collect()
}

pub fn attachment(f: &FileInfo) -> proto::Attachment {
    proto::Attachment {
        id: f.id.to_string(),
        name: f.name.clone(),
        content_type: f.content_type.clone(),
        size: f.size,
        image: f.image.map(|i| proto::ImageSize {
            width: i.width,
            height: i.height,
        }),
    }
}

pub fn message(m: &Message) -> proto::Message {
    proto::Message {
        id: m.id.to_string(),
        room_id: m.room_id.to_string(),
        seq: m.seq,
        sender_id: m.sender_id.to_string(),
        body: m.body.clone(),
        html: m.html.clone(),
        created_at: time(m.created_at),
        client_id: m.client_id.clone(),
        rev: m.rev,
        edited_at: m.edited_at.map(time),
        deleted: m.deleted_at.is_some(),
        reply_to: m.reply_to.as_ref().map(|r| proto::ReplyRef {
            id: r.id.to_string(),
            seq: r.seq,
            sender_id: r.sender_id.to_string(),
            excerpt: r.excerpt.clone(),
            deleted: r.deleted,
        }),
        thread_root: m.thread_root.map(|id| id.to_string()),
        reply_count: m.reply_count,
        last_reply_at: m.last_reply_at.map(time),
        pinned_at: m.pinned_at.map(time),
        mentions: ids(&m.mentions),
        mentions_room: m.mentions_room,
        reactions: m
            .reactions
            .iter()
            .map(|r| proto::Reaction {
                emoji: r.emoji.clone(),
                user_ids: ids(&r.users),
            })
            .collect(),
        attachments: m.attachments.iter().map(attachment).collect(),
    }
}

pub fn read_state(r: &ReadState) -> proto::ReadState {
    proto::ReadState {
        room_id: r.room_id.to_string(),
        last_read: r.last_read,
        unread: r.unread,
        mentions: r.mentions,
    }
}

pub fn search_hit(h: &SearchHit) -> proto::SearchHit {
    proto::SearchHit {
        message: message(&h.message),
        snippet_html: snippet_html(&h.snippet),
    }
}

/// The store marks matches with STX and ETX; the wire has escaped text with `<mark>`.
fn snippet_html(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 32);
    for c in snippet.chars() {
        match c {
            '\u{2}' => out.push_str("<mark>"),
            '\u{3}' => out.push_str("</mark>"),
            c => push_escaped(&mut out, c),
        }
    }
    out
}

/// Appends `c` made safe for HTML, inside elements or attribute values.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// Serializes a frame once; the result is shared by every recipient.
pub fn encode(frame: &proto::ServerFrame) -> String {
    // Serializing these plain structs cannot fail: no maps with non-string keys, no floats.
    serde_json::to_string(frame).unwrap_or_default()
}

pub fn frame(frame: &proto::ServerFrame) -> Frame {
    Frame::new(encode(frame))
}

/// A frame that carries message `m`, tagged with its room and seq.
pub fn message_frame(frame: &proto::ServerFrame, m: &Message) -> Frame {
    Frame::with_seq(encode(frame), m.room_id, m.seq)
}

pub fn registration(r: natter_core::Registration) -> proto::admin::Registration {
    use natter_core::Registration as R;
    match r {
        R::Open => proto::admin::Registration::Open,
        R::Invite => proto::admin::Registration::Invite,
        R::Closed => proto::admin::Registration::Closed,
    }
}

pub fn registration_from(r: proto::admin::Registration) -> natter_core::Registration {
    use proto::admin::Registration as R;
    match r {
        R::Open => natter_core::Registration::Open,
        R::Invite => natter_core::Registration::Invite,
        R::Closed => natter_core::Registration::Closed,
    }
}

pub fn settings(s: &natter_core::ServerSettings) -> proto::admin::Settings {
    proto::admin::Settings {
        server_name: s.server_name.clone(),
        registration: registration(s.registration),
        members_can_invite: s.members_can_invite,
        reuse_usernames: s.reuse_usernames,
        default_room_ids: s
            .default_rooms
            .as_ref()
            .map(|ids| ids.iter().map(|r| r.to_string()).collect()),
    }
}

/// An invite; `token` only in the answer that creates it.
pub fn invite(i: &natter_core::Invite, token: Option<String>) -> proto::admin::Invite {
    proto::admin::Invite {
        id: i.id.to_string(),
        created_by: i.created_by.map(|u| u.to_string()),
        created_at: time(i.created_at),
        expires_at: time(i.expires_at),
        max_uses: i.max_uses,
        revoked_at: i.revoked_at.map(time),
        uses: i
            .used_by
            .iter()
            .map(|(user, at)| proto::admin::InviteUse {
                user_id: user.to_string(),
                used_at: time(*at),
            })
            .collect(),
        usable: i.usable(Timestamp::now()),
        token,
    }
}

pub fn audit_entry(e: &natter_core::AuditEntry) -> proto::admin::AuditEntry {
    let entry = &e.entry;
    proto::admin::AuditEntry {
        id: e.id.to_string(),
        at: time(e.at),
        kind: entry.kind.as_str().to_owned(),
        actor_id: entry.actor.user.map(|u| u.to_string()),
        target_user_id: entry.target_user.map(|u| u.to_string()),
        target_room_id: entry.target_room.map(|r| r.to_string()),
        addr: entry.actor.addr.map(|a| a.to_string()),
        reason: entry.reason.clone(),
        detail: entry.detail.clone(),
    }
}

pub fn user_summary(s: &natter_core::UserSummary) -> proto::admin::UserSummary {
    proto::admin::UserSummary {
        user: user(&s.user),
        created_at: time(s.user.created_at),
        sessions: s.sessions,
    }
}

pub fn room_summary(s: &natter_core::RoomSummary) -> proto::admin::RoomSummary {
    proto::admin::RoomSummary {
        room: room(&s.room),
        members: s.members,
    }
}

pub fn invitation(i: &natter_core::RoomInvitation) -> proto::admin::RoomInvitation {
    proto::admin::RoomInvitation {
        room: room(&i.room),
        by: i.by.to_string(),
        at: time(i.at),
    }
}

pub fn report(r: &natter_core::Report) -> proto::admin::Report {
    proto::admin::Report {
        id: r.id.to_string(),
        message_id: r.message.to_string(),
        room_id: r.room.to_string(),
        sender_id: r.sender.to_string(),
        reporter_id: r.reporter.to_string(),
        reason: r.reason.clone(),
        excerpt: r.excerpt.clone(),
        at: time(r.at),
        resolution: r
            .resolution
            .as_ref()
            .map(|x| proto::admin::ReportResolution {
                action: x.action.clone(),
                by: x.by.map(|u| u.to_string()),
                at: time(x.at),
                note: x.note.clone(),
            }),
    }
}

pub fn sanction(s: &natter_core::Sanction) -> proto::admin::Sanction {
    proto::admin::Sanction {
        room_id: s.room.to_string(),
        user_id: s.user.to_string(),
        kind: s.kind.as_str().to_owned(),
        until: s.until.map(time),
        reason: s.reason.clone(),
        by: s.by.map(|u| u.to_string()),
        at: time(s.at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_escape_text_and_mark_matches() {
        assert_eq!(
            snippet_html("a <b> \u{2}deploy\u{3} & 'x'"),
            "a &lt;b&gt; <mark>deploy</mark> &amp; &#39;x&#39;"
        );
    }

    #[test]
    fn times_are_rfc3339_utc_with_milliseconds() {
        assert_eq!(
            time(Timestamp(1_700_000_000_123)),
            "2023-11-14T22:13:20.123Z"
        );
        assert_eq!(
            time(Timestamp(1_700_000_000_100)),
            "2023-11-14T22:13:20.100Z"
        );
    }
}
