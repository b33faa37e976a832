//! The real `natter` binary, started as an operator would start it.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::within;

pub const BIN: &str = env!("CARGO_BIN_EXE_natter");

/// Starts `natter serve` on port 0 and returns it with the address it logged.
pub async fn start(data_dir: &Path) -> (Child, String) {
    start_with(data_dir, &[]).await
}

/// [`start`] with more flags.
pub async fn start_with(data_dir: &Path, extra: &[&std::ffi::OsStr]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--registration", "open"])
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        .env("NATTER_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("natter starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = within("the listening line", async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line
                .split("addr=")
                .nth(1)
                .filter(|_| line.contains("listening"))
            {
                return rest.split_whitespace().next().unwrap().to_owned();
            }
        }
        panic!("natter exited before listening");
    })
    .await;
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{addr}"))
}
