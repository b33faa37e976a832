//! Certificates from an ACME CA (Let's Encrypt by default) with instant-acme: an HTTP-01
//! challenge answered on the plain-HTTP listener, the certificate written to the data dir and
//! loaded without a restart, and renewed well before it expires.
//!
//! Until the first certificate arrives the server answers with a self-signed placeholder, so
//! it can start (and answer the challenge) with no certificate at all.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};

use crate::tls::{self, Tls, TlsFiles};

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// A certificate is renewed once it is this old (Let's Encrypt's last 90 days).
const RENEW_AFTER: Duration = Duration::from_secs(60 * 24 * 3600);
/// How often the renewal loop looks, and waits after a failure.
const CHECK_EVERY: Duration = Duration::from_secs(12 * 3600);
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(3600);

/// What to ask the CA for.
#[derive(Debug, Clone)]
pub struct AcmeConfig {
    /// The names on the certificate; the first is the main one.
    pub domains: Vec<String>,
    /// A `mailto:` address the CA may write to about the certificate.
    pub contact: Option<String>,
    /// The CA's ACME directory URL.
    pub directory: String,
    /// A PEM root to trust for the CA's own HTTPS (a test CA such as Pebble); none for a
    /// public CA.
    pub ca_root: Option<PathBuf>,
    /// Where the account, certificate and key are kept (`<data dir>/acme`).
    pub dir: PathBuf,
}

impl AcmeConfig {
    /// The files TLS serves: the CA's certificate once issued, a placeholder until then.
    pub fn files(&self) -> TlsFiles {
        TlsFiles {
            cert: self.dir.join("cert.pem"),
            key: self.dir.join("key.pem"),
        }
    }

    fn issued_at(&self) -> PathBuf {
        self.dir.join("issued-at")
    }

    fn account(&self) -> PathBuf {
        self.dir.join("account.json")
    }
}

/// HTTP-01 answers waiting for the CA to fetch: token to key authorization.
#[derive(Clone, Default)]
pub struct Challenges(Arc<RwLock<HashMap<String, String>>>);

impl Challenges {
    pub fn answer(&self, token: &str) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }

    fn put(&self, token: String, key_authorization: String) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(token, key_authorization);
    }

    fn clear(&self) {
        self.0.write().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Makes sure the certificate files exist (a self-signed placeholder if nothing was issued
/// yet), so TLS can start before the CA has answered.
pub fn prepare(config: &AcmeConfig) -> Result<(), String> {
    let files = config.files();
    if files.cert.is_file() && files.key.is_file() {
        return Ok(());
    }
    std::fs::create_dir_all(&config.dir).map_err(|e| e.to_string())?;
    let (cert, key) = tls::self_signed(&config.domains)?;
    write_pair(&files, &cert, &key)
}

fn write_pair(files: &TlsFiles, cert: &str, key: &str) -> Result<(), String> {
    // The key first and never readable by others; each file replaced whole by a rename.
    tls::write_secret(&files.key, key.as_bytes())?;
    let tmp = files.cert.with_extension("pem.new");
    std::fs::write(&tmp, cert).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &files.cert).map_err(|e| e.to_string())
}

/// Whether the certificate on disk is one the CA issued and not yet due for renewal.
fn current(config: &AcmeConfig) -> bool {
    let Ok(text) = std::fs::read_to_string(config.issued_at()) else {
        return false;
    };
    let Ok(secs) = text.trim().parse::<u64>() else {
        return false;
    };
    let issued = std::time::UNIX_EPOCH + Duration::from_secs(secs);
    issued
        .elapsed()
        .map(|age| age < RENEW_AFTER)
        .unwrap_or(false)
}

/// Obtains and renews the certificate for as long as the server runs.
pub fn spawn(config: AcmeConfig, tls: Tls, challenges: Challenges) {
    tokio::spawn(async move {
        loop {
            let wait = if current(&config) {
                CHECK_EVERY
            } else {
                match obtain(&config, &challenges).await {
                    Ok(()) => match tls.reload() {
                        Ok(()) => {
                            tracing::info!(domains = ?config.domains, "ACME certificate installed");
                            CHECK_EVERY
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "the new ACME certificate does not load");
                            RETRY_AFTER_FAILURE
                        }
                    },
                    Err(e) => {
                        tracing::error!(error = %e, "obtaining a certificate over ACME failed");
                        RETRY_AFTER_FAILURE
                    }
                }
            };
            challenges.clear();
            tokio::time::sleep(wait).await;
        }
    });
}

async fn account(config: &AcmeConfig) -> Result<Account, String> {
    let builder = || match &config.ca_root {
        Some(root) => Account::builder_with_root(root),
        None => Account::builder(),
    };
    if let Ok(saved) = std::fs::read(config.account()) {
        if let Ok(credentials) = serde_json::from_slice::<AccountCredentials>(&saved) {
            return builder()
                .map_err(|e| e.to_string())?
                .from_credentials(credentials)
                .await
                .map_err(|e| e.to_string());
        }
    }
    let contact: Vec<&str> = config.contact.iter().map(String::as_str).collect();
    let new = NewAccount {
        contact: &contact,
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) = builder()
        .map_err(|e| e.to_string())?
        .create(&new, config.directory.clone(), None)
        .await
        .map_err(|e| e.to_string())?;
    let saved = serde_json::to_vec(&credentials).map_err(|e| e.to_string())?;
    tls::write_secret(&config.account(), &saved)?;
    Ok(account)
}

/// One order, start to finish: challenges answered, certificate written.
async fn obtain(config: &AcmeConfig, challenges: &Challenges) -> Result<(), String> {
    let account = account(config).await?;
    let identifiers: Vec<Identifier> = config
        .domains
        .iter()
        .map(|d| Identifier::Dns(d.clone()))
        .collect();
    let mut order = account
        .new_order(&NewOrder::new(&identifiers))
        .await
        .map_err(|e| e.to_string())?;
    let mut authorizations = order.authorizations();
    while let Some(authz) = authorizations.next().await {
        let mut authz = authz.map_err(|e| e.to_string())?;
        if authz.status == AuthorizationStatus::Valid {
            continue;
        }
        let mut challenge = authz
            .challenge(ChallengeType::Http01)
            .ok_or("the CA offers no HTTP-01 challenge")?;
        challenges.put(
            challenge.token.clone(),
            challenge.key_authorization().as_str().to_owned(),
        );
        challenge.set_ready().await.map_err(|e| e.to_string())?;
    }
    let retries = RetryPolicy::new().timeout(Duration::from_secs(120));
    let status = order
        .poll_ready(&retries)
        .await
        .map_err(|e| e.to_string())?;
    if status != OrderStatus::Ready {
        return Err(format!("the order ended {status:?}"));
    }
    let key = order.finalize().await.map_err(|e| e.to_string())?;
    let chain = order
        .poll_certificate(&retries)
        .await
        .map_err(|e| e.to_string())?;
    write_pair(&config.files(), &chain, &key)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    std::fs::write(config.issued_at(), now.to_string()).map_err(|e| e.to_string())
}
