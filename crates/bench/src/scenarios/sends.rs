//! Durable sends: each client keeps a window of sends in flight on its WebSocket, in a room of
//! its own, and sends another as each ack (which comes after the commit) returns.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use natter_client::proto::{ClientFrame, ServerFrame};

use super::{prefix, Scale};
use crate::{measure, population, Outcome};

pub async fn run(base: &str, pid: Option<u32>, scale: Scale) -> anyhow::Result<Outcome> {
    let (clients, window) = scale.pick((4, 4), (16, 16));
    let duration = scale.duration();
    let people = population::accounts(base, &prefix("s"), clients).await?;
    let mut conns = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let room = population::room(person, &[], &format!("sends {i} {}", prefix("r"))).await?;
        conns.push((population::connect(person).await?, room));
    }
    let start = pid.map(measure::sample);
    let began = Instant::now();
    let mut tasks = Vec::new();
    for (mut conn, room) in conns {
        tasks.push(tokio::spawn(async move {
            let mut pending: HashMap<String, Instant> = HashMap::new();
            let mut latencies = Vec::new();
            let mut next = 0u64;
            let end = Instant::now() + duration;
            loop {
                while Instant::now() < end && pending.len() < window {
                    let id = format!("c{next}");
                    next += 1;
                    let frame = ClientFrame::Send {
                        room_id: room.clone(),
                        body: format!("bench message {next}"),
                        client_id: Some(id.clone()),
                        reply_to: None,
                        attachments: Vec::new(),
                    };
                    pending.insert(id, Instant::now());
                    conn.send(&frame).await?;
                }
                if pending.is_empty() {
                    break;
                }
                let frame = tokio::time::timeout(Duration::from_secs(30), conn.next_frame()).await;
                match frame {
                    Ok(Ok(Some(ServerFrame::Ack {
                        client_id: Some(id),
                        ..
                    }))) => {
                        if let Some(sent) = pending.remove(&id) {
                            latencies.push(sent.elapsed());
                        }
                    }
                    Ok(Ok(Some(ServerFrame::Error { code, message, .. }))) => {
                        anyhow::bail!("a send was refused: {code}: {message}")
                    }
                    Ok(Ok(Some(_))) => {}
                    Ok(Ok(None)) | Ok(Err(_)) => anyhow::bail!("the connection closed"),
                    Err(_) => break,
                }
            }
            anyhow::Ok((latencies, pending.len() as u64))
        }));
    }
    let (mut latencies, mut lost) = (Vec::new(), 0);
    for task in tasks {
        let (l, missing) = task.await??;
        latencies.extend(l);
        lost += missing;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let server = pid
        .zip(start)
        .map(|(p, s)| measure::usage(s, measure::sample(p)));
    let figures = super::rate_figures(("acks", "ack"), &mut latencies, elapsed, server.as_ref());
    Ok(Outcome {
        scenario: "sends",
        setup: format!(
            "{clients} clients, {window} in flight each, a room each, {}s",
            duration.as_secs()
        ),
        figures,
        lost,
        server,
    })
}
