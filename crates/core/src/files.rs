//! Files: who may attach, download and discard them. The bytes themselves never reach core;
//! the server streams them to a blob store and hands core only the metadata.

use crate::{Error, FileId, FileInfo, NewFile, Service, StoreError, Timestamp, Unattached, UserId};

/// The most files one message can carry.
pub const MAX_ATTACHMENTS: usize = 10;

/// `wanted` without repeats, in order; at most [`MAX_ATTACHMENTS`].
fn distinct(wanted: &[FileId]) -> Result<Vec<FileId>, Error> {
    let mut ids: Vec<FileId> = Vec::with_capacity(MAX_ATTACHMENTS);
    for id in wanted {
        if !ids.contains(id) {
            if ids.len() == MAX_ATTACHMENTS {
                return Err(crate::DomainError::TooManyAttachments.into());
            }
            ids.push(*id);
        }
    }
    Ok(ids)
}

impl Service {
    /// Checks the files a send wants to attach: at most [`MAX_ATTACHMENTS`], each the sender's
    /// own upload and not yet attached. Repeats are dropped, the order is kept. Someone else's
    /// file is `NotFound`, so file ids reveal nothing.
    pub(crate) async fn check_attachments(
        &self,
        sender: UserId,
        wanted: &[FileId],
    ) -> Result<Vec<FileId>, Error> {
        let ids = distinct(wanted)?;
        for id in &ids {
            let file = self.store().file(*id).await?;
            match file {
                Some(f) if f.owner == sender && f.message.is_none() => {}
                Some(f) if f.owner == sender => return Err(Error::Conflict("attachment")),
                _ => return Err(Error::NotFound),
            }
        }
        Ok(ids)
    }

    /// Like [`Service::check_attachments`], for a send with a `client_id`: the files of a retry
    /// that already went through are attached to the original, which the store answers the
    /// retry with, even if they were deleted since. So such files are let through here; the
    /// store attaches only the sender's unattached files, in the message's transaction, and
    /// refuses anything else with the same errors.
    pub(crate) async fn check_retried_attachments(
        &self,
        sender: UserId,
        wanted: &[FileId],
    ) -> Result<Vec<FileId>, Error> {
        match self.check_attachments(sender, wanted).await {
            Err(Error::Conflict(_) | Error::NotFound) => distinct(wanted),
            other => other,
        }
    }

    /// The file if `user` may download it: its owner always, and once it is shared, every
    /// member of the room it was shared in. Everyone else gets `NotFound`, as if it did not
    /// exist.
    pub async fn readable_file(&self, user: UserId, id: FileId) -> Result<FileInfo, Error> {
        let file = self.store().file(id).await?.ok_or(Error::NotFound)?;
        if file.owner == user {
            return Ok(file);
        }
        match file.message {
            Some((_, room)) if self.store().is_member(room, user).await? => Ok(file),
            _ => Err(Error::NotFound),
        }
    }

    /// Records an upload whose bytes are already stored, within the owner's `quota`.
    pub async fn record_file(&self, new: NewFile, quota: i64) -> Result<FileInfo, Error> {
        match self.store().create_file(new, quota).await {
            Err(StoreError::QuotaExceeded) => Err(Error::QuotaExceeded),
            other => Ok(other?),
        }
    }

    /// Bytes of every file the caller stores.
    pub async fn storage_used(&self, user: UserId) -> Result<i64, Error> {
        Ok(self.store().storage_used(user).await?)
    }

    /// Removes uploads never sent and older than `before`, returning them so their blobs can
    /// go too. The server's hourly sweep; no user acts here.
    pub async fn sweep_abandoned(&self, before: Timestamp) -> Result<Vec<FileInfo>, Error> {
        Ok(self
            .store()
            .remove_unattached(Unattached::OlderThan(before))
            .await?)
    }

    /// Discards an upload its owner has not sent. A sent file goes with its message instead.
    pub async fn discard_upload(&self, user: UserId, id: FileId) -> Result<FileInfo, Error> {
        let removed = self
            .store()
            .remove_unattached(Unattached::One { id, owner: user })
            .await?;
        match removed.into_iter().next() {
            Some(file) => Ok(file),
            None => match self.readable_file(user, id).await? {
                f if f.owner == user => Err(Error::Conflict("attachment")),
                _ => Err(Error::Forbidden("only the uploader can discard a file")),
            },
        }
    }
}
