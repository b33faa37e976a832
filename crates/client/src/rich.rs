//! REST calls on single messages (edit, delete, reactions, pins, threads, replies), read
//! state, search and blocking.

use natter_proto::{
    BlocksResponse, EditMessageRequest, MarkReadRequest, Message, PinsResponse, ReadState,
    SearchResponse, SendMessageRequest, ThreadResponse,
};
use reqwest::Method;

use crate::{Client, ClientError};

/// A search and its filters; `q` is required.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    pub q: &'a str,
    pub room_id: Option<&'a str>,
    pub sender_id: Option<&'a str>,
    /// RFC 3339 time or `YYYY-MM-DD`.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub offset: Option<u32>,
    pub limit: Option<u32>,
}

impl Client {
    async fn send_json<B: serde::Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<Message, ClientError> {
        let mut req = self.request(method, path);
        if let Some(body) = body {
            req = req.json(body);
        }
        Ok(self.call(req).await?.1)
    }

    /// Sends `body` as a reply to message `parent` in `room`.
    pub async fn reply(
        &self,
        room: &str,
        parent: &str,
        body: &str,
        client_id: Option<&str>,
    ) -> Result<Message, ClientError> {
        let req = SendMessageRequest {
            body: body.to_owned(),
            client_id: client_id.map(str::to_owned),
            reply_to: Some(parent.to_owned()),
            attachments: Vec::new(),
        };
        self.post(&format!("/rooms/{room}/messages"), &req).await
    }

    pub async fn message(&self, id: &str) -> Result<Message, ClientError> {
        self.get(&format!("/messages/{id}")).await
    }

    pub async fn edit_message(&self, id: &str, body: &str) -> Result<Message, ClientError> {
        let req = EditMessageRequest {
            body: body.to_owned(),
        };
        self.send_json(Method::PATCH, &format!("/messages/{id}"), Some(&req))
            .await
    }

    /// Deletes a message, leaving a tombstone, which is returned.
    pub async fn delete_message(&self, id: &str) -> Result<Message, ClientError> {
        self.send_json::<()>(Method::DELETE, &format!("/messages/{id}"), None)
            .await
    }

    pub async fn react(&self, id: &str, emoji: &str) -> Result<Message, ClientError> {
        let path = format!("/messages/{id}/reactions/{emoji}");
        self.send_json::<()>(Method::PUT, &path, None).await
    }

    pub async fn unreact(&self, id: &str, emoji: &str) -> Result<Message, ClientError> {
        let path = format!("/messages/{id}/reactions/{emoji}");
        self.send_json::<()>(Method::DELETE, &path, None).await
    }

    pub async fn pin(&self, id: &str) -> Result<Message, ClientError> {
        self.send_json::<()>(Method::PUT, &format!("/messages/{id}/pin"), None)
            .await
    }

    pub async fn unpin(&self, id: &str) -> Result<Message, ClientError> {
        self.send_json::<()>(Method::DELETE, &format!("/messages/{id}/pin"), None)
            .await
    }

    pub async fn pins(&self, room: &str) -> Result<Vec<Message>, ClientError> {
        let found: PinsResponse = self.get(&format!("/rooms/{room}/pins")).await?;
        Ok(found.messages)
    }

    /// The thread message `id` starts or belongs to, with replies after `after`.
    pub async fn thread(
        &self,
        id: &str,
        after: Option<i64>,
    ) -> Result<ThreadResponse, ClientError> {
        let after = after.unwrap_or(0);
        self.get(&format!("/messages/{id}/thread?after={after}"))
            .await
    }

    pub async fn mark_read(&self, room: &str, seq: i64) -> Result<ReadState, ClientError> {
        self.post(&format!("/rooms/{room}/read"), &MarkReadRequest { seq })
            .await
    }

    pub async fn search(&self, search: &Search<'_>) -> Result<SearchResponse, ClientError> {
        let mut query = vec![("q", search.q.to_owned())];
        let texts = [
            ("room_id", search.room_id),
            ("sender_id", search.sender_id),
            ("from", search.from),
            ("to", search.to),
        ];
        for (key, value) in texts {
            if let Some(v) = value {
                query.push((key, v.to_owned()));
            }
        }
        for (key, value) in [("offset", search.offset), ("limit", search.limit)] {
            if let Some(v) = value {
                query.push((key, v.to_string()));
            }
        }
        let req = self.request(Method::GET, "/search").query(&query);
        Ok(self.call(req).await?.1)
    }

    pub async fn block(&self, user: &str) -> Result<(), ClientError> {
        let req = self.request(Method::PUT, &format!("/users/{user}/block"));
        self.call::<()>(req).await.map(|_| ())
    }

    pub async fn unblock(&self, user: &str) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/users/{user}/block"));
        self.call::<()>(req).await.map(|_| ())
    }

    /// Ids of everyone this user has blocked.
    pub async fn blocks(&self) -> Result<Vec<String>, ClientError> {
        let found: BlocksResponse = self.get("/blocks").await?;
        Ok(found.user_ids)
    }
}
