//! The sandbox's credential checks, through the SDK and raw: wrong token kind, expired tokens,
//! a token of another creator, the client_token rotation rule and rate limit, and a bad
//! parameter the SDK would never send.

use e2e_tests::within;
use std::time::Duration;

use douyin_alliance::endpoint::Server;
use douyin_alliance::types::{AccessTokenRequest, KolStoreListRequest, MaterialsProductCategoryRequest};
use douyin_alliance::{Client, ErrorKind, KnownCode, RetryPolicy, UserAuth, UserClient};
use douyin_sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};

async fn authorized(sandbox: &Sandbox, client: &Client, open_id: &str) -> (UserClient, String) {
    let code = sandbox.authorize_all(open_id);
    let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
    let token = t.access_token.expose().to_string();
    (client.user(&UserAuth::new(t.open_id, t.access_token)), token)
}

/// POSTs JSON to `path` on open.douyinec.com with an `access-token` header.
async fn post(sandbox: &Sandbox, path: &str, token: &str, body: Value) -> (u16, Value) {
    let url = format!("{}{path}", sandbox.base_url(Server::OpenDouyinEc));
    let resp = reqwest::Client::new()
        .post(url)
        .header("access-token", token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap())
}

fn api_code(e: &douyin_alliance::Error) -> i64 {
    e.api().unwrap_or_else(|| panic!("not an API error: {e:#}")).code
}

#[tokio::test]
async fn a_token_of_the_wrong_kind_is_refused() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let (_, access_token) = authorized(&sandbox, &client, "creator-kind").await;
        let client_token = client.client_token().await.unwrap();

        // A client_token on a user endpoint.
        let wrong = client.user(&UserAuth::new("creator-kind", client_token.clone()));
        let err = wrong.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert_eq!(api_code(&err), 10008);
        assert!(err.api().unwrap().description.contains("client_token"), "{err}");
        assert!(err.is_token_invalid());

        // A user access_token on an app endpoint (raw: the SDK always sends the client_token).
        let (status, body) =
            post(&sandbox, "/alliance/materials/product/category/", &access_token, json!({"parent_id": 0}))
                .await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["error_code"], 10008, "{body}");
        assert_eq!(body["extra"]["error_code"], 10008, "{body}");
        assert!(body["data"]["description"].as_str().unwrap().contains("client_token"), "{body}");

        // No token at all.
        let (_, body) = post(
            &sandbox,
            "/alliance/kol/store/list/?open_id=creator-kind",
            "",
            json!({"page": 1, "page_size": 20}),
        )
        .await;
        assert_eq!(body["data"]["error_code"], 10008, "{body}");
    })
    .await;
}

#[tokio::test]
async fn an_expired_access_token_is_refused_until_refreshed() {
    within(60, async {
        let config = SandboxConfig::default().access_token_lifetime(Duration::from_secs(2));
        let sandbox = Sandbox::start_with(config).await.unwrap();
        // Retries allowed: an expired token must not be one of the errors retried.
        let client = sandbox
            .client_builder()
            .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
            .build()
            .unwrap();
        let code = sandbox.authorize_all("creator-expiry");
        let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
        assert_eq!(t.expires_in, 2);
        let user = client.user(&UserAuth::new(t.open_id.clone(), t.access_token.clone()));
        user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();

        sandbox.advance_clock(Duration::from_secs(3));
        let err = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert_eq!(err.api().and_then(|a| a.known()), Some(KnownCode::AccessTokenExpired));
        assert!(err.is_token_invalid());
        assert!(!err.is_retryable());
        // Not repeated: only the user can get a new token (by refresh).
        assert_eq!(sandbox.requests("kol_store_list"), 2);

        let fresh = client
            .oauth_refresh_token(&douyin_alliance::types::RefreshTokenRequest::new(t.refresh_token))
            .await
            .unwrap();
        assert_ne!(fresh.access_token, t.access_token, "an expired token is replaced, not extended");
        let user = client.user(&UserAuth::new(fresh.open_id, fresh.access_token));
        user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn an_expired_client_token_is_replaced_by_the_sdk_once() {
    within(60, async {
        let config = SandboxConfig::default().client_token_lifetime(Duration::from_secs(60));
        let sandbox = Sandbox::start_with(config).await.unwrap();
        // The SDK believes its token fresh (no refresh margin, real time); the sandbox's clock
        // moves past the expiry, so only the server knows the token expired.
        let client = sandbox
            .client_builder()
            .retry(RetryPolicy::disabled())
            .token_refresh_margin(Duration::ZERO)
            .build()
            .unwrap();
        client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        sandbox.advance_clock(Duration::from_secs(61));
        client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        assert_eq!(sandbox.client_token_requests(), 2);
        assert_eq!(sandbox.requests("materials_product_category"), 3, "one refused, then resent");
    })
    .await;
}

#[tokio::test]
async fn a_token_of_another_creator_is_refused() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let (_, token_a) = authorized(&sandbox, &client, "creator-a").await;
        let mismatched = client.user(&UserAuth::new("creator-b", token_a.clone()));
        let err = mismatched.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert_eq!(err.api().and_then(|a| a.known()), Some(KnownCode::TokenOpenIdMismatch));
        assert_eq!(
            sandbox.requests_to("kol_store_list")[0].query_param("open_id").as_deref(),
            Some("creator-b")
        );
        // No open_id at all: a parameter error naming it.
        let (_, body) =
            post(&sandbox, "/alliance/kol/store/list/", &token_a, json!({"page": 1, "page_size": 20})).await;
        assert_eq!(body["data"]["error_code"], 2100005, "{body}");
        assert!(body["data"]["description"].as_str().unwrap().contains("open_id"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn a_bad_parameter_is_answered_with_a_parameter_error_naming_it() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().build().unwrap();
        let (user, token) = authorized(&sandbox, &client, "creator-params").await;
        // The SDK refuses page_size 50 before sending.
        let err = user.kol_store_list(&KolStoreListRequest::new(1, 50)).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "page_size"), "{err}");
        assert_eq!(sandbox.requests("kol_store_list"), 0);
        // Sent raw, the sandbox refuses it the way the platform would.
        let (status, body) = post(
            &sandbox,
            "/alliance/kol/store/list/?open_id=creator-params",
            &token,
            json!({"page": 1, "page_size": 50}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["error_code"], 2100005, "{body}");
        let text = body["data"]["description"].as_str().unwrap();
        assert!(text.contains("page_size") && text.contains("at most 20"), "{text}");
        assert!(body["extra"]["logid"].as_str().is_some_and(|l| !l.is_empty()), "{body}");
    })
    .await;
}

#[tokio::test]
async fn client_tokens_rotate_with_a_grace_period_and_are_rate_limited() {
    within(60, async {
        let config = SandboxConfig::default().client_token_rate_limit(Some((4, Duration::from_secs(3600))));
        let sandbox = Sandbox::start_with(config).await.unwrap();
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let category = |t: String| {
            let sandbox = &sandbox;
            async move {
                let (_, body) =
                    post(sandbox, "/alliance/materials/product/category/", &t, json!({"parent_id": 0})).await;
                body["data"]["error_code"].as_i64().unwrap()
            }
        };
        let first = client.oauth_client_token().await.unwrap().access_token.expose().to_string();
        let second = client.oauth_client_token().await.unwrap().access_token.expose().to_string();
        assert!(first.starts_with("clt.") && first != second);
        assert_eq!(client.oauth_client_token().await.unwrap().expires_in, 7200);
        // The third token killed the first at once; the second lives out its grace period.
        assert_eq!(category(first).await, 10008);
        assert_eq!(category(second.clone()).await, 0);
        sandbox.advance_clock(Duration::from_secs(301));
        assert_eq!(category(second).await, 10008);
        // Fourth call allowed, fifth refused with 10020.
        client.oauth_client_token().await.unwrap();
        let err = client.oauth_client_token().await.unwrap_err();
        assert_eq!(err.api().and_then(|a| a.known()), Some(KnownCode::RenewLimitOrTooFrequent));
        assert_eq!(sandbox.client_token_requests(), 5);
    })
    .await;
}
