//! What the moderation commands and the single-message actions do: `/kick`, `/ban`, `/unban`,
//! `/mute`, `/unmute`, `/slow`, `/invite`, `/report`, `/delete`, `/pin`, `/unpin`, `/block`,
//! `/unblock`. Each runs as a task and reports back as a [`Done`]; the server decides who may.

use natter_client::proto::RoomKind;
use natter_client::Client;

use crate::actions::failed;
use crate::chat::{Chat, Done};
use crate::commands::Moderation;

/// The id of the user called `name`, or a `Done` that says why not.
async fn user_id(client: &Client, name: &str) -> Result<String, Done> {
    match client.search_users(name).await {
        Ok(users) => users
            .into_iter()
            .find(|u| u.username.eq_ignore_ascii_case(name))
            .map(|u| u.id)
            .ok_or_else(|| Done::Failed(format!("nobody is called {name}"))),
        Err(e) => Err(failed("finding people", e)),
    }
}

impl Chat {
    pub(crate) fn moderate(&mut self, action: Moderation) {
        match action {
            Moderation::Delete | Moderation::Pin | Moderation::Unpin | Moderation::Report(_) => {
                self.on_message(action)
            }
            Moderation::Block(name) => self.block(name, true),
            Moderation::Unblock(name) => self.block(name, false),
            other => self.in_room(other),
        }
    }

    /// Actions on the selected message (the newest if none is selected).
    fn on_message(&mut self, action: Moderation) {
        let Some((id, _)) = self.target() else {
            return self.error("there is no message to act on");
        };
        self.selected = None;
        let client = self.client.clone();
        self.spawn(async move {
            let (done, doing, note) = match action {
                Moderation::Delete => (client.delete_message(&id).await, "deleting", "deleted"),
                Moderation::Pin => (client.pin(&id).await, "pinning", "pinned"),
                Moderation::Unpin => (client.unpin(&id).await, "unpinning", "unpinned"),
                Moderation::Report(reason) => {
                    return match client.report_message(&id, &reason).await {
                        Ok(_) => Done::Note("reported to the room's moderators".to_owned()),
                        Err(e) => failed("reporting", e),
                    };
                }
                _ => return Done::Failed("not an action on a message".to_owned()),
            };
            match done {
                Ok(message) => Done::Message {
                    message: Box::new(message),
                    note: note.to_owned(),
                },
                Err(e) => failed(doing, e),
            }
        });
    }

    fn block(&mut self, name: String, on: bool) {
        let client = self.client.clone();
        self.spawn(async move {
            let id = match user_id(&client, &name).await {
                Ok(id) => id,
                Err(done) => return done,
            };
            let (done, note) = if on {
                (client.block(&id).await, format!("blocked {name}"))
            } else {
                (client.unblock(&id).await, format!("unblocked {name}"))
            };
            match done {
                Ok(()) => Done::Note(note),
                Err(e) => failed("blocking", e),
            }
        });
    }

    /// Moderation of the open room.
    fn in_room(&mut self, action: Moderation) {
        let Some(room) = self.open.clone() else {
            return self.error("open a room first (Ctrl+K)");
        };
        let public = self.state.rooms.get(&room).map(|r| r.kind) == Some(RoomKind::Public);
        let client = self.client.clone();
        self.spawn(async move {
            if let Moderation::Slow(secs) = action {
                return match client.set_slow_mode(&room, secs).await {
                    Ok(room) => Done::Room {
                        room,
                        open: false,
                        note: match secs {
                            0 => "slow mode is off".to_owned(),
                            n => format!("slow mode: one message per {n} s"),
                        },
                    },
                    Err(e) => failed("setting slow mode", e),
                };
            }
            let name = match &action {
                Moderation::Kick { user, .. }
                | Moderation::Ban { user, .. }
                | Moderation::Mute { user, .. } => user.clone(),
                Moderation::Unban(user) | Moderation::Unmute(user) | Moderation::Invite(user) => {
                    user.clone()
                }
                _ => return Done::Failed("not a room action".to_owned()),
            };
            let id = match user_id(&client, &name).await {
                Ok(id) => id,
                Err(done) => return done,
            };
            let done = match action {
                Moderation::Kick { reason, .. } => client
                    .kick(&room, &id, &reason)
                    .await
                    .map(|()| format!("removed {name}")),
                Moderation::Ban { secs, reason, .. } => client
                    .ban(&room, &id, secs, &reason)
                    .await
                    .map(|b| match b.until {
                        Some(until) => format!("banned {name} until {until}"),
                        None => format!("banned {name}"),
                    }),
                Moderation::Unban(_) => client
                    .unban(&room, &id)
                    .await
                    .map(|()| format!("lifted {name}'s ban")),
                Moderation::Mute { secs, reason, .. } => client
                    .mute(&room, &id, secs, &reason)
                    .await
                    .map(|m| format!("muted {name} until {}", m.until.unwrap_or_default())),
                Moderation::Unmute(_) => client
                    .unmute(&room, &id)
                    .await
                    .map(|()| format!("{name} may post again")),
                _ => client.add_member(&room, &id).await.map(|_| {
                    if public {
                        format!("invited {name}; they join if they want to")
                    } else {
                        format!("added {name}")
                    }
                }),
            };
            match done {
                Ok(note) => Done::Note(note),
                Err(e) => failed("moderating", e),
            }
        });
    }
}
