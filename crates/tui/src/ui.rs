//! Drawing the screen: rooms on the left, the open room in the middle, members on the right
//! (when there is room for them), the status line and the composer at the bottom, and the
//! help, room switcher and search windows ([`crate::overlays`]) over it all.

use std::time::Instant;

use natter_client::proto::RoomKind;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::chat::{Chat, Mode, Notice, Overlay};
use crate::markdown::Palette;
use crate::net::Link;
use crate::overlays;
use crate::timeline::{self, dim, name_style};

/// Members are shown from this width up.
const MEMBERS_FROM_WIDTH: u16 = 100;
/// The composer grows up to this many rows.
const COMPOSER_ROWS: u16 = 5;

pub fn draw(frame: &mut Frame, chat: &mut Chat) {
    let area = frame.area();
    let (rows, cursor) = chat.composer.rows(area.width.saturating_sub(2));
    let composer_height = u16::try_from(rows.len())
        .unwrap_or(u16::MAX)
        .clamp(1, COMPOSER_ROWS);
    let [body, status, composer] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(composer_height),
    ])
    .areas(area);
    let sidebar_width = (area.width / 4).clamp(14, 26);
    let members_width = if area.width >= MEMBERS_FROM_WIDTH {
        24
    } else {
        0
    };
    let [sidebar, middle, members] = Layout::horizontal([
        Constraint::Length(sidebar_width),
        Constraint::Min(20),
        Constraint::Length(members_width),
    ])
    .areas(body);
    draw_sidebar(frame, chat, sidebar);
    draw_room(frame, chat, middle);
    if members_width > 0 {
        draw_members(frame, chat, members);
    }
    draw_status(frame, chat, status);
    draw_composer(frame, chat, composer, rows, cursor);
    match chat.overlay.clone() {
        Some(Overlay::Help(page)) => overlays::draw_help(frame, chat.options.palette, page),
        Some(Overlay::Switcher { query, selected }) => {
            overlays::draw_switcher(frame, chat, &query, selected)
        }
        Some(Overlay::Search {
            query,
            hits,
            selected,
        }) => overlays::draw_search(frame, chat, &query, &hits, selected),
        None => {}
    }
}

pub(crate) fn selected_style(palette: Palette) -> Style {
    match palette {
        Palette::Color => Style::new().bg(Color::Blue).fg(Color::White),
        Palette::NoColor => Style::new().add_modifier(Modifier::REVERSED),
    }
}

fn draw_sidebar(frame: &mut Frame, chat: &Chat, area: Rect) {
    let palette = chat.options.palette;
    let block = Block::new().borders(Borders::RIGHT).title(Span::styled(
        "Rooms",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let mut dms_started = false;
    for room in chat.state.sidebar() {
        if room.kind == RoomKind::Dm && !dms_started {
            dms_started = true;
            lines.push(Line::styled("Direct", dim(palette)));
        }
        let read = chat.state.reads.get(&room.id);
        let unread = read.map_or(0, |r| r.unread);
        let mentions = read.map_or(0, |r| r.mentions);
        let badge = match (unread, mentions) {
            (0, _) => String::new(),
            (n, 0) => format!(" {n}"),
            (n, m) => format!(" {n} @{m}"),
        };
        let room_width = usize::from(inner.width).saturating_sub(badge.width());
        let label = fit(&chat.state.room_label(room), room_width);
        let mut style = Style::new();
        if unread > 0 {
            style = style.add_modifier(Modifier::BOLD);
        }
        if chat.open.as_deref() == Some(room.id.as_str()) {
            style = selected_style(palette);
        }
        let badge_style = match (mentions > 0, palette) {
            (true, Palette::Color) => style.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            (true, Palette::NoColor) => style.add_modifier(Modifier::BOLD),
            (false, _) => style,
        };
        let pad = room_width.saturating_sub(label.width());
        lines.push(Line::from(vec![
            Span::styled(format!("{label}{}", " ".repeat(pad)), style),
            Span::styled(badge, badge_style),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `text` cut to at most `width` columns.
fn fit(text: &str, width: usize) -> String {
    let mut used = 0;
    text.chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= width
        })
        .collect()
}

fn draw_room(frame: &mut Frame, chat: &mut Chat, area: Rect) {
    let palette = chat.options.palette;
    let [header, messages] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let title = match chat.open.clone() {
        Some(room) => {
            let topic = chat
                .state
                .rooms
                .get(&room)
                .map(|r| r.topic.clone())
                .unwrap_or_default();
            let mut spans = vec![Span::styled(
                format!(" {}", chat.room_label(&room)),
                Style::new().add_modifier(Modifier::BOLD),
            )];
            if !topic.is_empty() {
                spans.push(Span::styled(format!(" — {topic}"), dim(palette)));
            }
            Line::from(spans)
        }
        None => Line::styled(" no rooms yet: /join ROOM or /create NAME", dim(palette)),
    };
    frame.render_widget(Paragraph::new(title), header);
    let (lines, selected) = timeline::lines(chat, messages.width.saturating_sub(1));
    let height = usize::from(messages.height);
    let total = lines.len();
    chat.page_height = messages.height;
    chat.max_scroll = u16::try_from(total.saturating_sub(height)).unwrap_or(u16::MAX);
    if let (Some((first, last)), true) = (selected, chat.selected != chat.shown_selection) {
        // Scroll just enough to bring a newly selected message into view.
        let mut end = total - usize::from(chat.scroll.min(chat.max_scroll));
        if last > end {
            end = last;
        }
        if first < end.saturating_sub(height) {
            end = (first + height).min(total);
        }
        chat.scroll = u16::try_from(total - end).unwrap_or(u16::MAX);
    }
    chat.shown_selection = chat.selected;
    chat.scroll = chat.scroll.min(chat.max_scroll);
    let end = total - usize::from(chat.scroll);
    let start = end.saturating_sub(height);
    let shown: Vec<Line> = lines[start..end].to_vec();
    let inner = Rect {
        x: messages.x + 1,
        width: messages.width.saturating_sub(1),
        ..messages
    };
    frame.render_widget(Paragraph::new(shown), inner);
}

fn draw_members(frame: &mut Frame, chat: &Chat, area: Rect) {
    let palette = chat.options.palette;
    let block = Block::new().borders(Borders::LEFT).title(Span::styled(
        "Members",
        Style::new().add_modifier(Modifier::BOLD),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(room) = &chat.open else {
        return;
    };
    let mut members: Vec<(bool, String, String)> = chat
        .state
        .members
        .get(room)
        .into_iter()
        .flatten()
        .map(|id| {
            let online = chat.state.online.contains(id);
            (!online, chat.state.name_of(id).to_lowercase(), id.clone())
        })
        .collect();
    members.sort();
    let lines: Vec<Line> = members
        .into_iter()
        .map(|(offline, _, id)| {
            let (dot, dot_style) = if offline {
                ("○ ", dim(palette))
            } else {
                ("● ", Style::new().fg(Color::Green))
            };
            let dot_style = match palette {
                Palette::Color => dot_style,
                Palette::NoColor => Style::new(),
            };
            let mut name = chat.state.name_of(&id);
            if let Some(user) = chat.state.users.get(&id) {
                if !user.status.is_empty() {
                    name.push_str(&format!(" — {}", user.status));
                }
            }
            Line::from(vec![
                Span::styled(dot, dot_style),
                Span::styled(
                    name,
                    name_style(&id, palette).remove_modifier(Modifier::BOLD),
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_status(frame: &mut Frame, chat: &Chat, area: Rect) {
    let palette = chat.options.palette;
    let (link, link_style) = match &chat.link {
        Link::Online if chat.state.replaying => {
            ("◌ catching up…".to_owned(), Style::new().fg(Color::Yellow))
        }
        Link::Online => ("● online".to_owned(), Style::new().fg(Color::Green)),
        Link::Connecting { attempt: 1 } => ("◌ connecting…".to_owned(), Style::new()),
        Link::Connecting { attempt } => (
            format!("◌ reconnecting (attempt {attempt})…"),
            Style::new().fg(Color::Yellow),
        ),
        Link::Offline { retry_at, .. } => {
            let secs = retry_at
                .saturating_duration_since(tokio::time::Instant::now())
                .as_secs();
            (
                format!("○ offline, retrying in {secs}s (Ctrl+R now)"),
                Style::new().fg(Color::Red),
            )
        }
        Link::SessionEnded => ("○ logged out".to_owned(), Style::new().fg(Color::Red)),
    };
    let link_style = match palette {
        Palette::Color => link_style,
        Palette::NoColor => Style::new().add_modifier(Modifier::BOLD),
    };
    let mut spans = vec![Span::styled(link, link_style), Span::raw(" │ ")];
    let waiting = chat.state.outbox.len();
    if waiting > 0 {
        spans.push(Span::raw(format!("{waiting} to send │ ")));
    }
    match (&chat.mode, &chat.notice) {
        (_, Some(Notice::Error(text))) => spans.push(Span::styled(
            text.clone(),
            match palette {
                Palette::Color => Style::new().fg(Color::Red),
                Palette::NoColor => Style::new().add_modifier(Modifier::BOLD),
            },
        )),
        (Mode::Edit { .. }, _) => {
            spans.push(Span::raw("editing your message: Enter saves, Esc cancels"))
        }
        (Mode::Reply { seq, .. }, _) => {
            let to = chat
                .open
                .as_ref()
                .and_then(|room| chat.state.message(room, *seq))
                .map(|m| chat.state.name_of(&m.sender_id))
                .unwrap_or_default();
            spans.push(Span::raw(format!(
                "replying to {to}: Enter sends, Esc cancels"
            )));
        }
        (_, Some(Notice::Info(text))) => spans.push(Span::raw(text.clone())),
        (Mode::Send, None) => spans.push(Span::styled(typing_line(chat), dim(palette))),
    }
    if let Link::Offline { reason, .. } = &chat.link {
        spans.push(Span::styled(format!(" │ {reason}"), dim(palette)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn typing_line(chat: &Chat) -> String {
    let Some(room) = &chat.open else {
        return String::new();
    };
    match chat.state.typing_in(room, Instant::now()).as_slice() {
        [] => String::new(),
        [one] => format!("{one} is typing…"),
        [a, b] => format!("{a} and {b} are typing…"),
        [a, rest @ ..] => format!("{a} and {} others are typing…", rest.len()),
    }
}

fn draw_composer(
    frame: &mut Frame,
    chat: &Chat,
    area: Rect,
    rows: Vec<String>,
    cursor: (u16, u16),
) {
    let palette = chat.options.palette;
    let first_row = cursor.0.saturating_sub(area.height.saturating_sub(1));
    let prompt = match chat.mode {
        Mode::Edit { .. } => "✎ ",
        Mode::Reply { .. } => "↳ ",
        Mode::Send => "› ",
    };
    let lines: Vec<Line> = if chat.composer.is_empty() {
        let room = chat
            .open
            .as_deref()
            .map(|r| chat.room_label(r))
            .unwrap_or_default();
        vec![Line::from(vec![
            Span::raw(prompt),
            Span::styled(
                format!("Message {room}   (? help, Ctrl+K rooms)"),
                dim(palette),
            ),
        ])]
    } else {
        rows.into_iter()
            .enumerate()
            .skip(usize::from(first_row))
            .map(|(i, row)| {
                let lead = if i == 0 { prompt } else { "  " };
                Line::from(vec![Span::raw(lead), Span::raw(row)])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), area);
    if chat.overlay.is_none() {
        frame.set_cursor_position(Position::new(
            area.x.saturating_add(2).saturating_add(cursor.1),
            area.y.saturating_add(cursor.0 - first_row),
        ));
    }
}
