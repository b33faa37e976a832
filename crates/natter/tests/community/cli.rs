//! `natter admin` against the real binary, on the data directory of a server that is running.

use std::path::Path;
use std::process::Stdio;

use natter_client::proto::CLOSE_SESSION_ENDED;
use natter_client::Client;
use tokio::io::AsyncWriteExt;

use crate::common::binary::{self, BIN};
use crate::common::{connect_live, expect_closed, password, refused, spawn_app_with, within};

/// Runs `natter admin ARGS` on `dir`, feeding `input` on stdin; returns (success, stdout, stderr).
async fn admin(dir: &Path, args: &[&str], input: &str) -> (bool, String, String) {
    let mut child = tokio::process::Command::new(BIN)
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .args(["--url", "https://chat.example.org"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("natter admin starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin);
    let out = within("natter admin", child.wait_with_output())
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The token at the end of a printed link's first line.
fn token_of(printed: &str, key: &str) -> String {
    let line = printed.lines().next().unwrap();
    let prefix = format!("https://chat.example.org/?{key}=");
    assert!(line.starts_with(&prefix), "a link: {line}");
    line[prefix.len()..].to_owned()
}

#[tokio::test]
async fn an_operator_administers_a_running_server_from_its_machine() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, base) = binary::start(dir.path()).await;
    let mut root = Client::new(&base);
    root.register("root", &password("root"), None)
        .await
        .unwrap();
    let mut bob = Client::new(&base);
    bob.register("bob", &password("bob"), None).await.unwrap();
    let d = dir.path();

    // Create an account (password typed twice), and make it an admin.
    let typed = format!("{0}\n{0}\n", password("carol"));
    let (ok, out, err) = admin(
        d,
        &["create-user", "carol", "--display-name", "Carol"],
        &typed,
    )
    .await;
    assert!(ok, "create-user: {err}");
    assert!(out.contains("created carol (member)"));
    let mismatch = admin(d, &["create-user", "dave"], "one password\nanother one\n").await;
    assert!(
        !mismatch.0 && mismatch.2.contains("differ"),
        "{}",
        mismatch.2
    );
    let mut carol = Client::new(&base);
    carol.login("carol", &password("carol")).await.unwrap();
    assert!(!carol.me().await.unwrap().is_admin);
    let (ok, _, err) = admin(d, &["promote", "carol"], "").await;
    assert!(ok, "{err}");
    assert!(
        carol.me().await.unwrap().is_admin,
        "live, on the running server"
    );

    // A reset link signs bob out and works once.
    let (ok, out, err) = admin(d, &["reset-password", "bob"], "").await;
    assert!(ok, "{err}");
    let token = token_of(&out, "reset");
    Client::new(&base)
        .reset_password(&token, "bob's new password")
        .await
        .unwrap();
    assert_eq!(refused(bob.me().await).0, 401);
    bob.login("bob", "bob's new password").await.unwrap();

    // Registration by invite, with an invite printed here.
    let (ok, out, _) = admin(d, &["registration", "invite"], "").await;
    assert!(ok && out.contains("registration is invite"));
    let mut stranger = Client::new(&base);
    let plain = stranger.register("erin", &password("erin"), None).await;
    assert_eq!(refused(plain).1, "invite_required");
    let (ok, out, err) = admin(d, &["invite", "--uses", "1"], "").await;
    assert!(ok, "{err}");
    let link = out.lines().next().unwrap().to_owned();
    let invite = token_of(&out, "invite");
    stranger
        .register_with_invite("erin", &password("erin"), &link)
        .await
        .unwrap();
    assert!(!invite.is_empty());

    // Deactivation ends bob's sessions.
    let (ok, out, err) = admin(d, &["deactivate", "bob", "--reason", "left"], "").await;
    assert!(ok && out.contains("bob deactivated"), "{err}");
    assert_eq!(refused(bob.me().await).0, 401);

    let (ok, out, _) = admin(d, &["list-users"], "").await;
    assert!(ok);
    let bob_line = out.lines().find(|l| l.starts_with("bob ")).unwrap();
    assert!(bob_line.contains("deactivated") && bob_line.contains("sessions=0"));
    assert!(out
        .lines()
        .any(|l| l.starts_with("carol ") && l.contains("admin")));

    // The last admin stays one; a locked-out admin sets a new password here.
    admin(d, &["demote", "root"], "").await;
    let last = admin(d, &["demote", "carol"], "").await;
    assert!(
        !last.0 && last.2.contains("at least one admin"),
        "{}",
        last.2
    );
    let typed = "carol locked out\ncarol locked out\n";
    let (ok, _, err) = admin(d, &["reset-password", "carol", "--set"], typed).await;
    assert!(ok, "{err}");
    carol.login("carol", "carol locked out").await.unwrap();
    let unknown = admin(d, &["promote", "nobody"], "").await;
    assert!(!unknown.0 && unknown.2.contains("no account named nobody"));

    // Everything the console did is in the audit log, with no actor.
    let log = carol
        .audit(&natter_client::AuditFilter::default())
        .await
        .unwrap()
        .entries;
    let by_console: Vec<&str> = log
        .iter()
        .filter(|e| e.actor_id.is_none())
        .map(|e| e.kind.as_str())
        .collect();
    for kind in [
        "user_created",
        "server_role_changed",
        "password_reset_created",
        "user_deactivated",
        "invite_created",
    ] {
        assert!(by_console.contains(&kind), "{kind} in {by_console:?}");
    }
}

#[tokio::test]
async fn a_session_ended_from_the_console_closes_its_connection_at_the_next_heartbeat() {
    let app = spawn_app_with(|s| s.heartbeat_secs = Some(1)).await;
    app.user("root").await;
    let (bob, _) = app.user("bob").await;
    let (mut bob_ws, _) = connect_live(&bob).await;
    // Another process changes the database; this server's hub never hears of it.
    let (ok, _, err) = admin(app.dir.path(), &["deactivate", "bob"], "").await;
    assert!(ok, "{err}");
    let code = expect_closed(&mut bob_ws, "the close at the next heartbeat").await;
    assert_eq!(code, Some(CLOSE_SESSION_ENDED));
}
