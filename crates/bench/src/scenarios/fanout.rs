//! Fan-out: one sender posts at a fixed rate into a room whose every member is connected;
//! each member times each message from its send to its arrival and counts what never came.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use natter_client::proto::{ClientFrame, ServerFrame};

use super::{prefix, Scale};
use crate::{measure, population, Outcome};

pub async fn run(base: &str, pid: Option<u32>, scale: Scale) -> anyhow::Result<Outcome> {
    let (members, per_second) = scale.pick((20, 20u64), (1_000, 50));
    let duration = scale.duration();
    let people = population::accounts(base, &prefix("f"), members).await?;
    let room = population::room(&people[0], &people[1..], &prefix("fanout")).await?;
    let mut conns = Vec::new();
    for person in &people {
        conns.push(population::connect(person).await?);
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
                let Ok(frame) = tokio::time::timeout(left, conn.next_frame()).await else {
                    break;
                };
                let Some(ServerFrame::Message { message }) = frame? else {
                    continue;
                };
                let mut words = message.body.split(' ').skip(1);
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
    let start = pid.map(measure::sample);
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second as u32);
    let mut sent = 0;
    while sent < total {
        tokio::select! {
            _ = tick.tick() => {
                let at = began.elapsed().as_micros();
                let frame = ClientFrame::Send {
                    room_id: room.clone(),
                    body: format!("fan {sent} {at}"),
                    client_id: None,
                    reply_to: None,
                    attachments: Vec::new(),
                };
                sender.send(&frame).await?;
                sent += 1;
            }
            // The sender's own acks and echoes, read so its queue never fills.
            frame = sender.next_frame() => { frame?; }
        }
    }
    let (mut latencies, mut lost) = (Vec::new(), 0);
    for task in listeners {
        let (l, missing) = task.await??;
        latencies.extend(l);
        lost += missing;
    }
    let server = pid
        .zip(start)
        .map(|(p, s)| measure::usage(s, measure::sample(p)));
    let figures = super::rate_figures(
        ("deliveries", "delivery"),
        &mut latencies,
        duration.as_secs_f64(),
        server.as_ref(),
    );
    Ok(Outcome {
        scenario: "fanout",
        setup: format!(
            "{per_second} msg/s into a room of {members}, all connected, {}s",
            duration.as_secs()
        ),
        figures,
        lost,
        server,
    })
}
