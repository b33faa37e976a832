//! `natter`: the command line. `natter serve` runs the server; `natter chat` is the terminal
//! client; `natter admin` administers a server from its machine.

/// jemalloc instead of the system's allocator: with 19,000 clients reconnecting at once, glibc's
/// malloc was a sixth of the server's CPU, and the server spent a quarter less with jemalloc,
/// with less memory per idle connection and memory that returns after a burst of sign-ups
/// (BENCHMARKS.md, "jemalloc").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use natter::config::LogFormat;
use natter::{Config, Settings};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "natter",
    version,
    about = "A self-hosted real-time chat server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Run the chat server.
    Serve {
        /// A TOML file of settings (same names as the flags, with underscores).
        #[arg(long, env = "NATTER_CONFIG")]
        config: Option<PathBuf>,
        /// Print the resolved configuration and exit.
        #[arg(long)]
        print_config: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Chat from the terminal: logs in (the session is kept per server) and opens the chat.
    Chat {
        /// The server: https://chat.example.org, or http://localhost:8080 on this machine.
        #[arg(long, env = "NATTER_SERVER", default_value = "http://localhost:8080")]
        server: String,
        /// Log out: end the saved session on the server and forget it here.
        #[arg(long)]
        logout: bool,
        /// Allow plain http:// to another machine, which sends your password unencrypted.
        #[arg(long)]
        allow_insecure: bool,
    },
    /// Administer the server from its machine, on its data directory (running or stopped):
    /// create accounts, reset passwords, promote, deactivate, invite.
    Admin {
        /// The server's data directory.
        #[arg(long, env = "NATTER_DATA_DIR", global = true)]
        data_dir: Option<PathBuf>,
        /// The address people open the server at, for the links printed.
        #[arg(
            long,
            env = "NATTER_PUBLIC_URL",
            default_value = "http://localhost:8080",
            global = true
        )]
        url: String,
        #[command(subcommand)]
        command: natter::admin::AdminCommand,
    },
    /// Put a server under load and measure it: sends, history, fanout, idle, storm, mix (all
    /// by default).
    /// Without --server it starts one of its own on a free port and a temporary directory.
    Bench {
        /// The scenarios to run, in order: sends, history, fanout, idle, storm, mix.
        scenarios: Vec<String>,
        /// A running server to drive instead (registration must be open and its rate limits
        /// off for the bench's accounts).
        #[arg(long)]
        server: Option<String>,
        /// That server's process id, to report its CPU time and memory from /proc.
        #[arg(long)]
        server_pid: Option<u32>,
        /// A few seconds and a small population per scenario: checks that the tool works.
        #[arg(long)]
        quick: bool,
        /// Also write the results to this file as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// How many accounts connect in the idle, storm and mix scenarios (2,000 by default),
        /// and how many members the fanout room has (1,000). Past what the open-files limit
        /// allows one process, idle spreads them over several load processes; storm, mix and
        /// fanout run in one.
        #[arg(long)]
        connections: Option<usize>,
        /// What --server is, to compare natter with a peer: natter, ws or socketio (the peers
        /// under bench/peers/, for sends, fanout and idle), or matrix (Synapse, for sends and
        /// history).
        #[arg(long, default_value = "natter")]
        protocol: natter_bench::Target,
        /// Keep the natter accounts the scenarios register in this file (a username and a
        /// session token per line) and use them again in later runs against the same server
        /// and data directory, instead of registering new ones (each costs the server an
        /// Argon2 hash: 19,000 take minutes).
        #[arg(long)]
        accounts: Option<PathBuf>,
        /// How many load processes open the idle scenario's connections (by default as many
        /// as this process's open-files limit needs: one process holds one socket per
        /// descriptor).
        #[arg(long)]
        processes: Option<usize>,
        /// Run as one of those load processes, taking orders on standard input (started by
        /// natter bench itself).
        #[arg(long, hide = true)]
        worker: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve {
            config,
            print_config,
            settings,
        } => run_server(config, print_config, settings),
        Command::Chat {
            server,
            logout,
            allow_insecure,
        } => {
            let args = natter_tui::Args {
                server,
                logout,
                allow_insecure,
            };
            let options = natter_tui::options_from_env();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime
                .block_on(natter_tui::main(args, options))
                .map_err(|e| anyhow::anyhow!("{e}"))
        }
        Command::Admin {
            data_dir,
            url,
            command,
        } => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let dir = natter::admin::data_dir(data_dir);
            let links = natter::admin::Links { base: url };
            runtime.block_on(natter::admin::run(&dir, links, command))
        }
        Command::Bench {
            scenarios,
            server,
            server_pid,
            quick,
            json,
            connections,
            protocol,
            accounts,
            processes,
            worker,
        } => {
            if worker {
                let server = server.context("a load worker needs --server")?;
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .context("starting the async runtime")?;
                return runtime.block_on(natter_bench::work(&server, protocol));
            }
            let scenarios = if scenarios.is_empty() {
                let all = natter_bench::Scenario::ALL.into_iter();
                all.filter(|s| s.runs_on(protocol)).collect()
            } else {
                let parsed: Result<Vec<natter_bench::Scenario>, String> =
                    scenarios.iter().map(|s| s.parse()).collect();
                parsed.map_err(|e| anyhow::anyhow!(e))?
            };
            let options = natter_bench::Options {
                server,
                server_pid,
                serve_with: std::env::current_exe().context("finding this binary")?,
                quick,
                scenarios,
                json,
                connections,
                target: protocol,
                accounts,
                processes,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let outcomes = runtime.block_on(natter_bench::run(&options))?;
            let lost: u64 = outcomes.iter().map(|o| o.lost).sum();
            anyhow::ensure!(lost == 0, "{lost} messages or requests were lost");
            Ok(())
        }
    }
}

fn run_server(
    config: Option<PathBuf>,
    print_config: bool,
    settings: Settings,
) -> anyhow::Result<()> {
    let file = match &config {
        Some(path) => Settings::from_file(path)?,
        None => Settings::default(),
    };
    let config = Config::resolve(file.overridden_by(settings));
    if print_config {
        print!("{}", config.to_toml());
        return Ok(());
    }
    let logs = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).context("invalid log filter")?)
        .with_writer(std::io::stderr)
        // A failed log write (a full disk) must never become a panic in whatever task logged:
        // by default the subscriber reports its own write errors with `eprintln!`, which
        // panics when standard error cannot be written either.
        .log_internal_errors(false);
    match config.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // One JSON object per line, with the span (request, connection) it happened in.
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let server = natter::bind(&config).await?;
    let addr = server.local_addr()?;
    tracing::info!(%addr, data_dir = %config.data_dir.display(), "listening");
    if let Some(schedule) = config.backup.clone() {
        tracing::info!(dir = %schedule.dir.display(), every = ?schedule.every, keep = schedule.keep, "scheduled backups");
        tokio::spawn(natter::backup::run_schedule(
            config.data_dir.clone(),
            schedule,
        ));
    }
    server.run(shutdown_signal()).await?;
    Ok(())
}

/// Resolves on SIGINT (Ctrl+C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
