//! A message's Markdown body as terminal lines: bold, italic, strikethrough and code as styles,
//! quotes and lists with their markers, links with their address. Raw HTML is shown as the text
//! it is; nothing is ever interpreted as markup but Markdown.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

/// How to draw: with colours, or (for `NO_COLOR`) with text styles only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    Color,
    NoColor,
}

impl Palette {
    fn code(self) -> Style {
        match self {
            Palette::Color => Style::new().fg(Color::Yellow),
            Palette::NoColor => Style::new().add_modifier(Modifier::REVERSED),
        }
    }
    fn link(self) -> Style {
        match self {
            Palette::Color => Style::new()
                .fg(Color::Cyan)
                .add_modifier(Modifier::UNDERLINED),
            Palette::NoColor => Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }
    fn quote(self) -> Style {
        match self {
            Palette::Color => Style::new().fg(Color::DarkGray),
            Palette::NoColor => Style::new().add_modifier(Modifier::DIM),
        }
    }
}

/// Renders `body` to lines, unwrapped; the caller wraps them to the width it has.
pub fn render(body: &str, palette: Palette) -> Vec<Line<'static>> {
    let mut r = Renderer {
        palette,
        lines: Vec::new(),
        current: Vec::new(),
        styles: vec![Style::new()],
        lists: Vec::new(),
        quote_depth: 0,
        in_code_block: false,
        link: None,
    };
    let options = Options::ENABLE_STRIKETHROUGH;
    for event in Parser::new_ext(body, options) {
        r.event(event);
    }
    r.end_line();
    while r.lines.last().is_some_and(|l| l.spans.is_empty()) {
        r.lines.pop();
    }
    r.lines
}

struct Renderer {
    palette: Palette,
    lines: Vec<Line<'static>>,
    current: Vec<Span<'static>>,
    /// The style of the text at each level of nesting.
    styles: Vec<Style>,
    /// For each open list, the next number (`None` for bullets).
    lists: Vec<Option<u64>>,
    quote_depth: usize,
    in_code_block: bool,
    link: Option<String>,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, change: impl FnOnce(Style) -> Style) {
        let next = change(self.style());
        self.styles.push(next);
    }

    fn text(&mut self, text: &str) {
        if self.current.is_empty() && self.quote_depth > 0 {
            let bar = "│ ".repeat(self.quote_depth);
            self.current.push(Span::styled(bar, self.palette.quote()));
        }
        self.current
            .push(Span::styled(text.to_owned(), self.style()));
    }

    fn end_line(&mut self) {
        let spans = std::mem::take(&mut self.current);
        self.lines.push(Line::from(spans));
    }

    /// Ends the current line if it has anything on it.
    fn break_line(&mut self) {
        if !self.current.is_empty() {
            self.end_line();
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) if self.in_code_block => {
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        self.end_line();
                    }
                    if !line.is_empty() {
                        self.text(line);
                    }
                }
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::Code(t) => {
                let style = self.palette.code();
                self.current.push(Span::styled(t.into_string(), style));
            }
            Event::SoftBreak | Event::HardBreak => self.end_line(),
            Event::Rule => {
                self.break_line();
                self.text("───");
                self.end_line();
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Strong => self.push_style(|s| s.add_modifier(Modifier::BOLD)),
            Tag::Emphasis => self.push_style(|s| s.add_modifier(Modifier::ITALIC)),
            Tag::Strikethrough => self.push_style(|s| s.add_modifier(Modifier::CROSSED_OUT)),
            Tag::Link { dest_url, .. } => {
                self.link = Some(dest_url.into_string());
                let link = self.palette.link();
                self.push_style(|s| s.patch(link));
            }
            Tag::CodeBlock(_) => {
                self.break_line();
                self.in_code_block = true;
                let code = self.palette.code();
                self.push_style(|s| s.patch(code));
            }
            Tag::BlockQuote(_) => {
                self.break_line();
                self.quote_depth += 1;
            }
            Tag::List(first) => {
                self.break_line();
                self.lists.push(first);
            }
            Tag::Item => {
                self.break_line();
                let depth = self.lists.len().saturating_sub(1);
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "• ".to_owned(),
                };
                self.text(&format!("{}{marker}", "  ".repeat(depth)));
            }
            Tag::Paragraph | Tag::Heading { .. } => self.break_line(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Strong | TagEnd::Emphasis | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some(url) = self.link.take() {
                    let shown: String = self.current.iter().map(|s| s.content.as_ref()).collect();
                    if !shown.ends_with(url.as_str()) {
                        self.current
                            .push(Span::styled(format!(" ({url})"), self.palette.quote()));
                    }
                }
            }
            TagEnd::CodeBlock => {
                self.styles.pop();
                self.in_code_block = false;
                self.break_line();
            }
            TagEnd::BlockQuote(_) => {
                self.break_line();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            TagEnd::List(_) => {
                self.break_line();
                self.lists.pop();
            }
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item => self.break_line(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'_>]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn styled<'a>(lines: &'a [Line<'a>], text: &str) -> Style {
        lines
            .iter()
            .flat_map(|l| l.spans.iter())
            .find(|s| s.content == text)
            .unwrap_or_else(|| panic!("no span {text:?} in {lines:?}"))
            .style
    }

    #[test]
    fn inline_styles_become_terminal_styles() {
        let lines = render("**bold** *it* ~~gone~~ `code`", Palette::Color);
        assert_eq!(plain(&lines), ["bold it gone code"]);
        assert!(styled(&lines, "bold").add_modifier.contains(Modifier::BOLD));
        assert!(styled(&lines, "it").add_modifier.contains(Modifier::ITALIC));
        assert!(styled(&lines, "gone")
            .add_modifier
            .contains(Modifier::CROSSED_OUT));
        assert_eq!(styled(&lines, "code").fg, Some(Color::Yellow));
    }

    #[test]
    fn without_colour_code_still_stands_out() {
        let lines = render("`code`", Palette::NoColor);
        let style = styled(&lines, "code");
        assert_eq!(style.fg, None);
        assert!(style.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn blocks_keep_their_shape() {
        let body =
            "> quoted\n\n1. one\n2. two\n\n- a\n- b\n\n```rust\nfn main() {}\n\nlet x = 1;\n```";
        assert_eq!(
            plain(&render(body, Palette::Color)),
            [
                "│ quoted",
                "1. one",
                "2. two",
                "• a",
                "• b",
                "fn main() {}",
                "",
                "let x = 1;"
            ]
        );
    }

    #[test]
    fn links_show_their_address_and_html_stays_text() {
        let lines = render(
            "[docs](https://example.org/d) and <b>hi</b>",
            Palette::Color,
        );
        assert_eq!(
            plain(&lines),
            ["docs (https://example.org/d) and <b>hi</b>"]
        );
        let bare = render("see <https://example.org>", Palette::Color);
        assert_eq!(plain(&bare), ["see https://example.org"]);
    }

    #[test]
    fn line_breaks_are_kept() {
        assert_eq!(plain(&render("one\ntwo", Palette::Color)), ["one", "two"]);
    }
}
