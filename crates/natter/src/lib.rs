//! The `natter` binary's library half: configuration and wiring, shared by `main` and the
//! integration tests so both start exactly the same server.

pub mod config;

use std::sync::Arc;

use anyhow::Context;
use natter_hub::LocalHub;
use natter_server::Server;
use natter_store_sqlite::SqliteStore;

pub use config::{Config, Settings};

/// Opens the database in the data directory (migrating it) and binds the listener.
/// This is where back-ends are chosen: SQLite storage and in-process fan-out.
pub async fn bind(config: &Config) -> anyhow::Result<Server> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    let db = config.data_dir.join("natter.db");
    let store = SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
    let hub = LocalHub::new(config.server.outbound_queue);
    let server = Server::bind(
        config.listen,
        Arc::new(store),
        Arc::new(hub),
        config.server.clone(),
    )
    .await
    .with_context(|| format!("binding {}", config.listen))?;
    Ok(server)
}
