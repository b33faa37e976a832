//! The screen's state machine: [`Chat`] takes one [`Event`] at a time (a key, a frame from the
//! connection task, the answer of a REST call it started) and changes what is shown. It never
//! waits: REST calls run as tasks whose answers come back as [`Event::Done`]. The same `Chat`
//! runs in a real terminal ([`crate::terminal`]) and against ratatui's test backend.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::{Duration, Instant};

use natter_client::proto::{ClientFrame, Message, MessagesPage, Room, SearchHit, User};
use natter_client::Client;
use ratatui::crossterm::event::KeyEvent;
use tokio::sync::mpsc;

use crate::composer::Composer;
use crate::markdown::Palette;
use crate::net::{Link, Net, NetEvent};
use crate::state::{Follow, Pending, State};

/// A page of history, as loaded when a room opens or the user scrolls past the oldest message.
pub const PAGE: u32 = 50;
/// Typing indicators are refreshed at most this often while the user types.
const TYPING_REFRESH: Duration = Duration::from_secs(3);

/// Everything that can happen to the screen.
#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    Paste(String),
    Resize,
    /// Once a second: typing indicators expire and countdowns move.
    Tick,
    Net(NetEvent),
    Done(Done),
}

/// The answer of a REST call the screen started.
#[derive(Debug)]
pub enum Done {
    /// The wait a refused resync asked for is over.
    Resync,
    Older {
        room: String,
        page: MessagesPage,
    },
    Members {
        room: String,
        users: Vec<User>,
    },
    Users(Vec<User>),
    /// A room to show: joined, created, a DM opened, or changed (`open` is false then).
    Room {
        room: Room,
        open: bool,
        note: String,
    },
    Left {
        room: String,
        note: String,
    },
    Message {
        message: Box<Message>,
        note: String,
    },
    Me {
        user: User,
        note: String,
    },
    Search {
        query: String,
        hits: Vec<SearchHit>,
    },
    Note(String),
    Failed(String),
}

/// How the screen looks, chosen at start.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub palette: Palette,
    /// Times are shown in this offset from UTC (the local one, found at start).
    pub utc_offset: time::UtcOffset,
}

/// What Enter does with the composer's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Send,
    Edit { message_id: String },
    Reply { message_id: String, seq: i64 },
}

/// A window over the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Page 0: keys and commands; page 1: messages and moderation.
    Help(u8),
    Switcher {
        query: String,
        selected: usize,
    },
    Search {
        query: String,
        hits: Vec<SearchHit>,
        selected: usize,
    },
}

/// A line in the status bar, cleared by Esc or the next successful command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Error(String),
}

pub struct Chat {
    pub(crate) client: Client,
    pub(crate) options: Options,
    pub(crate) state: State,
    pub(crate) net: Net,
    pub(crate) link: Link,
    tx: mpsc::UnboundedSender<Event>,
    pub(crate) open: Option<String>,
    pub(crate) composer: Composer,
    pub(crate) mode: Mode,
    pub(crate) overlay: Option<Overlay>,
    pub(crate) notice: Option<Notice>,
    /// Lines scrolled up from the newest message.
    pub(crate) scroll: u16,
    /// Set by the last draw: the most `scroll` can be, and the height of the message area.
    pub(crate) max_scroll: u16,
    pub(crate) page_height: u16,
    /// The message picked with Alt+Up/Down, for `/reply` and `/react`.
    pub(crate) selected: Option<i64>,
    /// The selection the last draw scrolled to.
    pub(crate) shown_selection: Option<i64>,
    /// Attachment numbers for `/download N`, in the order they were first shown.
    pub(crate) attachment_numbers: HashMap<String, usize>,
    pub(crate) attachments: Vec<(String, String)>,
    pub(crate) requested_users: HashSet<String>,
    typing_sent: Option<(String, Instant)>,
    next_client_id: u64,
    bell: bool,
    quit: bool,
}

impl Chat {
    /// Starts the connection task. Events for this screen (keys from the caller, everything
    /// else from the tasks it starts) go through `tx`.
    pub fn new(client: Client, options: Options, tx: mpsc::UnboundedSender<Event>) -> Chat {
        let net = Net::start(client.clone(), tx.clone(), Event::Net);
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Chat {
            client,
            options,
            state: State::default(),
            net,
            link: Link::Connecting { attempt: 1 },
            tx,
            open: None,
            composer: Composer::default(),
            mode: Mode::Send,
            overlay: None,
            notice: None,
            scroll: 0,
            max_scroll: 0,
            page_height: 0,
            selected: None,
            shown_selection: None,
            attachment_numbers: HashMap::new(),
            attachments: Vec::new(),
            requested_users: HashSet::new(),
            typing_sent: None,
            next_client_id: seed << 16,
            bell: false,
            quit: false,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub(crate) fn quit(&mut self) {
        self.quit = true;
    }

    /// Whether the terminal bell should ring; asking clears it.
    pub fn take_bell(&mut self) -> bool {
        std::mem::take(&mut self.bell)
    }

    pub fn handle(&mut self, event: Event) {
        match event {
            Event::Key(key) => self.on_key(key),
            Event::Paste(text) => self.on_paste(&text),
            Event::Resize | Event::Tick => {}
            Event::Net(NetEvent::Link(link)) => self.on_link(link),
            Event::Net(NetEvent::Frame(frame)) => {
                for follow in self.state.apply(*frame) {
                    self.follow(follow);
                }
            }
            Event::Done(done) => self.on_done(done),
        }
        self.mark_read();
    }

    fn on_link(&mut self, link: Link) {
        if link == Link::SessionEnded {
            self.notice = Some(Notice::Error(
                "your session ended; quit and run natter chat again to log in".to_owned(),
            ));
        }
        if link == Link::Online {
            // Not caught up until `ready` has been answered and `synced` has come back.
            self.state.replaying = true;
        }
        self.link = link;
    }

    fn follow(&mut self, follow: Follow) {
        match follow {
            Follow::Sync(frame) => {
                self.net.send(frame);
                if self
                    .open
                    .as_ref()
                    .is_none_or(|r| !self.state.rooms.contains_key(r))
                {
                    let first = self.state.sidebar().first().map(|r| r.id.clone());
                    self.open = None;
                    if let Some(room) = first {
                        self.open_room(&room);
                    }
                }
            }
            Follow::Synced => {
                for pending in &self.state.outbox {
                    self.net.send(pending.frame());
                }
                // A new connection starts with no watch list.
                self.watch_members();
                if let Some(room) = self.open.clone() {
                    self.ensure_history(&room);
                }
            }
            Follow::Arrived { mention, .. } => self.bell |= mention,
            Follow::ResyncAfter(wait) => self.spawn(async move {
                tokio::time::sleep(wait).await;
                Done::Resync
            }),
            Follow::Refused { pending, reason } => {
                // The text comes back to be fixed or resent, after anything being typed.
                let text = match self.composer.text() {
                    "" => pending.body,
                    typed => format!("{typed}\n{}", pending.body),
                };
                self.composer.set(&text);
                self.notice = Some(Notice::Error(reason));
            }
            Follow::NeedUsers(ids) => self.fetch_users(ids),
            Follow::MembersChanged(_) => {}
            Follow::Left(room) => self.after_leaving(&room),
            Follow::Error(message) => self.notice = Some(Notice::Error(message)),
        }
    }

    fn on_done(&mut self, done: Done) {
        match done {
            Done::Resync => {
                if self.state.replaying {
                    self.net.send(self.state.sync_frame());
                }
            }
            Done::Older { room, page } => {
                let senders = page.messages.iter().map(|m| m.sender_id.clone()).collect();
                self.state.on_older(&room, page);
                let need = self.state.need_users(senders);
                need.into_iter().for_each(|f| self.follow(f));
            }
            Done::Members { room, users } => {
                self.state.set_members(&room, users);
                if self.open.as_deref() == Some(room.as_str()) {
                    self.watch_members();
                }
            }
            Done::Users(users) => {
                for user in users {
                    self.state.users.insert(user.id.clone(), user);
                }
            }
            Done::Room { room, open, note } => {
                let id = room.id.clone();
                self.state.add_room(room);
                if open {
                    self.open_room(&id);
                }
                self.note(note);
            }
            Done::Left { room, note } => {
                self.state.forget_room(&room);
                self.after_leaving(&room);
                self.note(note);
            }
            Done::Message { message, note } => {
                self.state.update(*message);
                self.note(note);
            }
            Done::Me { user, note } => {
                self.state.users.insert(user.id.clone(), user.clone());
                self.state.me = Some(user);
                self.note(note);
            }
            Done::Search { query, hits } => {
                if hits.is_empty() {
                    self.notice = Some(Notice::Info(format!("nothing found for {query:?}")));
                } else {
                    self.overlay = Some(Overlay::Search {
                        query,
                        hits,
                        selected: 0,
                    });
                }
            }
            Done::Note(note) => self.note(note),
            Done::Failed(error) => self.notice = Some(Notice::Error(error)),
        }
    }

    /// After leaving `room` (here or in another session), shows the first room left.
    fn after_leaving(&mut self, room: &str) {
        if self.open.as_deref() == Some(room) {
            self.open = None;
            if let Some(next) = self.state.sidebar().first().map(|r| r.id.clone()) {
                self.open_room(&next);
            }
        }
    }

    fn note(&mut self, note: String) {
        if !note.is_empty() {
            self.notice = Some(Notice::Info(note));
        }
    }

    /// Runs a REST call as a task; its answer comes back as an event.
    pub(crate) fn spawn<F>(&self, call: F)
    where
        F: Future<Output = Done> + Send + 'static,
    {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(Event::Done(call.await));
        });
    }

    /// Tells the server the open room has been seen up to its newest message, when the user is
    /// looking at the newest message.
    fn mark_read(&mut self) {
        if self.link != Link::Online
            || self.state.replaying
            || self.scroll != 0
            || self.overlay.is_some()
        {
            return;
        }
        let Some(room) = self.open.clone() else {
            return;
        };
        let Some(newest) = self.state.newest_seq(&room) else {
            return;
        };
        let Some(read) = self.state.reads.get_mut(&room) else {
            return;
        };
        if read.last_read >= newest && read.unread == 0 {
            return;
        }
        read.last_read = read.last_read.max(newest);
        read.unread = 0;
        read.mentions = 0;
        self.net.send(ClientFrame::Read {
            room_id: room,
            seq: newest,
        });
    }

    /// Queues a message for the open room and sends it if the link is up.
    pub(crate) fn send_text(&mut self, body: String, reply_to: Option<String>) {
        let Some(room) = self.open.clone() else {
            self.notice = Some(Notice::Error("open a room first (Ctrl+K)".to_owned()));
            return;
        };
        self.next_client_id += 1;
        let pending = Pending {
            client_id: format!("tui-{:x}", self.next_client_id),
            room_id: room,
            body,
            reply_to,
        };
        if self.link == Link::Online && !self.state.replaying {
            self.net.send(pending.frame());
        }
        self.state.outbox.push(pending);
        self.typing_sent = None;
        self.scroll = 0;
    }

    /// Tells the room this user is typing, at most every few seconds.
    pub(crate) fn typing(&mut self) {
        let Some(room) = self.open.clone() else {
            return;
        };
        if self.composer.text().starts_with('/') || self.link != Link::Online {
            return;
        }
        let fresh = matches!(&self.typing_sent, Some((r, at)) if *r == room && at.elapsed() < TYPING_REFRESH);
        if !fresh {
            self.net.send(ClientFrame::Typing {
                room_id: room.clone(),
                active: true,
            });
            self.typing_sent = Some((room, Instant::now()));
        }
    }

    pub(crate) fn end_typing(&mut self) {
        if let Some((room, _)) = self.typing_sent.take() {
            self.net.send(ClientFrame::Typing {
                room_id: room,
                active: false,
            });
        }
    }

    /// The number shown for an attachment, given on first sight.
    pub(crate) fn attachment_number(&mut self, id: &str, name: &str) -> usize {
        if let Some(n) = self.attachment_numbers.get(id) {
            return *n;
        }
        self.attachments.push((id.to_owned(), name.to_owned()));
        let n = self.attachments.len();
        self.attachment_numbers.insert(id.to_owned(), n);
        n
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Follows the presence of the open room's members (the server tells only the people in
    /// small rooms unasked).
    fn watch_members(&self) {
        let members = self.open.as_ref().and_then(|r| self.state.members.get(r));
        let user_ids: Vec<String> = members.into_iter().flatten().take(500).cloned().collect();
        self.net.send(ClientFrame::WatchPresence { user_ids });
    }

    pub fn open_room_id(&self) -> Option<&str> {
        self.open.as_deref()
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    /// Skips the wait before the next reconnection attempt.
    pub fn retry_now(&self) {
        self.net.retry_now();
    }
}
