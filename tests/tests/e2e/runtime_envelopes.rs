//! Every response envelope decodes over real HTTP, and success is judged by the rule of
//! api-facts §2.1 (HTTP 2xx and every status code zero), not by HTTP 200 alone.
//!
//! Regressions these guard against: success judged by HTTP status or `data` alone; an error on
//! the `extra` side or in a sub code only taken for success; a sub-code-only error described by
//! `extra.description` instead of its `sub_description`; codes as strings misread.

use douyin_alliance::types::{
    CaptainTaskDetailRequest, ColonelAwardTaskApplyRequest, KolStoreListRequest,
    MaterialsProductCategoryRequest,
};
use douyin_alliance::{Client, ErrorKind, Id, KnownCode, RetryPolicy};
use e2e_tests::{err_data, ok_data, serve_client_tokens, test_user, MockResponse, MockServer};
use serde_json::json;

const STORE_LIST: &str = "/alliance/kol/store/list/";
const CATEGORY: &str = "/alliance/materials/product/category/";
const TOKEN: &str = "/oauth/client_token/";
const APPLY: &str = "/alliance/colonel/award_task/apply/";
const TASK_DETAIL: &str = "/ecom/captain/mobile/task/detail";

/// A server answering `path` with `answer` every time, and a client without retries.
async fn serve(path: &str, answer: MockResponse) -> (MockServer, Client) {
    let server = MockServer::start().await;
    server.on(path, move |_, _| answer.clone());
    let client = server.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
    (server, client)
}

async fn store_list(
    answer: MockResponse,
) -> douyin_alliance::Result<douyin_alliance::types::KolStoreListData> {
    let (_server, client) = serve(STORE_LIST, answer).await;
    client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await
}

fn api(e: &douyin_alliance::Error) -> &douyin_alliance::ApiError {
    e.api().unwrap_or_else(|| panic!("expected an API error, got {e:#}"))
}

#[tokio::test]
async fn data_extra_success_decodes_the_typed_data() {
    let body = ok_data(json!({
        "total": 1,
        "results": [{"product_id": 3450632721376902816_u64, "promotion_id": "3450632721374033833", "title": "加厚保温杯"}]
    }));
    let data = store_list(MockResponse::json(body)).await.unwrap();
    assert_eq!(data.total, Some(1));
    assert_eq!(data.results[0].product_id.map(Id::get), Some(3450632721376902816));
    assert_eq!(data.results[0].promotion_id.map(Id::get), Some(3450632721374033833));
    assert_eq!(data.results[0].title.as_deref(), Some("加厚保温杯"));
    // The envelope's status fields do not leak into the unknown fields.
    assert!(data.extra_fields.is_empty(), "{:?}", data.extra_fields);
}

#[tokio::test]
async fn an_error_in_data_is_an_api_error_even_with_http_200() {
    let err = store_list(MockResponse::json(err_data(2100005, "参数不合法"))).await.unwrap_err();
    assert_eq!(err.endpoint(), "kol_store_list");
    let a = api(&err);
    assert_eq!(a.code, 2100005);
    assert_eq!(a.description, "参数不合法");
    assert_eq!(a.sub_code, None);
    assert_eq!(a.logid.as_deref(), Some("err-logid"));
    assert_eq!(a.http_status, 200);
    assert_eq!(a.known(), Some(KnownCode::ParameterInvalid));
    assert_eq!(err.logid(), Some("err-logid"));
}

#[tokio::test]
async fn an_error_only_in_extra_is_an_api_error() {
    let body = json!({
        "data": {"error_code": 0, "description": ""},
        "extra": {"error_code": 2190008, "description": "access_token过期", "sub_error_code": 0,
                  "sub_description": "", "logid": "extra-logid", "now": 1_700_000_000_000_i64}
    });
    let err = store_list(MockResponse::json(body)).await.unwrap_err();
    let a = api(&err);
    assert_eq!((a.code, a.description.as_str()), (2190008, "access_token过期"));
    assert_eq!(a.logid.as_deref(), Some("extra-logid"));
    assert_eq!(a.known(), Some(KnownCode::AccessTokenExpired));
    assert!(err.is_token_invalid());

    // The same with `data` null or absent.
    for data in [json!(null), json!("absent")] {
        let mut body = json!({"extra": {"error_code": 10008, "description": "token invalid", "logid": "L"}});
        if data.is_null() {
            body["data"] = data;
        }
        let err = store_list(MockResponse::json(body)).await.unwrap_err();
        assert_eq!(api(&err).code, 10008, "{err:#}");
        assert_eq!(api(&err).known(), Some(KnownCode::AccessTokenInvalid));
    }
}

#[tokio::test]
async fn only_a_sub_error_code_is_an_api_error() {
    let body = json!({
        "data": {"error_code": 0, "description": ""},
        "extra": {"error_code": 0, "description": "", "sub_error_code": 28003018,
                  "sub_description": "请求频率过高", "logid": "sub-logid"}
    });
    let err = store_list(MockResponse::json(body)).await.unwrap_err();
    let a = api(&err);
    assert_eq!(a.code, 28003018);
    assert_eq!(a.sub_code, Some(28003018));
    assert_eq!(a.sub_description.as_deref(), Some("请求频率过高"));
    assert_eq!(a.description, "请求频率过高", "a sub-code-only error is described by its sub_description");
    assert_eq!(a.known(), Some(KnownCode::TooFrequent));
    assert!(err.is_rate_limited());

    // A gateway code with a finer sub code keeps both.
    let body = json!({
        "data": {"error_code": 0, "description": ""},
        "extra": {"error_code": 10008, "description": "token invalid", "sub_error_code": 2190008,
                  "sub_description": "access_token expired", "logid": "L"}
    });
    let err = store_list(MockResponse::json(body)).await.unwrap_err();
    let a = api(&err);
    assert_eq!((a.code, a.sub_code), (10008, Some(2190008)));
    assert_eq!(a.sub_description.as_deref(), Some("access_token expired"));
    let shown = err.to_string();
    assert!(shown.contains("10008") && shown.contains("sub code 2190008"), "{shown}");
}

#[tokio::test]
async fn codes_now_and_expires_in_may_be_numeric_strings() {
    let body = json!({
        "data": {"error_code": "0", "description": "", "total": "2",
                 "results": [{"product_id": "3450632721376902816", "promotion_id": 1}]},
        "extra": {"error_code": "0", "description": "", "sub_error_code": "0", "sub_description": "",
                  "logid": "L", "now": "1700000000000"}
    });
    let data = store_list(MockResponse::json(body)).await.unwrap();
    assert_eq!(data.total, Some(2));
    assert_eq!(data.results[0].product_id.map(Id::get), Some(3450632721376902816));

    // Error codes as strings, on each side.
    let body =
        json!({"data": {"error_code": "10008", "description": "x"}, "extra": {"now": "1700000000000"}});
    assert_eq!(api(&store_list(MockResponse::json(body)).await.unwrap_err()).code, 10008);
    let body = json!({
        "data": {"error_code": "0", "description": ""},
        "extra": {"error_code": "2100004", "description": "busy", "sub_error_code": "0", "now": "1"}
    });
    assert_eq!(api(&store_list(MockResponse::json(body)).await.unwrap_err()).code, 2100004);

    // expires_in as a string in the client_token answer.
    let (_server, client) = serve(
        TOKEN,
        MockResponse::json(json!({
            "data": {"access_token": "clt.abc", "expires_in": "7200", "error_code": "0", "description": ""},
            "message": "success"
        })),
    )
    .await;
    let t = client.oauth_client_token().await.unwrap();
    assert_eq!(t.expires_in, 7200);
    assert_eq!(t.access_token.expose(), "clt.abc");
}

#[tokio::test]
async fn a_missing_extra_is_fine_on_success_and_on_error() {
    // The OAuth answers carry `data` and `message` but no `extra`.
    let (_server, client) = serve(
        TOKEN,
        MockResponse::json(json!({
            "data": {"access_token": "clt.abc", "expires_in": 7200, "error_code": 0, "description": ""},
            "message": "success"
        })),
    )
    .await;
    assert_eq!(client.oauth_client_token().await.unwrap().expires_in, 7200);

    let (_server, client) = serve(
        TOKEN,
        MockResponse::json(json!({
            "data": {"error_code": 10013, "description": "client_key或client_secret错误"},
            "message": "error"
        })),
    )
    .await;
    let err = client.oauth_client_token().await.unwrap_err();
    let a = api(&err);
    assert_eq!(a.code, 10013);
    assert_eq!(a.logid, None);
    assert_eq!(a.known(), Some(KnownCode::WrongClientCredentials));

    // The OAuth failure example: the code in `data`, an `extra` with only `logid` and `now`.
    let (_server, client) = serve(
        TOKEN,
        MockResponse::json(json!({
            "data": {"error_code": 2100005, "description": "参数不合法"},
            "extra": {"logid": "2020070614111601014411820811171", "now": 1594015876138_i64},
            "message": "error"
        })),
    )
    .await;
    let err = client.oauth_client_token().await.unwrap_err();
    assert_eq!(api(&err).code, 2100005);
    assert_eq!(err.logid(), Some("2020070614111601014411820811171"));
}

#[tokio::test]
async fn client_token_app_calls_decode_the_same_envelope() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on(CATEGORY, |_, i| {
        if i == 0 {
            MockResponse::json(ok_data(
                json!({"total": "1", "category_list": [{"id": "20000", "name": "服饰内衣", "level": 1}]}),
            ))
        } else {
            MockResponse::json(err_data(2100007, "无权限"))
        }
    });
    let client = server.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
    let data = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    assert_eq!(data.total, Some(1));
    assert_eq!(data.category_list.len(), 1);
    let err = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
    assert_eq!(api(&err).code, 2100007);
    assert_eq!(api(&err).known(), Some(KnownCode::NoOperatePermission));
}

#[tokio::test]
async fn err_no_envelope_decodes() {
    let apply = |answer: MockResponse| async move {
        let (server, client) = serve(APPLY, answer).await;
        let r = client
            .user(&test_user())
            .colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new("7265432109876543210"))
            .await;
        assert_eq!(server.requests_to(APPLY).len(), 1);
        r
    };
    let data = apply(MockResponse::json(
        json!({"err_no": 0, "err_msg": "success", "log_id": "L1", "data": {"applied": true}}),
    ))
    .await
    .unwrap();
    assert_eq!(data.extra_fields.get("applied"), Some(&json!(true)));
    // Success without `data`, and `err_no` as a string.
    let data = apply(MockResponse::json(json!({"err_no": "0", "err_msg": "success"}))).await.unwrap();
    assert!(data.extra_fields.is_empty());

    let err = apply(MockResponse::json(
        json!({"err_no": 40001, "err_msg": "任务不存在", "log_id": "L2", "data": null}),
    ))
    .await
    .unwrap_err();
    let a = api(&err);
    assert_eq!((a.code, a.description.as_str(), a.logid.as_deref()), (40001, "任务不存在", Some("L2")));
    assert_eq!(err.endpoint(), "colonel_award_task_apply");
    let err = apply(MockResponse::json(json!({"err_no": "2100004", "err_msg": "busy"}))).await.unwrap_err();
    assert_eq!(api(&err).code, 2100004);
    // A body without the status field of any envelope is not a success. (`{"data": {}}` would
    // be: its envelope is detected, since the spec knows it from the seed only, and a `data`
    // without codes is a `data`+`extra` success.)
    let err = apply(MockResponse::json(json!({"result": {}, "message": "success"}))).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:#}");
}

#[tokio::test]
async fn code_msg_envelope_decodes() {
    let detail = |answer: MockResponse| async move {
        let (server, client) = serve(TASK_DETAIL, answer).await;
        let r = client.captain_task_detail(&CaptainTaskDetailRequest::new("7265432109876543210")).await;
        let sent = server.requests_to(TASK_DETAIL);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].method, "GET");
        assert_eq!(sent[0].header("access-token"), None, "no auth on captain endpoints");
        r
    };
    let data = detail(MockResponse::json(json!({
        "code": 0, "msg": "success",
        "data": {"task_id": 7265432109876543210_u64, "task_name": "夏季清凉好物赏金任务", "status": 1, "reward": 5}
    })))
    .await
    .unwrap();
    assert_eq!(data.task_id.as_deref(), Some("7265432109876543210"));
    assert_eq!(data.task_name.as_deref(), Some("夏季清凉好物赏金任务"));
    assert_eq!(data.status.as_deref(), Some("1"));
    assert_eq!(data.extra_fields.get("reward"), Some(&json!(5)));

    let err = detail(MockResponse::json(json!({"code": 1001, "msg": "task not found"}))).await.unwrap_err();
    let a = api(&err);
    assert_eq!((a.code, a.description.as_str(), a.logid.as_deref()), (1001, "task not found", None));
    let err = detail(MockResponse::json(json!({"code": "7", "msg": "x", "data": {}}))).await.unwrap_err();
    assert_eq!(api(&err).code, 7);
}

#[tokio::test]
async fn a_platform_error_with_http_500_is_an_api_error_carrying_the_status() {
    let err = store_list(MockResponse::raw(500, err_data(10001, "系统错误").to_string())).await.unwrap_err();
    let a = api(&err);
    assert_eq!((a.code, a.http_status), (10001, 500));
    assert_eq!(a.known(), Some(KnownCode::SystemError));

    let err =
        store_list(MockResponse::raw(503, json!({"err_no": 1, "data": {"error_code": 2100004}}).to_string()))
            .await
            .unwrap_err();
    assert_eq!((api(&err).code, api(&err).http_status), (2100004, 503));
}

#[tokio::test]
async fn a_non_success_status_without_a_platform_error_is_http_status_with_a_snippet() {
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let err = store_list(MockResponse::raw(500, html)).await.unwrap_err();
    match err.kind() {
        ErrorKind::HttpStatus { status, snippet, .. } => {
            assert_eq!(*status, 500);
            assert!(snippet.contains("502 Bad Gateway"), "{snippet}");
        }
        other => panic!("expected HttpStatus, got {other:?}"),
    }
    assert!(err.api().is_none());
    // Even a body that looks like a success does not make a 404 a success.
    let err = store_list(MockResponse::raw(404, ok_data(json!({"total": 0})).to_string())).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::HttpStatus { status: 404, .. }), "{err:#}");
    // An empty body.
    let err = store_list(MockResponse::raw(502, "")).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::HttpStatus { status: 502, snippet, .. } if snippet == "(empty)"),
        "{err:#}"
    );
}

#[tokio::test]
async fn a_200_without_any_status_field_is_not_a_success() {
    for body in ["{}", r#"{"message":"success"}"#, r#"{"data":null}"#, "[]", "null"] {
        let err = store_list(MockResponse::raw(200, body)).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{body}: {err:#}");
    }
}

#[tokio::test]
async fn unusual_spellings_of_status_codes_are_never_read_as_success() {
    // An integral float is the code it spells, on a type whose fields all parse.
    let body =
        json!({"data": {"error_code": 10008.0, "description": "x", "total": 0}, "extra": {"error_code": 0}});
    let err = store_list(MockResponse::json(body)).await.unwrap_err();
    assert_eq!(api(&err).code, 10008, "{err:#}");
    // A code that cannot be read is not a zero.
    for code in [json!([]), json!(true), json!(""), json!("abc"), json!(0.5), json!(u64::MAX)] {
        let body = json!({"data": {"error_code": code, "total": 0}, "extra": {"error_code": 0}});
        let err = store_list(MockResponse::json(body)).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{code}: {err:#}");
    }
    // A top-level array is not an envelope, even when serde could read fields from it.
    let (_server, client) = serve(APPLY, MockResponse::raw(200, "[0]")).await;
    let err = client
        .user(&test_user())
        .colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new("1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Decode { message, .. } if message.contains("not a JSON object")),
        "{err:#}"
    );
    let (_server, client) = serve(TASK_DETAIL, MockResponse::raw(200, r#"[0, "success", {}]"#)).await;
    let err = client.captain_task_detail(&CaptainTaskDetailRequest::new("1")).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:#}");
}
