//! Tokens shared across replicas through Redis. Every test here runs for real: against
//! `REDIS_URL` when it is set (with its own key prefix), else against a private `redis-server`
//! it starts on a free port (and stops); without `redis-server` installed they fail, saying so.
//! Nothing is ever skipped.
//!
//! Regressions these guard against: a refresh lock without `NX` (two fetches per expiry), an
//! unlock that deletes another holder's lock (plain `DEL` instead of compare-and-delete), a dead
//! holder's lock that never lapses, a rejected token refetched by every replica, Redis going
//! down taking calls down with it.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::endpoint::Server;
use douyin_alliance::types::MaterialsProductCategoryRequest;
use douyin_alliance::{Client, TokenStore};
use douyin_sandbox::{Fault, Sandbox, SandboxConfig};
use e2e_tests::{err_data, ok_data, within, MockResponse, MockServer};

/// The Redis a test runs against: `REDIS_URL`, or a private server this test started (stopped
/// when the value is dropped).
pub(crate) struct TestRedis {
    url: String,
    _private: Option<PrivateRedis>,
}

impl std::ops::Deref for TestRedis {
    type Target = str;
    fn deref(&self) -> &str {
        &self.url
    }
}

pub(crate) fn redis() -> TestRedis {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => TestRedis { url, _private: None },
        _ => {
            let port = PrivateRedis::free_port();
            match PrivateRedis::start(port) {
                Some(r) => TestRedis { url: r.url(), _private: Some(r) },
                None => panic!(
                    "REDIS_URL is not set and no redis-server could be started on port {port}: install \
                     redis-server (e.g. `apt-get install redis-server`) or set REDIS_URL"
                ),
            }
        }
    }
}

/// A key prefix no other test or process uses.
pub(crate) fn unique_prefix(test: &str) -> String {
    format!("douyin-alliance-test:{test}:{}:{:x}", std::process::id(), rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn client(server: &MockServer, store: RedisTokenStore, lock_ttl: Duration) -> Client {
    server
        .client_builder()
        .token_store(Arc::new(store))
        .token_lock(lock_ttl, Duration::from_millis(20))
        .build()
        .unwrap()
}

/// A replica process pointed at the sandbox.
fn worker(sandbox: &Sandbox, redis: &str, prefix: &str, calls: usize, lock_ttl_ms: u64) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_token_worker"));
    c.args([
        sandbox.base_url(Server::OpenDouyin),
        sandbox.base_url(Server::OpenDouyinEc),
        redis.to_string(),
        prefix.to_string(),
        calls.to_string(),
        lock_ttl_ms.to_string(),
        Sandbox::CLIENT_KEY.to_string(),
    ])
    .env("TOKEN_WORKER_SECRET", Sandbox::CLIENT_SECRET)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    c
}

fn sandbox_client(sandbox: &Sandbox, redis: &str, prefix: &str, lock_ttl: Duration) -> Client {
    sandbox
        .client_builder()
        .token_store(Arc::new(RedisTokenStore::open(redis).unwrap().prefix(prefix.to_string())))
        .token_lock(lock_ttl, Duration::from_millis(20))
        .build()
        .unwrap()
}

/// 50 concurrent app calls, alternating between two replicas; every one must succeed.
async fn fifty_calls_across(a: &Client, b: &Client) {
    let calls: Vec<_> = (0..50)
        .map(|i| {
            let c = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move {
                c.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await
            })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_with_fifty_calls_each_fetch_one_client_token() {
    let redis = redis();
    let sandbox = Sandbox::start().await.unwrap();
    // A slow token endpoint, so all 400 calls really overlap the fetch.
    sandbox.inject("oauth_client_token", Fault::Latency(Duration::from_millis(300)), 1).unwrap();
    let prefix = unique_prefix("8proc");
    let children: Vec<Child> =
        (0..8).map(|_| worker(&sandbox, &redis, &prefix, 50, 10_000).spawn().unwrap()).collect();
    let outputs = within(60, async {
        tokio::task::spawn_blocking(move || {
            children.into_iter().map(|c| c.wait_with_output().unwrap()).collect::<Vec<_>>()
        })
        .await
        .unwrap()
    })
    .await;
    for o in &outputs {
        assert!(
            o.status.success(),
            "worker failed: {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "ok=50 failed=0");
    }
    assert_eq!(sandbox.client_token_requests(), 1, "exactly one client_token request for 8 processes");
    assert_eq!(sandbox.requests("materials_product_category"), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_killed_mid_refresh_is_replaced_after_the_lock_ttl() {
    let redis = redis();
    let sandbox = Sandbox::start().await.unwrap();
    // The first token request hangs; its process is killed meanwhile.
    sandbox.inject("oauth_client_token", Fault::Latency(Duration::from_secs(30)), 1).unwrap();
    let prefix = unique_prefix("kill");
    let mut holder = worker(&sandbox, &redis, &prefix, 1, 1_000).spawn().unwrap();
    within(20, async {
        while sandbox.client_token_requests() == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    holder.kill().unwrap();
    let _ = holder.wait();
    let c = sandbox_client(&sandbox, &redis, &prefix, Duration::from_secs(1));
    let result = within(20, c.materials_product_category(&MaterialsProductCategoryRequest::new(0))).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(sandbox.client_token_requests(), 2, "the dead holder's request and one replacement");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_platform_no_longer_accepts_is_refetched_once_for_every_replica() {
    let redis = redis();
    let sandbox = Sandbox::start().await.unwrap();
    let prefix = unique_prefix("revoked");
    let a = sandbox_client(&sandbox, &redis, &prefix, Duration::from_secs(5));
    let b = sandbox_client(&sandbox, &redis, &prefix, Duration::from_secs(5));
    let first = a.client_token().await.unwrap();
    assert_eq!(b.client_token().await.unwrap(), first, "the second replica takes the shared token");
    // Two hours pass on the platform's clock: the token is dead there, alive in the caches.
    sandbox.advance_clock(Duration::from_secs(2 * 3600 + 1));
    within(30, fifty_calls_across(&a, &b)).await;
    assert_eq!(sandbox.client_token_requests(), 2, "the first token and exactly one replacement");
    assert_ne!(a.client_token().await.unwrap(), first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_refreshed_once_for_every_replica() {
    let redis = redis();
    let sandbox = Sandbox::start_with(SandboxConfig::default().client_token_lifetime(Duration::from_secs(1)))
        .await
        .unwrap();
    let prefix = unique_prefix("expired");
    let mk = || {
        sandbox
            .client_builder()
            .token_store(Arc::new(RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone())))
            .token_refresh_margin(Duration::ZERO)
            .token_lock(Duration::from_secs(5), Duration::from_millis(20))
            .build()
            .unwrap()
    };
    let (a, b) = (mk(), mk());
    a.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    b.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    assert_eq!(sandbox.client_token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    within(30, fifty_calls_across(&a, &b)).await;
    assert_eq!(sandbox.client_token_requests(), 2, "one refresh after expiry for both replicas");
}

/// A private redis-server on a free port, stopped on drop. The shared server is never touched.
pub(crate) struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    pub(crate) fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }
    pub(crate) fn start(port: u16) -> Option<PrivateRedis> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut r = PrivateRedis { port, child: Some(child) };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(r);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        r.stop();
        None
    }
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
    pub(crate) fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopping_and_coming_back_is_survived() {
    // Always a private server: this test stops and restarts it.
    let port = PrivateRedis::free_port();
    let Some(mut redis) = PrivateRedis::start(port) else {
        panic!("redis-server could not be started on port {port}: install redis-server");
    };
    let server = MockServer::start().await;
    // Every token is rejected once by the API, so each call needs the store again.
    server.on("/oauth/client_token/", |_, i| {
        MockResponse::json(serde_json::json!({"data": {"access_token": format!("clt.r-{i}"), "expires_in": 7200, "error_code": 0}}))
    });
    server.on("/alliance/materials/product/category/", |req, _| {
        let token = req.header("access-token").unwrap_or_default();
        // Accept only odd tokens: each call invalidates an even one and refetches.
        let n: u64 = token.trim_start_matches("clt.r-").parse().unwrap_or(0);
        if n % 2 == 0 {
            MockResponse::json(err_data(10008, "access_token expired"))
        } else {
            MockResponse::json(ok_data(serde_json::json!({"total": 0, "category_list": []})))
        }
    });
    let store = RedisTokenStore::open(&redis.url()).unwrap().op_timeout(Duration::from_millis(300));
    let c = client(&server, store, Duration::from_secs(2));
    let req = MaterialsProductCategoryRequest::new(0);
    within(10, c.materials_product_category(&req)).await.unwrap();

    redis.stop();
    // Redis is down: the token is invalidated, the store fails, the client fetches directly.
    c.invalidate_client_token(&c.client_token().await.unwrap()).await;
    within(10, c.materials_product_category(&req)).await.expect("calls keep working while Redis is down");

    let mut redis = PrivateRedis::start(port).expect("restart redis-server");
    // Back up: the next refetch goes through the store again.
    c.invalidate_client_token(&c.client_token().await.unwrap()).await;
    within(10, c.materials_product_category(&req)).await.expect("calls work after Redis came back");
    let store = RedisTokenStore::open(&redis.url()).unwrap();
    let stored = within(10, async {
        loop {
            if let Ok(Some(t)) = store.get("test_client_key:client_token").await {
                break t;
            }
            c.invalidate_client_token(&c.client_token().await.unwrap()).await;
            c.materials_product_category(&req).await.unwrap();
        }
    })
    .await;
    assert!(stored.value.expose().starts_with("clt.r-"));
    redis.stop();
}

#[tokio::test]
async fn an_unlock_never_releases_a_lock_another_holder_took() {
    let redis = redis();
    let store = RedisTokenStore::open(&redis).unwrap().prefix(unique_prefix("unlock"));
    let a = store.try_lock("k", Duration::from_millis(100)).await.unwrap().expect("A takes the free lock");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let b = store.try_lock("k", Duration::from_secs(10)).await.unwrap();
    assert!(b.is_some(), "A's lock lapsed, so B takes it");
    // A, late, releases what it believes is its lock: B's must stay.
    store.unlock("k", &a).await.unwrap();
    let third = store.try_lock("k", Duration::from_secs(10)).await.unwrap();
    assert!(third.is_none(), "A's unlock released B's lock: unlock must compare the holder, not DEL");
    store.unlock("k", &b.unwrap()).await.unwrap();
    assert!(store.try_lock("k", Duration::from_secs(1)).await.unwrap().is_some(), "B's own unlock frees it");
}
