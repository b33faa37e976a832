//! Files: upload, send with a message, download, discard and storage usage.

use std::path::Path;

use natter_proto::{Attachment, Message, SendMessageRequest, StorageUsage};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::Method;

use crate::{Client, ClientError};

/// A downloaded file and the headers a client needs to save or show it.
#[derive(Debug, Clone)]
pub struct Download {
    pub content_type: String,
    /// `inline` for images, `attachment` (with the file name) for everything else.
    pub content_disposition: String,
    pub bytes: Vec<u8>,
}

impl Client {
    /// Uploads `bytes` as a file called `name`. It stays unattached (and counts against the
    /// quota) until it is sent with [`Client::send_with_files`].
    pub async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<Attachment, ClientError> {
        let req = self
            .request(Method::POST, "/files")
            .query(&[("name", name)])
            .body(bytes);
        Ok(self.call(req).await?.1)
    }

    /// Uploads the file at `path` under its own name.
    pub async fn upload_path(&self, path: &Path) -> Result<Attachment, ClientError> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = tokio::fs::read(path).await.map_err(ClientError::Io)?;
        self.upload(&name, bytes).await
    }

    /// Sends a message carrying uploaded files; `body` may be empty.
    pub async fn send_with_files(
        &self,
        room: &str,
        body: &str,
        file_ids: &[&str],
    ) -> Result<Message, ClientError> {
        let req = SendMessageRequest {
            body: body.to_owned(),
            client_id: None,
            reply_to: None,
            attachments: file_ids.iter().map(|id| id.to_string()).collect(),
        };
        self.post(&format!("/rooms/{room}/messages"), &req).await
    }

    pub async fn download(&self, file_id: &str) -> Result<Download, ClientError> {
        self.fetch(&format!("/files/{file_id}")).await
    }

    /// The thumbnail of an image (at most 320×320, PNG or JPEG).
    pub async fn thumbnail(&self, file_id: &str) -> Result<Download, ClientError> {
        self.fetch(&format!("/files/{file_id}/thumbnail")).await
    }

    /// Discards an upload that was not sent.
    pub async fn discard_upload(&self, file_id: &str) -> Result<(), ClientError> {
        let req = self.request(Method::DELETE, &format!("/files/{file_id}"));
        self.send(req).await?;
        Ok(())
    }

    pub async fn storage_usage(&self) -> Result<StorageUsage, ClientError> {
        self.get("/files/usage").await
    }

    async fn fetch(&self, path: &str) -> Result<Download, ClientError> {
        let resp = self.send(self.request(Method::GET, path)).await?;
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let content_type = header(CONTENT_TYPE);
        let content_disposition = header(CONTENT_DISPOSITION);
        let bytes = resp.bytes().await?.to_vec();
        Ok(Download {
            content_type,
            content_disposition,
            bytes,
        })
    }
}
