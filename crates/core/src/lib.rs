//! The domain: identifiers, validated values, permission rules and the use cases that run over
//! the [`Store`] trait.
//!
//! Core never does I/O of its own and knows nothing of HTTP, SQL or JSON. Input is parsed into
//! newtypes at the edge ([`Username::parse`], [`MessageBody::parse`], ...), so everything past
//! the edge is valid by type. Storage back-ends implement [`Store`] and prove it by passing the
//! conformance suite in [`testkit`].

mod accounts;
mod audit;
mod error;
mod export;
mod files;
mod ids;
mod invites;
pub mod markup;
mod model;
mod moderation;
mod names;
mod permissions;
mod reports;
mod rich;
mod rooms;
mod service;
mod settings;
mod store;
mod sync;
pub mod testkit;
mod users;
mod values;

pub use accounts::{Registered, MAX_USER_RESULTS};
pub use audit::{Actor, AuditEntry, AuditKind, AuditQuery, NewAuditEntry, MAX_AUDIT_PAGE};
pub use error::{DomainError, Error, StoreError};
pub use export::{ImportedMessage, RoomImport, EXPORT_PAGE};
pub use files::MAX_ATTACHMENTS;
pub use ids::{FileId, MessageId, RoomId, SessionId, UserId};
pub use invites::{Invite, NewInvite, INVITE_TTL_SECS, MAX_INVITE_USES};
pub use model::{
    FileInfo, ImageSize, Message, PageVersion, Reaction, ReadState, ReplyRef, Room, RoomInvitation,
    RoomKind, RoomRole, RoomSummary, SearchHit, Session, Timestamp, User, UserSummary,
};
pub use moderation::{Sanction, SanctionKind, MAX_SANCTION_SECS, MAX_SLOW_MODE_SECS};
pub use permissions::Limits;
pub use reports::{Effect, NewReport, Report, ReportAction, Resolution};
pub use rich::{SearchFilter, Thread, MAX_SEARCH_OFFSET};
pub use rooms::{Added, RoomChange, MAX_ROOM_PAGE};
pub use service::{DmOutcome, Page, Send, Service, MAX_DM_OTHERS};
pub use settings::{Registration, ServerSettings, SettingsChange};
pub use store::{
    AppendOutcome, ChangeOutcome, Credentials, DeletedAccount, MessageChange, NewFile, NewMessage,
    NewRoom, NewSession, NewUser, ProfileChange, RoomUpdate, SearchQuery, Standing, Store, Toggle,
    Unattached,
};
pub use sync::{Arrival, Replay};
pub use users::{MAX_USER_PAGE, RESET_TTL_SECS};
pub use values::{
    ClientId, DisplayName, Emoji, FileName, MessageBody, Password, Reason, RoomName, SearchTerms,
    ServerName, StatusText, TextRule, Topic, Username,
};
