//! The sandbox refuses what the platform would refuse, by the spec: missing fields, wrong
//! types, broken constraints, wrong content type, wrong method. Requests are sent raw (the SDK
//! would not build them), and through an SDK whose requests a hook breaks on purpose.

use e2e_tests::within;

use douyin_alliance::endpoint::{Endpoint, Server};
use douyin_alliance::types::{AccessTokenRequest, KolStoreListRequest};
use douyin_alliance::{Hook, RetryPolicy, UserAuth};
use douyin_sandbox::Sandbox;
use serde_json::{json, Value};

/// A sandbox with one authorized creator and a client_token, for raw requests.
struct Raw {
    sandbox: Sandbox,
    http: reqwest::Client,
    user_token: String,
    client_token: String,
}

const OPEN_ID: &str = "creator-raw";

impl Raw {
    async fn start() -> Raw {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().build().unwrap();
        let code = sandbox.authorize_all(OPEN_ID);
        let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
        let client_token = client.client_token().await.unwrap().expose().to_string();
        Raw {
            http: reqwest::Client::new(),
            user_token: t.access_token.expose().to_string(),
            client_token,
            sandbox,
        }
    }

    async fn send(
        &self,
        method: reqwest::Method,
        server: Server,
        path_and_query: &str,
        content_type: Option<&str>,
        token: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> (u16, http::HeaderMap, Value) {
        let url = format!("{}{path_and_query}", self.sandbox.base_url(server));
        let mut rb = self.http.request(method, url).body(body);
        if let Some(ct) = content_type {
            rb = rb.header("content-type", ct);
        }
        if let Some(t) = token {
            rb = rb.header("access-token", t);
        }
        let resp = rb.send().await.unwrap();
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        let bytes = resp.bytes().await.unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)));
        (status, headers, body)
    }

    /// A user call on open.douyinec.com with a JSON content type.
    async fn user_json(&self, path: &str, body: &str) -> Value {
        let path = format!("{path}?open_id={OPEN_ID}");
        let (status, _, v) = self
            .send(
                reqwest::Method::POST,
                Server::OpenDouyinEc,
                &path,
                Some("application/json"),
                Some(&self.user_token),
                body.to_string(),
            )
            .await;
        assert_eq!(status, 200);
        v
    }

    /// An OAuth call on open.douyin.com.
    async fn oauth(&self, path: &str, content_type: &str, body: &str) -> Value {
        let (status, _, v) = self
            .send(reqwest::Method::POST, Server::OpenDouyin, path, Some(content_type), None, body.to_string())
            .await;
        assert_eq!(status, 200);
        v
    }
}

/// Asserts a `data`+`extra` parameter error with `code` whose description names `field`.
fn assert_param_error(v: &Value, code: i64, field: &str, words: &str) {
    assert_eq!(v["data"]["error_code"], code, "{v}");
    let text = v["data"]["description"].as_str().unwrap_or_default();
    assert!(text.contains(&format!("`{field}`")), "`{field}` not named: {text}");
    assert!(text.contains(words), "`{words}` not in: {text}");
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    within(60, async {
        let raw = Raw::start().await;
        let v = raw
            .user_json(
                "/alliance/store/add/",
                r#"{"products":[{"product_id":3400312511185213726}],"pick_extra":""}"#,
            )
            .await;
        assert_param_error(&v, 2100005, "need_hide", "is required");
        let v = raw
            .user_json("/alliance/store/add/", r#"{"products":[{}],"need_hide":false,"pick_extra":""}"#)
            .await;
        assert_param_error(&v, 2100005, "products[0].product_id", "is required");
        let v = raw.user_json("/alliance/kol/store/remove/", r#"{"products":[{"product_id":1}]}"#).await;
        assert_param_error(&v, 2100005, "products[0].promotion_id", "is required");
        // The platform's form of kol_store_remove, not the replaced class's top-level fields.
        let v = raw.user_json("/alliance/kol/store/remove/", r#"{"product_id":1,"promotion_id":2}"#).await;
        assert_param_error(&v, 2100005, "products", "is required");
        assert_eq!(raw.sandbox.requests("store_add"), 2);
    })
    .await;
}

#[tokio::test]
async fn wrong_types_and_broken_constraints_are_named() {
    within(60, async {
        let raw = Raw::start().await;
        let v = raw.user_json("/alliance/kol/store/list/", r#"{"page":"1","page_size":20}"#).await;
        assert_param_error(&v, 2100005, "page", "must be a 64-bit integer");
        let v = raw.user_json("/alliance/kol/store/list/", r#"{"page":0,"page_size":20}"#).await;
        assert_param_error(&v, 2100005, "page", "at least 1");
        let v = raw
            .user_json(
                "/alliance/store/add/",
                r#"{"products":[{"product_id":"12ab"}],"need_hide":false,"pick_extra":""}"#,
            )
            .await;
        assert_param_error(&v, 2100005, "products[0].product_id", "64-bit id");
        let v = raw
            .user_json("/alliance/store/add/", r#"{"products":[],"need_hide":"no","pick_extra":""}"#)
            .await;
        assert_param_error(&v, 2100005, "need_hide", "boolean");
        let v = raw
            .user_json("/alliance/store/add/", r#"{"products":[],"need_hide":false,"pick_extra":"bad tag!"}"#)
            .await;
        assert_param_error(&v, 2100005, "pick_extra", "must match");
        let ids: Vec<u64> = (1..=21).collect();
        let v = raw
            .user_json("/alliance/kol/materials/products/details/", &json!({"product_ids": ids}).to_string())
            .await;
        assert_param_error(&v, 2100005, "product_ids", "at most 20 items");
        let v = raw.user_json("/alliance/kol/orders/", r#"{"time_type":"paid"}"#).await;
        assert_param_error(&v, 2100005, "time_type", "not one of pay, update");
        let v = raw.user_json("/alliance/kol/orders/", r#"{"start_time":"2024-01-01T00:00:00"}"#).await;
        assert_param_error(&v, 2100005, "start_time", "must match");
        let v = raw.user_json("/alliance/kol/orders/", r#"{"size":21}"#).await;
        assert_param_error(&v, 2100005, "size", "at most 20");
        // Not JSON, not an object.
        let v = raw.user_json("/alliance/kol/store/list/", "{page:1").await;
        assert_param_error(&v, 2100005, "(body)", "not valid JSON");
        let v = raw.user_json("/alliance/kol/store/list/", "[1,2]").await;
        assert_param_error(&v, 2100005, "(body)", "JSON object");
        // The error answer has the alliance envelope, gateway side included.
        assert_eq!(v["extra"]["error_code"], 2100005, "{v}");
    })
    .await;
}

#[tokio::test]
async fn the_content_type_must_match_the_encoding() {
    within(60, async {
        let raw = Raw::start().await;
        let path = format!("/alliance/kol/store/list/?open_id={OPEN_ID}");
        let body = r#"{"page":1,"page_size":20}"#;
        for ct in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
            let (_, _, v) = raw
                .send(reqwest::Method::POST, Server::OpenDouyinEc, &path, ct, Some(&raw.user_token), body)
                .await;
            assert_param_error(&v, 2100005, "Content-Type", "must be application/json");
        }
        // OAuth code exchange wants a form; JSON is refused with the OAuth code 10002.
        let code = raw.sandbox.authorize(OPEN_ID, &["user_info"]);
        let json_body = json!({"client_key": Sandbox::CLIENT_KEY, "client_secret": Sandbox::CLIENT_SECRET, "code": code, "grant_type": "authorization_code"});
        let v = raw.oauth("/oauth/access_token/", "application/json", &json_body.to_string()).await;
        assert_param_error(&v, 10002, "Content-Type", "application/x-www-form-urlencoded");
        assert_eq!(v["message"], "error");
        // The same as a form works.
        let form = format!("client_key={}&client_secret={}&code={code}&grant_type=authorization_code", Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET);
        let v = raw.oauth("/oauth/access_token/", "application/x-www-form-urlencoded", &form).await;
        assert_eq!(v["data"]["error_code"], 0, "{v}");
        assert!(v["data"]["access_token"].as_str().unwrap().starts_with("act."));
    })
    .await;
}

#[tokio::test]
async fn oauth_parameters_are_checked() {
    within(60, async {
        let raw = Raw::start().await;
        let form = "application/x-www-form-urlencoded";
        let v = raw
            .oauth(
                "/oauth/access_token/",
                form,
                &format!(
                    "client_key={}&client_secret={}&grant_type=authorization_code",
                    Sandbox::CLIENT_KEY,
                    Sandbox::CLIENT_SECRET
                ),
            )
            .await;
        assert_param_error(&v, 10005, "code", "is required");
        let v = raw
            .oauth(
                "/oauth/access_token/",
                form,
                &format!(
                    "client_key={}&client_secret={}&code=x&grant_type=password",
                    Sandbox::CLIENT_KEY,
                    Sandbox::CLIENT_SECRET
                ),
            )
            .await;
        assert_param_error(&v, 10002, "grant_type", "must be `authorization_code`");
        let v = raw
            .oauth(
                "/oauth/client_token/",
                "application/json",
                &json!({"client_key": Sandbox::CLIENT_KEY, "grant_type": "client_credential"}).to_string(),
            )
            .await;
        assert_param_error(&v, 10005, "client_secret", "is required");
        let v = raw
            .oauth(
                "/oauth/refresh_token/",
                form,
                &format!("client_key={}&grant_type=refresh_token", Sandbox::CLIENT_KEY),
            )
            .await;
        assert_param_error(&v, 10005, "refresh_token", "is required");
    })
    .await;
}

#[tokio::test]
async fn a_wrong_method_or_an_unknown_path_is_refused() {
    within(60, async {
        let raw = Raw::start().await;
        let path = format!("/alliance/kol/store/list/?open_id={OPEN_ID}");
        let (status, headers, v) = raw
            .send(reqwest::Method::GET, Server::OpenDouyinEc, &path, None, Some(&raw.user_token), "")
            .await;
        assert_eq!(status, 405);
        assert_eq!(headers["allow"], "POST");
        assert_eq!(v["data"]["error_code"], 2100005, "{v}");
        assert!(v["data"]["description"].as_str().unwrap().contains("method GET not allowed"), "{v}");
        // A GET endpoint of the captain host refuses POST, in its own `code` envelope.
        let (status, _, v) = raw
            .send(
                reqwest::Method::POST,
                Server::Lianmeng,
                "/ecom/captain/mobile/task/detail?task_id=1",
                None,
                None,
                "",
            )
            .await;
        assert_eq!(status, 405);
        assert_eq!(v["code"], 2100005, "{v}");
        // A path the spec does not have.
        let (status, _, _) =
            raw.send(reqwest::Method::POST, Server::OpenDouyinEc, "/alliance/nope/", None, None, "").await;
        assert_eq!(status, 404);
        // A path of another host is not served here.
        let (status, _, _) = raw
            .send(reqwest::Method::POST, Server::OpenDouyin, "/alliance/kol/store/list/", None, None, "")
            .await;
        assert_eq!(status, 404);
        // The trailing slash is optional, as on the platform.
        let (status, _, v) = raw
            .send(
                reqwest::Method::POST,
                Server::OpenDouyinEc,
                &format!("/alliance/kol/store/list?open_id={OPEN_ID}"),
                Some("application/json"),
                Some(&raw.user_token),
                r#"{"page":1,"page_size":20}"#,
            )
            .await;
        assert_eq!((status, v["data"]["error_code"].as_i64()), (200, Some(0)), "{v}");
        assert_eq!(raw.sandbox.requests("kol_store_list"), 2);
    })
    .await;
}

#[tokio::test]
async fn query_endpoints_check_their_query() {
    within(60, async {
        let raw = Raw::start().await;
        let base = "/ecom/captain/mobile/task/promotion/product/list";
        let (_, _, v) = raw
            .send(
                reqwest::Method::GET,
                Server::Lianmeng,
                &format!("{base}?page=1&page_size=20"),
                None,
                None,
                "",
            )
            .await;
        assert_eq!(v["code"], 2100005, "{v}");
        assert!(v["msg"].as_str().unwrap().contains("`task_id` is required"), "{v}");
        let (_, _, v) = raw
            .send(
                reqwest::Method::GET,
                Server::Lianmeng,
                &format!("{base}?task_id=1&page=1&page_size=50"),
                None,
                None,
                "",
            )
            .await;
        assert!(v["msg"].as_str().unwrap().contains("`page_size` must be at most 20"), "{v}");
        let (_, _, v) = raw
            .send(
                reqwest::Method::GET,
                Server::Lianmeng,
                &format!("{base}?task_id=1&page=x&page_size=5"),
                None,
                None,
                "",
            )
            .await;
        assert!(v["msg"].as_str().unwrap().contains("`page`"), "{v}");
        let (_, _, v) = raw
            .send(
                reqwest::Method::GET,
                Server::Lianmeng,
                &format!("{base}?task_id=1&page=1&page_size=5&order_field=1"),
                None,
                None,
                "",
            )
            .await;
        assert_eq!(v["code"], 0, "{v}");
        // An app endpoint with the client_token and a body of the wrong shape.
        let (_, _, v) = raw
            .send(
                reqwest::Method::POST,
                Server::OpenDouyinEc,
                "/alliance/product/skus/",
                Some("application/json"),
                Some(&raw.client_token),
                r#"{"product_id":-5}"#,
            )
            .await;
        assert_param_error(&v, 2100005, "product_id", "64-bit id");
    })
    .await;
}

/// Changes a request on its way out.
type Breakage = fn(&mut reqwest::Request);

/// Breaks the SDK's requests the way a bug in request building would.
struct Breaker(Breakage);

impl Hook for Breaker {
    fn on_request(&self, endpoint: &'static Endpoint, request: &mut reqwest::Request) {
        if endpoint.name == "kol_store_list" {
            (self.0)(request);
        }
    }
}

#[tokio::test]
async fn a_request_building_bug_in_the_sdk_does_not_pass_unnoticed() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let code = sandbox.authorize_all(OPEN_ID);
        let breakers: [(Breakage, &str); 3] = [
            (
                |r| {
                    r.headers_mut()
                        .insert("content-type", reqwest::header::HeaderValue::from_static("text/plain"));
                },
                "Content-Type",
            ),
            (|r| r.url_mut().set_query(None), "open_id"),
            (|r| *r.body_mut() = Some(reqwest::Body::from(r#"{"page":1}"#)), "page_size"),
        ];
        let plain = sandbox.client_builder().build().unwrap();
        let t = plain.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
        for (breaker, field) in breakers {
            let client = sandbox
                .client_builder()
                .retry(RetryPolicy::disabled())
                .hook(Breaker(breaker))
                .build()
                .unwrap();
            let user = client.user(&UserAuth::new(OPEN_ID, t.access_token.clone()));
            let err = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
            let api = err.api().unwrap_or_else(|| panic!("{err:#}"));
            assert_eq!(api.code, 2100005);
            assert!(api.description.contains(&format!("`{field}`")), "{}", api.description);
        }
        // Unbroken, the same call works.
        plain
            .user(&UserAuth::new(OPEN_ID, t.access_token))
            .kol_store_list(&KolStoreListRequest::new(1, 20))
            .await
            .unwrap();
    })
    .await;
}
