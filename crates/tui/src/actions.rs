//! What each slash command does. Commands that need the server start a REST call as a task and
//! report back as a [`Done`]; none of them blocks the screen.

use std::path::{Path, PathBuf};

use natter_client::proto::{RoomKind, UpdateProfileRequest, Visibility};
use natter_client::{ClientError, Search};

use crate::chat::{Chat, Done, Mode, Notice, Overlay};
use crate::commands::Command;

impl Chat {
    pub(crate) fn run(&mut self, command: Command) {
        match command {
            Command::Join(name) => self.join(name),
            Command::Leave => self.leave(),
            Command::Create { name, private } => self.create(name, private),
            Command::Dm(usernames) => self.dm(usernames),
            Command::Me(action) => self.send_text(format!("*{}*", action.trim()), None),
            Command::Topic(topic) => self.topic(topic),
            Command::Reply(text) => self.reply(text),
            Command::React(emoji) => self.react(&emoji),
            Command::Search(query) => self.search(query),
            Command::Upload(path) => self.upload(expand_home(&path)),
            Command::Download { index, path } => self.download(index, path),
            Command::Nick(name) => self.profile(
                UpdateProfileRequest {
                    display_name: Some(name),
                    status: None,
                },
                "display name changed",
            ),
            Command::Status(status) => self.profile(
                UpdateProfileRequest {
                    display_name: None,
                    status: Some(status),
                },
                "status changed",
            ),
            Command::Help => self.overlay = Some(Overlay::Help(0)),
            Command::Quit => self.quit(),
            Command::Moderate(action) => self.moderate(action),
        }
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice::Error(text.into()));
    }

    fn join(&mut self, name: String) {
        let name = name.trim_start_matches('#').to_owned();
        let mine = self
            .state
            .rooms
            .values()
            .find(|r| r.kind != RoomKind::Dm && r.name.eq_ignore_ascii_case(&name))
            .map(|r| r.id.clone());
        if let Some(id) = mine {
            return self.open_room(&id);
        }
        let client = self.client.clone();
        self.spawn(async move {
            let found = match client.rooms().await {
                Ok(rooms) => rooms
                    .into_iter()
                    .find(|r| r.kind == RoomKind::Public && r.name.eq_ignore_ascii_case(&name)),
                Err(e) => return failed("finding the room", e),
            };
            let Some(room) = found else {
                return Done::Failed(format!(
                    "there is no public room called {name}; /create {name} makes one"
                ));
            };
            match client.join(&room.id).await {
                Ok(room) => Done::Room {
                    note: format!("joined #{}", room.name),
                    room,
                    open: true,
                },
                Err(e) => failed("joining", e),
            }
        });
    }

    fn leave(&mut self) {
        let Some(room) = self.open.clone() else {
            return self.error("no room is open");
        };
        if self.state.rooms.get(&room).map(|r| r.kind) == Some(RoomKind::Dm) {
            return self.error("direct messages cannot be left");
        }
        let label = self.room_label(&room);
        let client = self.client.clone();
        self.spawn(async move {
            match client.leave(&room).await {
                Ok(()) => Done::Left {
                    room,
                    note: format!("left {label}"),
                },
                Err(e) => failed("leaving", e),
            }
        });
    }

    pub(crate) fn room_label(&self, room: &str) -> String {
        self.state
            .rooms
            .get(room)
            .map(|r| self.state.room_label(r))
            .unwrap_or_default()
    }

    fn create(&mut self, name: String, private: bool) {
        let client = self.client.clone();
        let visibility = if private {
            Visibility::Private
        } else {
            Visibility::Public
        };
        self.spawn(async move {
            match client.create_room(&name, None, visibility).await {
                Ok(room) => Done::Room {
                    note: format!("created {}", room.name),
                    room,
                    open: true,
                },
                Err(e) => failed("creating the room", e),
            }
        });
    }

    fn dm(&mut self, usernames: Vec<String>) {
        let client = self.client.clone();
        self.spawn(async move {
            let mut ids = Vec::new();
            for name in &usernames {
                let found = match client.search_users(name).await {
                    Ok(users) => users
                        .into_iter()
                        .find(|u| u.username.eq_ignore_ascii_case(name)),
                    Err(e) => return failed("finding people", e),
                };
                match found {
                    Some(user) => ids.push(user.id),
                    None => return Done::Failed(format!("nobody is called {name}")),
                }
            }
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            match client.open_dm(&ids).await {
                Ok(room) => Done::Room {
                    room,
                    open: true,
                    note: String::new(),
                },
                Err(e) => failed("opening the conversation", e),
            }
        });
    }

    fn topic(&mut self, topic: String) {
        let Some(room) = self.open.clone() else {
            return self.error("no room is open");
        };
        let client = self.client.clone();
        self.spawn(async move {
            match client.set_topic(&room, &topic).await {
                Ok(room) => Done::Room {
                    room,
                    open: false,
                    note: "topic changed".to_owned(),
                },
                Err(e) => failed("changing the topic", e),
            }
        });
    }

    /// The selected message, or else the newest one in the open room: (id, seq).
    pub(crate) fn target(&self) -> Option<(String, i64)> {
        let room = self.open.as_ref()?;
        let timeline = self.state.timelines.get(room)?;
        let selected = self.selected.and_then(|seq| timeline.messages.get(&seq));
        let message = selected.or_else(|| timeline.messages.values().next_back())?;
        Some((message.id.clone(), message.seq))
    }

    fn reply(&mut self, text: String) {
        let Some((message_id, seq)) = self.target() else {
            return self.error("there is no message to reply to");
        };
        self.selected = None;
        if text.is_empty() {
            self.mode = Mode::Reply { message_id, seq };
        } else {
            self.send_text(text, Some(message_id));
        }
    }

    fn react(&mut self, emoji: &str) {
        let Some(emoji) = emoji_from(emoji) else {
            return self.error(format!(
                "{emoji} is not an emoji; try /react 👍 or /react :thumbsup:"
            ));
        };
        let Some((message_id, seq)) = self.target() else {
            return self.error("there is no message to react to");
        };
        let room = self.open.clone().unwrap_or_default();
        let mine = self.state.message(&room, seq).is_some_and(|m| {
            m.reactions
                .iter()
                .any(|r| r.emoji == emoji && r.user_ids.iter().any(|id| id == self.state.my_id()))
        });
        let client = self.client.clone();
        self.spawn(async move {
            let done = if mine {
                client.unreact(&message_id, &emoji).await
            } else {
                client.react(&message_id, &emoji).await
            };
            match done {
                Ok(message) => Done::Message {
                    message: Box::new(message),
                    note: String::new(),
                },
                Err(e) => failed("reacting", e),
            }
        });
    }

    fn search(&mut self, query: String) {
        let client = self.client.clone();
        self.spawn(async move {
            let search = Search {
                q: &query,
                limit: Some(20),
                ..Search::default()
            };
            match client.search(&search).await {
                Ok(found) => Done::Search {
                    hits: found.hits,
                    query,
                },
                Err(e) => failed("searching", e),
            }
        });
    }

    fn upload(&mut self, path: PathBuf) {
        let Some(room) = self.open.clone() else {
            return self.error("open a room first (Ctrl+K)");
        };
        let shown = path.display().to_string();
        self.notice = Some(Notice::Info(format!("uploading {shown}…")));
        let client = self.client.clone();
        self.spawn(async move {
            let file = match client.upload_path(&path).await {
                Ok(file) => file,
                Err(e) => return failed(&format!("uploading {shown}"), e),
            };
            match client.send_with_files(&room, "", &[&file.id]).await {
                Ok(message) => Done::Message {
                    message: Box::new(message),
                    note: format!("sent {}", file.name),
                },
                Err(e) => {
                    let _ = client.discard_upload(&file.id).await;
                    failed("sending the file", e)
                }
            }
        });
    }

    fn download(&mut self, index: usize, path: Option<PathBuf>) {
        let Some((id, name)) = self.attachments.get(index - 1).cloned() else {
            return self.error(format!(
                "there is no attachment {index}; attachments are numbered [1], [2], ... as shown"
            ));
        };
        let target = download_target(path.as_deref().map(expand_home), &name);
        let client = self.client.clone();
        self.spawn(async move {
            let file = match client.download(&id).await {
                Ok(file) => file,
                Err(e) => return failed(&format!("downloading {name}"), e),
            };
            match save_new(&target, &file.bytes) {
                Ok(()) => Done::Note(format!("saved {}", target.display())),
                Err(e) => Done::Failed(format!("saving {}: {e}", target.display())),
            }
        });
    }

    fn profile(&mut self, change: UpdateProfileRequest, note: &'static str) {
        let client = self.client.clone();
        self.spawn(async move {
            match client.update_profile(&change).await {
                Ok(user) => Done::Me {
                    user,
                    note: note.to_owned(),
                },
                Err(e) => failed("changing your profile", e),
            }
        });
    }
}

pub(crate) fn failed(doing: &str, e: ClientError) -> Done {
    let why = match &e {
        ClientError::Api { message, .. } => message.clone(),
        other => other.describe(),
    };
    Done::Failed(format!("{doing} failed: {why}"))
}

/// `👍`, `:thumbsup:` or `thumbsup` as the emoji itself.
fn emoji_from(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(emoji) = emojis::get(text) {
        return Some(emoji.as_str().to_owned());
    }
    let code = text.trim_matches(':');
    emojis::get_by_shortcode(code).map(|e| e.as_str().to_owned())
}

/// `~/x` as a path in the home directory.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => path.to_owned(),
    }
}

/// Where `/download` saves: into `path` if it is a directory, as `path` otherwise, and into the
/// current directory under the file's own name when no path is given.
fn download_target(path: Option<PathBuf>, name: &str) -> PathBuf {
    // The server sends a bare name, but a file is never written outside where it was asked.
    let name = Path::new(name)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("download");
    match path {
        Some(dir) if dir.is_dir() => dir.join(name),
        Some(file) => file,
        None => PathBuf::from(name),
    }
}

/// Writes a new file, refusing to replace one that exists.
fn save_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emojis_are_taken_as_characters_or_shortcodes() {
        assert_eq!(emoji_from("👍").as_deref(), Some("👍"));
        assert_eq!(emoji_from(":thumbsup:").as_deref(), Some("👍"));
        assert_eq!(emoji_from("tada").as_deref(), Some("🎉"));
        assert_eq!(emoji_from("nope-not-one"), None);
    }

    #[test]
    fn downloads_go_where_asked_and_never_replace_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let into_dir = download_target(Some(dir.path().to_owned()), "a.txt");
        assert_eq!(into_dir, dir.path().join("a.txt"));
        assert_eq!(download_target(None, ".."), PathBuf::from("download"));
        assert_eq!(download_target(None, "../../etc/x"), PathBuf::from("x"));
        save_new(&into_dir, b"one").unwrap();
        let again = save_new(&into_dir, b"two").unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&into_dir).unwrap(), b"one");
    }
}
