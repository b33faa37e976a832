//! The real `natter` binary as an operator runs it: configuration layering, port 0,
//! SIGTERM, and `kill -9` followed by a restart.

mod common;

use std::path::Path;
use std::time::Duration;

use common::binary::{start, BIN};
use common::expect_closed;
use natter_client::proto::{ClientFrame, ServerFrame, CLOSE_GOING_AWAY};
use natter_client::{Client, History};
use tokio::process::Child;

/// Starts the binary and registers `alice` on it.
async fn start_with_alice(data_dir: &Path) -> (Child, Client) {
    let (server, base) = start(data_dir).await;
    let mut alice = Client::new(&base);
    alice
        .register("alice", "password-alice", None)
        .await
        .unwrap();
    (server, alice)
}

#[tokio::test]
async fn acknowledged_messages_survive_kill_9_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, alice) = start_with_alice(dir.path()).await;
    let room = alice.rooms().await.unwrap()[0].id.clone();
    let sends: Vec<_> = (0..30)
        .map(|i| {
            let (alice, room) = (alice.clone(), room.clone());
            tokio::spawn(async move { alice.send_message(&room, &format!("m{i}"), None).await })
        })
        .collect();
    for s in sends {
        s.await.unwrap().expect("acknowledged");
    }
    server.start_kill().unwrap();
    server.wait().await.unwrap();

    let (_server, base) = start(dir.path()).await;
    let alice = Client::new(&base).with_token(alice.token().unwrap());
    let page = alice
        .messages(
            &room,
            History {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let seqs: Vec<i64> = page.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=30).collect::<Vec<_>>(),
        "every acknowledged message, no gaps"
    );
    let (next, _) = alice
        .send_message(&room, "after restart", None)
        .await
        .unwrap();
    assert_eq!(next.seq, 31);
}

#[tokio::test]
async fn sigterm_closes_websockets_with_1001_and_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, alice) = start_with_alice(dir.path()).await;
    let mut conn = alice.connect().await.unwrap();
    conn.send(&ClientFrame::Ping).await.unwrap();
    let pong = |f: &ServerFrame| matches!(f, ServerFrame::Pong);
    common::expect_frame(&mut conn, "the connection is up", pong).await;
    let pid = server.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(
        expect_closed(&mut conn, "going away").await,
        Some(CLOSE_GOING_AWAY)
    );
    let exit = tokio::time::timeout(Duration::from_secs(15), server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "clean exit: {exit:?}");
}

#[test]
fn settings_layer_defaults_then_file_then_environment_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natter.toml");
    std::fs::write(
        &file,
        "listen = \"0.0.0.0:9000\"\nheartbeat_secs = 5\ntyping_ttl_ms = 100\n",
    )
    .unwrap();
    let out = std::process::Command::new(BIN)
        .args([
            "serve",
            "--print-config",
            "--listen",
            "127.0.0.1:2",
            "--config",
        ])
        .arg(&file)
        .env("NATTER_LISTEN", "127.0.0.1:1")
        .env("NATTER_HEARTBEAT_SECS", "7")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: toml::Table = toml::from_str(&String::from_utf8(out.stdout).unwrap()).unwrap();
    assert_eq!(
        printed["listen"].as_str(),
        Some("127.0.0.1:2"),
        "flag beats env and file"
    );
    assert_eq!(
        printed["heartbeat_secs"].as_integer(),
        Some(7),
        "env beats file"
    );
    assert_eq!(
        printed["typing_ttl_ms"].as_integer(),
        Some(100),
        "file beats default"
    );
    assert_eq!(printed["data_dir"].as_str(), Some("natter-data"), "default");
}

#[test]
fn a_bad_config_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natter.toml");
    std::fs::write(&file, "listne = \"oops\"\n").unwrap();
    let out = std::process::Command::new(BIN)
        .args(["serve", "--print-config", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listne"), "names the bad key: {err}");
}
