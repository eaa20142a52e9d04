//! Each class of [`ErrorKind`] over real HTTP: what it carries, how it prints (one line naming
//! the endpoint; `{:#}` adds the source chain), and the helpers `is_retryable`,
//! `is_token_invalid`, `is_rate_limited` and `logid`.

use std::time::Duration;

use douyin_alliance::endpoint::Server;
use douyin_alliance::types::{
    KolMaterialsProductsDetailsRequest, KolStoreListRequest, MaterialsProductCategoryRequest,
    ProductPicksourceConvertRequest, StoreAddProduct, StoreAddRequest,
};
use douyin_alliance::{Client, Error, ErrorKind, Id, KnownCode, RetryPolicy, TimeoutKind, UserAuth};
use e2e_tests::{closed_port, err_data, ok_data, test_user, MockResponse, MockServer, RawServer};
use serde_json::json;

const STORE_LIST: &str = "/alliance/kol/store/list/";
const CATEGORY: &str = "/alliance/materials/product/category/";
const TOKEN: &str = "/oauth/client_token/";

fn no_retry(server: &MockServer) -> Client {
    server.client_builder().retry(RetryPolicy::disabled()).build().unwrap()
}

async fn store_list_with(
    client: &Client,
) -> douyin_alliance::Result<douyin_alliance::types::KolStoreListData> {
    client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await
}

async fn store_list(answer: MockResponse) -> Error {
    let server = MockServer::start().await;
    server.on(STORE_LIST, move |_, _| answer.clone());
    store_list_with(&no_retry(&server)).await.unwrap_err()
}

/// The error of an `oauth_client_token` call answered with `answer` (its fields are documented,
/// so they decode strictly).
async fn client_token(answer: MockResponse) -> Error {
    let server = MockServer::start().await;
    server.on(TOKEN, move |_, _| answer.clone());
    no_retry(&server).oauth_client_token().await.unwrap_err()
}

/// `Display` is one line that starts with the endpoint; `{:#}` starts the same way.
fn assert_one_line(e: &Error) -> (String, String) {
    let plain = e.to_string();
    let alt = format!("{e:#}");
    for s in [&plain, &alt] {
        assert!(!s.contains('\n') && !s.contains('\r'), "not one line: {s:?}");
        assert!(s.starts_with(&format!("{}: ", e.endpoint())), "does not name the endpoint: {s}");
    }
    assert!(alt.starts_with(&plain), "{alt} / {plain}");
    (plain, alt)
}

#[tokio::test]
async fn api_errors_carry_every_field_and_a_known_name() {
    let body = json!({
        "data": {"error_code": 10008, "description": "access_token无效"},
        "extra": {"error_code": 0, "sub_error_code": 2190008, "sub_description": "token expired", "logid": "LOG-1"}
    });
    let err = store_list(MockResponse::json(body)).await;
    let a = err.api().unwrap();
    assert_eq!(err.endpoint(), "kol_store_list");
    assert_eq!(a.code, 10008);
    assert_eq!(a.description, "access_token无效");
    assert_eq!(a.sub_code, Some(2190008));
    assert_eq!(a.sub_description.as_deref(), Some("token expired"));
    assert_eq!(a.logid.as_deref(), Some("LOG-1"));
    assert_eq!(a.http_status, 200);
    assert_eq!(a.known(), Some(KnownCode::AccessTokenInvalid));
    assert_eq!(KnownCode::AccessTokenInvalid.code(), 10008);
    assert_eq!(KnownCode::AccessTokenInvalid.meaning(), "access_token invalid or expired");
    assert_eq!(err.logid(), Some("LOG-1"));
    assert!(err.is_token_invalid());
    assert!(!err.is_retryable());
    assert!(!err.is_rate_limited());
    let (plain, alt) = assert_one_line(&err);
    assert_eq!(
        plain,
        "kol_store_list: API error 10008 (access_token invalid or expired): access_token无效; \
         sub code 2190008: token expired [logid LOG-1]"
    );
    assert_eq!(alt, plain, "an API error has no source");
    assert!(std::error::Error::source(&err).is_none());
    assert!(matches!(err.into_kind(), ErrorKind::Api(a) if a.code == 10008));

    // An unknown code has no name, and the sub code does not name it either when unknown.
    let err = store_list(MockResponse::json(err_data(123456, "新错误"))).await;
    assert_eq!(err.api().unwrap().known(), None);
    assert_eq!(err.to_string(), "kol_store_list: API error 123456: 新错误 [logid err-logid]");
    // A known sub code names an unknown code.
    let body = json!({"data": {"error_code": 0}, "extra": {"error_code": 99, "sub_error_code": 28003018}});
    let err = store_list(MockResponse::json(body)).await;
    assert_eq!(err.api().unwrap().known(), Some(KnownCode::TooFrequent));
    assert!(err.is_rate_limited() && err.is_retryable());
}

#[tokio::test]
async fn text_from_the_server_cannot_break_the_line() {
    let body = json!({
        "data": {"error_code": 2100005, "description": "第一行\n第二行\r\nthird"},
        "extra": {"error_code": 0, "sub_error_code": 7, "sub_description": "a\nb", "logid": "L\nX"}
    });
    let err = store_list(MockResponse::json(body)).await;
    assert_one_line(&err);
    // The fields themselves keep what the server sent.
    assert_eq!(err.api().unwrap().description, "第一行\n第二行\r\nthird");
    assert!(!err.api().unwrap().to_string().contains('\n'));
    // A decoder of a strict (documented) field quoting a bad value with a line break.
    let body = json!({"data": {"error_code": 0, "access_token": "clt.x", "expires_in": "1\n2"}});
    let err = client_token(MockResponse::json(body)).await;
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:#}");
    assert_one_line(&err);
    // The same value in a weakly evidenced field fails nothing: it is kept as it came.
    let server = MockServer::start().await;
    let body = json!({"data": {"error_code": 0, "total": "1\n2"}, "extra": {"error_code": 0}});
    server.on(STORE_LIST, move |_, _| MockResponse::json(body.clone()));
    let data = store_list_with(&no_retry(&server)).await.unwrap();
    assert_eq!((data.total, data.extra_fields.get("total")), (None, Some(&json!("1\n2"))));
}

#[tokio::test]
async fn token_invalid_and_rate_limit_helpers_follow_the_known_codes() {
    for (code, token_invalid, rate_limited, retryable) in [
        (10008, true, false, false),
        (2190002, true, false, false),
        (2190008, true, false, false),
        (28001008, true, false, false),
        (28003018, false, true, true),
        (2100004, false, false, true),
        (2100005, false, false, false),
        (10013, false, false, false),
    ] {
        let err = store_list(MockResponse::json(err_data(code, "x"))).await;
        assert_eq!(err.is_token_invalid(), token_invalid, "{code}");
        assert_eq!(err.is_rate_limited(), rate_limited, "{code}");
        assert_eq!(err.is_retryable(), retryable, "{code}");
        assert_eq!(err.logid(), Some("err-logid"));
    }
}

#[tokio::test]
async fn unexpected_http_statuses() {
    for (status, retryable) in
        [(400, false), (404, false), (500, false), (502, true), (503, true), (504, true)]
    {
        let err = store_list(MockResponse::raw(status, "<html><body>upstream trouble</body></html>")).await;
        match err.kind() {
            ErrorKind::HttpStatus { status: s, snippet, .. } => {
                assert_eq!(*s, status);
                assert!(snippet.contains("upstream trouble"), "{snippet}");
            }
            other => panic!("expected HttpStatus, got {other:?}"),
        }
        assert_eq!(err.is_retryable(), retryable, "{status}");
        assert!(!err.is_rate_limited());
        assert_eq!(err.logid(), None);
        let (plain, _) = assert_one_line(&err);
        assert!(plain
            .starts_with(&format!("kol_store_list: unexpected HTTP status {status}; body starts: <html>")));
    }
    let err = store_list(MockResponse::raw(429, "slow down")).await;
    assert!(err.is_rate_limited() && err.is_retryable());
    // A long body shows only its start.
    let err = store_list(MockResponse::raw(500, "x".repeat(100_000))).await;
    assert!(err.to_string().len() < 400, "{}", err.to_string().len());
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_with_its_cause_in_the_chain() {
    let addr = closed_port();
    let client = Client::builder()
        .credentials("k", "s")
        .base_url(Server::OpenDouyinEc, format!("http://{addr}"))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = store_list_with(&client).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:#}");
    assert!(err.is_retryable());
    assert!(err.api().is_none() && err.logid().is_none());
    let (plain, alt) = assert_one_line(&err);
    assert_eq!(plain, "kol_store_list: transport error");
    assert!(alt.to_lowercase().contains("connection refused") || alt.contains("os error"), "{alt}");
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    server.on(STORE_LIST, |_, _| MockResponse::json(ok_data(json!({}))).delayed(Duration::from_secs(30)));
    let client = server
        .client_builder()
        .retry(RetryPolicy::disabled())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), store_list_with(&client))
        .await
        .expect("the client timeout fires")
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::Timeout { which: TimeoutKind::Request, after } if *after == Duration::from_millis(200)
        ),
        "{err:#}"
    );
    assert!(err.is_retryable());
    let (plain, _) = assert_one_line(&err);
    assert_eq!(plain, "kol_store_list: the request timed out after 200ms");
}

#[tokio::test]
async fn undecodable_bodies_keep_the_bytes_and_show_a_snippet() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"<html>maintenance</html>".to_vec()),
        ("truncated", br#"{"data":{"error_code":0,"total":3,"results":[{"product_id":1"#.to_vec()),
        ("invalid UTF-8", vec![0xff, 0xfe, b'{', 0x80]),
        ("long", format!("<html>{}</html>", "z".repeat(50_000)).into_bytes()),
    ];
    for (what, body) in cases {
        let err = store_list(MockResponse::raw(200, body.clone())).await;
        let ErrorKind::Decode { message, snippet, body: raw } = err.kind() else {
            panic!("{what}: expected Decode, got {err:#}");
        };
        assert_eq!(raw.0.as_ref(), body.as_slice(), "{what}: the bytes are kept");
        assert!(!message.is_empty(), "{what}");
        assert!(snippet.chars().count() <= 201, "{what}: {snippet}");
        assert!(!err.is_retryable(), "{what}");
        let (plain, _) = assert_one_line(&err);
        assert!(plain.starts_with("kol_store_list: cannot decode the response ("), "{what}: {plain}");
        // Debug shows the length of the body, not the body.
        assert!(format!("{err:?}").contains(&format!("<{} bytes>", body.len())), "{err:?}");
        assert!(!format!("{err:?}").contains(&"z".repeat(300)));
    }

    // Wrong types in strict (documented) fields: the message quotes the bad value.
    let body = json!({"data": {"error_code": 0, "access_token": "clt.x", "expires_in": "many"}, "message": "success"})
        .to_string();
    let err = client_token(MockResponse::raw(200, body.clone())).await;
    let ErrorKind::Decode { message, snippet, body: raw } = err.kind() else {
        panic!("wrong types: expected Decode, got {err:#}");
    };
    assert_eq!(raw.0.as_ref(), body.as_bytes());
    assert!(snippet.starts_with(r#"{"data":"#), "{snippet}");
    assert!(message.contains("\"many\""), "{message}");
    let (plain, _) = assert_one_line(&err);
    assert!(plain.starts_with("oauth_client_token: cannot decode the response ("), "{plain}");

    // Wrong types in weakly evidenced fields are no decode error: the values are kept.
    let server = MockServer::start().await;
    let body =
        json!({"data": {"error_code": 0, "total": "many", "results": "none"}, "extra": {"error_code": 0}});
    server.on(STORE_LIST, move |_, _| MockResponse::json(body.clone()));
    let data = store_list_with(&no_retry(&server)).await.unwrap();
    assert_eq!((data.total, data.results.len()), (None, 0));
    assert_eq!(data.extra_fields.get("total"), Some(&json!("many")));
    assert_eq!(data.extra_fields.get("results"), Some(&json!("none")));
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_a_content_length() {
    let body = ok_data(json!({"total": 1, "results": []})).to_string();
    let server = MockServer::start().await;
    let b = body.clone();
    server.on(STORE_LIST, move |_, _| MockResponse::raw(200, b.clone()));
    let limited = |n: usize| {
        server.client_builder().retry(RetryPolicy::disabled()).max_response_bytes(n).build().unwrap()
    };

    let err = store_list_with(&limited(body.len() - 1)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { limit } if *limit == body.len() - 1), "{err:#}");
    assert!(!err.is_retryable());
    let (plain, _) = assert_one_line(&err);
    assert_eq!(
        plain,
        format!("kol_store_list: the response body exceeds the limit of {} bytes", body.len() - 1)
    );
    // Exactly at the limit is fine.
    assert_eq!(store_list_with(&limited(body.len())).await.unwrap().total, Some(1));
}

fn chunked(body: &str, chunk: usize) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
        .to_vec();
    for part in body.as_bytes().chunks(chunk) {
        out.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        out.extend_from_slice(part);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

async fn raw_client(server: &RawServer, limit: usize) -> Client {
    Client::builder()
        .base_url(Server::OpenDouyinEc, server.url())
        .retry(RetryPolicy::disabled())
        .max_response_bytes(limit)
        .build()
        .unwrap()
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_without_a_content_length() {
    let results: Vec<_> =
        (0..40).map(|i| json!({"product_id": i, "promotion_id": i, "title": "x".repeat(50)})).collect();
    let body = ok_data(json!({"total": 40, "results": results})).to_string();
    assert!(body.len() > 3000);
    let b = body.clone();
    let server = RawServer::start(move |_| chunked(&b, 100)).await;
    // The whole chunked body decodes under the default limit ...
    let data = store_list_with(&raw_client(&server, 16 << 20).await).await.unwrap();
    assert_eq!(data.results.len(), 40);
    // ... and is refused once it grows past a small one.
    let err = store_list_with(&raw_client(&server, 1000).await).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { limit: 1000 }), "{err:#}");

    // A body delimited by the end of the connection (no length, not chunked).
    let b = body.clone();
    let server = RawServer::start(move |_| {
        let mut out =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n".to_vec();
        out.extend_from_slice(b.as_bytes());
        out
    })
    .await;
    assert_eq!(store_list_with(&raw_client(&server, 16 << 20).await).await.unwrap().results.len(), 40);
    let err = store_list_with(&raw_client(&server, 1000).await).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::BodyTooLarge { limit: 1000 }), "{err:#}");
}

#[tokio::test]
async fn a_huge_announced_length_does_not_crash_a_client_without_a_limit() {
    // The server announces a petabyte and then hangs up; the client must fail cleanly, not try
    // to reserve the announced size.
    let server = RawServer::start(|_| {
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000000000000\r\nconnection: close\r\n\r\n{\"data\":"
            .to_vec()
    })
    .await;
    let err = store_list_with(&raw_client(&server, usize::MAX).await).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:#}");
    assert!(err.is_retryable());
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_failing_client_token_endpoint_is_a_token_error() {
    let server = MockServer::start().await;
    server.on(TOKEN, |_, _| {
        MockResponse::json(json!({"data": {"error_code": 10013, "description": "client_secret错误"}, "extra": {"logid": "TOK-LOG"}}))
    });
    server.on(CATEGORY, |_, _| MockResponse::json(ok_data(json!({}))));
    let client = no_retry(&server);
    let err = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
    let ErrorKind::Token(inner) = err.kind() else { panic!("expected Token, got {err:#}") };
    assert_eq!(inner.endpoint(), "oauth_client_token");
    assert_eq!(err.endpoint(), "materials_product_category");
    // The platform's answer is reachable through the outer error.
    assert_eq!(err.api().map(|a| a.code), Some(10013));
    assert_eq!(err.logid(), Some("TOK-LOG"));
    assert!(!err.is_retryable());
    let (plain, alt) = assert_one_line(&err);
    assert_eq!(plain, "materials_product_category: could not obtain a client_token");
    assert_eq!(
        alt,
        "materials_product_category: could not obtain a client_token: oauth_client_token: \
         API error 10013 (client_key or client_secret wrong): client_secret错误 [logid TOK-LOG]"
    );
    assert!(server.requests_to(CATEGORY).is_empty(), "the call itself is not sent without a token");

    // A token endpoint answering HTML.
    let server = MockServer::start().await;
    server.on(TOKEN, |_, _| MockResponse::raw(503, "<html>busy</html>"));
    let err = no_retry(&server)
        .materials_product_category(&MaterialsProductCategoryRequest::new(0))
        .await
        .unwrap_err();
    let ErrorKind::Token(inner) = err.kind() else { panic!("expected Token, got {err:#}") };
    assert!(matches!(inner.kind(), ErrorKind::HttpStatus { status: 503, .. }));
    assert!(err.is_retryable());
    assert!(format!("{err:#}").contains("unexpected HTTP status 503"));
}

#[tokio::test]
async fn broken_constraints_are_invalid_input_and_nothing_is_sent() {
    let server = MockServer::start().await;
    let client = no_retry(&server);
    let u = client.user(&test_user());
    let products =
        |n: u64| (0..n).map(|i| StoreAddProduct::new(Id(3450632721376902816 + i))).collect::<Vec<_>>();
    let cases: Vec<(&str, Error)> = vec![
        ("page_size", u.kol_store_list(&KolStoreListRequest::new(1, 50)).await.unwrap_err()),
        ("page", u.kol_store_list(&KolStoreListRequest::new(0, 20)).await.unwrap_err()),
        (
            "products",
            u.store_add(&StoreAddRequest::new(products(21), false, String::new())).await.unwrap_err(),
        ),
        (
            "pick_extra",
            u.store_add(&StoreAddRequest::new(products(1), false, "bad-char!")).await.unwrap_err(),
        ),
        (
            "pick_extra",
            u.store_add(&StoreAddRequest::new(products(1), false, "a".repeat(21))).await.unwrap_err(),
        ),
        ("pick_extra", u.store_add(&StoreAddRequest::new(products(1), false, "活动")).await.unwrap_err()),
        (
            "product_ids",
            u.kol_materials_products_details(&KolMaterialsProductsDetailsRequest::new(
                (0..21).map(Id).collect::<Vec<_>>(),
            ))
            .await
            .unwrap_err(),
        ),
        (
            "pick_extra",
            client
                .product_picksource_convert(
                    &ProductPicksourceConvertRequest::new("https://haohuo.jinritemai.com/x")
                        .with_pick_extra("has space"),
                )
                .await
                .unwrap_err(),
        ),
    ];
    for (field, err) in &cases {
        let ErrorKind::InvalidInput { field: f, problem } = err.kind() else {
            panic!("{field}: expected InvalidInput, got {err:#}");
        };
        assert_eq!(f, field);
        assert!(!problem.is_empty());
        assert!(!err.is_retryable());
        let (plain, _) = assert_one_line(err);
        assert!(plain.contains(&format!("invalid input, not sent: `{field}`")), "{plain}");
    }
    assert_eq!(
        cases[0].1.to_string(),
        "kol_store_list: invalid input, not sent: `page_size` must be at most 20, got 50"
    );
    // Nothing reached the server: no call and no client_token request.
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    // The limits themselves are accepted.
    server.on("/alliance/store/add/", |_, _| MockResponse::json(ok_data(json!({"results": []}))));
    u.store_add(&StoreAddRequest::new(products(20), false, "a_Z_09".repeat(3) + "ab")).await.unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn configuration_errors() {
    for (url, why) in [("not a url", "base URL `not a url`"), ("ftp://example.com", "is not an http(s) URL")]
    {
        let err = Client::builder().base_url(Server::OpenDouyinEc, url).build().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config(m) if m.contains(why)), "{err:#}");
        assert_eq!(err.endpoint(), "client");
        assert_one_line(&err);
    }

    // No credentials: the token request is refused before sending, and so is the app call.
    let server = MockServer::start().await;
    let mut b = Client::builder().retry(RetryPolicy::disabled());
    for s in Server::ALL {
        b = b.base_url(s, server.url());
    }
    let client = b.build().unwrap();
    let err = client.oauth_client_token().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config(m) if m.contains("client_key")), "{err:#}");
    assert!(!err.is_retryable());
    let err = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap_err();
    let ErrorKind::Token(inner) = err.kind() else { panic!("expected Token, got {err:#}") };
    assert!(matches!(inner.kind(), ErrorKind::Config(_)));
    assert!(format!("{err:#}").contains("is not configured"));

    // A token that cannot travel in a header.
    let err = client
        .user(&UserAuth::new("open-id", "act.bad\ntoken"))
        .kol_store_list(&KolStoreListRequest::new(1, 20))
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err:#}");
    assert!(!format!("{err:#}{err:?}").contains("act.bad"));
    assert!(server.requests().is_empty());
}
