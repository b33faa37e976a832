//! `natter chat`: a full-screen terminal client. It talks to the server only through
//! `natter-client`, so the server never compiles ratatui and this crate never compiles axum.
//!
//! - [`chat::Chat`] is the screen's state machine: keys, frames and REST answers in, screen
//!   state out. [`ui::draw`] draws it; [`terminal::run`] runs both in a real terminal, and the
//!   tests run them against ratatui's test backend.
//! - [`state`] is what the client knows and the rules for resuming after a drop; [`net`] is
//!   the connection task that reconnects with backoff.
//! - [`commands`], [`composer`], [`markdown`] and [`timeline`] turn typing into input and
//!   messages into lines; [`login`] and [`session`] get and keep the session token.

mod actions;
pub mod chat;
pub mod commands;
pub mod composer;
mod held;
mod keys;
mod loading;
pub mod login;
pub mod markdown;
mod moderation;
pub mod net;
mod overlays;
pub mod session;
pub mod state;
pub mod terminal;
pub mod timeline;
pub mod ui;
mod views;

pub use chat::{Chat, Event, Options};
pub use keys::fuzzy_score;

use std::io::IsTerminal;

use markdown::Palette;
use session::Sessions;

/// What `natter chat` was asked to do.
#[derive(Debug, Clone)]
pub struct Args {
    pub server: String,
    pub logout: bool,
    pub allow_insecure: bool,
}

/// The screen's look from the environment: no colours when `NO_COLOR` is set (to anything but
/// the empty string), and times in the local offset. Call before starting threads: the local
/// offset can only be read safely while the process has one thread.
pub fn options_from_env() -> Options {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Options {
        palette: if no_color {
            Palette::NoColor
        } else {
            Palette::Color
        },
        utc_offset: time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC),
    }
}

/// `natter chat`: logs in (or out) and runs the chat screen.
pub async fn main(args: Args, options: Options) -> Result<(), login::BoxError> {
    let server = login::server_url(&args.server, args.allow_insecure)?;
    let dir = Sessions::default_dir()
        .ok_or("no config directory: set HOME, XDG_CONFIG_HOME or NATTER_CONFIG_DIR")?;
    let sessions = Sessions::in_dir(dir);
    if args.logout {
        println!("{}", login::log_out(&server, &sessions).await?);
        return Ok(());
    }
    if !std::io::stdout().is_terminal() {
        return Err("natter chat needs a terminal".into());
    }
    let client = login::sign_in(&server, &sessions).await?;
    terminal::run(client, options).await?;
    Ok(())
}
