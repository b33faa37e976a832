//! Administration and moderation calls: room roles and server roles.

use natter_proto::{Room, RoomRole, ServerRole, SetRoomRoleRequest, SetServerRoleRequest, User};
use reqwest::Method;

use crate::{Client, ClientError};

impl Client {
    /// Gives a member of `room` a role (`PUT /rooms/{id}/members/{user}/role`). The owner or
    /// an admin only; `Owner` hands the room over. Returns the room as it now is.
    pub async fn set_room_role(
        &self,
        room: &str,
        user: &str,
        role: RoomRole,
    ) -> Result<Room, ClientError> {
        let req = self
            .request(Method::PUT, &format!("/rooms/{room}/members/{user}/role"))
            .json(&SetRoomRoleRequest { role });
        Ok(self.call(req).await?.1)
    }

    /// Makes a user an admin or a plain member (`PUT /admin/users/{id}/role`); admins only.
    pub async fn set_server_role(&self, user: &str, role: ServerRole) -> Result<User, ClientError> {
        let req = self
            .request(Method::PUT, &format!("/admin/users/{user}/role"))
            .json(&SetServerRoleRequest { role });
        Ok(self.call(req).await?.1)
    }
}
