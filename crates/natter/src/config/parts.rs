//! The settings' own types (rate limits, log format, registration mode) and how the settings
//! that need more than a default become server configuration (TLS, ACME, rate limits).

use std::path::Path;
use std::time::Duration;

use natter_core::Registration;
use natter_server::acme::AcmeConfig;
use natter_server::tls::TlsFiles;
use natter_server::RateConfig;
use serde::{Deserialize, Serialize};

use super::Settings;

/// One rate-limit setting, checked when it is read: `send=50/10s`, `register=off`, `all=off`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct RateSetting(pub(super) String);

impl std::str::FromStr for RateSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RateConfig::default().apply(s)?;
        Ok(RateSetting(s.trim().to_owned()))
    }
}

impl TryFrom<String> for RateSetting {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<RateSetting> for String {
    fn from(s: RateSetting) -> String {
        s.0
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// When a commit counts as done. `full` (the default): after its fsync, so an acknowledged
/// message survives a power cut. `normal`: once it is in the operating system's hands, several
/// times faster; a crash of natter loses nothing, but a power cut or an operating-system crash
/// can lose the last moments of acknowledged messages (the database itself stays intact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    #[default]
    Full,
    Normal,
}

impl Durability {
    pub fn into_store(self) -> natter_store_sqlite::Synchronous {
        match self {
            Durability::Full => natter_store_sqlite::Synchronous::Full,
            Durability::Normal => natter_store_sqlite::Synchronous::Normal,
        }
    }
}

/// The registration mode as a setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationSetting {
    Open,
    Invite,
    Closed,
}

impl RegistrationSetting {
    pub fn into_domain(self) -> Registration {
        match self {
            RegistrationSetting::Open => Registration::Open,
            RegistrationSetting::Invite => Registration::Invite,
            RegistrationSetting::Closed => Registration::Closed,
        }
    }

    pub(super) fn from_domain(r: Registration) -> Self {
        match r {
            Registration::Open => RegistrationSetting::Open,
            Registration::Invite => RegistrationSetting::Invite,
            Registration::Closed => RegistrationSetting::Closed,
        }
    }
}

pub(super) const SECOND: Duration = Duration::from_secs(1);
pub(super) const HOUR: Duration = Duration::from_secs(3600);
pub(super) const DAY: Duration = Duration::from_secs(24 * 3600);
pub(super) const MIB: u64 = 1024 * 1024;

/// Megabytes (MiB) as bytes, at least one MiB and at most a tebibyte.
pub(super) fn mib(n: u64) -> u64 {
    n.clamp(1, 1024 * 1024) * MIB
}

/// Where the self-signed certificate and key live in a data dir.
pub fn self_signed_files(data_dir: &Path) -> TlsFiles {
    TlsFiles {
        cert: data_dir.join("tls").join("self-signed.pem"),
        key: data_dir.join("tls").join("self-signed.key"),
    }
}

/// ACME, when domains are given.
pub(super) fn acme_config(s: &Settings, data_dir: &Path) -> Option<AcmeConfig> {
    let domains = s.acme_domains.clone().filter(|d| !d.is_empty())?;
    Some(AcmeConfig {
        domains,
        contact: s.acme_email.as_ref().map(|e| format!("mailto:{e}")),
        directory: s
            .acme_directory
            .clone()
            .unwrap_or_else(|| natter_server::acme::LETS_ENCRYPT.to_owned()),
        ca_root: s.acme_ca_root.clone(),
        dir: data_dir.join("acme"),
    })
}

/// The certificate files TLS is configured with: given ones, or the self-signed pair.
pub(super) fn tls_files(s: &Settings, data_dir: &Path) -> Option<TlsFiles> {
    match (&s.tls_cert, &s.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ if s.tls_self_signed == Some(true) => Some(self_signed_files(data_dir)),
        _ => None,
    }
}

/// The defaults with each setting applied in order (each was checked when it was read).
pub(super) fn rate_config(settings: &[RateSetting]) -> RateConfig {
    let mut config = RateConfig::default();
    for s in settings {
        if let Err(e) = config.apply(&s.0) {
            tracing::warn!(error = %e, "ignoring a rate limit setting");
        }
    }
    config
}
