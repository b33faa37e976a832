//! TLS with rustls: a certificate and key from PEM files, read again on SIGHUP without
//! dropping a connection (new handshakes get the new certificate, open ones keep theirs), a
//! self-signed certificate for trying natter out, HSTS, and a plain-HTTP listener that only
//! redirects to HTTPS.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::acme::Challenges;
use crate::AppState;

/// Where the certificate chain and its private key are, both PEM.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The certificate in use; replaced whole on reload.
#[derive(Debug)]
struct Reloadable {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Reloadable {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        )
    }
}

fn load(files: &TlsFiles) -> Result<CertifiedKey, String> {
    let read =
        |path: &Path| std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()));
    let cert_pem = read(&files.cert)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: not a PEM certificate chain: {e}", files.cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no certificate", files.cert.display()));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(&files.key)?)
        .map_err(|e| format!("{}: not a PEM private key: {e}", files.key.display()))?;
    let signing = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| format!("{}: unusable private key: {e}", files.key.display()))?;
    let certified = CertifiedKey::new(chain, signing);
    certified
        .keys_match()
        .map_err(|e| format!("the key does not belong to the certificate: {e}"))?;
    Ok(certified)
}

/// A TLS acceptor whose certificate can be reloaded.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    certs: Arc<Reloadable>,
}

impl Tls {
    pub fn new(files: TlsFiles) -> Result<Self, String> {
        let current = load(&files)?;
        let certs = Arc::new(Reloadable {
            files,
            current: RwLock::new(Arc::new(current)),
        });
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_cert_resolver(certs.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certs,
        })
    }

    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Reads the files again; on any error the certificate in use stays.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = load(&self.certs.files)?;
        *self
            .certs
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
        Ok(())
    }

    /// Reloads on every SIGHUP until the process ends.
    pub fn reload_on_hangup(&self) {
        #[cfg(unix)]
        {
            let tls = self.clone();
            tokio::spawn(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                    tracing::warn!("cannot listen for SIGHUP; certificates reload only on restart");
                    return;
                };
                while hangups.recv().await.is_some() {
                    match tls.reload() {
                        Ok(()) => tracing::info!("TLS certificate reloaded"),
                        Err(e) => {
                            tracing::error!(error = %e, "TLS reload failed; keeping the old certificate")
                        }
                    }
                }
            });
        }
    }
}

/// Writes a secret (a private key, a signing key) readable by its owner only, replacing the
/// file whole by a rename so a crash never leaves half of one.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let tmp = path.with_extension("new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(|e| e.to_string())?;
    file.write_all(bytes).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())
}

/// A new self-signed certificate for `names` (host names or IP addresses), as PEM
/// (certificate, private key).
pub fn self_signed(names: &[String]) -> Result<(String, String), String> {
    let made = rcgen::generate_simple_self_signed(names.to_vec()).map_err(|e| e.to_string())?;
    Ok((made.cert.pem(), made.signing_key.serialize_pem()))
}

/// `Strict-Transport-Security` on every answer served over TLS: browsers then use HTTPS only.
pub async fn hsts(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static("max-age=31536000"),
    );
    response
}

/// Serves plain HTTP on `listener` that answers every request with a permanent redirect to
/// the same path over HTTPS on `https_port`.
/// It goes through the same accept loop as the main listener (its own caps, the same header
/// deadline), since it faces the internet too.
pub fn serve_redirect(
    listener: tokio::net::TcpListener,
    https_port: u16,
    limits: crate::listen::ConnLimits,
    state: AppState,
    challenges: Challenges,
) {
    let shutdown = state.inner.shutdown.clone();
    let app = axum::Router::new()
        .route(
            "/.well-known/acme-challenge/{token}",
            axum::routing::get(challenge),
        )
        .fallback(redirect)
        .with_state((https_port, challenges));
    tokio::spawn(crate::listen::serve(listener, app, limits, shutdown));
}

/// The key authorization for an ACME HTTP-01 token this server is waiting on; 404 otherwise.
async fn challenge(
    State((_, challenges)): State<(u16, Challenges)>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    match challenges.answer(&token) {
        Some(answer) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], answer).into_response()
        }
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn redirect(
    State((https_port, _)): State<(u16, Challenges)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    // The host without its port (IPv6 literals keep their brackets).
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Redirect::permanent(&format!("https://{name}{port}{path}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_loads_and_a_mismatched_key_is_refused() {
        let dir = tempfile_dir();
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let (cert, key) = self_signed(&names).unwrap();
        let (_, other_key) = self_signed(&names).unwrap();
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, &cert).unwrap();
        std::fs::write(&files.key, &key).unwrap();
        let tls = Tls::new(files.clone()).expect("a matching pair loads");
        let in_use = || tls.certs.current.read().unwrap().cert[0].to_vec();
        let before = in_use();
        std::fs::write(&files.key, other_key).unwrap();
        assert!(tls.reload().unwrap_err().contains("does not belong"));
        assert_eq!(
            in_use(),
            before,
            "a failed reload keeps the certificate in use"
        );
        std::fs::write(&files.cert, "not pem").unwrap();
        assert!(Tls::new(files).is_err());
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("natter-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
