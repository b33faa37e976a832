//! Passwords, session tokens and the authenticated-request extractor.
//!
//! Passwords are hashed with Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane) on the
//! blocking pool, at most one hash per core at a time. Tokens are 256 random bits, handed to the
//! client once and stored only as their SHA-256.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{header, request::Parts, HeaderMap};
use natter_core::{Actor, Password, Session};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::peer::ClientIp;
use crate::{ApiError, AppState};

pub const COOKIE_NAME: &str = "natter_session";

/// Which queue a hash waits in. The shared one refuses work past a bound; a login from a
/// known device always queues, so a flood of guesses cannot crowd its owner out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    Shared,
    KnownDevice,
}

/// One place in the shared hashing queue, given back when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Argon2id hashing, off the async threads and bounded in concurrency.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    dummy: Arc<OnceLock<String>>,
}

fn argon2() -> Argon2<'static> {
    // OWASP: m = 19 MiB, t = 2, p = 1. The constants are valid, so `new` cannot fail.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            permits: Arc::new(Semaphore::new(cores)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: cores * 32,
            dummy: Arc::new(OnceLock::new()),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        queue: Queue,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        // Past this many waiting, answer 429 rather than queue hashes without bound. Known
        // devices neither count nor are refused (their own limit bounds them): a flood in the
        // shared queue cannot keep them out, and they cannot fill it for others.
        let waiting = match queue {
            Queue::Shared => {
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(ApiError::RateLimited(std::time::Duration::from_secs(1)));
                }
                // Released however this future ends, a client that gave up included.
                Some(Waiting(&self.waiting))
            }
            Queue::KnownDevice => None,
        };
        let permit = self.permits.clone().acquire_owned().await;
        drop(waiting);
        let permit = permit.map_err(|_| ApiError::Internal("hasher closed".into()))?;
        // The permit moves into the blocking job: if the client goes away and this future is
        // dropped, the hash still counts against the limit until it really finishes.
        tokio::task::spawn_blocking(move || {
            let result = job();
            drop(permit);
            result
        })
        .await
        .map_err(|e| ApiError::Internal(format!("hash task failed: {e}")))
    }

    pub async fn hash(&self, password: Password) -> Result<String, ApiError> {
        self.run(Queue::Shared, move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| ApiError::Internal(format!("hashing failed: {e}")))
        })
        .await?
    }

    /// Checks `password` against `stored`. With no stored hash (unknown user) it verifies
    /// against a dummy so the answer takes as long either way and reveals nothing.
    pub async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool, ApiError> {
        self.verify_in(Queue::Shared, password, stored).await
    }

    /// [`Hasher::verify`], waiting in the given queue.
    pub async fn verify_in(
        &self,
        queue: Queue,
        password: &str,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        let password = password.to_owned();
        let known = stored.is_some();
        let dummy = self.dummy.clone();
        let ok = self
            .run(queue, move || {
                let stored = stored.unwrap_or_else(|| {
                    dummy
                        .get_or_init(|| {
                            let salt = SaltString::generate(&mut OsRng);
                            argon2()
                                .hash_password(b"not a real password", &salt)
                                .map(|h| h.to_string())
                                .unwrap_or_default()
                        })
                        .clone()
                });
                PasswordHash::new(&stored)
                    .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
                    .unwrap_or(false)
            })
            .await?;
        Ok(ok && known)
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

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

    /// Takes every core's hashing permit: whatever comes next has to wait until it is dropped.
    async fn occupy_every_core(hasher: &Hasher) -> tokio::sync::OwnedSemaphorePermit {
        let cores = hasher.permits.available_permits() as u32;
        hasher
            .permits
            .clone()
            .acquire_many_owned(cores)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_full_shared_queue_refuses_guesses_but_never_a_known_device() {
        let hasher = Hasher::new();
        let stored = hasher
            .hash(Password::parse("correct horse").unwrap())
            .await
            .unwrap();
        let busy = occupy_every_core(&hasher).await;
        let mut flood = Vec::new();
        for _ in 0..hasher.max_waiting {
            let (h, s) = (hasher.clone(), stored.clone());
            flood.push(tokio::spawn(
                async move { h.verify("guess", Some(s)).await },
            ));
        }
        while hasher.waiting.load(Ordering::Acquire) < hasher.max_waiting {
            tokio::task::yield_now().await;
        }
        // The shared queue is full: one more guess is refused at once...
        let refused = hasher.verify("guess", Some(stored.clone())).await;
        assert!(
            matches!(refused, Err(ApiError::RateLimited(_))),
            "{refused:?}"
        );
        // ...but the owner's known device waits its turn and gets in.
        let (h, s) = (hasher.clone(), stored.clone());
        let owner = tokio::spawn(async move {
            h.verify_in(Queue::KnownDevice, "correct horse", Some(s))
                .await
        });
        tokio::task::yield_now().await;
        assert_eq!(hasher.waiting.load(Ordering::Acquire), hasher.max_waiting);
        drop(busy);
        assert!(owner.await.unwrap().unwrap());
        for f in flood {
            assert!(!f.await.unwrap().unwrap());
        }
        assert_eq!(
            hasher.waiting.load(Ordering::Acquire),
            0,
            "every place given back"
        );
    }

    #[tokio::test]
    async fn a_cancelled_wait_gives_its_place_back() {
        let hasher = Hasher::new();
        let busy = occupy_every_core(&hasher).await;
        let (h, waiting) = (hasher.clone(), hasher.waiting.clone());
        let task = tokio::spawn(async move { h.verify("x", None).await });
        while waiting.load(Ordering::Acquire) == 0 {
            tokio::task::yield_now().await;
        }
        // The client went away while it waited.
        task.abort();
        let _ = task.await;
        assert_eq!(hasher.waiting.load(Ordering::Acquire), 0);
        drop(busy);
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let hasher = Hasher::new();
        let hash = hasher
            .hash(Password::parse("correct horse").unwrap())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher
            .verify("correct horse", Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hasher.verify("wrong horse", Some(hash)).await.unwrap());
        assert!(!hasher.verify("correct horse", None).await.unwrap());
    }
}
