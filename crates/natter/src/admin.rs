//! `natter admin`: run the server's administration from its machine, on the data directory,
//! whether the server is running or stopped. Every command is a `core::Service` use case run
//! as the console (`Actor::console()`), which has every admin right, so the same rules and the
//! same audit log apply as in the web console. An operator locked out recovers with it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Subcommand;
use natter_core::{
    Actor, DisplayName, Limits, NewUser, Password, Service, SettingsChange, Timestamp, Toggle,
    User, Username,
};
use natter_server::{new_token, token_hash, Hasher};
use natter_store_sqlite::SqliteStore;
use natter_tui::login::ask_secret;

#[derive(Subcommand)]
pub enum AdminCommand {
    #[command(flatten)]
    Accounts(AccountCommand),
    #[command(flatten)]
    Data(crate::backup::DataCommand),
}

/// The commands that work on accounts and settings through the store.
#[derive(Subcommand)]
pub enum AccountCommand {
    /// Create an account (asks for its password twice).
    CreateUser {
        username: String,
        /// Make it an admin.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Print a one-time password reset link for an account, or set its password (asked twice)
    /// with --set. Either way, every session of the account ends.
    ResetPassword {
        username: String,
        #[arg(long)]
        set: bool,
    },
    /// Make an account an admin.
    Promote { username: String },
    /// Take admin rights away (never from the last admin).
    Demote { username: String },
    /// Turn an account off: it cannot sign in and its sessions end.
    Deactivate {
        username: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Turn a deactivated account on again.
    Reactivate { username: String },
    /// List accounts, optionally those whose name contains QUERY.
    ListUsers {
        #[arg(default_value = "")]
        query: String,
    },
    /// Set who may create an account: open, invite or closed.
    Registration {
        #[arg(value_enum)]
        mode: crate::config::RegistrationSetting,
    },
    /// Print an invite link.
    Invite {
        /// How many accounts it can create.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// Days until it expires.
        #[arg(long, default_value_t = 7)]
        days: i64,
    },
}

/// Where links printed by `natter admin` point.
pub struct Links {
    pub base: String,
}

pub async fn run(data_dir: &Path, links: Links, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        // These work on files, not through an open store: a restore needs nobody to have it open.
        AdminCommand::Data(data) => crate::backup::run_command(data_dir, data),
        AdminCommand::Accounts(accounts) => run_on_store(data_dir, links, accounts).await,
    }
}

async fn run_on_store(
    data_dir: &Path,
    links: Links,
    command: AccountCommand,
) -> anyhow::Result<()> {
    let db = data_dir.join("natter.db");
    if !db.exists() {
        bail!(
            "no natter database at {}: pass the server's --data-dir (or NATTER_DATA_DIR)",
            db.display()
        );
    }
    let store = SqliteStore::open(&db).with_context(|| format!("opening {}", db.display()))?;
    let service = Service::new(Arc::new(store), Limits::default());
    let console = Actor::console();
    let base = links.base.trim_end_matches('/');
    match command {
        AccountCommand::CreateUser {
            username,
            admin,
            display_name,
        } => {
            let name = Username::parse(&username)?;
            let display = match display_name.as_deref() {
                Some(raw) => DisplayName::parse(raw)?.into_string(),
                None => name.as_str().to_owned(),
            };
            let password = new_password().await?;
            let new = NewUser {
                username: name,
                display_name: display,
                password_hash: Hasher::new().hash(password).await?,
                invite: None,
                default_rooms: None,
            };
            let created = service.create_account(&console, new).await?;
            if admin {
                service
                    .set_server_role(&console, created.user.id, Toggle::On)
                    .await?;
            }
            let role = if admin { "admin" } else { "member" };
            println!("created {} ({role})", created.user.username);
        }
        AccountCommand::ResetPassword { username, set } => {
            let user = find(&service, &username).await?;
            let token = new_token()?;
            let expires = service
                .create_password_reset(&console, user.id, token_hash(&token))
                .await?;
            if set {
                let password = new_password().await?;
                let hash = Hasher::new().hash(password).await?;
                service
                    .reset_password(token_hash(&token), hash, None)
                    .await?;
                println!(
                    "password of {} set; every session of it ended",
                    user.username
                );
            } else {
                println!("{base}/?reset={token}");
                println!(
                    "one-time link for {}, valid for 24 hours (until {} UTC)",
                    user.username,
                    when(expires)
                );
            }
        }
        AccountCommand::Promote { username } => {
            let user = find(&service, &username).await?;
            service
                .set_server_role(&console, user.id, Toggle::On)
                .await?;
            println!("{} is an admin", user.username);
        }
        AccountCommand::Demote { username } => {
            let user = find(&service, &username).await?;
            service
                .set_server_role(&console, user.id, Toggle::Off)
                .await?;
            println!("{} is no longer an admin", user.username);
        }
        AccountCommand::Deactivate { username, reason } => {
            let user = find(&service, &username).await?;
            let (_, ended) = service.deactivate(&console, user.id, &reason).await?;
            println!(
                "{} deactivated; {} sessions ended",
                user.username,
                ended.len()
            );
        }
        AccountCommand::Reactivate { username } => {
            let user = find(&service, &username).await?;
            service.reactivate(&console, user.id).await?;
            println!("{} reactivated", user.username);
        }
        AccountCommand::ListUsers { query } => {
            let mut offset = 0;
            loop {
                let page = service.list_users(&console, &query, offset, 200).await?;
                for s in &page {
                    println!("{}", describe(&s.user, s.sessions));
                }
                if page.len() < 200 {
                    break;
                }
                offset += 200;
            }
        }
        AccountCommand::Registration { mode } => {
            let change = SettingsChange {
                registration: Some(mode.into_domain()),
                ..SettingsChange::default()
            };
            let now = service.update_settings(&console, change).await?;
            println!("registration is {}", now.registration.as_str());
        }
        AccountCommand::Invite { uses, days } => {
            let token = new_token()?;
            let invite = service
                .create_invite(
                    &console,
                    token_hash(&token),
                    days.saturating_mul(86_400),
                    uses,
                )
                .await?;
            println!("{base}/?invite={token}");
            println!(
                "invite {} for {} accounts, until {} UTC",
                invite.id,
                invite.max_uses,
                when(invite.expires_at)
            );
        }
    }
    Ok(())
}

async fn find(service: &Service, username: &str) -> anyhow::Result<User> {
    let name = Username::parse(username)?;
    service
        .user_named(&Actor::console(), &name)
        .await
        .with_context(|| format!("no account named {}", name.as_str()))
}

/// A new password, typed twice (not shown on a terminal; piped input is read line by line).
async fn new_password() -> anyhow::Result<Password> {
    let first = ask_secret("New password: ").await?;
    let again = ask_secret("Again: ").await?;
    if first != again {
        bail!("the two passwords differ");
    }
    Ok(Password::parse(&first)?)
}

fn describe(user: &User, sessions: u32) -> String {
    let mut marks = Vec::new();
    if user.is_admin {
        marks.push("admin");
    }
    if user.deactivated {
        marks.push("deactivated");
    }
    let seen = user.last_seen.map_or("never".to_owned(), when);
    format!(
        "{:<32} {:<24} {:<20} sessions={sessions} last_seen={seen}",
        user.username,
        user.display_name,
        marks.join(",")
    )
}

/// A time as `YYYY-MM-DD HH:MM`, UTC.
fn when(t: Timestamp) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(t.0.div_euclid(1000))
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_default()
}

/// The data directory the server uses, from the flag or the environment.
pub fn data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| PathBuf::from("natter-data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_utc_dates() {
        assert_eq!(when(Timestamp(0)), "1970-01-01 00:00");
        assert_eq!(when(Timestamp(1_796_043_600_000)), "2026-11-30 13:00");
    }
}
