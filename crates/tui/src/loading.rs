//! Loading what the screen shows from the server: a room's members and older history when it
//! opens or is scrolled back, and the names of people not seen yet.

use natter_client::History;

use crate::chat::{Chat, Done, Mode, PAGE};

impl Chat {
    pub(crate) fn fetch_users(&mut self, ids: Vec<String>) {
        let ids: Vec<String> = ids
            .into_iter()
            .filter(|id| self.requested_users.insert(id.clone()))
            .collect();
        if ids.is_empty() {
            return;
        }
        let client = self.client.clone();
        self.spawn(async move {
            let mut users = Vec::new();
            for id in ids {
                if let Ok(user) = client.user(&id).await {
                    users.push(user);
                }
            }
            Done::Users(users)
        });
    }

    /// Shows `room`, loading its members and enough history to fill the screen.
    pub(crate) fn open_room(&mut self, room: &str) {
        if self.open.as_deref() != Some(room) {
            self.end_typing();
            self.scroll = 0;
            self.selected = None;
            if self.mode != Mode::Send {
                self.mode = Mode::Send;
                self.composer.take();
            }
        }
        self.open = Some(room.to_owned());
        self.ensure_history(room);
        let client = self.client.clone();
        let id = room.to_owned();
        self.spawn(async move {
            match client.members(&id).await {
                Ok(users) => Done::Members { room: id, users },
                Err(e) => Done::Failed(format!("loading members: {e}")),
            }
        });
    }

    /// Loads older history if the room shows less than a page or the user scrolled to the top.
    pub(crate) fn ensure_history(&mut self, room: &str) {
        let Some(timeline) = self.state.timelines.get_mut(room) else {
            return;
        };
        let short = timeline.messages.len() < PAGE as usize;
        let at_top = self.scroll >= self.max_scroll;
        if !timeline.has_older || timeline.loading_older || !(short || at_top) {
            return;
        }
        timeline.loading_older = true;
        let before = timeline.oldest();
        let client = self.client.clone();
        let id = room.to_owned();
        self.spawn(async move {
            let page = History {
                before: Some(before),
                limit: Some(PAGE),
                ..History::default()
            };
            match client.messages(&id, page).await {
                Ok(page) => Done::Older { room: id, page },
                Err(e) => Done::Failed(format!("loading history: {e}")),
            }
        });
    }
}
