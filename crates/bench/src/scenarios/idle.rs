//! Idle connections: many accounts each open one WebSocket, a number at a time, and stay;
//! the server's memory per connection, and whether every one is still there afterwards.

use std::time::{Duration, Instant};

use super::{prefix, Run};
use crate::wire::{self, Conn, Seen};
use crate::{measure, Outcome};

pub async fn run(run: &Run<'_>) -> anyhow::Result<Outcome> {
    let (accounts, at_once) = run.scale.pick((20, 10), (2_000, 200));
    let accounts = run.connections.unwrap_or(accounts);
    let people = wire::people(run.target, run.base, &prefix("i"), accounts, run.accounts).await?;
    let meter = measure::Meter::start(run.pid);
    let began = Instant::now();
    let mut conns: Vec<Conn> = Vec::with_capacity(accounts);
    for batch in people.chunks(at_once) {
        let opening = batch.iter().map(|p| {
            let p = p.clone();
            tokio::spawn(async move { p.connect(&[]).await })
        });
        for task in opening.collect::<Vec<_>>() {
            conns.push(task.await??);
        }
    }
    let connect_secs = began.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (server, load) = meter.read();
    // Each connection answers a ping, reading past whatever was queued for it; one that the
    // server closed meanwhile cannot.
    let mut checks = Vec::new();
    for mut conn in conns {
        checks.push(tokio::spawn(async move {
            conn.ping().await.ok()?;
            let wait = tokio::time::timeout(Duration::from_secs(30), async {
                loop {
                    match conn.next().await {
                        Ok(Some(Seen::Pong)) => return Some(conn),
                        Ok(Some(_)) => continue,
                        _ => return None,
                    }
                }
            });
            wait.await.ok().flatten()
        }));
    }
    let mut alive = 0u64;
    for check in checks {
        alive += u64::from(check.await?.is_some());
    }
    let mut figures = vec![
        ("connect s".to_owned(), connect_secs),
        ("still open".to_owned(), alive as f64),
    ];
    if let Some(s) = &server {
        let per_conn = (s.rss_end_mib - s.rss_start_mib) * 1024.0 / accounts as f64;
        figures.push(("server KiB/conn".to_owned(), per_conn));
    }
    Ok(Outcome {
        scenario: "idle",
        target: run.target.name(),
        setup: format!("{accounts} accounts, one WebSocket each, {at_once} opening at once"),
        figures,
        lost: accounts as u64 - alive,
        server,
        load,
    })
}
