//! A Matrix homeserver (Synapse, `bench/peers/synapse/`) over its client-server HTTP API, for
//! the durable scenarios: sends (`PUT …/send/m.room.message/{txn}`, answered once the event is
//! stored) and history (`GET …/messages?dir=b&limit=50`). Matrix has no WebSocket for sending.

use anyhow::{bail, Context};
use serde_json::{json, Value};

/// The password every bench account has.
const PASSWORD: &str = "bench password 1";

/// A registered, signed-in Matrix account.
#[derive(Clone)]
pub struct Account {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// Registers `n` accounts named `{prefix}{i}`, a few at a time.
pub async fn accounts(base: &str, prefix: &str, n: usize) -> anyhow::Result<Vec<Account>> {
    let base = base.to_owned();
    crate::population::named_in_batches(prefix, n, move |name| {
        let base = base.clone();
        async move { register(&base, &name).await }
    })
    .await
}

/// Registration with the `m.login.dummy` flow: ask, and answer the flow's session if the
/// server opens one first.
async fn register(base: &str, name: &str) -> anyhow::Result<Account> {
    let http = reqwest::Client::new();
    let url = format!("{base}/_matrix/client/v3/register");
    let mut auth = json!({ "type": "m.login.dummy" });
    for _ in 0..2 {
        let body = json!({ "username": name, "password": PASSWORD, "auth": auth });
        let res =
            http.post(&url).json(&body).send().await.with_context(|| {
                format!("registering {name} at {url} (is the homeserver running?)")
            })?;
        let status = res.status();
        let answer: Value = res.json().await?;
        if let Some(token) = answer["access_token"].as_str() {
            return Ok(Account {
                http,
                base: base.to_owned(),
                token: token.to_owned(),
            });
        }
        match answer["session"].as_str() {
            Some(session) if status == 401 => {
                auth = json!({ "type": "m.login.dummy", "session": session });
            }
            _ => bail!("registering {name}: {status} {answer}"),
        }
    }
    bail!("registering {name}: the server kept asking for authentication")
}

/// A public room made by `owner` that every one of `members` joins; its id.
pub async fn room(
    owner: &Account,
    members: &[super::wire::Person],
    name: &str,
) -> anyhow::Result<String> {
    let made = owner
        .call(
            reqwest::Method::POST,
            "/createRoom",
            Some(json!({ "preset": "public_chat", "name": name })),
        )
        .await?;
    let room = made["room_id"]
        .as_str()
        .context("createRoom answered without a room_id")?
        .to_owned();
    for member in members {
        if let super::wire::Person::Matrix(m) = member {
            m.call(
                reqwest::Method::POST,
                &format!("/join/{}", escape(&room)),
                Some(json!({})),
            )
            .await?;
        }
    }
    Ok(room)
}

impl Account {
    /// One client-server API call under `/_matrix/client/v3`; its JSON answer.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/_matrix/client/v3{path}", self.base);
        let mut req = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await?;
        let status = res.status();
        let answer: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{url}: {status} {answer}");
        }
        Ok(answer)
    }

    /// Sends a text message with transaction id `txn`; returns once the server stored it.
    pub async fn send(&self, room: &str, txn: &str, body: &str) -> anyhow::Result<()> {
        let path = format!("/rooms/{}/send/m.room.message/{txn}", escape(room));
        let content = json!({ "msgtype": "m.text", "body": body });
        let answer = self
            .call(reqwest::Method::PUT, &path, Some(content))
            .await?;
        anyhow::ensure!(answer["event_id"].is_string(), "a send without an event_id");
        Ok(())
    }

    /// The newest `limit` events of `room`; how many came.
    pub async fn newest_page(&self, room: &str, limit: usize) -> anyhow::Result<usize> {
        let path = format!("/rooms/{}/messages?dir=b&limit={limit}", escape(room));
        let page = self.call(reqwest::Method::GET, &path, None).await?;
        Ok(page["chunk"].as_array().map_or(0, Vec::len))
    }
}

/// A room id (`!abc:localhost`) as one path segment.
fn escape(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn room_ids_are_escaped_as_one_path_segment() {
        assert_eq!(super::escape("!aB9:localhost"), "%21aB9%3Alocalhost");
        assert_eq!(super::escape("a/b c"), "a%2Fb%20c");
    }
}
