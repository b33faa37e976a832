//! Where the load's TCP connections come from.
//!
//! The kernel picks a connection's local port by trying ports in turn until the four-tuple is
//! free. With 19,000 connections (and the TIME_WAIT leftovers of as many closed ones) from one
//! address to one server port, that search cost the load generator more CPU than everything
//! else it did during a reconnect storm, and it made the storm measure the load generator. So
//! connections to a loopback server come from 127.0.0.1 to 127.0.0.[`SOURCES`] in turn, each
//! bound with `IP_BIND_ADDRESS_NO_PORT` so that the port is still chosen at connect, per
//! address. Other servers, and any server on systems other than Linux (where only 127.0.0.1
//! answers unless configured), are connected to as usual.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU8, Ordering};

use anyhow::Context;
use tokio::net::{TcpSocket, TcpStream};

/// Loopback source addresses used in turn.
const SOURCES: u8 = 32;

static NEXT: AtomicU8 = AtomicU8::new(0);

/// A TCP connection to the server at `base` (`http://host:port`).
pub async fn tcp(base: &str) -> anyhow::Result<TcpStream> {
    let url = reqwest::Url::parse(base).with_context(|| format!("not a URL: {base}"))?;
    let host = url.host_str().context("the server's URL has no host")?;
    let port = url
        .port_or_known_default()
        .context("the server's URL has no port")?;
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await?
        .collect();
    // `localhost` may name ::1 first; a server on 127.0.0.1 answers only there.
    let server = found
        .iter()
        .find(|a| a.is_ipv4() && a.ip().is_loopback())
        .or(found.first())
        .copied()
        .with_context(|| format!("{host} has no address"))?;
    // Only Linux answers on all of 127.0.0.0/8 without configuration.
    if !cfg!(target_os = "linux") || !server.ip().is_loopback() || !server.is_ipv4() {
        let stream = TcpStream::connect(server).await?;
        stream.set_nodelay(true)?;
        return Ok(stream);
    }
    let n = NEXT.fetch_add(1, Ordering::Relaxed) % SOURCES;
    let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1 + n)), 0);
    let socket = TcpSocket::new_v4()?;
    #[cfg(target_os = "linux")]
    nix::sys::socket::setsockopt(
        &socket,
        nix::sys::socket::sockopt::IpBindAddressNoPort,
        &true,
    )
    .context("setting IP_BIND_ADDRESS_NO_PORT")?;
    socket.bind(local)?;
    let stream = socket
        .connect(server)
        .await
        .with_context(|| format!("connecting to {server} from {}", local.ip()))?;
    // As browsers do: a small frame goes out at once, not after the last one is acknowledged.
    stream.set_nodelay(true)?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_connections_come_from_several_addresses() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut sources = std::collections::HashSet::new();
        for _ in 0..SOURCES {
            let stream = tcp(&base).await.unwrap();
            let (_accepted, peer) = listener.accept().await.unwrap();
            assert_eq!(stream.local_addr().unwrap(), peer);
            sources.insert(peer.ip());
        }
        assert_eq!(sources.len(), usize::from(SOURCES));
        assert!(sources.iter().all(IpAddr::is_loopback));
    }
}
