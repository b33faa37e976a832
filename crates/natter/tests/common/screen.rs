//! The terminal client's screen on ratatui's test backend, against a real server: keys go in as
//! the terminal would send them, and the drawn screen is read back as text.

use natter_client::Client;
use natter_tui::markdown::Palette;
use natter_tui::{Chat, Event, Options};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tokio::sync::mpsc;
use unicode_width::UnicodeWidthStr;

use super::WAIT;

pub struct Screen {
    pub chat: Chat,
    rx: mpsc::UnboundedReceiver<Event>,
    terminal: Terminal<TestBackend>,
}

impl Screen {
    /// Opens the chat screen for a logged-in client, `width`×`height` cells, in colour.
    pub fn start(client: Client, width: u16, height: u16) -> Screen {
        Screen::start_with(client, width, height, Palette::Color)
    }

    pub fn start_with(client: Client, width: u16, height: u16, palette: Palette) -> Screen {
        let (tx, rx) = mpsc::unbounded_channel();
        let options = Options {
            palette,
            utc_offset: time::UtcOffset::UTC,
        };
        Screen {
            chat: Chat::new(client, options, tx),
            rx,
            terminal: Terminal::new(TestBackend::new(width, height)).expect("test terminal"),
        }
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        self.terminal
            .resize(ratatui::layout::Rect::new(0, 0, width, height))
            .unwrap();
    }

    /// Draws the screen and returns its cells.
    pub fn buffer(&mut self) -> Buffer {
        let chat = &mut self.chat;
        self.terminal
            .draw(|frame| natter_tui::ui::draw(frame, chat))
            .expect("draws");
        self.terminal.backend().buffer().clone()
    }

    /// Draws the screen and returns it as text, one line per row.
    pub fn text(&mut self) -> String {
        let buffer = self.buffer();
        let width = usize::from(buffer.area.width);
        buffer
            .content
            .chunks(width)
            .map(|row| {
                // A wide character's cell is followed by one the terminal draws it over.
                let mut line = String::new();
                let mut skip = 0;
                for cell in row {
                    if skip > 0 {
                        skip -= 1;
                        continue;
                    }
                    line.push_str(cell.symbol());
                    skip = cell.symbol().width().saturating_sub(1);
                }
                line.trim_end().to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn press(&mut self, code: KeyCode) {
        self.press_with(code, KeyModifiers::NONE);
    }

    pub fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.chat.handle(Event::Key(KeyEvent::new(code, modifiers)));
        self.buffer();
    }

    /// Types `text` one key at a time.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Types `line` and presses Enter.
    pub fn enter(&mut self, line: &str) {
        self.type_text(line);
        self.press(KeyCode::Enter);
    }

    /// Handles events until the screen shows `needle`; fails after `WAIT`.
    pub async fn wait_for(&mut self, needle: &str) -> String {
        self.wait_until(needle, |text| text.contains(needle)).await
    }

    /// Handles events until the drawn screen satisfies `done`; fails after `WAIT`.
    pub async fn wait_until(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        self.wait_for_state(what, |text, _| done(text)).await
    }

    /// Handles events until everything typed has been acknowledged by the server.
    pub async fn wait_sent(&mut self) {
        self.wait_for_state("the outbox to empty", |_, chat| {
            chat.state().outbox.is_empty()
        })
        .await;
    }

    /// Handles events until `done` holds for the drawn screen and the client's state.
    async fn wait_for_state(&mut self, what: &str, done: impl Fn(&str, &Chat) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let text = self.text();
            if done(&text, &self.chat) {
                return text;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(event)) => self.chat.handle(event),
                Ok(None) => panic!("the screen's event channel closed"),
                Err(_) => panic!("timed out waiting for {what}; the screen shows:\n{text}"),
            }
        }
    }

    /// Handles every event that arrives within `quiet`.
    pub async fn settle(&mut self, quiet: std::time::Duration) {
        while let Ok(Some(event)) = tokio::time::timeout(quiet, self.rx.recv()).await {
            self.chat.handle(event);
        }
        self.buffer();
    }
}

/// How many times `needle` is on the screen.
pub fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}
