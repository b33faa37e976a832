//! Test harness: the real server on 127.0.0.1:0 with a temporary data dir, driven by the real
//! client library over real sockets. The listener is bound before the server task starts, so
//! no test ever sleeps waiting for it.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use natter::config::RegistrationSetting;
use natter::{Config, Settings};
use natter_client::proto::{ClientFrame, Message, ReadState, ServerFrame, User};
use natter_client::{Client, ClientError, Connection};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub mod binary;
pub mod screen;

pub const WAIT: Duration = Duration::from_secs(10);

pub struct TestApp {
    pub addr: SocketAddr,
    /// The separate metrics address, when the test configured one.
    pub metrics_addr: Option<SocketAddr>,
    /// The plain-HTTP redirect address, when the test configured TLS with one.
    pub redirect_addr: Option<SocketAddr>,
    pub base: String,
    pub dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server with settings adjusted by `adjust` (short timeouts, small queues, ...).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    // Tests register whoever they need; registration tests close it again themselves.
    // Rate limits are off unless a test is about them: tests act much faster than people.
    let mut settings = Settings {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: Some(dir.path().to_owned()),
        registration: Some(RegistrationSetting::Open),
        rate_limits: Some(vec!["all=off".parse().unwrap()]),
        ..Settings::default()
    };
    adjust(&mut settings);
    let config = Config::resolve(settings);
    let server = natter::bind(&config).await.expect("server binds");
    let addr = server.local_addr().unwrap();
    let metrics_addr = server.metrics_addr();
    let redirect_addr = server.redirect_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        metrics_addr,
        redirect_addr,
        base: format!("http://{addr}"),
        dir,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// A raw request to `/api/v1{path}`, with `token` as its bearer if given: for checking
    /// statuses and bodies the client library would not show.
    pub fn http(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let req = reqwest::Client::new().request(method, format!("{}/api/v1{path}", self.base));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Registers `name` (password `password-<name>`) and returns the logged-in client.
    pub async fn user(&self, name: &str) -> (Client, User) {
        let mut client = self.client();
        let auth = client
            .register(name, &password(name), None)
            .await
            .expect("registration succeeds");
        (client, auth.user)
    }

    /// Stops the server and starts it again on the same address with the same data, as an
    /// operator's restart would.
    pub async fn restart(&mut self) {
        self.shutdown().await;
        let settings = Settings {
            listen: Some(self.addr),
            data_dir: Some(self.dir.path().to_owned()),
            registration: Some(RegistrationSetting::Open),
            rate_limits: Some(vec!["all=off".parse().unwrap()]),
            ..Settings::default()
        };
        let server = natter::bind(&Config::resolve(settings))
            .await
            .expect("server binds again");
        let (stop, stopped) = oneshot::channel::<()>();
        self.task = Some(tokio::spawn(server.run(async {
            let _ = stopped.await;
        })));
        self.stop = Some(stop);
    }

    /// Stops the server gracefully and waits for it.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(WAIT, task).await;
        }
    }
}

pub fn password(name: &str) -> String {
    format!("password-{name}")
}

/// Runs `fut` or fails the test after `WAIT`.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Opens a WebSocket and returns it with its `ready` frame, which must come first.
pub async fn connect(client: &Client) -> (Connection, ServerFrame) {
    let mut conn = client.connect().await.expect("websocket connects");
    let first = within("ready", conn.next_frame())
        .await
        .unwrap()
        .expect("a first frame");
    assert!(
        matches!(first, ServerFrame::Ready { .. }),
        "first frame is ready: {first:?}"
    );
    (conn, first)
}

/// Opens a WebSocket whose live frames flow at once: an empty `sync` ends the hold a new
/// connection puts on live frames while it waits for the client to resume.
pub async fn connect_live(client: &Client) -> (Connection, ServerFrame) {
    let (mut conn, ready) = connect(client).await;
    let sync = ClientFrame::Sync {
        since: Default::default(),
        revs: Default::default(),
    };
    conn.send(&sync).await.unwrap();
    expect_frame(&mut conn, "synced", |f| {
        matches!(f, ServerFrame::Synced { .. })
    })
    .await;
    (conn, ready)
}

/// The HTTP status and error code of a call that must fail.
pub fn refused<T: std::fmt::Debug>(result: Result<T, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Api { status, code, .. }) => (status, code),
        other => panic!("expected an error answer, got {other:?}"),
    }
}

/// Reads frames until one matches `pred`, failing if the connection closes first.
pub async fn expect_frame(
    conn: &mut Connection,
    what: &str,
    pred: impl Fn(&ServerFrame) -> bool,
) -> ServerFrame {
    within(what, async {
        loop {
            match conn.next_frame().await.expect("frame decodes") {
                Some(frame) if pred(&frame) => return frame,
                Some(_) => continue,
                None => panic!(
                    "connection closed while waiting for {what}: {:?}",
                    conn.close_frame()
                ),
            }
        }
    })
    .await
}

/// Reads frames for `quiet`, failing if any matches `pred`.
pub async fn expect_none(
    conn: &mut Connection,
    quiet: Duration,
    pred: impl Fn(&ServerFrame) -> bool,
) {
    let read = async {
        loop {
            match conn.next_frame().await {
                Ok(Some(frame)) => assert!(!pred(&frame), "unexpected frame: {frame:?}"),
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(quiet, read).await;
}

/// Reads frames until the server closes the connection; returns the close code.
pub async fn expect_closed(conn: &mut Connection, what: &str) -> Option<u16> {
    within(what, async {
        loop {
            match conn.next_frame().await {
                Ok(Some(_)) => continue,
                Ok(None) => return conn.close_frame().map(|(code, _)| code),
                Err(_) => return None,
            }
        }
    })
    .await
}

/// The message body of a `message` frame, if it is one.
pub fn message_body(frame: &ServerFrame) -> Option<&str> {
    match frame {
        ServerFrame::Message { message } => Some(&message.body),
        _ => None,
    }
}

/// The message of a `message_updated` frame about message `id`, if it is one.
pub fn updated<'a>(frame: &'a ServerFrame, id: &str) -> Option<&'a Message> {
    match frame {
        ServerFrame::MessageUpdated { message } if message.id == id => Some(message),
        _ => None,
    }
}

pub fn general(ready: &ServerFrame) -> String {
    match ready {
        ServerFrame::Ready { rooms, .. } => rooms
            .iter()
            .find(|r| r.name == "general")
            .expect("general is among the ready rooms")
            .id
            .clone(),
        other => panic!("not a ready frame: {other:?}"),
    }
}

/// The caller's read state in `room`, from a `ready` frame.
pub fn reads_of(ready: &ServerFrame, room: &str) -> ReadState {
    match ready {
        ServerFrame::Ready { reads, .. } => reads
            .iter()
            .find(|r| r.room_id == room)
            .cloned()
            .unwrap_or_else(|| panic!("no read state for room {room} in {reads:?}")),
        other => panic!("not a ready frame: {other:?}"),
    }
}
