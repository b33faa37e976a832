//! The people a scenario needs: accounts registered over the API, signed in, in rooms.

use anyhow::Context;
use natter_client::proto::{ClientFrame, ServerFrame, Visibility};
use natter_client::{Client, Connection};

/// The password every bench account has.
const PASSWORD: &str = "bench password 1";

/// Registers `n` accounts named `{prefix}{i}`, a few at a time (each costs the server an
/// Argon2 hash), and returns them signed in.
pub async fn accounts(base: &str, prefix: &str, n: usize) -> anyhow::Result<Vec<Client>> {
    let base = base.to_owned();
    named_in_batches(prefix, n, move |name| {
        let base = base.clone();
        async move {
            // Thousands of accounts must not hold thousands of idle HTTP connections.
            let mut client = Client::without_idle_connections(&base);
            client
                .register(&name, PASSWORD, None)
                .await
                .with_context(|| format!("registering {name} (is registration open?)"))?;
            anyhow::Ok(client)
        }
    })
    .await
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
    let mut conn = client.connect().await?;
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
