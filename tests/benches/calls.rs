//! Call throughput against the sandbox on 127.0.0.1: the SDK side by side with a hand-written
//! loop of raw `reqwest` + `serde_json` making the same requests (the practical limit).
//!
//! Three endpoints, each at concurrency 1 and 64:
//! - `materials_product_category` (client_token): the SDK fetches, caches and sends the token;
//!   the raw loop fetches its own token once, up front;
//! - `kol_store_list` (a user's access_token, `open_id` in the query), a full page of 20;
//! - `buyin_kol_product_share` (the Doudian gateway, a creator's token; paired only,
//!   `calls_gateway_c1` / `calls_gateway_c64`): the SDK signs every attempt; the raw loop
//!   serialises the request, signs it with the same `signing::sign` and sends it by hand.
//!
//! One criterion iteration is a batch of [`BATCH`] requests run with the given concurrency, so
//! the throughput criterion prints is requests per second. Both sides send the same URL,
//! headers and JSON body and decode the same typed response from the `data` field. Target: the
//! SDK reaches at least 90% of the raw loop's throughput, and the SDK fetches the client_token
//! exactly once for the whole run (checked at the end).
//!
//! The drift recorder's cost is measured paired only: `kol_store_list` through a client with
//! `record_drift` on against the same call without it, at concurrency 1 and 64
//! (`recorder_user_c1`, `recorder_user_c64`; target ≤ 2%, a ratio ≥ 0.98).
//!
//! The rate limiter's cost is measured paired only: the SDK with a limit far above the load
//! against the SDK without one, at concurrency 64, with the limiter local (`limiter_local_c64`)
//! and shared through the Redis at `REDIS_URL` (`limiter_redis_c64`: the calls of the endpoint
//! that come while a question is out share the next one, one script, one loopback round trip;
//! the limit's 1 µs interval never binds). Beside it, what one round trip per call would cost
//! on the same machine:
//! `redis_round_trip_c64`, the same calls each preceded by one `PING` on a multiplexed Redis
//! connection, against the calls alone.
//!
//! Run with `cargo bench -p e2e-tests --bench calls` (or `cargo xtask bench` for every figure);
//! a filter (`cargo bench -p e2e-tests --bench calls -- limiter`) selects criterion's groups and
//! the paired ones alike. After criterion, a paired measurement runs both sides in alternating
//! batches in the same period (`DOUYIN_BENCH_PAIRED_ROUNDS` rounds, default 30), which cancels
//! drift in the machine's load between criterion's two measurements. With `DOUYIN_BENCH_REPORT_DIR` set, the
//! token check and the paired figures are also written to
//! `$DOUYIN_BENCH_REPORT_DIR/calls_report.json` for the report.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput};
use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::endpoint::{Authority, Server};
use douyin_alliance::limit::{RateLimit, RateLimits};
use douyin_alliance::signing::{self, SignMethod, Signed};
use douyin_alliance::types::{
    AccessTokenRequest, DoudianTokenCreateRequest, KolMaterialsProductsSearchRequest, KolProductShareData,
    KolProductShareRequest, KolStoreListData, KolStoreListRequest, MaterialsProductCategoryData,
    MaterialsProductCategoryRequest, StoreAddProduct, StoreAddRequest,
};
use douyin_alliance::{
    ApiObject, Client, DoudianAuth, DoudianClient, MemoryTokenStore, TokenStore, UserAuth, UserClient,
    DEFAULT_USER_AGENT, TOKEN_HEADER,
};
use douyin_sandbox::{Sandbox, SandboxConfig};
use e2e_tests::bench;
use futures_util::StreamExt;
use reqwest::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Requests per criterion iteration.
const BATCH: usize = 256;
/// The concurrency levels measured.
const CONCURRENCY: [usize; 2] = [1, 64];
/// Products in the creator's showcase: one full page of `kol_store_list`.
const SHOWCASE: usize = 20;

/// Everything both sides call.
struct Fixture {
    sandbox: Sandbox,
    sdk: Client,
    user: UserClient,
    raw: Raw,
    /// Calls the SDK made to the client-token endpoint `materials_product_category`.
    sdk_client_token_calls: AtomicUsize,
    /// client_token requests that were not the SDK's (the raw loop's own fetch).
    other_token_fetches: usize,
    /// The SDK with a local rate limit far above the load.
    limited_local: Client,
    /// The SDK with a Redis-shared rate limit far above the load (with REDIS_URL).
    limited_redis: Option<Client>,
    /// A multiplexed connection to that Redis, for one PING per call.
    redis: Option<redis::aio::ConnectionManager>,
    /// The creator's calls through a client with the drift recorder on.
    recording: UserClient,
    /// The creator on the Doudian gateway.
    kol: DoudianClient,
    /// A product the gateway shares.
    share_url: String,
}

/// The hand-written side: a plain `reqwest::Client`, precomputed URLs and the tokens.
struct Raw {
    http: reqwest::Client,
    category_url: String,
    store_list_url: String,
    client_token: String,
    access_token: String,
    /// Calls the raw loop made to the client-token endpoint.
    client_token_calls: AtomicUsize,
    /// `https://…/buyin/kolProductShare` on the sandbox's gateway.
    gateway_url: String,
    /// The creator's Doudian token.
    doudian_token: String,
}

/// The gateway's answer, the part the raw loop reads.
#[derive(Deserialize)]
struct RawGateway<T> {
    code: i64,
    data: T,
}

/// The `data` field of a `data` + `extra` answer, the one part the raw loop reads.
#[derive(Deserialize)]
struct RawAnswer<T> {
    data: T,
}

impl Raw {
    /// One POST with a JSON body, decoded into `T` from `data`; panics on any failure (the
    /// figures would be meaningless).
    async fn call<Req: Serialize, T: DeserializeOwned + ApiObject>(
        &self,
        url: &str,
        token: &str,
        req: &Req,
    ) -> T {
        let body = serde_json::to_vec(req).expect("the request serializes");
        let resp = self
            .http
            .post(url)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, DEFAULT_USER_AGENT)
            .header(CONTENT_TYPE, "application/json")
            .header(TOKEN_HEADER, token)
            .body(body)
            .send()
            .await
            .expect("the sandbox answers");
        assert!(resp.status().is_success(), "HTTP {}", resp.status());
        let bytes = resp.bytes().await.expect("the body arrives");
        let answer: RawAnswer<T> = serde_json::from_slice(&bytes).expect("the answer decodes");
        let code = answer.data.extra_fields().get("error_code");
        assert_eq!(code, Some(&Value::from(0)), "the call failed: {}", String::from_utf8_lossy(&bytes));
        answer.data
    }

    async fn category(&self) -> usize {
        self.client_token_calls.fetch_add(1, Ordering::Relaxed);
        let req = MaterialsProductCategoryRequest::new(0);
        let d: MaterialsProductCategoryData = self.call(&self.category_url, &self.client_token, &req).await;
        d.category_list.len()
    }

    async fn store_list(&self) -> usize {
        let req = KolStoreListRequest::new(1, SHOWCASE as i64);
        let d: KolStoreListData = self.call(&self.store_list_url, &self.access_token, &req).await;
        d.results.len()
    }

    /// One signed gateway call by hand: JSON body, timestamp, sign, query, decode.
    async fn share(&self, product_url: &str) -> usize {
        let req = KolProductShareRequest::new(product_url, "dy_107_bench_1");
        let body = serde_json::to_string(&req).expect("the request serializes");
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            .to_string();
        let method = "buyin.kolProductShare";
        let signed =
            Signed { app_key: Sandbox::DOUDIAN_APP_KEY, method, param_json: &body, timestamp: &timestamp };
        let sign = signing::sign(&signed, Sandbox::DOUDIAN_APP_SECRET, SignMethod::HmacSha256);
        let query = [
            ("app_key", Sandbox::DOUDIAN_APP_KEY),
            ("method", method),
            ("access_token", &self.doudian_token),
            ("timestamp", &timestamp),
            ("v", "2"),
            ("sign_method", "hmac-sha256"),
            ("sign", &sign),
        ];
        let resp = self
            .http
            .post(&self.gateway_url)
            .query(&query)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, DEFAULT_USER_AGENT)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .expect("the sandbox answers");
        let bytes = resp.bytes().await.expect("the body arrives");
        let answer: RawGateway<KolProductShareData> =
            serde_json::from_slice(&bytes).expect("the answer decodes");
        assert_eq!(answer.code, 10000, "the call failed: {}", String::from_utf8_lossy(&bytes));
        answer.data.dy_password.map_or(0, |p| p.len())
    }
}

impl Fixture {
    async fn start() -> Fixture {
        let config = SandboxConfig::default()
            // The raw loop's token and the SDK's must both stay valid for the whole run; by
            // default a newer client_token leaves the previous one only 5 minutes.
            .client_token_grace(Duration::from_secs(2 * 3600))
            .seeded_products(3 * SHOWCASE)
            // Keep the counters, not every request.
            .log_capacity(0);
        let sandbox = Sandbox::start_with(config).await.expect("the sandbox starts");
        let token_store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
        let sdk =
            sandbox.client_builder().token_store(token_store.clone()).build().expect("the client builds");

        // The creator authorizes the app; the showcase holds more than a page of products (some
        // of the catalog cannot be promoted and fails to add).
        let code = sandbox.authorize("bench-creator", &["user_info", "alliance.kol.store_manage"]);
        let tokens =
            sdk.oauth_access_token(&AccessTokenRequest::new(code)).await.expect("the code exchanges");
        let auth = UserAuth::new(tokens.open_id.clone(), tokens.access_token.clone());
        let user = sdk.user(&auth);
        let mut products = Vec::new();
        for page in 1..=3 {
            let found = user
                .kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(page, 20))
                .await
                .expect("the search answers");
            products
                .extend(found.products.into_iter().filter_map(|p| p.product_id).map(StoreAddProduct::new));
        }
        for chunk in products.chunks(20) {
            let req = StoreAddRequest::new(chunk.to_vec(), false, "bench");
            user.store_add(&req).await.expect("the products are added");
        }
        let page = user.kol_store_list(&KolStoreListRequest::new(1, SHOWCASE as i64)).await.expect("list");
        assert_eq!(page.results.len(), SHOWCASE, "the showcase should hold a full page");

        // The raw loop fetches its client_token once, by hand. Its pooled connections are
        // dropped after 5 s idle: the sandbox closes one idle for its header-read timeout
        // (10 s), and reusing it as it closes fails the request (`IncompleteMessage`) after a
        // criterion period of the other side.
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .expect("a reqwest client");
        let token_url = format!("{}{}", sandbox.base_url(Server::OpenDouyin), path("oauth_client_token"));
        let before = sandbox.client_token_requests();
        let resp = http
            .post(&token_url)
            .header(CONTENT_TYPE, "application/json")
            .body(
                serde_json::json!({
                    "client_key": Sandbox::CLIENT_KEY,
                    "client_secret": Sandbox::CLIENT_SECRET,
                    "grant_type": "client_credential",
                })
                .to_string(),
            )
            .send()
            .await
            .expect("the token endpoint answers");
        let bytes = resp.bytes().await.expect("the token answer arrives");
        let body: Value = serde_json::from_slice(&bytes).expect("the token answer is JSON");
        let client_token = body["data"]["access_token"].as_str().expect("a client_token").to_string();
        let other_token_fetches = sandbox.client_token_requests() - before;

        // The creator authorizes the app's Doudian app; a product of the catalog to share.
        let created = sdk
            .doudian_token_create(&DoudianTokenCreateRequest::new(
                sandbox.doudian_code(Authority::Kol),
                "authorization_code",
            ))
            .await
            .expect("token.create answers");
        let doudian_token = created.access_token.expose().to_string();
        let kol = sdk.doudian(&DoudianAuth::new(Authority::Kol, created.access_token.clone()));
        let product = products.first().map(|p| p.product_id).expect("a product");
        let share_url = format!("https://haohuo.jinritemai.com/views/product/item2?id={product}");

        let ec = sandbox.base_url(Server::OpenDouyinEc);
        let open_id: String = url::form_urlencoded::byte_serialize(tokens.open_id.as_bytes()).collect();
        let raw = Raw {
            http,
            category_url: format!("{ec}{}", path("materials_product_category")),
            store_list_url: format!("{ec}{}?open_id={open_id}", path("kol_store_list")),
            client_token,
            access_token: tokens.access_token.expose().to_string(),
            client_token_calls: AtomicUsize::new(0),
            gateway_url: format!("{}/buyin/kolProductShare", sandbox.base_url(Server::Doudian)),
            doudian_token,
        };
        // The same client with a limit far above the load: its permit costs, locally and
        // through Redis (when REDIS_URL is set), against no limiter at all.
        let far_above = || RateLimits::new().app(RateLimit::per_second(1_000_000).burst(1_000));
        // They share the SDK client's token store: one client_token for all (a fetch of their
        // own would retire the raw loop's token).
        let limited_local = sandbox
            .client_builder()
            .token_store(token_store.clone())
            .rate_limits(far_above())
            .build()
            .expect("builds");
        let limited_redis = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()).map(|url| {
            let prefix = format!("douyin-alliance-bench:{}", std::process::id());
            let store = RedisTokenStore::open(&url).expect("a Redis URL").prefix(prefix);
            let limits = far_above().shared(Arc::new(store), 1.0);
            sandbox
                .client_builder()
                .token_store(token_store.clone())
                .rate_limits(limits)
                .build()
                .expect("builds")
        });
        let redis = match std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => Some(
                redis::Client::open(url)
                    .expect("a Redis URL")
                    .get_connection_manager()
                    .await
                    .expect("Redis answers"),
            ),
            None => None,
        };
        let recording = sandbox
            .client_builder()
            .token_store(token_store.clone())
            .record_drift(Arc::new(douyin_alliance::drift::DriftRecorder::new()))
            .build()
            .expect("builds")
            .user(&UserAuth::new(tokens.open_id.clone(), tokens.access_token.clone()));
        Fixture {
            sandbox,
            sdk,
            user,
            recording,
            raw,
            sdk_client_token_calls: AtomicUsize::new(0),
            other_token_fetches,
            limited_local,
            limited_redis,
            redis,
            kol,
            share_url,
        }
    }

    async fn sdk_share(&self) -> usize {
        let req = KolProductShareRequest::new(self.share_url.as_str(), "dy_107_bench_1");
        let d = self.kol.buyin_kol_product_share(&req).await.expect("the SDK call succeeds");
        d.dy_password.map_or(0, |p| p.len())
    }

    /// One `PING`, then the unlimited call.
    async fn ping_then_category(&self, redis: &redis::aio::ConnectionManager) -> usize {
        let mut conn = redis.clone();
        let pong: String = redis::cmd("PING").query_async(&mut conn).await.expect("Redis answers");
        assert_eq!(pong, "PONG");
        self.sdk_category().await
    }

    async fn limited_category(client: &Client) -> usize {
        let d = client
            .materials_product_category(&MaterialsProductCategoryRequest::new(0))
            .await
            .expect("the limited call succeeds");
        d.category_list.len()
    }

    async fn sdk_category(&self) -> usize {
        self.sdk_client_token_calls.fetch_add(1, Ordering::Relaxed);
        let d = self
            .sdk
            .materials_product_category(&MaterialsProductCategoryRequest::new(0))
            .await
            .expect("the SDK call succeeds");
        d.category_list.len()
    }

    async fn sdk_store_list(&self) -> usize {
        Self::store_list(&self.user).await
    }

    async fn store_list(user: &UserClient) -> usize {
        let req = KolStoreListRequest::new(1, SHOWCASE as i64);
        user.kol_store_list(&req).await.expect("the SDK call succeeds").results.len()
    }

    /// client_token fetches the SDK made so far.
    fn sdk_token_fetches(&self) -> usize {
        self.sandbox.client_token_requests().saturating_sub(self.other_token_fetches)
    }
}

fn path(endpoint_name: &str) -> &'static str {
    douyin_alliance::ENDPOINTS
        .iter()
        .find(|e| e.name == endpoint_name)
        .and_then(|e| e.rest())
        .map(|r| r.path)
        .unwrap_or_else(|| panic!("no endpoint {endpoint_name}"))
}

/// Runs `BATCH` calls of `call`, at most `concurrency` at a time; returns the items decoded.
async fn batch<F, Fut>(concurrency: usize, call: F) -> usize
where
    F: Fn() -> Fut,
    Fut: Future<Output = usize>,
{
    futures_util::stream::iter(0..BATCH)
        .map(|_| call())
        .buffer_unordered(concurrency)
        .fold(0, |n, items| async move { n + items })
        .await
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(BATCH as u64))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    g
}

fn calls(c: &mut Criterion, rt: &tokio::runtime::Runtime, fx: &Arc<Fixture>) {
    for conc in CONCURRENCY {
        let mut g = group(c, &format!("calls_client_token_c{conc}"));
        g.bench_function("sdk", |b| {
            b.to_async(rt).iter(|| batch(conc, || fx.sdk_category()));
        });
        g.bench_function("raw", |b| {
            b.to_async(rt).iter(|| batch(conc, || fx.raw.category()));
        });
        g.finish();
    }
    for conc in CONCURRENCY {
        let mut g = group(c, &format!("calls_user_c{conc}"));
        g.bench_function("sdk", |b| {
            b.to_async(rt).iter(|| batch(conc, || fx.sdk_store_list()));
        });
        g.bench_function("raw", |b| {
            b.to_async(rt).iter(|| batch(conc, || fx.raw.store_list()));
        });
        g.finish();
    }
}

/// SDK and raw requests per second measured in the same period: `rounds` rounds of one SDK
/// batch and one raw batch back to back, the order alternating, after one batch of each to
/// warm up. Criterion measures each side in its own period, so drift in the machine's load
/// between the two moves its ratio; this one cancels it.
fn paired<S, SF, R, RF>(
    rt: &tokio::runtime::Runtime,
    rounds: usize,
    concurrency: usize,
    sdk: S,
    raw: R,
) -> (f64, f64)
where
    S: Fn() -> SF,
    SF: Future<Output = usize>,
    R: Fn() -> RF,
    RF: Future<Output = usize>,
{
    rt.block_on(batch(concurrency, &sdk));
    rt.block_on(batch(concurrency, &raw));
    let (sdk_time, raw_time) = bench::alternate(
        rounds,
        || {
            rt.block_on(batch(concurrency, &sdk));
        },
        || {
            rt.block_on(batch(concurrency, &raw));
        },
    );
    let requests = (rounds * BATCH) as f64;
    (requests / sdk_time.as_secs_f64(), requests / raw_time.as_secs_f64())
}

/// The filter given on the command line (criterion's too): the first argument that is no option.
fn filter() -> Option<String> {
    std::env::args().skip(1).find(|a| !a.starts_with('-'))
}

/// The paired measurement of every group whose name contains `filter`, printed; returned as
/// JSON for the report.
fn paired_all(rt: &tokio::runtime::Runtime, fx: &Fixture, rounds: usize, filter: Option<&str>) -> Value {
    let mut out = serde_json::Map::new();
    let selected = |group: &str| filter.is_none_or(|f| group.contains(f));
    // The limiter's cost at concurrency 64: a limit far above the load against none. A round of
    // 256 calls lasts about 6 ms, so these take ten times the rounds: at 30 the ratio moved by
    // ±0.03 from run to run, at 300 by ±0.005.
    let long = rounds * 10;
    let limited =
        [("limiter_local_c64", Some(&fx.limited_local)), ("limiter_redis_c64", fx.limited_redis.as_ref())];
    for (group, client) in limited.into_iter().filter(|(g, _)| selected(g)) {
        let Some(client) = client else {
            println!("paired {group}: not measured (REDIS_URL is not set)");
            continue;
        };
        let (with, without) =
            paired(rt, long, 64, || Fixture::limited_category(client), || fx.sdk_category());
        let ratio = with / without;
        println!("paired {group}: limited {with:.0} req/s, unlimited {without:.0} req/s, ratio {ratio:.3}");
        out.insert(
            group.to_string(),
            serde_json::json!({"sdk_rps": with, "raw_rps": without, "ratio": ratio, "rounds": long}),
        );
    }
    // What one loopback round trip to Redis per call costs on this machine.
    if selected("redis_round_trip_c64") {
        if let Some(redis) = &fx.redis {
            let group = "redis_round_trip_c64";
            let (with, without) = paired(rt, long, 64, || fx.ping_then_category(redis), || fx.sdk_category());
            let ratio = with / without;
            println!(
                "paired {group}: PING + call {with:.0} req/s, call {without:.0} req/s, ratio {ratio:.3}"
            );
            out.insert(
                group.to_string(),
                serde_json::json!({"sdk_rps": with, "raw_rps": without, "ratio": ratio, "rounds": long}),
            );
        }
    }
    // The drift recorder's cost: the same user call with it on and off.
    for conc in CONCURRENCY {
        let group = format!("recorder_user_c{conc}");
        if !selected(&group) {
            continue;
        }
        let (with, without) =
            paired(rt, rounds, conc, || Fixture::store_list(&fx.recording), || fx.sdk_store_list());
        let ratio = with / without;
        println!(
            "paired {group}: recording {with:.0} req/s, not recording {without:.0} req/s, ratio {ratio:.3}"
        );
        out.insert(
            group,
            serde_json::json!({"sdk_rps": with, "raw_rps": without, "ratio": ratio, "rounds": rounds}),
        );
    }
    for conc in CONCURRENCY {
        let (token, user) = (format!("calls_client_token_c{conc}"), format!("calls_user_c{conc}"));
        let mut measured = Vec::new();
        if selected(&token) {
            let (s, r) = paired(rt, rounds, conc, || fx.sdk_category(), || fx.raw.category());
            measured.push((token, s, r));
        }
        if selected(&user) {
            let (s, r) = paired(rt, rounds, conc, || fx.sdk_store_list(), || fx.raw.store_list());
            measured.push((user, s, r));
        }
        let gateway = format!("calls_gateway_c{conc}");
        if selected(&gateway) {
            let (s, r) = paired(rt, rounds, conc, || fx.sdk_share(), || fx.raw.share(&fx.share_url));
            measured.push((gateway, s, r));
        }
        for (group, sdk_rps, raw_rps) in measured {
            let ratio = sdk_rps / raw_rps;
            println!("paired {group}: SDK {sdk_rps:.0} req/s, raw {raw_rps:.0} req/s, ratio {ratio:.3}");
            out.insert(
                group,
                serde_json::json!({"sdk_rps": sdk_rps, "raw_rps": raw_rps, "ratio": ratio, "rounds": rounds}),
            );
        }
    }
    Value::Object(out)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let fx = Arc::new(rt.block_on(Fixture::start()));

    // The first SDK calls arrive together: one fetch must serve all of them.
    let first = rt.block_on(
        futures_util::stream::iter(0..64)
            .map(|_| fx.sdk_category())
            .buffer_unordered(64)
            .fold(0, |n, items| async move { n + items }),
    );
    assert!(first > 0, "the first concurrent calls decoded nothing");
    assert_eq!(fx.sdk_token_fetches(), 1, "64 concurrent first calls must share one token fetch");

    let mut c = Criterion::default().configure_from_args();
    calls(&mut c, &rt, &fx);
    c.final_summary();

    let rounds = bench::paired_rounds("DOUYIN_BENCH_PAIRED_ROUNDS", 30);
    let paired = if rounds > 0 { paired_all(&rt, &fx, rounds, filter().as_deref()) } else { Value::Null };

    let calls = fx.sdk_client_token_calls.load(Ordering::Relaxed);
    let fetches = fx.sdk_token_fetches();
    let raw_calls = fx.raw.client_token_calls.load(Ordering::Relaxed);
    println!(
        "client_token: the SDK made {calls} client-token calls and fetched the token {fetches} time(s); \
         the raw loop made {raw_calls} calls with the one token it fetched up front"
    );
    let report = serde_json::json!({"sdk_calls": calls, "sdk_token_fetches": fetches, "paired": paired});
    bench::write_report("calls_report.json", &report);
    assert_eq!(fetches, 1, "the SDK must fetch the client_token exactly once for the whole run");
}
