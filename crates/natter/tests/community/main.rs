//! Running natter for a community: roles, limits, and (as they land) registration, invites,
//! moderation and the audit log, over real HTTP and WebSockets. One test binary for all of it,
//! so the server is linked once.

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod cli;
mod limits;
mod matrix;
mod moderation;
mod registration;
mod reports;
mod roles;
mod rooms;
mod terminal;
mod users;
mod world;
