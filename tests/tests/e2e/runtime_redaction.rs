//! Secrets (client_secret and every token) never show in `Debug`/`Display` of public types, in
//! errors, or in the log output of failing and retried calls.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use douyin_alliance::endpoint::{Endpoint, Server};
use douyin_alliance::types::{
    ClientTokenData, KolStoreListRequest, MaterialsProductCategoryRequest, RefreshTokenRequest,
    RenewRefreshTokenData, RenewRefreshTokenRequest, UserTokenData,
};
use douyin_alliance::{
    Client, Error, ErrorKind, Hook, MemoryTokenStore, Outcome, RetryPolicy, Secret, StoredToken, TokenStore,
    UserAuth, UserSession,
};
use e2e_tests::logs::Logs;
use e2e_tests::{closed_port, ok_data, MockResponse, MockServer};
use serde_json::json;

const CLIENT_SECRET: &str = "cs-SECRET-client-secret-7f3a";
const CLIENT_TOKEN: &str = "clt.SECRET-client-token-91bc";
const ACCESS_TOKEN: &str = "act.SECRET-access-token-44de";
const REFRESH_TOKEN: &str = "rft.SECRET-refresh-token-0a12";
const RENEWED_REFRESH: &str = "rft.SECRET-renewed-refresh-77ef";

const CATEGORY: &str = "/alliance/materials/product/category/";
const TOKEN: &str = "/oauth/client_token/";

/// Fails with every secret (or a distinctive part of it) found in `text`.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for secret in [CLIENT_SECRET, CLIENT_TOKEN, ACCESS_TOKEN, REFRESH_TOKEN, RENEWED_REFRESH] {
        let core = &secret[secret.len() - 12..];
        assert!(!text.contains(secret) && !text.contains(core), "{what} shows `{secret}`:\n{text}");
    }
}

#[track_caller]
fn assert_debug_clean<T: std::fmt::Debug>(what: &str, value: &T) -> String {
    let plain = format!("{value:?}");
    assert_clean(what, &plain);
    assert_clean(what, &format!("{value:#?}"));
    plain
}

fn client_for(server: &MockServer) -> Client {
    let mut b = Client::builder().credentials("test_key", CLIENT_SECRET).retry(
        RetryPolicy::default()
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(10)),
    );
    for s in Server::ALL {
        b = b.base_url(s, server.url());
    }
    b.build().unwrap()
}

fn serve_secret_token(server: &MockServer) {
    server.on(TOKEN, |_, _| {
        MockResponse::json(json!({
            "data": {"access_token": CLIENT_TOKEN, "expires_in": 7200, "error_code": 0, "description": ""},
            "message": "success"
        }))
    });
}

/// An error body that echoes the credentials the way a careless gateway might.
fn echoing_body() -> String {
    json!({
        "error": "denied",
        "client_secret": CLIENT_SECRET,
        "access_token": ACCESS_TOKEN,
        "client_token": CLIENT_TOKEN,
        "refresh_token": REFRESH_TOKEN,
    })
    .to_string()
}

#[test]
fn secrets_and_token_types_do_not_show_their_values() {
    let s = Secret::new(CLIENT_SECRET);
    assert_eq!(assert_debug_clean("Secret", &s), "Secret(***)");
    assert_eq!(s.to_string(), "***");
    assert_eq!(s.expose(), CLIENT_SECRET);

    let decoded: ClientTokenData =
        serde_json::from_value(json!({"access_token": CLIENT_TOKEN, "expires_in": "7200"})).unwrap();
    assert_debug_clean("decoded ClientTokenData", &decoded);
    assert_debug_clean("UserTokenData", &user_tokens("open"));
    let renewed: RenewRefreshTokenData =
        serde_json::from_value(json!({"refresh_token": RENEWED_REFRESH, "expires_in": 2592000})).unwrap();
    assert_debug_clean("RenewRefreshTokenData", &renewed);
    assert_debug_clean("RefreshTokenRequest", &RefreshTokenRequest::new(Secret::new(REFRESH_TOKEN)));
    assert_debug_clean(
        "RenewRefreshTokenRequest",
        &RenewRefreshTokenRequest::new(Secret::new(REFRESH_TOKEN)),
    );
    assert_debug_clean("UserAuth", &UserAuth::new("open-id", ACCESS_TOKEN));
    assert_debug_clean(
        "StoredToken",
        &StoredToken::expiring_in(Secret::new(CLIENT_TOKEN), Duration::from_secs(60)),
    );
}

#[tokio::test]
async fn clients_builders_stores_and_sessions_do_not_show_secrets() {
    let server = MockServer::start().await;
    serve_secret_token(&server);
    server.on(CATEGORY, |_, _| MockResponse::json(ok_data(json!({"category_list": []}))));

    let mut builder = Client::builder().credentials("test_key", CLIENT_SECRET);
    for s in Server::ALL {
        builder = builder.base_url(s, server.url());
    }
    let store = Arc::new(MemoryTokenStore::new());
    let builder = builder.token_store(store.clone());
    let shown = assert_debug_clean("ClientBuilder", &builder);
    assert!(shown.contains("test_key"), "{shown}");
    let client = builder.build().unwrap();
    // With a client_token cached.
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    assert_eq!(server.requests_to(CATEGORY)[0].header("access-token"), Some(CLIENT_TOKEN));
    assert_debug_clean("Client", &client);
    assert_debug_clean("UserClient", &client.user(&UserAuth::new("open-id", ACCESS_TOKEN)));
    assert_debug_clean("Secret from client_token()", &client.client_token().await.unwrap());

    // The store holds the client_token, a lock, and a user session's tokens.
    let lock = store.try_lock("some-key", Duration::from_secs(5)).await.unwrap();
    assert!(lock.is_some());
    let tokens = user_tokens("open-7");
    let session = UserSession::from_tokens(&client, &tokens).await.unwrap();
    assert_debug_clean("UserSession", &session);
    assert_debug_clean("UserClient of a session", &client.user_session(&session));
    let shown = assert_debug_clean("MemoryTokenStore", &*store);
    assert!(shown.contains("Secret(***)"), "the store does hold tokens: {shown}");
    let token_store: &dyn TokenStore = &*store;
    let stored = token_store.get("test_key:client_token").await.unwrap();
    assert_debug_clean("a stored client_token", &stored);
}

/// Records the `Debug` form of every request a hook sees, and every outcome.
#[derive(Clone, Default)]
struct DebugEverything(Arc<Mutex<String>>);

impl Hook for DebugEverything {
    fn on_request(&self, _: &'static Endpoint, request: &mut reqwest::Request) {
        let line = format!("{request:?} {:?}\n", request.headers());
        self.0.lock().unwrap().push_str(&line);
    }
    fn on_outcome(&self, outcome: &Outcome<'_>) {
        let line = format!("{outcome:?} {:#}\n", outcome.error.map(|e| format!("{e:#}")).unwrap_or_default());
        self.0.lock().unwrap().push_str(&line);
    }
}

async fn errors_of_every_kind() -> Vec<Error> {
    let server = MockServer::start().await;
    serve_secret_token(&server);
    server.on(CATEGORY, |_, _| MockResponse::raw(500, echoing_body()));
    server.on("/alliance/kol/store/list/", |_, i| match i {
        0 => MockResponse::raw(200, format!("not json {}", echoing_body())),
        1 => MockResponse::raw(200, echoing_body()[..60].to_string()),
        2 => MockResponse::raw(503, format!("refresh_token={REFRESH_TOKEN}&client_secret={CLIENT_SECRET}")),
        _ => MockResponse::json(ok_data(json!({}))).delayed(Duration::from_secs(30)),
    });
    server.on("/oauth/refresh_token/", |_, _| MockResponse::raw(400, format!("echo: {}", echoing_body())));
    let client = client_for(&server);
    let no_retry = {
        let mut b = Client::builder()
            .credentials("test_key", CLIENT_SECRET)
            .retry(RetryPolicy::disabled())
            .timeout(Duration::from_millis(200))
            .max_response_bytes(10);
        for s in Server::ALL {
            b = b.base_url(s, server.url());
        }
        b.build().unwrap()
    };
    let user = client.user(&UserAuth::new("open-id", ACCESS_TOKEN));
    let list = KolStoreListRequest::new(1, 20);
    let refused = Client::builder()
        .credentials("test_key", CLIENT_SECRET)
        .base_url(Server::OpenDouyinEc, format!("http://{}", closed_port()))
        .base_url(Server::OpenDouyin, format!("http://{}", closed_port()))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let mut errors = vec![
        client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err(),
        user.kol_store_list(&list).await.unwrap_err(),
        user.kol_store_list(&list).await.unwrap_err(),
        no_retry.user(&UserAuth::new("open-id", ACCESS_TOKEN)).kol_store_list(&list).await.unwrap_err(),
        client.oauth_refresh_token(&RefreshTokenRequest::new(Secret::new(REFRESH_TOKEN))).await.unwrap_err(),
        refused.user(&UserAuth::new("open-id", ACCESS_TOKEN)).kol_store_list(&list).await.unwrap_err(),
        refused.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err(),
        no_retry.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err(),
        user.kol_store_list(&KolStoreListRequest::new(1, 500)).await.unwrap_err(),
        client
            .user(&UserAuth::new("open-id", format!("{ACCESS_TOKEN}\n")))
            .kol_store_list(&list)
            .await
            .unwrap_err(),
    ];
    server.on("/alliance/kol/store/list/", |_, _| {
        MockResponse::json(ok_data(json!({}))).delayed(Duration::from_secs(30))
    });
    errors.push(
        no_retry.user(&UserAuth::new("open-id", ACCESS_TOKEN)).kol_store_list(&list).await.unwrap_err(),
    );
    errors
}

#[tokio::test]
async fn errors_of_every_kind_do_not_show_secrets_even_when_the_server_echoes_them() {
    let errors = errors_of_every_kind().await;
    let mut kinds = Vec::new();
    for e in &errors {
        let what = format!("error of {}", e.endpoint());
        assert_clean(&what, &e.to_string());
        assert_clean(&what, &format!("{e:#}"));
        assert_debug_clean(&what, e);
        kinds.push(match e.kind() {
            ErrorKind::Api(_) => "Api",
            ErrorKind::HttpStatus { .. } => "HttpStatus",
            ErrorKind::Transport(_) => "Transport",
            ErrorKind::Timeout { .. } => "Timeout",
            ErrorKind::Decode { .. } => "Decode",
            ErrorKind::BodyTooLarge { .. } => "BodyTooLarge",
            ErrorKind::Token(_) => "Token",
            ErrorKind::InvalidInput { .. } => "InvalidInput",
            ErrorKind::Config(_) => "Config",
            _ => "other",
        });
    }
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["BodyTooLarge", "Config", "Decode", "HttpStatus", "InvalidInput", "Timeout", "Token", "Transport"],
        "every kind that can carry text from the wire or the caller is covered"
    );
}

#[tokio::test]
async fn a_client_token_answer_that_cannot_be_decoded_does_not_leak_the_token() {
    for body in [
        // Wrong type of expires_in.
        json!({"data": {"access_token": CLIENT_TOKEN, "expires_in": "soon", "error_code": 0}}).to_string(),
        // Truncated right after the token.
        format!(r#"{{"data":{{"access_token":"{CLIENT_TOKEN}","expi"#),
        // A well-formed `data` next to a malformed `extra`.
        json!({"data": {"access_token": CLIENT_TOKEN, "expires_in": 7200, "error_code": 0}, "extra": "oops"})
            .to_string(),
        // Pretty-printed, with the expiry missing.
        serde_json::to_string_pretty(&json!({"data": {"access_token": CLIENT_TOKEN, "error_code": 0}}))
            .unwrap(),
        // Not the envelope at all.
        format!("access_token={CLIENT_TOKEN}&expires_in=7200"),
    ] {
        let server = MockServer::start().await;
        server.on(TOKEN, move |_, _| MockResponse::raw(200, body.clone()));
        let client = client_for(&server);
        let err =
            client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
        let ErrorKind::Token(inner) = err.kind() else { panic!("expected Token, got {err:#}") };
        assert!(matches!(inner.kind(), ErrorKind::Decode { .. }), "{err:#}");
        assert_clean("Display", &err.to_string());
        assert_clean("alternate Display", &format!("{err:#}"));
        assert_debug_clean("Debug", &err);
        let direct = client.oauth_client_token().await.unwrap_err();
        assert_clean("Display", &format!("{direct} {direct:#}"));
        assert_debug_clean("Debug", &direct);
    }
}

#[tokio::test]
async fn hooks_see_credentials_only_as_sensitive_headers() {
    let server = MockServer::start().await;
    serve_secret_token(&server);
    server.on(CATEGORY, |_, _| MockResponse::json(ok_data(json!({"category_list": []}))));
    server.on("/alliance/kol/store/list/", |_, _| MockResponse::raw(503, echoing_body()));
    let seen = DebugEverything::default();
    let mut b = Client::builder()
        .credentials("test_key", CLIENT_SECRET)
        .retry(RetryPolicy::disabled())
        .hook(seen.clone());
    for s in Server::ALL {
        b = b.base_url(s, server.url());
    }
    let client = b.build().unwrap();
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    client
        .user(&UserAuth::new("open-id", ACCESS_TOKEN))
        .kol_store_list(&KolStoreListRequest::new(1, 20))
        .await
        .unwrap_err();
    let text = seen.0.lock().unwrap().clone();
    assert!(text.contains("Sensitive") && text.contains("materials_product_category"), "{text}");
    assert_clean("hook output", &text);
}

/// Captures everything at TRACE level on this thread (`log` records included), with span
/// fields and span open/close events.
fn capture() -> (Logs, tracing::dispatcher::DefaultGuard) {
    Logs::capture(tracing::Level::TRACE, true)
}

#[tokio::test]
async fn logs_of_failing_calls_show_no_secret() {
    let (logs, _guard) = capture();
    // Errors of every kind, several with the secrets echoed in the body.
    let errors = errors_of_every_kind().await;
    assert!(errors.len() > 5);
    // A rejected client_token, refetched.
    let server = MockServer::start().await;
    server.on(TOKEN, |_, i| {
        MockResponse::json(json!({"data": {"access_token": format!("{CLIENT_TOKEN}-{i}"), "expires_in": 7200, "error_code": 0}}))
    });
    server.on(CATEGORY, |_, _| {
        MockResponse::json(json!({"data": {"error_code": 10008, "description": "access_token无效"}, "extra": {"logid": "LOGID-10008"}}))
    });
    client_for(&server)
        .materials_product_category(&MaterialsProductCategoryRequest::new(0))
        .await
        .unwrap_err();

    let text = logs.text();
    for expected in [
        "douyin_call",
        "materials_product_category",
        "kol_store_list",
        "oauth_refresh_token",
        "call failed",
        "client_token rejected",
        "LOGID-10008",
        "status=500",
    ] {
        assert!(text.contains(expected), "the logs lack `{expected}`:\n{text}");
    }
    assert_clean("logs", &text);
}

#[tokio::test]
async fn logs_of_a_retried_call_show_no_secret() {
    let (logs, _guard) = capture();
    let server = MockServer::start().await;
    serve_secret_token(&server);
    server.on(CATEGORY, |_, i| {
        if i < 2 {
            MockResponse::raw(503, echoing_body())
        } else {
            MockResponse::json(ok_data(json!({"category_list": []})))
        }
    });
    server.on("/alliance/kol/store/list/", |_, i| {
        if i < 1 {
            MockResponse::raw(429, echoing_body())
        } else {
            MockResponse::json(ok_data(json!({})))
        }
    });
    let client = client_for(&server);
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    client
        .user(&UserAuth::new("open-id", ACCESS_TOKEN))
        .kol_store_list(&KolStoreListRequest::new(1, 20))
        .await
        .unwrap();
    assert_eq!(server.requests_to(CATEGORY).len(), 3);
    let text = logs.text();
    assert!(text.matches("retrying").count() >= 3, "{text}");
    for expected in ["attempt=3", "status=503", "status=429", "call succeeded", "latency_ms"] {
        assert!(text.contains(expected), "the logs lack `{expected}`:\n{text}");
    }
    assert_clean("logs", &text);
}

/// A user's tokens as the platform answers them (response types are read, not built: tests make
/// them from JSON).
fn user_tokens(open_id: &str) -> UserTokenData {
    serde_json::from_value(json!({
        "access_token": ACCESS_TOKEN,
        "expires_in": 1296000,
        "refresh_token": REFRESH_TOKEN,
        "refresh_expires_in": 2592000,
        "open_id": open_id,
        "scope": "user_info",
    }))
    .unwrap()
}
