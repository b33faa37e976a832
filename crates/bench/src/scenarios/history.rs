//! History reads: clients asking for the newest page of 50 messages of one room over REST,
//! back to back.

use std::time::Instant;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{prefix, Run};
use crate::wire::{self, Person};
use crate::{measure, Outcome};

pub async fn run(run: &Run<'_>) -> anyhow::Result<Outcome> {
    let (readers, messages) = run.scale.pick((4, 200), (16, 5_000));
    let duration = run.scale.duration();
    let people = wire::people(run.target, run.base, &prefix("h"), readers, run.accounts).await?;
    let room = wire::room(&people, &prefix("history")).await?;
    // The room's messages, sent over REST by its members in parallel.
    let mut seeding = Vec::new();
    for (i, person) in people.iter().enumerate() {
        let (person, room) = (person.clone(), room.clone());
        let share = messages / readers + usize::from(i < messages % readers);
        seeding.push(tokio::spawn(async move {
            for n in 0..share {
                let body = format!("history {i} {n}");
                match &person {
                    Person::Natter(client) => {
                        client.send_message(&room, &body, None).await?;
                    }
                    Person::Matrix(account) => account.send(&room, &format!("h{n}"), &body).await?,
                    Person::Peer(_) => anyhow::bail!("peers keep no history"),
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in seeding {
        task.await??;
    }
    // natter's readers keep their HTTP connection between pages, as a browser does and as the
    // Matrix accounts do (the accounts were made closing theirs after each request), and only
    // count what they get, so the load generator's one core is not the limit.
    let http = reqwest::Client::new();
    let clients: Vec<Reader> = people
        .into_iter()
        .map(|person| match person {
            Person::Natter(client) => Reader::Natter {
                http: http.clone(),
                url: format!(
                    "{}/api/v1/rooms/{room}/messages?limit=50",
                    client.base_url()
                ),
                token: client.token().unwrap_or_default().to_owned(),
            },
            other => Reader::Other(other),
        })
        .collect();
    let meter = measure::Meter::start(run.pid);
    let began = Instant::now();
    let mut tasks = Vec::new();
    for reader in clients {
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut short = 0u64;
            while began.elapsed() < duration {
                let asked = Instant::now();
                let got = match &reader {
                    Reader::Natter { http, url, token } => {
                        let answer = http.get(url).bearer_auth(token).send().await?;
                        let answer = answer.error_for_status()?;
                        answer.json::<Page>().await?.messages.len()
                    }
                    Reader::Other(Person::Matrix(account)) => {
                        account.newest_page(&room, 50).await?
                    }
                    Reader::Other(_) => anyhow::bail!("peers keep no history"),
                };
                latencies.push(asked.elapsed());
                // Every page must be full: the room holds more than 50 messages.
                short += u64::from(got != 50.min(messages));
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
    let (server, load) = meter.read();
    let figures = super::rate_figures(("pages", "page"), &mut latencies, elapsed, server.as_ref());
    Ok(Outcome {
        scenario: "history",
        target: run.target.name(),
        setup: format!(
            "{readers} readers, newest page of 50 from a room of {messages}, {}s",
            duration.as_secs()
        ),
        figures,
        lost,
        server,
        load,
    })
}

/// Who reads pages: natter over plain HTTP, the others through their own accounts.
enum Reader {
    Natter {
        http: reqwest::Client,
        url: String,
        token: String,
    },
    Other(Person),
}

/// A page of natter's history, its messages counted, not kept.
#[derive(Deserialize)]
struct Page {
    messages: Vec<IgnoredAny>,
}
