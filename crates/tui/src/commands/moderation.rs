//! The moderation commands and the actions on the selected message: their parsing (a user, a
//! duration such as `10m`, a reason) and their usage for help and Tab completion.

use super::CommandError;

/// The moderation commands and the actions on the selected message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Moderation {
    Kick {
        user: String,
        reason: String,
    },
    /// For `secs`, or for good.
    Ban {
        user: String,
        secs: Option<i64>,
        reason: String,
    },
    Unban(String),
    Mute {
        user: String,
        secs: i64,
        reason: String,
    },
    Unmute(String),
    Slow(u32),
    Invite(String),
    /// Report the selected message (the newest if none is selected).
    Report(String),
    Delete,
    Pin,
    Unpin,
    Block(String),
    Unblock(String),
}

/// The single-message actions and the moderation commands, with their usage: the second page
/// of help, and Tab completion.
pub const MODERATION_COMMANDS: &[(&str, &str)] = &[
    (
        "/delete",
        "/delete               delete the selected message",
    ),
    ("/pin", "/pin                  pin the selected message"),
    ("/unpin", "/unpin                unpin the selected message"),
    (
        "/report",
        "/report [REASON]      report the selected message",
    ),
    ("/block", "/block USER           block someone"),
    ("/unblock", "/unblock USER         unblock someone"),
    (
        "/invite",
        "/invite USER          add or invite someone here",
    ),
    (
        "/kick",
        "/kick USER [REASON]   remove someone from this room",
    ),
    (
        "/ban",
        "/ban USER [DURATION] [REASON]  ban (10m, 2h, 7d; none: for good)",
    ),
    ("/unban", "/unban USER           lift a ban"),
    (
        "/mute",
        "/mute USER DURATION [REASON]  mute here (10m, 2h, 7d)",
    ),
    ("/unmute", "/unmute USER          lift a mute"),
    (
        "/slow",
        "/slow SECONDS         slow mode here (0 turns it off)",
    ),
];

pub(super) fn moderation(name: &str, args: &str) -> Result<Moderation, CommandError> {
    let mut words = args.split_whitespace();
    let mut user = || -> Result<String, CommandError> {
        words
            .next()
            .map(|u| u.trim_start_matches('@').to_owned())
            .ok_or_else(|| CommandError(format!("/{name} needs a username")))
    };
    let none = |m: Moderation| {
        if args.is_empty() {
            Ok(m)
        } else {
            Err(CommandError(format!("/{name} takes no arguments")))
        }
    };
    Ok(match name {
        "kick" => {
            let user = user()?;
            Moderation::Kick {
                user,
                reason: rest(args, 1),
            }
        }
        "ban" => {
            let user = user()?;
            let second = args.split_whitespace().nth(1);
            match second.and_then(duration) {
                Some(secs) => Moderation::Ban {
                    user,
                    secs: Some(secs),
                    reason: rest(args, 2),
                },
                None => Moderation::Ban {
                    user,
                    secs: None,
                    reason: rest(args, 1),
                },
            }
        }
        "mute" => {
            let user = user()?;
            let given = args.split_whitespace().nth(1).unwrap_or_default();
            let secs = duration(given).ok_or_else(|| {
                CommandError("/mute needs a duration: 30s, 10m, 2h or 7d".to_owned())
            })?;
            Moderation::Mute {
                user,
                secs,
                reason: rest(args, 2),
            }
        }
        "unban" => Moderation::Unban(user()?),
        "unmute" => Moderation::Unmute(user()?),
        "invite" => Moderation::Invite(user()?),
        "block" => Moderation::Block(user()?),
        "unblock" => Moderation::Unblock(user()?),
        "slow" => {
            Moderation::Slow(args.parse().map_err(|_| {
                CommandError("/slow needs a number of seconds, 0 to 3600".to_owned())
            })?)
        }
        "report" => Moderation::Report(args.to_owned()),
        "delete" => none(Moderation::Delete)?,
        "pin" => none(Moderation::Pin)?,
        _ => none(Moderation::Unpin)?,
    })
}

/// The words of `args` after the first `skip`, as typed.
fn rest(args: &str, skip: usize) -> String {
    let mut left = args.trim_start();
    for _ in 0..skip {
        left = match left.split_once(char::is_whitespace) {
            Some((_, after)) => after.trim_start(),
            None => "",
        };
    }
    left.trim_end().to_owned()
}

/// `90`, `30s`, `10m`, `2h`, `7d` or `1w` as seconds; `None` for anything else or zero.
fn duration(text: &str) -> Option<i64> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: i64 = digits.parse().ok().filter(|n| *n > 0)?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{parse, Command, Input};

    fn parse_one(line: &str) -> Command {
        match parse(line) {
            Ok(Some(Input::Command(c))) => c,
            other => panic!("{line:?} should be a command, got {other:?}"),
        }
    }

    fn err(line: &str) -> String {
        parse(line).expect_err(line).0
    }

    #[test]
    fn moderation_commands_take_a_user_a_duration_and_a_reason() {
        let m = |line: &str| match parse_one(line) {
            Command::Moderate(m) => m,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            m("/ban @mallory 2h spam links"),
            Moderation::Ban {
                user: "mallory".into(),
                secs: Some(7200),
                reason: "spam links".into()
            }
        );
        assert_eq!(
            m("/ban mallory for good"),
            Moderation::Ban {
                user: "mallory".into(),
                secs: None,
                reason: "for good".into()
            }
        );
        assert_eq!(
            m("/mute bob 10m calm down"),
            Moderation::Mute {
                user: "bob".into(),
                secs: 600,
                reason: "calm down".into()
            }
        );
        assert_eq!(
            m("/kick bob"),
            Moderation::Kick {
                user: "bob".into(),
                reason: String::new()
            }
        );
        assert_eq!(m("/slow 30"), Moderation::Slow(30));
        assert_eq!(
            m("/report off topic"),
            Moderation::Report("off topic".into())
        );
        assert_eq!(m("/delete"), Moderation::Delete);
        assert_eq!(m("/unblock @bob"), Moderation::Unblock("bob".into()));
        assert!(err("/mute bob").contains("needs a duration"));
        assert!(err("/mute bob soon").contains("needs a duration"));
        assert_eq!(err("/kick"), "/kick needs a username");
        assert!(err("/slow fast").contains("seconds"));
        assert_eq!(err("/pin now"), "/pin takes no arguments");
    }
}
