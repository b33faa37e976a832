//! Sends: each client keeps a window of sends in flight, in a room of its own, and sends
//! another as each ack returns. natter acks after the commit, and so does Matrix (over HTTP,
//! one request per send); the WebSocket peers keep nothing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{prefix, Run};
use crate::wire::{self, Person, Seen, Target};
use crate::{measure, Outcome};

pub async fn run(run: &Run<'_>) -> anyhow::Result<Outcome> {
    let (clients, window) = run.scale.pick((4, 4), (16, 16));
    let duration = run.scale.duration();
    let people = wire::people(run.target, run.base, &prefix("s"), clients, run.accounts).await?;
    let mut rooms = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let name = format!("sends {i} {}", prefix("r"));
        rooms.push(wire::room(std::slice::from_ref(person), &name).await?);
    }
    let meter = measure::Meter::start(run.pid);
    let began = Instant::now();
    let mut tasks = Vec::new();
    for (person, room) in people.into_iter().zip(rooms) {
        if let Person::Matrix(account) = &person {
            // One request per send: `window` requests in flight, each sending again when
            // answered.
            for lane in 0..window {
                let (account, room) = (account.clone(), room.clone());
                tasks.push(tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut n = 0;
                    while began.elapsed() < duration {
                        let asked = Instant::now();
                        let txn = format!("t{lane}x{n}");
                        account
                            .send(&room, &txn, &format!("bench message {n}"))
                            .await?;
                        latencies.push(asked.elapsed());
                        n += 1;
                    }
                    anyhow::Ok((latencies, 0u64))
                }));
            }
            continue;
        }
        let mut conn = person.connect(std::slice::from_ref(&room)).await?;
        tasks.push(tokio::spawn(async move {
            let mut pending: HashMap<u64, Instant> = HashMap::new();
            let mut latencies = Vec::new();
            let mut next = 0u64;
            let end = began + duration;
            loop {
                while Instant::now() < end && pending.len() < window {
                    pending.insert(next, Instant::now());
                    conn.send_message(&room, next, &format!("bench message {next}"))
                        .await?;
                    next += 1;
                }
                if pending.is_empty() {
                    break;
                }
                match tokio::time::timeout(Duration::from_secs(30), conn.next()).await {
                    Ok(Ok(Some(Seen::Ack(id)))) => {
                        if let Some(sent) = pending.remove(&id) {
                            latencies.push(sent.elapsed());
                        }
                    }
                    Ok(Ok(Some(Seen::Refused(why)))) => anyhow::bail!("a send was refused: {why}"),
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
    let (server, load) = meter.read();
    let figures = super::rate_figures(("acks", "ack"), &mut latencies, elapsed, server.as_ref());
    let how = match run.target {
        Target::Matrix => "over HTTP",
        _ => "on a WebSocket",
    };
    Ok(Outcome {
        scenario: "sends",
        target: run.target.name(),
        setup: format!(
            "{clients} clients, {window} in flight each {how}, a room each, {}s",
            duration.as_secs()
        ),
        figures,
        lost,
        server,
        load,
    })
}
