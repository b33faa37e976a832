//! The connection task: keeps one WebSocket open, reconnecting with backoff, and passes frames
//! both ways. It knows nothing of rooms or messages; the screen answers `ready` with `sync` and
//! keeps the outbox, so resuming is decided in one place ([`crate::state`]).

use std::time::Duration;

use natter_client::proto::{ClientFrame, ServerFrame, CLOSE_SESSION_ENDED, CLOSE_TOO_MANY};
use natter_client::{Client, Connection};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The first wait before reconnecting; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(15);
/// A `ping` is sent this often, and a connection that has heard nothing for [`SILENCE`] is
/// taken for dead (the server pings every 25 s and answers every `ping`).
const PING_EVERY: Duration = Duration::from_secs(20);
const SILENCE: Duration = Duration::from_secs(45);

/// The state of the link, for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Connecting {
        attempt: u32,
    },
    Online,
    /// Waiting to reconnect; `retry_at` is when the next attempt starts.
    Offline {
        reason: String,
        retry_at: Instant,
    },
    /// The session was logged out or revoked: the user has to log in again.
    SessionEnded,
}

/// How long a connection closed to make way for another waits before trying again by itself.
const WAIT_FOR_USER: Duration = Duration::from_secs(24 * 3600);

/// What the connection task reports.
#[derive(Debug)]
pub enum NetEvent {
    Link(Link),
    Frame(Box<ServerFrame>),
}

/// The screen's handle on the connection task. Dropping it ends the task.
pub struct Net {
    out: mpsc::UnboundedSender<ClientFrame>,
    retry_now: mpsc::UnboundedSender<()>,
}

impl Net {
    /// Starts the task; its reports go to `report`, wrapped by `wrap`.
    pub fn start<E: Send + 'static>(
        client: Client,
        report: mpsc::UnboundedSender<E>,
        wrap: fn(NetEvent) -> E,
    ) -> Net {
        let (out, out_rx) = mpsc::unbounded_channel();
        let (retry_now, retry_rx) = mpsc::unbounded_channel();
        let task = Task {
            client,
            report: Box::new(move |event| report.send(wrap(event)).is_ok()),
            out: out_rx,
            retry_now: retry_rx,
        };
        tokio::spawn(task.run());
        Net { out, retry_now }
    }

    /// Sends a frame if the link is up; frames sent while offline are dropped (the outbox
    /// resends messages after the next `sync`).
    pub fn send(&self, frame: ClientFrame) {
        let _ = self.out.send(frame);
    }

    /// Skips the rest of the backoff wait.
    pub fn retry_now(&self) {
        let _ = self.retry_now.send(());
    }
}

struct Task {
    client: Client,
    /// Returns `false` once nobody listens any more.
    report: Box<dyn Fn(NetEvent) -> bool + Send>,
    out: mpsc::UnboundedReceiver<ClientFrame>,
    retry_now: mpsc::UnboundedReceiver<()>,
}

/// Why a connection ended.
enum Ended {
    /// Reconnect after a backoff, for this reason.
    Lost(String),
    /// Closed to make way for a newer connection of the same account: reconnect only when
    /// the user asks (Ctrl+R), or the two would take turns closing each other.
    Replaced,
    Revoked,
    /// The screen went away.
    Quit,
}

impl Task {
    async fn run(mut self) {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if !(self.report)(NetEvent::Link(Link::Connecting { attempt })) {
                return;
            }
            let mut wait = backoff(attempt);
            let reason = match self.client.connect().await {
                Ok(conn) => {
                    attempt = 0;
                    wait = backoff(0);
                    match self.serve(conn).await {
                        Ended::Lost(reason) => reason,
                        Ended::Replaced => {
                            wait = WAIT_FOR_USER;
                            "closed: this account has too many connections open; Ctrl+R reconnects"
                                .to_owned()
                        }
                        Ended::Revoked => break,
                        Ended::Quit => return,
                    }
                }
                Err(e) if e.status() == Some(401) => break,
                Err(e) => e.describe(),
            };
            let retry_at = Instant::now() + wait;
            if !(self.report)(NetEvent::Link(Link::Offline { reason, retry_at })) {
                return;
            }
            if !self.wait(retry_at).await {
                return;
            }
        }
        (self.report)(NetEvent::Link(Link::SessionEnded));
    }

    /// Waits until `until`, or until the user asks to retry; drops frames meanwhile. Returns
    /// `false` if the screen went away.
    async fn wait(&mut self, until: Instant) -> bool {
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => return true,
                retry = self.retry_now.recv() => return retry.is_some(),
                frame = self.out.recv() => if frame.is_none() { return false },
            }
        }
    }

    async fn serve(&mut self, mut conn: Connection) -> Ended {
        if !(self.report)(NetEvent::Link(Link::Online)) {
            return Ended::Quit;
        }
        while self.retry_now.try_recv().is_ok() {}
        let mut heard = Instant::now();
        let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            tokio::select! {
                frame = conn.next_frame() => match frame {
                    Ok(Some(frame)) => {
                        heard = Instant::now();
                        if !(self.report)(NetEvent::Frame(Box::new(frame))) {
                            return Ended::Quit;
                        }
                    }
                    Ok(None) => return closed(&conn),
                    Err(e) => return Ended::Lost(e.to_string()),
                },
                out = self.out.recv() => match out {
                    Some(frame) => {
                        if let Err(e) = conn.send(&frame).await {
                            return Ended::Lost(e.to_string());
                        }
                    }
                    None => {
                        let _ = conn.close().await;
                        return Ended::Quit;
                    }
                },
                _ = ping.tick() => {
                    if heard.elapsed() > SILENCE {
                        return Ended::Lost("the server stopped answering".to_owned());
                    }
                    if let Err(e) = conn.send(&ClientFrame::Ping).await {
                        return Ended::Lost(e.to_string());
                    }
                }
            }
        }
    }
}

fn closed(conn: &Connection) -> Ended {
    match conn.close_frame() {
        Some((CLOSE_SESSION_ENDED, _)) => Ended::Revoked,
        Some((CLOSE_TOO_MANY, _)) => Ended::Replaced,
        Some((code, reason)) if !reason.is_empty() => {
            Ended::Lost(format!("closed by the server ({code} {reason})"))
        }
        _ => Ended::Lost("the connection closed".to_owned()),
    }
}

/// 0.5 s, 1 s, 2 s, ... up to 15 s, with up to a quarter added at random so that many clients
/// dropped together do not all come back at the same instant.
fn backoff(attempt: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(8))
        .min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap_with_bounded_jitter() {
        for (attempt, base_ms) in [(1, 500), (2, 1000), (3, 2000), (5, 8000), (9, 15000)] {
            let wait = backoff(attempt).as_millis() as u64;
            assert!(
                (base_ms..=base_ms + base_ms / 4).contains(&wait),
                "attempt {attempt}: {wait} ms"
            );
        }
        assert!(backoff(1000) <= MAX_BACKOFF + MAX_BACKOFF / 4);
    }
}
