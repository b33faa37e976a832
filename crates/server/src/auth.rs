//! Session tokens and the authenticated-request extractor (passwords are `hasher.rs`'s).
//!
//! Tokens are 256 random bits, handed to the client once and stored only as their SHA-256.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts, HeaderMap};
use natter_core::{Actor, Session};
use sha2::{Digest, Sha256};

use crate::peer::ClientIp;
use crate::{ApiError, AppState};

pub const COOKIE_NAME: &str = "natter_session";

/// A new random session token: 32 bytes from the OS, hex-encoded.
pub fn new_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The hash of an invite given as its token or as a whole link (`.../?invite=<token>` or
/// `.../#invite=<token>`): the token is what follows the last `=` or `/`.
pub fn invite_token_hash(given: &str) -> [u8; 32] {
    let given = given.trim();
    let token = given.rsplit(['=', '/']).next().unwrap_or(given);
    token_hash(token)
}

/// How a request proved who it is. Cookie-authenticated WebSocket upgrades get an origin check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Bearer,
    Cookie,
}

/// An authenticated request: its session (and user), and how it authenticated.
pub struct Authed {
    pub session: Session,
    pub via: AuthVia,
    pub token_hash: [u8; 32],
    /// The client's address, for the audit log.
    pub addr: Option<IpAddr>,
}

impl Authed {
    /// The signed-in user as the domain's actor.
    pub fn actor(&self) -> Actor {
        Actor::user(self.session.user.id, self.addr)
    }
}

/// The peer address of a request, when the server runs with connection info (it always does;
/// a router used without it just records no address).
pub fn client_addr(parts: &Parts) -> Option<IpAddr> {
    if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
        return Some(*ip);
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    cookie_named(headers, COOKIE_NAME)
}

/// The value of the cookie called `name`, if the request carries it.
pub fn cookie_named<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Authed, ApiError> {
    let (token, via) = match (bearer(headers), cookie(headers)) {
        (Some(t), _) => (t, AuthVia::Bearer),
        (None, Some(t)) => (t, AuthVia::Cookie),
        (None, None) => return Err(ApiError::Unauthorized),
    };
    let hash = token_hash(token);
    let session = state
        .service()
        .session(&hash)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(Authed {
        session,
        via,
        token_hash: hash,
        addr: None,
    })
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut authed = authenticate(state, &parts.headers).await?;
        authed.addr = client_addr(parts);
        Ok(authed)
    }
}

/// The client's address on a request that need not be signed in (registration, login).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts)))
    }
}

/// The `Set-Cookie` value that hands a browser its session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}")
}

/// The `Set-Cookie` value that makes a browser forget its session.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE_NAME}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_deterministically() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn the_bearer_header_and_the_session_cookie_are_both_read() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "x=1; natter_session=abc; y=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Bearer tok".parse().unwrap());
        assert_eq!(bearer(&headers), Some("tok"));
    }
}
