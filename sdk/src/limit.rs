//! Staying under the platform's rate limits as a fleet: a client-side limiter (GCRA: each
//! permit moves a "theoretical arrival time" one interval on; a burst lets it run ahead), for
//! the whole app and per endpoint, and cool-downs recorded when the platform says "too
//! frequent", so every replica pauses that endpoint, not only the one that was told.
//!
//! By default only a ceiling on client_token fetches applies (the platform bans a client_key
//! that fetches too often, api-facts §3). [`RateLimits`] on the builder adds limits; with a
//! shared [`RateStore`] (`RedisTokenStore`, feature `redis`) the limits and cool-downs hold
//! across every process that shares it. When the shared store fails, each process falls back
//! to a local limiter at its share of the rate, warns once per outage, tries the shared store
//! again once a second, and returns to it when it answers again.
//!
//! # One question per call
//!
//! Before each attempt the client asks its store once, with every limit of the call (the
//! app's, the endpoint's) and every cool-down that could hold it (`cool:app`,
//! `cool:{endpoint}`): a [`PermitRequest`]. The store answers atomically (one lock in
//! [`LocalRateStore`], one Lua script, so one round trip, in Redis) with the joint GCRA:
//!
//! - the call's permit time is `T = max(now, tat_k − tolerance_k for each limit k, the end of
//!   each cool-down)`;
//! - if `T − now` exceeds the call's allowed wait, nothing is reserved in any limit and the
//!   answer says what held the call ([`HeldBy`]: which limit or which cool-down);
//! - otherwise every limit's theoretical arrival time becomes `max(tat_k, T) + interval_k` and
//!   the call waits `T − now`.
//!
//! A permit of the app is therefore never spent on a call that its endpoint's limit then
//! refuses.
//!
//! With a shared store that answers many permits at once ([`RateStore::answers_many`]:
//! `RedisTokenStore`, in one script, in order, exactly as one by one), calls of one endpoint
//! that come while its question is out wait, and the next question carries them all
//! ([`RateStore::permits`]): one script for many calls (at concurrency 64, about 20).
//!
//! # Exact arithmetic
//!
//! Intervals are rounded **up**, never down: [`RateLimit::interval`] to the nanosecond (the
//! local store's unit), [`RateLimit::interval_micros`] to the microsecond (the Redis store's
//! unit, on Redis's own clock, `TIME`), and a limit's tolerance is `(burst − 1)` of those
//! rounded intervals. The GCRA then guarantees that over any window of length `w`, the permits
//! granted number at most `w / interval + burst ≤ rate × w + burst`: a limit is never exceeded
//! by rounding, and at 7, 60, 600 or 3,000 a second the steady rate is the stated one within a
//! few parts per million.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::store::{BoxFuture, StoreError};
use crate::endpoint::{Endpoint, RateScope};

mod batch;

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

    /// The permits per period.
    pub fn permits(&self) -> u32 {
        self.permits
    }

    /// The period the permits are counted over.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The permits allowed at once after a quiet spell.
    pub fn burst_size(&self) -> u32 {
        self.burst
    }

    /// The time between two permits at the steady rate, rounded up to a whole nanosecond (never
    /// shorter than the exact `period / permits`).
    pub fn interval(&self) -> Duration {
        let nanos = self.period.as_nanos().div_ceil(u128::from(self.permits));
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// How far ahead of now the schedule may run: `(burst - 1)` intervals.
    pub fn tolerance(&self) -> Duration {
        self.interval() * (self.burst - 1)
    }

    /// [`interval`](Self::interval) rounded up to a whole microsecond, as a store that counts
    /// in microseconds (Redis) keeps it: never shorter than the exact interval.
    pub fn interval_micros(&self) -> u64 {
        let micros = self.period.as_nanos().div_ceil(u128::from(self.permits) * 1_000);
        u64::try_from(micros).unwrap_or(u64::MAX)
    }

    /// `(burst - 1)` of [`interval_micros`](Self::interval_micros).
    pub fn tolerance_micros(&self) -> u64 {
        self.interval_micros().saturating_mul(u64::from(self.burst - 1))
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

/// One rate limit of a call, as a [`RateStore`] sees it: the key its schedule (theoretical
/// arrival time) lives under, and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyedLimit<'a> {
    /// The key of the schedule (e.g. `{client_key}:rate-us:app`).
    pub key: &'a str,
    /// The limit.
    pub limit: RateLimit,
}

/// Everything one call asks a [`RateStore`] for, to be answered atomically (see the module
/// docs): a permit in every limit, after every cool-down, within `max_wait`.
#[derive(Debug, Clone, Copy)]
pub struct PermitRequest<'a> {
    /// The limits the call is under; a permit is reserved in all of them or in none.
    pub limits: &'a [KeyedLimit<'a>],
    /// The keys of the cool-downs ([`RateStore::cool_down`]) that hold the call while they last.
    pub cool_downs: &'a [&'a str],
    /// The longest the call may wait for its permit.
    pub max_wait: Duration,
}

/// A [`RateStore`]'s answer to a [`PermitRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// A permit is reserved in every limit: the call may be sent after `wait`.
    Granted {
        /// How long to wait before sending.
        wait: Duration,
        /// The store's clock when it decided (Redis: since the Unix epoch, on Redis's clock;
        /// [`LocalRateStore`]: since the store was created). The permit's time on that clock
        /// is `clock + wait`.
        clock: Duration,
    },
    /// Nothing was reserved: the permit would come after `wait`, longer than the call may wait.
    Refused {
        /// What holds the call longest.
        held_by: HeldBy,
        /// How long the call would have to wait.
        wait: Duration,
    },
}

/// What held a refused call: an index into the [`PermitRequest`]'s lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBy {
    /// `limits[i]`.
    Limit(usize),
    /// `cool_downs[i]`.
    CoolDown(usize),
}

/// Where permits and cool-downs live: one process ([`LocalRateStore`]) or a fleet
/// (`RedisTokenStore`: one Lua script, so one round trip, per question).
pub trait RateStore: Send + Sync + 'static {
    /// Answers `request` atomically with the joint GCRA of the module docs: a permit in every
    /// limit of the call at the earliest time every limit and every cool-down allows, or
    /// (nothing reserved) what held it when that is later than `request.max_wait`.
    fn permit<'a>(&'a self, request: PermitRequest<'a>) -> BoxFuture<'a, Result<Permit, StoreError>>;

    /// Whether [`permits`](Self::permits) answers many requests for about the cost of one
    /// (`RedisTokenStore`: one script). The limiter then asks for the permits of an
    /// endpoint's calls that come together in one question; otherwise it asks for each call's
    /// permit alone. Default: no.
    fn answers_many(&self) -> bool {
        false
    }

    /// Answers `max_waits.len()` requests of one call shape (the same `limits` and
    /// `cool_downs`; the i-th may wait at most `max_waits[i]`) in one question: in order, each
    /// as [`permit`](Self::permit) would answer it right after the one before. The answer holds
    /// one [`Permit`] per request. The default asks [`permit`](Self::permit) once per request;
    /// `RedisTokenStore` runs one script for all of them.
    fn permits<'a>(
        &'a self,
        limits: &'a [KeyedLimit<'a>],
        cool_downs: &'a [&'a str],
        max_waits: &'a [Duration],
    ) -> BoxFuture<'a, Result<Vec<Permit>, StoreError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(max_waits.len());
            for &max_wait in max_waits {
                out.push(self.permit(PermitRequest { limits, cool_downs, max_wait }).await?);
            }
            Ok(out)
        })
    }

    /// Pauses `key` for `d` (a longer pause already recorded stays).
    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// One limit's schedule in the joint GCRA, in ticks of any unit (nanoseconds locally).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// The theoretical arrival time of the next permit (0: none yet).
    pub(crate) tat: u64,
    /// Ticks between two permits.
    pub(crate) interval: u64,
    /// How far ahead of now the schedule may run.
    pub(crate) tolerance: u64,
}

/// The joint GCRA at `now`, a pure function of its arguments: the permit time is
/// `T = max(now, tat - tolerance of each schedule, each cool-down's end)`. When `T - now` is
/// at most `max_wait`, every schedule moves to `max(tat, T) + interval` and the answer is
/// `Ok(T - now)`; otherwise nothing changes and the answer is what held the call and how long.
pub(crate) fn gcra(
    now: u64,
    schedules: &mut [Schedule],
    cool_ends: &[u64],
    max_wait: u64,
) -> Result<u64, (HeldBy, u64)> {
    let mut at = now;
    let mut held = None;
    for (i, &end) in cool_ends.iter().enumerate() {
        if end > at {
            (at, held) = (end, Some(HeldBy::CoolDown(i)));
        }
    }
    for (i, s) in schedules.iter().enumerate() {
        let start = s.tat.saturating_sub(s.tolerance);
        if start > at {
            (at, held) = (start, Some(HeldBy::Limit(i)));
        }
    }
    let wait = at - now;
    if let Some(held) = held.filter(|_| wait > max_wait) {
        return Err((held, wait));
    }
    for s in schedules {
        s.tat = s.tat.max(at).saturating_add(s.interval);
    }
    Ok(wait)
}

/// Nanoseconds of a duration, saturating.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Permits and cool-downs of one process: one lock, nanosecond arithmetic on a monotonic clock.
#[derive(Debug)]
pub struct LocalRateStore {
    /// The origin of the store's clock.
    origin: Instant,
    state: Mutex<LocalState>,
}

#[derive(Debug, Default)]
struct LocalState {
    /// The theoretical arrival time of the next permit, per key (ns since `origin`).
    tat: HashMap<String, u64>,
    /// When each pause ends (ns since `origin`).
    paused: HashMap<String, u64>,
}

impl Default for LocalRateStore {
    fn default() -> Self {
        LocalRateStore { origin: Instant::now(), state: Mutex::default() }
    }
}

impl LocalRateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn now(&self) -> u64 {
        nanos(self.origin.elapsed())
    }

    /// [`RateStore::permit`], without a future.
    fn permit_now(&self, request: PermitRequest<'_>) -> Permit {
        let now = self.now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *state;
        // Cool-downs are rare: with none recorded there is nothing to look up.
        let mut cool_ends = Vec::new();
        if !state.paused.is_empty() {
            state.paused.retain(|_, end| *end > now);
            cool_ends.extend(request.cool_downs.iter().map(|k| state.paused.get(*k).copied().unwrap_or(0)));
        }
        let mut schedules: Vec<Schedule> = request
            .limits
            .iter()
            .map(|l| {
                let interval = nanos(l.limit.interval());
                Schedule {
                    tat: state.tat.get(l.key).copied().unwrap_or(0),
                    interval,
                    tolerance: interval.saturating_mul(u64::from(l.limit.burst - 1)),
                }
            })
            .collect();
        match gcra(now, &mut schedules, &cool_ends, nanos(request.max_wait)) {
            Ok(wait) => {
                for (l, s) in request.limits.iter().zip(&schedules) {
                    match state.tat.get_mut(l.key) {
                        Some(t) => *t = s.tat,
                        None => {
                            state.tat.insert(l.key.to_string(), s.tat);
                        }
                    }
                }
                Permit::Granted { wait: Duration::from_nanos(wait), clock: Duration::from_nanos(now) }
            }
            Err((held_by, wait)) => Permit::Refused { held_by, wait: Duration::from_nanos(wait) },
        }
    }

    fn cool_down_now(&self, key: &str, d: Duration) {
        let until = self.now().saturating_add(nanos(d));
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let e = state.paused.entry(key.to_string()).or_insert(until);
        *e = (*e).max(until);
    }
}

impl RateStore for LocalRateStore {
    fn permit<'a>(&'a self, request: PermitRequest<'a>) -> BoxFuture<'a, Result<Permit, StoreError>> {
        Box::pin(async move { Ok(self.permit_now(request)) })
    }

    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.cool_down_now(key, d);
            Ok(())
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

/// One limit of an endpoint's calls, with its store key.
#[derive(Debug)]
struct Planned {
    /// `app` or the endpoint's name.
    scope: String,
    key: String,
    limit: RateLimit,
    /// The limit while the shared store is down: this process's share of it.
    alone: RateLimit,
}

/// What the limiter asks the store for each call of one endpoint (built once per endpoint).
#[derive(Debug, Default)]
struct Plan {
    limits: Vec<Planned>,
    /// `(scope, key)` of the cool-downs that hold the endpoint's calls.
    cool_downs: Vec<(String, String)>,
    /// The endpoint's calls waiting for the shared store's answer ([`batch::ask_shared`]).
    queue: Mutex<batch::Queue>,
}

impl Plan {
    /// The limits of a call, as the store is asked for them.
    fn keyed_limits(&self) -> Vec<KeyedLimit<'_>> {
        self.limits.iter().map(|p| KeyedLimit { key: &p.key, limit: p.limit }).collect()
    }

    /// The keys of the cool-downs that hold a call.
    fn cool_down_keys(&self) -> Vec<&str> {
        self.cool_downs.iter().map(|(_, key)| key.as_str()).collect()
    }

    fn throttled(&self, held_by: HeldBy, wait: Duration) -> Throttled {
        let (scope, limit) = match held_by {
            HeldBy::Limit(i) => self.limits.get(i).map(|p| (p.scope.clone(), p.limit.to_string())),
            HeldBy::CoolDown(i) => self
                .cool_downs
                .get(i)
                .map(|(scope, _)| (scope.clone(), format!("cooling down for {wait:?} more"))),
        }
        .unwrap_or_else(|| ("rate store".into(), format!("no permit for {wait:?}")));
        Throttled { scope, limit }
    }
}

/// The limiter of a client: its limits over a store, with the local fallback.
pub(crate) struct Limiter {
    limits: RateLimits,
    local: LocalRateStore,
    prefix: String,
    /// Each endpoint's plan, built on its first call.
    plans: Mutex<HashMap<&'static str, Arc<Plan>>>,
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
            prefix: client_key.to_string(),
            plans: Mutex::default(),
            down: AtomicBool::new(false),
            failed_at: Mutex::new(None),
        }
    }

    /// Whether limits beyond the client_token ceiling are set (cool-downs come with them).
    fn configured(&self) -> bool {
        self.limits.app.is_some() || !self.limits.endpoints.is_empty()
    }

    /// The plan of `endpoint`'s calls: the app's limit and its own (the client_token ceiling for
    /// the token fetch when none is set), and, when limits are configured, the cool-downs of
    /// the app and of the endpoint.
    fn plan(&self, ep: &'static Endpoint) -> Arc<Plan> {
        let endpoint = ep.name;
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        plans
            .entry(endpoint)
            .or_insert_with(|| {
                let token_fetch = ep.rate_scope == RateScope::TokenFetch;
                let own = self
                    .limits
                    .endpoints
                    .get(endpoint)
                    .copied()
                    .or(token_fetch.then_some(CLIENT_TOKEN_CEILING));
                let app = self.limits.app.filter(|_| ep.rate_scope == RateScope::App);
                let share = self.limits.local_share;
                let limits = app
                    .map(|l| ("app", l))
                    .into_iter()
                    .chain(own.map(|l| (endpoint, l)))
                    .map(|(scope, limit)| Planned {
                        scope: scope.to_string(),
                        key: format!("{}:rate-us:{scope}", self.prefix),
                        limit,
                        alone: limit.share(share),
                    })
                    .collect();
                let cool_downs = if self.configured() {
                    let shared =
                        if ep.rate_scope == RateScope::Gateway { "cool:gateway" } else { "cool:app" };
                    [shared.to_string(), format!("cool:{endpoint}")]
                        .map(|scope| {
                            let key = self.cool_key(&scope);
                            (scope, key)
                        })
                        .into()
                } else {
                    Vec::new()
                };
                Arc::new(Plan { limits, cool_downs, queue: Mutex::default() })
            })
            .clone()
    }

    /// The shared store, unless it failed less than [`RETRY_SHARED`] ago.
    fn shared(&self) -> Option<&Arc<dyn RateStore>> {
        let store = self.limits.store.as_ref()?;
        // The common case, without the lock: the store has not failed.
        if !self.down.load(Ordering::Relaxed) {
            return Some(store);
        }
        let failed = *self.failed_at.lock().unwrap_or_else(|p| p.into_inner());
        match failed {
            Some(at) if at.elapsed() < RETRY_SHARED => None,
            _ => Some(store),
        }
    }

    /// Records whether the shared store answered.
    fn note(&self, result: Result<(), &StoreError>) {
        // The common case, without the lock: it answers, as it did (`down` and `failed_at`
        // change together, under the lock).
        if result.is_ok() && !self.down.load(Ordering::Relaxed) {
            return;
        }
        let mut failed_at = self.failed_at.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(()) => {
                *failed_at = None;
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!("the shared rate store answers again; limits are shared again");
                }
            }
            Err(e) => {
                *failed_at = Some(Instant::now());
                if !self.down.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e.0, share = self.limits.local_share, "the shared rate store failed; this process limits itself at its share until it answers");
                }
            }
        }
    }

    /// One question to the shared store (or, when it fails, the local one at this process's
    /// share of each limit) for a call of `plan`.
    async fn ask(&self, plan: &Arc<Plan>, max_wait: Duration) -> Permit {
        let started = Instant::now();
        if let Some(store) = self.shared() {
            match batch::ask_shared(store, plan, max_wait).await {
                Ok(permit) => {
                    self.note(Ok(()));
                    return permit;
                }
                Err(e) => self.note(Err(&e)),
            }
        }
        let cool_downs = plan.cool_down_keys();
        let shared = self.limits.store.is_some();
        let limits: Vec<KeyedLimit<'_>> = plan
            .limits
            .iter()
            .map(|p| KeyedLimit { key: &p.key, limit: if shared { p.alone } else { p.limit } })
            .collect();
        // A failed shared store may have taken its timeout.
        let max_wait = max_wait.saturating_sub(started.elapsed());
        self.local.permit_now(PermitRequest { limits: &limits, cool_downs: &cool_downs, max_wait })
    }

    /// Waits for `endpoint`'s permit (every limit and cool-down at once), at most `max_wait`.
    pub(crate) async fn permit(&self, ep: &'static Endpoint, max_wait: Duration) -> Result<(), Throttled> {
        if !self.configured() && ep.rate_scope != RateScope::TokenFetch {
            return Ok(());
        }
        let endpoint = ep.name;
        let plan = self.plan(ep);
        if plan.limits.is_empty() && plan.cool_downs.is_empty() {
            return Ok(());
        }
        match self.ask(&plan, max_wait).await {
            Permit::Granted { wait, .. } => {
                if !wait.is_zero() {
                    tokio::time::sleep(wait).await;
                }
                if wait > self.limits.warn_after {
                    tracing::info!(
                        endpoint,
                        waited_ms = wait.as_millis() as u64,
                        "waited for a rate-limit permit"
                    );
                }
                Ok(())
            }
            Permit::Refused { held_by, wait } => Err(plan.throttled(held_by, wait)),
        }
    }

    /// Records that the platform said "too frequent" to `endpoint` (app-wide for the token
    /// fetch): every process sharing the store pauses it.
    pub(crate) async fn cool_down(&self, ep: &'static Endpoint) {
        if !self.configured() {
            return;
        }
        let endpoint = ep.name;
        let scope = match ep.rate_scope {
            RateScope::App => format!("cool:{endpoint}"),
            RateScope::TokenFetch | RateScope::Exempt => "cool:app".to_string(),
            RateScope::Gateway => "cool:gateway".to_string(),
        };
        let (key, d) = (self.cool_key(&scope), self.limits.cool_down);
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
        self.local.cool_down_now(&key, d);
    }

    /// The key of a cool-down (the same as before microsecond permits, so a fleet upgrading
    /// one process at a time keeps sharing its pauses).
    fn cool_key(&self, scope: &str) -> String {
        format!("{}:rate:{scope}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ask(s: &LocalRateStore, limits: &[KeyedLimit<'_>], cool_downs: &[&str], max_wait: Duration) -> Permit {
        s.permit_now(PermitRequest { limits, cool_downs, max_wait })
    }

    fn wait_of(p: Permit) -> Duration {
        match p {
            Permit::Granted { wait, .. } => wait,
            Permit::Refused { .. } => panic!("refused: {p:?}"),
        }
    }

    #[test]
    fn gcra_spaces_permits_and_allows_a_burst() {
        let s = LocalRateStore::new();
        let k = [KeyedLimit { key: "k", limit: RateLimit::per_second(10).burst(3) }];
        let max = Duration::from_secs(1);
        let waits: Vec<Duration> = (0..5).map(|_| wait_of(ask(&s, &k, &[], max))).collect();
        // Three at once, then one every 100 ms.
        assert!(waits[..3].iter().all(|w| w.is_zero()), "{waits:?}");
        assert!(waits[3] > Duration::from_millis(80) && waits[3] <= Duration::from_millis(100), "{waits:?}");
        assert!(waits[4] > Duration::from_millis(180) && waits[4] <= Duration::from_millis(200), "{waits:?}");
        // A permit beyond the wait allowed is not reserved.
        let refused = ask(&s, &k, &[], Duration::from_millis(10));
        assert!(matches!(refused, Permit::Refused { held_by: HeldBy::Limit(0), .. }), "{refused:?}");
        let other = [KeyedLimit { key: "other", ..k[0] }];
        assert!(wait_of(ask(&s, &other, &[], max)).is_zero(), "keys are separate");
    }

    #[test]
    fn intervals_round_up_never_down() {
        assert_eq!(RateLimit::per_second(3).interval(), Duration::from_nanos(333_333_334));
        assert_eq!(RateLimit::per_second(7).interval_micros(), 142_858);
        assert_eq!(RateLimit::per_second(60).interval_micros(), 16_667);
        assert_eq!(RateLimit::per_second(600).interval_micros(), 1_667);
        assert_eq!(RateLimit::per_second(3000).interval_micros(), 334);
        assert_eq!(RateLimit::per_second(1000).interval_micros(), 1_000);
        assert_eq!(RateLimit::per_second(1_000_000).interval_micros(), 1);
        assert_eq!(RateLimit::per_second(3_000_000).interval_micros(), 1, "never zero");
        assert_eq!(RateLimit::per_minute(7).interval_micros(), 8_571_429);
        assert_eq!(RateLimit::per_second(3000).burst(4).tolerance_micros(), 3 * 334);
        assert_eq!(RateLimit::per_second(3).burst(2).tolerance(), Duration::from_nanos(333_333_334));
    }

    #[test]
    fn a_refused_call_reserves_nothing_in_any_limit() {
        let app = Schedule { tat: 0, interval: 10, tolerance: 0 };
        let own = Schedule { tat: 500, interval: 100, tolerance: 0 };
        let mut s = [app, own];
        assert_eq!(gcra(100, &mut s, &[], 50), Err((HeldBy::Limit(1), 400)));
        assert_eq!(s, [app, own], "the app's permit was not spent");
        assert_eq!(gcra(100, &mut s, &[], 400), Ok(400));
        assert_eq!(s.map(|s| s.tat), [510, 600], "both move on from the joint permit time");
        // A cool-down holds the call too; the longest hold is named.
        let mut s = [app];
        assert_eq!(gcra(100, &mut s, &[150, 900], 10), Err((HeldBy::CoolDown(1), 800)));
        assert_eq!(gcra(100, &mut s, &[150, 900], 800), Ok(800));
        assert_eq!(s[0].tat, 910);
    }

    #[test]
    fn a_saturated_limit_runs_at_its_rate_exactly() {
        // 3,000 a second, 20,000 callers at once who may wait 4 s: 12,000 permits in [0, 4 s]
        // (the last at 11,999 × 333,334 ns), not 16,001 (a 250 µs interval) nor 4,001 (a
        // millisecond floor).
        let limit = RateLimit::per_second(3000);
        let mut s = [Schedule { tat: 0, interval: nanos(limit.interval()), tolerance: 0 }];
        let granted = (0..20_000).filter(|_| gcra(0, &mut s, &[], 4_000_000_000).is_ok()).count();
        assert_eq!(granted, 12_000);
    }

    #[test]
    fn a_cool_down_holds_the_permit_and_ends_on_its_own() {
        let s = LocalRateStore::new();
        let k = [KeyedLimit { key: "k", limit: RateLimit::per_second(1000) }];
        s.cool_down_now("cool", Duration::from_millis(300));
        s.cool_down_now("cool", Duration::from_millis(5));
        let refused = ask(&s, &k, &["other", "cool"], Duration::from_millis(100));
        let Permit::Refused { held_by: HeldBy::CoolDown(1), wait } = refused else {
            panic!("{refused:?}");
        };
        assert!(wait > Duration::from_millis(250), "the longer pause stays: {wait:?}");
        let wait = wait_of(ask(&s, &k, &["cool"], Duration::from_secs(1)));
        assert!(wait > Duration::from_millis(250) && wait <= Duration::from_millis(300), "{wait:?}");
        // The permit came after the pause: the limit's schedule starts there.
        let next = wait_of(ask(&s, &k, &[], Duration::from_secs(1)));
        assert!(next >= wait, "{next:?} {wait:?}");
        let s = LocalRateStore::new();
        s.cool_down_now("cool", Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(30));
        assert!(wait_of(ask(&s, &k, &["cool"], Duration::ZERO)).is_zero());
    }

    #[test]
    fn a_share_of_a_rate_never_drops_below_one_permit() {
        assert_eq!(RateLimit::per_second(50).share(0.25), RateLimit::per_second(12));
        assert_eq!(RateLimit::per_second(2).share(0.1), RateLimit::per_second(1));
    }

    /// Over every window of at least one `period`, the permit `times` (any order, any unit)
    /// number at most `permits` per period `× window + burst`; in O(n log n): the windows of
    /// one period by two pointers, the longer ones by a running minimum (a pair `i < j` breaks
    /// the bound when `(j - i + 1 - burst) × period > permits × (t_j - t_i)`).
    pub(crate) fn check_windows(
        times: &mut [u64],
        permits: u32,
        burst: u32,
        period: u64,
    ) -> Result<(), String> {
        times.sort_unstable();
        let (permits, burst, period) = (i128::from(permits), i128::from(burst), i128::from(period));
        let t = |k: usize| i128::from(times[k]);
        let mut j = 0;
        for i in 0..times.len() {
            j = j.max(i);
            while j + 1 < times.len() && t(j + 1) - t(i) <= period {
                j += 1;
            }
            let count = (j - i + 1) as i128;
            if count > permits + burst {
                return Err(format!("{count} permits within one period from {}", t(i)));
            }
        }
        let g = |k: usize| k as i128 * period - permits * t(k);
        let (mut low, mut low_at, mut i) = (i128::MAX, 0, 0);
        for j in 0..times.len() {
            while i < j && t(j) - t(i) > period {
                if g(i) < low {
                    (low, low_at) = (g(i), i);
                }
                i += 1;
            }
            if low != i128::MAX && g(j) + (1 - burst) * period > low {
                let (count, window) = (j - low_at + 1, t(j) - t(low_at));
                return Err(format!("{count} permits in {window} from {} to {}", t(low_at), t(j)));
            }
        }
        Ok(())
    }

    /// The same, pair by pair (the reference of [`check_windows`]).
    fn check_windows_naive(times: &[u64], permits: u32, burst: u32, period: u64) -> bool {
        let (permits, burst, period) = (u128::from(permits), u128::from(burst), u128::from(period));
        let mut times = times.to_vec();
        times.sort_unstable();
        (0..times.len()).all(|i| {
            (i..times.len()).all(|j| {
                let count = (j - i + 1) as u128;
                let window = u128::from(times[j] - times[i]).max(period);
                count <= burst || (count - burst) * period <= permits * window
            })
        })
    }

    /// `(count, gap, which, max_wait)`: see [`segments`].
    type Segment = (usize, u64, usize, u64);

    /// An arrival pattern: segments of `count` arrivals `gap` ns apart, each allowed to wait
    /// `max_wait` ns, under the first limit, the second or both (`which`).
    fn segments() -> impl Strategy<Value = Vec<Segment>> {
        prop::collection::vec(
            (
                1usize..=3_000,
                prop_oneof![0u64..1_000, 0u64..400_000, 0u64..50_000_000],
                0usize..3,
                prop_oneof![Just(0u64), 0u64..3_000_000_000],
            ),
            1..12,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// The joint GCRA, driven by a random arrival pattern with an injected clock, never
        /// lets any of its limits exceed its rate over any window of at least a second.
        #[test]
        fn the_joint_gcra_never_exceeds_a_rate(
            limits in prop::collection::vec((1u32..=5_000, 1u32..=20), 1..=2),
            segments in segments(),
        ) {
            let limits: Vec<RateLimit> =
                limits.into_iter().map(|(r, b)| RateLimit::per_second(r).burst(b)).collect();
            let mut tats = vec![0u64; limits.len()];
            let mut granted: Vec<Vec<u64>> = vec![Vec::new(); limits.len()];
            let mut now = 1_000_000_000u64;
            for (count, gap, which, max_wait) in segments {
                // Calls under the first limit, the second, or both.
                let under: Vec<usize> = match (which, limits.len()) {
                    (_, 1) | (2, _) => (0..limits.len()).collect(),
                    (w, _) => vec![w],
                };
                for _ in 0..count {
                    now += gap;
                    let mut s: Vec<Schedule> = under
                        .iter()
                        .map(|&k| {
                            let interval = nanos(limits[k].interval());
                            Schedule { tat: tats[k], interval, tolerance: nanos(limits[k].tolerance()) }
                        })
                        .collect();
                    let before = s.clone();
                    match gcra(now, &mut s, &[], max_wait) {
                        Ok(wait) => {
                            prop_assert!(wait <= max_wait);
                            for (&k, s) in under.iter().zip(&s) {
                                tats[k] = s.tat;
                                granted[k].push(now + wait);
                            }
                        }
                        Err((_, wait)) => {
                            prop_assert!(wait > max_wait);
                            prop_assert_eq!(&s, &before, "a refusal changes nothing");
                        }
                    }
                }
            }
            for (k, times) in granted.iter_mut().enumerate() {
                let l = limits[k];
                let checked = check_windows(times, l.permits(), l.burst_size(), nanos(l.period()));
                prop_assert!(checked.is_ok(), "{}: {:?}", l, checked);
            }
        }

        /// The window check finds exactly what the pair-by-pair one finds.
        #[test]
        fn the_window_check_is_the_pairwise_one(
            times in prop::collection::vec(0u64..5_000, 0..60),
            permits in 1u32..10,
            burst in 1u32..4,
        ) {
            let mut sorted = times.clone();
            let fast = check_windows(&mut sorted, permits, burst, 1_000).is_ok();
            prop_assert_eq!(fast, check_windows_naive(&times, permits, burst, 1_000));
        }
    }
}
