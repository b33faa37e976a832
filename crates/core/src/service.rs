//! Use cases: the permission rules of accounts, rooms and messages, over a [`Store`].

use std::sync::Arc;

use crate::moderation::Contribution;
use crate::permissions::Limits;
use crate::rooms::Added;
use crate::{
    AppendOutcome, ClientId, DomainError, Error, FileId, Message, MessageBody, MessageId,
    NewMessage, NewRoom, PageVersion, Room, RoomId, RoomKind, RoomName, Store, Timestamp, Topic,
    User, UserId,
};

/// The most other people one DM can hold.
pub const MAX_DM_OTHERS: usize = 8;

pub struct DmOutcome {
    pub room: Room,
    pub created: bool,
    pub members: Vec<UserId>,
}

/// A message as a client asked to send it, before any checks.
#[derive(Debug, Clone, Copy)]
pub struct Send<'a> {
    pub room: RoomId,
    pub body: &'a str,
    pub client_id: Option<&'a str>,
    pub reply_to: Option<MessageId>,
    /// Uploaded files to attach; with any, the body may be empty.
    pub attachments: &'a [FileId],
}

/// Which page of history to read.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    Latest,
    After(i64),
    Before(i64),
    /// After the first seq and before the second, oldest first.
    Between(i64, i64),
}

/// The domain's entry point; cheap to clone.
#[derive(Clone)]
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) limits: Limits,
}

impl Service {
    pub fn new(store: Arc<dyn Store>, limits: Limits) -> Self {
        Service { store, limits }
    }

    /// The store, for the use cases in this crate only: nothing outside core reaches it.
    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Who hears about what happens in `room`: its members. The one place publishers get a
    /// room's audience from; it is not a permission check, so it is never shown to a caller.
    pub async fn audience(&self, room: RoomId) -> Result<Vec<UserId>, Error> {
        Ok(self.store.member_ids(room).await?)
    }

    /// Who hears `user` come and go unasked: everyone who shares with them a room of at most
    /// `room_limit` members (a DM is one). Presence is not private (anyone may watch anyone's),
    /// so this is a matter of cost, not permission: in bigger rooms, clients watch the people
    /// they show.
    pub async fn presence_peers(
        &self,
        user: UserId,
        room_limit: u32,
    ) -> Result<Vec<UserId>, Error> {
        Ok(self.store.presence_peers(user, room_limit).await?)
    }

    /// Commits a batch of sends that [`Service::prepare_send`] built (and so authorized), in
    /// one transaction, one outcome per send in order.
    pub async fn commit_messages(
        &self,
        batch: Vec<NewMessage>,
    ) -> Result<Vec<Result<AppendOutcome, Error>>, Error> {
        let outcomes = self.store.append_messages(batch).await?;
        Ok(outcomes
            .into_iter()
            .map(|o| o.map_err(Error::from))
            .collect())
    }

    /// The room if `user` may see it: public rooms to everyone, others to members only.
    /// Anything else is `NotFound`, so private rooms do not leak their existence.
    pub async fn visible_room(&self, user: UserId, room: RoomId) -> Result<Room, Error> {
        let found = self.store.room(room).await?.ok_or(Error::NotFound)?;
        if found.kind == RoomKind::Public || self.store.is_member(room, user).await? {
            Ok(found)
        } else {
            Err(Error::NotFound)
        }
    }

    /// The room if `user` is a member of it; `NotFound` if invisible, `Forbidden` if only visible.
    pub async fn member_room(&self, user: UserId, room: RoomId) -> Result<Room, Error> {
        let found = self.store.room(room).await?.ok_or(Error::NotFound)?;
        if !self.store.is_member(room, user).await? {
            return Err(outsider(&found));
        }
        Ok(found)
    }

    pub async fn create_room(
        &self,
        creator: UserId,
        name: RoomName,
        topic: Topic,
        kind: RoomKind,
    ) -> Result<Room, Error> {
        self.check_room_limit(creator).await?;
        if kind == RoomKind::Public {
            self.check_public_name(creator, name.as_str(), None).await?;
        }
        let new = NewRoom {
            name: name.into_string(),
            topic: topic.into_string(),
            kind,
            creator,
        };
        Ok(self.store.create_room(new).await?)
    }

    /// Joins a public room. The flag says whether the user was newly added.
    pub async fn join(&self, user: UserId, room: RoomId) -> Result<(Room, bool), Error> {
        let found = self.visible_room(user, room).await?;
        if found.kind != RoomKind::Public {
            // A visible non-public room means the user is already a member.
            return Ok((found, false));
        }
        if self.store.is_member(room, user).await? {
            return Ok((found, false));
        }
        if found.archived {
            return Err(Error::Forbidden("this room is archived"));
        }
        self.check_not_banned(room, user).await?;
        // Joining answers any invitation to the room.
        self.store.delete_room_invitation(room, user).await?;
        self.check_room_limit(user).await?;
        let added = self.store.add_member(room, user).await?;
        Ok((found, added))
    }

    /// Leaves a room. The flag says whether the user was a member.
    pub async fn leave(&self, user: UserId, room: RoomId) -> Result<bool, Error> {
        let found = self.visible_room(user, room).await?;
        if found.kind == RoomKind::Dm {
            return Err(Error::Forbidden("direct messages cannot be left"));
        }
        Ok(self.store.remove_member(room, user).await?)
    }

    /// A member changes the room's topic; an empty topic clears it. DMs have no topic.
    /// The flag says whether the topic changed; setting the same topic again writes nothing.
    pub async fn set_topic(
        &self,
        user: UserId,
        room: RoomId,
        topic: Topic,
    ) -> Result<(Room, bool), Error> {
        // Admins manage every room, joined or not; everyone else changes it as a member.
        let found = match self.member_room(user, room).await {
            Ok(found) => found,
            Err(e) if self.is_admin(user).await? && matches!(e, Error::Forbidden(_)) => {
                self.store.room(room).await?.ok_or(Error::NotFound)?
            }
            Err(e) => return Err(e),
        };
        if found.kind == RoomKind::Dm {
            return Err(Error::Forbidden("direct messages have no topic"));
        }
        if found.topic == topic.as_str() {
            return Ok((found, false));
        }
        if found.archived {
            return Err(Error::Forbidden("this room is archived"));
        }
        if !found.members_can_set_topic && !self.moderates(user, &found).await? {
            return Err(Error::Forbidden(
                "only the room's owner and moderators can change the topic here",
            ));
        }
        Ok((self.store.set_topic(room, topic).await?, true))
    }

    pub async fn members(&self, user: UserId, room: RoomId) -> Result<Vec<User>, Error> {
        self.visible_room(user, room).await?;
        Ok(self.store.room_members(room).await?)
    }

    /// A member adds someone to a room. To a public room, that is an invitation the person
    /// accepts by joining (or ignores): nobody is put into a public room without consent. To a
    /// private room, those who moderate it add people directly, and so do members if the room
    /// allows it.
    pub async fn add_member(
        &self,
        actor: UserId,
        room: RoomId,
        target: UserId,
    ) -> Result<(Room, Added), Error> {
        let found = self.member_room(actor, room).await?;
        if found.kind == RoomKind::Dm {
            return Err(Error::Forbidden(
                "members cannot be added to a direct message; open a new one",
            ));
        }
        if found.archived {
            return Err(Error::Forbidden("this room is archived"));
        }
        let user = self.store.user(target).await?.ok_or(Error::NotFound)?;
        if user.deleted || user.deactivated {
            return Err(Error::NotFound);
        }
        if self.store.is_member(room, target).await? {
            return Ok((found, Added::Already(user)));
        }
        self.check_not_banned(room, target).await?;
        if found.kind == RoomKind::Public && actor != target {
            self.store.put_room_invitation(room, target, actor).await?;
            return Ok((found, Added::Invited(user)));
        }
        if !found.members_can_add && !self.moderates(actor, &found).await? {
            return Err(Error::Forbidden(
                "only the room's owner and moderators can add people here",
            ));
        }
        self.check_room_limit(target).await?;
        self.store.add_member(room, target).await?;
        Ok((found, Added::Joined(user)))
    }

    /// The one DM room for `opener` and `others`, the same every time for the same people.
    /// `others` naming only the opener opens the opener's own notes: a DM of one member.
    pub async fn open_dm(&self, opener: UserId, others: &[UserId]) -> Result<DmOutcome, Error> {
        if others.is_empty() {
            return Err(DomainError::InvalidDmMembers.into());
        }
        let mut members: Vec<UserId> = others.iter().copied().filter(|u| *u != opener).collect();
        members.sort();
        members.dedup();
        if members.len() > MAX_DM_OTHERS {
            return Err(DomainError::InvalidDmMembers.into());
        }
        let mut names = Vec::with_capacity(members.len() + 1);
        for id in &members {
            let user = self.store.user(*id).await?;
            names.push(user.ok_or(Error::NotFound)?.username);
        }
        if self.store.blocked_by_any(&members, opener).await? {
            return Err(Error::Forbidden("you cannot message this person"));
        }
        let opener_user = self.store.user(opener).await?.ok_or(Error::NotFound)?;
        names.push(opener_user.username);
        names.sort();
        members.push(opener);
        members.sort();
        if self.store.find_dm(&members).await?.is_none() {
            for member in &members {
                self.check_room_limit(*member).await?;
            }
        }
        let (room, created) = self
            .store
            .find_or_create_dm(&members, names.join(", "))
            .await?;
        Ok(DmOutcome {
            room,
            created,
            members,
        })
    }

    /// Checks that `sender` may post in `room` and builds the message to append: rendered,
    /// with its mentions resolved and its reply checked to be in the same room.
    pub async fn prepare_send(&self, sender: UserId, send: Send<'_>) -> Result<NewMessage, Error> {
        let body = if send.attachments.is_empty() {
            MessageBody::parse(send.body)?
        } else {
            MessageBody::parse_caption(send.body)?
        };
        let client_id = send.client_id.map(ClientId::parse).transpose()?;
        // The room, membership and mute in one read, for what `member_room` and
        // `check_may_post` decide: every send asks.
        let now = Timestamp::now();
        let standing = self
            .store
            .standing(send.room, sender, now)
            .await?
            .ok_or(Error::NotFound)?;
        if !standing.member {
            return Err(outsider(&standing.room));
        }
        let room = standing.room;
        self.check_may_post_muted(sender, &room, Contribution::Message, standing.muted, now)
            .await?;
        if room.kind == RoomKind::Dm && self.store.blocked_in(room.id, sender).await? {
            return Err(Error::Forbidden("you cannot message this person"));
        }
        if let Some(parent) = send.reply_to {
            let found = self.store.message(parent).await?;
            if found.is_none_or(|p| p.room_id != room.id) {
                return Err(Error::NotFound);
            }
        }
        let attachments = match client_id {
            Some(_) => {
                self.check_retried_attachments(sender, send.attachments)
                    .await?
            }
            None => self.check_attachments(sender, send.attachments).await?,
        };
        let rendered = self.render(sender, &room, &body).await?;
        Ok(NewMessage {
            room_id: room.id,
            sender_id: sender,
            body,
            html: rendered.html,
            client_id,
            reply_to: send.reply_to,
            mentions: rendered.mentions,
            mentions_room: rendered.mentions_room,
            attachments,
        })
    }

    /// The version of `room`'s newest page, for a reader allowed to read it (as `history`).
    /// Two reads of the newest page under one version are equal, so it can be served again.
    pub async fn newest_page_version(
        &self,
        user: UserId,
        room: RoomId,
    ) -> Result<PageVersion, Error> {
        self.visible_room(user, room).await?;
        self.store.page_version(room).await?.ok_or(Error::NotFound)
    }

    /// A page of history, ascending, and whether more lies beyond it in the paging direction.
    pub async fn history(
        &self,
        user: UserId,
        room: RoomId,
        page: Page,
        limit: u32,
    ) -> Result<(Vec<Message>, bool), Error> {
        self.visible_room(user, room).await?;
        let limit = limit.clamp(1, 100);
        let mut messages = match page {
            Page::Latest => {
                self.store
                    .messages_before(room, i64::MAX, limit + 1)
                    .await?
            }
            Page::Before(seq) => self.store.messages_before(room, seq, limit + 1).await?,
            Page::After(seq) | Page::Between(seq, _) => {
                self.store.messages_after(room, seq, limit + 1).await?
            }
        };
        if let Page::Between(_, before) = page {
            messages.retain(|m| m.seq < before);
        }
        let has_more = messages.len() > limit as usize;
        if has_more {
            match page {
                Page::After(_) | Page::Between(..) => {
                    messages.pop();
                }
                Page::Latest | Page::Before(_) => {
                    messages.remove(0);
                }
            }
        }
        Ok((messages, has_more))
    }
}

/// What someone who is not a member of `room` is told when they act as one: `Forbidden` in a
/// public room, `NotFound` anywhere else (a private room's existence does not leak).
fn outsider(room: &Room) -> Error {
    match room.kind {
        RoomKind::Public => Error::Forbidden("join the room first"),
        _ => Error::NotFound,
    }
}
