//! natter on the open internet: rate limits, connection limits and deadlines, and the other
//! defences of a server that strangers can reach, over real HTTP and WebSockets. One test
//! binary for all of it, so the server is linked once.

#[path = "../common/mod.rs"]
mod common;

mod acme;
mod backup;
mod connections;
mod csrf;
mod export;
mod health;
mod metrics;
mod openapi;
mod privacy;
mod protocol;
mod rate_limits;
mod replay;
mod tls;
