//! The cast of the authorization matrix: one server with a public room and someone in every
//! role towards it, and the helpers that make fresh targets for each cell.

use natter_client::proto::{RoomRole, Visibility};
use natter_client::Client;

use crate::common::{password, spawn_app, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Anonymous,
    Deactivated,
    NonMember,
    Banned,
    Muted,
    Member,
    Moderator,
    Owner,
    Admin,
}

pub(crate) const ROLES: [Role; 9] = [
    Role::Anonymous,
    Role::Deactivated,
    Role::NonMember,
    Role::Banned,
    Role::Muted,
    Role::Member,
    Role::Moderator,
    Role::Owner,
    Role::Admin,
];

/// One world: an admin (not in the room), a public room with its owner, a moderator, a member,
/// a muted member, someone banned from it, someone not in it, a deactivated account, and
/// `poster`, a member whose messages and account the cells act on.
pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) room: String,
    pub(crate) clients: Vec<(Role, Option<Client>, String)>,
    pub(crate) admin: Client,
    pub(crate) owner: Client,
    pub(crate) poster: Client,
    pub(crate) poster_id: String,
    pub(crate) fresh: std::sync::atomic::AtomicUsize,
}

impl World {
    pub(crate) async fn new() -> World {
        let app = spawn_app().await;
        let (admin, admin_user) = app.user("root").await;
        let (owner, owner_user) = app.user("owner").await;
        let room = owner
            .create_room("plaza", None, Visibility::Public)
            .await
            .unwrap()
            .id;
        let mut clients = vec![(Role::Anonymous, Some(app.client()), String::new())];
        let mut made = Vec::new();
        for (role, name) in [
            (Role::Deactivated, "gone"),
            (Role::NonMember, "stranger"),
            (Role::Banned, "banned"),
            (Role::Muted, "muted"),
            (Role::Member, "member"),
            (Role::Moderator, "moderator"),
        ] {
            let (client, user) = app.user(name).await;
            made.push((role, client, user.id));
        }
        let (poster, poster_user) = app.user("poster").await;
        poster.join(&room).await.unwrap();
        for (role, client, id) in &made {
            match role {
                Role::Banned | Role::Muted | Role::Member | Role::Moderator => {
                    client.join(&room).await.unwrap();
                }
                _ => {}
            }
            match role {
                Role::Banned => drop(owner.ban(&room, id, None, "matrix").await.unwrap()),
                Role::Muted => drop(owner.mute(&room, id, 3600, "matrix").await.unwrap()),
                Role::Moderator => drop(
                    owner
                        .set_room_role(&room, id, RoomRole::Moderator)
                        .await
                        .unwrap(),
                ),
                Role::Deactivated => drop(admin.deactivate_user(id, "matrix").await.unwrap()),
                _ => {}
            }
        }
        for (role, client, id) in made {
            clients.push((role, Some(client), id));
        }
        clients.push((Role::Owner, None, owner_user.id.clone()));
        clients.push((Role::Admin, None, admin_user.id.clone()));
        World {
            app,
            room,
            clients,
            admin,
            owner,
            poster,
            poster_id: poster_user.id,
            fresh: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    pub(crate) fn client(&self, role: Role) -> &Client {
        match role {
            Role::Owner => &self.owner,
            Role::Admin => &self.admin,
            _ => self
                .clients
                .iter()
                .find(|(r, _, _)| *r == role)
                .and_then(|(_, c, _)| c.as_ref())
                .unwrap(),
        }
    }

    pub(crate) fn token(&self, role: Role) -> Option<String> {
        self.client(role).token().map(str::to_owned)
    }

    pub(crate) fn id(&self, role: Role) -> String {
        self.clients
            .iter()
            .find(|(r, _, _)| *r == role)
            .map(|(_, _, id)| id.clone())
            .unwrap()
    }

    /// A name never used before in this world.
    pub(crate) fn name(&self, prefix: &str) -> String {
        let n = self
            .fresh
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{prefix}{n}")
    }

    /// A new account, for cells that act on someone.
    pub(crate) async fn someone(&self) -> String {
        let name = self.name("target");
        let mut c = self.app.client();
        c.register(&name, &password(&name), None)
            .await
            .unwrap()
            .user
            .id
    }

    /// A new account that is a member of the room.
    pub(crate) async fn someone_in_room(&self) -> String {
        let name = self.name("inroom");
        let mut c = self.app.client();
        let id = c
            .register(&name, &password(&name), None)
            .await
            .unwrap()
            .user
            .id;
        c.join(&self.room).await.unwrap();
        id
    }

    pub(crate) async fn posted(&self) -> String {
        self.poster
            .send_message(&self.room, "a message", None)
            .await
            .unwrap()
            .0
            .id
    }
}
