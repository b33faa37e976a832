//! The `natter` binary's library half: configuration and wiring, shared by `main` and the
//! integration tests so both start exactly the same server.

pub mod admin;
pub mod backup;
pub mod config;

use std::sync::Arc;

use anyhow::Context;
use natter_hub::LocalHub;
use natter_server::{Backends, DeviceKey, FsBlobs, Server};
use natter_store_sqlite::SqliteStore;

pub use config::{Config, Settings};

/// Opens the database in the data directory (migrating it) and binds the listener.
/// This is where back-ends are chosen: SQLite storage and in-process fan-out.
pub async fn bind(config: &Config) -> anyhow::Result<Server> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data dir {}", config.data_dir.display()))?;
    let db = config.data_dir.join("natter.db");
    let store = SqliteStore::open_with(&db, config.durability.into_store())
        .with_context(|| format!("opening {}", db.display()))?;
    let hub = LocalHub::new(config.server.outbound_queue)
        .with_max_per_user(config.server.max_ws_per_user);
    let blobs = FsBlobs::new(config.data_dir.join("files"));
    prepare_upload_dir(&config.server.upload_dir)?;
    if let Some(tls) = &config.server.tls {
        let own = config::self_signed_files(&config.data_dir);
        if tls.cert == own.cert && !own.cert.exists() {
            make_self_signed(&own, config.listen)?;
        }
    }
    let mut server_config = config.server.clone();
    server_config.device_key = device_key(&config.data_dir.join("device.key"))?;
    let backends = Backends {
        store: Arc::new(store),
        hub: Arc::new(hub),
        blobs: Arc::new(blobs),
    };
    let server = Server::bind(config.listen, backends, server_config)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    Ok(server)
}

/// The key that signs device tokens, kept in the data dir (readable by the owner only) so
/// devices stay known across restarts. Created on first start.
fn device_key(path: &std::path::Path) -> anyhow::Result<DeviceKey> {
    if let Ok(bytes) = std::fs::read(path) {
        if let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice()) {
            return Ok(DeviceKey::new(key));
        }
        tracing::warn!(path = %path.display(), "device key is damaged; making a new one");
    }
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).context("no randomness for the device key")?;
    natter_server::tls::write_secret(path, &key)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(DeviceKey::new(key))
}

/// Makes the self-signed certificate (for localhost, the loopback addresses and the listen
/// address) the first time it is asked for, with its key readable by the owner only.
fn make_self_signed(
    files: &natter_server::tls::TlsFiles,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if !listen.ip().is_unspecified() && !listen.ip().is_loopback() {
        names.push(listen.ip().to_string());
    }
    let (cert, key) = natter_server::tls::self_signed(&names).map_err(anyhow::Error::msg)?;
    if let Some(dir) = files.cert.parent() {
        std::fs::create_dir_all(dir)?;
    }
    natter_server::tls::write_secret(&files.key, key.as_bytes()).map_err(anyhow::Error::msg)?;
    std::fs::write(&files.cert, cert)?;
    tracing::info!(cert = %files.cert.display(), "made a self-signed certificate");
    Ok(())
}

/// Creates the upload spool directory and empties it of uploads a crash left half-received.
fn prepare_upload_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with("upload-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}
