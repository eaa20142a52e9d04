//! Retries: transient failures of retry-safe calls are repeated with backoff, within
//! `max_attempts` and `max_elapsed`; mutations are sent once unless the connection was refused
//! before anything was sent.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use douyin_alliance::endpoint::Server;
use douyin_alliance::types::{
    ColonelAwardTaskApplyRequest, KolStoreListRequest, MaterialsProductCategoryRequest, StoreAddProduct,
    StoreAddRequest,
};
use douyin_alliance::{Client, ErrorKind, Hook, Id, Outcome, RetryPolicy};
use e2e_tests::{
    closed_port, err_data, fast_retries, ok_data, serve_client_tokens, test_user, MockResponse, MockServer,
    RawServer,
};
use serde_json::json;

const STORE_LIST: &str = "/alliance/kol/store/list/";
const STORE_ADD: &str = "/alliance/store/add/";
const APPLY: &str = "/alliance/colonel/award_task/apply/";
const CATEGORY: &str = "/alliance/materials/product/category/";
const TOKEN: &str = "/oauth/client_token/";

fn store_ok() -> MockResponse {
    MockResponse::json(ok_data(json!({"total": 1, "results": [{"product_id": 1, "promotion_id": 2}]})))
}

fn add_request() -> StoreAddRequest {
    StoreAddRequest::new(vec![StoreAddProduct::new(Id(3450632721376902816))], false, "campaign_a")
}

/// A server whose `path` fails `failures` times with `failure`, then answers `success`.
async fn flaky(path: &str, failures: usize, failure: MockResponse, success: MockResponse) -> MockServer {
    let server = MockServer::start().await;
    server.on(path, move |_, i| if i < failures { failure.clone() } else { success.clone() });
    server
}

/// Waits (bounded) until `path` has seen at least one request, then a little longer, and returns
/// how many arrived.
async fn settled_count(server: &MockServer, path: &str) -> usize {
    for _ in 0..200 {
        if !server.requests_to(path).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.requests_to(path).len()
}

#[tokio::test]
async fn transient_http_statuses_are_retried_until_success() {
    for status in [503, 502, 504, 429] {
        let server =
            flaky(STORE_LIST, 2, MockResponse::raw(status, "<html>try later</html>"), store_ok()).await;
        let client = server.client_builder().retry(fast_retries(3)).build().unwrap();
        let data = client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await;
        assert_eq!(data.unwrap().total, Some(1), "{status}");
        assert_eq!(server.requests_to(STORE_LIST).len(), 3, "{status}");
    }
}

#[tokio::test]
async fn busy_and_rate_limit_codes_are_retried_until_success() {
    let rate_limited_in_extra = json!({
        "data": {"error_code": 0, "description": ""},
        "extra": {"error_code": 0, "sub_error_code": 28003018, "sub_description": "请求频率过高", "logid": "L"}
    });
    for failure in [err_data(2100004, "系统繁忙"), err_data(28003018, "请求频率过高"), rate_limited_in_extra]
    {
        let server = flaky(STORE_LIST, 3, MockResponse::json(failure.clone()), store_ok()).await;
        let client = server.client_builder().retry(fast_retries(4)).build().unwrap();
        let data = client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await;
        assert_eq!(data.unwrap().total, Some(1), "{failure}");
        assert_eq!(server.requests_to(STORE_LIST).len(), 4, "{failure}");
    }
    // A platform error with HTTP 503 is retried as well.
    let server =
        flaky(STORE_LIST, 1, MockResponse::raw(503, err_data(10001, "x").to_string()), store_ok()).await;
    let client = server.client_builder().retry(fast_retries(3)).build().unwrap();
    client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    assert_eq!(server.requests_to(STORE_LIST).len(), 2);
}

#[tokio::test]
async fn timeouts_of_retry_safe_calls_are_retried() {
    let server = flaky(
        STORE_LIST,
        1,
        MockResponse::json(ok_data(json!({}))).delayed(Duration::from_secs(30)),
        store_ok(),
    )
    .await;
    let client =
        server.client_builder().retry(fast_retries(3)).timeout(Duration::from_millis(300)).build().unwrap();
    let data = tokio::time::timeout(
        Duration::from_secs(20),
        client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)),
    )
    .await
    .expect("bounded");
    assert_eq!(data.unwrap().total, Some(1));
    assert_eq!(server.requests_to(STORE_LIST).len(), 2);
}

fn cut_answer() -> Vec<u8> {
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\nconnection: close\r\n\r\n{\"data\":{"
        .to_vec()
}

fn full_answer(body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

#[tokio::test]
async fn a_connection_cut_mid_answer_is_retried_for_retry_safe_calls_only() {
    let body = ok_data(json!({"total": 1, "results": []})).to_string();
    let b = body.clone();
    let server = RawServer::start(move |i| if i == 0 { cut_answer() } else { full_answer(&b) }).await;
    let client = alliance_client(&server.url());
    let data = client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    assert_eq!(data.total, Some(1));
    assert_eq!(server.connections(), 2);

    // The same cut after a mutation was sent: it may have been applied, so it is not repeated.
    let b = body.clone();
    let server = RawServer::start(move |i| if i == 0 { cut_answer() } else { full_answer(&b) }).await;
    let client = alliance_client(&server.url());
    let err = client.user(&test_user()).store_add(&add_request()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:#}");
    assert!(err.is_retryable(), "retryable in itself, but not for a mutation");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn retries_stop_after_max_attempts() {
    for attempts in [1, 2, 4] {
        let server = flaky(STORE_LIST, usize::MAX, MockResponse::raw(503, "busy"), store_ok()).await;
        let client = server.client_builder().retry(fast_retries(attempts)).build().unwrap();
        let err =
            client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::HttpStatus { status: 503, .. }), "{err:#}");
        assert_eq!(server.requests_to(STORE_LIST).len(), attempts as usize);
    }
    // The default policy makes 3 attempts.
    let server =
        flaky(STORE_LIST, usize::MAX, MockResponse::json(err_data(2100004, "busy")), store_ok()).await;
    let client = server.client_builder().build().unwrap();
    let err = client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
    assert_eq!(err.api().map(|a| a.code), Some(2100004));
    assert_eq!(server.requests_to(STORE_LIST).len(), 3);
}

#[tokio::test]
async fn retries_stop_after_max_elapsed() {
    let server = flaky(STORE_LIST, usize::MAX, MockResponse::raw(503, "busy"), store_ok()).await;
    let policy = RetryPolicy::default()
        .max_attempts(100_000)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(20))
        .max_elapsed(Duration::from_millis(300));
    let client = server.client_builder().retry(policy).build().unwrap();
    let err = tokio::time::timeout(
        Duration::from_secs(30),
        client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)),
    )
    .await
    .expect("max_elapsed ends the retries")
    .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::HttpStatus { status: 503, .. }), "{err:#}");
    let n = server.requests_to(STORE_LIST).len();
    assert!((2..100_000).contains(&n), "{n} attempts");
}

#[tokio::test]
async fn a_disabled_policy_sends_once() {
    for failure in [
        MockResponse::raw(503, "busy"),
        MockResponse::raw(429, "slow down"),
        MockResponse::json(err_data(2100004, "busy")),
    ] {
        let server = flaky(STORE_LIST, usize::MAX, failure, store_ok()).await;
        let client = server.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let err =
            client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(server.requests_to(STORE_LIST).len(), 1);
    }
}

#[tokio::test]
async fn permanent_errors_are_not_retried() {
    for failure in [
        MockResponse::raw(400, "bad request"),
        MockResponse::raw(500, "<html>error</html>"),
        MockResponse::json(err_data(2100005, "参数不合法")),
        MockResponse::raw(200, "not json"),
    ] {
        let server = flaky(STORE_LIST, usize::MAX, failure, store_ok()).await;
        let client = server.client_builder().retry(fast_retries(5)).build().unwrap();
        let err =
            client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert!(!err.is_retryable(), "{err:#}");
        assert_eq!(server.requests_to(STORE_LIST).len(), 1, "{err:#}");
    }
}

#[tokio::test]
async fn mutations_are_never_retried_after_sending() {
    for failure in [
        MockResponse::raw(503, "busy"),
        MockResponse::raw(502, "bad gateway"),
        MockResponse::raw(429, "slow down"),
        MockResponse::json(err_data(2100004, "系统繁忙")),
        MockResponse::json(err_data(28003018, "请求频率过高")),
    ] {
        let server = flaky(STORE_ADD, usize::MAX, failure, store_ok()).await;
        let client = server.client_builder().retry(fast_retries(5)).build().unwrap();
        let err = client.user(&test_user()).store_add(&add_request()).await.unwrap_err();
        assert!(err.is_retryable(), "{err:#}");
        assert_eq!(server.requests_to(STORE_ADD).len(), 1, "{err:#}");
    }
    // The err_no mutation too.
    let server = flaky(APPLY, usize::MAX, MockResponse::raw(503, "busy"), store_ok()).await;
    let client = server.client_builder().retry(fast_retries(5)).build().unwrap();
    client
        .user(&test_user())
        .colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new("7265432109876543210"))
        .await
        .unwrap_err();
    assert_eq!(server.requests_to(APPLY).len(), 1);
}

#[tokio::test]
async fn a_mutation_that_timed_out_is_not_retried() {
    let server = flaky(
        STORE_ADD,
        usize::MAX,
        MockResponse::json(ok_data(json!({"results": []}))).delayed(Duration::from_secs(30)),
        store_ok(),
    )
    .await;
    let client =
        server.client_builder().retry(fast_retries(5)).timeout(Duration::from_millis(300)).build().unwrap();
    let err =
        tokio::time::timeout(Duration::from_secs(20), client.user(&test_user()).store_add(&add_request()))
            .await
            .expect("bounded")
            .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout { .. }), "{err:#}");
    assert_eq!(settled_count(&server, STORE_ADD).await, 1);
}

/// Attempt numbers with the error shown, if the attempt failed.
type Outcomes = Arc<Mutex<Vec<(u32, Option<String>)>>>;

/// Opens the refused port as soon as the first attempt has failed, and records every outcome.
struct OpenAfterFirstFailure {
    addr: SocketAddr,
    opened: Arc<Mutex<Option<MockServer>>>,
    outcomes: Outcomes,
}

impl Hook for OpenAfterFirstFailure {
    fn on_outcome(&self, outcome: &Outcome<'_>) {
        let error = outcome.error.map(|e| format!("{e:#}"));
        if outcome.attempt == 1 && error.is_some() {
            // Synchronous: the port listens before the client's backoff ends.
            let listener = std::net::TcpListener::bind(self.addr).expect("rebind the refused port");
            let server = MockServer::start_on(listener);
            server.on(STORE_ADD, |_, _| {
                MockResponse::json(ok_data(json!({"results": [{"product_id": 1, "error_code": 0}]})))
            });
            *self.opened.lock().unwrap() = Some(server);
        }
        self.outcomes.lock().unwrap().push((outcome.attempt, error));
    }
}

/// How it is tested: the client points at a loopback port that was just closed, so the first
/// attempt's connection is refused (nothing can have been sent). A hook, called synchronously
/// after that attempt, binds the same port and starts a server on it before the backoff ends;
/// the second attempt then reaches it. Exactly one request arrives.
#[tokio::test]
async fn a_mutation_is_retried_when_the_connection_was_refused_before_sending() {
    let addr = closed_port();
    let opened = Arc::new(Mutex::new(None));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let client = Client::builder()
        .base_url(Server::OpenDouyinEc, format!("http://{addr}"))
        .retry(fast_retries(3))
        .hook(OpenAfterFirstFailure { addr, opened: opened.clone(), outcomes: outcomes.clone() })
        .build()
        .unwrap();
    let data = client.user(&test_user()).store_add(&add_request()).await.unwrap();
    assert_eq!(data.results.len(), 1);
    let outcomes = outcomes.lock().unwrap().clone();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    let first = outcomes[0].1.as_deref().unwrap_or_default().to_lowercase();
    assert!(first.contains("transport error") && first.contains("connect"), "{first}");
    assert_eq!(outcomes[1], (2, None));
    let server = opened.lock().unwrap().clone().expect("the port was opened");
    assert_eq!(server.requests_to(STORE_ADD).len(), 1);
}

#[tokio::test]
async fn a_failing_client_token_fetch_is_retried_inside_and_not_again_outside() {
    // The token endpoint fails twice, then hands out a token: one app call succeeds.
    let server = MockServer::start().await;
    server.on(TOKEN, |_, i| {
        if i < 2 {
            MockResponse::raw(503, "busy")
        } else {
            MockResponse::json(
                json!({"data": {"access_token": "clt.ok", "expires_in": 7200, "error_code": 0}}),
            )
        }
    });
    server.on(CATEGORY, |_, _| MockResponse::json(ok_data(json!({"category_list": []}))));
    let client = server.client_builder().retry(fast_retries(3)).build().unwrap();
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    assert_eq!(server.requests_to(TOKEN).len(), 3);
    assert_eq!(server.requests_to(CATEGORY)[0].header("access-token"), Some("clt.ok"));

    // Always failing: the token endpoint sees max_attempts requests, not max_attempts squared.
    let server = MockServer::start().await;
    server.on(TOKEN, |_, _| MockResponse::raw(503, "busy"));
    let client = server.client_builder().retry(fast_retries(3)).build().unwrap();
    let err = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Token(_)), "{err:#}");
    assert_eq!(server.requests_to(TOKEN).len(), 3);
    assert!(server.requests_to(CATEGORY).is_empty());
}

#[tokio::test]
async fn retried_app_calls_reuse_the_cached_token() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, i| {
        if i < 2 {
            MockResponse::raw(502, "bad gateway")
        } else {
            MockResponse::json(ok_data(json!({"category_list": []})))
        }
    });
    let client = server.client_builder().retry(fast_retries(3)).build().unwrap();
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    assert_eq!(server.requests_to(TOKEN).len(), 1);
    let sent = server.requests_to(CATEGORY);
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| r.header("access-token") == Some("clt.test-0")));
}

/// A client whose Alliance host is `url`, with fast retries.
fn alliance_client(url: &str) -> Client {
    Client::builder().base_url(Server::OpenDouyinEc, url).retry(fast_retries(3)).build().unwrap()
}
