//! `/metrics` in the Prometheus text format, behind a token or on its own address, and logs
//! as JSON lines with the request's span.

use std::process::Stdio;

use natter_client::proto::{ClientFrame, ServerFrame};
use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::common::binary::BIN;
use crate::common::*;

/// The value of the sample whose line starts with `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn scrape(url: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn metrics_count_what_happens_and_are_served_only_with_the_token() {
    let app = spawn_app_with(|s| {
        s.metrics_token = Some("scrape-secret".into());
        s.rate_limits = Some(vec![
            "all=off".parse().unwrap(),
            "search=1/1h".parse().unwrap(),
        ]);
    })
    .await;
    let url = format!("{}/metrics", app.base);
    assert_eq!(scrape(&url, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&url, Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );

    let (alice, _) = app.user("alice").await;
    let (mut conn, ready) = connect_live(&alice).await;
    let room = general(&ready);
    for body in ["one", "two"] {
        alice.send_message(&room, body, None).await.unwrap();
    }
    let send = ClientFrame::Send {
        room_id: room.clone(),
        body: "three".into(),
        client_id: Some("c-3".into()),
        reply_to: None,
        attachments: Vec::new(),
    };
    conn.send(&send).await.unwrap();
    expect_frame(&mut conn, "the ack", |f| {
        matches!(f, ServerFrame::Ack { .. })
    })
    .await;
    let search = natter_client::Search {
        q: "one",
        ..Default::default()
    };
    alice.search(&search).await.unwrap();
    assert!(
        alice.search(&search).await.is_err(),
        "the second search is refused"
    );

    let (status, text) = scrape(&url, Some("scrape-secret")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        sample(&text, "natter_messages_committed_total"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(sample(&text, "natter_websockets"), Some(1.0), "{text}");
    assert!(
        sample(&text, "natter_connections").is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert!(
        sample(&text, "natter_ws_frames_in_total").is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert!(
        sample(&text, "natter_ws_frames_out_total").is_some_and(|n| n >= 3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "natter_rate_limited_total{limit=\"search\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "natter_commit_batch_size_count"),
        Some(3.0),
        "{text}"
    );
    // Latency by route pattern, never by raw path.
    let by_route =
        "natter_http_request_seconds_count{method=\"POST\",route=\"/api/v1/rooms/{id}/messages\"}";
    assert_eq!(sample(&text, by_route), Some(2.0), "{text}");
    assert!(!text.contains(&format!("/rooms/{room}/")), "{text}");
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test]
async fn without_a_token_metrics_are_only_on_their_own_address() {
    let app = spawn_app_with(|s| s.metrics_listen = Some("127.0.0.1:0".parse().unwrap())).await;
    let (status, _) = scrape(&format!("{}/metrics", app.base), Some("anything")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let private = app.metrics_addr.expect("a metrics address");
    let (status, text) = scrape(&format!("http://{private}/metrics"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        text.contains("# TYPE natter_messages_committed counter"),
        "{text}"
    );
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_with_the_request_span() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--registration", "open"])
        .args(["--log-format", "json"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("NATTER_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = within("the listening line", async {
        loop {
            let line = lines.next_line().await.unwrap().expect("a log line");
            let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
            if entry["fields"]["message"] == "listening" {
                return entry["fields"]["addr"].as_str().unwrap().to_owned();
            }
        }
    })
    .await;
    let mut client = natter_client::Client::new(&format!("http://{addr}"));
    client
        .register("alice", "password-alice", None)
        .await
        .unwrap();
    let registered = within("the registration's log line", async {
        loop {
            let line = lines.next_line().await.unwrap().expect("a log line");
            let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
            if entry["fields"]["message"] == "registered" {
                return entry;
            }
        }
    })
    .await;
    // The request's span is the outermost; the handler's own span sits inside it.
    let request = &registered["spans"][0];
    assert_eq!(request["name"], "http", "{registered}");
    assert_eq!(request["route"], "/api/v1/auth/register", "{registered}");
    assert_eq!(request["method"], "POST", "{registered}");
    assert_eq!(registered["level"], "INFO");
    let text = registered.to_string();
    assert!(!text.contains("password-alice"), "{text}");
}
