//! What each key does: in the composer, in the room switcher, in search results and in help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::chat::{Chat, Mode, Notice, Overlay};
use crate::commands::{self, Input};
use crate::net::Link;

impl Chat {
    pub(crate) fn on_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('c') if ctrl => return self.quit(),
            KeyCode::F(1) => {
                // F1 opens help, and on its first page turns to the second.
                let page = match self.overlay {
                    Some(Overlay::Help(0)) => 1,
                    _ => 0,
                };
                self.overlay = Some(Overlay::Help(page));
                return;
            }
            KeyCode::Char('k' | 'p') if ctrl => {
                self.overlay = Some(Overlay::Switcher {
                    query: String::new(),
                    selected: 0,
                });
                return;
            }
            _ => {}
        }
        match self.overlay.take() {
            Some(Overlay::Help(0))
                if matches!(key.code, KeyCode::Char('?') | KeyCode::Right | KeyCode::Tab) =>
            {
                self.overlay = Some(Overlay::Help(1));
            }
            Some(Overlay::Help(_)) => {}
            Some(Overlay::Switcher { query, selected }) => self.switcher_key(key, query, selected),
            Some(Overlay::Search {
                query,
                hits,
                selected,
            }) => self.search_key(key, query, hits, selected),
            None => self.composer_key(key, ctrl, alt),
        }
    }

    pub(crate) fn on_paste(&mut self, text: &str) {
        if self.overlay.is_none() {
            self.composer.insert_str(text);
        }
    }

    fn composer_key(&mut self, key: KeyEvent, ctrl: bool, alt: bool) {
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Enter if alt || shift => self.composer.insert('\n'),
            KeyCode::Enter => self.submit(),
            KeyCode::Esc => self.cancel(),
            KeyCode::Char('?') if self.composer.is_empty() => self.overlay = Some(Overlay::Help(0)),
            KeyCode::Char('r') if ctrl => self.retry_now(),
            KeyCode::Char('w') if ctrl => self.composer.delete_word(),
            KeyCode::Char('u') if ctrl => self.composer.delete_to_line_start(),
            KeyCode::Char('a') if ctrl => self.composer.home(),
            KeyCode::Char('e') if ctrl => self.composer.end(),
            KeyCode::Char(c) if !ctrl => {
                self.composer.insert(c);
                self.typing();
            }
            KeyCode::Backspace => {
                self.composer.backspace();
                if self.composer.is_empty() {
                    self.end_typing();
                }
            }
            KeyCode::Delete => self.composer.delete(),
            KeyCode::Left => self.composer.left(),
            KeyCode::Right => self.composer.right(),
            KeyCode::Home => self.composer.home(),
            KeyCode::End => self.composer.end(),
            KeyCode::Up if alt => self.select_older(),
            KeyCode::Down if alt => self.select_newer(),
            KeyCode::Up if self.composer.is_empty() => self.edit_last(),
            KeyCode::Up => {
                self.composer.up();
            }
            KeyCode::Down => {
                self.composer.down();
            }
            KeyCode::PageUp => self.scroll_up(),
            KeyCode::PageDown => {
                self.scroll = self.scroll.saturating_sub(self.half_page());
            }
            KeyCode::Tab => self.complete(),
            _ => {}
        }
    }

    fn half_page(&self) -> u16 {
        (self.page_height / 2).max(1)
    }

    fn scroll_up(&mut self) {
        self.scroll = self
            .scroll
            .saturating_add(self.half_page())
            .min(self.max_scroll);
        if let Some(room) = self.open.clone() {
            self.ensure_history(&room);
        }
    }

    /// Esc: closes what is open, drops the edit or reply, then the selection, then the notice.
    fn cancel(&mut self) {
        if self.mode != Mode::Send {
            if matches!(self.mode, Mode::Edit { .. }) {
                self.composer.take();
            }
            self.mode = Mode::Send;
        } else if self.selected.is_some() {
            self.selected = None;
        } else if self.notice.is_some() {
            self.notice = None;
        } else {
            self.scroll = 0;
        }
    }

    fn submit(&mut self) {
        let text = self.composer.text().to_owned();
        if let Mode::Edit { message_id } = self.mode.clone() {
            return self.save_edit(message_id, text);
        }
        match commands::parse(&text) {
            Ok(None) => {}
            Ok(Some(Input::Message(body))) => {
                self.composer.take();
                let reply_to = match std::mem::replace(&mut self.mode, Mode::Send) {
                    Mode::Reply { message_id, .. } => Some(message_id),
                    _ => None,
                };
                self.notice = None;
                if self.link != Link::Online {
                    self.notice = Some(Notice::Info(
                        "offline: the message will be sent when the connection returns".to_owned(),
                    ));
                }
                self.send_text(body, reply_to);
            }
            Ok(Some(Input::Command(command))) => {
                self.composer.take();
                self.notice = None;
                self.run(command);
            }
            Err(e) => self.notice = Some(Notice::Error(e.0)),
        }
    }

    fn save_edit(&mut self, message_id: String, text: String) {
        let body = text.trim().to_owned();
        if body.is_empty() {
            self.notice = Some(Notice::Error(
                "an edit cannot be empty; Esc cancels it".to_owned(),
            ));
            return;
        }
        self.composer.take();
        self.mode = Mode::Send;
        let client = self.client.clone();
        self.spawn(async move {
            match client.edit_message(&message_id, &body).await {
                Ok(message) => crate::chat::Done::Message {
                    message: Box::new(message),
                    note: String::new(),
                },
                Err(e) => crate::chat::Done::Failed(format!("edit not saved: {e}")),
            }
        });
    }

    /// Up on an empty composer: edit the last message this user sent in the room.
    fn edit_last(&mut self) {
        let Some(room) = self.open.clone() else {
            return;
        };
        match self.state.my_last_message(&room) {
            Some(message) => {
                self.mode = Mode::Edit {
                    message_id: message.id.clone(),
                };
                let body = message.body.clone();
                self.composer.set(&body);
            }
            None => self.notice = Some(Notice::Info("nothing of yours to edit here".to_owned())),
        }
    }

    fn select_older(&mut self) {
        let Some(room) = self.open.clone() else {
            return;
        };
        let Some(timeline) = self.state.timelines.get(&room) else {
            return;
        };
        let next = match self.selected {
            Some(seq) => timeline.messages.range(..seq).next_back(),
            None => timeline.messages.iter().next_back(),
        };
        if let Some((seq, _)) = next {
            self.selected = Some(*seq);
        } else {
            self.scroll_up();
        }
    }

    fn select_newer(&mut self) {
        let Some(room) = self.open.clone() else {
            return;
        };
        let Some(timeline) = self.state.timelines.get(&room) else {
            return;
        };
        self.selected = self
            .selected
            .and_then(|seq| timeline.messages.range(seq + 1..).next())
            .map(|(seq, _)| *seq);
    }

    /// Tab: completes a command or an `@username` from the room's members.
    fn complete(&mut self) {
        let word = self.composer.word_before_cursor().to_owned();
        let first_word = self.composer.text().len() == word.len();
        let candidates: Vec<String> = if first_word && word.starts_with('/') {
            commands::complete(&word)
                .into_iter()
                .map(|c| format!("{c} "))
                .collect()
        } else if let Some(prefix) = word.strip_prefix('@') {
            self.member_usernames(prefix)
                .into_iter()
                .map(|u| format!("@{u} "))
                .collect()
        } else {
            return;
        };
        match candidates.as_slice() {
            [] => self.notice = Some(Notice::Info(format!("no completions for {word}"))),
            [one] => self.composer.replace_word_before_cursor(one),
            many => {
                let common = common_prefix(many);
                if common.len() > word.len() {
                    self.composer.replace_word_before_cursor(&common);
                }
                let shown: Vec<&str> = many.iter().map(|c| c.trim_end()).collect();
                self.notice = Some(Notice::Info(shown.join("  ")));
            }
        }
    }

    fn member_usernames(&self, prefix: &str) -> Vec<String> {
        let prefix = prefix.to_lowercase();
        let Some(room) = &self.open else {
            return Vec::new();
        };
        let mut names: Vec<String> = self
            .state
            .members
            .get(room)
            .into_iter()
            .flatten()
            .filter_map(|id| self.state.users.get(id))
            .map(|u| u.username.clone())
            .filter(|name| name.to_lowercase().starts_with(&prefix))
            .collect();
        names.sort();
        names
    }

    fn switcher_key(&mut self, key: KeyEvent, mut query: String, mut selected: usize) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return,
            KeyCode::Enter => {
                if let Some(room) = self.switcher_matches(&query).get(selected) {
                    let id = room.clone();
                    self.open_room(&id);
                }
                return;
            }
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Tab => selected += 1,
            KeyCode::Backspace => {
                query.pop();
                selected = 0;
            }
            KeyCode::Char(c) if !ctrl => {
                query.push(c);
                selected = 0;
            }
            _ => {}
        }
        let count = self.switcher_matches(&query).len();
        selected = selected.min(count.saturating_sub(1));
        self.overlay = Some(Overlay::Switcher { query, selected });
    }

    /// Room ids whose names match `query` fuzzily, best first.
    pub(crate) fn switcher_matches(&self, query: &str) -> Vec<String> {
        let mut scored: Vec<(usize, String, String)> = self
            .state
            .sidebar()
            .into_iter()
            .filter_map(|room| {
                let label = self.state.room_label(room);
                fuzzy_score(query, &label).map(|score| (score, label, room.id.clone()))
            })
            .collect();
        scored.sort();
        scored.into_iter().map(|(_, _, id)| id).collect()
    }

    fn search_key(
        &mut self,
        key: KeyEvent,
        query: String,
        hits: Vec<natter_client::proto::SearchHit>,
        mut selected: usize,
    ) {
        match key.code {
            KeyCode::Esc => return,
            KeyCode::Enter => {
                if let Some(hit) = hits.get(selected) {
                    let room = hit.message.room_id.clone();
                    if self.state.rooms.contains_key(&room) {
                        self.open_room(&room);
                        let seq = hit.message.seq;
                        if self.state.message(&room, seq).is_some() {
                            self.selected = Some(seq);
                        } else {
                            self.notice = Some(Notice::Info(
                                "that message is further back: PgUp loads older history".to_owned(),
                            ));
                        }
                    }
                }
                return;
            }
            KeyCode::Up => selected = selected.saturating_sub(1),
            KeyCode::Down => selected = (selected + 1).min(hits.len().saturating_sub(1)),
            _ => {}
        }
        self.overlay = Some(Overlay::Search {
            query,
            hits,
            selected,
        });
    }
}

/// How well `query` matches `label` as a subsequence, ignoring case: lower is better, `None` is
/// no match. Matches at the start and runs of adjacent letters score best.
pub fn fuzzy_score(query: &str, label: &str) -> Option<usize> {
    let label: Vec<char> = label.to_lowercase().chars().collect();
    let mut score = 0;
    let mut at = 0;
    let mut last: Option<usize> = None;
    for q in query.to_lowercase().chars().filter(|c| !c.is_whitespace()) {
        let found = label[at..].iter().position(|c| *c == q)? + at;
        score += match last {
            Some(prev) => found - prev - 1,
            None => found,
        };
        last = Some(found);
        at = found + 1;
    }
    Some(score * 4 + label.len() / 8)
}

fn common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut end = first.len();
    for word in &words[1..] {
        end = first
            .char_indices()
            .zip(word.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(word.len()), |((i, _), _)| i.min(end));
    }
    first[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_matching_prefers_prefixes_and_adjacent_letters() {
        assert!(fuzzy_score("gen", "#general").is_some());
        assert!(fuzzy_score("gnrl", "#general").is_some());
        assert!(fuzzy_score("xyz", "#general").is_none());
        assert!(fuzzy_score("ran", "#random") < fuzzy_score("ran", "#general-and-more"));
        assert!(fuzzy_score("", "#anything").is_some());
    }

    #[test]
    fn the_common_prefix_of_completions_is_found() {
        let words = ["@alice ".to_owned(), "@alina ".to_owned()];
        assert_eq!(common_prefix(&words), "@ali");
    }
}
