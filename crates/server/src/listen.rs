//! The accept loop: every TCP connection is admitted against the global and per-address
//! connection caps, then served as HTTP/1.1 by hyper with a deadline on request headers that
//! also bounds how long an idle keep-alive connection stays open.
//!
//! A connection's [`ConnSlot`] is freed when the last holder drops it: the HTTP connection, or
//! the WebSocket task an upgrade handed it to, so upgraded sockets count against the caps too.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::metrics::Metrics;

/// What the accept loop enforces.
#[derive(Clone)]
pub struct ConnLimits {
    /// Connections open at once, all addresses together (WebSockets included).
    pub max_total: usize,
    /// Connections open at once from one address (trusted proxies are exempt).
    pub max_per_addr: usize,
    /// The whole request head must arrive within this, and an idle keep-alive connection is
    /// closed after it.
    pub header_read_timeout: Duration,
    /// Addresses exempt from the per-address cap: the reverse proxies.
    pub trusted_proxies: Vec<IpAddr>,
    /// With it, every connection is TLS; the handshake must finish within the header timeout.
    pub tls: Option<crate::tls::Tls>,
    pub metrics: Arc<Metrics>,
}

struct Counts {
    total: Arc<Semaphore>,
    per_addr: Mutex<HashMap<IpAddr, usize>>,
    metrics: Arc<Metrics>,
}

/// One admitted connection's place under the caps; dropping the last clone frees it.
pub struct ConnSlot {
    counts: Arc<Counts>,
    addr: Option<IpAddr>,
    _total: OwnedSemaphorePermit,
}

impl Drop for ConnSlot {
    fn drop(&mut self) {
        self.counts.metrics.connections.dec();
        let Some(addr) = self.addr else { return };
        let mut per_addr = self
            .counts
            .per_addr
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = per_addr.get_mut(&addr) {
            *n -= 1;
            if *n == 0 {
                per_addr.remove(&addr);
            }
        }
    }
}

impl Counts {
    fn admit(self: &Arc<Self>, limits: &ConnLimits, peer: IpAddr) -> Option<ConnSlot> {
        let total = self.total.clone().try_acquire_owned().ok()?;
        let addr = if limits.trusted_proxies.contains(&peer) {
            None
        } else {
            let peer = crate::peer::subscriber(peer);
            let mut per_addr = self.per_addr.lock().unwrap_or_else(|p| p.into_inner());
            let n = per_addr.entry(peer).or_insert(0);
            if *n >= limits.max_per_addr {
                return None;
            }
            *n += 1;
            Some(peer)
        };
        self.metrics.connections.inc();
        Some(ConnSlot {
            counts: self.clone(),
            addr,
            _total: total,
        })
    }
}

/// Bytes the kernel may hold unsent for one connection before the server's writes wait.
/// Linux otherwise grows a socket's send buffer to 4 MiB for a reader that stops reading; this
/// bounds what a stalled reader costs to about this much plus one write, and makes its
/// connection's writes wait, so it is dropped by the write timeout or the queue bound. Bytes
/// already sent and not yet acknowledged do not count, so fast transfers keep their speed.
const NOTSENT_LOWAT: u32 = 64 * 1024;

/// Connections the kernel completes and queues for the accept loop (capped by the system's
/// `net.core.somaxconn`). The 128 of a plain `bind` overflowed when hundreds reconnected at
/// once while the server was busy (19,000 resuming after a restart): the kernel then drops
/// the newcomer's handshake, and the client waits a second or more to try again.
pub(crate) const BACKLOG: u32 = 4096;

/// A listening socket on `addr` with an accept queue of [`BACKLOG`].
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    // As `TcpListener::bind` does: a restarted server may take its port back at once.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Socket options for every accepted connection: no Nagle delay (frames are small and
/// latency matters), and a bound on unsent bytes.
fn tune(stream: &tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
    // Linux's option; elsewhere the kernel's own send-buffer sizing stands.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = socket2::SockRef::from(stream).set_tcp_notsent_lowat(NOTSENT_LOWAT);
}

/// Accepts and serves connections until `shutdown` turns true, then lets every HTTP
/// connection finish its request in flight and waits for them (WebSockets are the caller's).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    mut shutdown: watch::Receiver<bool>,
) {
    let counts = Arc::new(Counts {
        total: Arc::new(Semaphore::new(limits.max_total.max(1))),
        per_addr: Mutex::new(HashMap::new()),
        metrics: limits.metrics.clone(),
    });
    let limits = Arc::new(limits);
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let mut refused_logged = false;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors, most likely: back off instead of spinning on the error.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let peer = SocketAddr::new(crate::peer::canonical(peer.ip()), peer.port());
        let Some(slot) = counts.admit(&limits, peer.ip()) else {
            // Closed at once: the refused never cost more than an accept.
            limits.metrics.refused_connection();
            if !refused_logged {
                tracing::warn!(addr = %peer.ip(), "connection refused: at the connection cap");
                refused_logged = true;
            }
            drop(stream);
            continue;
        };
        refused_logged = false;
        tune(&stream);
        let (alive, stop) = (alive.clone(), shutdown.clone());
        let (slot, app, limits) = (Arc::new(slot), app.clone(), limits.clone());
        tokio::spawn(async move {
            match &limits.tls {
                None => {
                    let conn = serve_one(stream, peer, slot, app, &limits);
                    conn_until_shutdown(conn, stop).await;
                }
                Some(tls) => {
                    // A client that stalls its handshake is held no longer than one that
                    // stalls its headers.
                    let handshake = tls.acceptor().accept(stream);
                    match tokio::time::timeout(limits.header_read_timeout, handshake).await {
                        Ok(Ok(stream)) => {
                            let conn = serve_one(stream, peer, slot, app, &limits);
                            conn_until_shutdown(conn, stop).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
            drop(alive);
        });
    }
    drop(alive);
    let _ = all_done.recv().await;
}

/// Hands each request of one connection to the router, with the peer's address and the
/// connection's slot in its extensions.
#[derive(Clone)]
struct PerConn {
    app: Router,
    peer: SocketAddr,
    slot: Arc<ConnSlot>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for PerConn {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = tower::util::Oneshot<Router, hyper::Request<Incoming>>;

    fn call(&self, mut req: hyper::Request<Incoming>) -> Self::Future {
        req.extensions_mut().insert(ConnectInfo(self.peer));
        req.extensions_mut().insert(self.slot.clone());
        self.app.clone().oneshot(req)
    }
}

type Conn<S> = http1::UpgradeableConnection<TokioIo<S>, PerConn>;

fn serve_one<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    peer: SocketAddr,
    slot: Arc<ConnSlot>,
    app: Router,
    limits: &ConnLimits,
) -> Conn<S> {
    http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), PerConn { app, peer, slot })
        .with_upgrades()
}

async fn conn_until_shutdown<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    conn: Conn<S>,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
    // Finish the request in flight, answer it with `Connection: close`, then stop.
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// The soft limit on open files, raised to the hard limit first where allowed: the connection
/// cap is set below it, so the database, uploads and logs always have descriptors left.
pub fn descriptor_budget() -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = raised;
        }
    }
    let soft = limit.current.unwrap_or(1 << 20).min(1 << 20) as usize;
    // A tenth (at least 64) is kept for everything that is not a client connection.
    soft.saturating_sub((soft / 10).max(64)).max(16)
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tune_tests {
    use super::*;

    #[tokio::test]
    async fn a_crowd_connecting_at_once_is_queued_not_dropped() {
        // Nobody accepts while they connect: each handshake completes only if the kernel has
        // room to queue it, else its SYN waits a second to be sent again. 300 is well past a
        // plain `bind`'s 128 (and under the 4,096 somaxconn of current kernels).
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let crowd = (0..300).map(|_| {
            tokio::time::timeout(
                Duration::from_millis(500),
                tokio::net::TcpStream::connect(addr),
            )
        });
        let connected = futures_util::future::join_all(crowd).await;
        let queued = connected.iter().filter(|c| matches!(c, Ok(Ok(_)))).count();
        assert_eq!(queued, 300, "handshakes left waiting for a retry");
        for _ in 0..300 {
            listener.accept().await.unwrap();
        }
    }

    #[tokio::test]
    async fn accepted_sockets_bound_their_unsent_bytes_and_skip_nagle() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        tune(&accepted);
        let sock = socket2::SockRef::from(&accepted);
        assert_eq!(sock.tcp_notsent_lowat().unwrap(), NOTSENT_LOWAT);
        assert!(accepted.nodelay().unwrap());
    }
}
