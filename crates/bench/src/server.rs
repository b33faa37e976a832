//! A server of the bench's own: `natter serve` on a free port and a temporary data directory,
//! with open registration and no rate or connection limits in the way of the load.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use tokio::process::{Child, Command};

pub struct Spawned {
    pub base: String,
    pub pid: u32,
    _child: Child,
    _dir: tempfile::TempDir,
}

impl Spawned {
    pub async fn start(bin: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(bin)
            .arg("serve")
            .args(["--listen", &addr])
            .arg("--data-dir")
            .arg(dir.path())
            .args(["--registration", "open", "--rate-limit", "all=off"])
            .args(["--max-conns-per-addr", "1000000", "--log-format", "json"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let pid = child.id().context("the server exited at once")?;
        // Bounded: give up after 30 s rather than wait forever on a server that cannot start.
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return Ok(Spawned {
                    base: format!("http://{addr}"),
                    pid,
                    _child: child,
                    _dir: dir,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not start listening on {addr} within 30 s")
    }
}
