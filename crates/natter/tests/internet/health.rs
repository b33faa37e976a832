//! The message pipeline cannot die silently: a log it cannot write kills no task, and
//! `/healthz` answers 503 while messages cannot be committed and 200 again once they can.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::process::Command;

use crate::common::binary::BIN;
use crate::common::*;

async fn health(base: &str) -> (StatusCode, serde_json::Value) {
    let resp = reqwest::get(format!("{base}/healthz")).await.unwrap();
    (resp.status(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_log_that_cannot_be_written_kills_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A free port, since the log that would say which one was picked goes nowhere.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Standard error is /dev/full: every log write fails with "no space left on device",
    // and at debug level every request and every committed batch writes one.
    let dev_full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--registration", "open", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(dir.path())
        .env("NATTER_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::from(dev_full))
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    within("the server to answer", async {
        while reqwest::get(format!("{base}/healthz")).await.is_err() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let mut alice = natter_client::Client::new(&base);
    alice
        .register("alice", "password-alice", None)
        .await
        .unwrap();
    let (mut conn, ready) = connect(&alice).await;
    let room = general(&ready);
    for i in 0..5 {
        let (sent, _) = alice
            .send_message(&room, &format!("m{i}"), None)
            .await
            .unwrap();
        assert_eq!(sent.seq, i + 1);
    }
    let send = natter_client::proto::ClientFrame::Send {
        room_id: room.clone(),
        body: "over the socket".into(),
        client_id: Some("ws-1".into()),
        reply_to: None,
        attachments: Vec::new(),
    };
    conn.send(&send).await.unwrap();
    expect_frame(
        &mut conn,
        "the ack",
        |f| matches!(f, natter_client::proto::ServerFrame::Ack { message, .. } if message.seq == 6),
    )
    .await;
    assert_eq!(health(&base).await.0, StatusCode::OK);
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}

#[tokio::test]
async fn health_is_503_while_messages_cannot_be_committed_and_200_once_they_can() {
    let app = spawn_app().await;
    let (alice, _) = app.user("alice").await;
    let (_conn, ready) = connect(&alice).await;
    let room = general(&ready);
    assert_eq!(health(&app.base).await.0, StatusCode::OK);

    // Another process holds the database's write lock: commits fail once SQLite gives up
    // waiting for it.
    let db = app.dir.path().join("natter.db");
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let refused = alice.send_message(&room, "while locked", None).await;
    let refused = refused.unwrap_err();
    assert_eq!(refused.status(), Some(500));
    let (status, body) = health(&app.base).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["reason"], "messages cannot be committed");

    // The lock goes; the next check's probe finds the store writable, with no send needed.
    locker.execute_batch("ROLLBACK").unwrap();
    drop(locker);
    let (status, body) = health(&app.base).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (sent, _) = alice.send_message(&room, "after", None).await.unwrap();
    assert_eq!(sent.seq, 1, "the refused send was not stored");
}
