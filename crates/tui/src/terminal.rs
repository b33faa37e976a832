//! Running in a real terminal: raw mode, the alternate screen, bracketed paste and (where the
//! terminal supports it) Shift+Enter, all undone when the client exits, fails or panics.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use natter_client::Client;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, supports_keyboard_enhancement, EnterAlternateScreen,
    LeaveAlternateScreen,
};
use ratatui::crossterm::{cursor, execute};
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::chat::{Chat, Event, Options};
use crate::ui;

/// Runs the chat screen until the user quits.
pub async fn run(client: Client, options: Options) -> io::Result<()> {
    let _guard = Guard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    read_input(tx.clone());
    tick(tx.clone());
    let mut chat = Chat::new(client, options, tx);
    loop {
        terminal.draw(|frame| ui::draw(frame, &mut chat))?;
        if chat.take_bell() {
            let mut out = io::stdout();
            out.write_all(b"\x07")?;
            out.flush()?;
        }
        let Some(event) = rx.recv().await else {
            return Ok(());
        };
        chat.handle(event);
        // Take everything already waiting before drawing again, so a burst of frames (a
        // resync) costs one redraw.
        while let Ok(event) = rx.try_recv() {
            chat.handle(event);
        }
        if chat.should_quit() {
            return Ok(());
        }
    }
}

/// Terminal input, read on its own thread because crossterm's reads block.
fn read_input(tx: mpsc::UnboundedSender<Event>) {
    std::thread::spawn(move || loop {
        let event = match event::read() {
            Ok(event::Event::Key(key)) => Event::Key(key),
            Ok(event::Event::Paste(text)) => Event::Paste(text),
            Ok(event::Event::Resize(..)) => Event::Resize,
            Ok(_) => continue,
            Err(_) => return,
        };
        if tx.send(event).is_err() {
            return;
        }
    });
}

fn tick(tx: mpsc::UnboundedSender<Event>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        loop {
            every.tick().await;
            if tx.send(Event::Tick).is_err() {
                return;
            }
        }
    });
}

/// The terminal set up for the chat screen; dropping it (or a panic) puts everything back.
struct Guard;

impl Guard {
    fn enter() -> io::Result<Guard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        let guard = Guard;
        execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        if supports_keyboard_enhancement().unwrap_or(false) {
            execute!(
                io::stdout(),
                PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
            )?;
            ENHANCED_KEYS.store(true, Ordering::SeqCst);
        }
        Ok(guard)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Whether [`Guard::enter`] turned on the keyboard protocol that tells Shift+Enter from Enter.
/// Restoring must not ask the terminal again: the input thread would swallow the answer.
static ENHANCED_KEYS: AtomicBool = AtomicBool::new(false);

/// Undoes everything [`Guard::enter`] did. Safe to run twice.
fn restore() {
    if ENHANCED_KEYS.swap(false, Ordering::SeqCst) {
        let _ = execute!(io::stdout(), PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
}
