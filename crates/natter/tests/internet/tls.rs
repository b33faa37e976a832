//! TLS: a self-signed certificate for trying it out, certificates from files reloaded on
//! SIGHUP without dropping a connection, HSTS and secure cookies, and a plain-HTTP listener
//! that only redirects.

use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use reqwest::StatusCode;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::binary;
use crate::common::*;

/// A TLS client configuration that trusts exactly `certs` (PEM), the way a browser trusts a
/// certificate its user accepted.
fn trusting(certs: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for pem in certs {
        roots
            .add(CertificateDer::from_pem_slice(pem).unwrap())
            .unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

#[tokio::test]
async fn a_self_signed_certificate_serves_https_and_websockets_with_hsts_and_secure_cookies() {
    let app = spawn_app_with(|s| s.tls_self_signed = Some(true)).await;
    let cert =
        std::fs::read(app.dir.path().join("tls/self-signed.pem")).expect("the certificate is kept");
    let https = format!("https://127.0.0.1:{}", app.addr.port());
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&cert).unwrap())
        .build()
        .unwrap();
    let resp = client.get(format!("{https}/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let resp = client
        .post(format!("{https}/api/v1/auth/register"))
        .json(&serde_json::json!({ "username": "alice", "password": password("alice") }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    for cookie in resp.headers().get_all("set-cookie") {
        assert!(cookie.to_str().unwrap().contains("; Secure"), "{cookie:?}");
    }
    let auth: serde_json::Value = resp.json().await.unwrap();
    let token = auth["token"].as_str().unwrap();

    // Plain HTTP on the TLS port gets nowhere.
    assert!(reqwest::get(format!("http://{}/healthz", app.addr))
        .await
        .is_err());

    // The WebSocket runs over TLS too.
    let mut request = format!("wss://127.0.0.1:{}/api/v1/ws", app.addr.port())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let connector = tokio_tungstenite::Connector::Rustls(trusting(&[&cert]));
    let (mut ws, _) =
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, Some(connector))
            .await
            .expect("a WebSocket over TLS");
    let first = within("ready", ws.next()).await.unwrap().unwrap();
    assert!(first.to_text().unwrap().contains("\"type\":\"ready\""));
}

/// Opens a TLS connection to 127.0.0.1:`port` and returns it with the certificate it showed.
async fn tls_connect(
    port: u16,
    config: Arc<rustls::ClientConfig>,
) -> (tokio_rustls::client::TlsStream<TcpStream>, Vec<u8>) {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .unwrap();
    let shown = tls.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    (tls, shown)
}

/// A keep-alive request on an open connection; true if it was answered 200.
async fn healthz_on(conn: &mut tokio_rustls::client::TlsStream<TcpStream>) -> bool {
    conn.write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = conn.read(&mut buf).await.unwrap_or(0);
    buf[..n].starts_with(b"HTTP/1.1 200")
}

fn der_of(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .to_vec()
}

fn write_pair(dir: &Path, cert: &str, key: &str) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
}

#[tokio::test]
async fn sighup_reloads_the_certificate_and_open_connections_carry_on() {
    let names = vec!["localhost".to_owned()];
    let (cert_a, key_a) = natter_server::tls::self_signed(&names).unwrap();
    let (cert_b, key_b) = natter_server::tls::self_signed(&names).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    write_pair(certs.path(), &cert_a, &key_a);
    let cert_path = certs.path().join("cert.pem");
    let key_path = certs.path().join("key.pem");
    let (child, addr) = binary::start_with(
        dir.path(),
        &[
            "--tls-cert".as_ref(),
            cert_path.as_os_str(),
            "--tls-key".as_ref(),
            key_path.as_os_str(),
        ],
    )
    .await;
    let port: u16 = addr.rsplit(':').next().unwrap().parse().unwrap();
    let trust = trusting(&[cert_a.as_bytes(), cert_b.as_bytes()]);
    let (mut open, shown) = tls_connect(port, trust.clone()).await;
    assert_eq!(shown, der_of(&cert_a));
    assert!(healthz_on(&mut open).await);

    write_pair(certs.path(), &cert_b, &key_b);
    let pid = child.id().unwrap().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let reloaded = within("the new certificate", async {
        loop {
            let (_, shown) = tls_connect(port, trust.clone()).await;
            if shown == der_of(&cert_b) {
                return shown;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(reloaded, der_of(&cert_b));
    // The connection made before the reload is still served.
    assert!(healthz_on(&mut open).await);
}

#[tokio::test]
async fn the_plain_http_listener_only_redirects_to_https() {
    let app = spawn_app_with(|s| {
        s.tls_self_signed = Some(true);
        s.http_redirect_listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let redirects = app.redirect_addr.expect("a redirect address");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client
        .post(format!("http://{redirects}/api/v1/auth/login?x=1"))
        .header("host", "chat.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PERMANENT_REDIRECT);
    let expected = format!(
        "https://chat.example.org:{}/api/v1/auth/login?x=1",
        app.addr.port()
    );
    assert_eq!(resp.headers()["location"], expected.as_str());
}
