//! `natter chat` end to end: the real binary in a real terminal (tmux), against the real
//! `natter serve` binary, with a second user on the client library. Keys go in with
//! `tmux send-keys`, and the screen is read back with `tmux capture-pane`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::binary::{start, BIN};
use common::{connect_live, expect_frame, general, message_body};
use natter_client::Client;

/// One tmux server of its own (`-L`), so the test never touches a user's sessions.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Tmux {
        Tmux {
            socket: format!("natter-test-{}", std::process::id()),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = std::process::Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs (apt-get install tmux)");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs `command` in a new 100×30 window called `name` that stays after it exits.
    fn start(&self, name: &str, command: &str) {
        self.run(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "100",
            "-y",
            "30",
            command,
        ]);
        self.run(&["set-option", "-t", name, "remain-on-exit", "on"]);
    }

    fn screen(&self, name: &str) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", name]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types `text` literally, then presses Enter.
    fn line(&self, name: &str, text: &str) {
        if !text.is_empty() {
            self.run(&["send-keys", "-t", name, "-l", text]);
        }
        self.run(&["send-keys", "-t", name, "Enter"]);
    }

    /// Polls the screen until it shows `needle`, for up to ten seconds.
    async fn wait_for(&self, name: &str, needle: &str) -> String {
        for _ in 0..100 {
            let screen = self.screen(name);
            if screen.contains(needle) {
                return screen;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{name} never showed {needle:?}; it shows:\n{}",
            self.screen(name)
        );
    }

    /// Waits for the program in `name` to exit and returns its exit status, as the shell
    /// around it printed it (see [`chat_command`]).
    async fn wait_exit(&self, name: &str) -> String {
        let screen = self.wait_for(name, "natter-exit=").await;
        let status = screen.split("natter-exit=").nth(1).unwrap_or_default();
        status
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// `natter chat` in a shell that prints its exit status when it ends.
fn chat_command(config: &Path, base: &str, extra: &str) -> String {
    format!(
        "sh -c 'env NATTER_CONFIG_DIR={} TERM=xterm-256color {BIN} chat --server {base} {extra}; \
         echo natter-exit=$?; sleep 60'",
        config.display()
    )
}

#[tokio::test]
async fn a_newcomer_registers_chats_with_a_library_user_quits_and_comes_back_logged_in() {
    let data = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let (_server, base) = start(data.path()).await;
    let mut bob = Client::new(&base);
    bob.register("bob", "password-bob", None).await.unwrap();
    let (mut bob_ws, ready) = connect_live(&bob).await;
    let room = general(&ready);
    let tmux = Tmux::new();

    tmux.start("first", &chat_command(config.path(), &base, ""));
    tmux.wait_for("first", "Log in, or create a new account?")
        .await;
    tmux.line("first", "c");
    tmux.wait_for("first", "Username:").await;
    tmux.line("first", "alice");
    tmux.wait_for("first", "Password:").await;
    tmux.line("first", "correct horse battery");
    tmux.wait_for("first", "Password again:").await;
    tmux.line("first", "correct horse battery");
    let screen = tmux.wait_for("first", "● online").await;
    assert!(
        !screen.contains("correct horse"),
        "passwords are never shown:\n{screen}"
    );
    assert!(screen.contains("#general"), "{screen}");

    tmux.line("first", "hello from a real terminal");
    let frame = expect_frame(&mut bob_ws, "alice's message", |f| {
        message_body(f) == Some("hello from a real terminal")
    })
    .await;
    drop(frame);
    bob.send_message(&room, "welcome, **alice**", None)
        .await
        .unwrap();
    let screen = tmux.wait_for("first", "welcome, alice").await;
    assert!(screen.contains("hello from a real terminal"), "{screen}");

    let session = config.path().join("session.toml");
    let mode = std::fs::metadata(&session).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the token is readable by its owner only"
    );

    tmux.line("first", "/quit");
    assert_eq!(tmux.wait_exit("first").await, "0");
    let after = tmux.screen("first");
    assert!(
        after.contains("Password again:") && !after.contains("● online"),
        "the terminal is back as it was before the chat screen:\n{after}"
    );

    tmux.start("again", &chat_command(config.path(), &base, ""));
    let screen = tmux.wait_for("again", "welcome, alice").await;
    assert!(!screen.contains("Username:"), "the saved session is used");
    tmux.run(&["send-keys", "-t", "again", "C-c"]);
    assert_eq!(tmux.wait_exit("again").await, "0");

    tmux.start("logout", &chat_command(config.path(), &base, "--logout"));
    tmux.wait_for("logout", &format!("Logged out of {base}."))
        .await;
    assert_eq!(tmux.wait_exit("logout").await, "0");
    let saved = std::fs::read_to_string(&session).unwrap();
    assert!(
        !saved.contains("alice"),
        "the session is forgotten: {saved}"
    );
}
