//! The app's client_token: cached across calls, refreshed shortly before expiry, fetched once
//! for any number of concurrent callers, and refetched once when the platform rejects it.
//!
//! Regressions these guard against: no in-process single flight (the store's lock is tried
//! once per caller; the 1,000-caller test counts it); a token inside the refresh margin kept;
//! a rejected token retried forever or taken again from the store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::store::{LockToken, StoreFuture};
use douyin_alliance::types::{MaterialsProductCategoryRequest, ProductSkusRequest};
use douyin_alliance::{Client, ErrorKind, MemoryTokenStore, RetryPolicy, Secret, StoredToken, TokenStore};
use e2e_tests::{err_data, ok_data, serve_client_tokens, within, MockResponse, MockServer};
use futures_util::future::join_all;
use serde_json::json;

const CATEGORY: &str = "/alliance/materials/product/category/";
const SKUS: &str = "/alliance/product/skus/";
const TOKEN: &str = "/oauth/client_token/";

fn category_ok() -> MockResponse {
    MockResponse::json(ok_data(json!({"total": 0, "category_list": []})))
}

/// Hands out `clt.test-N` tokens living `expires_in` seconds, answering after `delay`.
fn serve_slow_tokens(server: &MockServer, expires_in: i64, delay: Duration) {
    server.on(TOKEN, move |_, i| {
        MockResponse::json(json!({
            "data": {"access_token": format!("clt.test-{i}"), "expires_in": expires_in, "error_code": 0, "description": ""},
            "message": "success"
        }))
        .delayed(delay)
    });
}

async fn category(
    client: &Client,
) -> douyin_alliance::Result<douyin_alliance::types::MaterialsProductCategoryData> {
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await
}

fn tokens_used(server: &MockServer, path: &str) -> Vec<String> {
    server
        .requests_to(path)
        .iter()
        .map(|r| r.header("access-token").unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_token_is_fetched_once_and_cached_across_calls_clones_and_endpoints() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, _| category_ok());
    server.on(SKUS, |_, _| MockResponse::json(ok_data(json!({"specs": [], "skus": {}, "pictures": {}}))));
    let client = server.client_builder().build().unwrap();
    for _ in 0..5 {
        category(&client).await.unwrap();
    }
    let clone = client.clone();
    category(&clone).await.unwrap();
    clone.product_skus(&ProductSkusRequest::new(3450632721376902816_u64)).await.unwrap();
    assert_eq!(server.requests_to(TOKEN).len(), 1);
    let used: Vec<_> = tokens_used(&server, CATEGORY).into_iter().chain(tokens_used(&server, SKUS)).collect();
    assert_eq!(used.len(), 7);
    assert!(used.iter().all(|t| t == "clt.test-0"), "{used:?}");
    assert_eq!(client.client_token().await.unwrap().expose(), "clt.test-0");
    assert_eq!(server.requests_to(TOKEN).len(), 1);
}

#[tokio::test]
async fn a_token_within_the_refresh_margin_is_replaced() {
    // A margin as long as the lifetime: every token is already due for refresh.
    let server = MockServer::start().await;
    serve_client_tokens(&server, 1);
    server.on(CATEGORY, |_, _| category_ok());
    let client = server.client_builder().token_refresh_margin(Duration::from_secs(1)).build().unwrap();
    for _ in 0..3 {
        category(&client).await.unwrap();
    }
    assert_eq!(tokens_used(&server, CATEGORY), ["clt.test-0", "clt.test-1", "clt.test-2"]);

    // A 1 s token with a 500 ms margin: after 700 ms it is still valid but due, so it is
    // replaced before it can expire mid-call.
    let server = MockServer::start().await;
    serve_client_tokens(&server, 1);
    server.on(CATEGORY, |_, _| category_ok());
    let client = server.client_builder().token_refresh_margin(Duration::from_millis(500)).build().unwrap();
    category(&client).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    category(&client).await.unwrap();
    assert_eq!(tokens_used(&server, CATEGORY), ["clt.test-0", "clt.test-1"]);
    assert_eq!(server.requests_to(TOKEN).len(), 2);
}

/// Guards the in-process single flight: without it the store's lock alone still limits the
/// fetches to one, but every caller tries the lock and polls the store, so the lock count (and
/// the time) says what broke.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_a_cold_cache_make_one_token_request() {
    let server = MockServer::start().await;
    serve_slow_tokens(&server, 7200, Duration::from_millis(100));
    server.on(CATEGORY, |_, _| category_ok());
    let store = Arc::new(CountingStore::default());
    let client = server.client_builder().token_store(store.clone()).build().unwrap();
    let calls = (0..1000).map(|_| {
        let c = client.clone();
        async move { category(&c).await }
    });
    let results = within(10, join_all(calls)).await;
    let failures: Vec<_> =
        results.iter().filter_map(|r| r.as_ref().err()).map(|e| format!("{e:#}")).collect();
    assert!(failures.is_empty(), "{} failed, e.g. {:?}", failures.len(), failures.first());
    assert_eq!(
        store.locks.load(Ordering::SeqCst),
        1,
        "1,000 callers in one process must share one fetch (in-process single flight): the store's \
         refresh lock was tried more than once"
    );
    assert_eq!(server.requests_to(TOKEN).len(), 1);
    let used = tokens_used(&server, CATEGORY);
    assert_eq!(used.len(), 1000);
    assert!(used.iter().all(|t| t == "clt.test-0"));
}

/// A memory store that counts the refresh-lock attempts.
#[derive(Default)]
struct CountingStore {
    inner: MemoryTokenStore,
    locks: AtomicUsize,
}

impl TokenStore for CountingStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        self.inner.get(key)
    }
    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        self.inner.set(key, token)
    }
    fn invalidate<'a>(&'a self, key: &'a str, value: &'a Secret) -> StoreFuture<'a, ()> {
        self.inner.invalidate(key, value)
    }
    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        self.locks.fetch_add(1, Ordering::SeqCst);
        self.inner.try_lock(key, ttl)
    }
    fn unlock<'a>(&'a self, key: &'a str, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        self.inner.unlock(key, lock)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_fetch_even_when_the_token_is_short_lived() {
    // The platform hands out tokens that are already inside the refresh margin. Callers that
    // waited for the same fetch still share its token instead of fetching one each.
    let server = MockServer::start().await;
    serve_slow_tokens(&server, 60, Duration::from_millis(100));
    server.on(CATEGORY, |_, _| category_ok());
    let client = server.client_builder().build().unwrap(); // default margin: 5 minutes
    let calls = (0..50).map(|_| {
        let c = client.clone();
        async move { category(&c).await }
    });
    let results = tokio::time::timeout(Duration::from_secs(60), join_all(calls)).await.expect("bounded");
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.requests_to(TOKEN).len(), 1, "one fetch for 50 concurrent callers");
}

#[tokio::test]
async fn a_rejected_token_is_refetched_once_and_the_call_succeeds() {
    for code in [10008, 2190008, 28001008] {
        let server = MockServer::start().await;
        serve_client_tokens(&server, 7200);
        server.on(CATEGORY, move |r, _| {
            if r.header("access-token") == Some("clt.test-0") {
                MockResponse::json(err_data(code, "access_token无效"))
            } else {
                category_ok()
            }
        });
        let client = server.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        category(&client).await.unwrap();
        assert_eq!(server.requests_to(TOKEN).len(), 2, "{code}");
        assert_eq!(tokens_used(&server, CATEGORY), ["clt.test-0", "clt.test-1"], "{code}");
        // The new token is cached.
        category(&client).await.unwrap();
        assert_eq!(server.requests_to(TOKEN).len(), 2, "{code}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_rejected_with_the_same_token_refetch_it_once() {
    let server = MockServer::start().await;
    serve_slow_tokens(&server, 7200, Duration::from_millis(50));
    server.on(CATEGORY, |r, _| {
        if r.header("access-token") == Some("clt.test-0") {
            MockResponse::json(err_data(10008, "access_token无效"))
        } else {
            category_ok()
        }
    });
    let client = server.client_builder().build().unwrap();
    let calls = (0..100).map(|_| {
        let c = client.clone();
        async move { category(&c).await }
    });
    let results = tokio::time::timeout(Duration::from_secs(60), join_all(calls)).await.expect("bounded");
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.requests_to(TOKEN).len(), 2);
}

#[tokio::test]
async fn when_every_token_is_rejected_the_call_fails_after_one_refetch() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, _| MockResponse::json(err_data(10008, "access_token无效")));
    let client = server.client_builder().retry(RetryPolicy::default().max_attempts(5)).build().unwrap();
    let err =
        tokio::time::timeout(Duration::from_secs(20), category(&client)).await.expect("bounded").unwrap_err();
    assert!(err.is_token_invalid(), "{err:#}");
    assert!(matches!(err.kind(), ErrorKind::Api(a) if a.code == 10008));
    assert_eq!(server.requests_to(TOKEN).len(), 2);
    assert_eq!(server.requests_to(CATEGORY).len(), 2);
}

#[tokio::test]
async fn invalidating_drops_only_the_current_token() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, _| category_ok());
    let client = server.client_builder().build().unwrap();
    let first = client.client_token().await.unwrap();
    // An older token value does not evict the current one.
    client.invalidate_client_token(&Secret::new("clt.some-older-token")).await;
    assert_eq!(client.client_token().await.unwrap(), first);
    assert_eq!(server.requests_to(TOKEN).len(), 1);
    client.invalidate_client_token(&first).await;
    category(&client).await.unwrap();
    assert_eq!(tokens_used(&server, CATEGORY), ["clt.test-1"]);
    assert_eq!(server.requests_to(TOKEN).len(), 2);
}

#[tokio::test]
async fn clients_sharing_a_store_share_the_token() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, _| category_ok());
    let store = Arc::new(MemoryTokenStore::new());
    let a = server.client_builder().token_store(store.clone()).build().unwrap();
    let b = server.client_builder().token_store(store.clone()).build().unwrap();
    category(&a).await.unwrap();
    category(&b).await.unwrap();
    assert_eq!(server.requests_to(TOKEN).len(), 1);
    assert_eq!(tokens_used(&server, CATEGORY), ["clt.test-0", "clt.test-0"]);
    // A client with another client_key has its own token.
    let c =
        server.client_builder().credentials("other_key", "other_secret").token_store(store).build().unwrap();
    category(&c).await.unwrap();
    assert_eq!(server.requests_to(TOKEN).len(), 2);
}

#[tokio::test]
async fn a_token_answer_without_a_positive_lifetime_is_kept_for_the_documented_two_hours() {
    for expires_in in [0, -5] {
        let server = MockServer::start().await;
        serve_client_tokens(&server, expires_in);
        server.on(CATEGORY, |_, _| category_ok());
        let client = server.client_builder().build().unwrap();
        for _ in 0..5 {
            category(&client).await.unwrap();
        }
        // Cached as already expired, every call would fetch a new token (and soon be throttled).
        assert_eq!(server.requests_to(TOKEN).len(), 1, "expires_in {expires_in}");
        assert!(tokens_used(&server, CATEGORY).iter().all(|t| t == "clt.test-0"));
    }
}
