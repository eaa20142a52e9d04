//! Adding to the spec does not break users: the same downstream code (`user_code.rs`) compiles
//! against the `full` fixture client and against its next version, which adds an optional field
//! to a response type and values to a string and an integer enum (`tests/fixture-client/build.rs`,
//! `next_version`). Both run on the same answer.
//!
//! Guards against: a generated struct without `#[non_exhaustive]` users could build by literal
//! (a new field would break them), enums users could match exhaustively, response constructors
//! whose arguments grow with the spec.

mod v1 {
    use fixture_client as sdk;
    include!("user_code.rs");
}

mod v2 {
    use fixture_client_next as sdk;
    include!("user_code.rs");
}

use serde_json::json;

fn answer() -> serde_json::Value {
    json!({"nickname": "n", "follower_count": 3, "level": 1, "verified": true, "badge": "gold"})
}

#[test]
fn the_same_user_code_reads_both_versions() {
    let old = v1::profile_from(answer());
    let new = v2::profile_from(answer());
    assert_eq!(v1::describe(&old), "n (3 followers, verified)");
    assert_eq!(v2::describe(&new), v1::describe(&old));
    // The field the old version does not know is kept, the new one reads it.
    assert_eq!(old.extra_fields.get("badge"), Some(&json!("gold")));
    assert_eq!(new.badge.as_deref(), Some("gold"));
    assert!(new.extra_fields.is_empty());
}

#[test]
fn a_value_added_later_takes_the_wildcard_arm_in_both_versions() {
    let old: fixture_client::types::FxProductStatus = "presale".parse().unwrap();
    let new: fixture_client_next::types::FxProductStatus = "presale".parse().unwrap();
    assert!(old.is_unknown());
    assert_eq!(new, fixture_client_next::types::FxProductStatus::Presale);
    assert_eq!(v1::status_label(&old), "other (presale)");
    assert_eq!(v2::status_label(&new), "other (presale)");
    assert!(v1::sort_of(3).is_unknown());
    assert_eq!(v2::sort_of(3), fixture_client_next::types::FxSortKind::Rating);
    assert_eq!(v1::search_request(1).page, v2::search_request(1).page);
}

#[tokio::test]
async fn the_same_user_code_calls_both_versions() {
    let server = e2e_tests::MockServer::start().await;
    e2e_tests::serve_client_tokens(&server, 7200);
    server.on("/fx/products/search/", |_, _| {
        let product = json!({
            "product_id": 1, "title": "T", "price": 1, "cos_ratio": 1, "in_stock": true,
            "status": "presale", "tags": [], "detail": {}, "badge": "new"
        });
        e2e_tests::MockResponse::json(e2e_tests::ok_data(json!({"total": 1, "products": [product]})))
    });
    let old = fixture_client::Client(server.client_builder().build().unwrap());
    let new = fixture_client_next::Client(server.client_builder().build().unwrap());
    assert_eq!(v1::first_page(&old).await.unwrap(), 1);
    assert_eq!(v2::first_page(&new).await.unwrap(), 1);
}
