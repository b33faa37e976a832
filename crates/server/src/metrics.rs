//! What an operator scrapes: counters, gauges and histograms in the Prometheus (OpenMetrics)
//! text format, at `/metrics` behind a token or on a separate address.
//!
//! Everything is recorded where it happens (the accept loop, the connection tasks, the
//! pipeline, the rate limits, the HTTP layer) through [`Metrics`], which is cheap to update
//! (atomics) and never blocks.

use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use tracing::Instrument;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabel {
    limit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

fn seconds() -> Histogram {
    // 100 µs to about 3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// Every metric the server keeps.
pub struct Metrics {
    registry: Registry,
    pub connections: Gauge<i64, AtomicI64>,
    pub websockets: Gauge<i64, AtomicI64>,
    connections_refused: Counter,
    pub frames_in: Counter,
    pub frames_out: Counter,
    pub messages_committed: Counter,
    batch_size: Histogram,
    commit_seconds: Histogram,
    fanout_seconds: Histogram,
    kicked: Family<ReasonLabel, Counter>,
    rate_limited: Family<LimitLabel, Counter>,
    http_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut m = Metrics {
            registry: Registry::with_prefix("natter"),
            connections: Gauge::default(),
            websockets: Gauge::default(),
            connections_refused: Counter::default(),
            frames_in: Counter::default(),
            frames_out: Counter::default(),
            messages_committed: Counter::default(),
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            commit_seconds: seconds(),
            fanout_seconds: seconds(),
            kicked: Family::default(),
            rate_limited: Family::default(),
            http_seconds: Family::new_with_constructor(seconds),
        };
        let r = &mut m.registry;
        r.register(
            "connections",
            "Open TCP connections, WebSockets included",
            m.connections.clone(),
        );
        r.register("websockets", "Open WebSockets", m.websockets.clone());
        r.register(
            "connections_refused",
            "Connections closed at once for being past a connection cap",
            m.connections_refused.clone(),
        );
        r.register(
            "ws_frames_in",
            "WebSocket messages received",
            m.frames_in.clone(),
        );
        r.register(
            "ws_frames_out",
            "WebSocket frames sent",
            m.frames_out.clone(),
        );
        r.register(
            "messages_committed",
            "Messages stored (acknowledged only after this)",
            m.messages_committed.clone(),
        );
        r.register(
            "commit_batch_size",
            "Messages per group commit",
            m.batch_size.clone(),
        );
        r.register(
            "commit_seconds",
            "Time to commit one batch of messages",
            m.commit_seconds.clone(),
        );
        r.register(
            "fanout_seconds",
            "Time to publish and acknowledge one committed batch",
            m.fanout_seconds.clone(),
        );
        r.register(
            "ws_kicked",
            "WebSockets closed by the server, by reason",
            m.kicked.clone(),
        );
        r.register(
            "rate_limited",
            "Requests and frames refused by a rate limit, by limit",
            m.rate_limited.clone(),
        );
        r.register(
            "http_request_seconds",
            "HTTP request latency by route",
            m.http_seconds.clone(),
        );
        m
    }

    pub fn refused_connection(&self) {
        self.connections_refused.inc();
    }

    pub fn batch(&self, size: usize, commit: Duration, fanout: Duration, committed: u64) {
        self.batch_size.observe(size as f64);
        self.commit_seconds.observe(commit.as_secs_f64());
        self.fanout_seconds.observe(fanout.as_secs_f64());
        self.messages_committed.inc_by(committed);
    }

    /// A connection the server closed: `lagged`, `session_ended`, `replaced` or `idle`.
    pub fn kicked(&self, reason: &'static str) {
        self.kicked.get_or_create(&ReasonLabel { reason }).inc();
    }

    pub fn rate_limited(&self, limit: &'static str) {
        self.rate_limited.get_or_create(&LimitLabel { limit }).inc();
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// Times each request by its route (the pattern, never the raw path, so ids do not explode
/// the label set) and runs it in a span of its own.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("other", |p| p.as_str())
        .to_owned();
    let method = req.method().as_str().to_owned();
    let span = tracing::info_span!("http", %method, %route);
    let start = Instant::now();
    let response = next.run(req).instrument(span).await;
    let labels = RouteLabels { method, route };
    state
        .metrics()
        .http_seconds
        .get_or_create(&labels)
        .observe(start.elapsed().as_secs_f64());
    response
}

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `/metrics` on the main address: only with `Authorization: Bearer <metrics token>`, and a
/// plain 404 when no token is configured (as if the route did not exist).
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(crate::Secret(token)) = state.config().metrics_token.as_ref() else {
        return crate::ApiError::NoRoute.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compared as hashes, so the time taken says nothing about how much of it matched.
    if crate::auth::token_hash(given) != crate::auth::token_hash(token) {
        return crate::ApiError::Unauthorized.into_response();
    }
    exposition(&state)
}

/// Serves `/metrics` (and nothing else) on its own listener until shutdown.
pub fn serve_separately(listener: tokio::net::TcpListener, state: AppState) {
    let mut stopping = state.inner.shutdown.clone();
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(state): State<AppState>| async move { exposition(&state) }),
        )
        .with_state(state);
    tokio::spawn(async move {
        let stop = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            tracing::warn!(error = %e, "the metrics listener failed");
        }
    });
}

/// The metrics as the separate metrics listener serves them (no token: bind it privately).
pub fn exposition(state: &AppState) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        state.metrics().encode(),
    )
        .into_response()
}
