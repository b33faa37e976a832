//! Who is on the other end of a request: the socket's address, or, when that is a configured
//! trusted proxy, the address the proxy says it forwarded for.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The client's address as the rate limits and the audit log see it.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// The scheme the client used to reach us: `https` when the server terminates TLS or has
/// secure cookies on (it sits behind a TLS proxy), or when a trusted proxy says so in
/// `X-Forwarded-Proto`; else `http`.
#[derive(Debug, Clone, Copy)]
pub struct ClientScheme(pub &'static str);

/// Resolves the client's address once per request and leaves it in the extensions.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let config = state.config();
    let mut scheme = if config.secure_cookies {
        "https"
    } else {
        "http"
    };
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        let peer = canonical(peer.ip());
        let ip = client_ip(peer, req.headers(), &config.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
        if config.trusted_proxies.contains(&peer) {
            match req.headers().get("x-forwarded-proto").map(|v| v.as_bytes()) {
                Some(b"https") => scheme = "https",
                Some(b"http") => scheme = "http",
                _ => {}
            }
        }
    }
    req.extensions_mut().insert(ClientScheme(scheme));
    next.run(req).await
}

/// `X-Forwarded-For` is believed only from a trusted proxy, and read from the right: each
/// proxy appends the address it heard from, so the first address from the right that is not
/// one of our proxies is the client (anything left of it the client could have written).
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(&peer) {
        return peer;
    }
    let header_values: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let mut client = peer;
    for raw in header_values.iter().flat_map(|v| v.split(',')).rev() {
        let Ok(addr) = raw.trim().parse::<IpAddr>() else {
            break; // garbage is the client's own writing: stop at what our proxies wrote
        };
        client = canonical(addr);
        if !trusted.contains(&client) {
            break;
        }
    }
    client
}

/// The block an address belongs to for per-address limits: an IPv4 address itself, an IPv6
/// address its /64.
pub fn subscriber(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
        v4 => v4,
    }
}

/// IPv4 addresses seen through an IPv6 socket count as themselves.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy = ip("10.0.0.2");
        let trusted = [proxy, ip("10.0.0.3")];
        // Straight from the internet: the header is the client's own claim.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &xff("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        // Through our proxy: the rightmost address that is not ours.
        assert_eq!(
            client_ip(proxy, &xff("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(proxy, &xff("198.51.100.7, 10.0.0.3"), &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(proxy, &xff("nonsense, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // A proxy that sent no header: the proxy is all we know.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(
            client_ip(ip("::ffff:203.0.113.9"), &HeaderMap::new(), &[]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn an_ipv6_subscriber_is_its_64_and_an_ipv4_one_its_address() {
        let a = subscriber(ip("2001:db8:1:2:aaaa::1"));
        let b = subscriber(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_eq!(a, b);
        assert_eq!(a, ip("2001:db8:1:2::"));
        assert_ne!(a, subscriber(ip("2001:db8:1:3::1")));
        assert_eq!(subscriber(ip("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(subscriber(ip("::ffff:198.51.100.7")), ip("198.51.100.7"));
    }
}
