//! The creator portal against the built-in sandbox, in one command:
//!
//! ```sh
//! cargo run -p douyin-alliance-axum --example creator_portal
//! ```
//!
//! It starts the sandbox (whose consent page stands in for Douyin's), keeps sessions in SQLite
//! (`target/creator_portal.db`, tokens encrypted at rest), and prints the URL to open: "Log in
//! with Douyin" → the consent page → the dashboard with the creator's showcase and orders.
//! `PORTAL_PORT` picks the port (default 8088; 0 for any free one).

use std::sync::Arc;

use douyin_alliance::types::{
    AccessTokenRequest, KolMaterialsProductsSearchRequest, StoreAddProduct, StoreAddRequest,
};
use douyin_alliance::UserAuth;
use douyin_alliance_sql::{EncryptionKey, SqlTokenStore};
use douyin_sandbox::Sandbox;

mod app;

/// Development keys: a real app reads both from its secret manager, the same in every replica.
const COOKIE_KEY: [u8; 64] = [0x5a; 64];
const STORE_KEY: [u8; 32] = [0xa5; 32];

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The sandbox's default creator already has three products in the showcase.
async fn stock_showcase(sandbox: &Sandbox, client: &douyin_alliance::Client) -> Result<(), BoxError> {
    let code = sandbox.authorize_all(Sandbox::DEFAULT_OPEN_ID);
    let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await?;
    let user = client.user(&UserAuth::new(t.open_id, t.access_token));
    let found = user.kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(1, 3)).await?;
    let products: Vec<StoreAddProduct> =
        found.products.iter().filter_map(|p| p.product_id).map(StoreAddProduct::new).collect();
    user.store_add(&StoreAddRequest::new(products, false, "portal")).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let sandbox = Sandbox::start().await?;
    let db = std::env::var("PORTAL_DB").unwrap_or_else(|_| "sqlite://target/creator_portal.db".into());
    if let Some(dir) = db.strip_prefix("sqlite://").and_then(|p| std::path::Path::new(p).parent()) {
        std::fs::create_dir_all(dir)?;
    }
    let store = SqlTokenStore::connect(&db, EncryptionKey::from_bytes(STORE_KEY)).await?;
    let client = sandbox.client_builder().token_store(Arc::new(store)).build()?;
    stock_showcase(&sandbox, &client).await?;
    let port: u16 = std::env::var("PORTAL_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8088);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let router = app::router(client, &base, &COOKIE_KEY);
    println!("creator portal: open {base}/ in a browser (sessions in {db}; Ctrl-C to stop)");
    axum::serve(listener, router).await?;
    Ok(())
}
