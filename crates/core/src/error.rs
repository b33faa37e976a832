//! Errors of the domain layer. The server maps [`Error`] to HTTP and WebSocket errors in one place.

use crate::Timestamp;

/// A value that failed to parse at the edge. `code()` is the machine-readable code on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("username must be 3 to 32 characters of a-z, 0-9, '_', '.' and '-'")]
    InvalidUsername,
    #[error("password must be 8 to {max} characters", max = crate::values::PASSWORD_MAX_CHARS)]
    InvalidPassword,
    #[error("display name must be 1 to 64 characters without control characters")]
    InvalidDisplayName,
    #[error("status must be at most 140 characters without control characters")]
    InvalidStatus,
    #[error("room name must be 1 to 64 characters without control characters")]
    InvalidRoomName,
    #[error("topic must be at most 500 characters without control characters")]
    InvalidTopic,
    #[error("message body must be 1 to 4000 characters after trimming")]
    InvalidBody,
    #[error("client_id must be 1 to 64 printable ASCII characters")]
    InvalidClientId,
    #[error("a direct message needs 1 to 8 existing users besides you (or only you, for notes to yourself)")]
    InvalidDmMembers,
    #[error("a reaction must be a single Unicode emoji")]
    InvalidEmoji,
    #[error("a search is at most 200 characters")]
    InvalidQuery,
    #[error(
        "a file name must be 1 to 255 characters without control characters or path \
         separators, and not . or .."
    )]
    InvalidFileName,
    #[error("the file is empty")]
    EmptyFile,
    #[error("a message carries at most {max} attachments", max = crate::MAX_ATTACHMENTS)]
    TooManyAttachments,
    #[error("the server name must be 1 to 64 characters without control characters")]
    InvalidServerName,
    #[error("a duration must be 1 second to 1 year; slow mode takes 0 to 3600 seconds")]
    InvalidDuration,
    #[error("default rooms must be up to 20 existing public rooms that are not archived")]
    InvalidDefaultRooms,
    #[error("a reason is at most 500 characters without control characters")]
    InvalidReason,
}

impl DomainError {
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidUsername => "invalid_username",
            DomainError::InvalidPassword => "invalid_password",
            DomainError::InvalidDisplayName => "invalid_display_name",
            DomainError::InvalidStatus => "invalid_status",
            DomainError::InvalidRoomName => "invalid_room_name",
            DomainError::InvalidTopic => "invalid_topic",
            DomainError::InvalidBody => "invalid_body",
            DomainError::InvalidClientId => "invalid_client_id",
            DomainError::InvalidDmMembers => "invalid_dm_members",
            DomainError::InvalidEmoji => "invalid_emoji",
            DomainError::InvalidQuery => "invalid_query",
            DomainError::InvalidFileName => "invalid_file_name",
            DomainError::EmptyFile => "empty_file",
            DomainError::TooManyAttachments => "too_many_attachments",
            DomainError::InvalidServerName => "invalid_server_name",
            DomainError::InvalidDuration => "invalid_duration",
            DomainError::InvalidDefaultRooms => "invalid_default_rooms",
            DomainError::InvalidReason => "invalid_reason",
        }
    }
}

/// What a storage back-end can report. Anything but the named cases is `Backend`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} already exists")]
    Conflict(&'static str),
    #[error("not found")]
    NotFound,
    /// Storing a file would take its owner past their storage quota.
    #[error("storage quota exceeded")]
    QuotaExceeded,
    /// The invite a sign-up named is unknown, revoked, expired or used up.
    #[error("invalid invite")]
    InvalidInvite,
    #[error("storage failure: {0}")]
    Backend(String),
}

/// The error of every use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] DomainError),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0} already in use")]
    Conflict(&'static str),
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("the server must keep at least one admin")]
    LastAdmin,
    #[error("this server is not taking new accounts; ask an admin for one")]
    RegistrationClosed,
    #[error("this server takes new accounts by invite only; ask a member for an invite link")]
    InviteRequired,
    #[error("this invite link is not valid: it may have expired, been used up or revoked")]
    InvalidInvite,
    #[error("this password reset link is not valid: it may have expired or been used")]
    InvalidResetLink,
    #[error("this account has been deactivated; ask an admin")]
    AccountDeactivated,
    /// Banned from the room, until then (`None`: for good).
    #[error("you are banned from this room")]
    Banned(Option<Timestamp>),
    /// Muted in the room, until then (`None`: until a moderator lifts it).
    #[error("you are muted in this room")]
    Muted(Option<Timestamp>),
    /// A destructive action that must repeat the name of what it destroys.
    #[error("confirm by sending the room's exact name")]
    ConfirmationRequired,
    /// Slow mode: the next message may come at this time.
    #[error("slow mode is on in this room")]
    SlowMode(Timestamp),
    #[error("this would take you past your storage quota; delete some files first")]
    QuotaExceeded,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict(what) => Error::Conflict(what),
            StoreError::QuotaExceeded => Error::QuotaExceeded,
            StoreError::InvalidInvite => Error::InvalidInvite,
            other => Error::Store(other),
        }
    }
}
