//! The Doudian gateway's pushes end to end: signed arrays of messages POSTed on 127.0.0.1 to the
//! `doudian_router` of `douyin-alliance-axum`, answered as the gateway expects, each message
//! handled once across resent requests and across replicas sharing Redis.

use std::sync::{Arc, Mutex};

use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::webhook::doudian::{
    event_sign, DoudianMessage, APP_ID_HEADER, EVENT_SIGN_HEADER, FAIL_BODY, SUCCESS_BODY,
};
use douyin_alliance::webhook::{Delivery, DoudianReceiver};
use e2e_tests::{DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET};

use crate::redis_tokens::{redis, unique_prefix};

/// Serves `app` on a free 127.0.0.1 port; its URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A route whose handler records `(msg_id, tag, data)` and fails the messages in `failing`
/// (each once).
async fn route(
    receiver: DoudianReceiver,
    failing: &[&str],
) -> (String, Arc<Mutex<Vec<(String, String, String)>>>) {
    let seen: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let failing: Arc<Mutex<Vec<String>>> =
        Arc::new(Mutex::new(failing.iter().map(|s| s.to_string()).collect()));
    let sink = seen.clone();
    let handler = move |d: Delivery<DoudianMessage>| {
        let (sink, failing) = (sink.clone(), failing.clone());
        async move {
            let mut f = failing.lock().unwrap();
            if let Some(i) = f.iter().position(|m| *m == d.event.msg_id) {
                f.remove(i);
                return Err("not now".to_string());
            }
            sink.lock().unwrap().push((d.event.msg_id, d.event_name, d.event.data.to_string()));
            Ok(())
        }
    };
    (serve(douyin_alliance_axum::doudian_router(Arc::new(receiver), handler)).await, seen)
}

async fn post(url: &str, body: &str, sign: Option<String>, app_id: &str) -> (u16, String) {
    let mut r = reqwest::Client::new().post(url).header(APP_ID_HEADER, app_id).body(body.to_string());
    if let Some(s) = sign {
        r = r.header(EVENT_SIGN_HEADER, s);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn signed(body: &str) -> Option<String> {
    Some(event_sign(DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET.as_bytes(), body.as_bytes()))
}

const BATCH: &str = r#"[{"tag":"100","msg_id":"m-1","data":"{\"p_id\":4839393224855481034}"},{"tag":"101","msg_id":"m-2","data":"{\"p_id\":4839393224855481034,\"pay_amount\":990}"}]"#;

#[tokio::test]
async fn a_resent_request_handles_each_message_once_and_in_order() {
    let (url, seen) = route(DoudianReceiver::new(DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET), &["m-2"]).await;
    assert_eq!(post(&url, BATCH, signed(BATCH), DOUDIAN_APP_KEY).await, (500, FAIL_BODY.to_string()));
    assert_eq!(post(&url, BATCH, signed(BATCH), DOUDIAN_APP_KEY).await, (200, SUCCESS_BODY.to_string()));
    assert_eq!(post(&url, BATCH, signed(BATCH), DOUDIAN_APP_KEY).await, (200, SUCCESS_BODY.to_string()));
    let seen = seen.lock().unwrap().clone();
    let ids: Vec<&str> = seen.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, ["m-1", "m-2"]);
    assert_eq!(seen[0].1, "100");
    // The 19-digit id inside `data` keeps every digit.
    assert!(seen[1].2.contains("4839393224855481034"), "{}", seen[1].2);
}

#[tokio::test]
async fn refused_pushes_get_their_status_and_reach_no_handler() {
    let (url, seen) = route(DoudianReceiver::new(DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET), &[]).await;
    assert_eq!(post(&url, BATCH, None, DOUDIAN_APP_KEY).await.0, 401, "no event-sign");
    assert_eq!(post(&url, BATCH, signed("tampered"), DOUDIAN_APP_KEY).await.0, 401, "wrong sign");
    let wrong_secret = Some(event_sign(DOUDIAN_APP_KEY, b"another-secret", BATCH.as_bytes()));
    assert_eq!(post(&url, BATCH, wrong_secret, DOUDIAN_APP_KEY).await.0, 401, "another secret");
    assert_eq!(post(&url, BATCH, signed(BATCH), "another-app").await.0, 403, "another app-id");
    let object = r#"{"tag":"100","msg_id":"m-1","data":"{}"}"#;
    assert_eq!(post(&url, object, signed(object), DOUDIAN_APP_KEY).await.0, 400, "not an array");
    assert!(seen.lock().unwrap().is_empty(), "nothing refused was handled");
}

#[tokio::test]
async fn replicas_sharing_redis_handle_a_message_once() {
    let redis = redis();
    let prefix = unique_prefix("doudian-push");
    let replica = || {
        let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
        DoudianReceiver::new(DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET).dedupe(Arc::new(store))
    };
    let (a, seen_a) = route(replica(), &[]).await;
    let (b, seen_b) = route(replica(), &[]).await;
    // The gateway resends the request to another replica (its first answer was lost).
    assert_eq!(post(&a, BATCH, signed(BATCH), DOUDIAN_APP_KEY).await.0, 200);
    assert_eq!(post(&b, BATCH, signed(BATCH), DOUDIAN_APP_KEY).await.0, 200);
    assert_eq!(seen_a.lock().unwrap().len(), 2);
    assert!(seen_b.lock().unwrap().is_empty(), "the second replica saw duplicates only");
}
