//! The wire contract: REST bodies and WebSocket frames, exactly as clients see them.
//!
//! Every id is a JSON string, `seq` is a JSON integer, and times are RFC 3339 UTC strings.
//! Nothing here knows about storage or HTTP; the server maps domain types into these, and the
//! client library deserializes them. docs/protocol.md documents each type with an example.

pub mod admin;
mod rest;
mod ws;

pub use rest::*;
pub use ws::*;
