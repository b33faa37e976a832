//! Domain records to wire types, and frame encoding. The only place that builds `proto` values
//! from `core` ones.

use natter_core::{Message, Room, RoomKind, Timestamp, User};
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

pub fn user(u: &User) -> proto::User {
    proto::User {
        id: u.id.to_string(),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        status: u.status.clone(),
        is_admin: u.is_admin,
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
        member_ids,
    }
}

pub fn message(m: &Message) -> proto::Message {
    proto::Message {
        id: m.id.to_string(),
        room_id: m.room_id.to_string(),
        seq: m.seq,
        sender_id: m.sender_id.to_string(),
        body: m.body.clone(),
        created_at: time(m.created_at),
        client_id: m.client_id.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
