//! What the user types in the composer: a message, or a `/command`. A line starting with `//`
//! is a message that starts with `/`.

mod moderation;

use std::path::PathBuf;

use moderation::moderation;
pub use moderation::{Moderation, MODERATION_COMMANDS};

/// One slash command, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Join(String),
    Leave,
    Create {
        name: String,
        private: bool,
    },
    Dm(Vec<String>),
    Me(String),
    Topic(String),
    /// Reply to the selected message (the newest one if none is selected), with optional text.
    Reply(String),
    React(String),
    Search(String),
    Upload(PathBuf),
    /// Download attachment number `index` (as shown, from 1) to `path` or the current directory.
    Download {
        index: usize,
        path: Option<PathBuf>,
    },
    Nick(String),
    Status(String),
    Help,
    Quit,
    /// Moderation and single-message actions (see `moderation.rs`).
    Moderate(Moderation),
}

/// A line from the composer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Message(String),
    Command(Command),
}

/// Why a line is not a valid command; the message is meant for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandError(pub String);

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandError {}

/// Every command with its usage, for `/help` and for Tab completion.
pub const COMMANDS: &[(&str, &str)] = &[
    ("/join", "/join ROOM            join a public room by name"),
    ("/leave", "/leave                leave this room"),
    ("/create", "/create NAME [--private]  create a room"),
    ("/dm", "/dm USER...           message one or more people"),
    ("/me", "/me ACTION            say what you are doing"),
    ("/topic", "/topic TEXT           set this room's topic"),
    (
        "/reply",
        "/reply [TEXT]         reply to the selected message",
    ),
    (
        "/react",
        "/react EMOJI          react to the selected message",
    ),
    (
        "/search",
        "/search TEXT          search messages you can read",
    ),
    ("/upload", "/upload PATH          send a file"),
    ("/download", "/download N [PATH]    save attachment N"),
    ("/nick", "/nick DISPLAY NAME    change your display name"),
    (
        "/status",
        "/status TEXT          set your status (empty clears it)",
    ),
    ("/help", "/help                 keys and commands"),
    ("/quit", "/quit                 leave natter chat"),
];

/// Parses one composer line. Blank lines are not input at all.
pub fn parse(line: &str) -> Result<Option<Input>, CommandError> {
    let text = line.trim_end();
    if text.trim().is_empty() {
        return Ok(None);
    }
    if let Some(escaped) = text.strip_prefix("//") {
        return Ok(Some(Input::Message(format!("/{escaped}"))));
    }
    let Some(rest) = text.strip_prefix('/') else {
        return Ok(Some(Input::Message(text.to_owned())));
    };
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((name, args)) => (name, args.trim()),
        None => (rest, ""),
    };
    command(&name.to_lowercase(), args).map(|c| Some(Input::Command(c)))
}

fn command(name: &str, args: &str) -> Result<Command, CommandError> {
    let needs = |what: &str| -> Result<String, CommandError> {
        if args.is_empty() {
            Err(CommandError(format!("/{name} needs {what}")))
        } else {
            Ok(args.to_owned())
        }
    };
    let none = |c: Command| -> Result<Command, CommandError> {
        if args.is_empty() {
            Ok(c)
        } else {
            Err(CommandError(format!("/{name} takes no arguments")))
        }
    };
    Ok(match name {
        "join" => Command::Join(needs("a room name")?),
        "leave" => none(Command::Leave)?,
        "create" => create(&needs("a room name")?),
        "dm" => Command::Dm(
            needs("at least one username")?
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|u| !u.is_empty())
                .map(|u| u.trim_start_matches('@').to_owned())
                .collect(),
        ),
        "me" => Command::Me(needs("an action")?),
        "topic" => Command::Topic(args.to_owned()),
        "reply" => Command::Reply(args.to_owned()),
        "react" => Command::React(needs("an emoji")?),
        "search" => Command::Search(needs("words to find")?),
        "upload" => Command::Upload(PathBuf::from(needs("a file path")?)),
        "download" => download(&needs("an attachment number")?)?,
        "nick" => Command::Nick(needs("a display name")?),
        "status" => Command::Status(args.to_owned()),
        "kick" | "ban" | "unban" | "mute" | "unmute" | "slow" | "invite" | "report" | "delete"
        | "pin" | "unpin" | "block" | "unblock" => Command::Moderate(moderation(name, args)?),
        "help" => none(Command::Help)?,
        "quit" | "exit" => none(Command::Quit)?,
        other => return Err(unknown(other)),
    })
}

fn create(args: &str) -> Command {
    let private = args.split_whitespace().any(|w| w == "--private");
    let name: Vec<&str> = args
        .split_whitespace()
        .filter(|w| *w != "--private")
        .collect();
    Command::Create {
        name: name.join(" "),
        private,
    }
}

fn download(args: &str) -> Result<Command, CommandError> {
    let (n, path) = match args.split_once(char::is_whitespace) {
        Some((n, path)) => (n, Some(PathBuf::from(path.trim()))),
        None => (args, None),
    };
    match n.parse::<usize>() {
        Ok(index) if index >= 1 => Ok(Command::Download { index, path }),
        _ => Err(CommandError(format!(
            "/download needs an attachment number (1, 2, ...), not {n:?}"
        ))),
    }
}

fn unknown(name: &str) -> CommandError {
    let first: String = name.chars().take(1).collect();
    let near = complete(&format!("/{first}"));
    let hint = match near.first() {
        Some(c) => format!("; did you mean {c}?"),
        None => "; /help lists them".to_owned(),
    };
    CommandError(format!("unknown command /{name}{hint}"))
}

/// The commands that start with `prefix` (which includes the `/`), in the order of [`COMMANDS`]
/// and then [`MODERATION_COMMANDS`].
pub fn complete(prefix: &str) -> Vec<&'static str> {
    let prefix = prefix.to_lowercase();
    COMMANDS
        .iter()
        .chain(MODERATION_COMMANDS)
        .map(|(name, _)| *name)
        .filter(|name| name.starts_with(&prefix))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Command {
        match parse(line) {
            Ok(Some(Input::Command(c))) => c,
            other => panic!("{line:?} should be a command, got {other:?}"),
        }
    }

    fn err(line: &str) -> String {
        parse(line).expect_err(line).0
    }

    #[test]
    fn plain_lines_are_messages_and_a_double_slash_escapes() {
        assert_eq!(
            parse("hello").unwrap(),
            Some(Input::Message("hello".into()))
        );
        assert_eq!(parse("  \n").unwrap(), None);
        assert_eq!(
            parse("//shrug ¯\\_(ツ)_/¯").unwrap(),
            Some(Input::Message("/shrug ¯\\_(ツ)_/¯".into()))
        );
        assert_eq!(
            parse("line one\nline two").unwrap(),
            Some(Input::Message("line one\nline two".into()))
        );
    }

    #[test]
    fn every_command_parses_with_its_arguments() {
        assert_eq!(cmd("/join  rust "), Command::Join("rust".into()));
        assert_eq!(cmd("/leave"), Command::Leave);
        assert_eq!(
            cmd("/create Book club --private"),
            Command::Create {
                name: "Book club".into(),
                private: true
            }
        );
        assert_eq!(
            cmd("/create lobby"),
            Command::Create {
                name: "lobby".into(),
                private: false
            }
        );
        assert_eq!(
            cmd("/dm @bob, carol"),
            Command::Dm(vec!["bob".into(), "carol".into()])
        );
        assert_eq!(cmd("/me waves"), Command::Me("waves".into()));
        assert_eq!(cmd("/topic"), Command::Topic(String::new()));
        assert_eq!(cmd("/reply sure"), Command::Reply("sure".into()));
        assert_eq!(cmd("/react 👍"), Command::React("👍".into()));
        assert_eq!(
            cmd("/search release notes"),
            Command::Search("release notes".into())
        );
        assert_eq!(
            cmd("/upload ~/cat.png"),
            Command::Upload("~/cat.png".into())
        );
        assert_eq!(
            cmd("/download 2 /tmp/x.pdf"),
            Command::Download {
                index: 2,
                path: Some("/tmp/x.pdf".into())
            }
        );
        assert_eq!(
            cmd("/download 1"),
            Command::Download {
                index: 1,
                path: None
            }
        );
        assert_eq!(cmd("/nick Alice B."), Command::Nick("Alice B.".into()));
        assert_eq!(cmd("/status"), Command::Status(String::new()));
        assert_eq!(cmd("/HELP"), Command::Help);
        assert_eq!(cmd("/quit"), Command::Quit);
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        assert_eq!(err("/join"), "/join needs a room name");
        assert_eq!(err("/leave now"), "/leave takes no arguments");
        assert!(err("/download x").contains("attachment number"));
        assert!(err("/download 0").contains("attachment number"));
        assert_eq!(
            err("/jion rust"),
            "unknown command /jion; did you mean /join?"
        );
        assert_eq!(err("/xyz"), "unknown command /xyz; /help lists them");
    }

    #[test]
    fn tab_completes_commands_by_prefix() {
        assert_eq!(complete("/d"), ["/dm", "/download", "/delete"]);
        assert_eq!(complete("/st"), ["/status"]);
        assert!(complete("/zz").is_empty());
        assert_eq!(
            complete("/").len(),
            COMMANDS.len() + MODERATION_COMMANDS.len()
        );
    }
}
