//! A chat-like mix: many rooms of Zipf-distributed sizes (one holds everyone, most are
//! small), every member connected. People pick one of their rooms, start typing there a moment
//! before they send; everyone reads what arrives, and marks the room they have open as read at
//! most once a second. Each member knows from the script which messages it should receive:
//! counts every one lost, duplicated or delivered where it should not be, and times each from
//! send to arrival, and each ack. Everyone stays connected until the last member is done.

mod town;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use natter_client::proto::{ClientFrame, ServerFrame, Visibility};
use natter_client::{Client, Connection};
use tokio::sync::Barrier;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{prefix, Run};
use crate::{measure, population, wire, Outcome};
use town::{Say, Script, Town};

/// How far apart one member's read marks for the room it has open are, at least.
const READ_EVERY: Duration = Duration::from_secs(1);

/// How long before sending a message its sender starts typing.
const TYPING_LEAD: Duration = Duration::from_millis(1500);

pub async fn run(run: &Run<'_>) -> anyhow::Result<Outcome> {
    let people_n = run.connections.unwrap_or(run.scale.pick(30, 2_000));
    let rooms_n = (people_n / 10).clamp(3, 500);
    let duration = run.scale.duration();
    let mut rng = fastrand::Rng::with_seed(14);
    let town = Town::zipf(people_n, rooms_n, &mut rng);
    // About 20,000 deliveries a second at full scale, as in fanout: what a delivery costs, not
    // a saturated core divided by the offered rate.
    let per_second = run.scale.pick(20.0, 20_000.0 / town.mean_fanout().max(1.0));
    let total = ((per_second * duration.as_secs_f64()) as u64).max(1);
    let script = Script::draw(&town, total, duration, &mut rng);

    let people = population::accounts(run.base, &prefix("m"), people_n, run.accounts).await?;
    let rooms = Arc::new(make_rooms(&people, &town).await?);
    let mut conns = Vec::with_capacity(people.len());
    for person in &people {
        conns.push(population::connect(person).await?);
    }
    let meter = measure::Meter::start(run.pid);
    let began = Instant::now();
    let deadline = began + duration + Duration::from_secs(10);
    let all_done = Arc::new(Barrier::new(conns.len()));
    // Dropped on an early return, which aborts every member still running.
    let mut tasks = JoinSet::new();
    let parts = conns.into_iter().zip(script.says).zip(script.expected);
    for (((conn, says), expected), mine) in parts.zip(&town.rooms_of) {
        let part = Part {
            says,
            expected: expected.into_iter().collect(),
            // The room it has open: its smallest.
            open: mine.last().map(|&r| rooms[r].clone()),
            rooms: rooms.clone(),
        };
        tasks.spawn(member(conn, part, (began, deadline), all_done.clone()));
    }
    let mut heard = Heard::default();
    while let Some(done) = tasks.join_next().await {
        heard.add(done??);
    }
    let (server, load) = meter.read();
    // Over the time things actually arrived in: a server that fell behind shows a lower rate.
    let secs = heard
        .last
        .map_or(duration, |last| (last - began).max(duration))
        .as_secs_f64();
    let mut figures = super::rate_figures(
        ("deliveries", "delivery"),
        &mut heard.latencies,
        secs,
        server.as_ref(),
    );
    let acks = heard.acks.len() as f64;
    figures.splice(
        0..0,
        [
            ("msgs/s".to_owned(), acks / secs),
            (
                "ack p99 ms".to_owned(),
                measure::percentile_ms(&mut heard.acks, 0.99),
            ),
            ("typing/s".to_owned(), heard.typing as f64 / secs),
            ("reads/s".to_owned(), heard.reads as f64 / secs),
            ("lost msgs".to_owned(), heard.lost as f64),
            ("dup msgs".to_owned(), heard.duplicated as f64),
            ("stray msgs".to_owned(), heard.stray as f64),
        ],
    );
    Ok(Outcome {
        scenario: "mix",
        target: "natter",
        setup: format!(
            "{people_n} people in {rooms_n} rooms of {} down to {} members (Zipf), all \
             connected; {per_second:.0} msg/s with typing and read marks, {}s",
            town.rooms[0].len(),
            town.rooms[rooms_n - 1].len(),
            duration.as_secs()
        ),
        figures,
        lost: heard.lost + heard.duplicated + heard.stray + heard.unacked + heard.closed,
        server,
        load,
    })
}

/// Creates every room (by its first member) and has the rest join, a few at a time.
async fn make_rooms(people: &[Client], town: &Town) -> anyhow::Result<Vec<String>> {
    let name = prefix("mix");
    let mut ids = Vec::with_capacity(town.rooms.len());
    for (k, members) in town.rooms.iter().enumerate() {
        let owner = &people[members[0]];
        let room = owner
            .create_room(&format!("{name}{k}"), None, Visibility::Public)
            .await?;
        ids.push(room.id);
    }
    let joins = town.rooms.iter().zip(&ids).flat_map(|(members, id)| {
        members[1..]
            .iter()
            .map(move |&m| async move { people[m].join(id).await })
    });
    let mut joining = futures_util::stream::iter(joins).buffer_unordered(16);
    while let Some(joined) = joining.next().await {
        joined?;
    }
    drop(joining);
    Ok(ids)
}

/// One member's part in the script.
struct Part {
    says: Vec<Say>,
    /// The ids of the messages from others it should receive.
    expected: HashSet<u64>,
    /// The room whose messages it marks as read.
    open: Option<String>,
    rooms: Arc<Vec<String>>,
}

/// What the members heard, summed.
#[derive(Default)]
struct Heard {
    latencies: Vec<Duration>,
    acks: Vec<Duration>,
    /// Notices that someone started typing.
    typing: u64,
    reads: u64,
    lost: u64,
    duplicated: u64,
    /// Messages a member received that the script did not send to it.
    stray: u64,
    unacked: u64,
    /// Members whose connection the server closed.
    closed: u64,
    /// When the last message or ack arrived.
    last: Option<Instant>,
}

impl Heard {
    fn add(&mut self, other: Heard) {
        self.latencies.extend(other.latencies);
        self.acks.extend(other.acks);
        self.typing += other.typing;
        self.reads += other.reads;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.stray += other.stray;
        self.unacked += other.unacked;
        self.closed += other.closed;
        self.last = self.last.max(other.last);
    }
}

/// What a member does next: start typing before a message, or send it.
#[derive(Clone, Copy)]
enum Act {
    Type(Say),
    Send(Say),
}

impl Act {
    fn at(self) -> Duration {
        match self {
            Act::Type(say) => say.at.saturating_sub(TYPING_LEAD),
            Act::Send(say) => say.at,
        }
    }
}

/// Plays its part on time and reads until it has everything it expects and every ack, or the
/// deadline; then keeps reading, connected, until every member is done.
async fn member(
    mut conn: Connection,
    part: Part,
    (began, deadline): (Instant, Instant),
    all_done: Arc<Barrier>,
) -> anyhow::Result<Heard> {
    let mut acts: Vec<Act> = part
        .says
        .iter()
        .flat_map(|&s| [Act::Type(s), Act::Send(s)])
        .collect();
    acts.sort_by_key(|a| a.at());
    let mut heard = Heard::default();
    let own: HashSet<u64> = part.says.iter().map(|s| s.id).collect();
    let mut pending: HashMap<u64, Instant> = HashMap::new();
    let mut seen = HashSet::with_capacity(part.expected.len());
    let (mut next, mut sent) = (0, 0);
    let mut last_read: Option<Instant> = None;
    loop {
        let all_sent = next == acts.len();
        if all_sent && pending.is_empty() && seen.len() >= part.expected.len() {
            break;
        }
        let act_at = acts.get(next).map_or(deadline, |a| began + a.at());
        let frame = tokio::select! {
            _ = tokio::time::sleep_until(act_at), if !all_sent => {
                let act = acts[next];
                next += 1;
                match act {
                    Act::Type(say) => {
                        let room_id = part.rooms[say.room].clone();
                        conn.send(&ClientFrame::Typing { room_id, active: true }).await?;
                    }
                    Act::Send(say) => {
                        send(&mut conn, &part.rooms[say.room], say.id, began).await?;
                        pending.insert(say.id, Instant::now());
                        sent += 1;
                    }
                }
                continue;
            }
            _ = tokio::time::sleep_until(deadline) => break,
            frame = conn.next_frame() => frame?,
        };
        match frame {
            None => {
                heard.closed = 1;
                break;
            }
            Some(ServerFrame::Message { message }) => {
                let Some((id, at)) = numbers(&message.body) else {
                    continue;
                };
                if own.contains(&id) {
                    continue;
                }
                if !part.expected.contains(&id) {
                    heard.stray += 1;
                    continue;
                }
                if !seen.insert(id) {
                    heard.duplicated += 1;
                    continue;
                }
                let now = Instant::now();
                heard
                    .latencies
                    .push(now.saturating_duration_since(began + Duration::from_micros(at)));
                heard.last = Some(now);
                let due = last_read.is_none_or(|t| t.elapsed() >= READ_EVERY);
                if due && part.open.as_deref() == Some(message.room_id.as_str()) {
                    conn.send(&ClientFrame::Read {
                        room_id: message.room_id,
                        seq: message.seq,
                    })
                    .await?;
                    heard.reads += 1;
                    last_read = Some(now);
                }
            }
            Some(ServerFrame::Ack { client_id, .. }) => {
                let id = client_id.as_deref().and_then(wire::sent_id);
                if let Some(sent) = id.and_then(|id| pending.remove(&id)) {
                    heard.acks.push(sent.elapsed());
                    heard.last = Some(Instant::now());
                }
            }
            Some(ServerFrame::Typing { active: true, .. }) => heard.typing += 1,
            Some(ServerFrame::Error { code, message, .. }) => {
                anyhow::bail!("the server refused: {code}: {message}")
            }
            Some(_) => {}
        }
    }
    heard.lost = part.expected.len().saturating_sub(seen.len()) as u64;
    heard.unacked = (part.says.len() - sent + pending.len()) as u64;
    // Stays connected, reading, until everyone is done: a member that left early would make
    // the others' last seconds pay for its presence and `last_seen`.
    let mut everyone = std::pin::pin!(all_done.wait());
    loop {
        tokio::select! {
            _ = &mut everyone => break,
            frame = conn.next_frame() => if !matches!(frame, Ok(Some(_))) {
                heard.closed = 1;
                everyone.await;
                break;
            },
        }
    }
    Ok(heard)
}

/// Sends message `id` into `room`, its body carrying its id and when it was sent.
async fn send(conn: &mut Connection, room: &str, id: u64, began: Instant) -> anyhow::Result<()> {
    let at = began.elapsed().as_micros();
    conn.send(&ClientFrame::Send {
        room_id: room.to_owned(),
        body: format!("mix {id} {at}"),
        client_id: Some(wire::client_id(room, id)),
        reply_to: None,
        attachments: Vec::new(),
    })
    .await?;
    Ok(())
}

/// The id and the send time in microseconds of a body `mix {id} {at}`.
fn numbers(body: &str) -> Option<(u64, u64)> {
    let mut words = body.strip_prefix("mix ")?.split(' ');
    Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
}
