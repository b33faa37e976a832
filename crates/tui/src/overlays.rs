//! The windows drawn over the screen: help, the room switcher and search results.

use natter_client::proto::SearchHit;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::chat::Chat;
use crate::commands::{COMMANDS, MODERATION_COMMANDS};
use crate::markdown::Palette;
use crate::timeline::{self, dim, name_style};
use crate::ui::selected_style;

/// A window of at most `width`×`height` in the middle of the screen, cleared.
fn popup(frame: &mut Frame, title: &str, width: u16, height: u16) -> Rect {
    let area = frame.area();
    let w = width.min(area.width);
    let h = height.min(area.height);
    let rect = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, rect);
    let block = Block::bordered().title(Span::styled(
        format!(" {title} "),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}

const KEYS: [&str; 4] = [
    "Enter send · Alt+Enter or Shift+Enter new line · Tab complete · Esc cancel",
    "Ctrl+K or Ctrl+P switch room · PgUp/PgDn scroll · Up edit your last message",
    "Alt+Up/Alt+Down select a message for /reply and /react · Ctrl+R reconnect",
    "F1 or ? this help · Ctrl+C or /quit leave",
];

pub fn draw_help(frame: &mut Frame, palette: Palette, page: u8) {
    if page == 0 {
        let inner = popup(
            frame,
            "Help: ? or Tab for more, any other key closes",
            80,
            23,
        );
        let mut lines: Vec<Line> = KEYS.iter().map(|k| Line::raw(*k)).collect();
        lines.push(Line::styled("Commands", dim(palette)));
        lines.extend(COMMANDS.iter().map(|(_, usage)| Line::raw(*usage)));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let inner = popup(
        frame,
        "Help: messages and moderation; any key closes",
        80,
        23,
    );
    let mut lines = vec![Line::styled(
        "On the selected message (Alt+Up), or the newest; and moderating this room",
        dim(palette),
    )];
    lines.extend(
        MODERATION_COMMANDS
            .iter()
            .map(|(_, usage)| Line::raw(*usage)),
    );
    frame.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_switcher(frame: &mut Frame, chat: &Chat, query: &str, selected: usize) {
    let palette = chat.options.palette;
    let inner = popup(frame, "Switch room: type to filter, Enter opens", 50, 14);
    let mut lines = vec![Line::raw(format!("› {query}"))];
    let matches = chat.switcher_matches(query);
    let shown = usize::from(inner.height.saturating_sub(1));
    let skip = selected.saturating_sub(shown.saturating_sub(1));
    for (i, id) in matches.iter().enumerate().skip(skip).take(shown) {
        let label = chat.room_label(id);
        let style = if i == selected {
            selected_style(palette)
        } else {
            Style::new()
        };
        lines.push(Line::styled(format!(" {label}"), style));
    }
    if matches.is_empty() {
        lines.push(Line::styled(
            " no room matches; /join ROOM joins one",
            dim(palette),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    frame.set_cursor_position(Position::new(
        inner
            .x
            .saturating_add(2)
            .saturating_add(u16::try_from(query.width()).unwrap_or(u16::MAX)),
        inner.y,
    ));
}

pub fn draw_search(
    frame: &mut Frame,
    chat: &Chat,
    query: &str,
    hits: &[SearchHit],
    selected: usize,
) {
    let palette = chat.options.palette;
    let title = format!("Search: {query} (Enter opens, Esc closes)");
    let inner = popup(frame, &title, 90, 20);
    let per_hit = 2;
    let shown = usize::from(inner.height) / per_hit;
    let skip = selected.saturating_sub(shown.saturating_sub(1));
    let mut lines = Vec::new();
    for (i, hit) in hits.iter().enumerate().skip(skip).take(shown) {
        let m = &hit.message;
        let room = chat.room_label(&m.room_id);
        let at = timeline::local_time(&m.created_at, chat.options.utc_offset);
        let mut head = vec![
            Span::styled(
                format!("{room} "),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                chat.state.name_of(&m.sender_id),
                name_style(&m.sender_id, palette),
            ),
            Span::styled(
                format!(" {} {:02}:{:02}", at.date(), at.hour(), at.minute()),
                dim(palette),
            ),
        ];
        if i == selected {
            head.insert(
                0,
                Span::styled("▶ ", Style::new().add_modifier(Modifier::BOLD)),
            );
        }
        lines.push(Line::from(head));
        lines.push(Line::from(snippet(&hit.snippet_html, palette)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A search snippet (escaped text with `<mark>` around matches) as styled spans.
pub fn snippet(html: &str, palette: Palette) -> Vec<Span<'static>> {
    let mark = match palette {
        Palette::Color => Style::new().fg(Color::Black).bg(Color::Yellow),
        Palette::NoColor => Style::new().add_modifier(Modifier::REVERSED),
    };
    let mut spans = vec![Span::raw("  ")];
    let mut marked = false;
    let mut rest = html;
    while !rest.is_empty() {
        let (text, tag, after) = match rest.find('<') {
            Some(i) => {
                let close = rest[i..].find('>').map_or(rest.len(), |j| i + j + 1);
                (&rest[..i], &rest[i..close], &rest[close..])
            }
            None => (rest, "", ""),
        };
        if !text.is_empty() {
            let style = if marked { mark } else { Style::new() };
            spans.push(Span::styled(unescape(text), style));
        }
        match tag {
            "<mark>" => marked = true,
            "</mark>" => marked = false,
            _ => {}
        }
        rest = after;
    }
    spans
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_matches_and_unescape_text() {
        let spans = snippet("a &lt;b&gt; <mark>cat</mark> &amp; dog", Palette::NoColor);
        let text: String = spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(text, "  a <b> cat & dog");
        let marked: Vec<_> = spans
            .iter()
            .filter(|s| s.style.add_modifier.contains(Modifier::REVERSED))
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(marked, ["cat"]);
    }
}
