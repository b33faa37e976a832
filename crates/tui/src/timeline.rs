//! The open room's messages as screen lines: day separators, sender and time, replies, the
//! Markdown body, attachments with their numbers, reactions, thread counts and edits, wrapped
//! to the width there is.

use natter_client::proto::{Attachment, Message};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use unicode_width::UnicodeWidthStr;

use crate::chat::Chat;
use crate::markdown::{self, Palette};
use crate::net::Link;

/// Messages from one sender less than this far apart share one header.
const GROUP_SECS: i64 = 300;

/// The open room as lines, and the range of lines the selected message covers.
pub fn lines(chat: &mut Chat, width: u16) -> (Vec<Line<'static>>, Option<(usize, usize)>) {
    let width = usize::from(width.max(8));
    let Some(room) = chat.open.clone() else {
        return (Vec::new(), None);
    };
    let palette = chat.options.palette;
    let mut out = Vec::new();
    let Some(timeline) = chat.state.timelines.get(&room) else {
        return (out, None);
    };
    let top = if timeline.loading_older {
        "loading older messages…".to_owned()
    } else if timeline.has_older {
        "PgUp for older messages".to_owned()
    } else {
        format!("This is the start of {}.", chat.room_label(&room))
    };
    out.push(Line::styled(top, dim(palette)));
    let messages: Vec<Message> = timeline.messages.values().cloned().collect();
    let mut selected = None;
    let mut previous: Option<(&Message, OffsetDateTime)> = None;
    for message in &messages {
        let at = local_time(&message.created_at, chat.options.utc_offset);
        if previous.is_none_or(|(_, t)| t.date() != at.date()) {
            out.push(day_line(at, width, palette));
        }
        let grouped = previous.is_some_and(|(p, t)| {
            p.sender_id == message.sender_id
                && t.date() == at.date()
                && (at - t).whole_seconds() < GROUP_SECS
                && message.reply_to.is_none()
        });
        let start = out.len();
        let is_selected = chat.selected == Some(message.seq);
        let body = message_lines(chat, message, at, grouped, is_selected, width);
        out.extend(body);
        if is_selected {
            selected = Some((start, out.len()));
        }
        previous = Some((message, at));
    }
    out.extend(pending_lines(chat, &room, width));
    (out, selected)
}

fn message_lines(
    chat: &mut Chat,
    message: &Message,
    at: OffsetDateTime,
    grouped: bool,
    selected: bool,
    width: usize,
) -> Vec<Line<'static>> {
    let palette = chat.options.palette;
    let blocked = chat.state.blocked.contains(&message.sender_id);
    let mention =
        message.sender_id != chat.state.my_id() && !blocked && chat.state.mentions_me(message);
    let marker = if selected {
        Span::styled("▶ ", Style::new().add_modifier(Modifier::BOLD))
    } else if mention {
        Span::styled("▌ ", mention_style(palette))
    } else {
        Span::raw("  ")
    };
    let mut out = Vec::new();
    if !grouped {
        let name = chat.state.name_of(&message.sender_id);
        let header = vec![
            marker.clone(),
            Span::styled(
                format!("{:02}:{:02} ", at.hour(), at.minute()),
                dim(palette),
            ),
            Span::styled(name, name_style(&message.sender_id, palette)),
        ];
        out.push(Line::from(header));
    }
    let indent = || vec![marker.clone()];
    if let Some(reply) = &message.reply_to {
        let excerpt = if reply.deleted {
            "(deleted)".to_owned()
        } else {
            plain_text(&reply.excerpt)
        };
        let text = format!("↳ {}: {excerpt}", chat.state.name_of(&reply.sender_id));
        out.extend(wrap(
            vec![Span::styled(text, dim(palette))],
            width,
            indent(),
        ));
    }
    for line in body_lines(chat, message) {
        out.extend(wrap(line.spans, width, indent()));
    }
    if blocked || message.deleted {
        return out;
    }
    for file in &message.attachments {
        let n = chat.attachment_number(&file.id, &file.name);
        out.extend(wrap(attachment_spans(n, file, palette), width, indent()));
    }
    if !message.reactions.is_empty() {
        let me = chat.state.my_id().to_owned();
        let spans = message
            .reactions
            .iter()
            .map(|r| {
                let style = if r.user_ids.contains(&me) {
                    Style::new().add_modifier(Modifier::BOLD)
                } else {
                    Style::new()
                };
                Span::styled(format!("{} {}  ", r.emoji, r.user_ids.len()), style)
            })
            .collect();
        out.extend(wrap(spans, width, indent()));
    }
    if message.reply_count > 0 {
        let s = if message.reply_count == 1 { "y" } else { "ies" };
        let text = format!("⤷ {} repl{s} in thread", message.reply_count);
        out.push(Line::from(vec![
            marker.clone(),
            Span::styled(text, dim(palette)),
        ]));
    }
    out
}

/// Markdown as one line of plain text, for quoting.
fn plain_text(body: &str) -> String {
    let lines = markdown::render(body, Palette::NoColor);
    let words: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    words.join(" ")
}

/// The body, as Markdown lines; a tombstone or a blocked sender's message as a note.
fn body_lines(chat: &Chat, message: &Message) -> Vec<Line<'static>> {
    let palette = chat.options.palette;
    let note = |text: &str| {
        vec![Line::styled(
            text.to_owned(),
            dim(palette).add_modifier(Modifier::ITALIC),
        )]
    };
    if message.deleted {
        return note("(message deleted)");
    }
    if chat.state.blocked.contains(&message.sender_id) {
        return note("(message from someone you blocked)");
    }
    let mut lines = markdown::render(&message.body, palette);
    if message.edited_at.is_some() {
        let edited = Span::styled(" (edited)", dim(palette));
        match lines.last_mut() {
            Some(last) => last.spans.push(edited),
            None => lines.push(Line::from(edited)),
        }
    }
    lines
}

fn attachment_spans(n: usize, file: &Attachment, palette: Palette) -> Vec<Span<'static>> {
    let mut detail = format_size(file.size);
    if let Some(image) = &file.image {
        detail.push_str(&format!(", image {}×{}", image.width, image.height));
    }
    vec![
        Span::styled(format!("[{n}] "), Style::new().add_modifier(Modifier::BOLD)),
        Span::styled(format!("📎 {}", file.name), link_style(palette)),
        Span::styled(format!("  {detail}"), dim(palette)),
    ]
}

/// Messages in the outbox for `room`, shown dimmed after the room's messages.
fn pending_lines(chat: &Chat, room: &str, width: usize) -> Vec<Line<'static>> {
    let palette = chat.options.palette;
    let waiting = if chat.link == Link::Online {
        " (sending…)"
    } else {
        " (waiting for the connection)"
    };
    let mut out = Vec::new();
    for pending in chat.state.outbox.iter().filter(|p| p.room_id == room) {
        let mut lines = markdown::render(&pending.body, palette);
        if let Some(last) = lines.last_mut() {
            last.spans.push(Span::styled(waiting, dim(palette)));
        }
        for line in lines {
            let spans = line
                .spans
                .into_iter()
                .map(|s| s.patch_style(dim(palette)))
                .collect();
            out.extend(wrap(spans, width, vec![Span::raw("… ")]));
        }
    }
    out
}

fn day_line(at: OffsetDateTime, width: usize, palette: Palette) -> Line<'static> {
    let label = format!(
        " {} {} {} {} ",
        at.weekday(),
        at.day(),
        at.month(),
        at.year()
    );
    let side = width.saturating_sub(label.width()) / 2;
    let text = format!("{}{label}{}", "─".repeat(side), "─".repeat(side));
    Line::styled(text, dim(palette))
}

/// A server time (RFC 3339, UTC) in the user's offset; unparsable times show as the epoch.
pub fn local_time(stamp: &str, offset: time::UtcOffset) -> OffsetDateTime {
    OffsetDateTime::parse(stamp, &Rfc3339)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// `812 B`, `12.3 KB`, `4.0 MB`.
pub fn format_size(bytes: i64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

pub fn dim(palette: Palette) -> Style {
    match palette {
        Palette::Color => Style::new().fg(Color::DarkGray),
        Palette::NoColor => Style::new().add_modifier(Modifier::DIM),
    }
}

fn mention_style(palette: Palette) -> Style {
    match palette {
        Palette::Color => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        Palette::NoColor => Style::new().add_modifier(Modifier::BOLD),
    }
}

fn link_style(palette: Palette) -> Style {
    match palette {
        Palette::Color => Style::new().fg(Color::Cyan),
        Palette::NoColor => Style::new().add_modifier(Modifier::UNDERLINED),
    }
}

/// Each sender keeps one colour, picked from their id.
pub fn name_style(user_id: &str, palette: Palette) -> Style {
    const COLORS: [Color; 6] = [
        Color::Cyan,
        Color::Green,
        Color::Magenta,
        Color::Blue,
        Color::Yellow,
        Color::LightRed,
    ];
    let bold = Style::new().add_modifier(Modifier::BOLD);
    match palette {
        Palette::NoColor => bold,
        Palette::Color => {
            let hash = user_id.bytes().fold(7usize, |h, b| h * 31 + usize::from(b));
            bold.fg(COLORS[hash % COLORS.len()])
        }
    }
}

/// Word-wraps styled text to `width` columns; every row starts with `prefix`.
pub fn wrap(
    spans: Vec<Span<'static>>,
    width: usize,
    prefix: Vec<Span<'static>>,
) -> Vec<Line<'static>> {
    let prefix_width: usize = prefix.iter().map(|s| s.content.width()).sum();
    let room = width.saturating_sub(prefix_width).max(4);
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        for word in split_words(&span.content) {
            if used > 0 && used + word.trim_end().width() > room {
                rows.push(Vec::new());
                used = 0;
            }
            let word = if used == 0 { word.trim_start() } else { word };
            for piece in break_long(word, room) {
                if used > 0 && used + piece.trim_end().width() > room {
                    rows.push(Vec::new());
                    used = 0;
                }
                used += piece.width();
                rows.last_mut()
                    .expect("one row")
                    .push(Span::styled(piece, span.style));
            }
        }
    }
    rows.into_iter()
        .map(|row| {
            let mut spans = prefix.clone();
            spans.extend(row);
            Line::from(spans)
        })
        .collect()
}

/// Words with the spaces after them.
fn split_words(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            in_space = true;
        } else if in_space {
            words.push(&text[start..i]);
            start = i;
            in_space = false;
        }
    }
    if start < text.len() {
        words.push(&text[start..]);
    }
    words
}

/// A word longer than `room` cut into pieces that fit.
fn break_long(word: &str, room: usize) -> Vec<String> {
    if word.width() <= room {
        return vec![word.to_owned()];
    }
    let mut pieces = vec![String::new()];
    let mut used = 0;
    for c in word.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > room {
            pieces.push(String::new());
            used = 0;
        }
        pieces.last_mut().expect("one piece").push(c);
        used += w;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.to_string().trim_end().to_owned())
            .collect()
    }

    #[test]
    fn wrapping_breaks_at_words_keeps_styles_and_cuts_long_words() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let spans = vec![Span::raw("hello big "), Span::styled("world", bold)];
        let lines = wrap(spans, 11, vec![Span::raw("  ")]);
        assert_eq!(text(&lines), ["  hello big", "  world"]);
        assert_eq!(lines[1].spans[1].style, bold);
        let lines = wrap(vec![Span::raw("abcdefghij")], 6, vec![]);
        assert_eq!(text(&lines), ["abcdef", "ghij"]);
    }

    #[test]
    fn quoted_replies_drop_their_markup() {
        assert_eq!(
            plain_text("Is **v0.5** on\nfor `Friday`?"),
            "Is v0.5 on for Friday?"
        );
    }

    #[test]
    fn sizes_and_times_are_shown_for_people() {
        assert_eq!(format_size(812), "812 B");
        assert_eq!(format_size(12_595), "12.3 KB");
        assert_eq!(format_size(4 * 1024 * 1024), "4.0 MB");
        let offset = time::UtcOffset::from_hms(2, 0, 0).unwrap();
        let at = local_time("2026-11-21T23:30:00.000Z", offset);
        assert_eq!((at.day(), at.hour(), at.minute()), (22, 1, 30));
    }
}
