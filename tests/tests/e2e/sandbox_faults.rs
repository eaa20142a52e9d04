//! Injected faults end in the right typed error or in a successful retry, within bounded time;
//! a mutation is never sent twice.

use e2e_tests::{fast_retries, within};
use std::time::Duration;

use douyin_alliance::types::{
    AccessTokenRequest, CaptainTaskDetailRequest, ColonelAwardTaskApplyRequest, KolOrdersRequest,
    KolStoreListRequest, MaterialsProductCategoryRequest, StoreAddProduct, StoreAddRequest,
};
use douyin_alliance::{
    Client, ClientBuilder, Error, ErrorKind, Id, KnownCode, RetryPolicy, UserAuth, UserClient,
};
use douyin_sandbox::{Fault, FaultRule, Sandbox, SandboxError};

async fn setup(build: impl FnOnce(ClientBuilder) -> ClientBuilder) -> (Sandbox, Client, UserClient) {
    let sandbox = Sandbox::start().await.unwrap();
    let client = build(sandbox.client_builder().retry(fast_retries(3))).build().unwrap();
    let code = sandbox.authorize_all("creator-faults");
    let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
    let user = client.user(&UserAuth::new(t.open_id, t.access_token));
    (sandbox, client, user)
}

fn list() -> KolStoreListRequest {
    KolStoreListRequest::new(1, 20)
}

fn api(e: &Error) -> &douyin_alliance::ApiError {
    e.api().unwrap_or_else(|| panic!("not an API error: {e:#}"))
}

#[tokio::test]
async fn latency_delays_the_answer_and_a_short_timeout_turns_it_into_a_timeout_error() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b.timeout(Duration::from_millis(400))).await;
        sandbox.inject("kol_buyin_id", Fault::Latency(Duration::from_millis(20)), 1).unwrap();
        user.kol_buyin_id().await.unwrap();

        sandbox.inject_always("kol_reputation", Fault::Latency(Duration::from_secs(30))).unwrap();
        let err = user.kol_reputation().await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Timeout { .. }), "{err:#}");
        assert!(err.is_retryable());
        assert_eq!(sandbox.requests("kol_reputation"), 3, "a timeout of a retry-safe call is retried");
    })
    .await;
}

#[tokio::test]
async fn http_5xx_is_retried_when_safe_and_typed_when_it_persists() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b).await;
        sandbox.inject("kol_store_list", Fault::Status(503), 2).unwrap();
        user.kol_store_list(&list()).await.unwrap();
        assert_eq!(sandbox.requests("kol_store_list"), 3);

        sandbox.inject_always("kol_store_list", Fault::Status(502)).unwrap();
        let err = user.kol_store_list(&list()).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::HttpStatus { status: 502, .. }), "{err:#}");
        assert_eq!(sandbox.requests("kol_store_list"), 6);
        sandbox.clear_faults();

        sandbox.inject("kol_orders", Fault::Status(500), 1).unwrap();
        let err = user.kol_orders(&KolOrdersRequest::new()).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::HttpStatus { status: 500, .. }), "{err:#}");
        assert!(!err.is_retryable());
        assert_eq!(sandbox.requests("kol_orders"), 1);
    })
    .await;
}

#[tokio::test]
async fn busy_and_rate_limit_codes_come_in_each_envelope() {
    within(60, async {
        let (sandbox, client, user) = setup(|b| b).await;
        // data + extra
        sandbox.inject("kol_orders", Fault::Busy, 1).unwrap();
        user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
        assert_eq!(sandbox.requests("kol_orders"), 2);
        sandbox.inject_always("kol_buyin_id", Fault::RateLimited).unwrap();
        let err = user.kol_buyin_id().await.unwrap_err();
        assert_eq!(api(&err).known(), Some(KnownCode::TooFrequent));
        assert!(err.is_rate_limited() && err.is_retryable());
        assert_eq!(sandbox.requests("kol_buyin_id"), 3);
        // err_no, on a call that is not retried
        sandbox.inject("colonel_award_task_apply", Fault::Busy, 1).unwrap();
        let err = user.colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new("1")).await.unwrap_err();
        assert_eq!(api(&err).known(), Some(KnownCode::SystemBusy));
        assert_eq!(sandbox.requests("colonel_award_task_apply"), 1);
        // code + msg
        sandbox.inject("captain_task_detail", Fault::RateLimited, 1).unwrap();
        client.captain_task_detail(&CaptainTaskDetailRequest::new("1")).await.unwrap();
        assert_eq!(sandbox.requests("captain_task_detail"), 2);
    })
    .await;
}

#[tokio::test]
async fn an_expired_token_answer_is_typed_and_the_client_token_is_fetched_again() {
    within(60, async {
        let (sandbox, client, user) = setup(|b| b).await;
        sandbox.inject("kol_store_list", Fault::ExpiredToken, 1).unwrap();
        let err = user.kol_store_list(&list()).await.unwrap_err();
        assert_eq!(api(&err).known(), Some(KnownCode::AccessTokenExpired));
        assert!(err.is_token_invalid());

        client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        assert_eq!(sandbox.client_token_requests(), 1);
        sandbox.inject("materials_product_category", Fault::ExpiredToken, 1).unwrap();
        client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        assert_eq!(sandbox.client_token_requests(), 2, "the rejected client_token was replaced");
        let sent = sandbox.requests_to("materials_product_category");
        assert_eq!(sent.len(), 3);
        assert_ne!(sent[1].header("access-token"), sent[2].header("access-token"));
    })
    .await;
}

#[tokio::test]
async fn truncated_and_non_json_bodies_are_decode_errors_keeping_the_bytes() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b).await;
        sandbox.inject("kol_store_list", Fault::TruncatedBody, 1).unwrap();
        let err = user.kol_store_list(&list()).await.unwrap_err();
        let ErrorKind::Decode { body, .. } = err.kind() else { panic!("{err:#}") };
        assert!(body.0.starts_with(b"{\"data\""));
        assert_eq!(sandbox.requests("kol_store_list"), 1, "a body that does not decode is not retried");

        sandbox.inject("kol_store_list", Fault::NonJsonBody, 1).unwrap();
        let err = user.kol_store_list(&list()).await.unwrap_err();
        let ErrorKind::Decode { snippet, .. } = err.kind() else { panic!("{err:#}") };
        assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
        // The next call is answered normally.
        user.kol_store_list(&list()).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_and_a_large_one_within_it_decodes() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b.max_response_bytes(1024 * 1024)).await;
        sandbox.inject("kol_reputation", Fault::OversizedBody(3 * 1024 * 1024), 1).unwrap();
        let err = user.kol_reputation().await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { limit: 1_048_576 }), "{err:#}");

        sandbox.inject("kol_reputation", Fault::OversizedBody(200 * 1024), 1).unwrap();
        let data = user.kol_reputation().await.unwrap();
        let padding = data.extra_fields["padding"].as_str().unwrap();
        assert!(padding.len() > 190 * 1024);
    })
    .await;
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_a_transport_error_or_a_retry() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b).await;
        sandbox.inject("kol_orders", Fault::Disconnect, 1).unwrap();
        let page = user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
        assert!(!page.orders.is_empty());
        assert_eq!(sandbox.requests("kol_orders"), 2);

        let once = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        sandbox.inject("materials_product_category", Fault::Disconnect, 1).unwrap();
        let err =
            once.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:#}");
        assert!(err.is_retryable());
    })
    .await;
}

#[tokio::test]
async fn a_mutation_is_never_sent_twice() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b).await;
        let add =
            StoreAddRequest::new(vec![StoreAddProduct::new(Id(3400312511185213726))], false, String::new());
        for fault in [Fault::Status(503), Fault::Busy, Fault::Disconnect, Fault::RateLimited] {
            sandbox.clear_log();
            sandbox.inject("store_add", fault.clone(), 1).unwrap();
            let err = user.store_add(&add).await.unwrap_err();
            assert!(err.is_retryable(), "{fault}: {err:#}");
            assert_eq!(sandbox.requests_to("store_add").len(), 1, "{fault}: sent more than once");
        }
        // The faults answered before the showcase changed.
        assert_eq!(user.kol_store_list(&list()).await.unwrap().total, Some(0));
        user.store_add(&add).await.unwrap();
        assert_eq!(user.kol_store_list(&list()).await.unwrap().total, Some(1));
    })
    .await;
}

#[tokio::test]
async fn faults_from_flag_rules_and_the_wildcard() {
    within(60, async {
        let (sandbox, _, user) = setup(|b| b).await;
        sandbox.add_fault("kol_store_list=status:503:2".parse::<FaultRule>().unwrap()).unwrap();
        user.kol_store_list(&list()).await.unwrap();
        assert_eq!(sandbox.requests("kol_store_list"), 3);

        sandbox.add_fault("*=busy:1".parse().unwrap()).unwrap();
        user.kol_buyin_id().await.unwrap();
        assert_eq!(sandbox.requests("kol_buyin_id"), 2);

        let err = sandbox.inject("no_such_endpoint", Fault::Busy, 1).unwrap_err();
        assert!(matches!(err, SandboxError::UnknownEndpoint(ref n) if n == "no_such_endpoint"));
        assert!(sandbox.inject("kol_orders", Fault::Busy, 0).is_err());
    })
    .await;
}
