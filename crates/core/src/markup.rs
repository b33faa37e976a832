//! What a message body means beyond its text: Markdown rendered to sanitized HTML, and the
//! `@mentions` it makes. Pure functions; the service calls them on every send and edit.
//!
//! Rendering is two steps on purpose. pulldown-cmark turns the Markdown subset into HTML, with
//! any raw HTML in the body demoted to text; then ammonia cleans the result against a strict
//! allowlist, so even a bug in the first step cannot put a script or a `javascript:` link on
//! anyone's screen.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// `@room` mentions every member.
pub const ROOM_MENTION: &str = "room";

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "br",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "a",
        "blockquote",
        "ul",
        "ol",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ])
    .add_tag_attributes("a", ["href"])
    .add_tag_attributes("ol", ["start"])
    .add_tag_attributes("code", ["class"])
    .attribute_filter(|element, attribute, value| {
        if element == "code" && attribute == "class" && !is_language_class(value) {
            return None;
        }
        Some(value.into())
    })
    // `empty()` keeps ammonia's default schemes (tel, ssh, magnet, ftp, ...) and its generic
    // attributes (`title`, `lang`): both are replaced, not added to.
    .url_schemes(HashSet::from(["http", "https", "mailto"]))
    .generic_attributes(HashSet::new())
    .generic_attribute_prefixes(HashSet::new())
    .url_relative(ammonia::UrlRelative::Deny)
    .link_rel(Some("noopener noreferrer nofollow"))
    .add_clean_content_tags(["script", "style"]);
    b
});

/// `language-rust`, as pulldown-cmark writes for a fenced block's info string.
fn is_language_class(value: &str) -> bool {
    value.strip_prefix("language-").is_some_and(|lang| {
        (1..=32).contains(&lang.len())
            && lang
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'#'))
    })
}

/// Renders a message body to sanitized HTML.
pub fn render(body: &str) -> String {
    if let Some(html) = plain_paragraph(body) {
        return html;
    }
    let parser = Parser::new_ext(
        body,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS,
    );
    let mut in_code_block = false;
    let mut in_link = false;
    let mut events: Vec<Event<'_>> = Vec::new();
    for event in parser {
        match event {
            // Raw HTML is shown as typed, never interpreted.
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            // In chat a newline is a line break.
            Event::SoftBreak => events.push(Event::HardBreak),
            // A task list's box is a character, not a form control.
            Event::TaskListMarker(done) => events.push(Event::Text(CowStr::Borrowed(if done {
                "☑ "
            } else {
                "☐ "
            }))),
            // Images are not shown inline: they become links to themselves.
            Event::Start(Tag::Image {
                dest_url, title, ..
            }) => {
                in_link = true;
                events.push(Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    title,
                    id: CowStr::Borrowed(""),
                }));
            }
            Event::End(TagEnd::Image) => {
                in_link = false;
                events.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Link { .. }) => {
                in_link = true;
                events.push(event);
            }
            Event::End(TagEnd::Link) => {
                in_link = false;
                events.push(event);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code_block = true;
                events.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                events.push(event);
            }
            Event::Text(text) if !in_code_block && !in_link => push_text(&mut events, text),
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(body.len() + body.len() / 2 + 16);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    // The block-level newline pulldown-cmark ends with carries no meaning once rendered.
    let mut clean = SANITIZER.clean(&html).to_string();
    clean.truncate(clean.trim_end().len());
    clean
}

/// A body that is one line of words, spaces and plain punctuation, starting with a letter,
/// renders as a paragraph of itself: no Markdown (lists, headings and quotes start with a
/// digit or a mark; emphasis, code and links need marks), link (`:`), emoji shortcode (`:`)
/// or character HTML escapes can start in it. Most chat is like this, and the full render (a
/// Markdown parse, then the sanitizer's own HTML parse) was a tenth of a send's CPU. A test
/// checks that both ways give the same HTML.
fn plain_paragraph(body: &str) -> Option<String> {
    // A trailing space the full render would drop (bodies are trimmed, but `render` is public).
    let plain = body.chars().next()?.is_alphabetic()
        && !body.ends_with(' ')
        && body.chars().all(|c| {
            c.is_alphanumeric() || matches!(c, ' ' | '.' | ',' | '?' | '!' | '\'' | '(' | ')')
        });
    plain.then(|| format!("<p>{body}</p>"))
}

/// How many characters a reply's quote of its parent keeps ([`excerpt`]).
pub const EXCERPT_CHARS: usize = 200;

/// A body as one line of plain text, for a reply's quote of its parent: what the reader sees,
/// without Markdown's markers (`**`, `#`, `>`, list bullets, link targets), emoji shortcodes
/// replaced, whitespace collapsed, and cut at [`EXCERPT_CHARS`] characters. Raw HTML stays as
/// typed, as it shows in the message.
pub fn excerpt(body: &str) -> String {
    let mut text = String::new();
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS;
    for event in Parser::new_ext(body, options) {
        match event {
            Event::Text(t) => text.push_str(&with_emoji(&t)),
            Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => text.push_str(&t),
            Event::TaskListMarker(done) => text.push_str(if done { "☑ " } else { "☐ " }),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            // Blocks and cells end with a space; inline ends (emphasis, links) add none.
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::TableHead,
            ) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

/// Plain text with bare `http(s)://` links made into links and `:shortcode:` emoji replaced.
fn push_text<'a>(events: &mut Vec<Event<'a>>, text: CowStr<'a>) {
    let text = with_emoji(&text);
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    for span in finder.spans(&text) {
        let piece = span.as_str().to_owned();
        let is_web = matches!(span.kind(), Some(linkify::LinkKind::Url))
            && (piece.starts_with("http://") || piece.starts_with("https://"));
        if is_web {
            events.push(Event::Start(Tag::Link {
                link_type: LinkType::Autolink,
                dest_url: piece.clone().into(),
                title: CowStr::Borrowed(""),
                id: CowStr::Borrowed(""),
            }));
            events.push(Event::Text(piece.into()));
            events.push(Event::End(TagEnd::Link));
        } else {
            events.push(Event::Text(piece.into()));
        }
    }
}

/// Replaces `:tada:`-style shortcodes that name an emoji; anything else stays as typed.
fn with_emoji(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(':') {
        let after = &rest[start + 1..];
        let code_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-')))
            .unwrap_or(after.len());
        let emoji = (code_len > 0 && after[code_len..].starts_with(':'))
            .then(|| emojis::get_by_shortcode(&after[..code_len]))
            .flatten();
        match emoji {
            Some(e) => {
                out.push_str(&rest[..start]);
                out.push_str(e.as_str());
                rest = &after[code_len + 1..];
            }
            None => {
                out.push_str(&rest[..=start]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The usernames a body mentions with `@name`, lowercase and without repeats, `room` included
/// if present. Mentions inside code are still found: people mean them.
pub fn mentioned_names(body: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let bytes = body.as_bytes();
    for (i, _) in body.match_indices('@') {
        let preceded_by_word = i > 0 && {
            let b = bytes[i - 1];
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@')
        };
        if preceded_by_word {
            continue; // an email address, not a mention
        }
        let name: String = body[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            .collect::<String>()
            .to_ascii_lowercase();
        // A sentence may end right after a name: "thanks @alice."
        let name = name.trim_end_matches(['.', '-']).to_owned();
        if (3..=32).contains(&name.len()) && seen.insert(name.clone()) {
            found.push(name);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The full render, without the plain-paragraph shortcut.
    fn full_render(body: &str) -> String {
        let padded = format!("{body}\n");
        assert!(plain_paragraph(&padded).is_none());
        render(&padded)
    }

    #[test]
    fn plain_paragraphs_render_as_the_full_render_does() {
        let examples = [
            "ok",
            "see you tomorrow!",
            "Did it work? (yes, it did.)",
            "it's 5 o'clock",
            "Grüße aus Köln",
            "日本語 テキスト",
            "a  b",
        ];
        for body in examples {
            assert!(plain_paragraph(body).is_some(), "{body}");
            assert_eq!(render(body), full_render(body), "{body}");
        }
        // Random lines over an alphabet that mixes what the shortcut takes with what it must
        // not: each either is refused by the shortcut or renders exactly as the full render.
        let taken: Vec<char> = "aZé日1 .,?!'()".chars().collect();
        let others: Vec<char> = "-*_#>`[]<>&\":~@|=+\u{a0}\u{200b}\u{301}".chars().collect();
        let mut rng = fastrand::Rng::with_seed(14);
        let mut plain = 0;
        for _ in 0..20_000 {
            let len = rng.usize(1..24);
            let body: String = (0..len)
                .map(|_| match rng.u8(..20) {
                    0 => others[rng.usize(..others.len())],
                    _ => taken[rng.usize(..taken.len())],
                })
                .collect();
            let body = body.trim();
            if body.is_empty() {
                continue;
            }
            if let Some(html) = plain_paragraph(body) {
                plain += 1;
                assert_eq!(html, full_render(body), "{body:?}");
            }
        }
        assert!(plain > 1_000, "the shortcut was tried on {plain} bodies");
        // Every letter and digit Unicode has, a few hundred to a body.
        let alphanumeric: Vec<char> = (0..=0x10_ffff_u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_alphanumeric())
            .collect();
        assert!(alphanumeric.len() > 100_000);
        for chunk in alphanumeric.chunks(400) {
            let body = format!("a{} b", chunk.iter().collect::<String>());
            let html = plain_paragraph(&body).expect("letters and digits are plain");
            assert_eq!(html, full_render(&body), "{body:?}");
        }
        // A body with spaces at its end is left to the full render.
        assert!(plain_paragraph("ok ").is_none());
        assert_eq!(render("ok "), "<p>ok</p>");
    }

    #[test]
    fn the_markdown_subset_renders() {
        assert_eq!(
            render("**bold** *it* ~~gone~~ `code`"),
            "<p><strong>bold</strong> <em>it</em> <del>gone</del> <code>code</code></p>"
        );
        assert_eq!(
            render("```rust\nfn main() {}\n```"),
            "<pre><code class=\"language-rust\">fn main() {}\n</code></pre>"
        );
        assert_eq!(
            render("> quoted\n\n- one\n- two"),
            "<blockquote>\n<p>quoted</p>\n</blockquote>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
        );
        assert_eq!(
            render("line one\nline two"),
            "<p>line one<br>\nline two</p>"
        );
    }

    #[test]
    fn raw_html_is_text_and_scripts_never_survive() {
        let html = render("<script>alert(1)</script> <b onclick=x>hi</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let html = render("<img src=x onerror=alert(1)>");
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn only_web_and_mail_links_survive_and_all_get_rel() {
        let html = render("[x](javascript:alert(1)) [y](https://example.com) [z](mailto:a@b.c)");
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains(
                "<a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">y</a>"
            ),
            "{html}"
        );
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
        let html = render("[rel](/etc/passwd) [data](data:text/html,hi)");
        assert!(!html.contains("href"), "{html}");
        for other in [
            "tel:+15550100",
            "ssh://host",
            "magnet:?xt=urn:x",
            "ftp://host/f",
            "sms:1",
            "irc://h/c",
            "xmpp:a@b",
            "webcal://h/c",
        ] {
            let html = render(&format!("[x]({other})"));
            assert!(!html.contains("href"), "{other}: {html}");
        }
        // Only `href` and `rel` on a link: a title (and anything else) is dropped.
        let html = render("[t](https://example.com \"hover text\")");
        assert_eq!(
            html,
            "<p><a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">t</a></p>"
        );
    }

    #[test]
    fn bare_links_are_linked_outside_code() {
        let html = render("see https://natter.example/a?b=1 and `https://in.code`");
        assert!(
            html.contains("<a href=\"https://natter.example/a?b=1\""),
            "{html}"
        );
        assert!(html.contains("<code>https://in.code</code>"), "{html}");
    }

    #[test]
    fn headings_tables_and_task_lists_render_and_images_become_links() {
        assert_eq!(render("# Title"), "<h1>Title</h1>");
        assert_eq!(
            render("### Notes <b>x</b>"),
            "<h3>Notes &lt;b&gt;x&lt;/b&gt;</h3>"
        );
        let table = render("| a | b |\n|:-|-:|\n| 1 | **2** |");
        assert_eq!(
            table,
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td><strong>2</strong></td></tr>\n</tbody></table>"
        );
        // Column alignment comes as a style attribute: dropped (the page allows no inline style).
        assert!(!table.contains("style"), "{table}");
        assert_eq!(
            render("- [ ] todo\n- [x] done"),
            "<ul>\n<li>☐ todo</li>\n<li>☑ done</li>\n</ul>"
        );
        assert!(!render("- [x] done").contains("<input"));
        let html = render("![alt](https://example.com/x.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains(">alt</a>"), "{html}");
    }

    #[test]
    fn code_classes_are_limited_to_languages() {
        let html = render("```x\" onclick=\"y\nz\n```");
        assert!(!html.contains("onclick"), "{html}");
    }

    #[test]
    fn excerpts_are_the_text_a_reader_sees_on_one_line() {
        assert_eq!(excerpt("**Kickoff** :tada:"), "Kickoff 🎉");
        assert_eq!(
            excerpt("# Plan\n\n> quoted\n\n- [x] one\n- two `code`\n\n[site](https://x.example)"),
            "Plan quoted ☑ one two code site"
        );
        assert_eq!(excerpt("<b>typed</b> as is"), "<b>typed</b> as is");
        assert_eq!(excerpt("in**side**word"), "insideword");
        assert_eq!(excerpt("| a | b |\n|-|-|\n| 1 | 2 |"), "a b 1 2");
        let long = "word ".repeat(100);
        assert_eq!(excerpt(&long).chars().count(), EXCERPT_CHARS);
        assert_eq!(excerpt("   "), "");
    }

    #[test]
    fn shortcodes_become_emoji() {
        assert_eq!(render("party :tada: time"), "<p>party 🎉 time</p>");
        assert_eq!(render("ratio 3:2 :nope:"), "<p>ratio 3:2 :nope:</p>");
    }

    #[test]
    fn mentions_are_found_once_and_lowercased() {
        assert_eq!(
            mentioned_names("hi @Alice and @bob. also @alice, mail a@b.com, @room @x"),
            vec!["alice", "bob", "room"]
        );
    }
}
