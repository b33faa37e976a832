//! History reads: clients asking for the newest page of 50 messages of one room over REST,
//! back to back.

use std::time::Instant;

use natter_client::History;

use super::{prefix, Scale};
use crate::{measure, population, Outcome};

pub async fn run(base: &str, pid: Option<u32>, scale: Scale) -> anyhow::Result<Outcome> {
    let (readers, messages) = scale.pick((4, 200), (16, 5_000));
    let duration = scale.duration();
    let people = population::accounts(base, &prefix("h"), readers).await?;
    let room = population::room(&people[0], &people[1..], &prefix("history")).await?;
    // The room's messages, sent over REST by its members in parallel.
    let mut seeding = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let (person, room) = (person.clone(), room.clone());
        let share = messages / readers + usize::from(i < messages % readers);
        seeding.push(tokio::spawn(async move {
            for n in 0..share {
                person
                    .send_message(&room, &format!("history {i} {n}"), None)
                    .await?;
            }
            anyhow::Ok(())
        }));
    }
    for task in seeding {
        task.await??;
    }
    let start = pid.map(measure::sample);
    let began = Instant::now();
    let mut tasks = Vec::new();
    for person in people {
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut short = 0u64;
            while began.elapsed() < duration {
                let asked = Instant::now();
                let page = person
                    .messages(
                        &room,
                        History {
                            limit: Some(50),
                            ..Default::default()
                        },
                    )
                    .await?;
                latencies.push(asked.elapsed());
                // Every page must be full: the room holds more than 50 messages.
                short += u64::from(page.messages.len() != 50.min(messages));
            }
            anyhow::Ok((latencies, short))
        }));
    }
    let (mut latencies, mut lost) = (Vec::new(), 0);
    for task in tasks {
        let (l, short) = task.await??;
        latencies.extend(l);
        lost += short;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let server = pid
        .zip(start)
        .map(|(p, s)| measure::usage(s, measure::sample(p)));
    let figures = super::rate_figures(("pages", "page"), &mut latencies, elapsed, server.as_ref());
    Ok(Outcome {
        scenario: "history",
        setup: format!(
            "{readers} readers, newest page of 50 from a room of {messages}, {}s",
            duration.as_secs()
        ),
        figures,
        lost,
        server,
    })
}
