//! The drift recorder on real answers: the sandbox's, and a platform double that sends a key
//! the spec does not know and an id as a string. It counts kinds per path, unknown keys and
//! envelopes, and keeps no value: neither tokens nor titles appear in a snapshot.

use std::sync::Arc;

use douyin_alliance::drift::DriftRecorder;
use douyin_alliance::types::{KolOrdersRequest, KolProductShareRequest, MaterialsProductCategoryRequest};
use douyin_alliance::{endpoint::Authority, DoudianAuth, UserAuth};
use douyin_sandbox::Sandbox;
use e2e_tests::{ok_data, within, MockResponse, MockServer};
use serde_json::json;

#[tokio::test]
async fn the_recorder_counts_what_the_sandbox_sends_and_keeps_no_value() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let recorder = Arc::new(DriftRecorder::new());
        let client = sandbox.client_builder().record_drift(recorder.clone()).build().unwrap();
        let code = sandbox.authorize_all("creator-drift");
        let t =
            client.oauth_access_token(&douyin_alliance::types::AccessTokenRequest::new(code)).await.unwrap();
        let token = t.access_token.expose().to_string();
        let user = client.user(&UserAuth::new(t.open_id, t.access_token));
        let orders = user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
        client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
        let code = sandbox.doudian_code(Authority::Kol);
        let dd = client
            .doudian_token_create(&douyin_alliance::types::DoudianTokenCreateRequest::new(
                code,
                "authorization_code",
            ))
            .await
            .unwrap();
        let kol = client.doudian(&DoudianAuth::new(Authority::Kol, dd.access_token.clone()));
        let url = "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726";
        kol.buyin_kol_product_share(&KolProductShareRequest::new(url, "dy_1_2_3")).await.unwrap();

        let snap = recorder.snapshot();
        let o = &snap.endpoints["kol_orders"];
        assert_eq!((o.answers, o.envelopes.get("data_extra")), (1, Some(&1)));
        let ids = &o.paths["data.orders[].order_id"];
        assert_eq!(ids.seen, orders.orders.len().min(douyin_alliance::drift::MAX_ITEMS) as u64);
        assert!(o.paths["extra.logid"].string == 1 && o.paths["extra.logid"].min_len.is_some());
        assert_eq!(snap.endpoints["buyin_kol_product_share"].envelopes.get("doudian"), Some(&1));
        assert!(
            snap.endpoints.contains_key("oauth_client_token"),
            "the client_token fetch was an answer too"
        );
        let text = snap.to_json();
        let title = orders.orders[0].product_name.clone().unwrap();
        for secret in [token.as_str(), dd.access_token.expose(), title.as_str()] {
            assert!(!text.contains(secret), "a value reached the snapshot: {secret}");
        }
    })
    .await;
}

#[tokio::test]
async fn unknown_keys_and_other_shapes_are_counted_by_type_and_field() {
    let server = MockServer::start().await;
    let recorder = Arc::new(DriftRecorder::new());
    let client = server.client_builder().record_drift(recorder.clone()).build().unwrap();
    let user2 = client.user(&UserAuth::new("open-drift", "act.drift"));
    serve(&server);
    user2.kol_orders(&KolOrdersRequest::new()).await.unwrap();
    user2.kol_orders(&KolOrdersRequest::new()).await.unwrap();
    let d = &recorder.snapshot().endpoints["kol_orders"];
    assert_eq!(d.answers, 2);
    assert_eq!(d.unknown.get("Order.ad_type"), Some(&2), "{:?}", d.unknown);
    let shop = &d.paths["data.orders[].shop_id"];
    assert_eq!((shop.string, shop.numeric_string), (2, 2));
}

#[tokio::test]
async fn past_its_first_answers_the_recorder_samples_one_in_every() {
    use douyin_alliance::drift::Sampling;
    let server = MockServer::start().await;
    let recorder = Arc::new(DriftRecorder::with_sampling(Sampling { first: 2, every: 3 }));
    let client = server.client_builder().record_drift(recorder.clone()).build().unwrap();
    let user = client.user(&UserAuth::new("open-drift", "act.drift"));
    serve(&server);
    for _ in 0..8 {
        user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
    }
    let d = &recorder.snapshot().endpoints["kol_orders"];
    // Answers 1, 2, then 5 and 8.
    assert_eq!((d.offered, d.answers), (8, 4));
    assert_eq!(d.paths["data.orders[].order_id"].seen, 4);
    assert_eq!(d.unknown.get("Order.ad_type"), Some(&4));
}

#[tokio::test]
async fn replicas_publish_their_snapshots_and_the_fleet_reads_them_merged() {
    use douyin_alliance::auth::redis::RedisTokenStore;
    use douyin_alliance::drift::DriftSnapshot;
    use std::time::Duration;
    let redis = crate::redis_tokens::redis();
    // A prefix with glob characters, which must match only themselves.
    let prefix = format!("{}:[fleet]*", crate::redis_tokens::unique_prefix("drift-fleet"));
    let store = RedisTokenStore::open(&redis).unwrap().prefix(prefix.clone());
    let server = MockServer::start().await;
    serve(&server);
    let mut published = Vec::new();
    for (replica, calls) in [("pod-a", 2), ("pod-b.eu-1", 3)] {
        let recorder = Arc::new(DriftRecorder::new());
        let client = server.client_builder().record_drift(recorder.clone()).build().unwrap();
        let user = client.user(&UserAuth::new("open-drift", "act.drift"));
        for _ in 0..calls {
            user.kol_orders(&KolOrdersRequest::new()).await.unwrap();
        }
        store.publish_drift(replica, &recorder.snapshot(), Duration::from_secs(60)).await.unwrap();
        published.push(recorder.snapshot());
    }
    // A neighbour whose prefix the pattern would match without the escaping.
    let other = RedisTokenStore::open(&redis).unwrap().prefix(format!("{prefix}x"));
    other.publish_drift("pod-c", &published[0], Duration::from_secs(60)).await.unwrap();
    let (fleet, replicas) = store.fleet_drift().await.unwrap();
    assert_eq!(replicas, 2);
    let mut expected = DriftSnapshot::default();
    for p in &published {
        expected.merge(p);
    }
    assert_eq!(fleet, expected);
    assert_eq!(fleet.endpoints["kol_orders"].answers, 5);
    // Publishing again replaces; a short TTL drops a replica out.
    store.publish_drift("pod-a", &published[1], Duration::from_millis(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.fleet_drift().await.unwrap().1, 1);
    let e = store.publish_drift("pod a/1", &published[0], Duration::from_secs(1)).await.unwrap_err();
    assert!(e.to_string().contains("no replica name"), "{e}");
}

fn serve(server: &MockServer) {
    server.on("/alliance/kol/orders/", |_, _| {
        MockResponse::json(ok_data(json!({
            "orders": [{"order_id": "4968253700000000001", "shop_id": "12345", "ad_type": "live"}],
            "cursor": ""
        })))
    });
}
