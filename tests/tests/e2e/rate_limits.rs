//! Rate limits as a fleet: replicas sharing one Redis stay under a shared limit, a throttled
//! endpoint cools down for every replica, and a Redis outage falls back to each process's share.
//! Against the sandbox, whose own limits answer 28003018 past them. Shared limits whose interval
//! is no whole number of milliseconds (7, 60, 600, 3,000 a second) run at their rate, never
//! above it; the shared GCRA holds `permits <= rate x window + burst` over every window of a
//! second or more for random rates, bursts and arrivals (a proptest against real Redis); one
//! permit is one Redis script, reserved in every limit of the call or in none.
//!
//! Regressions these guard against: a limiter per process only (N replicas send N times the
//! rate), a cool-down only the told replica honours, a limiter that fails calls when Redis is
//! down, millisecond arithmetic in Redis (16.67 ms taken as 16: 60/s ran at 62/s; nothing above
//! 1,000/s), a round trip per limit and per cool-down, an app permit spent on a call its
//! endpoint's limit then refused.

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::auth::store::{BoxFuture, StoreError};
use douyin_alliance::endpoint::{Endpoint, Server};
use douyin_alliance::limit::{HeldBy, KeyedLimit, Permit, PermitRequest, RateLimit, RateLimits, RateStore};
use douyin_alliance::types::MaterialsProductCategoryRequest;
use douyin_alliance::{Client, Hook, MemoryTokenStore, RetryPolicy, TokenStore};
use douyin_sandbox::{Fault, Sandbox, SandboxConfig};
use e2e_tests::within;
use futures_util::StreamExt;
use proptest::prelude::*;

use crate::redis_tokens::{redis, unique_prefix, PrivateRedis};

const ENDPOINT: &str = "materials_product_category";

/// Runs `processes` token_worker replicas of `calls` calls each against the sandbox at
/// `bases`; with `rate`, they share that limit through `redis`. The wall time until all exited.
fn run_workers(
    bases: &[String; 2],
    redis: &str,
    prefix: &str,
    processes: usize,
    calls: usize,
    rate: Option<u32>,
) -> Duration {
    let started = Instant::now();
    let children: Vec<_> = (0..processes)
        .map(|_| {
            let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_token_worker"));
            c.args([&bases[0], &bases[1], redis, prefix, &calls.to_string(), "2000", Sandbox::CLIENT_KEY])
                .env("TOKEN_WORKER_SECRET", Sandbox::CLIENT_SECRET)
                .env("TOKEN_WORKER_REPLICAS", processes.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            match rate {
                Some(r) => c.env("TOKEN_WORKER_RATE", r.to_string()),
                None => c.env_remove("TOKEN_WORKER_RATE"),
            };
            c.spawn().expect("token_worker starts")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        if rate.is_some() {
            assert!(out.status.success(), "a replica failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    started.elapsed()
}

async fn fleet(sandbox: &Sandbox, rate: Option<u32>, test: &str) -> Duration {
    let redis = redis();
    let bases = [sandbox.base_url(Server::OpenDouyin), sandbox.base_url(Server::OpenDouyinEc)];
    let (url, prefix) = (redis.to_string(), unique_prefix(test));
    let elapsed =
        tokio::task::spawn_blocking(move || run_workers(&bases, &url, &prefix, 8, 200, rate)).await.unwrap();
    drop(redis);
    elapsed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_share_fifty_per_second_and_are_never_refused() {
    // The platform (sandbox) refuses past 60 a second on the endpoint.
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().endpoint_rate_limit(ENDPOINT, 60)).await.unwrap();
    let elapsed = fleet(&sandbox, Some(50), "rate-shared").await;
    let served = sandbox.requests(ENDPOINT);
    let rate = served as f64 / elapsed.as_secs_f64();
    eprintln!("8 processes x 200 calls at a shared 50/s: {served} in {elapsed:?} = {rate:.1}/s");
    assert_eq!(sandbox.rate_limited(ENDPOINT), 0, "no call was refused 28003018");
    assert_eq!(served, 1600);
    assert!((45.0..=55.0).contains(&rate), "the fleet's rate {rate:.1}/s is within 10% of 50/s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_fleet_without_the_limiter_is_refused() {
    let sandbox =
        Sandbox::start_with(SandboxConfig::default().endpoint_rate_limit(ENDPOINT, 60)).await.unwrap();
    fleet(&sandbox, None, "rate-unlimited").await;
    assert!(sandbox.rate_limited(ENDPOINT) > 0, "without the limiter the platform refuses calls");
}

fn replica(sandbox: &Sandbox, limits: RateLimits) -> Client {
    sandbox.client_builder().retry(RetryPolicy::disabled()).rate_limits(limits).build().unwrap()
}

#[tokio::test]
async fn a_replica_told_too_frequent_pauses_the_endpoint_for_every_replica() {
    let redis = redis();
    let sandbox = Sandbox::start().await.unwrap();
    let prefix = unique_prefix("cool-down");
    let limits = || {
        let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
        RateLimits::new()
            .endpoint(ENDPOINT, RateLimit::per_second(1000))
            .shared(Arc::new(store), 0.5)
            .cool_down(Duration::from_millis(600))
    };
    let (a, b) = (replica(&sandbox, limits()), replica(&sandbox, limits()));
    let req = MaterialsProductCategoryRequest::new(0);
    a.client_token().await.unwrap();
    b.client_token().await.unwrap();
    sandbox.inject(ENDPOINT, Fault::RateLimited, 1).unwrap();
    let told = Instant::now();
    let err = a.materials_product_category(&req).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    let before = sandbox.requests(ENDPOINT);
    within(5, b.materials_product_category(&req))
        .await
        .expect("the other replica's call succeeds after the pause");
    let waited = told.elapsed();
    assert!(waited >= Duration::from_millis(550), "replica B waited for the cool-down: {waited:?}");
    assert_eq!(sandbox.requests(ENDPOINT), before + 1, "nothing reached the platform during the pause");
    // The pause ends on its own: an immediate next call does not wait.
    let t = Instant::now();
    b.materials_product_category(&req).await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(300), "{:?}", t.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_run_falls_back_to_the_local_share_and_comes_back() {
    // Always a private server: this test stops and restarts it.
    let port = PrivateRedis::free_port();
    let mut redis = PrivateRedis::start(port).expect("redis-server starts (install redis-server)");
    let sandbox = Sandbox::start().await.unwrap();
    let store = RedisTokenStore::open(&redis.url())
        .unwrap()
        .op_timeout(Duration::from_millis(200))
        .prefix("rate-outage");
    // 20/s shared; alone, a quarter of it: 5/s.
    let limits =
        RateLimits::new().endpoint(ENDPOINT, RateLimit::per_second(20)).shared(Arc::new(store), 0.25);
    let client = sandbox.client_builder().rate_limits(limits).build().unwrap();
    let req = MaterialsProductCategoryRequest::new(0);
    let ten_calls = || async {
        let t = Instant::now();
        for _ in 0..10 {
            client.materials_product_category(&req).await.unwrap();
        }
        t.elapsed()
    };
    let shared = within(10, ten_calls()).await;
    redis.stop();
    let alone = within(20, ten_calls()).await;
    let mut redis = PrivateRedis::start(port).expect("redis-server restarts");
    // A failed store is tried again once a second (and the connection re-established): soon
    // calls share again.
    let mut again = within(10, ten_calls()).await;
    for _ in 0..5 {
        if again < Duration::from_millis(700) {
            break;
        }
        again = within(10, ten_calls()).await;
    }
    eprintln!("10 calls: shared {shared:?}, Redis down {alone:?}, back {again:?}");
    assert!(shared < Duration::from_millis(700), "at 20/s: {shared:?}");
    assert!(alone >= Duration::from_millis(1700), "every call completed, at 5/s alone: {alone:?}");
    assert!(again < Duration::from_millis(700), "shared again at 20/s: {again:?}");
    let key_exists = {
        let c = ::redis::Client::open(redis.url()).unwrap();
        let mut conn = c.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> =
            ::redis::cmd("KEYS").arg("rate-outage:*rate*").query_async(&mut conn).await.unwrap();
        !keys.is_empty()
    };
    assert!(key_exists, "the permits live in Redis again");
    redis.stop();
}

/// Records when each call of [`ENDPOINT`] is sent: the hook runs right after its permit.
#[derive(Clone, Default)]
struct SendTimes(Arc<Mutex<Vec<Instant>>>);

impl Hook for SendTimes {
    fn on_request(&self, endpoint: &'static Endpoint, _: &mut reqwest::Request) {
        if endpoint.name == ENDPOINT {
            self.0.lock().unwrap().push(Instant::now());
        }
    }
}

/// What one shared rate achieved: permits sent, the window from the first to the last, and how
/// far the permit times measured may be off their true times.
struct Achieved {
    rate: u32,
    sent: usize,
    window: Duration,
    slack: Duration,
}

impl Achieved {
    fn of(rate: u32, times: &[Duration], slack: Duration) -> Achieved {
        let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
            panic!("nothing was sent at {rate}/s");
        };
        Achieved { rate, sent: times.len(), window: *last - *first, slack }
    }

    /// The achieved rate over the window, `(sent - 1) / window`, as a share of the limit.
    fn ratio(&self) -> f64 {
        (self.sent - 1) as f64 / self.window.as_secs_f64() / f64::from(self.rate)
    }
}

/// `lanes` callers of [`ENDPOINT`] one call after the other for `run`, under a shared
/// `per_second(rate)` app limit in Redis. The clients of one sandbox share `tokens` (a fetch of
/// its own would retire the others' client_token).
async fn saturate_client(
    sandbox: &Sandbox,
    tokens: Arc<dyn TokenStore>,
    redis: &str,
    rate: u32,
    lanes: usize,
    run: Duration,
) -> Achieved {
    let store = RedisTokenStore::open(redis).unwrap().prefix(unique_prefix(&format!("exact-client-{rate}")));
    let times = SendTimes::default();
    let client = sandbox
        .client_builder()
        .retry(RetryPolicy::disabled())
        .rate_limits(RateLimits::new().app(RateLimit::per_second(rate)).shared(Arc::new(store), 1.0))
        .hook(times.clone())
        .token_store(tokens)
        .build()
        .unwrap();
    let until = Instant::now() + run;
    let tasks: Vec<_> = (0..lanes)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let req = MaterialsProductCategoryRequest::new(0);
                while Instant::now() < until {
                    client.materials_product_category(&req).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let times = times.0.lock().unwrap().clone();
    let start = times.iter().min().copied().unwrap_or(until);
    let times: Vec<Duration> = times.iter().map(|t| *t - start).collect();
    // A permit is sent later than its time on Redis's clock, by a delay that varies (the
    // answer's way back, the timer's wake-up, and on a loaded 2-core machine the scheduler: a
    // first send 3 ms late was seen): 20 ms. The bug this guards against is larger: a
    // millisecond floor ran 7/s 39 ms fast over this window, 60/s about 170 ms.
    Achieved::of(rate, &times, Duration::from_millis(20))
}

/// `lanes` callers asking the Redis store for permits of a shared `per_second(rate)` limit as
/// the client's limiter does (one question with the limit and the app's and an endpoint's
/// cool-downs, then a sleep for the wait), for `run`: the limiter without the HTTP call, whose
/// cost would bound the rate on a small machine. The permit times are exact: Redis's clock at
/// the grant plus the wait.
async fn saturate_store(redis: &str, rate: u32, lanes: usize, run: Duration) -> Achieved {
    let store =
        Arc::new(RedisTokenStore::open(redis).unwrap().prefix(unique_prefix(&format!("exact-store-{rate}"))));
    let times = Arc::new(Mutex::new(Vec::new()));
    let until = Instant::now() + run;
    let tasks: Vec<_> = (0..lanes)
        .map(|_| {
            let (store, times) = (store.clone(), times.clone());
            tokio::spawn(async move {
                let limits = [KeyedLimit { key: "rate-us:app", limit: RateLimit::per_second(rate) }];
                let cool_downs = ["rate:cool:app", &format!("rate:cool:{ENDPOINT}")];
                loop {
                    // Permits that would come after the run are not taken: the lane ends.
                    let max_wait = until.saturating_duration_since(Instant::now());
                    let request = PermitRequest { limits: &limits, cool_downs: &cool_downs, max_wait };
                    match store.permit(request).await.unwrap() {
                        Permit::Granted { wait, clock } => {
                            times.lock().unwrap().push(clock + wait);
                            tokio::time::sleep(wait).await;
                        }
                        Permit::Refused { .. } => break,
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let times = times.lock().unwrap().clone();
    Achieved::of(rate, &times, Duration::ZERO)
}

/// Prints what each rate achieved and checks `permits <= rate x window + burst` (burst 1) over
/// the whole window for every rate; `from_below` says which rates must also reach 0.97 of it.
fn check_achieved(how: &str, achieved: &[Achieved], from_below: impl Fn(u32) -> bool) {
    for a in achieved {
        eprintln!(
            "per_second({}) shared, 16 callers, {how}: {} permits in {:?} = {:.2}/s ({:.4} of the rate)",
            a.rate,
            a.sent,
            a.window,
            (a.sent - 1) as f64 / a.window.as_secs_f64(),
            a.ratio()
        );
    }
    for a in achieved {
        assert!(a.window >= Duration::from_secs(4), "{}/s measured over {:?}", a.rate, a.window);
        // sent - 1 <= rate x window, in whole nanoseconds.
        let window = (a.window + a.slack).as_nanos();
        assert!(
            (a.sent as u128 - 1) * 1_000_000_000 <= u128::from(a.rate) * window,
            "{}/s: {} permits in {:?} (+ {:?} for measuring)",
            a.rate,
            a.sent,
            a.window,
            a.slack
        );
        if from_below(a.rate) {
            assert!(a.ratio() >= 0.97, "{}/s achieved only {:.4} of its rate", a.rate, a.ratio());
        }
    }
}

// Before microseconds: 60/s ran at 62.2/s, 600/s at 999.5/s, 3,000/s at 999.9/s.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_limiter_runs_rates_that_are_no_whole_milliseconds_at_their_rate_never_above() {
    let redis = redis();
    // The four concurrently, each under its own keys: one 4.3 s run for all.
    let run = Duration::from_millis(4_300);
    let achieved =
        futures_util::future::join_all([7, 60, 600, 3_000].map(|rate| saturate_store(&redis, rate, 16, run)))
            .await;
    // 3,000/s may be bounded by this 2-core machine (running the other tests too): its achieved
    // rate is printed, and checked from above only.
    check_achieved("through the store", &achieved, |rate| rate < 3_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_under_shared_rates_that_are_no_whole_milliseconds_send_at_their_rate_never_above() {
    let redis = redis();
    let sandbox = Sandbox::start().await.unwrap();
    let tokens: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    sandbox.client_builder().token_store(tokens.clone()).build().unwrap().client_token().await.unwrap();
    // Calls of a debug build against the sandbox in this process cost too much CPU for the
    // higher rates on a small machine; those are the store test's.
    let run = Duration::from_millis(4_300);
    let achieved = futures_util::future::join_all(
        [7, 60].map(|rate| saturate_client(&sandbox, tokens.clone(), &redis, rate, 16, run)),
    )
    .await;
    check_achieved("clients against the sandbox", &achieved, |_| true);
}

/// Over every window of at least a second, the permit times (µs, any order) number at most
/// `rate x window + burst` of `limit` (per second); in O(n log n): the windows of one second by
/// two pointers, the longer ones by a running minimum (a pair `i < j` breaks the bound when
/// `(j - i + 1 - burst) x 1 s > rate x (t_j - t_i)`).
fn check_windows(times: &mut [u64], limit: RateLimit) -> Result<(), String> {
    times.sort_unstable();
    let (rate, burst, second) = (i128::from(limit.permits()), i128::from(limit.burst_size()), 1_000_000i128);
    let t = |k: usize| i128::from(times[k]);
    let mut j = 0;
    for i in 0..times.len() {
        j = j.max(i);
        while j + 1 < times.len() && t(j + 1) - t(i) <= second {
            j += 1;
        }
        let count = (j - i + 1) as i128;
        if count > rate + burst {
            return Err(format!("{count} permits within a second from {} µs at {limit}", t(i)));
        }
    }
    let g = |k: usize| k as i128 * second - rate * t(k);
    let (mut low, mut low_at, mut i) = (i128::MAX, 0, 0);
    for j in 0..times.len() {
        while i < j && t(j) - t(i) > second {
            if g(i) < low {
                (low, low_at) = (g(i), i);
            }
            i += 1;
        }
        if low != i128::MAX && g(j) + (1 - burst) * second > low {
            let (count, window) = (j - low_at + 1, t(j) - t(low_at));
            return Err(format!("{count} permits in {window} µs at {limit}"));
        }
    }
    Ok(())
}

/// A random limit: 1-5,000 a second, bursts of 1-20.
fn limit() -> impl Strategy<Value = RateLimit> {
    (1u32..=5_000, 1u32..=20).prop_map(|(r, b)| RateLimit::per_second(r).burst(b))
}

/// `(count, pause, which, max_wait, together)`: see [`segments`].
type Segment = (usize, u64, usize, Duration, usize);

/// An arrival pattern: segments of `count` calls, asked `together` to a question (as the
/// limiter batches calls that come at once), one question after the other (a round trip
/// apart), after a pause (ms, often none), each allowed to wait `max_wait`, under the first
/// limit, the second or both (`which`).
fn segments() -> impl Strategy<Value = Vec<Segment>> {
    prop::collection::vec(
        (
            1usize..=600,
            prop_oneof![2 => Just(0u64), 1 => 0u64..40],
            0usize..3,
            prop_oneof![Just(Duration::ZERO), (0u64..3_000).prop_map(Duration::from_millis)],
            prop_oneof![Just(1usize), 1usize..=64],
        ),
        1..6,
    )
}

static REDIS_CASE: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    /// The shared GCRA in Redis: random rates, bursts and arrivals; the permit times are
    /// Redis's clock at the grant plus the wait it returned (no sleeping for the permits:
    /// their schedule runs ahead of the arrivals, up to each call's max wait).
    #[test]
    fn the_shared_gcra_never_exceeds_a_rate(
        limits in prop::collection::vec(limit(), 1..=2),
        segments in segments(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let redis = redis();
        let case = REDIS_CASE.fetch_add(1, Ordering::Relaxed);
        let store = RedisTokenStore::open(&redis).unwrap().prefix(unique_prefix(&format!("gcra-{case}")));
        let keys = ["a", "b"];
        let granted: Vec<Vec<u64>> = rt.block_on(async {
            let mut granted = vec![Vec::new(); limits.len()];
            for (count, pause, which, max_wait, together) in segments {
                if pause > 0 {
                    tokio::time::sleep(Duration::from_millis(pause)).await;
                }
                let under: Vec<usize> = match (which, limits.len()) {
                    (_, 1) | (2, _) => (0..limits.len()).collect(),
                    (w, _) => vec![w],
                };
                let ks: Vec<KeyedLimit<'_>> =
                    under.iter().map(|&k| KeyedLimit { key: keys[k], limit: limits[k] }).collect();
                let mut permits = Vec::with_capacity(count);
                for n in (0..count).step_by(together).map(|from| together.min(count - from)) {
                    if n == 1 {
                        let request = PermitRequest { limits: &ks, cool_downs: &[], max_wait };
                        permits.push(store.permit(request).await.unwrap());
                    } else {
                        permits.extend(store.permits(&ks, &[], &vec![max_wait; n]).await.unwrap());
                    }
                }
                assert_eq!(permits.len(), count);
                for permit in permits {
                    match permit {
                        Permit::Granted { wait, clock } => {
                            assert!(wait <= max_wait, "{wait:?} > {max_wait:?}");
                            let at = u64::try_from((clock + wait).as_micros()).unwrap();
                            for &k in &under {
                                granted[k].push(at);
                            }
                        }
                        Permit::Refused { held_by: HeldBy::Limit(i), wait } => {
                            assert!(wait > max_wait && i < ks.len(), "{permit:?}");
                        }
                        Permit::Refused { .. } => panic!("no cool-down was asked for: {permit:?}"),
                    }
                }
            }
            granted
        });
        for (k, mut times) in granted.into_iter().enumerate() {
            let checked = check_windows(&mut times, limits[k]);
            prop_assert!(checked.is_ok(), "{:?}", checked);
        }
    }
}

async fn ask(store: &RedisTokenStore, limits: &[KeyedLimit<'_>], cool_downs: &[&str], max_ms: u64) -> Permit {
    let max_wait = Duration::from_millis(max_ms);
    store.permit(PermitRequest { limits, cool_downs, max_wait }).await.unwrap()
}

#[tokio::test]
async fn a_permit_is_reserved_in_every_limit_or_in_none() {
    let redis = redis();
    let prefix = unique_prefix("all-or-none");
    let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
    let app = KeyedLimit { key: "app", limit: RateLimit::per_second(1).burst(2) };
    let own = KeyedLimit { key: "own", limit: RateLimit::per_second(1) };
    let now = |p: Permit| matches!(p, Permit::Granted { wait, .. } if wait.is_zero());
    assert!(now(ask(&store, &[app, own], &[], 0).await));
    // The endpoint's next permit is a second away: refused, and the app's is not spent...
    let refused = ask(&store, &[app, own], &[], 10).await;
    assert!(
        matches!(refused, Permit::Refused { held_by: HeldBy::Limit(1), wait } if wait > Duration::from_millis(900)),
        "{refused:?}"
    );
    // ...so the app's burst of 2 still has one now, and then none.
    assert!(now(ask(&store, &[app], &[], 0).await));
    let refused = ask(&store, &[app], &[], 0).await;
    assert!(matches!(refused, Permit::Refused { held_by: HeldBy::Limit(0), .. }), "{refused:?}");

    // A cool-down holds the call, exact to the microsecond, and its key has a TTL that an older
    // version (which reads PTTL) honours too.
    store.cool_down("cool", Duration::from_millis(300)).await.unwrap();
    store.cool_down("cool", Duration::from_millis(5)).await.unwrap();
    let fresh = KeyedLimit { key: "fresh", limit: RateLimit::per_second(1000) };
    let refused = ask(&store, &[fresh], &["other", "cool"], 100).await;
    let Permit::Refused { held_by: HeldBy::CoolDown(1), wait } = refused else { panic!("{refused:?}") };
    assert!(
        wait > Duration::from_millis(250) && wait <= Duration::from_millis(300),
        "the longer pause stays: {wait:?}"
    );
    let mut conn = ::redis::Client::open(&*redis).unwrap().get_multiplexed_async_connection().await.unwrap();
    let pttl: i64 = ::redis::cmd("PTTL").arg(format!("{prefix}:cool")).query_async(&mut conn).await.unwrap();
    assert!((200..=300).contains(&pttl), "PTTL {pttl}");
    // A pause an older version wrote (`1` with a TTL) holds the call too.
    let _: () = ::redis::cmd("SET")
        .arg(format!("{prefix}:old"))
        .arg(1)
        .arg("PX")
        .arg(400)
        .query_async(&mut conn)
        .await
        .unwrap();
    let refused = ask(&store, &[fresh], &["old"], 100).await;
    let Permit::Refused { held_by: HeldBy::CoolDown(0), wait } = refused else { panic!("{refused:?}") };
    assert!(wait > Duration::from_millis(300), "{wait:?}");
    // The refused calls reserved nothing: the limit still has its permit now.
    assert!(now(ask(&store, &[fresh], &["other"], 0).await));
    // A question with nothing in it is answered too.
    assert!(now(ask(&store, &[], &[], 0).await));
}

/// A shared store that counts the questions it is asked and the permits they ask for.
struct Counting {
    inner: RedisTokenStore,
    questions: AtomicUsize,
    permits: AtomicUsize,
}

impl RateStore for Counting {
    fn answers_many(&self) -> bool {
        self.inner.answers_many()
    }
    fn permit<'a>(&'a self, request: PermitRequest<'a>) -> BoxFuture<'a, Result<Permit, StoreError>> {
        self.questions.fetch_add(1, Ordering::Relaxed);
        self.permits.fetch_add(1, Ordering::Relaxed);
        self.inner.permit(request)
    }
    fn permits<'a>(
        &'a self,
        limits: &'a [KeyedLimit<'a>],
        cool_downs: &'a [&'a str],
        max_waits: &'a [Duration],
    ) -> BoxFuture<'a, Result<Vec<Permit>, StoreError>> {
        self.questions.fetch_add(1, Ordering::Relaxed);
        self.permits.fetch_add(max_waits.len(), Ordering::Relaxed);
        self.inner.permits(limits, cool_downs, max_waits)
    }
    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.cool_down(key, d)
    }
}

/// `calls=` per command of Redis's `INFO commandstats`.
async fn command_calls(conn: &mut ::redis::aio::MultiplexedConnection) -> Vec<(String, u64)> {
    let info: String = ::redis::cmd("INFO").arg("commandstats").query_async(conn).await.unwrap();
    info.lines()
        .filter_map(|l| {
            let (name, rest) = l.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest.strip_prefix("calls=")?.split(',').next()?.parse().ok()?;
            Some((name.to_string(), calls))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_permit_is_one_redis_script_for_every_limit_and_cool_down() {
    // A private server: its command statistics are this test's alone.
    let redis =
        PrivateRedis::start(PrivateRedis::free_port()).expect("redis-server starts (install redis-server)");
    let sandbox = Sandbox::start().await.unwrap();
    let store = Arc::new(Counting {
        inner: RedisTokenStore::open(&redis.url()).unwrap(),
        questions: AtomicUsize::new(0),
        permits: AtomicUsize::new(0),
    });
    // An app limit, the endpoint's own and both cool-downs: four keys, one question.
    let limits = RateLimits::new()
        .app(RateLimit::per_second(100_000))
        .endpoint(ENDPOINT, RateLimit::per_second(50_000))
        .shared(store.clone(), 1.0);
    let client = replica(&sandbox, limits);
    let req = MaterialsProductCategoryRequest::new(0);
    // The first call fetches the token (a permit of its own) and loads the script.
    client.materials_product_category(&req).await.unwrap();
    let mut conn =
        ::redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let _: () = ::redis::cmd("CONFIG").arg("RESETSTAT").query_async(&mut conn).await.unwrap();
    let before = store.questions.load(Ordering::Relaxed);
    const CALLS: u64 = 40;
    for _ in 0..CALLS {
        client.materials_product_category(&req).await.unwrap();
    }
    assert_eq!(store.questions.load(Ordering::Relaxed) - before, CALLS as usize, "one question per call");
    let calls = command_calls(&mut conn).await;
    let count = |name: &str| calls.iter().find(|(n, _)| n == name).map_or(0, |(_, c)| *c);
    assert_eq!(count("evalsha"), CALLS, "one script per permit: {calls:?}");
    assert_eq!(count("time"), CALLS, "one clock reading per permit: {calls:?}");
    // Everything else Redis ran was inside those scripts (or this test's own CONFIG).
    let script = ["evalsha", "time", "mget", "set", "pttl", "config|resetstat"];
    assert!(calls.iter().all(|(n, _)| script.contains(&n.as_str())), "{calls:?}");

    // Calls that come together share questions: every call has its permit, in fewer scripts.
    let _: () = ::redis::cmd("CONFIG").arg("RESETSTAT").query_async(&mut conn).await.unwrap();
    let (questions, permits) =
        (store.questions.load(Ordering::Relaxed), store.permits.load(Ordering::Relaxed));
    const TOGETHER: usize = 256;
    let sent = futures_util::stream::iter(0..TOGETHER)
        .map(|_| client.materials_product_category(&req))
        .buffer_unordered(64)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;
    assert_eq!(sent, TOGETHER, "every call was sent");
    let asked = store.questions.load(Ordering::Relaxed) - questions;
    assert_eq!(store.permits.load(Ordering::Relaxed) - permits, TOGETHER, "one permit per call");
    assert!(asked < TOGETHER, "{asked} questions for {TOGETHER} calls at concurrency 64");
    let calls = command_calls(&mut conn).await;
    assert_eq!(count_of(&calls, "evalsha"), asked as u64, "one script per question: {calls:?}");
}

fn count_of(calls: &[(String, u64)], name: &str) -> u64 {
    calls.iter().find(|(n, _)| n == name).map_or(0, |(_, c)| *c)
}

#[tokio::test]
async fn a_question_for_many_permits_is_answered_as_if_asked_one_by_one() {
    let (redis, prefix) = (redis(), unique_prefix("batch"));
    let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
    let limit = KeyedLimit { key: "app", limit: RateLimit::per_second(10).burst(3) };
    let second = Duration::from_secs(1);
    // The fourth may not wait; the fifth may wait a second.
    let max_waits = [second, second, second, Duration::from_millis(10), second, Duration::ZERO];
    let permits = store.permits(&[limit], &["cool"], &max_waits).await.unwrap();
    let wait = |p: &Permit| match p {
        Permit::Granted { wait, .. } => Some(*wait),
        Permit::Refused { .. } => None,
    };
    let clocks: Vec<Duration> = permits
        .iter()
        .filter_map(|p| if let Permit::Granted { clock, .. } = p { Some(*clock) } else { None })
        .collect();
    assert!(clocks.windows(2).all(|w| w[0] == w[1]), "one clock reading for all: {permits:?}");
    // A burst of three, then one every 100 ms, exact to the microsecond; the refused ones
    // reserve nothing.
    let waits: Vec<Option<Duration>> = permits.iter().map(wait).collect();
    let ms = |n| Some(Duration::from_millis(n));
    assert_eq!(waits, [ms(0), ms(0), ms(0), None, ms(100), None], "{permits:?}");
    assert!(
        matches!(permits[3], Permit::Refused { held_by: HeldBy::Limit(0), wait } if wait == Duration::from_millis(100))
    );
    // A cool-down holds every permit of the question.
    store.cool_down("cool", Duration::from_millis(500)).await.unwrap();
    let held = store.permits(&[limit], &["cool"], &[Duration::ZERO; 3]).await.unwrap();
    assert!(
        held.iter().all(|p| matches!(p, Permit::Refused { held_by: HeldBy::CoolDown(0), .. })),
        "{held:?}"
    );
    // A pause an older version wrote (`1` with a TTL) holds them too, and a question that
    // reserved nothing writes nothing.
    let mut conn = ::redis::Client::open(&*redis).unwrap().get_multiplexed_async_connection().await.unwrap();
    let old = format!("{prefix}:old");
    let _: () = ::redis::cmd("SET").arg(&old).arg(1).arg("PX").arg(400).query_async(&mut conn).await.unwrap();
    let fresh = KeyedLimit { key: "fresh", limit: RateLimit::per_second(10) };
    let held = store.permits(&[fresh], &["old"], &[Duration::from_millis(100); 2]).await.unwrap();
    assert!(
        held.iter().all(|p| matches!(p, Permit::Refused { held_by: HeldBy::CoolDown(0), .. })),
        "{held:?}"
    );
    let written: bool =
        ::redis::cmd("EXISTS").arg(format!("{prefix}:fresh")).query_async(&mut conn).await.unwrap();
    assert!(!written, "a question that reserved nothing wrote the limit's key");
    // No question at all is an empty answer.
    assert_eq!(store.permits(&[limit], &[], &[]).await.unwrap(), []);
}
