//! Rate limits as a fleet: replicas sharing one Redis stay under a shared limit, a throttled
//! endpoint cools down for every replica, and a Redis outage falls back to each process's share.
//! Against the sandbox, whose own limits answer 28003018 past them.
//!
//! Regressions these guard against: a limiter per process only (N replicas send N times the
//! rate), a cool-down only the told replica honours, a limiter that fails calls when Redis is
//! down.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::endpoint::Server;
use douyin_alliance::limit::{RateLimit, RateLimits};
use douyin_alliance::types::MaterialsProductCategoryRequest;
use douyin_alliance::{Client, RetryPolicy};
use douyin_sandbox::{Fault, Sandbox, SandboxConfig};
use e2e_tests::within;

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
