//! `natter bench`: a load generator for a natter server.
//!
//! It either starts a server of its own (the same binary's `natter serve`, on a free port and a
//! temporary data directory, with rate limits off) or drives one given by address. Each
//! scenario sets up its accounts and rooms over the API, runs for a while, and reports what the
//! clients saw (rates, latency percentiles, losses) beside what the server spent (CPU and
//! resident memory from `/proc`, when its process id is known). Results print as a table and
//! can be written as JSON.

mod crew;
mod matrix;
mod measure;
mod peer;
mod population;
mod scenarios;
mod server;
mod source;
mod wire;

use std::path::PathBuf;

pub use scenarios::Scenario;
use serde::Serialize;
pub use wire::Target;

/// What to run, and against what.
#[derive(Debug, Clone)]
pub struct Options {
    /// The server to drive; `None` starts one with `serve_with` (the binary's own path).
    pub server: Option<String>,
    /// The driven server's process id, for its CPU and memory (read from `/proc`).
    pub server_pid: Option<u32>,
    /// The `natter` binary that serves when no server is given.
    pub serve_with: PathBuf,
    /// A few seconds and a small population per scenario: a check that the tool works.
    pub quick: bool,
    pub scenarios: Vec<Scenario>,
    /// Where to write the results as JSON.
    pub json: Option<PathBuf>,
    /// Accounts that connect in the idle, storm and fanout scenarios, instead of their usual
    /// number.
    pub connections: Option<usize>,
    /// What kind of server `server` is: natter, or a peer to compare it with.
    pub target: Target,
    /// A file that keeps the natter accounts the scenarios register (username and session
    /// token), to use them again in later runs against the same server and data instead of
    /// registering new ones.
    pub accounts: Option<PathBuf>,
    /// How many load processes open the idle scenario's connections; by default as many as
    /// this process's open-files limit needs (one below about 19,700 connections here).
    pub processes: Option<usize>,
}

/// One scenario's outcome: what was offered, what came back, what it cost.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub scenario: &'static str,
    /// The kind of server measured (`natter`, `ws`, `socketio`, `matrix`).
    pub target: &'static str,
    /// What was run, in words (clients, rooms, rates, duration).
    pub setup: String,
    /// Named figures: rates, percentiles in milliseconds, counts.
    pub figures: Vec<(String, f64)>,
    /// Messages or requests that should have arrived and did not. Any is a failure.
    pub lost: u64,
    pub server: Option<measure::Usage>,
    /// What the load generator itself spent over the same time: a figure is the server's only
    /// while this stays below one core.
    pub load: measure::Usage,
}

/// A load worker's life (`natter bench --worker`): takes its orders from the process that
/// started it (see `crew`), on standard input, until that closes.
pub async fn work(base: &str, target: Target) -> anyhow::Result<()> {
    crew::work(base, target).await
}

/// Runs the scenarios in order and returns their outcomes; printing is the caller's.
pub async fn run(options: &Options) -> anyhow::Result<Vec<Outcome>> {
    if let Some(s) = options
        .scenarios
        .iter()
        .find(|s| !s.runs_on(options.target))
    {
        anyhow::bail!(
            "the {} scenario cannot run against a {} server",
            s.name(),
            options.target.name()
        );
    }
    anyhow::ensure!(
        options.target == Target::Natter || options.server.is_some(),
        "a {} server must be started first and given with --server",
        options.target.name()
    );
    let spawned = match &options.server {
        Some(_) => None,
        None => Some(server::Spawned::start(&options.serve_with).await?),
    };
    let base = match (&options.server, &spawned) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, Some(s)) => s.base.clone(),
        (None, None) => unreachable!("a server was started"),
    };
    let pid = options.server_pid.or(spawned.as_ref().map(|s| s.pid));
    let mut outcomes = Vec::new();
    for scenario in &options.scenarios {
        let run = scenarios::Run {
            base: &base,
            pid,
            scale: if options.quick {
                scenarios::Scale::Quick
            } else {
                scenarios::Scale::Full
            },
            connections: options.connections,
            target: options.target,
            accounts: options.accounts.as_deref(),
            processes: options.processes,
            exe: &options.serve_with,
        };
        let outcome = scenario.run(&run).await?;
        println!("{}", report::row(&outcome));
        outcomes.push(outcome);
    }
    if let Some(path) = &options.json {
        std::fs::write(path, serde_json::to_vec_pretty(&outcomes)?)?;
    }
    drop(spawned);
    Ok(outcomes)
}

pub mod report;
