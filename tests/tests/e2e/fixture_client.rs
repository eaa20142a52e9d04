//! The generator's `full` fixture, generated and built as a client (`tests/fixture-client`), calls
//! one endpoint of every auth kind against a local server: the runtime needs nothing from the
//! generated tables but what each method hands it.
//!
//! Guards against: generated code that compiles only inside the SDK crate; a runtime that looks
//! endpoints or types up in its own generated globals (the fixture's would not be found); request
//! checks or metadata lost between the generated method and the transport.

use douyin_alliance::{ErrorKind, Id, UserAuth};
use e2e_tests::{ok_data, serve_client_tokens, MockResponse, MockServer};
use fixture_client::types::{FxSearchRequest, FxSortKind};
use fixture_client::Client;
use serde_json::json;

async fn client(server: &MockServer) -> Client {
    serve_client_tokens(server, 7200);
    Client(server.client_builder().build().unwrap())
}

#[tokio::test]
async fn an_unauthenticated_call_sends_no_token() {
    let server = MockServer::start().await;
    server.on("/fx/ping", |_, _| {
        MockResponse::json(json!({"code": 0, "msg": "ok", "data": {"ok": 1, "now": "1700000000000"}}))
    });
    let client = client(&server).await;
    let pong = client.ping().await.unwrap();
    assert!(pong.ok);
    assert_eq!(pong.now, Some(1_700_000_000_000));
    let rec = &server.requests_to("/fx/ping")[0];
    assert_eq!(rec.method, "GET");
    assert_eq!(rec.header("access-token"), None);
    assert!(server.requests_to("/oauth/client_token/").is_empty());
}

#[tokio::test]
async fn an_app_call_fetches_and_sends_the_client_token_and_checks_the_request() {
    let server = MockServer::start().await;
    server.on("/fx/products/search/", |_, _| {
        let product = json!({
            "product_id": "7012345678901234567", "title": "T", "price": "5990", "cos_ratio": 20.5,
            "in_stock": 1, "status": "on_sale", "tags": null, "detail": {}
        });
        MockResponse::json(ok_data(json!({"total": "1", "products": [product]})))
    });
    let client = client(&server).await;
    let request = FxSearchRequest::new(1).with_type(FxSortKind::Price).with_keyword("cup");
    let found = client.app_search(&request).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.products[0].product_id, Id(7_012_345_678_901_234_567));
    let rec = &server.requests_to("/fx/products/search/")[0];
    assert_eq!(rec.header("access-token"), Some("clt.test-0"));
    assert_eq!(rec.json()["keyword"], "cup");
    assert_eq!(server.requests_to("/oauth/client_token/").len(), 1);

    // The fixture's generated check runs before anything is sent.
    let err = client.app_search(&FxSearchRequest::new(0)).await.unwrap_err();
    match err.kind() {
        ErrorKind::InvalidInput { field, problem } => {
            assert_eq!(field, "page");
            assert_eq!(problem, "must be at least 1, got 0");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(server.requests_to("/fx/products/search/").len(), 1);
}

#[tokio::test]
async fn a_user_call_sends_the_users_token() {
    let server = MockServer::start().await;
    server.on("/fx/user/profile/", |_, _| {
        MockResponse::json(ok_data(
            json!({"nickname": "n", "follower_count": "12", "level": 3, "verified": 1}),
        ))
    });
    let client = client(&server).await;
    let user = client.user(&UserAuth::new("open-1", "act.fixture"));
    let profile = user.user_profile().await.unwrap();
    assert_eq!((profile.nickname.as_str(), profile.follower_count, profile.level), ("n", Some(12), Some(3)));
    assert_eq!(profile.verified, Some(true));
    let rec = &server.requests_to("/fx/user/profile/")[0];
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.header("access-token"), Some("act.fixture"));
    assert_eq!(rec.query_param("open_id"), None, "user_profile does not put open_id in the query");
    assert!(server.requests_to("/oauth/client_token/").is_empty());
}

/// The SDK carries no example answers (they are the sandbox's): the compiled SDK library this
/// test links holds none of the spec examples' trace ids, and its sources none of the example
/// bodies.
#[test]
fn the_sdk_library_carries_no_example_answers() {
    let spec = douyin_sandbox::spec::model().unwrap();
    let examples: Vec<&str> = spec.endpoints.iter().filter_map(|e| e.example.as_deref()).collect();
    assert_eq!(examples.len(), spec.endpoints.len(), "every endpoint has an example");
    let logids: Vec<String> = examples
        .iter()
        .filter_map(|e| {
            let v: serde_json::Value = serde_json::from_str(e).ok()?;
            let id = v.pointer("/extra/logid").or_else(|| v.get("log_id"))?;
            id.as_str().map(str::to_string)
        })
        .collect();
    assert!(logids.len() >= 10, "{logids:?}");
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let rlib = std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("libdouyin_alliance-") && name.ends_with(".rlib")
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
        .expect("the SDK's rlib beside the test binary");
    let bytes = std::fs::read(rlib.path()).unwrap();
    for id in &logids {
        let found = bytes.windows(id.len()).any(|w| w == id.as_bytes());
        assert!(!found, "{} holds the example trace id {id}", rlib.path().display());
    }
    let sources = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/src");
    let mut stack = vec![sources];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                for id in &logids {
                    assert!(
                        !text.contains(id.as_str()),
                        "{} holds the example trace id {id}",
                        path.display()
                    );
                }
            }
        }
    }
}

/// The spec features of the evidence change, generated for the fixture: a call offered under a
/// second credential kind, a user call whose credentials travel in the body, a detected envelope,
/// and lenient fields beside a documented one.
#[tokio::test]
async fn the_evidence_features_of_the_fixture_work_through_the_runtime() {
    let server = MockServer::start().await;
    let client = client(&server).await;
    let user = client.user(&UserAuth::new("open-1", "act.fixture"));

    // `app_search` as a user: the user's token and open_id, no client_token.
    server
        .on("/fx/products/search/", |_, _| MockResponse::json(ok_data(json!({"total": 0, "products": []}))));
    user.app_search(&FxSearchRequest::new(1)).await.unwrap();
    let rec = &server.requests_to("/fx/products/search/")[0];
    assert_eq!(rec.header("access-token"), Some("act.fixture"));
    assert_eq!(rec.query_param("open_id").as_deref(), Some("open-1"));
    assert!(server.requests_to("/oauth/client_token/").is_empty());

    // `user_info_body`: the credentials in the JSON body, no header; lenient fields of another
    // shape are kept, the documented `nickname` is read.
    server.on("/fx/userinfo/", |_, _| {
        MockResponse::json(ok_data(
            json!({"nickname": "n", "follower_count": "1.2万", "level": 2, "tags": "x"}),
        ))
    });
    let profile = user.user_info_body().await.unwrap();
    assert_eq!((profile.nickname.as_str(), profile.follower_count, profile.level), ("n", None, Some(2)));
    assert!(profile.tags.is_empty());
    assert_eq!(profile.extra_fields.get("follower_count"), Some(&json!("1.2万")));
    assert_eq!(profile.extra_fields.get("tags"), Some(&json!("x")));
    let rec = &server.requests_to("/fx/userinfo/")[0];
    assert_eq!(rec.json(), json!({"access_token": "act.fixture", "open_id": "open-1"}));
    assert_eq!((rec.header("access-token"), rec.query.as_deref()), (None, None));
    // A documented field of another shape still fails.
    server.on("/fx/userinfo/", |_, _| MockResponse::json(ok_data(json!({"nickname": ["n"]}))));
    let err = user.user_info_body().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Decode { .. }), "{err:#}");

    // `user_profile` declares `status_code` on guessed evidence: each answer's envelope is read.
    for answer in [
        json!({"status_code": 0, "status_msg": "", "data": {"nickname": "a"}}),
        json!({"status_code": 0, "status_msg": "", "nickname": "a"}),
        ok_data(json!({"nickname": "a"})),
        json!({"code": 0, "msg": "", "data": {"nickname": "a"}}),
    ] {
        let a = answer.clone();
        server.on("/fx/user/profile/", move |_, _| MockResponse::json(a.clone()));
        let p = user.user_profile().await.unwrap_or_else(|e| panic!("{answer}: {e:#}"));
        assert_eq!(p.nickname, "a", "{answer}");
        assert!(p.extra_fields.is_empty(), "{answer}: {:?}", p.extra_fields);
    }
    server.on("/fx/user/profile/", |_, _| MockResponse::json(json!({"status_code": 5, "status_msg": "no"})));
    let err = user.user_profile().await.unwrap_err();
    assert_eq!(err.api().map(|a| a.code), Some(5), "{err:#}");
}

#[tokio::test]
async fn the_fixture_events_decode_through_the_sdk_receiver() {
    use douyin_alliance::webhook::{sign, Received, WebhookReceiver};
    use fixture_client::types::Event;
    let receiver: WebhookReceiver<Event> = WebhookReceiver::for_events("fx_key", "fx_secret");
    let deliver = |body: &'static str| {
        let signature = sign(b"fx_secret", body.as_bytes());
        let receiver = &receiver;
        async move {
            match receiver.receive(Some(&signature), None, body.as_bytes()).await.unwrap() {
                Received::Event(d) => d.event,
                other => panic!("{other:?}"),
            }
        }
    };
    // A trusted name.
    let e = deliver(r#"{"event":"profile_changed","client_key":"fx_key","content":{"nickname":"n"}}"#).await;
    assert!(matches!(e, Event::ProfileChanged(ref p) if p.nickname == "n"), "{e:?}");
    // A guessed name, recognised by its content's key under another name.
    let e = deliver(r#"{"event":"renamed_later","client_key":"fx_key","content":"{\"order_id\":\"9007199254740993\",\"amount\":1,\"sort\":1}"}"#).await;
    assert!(matches!(e, Event::OrderPushed(ref o) if o.order_id.get() == 9007199254740993), "{e:?}");
    // Recognised, but the documented `amount` is missing: delivered raw, not refused.
    let e = deliver(r#"{"event":"order_pushed","client_key":"fx_key","content":{"order_id":"1"}}"#).await;
    assert_eq!(e, Event::Unknown { event: "order_pushed".into(), content: json!({"order_id": "1"}) });
}
