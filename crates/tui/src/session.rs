//! The session token kept between runs, one per server, in `session.toml` in the user's config
//! directory (`$NATTER_CONFIG_DIR`, else `$XDG_CONFIG_HOME/natter`, else `~/.config/natter`).
//! The directory is made owner-only (0700) and the file owner-read-write (0600), and the file is
//! replaced whole, so it is never seen half-written.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// A signed-in session on one server. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The server's base URL, e.g. `https://chat.example.org`.
    pub server: String,
    pub username: String,
    pub token: String,
}

impl std::fmt::Debug for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Saved")
            .field("server", &self.server)
            .field("username", &self.username)
            .field("token", &"<redacted>")
            .finish()
    }
}

#[derive(Default, Serialize, Deserialize)]
struct SessionFile {
    #[serde(default)]
    sessions: Vec<Saved>,
}

/// The saved sessions in one directory.
pub struct Sessions {
    dir: PathBuf,
}

impl Sessions {
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Sessions { dir: dir.into() }
    }

    /// The user's config directory for natter, from the environment.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = var("NATTER_CONFIG_DIR") {
            return Some(PathBuf::from(dir));
        }
        let config = var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| var("HOME").map(|home| Path::new(&home).join(".config")))?;
        Some(config.join("natter"))
    }

    fn path(&self) -> PathBuf {
        self.dir.join("session.toml")
    }

    fn read(&self) -> io::Result<SessionFile> {
        match std::fs::read_to_string(self.path()) {
            Ok(text) => toml::from_str(&text).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(SessionFile::default()),
            Err(e) => Err(e),
        }
    }

    fn write(&self, file: &SessionFile) -> io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        owner_only(&self.dir, 0o700)?;
        let text = toml::to_string(file).map_err(io::Error::other)?;
        let partial = self.dir.join("session.toml.partial");
        let _ = std::fs::remove_file(&partial);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        io::Write::write_all(&mut options.open(&partial)?, text.as_bytes())?;
        std::fs::rename(&partial, self.path())
    }

    /// The session saved for `server`, if any.
    pub fn get(&self, server: &str) -> io::Result<Option<Saved>> {
        Ok(self
            .read()?
            .sessions
            .into_iter()
            .find(|s| s.server == server))
    }

    /// Saves `saved`, replacing any earlier session for the same server.
    pub fn save(&self, saved: Saved) -> io::Result<()> {
        let mut file = self.read()?;
        file.sessions.retain(|s| s.server != saved.server);
        file.sessions.push(saved);
        self.write(&file)
    }

    /// Forgets the session for `server`; `false` if there was none.
    pub fn forget(&self, server: &str) -> io::Result<bool> {
        let mut file = self.read()?;
        let before = file.sessions.len();
        file.sessions.retain(|s| s.server != server);
        if file.sessions.len() == before {
            return Ok(false);
        }
        self.write(&file)?;
        Ok(true)
    }
}

#[cfg(unix)]
fn owner_only(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn owner_only(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(server: &str, token: &str) -> Saved {
        Saved {
            server: server.into(),
            username: "alice".into(),
            token: token.into(),
        }
    }

    #[test]
    fn sessions_are_kept_per_server_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::in_dir(dir.path().join("natter"));
        assert_eq!(sessions.get("http://a").unwrap(), None);
        sessions.save(saved("http://a", "t1")).unwrap();
        sessions.save(saved("https://b", "t2")).unwrap();
        sessions.save(saved("http://a", "t3")).unwrap();
        assert_eq!(
            sessions.get("http://a").unwrap(),
            Some(saved("http://a", "t3"))
        );
        assert_eq!(
            sessions.get("https://b").unwrap(),
            Some(saved("https://b", "t2"))
        );
        assert!(sessions.forget("http://a").unwrap());
        assert!(!sessions.forget("http://a").unwrap());
        assert_eq!(sessions.get("http://a").unwrap(), None);
        assert!(sessions.get("https://b").unwrap().is_some());
    }

    #[cfg(unix)]
    #[test]
    fn only_the_owner_can_read_the_token() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::in_dir(dir.path().join("natter"));
        sessions.save(saved("http://a", "secret")).unwrap();
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path().join("natter/session.toml")), 0o600);
        assert_eq!(mode(dir.path().join("natter")), 0o700);
        assert!(!format!("{:?}", saved("x", "secret")).contains("secret"));
    }
}
