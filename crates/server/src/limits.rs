//! Rate limits: how often one user, one address, one account or one device may do each thing
//! that costs the server (or other people) something.
//!
//! Every limit is a GCRA bucket from `governor`, keyed per user (or address, account name,
//! device): `count` actions at once, refilling evenly over `per`. A refused action is answered
//! with 429 and `Retry-After` over REST, and with an `error` frame carrying `retry_after_ms`
//! over the WebSocket, which stays open.

use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use natter_core::UserId;

use crate::metrics::Metrics;
use crate::ApiError;

/// Each thing that is limited. The names are the ones the configuration uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Messages sent, per user.
    Send,
    /// Reactions added or removed, per user.
    React,
    /// Edits, deletions and pins, per user.
    Edit,
    /// Typing indicators switched on or off, per user.
    Typing,
    /// Rooms and direct messages created, per user.
    CreateRoom,
    /// Members added or invited to rooms, per user.
    AddMember,
    /// Files uploaded, per user.
    Upload,
    /// Searches (messages and users), per user.
    Search,
    /// `sync` frames, per user.
    Sync,
    /// Exports of one's own data or of a room, per user.
    Export,
    /// Accounts registered, per source address.
    Register,
    /// Login attempts, per source address.
    LoginAddr,
    /// Login attempts, per account name, from devices the account has not signed in on.
    LoginAccount,
    /// Login attempts from devices that have signed in to the account before, per account.
    LoginDevice,
}

const COUNT: usize = 14;

impl Limit {
    pub const ALL: [Limit; COUNT] = [
        Limit::Send,
        Limit::React,
        Limit::Edit,
        Limit::Typing,
        Limit::CreateRoom,
        Limit::AddMember,
        Limit::Upload,
        Limit::Search,
        Limit::Sync,
        Limit::Export,
        Limit::Register,
        Limit::LoginAddr,
        Limit::LoginAccount,
        Limit::LoginDevice,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Limit::Send => "send",
            Limit::React => "react",
            Limit::Edit => "edit",
            Limit::Typing => "typing",
            Limit::CreateRoom => "create_room",
            Limit::AddMember => "add_member",
            Limit::Upload => "upload",
            Limit::Search => "search",
            Limit::Sync => "sync",
            Limit::Export => "export",
            Limit::Register => "register",
            Limit::LoginAddr => "login_addr",
            Limit::LoginAccount => "login_account",
            Limit::LoginDevice => "login_device",
        }
    }

    fn index(self) -> usize {
        Limit::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }

    /// The default: generous for a person, tight for a script.
    fn default_rate(self) -> Rate {
        const MIN: u64 = 60;
        let r = |count: u32, secs: u64| Rate {
            count: NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN),
            per: Duration::from_secs(secs),
        };
        match self {
            Limit::Send => r(50, 10),
            Limit::React => r(60, MIN),
            Limit::Edit => r(60, MIN),
            Limit::Typing => r(60, MIN),
            Limit::CreateRoom => r(30, 60 * MIN),
            Limit::AddMember => r(100, 60 * MIN),
            Limit::Upload => r(30, MIN),
            Limit::Search => r(30, MIN),
            Limit::Sync => r(30, MIN),
            Limit::Export => r(10, 60 * MIN),
            Limit::Register => r(30, 60 * MIN),
            Limit::LoginAddr => r(60, 10 * MIN),
            Limit::LoginAccount => r(10, 10 * MIN),
            Limit::LoginDevice => r(10, 10 * MIN),
        }
    }
}

/// `count` actions at once, refilling evenly over `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: NonZeroU32,
    pub per: Duration,
}

impl Rate {
    pub fn new(count: u32, per: Duration) -> Option<Rate> {
        let count = NonZeroU32::new(count)?;
        (!per.is_zero() && per <= Duration::from_secs(7 * 24 * 3600)).then_some(Rate { count, per })
    }

    fn quota(self) -> Option<Quota> {
        let quota = Quota::with_period(self.per / self.count.get())?;
        Some(quota.allow_burst(self.count))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.per.as_secs();
        let (n, unit) = match secs {
            s if s % 3600 == 0 => (s / 3600, "h"),
            s if s % 60 == 0 => (s / 60, "m"),
            s => (s, "s"),
        };
        write!(f, "{}/{n}{unit}", self.count)
    }
}

/// Every limit's rate, or `None` where it is switched off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateConfig {
    rates: [Option<Rate>; COUNT],
}

impl Default for RateConfig {
    fn default() -> Self {
        RateConfig {
            rates: Limit::ALL.map(|l| Some(l.default_rate())),
        }
    }
}

impl RateConfig {
    /// Every limit switched off (for tests that are about something else).
    pub fn off() -> Self {
        RateConfig {
            rates: [None; COUNT],
        }
    }

    pub fn get(&self, limit: Limit) -> Option<Rate> {
        self.rates[limit.index()]
    }

    pub fn set(&mut self, limit: Limit, rate: Option<Rate>) {
        self.rates[limit.index()] = rate;
    }

    /// Applies one setting: `NAME=COUNT/PERIOD` (`send=50/10s`, `login_account=10/10m`,
    /// `register=30/1h`), `NAME=off`, or `all=off`.
    pub fn apply(&mut self, setting: &str) -> Result<(), String> {
        let (name, value) = setting
            .split_once('=')
            .ok_or_else(|| format!("`{setting}`: expected NAME=COUNT/PERIOD or NAME=off"))?;
        let (name, value) = (name.trim(), value.trim());
        let rate = match value {
            "off" => None,
            v => Some(parse_rate(v).ok_or_else(|| {
                format!("`{setting}`: expected a rate like 50/10s, 10/10m or 30/1h")
            })?),
        };
        if name == "all" {
            self.rates = [rate; COUNT];
            return Ok(());
        }
        let limit = Limit::ALL
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Limit::ALL.iter().map(|l| l.name()).collect();
                format!(
                    "unknown rate limit `{name}`; known: all, {}",
                    names.join(", ")
                )
            })?;
        self.set(limit, rate);
        Ok(())
    }

    /// The settings that give this configuration, in `apply`'s syntax.
    pub fn settings(&self) -> Vec<String> {
        Limit::ALL
            .iter()
            .map(|l| match self.get(*l) {
                Some(rate) => format!("{}={rate}", l.name()),
                None => format!("{}=off", l.name()),
            })
            .collect()
    }
}

fn parse_rate(value: &str) -> Option<Rate> {
    let (count, period) = value.split_once('/')?;
    let count: u32 = count.trim().parse().ok()?;
    let period = period.trim();
    let split = period.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = period.split_at(split);
    let n: u64 = if n.is_empty() { 1 } else { n.parse().ok()? };
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Rate::new(count, Duration::from_secs(secs))
}

/// Who a limit is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    User(UserId),
    Addr(IpAddr),
    /// An account name as typed at login (known or not).
    Account(String),
}

impl Key {
    /// An address as limits count it: an IPv6 address by its /64, the block one subscriber
    /// usually holds, so rotating through it does not buy fresh buckets.
    pub fn addr(ip: IpAddr) -> Key {
        Key::Addr(crate::peer::subscriber(ip))
    }
}

/// The live buckets: one keyed limiter per limit that is on.
pub struct RateLimits {
    limiters: Vec<Option<DefaultKeyedRateLimiter<Key>>>,
    clock: DefaultClock,
    metrics: Arc<Metrics>,
}

impl RateLimits {
    pub fn new(config: &RateConfig, metrics: Arc<Metrics>) -> Self {
        RateLimits {
            limiters: Limit::ALL
                .iter()
                .map(|l| {
                    let quota = config.get(*l)?.quota()?;
                    Some(RateLimiter::keyed(quota))
                })
                .collect(),
            clock: DefaultClock::default(),
            metrics,
        }
    }

    /// Counts one `limit` action by `key`, or says how long to wait.
    pub fn check(&self, limit: Limit, key: &Key) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiters[limit.index()] else {
            return Ok(());
        };
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            tracing::debug!(limit = limit.name(), ?wait, "rate limited");
            self.metrics.rate_limited(limit.name());
            ApiError::RateLimited(wait.max(Duration::from_millis(1)))
        })
    }

    /// Counts one `limit` action by `user`.
    pub fn user(&self, limit: Limit, user: UserId) -> Result<(), ApiError> {
        self.check(limit, &Key::User(user))
    }

    /// Forgets buckets that are full again, so idle keys cost no memory.
    pub fn forget_idle(&self) {
        for limiter in self.limiters.iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_print_back() {
        let mut config = RateConfig::default();
        config.apply("send=5/10s").unwrap();
        config.apply("register = off").unwrap();
        config.apply("login_account=10/1h").unwrap();
        assert_eq!(
            config.get(Limit::Send),
            Rate::new(5, Duration::from_secs(10))
        );
        assert_eq!(config.get(Limit::Register), None);
        let mut again = RateConfig::off();
        for s in config.settings() {
            again.apply(&s).unwrap();
        }
        assert_eq!(again, config);
        assert!(config
            .settings()
            .contains(&"login_account=10/1h".to_owned()));
    }

    #[test]
    fn bad_settings_are_explained() {
        let mut config = RateConfig::default();
        for bad in [
            "send",
            "send=5",
            "send=0/1s",
            "send=5/1d",
            "sned=5/1s",
            "send=x/1s",
        ] {
            assert!(config.apply(bad).is_err(), "{bad} was accepted");
        }
        assert!(config
            .apply("sned=5/1s")
            .unwrap_err()
            .contains("login_account"));
        config.apply("all=off").unwrap();
        assert_eq!(config, RateConfig::off());
    }

    #[test]
    fn a_bucket_refuses_past_its_burst_and_says_how_long_to_wait() {
        let mut config = RateConfig::off();
        config.apply("send=3/1m").unwrap();
        let metrics = Arc::new(Metrics::new());
        let limits = RateLimits::new(&config, metrics.clone());
        let (alice, bob) = (Key::Account("alice".into()), Key::Account("bob".into()));
        for _ in 0..3 {
            limits.check(Limit::Send, &alice).unwrap();
        }
        match limits.check(Limit::Send, &alice) {
            Err(ApiError::RateLimited(wait)) => {
                assert!(wait > Duration::from_secs(15) && wait <= Duration::from_secs(20))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        limits.check(Limit::Send, &bob).unwrap();
        assert!(metrics
            .encode()
            .contains("natter_rate_limited_total{limit=\"send\"} 1"));
        // A limit that is off never refuses.
        for _ in 0..100 {
            limits.check(Limit::Upload, &alice).unwrap();
        }
    }
}
