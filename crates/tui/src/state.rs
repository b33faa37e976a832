//! What the client knows: rooms and their loaded messages, people, presence, typing, read
//! state and the outbox of messages not yet acknowledged. Only server frames and REST answers
//! change it, and it does no I/O, so the rules for resuming (what to `sync`, which copy of a
//! message to keep) are tested without a terminal or a server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use natter_client::proto::{
    ClientFrame, MemberEvent, Message, MessagesPage, ReadState, Room, ServerFrame, User,
};

pub use crate::held::Timeline;

/// How long a typing indicator lasts without a refresh.
pub const TYPING_TTL: Duration = Duration::from_secs(8);
/// A room more than this many messages behind is not replayed: its loaded messages are dropped
/// and it starts again from the newest, loading older history as the user scrolls.
const MAX_REPLAY: i64 = 500;

/// A message typed but not yet acknowledged by the server. It is sent (again) after every
/// resync until its `ack` arrives; the server stores a `client_id` once, so resending is safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub client_id: String,
    pub room_id: String,
    pub body: String,
    pub reply_to: Option<String>,
}

impl Pending {
    pub fn frame(&self) -> ClientFrame {
        ClientFrame::Send {
            room_id: self.room_id.clone(),
            body: self.body.clone(),
            client_id: Some(self.client_id.clone()),
            reply_to: self.reply_to.clone(),
            attachments: Vec::new(),
        }
    }
}

/// What the screen should do about a frame, beyond showing the new state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// Answer `ready` with this `sync`.
    Sync(ClientFrame),
    /// The resync is done: send the outbox.
    Synced,
    /// A new message arrived live in `room`.
    Arrived {
        room: String,
        seq: i64,
        mention: bool,
    },
    /// A send was refused; its text comes back to the user.
    Refused { pending: Pending, reason: String },
    /// These users are not known yet.
    NeedUsers(Vec<String>),
    /// A room's member list changed.
    MembersChanged(String),
    /// This user left the room (perhaps in another session).
    Left(String),
    /// The server reported an error not tied to a send.
    Error(String),
    /// The resync was refused for now (rate limited): send it again after this long.
    ResyncAfter(std::time::Duration),
}

/// Everything the client knows, changed only by [`State::apply`] and the `on_*` methods.
#[derive(Debug, Default)]
pub struct State {
    pub me: Option<User>,
    pub rooms: BTreeMap<String, Room>,
    pub timelines: HashMap<String, Timeline>,
    pub reads: HashMap<String, ReadState>,
    pub users: HashMap<String, User>,
    pub members: HashMap<String, Vec<String>>,
    pub online: HashSet<String>,
    pub blocked: HashSet<String>,
    pub typing: HashMap<String, HashMap<String, Instant>>,
    pub outbox: Vec<Pending>,
    /// Between `ready` and `synced`: messages are replayed, not new, and `ready`'s read
    /// state already counts them.
    pub replaying: bool,
}

impl State {
    pub fn my_id(&self) -> &str {
        self.me.as_ref().map(|u| u.id.as_str()).unwrap_or_default()
    }

    pub fn apply(&mut self, frame: ServerFrame) -> Vec<Follow> {
        match frame {
            ServerFrame::Ready {
                user,
                rooms,
                online,
                reads,
                blocked,
            } => self.on_ready(user, rooms, online, reads, blocked),
            ServerFrame::Message { message } => self.on_live(message),
            ServerFrame::MessageUpdated { message } => {
                self.update(message);
                Vec::new()
            }
            ServerFrame::Ack { client_id, message } => {
                self.outbox
                    .retain(|p| Some(&p.client_id) != client_id.as_ref());
                if let Some(timeline) = self.timelines.get_mut(&message.room_id) {
                    timeline.insert(message);
                }
                Vec::new()
            }
            ServerFrame::Read(read) => {
                self.reads.insert(read.room_id.clone(), read);
                Vec::new()
            }
            ServerFrame::Report { report } => {
                let name = self
                    .rooms
                    .get(&report.room_id)
                    .map_or("a room", |r| r.name.as_str());
                vec![Follow::Error(format!(
                    "a message was reported in {name}: {}",
                    report.reason
                ))]
            }
            ServerFrame::ReportResolved { action, .. } => {
                vec![Follow::Error(format!("your report was handled ({action})"))]
            }
            ServerFrame::RoomDeleted { room_id } => {
                self.forget_room(&room_id);
                vec![Follow::Left(room_id)]
            }
            ServerFrame::Invited { room, .. } => vec![Follow::Error(format!(
                "you were invited to {}: /join {} to accept",
                room.name, room.name
            ))],
            ServerFrame::User { user } => {
                self.me = Some(user);
                Vec::new()
            }
            ServerFrame::Blocked { user_id, blocked } => {
                if blocked {
                    self.blocked.insert(user_id);
                } else {
                    self.blocked.remove(&user_id);
                }
                Vec::new()
            }
            ServerFrame::Typing {
                room_id,
                user_id,
                active,
            } => {
                self.on_typing(room_id, user_id, active);
                Vec::new()
            }
            ServerFrame::Presence { user_id, online } => {
                if online {
                    self.online.insert(user_id);
                } else {
                    self.online.remove(&user_id);
                }
                Vec::new()
            }
            ServerFrame::Member {
                room_id,
                user_id,
                event,
            } => self.on_member(room_id, user_id, event),
            ServerFrame::Muted {
                room_id,
                user_id,
                muted,
                until,
            } => {
                if user_id != self.my_id() {
                    return Vec::new();
                }
                let name = self
                    .rooms
                    .get(&room_id)
                    .map_or("a room", |r| r.name.as_str());
                let note = match (muted, until) {
                    (true, Some(t)) => format!("you are muted in {name} until {t}"),
                    (true, None) => format!("you are muted in {name}"),
                    (false, _) => format!("you may post in {name} again"),
                };
                vec![Follow::Error(note)]
            }
            ServerFrame::Room { room } => {
                self.add_room(room);
                Vec::new()
            }
            ServerFrame::Synced { more } => {
                // Rooms the server stopped replaying at its cap: ask again from where the
                // replay got to (live messages may have arrived past it).
                let since: BTreeMap<String, i64> = more
                    .into_iter()
                    .filter(|(room, _)| self.timelines.contains_key(room))
                    .collect();
                if !since.is_empty() {
                    let revs = BTreeMap::new();
                    return vec![Follow::Sync(ClientFrame::Sync { since, revs })];
                }
                self.replaying = false;
                vec![Follow::Synced]
            }
            ServerFrame::Pong => Vec::new(),
            ServerFrame::Error {
                code,
                message,
                client_id: Some(id),
                ..
            } => self.on_refused(&id, &code, message),
            ServerFrame::Error {
                code,
                retry_after_ms: Some(ms),
                ..
            } if code == "rate_limited" && self.replaying => {
                vec![Follow::ResyncAfter(std::time::Duration::from_millis(ms))]
            }
            ServerFrame::Error { message, .. } => vec![Follow::Error(message)],
        }
    }

    /// Takes in `ready` and works out what to replay: for each room, everything after what this
    /// client holds, and the changes to what it holds.
    fn on_ready(
        &mut self,
        user: User,
        rooms: Vec<Room>,
        online: Vec<String>,
        reads: Vec<ReadState>,
        blocked: Vec<String>,
    ) -> Vec<Follow> {
        self.users.insert(user.id.clone(), user.clone());
        self.me = Some(user);
        self.online = online.into_iter().collect();
        self.blocked = blocked.into_iter().collect();
        self.reads = reads.into_iter().map(|r| (r.room_id.clone(), r)).collect();
        self.typing.clear();
        self.replaying = true;
        let ids: HashSet<&str> = rooms.iter().map(|r| r.id.as_str()).collect();
        self.timelines.retain(|id, _| ids.contains(id.as_str()));
        for room in &rooms {
            let timeline = self
                .timelines
                .entry(room.id.clone())
                .or_insert_with(|| Timeline::starting_at(room));
            if room.last_seq - timeline.synced_to > MAX_REPLAY {
                *timeline = Timeline::starting_at(room);
            }
        }
        self.rooms = rooms.into_iter().map(|r| (r.id.clone(), r)).collect();
        let mut follow = vec![Follow::Sync(self.sync_frame())];
        follow.extend(self.need_users(self.dm_member_ids()));
        follow
    }

    /// The `sync` that resumes every room from what this client holds: everything after the
    /// newest `seq` held, and the changes after the newest `rev` seen.
    pub fn sync_frame(&self) -> ClientFrame {
        let mut since = BTreeMap::new();
        let mut revs = BTreeMap::new();
        for (id, timeline) in &self.timelines {
            since.insert(id.clone(), timeline.synced_to);
            if !timeline.messages.is_empty() {
                revs.insert(id.clone(), timeline.rev_seen);
            }
        }
        ClientFrame::Sync { since, revs }
    }

    fn on_live(&mut self, message: Message) -> Vec<Follow> {
        let room = message.room_id.clone();
        let seq = message.seq;
        let mine = message.sender_id == self.my_id();
        let blocked = self.blocked.contains(&message.sender_id);
        let mention = !mine && !blocked && self.mentions_me(&message);
        if let Some(client_id) = &message.client_id {
            if mine {
                self.outbox.retain(|p| &p.client_id != client_id);
            }
        }
        if let Some(typing) = self.typing.get_mut(&room) {
            typing.remove(&message.sender_id);
        }
        let sender = message.sender_id.clone();
        let new = match self.timelines.get_mut(&room) {
            Some(timeline) => timeline.insert(message),
            None => false,
        };
        if !new || mine || self.replaying {
            return self.need_users(vec![sender]);
        }
        if let Some(read) = self.reads.get_mut(&room) {
            read.unread += 1;
            read.mentions += i64::from(mention);
        }
        let mut follow = vec![Follow::Arrived { room, seq, mention }];
        follow.extend(self.need_users(vec![sender]));
        follow
    }

    fn on_typing(&mut self, room: String, user: String, active: bool) {
        if user == self.my_id() {
            return;
        }
        let typing = self.typing.entry(room).or_default();
        if active {
            typing.insert(user, Instant::now());
        } else {
            typing.remove(&user);
        }
    }

    fn on_member(&mut self, room: String, user: String, event: MemberEvent) -> Vec<Follow> {
        if user == self.my_id() && event.departs() {
            self.forget_room(&room);
            return vec![Follow::Left(room)];
        }
        let members = self.members.entry(room.clone()).or_default();
        members.retain(|m| m != &user);
        if event == MemberEvent::Joined {
            members.push(user.clone());
        }
        let mut follow = vec![Follow::MembersChanged(room)];
        follow.extend(self.need_users(vec![user]));
        follow
    }

    fn on_refused(&mut self, client_id: &str, code: &str, message: String) -> Vec<Follow> {
        let Some(at) = self.outbox.iter().position(|p| p.client_id == client_id) else {
            return vec![Follow::Error(message)];
        };
        let pending = self.outbox.remove(at);
        let reason = if code == "forbidden" || code == "not_found" {
            format!("not sent: {message}")
        } else {
            format!("not sent ({code}): {message}")
        };
        vec![Follow::Refused { pending, reason }]
    }

    /// Takes a changed copy of a message (a frame or a REST answer) if it is newer than the
    /// one held.
    pub fn update(&mut self, message: Message) {
        if let Some(timeline) = self.timelines.get_mut(&message.room_id) {
            timeline.update(message);
        }
    }

    /// Adds a page of older history loaded over REST.
    pub fn on_older(&mut self, room: &str, page: MessagesPage) {
        let Some(timeline) = self.timelines.get_mut(room) else {
            return;
        };
        timeline.loading_older = false;
        timeline.has_older = page.has_more;
        for message in page.messages.into_iter().rev() {
            timeline.insert(message);
        }
    }

    /// A room this user just joined, created or was added to, or a room whose details changed.
    pub fn add_room(&mut self, room: Room) {
        self.timelines
            .entry(room.id.clone())
            .or_insert_with(|| Timeline::starting_at(&room));
        self.reads.entry(room.id.clone()).or_insert(ReadState {
            room_id: room.id.clone(),
            last_read: room.last_seq,
            unread: 0,
            mentions: 0,
        });
        self.rooms.insert(room.id.clone(), room);
    }

    pub fn forget_room(&mut self, room: &str) {
        self.rooms.remove(room);
        self.timelines.remove(room);
        self.reads.remove(room);
        self.members.remove(room);
        self.typing.remove(room);
    }

    pub fn set_members(&mut self, room: &str, users: Vec<User>) {
        let ids = users.iter().map(|u| u.id.clone()).collect();
        for user in users {
            self.users.insert(user.id.clone(), user);
        }
        self.members.insert(room.to_owned(), ids);
    }

    /// Ids in `ids` whose names are not known yet.
    pub fn need_users(&self, ids: Vec<String>) -> Vec<Follow> {
        let unknown: Vec<String> = ids
            .into_iter()
            .filter(|id| !self.users.contains_key(id))
            .collect();
        if unknown.is_empty() {
            Vec::new()
        } else {
            vec![Follow::NeedUsers(unknown)]
        }
    }

    fn dm_member_ids(&self) -> Vec<String> {
        self.rooms
            .values()
            .filter_map(|r| r.member_ids.clone())
            .flatten()
            .collect()
    }

    pub fn mentions_me(&self, message: &Message) -> bool {
        message.mentions_room || message.mentions.iter().any(|id| id == self.my_id())
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
