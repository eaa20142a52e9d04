//! The user token lifecycle (issue 7): a session refreshes the access_token once for all
//! callers, renews the refresh_token near its end, and reports re-authorization when needed.

use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::auth::UserSession;
use douyin_alliance::types::{KolStoreListRequest, UserTokenData};
use douyin_alliance::{ErrorKind, MemoryTokenStore, SessionPolicy};
use e2e_tests::{err_data, ok_data, within, MockResponse, MockServer};

const DAY: i64 = 24 * 3600;

fn tokens(access: &str, expires_in: i64, refresh: &str, refresh_expires_in: i64) -> UserTokenData {
    serde_json::from_value(serde_json::json!({
        "access_token": access, "expires_in": expires_in, "refresh_token": refresh,
        "refresh_expires_in": refresh_expires_in, "open_id": "creator-1", "scope": "user_info"
    }))
    .unwrap()
}

/// /oauth/refresh_token/ hands out `act.refreshed-N` (15 days) after `delay`.
fn serve_refresh(server: &MockServer, delay: Duration) {
    server.on("/oauth/refresh_token/", move |req, i| {
        let form = req.form();
        let refresh =
            form.iter().find(|(k, _)| k == "refresh_token").map(|(_, v)| v.clone()).unwrap_or_default();
        MockResponse::json(ok_data(serde_json::json!({
            "access_token": format!("act.refreshed-{i}"), "expires_in": "1296000", "refresh_token": refresh,
            "refresh_expires_in": "2592000", "open_id": "creator-1", "scope": "user_info"
        })))
        .delayed(delay)
    });
}

/// kol/store/list accepts only the tokens in `valid`.
fn serve_store_list(server: &MockServer, valid: &'static [&'static str]) {
    server.on("/alliance/kol/store/list/", move |req, _| {
        let token = req.header("access-token").unwrap_or_default();
        if valid.contains(&token) {
            MockResponse::json(ok_data(serde_json::json!({"total": 0, "results": []})))
        } else {
            MockResponse::json(err_data(10008, "access_token invalid"))
        }
    });
}

#[tokio::test]
async fn a_nearly_expired_access_token_is_refreshed_once_for_concurrent_calls() {
    let server = MockServer::start().await;
    serve_refresh(&server, Duration::from_millis(100));
    serve_store_list(&server, &["act.refreshed-0"]);
    let client = server.client_builder().build().unwrap();
    // 1 hour left: within the default 1-day refresh margin.
    let session =
        UserSession::from_tokens(&client, &tokens("act.old", 3600, "rft.one", 29 * DAY)).await.unwrap();
    let user = client.user_session(&session);
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let u = user.clone();
            tokio::spawn(async move { u.kol_store_list(&KolStoreListRequest::new(1, 20)).await })
        })
        .collect();
    within(20, async {
        for c in calls {
            c.await.unwrap().unwrap();
        }
    })
    .await;
    let refreshes = server.requests_to("/oauth/refresh_token/");
    assert_eq!(refreshes.len(), 1);
    let form = refreshes[0].form();
    assert!(form.contains(&("refresh_token".into(), "rft.one".into())), "{form:?}");
    assert!(form.contains(&("grant_type".into(), "refresh_token".into())));
    assert!(!form.iter().any(|(k, _)| k == "client_secret"), "refresh_token takes no client_secret");
    assert!(server.requests_to("/oauth/renew_refresh_token/").is_empty(), "29 days left: no renewal yet");
    for r in server.requests_to("/alliance/kol/store/list/") {
        assert_eq!(r.header("access-token"), Some("act.refreshed-0"));
        assert_eq!(r.query_param("open_id").as_deref(), Some("creator-1"));
    }
}

#[tokio::test]
async fn a_fresh_access_token_is_used_as_is() {
    let server = MockServer::start().await;
    serve_refresh(&server, Duration::ZERO);
    serve_store_list(&server, &["act.fresh"]);
    let client = server.client_builder().build().unwrap();
    let session =
        UserSession::from_tokens(&client, &tokens("act.fresh", 15 * DAY, "rft.one", 30 * DAY)).await.unwrap();
    client.user_session(&session).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    assert!(server.requests_to("/oauth/refresh_token/").is_empty());
}

#[tokio::test]
async fn a_refresh_token_near_its_end_is_renewed_before_refreshing() {
    let server = MockServer::start().await;
    serve_refresh(&server, Duration::ZERO);
    serve_store_list(&server, &["act.refreshed-0"]);
    server.on("/oauth/renew_refresh_token/", |_, i| {
        MockResponse::json(ok_data(
            serde_json::json!({"refresh_token": format!("rft.renewed-{i}"), "expires_in": 2592000}),
        ))
    });
    let client = server.client_builder().build().unwrap();
    let session =
        UserSession::from_tokens(&client, &tokens("act.old", 60, "rft.old", 10 * DAY)).await.unwrap();
    within(20, client.user_session(&session).kol_store_list(&KolStoreListRequest::new(1, 20))).await.unwrap();
    let renew = server.requests_to("/oauth/renew_refresh_token/");
    assert_eq!(renew.len(), 1);
    assert!(renew[0].form().contains(&("refresh_token".into(), "rft.old".into())));
    let refresh = server.requests_to("/oauth/refresh_token/");
    assert_eq!(refresh.len(), 1);
    assert!(
        refresh[0].form().contains(&("refresh_token".into(), "rft.renewed-0".into())),
        "refresh uses the renewed token"
    );
}

#[tokio::test]
async fn exhausted_renewals_keep_refreshing_until_the_refresh_token_expires() {
    let server = MockServer::start().await;
    serve_refresh(&server, Duration::ZERO);
    serve_store_list(&server, &["act.refreshed-0"]);
    server.on("/oauth/renew_refresh_token/", |_, _| {
        MockResponse::json(err_data(10020, "renew_refresh_token exceeds limit"))
    });
    let client = server.client_builder().build().unwrap();
    let session =
        UserSession::from_tokens(&client, &tokens("act.old", 60, "rft.old", 10 * DAY)).await.unwrap();
    within(20, client.user_session(&session).kol_store_list(&KolStoreListRequest::new(1, 20))).await.unwrap();
    assert_eq!(server.requests_to("/oauth/renew_refresh_token/").len(), 1);
    assert_eq!(server.requests_to("/oauth/refresh_token/").len(), 1);
}

#[tokio::test]
async fn an_expired_refresh_token_asks_for_reauthorization() {
    let server = MockServer::start().await;
    server.on("/oauth/refresh_token/", |_, _| MockResponse::json(err_data(10010, "refresh_token expired")));
    let client = server.client_builder().build().unwrap();
    let session =
        UserSession::from_tokens(&client, &tokens("act.old", 60, "rft.old", 29 * DAY)).await.unwrap();
    let err = within(20, client.user_session(&session).kol_store_list(&KolStoreListRequest::new(1, 20)))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ReauthorizationRequired { .. }), "{err:#}");
    assert!(err.to_string().contains("authorize the app again"), "{err}");
    assert!(server.requests_to("/alliance/kol/store/list/").is_empty(), "nothing sent without a valid token");
}

#[tokio::test]
async fn an_unknown_user_asks_for_reauthorization() {
    let server = MockServer::start().await;
    let client = server.client_builder().build().unwrap();
    let session = UserSession::resume(&client, "never-authorized");
    let err = within(20, session.auth()).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::ReauthorizationRequired { .. }), "{err:#}");
}

#[tokio::test]
async fn a_rejected_access_token_is_refreshed_and_the_call_sent_again() {
    let server = MockServer::start().await;
    serve_refresh(&server, Duration::ZERO);
    serve_store_list(&server, &["act.refreshed-0"]);
    let client = server.client_builder().build().unwrap();
    // Looks fresh locally, but the platform revoked it.
    let session = UserSession::from_tokens(&client, &tokens("act.revoked", 15 * DAY, "rft.one", 29 * DAY))
        .await
        .unwrap();
    within(20, client.user_session(&session).kol_store_list(&KolStoreListRequest::new(1, 20))).await.unwrap();
    let sent: Vec<_> = server
        .requests_to("/alliance/kol/store/list/")
        .iter()
        .filter_map(|r| r.header("access-token").map(str::to_string))
        .collect();
    assert_eq!(sent, ["act.revoked", "act.refreshed-0"]);
    assert_eq!(server.requests_to("/oauth/refresh_token/").len(), 1);
}

#[tokio::test]
async fn sessions_are_shared_through_the_store_between_clients() {
    let server = MockServer::start().await;
    serve_refresh(&server, Duration::from_millis(50));
    serve_store_list(&server, &["act.refreshed-0"]);
    let store = Arc::new(MemoryTokenStore::new());
    let a = server.client_builder().token_store(store.clone()).build().unwrap();
    let b = server.client_builder().token_store(store).build().unwrap();
    UserSession::from_tokens(&a, &tokens("act.old", 60, "rft.one", 29 * DAY)).await.unwrap();
    // Another replica resumes the session by open_id and refreshes it; the first sees the result.
    let on_b = UserSession::resume(&b, "creator-1");
    within(20, b.user_session(&on_b).kol_store_list(&KolStoreListRequest::new(1, 20))).await.unwrap();
    let on_a = UserSession::resume(&a, "creator-1");
    within(20, a.user_session(&on_a).kol_store_list(&KolStoreListRequest::new(1, 20))).await.unwrap();
    assert_eq!(server.requests_to("/oauth/refresh_token/").len(), 1);
    let policy = SessionPolicy::default();
    assert!(
        policy.renew_before > Duration::from_secs(15 * 24 * 3600),
        "renewal happens before an access_token lifetime remains"
    );
}
