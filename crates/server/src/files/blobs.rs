//! Where file bytes live: the [`BlobStore`] trait, and [`FsBlobs`], a directory on disk.

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;

/// Stored bytes, streamed.
pub struct Blob {
    pub len: u64,
    pub body: BoxStream<'static, io::Result<Bytes>>,
}

/// A key-value store of immutable blobs. Keys are chosen by the server: lowercase hex with an
/// optional `.thumb` suffix. The filesystem is the default; an object store can follow.
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Takes over the finished local file at `from` (moving it where it can) as `key`.
    async fn put_file(&self, key: &str, from: &Path) -> io::Result<()>;
    async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> io::Result<()>;
    /// The blob stored as `key`, or `None`.
    async fn get(&self, key: &str) -> io::Result<Option<Blob>>;
    /// Deletes `key`; deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> io::Result<()>;
}

/// Blobs as files under one directory, spread over 256 subdirectories by the key's first two
/// characters.
pub struct FsBlobs {
    root: PathBuf,
}

impl FsBlobs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        FsBlobs { root: root.into() }
    }

    /// The path of `key`. Keys are checked again here so no key can name a path elsewhere.
    fn path(&self, key: &str) -> io::Result<PathBuf> {
        let valid = key.len() >= 3
            && !key.contains("..")
            && key
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase() || b == b'.');
        if !valid {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad blob key"));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }

    async fn parent_of(&self, path: &Path) -> io::Result<()> {
        match path.parent() {
            Some(dir) => tokio::fs::create_dir_all(dir).await,
            None => Ok(()),
        }
    }
}

#[async_trait]
impl BlobStore for FsBlobs {
    async fn put_file(&self, key: &str, from: &Path) -> io::Result<()> {
        let to = self.path(key)?;
        self.parent_of(&to).await?;
        if tokio::fs::rename(from, &to).await.is_ok() {
            return Ok(());
        }
        // Another filesystem: copy aside and rename, so a reader never sees half a blob.
        let partial = to.with_extension("partial");
        if let Err(e) = tokio::fs::copy(from, &partial).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        tokio::fs::rename(&partial, &to).await
    }

    async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> io::Result<()> {
        let to = self.path(key)?;
        self.parent_of(&to).await?;
        // Written aside and renamed, so a reader never sees half a blob.
        let partial = to.with_extension("partial");
        if let Err(e) = tokio::fs::write(&partial, bytes).await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(e);
        }
        tokio::fs::rename(&partial, &to).await
    }

    async fn get(&self, key: &str) -> io::Result<Option<Blob>> {
        let file = match tokio::fs::File::open(self.path(key)?).await {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let len = file.metadata().await?.len();
        let body = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).boxed();
        Ok(Some(Blob { len, body }))
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_round_trip_and_keys_cannot_escape_the_root() {
        let dir = std::env::temp_dir().join(format!("natter-blobs-{}", std::process::id()));
        let blobs = FsBlobs::new(&dir);
        blobs.put_bytes("abc123", b"hello".to_vec()).await.unwrap();
        let blob = blobs.get("abc123").await.unwrap().unwrap();
        assert_eq!(blob.len, 5);
        let chunks: Vec<_> = blob.body.collect().await;
        let bytes: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap()).collect();
        assert_eq!(bytes, b"hello");
        blobs.delete("abc123").await.unwrap();
        blobs.delete("abc123").await.unwrap();
        assert!(blobs.get("abc123").await.unwrap().is_none());
        for bad in ["../etc", "ab/../../x", "AB12", "a", "ab\\cd", "/abs"] {
            assert!(blobs.get(bad).await.is_err(), "{bad:?} must be refused");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
