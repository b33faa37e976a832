//! Idle connections: many accounts each open one WebSocket, a number at a time, and stay;
//! the server's memory per connection, and whether every one is still there afterwards. Past
//! what one process's open-files limit allows, the connections are spread over several load
//! processes (`crew`).

use std::time::{Duration, Instant};

use super::{prefix, Run};
use crate::wire::{self, Conn, Person, Seen};
use crate::{crew, measure, Outcome};

pub async fn run(run: &Run<'_>) -> anyhow::Result<Outcome> {
    let (accounts, at_once) = run.scale.pick((20, 10), (2_000, 200));
    let accounts = run.connections.unwrap_or(accounts);
    let processes = run
        .processes
        .unwrap_or_else(|| crew::processes_for(accounts))
        .clamp(1, accounts.max(1));
    let people = wire::people(run.target, run.base, &prefix("i"), accounts, run.accounts).await?;
    // Workers start before the clock: what is measured is the connecting, not their start.
    let mut crew = match processes {
        1 => None,
        n => Some(crew::Crew::start(run.exe, run.base, run.target, n)?),
    };
    let helpers = crew.as_ref().map(crew::Crew::pids).unwrap_or_default();
    let meter = measure::Meter::start(run.pid).with_helpers(helpers);
    let began = Instant::now();
    let conns = match &mut crew {
        None => open_all(&people, at_once).await?,
        Some(crew) => {
            crew.connect(&people, at_once).await?;
            Vec::new()
        }
    };
    let connect_secs = began.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (server, load) = meter.read();
    let alive = match &mut crew {
        None => answering(conns).await?.len() as u64,
        Some(crew) => crew.check().await?,
    };
    if let Some(crew) = crew {
        crew.finish().await?;
    }
    let mut figures = vec![
        ("connect s".to_owned(), connect_secs),
        ("still open".to_owned(), alive as f64),
    ];
    if let Some(s) = &server {
        let per_conn = (s.rss_end_mib - s.rss_start_mib) * 1024.0 / accounts as f64;
        figures.push(("server KiB/conn".to_owned(), per_conn));
    }
    let from = match processes {
        1 => String::new(),
        n => format!(", from {n} load processes"),
    };
    Ok(Outcome {
        scenario: "idle",
        target: run.target.name(),
        setup: format!("{accounts} accounts, one WebSocket each, {at_once} opening at once{from}"),
        figures,
        lost: accounts as u64 - alive,
        server,
        load,
    })
}

/// Opens a WebSocket for each of `people`, `at_once` at a time.
pub(crate) async fn open_all(people: &[Person], at_once: usize) -> anyhow::Result<Vec<Conn>> {
    let mut conns = Vec::with_capacity(people.len());
    for batch in people.chunks(at_once.max(1)) {
        let opening = batch.iter().map(|p| {
            let p = p.clone();
            tokio::spawn(async move { p.connect(&[]).await })
        });
        for task in opening.collect::<Vec<_>>() {
            conns.push(task.await??);
        }
    }
    Ok(conns)
}

/// The connections that answer a ping, reading past whatever was queued for them; one that
/// the server closed meanwhile cannot.
pub(crate) async fn answering(conns: Vec<Conn>) -> anyhow::Result<Vec<Conn>> {
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
    let mut alive = Vec::new();
    for check in checks {
        alive.extend(check.await?);
    }
    Ok(alive)
}
