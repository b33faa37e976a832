//! Password hashing: Argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane), at most one
//! hash per core at a time, on a pool of its own threads.
//!
//! Each pool thread keeps one 19 MiB block buffer and hashes in it, so a burst of sign-ups or
//! logins costs at most one buffer per core, not 19 MiB on every blocking-pool thread that
//! happened to run a hash (glibc keeps such memory in per-thread arenas: 200 registrations
//! once left a server at 1 GiB). A thread idle for [`IDLE_FREE`] gives its buffer back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use natter_core::Password;
use tokio::sync::{oneshot, Semaphore};

use crate::ApiError;

/// How long a pool thread keeps its block buffer with nothing to hash.
const IDLE_FREE: Duration = Duration::from_secs(10);

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

/// Work for a pool thread: it gets the thread's block buffer.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The hashing threads, one per core, taking jobs from one channel.
struct Pool {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Pool {
    fn start(threads: usize) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("natter-hash-{n}"))
                .spawn(move || work(&rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a hashing thread");
            }
        }
        Pool {
            jobs: Mutex::new(tx),
        }
    }

    /// Runs `job` on a pool thread with its buffer and returns what it returns.
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            let _ = done.send(job(blocks));
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
        sent.map_err(|_| ApiError::Internal("the hashing threads are gone".into()))?;
        result
            .await
            .map_err(|_| ApiError::Internal("a hashing job failed".into()))
    }
}

/// A pool thread: takes jobs until the pool is dropped, dropping its buffer when idle.
fn work(rx: &Mutex<mpsc::Receiver<Job>>) {
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        let next = rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recv_timeout(IDLE_FREE);
        match next {
            Ok(job) => job(&mut blocks),
            Err(mpsc::RecvTimeoutError::Timeout) => blocks = Vec::new(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn params() -> Params {
    // OWASP: m = 19 MiB, t = 2, p = 1. The constants are valid, so `new` cannot fail.
    Params::new(19 * 1024, 2, 1, None).unwrap_or_default()
}

/// Grows `blocks` to what `params` needs (it keeps its size for the next hash).
fn memory_for<'b>(blocks: &'b mut Vec<Block>, params: &Params) -> &'b mut [Block] {
    let needed = params.block_count();
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    &mut blocks[..needed]
}

/// The `len`-byte Argon2 output of `password` and `salt`, computed in `blocks`.
fn compute(
    blocks: &mut Vec<Block>,
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> argon2::password_hash::Result<Output> {
    let memory = memory_for(blocks, params);
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`, hashed in `blocks`.
fn hash_in(blocks: &mut Vec<Block>, password: &[u8]) -> Result<String, ApiError> {
    let fail = |e: &dyn std::fmt::Display| ApiError::Internal(format!("hashing failed: {e}"));
    let params = params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = compute(
        blocks,
        &argon2,
        &params,
        password,
        raw_salt,
        Params::DEFAULT_OUTPUT_LEN,
    )
    .map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` is the one `stored` (a PHC string) was made from, computed in `blocks`
/// with the stored hash's own parameters and compared in constant time.
fn verify_in_blocks(blocks: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) =
        (Params::try_from(&hash), Algorithm::try_from(hash.algorithm))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::V0x13,
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = compute(blocks, &argon2, &params, password, raw_salt, expected.len());
    // `Output`'s equality is constant-time.
    computed.is_ok_and(|c| c == expected)
}

/// Argon2id hashing, off the async threads and bounded in concurrency.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    dummy: Arc<OnceLock<String>>,
    pool: Arc<Pool>,
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            permits: Arc::new(Semaphore::new(cores)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: cores * 32,
            dummy: Arc::new(OnceLock::new()),
            pool: Arc::new(Pool::start(cores)),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        queue: Queue,
        job: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
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
        // The permit moves into the job: if the client goes away and this future is dropped,
        // the hash still counts against the limit until it really finishes.
        self.pool
            .run(move |blocks| {
                let result = job(blocks);
                drop(permit);
                result
            })
            .await
    }

    pub async fn hash(&self, password: Password) -> Result<String, ApiError> {
        self.run(Queue::Shared, move |blocks| {
            hash_in(blocks, password.expose().as_bytes())
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
            .run(queue, move |blocks| {
                let stored = match stored {
                    Some(s) => s,
                    None => match dummy.get() {
                        Some(d) => d.clone(),
                        None => {
                            let made = hash_in(blocks, b"not a real password").unwrap_or_default();
                            dummy.get_or_init(|| made).clone()
                        }
                    },
                };
                verify_in_blocks(blocks, password.as_bytes(), &stored)
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

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

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

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crates_own_in_both_directions() {
        let hasher = Hasher::new();
        // Older accounts were hashed by argon2's PasswordHasher, some with other parameters.
        for m in [19 * 1024, 4096] {
            let argon2 = Argon2::new(
                Algorithm::Argon2id,
                Version::V0x13,
                Params::new(m, 2, 1, None).unwrap(),
            );
            let salt = SaltString::generate(&mut OsRng);
            let old = argon2
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string();
            assert!(hasher
                .verify("correct horse", Some(old.clone()))
                .await
                .unwrap());
            assert!(!hasher.verify("wrong horse", Some(old)).await.unwrap());
        }
        // And argon2 verifies what the pool makes.
        let made = hasher
            .hash(Password::parse("correct horse").unwrap())
            .await
            .unwrap();
        let parsed = PasswordHash::new(&made).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(!hasher.verify("x", Some("not a hash".into())).await.unwrap());
    }
}
