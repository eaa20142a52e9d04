//! What the evidence levels of the spec change, end to end against a server on 127.0.0.1: weakly
//! evidenced fields decode leniently (the raw value kept, a warning logged), documented fields
//! still fail on a wrong type, weakly evidenced envelopes are detected per answer (including the
//! `status_code` envelope), a busy code with a rate-limit sub code counts as both, scopes are
//! asked for and refused, and the endpoints added with the change (`product_picksource_convert`
//! as a user, `oauth_userinfo`, `oauth_stable_client_token`) travel as the spec says.

use douyin_alliance::endpoint::AuthKind;
use douyin_alliance::endpoints;
use douyin_alliance::oauth::AuthorizeUrl;
use douyin_alliance::types::{
    AccessTokenRequest, CaptainTaskDetailRequest, ColonelAwardTaskApplyRequest,
    KolMaterialsProductsDetailsRequest, KolMaterialsProductsSearchRequest, KolOrdersRequest,
    KolStoreListRequest, MaterialsProductCategoryRequest, ProductPicksourceConvertRequest,
};
use douyin_alliance::{Client, ErrorKind, Id, KnownCode, RetryPolicy, UserAuth, UserClient};
use douyin_sandbox::Sandbox;
use e2e_tests::logs::Logs;
use e2e_tests::{err_data, ok_data, serve_client_tokens, within, MockResponse, MockServer, TestEnv};
use serde_json::{json, Value};

const OPEN_ID: &str = "open-id-evidence";
const USER_TOKEN: &str = "act.evidence-user";

/// A mock server with client_tokens (`clt.test-N`), a client without retries, and a user.
async fn env() -> TestEnv {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    let client = server.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
    let user = client.user(&UserAuth::new(OPEN_ID, USER_TOKEN));
    TestEnv { server, client, user }
}

/// A creator of the sandbox who granted `scopes` (all of them when `None`).
async fn creator(sandbox: &Sandbox, client: &Client, open_id: &str, scopes: Option<&[&str]>) -> UserClient {
    let code = match scopes {
        Some(s) => sandbox.authorize(open_id, s),
        None => sandbox.authorize_all(open_id),
    };
    let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
    client.user(&UserAuth::new(t.open_id, t.access_token))
}

fn picksource_request() -> ProductPicksourceConvertRequest {
    ProductPicksourceConvertRequest::new(
        "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726",
    )
}

// ------------------------------------------------------------------------- log capture

// ---------------------------------------------------------------- a. lenient guessed fields

#[tokio::test]
async fn a_guessed_number_sent_as_text_is_none_kept_raw_and_warned_about() {
    let (logs, _guard) = Logs::capture(tracing::Level::INFO, false);
    let TestEnv { server, user, .. } = env().await;
    server.on("/alliance/kol/reputation/", |_, _| {
        MockResponse::json(ok_data(json!({"score": "4.8分", "level": "高", "sales": "1.2万"})))
    });
    logs.listen();
    let data = user.kol_reputation().await.expect("a wrong shape in a guessed field fails nothing");
    assert_eq!((data.score, data.sales), (None, None));
    assert_eq!(data.level.as_deref(), Some("高"), "a value of the guessed shape is read");
    assert_eq!(data.extra_fields.get("sales"), Some(&json!("1.2万")));
    assert_eq!(data.extra_fields.get("score"), Some(&json!("4.8分")));
    assert_eq!(data.extra_fields.len(), 2, "{:?}", data.extra_fields);

    let lines = logs.warnings();
    let warned = |field: &str| {
        lines.iter().any(|l| {
            l.contains("douyin_call{endpoint=\"kol_reputation\"")
                && l.contains("type=\"KolReputationData\"")
                && l.contains(&format!("field=\"{field}\""))
        })
    };
    assert!(
        warned("sales") && warned("score"),
        "no warning naming the type, field and endpoint:\n{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains("field=\"level\"")), "a readable value is not warned about");

    // The same fields with the guessed shapes: read, nothing kept aside, nothing logged.
    let before = logs.warnings().len();
    server.on("/alliance/kol/reputation/", |_, _| {
        MockResponse::json(ok_data(json!({"score": 4.8, "level": 3, "sales": "12000"})))
    });
    let data = user.kol_reputation().await.unwrap();
    assert_eq!((data.score, data.level.as_deref(), data.sales), (Some(4.8), Some("3"), Some(12000)));
    assert!(data.extra_fields.is_empty(), "{:?}", data.extra_fields);
    assert_eq!(logs.warnings().len(), before, "{:#?}", logs.warnings());
}

// ------------------------------------------------------------- b. an analogue id missing

#[tokio::test]
async fn a_product_without_its_analogue_id_decodes_with_the_id_none_and_the_nesting_kept() {
    let TestEnv { server, user, .. } = env().await;
    let base_info = json!({"product_id": "3400312511185213726", "title": "加厚保温杯"});
    let product = json!({"base_info": base_info, "price": 5990});
    let p = product.clone();
    server.on("/alliance/kol/materials/products/details/", move |_, _| {
        MockResponse::json(ok_data(json!({"total": 1, "products": [p]})))
    });
    let request = KolMaterialsProductsDetailsRequest::new(vec![Id(3400312511185213726)]);
    let data =
        user.kol_materials_products_details(&request).await.expect("a missing analogue id fails nothing");
    let d = &data.products[0];
    assert_eq!((d.product_id, d.title.as_deref(), d.price), (None, None, Some(5990)));
    assert_eq!(d.extra_fields.get("base_info"), Some(&base_info));

    server.on("/alliance/kol/materials/products/search/", move |_, _| {
        MockResponse::json(ok_data(json!({"total": 1, "products": [product]})))
    });
    let found =
        user.kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(1, 20)).await.unwrap();
    let s = &found.products[0];
    assert_eq!((s.product_id, s.price), (None, Some(5990)));
    assert_eq!(s.extra_fields.get("base_info"), Some(&base_info));
}

// --------------------------------------------------- c. colonel apply in every envelope

#[tokio::test]
async fn colonel_award_task_apply_reads_every_envelope_and_sends_the_open_id() {
    let path = "/alliance/colonel/award_task/apply/";
    let data = json!({"apply_id": 7, "apply_status": "pending"});
    let successes = [
        ("data_extra", ok_data(data.clone())),
        ("err_no", json!({"err_no": 0, "err_msg": "success", "log_id": "L", "data": data})),
        ("code_msg", json!({"code": 0, "msg": "success", "data": data})),
        ("status_code", json!({"status_code": 0, "status_msg": "", "data": data})),
    ];
    let errors = [
        ("data_extra", err_data(40001, "任务已结束")),
        ("err_no", json!({"err_no": 40001, "err_msg": "任务已结束", "log_id": "L2", "data": null})),
        ("code_msg", json!({"code": 40001, "msg": "任务已结束"})),
        ("status_code", json!({"status_code": 40001, "status_msg": "任务已结束"})),
    ];
    let TestEnv { server, user, .. } = env().await;
    let request = ColonelAwardTaskApplyRequest::new("7265432109876543210");
    for (envelope, answer) in successes {
        server.on(path, move |_, _| MockResponse::json(answer.clone()));
        let got =
            user.colonel_award_task_apply(&request).await.unwrap_or_else(|e| panic!("{envelope}: {e:#}"));
        assert_eq!(got.extra_fields.get("apply_id"), Some(&json!(7)), "{envelope}");
        assert_eq!(got.extra_fields.get("apply_status"), Some(&json!("pending")), "{envelope}");
        assert_eq!(got.extra_fields.len(), 2, "{envelope}: envelope fields leaked: {:?}", got.extra_fields);
    }
    for (envelope, answer) in errors {
        server.on(path, move |_, _| MockResponse::json(answer.clone()));
        let err = user.colonel_award_task_apply(&request).await.unwrap_err();
        match err.kind() {
            ErrorKind::Api(a) => {
                assert_eq!((a.code, a.description.as_str()), (40001, "任务已结束"), "{envelope}")
            }
            other => panic!("{envelope}: expected an API error, got {other:?}"),
        }
    }
    let sent = server.requests_to(path);
    assert_eq!(sent.len(), 8, "one request per answer");
    for r in &sent {
        assert_eq!(r.query_param("open_id").as_deref(), Some(OPEN_ID));
        assert_eq!(r.header("access-token"), Some(USER_TOKEN));
        assert_eq!(r.json(), json!({"task_id": "7265432109876543210"}));
    }
}

// ------------------------------------------------- d. captain in the status_code shape

#[tokio::test]
async fn captain_task_detail_reads_the_status_code_envelope_with_and_without_data() {
    let path = "/ecom/captain/mobile/task/detail";
    let TestEnv { server, client, .. } = env().await;
    let request = CaptainTaskDetailRequest::new("7265432109876543210");

    server.on(path, |_, _| {
        MockResponse::json(json!({"status_code": 0, "status_msg": "", "data": {
            "task_id": "7265432109876543210", "task_name": "夏季任务", "reward_rules": [{"gmv": 1}]
        }}))
    });
    let d = client.captain_task_detail(&request).await.unwrap();
    assert_eq!(
        (d.task_id.as_deref(), d.task_name.as_deref()),
        (Some("7265432109876543210"), Some("夏季任务"))
    );
    assert_eq!(d.extra_fields, [("reward_rules".to_string(), json!([{"gmv": 1}]))].into_iter().collect());

    // Without `data`: the business fields sit beside the status, which is not a field.
    server.on(path, |_, _| {
        MockResponse::json(json!({
            "status_code": 0, "status_msg": "success", "task_id": 7265432109876543210_u64,
            "task_name": "夏季任务", "status": 1, "reward": {"ratio": 20}
        }))
    });
    let d = client.captain_task_detail(&request).await.unwrap();
    assert_eq!(d.task_id.as_deref(), Some("7265432109876543210"));
    assert_eq!((d.task_name.as_deref(), d.status.as_deref()), (Some("夏季任务"), Some("1")));
    assert_eq!(d.extra_fields, [("reward".to_string(), json!({"ratio": 20}))].into_iter().collect());

    // A non-zero status_code is that API error.
    server.on(path, |_, _| MockResponse::json(json!({"status_code": 1001, "status_msg": "task not found"})));
    let err = client.captain_task_detail(&request).await.unwrap_err();
    let a = err.api().unwrap_or_else(|| panic!("not an API error: {err:#}"));
    assert_eq!((a.code, a.description.as_str()), (1001, "task not found"));
}

// ----------------------------------------------- e. documented fields stay strict

#[tokio::test]
async fn a_documented_field_of_the_wrong_type_is_still_a_decode_error() {
    let TestEnv { server, client, .. } = env().await;
    let answers = [
        json!({"data": {"access_token": "clt.x", "expires_in": {"x": 1}, "error_code": 0, "description": ""}, "message": "success"}),
        json!({"data": {"access_token": [1], "expires_in": 7200, "error_code": 0, "description": ""}, "message": "success"}),
    ];
    for answer in answers {
        let body = answer.to_string();
        let b = body.clone();
        server.on("/oauth/client_token/", move |_, _| MockResponse::raw(200, b.clone()));
        let err = client.oauth_client_token().await.unwrap_err();
        match err.kind() {
            ErrorKind::Decode { body: raw, .. } => assert_eq!(raw.0.as_ref(), body.as_bytes()),
            other => panic!("{answer}: expected a decode error, got {other:?}"),
        }
    }
    // The cached token an app call needs fails the same way, as a token error.
    let err = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
    match err.kind() {
        ErrorKind::Token(inner) => assert!(matches!(inner.kind(), ErrorKind::Decode { .. }), "{err:#}"),
        other => panic!("expected a token error, got {other:?}"),
    }
    assert!(server.requests_to("/alliance/materials/product/category/").is_empty());
}

// ----------------------------------------------- f. busy with a rate-limit sub code

#[tokio::test]
async fn busy_with_a_too_frequent_sub_code_is_retryable_and_rate_limited() {
    let path = "/alliance/kol/store/list/";
    let busy = json!({
        "data": {"error_code": 0, "description": ""},
        "extra": {"error_code": 2100004, "description": "系统繁忙", "sub_error_code": 28003018,
                  "sub_description": "请求过于频繁", "logid": "L-busy", "now": 1_700_000_000_000_i64}
    });
    let TestEnv { server, user, .. } = env().await;
    let b = busy.clone();
    server.on(path, move |_, _| MockResponse::json(b.clone()));
    let err = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
    let a = err.api().unwrap_or_else(|| panic!("not an API error: {err:#}"));
    assert_eq!((a.code, a.sub_code), (2100004, Some(28003018)));
    assert_eq!(a.known(), Some(KnownCode::SystemBusy));
    assert!(a.any_known(KnownCode::is_rate_limited) && a.any_known(KnownCode::is_busy));
    assert!(err.is_retryable(), "{err:#}");
    assert!(err.is_rate_limited(), "{err:#}");
    assert!(!err.is_token_invalid());
    assert_eq!(server.requests_to(path).len(), 1, "retries are disabled");

    // With retries, the call is repeated (kol_store_list is safe to repeat) until it succeeds.
    let server = MockServer::start().await;
    server.on(path, move |_, i| {
        MockResponse::json(if i < 2 { busy.clone() } else { ok_data(json!({"total": 0, "results": []})) })
    });
    let client = server.client_builder().retry(e2e_tests::fast_retries(3)).build().unwrap();
    client
        .user(&UserAuth::new(OPEN_ID, USER_TOKEN))
        .kol_store_list(&KolStoreListRequest::new(1, 20))
        .await
        .unwrap();
    assert_eq!(server.requests_to(path).len(), 3);
}

// ------------------------------------------------------------------------------ g. scopes

#[test]
fn the_authorize_url_asks_for_the_scopes_of_the_endpoints_once_each() {
    let client = Client::builder().credentials("my_key", "secret").build().unwrap();
    let url = AuthorizeUrl::new(&client)
        .scope("user_info")
        .endpoints([
            &endpoints::KOL_STORE_LIST,
            &endpoints::STORE_ADD,
            &endpoints::KOL_ORDERS,
            &endpoints::KOL_STORE_REMOVE,
            &endpoints::KOL_BUYIN_ID,
            &endpoints::OAUTH_USERINFO,
            // No scope: app calls, and a user call whose scope no source states.
            &endpoints::MATERIALS_PRODUCT_CATEGORY,
            &endpoints::PRODUCT_PICKSOURCE_CONVERT,
            &endpoints::ISV_PICK_ORDER,
            &endpoints::PRODUCT_PICKSOURCE_CONVERT_AS_USER,
        ])
        .optional_scope("alliance.kol.reputation")
        .optional_scope("alliance.kol.reputation")
        .optional_scope_unticked("friend_relation")
        .state("s")
        .build();
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let expected: Vec<(String, String)> = [
        ("client_key", "my_key"),
        ("response_type", "code"),
        (
            "scope",
            "user_info,alliance.kol.store_manage,alliance.kol.orders,alliance.kol.buyin_id,alliance.picksource.convert",
        ),
        // `scope,flag` pairs, 1 ticked by default (coverage-facts B.1).
        ("optionalScope", "alliance.kol.reputation,1,friend_relation,0"),
        ("state", "s"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    assert_eq!(pairs, expected, "{url}");
    // Without optional scopes there is no optionalScope parameter.
    let plain = AuthorizeUrl::new(&client).endpoints([&endpoints::KOL_ORDERS]).build();
    assert!(!plain.as_str().contains("optionalScope"), "{plain}");
    assert!(plain.as_str().ends_with("scope=alliance.kol.orders"), "{plain}");
}

#[tokio::test]
async fn a_call_without_its_scope_is_refused_naming_the_scope_until_it_is_granted() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let narrow = creator(&sandbox, &client, "creator-narrow", Some(&["user_info"])).await;
        let err = narrow.kol_orders(&KolOrdersRequest::new()).await.unwrap_err();
        match err.kind() {
            ErrorKind::Api(a) => {
                assert_eq!(a.code, 2190003);
                assert_eq!(a.known(), Some(KnownCode::ScopeNotAuthorized));
            }
            other => panic!("expected an API error, got {other:?}"),
        }
        assert_eq!(err.missing_scope(), Some("alliance.kol.orders"));
        let shown = err.to_string();
        assert!(shown.starts_with("kol_orders: ") && shown.contains("`alliance.kol.orders`"), "{shown}");
        assert!(!err.is_retryable() && !err.is_token_invalid(), "{err:#}");
        assert_eq!(sandbox.requests("kol_orders"), 1);
        // The granted scope is enough for the call that needs it.
        assert_eq!(narrow.oauth_userinfo().await.unwrap().open_id.as_deref(), Some("creator-narrow"));
        // Each refused call names its own scope; an API error of another kind names none.
        let store = narrow.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap_err();
        assert_eq!(store.missing_scope(), Some("alliance.kol.store_manage"), "{store:#}");
        let user = client.user(&UserAuth::new("creator-narrow", "act.not-a-token"));
        let invalid = user.oauth_userinfo().await.unwrap_err();
        assert!(invalid.api().is_some() && invalid.missing_scope().is_none(), "{invalid:#}");

        let full = creator(&sandbox, &client, "creator-narrow", None).await;
        let orders = full.kol_orders(&KolOrdersRequest::new()).await.unwrap();
        assert!(!orders.orders.is_empty());
    })
    .await;
}

// ------------------------------------------------- h. picksource under both credentials

#[tokio::test]
async fn picksource_convert_works_with_the_app_token_and_with_a_users_token() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let user = creator(&sandbox, &client, "creator-picksource", None).await;
        let app = client.product_picksource_convert(&picksource_request()).await.unwrap();
        let mine = user.product_picksource_convert(&picksource_request()).await.unwrap();
        assert!(app.product_url.is_some() && mine.product_url.is_some(), "{app:?} / {mine:?}");
        let sent = sandbox.requests_to("product_picksource_convert");
        assert_eq!(sent.len(), 2);
        assert!(sent[0].header("access-token").is_some_and(|t| t.starts_with("clt.")));
        assert_eq!(sent[0].query_param("open_id"), None);
        assert!(sent[1].header("access-token").is_some_and(|t| t.starts_with("act.")));
        assert_eq!(sent[1].query_param("open_id").as_deref(), Some("creator-picksource"));
        // As a user it needs the user's picksource scope.
        let narrow = creator(&sandbox, &client, "creator-no-picksource", Some(&["user_info"])).await;
        let err = narrow.product_picksource_convert(&picksource_request()).await.unwrap_err();
        assert_eq!(err.missing_scope(), Some("alliance.picksource.convert"), "{err:#}");
    })
    .await;
}

#[tokio::test]
async fn picksource_convert_sends_each_kind_of_credentials_as_its_kind() {
    let path = "/alliance/product/picksource/convert/";
    let TestEnv { server, client, user } = env().await;
    server.on(path, |_, _| MockResponse::json(ok_data(json!({"product_url": "https://x/converted"}))));
    client.product_picksource_convert(&picksource_request()).await.unwrap();
    user.product_picksource_convert(&picksource_request()).await.unwrap();
    let sent = server.requests_to(path);
    assert_eq!(sent.len(), 2);
    let (app, mine) = (&sent[0], &sent[1]);
    assert_eq!(app.header("access-token"), Some("clt.test-0"));
    assert_eq!(app.query, None, "an app call sends no open_id");
    assert_eq!(mine.header("access-token"), Some(USER_TOKEN));
    assert_eq!(mine.query_pairs(), vec![("open_id".to_string(), OPEN_ID.to_string())]);
    assert_eq!(app.json(), mine.json());
    assert_eq!(server.requests_to("/oauth/client_token/").len(), 1, "only the app call needs a client_token");
    // The metadata says the same.
    assert_eq!(endpoints::PRODUCT_PICKSOURCE_CONVERT.auth(), AuthKind::ClientToken);
    assert_eq!(endpoints::PRODUCT_PICKSOURCE_CONVERT_AS_USER.auth(), AuthKind::AccessToken);
}

// ------------------------------------------------------------------- i. oauth_userinfo

#[tokio::test]
async fn oauth_userinfo_answers_for_the_caller() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let user = creator(&sandbox, &client, "creator-userinfo", Some(&["user_info"])).await;
        let info = user.oauth_userinfo().await.unwrap();
        assert_eq!(info.open_id.as_deref(), Some("creator-userinfo"));
        let other = creator(&sandbox, &client, "creator-other", Some(&["user_info"])).await;
        assert_eq!(other.oauth_userinfo().await.unwrap().open_id.as_deref(), Some("creator-other"));
        let sent = sandbox.requests_to("oauth_userinfo");
        assert_eq!(sent[0].header("access-token"), None);
        assert_eq!(sent[0].json()["open_id"], "creator-userinfo");
    })
    .await;
}

#[tokio::test]
async fn oauth_userinfo_carries_the_users_credentials_in_the_body_only() {
    let path = "/oauth/userinfo/";
    let TestEnv { server, user, .. } = env().await;
    server.on(path, |_, _| {
        MockResponse::json(json!({"data": {"open_id": OPEN_ID, "nickname": "n", "error_code": 0, "description": ""}, "message": "success"}))
    });
    let info = user.oauth_userinfo().await.unwrap();
    assert_eq!((info.open_id.as_deref(), info.nickname.as_deref()), (Some(OPEN_ID), Some("n")));
    let rec = &server.requests_to(path)[0];
    assert_eq!(rec.header("content-type"), Some("application/json"));
    let body: Value = rec.json();
    assert_eq!(body, json!({"access_token": USER_TOKEN, "open_id": OPEN_ID}));
    assert_eq!(rec.header("access-token"), None, "no access-token header");
    assert_eq!(rec.query, None, "no open_id in the query");
}

// ------------------------------------------------------------ j. stable client_token

#[tokio::test]
async fn stable_client_tokens_are_shared_by_clients_that_each_fetch_one() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let stable = || sandbox.client_builder().stable_client_token(true).build().unwrap();
        let (a, b) = (stable(), stable());
        let ta = a.client_token().await.unwrap();
        let tb = b.client_token().await.unwrap();
        assert_eq!(ta.expose(), tb.expose(), "the stable endpoint hands out the current token");
        assert_eq!((sandbox.requests("oauth_stable_client_token"), sandbox.client_token_requests()), (2, 0));
        // Both tokens work for app calls.
        a.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        b.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        assert_eq!(sandbox.requests("oauth_stable_client_token"), 2, "each cache kept its token");

        // By default each fetch mints a new token.
        let plain = || sandbox.client_builder().build().unwrap();
        let (c, d) = (plain(), plain());
        let tc = c.client_token().await.unwrap();
        let td = d.client_token().await.unwrap();
        assert_ne!(tc.expose(), td.expose());
        assert_eq!(sandbox.client_token_requests(), 2);
    })
    .await;
}

#[tokio::test]
async fn the_token_cache_fetches_from_the_path_it_is_configured_for() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on("/oauth/stable_client_token/", |_, _| {
        MockResponse::json(json!({"data": {"access_token": "clt.stable", "expires_in": 7200, "error_code": 0, "description": ""}, "message": "success"}))
    });
    let category = "/alliance/materials/product/category/";
    server.on(category, |_, _| MockResponse::json(ok_data(json!({"total": 0, "category_list": []}))));

    let default = server.client_builder().build().unwrap();
    default.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/oauth/client_token/", category]);
    assert_eq!(server.requests_to(category)[0].header("access-token"), Some("clt.test-0"));

    let stable = server.client_builder().stable_client_token(true).build().unwrap();
    stable.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    let paths: Vec<String> = server.requests().into_iter().skip(2).map(|r| r.path).collect();
    assert_eq!(paths, ["/oauth/stable_client_token/", category]);
    assert_eq!(server.requests_to(category)[1].header("access-token"), Some("clt.stable"));
    let fetch = &server.requests_to("/oauth/stable_client_token/")[0];
    assert_eq!(
        fetch.json(),
        json!({"client_key": "test_client_key", "client_secret": "test_client_secret", "grant_type": "client_credential"})
    );
    assert_eq!(fetch.header("access-token"), None);
}
