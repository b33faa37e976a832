//! Publishing room, membership and typing events to the people they concern.

use natter_core::{Message, ReadState, Room, RoomId, User, UserId};
use natter_hub::{ConnId, Latest, Recipients};
use natter_proto::{MemberEvent, ServerFrame};

use crate::{wire, AppState};

impl AppState {
    /// Tells `users` (all their sessions) that `room` appeared for them or changed.
    pub(crate) async fn announce_room(&self, users: Vec<UserId>, room: &Room) {
        let frame = wire::frame(&ServerFrame::Room {
            room: wire::room(room),
        });
        self.hub()
            .publish(Recipients::Users(&users), frame, None)
            .await;
    }

    /// Tells every member of `room` (all their sessions) that it changed, with the whole room.
    pub(crate) async fn announce_room_to_members(&self, room: &Room) {
        match self.service().audience(room.id).await {
            Ok(members) => self.announce_room(members, room).await,
            // Changed but not delivered live: clients see the new room on their next `ready`.
            Err(e) => {
                tracing::error!(error = %e, room = %room.id, "could not load members to announce a room change");
            }
        }
    }

    /// The room's members and `user`, who may have just left it: everyone an event about
    /// `user` in `room` concerns. `None` (logged) if the members could not be loaded.
    async fn room_and(&self, room: RoomId, user: UserId) -> Option<Vec<UserId>> {
        match self.service().audience(room).await {
            Ok(mut to) => {
                if !to.contains(&user) {
                    to.push(user);
                }
                Some(to)
            }
            Err(e) => {
                tracing::error!(error = %e, %room, "could not load members to announce");
                None
            }
        }
    }

    /// Tells the room's members, and `user` themselves, that `user` joined or left.
    pub(crate) async fn announce_member(&self, room: RoomId, user: UserId, event: MemberEvent) {
        let Some(to) = self.room_and(room, user).await else {
            return;
        };
        let frame = wire::frame(&ServerFrame::Member {
            room_id: room.to_string(),
            user_id: user.to_string(),
            event,
        });
        self.hub()
            .publish(Recipients::Users(&to), frame, None)
            .await;
    }

    /// Tells the room's members that a stored message changed, with the whole message.
    pub(crate) async fn announce_change(&self, message: &Message) {
        let room = message.room_id;
        let to = match self.service().audience(room).await {
            Ok(ids) => ids,
            Err(e) => {
                // Changed but not delivered live: clients recover it with `sync` and `revs`.
                tracing::error!(error = %e, %room, "could not load members to announce a change");
                return;
            }
        };
        let frame = wire::frame(&ServerFrame::MessageUpdated {
            message: wire::message(message),
        });
        self.hub()
            .publish(Recipients::Users(&to), frame, None)
            .await;
    }

    /// Tells every session of `user` that their account changed (their role, for now).
    pub(crate) async fn announce_user(&self, user: &User) {
        let frame = wire::frame(&ServerFrame::User {
            user: wire::user(user),
        });
        self.hub()
            .publish(Recipients::Users(&[user.id]), frame, None)
            .await;
    }

    /// Tells the room's members, and `user`, that `user` was muted (with the mute) or unmuted.
    pub(crate) async fn announce_muted(
        &self,
        room: RoomId,
        user: UserId,
        mute: Option<&natter_core::Sanction>,
    ) {
        let Some(to) = self.room_and(room, user).await else {
            return;
        };
        let frame = wire::frame(&ServerFrame::Muted {
            room_id: room.to_string(),
            user_id: user.to_string(),
            muted: mute.is_some(),
            until: mute.and_then(|m| m.until).map(wire::time),
        });
        self.hub()
            .publish(Recipients::Users(&to), frame, None)
            .await;
    }

    /// Tells `members` (all their sessions) that a room is gone.
    pub(crate) async fn announce_room_deleted(&self, members: Vec<UserId>, room: RoomId) {
        let frame = wire::frame(&ServerFrame::RoomDeleted {
            room_id: room.to_string(),
        });
        self.hub()
            .publish(Recipients::Users(&members), frame, None)
            .await;
    }

    /// Tells every session of `user` that `by` invited them to a public room.
    pub(crate) async fn announce_invitation(&self, user: UserId, room: &Room, by: UserId) {
        let frame = wire::frame(&ServerFrame::Invited {
            room: wire::room(room),
            by: by.to_string(),
        });
        self.hub()
            .publish(Recipients::Users(&[user]), frame, None)
            .await;
    }

    /// Tells every session of `user` where they now are in a room.
    pub(crate) async fn announce_read(&self, user: UserId, read: &ReadState) {
        let frame = wire::frame(&ServerFrame::Read(wire::read_state(read)));
        self.hub()
            .publish(Recipients::Users(&[user]), frame, None)
            .await;
    }

    /// Tells every session of `user` that they blocked or unblocked `target`.
    pub(crate) async fn announce_block(&self, user: UserId, target: UserId, blocked: bool) {
        let frame = wire::frame(&ServerFrame::Blocked {
            user_id: target.to_string(),
            blocked,
        });
        self.hub()
            .publish(Recipients::Users(&[user]), frame, None)
            .await;
    }

    /// Tells the room's members, except the typing connection itself, that `user` is typing.
    pub(crate) async fn announce_typing(
        &self,
        room: RoomId,
        user: UserId,
        active: bool,
        from: ConnId,
    ) {
        let Ok(to) = self.service().audience(room).await else {
            return;
        };
        let frame = wire::frame(&ServerFrame::Typing {
            room_id: room.to_string(),
            user_id: user.to_string(),
            active,
        });
        // The latest replaces an earlier one not yet sent, outside the queue bound.
        let key = Latest::Typing(room, user);
        self.hub()
            .publish_latest(Recipients::Users(&to), key, frame, Some(from))
            .await;
    }
}
