//! Connections spread over several load processes.
//!
//! A process holds at most as many sockets as its open-files limit allows (20,000 on the
//! machines these numbers come from), so past that the idle scenario runs workers: copies of
//! this binary (`natter bench --worker --server URL`) that each open a share of the
//! connections. The parent registers the accounts, hands each worker its accounts' session
//! tokens, and steps the workers through connecting and checking, one JSON line on a worker's
//! standard input per step and one line back on its standard output. A worker whose input
//! closes exits, and its connections close with it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::wire::{Conn, Person, Target};

/// What the parent asks of a worker. Not `Debug`: it carries session tokens.
#[derive(Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "lowercase")]
enum Order {
    /// Open a WebSocket for each of these accounts (session tokens), `at_once` at a time.
    Connect { tokens: Vec<String>, at_once: usize },
    /// Ping every connection and count the ones that answer.
    Check,
}

/// A worker's answer to one order.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "done", rename_all = "lowercase")]
enum Report {
    Connected,
    Checked { alive: u64 },
    Failed { error: String },
}

/// How long a worker may take over one step: opening its share of 19,000 connections takes
/// seconds, so this is only there so that a stuck worker fails the run instead of hanging it.
const STEP_TIMEOUT: Duration = Duration::from_secs(300);

/// How many load processes `connections` need: one for as many as this process's open-files
/// limit allows, keeping a few hundred descriptors for everything else.
pub fn processes_for(connections: usize) -> usize {
    let per_process = open_files_limit().map_or(usize::MAX, |n| n.saturating_sub(300).max(100));
    connections.div_ceil(per_process).max(1)
}

/// The soft limit on open files, from `/proc/self/limits` (Linux).
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Running workers.
pub struct Crew {
    workers: Vec<Worker>,
}

struct Worker {
    child: Child,
    input: ChildStdin,
    output: Lines<BufReader<ChildStdout>>,
}

impl Crew {
    /// Starts `n` workers of `exe` against the server at `base`.
    pub fn start(exe: &Path, base: &str, target: Target, n: usize) -> anyhow::Result<Crew> {
        let mut workers = Vec::with_capacity(n);
        for _ in 0..n {
            let mut child = Command::new(exe)
                .args(["bench", "--worker", "--server", base, "--protocol"])
                .arg(target.name())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("starting a load worker ({})", exe.display()))?;
            let input = child.stdin.take().context("a worker's input")?;
            let output = BufReader::new(child.stdout.take().context("a worker's output")?).lines();
            workers.push(Worker {
                child,
                input,
                output,
            });
        }
        Ok(Crew { workers })
    }

    /// The workers' process ids, for their CPU and memory.
    pub fn pids(&self) -> Vec<u32> {
        self.workers.iter().filter_map(|w| w.child.id()).collect()
    }

    /// Opens a connection for each of `people`, dealt out to the workers in turn, with
    /// `at_once` opening at a time in all; returns once every worker has opened its share.
    pub async fn connect(&mut self, people: &[Person], at_once: usize) -> anyhow::Result<()> {
        let n = self.workers.len();
        let mut shares = vec![Vec::new(); n];
        for (i, person) in people.iter().enumerate() {
            shares[i % n].push(person.token()?.to_owned());
        }
        let at_once = at_once.div_ceil(n).max(1);
        let orders = shares
            .into_iter()
            .map(|tokens| Order::Connect { tokens, at_once });
        for report in self.step(orders).await? {
            anyhow::ensure!(
                matches!(report, Report::Connected),
                "a worker answered {report:?}"
            );
        }
        Ok(())
    }

    /// How many of the workers' connections answer a ping.
    pub async fn check(&mut self) -> anyhow::Result<u64> {
        let orders = (0..self.workers.len()).map(|_| Order::Check);
        let mut alive = 0;
        for report in self.step(orders).await? {
            match report {
                Report::Checked { alive: a } => alive += a,
                other => anyhow::bail!("a worker answered {other:?}"),
            }
        }
        Ok(alive)
    }

    /// Gives each worker its order, all at once, then waits for every answer.
    async fn step(&mut self, orders: impl Iterator<Item = Order>) -> anyhow::Result<Vec<Report>> {
        for (worker, order) in self.workers.iter_mut().zip(orders) {
            let mut line = serde_json::to_vec(&order)?;
            line.push(b'\n');
            worker.input.write_all(&line).await?;
            worker.input.flush().await?;
        }
        let mut reports = Vec::with_capacity(self.workers.len());
        for worker in &mut self.workers {
            let line = tokio::time::timeout(STEP_TIMEOUT, worker.output.next_line())
                .await
                .context("a load worker did not answer in time")??
                .context("a load worker ended without answering")?;
            let report: Report = serde_json::from_str(&line)
                .with_context(|| format!("a load worker answered {line:?}"))?;
            if let Report::Failed { error } = &report {
                anyhow::bail!("a load worker failed: {error}");
            }
            reports.push(report);
        }
        Ok(reports)
    }

    /// Closes every worker's input, so that each closes its connections and exits, and waits
    /// for them.
    pub async fn finish(self) -> anyhow::Result<()> {
        for mut worker in self.workers {
            drop(worker.input);
            let status = worker.child.wait().await?;
            anyhow::ensure!(status.success(), "a load worker exited with {status}");
        }
        Ok(())
    }
}

/// A worker's life: reads orders from standard input until it closes, answering each on
/// standard output, and holds the connections it opened meanwhile.
pub async fn work(base: &str, target: Target) -> anyhow::Result<()> {
    let mut orders = BufReader::new(tokio::io::stdin()).lines();
    let mut out = tokio::io::stdout();
    let http = natter_client::Client::http_without_idle_connections();
    let mut conns: Vec<Conn> = Vec::new();
    while let Some(line) = orders.next_line().await? {
        let report = match serde_json::from_str::<Order>(&line) {
            Ok(Order::Connect { tokens, at_once }) => {
                let people: Vec<Person> = tokens
                    .into_iter()
                    .map(|t| Person::with_token(target, base, &http, t))
                    .collect::<anyhow::Result<_>>()?;
                match crate::scenarios::open_all(&people, at_once).await {
                    Ok(opened) => {
                        conns.extend(opened);
                        Report::Connected
                    }
                    Err(e) => Report::Failed {
                        error: format!("{e:#}"),
                    },
                }
            }
            Ok(Order::Check) => {
                conns = crate::scenarios::answering(std::mem::take(&mut conns)).await?;
                Report::Checked {
                    alive: conns.len() as u64,
                }
            }
            Err(e) => Report::Failed {
                error: format!("an order this worker does not know: {e}"),
            },
        };
        let mut line = serde_json::to_vec(&report)?;
        line.push(b'\n');
        out.write_all(&line).await?;
        out.flush().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_and_reports_are_one_json_line_each() {
        let order = Order::Connect {
            tokens: vec!["t1".into(), "t2".into()],
            at_once: 5,
        };
        let line = serde_json::to_string(&order).unwrap();
        assert_eq!(line, r#"{"do":"connect","tokens":["t1","t2"],"at_once":5}"#);
        let report: Report = serde_json::from_str(r#"{"done":"checked","alive":7}"#).unwrap();
        assert!(matches!(report, Report::Checked { alive: 7 }));
    }

    #[test]
    fn processes_follow_the_open_files_limit() {
        let Some(limit) = open_files_limit().filter(|&n| n > 400) else {
            // No limit, or one too small to leave a few hundred descriptors spare.
            return;
        };
        assert_eq!(processes_for(1), 1);
        assert_eq!(processes_for(limit - 300), 1);
        assert_eq!(processes_for(limit - 299), 2);
    }
}
