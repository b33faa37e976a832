//! Use cases beyond sending: edits, deletes, reactions, pins, threads, read state, search and
//! blocking, with the permission rule of each.

use crate::audit::{Actor, AuditKind, NewAuditEntry};
use crate::markup::{self, ROOM_MENTION};
use crate::moderation::Contribution;
use crate::store::{ChangeOutcome, MessageChange, SearchQuery, Toggle};
use crate::{
    Emoji, Error, Message, MessageBody, MessageId, ReadState, Room, RoomId, RoomKind, SearchHit,
    SearchTerms, Service, Timestamp, UserId,
};

/// What a body says beyond its text, worked out once per send or edit.
pub(crate) struct Rendered {
    pub html: String,
    pub mentions: Vec<UserId>,
    pub mentions_room: bool,
}

/// How deep search results may be paged.
pub const MAX_SEARCH_OFFSET: u32 = 1000;

/// Filters and paging of a search, as the caller asked.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    pub room: Option<RoomId>,
    pub sender: Option<UserId>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub offset: u32,
    pub limit: u32,
}

/// A thread: its first message and a page of replies.
pub struct Thread {
    pub root: Message,
    pub replies: Vec<Message>,
    pub has_more: bool,
}

impl Service {
    /// Renders `body` and resolves its mentions to members of `room`. `@room` is for those
    /// who moderate the room.
    pub(crate) async fn render(
        &self,
        author: UserId,
        room: &Room,
        body: &MessageBody,
    ) -> Result<Rendered, Error> {
        let mut names = markup::mentioned_names(body.as_str());
        let mentions_room = names.iter().any(|n| n == ROOM_MENTION);
        if mentions_room && !self.moderates(author, room).await? {
            return Err(Error::Forbidden(
                "only the room's owner, moderators and admins can mention @room",
            ));
        }
        names.retain(|n| n != ROOM_MENTION);
        let mut mentions = if names.is_empty() {
            Vec::new()
        } else {
            self.store().members_named(room.id, names).await?
        };
        mentions.retain(|u| *u != author);
        mentions.sort();
        Ok(Rendered {
            html: markup::render(body.as_str()),
            mentions,
            mentions_room,
        })
    }

    /// The message and its room, if `user` may read the room.
    pub async fn readable_message(
        &self,
        user: UserId,
        id: MessageId,
    ) -> Result<(Message, Room), Error> {
        let message = self.store().message(id).await?.ok_or(Error::NotFound)?;
        let room = self.visible_room(user, message.room_id).await?;
        Ok((message, room))
    }

    /// The message and its room, if `user` is a member of the room.
    async fn member_message(&self, user: UserId, id: MessageId) -> Result<(Message, Room), Error> {
        let message = self.store().message(id).await?.ok_or(Error::NotFound)?;
        let room = self.member_room(user, message.room_id).await?;
        Ok((message, room))
    }

    /// The sender edits their own message.
    pub async fn edit(
        &self,
        user: UserId,
        id: MessageId,
        body: &str,
    ) -> Result<ChangeOutcome, Error> {
        let (message, room) = self.member_message(user, id).await?;
        // A message that carries files may lose its caption; any other needs text.
        let body = if message.attachments.is_empty() {
            MessageBody::parse(body)?
        } else {
            MessageBody::parse_caption(body)?
        };
        if message.sender_id != user {
            return Err(Error::Forbidden("only the sender can edit a message"));
        }
        if room.archived {
            return Err(Error::Forbidden("this room is archived; it is read-only"));
        }
        if message.deleted_at.is_some() {
            return Err(Error::Forbidden("a deleted message cannot be edited"));
        }
        let rendered = self.render(user, &room, &body).await?;
        let change = MessageChange::Edit {
            body,
            html: rendered.html,
            mentions: rendered.mentions,
            mentions_room: rendered.mentions_room,
        };
        Ok(self.store().change_message(id, change).await?)
    }

    /// The sender deletes their own message; those who moderate the room delete anyone's,
    /// which the audit log records.
    pub async fn delete(&self, by: &Actor, id: MessageId) -> Result<ChangeOutcome, Error> {
        let user = by.user.ok_or(Error::NotFound)?;
        let (message, room) = self.visible_message_for_delete(user, id).await?;
        let allowed = message.sender_id == user || self.moderates(user, &room).await?;
        if !allowed {
            return Err(Error::Forbidden(
                "only the sender, the room's owner and admins can delete a message",
            ));
        }
        if message.deleted_at.is_some() {
            return Ok(ChangeOutcome {
                message,
                changed: false,
                removed_files: Vec::new(),
            });
        }
        let outcome = self
            .store()
            .change_message(id, MessageChange::Delete)
            .await?;
        if message.sender_id != user {
            let entry = NewAuditEntry::new(AuditKind::MessageDeleted, *by)
                .room(room.id)
                .user(message.sender_id)
                .detail(format!("message {}", id));
            self.audit(entry).await;
        }
        Ok(outcome)
    }

    /// Admins may delete in public rooms they have not joined; everyone else must be a member.
    async fn visible_message_for_delete(
        &self,
        user: UserId,
        id: MessageId,
    ) -> Result<(Message, Room), Error> {
        let (message, room) = self.readable_message(user, id).await?;
        if room.kind == RoomKind::Public
            && !self.store().is_member(room.id, user).await?
            && !self.moderates(user, &room).await?
        {
            return Err(Error::Forbidden("join the room first"));
        }
        Ok((message, room))
    }

    /// Adds or removes `user`'s reaction.
    pub async fn react(
        &self,
        user: UserId,
        id: MessageId,
        emoji: &str,
        on: Toggle,
    ) -> Result<ChangeOutcome, Error> {
        let emoji = Emoji::parse(emoji)?;
        let (message, room) = self.member_message(user, id).await?;
        if on == Toggle::On {
            self.check_may_post(user, &room, Contribution::Reaction)
                .await?;
        }
        if message.deleted_at.is_some() {
            return Err(Error::Forbidden("a deleted message cannot take reactions"));
        }
        let change = MessageChange::React { user, emoji, on };
        Ok(self.store().change_message(id, change).await?)
    }

    /// The room's owner and admins (anyone in a DM) pin and unpin.
    pub async fn pin(
        &self,
        user: UserId,
        id: MessageId,
        on: Toggle,
    ) -> Result<ChangeOutcome, Error> {
        let (message, room) = self.member_message(user, id).await?;
        if !self.moderates(user, &room).await? {
            return Err(Error::Forbidden(
                "only the room's owner and admins can pin messages",
            ));
        }
        if message.deleted_at.is_some() && on == Toggle::On {
            return Err(Error::Forbidden("a deleted message cannot be pinned"));
        }
        let change = MessageChange::Pin { on };
        Ok(self.store().change_message(id, change).await?)
    }

    pub async fn pins(&self, user: UserId, room: RoomId) -> Result<Vec<Message>, Error> {
        self.visible_room(user, room).await?;
        Ok(self.store().pinned(room).await?)
    }

    /// The thread `id` belongs to (or starts), with up to `limit` replies after `after`.
    pub async fn thread(
        &self,
        user: UserId,
        id: MessageId,
        after: i64,
        limit: u32,
    ) -> Result<Thread, Error> {
        let (message, _) = self.readable_message(user, id).await?;
        let root = match message.thread_root {
            Some(root_id) => self
                .store()
                .message(root_id)
                .await?
                .ok_or(Error::NotFound)?,
            None => message,
        };
        let limit = limit.clamp(1, 100);
        let mut replies = self.store().thread(root.id, after, limit + 1).await?;
        let has_more = replies.len() > limit as usize;
        replies.truncate(limit as usize);
        Ok(Thread {
            root,
            replies,
            has_more,
        })
    }

    /// Moves the caller's reading position in `room` forward.
    pub async fn mark_read(
        &self,
        user: UserId,
        room: RoomId,
        seq: i64,
    ) -> Result<ReadState, Error> {
        let found = self.member_room(user, room).await?;
        let seq = seq.clamp(0, found.last_seq);
        Ok(self.store().mark_read(room, user, seq).await?)
    }

    /// For `sync` with `revs`: up to `limit` messages of `room` with `seq <= up_to` that
    /// changed after `after_rev`, ascending by `rev`, if `user` may read the room.
    pub async fn changes(
        &self,
        user: UserId,
        room: RoomId,
        after_rev: i64,
        up_to: i64,
        limit: u32,
    ) -> Result<Vec<Message>, Error> {
        self.visible_room(user, room).await?;
        let limit = limit.clamp(1, 100);
        Ok(self
            .store()
            .changes_after(room, after_rev, up_to, limit)
            .await?)
    }

    pub async fn read_states(&self, user: UserId) -> Result<Vec<ReadState>, Error> {
        Ok(self.store().read_states(user).await?)
    }

    /// Full-text search over every room `user` may read (their rooms and public ones).
    pub async fn search(
        &self,
        user: UserId,
        words: &str,
        filter: SearchFilter,
    ) -> Result<Vec<SearchHit>, Error> {
        let terms = SearchTerms::parse(words)?;
        if let Some(room) = filter.room {
            self.visible_room(user, room).await?;
        }
        // Without a word to look for, nothing matches.
        let Some(terms) = terms else {
            return Ok(Vec::new());
        };
        let query = SearchQuery {
            user,
            terms: terms.as_str().to_owned(),
            room: filter.room,
            sender: filter.sender,
            from: filter.from,
            to: filter.to,
            offset: filter.offset.min(MAX_SEARCH_OFFSET),
            limit: filter.limit.clamp(1, 50),
        };
        Ok(self.store().search(query).await?)
    }

    /// Blocks or unblocks another user; `false` if nothing changed.
    pub async fn block(&self, user: UserId, target: UserId, on: Toggle) -> Result<bool, Error> {
        if user == target {
            return Err(Error::Forbidden("you cannot block yourself"));
        }
        self.store().user(target).await?.ok_or(Error::NotFound)?;
        Ok(self.store().set_block(user, target, on).await?)
    }

    pub async fn blocked(&self, user: UserId) -> Result<Vec<UserId>, Error> {
        Ok(self.store().blocked_by(user).await?)
    }
}
