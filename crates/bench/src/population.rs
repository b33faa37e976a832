//! The people a scenario needs: accounts registered over the API, signed in, in rooms.

use std::path::Path;

use anyhow::Context;
use natter_client::proto::{ClientFrame, ServerFrame, Visibility};
use natter_client::{Client, Connection};

/// The password every bench account has.
const PASSWORD: &str = "bench password 1";

/// Registers `n` accounts named `{prefix}{i}`, a few at a time (each costs the server an
/// Argon2 hash), and returns them signed in. With `saved`, accounts kept in that file by an
/// earlier run (a username and a session token per line) come first, and the ones registered
/// now are added to it.
pub async fn accounts(
    base: &str,
    prefix: &str,
    n: usize,
    saved: Option<&Path>,
) -> anyhow::Result<Vec<Client>> {
    let kept = match saved {
        Some(path) => read_saved(path)?,
        None => Vec::new(),
    };
    // One HTTP client for all: thousands of accounts must not hold thousands of idle HTTP
    // connections, nor load the system's root certificates once each.
    let http = Client::http_without_idle_connections();
    let mut clients: Vec<Client> = kept
        .iter()
        .take(n)
        .map(|(_, token)| Client::with_http(base, http.clone()).with_token(token.as_str()))
        .collect();
    if let Some(first) = clients.first() {
        first
            .me()
            .await
            .context("signing in with a kept account (is it the same server and data?)")?;
    }
    let base = base.to_owned();
    let fresh = named_in_batches(prefix, n - clients.len(), move |name| {
        let (base, http) = (base.clone(), http.clone());
        async move {
            let mut client = Client::with_http(&base, http);
            client
                .register(&name, PASSWORD, None)
                .await
                .with_context(|| format!("registering {name} (is registration open?)"))?;
            anyhow::Ok((name, client))
        }
    })
    .await?;
    if let Some(path) = saved.filter(|_| !fresh.is_empty()) {
        let mut lines = String::new();
        for (name, client) in &fresh {
            let token = client.token().context("a registered account has a token")?;
            lines.push_str(&format!("{name} {token}\n"));
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        // The file holds live session tokens: readable by its owner only.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        std::io::Write::write_all(&mut file, lines.as_bytes())?;
    }
    clients.extend(fresh.into_iter().map(|(_, client)| client));
    Ok(clients)
}

/// The accounts kept in `path`: a username and a session token per line. A file that does
/// not exist yet keeps none.
fn read_saved(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (name, token) = line
                .split_once(' ')
                .with_context(|| format!("{}: expected `username token`", path.display()))?;
            Ok((name.to_owned(), token.trim().to_owned()))
        })
        .collect()
}

/// Makes `n` of something named `{prefix}{i}` with `make`, eight at a time, in order.
pub async fn named_in_batches<T, F, Fut>(prefix: &str, n: usize, make: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>> + Send + 'static,
{
    let mut made = Vec::with_capacity(n);
    for start in (0..n).step_by(8) {
        let tasks: Vec<_> = (start..n.min(start + 8))
            .map(|i| tokio::spawn(make(format!("{prefix}{i}"))))
            .collect();
        for task in tasks {
            made.push(task.await??);
        }
    }
    Ok(made)
}

/// A public room created by `owner` that every one of `members` joins; its id.
pub async fn room(owner: &Client, members: &[Client], name: &str) -> anyhow::Result<String> {
    let room = owner.create_room(name, None, Visibility::Public).await?;
    for member in members {
        member.join(&room.id).await?;
    }
    Ok(room.id)
}

/// Opens `client`'s WebSocket, reads `ready`, and asks for nothing to be replayed so live
/// frames flow at once.
pub async fn connect(client: &Client) -> anyhow::Result<Connection> {
    let mut conn = client
        .connect_over(crate::source::tcp(client.base_url()).await?)
        .await?;
    match conn.next_frame().await? {
        Some(ServerFrame::Ready { .. }) => {}
        other => anyhow::bail!("expected ready first, got {other:?}"),
    }
    conn.send(&ClientFrame::Sync {
        since: Default::default(),
        revs: Default::default(),
    })
    .await?;
    Ok(conn)
}
