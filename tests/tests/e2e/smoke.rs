//! The client reaches a loopback server and decodes a typed answer.

use douyin_alliance::types::MaterialsProductCategoryRequest;
use e2e_tests::{ok_data, serve_client_tokens, MockResponse, MockServer};

#[tokio::test]
async fn app_call_fetches_a_client_token_and_decodes() {
    let server = MockServer::start().await;
    serve_client_tokens(&server, 7200);
    server.on("/alliance/materials/product/category/", |_, _| {
        MockResponse::json(ok_data(serde_json::json!({
            "total": 1, "category_list": [{"id": 20000, "name": "服饰内衣", "level": 1}]
        })))
    });
    let client = server.client_builder().build().unwrap();
    let data = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
    assert_eq!(data.category_list.len(), 1);
    assert!(data.extra_fields.is_empty(), "{:?}", data.extra_fields);
    let calls = server.requests_to("/alliance/materials/product/category/");
    assert_eq!(calls[0].header("access-token"), Some("clt.test-0"));
    assert_eq!(calls[0].json(), serde_json::json!({"parent_id": 0}));
    let tokens = server.requests_to("/oauth/client_token/");
    assert_eq!(tokens.len(), 1);
    assert_eq!(
        tokens[0].json(),
        serde_json::json!({"client_key": "test_client_key", "client_secret": "test_client_secret", "grant_type": "client_credential"})
    );
}
