//! What people take away and bring in: a person's own data, a room's whole history for its
//! owner or an admin, and a room brought in from another natter server's export.

use crate::audit::Actor;
use crate::{
    Error, FileInfo, Message, MessageBody, MessageId, NewMessage, Room, RoomId, RoomKind, RoomName,
    RoomRole, Send, Service, Topic, UserId,
};

/// The most messages one export page reads.
pub const EXPORT_PAGE: u32 = 500;

/// A room as another server exported it, parsed: what an import recreates.
#[derive(Debug, Clone)]
pub struct RoomImport {
    pub name: RoomName,
    pub topic: Topic,
    pub kind: RoomKind,
    /// In their original order.
    pub messages: Vec<ImportedMessage>,
}

/// One message of an export. Its sender is a name on the other server, never an account
/// here, so the import attributes it in the text and nobody can be impersonated.
#[derive(Debug, Clone)]
pub struct ImportedMessage {
    pub sender: String,
    /// When it was sent, as the export wrote it.
    pub at: String,
    pub body: String,
}

impl ImportedMessage {
    /// The body as posted here: who wrote it and when, then what they wrote, cut to fit.
    fn text(&self) -> String {
        let sender: String = self
            .sender
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect();
        let at: String = self
            .at
            .chars()
            .filter(|c| !c.is_control())
            .take(40)
            .collect();
        let head = format!("**{sender}** · {at}\n");
        let room = MessageBody::MAX_CHARS.saturating_sub(head.chars().count() + 1);
        // Control characters a message may not hold are dropped, not a reason to refuse all.
        let kept: String = self
            .body
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .collect();
        let mut body: String = kept.chars().take(room).collect();
        if body.chars().count() < kept.chars().count() {
            body.push('…');
        }
        format!("{head}{body}")
    }
}

impl Service {
    /// The messages `user` sent, in every room, oldest first (for their own export).
    pub async fn own_messages(
        &self,
        user: UserId,
        after: MessageId,
    ) -> Result<Vec<Message>, Error> {
        Ok(self
            .store
            .messages_by_sender(user, after, EXPORT_PAGE)
            .await?)
    }

    /// Every file `user` uploaded.
    pub async fn own_files(&self, user: UserId) -> Result<Vec<FileInfo>, Error> {
        Ok(self.store.files_of(user).await?)
    }

    /// The room if `user` may export it: its owner, or a server admin. Others who can see it
    /// get `Forbidden`; those who cannot, `NotFound`.
    pub async fn exportable_room(&self, user: UserId, room: RoomId) -> Result<Room, Error> {
        let found = self.visible_room(user, room).await?;
        let owner = self.role_in(user, room).await? == Some(RoomRole::Owner);
        if owner || self.is_admin(user).await? {
            Ok(found)
        } else {
            Err(Error::Forbidden(
                "only the room's owner or an admin can export it",
            ))
        }
    }

    /// A file attached in `room`, for its export by someone who may export the room (an admin
    /// need not be a member of a public room to export it, files included).
    pub async fn exported_file(
        &self,
        user: UserId,
        room: RoomId,
        id: crate::FileId,
    ) -> Result<FileInfo, Error> {
        self.exportable_room(user, room).await?;
        let file = self.store.file(id).await?.ok_or(Error::NotFound)?;
        if file.message.map(|(_, r)| r) != Some(room) {
            return Err(Error::NotFound);
        }
        Ok(file)
    }

    /// One page of a room's history for its export, with the permission checked again.
    pub async fn export_page(
        &self,
        user: UserId,
        room: RoomId,
        after_seq: i64,
    ) -> Result<Vec<Message>, Error> {
        self.exportable_room(user, room).await?;
        Ok(self
            .store
            .messages_after(room, after_seq, EXPORT_PAGE)
            .await?)
    }

    /// Creates the imported room (admins only; the name must not look like an existing
    /// public room's) and returns it with its messages ready for the pipeline, in order, each
    /// sent by the importing admin and naming its original sender and time.
    pub async fn import_room(
        &self,
        by: &Actor,
        import: RoomImport,
    ) -> Result<(Room, Vec<NewMessage>), Error> {
        self.require_admin(by).await?;
        let admin = by
            .user
            .ok_or(Error::Forbidden("an account must import rooms"))?;
        let kind = match import.kind {
            RoomKind::Dm => RoomKind::Private,
            other => other,
        };
        let room = self
            .create_room(admin, import.name, import.topic, kind)
            .await?;
        let mut news = Vec::with_capacity(import.messages.len());
        for message in &import.messages {
            let text = message.text();
            let send = Send {
                room: room.id,
                body: &text,
                client_id: None,
                reply_to: None,
                attachments: &[],
            };
            news.push(self.prepare_send(admin, send).await?);
        }
        Ok((room, news))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_message_names_its_sender_and_always_fits() {
        let short = ImportedMessage {
            sender: "Alice".into(),
            at: "2026-11-21 10:06".into(),
            body: "hello".into(),
        };
        assert_eq!(short.text(), "**Alice** · 2026-11-21 10:06\nhello");
        let long = ImportedMessage {
            sender: "B\nob".into(),
            at: "x".into(),
            body: "y".repeat(5000),
        };
        let text = long.text();
        assert!(MessageBody::parse(&text).is_ok());
        assert!(text.starts_with("**Bob** · x\n") && text.ends_with('…'));
    }
}
