//! Fan-out: one sender posts at a fixed rate into a room whose every member is connected;
//! each member times each message from its send to its arrival and counts what never came.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::{prefix, Run};
use crate::wire::{self, Seen};
use crate::{measure, Outcome};

pub async fn run(run: &Run<'_>) -> anyhow::Result<Outcome> {
    let members = run.connections.unwrap_or(run.scale.pick(20, 1_000));
    // About 20,000 deliveries a second at full scale, whatever the room's size: less than any
    // server measured here carries on one core of this machine, so the CPU per delivery is
    // what a delivery costs, not a saturated core divided by the offered rate.
    let per_second = run
        .scale
        .pick(20, (20_000 / members.max(1) as u64).clamp(1, 50));
    let duration = run.scale.duration();
    let people = wire::people(run.target, run.base, &prefix("f"), members, run.accounts).await?;
    let room = wire::room(&people, &prefix("fanout")).await?;
    let rooms = [room.clone()];
    let mut conns = Vec::new();
    for person in &people {
        conns.push(person.connect(&rooms).await?);
    }
    let total = per_second * duration.as_secs();
    let began = Instant::now();
    // Everyone but the sender listens, until the last message or a deadline well after it.
    let mut listeners = Vec::new();
    let mut sender = conns.remove(0);
    for mut conn in conns {
        listeners.push(tokio::spawn(async move {
            let deadline = began + duration + Duration::from_secs(10);
            let (mut seen, mut latencies) = (HashSet::new(), Vec::new());
            while (seen.len() as u64) < total {
                let left = deadline.saturating_duration_since(Instant::now());
                let Ok(arrived) = tokio::time::timeout(left, conn.next()).await else {
                    break;
                };
                let Some(Seen::Message(body)) = arrived? else {
                    continue;
                };
                let mut words = body.split(' ').skip(1);
                let (Some(n), Some(at)) = (words.next(), words.next()) else {
                    continue;
                };
                if let (Ok(n), Ok(at)) = (n.parse::<u64>(), at.parse::<u64>()) {
                    if seen.insert(n) {
                        latencies.push(began.elapsed().saturating_sub(Duration::from_micros(at)));
                    }
                }
            }
            anyhow::Ok((latencies, total - seen.len() as u64))
        }));
    }
    let meter = measure::Meter::start(run.pid);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second as u32);
    let mut sent = 0;
    while sent < total {
        tokio::select! {
            _ = tick.tick() => {
                let at = began.elapsed().as_micros();
                sender.send_message(&room, sent, &format!("fan {sent} {at}")).await?;
                sent += 1;
            }
            // The sender's own acks and echoes, read so its queue never fills.
            arrived = sender.next() => { arrived?; }
        }
    }
    let (mut latencies, mut lost) = (Vec::new(), 0);
    for task in listeners {
        let (l, missing) = task.await??;
        latencies.extend(l);
        lost += missing;
    }
    let (server, load) = meter.read();
    let figures = super::rate_figures(
        ("deliveries", "delivery"),
        &mut latencies,
        duration.as_secs_f64(),
        server.as_ref(),
    );
    Ok(Outcome {
        scenario: "fanout",
        target: run.target.name(),
        setup: format!(
            "{per_second} msg/s into a room of {members}, all connected, {}s",
            duration.as_secs()
        ),
        figures,
        lost,
        server,
        load,
    })
}
