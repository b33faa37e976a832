//! A room's history as one HTML file that opens in any browser with no server: inline styles,
//! no scripts, images and files embedded as `data:` URLs (up to a budget).
//!
//! Message HTML is the stored, sanitized rendering (the same allowlist every client gets);
//! everything else (names, the topic, file names) is escaped here.

use natter_core::{Room, Timestamp, UserId};
use natter_proto::admin::ExportedMessage;

use crate::{wire, ApiError, AppState};

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:820px;margin:2em auto;\
padding:0 1em;color:#1d1d1f}h1{margin:0}p.topic{color:#555}article{padding:.5em 0;\
border-top:1px solid #eee}header{color:#555;font-size:13px}header b{color:#111}\
img{max-width:100%;max-height:360px;display:block;margin:.3em 0}.deleted{color:#888;\
font-style:italic}.file{display:inline-block;margin:.2em 0;padding:.2em .5em;border:1px solid \
#ccc;border-radius:4px}pre{background:#f4f4f4;padding:.5em;overflow:auto}";

/// Text made safe to put in HTML, inside elements or attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        wire::push_escaped(&mut out, c);
    }
    out
}

pub async fn render(
    state: &AppState,
    me: UserId,
    room: &Room,
    messages: &[ExportedMessage],
    mut budget: u64,
) -> Result<String, ApiError> {
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         img-src data:; style-src 'unsafe-inline'\">\
         <title>#{name}</title><style>{STYLE}</style></head><body><h1>#{name}</h1>\
         <p class=\"topic\">{topic}</p><p>Exported from natter on {at}; {count} messages.</p>",
        name = escape(&room.name),
        topic = escape(&room.topic),
        at = escape(&wire::time(Timestamp::now())),
        count = messages.len(),
    );
    for exported in messages {
        let m = &exported.message;
        html.push_str(&format!(
            "<article id=\"m{seq}\"><header><b>{name}</b> <span>@{user}</span> · \
             <time>{at}</time>{edited}</header>",
            seq = m.seq,
            name = escape(&exported.sender_name),
            user = escape(&exported.sender_username),
            at = escape(&m.created_at),
            edited = if m.edited_at.is_some() {
                " (edited)"
            } else {
                ""
            },
        ));
        if m.deleted {
            html.push_str("<p class=\"deleted\">This message was deleted.</p>");
        } else {
            // Sanitized when it was stored: never raw user text.
            html.push_str(&m.html);
        }
        for file in &m.attachments {
            let name = escape(&file.name);
            match super::export::data_url(state, me, room.id, file, &mut budget).await? {
                Some(url) if file.image.is_some() => {
                    html.push_str(&format!("<img alt=\"{name}\" src=\"{url}\">"));
                }
                Some(url) => html.push_str(&format!(
                    "<a class=\"file\" download=\"{name}\" href=\"{url}\">{name}</a> "
                )),
                None => html.push_str(&format!(
                    "<span class=\"file\">{name} (not included: too large)</span> "
                )),
            }
        }
        for r in &m.reactions {
            html.push_str(&format!(" {} {}", escape(&r.emoji), r.user_ids.len()));
        }
        html.push_str("</article>");
    }
    html.push_str("</body></html>\n");
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape("<img src=x onerror=\"a('b')\"> & co"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp; co"
        );
    }
}
