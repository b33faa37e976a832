//! Everyone at once: every member of one room connects with many handshakes in flight (as after
//! a server restart); then, while messages keep coming, every one of them drops its connection
//! and resumes with `sync`. Counts who the server closed, and every message lost or duplicated.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use natter_client::proto::{ClientFrame, ServerFrame};
use natter_client::{Client, Connection};
use tokio::sync::{watch, Notify, Semaphore};

use super::{prefix, Scale};
use crate::{measure, population, Outcome};

/// The body of the last message: every member reads until it.
const END: &str = "storm over";

/// What one member saw.
struct Member {
    /// Its first connection answered a ping after everyone had connected.
    stayed: bool,
    /// Its second connection stayed open until the end marker.
    finished: bool,
    /// Seqs of the room's messages it received, in arrival order, live or replayed.
    seqs: Vec<i64>,
}

/// Shared by the members and the conductor.
struct Stage {
    room: String,
    handshakes: Semaphore,
    connected: AtomicUsize,
    resumed: AtomicUsize,
    progress: Notify,
}

impl Stage {
    fn arrived(&self, counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::AcqRel);
        self.progress.notify_one();
    }

    /// Waits until `counter` reaches `n`, for at most two minutes.
    async fn until(&self, counter: &AtomicUsize, n: usize) -> anyhow::Result<()> {
        let waiting = async {
            while counter.load(Ordering::Acquire) < n {
                self.progress.notified().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(120), waiting)
            .await
            .map_err(|_| {
                let got = counter.load(Ordering::Acquire);
                anyhow::anyhow!("only {got} of {n} got there within 2 minutes")
            })
    }
}

pub async fn run(run: &super::Run<'_>) -> anyhow::Result<Outcome> {
    let (base, pid, scale, connections) = (run.base, run.pid, run.scale, run.connections);
    let (accounts, in_flight, per_second) = scale.pick((30, 10, 20u64), (2_000, 200, 10));
    let accounts = connections.unwrap_or(accounts);
    // About 20,000 deliveries a second at full scale, whatever the crowd: enough to make the
    // resume race live messages, not so many that delivery alone fills the server's core.
    let per_second = match scale {
        Scale::Quick => per_second,
        Scale::Full => (20_000 / accounts.max(1) as u64).clamp(1, per_second),
    };
    let people = population::accounts(base, &prefix("s"), accounts + 1, run.accounts).await?;
    let (sender, members) = people.split_first().expect("at least one account");
    let room = population::room(sender, members, &prefix("storm")).await?;
    let stage = Arc::new(Stage {
        room: room.clone(),
        handshakes: Semaphore::new(in_flight),
        connected: AtomicUsize::new(0),
        resumed: AtomicUsize::new(0),
        progress: Notify::new(),
    });
    let (drop_all, dropped) = watch::channel(false);
    let meter = measure::Meter::start(pid);
    let began = Instant::now();
    let tasks: Vec<_> = members
        .iter()
        .map(|client| {
            let stage = stage.clone();
            let dropped = dropped.clone();
            let client = client.clone();
            tokio::spawn(async move { member(client, &stage, dropped).await })
        })
        .collect();
    stage.until(&stage.connected, accounts).await?;
    let connect_secs = began.elapsed().as_secs_f64();
    let connecting = meter.read();
    // Let whatever the arrivals caused (presence, mostly) reach everyone before checking.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let sending = tokio::spawn(send_until_stopped(sender.clone(), room, per_second));
    let dropped_at = Instant::now();
    let resume_meter = measure::Meter::start(pid);
    drop_all.send(true)?;
    stage.until(&stage.resumed, accounts).await?;
    let resume_secs = dropped_at.elapsed().as_secs_f64();
    let resuming = resume_meter.read();
    // Messages keep coming a moment after the last resume, then the end marker.
    tokio::time::sleep(Duration::from_secs(1)).await;
    sending.abort();
    let _ = sending.await;
    let (end, _) = sender.send_message(&stage.room, END, None).await?;

    let (mut stayed, mut finished) = (0, 0);
    let (mut lost, mut duplicated) = (0u64, 0u64);
    for task in tasks {
        let seen = task.await?;
        stayed += usize::from(seen.stayed);
        finished += usize::from(seen.finished);
        if !seen.finished {
            // Closed before the end: a real client would reconnect again; counted as closed.
            continue;
        }
        let unique: HashSet<i64> = seen.seqs.iter().copied().collect();
        duplicated += (seen.seqs.len() - unique.len()) as u64;
        // The room was new: its messages are 1 to the end marker's, all sent after everyone
        // had connected, so every member should have every one.
        lost += (1..=end.seq).filter(|s| !unique.contains(s)).count() as u64;
    }
    let (server, load) = meter.read();
    let closed = (accounts - stayed + accounts - finished) as u64;
    Ok(Outcome {
        scenario: "storm",
        target: "natter",
        setup: format!(
            "{accounts} members of one room connect, {in_flight} handshakes in flight; \
             then all drop and resume with sync while {per_second} msg/s arrive"
        ),
        figures: vec![
            ("connect s".to_owned(), connect_secs),
            ("kept".to_owned(), stayed as f64),
            ("resume s".to_owned(), resume_secs),
            ("kept after resume".to_owned(), finished as f64),
            ("lost msgs".to_owned(), lost as f64),
            ("dup msgs".to_owned(), duplicated as f64),
        ]
        .into_iter()
        .chain(phase_cpu("connect", connecting))
        .chain(phase_cpu("resume", resuming))
        .collect(),
        lost: lost + duplicated + closed,
        server,
        load,
    })
}

/// CPU seconds the server (when known) and the load generator spent in one phase: whichever
/// was near a full core for the phase's length was what it waited for.
fn phase_cpu(
    phase: &str,
    (server, load): (Option<measure::Usage>, measure::Usage),
) -> Vec<(String, f64)> {
    let mut figures = vec![(format!("load CPU {phase} s"), load.cpu_secs)];
    if let Some(server) = server {
        figures.push((format!("server CPU {phase} s"), server.cpu_secs));
    }
    figures
}

/// Posts numbered messages at a steady rate until aborted.
async fn send_until_stopped(sender: Client, room: String, per_second: u64) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second as u32);
    for n in 0u64.. {
        tick.tick().await;
        sender
            .send_message(&room, &format!("storm {n}"), None)
            .await?;
    }
    Ok(())
}

/// One member's life: connect, listen, drop, resume, read to the end. Counts itself in
/// `connected` and `resumed` whether or not it gets in, so the run always goes on.
async fn member(client: Client, stage: &Stage, dropped: watch::Receiver<bool>) -> Member {
    let mut seqs = Vec::new();
    let live = ClientFrame::Sync {
        since: Default::default(),
        revs: Default::default(),
    };
    let first = open(&client, stage, live).await;
    stage.arrived(&stage.connected);
    let Ok(mut conn) = first else {
        // Never got in: counted as not kept, and it still resumes below.
        let _ = dropped.clone().wait_for(|d| *d).await;
        return resume(&client, stage, false, seqs).await;
    };
    // Read live messages until told to drop; a close by the server ends this early.
    let mut open_until_drop = true;
    let told = dropped.clone();
    let mut told_to_drop = std::pin::pin!(async move {
        let mut told = told;
        let _ = told.wait_for(|d| *d).await;
    });
    loop {
        tokio::select! {
            _ = &mut told_to_drop => break,
            frame = conn.next_frame() => match frame {
                Ok(Some(frame)) => take_seq(&stage.room, &frame, &mut seqs),
                _ => {
                    open_until_drop = false;
                    told_to_drop.await;
                    break;
                }
            },
        }
    }
    let stayed = open_until_drop && answers_ping(&mut conn, &stage.room, &mut seqs).await;
    drop(conn);
    resume(&client, stage, stayed, seqs).await
}

/// Reconnects with `sync` from the last message seen and reads until the end marker. Counts
/// itself in `resumed` however that goes: a connection that fails has what it got, and the
/// lost count says the rest.
async fn resume(client: &Client, stage: &Stage, stayed: bool, mut seqs: Vec<i64>) -> Member {
    let last = seqs.iter().copied().max().unwrap_or(0);
    let resume = ClientFrame::Sync {
        since: [(stage.room.clone(), last)].into(),
        revs: Default::default(),
    };
    let Ok(mut conn) = open(client, stage, resume).await else {
        stage.arrived(&stage.resumed);
        return Member {
            stayed,
            finished: false,
            seqs,
        };
    };
    let (mut resumed, mut finished) = (false, false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let frame = tokio::time::timeout_at(deadline, conn.next_frame()).await;
        match frame {
            Ok(Ok(Some(ServerFrame::Synced { more }))) if !resumed => {
                if more.is_empty() {
                    resumed = true;
                    stage.arrived(&stage.resumed);
                    continue;
                }
                // The replay stopped at its cap: ask again from where it got to.
                let again = ClientFrame::Sync {
                    since: more,
                    revs: Default::default(),
                };
                if conn.send(&again).await.is_err() {
                    break;
                }
            }
            Ok(Ok(Some(ServerFrame::Message { message }))) if message.room_id == stage.room => {
                seqs.push(message.seq);
                if message.body == END {
                    finished = true;
                    break;
                }
            }
            Ok(Ok(Some(_))) => {}
            _ => break,
        }
    }
    if !resumed {
        stage.arrived(&stage.resumed);
    }
    Member {
        stayed,
        finished,
        seqs,
    }
}

/// Opens a connection within the handshake limit, reads `ready` and sends `sync`.
async fn open(client: &Client, stage: &Stage, sync: ClientFrame) -> anyhow::Result<Connection> {
    let _slot = stage.handshakes.acquire().await?;
    let tcp = crate::source::tcp(client.base_url()).await?;
    let mut conn = client.connect_over(tcp).await?;
    match conn.next_frame().await? {
        Some(ServerFrame::Ready { .. }) => {}
        other => anyhow::bail!("expected ready first, got {other:?}"),
    }
    conn.send(&sync).await?;
    Ok(conn)
}

/// Whether the connection still answers: a ping, read past whatever was queued before it.
async fn answers_ping(conn: &mut Connection, room: &str, seqs: &mut Vec<i64>) -> bool {
    if conn.send(&ClientFrame::Ping).await.is_err() {
        return false;
    }
    let wait = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match conn.next_frame().await {
                Ok(Some(ServerFrame::Pong)) => return true,
                Ok(Some(frame)) => take_seq(room, &frame, seqs),
                _ => return false,
            }
        }
    });
    wait.await.unwrap_or(false)
}

fn take_seq(room: &str, frame: &ServerFrame, seqs: &mut Vec<i64>) {
    if let ServerFrame::Message { message } = frame {
        if message.room_id == room {
            seqs.push(message.seq);
        }
    }
}
