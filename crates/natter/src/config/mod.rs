//! One typed configuration: defaults, then a TOML file, then `NATTER_*` environment variables,
//! then command-line flags, each overriding the one before.

mod parts;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use natter_server::acme::AcmeConfig;
use natter_server::ServerConfig;
use serde::{Deserialize, Serialize};

use parts::{acme_config, mib, rate_config, tls_files, DAY, HOUR, MIB, SECOND};
pub use parts::{self_signed_files, Durability, LogFormat, RateSetting, RegistrationSetting};

/// Every setting, all optional: one layer of configuration. The same struct reads the TOML
/// file and the flags (each flag also reads its `NATTER_*` variable).
#[derive(Debug, Clone, Default, Args, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port (the chosen address is logged).
    #[arg(long, env = "NATTER_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the database (created if missing).
    #[arg(long, env = "NATTER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Extra origins allowed to open cookie-authenticated WebSockets (comma-separated).
    #[arg(long, env = "NATTER_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Option<Vec<String>>,
    /// Session lifetime in hours.
    #[arg(long, env = "NATTER_SESSION_TTL_HOURS")]
    pub session_ttl_hours: Option<u64>,
    /// Mark the session cookie Secure (true behind HTTPS).
    #[arg(long, env = "NATTER_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Seconds between server pings on each WebSocket.
    #[arg(long, env = "NATTER_HEARTBEAT_SECS")]
    pub heartbeat_secs: Option<u64>,
    /// Seconds of silence after which a WebSocket is closed.
    #[arg(long, env = "NATTER_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<u64>,
    /// Milliseconds a typing indicator lasts unless refreshed.
    #[arg(long, env = "NATTER_TYPING_TTL_MS")]
    pub typing_ttl_ms: Option<u64>,
    /// Frames a WebSocket may have queued before it is told to resync.
    #[arg(long, env = "NATTER_OUTBOUND_QUEUE")]
    pub outbound_queue: Option<usize>,
    /// Rooms with at most this many members share presence among them unasked; in bigger
    /// rooms clients ask for the presence of the people they show.
    #[arg(long, env = "NATTER_PRESENCE_ROOM_LIMIT")]
    pub presence_room_limit: Option<u32>,
    /// Largest REST body or WebSocket message, in bytes.
    #[arg(long, env = "NATTER_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest file a user may upload, in MiB.
    #[arg(long, env = "NATTER_MAX_FILE_MB")]
    pub max_file_mb: Option<u64>,
    /// How much each user may store in files, in MiB.
    #[arg(long, env = "NATTER_STORAGE_QUOTA_MB")]
    pub storage_quota_mb: Option<u64>,
    /// The most rooms (DMs included) one account can be a member of.
    #[arg(long, env = "NATTER_MAX_ROOMS_PER_USER")]
    pub max_rooms_per_user: Option<u32>,
    /// Who may create an account: open, invite or closed. Set, it replaces the mode an admin
    /// chose at run time on every start; unset, the admin's choice stands (invite by default).
    #[arg(long, env = "NATTER_REGISTRATION", value_enum)]
    pub registration: Option<RegistrationSetting>,
    /// Days the audit log keeps an entry.
    #[arg(long, env = "NATTER_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: Option<u64>,
    /// Rate limits to change from their defaults, as NAME=COUNT/PERIOD or NAME=off
    /// (comma-separated or repeated), e.g. `send=50/10s,login_account=10/10m`; `all=off`
    /// switches every limit off. See README, "Run it on the internet".
    #[arg(long = "rate-limit", env = "NATTER_RATE_LIMITS", value_delimiter = ',')]
    pub rate_limits: Option<Vec<RateSetting>>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (comma-separated addresses).
    #[arg(long, env = "NATTER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Option<Vec<IpAddr>>,
    /// The most messages one `sync` replays per room before the client must ask again.
    #[arg(long, env = "NATTER_SYNC_REPLAY_MAX")]
    pub sync_replay_max: Option<u32>,
    /// Seconds a request's head may take to arrive; also how long an idle keep-alive
    /// connection stays open.
    #[arg(long, env = "NATTER_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Bytes a second a request body must average once its first 20 seconds are over.
    #[arg(long, env = "NATTER_MIN_BODY_RATE")]
    pub min_body_rate: Option<u64>,
    /// Connections one address may have open at once (trusted proxies are exempt).
    #[arg(long, env = "NATTER_MAX_CONNS_PER_ADDR")]
    pub max_conns_per_addr: Option<usize>,
    /// Connections open at once in all; by default a little under the open-files limit.
    #[arg(long, env = "NATTER_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// WebSockets one account may have open at once; a new one past it closes the oldest.
    #[arg(long, env = "NATTER_MAX_WS_PER_USER")]
    pub max_ws_per_user: Option<usize>,
    /// Serve `/metrics` on the main address to requests bearing this token (prefer the
    /// environment variable: flags show in `ps`).
    #[arg(long, env = "NATTER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Serve `/metrics`, with no token, on this separate address (keep it private).
    #[arg(long, env = "NATTER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Serve HTTPS with this certificate chain (PEM); reloaded on SIGHUP.
    #[arg(long, env = "NATTER_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "NATTER_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate made on first start and kept in the data
    /// dir (`tls/self-signed.pem`), for trying natter out; browsers will warn.
    #[arg(long, env = "NATTER_TLS_SELF_SIGNED")]
    pub tls_self_signed: Option<bool>,
    /// Get (and renew) the certificate for these names (comma-separated) from an ACME CA,
    /// Let's Encrypt by default. Needs port 80 reachable: see --http-redirect-listen.
    #[arg(long, env = "NATTER_ACME_DOMAINS", value_delimiter = ',')]
    pub acme_domains: Option<Vec<String>>,
    /// An e-mail address the CA may write to about the certificate.
    #[arg(long, env = "NATTER_ACME_EMAIL")]
    pub acme_email: Option<String>,
    /// The CA's ACME directory URL (Let's Encrypt's by default; its staging one for trials).
    #[arg(long, env = "NATTER_ACME_DIRECTORY")]
    pub acme_directory: Option<String>,
    /// A PEM root to trust for the CA's own HTTPS: only for a private or test CA.
    #[arg(long, env = "NATTER_ACME_CA_ROOT")]
    pub acme_ca_root: Option<PathBuf>,
    /// With TLS: a plain-HTTP address that only redirects to HTTPS (e.g. 0.0.0.0:80); with
    /// ACME it also answers the CA's challenges, and defaults to 0.0.0.0:80.
    #[arg(long, env = "NATTER_HTTP_REDIRECT_LISTEN")]
    pub http_redirect_listen: Option<SocketAddr>,
    /// Back up on a schedule into new directories under this one (see `natter admin backup`).
    #[arg(long, env = "NATTER_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Hours between scheduled backups (with --backup-dir).
    #[arg(long, env = "NATTER_BACKUP_EVERY_HOURS")]
    pub backup_every_hours: Option<u64>,
    /// How many scheduled backups to keep; older ones are deleted.
    #[arg(long, env = "NATTER_BACKUP_KEEP")]
    pub backup_keep: Option<usize>,
    /// `text` (the default) or `json`, one object per line.
    #[arg(long, env = "NATTER_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// `full` (the default): a message is acknowledged after its commit reached the disk.
    /// `normal`: faster, but a power cut can lose the last acknowledged messages.
    #[arg(long, env = "NATTER_DURABILITY", value_enum)]
    pub durability: Option<Durability>,
    /// Log filter, e.g. `info` or `natter_server=debug`.
    #[arg(long, env = "NATTER_LOG")]
    pub log: Option<String>,
}

impl Settings {
    /// Reads a TOML file of settings; unknown keys are an error, not silently ignored.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))
    }

    /// `self` with every setting `over` has replacing its own.
    pub fn overridden_by(self, over: Settings) -> Settings {
        Settings {
            listen: over.listen.or(self.listen),
            data_dir: over.data_dir.or(self.data_dir),
            allowed_origins: over.allowed_origins.or(self.allowed_origins),
            session_ttl_hours: over.session_ttl_hours.or(self.session_ttl_hours),
            secure_cookies: over.secure_cookies.or(self.secure_cookies),
            heartbeat_secs: over.heartbeat_secs.or(self.heartbeat_secs),
            idle_timeout_secs: over.idle_timeout_secs.or(self.idle_timeout_secs),
            typing_ttl_ms: over.typing_ttl_ms.or(self.typing_ttl_ms),
            outbound_queue: over.outbound_queue.or(self.outbound_queue),
            presence_room_limit: over.presence_room_limit.or(self.presence_room_limit),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            max_file_mb: over.max_file_mb.or(self.max_file_mb),
            storage_quota_mb: over.storage_quota_mb.or(self.storage_quota_mb),
            max_rooms_per_user: over.max_rooms_per_user.or(self.max_rooms_per_user),
            registration: over.registration.or(self.registration),
            audit_retention_days: over.audit_retention_days.or(self.audit_retention_days),
            rate_limits: over.rate_limits.or(self.rate_limits),
            trusted_proxies: over.trusted_proxies.or(self.trusted_proxies),
            sync_replay_max: over.sync_replay_max.or(self.sync_replay_max),
            header_timeout_secs: over.header_timeout_secs.or(self.header_timeout_secs),
            min_body_rate: over.min_body_rate.or(self.min_body_rate),
            max_conns_per_addr: over.max_conns_per_addr.or(self.max_conns_per_addr),
            max_connections: over.max_connections.or(self.max_connections),
            max_ws_per_user: over.max_ws_per_user.or(self.max_ws_per_user),
            metrics_token: over.metrics_token.or(self.metrics_token),
            metrics_listen: over.metrics_listen.or(self.metrics_listen),
            log_format: over.log_format.or(self.log_format),
            durability: over.durability.or(self.durability),
            backup_dir: over.backup_dir.or(self.backup_dir),
            acme_domains: over.acme_domains.or(self.acme_domains),
            acme_email: over.acme_email.or(self.acme_email),
            acme_directory: over.acme_directory.or(self.acme_directory),
            acme_ca_root: over.acme_ca_root.or(self.acme_ca_root),
            tls_cert: over.tls_cert.or(self.tls_cert),
            tls_key: over.tls_key.or(self.tls_key),
            tls_self_signed: over.tls_self_signed.or(self.tls_self_signed),
            http_redirect_listen: over.http_redirect_listen.or(self.http_redirect_listen),
            backup_every_hours: over.backup_every_hours.or(self.backup_every_hours),
            backup_keep: over.backup_keep.or(self.backup_keep),
            log: over.log.or(self.log),
        }
    }
}

/// The resolved configuration: every setting has a value. Durations are clamped to sane
/// ranges so no setting can overflow a timer.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub log: String,
    pub log_format: LogFormat,
    pub durability: Durability,
    /// Scheduled backups, when a backup directory is set.
    pub backup: Option<crate::backup::Schedule>,
    pub server: ServerConfig,
}

impl Config {
    pub fn resolve(s: Settings) -> Config {
        let d = ServerConfig::default();
        let secs =
            |v: Option<u64>, default: Duration| v.map(Duration::from_secs).unwrap_or(default);
        let data_dir = s
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("natter-data"));
        let acme = acme_config(&s, &data_dir);
        let tls = acme
            .as_ref()
            .map(AcmeConfig::files)
            .or_else(|| tls_files(&s, &data_dir));
        Config {
            listen: s
                .listen
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir: data_dir.clone(),
            log: s.log.unwrap_or_else(|| "info".to_owned()),
            log_format: s.log_format.unwrap_or_default(),
            durability: s.durability.unwrap_or_default(),
            backup: s.backup_dir.map(|dir| crate::backup::Schedule {
                dir,
                every: HOUR * s.backup_every_hours.unwrap_or(24).clamp(1, 24 * 365) as u32,
                keep: s.backup_keep.unwrap_or(7).max(1),
            }),
            server: ServerConfig {
                allowed_origins: s.allowed_origins.unwrap_or_default(),
                session_ttl: s
                    .session_ttl_hours
                    .map(|h| Duration::from_secs(h.clamp(1, 10 * 365 * 24) * 3600))
                    .unwrap_or(d.session_ttl),
                // Cookies sent over HTTPS are Secure; TLS turns them on.
                secure_cookies: s.secure_cookies.unwrap_or(d.secure_cookies) || tls.is_some(),
                heartbeat_interval: secs(s.heartbeat_secs, d.heartbeat_interval)
                    .clamp(SECOND, HOUR),
                idle_timeout: secs(s.idle_timeout_secs, d.idle_timeout).clamp(SECOND, DAY),
                typing_ttl: s
                    .typing_ttl_ms
                    .map(Duration::from_millis)
                    .unwrap_or(d.typing_ttl)
                    .clamp(Duration::from_millis(100), HOUR),
                outbound_queue: s.outbound_queue.unwrap_or(d.outbound_queue).max(1),
                presence_room_limit: s
                    .presence_room_limit
                    .unwrap_or(d.presence_room_limit)
                    .clamp(2, 100_000),
                write_timeout: d.write_timeout,
                max_body_bytes: s.max_body_bytes.unwrap_or(d.max_body_bytes).max(1024),
                max_file_bytes: s.max_file_mb.map_or(d.max_file_bytes, mib),
                storage_quota_bytes: s.storage_quota_mb.map_or(d.storage_quota_bytes, mib),
                upload_dir: data_dir.join("uploads"),
                limits: natter_core::Limits {
                    max_rooms_per_user: s
                        .max_rooms_per_user
                        .unwrap_or(d.limits.max_rooms_per_user)
                        .max(1),
                },
                registration: s.registration.map(RegistrationSetting::into_domain),
                audit_retention: s
                    .audit_retention_days
                    .map(|d| DAY * d.clamp(1, 100 * 365) as u32)
                    .unwrap_or(d.audit_retention),
                rate_limits: rate_config(s.rate_limits.as_deref().unwrap_or_default()),
                sync_replay_max: s
                    .sync_replay_max
                    .unwrap_or(d.sync_replay_max)
                    .clamp(1, 100_000),
                trusted_proxies: s.trusted_proxies.unwrap_or_default(),
                device_key: d.device_key,
                header_read_timeout: secs(s.header_timeout_secs, d.header_read_timeout)
                    .clamp(SECOND, HOUR),
                body_rate: natter_server::BodyRate {
                    min_rate: s.min_body_rate.unwrap_or(d.body_rate.min_rate),
                    grace: d.body_rate.grace,
                },
                max_conns_per_addr: s.max_conns_per_addr.unwrap_or(d.max_conns_per_addr).max(1),
                max_connections: s.max_connections.map(|n| n.max(1)),
                max_ws_per_user: s.max_ws_per_user.unwrap_or(d.max_ws_per_user).max(1),
                metrics_token: s
                    .metrics_token
                    .filter(|t| !t.is_empty())
                    .map(natter_server::Secret),
                metrics_listen: s.metrics_listen,
                tls,
                redirect_listen: s
                    .http_redirect_listen
                    .or_else(|| acme.as_ref().map(|_| SocketAddr::from(([0, 0, 0, 0], 80)))),
                acme,
            },
        }
    }

    /// The resolved configuration as TOML, the format of the config file, with the metrics
    /// token (the one secret) redacted.
    pub fn to_toml(&self) -> String {
        let c = &self.server;
        let settings = Settings {
            listen: Some(self.listen),
            data_dir: Some(self.data_dir.clone()),
            allowed_origins: Some(c.allowed_origins.clone()),
            session_ttl_hours: Some(c.session_ttl.as_secs() / 3600),
            secure_cookies: Some(c.secure_cookies),
            heartbeat_secs: Some(c.heartbeat_interval.as_secs()),
            idle_timeout_secs: Some(c.idle_timeout.as_secs()),
            typing_ttl_ms: Some(c.typing_ttl.as_millis() as u64),
            outbound_queue: Some(c.outbound_queue),
            presence_room_limit: Some(c.presence_room_limit),
            max_body_bytes: Some(c.max_body_bytes),
            max_file_mb: Some(c.max_file_bytes / MIB),
            storage_quota_mb: Some(c.storage_quota_bytes / MIB),
            max_rooms_per_user: Some(c.limits.max_rooms_per_user),
            registration: c.registration.map(RegistrationSetting::from_domain),
            audit_retention_days: Some(c.audit_retention.as_secs() / DAY.as_secs()),
            rate_limits: Some(
                c.rate_limits
                    .settings()
                    .into_iter()
                    .map(RateSetting)
                    .collect(),
            ),
            trusted_proxies: Some(c.trusted_proxies.clone()),
            sync_replay_max: Some(c.sync_replay_max),
            header_timeout_secs: Some(c.header_read_timeout.as_secs()),
            min_body_rate: Some(c.body_rate.min_rate),
            max_conns_per_addr: Some(c.max_conns_per_addr),
            max_connections: c.max_connections,
            max_ws_per_user: Some(c.max_ws_per_user),
            // The one secret setting: shown as set, never as itself.
            metrics_token: c.metrics_token.as_ref().map(|_| "(redacted)".to_owned()),
            metrics_listen: c.metrics_listen,
            log_format: Some(self.log_format),
            durability: Some(self.durability),
            backup_dir: self.backup.as_ref().map(|b| b.dir.clone()),
            acme_domains: c.acme.as_ref().map(|a| a.domains.clone()),
            acme_email: c
                .acme
                .as_ref()
                .and_then(|a| a.contact.clone())
                .map(|c| c.strip_prefix("mailto:").unwrap_or(&c).to_owned()),
            acme_directory: c.acme.as_ref().map(|a| a.directory.clone()),
            acme_ca_root: c.acme.as_ref().and_then(|a| a.ca_root.clone()),
            // With ACME the files are its own, not settings.
            tls_cert: c
                .tls
                .as_ref()
                .filter(|_| c.acme.is_none())
                .map(|t| t.cert.clone()),
            tls_key: c
                .tls
                .as_ref()
                .filter(|_| c.acme.is_none())
                .map(|t| t.key.clone()),
            tls_self_signed: None,
            http_redirect_listen: c.redirect_listen,
            backup_every_hours: self.backup.as_ref().map(|b| b.every.as_secs() / 3600),
            backup_keep: self.backup.as_ref().map(|b| b.keep),
            log: Some(self.log.clone()),
        };
        toml::to_string(&settings).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
