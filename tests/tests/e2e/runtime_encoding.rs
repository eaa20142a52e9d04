//! What goes on the wire: every query value percent-encoded, query endpoints sending integers
//! as integers, form bodies for OAuth, JSON bodies without a charset, and the right headers.

use douyin_alliance::endpoint::Server;
use douyin_alliance::types::{
    AccessTokenRequest, CaptainTaskDetailRequest, CaptainTaskProductListRequest,
    ColonelAwardTaskApplyRequest, IsvPickOrderRequest, KolStoreListRequest, RefreshTokenRequest,
    StoreAddProduct, StoreAddRequest,
};
use douyin_alliance::{Client, Id, RetryPolicy, Secret, UserAuth, DEFAULT_USER_AGENT};
use e2e_tests::{ok_data, MockResponse, MockServer, Recorded};
use serde_json::json;

const STORE_LIST: &str = "/alliance/kol/store/list/";
const PRODUCT_LIST: &str = "/ecom/captain/mobile/task/promotion/product/list";

const TRICKY_OPEN_ID: &str = "a&b#c=d+e f/?%25;中文😀";

async fn server_with(path: &str, answer: serde_json::Value) -> (MockServer, Client) {
    let server = MockServer::start().await;
    server.on(path, move |_, _| MockResponse::json(answer.clone()));
    let client = server.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
    (server, client)
}

#[tokio::test]
async fn an_open_id_with_reserved_and_chinese_characters_arrives_intact() {
    let (server, client) = server_with(STORE_LIST, ok_data(json!({"total": 0, "results": []}))).await;
    let user = client.user(&UserAuth::new(TRICKY_OPEN_ID, "act.user-token"));
    user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    let sent = server.requests_to(STORE_LIST);
    assert_eq!(sent.len(), 1, "the path is not corrupted: {:?}", server.requests());
    let r = &sent[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.query_pairs(), vec![("open_id".to_string(), TRICKY_OPEN_ID.to_string())]);
    let raw = r.query.clone().unwrap();
    assert!(!raw.contains(['#', ' ', '&']) && raw.is_ascii(), "not encoded: {raw}");
    assert_eq!(r.header("access-token"), Some("act.user-token"));
    assert_eq!(r.json(), json!({"page": 1, "page_size": 20}));
}

#[tokio::test]
async fn calls_without_a_body_still_carry_the_open_id() {
    let (server, client) =
        server_with("/alliance/kol/buyin_id/", ok_data(json!({"buyin_id": "7012345678901234567"}))).await;
    let user = client.user(&UserAuth::new(TRICKY_OPEN_ID, "act.user-token"));
    assert_eq!(user.kol_buyin_id().await.unwrap().buyin_id.as_deref(), Some("7012345678901234567"));
    let r = &server.requests_to("/alliance/kol/buyin_id/")[0];
    assert_eq!(r.query_param("open_id").as_deref(), Some(TRICKY_OPEN_ID));
    assert!(r.body.is_empty());

    // A user call with a body carries it too.
    let (server, client) =
        server_with("/alliance/colonel/award_task/apply/", json!({"err_no": 0, "err_msg": "success"})).await;
    client
        .user(&UserAuth::new(TRICKY_OPEN_ID, "act.user-token"))
        .colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new("7265432109876543210"))
        .await
        .unwrap();
    let r = &server.requests_to("/alliance/colonel/award_task/apply/")[0];
    assert_eq!(r.query_param("open_id").as_deref(), Some(TRICKY_OPEN_ID));
    assert_eq!(r.json(), json!({"task_id": "7265432109876543210"}));

    // An endpoint that takes no open_id sends none.
    let (server, client) = server_with("/alliance/isv/pick_order/", ok_data(json!({"total": 0}))).await;
    client
        .user(&UserAuth::new(TRICKY_OPEN_ID, "act.user-token"))
        .isv_pick_order(&IsvPickOrderRequest::new().with_page(1))
        .await
        .unwrap();
    let r = &server.requests_to("/alliance/isv/pick_order/")[0];
    assert_eq!(r.query, None);
    assert_eq!(r.header("access-token"), Some("act.user-token"));
    assert_eq!(r.json(), json!({"page": 1}));
}

#[tokio::test]
async fn query_endpoints_send_integers_as_integers_and_encode_text() {
    let (server, client) =
        server_with(PRODUCT_LIST, json!({"code": 0, "msg": "success", "data": {"total": 0, "list": []}}))
            .await;
    let keyword = "保温杯 & 1+1=2#x/%";
    let req = CaptainTaskProductListRequest::new("7265432109876543210", 2, 20)
        .with_product_info(keyword)
        .with_order_field(1)
        .with_order_by(1);
    client.captain_task_product_list(&req).await.unwrap();
    let r = &server.requests_to(PRODUCT_LIST)[0];
    assert_eq!(r.method, "GET");
    assert!(r.body.is_empty());
    assert_eq!(r.header("content-type"), None);
    assert_eq!(r.header("access-token"), None);
    let mut pairs = r.query_pairs();
    pairs.sort();
    let expected: Vec<(String, String)> = [
        ("order_by", "1"),
        ("order_field", "1"),
        ("page", "2"),
        ("page_size", "20"),
        ("product_info", keyword),
        ("task_id", "7265432109876543210"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pairs, expected);
    let raw = r.query.clone().unwrap();
    assert!(raw.split('&').any(|p| p == "page=2") && raw.split('&').any(|p| p == "page_size=20"), "{raw}");

    // Unset optional parameters are left out.
    client.captain_task_product_list(&CaptainTaskProductListRequest::new("1", 1, 20)).await.unwrap();
    let r = &server.requests_to(PRODUCT_LIST)[1];
    let mut keys: Vec<_> = r.query_pairs().into_iter().map(|(k, _)| k).collect();
    keys.sort();
    assert_eq!(keys, ["page", "page_size", "task_id"]);

    let (server, client) =
        server_with("/ecom/captain/mobile/task/detail", json!({"code": 0, "msg": "success", "data": {}}))
            .await;
    client.captain_task_detail(&CaptainTaskDetailRequest::new("72654321 09#&")).await.unwrap();
    let r = &server.requests_to("/ecom/captain/mobile/task/detail")[0];
    assert_eq!(r.query_pairs(), vec![("task_id".to_string(), "72654321 09#&".to_string())]);
}

#[tokio::test]
async fn oauth_token_calls_send_form_bodies() {
    let answer = json!({
        "data": {"access_token": "act.new", "expires_in": "1296000", "refresh_token": "rft.same",
                 "refresh_expires_in": "2592000", "open_id": "open-1", "scope": "user_info",
                 "error_code": 0, "description": ""},
        "message": "success"
    });
    let (server, client) = server_with("/oauth/refresh_token/", answer.clone()).await;
    let refresh = "rft.a+b&c=d%e f中";
    let t = client.oauth_refresh_token(&RefreshTokenRequest::new(Secret::new(refresh))).await.unwrap();
    assert_eq!((t.expires_in, t.refresh_expires_in, t.open_id.as_str()), (1296000, 2592000, "open-1"));
    assert_eq!(t.access_token.expose(), "act.new");
    let r = &server.requests_to("/oauth/refresh_token/")[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!(r.header("access-token"), None);
    assert_form(
        r,
        &[("client_key", "test_client_key"), ("grant_type", "refresh_token"), ("refresh_token", refresh)],
        "no client_secret on refresh",
    );

    let (server, client) = server_with("/oauth/access_token/", answer).await;
    client.oauth_access_token(&AccessTokenRequest::new("code+with&specials")).await.unwrap();
    let r = &server.requests_to("/oauth/access_token/")[0];
    let want = [
        ("client_key", "test_client_key"),
        ("client_secret", "test_client_secret"),
        ("code", "code+with&specials"),
        ("grant_type", "authorization_code"),
    ];
    assert_form(r, &want, "the code exchange sends the secret");
}

#[tokio::test]
async fn json_bodies_have_no_charset_and_keep_64_bit_ids_exact() {
    let (server, client) = server_with("/alliance/store/add/", ok_data(json!({"results": []}))).await;
    let user = client.user(&UserAuth::new("open-1", "act.user-token"));
    let req = StoreAddRequest::new(
        vec![
            StoreAddProduct::new(Id(3450632721376902816)),
            StoreAddProduct::new(Id(u64::MAX)).with_activity_url("https://x.example/a?b=c&d=e"),
        ],
        true,
        "campaign_a",
    );
    user.store_add(&req).await.unwrap();
    let r = &server.requests_to("/alliance/store/add/")[0];
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("user-agent"), Some(DEFAULT_USER_AGENT));
    let text = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(text.contains("3450632721376902816") && text.contains("18446744073709551615"), "{text}");
    assert_eq!(
        r.json(),
        json!({
            "products": [
                {"product_id": 3450632721376902816_u64},
                {"product_id": u64::MAX, "activity_url": "https://x.example/a?b=c&d=e"}
            ],
            "need_hide": true,
            "pick_extra": "campaign_a"
        })
    );
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_and_a_custom_user_agent() {
    let server = MockServer::start().await;
    server.on(&format!("/proxy{STORE_LIST}"), |_, _| MockResponse::json(ok_data(json!({"results": []}))));
    let client = Client::builder()
        .base_url(Server::OpenDouyinEc, format!("{}/proxy/", server.url()))
        .user_agent("my-service/1.0")
        .build()
        .unwrap();
    client.user(&UserAuth::new("o", "act.t")).kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
    let r = &server.requests_to(&format!("/proxy{STORE_LIST}"))[0];
    assert_eq!(r.header("user-agent"), Some("my-service/1.0"));
}

/// The request's form body holds exactly `want` (in any order).
fn assert_form(r: &Recorded, want: &[(&str, &str)], why: &str) {
    let mut form = r.form();
    form.sort();
    let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(form, want, "{why}");
}
