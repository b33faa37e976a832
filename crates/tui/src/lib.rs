//! The terminal client's building blocks (`natter chat`): the pieces that do not need a
//! terminal. Parsing what the user types ([`commands`]), showing Markdown as terminal styles
//! ([`markdown`]) and keeping the session token between runs ([`session`]).
//!
//! This crate exists so the server never compiles ratatui, and the terminal client never
//! compiles axum: it talks to the server only through `natter-client`.

pub mod commands;
pub mod markdown;
pub mod session;
