//! Validated values: each is parsed once at the edge and valid by type afterwards.

use crate::DomainError;

pub(crate) const PASSWORD_MAX_CHARS: usize = 1024;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A login name: 3 to 32 of `a-z 0-9 _ . -`, stored lowercase so uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let lower = raw.trim().to_ascii_lowercase();
        let ok_chars = lower
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
        if (3..=32).contains(&lower.len()) && ok_chars {
            Ok(Username(lower))
        } else {
            Err(DomainError::InvalidUsername)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password in the clear, 8 to 1024 characters, never trimmed or truncated.
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let n = raw.chars().count();
        if (8..=PASSWORD_MAX_CHARS).contains(&n) {
            Ok(Password(raw.to_owned()))
        } else {
            Err(DomainError::InvalidPassword)
        }
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Characters that reorder the text around them (bidirectional embeddings, overrides and
/// isolates): in a name they can make it read as something else, so names refuse them.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters that draw nothing: spaces, format characters, and the fillers and blanks that
/// look like a letter-sized space.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || is_format(c)
        || matches!(
            c,
            '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{2800}' | '\u{034f}'
        )
        || ('\u{fe00}'..='\u{fe0f}').contains(&c)
}

/// What a name must be besides its length: no control or reordering characters, and at least
/// one character that can be seen.
fn name_is_readable(t: &str) -> bool {
    !t.chars().any(is_bidi_control) && !t.chars().all(is_invisible)
}

/// Text other than names (a status, a topic): no control characters.
fn any_text(_: &str) -> bool {
    true
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $err:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                let t = raw.trim();
                let n = t.chars().count();
                if !($min..=$max).contains(&n) || has_control(t) || (n > 0 && !$check(t)) {
                    return Err($err);
                }
                Ok($name(t.to_owned()))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }
    };
}

text_value!(
    /// What others see instead of the username: 1 to 64 characters, trimmed, with something
    /// visible and nothing that reorders text.
    DisplayName, 1, 64, DomainError::InvalidDisplayName, name_is_readable
);
text_value!(
    /// A short status line: up to 140 characters, trimmed; empty clears it.
    StatusText, 0, 140, DomainError::InvalidStatus, any_text
);
text_value!(
    /// A room's name: 1 to 64 characters, trimmed, with something visible and nothing that
    /// reorders text.
    RoomName, 1, 64, DomainError::InvalidRoomName, name_is_readable
);
text_value!(
    /// A room's topic: up to 500 characters, trimmed.
    Topic, 0, 500, DomainError::InvalidTopic, any_text
);

/// A message body: 1 to 4000 characters after trimming. Newlines and tabs are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub const MAX_CHARS: usize = 4000;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let t = raw.trim();
        let n = t.chars().count();
        let bad_control = t
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'));
        if n == 0 || n > Self::MAX_CHARS || bad_control {
            return Err(DomainError::InvalidBody);
        }
        Ok(MessageBody(t.to_owned()))
    }
    /// A caption for attachments: like [`MessageBody::parse`], but it may be empty.
    pub fn parse_caption(raw: &str) -> Result<Self, DomainError> {
        if raw.trim().is_empty() {
            Ok(MessageBody(String::new()))
        } else {
            Self::parse(raw)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Invisible formatting characters (bidirectional overrides, zero-width marks), which can make
/// `gnp.exe` read as `exe.png`.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// The name an uploaded file is shown and downloaded under: the last part of whatever path the
/// client sent, trimmed, 1 to 255 characters without control characters, and not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
        let n = last.chars().count();
        let hidden = last.chars().any(|c| c.is_control() || is_format(c));
        if n == 0 || n > Self::MAX_CHARS || hidden || matches!(last, "." | "..") {
            return Err(DomainError::InvalidFileName);
        }
        Ok(FileName(last.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A client-chosen idempotency key for a send: 1 to 64 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = (1..=64).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(ClientId(raw.to_owned()))
        } else {
            Err(DomainError::InvalidClientId)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One Unicode emoji (skin tones and sequences included), as a reaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Emoji(String);

impl Emoji {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        match emojis::get(raw) {
            Some(_) if raw.len() <= 64 => Ok(Emoji(raw.to_owned())),
            _ => Err(DomainError::InvalidEmoji),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Words to search for, as an FTS5 query that matches messages containing every word (the last
/// one as a prefix if it has two characters or more, so results come while typing). FTS5
/// syntax in the input is never interpreted: every word is quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms(String);

impl SearchTerms {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.chars().count() > 200 {
            return Err(DomainError::InvalidQuery);
        }
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(16)
            .map(|w| format!("\"{w}\""))
            .collect();
        match words.split_last() {
            None => Err(DomainError::InvalidQuery),
            Some((last, rest)) => {
                let mut q = rest.join(" ");
                if !q.is_empty() {
                    q.push(' ');
                }
                q.push_str(last);
                // `last` is quoted: more than one character inside the quotes.
                if last.chars().count() > 3 {
                    q.push('*');
                }
                Ok(SearchTerms(q))
            }
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_limited_to_the_allowed_characters() {
        assert_eq!(
            Username::parse("Alice_1.x-y").unwrap().as_str(),
            "alice_1.x-y"
        );
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse("al ice").is_err());
        assert!(Username::parse("alicé").is_err());
        assert!(Username::parse("al/ce").is_err());
    }

    #[test]
    fn passwords_keep_every_character_and_are_never_truncated() {
        assert!(Password::parse("short").is_err());
        let long = "x".repeat(1000) + "  ";
        assert_eq!(Password::parse(&long).unwrap().expose(), long);
        assert!(Password::parse(&"x".repeat(1025)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("hunter22").unwrap()),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn message_bodies_are_trimmed_and_counted_in_characters() {
        assert_eq!(MessageBody::parse("  hi \n").unwrap().as_str(), "hi");
        assert!(MessageBody::parse("   \n\t ").is_err());
        assert!(MessageBody::parse(&"é".repeat(4000)).is_ok());
        assert!(MessageBody::parse(&"é".repeat(4001)).is_err());
        assert!(MessageBody::parse("line one\nline two").is_ok());
        assert!(MessageBody::parse("bell\u{7}").is_err());
        assert_eq!(MessageBody::parse_caption("  \n").unwrap().as_str(), "");
        assert!(MessageBody::parse_caption(&"a".repeat(4001)).is_err());
    }

    #[test]
    fn file_names_keep_only_their_last_path_part() {
        let name = |raw: &str| FileName::parse(raw).map(FileName::into_string);
        assert_eq!(name("photo.png").unwrap(), "photo.png");
        assert_eq!(name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(name("C:\\Users\\me\\notes 1.txt ").unwrap(), "notes 1.txt");
        assert_eq!(name("résumé.pdf").unwrap(), "résumé.pdf");
        for bad in [
            "",
            "  ",
            "dir/",
            "..",
            ".",
            "a\u{0}b",
            "line\nbreak",
            "cv\u{202e}fdp.exe",
        ] {
            assert!(name(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(name(&"x".repeat(255)).is_ok());
        assert!(name(&"x".repeat(256)).is_err());
    }

    #[test]
    fn names_and_topics_reject_control_characters_and_bad_lengths() {
        assert!(RoomName::parse("").is_err());
        assert!(RoomName::parse("dev\nops").is_err());
        assert_eq!(RoomName::parse(" dev ").unwrap().as_str(), "dev");
        assert!(Topic::parse("").is_ok());
        assert!(Topic::parse(&"t".repeat(501)).is_err());
        assert!(StatusText::parse("").is_ok());
        assert!(DisplayName::parse(" ").is_err());
    }

    #[test]
    fn names_need_something_visible_and_nothing_that_reorders_text() {
        for invisible in [
            "\u{200b}",
            "\u{3164}\u{3164}",
            "\u{2800}",
            "\u{200e}\u{feff}",
            "\u{115f}",
        ] {
            assert!(DisplayName::parse(invisible).is_err(), "{invisible:?}");
            assert!(RoomName::parse(invisible).is_err(), "{invisible:?}");
        }
        for reordered in [
            "admin\u{202e}nimda",
            "ops\u{2066}x\u{2069}",
            "\u{202d}general",
        ] {
            assert!(DisplayName::parse(reordered).is_err(), "{reordered:?}");
            assert!(RoomName::parse(reordered).is_err(), "{reordered:?}");
        }
        // Right-to-left names, emoji sequences joined by ZWJ and accents are names like any.
        for fine in [
            "שלום",
            "مرحبا",
            "👨\u{200d}👩\u{200d}👧 family",
            "Zoë",
            "ops-team",
        ] {
            assert!(DisplayName::parse(fine).is_ok(), "{fine:?}");
            assert!(RoomName::parse(fine).is_ok(), "{fine:?}");
        }
        // A topic or status may say anything readable, as before.
        assert!(Topic::parse("\u{200b}").is_ok());
    }

    #[test]
    fn reactions_are_single_emoji() {
        assert!(Emoji::parse("🎉").is_ok());
        assert!(Emoji::parse("👍🏽").is_ok());
        assert!(Emoji::parse("👨‍👩‍👧").is_ok());
        assert!(Emoji::parse("a").is_err());
        assert!(Emoji::parse("🎉🎉").is_err());
        assert!(Emoji::parse("").is_err());
    }

    #[test]
    fn search_words_are_quoted_and_the_last_is_a_prefix() {
        assert_eq!(
            SearchTerms::parse("deploy fri").unwrap().as_str(),
            "\"deploy\" \"fri\"*"
        );
        assert_eq!(
            SearchTerms::parse("a\" OR NEAR(x) -yes").unwrap().as_str(),
            "\"a\" \"OR\" \"NEAR\" \"x\" \"yes\"*"
        );
        assert_eq!(
            SearchTerms::parse("deploy f").unwrap().as_str(),
            "\"deploy\" \"f\""
        );
        assert!(SearchTerms::parse(" ?! ").is_err());
        assert!(SearchTerms::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn client_ids_are_short_printable_ascii() {
        assert!(ClientId::parse("abc-123").is_ok());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("with space").is_err());
        assert!(ClientId::parse(&"a".repeat(65)).is_err());
    }
}
