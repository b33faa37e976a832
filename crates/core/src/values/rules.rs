//! How a text value's rule is written down: [`TextRule`], the character classes its patterns are
//! built from, and the rules shared by several values.

/// What a text field accepts, said so that a description of the API (the OpenAPI document)
/// can say exactly the same: a length in characters of the text as sent, and a regular
/// expression (ECMA-262, as JSON Schema reads it) the text as sent matches. Each value's
/// `parse` accepts exactly the texts its rule describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    pub min_chars: usize,
    pub max_chars: Option<usize>,
    pub pattern: Option<&'static str>,
}

// Character classes the patterns below are built from, as regex class contents.
/// Control characters (`char::is_control`).
macro_rules! control {
    () => {
        "\\u0000-\\u001f\\u007f-\\u009f"
    };
}
/// Control characters but the tab and the newline, which a message may hold.
macro_rules! control_but_layout {
    () => {
        "\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f"
    };
}
/// Characters that reorder the text around them ([`is_bidi_control`]).
macro_rules! bidi {
    () => {
        "\\u202a-\\u202e\\u2066-\\u2069"
    };
}
/// What `str::trim` removes: Unicode White_Space.
macro_rules! white_space {
    () => {
        "\\t\\n\\u000b\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    };
}
/// White_Space but the control characters among it.
macro_rules! spaces {
    () => {
        " \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    };
}
/// Characters that draw nothing ([`is_invisible`]): White_Space, format characters, fillers.
macro_rules! invisible {
    () => {
        concat!(
            white_space!(),
            "\\u00ad\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f\\ufeff\\ufff9-\\ufffb",
            "\\u115f\\u1160\\u3164\\uffa0\\u2800\\u034f\\ufe00-\\ufe0f"
        )
    };
}

/// A rule for free text: a length, and no control characters.
pub(super) const fn plain_text(min_chars: usize, max_chars: usize) -> TextRule {
    TextRule {
        min_chars,
        max_chars: Some(max_chars),
        pattern: Some(concat!("^[^", control!(), "]*$")),
    }
}

/// A rule for text with something besides spaces: a length, and no control characters.
pub(super) const fn visible_text(max_chars: usize) -> TextRule {
    TextRule {
        min_chars: 1,
        max_chars: Some(max_chars),
        pattern: Some(concat!(
            "^[^",
            control!(),
            "]*[^",
            control!(),
            white_space!(),
            "][^",
            control!(),
            "]*$"
        )),
    }
}

/// A rule for a name: a length, nothing that reorders text, and something visible.
pub(super) const fn name_text(max_chars: usize) -> TextRule {
    TextRule {
        min_chars: 1,
        max_chars: Some(max_chars),
        pattern: Some(concat!(
            "^[^",
            control!(),
            bidi!(),
            "]*[^",
            control!(),
            bidi!(),
            invisible!(),
            "][^",
            control!(),
            bidi!(),
            "]*$"
        )),
    }
}

/// Whether `raw` keeps to `rule`'s length, in characters.
pub(super) fn within(rule: &TextRule, raw: &str) -> bool {
    let n = raw.chars().count();
    n >= rule.min_chars && rule.max_chars.is_none_or(|max| n <= max)
}
