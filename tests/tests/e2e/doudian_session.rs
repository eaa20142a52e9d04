//! Doudian authority tokens kept in the token store: created once, refreshed within their last
//! half hour once for every replica sharing Redis, a token the gateway rejects refreshed once,
//! and a refused refresh_token a typed re-authorization error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::auth::{AuthorityTokens, DoudianSession};
use douyin_alliance::endpoint::Authority;
use douyin_alliance::types::KolProductShareRequest;
use douyin_alliance::{Client, ErrorKind};
use e2e_tests::{err_gateway, ok_gateway, within, MockResponse, MockServer};
use serde_json::json;

use crate::redis_tokens::{redis, unique_prefix};

const SHARE: &str = "/buyin/kolProductShare";
const REFRESH: &str = "/token/refresh";
const CREATE: &str = "/token/create";

fn tokens(access: &str, expires_in: i64, refresh: &str) -> serde_json::Value {
    ok_gateway(json!({"access_token": access, "expires_in": expires_in, "refresh_token": refresh}))
}

fn share() -> KolProductShareRequest {
    KolProductShareRequest::new("https://haohuo.jinritemai.com/views/product/item2?id=1", "dy_1")
}

/// Answers kolProductShare only for `token` (any other: `isv.access-token-expired`).
fn serve_share_for(server: &MockServer, token: &'static str) {
    server.on(SHARE, move |req, _| {
        if req.query_pairs().iter().any(|(k, v)| k == "access_token" && v == token) {
            MockResponse::json(ok_gateway(json!({"dy_password": "口令"})))
        } else {
            MockResponse::json(err_gateway(40003, "isv.access-token-expired", "access_token已过期"))
        }
    });
}

#[tokio::test]
async fn a_session_is_created_from_a_code_and_kept_for_other_clients() {
    let server = MockServer::start().await;
    server.on(CREATE, |_, _| MockResponse::json(tokens("dd.first", 604_800, "dd.r1")));
    serve_share_for(&server, "dd.first");
    let store: Arc<dyn douyin_alliance::TokenStore> = Arc::new(douyin_alliance::MemoryTokenStore::new());
    let client = server.client_builder().token_store(store.clone()).build().unwrap();
    let session = DoudianSession::create(&client, Authority::Kol, "creator-1", "the-code").await.unwrap();
    let created = &server.requests_to(CREATE)[0];
    assert_eq!(created.json(), json!({"code": "the-code", "grant_type": "authorization_code"}));
    let link = client.doudian_session(&session).buyin_kol_product_share(&share()).await.unwrap();
    assert_eq!(link.dy_password.as_deref(), Some("口令"));
    // Another client on the same store resumes it without a call.
    let other = server.client_builder().token_store(store).build().unwrap();
    let resumed = DoudianSession::resume(&other, Authority::Kol, "creator-1");
    assert_eq!(resumed.auth().await.unwrap().access_token.expose(), "dd.first");
    assert_eq!(server.requests_to(REFRESH).len(), 0);
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_sent_again() {
    let server = MockServer::start().await;
    server.on(REFRESH, |_, _| MockResponse::json(tokens("dd.second", 604_800, "dd.r2")));
    serve_share_for(&server, "dd.second");
    let client = server.client_builder().build().unwrap();
    let first = AuthorityTokens::from(("dd.first", 604_800, "dd.r1"));
    let session = DoudianSession::from_tokens(&client, Authority::Kol, "c", first).await.unwrap();
    let link = client.doudian_session(&session).buyin_kol_product_share(&share()).await.unwrap();
    assert_eq!(link.dy_password.as_deref(), Some("口令"));
    assert_eq!(server.requests_to(SHARE).len(), 2, "the rejected call and the one after the refresh");
    let refresh = &server.requests_to(REFRESH)[0];
    assert_eq!(refresh.json(), json!({"grant_type": "refresh_token", "refresh_token": "dd.r1"}));
}

#[tokio::test]
async fn a_refused_refresh_token_asks_for_authorization_again() {
    let server = MockServer::start().await;
    server.on(REFRESH, |_, _| {
        MockResponse::json(err_gateway(
            50001,
            "dop.token-generate-failed:token-expired",
            "生成token失败，token已过期",
        ))
    });
    let client = server.client_builder().build().unwrap();
    let near_end = AuthorityTokens::from(("dd.old", 60, "dd.r-old"));
    let session = DoudianSession::from_tokens(&client, Authority::Kol, "c", near_end).await.unwrap();
    let e = session.auth().await.unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::ReauthorizationRequired { .. }), "{e}");
    let nothing =
        DoudianSession::resume(&client, Authority::Colonel, "never-stored").auth().await.unwrap_err();
    assert!(matches!(nothing.kind(), ErrorKind::ReauthorizationRequired { .. }), "{nothing}");
}

#[tokio::test]
async fn replicas_sharing_redis_refresh_a_token_near_its_end_once() {
    let redis = redis();
    let prefix = unique_prefix("doudian-session");
    let server = MockServer::start().await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let seen = refreshes.clone();
    server.on(REFRESH, move |_, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        MockResponse::json(tokens("dd.fresh", 604_800, "dd.r-fresh"))
    });
    let replica = || {
        let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
        server.client_builder().token_store(Arc::new(store)).build().unwrap()
    };
    let first = replica();
    // Twenty minutes left: inside the refresh window.
    let near_end = AuthorityTokens::from(("dd.old", 1200, "dd.r-old"));
    DoudianSession::from_tokens(&first, Authority::Institution, "inst-9", near_end).await.unwrap();
    let replicas: Vec<Client> = (0..4).map(|_| replica()).collect();
    let calls = replicas.iter().flat_map(|c| {
        (0..4).map(move |_| async move {
            DoudianSession::resume(c, Authority::Institution, "inst-9").auth().await
        })
    });
    let auths = within(10, futures_util::future::join_all(calls)).await;
    for a in auths {
        assert_eq!(a.unwrap().access_token.expose(), "dd.fresh");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "one refresh for 4 replicas × 4 callers");
}

/// A gateway double whose `token.refresh` is slow (so the processes arrive while it is in
/// flight) and answers `access`; the count of refreshes it served.
async fn slow_refresh(access: &'static str) -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let refreshes = Arc::new(AtomicUsize::new(0));
    let seen = refreshes.clone();
    server.on(REFRESH, move |_, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(200));
        MockResponse::json(tokens(access, 604_800, "dd.r-fresh"))
    });
    (server, refreshes)
}

/// Runs `processes` doudian_worker replicas of `calls` callers each on the store at
/// `store_url` (keys or tables under `prefix`) for the institution `id`, and checks that every
/// caller of every process got `expected`.
async fn replicas_get(
    server: &MockServer,
    store_url: &str,
    prefix: &str,
    id: &str,
    (processes, calls): (usize, usize),
    expected: &str,
) {
    use std::process::{Command, Stdio};
    let calls_text = calls.to_string();
    let children: Vec<_> = (0..processes)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_doudian_worker"))
                .args([server.url().as_str(), store_url, prefix, id, calls_text.as_str()])
                .env("DOUDIAN_WORKER_SECRET", e2e_tests::DOUDIAN_APP_SECRET)
                .env("DOUDIAN_WORKER_STORE_KEY", STORE_KEY_HEX)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("doudian_worker starts")
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        children.into_iter().map(|c| c.wait_with_output().expect("doudian_worker ends")).collect::<Vec<_>>()
    });
    for out in within(60, outputs).await.unwrap() {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let tokens: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("token ")).collect();
        assert_eq!(tokens, vec![expected; calls], "every caller of every process has the new token");
    }
}

/// The SQL store's key, as the workers read it.
const STORE_KEY_HEX: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// Twenty minutes left: inside the refresh window.
fn near_end() -> AuthorityTokens {
    AuthorityTokens::from(("dd.old", 1200, "dd.r-old"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_sharing_redis_refresh_a_token_near_its_end_once() {
    let redis = redis();
    let prefix = unique_prefix("doudian-processes");
    let (server, refreshes) = slow_refresh("dd.fresh").await;
    let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
    let seeding = server.client_builder().token_store(Arc::new(store)).build().unwrap();
    DoudianSession::from_tokens(&seeding, Authority::Institution, "inst-4p", near_end()).await.unwrap();
    replicas_get(&server, &redis, &prefix, "inst-4p", (4, 4), "dd.fresh").await;
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "one refresh for 4 processes × 4 callers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_sharing_postgres_refresh_a_token_near_its_end_once() {
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let prefix = format!("e2e_{:x}_{}", nanos % 0xffff_ffff, std::process::id());
    let mut key = [0u8; 32];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&STORE_KEY_HEX[i * 2..i * 2 + 2], 16).unwrap();
    }
    let store = douyin_alliance_sql::SqlTokenStore::connect_with_prefix(
        &url,
        douyin_alliance_sql::EncryptionKey::from_bytes(key),
        &prefix,
    )
    .await
    .unwrap();
    let store = Arc::new(store);
    let (server, refreshes) = slow_refresh("dd.fresh-sql").await;
    let seeding = server.client_builder().token_store(store.clone()).build().unwrap();
    DoudianSession::from_tokens(&seeding, Authority::Institution, "inst-8p", near_end()).await.unwrap();
    replicas_get(&server, &url, &prefix, "inst-8p", (8, 2), "dd.fresh-sql").await;
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "one refresh for 8 processes on PostgreSQL");
    store.drop_tables().await.unwrap();
}
