//! The HTTP API and WebSocket gateway over the domain [`Service`] and a fan-out [`Hub`].
//!
//! [`Server::bind`] binds the listener first (so callers know the address before anything
//! runs); [`Server::run`] serves until the shutdown future resolves, then closes WebSockets
//! with 1001 and lets in-flight message writes commit before returning.

pub mod acme;
mod assets;
mod auth;
mod body_rate;
mod csrf;
mod device;
mod error;
mod events;
mod extract;
mod files;
mod hasher;
mod last_seen;
mod limits;
mod listen;
mod metrics;
mod pages;
mod peer;
mod pipeline;
mod presence;
mod routes;
mod sweeper;
pub mod tls;
mod wire;
mod ws;

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use natter_core::{Limits, Registration, Service, Store};
use natter_hub::Hub;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

pub use auth::{new_token, token_hash};
pub use body_rate::BodyRate;
pub use device::DeviceKey;
pub use error::ApiError;
pub use files::{Blob, BlobStore, FsBlobs};
pub use hasher::Hasher;
pub use limits::{Limit, Rate, RateConfig};
pub use listen::descriptor_budget;

/// A secret setting: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Settings of the HTTP and WebSocket layers. The binary fills this from its configuration.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Origins besides the server's own that may open a cookie-authenticated WebSocket.
    pub allowed_origins: Vec<String>,
    pub session_ttl: Duration,
    /// Mark the session cookie `Secure` (set when serving over HTTPS).
    pub secure_cookies: bool,
    /// How often the server pings each WebSocket.
    pub heartbeat_interval: Duration,
    /// A WebSocket that sends nothing (not even a pong) for this long is closed.
    pub idle_timeout: Duration,
    /// A typing indicator not refreshed for this long ends by itself.
    pub typing_ttl: Duration,
    /// Frames a connection may have queued before it is told to resync and disconnected.
    pub outbound_queue: usize,
    /// Rooms of at most this many members (DMs among them) share presence unasked: whoever
    /// shares one with a person hears them come and go. Bigger rooms do not, or N people
    /// coming online would cost N² frames; clients watch the people they show instead.
    pub presence_room_limit: u32,
    /// A single WebSocket write that takes longer than this drops the connection.
    pub write_timeout: Duration,
    /// Largest accepted REST body and WebSocket message, in bytes.
    pub max_body_bytes: usize,
    /// Largest file a user may upload, in bytes.
    pub max_file_bytes: u64,
    /// How many bytes of files each user may store in all.
    pub storage_quota_bytes: u64,
    /// Where uploads are spooled while they arrive: on the same filesystem as the blobs, so a
    /// finished upload is moved, not copied.
    pub upload_dir: PathBuf,
    /// What the domain limits: rooms per account, ...
    pub limits: Limits,
    /// If set, the registration mode is made this at start (and audited when it changes);
    /// otherwise the stored setting stands.
    pub registration: Option<Registration>,
    /// Audit entries older than this are pruned.
    pub audit_retention: Duration,
    /// How often each user, address, account and device may do each costly thing.
    pub rate_limits: RateConfig,
    /// The most messages one `sync` replays per room; past it the client is told to ask again.
    pub sync_replay_max: u32,
    /// Peers whose `X-Forwarded-For` is believed: the reverse proxies in front of the server.
    pub trusted_proxies: Vec<IpAddr>,
    /// The secret that signs device tokens (see `device`).
    pub device_key: DeviceKey,
    /// A request's head must arrive within this; an idle keep-alive connection closes after it.
    pub header_read_timeout: Duration,
    /// How fast a request body must keep arriving.
    pub body_rate: BodyRate,
    /// Connections open at once from one address (trusted proxies are exempt).
    pub max_conns_per_addr: usize,
    /// Connections open at once in all; `None` takes it from the open-files limit at start.
    pub max_connections: Option<usize>,
    /// WebSockets one account may have open at once; a new one past it closes the oldest.
    pub max_ws_per_user: usize,
    /// With it, `/metrics` on the main address answers requests that carry it as a bearer
    /// token. A secret: never printed or logged.
    pub metrics_token: Option<Secret>,
    /// A separate address serving `/metrics` with no token (bind it where only the scraper
    /// reaches).
    pub metrics_listen: Option<SocketAddr>,
    /// Serve HTTPS with this certificate and key (reloaded on SIGHUP); HSTS comes with it.
    pub tls: Option<tls::TlsFiles>,
    /// With TLS: a plain-HTTP address that only redirects to HTTPS (and answers ACME's
    /// HTTP-01 challenges).
    pub redirect_listen: Option<SocketAddr>,
    /// Obtain and renew the TLS certificate over ACME; `tls` then names its files.
    pub acme: Option<acme::AcmeConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            allowed_origins: Vec::new(),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            secure_cookies: false,
            heartbeat_interval: Duration::from_secs(25),
            idle_timeout: Duration::from_secs(60),
            typing_ttl: Duration::from_secs(6),
            outbound_queue: 256,
            presence_room_limit: 250,
            write_timeout: Duration::from_secs(10),
            max_body_bytes: 64 * 1024,
            max_file_bytes: 25 * 1024 * 1024,
            storage_quota_bytes: 1024 * 1024 * 1024,
            upload_dir: std::env::temp_dir(),
            limits: Limits::default(),
            registration: None,
            audit_retention: Duration::from_secs(365 * 24 * 3600),
            rate_limits: RateConfig::default(),
            sync_replay_max: 500,
            trusted_proxies: Vec::new(),
            device_key: DeviceKey::random(),
            header_read_timeout: Duration::from_secs(30),
            body_rate: BodyRate {
                min_rate: 4096,
                grace: Duration::from_secs(20),
            },
            max_conns_per_addr: 256,
            max_connections: None,
            max_ws_per_user: 20,
            metrics_token: None,
            metrics_listen: None,
            tls: None,
            redirect_listen: None,
            acme: None,
        }
    }
}

/// Shared state of every handler and connection task. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    service: Service,
    hub: Arc<dyn Hub>,
    config: ServerConfig,
    hasher: hasher::Hasher,
    pipeline: pipeline::Pipeline,
    blobs: Arc<dyn BlobStore>,
    thumbnailer: files::Thumbnailer,
    upload_slots: files::UploadSlots,
    limits: Arc<limits::RateLimits>,
    metrics: Arc<metrics::Metrics>,
    presence: Arc<presence::Presence>,
    last_seen: last_seen::LastSeen,
    pages: pages::PageCache,
    shutdown: watch::Receiver<bool>,
    /// Held by every WebSocket task; `run` waits until all clones are gone.
    ws_alive: mpsc::Sender<()>,
}

impl AppState {
    pub(crate) fn service(&self) -> &Service {
        &self.inner.service
    }
    pub(crate) fn hub(&self) -> &dyn Hub {
        self.inner.hub.as_ref()
    }
    pub(crate) fn config(&self) -> &ServerConfig {
        &self.inner.config
    }
    pub(crate) fn hasher(&self) -> &hasher::Hasher {
        &self.inner.hasher
    }
    pub(crate) fn pages(&self) -> &pages::PageCache {
        &self.inner.pages
    }
    pub(crate) fn pipeline(&self) -> &pipeline::Pipeline {
        &self.inner.pipeline
    }
    pub(crate) fn blobs(&self) -> &dyn BlobStore {
        self.inner.blobs.as_ref()
    }
    pub(crate) fn thumbnailer(&self) -> &files::Thumbnailer {
        &self.inner.thumbnailer
    }
    pub(crate) fn upload_slots(&self) -> &files::UploadSlots {
        &self.inner.upload_slots
    }
    pub(crate) fn limits(&self) -> &limits::RateLimits {
        &self.inner.limits
    }
    pub(crate) fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }
    pub(crate) fn presence(&self) -> &presence::Presence {
        &self.inner.presence
    }
    pub(crate) fn last_seen(&self) -> &last_seen::LastSeen {
        &self.inner.last_seen
    }
    /// Counts one `limit` action by `user`, or refuses it with how long to wait.
    pub(crate) fn rate(&self, limit: Limit, user: natter_core::UserId) -> Result<(), ApiError> {
        self.inner.limits.user(limit, user)
    }
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    redirect_listener: Option<TcpListener>,
    tls: Option<tls::Tls>,
    state: AppState,
    shutdown_tx: watch::Sender<bool>,
    ws_done: mpsc::Receiver<()>,
    pipeline_task: tokio::task::JoinHandle<()>,
    sweeper: tokio::task::JoinHandle<()>,
}

/// The back-ends a server runs on, chosen by the binary.
pub struct Backends {
    pub store: Arc<dyn Store>,
    pub hub: Arc<dyn Hub>,
    pub blobs: Arc<dyn BlobStore>,
}

impl Server {
    pub async fn bind(
        addr: SocketAddr,
        backends: Backends,
        config: ServerConfig,
    ) -> std::io::Result<Self> {
        let Backends { store, hub, blobs } = backends;
        let listener = listen::bind(addr)?;
        let service = Service::new(store, config.limits);
        if let Some(mode) = config.registration {
            service
                .configure_registration(mode)
                .await
                .map_err(std::io::Error::other)?;
        }
        let (shutdown_tx, shutdown) = watch::channel(false);
        let (ws_alive, ws_done) = mpsc::channel(1);
        let metrics = Arc::new(metrics::Metrics::new());
        let (pipeline, pipeline_task) =
            pipeline::start(service.clone(), hub.clone(), metrics.clone());
        let limits = Arc::new(limits::RateLimits::new(
            &config.rate_limits,
            metrics.clone(),
        ));
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(listen::bind(addr)?),
            None => None,
        };
        if let Some(acme) = &config.acme {
            acme::prepare(acme).map_err(std::io::Error::other)?;
        }
        let tls = match &config.tls {
            Some(files) => Some(tls::Tls::new(files.clone()).map_err(std::io::Error::other)?),
            None => None,
        };
        let redirect_listener = match (config.redirect_listen, &tls) {
            (Some(addr), Some(_)) => Some(listen::bind(addr)?),
            _ => None,
        };
        let sweeper = sweeper::spawn(
            sweeper::Sweeps {
                service: service.clone(),
                blobs: blobs.clone(),
                audit_retention: config.audit_retention,
                limits: limits.clone(),
            },
            shutdown.clone(),
        );
        let presence = presence::spawn(
            service.clone(),
            hub.clone(),
            config.presence_room_limit,
            shutdown.clone(),
        );
        let last_seen = last_seen::spawn(service.clone(), presence.clone());
        let state = AppState {
            inner: Arc::new(Inner {
                service,
                hub,
                config,
                hasher: hasher::Hasher::new(),
                pipeline,
                blobs,
                thumbnailer: files::Thumbnailer::new(),
                upload_slots: files::UploadSlots::default(),
                limits,
                metrics,
                presence,
                last_seen,
                pages: pages::PageCache::default(),
                shutdown,
                ws_alive,
            }),
        };
        Ok(Server {
            listener,
            metrics_listener,
            redirect_listener,
            tls,
            state,
            shutdown_tx,
            ws_done,
            pipeline_task,
            sweeper,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The plain-HTTP redirect address, when one is configured.
    pub fn redirect_addr(&self) -> Option<SocketAddr> {
        self.redirect_listener.as_ref()?.local_addr().ok()
    }

    /// The separate metrics address, when one is configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref()?.local_addr().ok()
    }

    /// Serves until `shutdown` resolves, then shuts down gracefully.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Server {
            listener,
            metrics_listener,
            redirect_listener,
            tls,
            state,
            shutdown_tx,
            mut ws_done,
            pipeline_task,
            sweeper,
        } = self;
        let app = routes::router(state.clone());
        let config = state.config();
        let limits = listen::ConnLimits {
            max_total: config.max_connections.unwrap_or_else(descriptor_budget),
            max_per_addr: config.max_conns_per_addr,
            header_read_timeout: config.header_read_timeout,
            trusted_proxies: config.trusted_proxies.clone(),
            metrics: state.inner.metrics.clone(),
            tls: tls.clone(),
        };
        if let Some(listener) = metrics_listener {
            metrics::serve_separately(listener, state.clone());
        }
        if let Some(tls) = &tls {
            tls.reload_on_hangup();
        }
        let challenges = acme::Challenges::default();
        if let (Some(acme), Some(tls)) = (&state.config().acme, &tls) {
            acme::spawn(acme.clone(), tls.clone(), challenges.clone());
        }
        if let Some(redirects) = redirect_listener {
            let https_port = listener.local_addr()?.port();
            // Its own, smaller share of the descriptors: it only redirects.
            let redirect_limits = listen::ConnLimits {
                max_total: (limits.max_total / 8).max(16),
                tls: None,
                ..limits.clone()
            };
            tls::serve_redirect(
                redirects,
                https_port,
                redirect_limits,
                state.clone(),
                challenges,
            );
        }
        tracing::info!(max = limits.max_total, "connection cap");
        let hub = state.inner.hub.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: closing WebSockets, finishing writes");
            // The flag first: a connection that attaches after the kicks below sees it.
            let _ = shutdown_tx.send(true);
            hub.close_all().await;
        });
        let grace = Duration::from_secs(10);
        let mut stopping = state.inner.shutdown.clone();
        let deadline = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        };
        let serving = listen::serve(listener, app, limits, state.inner.shutdown.clone());
        tokio::select! {
            () = serving => {}
            _ = deadline => {
                tracing::warn!("in-flight requests did not finish in time; stopping anyway");
            }
        }
        // Every WebSocket task holds a clone of `state`; dropping ours and waiting for the
        // channel to close waits for them all, after which the pipeline drains and stops.
        drop(state);
        let _ = tokio::time::timeout(grace, ws_done.recv()).await;
        let _ = tokio::time::timeout(grace, pipeline_task).await;
        let _ = tokio::time::timeout(grace, sweeper).await;
        tracing::info!("stopped");
        Ok(())
    }
}
