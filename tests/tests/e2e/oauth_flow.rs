//! Creators' web authorization end to end, as a browser goes through it (without a browser):
//! the app's login route, the sandbox's consent page and its form, the callback route with the
//! signed cookie, and every refusal: a replayed callback, a tampered state, no cookie, a
//! decline, an unregistered callback; and the state shared by replicas through Redis, used once.

use std::sync::Arc;

use axum::response::IntoResponse;
use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::oauth::{AuthorizationFlow, Grant};
use douyin_alliance::{endpoints, Client, TokenStore};
use douyin_alliance_axum::oauth::{OAuthRoutes, COOKIE};
use douyin_sandbox::{Sandbox, SandboxConfig};
use e2e_tests::within;
use reqwest::header::{COOKIE as COOKIE_HEADER, LOCATION, SET_COOKIE};
use serde_json::{json, Value};

use crate::redis_tokens::{redis, unique_prefix};

const KEY: [u8; 64] = [42; 64];

/// The app's routes on a free port, for `client`: the success hook answers the session's
/// open_id and the grant as JSON.
async fn app(client: &Client, port: u16) -> String {
    let base = format!("http://127.0.0.1:{port}");
    let flow = AuthorizationFlow::new(client, format!("{base}/douyin/callback"))
        .endpoints([&endpoints::KOL_STORE_LIST])
        .optional_scope("alliance.kol.orders");
    let routes = OAuthRoutes::new(flow, &KEY).unwrap().secure_cookie(false).on_success(|done| async move {
        let grant = match done.grant {
            Grant::Complete => json!("complete"),
            Grant::Missing(m) => json!({"missing": m}),
            _ => json!("unknown"),
        };
        axum::Json(json!({"open_id": done.session.open_id(), "granted": done.granted, "grant": grant}))
            .into_response()
    });
    serve_on(port, axum::Router::new().nest("/douyin", routes.router())).await;
    base
}

async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

async fn serve_on(port: u16, app: axum::Router) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_string()
}

/// `/login`: the consent page's URL and the cookie to send back (`name=value`).
async fn login(base: &str) -> (String, String) {
    let r = http().get(format!("{base}/douyin/login")).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with(&format!("{COOKIE}=")), "{set}");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"), "{set}");
    (location(&r), set.split(';').next().unwrap().to_string())
}

/// Opens the consent page and submits it: `decision` with the optional scopes `ticked`;
/// the callback URL the platform redirects to.
async fn consent(page_url: &str, decision: &str, ticked: &[&str]) -> String {
    let page = http().get(page_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("管理你的商品橱窗") && html.contains("alliance.kol.store_manage"), "{html}");
    assert!(html.contains(r#"type="checkbox" name="grant" value="alliance.kol.orders" checked"#), "{html}");
    let mut form = douyin_sandbox::consent_form(&html);
    form.push(("decision".into(), decision.into()));
    form.extend(ticked.iter().map(|s| ("grant".to_string(), s.to_string())));
    let action = page_url.split('?').next().unwrap();
    let r = http().post(action).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 302);
    location(&r)
}

async fn callback(url: &str, cookie: Option<&str>) -> (u16, String) {
    let mut r = http().get(url);
    if let Some(c) = cookie {
        r = r.header(COOKIE_HEADER, c);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_creator_logs_in_through_the_consent_page_once() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().build().unwrap();
        let base = app(&client, free_port().await).await;
        let (page, cookie) = login(&base).await;
        assert!(page.starts_with(&sandbox.base_url(douyin_alliance::endpoint::Server::OpenDouyin)), "{page}");
        let back = consent(&page, "approve", &["alliance.kol.orders"]).await;
        assert!(back.starts_with(&format!("{base}/douyin/callback?code=")), "{back}");
        let (status, body) = callback(&back, Some(&cookie)).await;
        assert_eq!(status, 200, "{body}");
        let done: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(done["open_id"], Sandbox::DEFAULT_OPEN_ID);
        assert_eq!(done["grant"], "complete");
        assert_eq!(done["granted"], json!(["alliance.kol.store_manage", "alliance.kol.orders"]));
        // The session works: the showcase answers.
        let session = douyin_alliance::auth::UserSession::resume(&client, Sandbox::DEFAULT_OPEN_ID);
        let user = client.user_session(&session);
        user.kol_store_list(&douyin_alliance::types::KolStoreListRequest::new(1, 20)).await.unwrap();

        // The same callback again: refused, whatever the cookie.
        let (status, body) = callback(&back, Some(&cookie)).await;
        assert_eq!(status, 400);
        assert!(body.contains("used already"), "{body}");
    })
    .await;
}

#[tokio::test]
async fn tampered_states_missing_cookies_declines_and_strange_callbacks_are_refused() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().build().unwrap();
        let base = app(&client, free_port().await).await;

        // Unticking the optional scope: granted without it, and the grant is still complete.
        let (page, cookie) = login(&base).await;
        let back = consent(&page, "approve", &[]).await;
        let (_, body) = callback(&back, Some(&cookie)).await;
        let done: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (done["granted"].clone(), done["grant"].clone()),
            (json!(["alliance.kol.store_manage"]), json!("complete"))
        );

        // A tampered state: unknown.
        let (page, cookie) = login(&base).await;
        let back = consent(&page, "approve", &[]).await;
        let tampered = back.replace("state=", "state=0");
        let (status, body) = callback(&tampered, Some(&cookie)).await;
        assert_eq!(status, 400);
        assert!(body.contains("unknown or expired"), "{body}");
        // Without the cookie (another browser): refused; with a forged one: refused too.
        let (status, body) = callback(&back, None).await;
        assert_eq!(status, 400);
        assert!(body.contains("cookie is missing"), "{body}");
        let forged = format!("{COOKIE}=not-signed-by-the-app");
        assert_eq!(callback(&back, Some(&forged)).await.0, 400);
        // The state is still good for its own browser.
        assert_eq!(callback(&back, Some(&cookie)).await.0, 200);

        // A decline comes back as an error, and uses the state up.
        let (page, cookie) = login(&base).await;
        let back = consent(&page, "deny", &[]).await;
        assert!(back.contains("error=access_denied"), "{back}");
        let (status, body) = callback(&back, Some(&cookie)).await;
        assert_eq!(status, 403);
        assert!(body.contains("access_denied"), "{body}");

        // A callback the app did not register: the platform's 10006, no page.
        let mut evil = url::Url::parse(&page).unwrap();
        let pairs: Vec<(String, String)> = evil.query_pairs().into_owned().collect();
        evil.query_pairs_mut().clear().extend_pairs(pairs.iter().map(|(k, v)| {
            (k.as_str(), if k == "redirect_uri" { "https://evil.example/callback" } else { v.as_str() })
        }));
        let r: Value =
            serde_json::from_slice(&http().get(evil).send().await.unwrap().bytes().await.unwrap()).unwrap();
        assert_eq!(r["data"]["error_code"], 10006, "{r}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_sharing_redis_finish_a_state_once() {
    within(60, async {
        let redis = redis();
        let prefix = unique_prefix("oauth-state");
        let sandbox = Sandbox::start_with(SandboxConfig::default()).await.unwrap();
        let replica = || {
            let store: Arc<dyn TokenStore> =
                Arc::new(RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone()));
            sandbox.client_builder().token_store(store).build().unwrap()
        };
        // One port for the callback both replicas register; each replica serves its own.
        let (a, b) = (replica(), replica());
        let base_a = app(&a, free_port().await).await;
        let base_b = app(&b, free_port().await).await;
        let (page, cookie) = login(&base_a).await;
        let back = consent(&page, "approve", &[]).await;
        // The platform sends the browser to replica B (a load balancer), twice at once.
        let on_b = back.replace(&base_a, &base_b);
        let (x, y) = tokio::join!(callback(&on_b, Some(&cookie)), callback(&on_b, Some(&cookie)));
        let mut statuses = [x.0, y.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 400], "one finishes, the other is refused: {x:?} {y:?}");
    })
    .await;
}
