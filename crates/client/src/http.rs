//! REST calls under `/api/v1`.

use natter_proto::{
    AddMemberRequest, AuthResponse, ChangePasswordRequest, CreateRoomRequest, ErrorBody,
    LoginRequest, MembersResponse, Message, MessagesPage, OpenDmRequest, RegisterRequest, Room,
    RoomsResponse, SendMessageRequest, UpdateProfileRequest, UpdateRoomRequest, User,
    UsersResponse, Visibility,
};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{ClientError, Connection};

/// Which page of history to fetch.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// A REST client for one server, optionally logged in. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// From the last sign-in: sent with later logins, so a lockout against password guessing
    /// does not lock this device out.
    device_token: Option<String>,
}

impl Client {
    /// `base` is the server's root URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: &str) -> Self {
        Client::with_http(base, reqwest::Client::new())
    }

    /// A client that makes its requests with `http`: many clients can share one (each new
    /// `reqwest::Client` loads the system's root certificates).
    pub fn with_http(base: &str, http: reqwest::Client) -> Self {
        Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
            device_token: None,
        }
    }

    /// A client that closes each HTTP connection after its request instead of keeping it
    /// for the next: for programs that hold thousands of clients (the load generator), whose
    /// idle connections would otherwise count against the server's connection cap.
    pub fn without_idle_connections(base: &str) -> Self {
        Client::with_http(base, Self::http_without_idle_connections())
    }

    /// The HTTP client of [`Client::without_idle_connections`], to share among many.
    pub fn http_without_idle_connections() -> reqwest::Client {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap_or_default()
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Sends `req` and decodes a success body, or turns an error body into `ClientError::Api`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        req: RequestBuilder,
    ) -> Result<(StatusCode, T), ClientError> {
        let resp = self.send(req).await?;
        let status = resp.status();
        let body = if status == StatusCode::NO_CONTENT {
            serde_json::from_str("null")?
        } else {
            resp.json().await?
        };
        Ok((status, body))
    }

    /// Sends `req`, turning an error status into `ClientError::Api` with the server's code.
    pub(crate) async fn send(&self, req: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let resp = req.send().await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let text = resp.text().await.unwrap_or_default();
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => (body.error.code, body.error.message),
            Err(_) => ("unknown".to_owned(), text),
        };
        Err(ClientError::Api {
            status: status.as_u16(),
            code,
            message,
        })
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        Ok(self.call(self.request(Method::GET, path)).await?.1)
    }

    pub(crate) async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        Ok(self
            .call(self.request(Method::POST, path).json(body))
            .await?
            .1)
    }

    pub async fn register(
        &mut self,
        username: &str,
        password: &str,
        display_name: Option<&str>,
    ) -> Result<AuthResponse, ClientError> {
        let body = RegisterRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            display_name: display_name.map(str::to_owned),
            invite: None,
        };
        self.sign_up(&body).await
    }

    /// Registers with an invite (a link or its token), as a server taking accounts by invite
    /// requires.
    pub async fn register_with_invite(
        &mut self,
        username: &str,
        password: &str,
        invite: &str,
    ) -> Result<AuthResponse, ClientError> {
        let body = RegisterRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            display_name: None,
            invite: Some(invite.to_owned()),
        };
        self.sign_up(&body).await
    }

    async fn sign_up(&mut self, body: &RegisterRequest) -> Result<AuthResponse, ClientError> {
        let auth: AuthResponse = self.post("/auth/register", body).await?;
        self.token = Some(auth.token.clone());
        self.device_token.clone_from(&auth.device_token);
        Ok(auth)
    }

    pub async fn login(
        &mut self,
        username: &str,
        password: &str,
    ) -> Result<AuthResponse, ClientError> {
        let body = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_token: self.device_token.clone(),
        };
        let auth: AuthResponse = self.post("/auth/login", &body).await?;
        self.token = Some(auth.token.clone());
        self.device_token.clone_from(&auth.device_token);
        Ok(auth)
    }

    pub async fn logout(&mut self) -> Result<(), ClientError> {
        let () = self.post("/auth/logout", &()).await?;
        self.token = None;
        Ok(())
    }

    pub async fn me(&self) -> Result<User, ClientError> {
        self.get("/me").await
    }

    pub async fn update_profile(&self, change: &UpdateProfileRequest) -> Result<User, ClientError> {
        let req = self.request(Method::PATCH, "/me").json(change);
        Ok(self.call(req).await?.1)
    }

    pub async fn change_password(&self, current: &str, new: &str) -> Result<(), ClientError> {
        let body = ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
        };
        self.post("/me/password", &body).await
    }

    pub async fn search_users(&self, prefix: &str) -> Result<Vec<User>, ClientError> {
        let req = self
            .request(Method::GET, "/users")
            .query(&[("query", prefix)]);
        let (_, found): (_, UsersResponse) = self.call(req).await?;
        Ok(found.users)
    }

    /// Any user's public profile, by id.
    pub async fn user(&self, id: &str) -> Result<User, ClientError> {
        self.get(&format!("/users/{id}")).await
    }

    pub async fn rooms(&self) -> Result<Vec<Room>, ClientError> {
        Ok(self.get::<RoomsResponse>("/rooms").await?.rooms)
    }

    pub async fn create_room(
        &self,
        name: &str,
        topic: Option<&str>,
        visibility: Visibility,
    ) -> Result<Room, ClientError> {
        let body = CreateRoomRequest {
            name: name.to_owned(),
            topic: topic.map(str::to_owned),
            visibility,
        };
        self.post("/rooms", &body).await
    }

    pub async fn room(&self, room: &str) -> Result<Room, ClientError> {
        self.get(&format!("/rooms/{room}")).await
    }

    /// Changes the room's topic (`PATCH /rooms/{id}`); an empty topic clears it. Members only,
    /// and not in DMs. Returns the room as it now is.
    pub async fn set_topic(&self, room: &str, topic: &str) -> Result<Room, ClientError> {
        let body = UpdateRoomRequest {
            topic: Some(topic.to_owned()),
            ..UpdateRoomRequest::default()
        };
        let req = self
            .request(Method::PATCH, &format!("/rooms/{room}"))
            .json(&body);
        Ok(self.call(req).await?.1)
    }

    pub async fn join(&self, room: &str) -> Result<Room, ClientError> {
        self.post(&format!("/rooms/{room}/join"), &()).await
    }

    pub async fn leave(&self, room: &str) -> Result<(), ClientError> {
        self.post(&format!("/rooms/{room}/leave"), &()).await
    }

    pub async fn members(&self, room: &str) -> Result<Vec<User>, ClientError> {
        Ok(self
            .get::<MembersResponse>(&format!("/rooms/{room}/members"))
            .await?
            .members)
    }

    pub async fn add_member(&self, room: &str, user_id: &str) -> Result<Room, ClientError> {
        let body = AddMemberRequest {
            user_id: user_id.to_owned(),
        };
        self.post(&format!("/rooms/{room}/members"), &body).await
    }

    pub async fn messages(&self, room: &str, page: History) -> Result<MessagesPage, ClientError> {
        let mut query = Vec::new();
        let pairs = [
            ("after", page.after),
            ("before", page.before),
            ("limit", page.limit.map(i64::from)),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                query.push((key, v.to_string()));
            }
        }
        let req = self
            .request(Method::GET, &format!("/rooms/{room}/messages"))
            .query(&query);
        Ok(self.call(req).await?.1)
    }

    /// Sends a message; the flag is `true` if it was newly stored, `false` for a retried
    /// `client_id` (the original is returned).
    pub async fn send_message(
        &self,
        room: &str,
        body: &str,
        client_id: Option<&str>,
    ) -> Result<(Message, bool), ClientError> {
        let req_body = SendMessageRequest {
            body: body.to_owned(),
            client_id: client_id.map(str::to_owned),
            reply_to: None,
            attachments: Vec::new(),
        };
        let req = self
            .request(Method::POST, &format!("/rooms/{room}/messages"))
            .json(&req_body);
        let (status, message) = self.call(req).await?;
        Ok((message, status == StatusCode::CREATED))
    }

    pub async fn open_dm(&self, user_ids: &[&str]) -> Result<Room, ClientError> {
        let body = OpenDmRequest {
            user_ids: user_ids.iter().map(|s| s.to_string()).collect(),
        };
        self.post("/dms", &body).await
    }

    /// Opens the real-time connection, authenticated with this client's token.
    pub async fn connect(&self) -> Result<Connection, ClientError> {
        let token = self.token.as_deref().ok_or(ClientError::NotLoggedIn)?;
        Connection::open(&self.base, token, None).await
    }

    /// [`Client::connect`] over a TCP connection to the server that the caller opened (a
    /// load generator spreads its connections over several source addresses this way).
    pub async fn connect_over(
        &self,
        tcp: tokio::net::TcpStream,
    ) -> Result<Connection, ClientError> {
        let token = self.token.as_deref().ok_or(ClientError::NotLoggedIn)?;
        Connection::open(&self.base, token, Some(tcp)).await
    }
}
