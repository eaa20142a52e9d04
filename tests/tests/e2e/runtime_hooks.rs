//! Hooks: a header added by a hook arrives on the wire on every attempt, and the hook sees every
//! attempt's outcome (status, error, attempt number), token fetches included.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use douyin_alliance::endpoint::{Endpoint, Server};
use douyin_alliance::types::{KolStoreListRequest, MaterialsProductCategoryRequest};
use douyin_alliance::{Client, Hook, Outcome, UserAuth};
use e2e_tests::{closed_port, fast_retries, ok_data, serve_client_tokens, MockResponse, MockServer};
use reqwest::header::HeaderValue;
use serde_json::json;

const STORE_LIST: &str = "/alliance/kol/store/list/";
const CATEGORY: &str = "/alliance/materials/product/category/";

/// What a hook saw of one attempt.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    endpoint: &'static str,
    attempt: u32,
    status: Option<u16>,
    error: Option<String>,
}

/// Adds `x-request-id: req-N` (N counts requests) and records every outcome.
#[derive(Clone, Default)]
struct Tracer {
    sent: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hook for Tracer {
    fn on_request(&self, _: &'static Endpoint, request: &mut reqwest::Request) {
        let n = self.sent.fetch_add(1, Ordering::SeqCst);
        let v = HeaderValue::from_str(&format!("req-{n}")).unwrap();
        request.headers_mut().insert("x-request-id", v);
    }
    fn on_outcome(&self, o: &Outcome<'_>) {
        self.seen.lock().unwrap().push(Seen {
            endpoint: o.endpoint.name,
            attempt: o.attempt,
            status: o.status,
            error: o.error.map(|e| e.to_string()),
        });
    }
}

#[tokio::test]
async fn a_hook_header_arrives_on_every_attempt_and_every_outcome_is_seen() {
    let server = MockServer::start().await;
    server.on(STORE_LIST, |_, i| {
        if i < 2 {
            MockResponse::raw(503, "busy")
        } else {
            MockResponse::json(ok_data(json!({"total": 0, "results": []})))
        }
    });
    let tracer = Tracer::default();
    let client = server.client_builder().retry(fast_retries(3)).hook(tracer.clone()).build().unwrap();
    client.user(&UserAuth::new("o", "act.t")).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();

    let ids: Vec<_> =
        server.requests_to(STORE_LIST).iter().map(|r| r.header("x-request-id").map(str::to_string)).collect();
    assert_eq!(ids, [Some("req-0".into()), Some("req-1".into()), Some("req-2".into())]);
    let seen = tracer.seen.lock().unwrap().clone();
    let failed = Some("kol_store_list: unexpected HTTP status 503; body starts: busy".to_string());
    assert_eq!(
        seen,
        [
            Seen { endpoint: "kol_store_list", attempt: 1, status: Some(503), error: failed.clone() },
            Seen { endpoint: "kol_store_list", attempt: 2, status: Some(503), error: failed },
            Seen { endpoint: "kol_store_list", attempt: 3, status: Some(200), error: None },
        ]
    );
}

#[tokio::test]
async fn hooks_see_token_fetches_and_failures_without_a_response() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, _| MockResponse::json(ok_data(json!({"category_list": []}))));
    let tracer = Tracer::default();
    let client = server.client_builder().retry(fast_retries(3)).hook(tracer.clone()).build().unwrap();
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    let seen = tracer.seen.lock().unwrap().clone();
    let names: Vec<_> = seen.iter().map(|s| (s.endpoint, s.status)).collect();
    assert_eq!(names, [("oauth_client_token", Some(200)), ("materials_product_category", Some(200))]);
    assert_eq!(server.requests_to("/oauth/client_token/")[0].header("x-request-id"), Some("req-0"));
    assert_eq!(server.requests_to(CATEGORY)[0].header("x-request-id"), Some("req-1"));

    // A refused connection: no status, an error, one outcome per attempt.
    let tracer = Tracer::default();
    let client = Client::builder()
        .base_url(Server::OpenDouyinEc, format!("http://{}", closed_port()))
        .retry(fast_retries(3).max_attempts(2))
        .hook(tracer.clone())
        .build()
        .unwrap();
    client
        .user(&UserAuth::new("o", "act.t"))
        .kol_store_list(&KolStoreListRequest::new(1, 20))
        .await
        .unwrap_err();
    let seen = tracer.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|s| s.status.is_none() && s.error.as_deref() == Some("kol_store_list: transport error")));
    assert_eq!(seen.iter().map(|s| s.attempt).collect::<Vec<_>>(), [1, 2]);

    // Input rejected before sending: no attempt, so nothing to see.
    let tracer = Tracer::default();
    let client = server.client_builder().hook(tracer.clone()).build().unwrap();
    client
        .user(&UserAuth::new("o", "act.t"))
        .kol_store_list(&KolStoreListRequest::new(1, 99))
        .await
        .unwrap_err();
    assert!(tracer.seen.lock().unwrap().is_empty());
    assert_eq!(tracer.sent.load(Ordering::SeqCst), 0);
}

/// Sets `x-chain` to its own mark after whatever an earlier hook wrote.
struct Chain(&'static str);

impl Hook for Chain {
    fn on_request(&self, _: &'static Endpoint, request: &mut reqwest::Request) {
        let before = request.headers().get("x-chain").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let v = HeaderValue::from_str(&format!("{before}{}", self.0)).unwrap();
        request.headers_mut().insert("x-chain", v);
    }
}

/// Replaces the user agent.
struct UserAgent;

impl Hook for UserAgent {
    fn on_request(&self, endpoint: &'static Endpoint, request: &mut reqwest::Request) {
        let v = HeaderValue::from_str(&format!("hooked/{}", endpoint.name)).unwrap();
        request.headers_mut().insert(reqwest::header::USER_AGENT, v);
    }
}

#[tokio::test]
async fn hooks_run_in_order_and_may_change_existing_headers() {
    let server = MockServer::start().await;
    server.on(STORE_LIST, |_, _| MockResponse::json(ok_data(json!({}))));
    let client = server.client_builder().hook(Chain("a")).hook(Chain("b")).hook(UserAgent).build().unwrap();
    client.user(&UserAuth::new("o", "act.t")).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    let r = &server.requests_to(STORE_LIST)[0];
    assert_eq!(r.header("x-chain"), Some("ab"));
    assert_eq!(r.header("user-agent"), Some("hooked/kol_store_list"));
    assert_eq!(r.header("access-token"), Some("act.t"));
}

/// What an answer hook saw: status, body length, the decode report as text, whether it decoded.
type Heard = (u16, usize, Vec<String>, Vec<String>, bool);

#[derive(Clone, Default)]
struct Recorder {
    answers: Arc<Mutex<Vec<Heard>>>,
}

impl Hook for Recorder {
    fn on_answer(&self, a: &douyin_alliance::Answer<'_>) {
        let unknown = a.report.unknown.iter().map(ToString::to_string).collect();
        let misses = a.report.lenient_misses.iter().map(ToString::to_string).collect();
        self.answers.lock().unwrap().push((a.status, a.body.len(), unknown, misses, a.decoded));
    }
}

#[tokio::test]
async fn an_answer_hook_sees_the_body_and_what_decoding_found_off_spec() {
    let server = MockServer::start().await;
    let body = ok_data(json!({
        "total": 1,
        "new_page_key": true,
        "results": [{"product_id": 1, "price": "一百", "title": "t", "ad_type": "x"}]
    }));
    let length = body.to_string().len();
    server.on(STORE_LIST, move |_, i| {
        if i == 0 {
            MockResponse::raw(503, "busy")
        } else {
            MockResponse::json(body.clone())
        }
    });
    let recorder = Recorder::default();
    let client = server.client_builder().retry(fast_retries(2)).hook(recorder.clone()).build().unwrap();
    let user = client.user(&UserAuth::new("open-1", "act.token"));
    let page = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    assert_eq!(page.results[0].price, None, "the value of another shape is kept raw");
    let answers = recorder.answers.lock().unwrap().clone();
    assert_eq!(answers.len(), 2, "{answers:?}");
    let (status, _, unknown, misses, decoded) = &answers[0];
    assert_eq!((*status, unknown.is_empty(), misses.is_empty(), *decoded), (503, true, true, false));
    let (status, len, unknown, misses, decoded) = &answers[1];
    assert_eq!((*status, *len, *decoded), (200, length, true));
    let mut unknown = unknown.clone();
    unknown.sort();
    assert_eq!(unknown, ["KolStoreListData.new_page_key", "StoreProduct.ad_type"]);
    assert_eq!(misses, &["StoreProduct.price"]);
}
