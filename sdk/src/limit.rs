//! Staying under the platform's rate limits as a fleet: a client-side limiter (GCRA: each
//! permit moves a "theoretical arrival time" one interval on; a burst lets it run ahead), for
//! the whole app and per endpoint, and cool-downs recorded when the platform says "too
//! frequent", so every replica pauses that endpoint, not only the one that was told.
//!
//! By default only a ceiling on client_token fetches applies (the platform bans a client_key
//! that fetches too often, api-facts §3). [`RateLimits`] on the builder adds limits; with a
//! shared [`RateStore`] (`RedisTokenStore`, feature `redis`) the limits and cool-downs hold
//! across every process that shares it. When the shared store fails, each process falls back
//! to a local limiter at its share of the rate, warns once per outage, and returns to the
//! shared one when the store answers again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::store::{BoxFuture, StoreError};

/// A rate: `permits` per `period`, with up to `burst` permits at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    permits: u32,
    period: Duration,
    burst: u32,
}

impl RateLimit {
    /// `n` requests per second (burst 1: evenly spaced).
    pub fn per_second(n: u32) -> Self {
        RateLimit { permits: n.max(1), period: Duration::from_secs(1), burst: 1 }
    }

    /// `n` requests per minute (burst 1).
    pub fn per_minute(n: u32) -> Self {
        RateLimit { permits: n.max(1), period: Duration::from_secs(60), burst: 1 }
    }

    /// Allows up to `n` requests at once after a quiet spell (the average stays the rate).
    pub fn burst(mut self, n: u32) -> Self {
        self.burst = n.max(1);
        self
    }

    /// The time between two permits at the steady rate.
    pub fn interval(&self) -> Duration {
        self.period / self.permits
    }

    /// How far ahead of now the schedule may run: `(burst - 1)` intervals.
    pub fn tolerance(&self) -> Duration {
        self.interval() * (self.burst - 1)
    }

    /// This rate scaled by `share` (a replica's part of a fleet's rate), never below one
    /// permit per period.
    pub fn share(&self, share: f64) -> Self {
        let permits = ((self.permits as f64) * share.clamp(0.0, 1.0)).floor().max(1.0) as u32;
        RateLimit { permits, ..*self }
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} per {:?} (burst {})", self.permits, self.period, self.burst)
    }
}

/// Where permits and cool-downs live: one process ([`LocalRateStore`]) or a fleet
/// (`RedisTokenStore`, atomic in one Lua script per permit).
pub trait RateStore: Send + Sync + 'static {
    /// Reserves the next permit of `key` at `limit` if it comes within `max_wait`: how long to
    /// wait for it, or `None` (nothing reserved) when it comes later.
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>>;

    /// Pauses `key` for `d` (a longer pause already recorded stays).
    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> BoxFuture<'a, Result<(), StoreError>>;

    /// How long `key` is still paused, if it is.
    fn cooling<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, StoreError>>;
}

/// Permits and cool-downs of one process.
#[derive(Debug, Default)]
pub struct LocalRateStore {
    /// The theoretical arrival time of the next permit, per key.
    tat: Mutex<HashMap<String, Instant>>,
    paused: Mutex<HashMap<String, Instant>>,
}

impl LocalRateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn reserve_now(&self, key: &str, limit: RateLimit, max_wait: Duration) -> Option<Duration> {
        let now = Instant::now();
        let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
        let next = tat.get(key).copied().filter(|t| *t > now).unwrap_or(now);
        let wait = next.saturating_duration_since(now + limit.tolerance());
        if wait > max_wait {
            return None;
        }
        match tat.get_mut(key) {
            Some(t) => *t = next + limit.interval(),
            None => {
                tat.insert(key.to_string(), next + limit.interval());
            }
        }
        Some(wait)
    }

    /// Whether no key of this store is paused (then no lookup is needed).
    fn nothing_paused(&self) -> bool {
        self.paused.lock().unwrap_or_else(|p| p.into_inner()).is_empty()
    }
}

impl RateStore for LocalRateStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        Box::pin(async move { Ok(self.reserve_now(key, limit, max_wait)) })
    }

    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let until = Instant::now() + d;
            let mut paused = self.paused.lock().unwrap_or_else(|p| p.into_inner());
            let e = paused.entry(key.to_string()).or_insert(until);
            *e = (*e).max(until);
            Ok(())
        })
    }

    fn cooling<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Duration>, StoreError>> {
        Box::pin(async move {
            let now = Instant::now();
            let mut paused = self.paused.lock().unwrap_or_else(|p| p.into_inner());
            paused.retain(|_, until| *until > now);
            Ok(paused.get(key).map(|u| u.saturating_duration_since(now)).filter(|d| !d.is_zero()))
        })
    }
}

/// The built-in ceiling on client_token fetches of one client: 20 a minute (bursts of 10), a
/// third of the stricter documented penalty (60 a minute bans the client_key; 500 in 5
/// minutes answers 10020). A client fetches one token per 2 hours in normal operation; set
/// `RateLimits::endpoint("oauth_client_token", ..)` to change it.
pub const CLIENT_TOKEN_CEILING: RateLimit =
    RateLimit { permits: 20, period: Duration::from_secs(60), burst: 10 };

/// The limits of a client (see the module docs).
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use douyin_alliance::limit::{RateLimit, RateLimits};
/// use douyin_alliance::Client;
/// let client = Client::builder()
///     .credentials("key", "secret")
///     .rate_limits(
///         RateLimits::new()
///             .app(RateLimit::per_second(60).burst(10))
///             .endpoint("kol_orders", RateLimit::per_second(20))
///             .cool_down(Duration::from_secs(2)),
///     )
///     .build()
///     .unwrap();
/// # let _ = client;
/// ```
#[derive(Clone)]
pub struct RateLimits {
    app: Option<RateLimit>,
    endpoints: HashMap<&'static str, RateLimit>,
    store: Option<Arc<dyn RateStore>>,
    local_share: f64,
    cool_down: Duration,
    warn_after: Duration,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("app", &self.app)
            .field("endpoints", &self.endpoints)
            .field("shared", &self.store.is_some())
            .field("local_share", &self.local_share)
            .field("cool_down", &self.cool_down)
            .finish()
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::new()
    }
}

impl RateLimits {
    /// No limits (the client_token ceiling always applies), in this process, cool-downs of 1 s.
    pub fn new() -> Self {
        RateLimits {
            app: None,
            endpoints: HashMap::new(),
            store: None,
            local_share: 1.0,
            cool_down: Duration::from_secs(1),
            warn_after: Duration::from_millis(500),
        }
    }

    /// A limit on every call of the client together.
    pub fn app(mut self, limit: RateLimit) -> Self {
        self.app = Some(limit);
        self
    }

    /// A limit on the calls of one endpoint (its spec name, e.g. `kol_orders`).
    pub fn endpoint(mut self, name: &'static str, limit: RateLimit) -> Self {
        self.endpoints.insert(name, limit);
        self
    }

    /// Enforces the limits and cool-downs across every process sharing `store`; when it fails,
    /// each process limits itself to `local_share` of each rate (e.g. `1.0 / replicas`).
    pub fn shared(mut self, store: Arc<dyn RateStore>, local_share: f64) -> Self {
        self.store = Some(store);
        self.local_share = local_share;
        self
    }

    /// How long an endpoint pauses after the platform said "too frequent" (default 1 s).
    pub fn cool_down(mut self, d: Duration) -> Self {
        self.cool_down = d;
        self
    }

    /// Logs a `tracing` event when a call waits longer than `d` for its permit (default 500 ms).
    pub fn warn_after(mut self, d: Duration) -> Self {
        self.warn_after = d;
        self
    }
}

/// Why a call was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Throttled {
    /// The limit that held the call (`app`, an endpoint's name, or a cool-down).
    pub(crate) scope: String,
    /// What it is.
    pub(crate) limit: String,
}

/// The limiter of a client: its limits over a store, with the local fallback.
pub(crate) struct Limiter {
    limits: RateLimits,
    local: LocalRateStore,
    prefix: String,
    /// The shared store failed and has not answered since.
    down: AtomicBool,
    /// When the shared store last failed: while down, it is tried again once a second, not on
    /// every call (each try costs the store's timeout).
    failed_at: Mutex<Option<Instant>>,
}

/// How often a failed shared store is tried again.
const RETRY_SHARED: Duration = Duration::from_secs(1);

impl Limiter {
    pub(crate) fn new(limits: RateLimits, client_key: &str) -> Self {
        Limiter {
            limits,
            local: LocalRateStore::new(),
            prefix: format!("{client_key}:rate"),
            down: AtomicBool::new(false),
            failed_at: Mutex::new(None),
        }
    }

    /// Whether limits beyond the client_token ceiling are set (cool-downs come with them).
    fn configured(&self) -> bool {
        self.limits.app.is_some() || !self.limits.endpoints.is_empty()
    }

    /// The limits on `endpoint`: the app's and its own (the client_token ceiling for the
    /// token fetch when none is set).
    fn limits_of(&self, endpoint: &'static str) -> Vec<(String, RateLimit)> {
        let token_fetch = matches!(endpoint, "oauth_client_token" | "oauth_stable_client_token");
        let own =
            self.limits.endpoints.get(endpoint).copied().or(token_fetch.then_some(CLIENT_TOKEN_CEILING));
        let app = self.limits.app.filter(|_| !endpoint.starts_with("oauth_"));
        app.map(|l| ("app".to_string(), l))
            .into_iter()
            .chain(own.map(|l| (endpoint.to_string(), l)))
            .collect()
    }

    /// The shared store, unless it failed less than [`RETRY_SHARED`] ago.
    fn shared(&self) -> Option<&dyn RateStore> {
        let store = self.limits.store.as_deref()?;
        let failed = *self.failed_at.lock().unwrap_or_else(|p| p.into_inner());
        match failed {
            Some(at) if at.elapsed() < RETRY_SHARED => None,
            _ => Some(store),
        }
    }

    /// Records whether the shared store answered.
    fn note(&self, result: Result<(), &StoreError>) {
        *self.failed_at.lock().unwrap_or_else(|p| p.into_inner()) = result.is_err().then(Instant::now);
        match result {
            Ok(()) => {
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!("the shared rate store answers again; limits are shared again");
                }
            }
            Err(e) => {
                if !self.down.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e.0, share = self.limits.local_share, "the shared rate store failed; this process limits itself at its share until it answers");
                }
            }
        }
    }

    async fn cooling(&self, key: &str) -> Option<Duration> {
        if let Some(store) = self.shared() {
            match store.cooling(key).await {
                Ok(v) => {
                    self.note(Ok(()));
                    return v;
                }
                Err(e) => self.note(Err(&e)),
            }
        }
        self.local.cooling(key).await.ok().flatten()
    }

    async fn reserve(&self, key: &str, limit: RateLimit, max_wait: Duration) -> Option<Duration> {
        if let Some(store) = self.shared() {
            match store.reserve(key, limit, max_wait).await {
                Ok(v) => {
                    self.note(Ok(()));
                    return v;
                }
                Err(e) => self.note(Err(&e)),
            }
        }
        let limit = if self.limits.store.is_some() { limit.share(self.limits.local_share) } else { limit };
        self.local.reserve_now(key, limit, max_wait)
    }

    /// Waits for `endpoint`'s cool-downs and permits, at most `max_wait` in all.
    pub(crate) async fn permit(&self, endpoint: &'static str, max_wait: Duration) -> Result<(), Throttled> {
        let limits = self.limits_of(endpoint);
        if limits.is_empty() && !self.configured() {
            return Ok(());
        }
        let started = Instant::now();
        // In one process with nothing paused, there is no cool-down to look up.
        let may_cool = self.limits.store.is_some() || !self.local.nothing_paused();
        if self.configured() && may_cool {
            for scope in ["cool:app".to_string(), format!("cool:{endpoint}")] {
                if let Some(d) = self.cooling(&self.key(&scope)).await {
                    if d > max_wait.saturating_sub(started.elapsed()) {
                        return Err(Throttled { scope, limit: format!("cooling down for {d:?} more") });
                    }
                    tokio::time::sleep(d).await;
                }
            }
        }
        for (scope, limit) in limits {
            let max = max_wait.saturating_sub(started.elapsed());
            match self.reserve(&self.key(&scope), limit, max).await {
                Some(d) if !d.is_zero() => tokio::time::sleep(d).await,
                Some(_) => {}
                None => return Err(Throttled { scope, limit: limit.to_string() }),
            }
        }
        let waited = started.elapsed();
        if waited > self.limits.warn_after {
            tracing::info!(endpoint, waited_ms = waited.as_millis() as u64, "waited for a rate-limit permit");
        }
        Ok(())
    }

    /// Records that the platform said "too frequent" to `endpoint` (app-wide for the token
    /// fetch): every process sharing the store pauses it.
    pub(crate) async fn cool_down(&self, endpoint: &'static str) {
        if !self.configured() {
            return;
        }
        let scope =
            if endpoint.starts_with("oauth_") { "cool:app".to_string() } else { format!("cool:{endpoint}") };
        let (key, d) = (self.key(&scope), self.limits.cool_down);
        tracing::warn!(
            endpoint,
            cool_down_ms = d.as_millis() as u64,
            "the platform throttled; pausing the endpoint"
        );
        if let Some(store) = self.shared() {
            match store.cool_down(&key, d).await {
                Ok(()) => return self.note(Ok(())),
                Err(e) => self.note(Err(&e)),
            }
        }
        let _ = self.local.cool_down(&key, d).await;
    }

    fn key(&self, scope: &str) -> String {
        format!("{}:{scope}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn gcra_spaces_permits_and_allows_a_burst() {
        let s = LocalRateStore::new();
        let limit = RateLimit::per_second(10).burst(3);
        let max = Duration::from_secs(1);
        let waits: Vec<Duration> = {
            let mut w = Vec::new();
            for _ in 0..5 {
                w.push(s.reserve("k", limit, max).await.unwrap().unwrap());
            }
            w
        };
        // Three at once, then one every 100 ms.
        assert!(waits[..3].iter().all(|w| w.is_zero()), "{waits:?}");
        assert!(waits[3] > Duration::from_millis(80) && waits[3] <= Duration::from_millis(100), "{waits:?}");
        assert!(waits[4] > Duration::from_millis(180) && waits[4] <= Duration::from_millis(200), "{waits:?}");
        // A permit beyond the wait allowed is not reserved.
        assert_eq!(s.reserve("k", limit, Duration::from_millis(10)).await.unwrap(), None);
        assert!(s.reserve("other", limit, max).await.unwrap().unwrap().is_zero(), "keys are separate");
    }

    #[tokio::test]
    async fn a_cool_down_ends_on_its_own() {
        let s = LocalRateStore::new();
        s.cool_down("k", Duration::from_millis(30)).await.unwrap();
        s.cool_down("k", Duration::from_millis(5)).await.unwrap();
        let left = s.cooling("k").await.unwrap().unwrap();
        assert!(left > Duration::from_millis(20), "the longer pause stays: {left:?}");
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(s.cooling("k").await.unwrap(), None);
    }

    #[test]
    fn a_share_of_a_rate_never_drops_below_one_permit() {
        assert_eq!(RateLimit::per_second(50).share(0.25), RateLimit::per_second(12));
        assert_eq!(RateLimit::per_second(2).share(0.1), RateLimit::per_second(1));
    }
}
