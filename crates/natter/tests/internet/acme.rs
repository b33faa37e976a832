//! A certificate from an ACME CA: Pebble (Let's Encrypt's test CA, Debian's `pebble` package)
//! issues one to the real binary over HTTP-01, and the server then serves it.
//!
//! Runs where `pebble` is installed (scripts/test installs it); `NATTER_REQUIRE_PEBBLE=1`
//! makes its absence a failure rather than a skip.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::process::Stdio;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::common::binary::BIN;
use crate::common::*;

const DOMAIN: &str = "chat.natter.test";

fn free_tcp() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starts")
}

async fn until_listening(port: u16) {
    within("a listener", async {
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
}

fn trusting(pem: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[tokio::test]
async fn a_certificate_is_obtained_from_an_acme_ca_and_served() {
    let Ok(pebble) = which("pebble") else {
        assert!(
            std::env::var("NATTER_REQUIRE_PEBBLE").is_err(),
            "pebble is not installed"
        );
        eprintln!("skipped: pebble is not installed (apt-get install pebble)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    // Pebble's own HTTPS certificate, which natter is told to trust for the CA's API.
    let (ca_cert, ca_key) =
        natter_server::tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap();
    let ca_cert_path = work.path().join("pebble-cert.pem");
    std::fs::write(&ca_cert_path, &ca_cert).unwrap();
    std::fs::write(work.path().join("pebble-key.pem"), &ca_key).unwrap();
    let (api, management, dns, http01) = (free_tcp(), free_tcp(), free_udp(), free_tcp());
    let config = serde_json::json!({ "pebble": {
        "listenAddress": format!("127.0.0.1:{api}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": work.path().join("pebble-cert.pem"),
        "privateKey": work.path().join("pebble-key.pem"),
        "httpPort": http01,
        "tlsPort": free_tcp(),
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false
    }});
    std::fs::write(work.path().join("pebble.json"), config.to_string()).unwrap();
    // A DNS server that says every name is 127.0.0.1, so chat.natter.test reaches natter.
    let _dns = spawn(
        Command::new(which("pebble-challtestsrv").unwrap())
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .args(["-dns01", &format!("127.0.0.1:{dns}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &format!("127.0.0.1:{}", free_tcp())]),
    );
    let _pebble = spawn(
        Command::new(pebble)
            .arg("-config")
            .arg(work.path().join("pebble.json"))
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0"),
    );
    until_listening(api).await;

    let data = tempfile::tempdir().unwrap();
    let mut natter = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--registration", "open"])
        .arg("--data-dir")
        .arg(data.path())
        .args(["--acme-domains", DOMAIN])
        .args(["--acme-directory", &format!("https://127.0.0.1:{api}/dir")])
        .arg("--acme-ca-root")
        .arg(&ca_cert_path)
        .args(["--http-redirect-listen", &format!("127.0.0.1:{http01}")])
        .env("NATTER_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(natter.stderr.take().unwrap()).lines();
    let mut addr = None;
    let installed = tokio::time::timeout(std::time::Duration::from_secs(90), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("listening") {
                addr = line
                    .split("addr=")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .map(str::to_owned);
            }
            if line.contains("ACME certificate installed") {
                return Ok(());
            }
            if line.contains("over ACME failed") {
                return Err(line);
            }
        }
        Err("natter exited".to_owned())
    })
    .await
    .expect("a certificate within 90 s");
    installed.expect("the ACME order succeeds");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let addr: SocketAddr = addr.expect("the listening line").parse().unwrap();

    // The certificate now served chains to Pebble's root, for the domain asked for.
    let roots = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_cert.as_bytes()).unwrap())
        .build()
        .unwrap()
        .get(format!("https://127.0.0.1:{management}/roots/0"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(trusting(roots.as_bytes()))
        .connect(ServerName::try_from(DOMAIN).unwrap(), tcp)
        .await
        .expect("the served certificate is Pebble's, for the domain");
    tls.write_all(
        format!("GET /healthz HTTP/1.1\r\nhost: {DOMAIN}\r\nconnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // And it was kept, for the next start.
    assert!(data.path().join("acme/cert.pem").is_file());
    assert!(data.path().join("acme/account.json").is_file());
}

/// The path of `program` on PATH.
fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or(())
}
