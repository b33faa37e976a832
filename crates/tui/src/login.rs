//! Getting a session before the chat screen opens: the saved token for the server if it still
//! works, else a username and password (or a new account) asked for on the terminal. Also the
//! server address rules: plain `http` only to this machine, unless the user insists.

use std::io::{self, BufRead, IsTerminal, Write};

use natter_client::{Client, ClientError};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::terminal;

use crate::session::{Saved, Sessions};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How many times a wrong password may be typed before giving up.
const ATTEMPTS: usize = 5;

/// Turns what the user typed into a server's base URL: `ws://` and `wss://` become `http://`
/// and `https://`, a bare host is `https://` (or `http://` on this machine), and plain `http://`
/// to another machine is refused unless `allow_insecure`, because it would send the password in
/// the clear.
pub fn server_url(raw: &str, allow_insecure: bool) -> Result<String, String> {
    let raw = raw.trim();
    let (scheme, rest) = match raw.split_once("://") {
        Some(("http" | "ws", rest)) => ("http", rest),
        Some(("https" | "wss", rest)) => ("https", rest),
        Some((other, _)) => return Err(format!("{other}:// is not a natter server address")),
        None if is_local(raw) => ("http", raw),
        None => ("https", raw),
    };
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix("/api/v1/ws").unwrap_or(rest);
    if rest.is_empty() {
        return Err("the server address has no host".to_owned());
    }
    if rest.split('/').next().unwrap_or_default().contains('@') {
        return Err("a server address cannot carry a user name (the part before @)".to_owned());
    }
    if scheme == "http" && !is_local(rest) && !allow_insecure {
        return Err(format!(
            "http://{rest} is not encrypted, so your password would cross the network in the \
             clear; use https://{rest}, or --allow-insecure if you really mean it"
        ));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// Whether a `host[:port][/path]` names this machine.
fn is_local(host_port: &str) -> bool {
    let host = host_port.split('/').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A logged-in client for `server`: the saved session if the server still accepts it, else
/// one from the user's answers (which is then saved).
pub async fn sign_in(server: &str, sessions: &Sessions) -> Result<Client, BoxError> {
    if let Some(saved) = sessions.get(server)? {
        let client = Client::new(server).with_token(saved.token.clone());
        match client.me().await {
            Ok(_) => return Ok(client),
            Err(e) if e.status() == Some(401) => {
                sessions.forget(server)?;
                println!("Your session on {server} has ended; please log in again.");
            }
            // Offline, or the server is restarting: the chat screen keeps trying.
            Err(_) => return Ok(client),
        }
    }
    println!("natter chat: {server}");
    let register = ask("Log in, or create a new account? [L/c] ")
        .await?
        .trim()
        .eq_ignore_ascii_case("c");
    for _ in 0..ATTEMPTS {
        let username = ask("Username: ").await?.trim().to_owned();
        if username.is_empty() {
            continue;
        }
        let password = ask_secret("Password: ").await?;
        let mut client = Client::new(server);
        let result = if register {
            if ask_secret("Password again: ").await? != password {
                println!("The passwords differ; try again.");
                continue;
            }
            client.register(&username, &password, None).await
        } else {
            client.login(&username, &password).await
        };
        match result {
            Ok(auth) => {
                sessions.save(Saved {
                    server: server.to_owned(),
                    username: auth.user.username,
                    token: auth.token,
                })?;
                return Ok(client);
            }
            Err(ClientError::Api { message, .. }) => {
                let message: String = message.chars().filter(|c| !c.is_control()).collect();
                println!("{message}; try again.");
            }
            Err(e) => return Err(format!("cannot reach {server}: {}", e.describe()).into()),
        }
    }
    Err("too many attempts".into())
}

/// Logs the saved session for `server` out on the server and forgets it here.
pub async fn log_out(server: &str, sessions: &Sessions) -> Result<String, BoxError> {
    let Some(saved) = sessions.get(server)? else {
        return Ok(format!("No saved session for {server}."));
    };
    let mut client = Client::new(server).with_token(saved.token);
    let remote = client.logout().await;
    sessions.forget(server)?;
    Ok(match remote {
        Ok(()) => format!("Logged out of {server}."),
        Err(e) if e.status() == Some(401) => format!("Logged out of {server}."),
        Err(e) => {
            let why = e.describe();
            format!("Forgot the session for {server} here, but the server was not told ({why}).")
        }
    })
}

async fn ask(prompt: &str) -> io::Result<String> {
    let prompt = prompt.to_owned();
    blocking(move || {
        print!("{prompt}");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().lock().read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "no more input",
            ));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    })
    .await
}

/// Reads a line without showing it (on a terminal; piped input is read as it is).
pub async fn ask_secret(prompt: &str) -> io::Result<String> {
    if !io::stdin().is_terminal() {
        return ask(prompt).await;
    }
    let prompt = prompt.to_owned();
    blocking(move || {
        print!("{prompt}");
        io::stdout().flush()?;
        terminal::enable_raw_mode()?;
        let secret = read_hidden();
        terminal::disable_raw_mode()?;
        println!();
        secret
    })
    .await
}

fn read_hidden() -> io::Result<String> {
    let mut secret = String::new();
    loop {
        let Event::Key(key) = event::read()? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Enter => return Ok(secret),
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"))
            }
            KeyCode::Char(c) => secret.push(c),
            KeyCode::Backspace => {
                secret.pop();
            }
            _ => {}
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalised_and_plain_http_stays_local() {
        let ok = |raw| server_url(raw, false).unwrap();
        assert_eq!(ok("localhost:8080"), "http://localhost:8080");
        assert_eq!(ok("http://127.0.0.1:8080/"), "http://127.0.0.1:8080");
        assert_eq!(ok("ws://[::1]:9000/api/v1/ws"), "http://[::1]:9000");
        assert_eq!(ok("chat.example.org"), "https://chat.example.org");
        assert_eq!(ok("wss://chat.example.org"), "https://chat.example.org");
        let err = server_url("http://chat.example.org", false).unwrap_err();
        assert!(err.contains("--allow-insecure"), "{err}");
        assert_eq!(
            server_url("http://chat.example.org", true).unwrap(),
            "http://chat.example.org"
        );
        assert!(server_url("ftp://x", false).is_err());
        assert!(server_url("http://localhost:8080@evil.example", false).is_err());
        assert!(server_url("https://", false).is_err());
    }
}
