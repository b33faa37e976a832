//! A minimum rate for request bodies: after a grace period, a body must keep arriving at an
//! average of at least `min_rate` bytes a second, or the request fails. A client that trickles
//! a byte now and then (slow POST) cannot hold a connection and a handler for ever, while a
//! large upload on a slow but honest link has all the time its size needs.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::AppState;

/// What a request body must keep up with.
#[derive(Debug, Clone, Copy)]
pub struct BodyRate {
    /// Bytes a second, on average since the request began, once the grace is over.
    pub min_rate: u64,
    /// How long a body may take before the rate counts.
    pub grace: Duration,
}

#[derive(Debug, thiserror::Error)]
#[error("the request body arrived too slowly")]
pub struct TooSlow;

struct RateBody {
    inner: Body,
    rate: BodyRate,
    start: Instant,
    received: u64,
    deadline: Pin<Box<Sleep>>,
}

impl RateBody {
    fn new(inner: Body, rate: BodyRate) -> Self {
        let start = Instant::now();
        RateBody {
            inner,
            rate,
            start,
            received: 0,
            deadline: Box::pin(tokio::time::sleep_until(start + rate.grace)),
        }
    }

    /// The time by which the bytes received so far would fall below the minimum rate.
    fn next_deadline(&self) -> Instant {
        let earned = Duration::from_secs_f64(self.received as f64 / self.rate.min_rate as f64);
        self.start + self.rate.grace + earned
    }
}

impl http_body::Body for RateBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    let next = this.next_deadline();
                    this.deadline.as_mut().reset(next);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(TooSlow)))),
                Poll::Pending => Poll::Pending,
            },
            done => done,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps the body of every request that has one.
pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let rate = state.config().body_rate;
    let has_body = !http_body::Body::is_end_stream(req.body());
    let req = if has_body && rate.min_rate > 0 {
        req.map(|body| Body::new(RateBody::new(body, rate)))
    } else {
        req
    };
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn rate() -> BodyRate {
        BodyRate {
            min_rate: 100,
            grace: Duration::from_secs(10),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_keeps_up_arrives_whole_and_one_that_trickles_fails() {
        // 1,000 bytes at 100 a second plus 10 s of grace: 20 s in all.
        let (tx, body) = channel_body();
        let reader = tokio::spawn(RateBody::new(body, rate()).collect());
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            tx.send(Bytes::from(vec![b'x'; 100])).await.unwrap();
        }
        drop(tx);
        let got = reader.await.unwrap().expect("a body that keeps up");
        assert_eq!(got.to_bytes().len(), 1000);

        let (tx, body) = channel_body();
        let started = Instant::now();
        let reader = tokio::spawn(RateBody::new(body, rate()).collect());
        // One byte every 5 s: after the grace, each byte buys 10 ms, so it falls behind.
        let trickle = tokio::spawn(async move {
            while tx.send(Bytes::from_static(b"x")).await.is_ok() {
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        });
        assert!(reader.await.unwrap().is_err(), "a trickle fails");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(10) && took < Duration::from_secs(11),
            "{took:?}"
        );
        trickle.abort();
    }

    fn channel_body() -> (tokio::sync::mpsc::Sender<Bytes>, Body) {
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(1);
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, std::io::Error>(b), rx))
        });
        (tx, Body::from_stream(stream))
    }
}
