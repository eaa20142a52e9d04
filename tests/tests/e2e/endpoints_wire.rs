//! Every endpoint of the spec, called through its typed SDK method against a recording server on
//! 127.0.0.1, with its request asserted on the wire: method, path, query, token header,
//! content type and body. The expectations are written out here from `api-facts.md` (not read
//! from the generated table), and each test also checks that the table agrees.
//!
//! `every_endpoint_is_covered_by_this_file` fails when an endpoint is added to the spec without
//! a test here.

use douyin_alliance::endpoint::{AuthKind, HttpMethod, Server};
use douyin_alliance::oauth::AuthorizeUrl;
use douyin_alliance::types::{
    AccessTokenRequest, CaptainProductOrderField, CaptainTaskDetailRequest, CaptainTaskProductListRequest,
    ColonelAwardTaskApplyRequest, IsvPickOrderRequest, KolMaterialsProductsDetailsRequest,
    KolMaterialsProductsSearchRequest, KolOrderTimeType, KolOrdersRequest, KolStoreListRequest,
    KolStoreRemoveRequest, MaterialsProductCategoryRequest, ProductPicksourceConvertRequest,
    ProductSearchType, ProductSkusRequest, ProductSortType, RefreshTokenRequest, RenewRefreshTokenRequest,
    ShareStatusFilter, StoreAddProduct, StoreAddRequest, StoreRemoveProduct,
};
use douyin_alliance::{Client, ErrorKind, Id};
use e2e_tests::{err_data, ok_data, MockResponse, MockServer, Recorded, TestEnv};
use serde_json::{json, Value};

/// Every endpoint this file tests, with what the spec must say of it: method, server, path,
/// credential. A new endpoint of the spec fails `every_endpoint_is_covered_by_this_file` until
/// it is listed here and tested below. An endpoint the SDK offers under two credential kinds
/// (`product_picksource_convert`) has one metadata static, and one line here, per kind.
const COVERED: &[(&str, HttpMethod, Server, &str, AuthKind)] = &[
    ("oauth_client_token", HttpMethod::Post, Server::OpenDouyin, "/oauth/client_token/", AuthKind::None),
    (
        "oauth_stable_client_token",
        HttpMethod::Post,
        Server::OpenDouyin,
        "/oauth/stable_client_token/",
        AuthKind::None,
    ),
    ("oauth_userinfo", HttpMethod::Post, Server::OpenDouyin, "/oauth/userinfo/", AuthKind::AccessToken),
    ("oauth_access_token", HttpMethod::Post, Server::OpenDouyin, "/oauth/access_token/", AuthKind::None),
    ("oauth_refresh_token", HttpMethod::Post, Server::OpenDouyin, "/oauth/refresh_token/", AuthKind::None),
    (
        "oauth_renew_refresh_token",
        HttpMethod::Post,
        Server::OpenDouyin,
        "/oauth/renew_refresh_token/",
        AuthKind::None,
    ),
    (
        "kol_buyin_id",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/kol/buyin_id/",
        AuthKind::AccessToken,
    ),
    (
        "kol_store_list",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/kol/store/list/",
        AuthKind::AccessToken,
    ),
    ("store_add", HttpMethod::Post, Server::OpenDouyinEc, "/alliance/store/add/", AuthKind::AccessToken),
    (
        "kol_store_remove",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/kol/store/remove/",
        AuthKind::AccessToken,
    ),
    (
        "kol_reputation",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/kol/reputation/",
        AuthKind::AccessToken,
    ),
    ("kol_orders", HttpMethod::Post, Server::OpenDouyinEc, "/alliance/kol/orders/", AuthKind::AccessToken),
    (
        "colonel_award_task_apply",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/colonel/award_task/apply/",
        AuthKind::AccessToken,
    ),
    (
        "materials_product_category",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/materials/product/category/",
        AuthKind::ClientToken,
    ),
    (
        "kol_materials_products_search",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/kol/materials/products/search/",
        AuthKind::AccessToken,
    ),
    (
        "kol_materials_products_details",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/kol/materials/products/details/",
        AuthKind::AccessToken,
    ),
    (
        "product_skus",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/product/skus/",
        AuthKind::ClientToken,
    ),
    (
        "product_picksource_convert",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/product/picksource/convert/",
        AuthKind::ClientToken,
    ),
    (
        "product_picksource_convert",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/product/picksource/convert/",
        AuthKind::AccessToken,
    ),
    (
        "isv_pick_order",
        HttpMethod::Post,
        Server::OpenDouyinEc,
        "/alliance/isv/pick_order/",
        AuthKind::AccessToken,
    ),
    (
        "captain_task_detail",
        HttpMethod::Get,
        Server::Lianmeng,
        "/ecom/captain/mobile/task/detail",
        AuthKind::None,
    ),
    (
        "captain_task_product_list",
        HttpMethod::Get,
        Server::Lianmeng,
        "/ecom/captain/mobile/task/promotion/product/list",
        AuthKind::None,
    ),
];

/// An open_id with every character a query string must escape.
const OPEN_ID: &str = "open id+/=&?#中文_01";
const USER_TOKEN: &str = "act.user-token-for-wire-tests";
/// The first token `serve_client_tokens` hands out.
const CLIENT_TOKEN: &str = "clt.test-0";
const CLIENT_KEY: &str = "test_client_key";
const CLIENT_SECRET: &str = "test_client_secret";

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

async fn env() -> TestEnv {
    TestEnv::start(OPEN_ID, USER_TOKEN).await
}

/// The one request the server received for `path`.
fn only_request(server: &MockServer, path: &str) -> Recorded {
    let calls = server.requests_to(path);
    assert_eq!(calls.len(), 1, "expected exactly one request to {path}, got {}", calls.len());
    calls.into_iter().next().unwrap()
}

/// A test environment for the endpoint `name`, after checking that the spec's table agrees
/// with what [`COVERED`] expects of it.
async fn env_for(name: &str) -> TestEnv {
    assert_meta(name);
    env().await
}

/// The spec table agrees with what [`COVERED`] expects of the endpoint `name`, under each
/// credential kind it is offered with.
fn assert_meta(name: &str) {
    let covered: Vec<_> = COVERED.iter().filter(|c| c.0 == name).collect();
    assert!(!covered.is_empty(), "{name} is not in COVERED");
    let offered: Vec<_> = douyin_alliance::ENDPOINTS.iter().filter(|e| e.name == name).collect();
    assert!(!offered.is_empty(), "no endpoint {name} in the spec");
    assert_eq!(offered.len(), covered.len(), "{name}: the credential kinds it is offered with");
    for &&(_, method, server, path, auth) in &covered {
        let e = offered
            .iter()
            .find(|e| e.auth() == auth)
            .unwrap_or_else(|| panic!("{name}: the spec does not offer it with {auth:?}"));
        let rest = e.rest().expect("a REST endpoint");
        assert_eq!(rest.method, method, "{name}: method");
        assert_eq!(rest.server, server, "{name}: server");
        assert_eq!(rest.path, path, "{name}: path");
    }
}

/// A user call: POST, `?open_id=` (the only query parameter, decoded back exactly), and the
/// user's access_token in the `access-token` header.
fn assert_user_call(rec: &Recorded, path: &str) {
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.path, path);
    assert_eq!(rec.query_pairs(), vec![("open_id".to_string(), OPEN_ID.to_string())], "raw {:?}", rec.query);
    let raw = rec.query.as_deref().unwrap_or_default();
    assert!(!raw.contains(' ') && !raw.contains('中') && !raw.contains('#'), "not percent-encoded: {raw}");
    assert_eq!(rec.header("access-token"), Some(USER_TOKEN));
}

/// An app call with the client_token: POST, no query, the client_token in the header.
fn assert_app_call(rec: &Recorded, path: &str) {
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.path, path);
    assert_eq!(rec.query, None);
    assert_eq!(rec.header("access-token"), Some(CLIENT_TOKEN));
}

/// An unauthenticated call: no token header at all.
fn assert_no_token(rec: &Recorded) {
    assert_eq!(rec.header("access-token"), None, "a call without auth must not send a token");
    assert!(rec.headers.keys().all(|k| !k.as_str().contains("token")), "{:?}", rec.headers);
}

/// A JSON body equal to `expected`, sent as `application/json` without a charset.
fn assert_json_body(rec: &Recorded, expected: Value) {
    assert_eq!(rec.header("content-type"), Some(JSON));
    assert_eq!(rec.json(), expected);
}

/// A form body with exactly `expected` pairs (in any order), sent as form-urlencoded.
fn assert_form_body(rec: &Recorded, expected: &[(&str, &str)]) {
    assert_eq!(rec.header("content-type"), Some(FORM));
    let mut got = rec.form();
    got.sort();
    let mut want: Vec<(String, String)> =
        expected.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
    want.sort();
    assert_eq!(got, want, "raw body {:?}", String::from_utf8_lossy(&rec.body));
}

/// No body. A bodiless POST still says JSON, as the working public clients send it (S1); a
/// GET has no content type.
fn assert_no_body(rec: &Recorded) {
    assert!(rec.body.is_empty(), "unexpected body {:?}", String::from_utf8_lossy(&rec.body));
    let want = (rec.method == "POST").then_some("application/json");
    assert_eq!(rec.header("content-type"), want);
}

fn user_token_answer() -> Value {
    json!({
        "data": {
            "access_token": "act.new-access", "expires_in": 1_296_000, "refresh_token": "rft.new-refresh",
            "refresh_expires_in": 2_592_000, "open_id": "the-open-id", "scope": "user_info",
            "error_code": 0, "description": "", "log_id": "2023081214193601"
        },
        "message": "success"
    })
}

// ------------------------------------------------------------------------------------- coverage

#[test]
fn every_endpoint_is_covered_by_this_file() {
    let source = include_str!("endpoints_wire.rs");
    for e in douyin_alliance::ENDPOINTS.iter().copied() {
        assert!(
            COVERED.iter().any(|c| c.0 == e.name && c.4 == e.auth()),
            "endpoint `{}` ({:?}) has no wire test in endpoints_wire.rs",
            e.name,
            e.auth()
        );
        let call = format!(".{}(", e.name);
        assert!(source.contains(&call), "endpoints_wire.rs never calls `{call}` for endpoint `{}`", e.name);
    }
    for (i, &(name, .., auth)) in COVERED.iter().enumerate() {
        assert!(
            douyin_alliance::ENDPOINTS.iter().any(|e| e.name == name && e.auth() == auth),
            "`{name}` ({auth:?}) is listed as covered but is not in the spec"
        );
        assert!(
            !COVERED[..i].iter().any(|c| c.0 == name && c.4 == auth),
            "COVERED lists `{name}` ({auth:?}) twice"
        );
    }
    assert_eq!(COVERED.len(), douyin_alliance::ENDPOINTS.len());
    assert_eq!(douyin_alliance::ENDPOINTS.len(), 22);
}

// ---------------------------------------------------------------------------------------- OAuth

#[tokio::test]
async fn oauth_client_token_sends_json_credentials_without_a_token() {
    let TestEnv { server, client, .. } = env_for("oauth_client_token").await;
    let data = client.oauth_client_token().await.unwrap();
    assert_eq!(data.access_token.expose(), "clt.test-0");
    assert_eq!(data.expires_in, 7200);
    let rec = only_request(&server, "/oauth/client_token/");
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, None);
    assert_no_token(&rec);
    assert_json_body(
        &rec,
        json!({"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET, "grant_type": "client_credential"}),
    );
}

#[tokio::test]
async fn oauth_stable_client_token_sends_json_credentials_without_a_token() {
    let path = "/oauth/stable_client_token/";
    let TestEnv { server, client, .. } = env_for("oauth_stable_client_token").await;
    server.on(path, |_, _| {
        MockResponse::json(json!({
            "data": {"access_token": "clt.stable", "expires_in": 7200, "error_code": 0, "description": ""},
            "message": "success"
        }))
    });
    let data = client.oauth_stable_client_token().await.unwrap();
    assert_eq!((data.access_token.expose(), data.expires_in), ("clt.stable", 7200));
    let rec = only_request(&server, path);
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, None);
    assert_no_token(&rec);
    assert_json_body(
        &rec,
        json!({"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET, "grant_type": "client_credential"}),
    );
    assert!(server.requests_to("/oauth/client_token/").is_empty());
}

#[tokio::test]
async fn oauth_userinfo_sends_the_users_token_and_open_id_in_a_json_body_only() {
    let path = "/oauth/userinfo/";
    let TestEnv { server, user, .. } = env_for("oauth_userinfo").await;
    server.on(path, |_, _| {
        MockResponse::json(json!({
            "data": {"open_id": OPEN_ID, "union_id": "u-1", "nickname": "昵称", "gender": 1,
                     "error_code": 0, "description": ""},
            "extra": {"logid": "L", "now": 1_700_000_000_000_i64, "error_code": 0, "sub_error_code": 0}
        }))
    });
    let data = user.oauth_userinfo().await.unwrap();
    assert_eq!(data.open_id.as_deref(), Some(OPEN_ID));
    assert_eq!((data.nickname.as_deref(), data.gender.as_deref()), (Some("昵称"), Some("1")));
    let rec = only_request(&server, path);
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, None, "no open_id in the query");
    assert_no_token(&rec);
    assert_json_body(&rec, json!({"access_token": USER_TOKEN, "open_id": OPEN_ID}));
    assert!(server.requests_to("/oauth/client_token/").is_empty());
}

#[tokio::test]
async fn oauth_access_token_sends_a_form_with_code_and_secret() {
    let TestEnv { server, client, .. } = env_for("oauth_access_token").await;
    server.on("/oauth/access_token/", |_, _| MockResponse::json(user_token_answer()));
    let code = "code/with+special&chars=中";
    let data = client.oauth_access_token(&AccessTokenRequest::new(code.to_string())).await.unwrap();
    assert_eq!(data.access_token.expose(), "act.new-access");
    assert_eq!(data.refresh_token.expose(), "rft.new-refresh");
    assert_eq!((data.expires_in, data.refresh_expires_in), (1_296_000, 2_592_000));
    assert_eq!(data.open_id, "the-open-id");
    assert_eq!(data.extra_fields.get("log_id"), Some(&json!("2023081214193601")));
    let rec = only_request(&server, "/oauth/access_token/");
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, None);
    assert_no_token(&rec);
    assert_form_body(
        &rec,
        &[
            ("client_key", CLIENT_KEY),
            ("client_secret", CLIENT_SECRET),
            ("code", code),
            ("grant_type", "authorization_code"),
        ],
    );
    assert_eq!(server.requests_to("/oauth/client_token/").len(), 0, "OAuth needs no client_token");
}

#[tokio::test]
async fn oauth_refresh_token_sends_a_form_without_client_secret() {
    let TestEnv { server, client, .. } = env_for("oauth_refresh_token").await;
    server.on("/oauth/refresh_token/", |_, _| MockResponse::json(user_token_answer()));
    let data = client.oauth_refresh_token(&RefreshTokenRequest::new("rft.old+/=")).await.unwrap();
    assert_eq!(data.access_token.expose(), "act.new-access");
    let rec = only_request(&server, "/oauth/refresh_token/");
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, None);
    assert_no_token(&rec);
    assert_form_body(
        &rec,
        &[("client_key", CLIENT_KEY), ("grant_type", "refresh_token"), ("refresh_token", "rft.old+/=")],
    );
    let body = String::from_utf8_lossy(&rec.body).to_string();
    assert!(!body.contains("client_secret") && !body.contains(CLIENT_SECRET), "secret leaked: {body}");
}

#[tokio::test]
async fn oauth_renew_refresh_token_sends_client_key_and_refresh_token_only() {
    let TestEnv { server, client, .. } = env_for("oauth_renew_refresh_token").await;
    server.on("/oauth/renew_refresh_token/", |_, _| {
        MockResponse::json(json!({
            "data": {"refresh_token": "rft.renewed", "expires_in": "2592000", "error_code": 0, "description": ""},
            "message": "success"
        }))
    });
    let data = client.oauth_renew_refresh_token(&RenewRefreshTokenRequest::new("rft.old")).await.unwrap();
    assert_eq!(data.refresh_token.expose(), "rft.renewed");
    assert_eq!(data.expires_in, 2_592_000);
    let rec = only_request(&server, "/oauth/renew_refresh_token/");
    assert_eq!(rec.method, "POST");
    assert_no_token(&rec);
    assert_form_body(&rec, &[("client_key", CLIENT_KEY), ("refresh_token", "rft.old")]);
}

#[tokio::test]
async fn oauth_error_answers_are_typed_errors() {
    let TestEnv { server, client, .. } = env().await;
    server.on("/oauth/refresh_token/", |_, _| {
        MockResponse::json(json!({
            "data": {"error_code": 10010, "description": "refresh_token 已过期"},
            "extra": {"logid": "err-logid", "now": 1_700_000_000_000_i64},
            "message": "error"
        }))
    });
    let err = client.oauth_refresh_token(&RefreshTokenRequest::new("rft.old")).await.unwrap_err();
    assert_eq!(err.endpoint(), "oauth_refresh_token");
    let api = err.api().unwrap_or_else(|| panic!("not an API error: {err:#}"));
    assert_eq!(api.code, 10010);
    assert_eq!(api.logid.as_deref(), Some("err-logid"));
}

// ------------------------------------------------------------------------------ authorize URL

#[tokio::test]
async fn authorize_url_percent_encodes_redirect_uri_state_and_scopes() {
    let TestEnv { server, client, .. } = env().await;
    let redirect = "https://example.com/cb?from=app&x=1 2#frag";
    let state = "st&ate=/中?+%";
    let url = AuthorizeUrl::new(&client)
        .scope("user_info")
        .scope("alliance.kol.store_manage")
        .redirect_uri(redirect)
        .state(state)
        .build();
    assert_eq!(format!("{}://{}", url.scheme(), url.authority()), server.url());
    assert_eq!(url.path(), "/platform/oauth/connect/");
    assert_eq!(url.fragment(), None, "the redirect's `#` must be escaped, not end the URL");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let expected: Vec<(String, String)> = [
        ("client_key", CLIENT_KEY),
        ("response_type", "code"),
        ("scope", "user_info,alliance.kol.store_manage"),
        ("redirect_uri", redirect),
        ("state", state),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    assert_eq!(pairs, expected);
    let raw = url.query().unwrap_or_default();
    assert!(raw.contains("scope=user_info%2Calliance.kol.store_manage"), "{raw}");
    assert!(
        raw.contains("redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Ffrom%3Dapp%26x%3D1+2%23frag"),
        "{raw}"
    );
    assert!(raw.contains("state=st%26ate%3D%2F%E4%B8%AD%3F%2B%25"), "{raw}");
}

#[test]
fn authorize_url_defaults_to_production_and_omits_unset_values() {
    let client = Client::builder().credentials("my key", "secret").build().unwrap();
    let url = AuthorizeUrl::new(&client).scope("user_info").build();
    assert_eq!(
        url.as_str(),
        "https://open.douyin.com/platform/oauth/connect/?client_key=my+key&response_type=code&scope=user_info"
    );
    assert!(!url.as_str().contains("secret"));
}

#[test]
fn authorize_url_keeps_a_base_path_prefix() {
    let client = Client::builder()
        .credentials("k", "s")
        .base_url(Server::OpenDouyin, "http://127.0.0.1:9/proxy/douyin/")
        .build()
        .unwrap();
    let url = AuthorizeUrl::new(&client).state("x").build();
    assert_eq!(url.path(), "/proxy/douyin/platform/oauth/connect/");
    assert_eq!(url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()), Some("x".into()));
}

// -------------------------------------------------------------------------- user (kol) calls

#[tokio::test]
async fn kol_buyin_id_sends_open_id_and_no_body() {
    let path = "/alliance/kol/buyin_id/";
    let TestEnv { server, user, .. } = env_for("kol_buyin_id").await;
    server.on(path, |_, _| MockResponse::json(ok_data(json!({"buyin_id": "7012345678901234567"}))));
    let data = user.kol_buyin_id().await.unwrap();
    assert_eq!(data.buyin_id.as_deref(), Some("7012345678901234567"));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_no_body(&rec);
    assert_eq!(server.requests_to("/oauth/client_token/").len(), 0, "a user call needs no client_token");
}

#[tokio::test]
async fn kol_store_list_sends_page_and_page_size() {
    let path = "/alliance/kol/store/list/";
    let TestEnv { server, user, .. } = env_for("kol_store_list").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(json!({
            "total": 21,
            "results": [{"product_id": 3450632721376902816_u64, "promotion_id": "3450632721374033833", "title": "杯"}]
        })))
    });
    let data = user.kol_store_list(&KolStoreListRequest::new(2, 20)).await.unwrap();
    assert_eq!(data.total, Some(21));
    assert_eq!(data.results[0].product_id, Some(Id(3450632721376902816)));
    assert_eq!(data.results[0].promotion_id, Some(Id(3450632721374033833)));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_json_body(&rec, json!({"page": 2, "page_size": 20}));
}

#[tokio::test]
async fn store_add_sends_products_and_reports_per_product_failures_in_a_successful_result() {
    let path = "/alliance/store/add/";
    let TestEnv { server, user, .. } = env_for("store_add").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(json!({
            "results": [
                {"product_id": 3450632721376902816_u64, "error_code": 0, "error_msg": ""},
                {"product_id": "3450632721376902817", "error_code": 1, "error_msg": "该商品暂不支持推广"}
            ]
        })))
    });
    let request = StoreAddRequest::new(
        vec![
            StoreAddProduct::new(Id(3450632721376902816))
                .with_activity_url("https://buyin.jinritemai.com/a?id=1"),
            StoreAddProduct::new(Id(3450632721376902817)),
        ],
        false,
        "campaign_a".to_string(),
    )
    .with_keep_picksource(true);
    let data = user.store_add(&request).await.expect("the call as a whole succeeds");
    assert_eq!(data.results.len(), 2);
    assert_eq!(data.results[0].error_code, Some(0));
    assert_eq!(data.results[1].product_id, Some(Id(3450632721376902817)));
    assert_eq!(data.results[1].error_code, Some(1));
    assert_eq!(data.results[1].error_msg.as_deref(), Some("该商品暂不支持推广"));
    let failed: Vec<Id> =
        data.results.iter().filter(|r| r.error_code.unwrap_or(0) != 0).filter_map(|r| r.product_id).collect();
    assert_eq!(failed, vec![Id(3450632721376902817)]);
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_json_body(
        &rec,
        json!({
            "products": [
                {"product_id": 3450632721376902816_u64, "activity_url": "https://buyin.jinritemai.com/a?id=1"},
                {"product_id": 3450632721376902817_u64}
            ],
            "need_hide": false,
            "pick_extra": "campaign_a",
            "keep_picksource": true
        }),
    );
}

#[tokio::test]
async fn store_add_whole_call_failure_is_an_error_and_is_not_retried() {
    let path = "/alliance/store/add/";
    let TestEnv { server, user, .. } = env().await;
    // A busy code: retryable in general, but store_add is not safe to repeat.
    server.on(path, |_, _| MockResponse::json(err_data(2100004, "系统繁忙")));
    let request = StoreAddRequest::new(vec![StoreAddProduct::new(Id(1))], true, String::new());
    let err = user.store_add(&request).await.unwrap_err();
    assert_eq!(err.api().map(|a| a.code), Some(2100004), "{err:#}");
    assert_eq!(server.requests_to(path).len(), 1, "store_add must not be repeated");
    let rec = only_request(&server, path);
    assert_json_body(&rec, json!({"products": [{"product_id": 1}], "need_hide": true, "pick_extra": ""}));
}

#[tokio::test]
async fn store_add_constraints_are_checked_before_sending() {
    let path = "/alliance/store/add/";
    let TestEnv { server, user, .. } = env().await;
    server.on(path, |_, _| MockResponse::json(ok_data(json!({"results": []}))));
    let too_many: Vec<StoreAddProduct> = (1..=21).map(|i| StoreAddProduct::new(Id(i))).collect();
    let err = user.store_add(&StoreAddRequest::new(too_many, false, "ok")).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "products"), "{err:#}");
    for bad in ["has-dash", "with space", "中文", "a23456789012345678901"] {
        let err = user
            .store_add(&StoreAddRequest::new(vec![StoreAddProduct::new(Id(1))], false, bad))
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "pick_extra"),
            "{bad}: {err:#}"
        );
    }
    assert!(server.requests_to(path).is_empty(), "invalid input must not be sent");
    let ok = StoreAddRequest::new(vec![StoreAddProduct::new(Id(1))], false, "a2345678901234567_9Z");
    user.store_add(&ok).await.unwrap();
    assert_eq!(server.requests_to(path).len(), 1);
}

#[tokio::test]
async fn kol_store_remove_sends_a_products_array_not_top_level_fields() {
    let path = "/alliance/kol/store/remove/";
    let TestEnv { server, user, .. } = env_for("kol_store_remove").await;
    server.on(path, |_, _| MockResponse::json(ok_data(json!({"success": true}))));
    let request = KolStoreRemoveRequest::new(vec![
        StoreRemoveProduct::new(Id(3450632721376902816), Id(3450632721374033833)),
        StoreRemoveProduct::new(Id(u64::MAX), Id(1)),
    ]);
    let data = user.kol_store_remove(&request).await.unwrap();
    assert_eq!(data.success, Some(true));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_json_body(
        &rec,
        json!({"products": [
            {"product_id": 3450632721376902816_u64, "promotion_id": 3450632721374033833_u64},
            {"product_id": 18446744073709551615_u64, "promotion_id": 1}
        ]}),
    );
    let body = rec.json();
    assert!(body.get("product_id").is_none() && body.get("promotion_id").is_none(), "{body}");
    // The 19- and 20-digit ids are written exactly, as JSON numbers.
    let raw = String::from_utf8_lossy(&rec.body).to_string();
    assert!(raw.contains("3450632721376902816") && raw.contains("18446744073709551615"), "{raw}");
}

#[tokio::test]
async fn kol_reputation_sends_open_id_and_no_body() {
    let path = "/alliance/kol/reputation/";
    let TestEnv { server, user, .. } = env_for("kol_reputation").await;
    server.on(path, |_, _| MockResponse::json(ok_data(json!({"score": "4.8", "real_field": {"x": 1}}))));
    let data = user.kol_reputation().await.unwrap();
    assert_eq!(data.score, Some(4.8));
    assert_eq!(data.extra_fields.get("real_field"), Some(&json!({"x": 1})));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_no_body(&rec);
}

#[tokio::test]
async fn kol_orders_sends_every_filter_and_omits_unset_ones() {
    let path = "/alliance/kol/orders/";
    let TestEnv { server, user, .. } = env_for("kol_orders").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(json!({
            "cursor": "next-1",
            "orders": [{"order_id": "4968253612345678901", "product_id": "3450632721376902816", "shop_id": 12345678}]
        })))
    });
    let full = KolOrdersRequest::new()
        .with_size(20)
        .with_cursor("cur/1+2")
        .with_start_time("2023-08-12 14:00:00")
        .with_end_time("2023-08-12 14:10:00")
        .with_time_type(KolOrderTimeType::Update)
        .with_order_ids("4968253612345678901,4968253612345678902");
    let data = user.kol_orders(&full).await.unwrap();
    assert_eq!(data.cursor.as_deref(), Some("next-1"));
    assert_eq!(data.orders[0].order_id, Some(Id(4968253612345678901)));
    user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
    let calls = server.requests_to(path);
    assert_eq!(calls.len(), 2);
    for rec in &calls {
        assert_user_call(rec, path);
    }
    assert_json_body(
        &calls[0],
        json!({
            "size": 20,
            "cursor": "cur/1+2",
            "start_time": "2023-08-12 14:00:00",
            "end_time": "2023-08-12 14:10:00",
            "time_type": "update",
            "order_ids": "4968253612345678901,4968253612345678902"
        }),
    );
    assert_json_body(&calls[1], json!({}));
}

#[tokio::test]
async fn kol_orders_constraints_are_checked_before_sending() {
    let path = "/alliance/kol/orders/";
    let TestEnv { server, user, .. } = env().await;
    let eleven_ids = (1..=11).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let bad = [
        KolOrdersRequest::new().with_size(21),
        KolOrdersRequest::new().with_size(0),
        KolOrdersRequest::new().with_start_time("2023/08/12 14:00"),
        KolOrdersRequest::new().with_order_ids(eleven_ids),
    ];
    for request in &bad {
        let err = user.kol_orders(request).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::InvalidInput { .. }), "{request:?}: {err:#}");
    }
    assert!(server.requests_to(path).is_empty());
}

#[tokio::test]
async fn colonel_award_task_apply_sends_task_id_as_text_with_open_id() {
    let path = "/alliance/colonel/award_task/apply/";
    let TestEnv { server, user, .. } = env_for("colonel_award_task_apply").await;
    server.on(path, |_, i| {
        MockResponse::json(if i == 0 {
            json!({"err_no": 0, "err_msg": "success", "log_id": "L1", "data": {"apply_id": 7}})
        } else {
            json!({"err_no": 40001, "err_msg": "任务已结束", "log_id": "L2", "data": null})
        })
    });
    let request = ColonelAwardTaskApplyRequest::new("7265432109876543210");
    let data = user.colonel_award_task_apply(&request).await.unwrap();
    assert_eq!(data.extra_fields.get("apply_id"), Some(&json!(7)));
    let err = user.colonel_award_task_apply(&request).await.unwrap_err();
    let api = err.api().unwrap_or_else(|| panic!("not an API error: {err:#}"));
    assert_eq!((api.code, api.description.as_str(), api.logid.as_deref()), (40001, "任务已结束", Some("L2")));
    let calls = server.requests_to(path);
    assert_eq!(calls.len(), 2, "err_no 40001 is not retried");
    assert_user_call(&calls[0], path);
    assert_json_body(&calls[0], json!({"task_id": "7265432109876543210"}));
}

#[tokio::test]
async fn kol_materials_products_search_sends_filters_as_numbers_and_lists() {
    let path = "/alliance/kol/materials/products/search/";
    let TestEnv { server, user, .. } = env_for("kol_materials_products_search").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(
            json!({"total": "1", "products": [{"product_id": 3400312511185213726_u64}]}),
        ))
    });
    let request = KolMaterialsProductsSearchRequest::new(1, 20)
        .with_title("保温杯 & 水杯")
        .with_first_cids(vec![20000])
        .with_third_cids(vec![2634, 2635])
        .with_price_min(100)
        .with_price_max(10000)
        .with_sell_num_min(10)
        .with_search_type(ProductSearchType::CommissionRatio)
        .with_sort_type(ProductSortType::Descending)
        .with_cos_fee_min(5)
        .with_cos_ratio_min(110)
        .with_cos_ratio_max(5000)
        .with_share_status(ShareStatusFilter::SharableOnly);
    let data = user.kol_materials_products_search(&request).await.unwrap();
    assert_eq!(data.total, Some(1));
    assert_eq!(data.products[0].product_id, Some(Id(3400312511185213726)));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_json_body(
        &rec,
        json!({
            "title": "保温杯 & 水杯",
            "first_cids": [20000],
            "third_cids": [2634, 2635],
            "price_min": 100,
            "price_max": 10000,
            "sell_num_min": 10,
            "search_type": 4,
            "sort_type": 1,
            "cos_fee_min": 5,
            "cos_ratio_min": 110,
            "cos_ratio_max": 5000,
            "page": 1,
            "page_size": 20,
            "share_status": 1
        }),
    );
}

#[tokio::test]
async fn kol_materials_products_details_sends_product_ids_as_numbers() {
    let path = "/alliance/kol/materials/products/details/";
    let TestEnv { server, user, .. } = env_for("kol_materials_products_details").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(json!({"total": 1, "products": [{"product_id": "3400312511185213726"}]})))
    });
    let request = KolMaterialsProductsDetailsRequest::new(vec![Id(3400312511185213726), Id(u64::MAX)])
        .with_share_status(true);
    let data = user.kol_materials_products_details(&request).await.unwrap();
    assert_eq!(data.products[0].product_id, Some(Id(3400312511185213726)));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_json_body(
        &rec,
        json!({"product_ids": [3400312511185213726_u64, 18446744073709551615_u64], "with_share_status": true}),
    );
    let too_many = KolMaterialsProductsDetailsRequest::new((1..=21).map(Id).collect::<Vec<_>>());
    let err = user.kol_materials_products_details(&too_many).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "product_ids"), "{err:#}");
    assert_eq!(server.requests_to(path).len(), 1);
}

// --------------------------------------------------------------------------- app (client_token)

#[tokio::test]
async fn materials_product_category_sends_parent_id_with_the_client_token() {
    let path = "/alliance/materials/product/category/";
    let TestEnv { server, client, .. } = env_for("materials_product_category").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(json!({"total": 2, "category_list": [
            {"id": 20000, "name": "服饰内衣", "level": 1}, {"id": "20005", "name": "个护家清", "level": "2"}
        ]})))
    });
    let data = client.materials_product_category(&MaterialsProductCategoryRequest::new(20000)).await.unwrap();
    assert_eq!(data.category_list[1].id, Some(Id(20005)));
    assert_eq!(data.category_list[1].level, Some(2));
    let rec = only_request(&server, path);
    assert_app_call(&rec, path);
    assert_json_body(&rec, json!({"parent_id": 20000}));
    let token = only_request(&server, "/oauth/client_token/");
    assert_json_body(
        &token,
        json!({"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET, "grant_type": "client_credential"}),
    );
}

#[tokio::test]
async fn product_skus_sends_product_id_as_a_number_with_the_client_token() {
    let path = "/alliance/product/skus/";
    let TestEnv { server, client, .. } = env_for("product_skus").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(json!({
            "specs": [{"name": "颜色", "spec_items": [{"id": "1773601442473016", "name": "白色"}]}],
            "skus": {"1773601442473016": {"effective_price": 5990, "stock_num": "120", "sku_id": "1773601442474056"}}
        })))
    });
    let data = client.product_skus(&ProductSkusRequest::new(Id(3450632721376902816))).await.unwrap();
    let sku = &data.skus.as_ref().expect("skus")["1773601442473016"];
    assert_eq!(
        (sku.effective_price, sku.stock_num, sku.sku_id),
        (Some(5990), Some(120), Some(Id(1773601442474056)))
    );
    let rec = only_request(&server, path);
    assert_app_call(&rec, path);
    assert_json_body(&rec, json!({"product_id": 3450632721376902816_u64}));
}

#[tokio::test]
async fn product_picksource_convert_sends_url_and_pick_extra_with_the_client_token() {
    let path = "/alliance/product/picksource/convert/";
    let TestEnv { server, client, .. } = env_for("product_picksource_convert").await;
    let converted =
        "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726&pick_source=v.AbC";
    server.on(path, move |_, _| MockResponse::json(ok_data(json!({"product_url": converted}))));
    let url = "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726";
    let request = ProductPicksourceConvertRequest::new(url.to_string()).with_pick_extra("team_a_01");
    let data = client.product_picksource_convert(&request).await.unwrap();
    assert_eq!(data.product_url.as_deref(), Some(converted));
    let rec = only_request(&server, path);
    assert_app_call(&rec, path);
    assert_json_body(&rec, json!({"product_url": url, "pick_extra": "team_a_01"}));
    let bad = ProductPicksourceConvertRequest::new(url.to_string()).with_pick_extra("team-a");
    let err = client.product_picksource_convert(&bad).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "pick_extra"), "{err:#}");
    assert_eq!(server.requests_to(path).len(), 1);
}

#[tokio::test]
async fn product_picksource_convert_as_a_user_sends_the_users_token_and_open_id() {
    let path = "/alliance/product/picksource/convert/";
    let TestEnv { server, user, .. } = env_for("product_picksource_convert").await;
    server.on(path, |_, _| MockResponse::json(ok_data(json!({"product_url": "https://x/converted"}))));
    let url = "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726";
    let data = user.product_picksource_convert(&ProductPicksourceConvertRequest::new(url)).await.unwrap();
    assert_eq!(data.product_url.as_deref(), Some("https://x/converted"));
    let rec = only_request(&server, path);
    assert_user_call(&rec, path);
    assert_json_body(&rec, json!({"product_url": url}));
    assert!(server.requests_to("/oauth/client_token/").is_empty(), "a user call needs no client_token");
}

#[tokio::test]
async fn isv_pick_order_sends_a_json_page_with_the_users_token_and_no_open_id() {
    let path = "/alliance/isv/pick_order/";
    let TestEnv { server, user, .. } = env_for("isv_pick_order").await;
    server.on(path, |_, _| {
        MockResponse::json(ok_data(
            json!({"total": 1, "orders": [{"order_id": "4968253612345678901", "gmv": "5990"}]}),
        ))
    });
    let data =
        user.isv_pick_order(&IsvPickOrderRequest::new().with_page(2).with_page_size(20)).await.unwrap();
    assert_eq!(data.total, Some(1));
    let orders = data.orders.as_deref().unwrap_or_default();
    assert_eq!((orders[0].order_id.as_deref(), orders[0].gmv), (Some("4968253612345678901"), Some(5990)));
    let rec = only_request(&server, path);
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.query, None, "no open_id on this call");
    assert_eq!(rec.header("access-token"), Some(USER_TOKEN));
    assert_json_body(&rec, json!({"page": 2, "page_size": 20}));
    let err = user.isv_pick_order(&IsvPickOrderRequest::new().with_page_size(21)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput { field, .. } if field == "page_size"), "{err:#}");
    assert_eq!(server.requests_to(path).len(), 1);
}

// ------------------------------------------------------------------------ captain (no auth, GET)

#[tokio::test]
async fn captain_task_detail_is_a_get_with_task_id_in_the_query_and_no_token() {
    let path = "/ecom/captain/mobile/task/detail";
    let TestEnv { server, client, .. } = env_for("captain_task_detail").await;
    server.on(path, |_, _| {
        MockResponse::json(json!({"code": 0, "msg": "success", "data": {"task_id": 7265432109876543210_u64, "task_name": "任务"}}))
    });
    let data =
        client.captain_task_detail(&CaptainTaskDetailRequest::new("7265432109876543210")).await.unwrap();
    assert_eq!(data.task_id.as_deref(), Some("7265432109876543210"));
    let rec = only_request(&server, path);
    assert_eq!(rec.method, "GET");
    assert_eq!(rec.query_pairs(), vec![("task_id".to_string(), "7265432109876543210".to_string())]);
    assert_no_token(&rec);
    assert_no_body(&rec);
    assert!(server.requests_to("/oauth/client_token/").is_empty(), "no token is fetched for auth none");
}

#[tokio::test]
async fn captain_task_product_list_sends_integers_as_integers_in_an_encoded_query() {
    let path = "/ecom/captain/mobile/task/promotion/product/list";
    let TestEnv { server, client, .. } = env_for("captain_task_product_list").await;
    server.on(path, |_, _| {
        MockResponse::json(json!({"code": "0", "msg": "success", "data": {"total": 1, "list": [{"product_id": "3450632721376902816", "price": 5990}]}}))
    });
    let keyword = "保温杯 & 50%=好";
    let request = CaptainTaskProductListRequest::new("7265432109876543210", 2, 20)
        .with_product_info(keyword)
        .with_order_field(CaptainProductOrderField::CommissionRate)
        .with_order_by(1);
    let data = client.captain_task_product_list(&request).await.unwrap();
    assert_eq!(data.list[0].product_id, Some(Id(3450632721376902816)));
    assert_eq!(data.list[0].price.as_deref(), Some("5990"));
    let rec = only_request(&server, path);
    assert_eq!(rec.method, "GET");
    assert_no_token(&rec);
    assert_no_body(&rec);
    let mut pairs = rec.query_pairs();
    pairs.sort();
    let mut want: Vec<(String, String)> = [
        ("order_by", "1"),
        ("order_field", "2"),
        ("page", "2"),
        ("page_size", "20"),
        ("product_info", keyword),
        ("task_id", "7265432109876543210"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    want.sort();
    assert_eq!(pairs, want);
    // Integers travel as bare digits; the keyword is percent-encoded so it stays one parameter.
    let raw = rec.query.clone().unwrap_or_default();
    let parts: Vec<&str> = raw.split('&').collect();
    for p in ["page=2", "page_size=20", "order_field=2", "order_by=1", "task_id=7265432109876543210"] {
        assert!(parts.contains(&p), "`{p}` not in {raw}");
    }
    assert_eq!(parts.len(), 6, "{raw}");
    assert!(!raw.contains(' ') && !raw.contains('保'), "{raw}");
    // Only the required parameters when nothing optional is set.
    client.captain_task_product_list(&CaptainTaskProductListRequest::new("1", 1, 20)).await.unwrap();
    let second = &server.requests_to(path)[1];
    let mut keys: Vec<String> = second.query_pairs().into_iter().map(|(k, _)| k).collect();
    keys.sort();
    assert_eq!(keys, ["page", "page_size", "task_id"]);
}
