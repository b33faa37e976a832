//! Validated values: each is parsed once at the edge and valid by type afterwards.

use crate::DomainError;

pub(crate) const PASSWORD_MAX_CHARS: usize = 1024;

#[macro_use]
mod rules;
#[cfg(test)]
mod tests;

pub use rules::TextRule;
use rules::{name_text, plain_text, visible_text, within};

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// A login name: 3 to 32 of `a-z 0-9 _ . -`, stored lowercase so uniqueness ignores case.
/// Spaces around it are dropped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub const RULE: TextRule = TextRule {
        min_chars: 3,
        max_chars: None,
        pattern: Some(concat!(
            "^[",
            white_space!(),
            "]*[A-Za-z0-9_.-]{3,32}[",
            white_space!(),
            "]*$"
        )),
    };

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
    pub const RULE: TextRule = TextRule {
        min_chars: 8,
        max_chars: Some(PASSWORD_MAX_CHARS),
        pattern: None,
    };

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

/// Something besides White_Space.
fn has_visible(t: &str) -> bool {
    !t.trim().is_empty()
}

/// Text other than names (a status, a topic): no control characters.
fn any_text(_: &str) -> bool {
    true
}

// Length and characters are judged on the text as sent, spaces around it included, so that
// the rule can be stated exactly (see [`TextRule`]); what is kept is the trimmed text.
macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $rule:expr, $err:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const RULE: TextRule = $rule;

            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                if !within(&Self::RULE, raw) || has_control(raw) || !$check(raw) {
                    return Err($err);
                }
                Ok($name(raw.trim().to_owned()))
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
    DisplayName, name_text(64), DomainError::InvalidDisplayName, name_is_readable
);
text_value!(
    /// A short status line: up to 140 characters, trimmed; empty clears it.
    StatusText, plain_text(0, 140), DomainError::InvalidStatus, any_text
);
text_value!(
    /// A room's name: 1 to 64 characters, trimmed, with something visible and nothing that
    /// reorders text.
    RoomName, name_text(64), DomainError::InvalidRoomName, name_is_readable
);
text_value!(
    /// A room's topic: up to 500 characters, trimmed.
    Topic, plain_text(0, 500), DomainError::InvalidTopic, any_text
);
text_value!(
    /// The server's name as its pages show it: 1 to 64 characters, trimmed, not only spaces.
    ServerName, visible_text(64), DomainError::InvalidServerName, has_visible
);
text_value!(
    /// Why a moderator or an admin acted, or why someone reported a message: up to 500
    /// characters, trimmed.
    Reason, plain_text(0, 500), DomainError::InvalidReason, any_text
);

/// A message body: 1 to 4000 characters after trimming. Newlines and tabs are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    pub const MAX_CHARS: usize = 4000;
    /// Something besides spaces, and no control characters but tabs and newlines.
    pub const RULE: TextRule = TextRule {
        min_chars: 1,
        max_chars: Some(Self::MAX_CHARS),
        pattern: Some(concat!(
            "^[^",
            control_but_layout!(),
            "]*[^",
            control_but_layout!(),
            white_space!(),
            "][^",
            control_but_layout!(),
            "]*$"
        )),
    };
    /// A caption beside attachments may be empty or only spaces.
    pub const CAPTION_RULE: TextRule = TextRule {
        min_chars: 0,
        max_chars: Some(Self::MAX_CHARS),
        pattern: Some(concat!("^[^", control_but_layout!(), "]*$")),
    };

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let caption = Self::parse_caption(raw)?;
        if caption.0.is_empty() {
            return Err(DomainError::InvalidBody);
        }
        Ok(caption)
    }
    /// A caption for attachments: like [`MessageBody::parse`], but it may be empty.
    pub fn parse_caption(raw: &str) -> Result<Self, DomainError> {
        let bad_control = raw
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t'));
        if !within(&Self::CAPTION_RULE, raw) || bad_control {
            return Err(DomainError::InvalidBody);
        }
        Ok(MessageBody(raw.trim().to_owned()))
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

/// The name an uploaded file is shown and downloaded under: 1 to 255 characters, trimmed,
/// without control or invisible formatting characters or path separators, and not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

/// What a file name may not hold: control and formatting characters, and path separators.
macro_rules! not_in_file_name {
    () => {
        concat!(
            control!(),
            "\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb/\\\\"
        )
    };
}

impl FileName {
    pub const MAX_CHARS: usize = 255;
    /// Something besides dots and spaces, or dots that do not trim to `.` or `..`.
    pub const RULE: TextRule = TextRule {
        min_chars: 1,
        max_chars: Some(Self::MAX_CHARS),
        pattern: Some(concat!(
            "^(?:[^",
            not_in_file_name!(),
            "]*[^",
            not_in_file_name!(),
            white_space!(),
            ".][^",
            not_in_file_name!(),
            "]*",
            "|[",
            spaces!(),
            ".]*\\.[",
            spaces!(),
            ".]*\\.[",
            spaces!(),
            ".]*\\.[",
            spaces!(),
            ".]*",
            "|[",
            spaces!(),
            "]*\\.[",
            spaces!(),
            "]+\\.[",
            spaces!(),
            "]*)$"
        )),
    };

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        let hidden = raw
            .chars()
            .any(|c| c.is_control() || is_format(c) || matches!(c, '/' | '\\'));
        let n = raw.chars().count();
        if name.is_empty() || n > Self::MAX_CHARS || hidden || matches!(name, "." | "..") {
            return Err(DomainError::InvalidFileName);
        }
        Ok(FileName(name.to_owned()))
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
    pub const RULE: TextRule = TextRule {
        min_chars: 1,
        max_chars: Some(64),
        pattern: Some("^[!-~]*$"),
    };

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
    /// Every text [`Emoji::parse`] takes without trimming: each emoji, with each skin tone,
    /// fully qualified and without its variation selectors.
    pub fn all() -> Vec<String> {
        let mut all = std::collections::BTreeSet::new();
        for emoji in emojis::iter() {
            let tones = emoji.skin_tones().into_iter().flatten();
            for form in std::iter::once(emoji).chain(tones) {
                let full = form.as_str();
                for text in [full.to_owned(), full.replace('\u{fe0f}', "")] {
                    if text.len() <= 64 && emojis::get(&text).is_some() {
                        all.insert(text);
                    }
                }
            }
        }
        all.into_iter().collect()
    }

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
    pub const RULE: TextRule = TextRule {
        min_chars: 0,
        max_chars: Some(200),
        pattern: None,
    };

    /// The words of `raw` as a query; `None` when it has none (it can match nothing).
    pub fn parse(raw: &str) -> Result<Option<Self>, DomainError> {
        if !within(&Self::RULE, raw) {
            return Err(DomainError::InvalidQuery);
        }
        let words: Vec<String> = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(16)
            .map(|w| format!("\"{w}\""))
            .collect();
        match words.split_last() {
            None => Ok(None),
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
                Ok(Some(SearchTerms(q)))
            }
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
