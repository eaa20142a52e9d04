//! Quickstart: the whole flow of the SDK, against the local sandbox.
//!
//! ```text
//! cargo run -p douyin-alliance --features sandbox --example quickstart
//! ```
//!
//! starts the embedded sandbox and walks the real flow: client_token, category tree, a
//! creator's authorization, product search, adding to the showcase, listing it, paging through
//! orders, removing from the showcase, and a share link (转链) for a product through the Doudian
//! gateway (signed calls with a creator's Doudian token).
//!
//! With `DOUYIN_CLIENT_KEY` and `DOUYIN_CLIENT_SECRET` set, the same steps run against the real
//! platform instead; the creator's steps also need `DOUYIN_ACCESS_TOKEN` and `DOUYIN_OPEN_ID`
//! (an access_token the creator granted your app). Against the real platform the example adds
//! products to that creator's showcase and removes them again; the share link needs
//! `DOUDIAN_APP_KEY`, `DOUDIAN_APP_SECRET`, `DOUDIAN_ACCESS_TOKEN` and `DOUDIAN_PID`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use douyin_alliance::endpoint::{Authority, Server};
use douyin_alliance::types::{
    AccessTokenRequest, BuyinKolPidCreateRequest, BuyinShareCommandParseRequest,
    KolMaterialsProductsSearchRequest, KolOrdersRequest, KolProductShareRequest, KolStoreListRequest,
    KolStoreRemoveRequest, MaterialsProductCategoryRequest, ProductSearchType, ProductSortType,
    StoreAddProduct, StoreAddRequest, StoreProduct, StoreRemoveProduct,
};
use douyin_alliance::{
    Client, DoudianAuth, DoudianClient, DoudianSession, Hook, Id, Outcome, UserAuth, UserClient,
};
use douyin_sandbox::Sandbox;
use futures_util::{StreamExt, TryStreamExt};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Counts the client_tokens the SDK fetched, to show that it fetches one and reuses it.
#[derive(Clone, Default)]
struct TokenFetches(Arc<AtomicUsize>);

impl Hook for TokenFetches {
    fn on_outcome(&self, outcome: &Outcome<'_>) {
        if outcome.endpoint.name == "oauth_client_token" && outcome.error.is_none() {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Fen as yuan: 5990 -> "¥59.90".
fn yuan(fen: Option<i64>) -> String {
    match fen {
        Some(f) => format!("¥{}.{:02}", f / 100, (f % 100).abs()),
        None => "-".into(),
    }
}

/// An id the platform may leave out (the SDK reads weakly evidenced fields leniently).
fn id(id: Option<Id>) -> String {
    id.map_or_else(|| "?".into(), |i| i.to_string())
}

/// Converts a product link into the creator's share link for `pid`, shows what came back, and
/// parses the 抖口令 back into its product.
async fn share_link(kol: &DoudianClient, product: Option<Id>, pid: &str) -> Result<(), BoxError> {
    let Some(product) = product else {
        println!("   no product to share");
        return Ok(());
    };
    let url = format!("https://haohuo.jinritemai.com/views/product/item2?id={product}");
    let req = KolProductShareRequest::new(url, pid).with_need_share_link(true);
    let link = kol.buyin_kol_product_share(&req).await?;
    println!("   product {product}:");
    println!("   抖口令     {}", link.dy_password.as_deref().unwrap_or("-"));
    println!("   deeplink   {}", link.dy_deeplink.as_deref().unwrap_or("-"));
    println!("   H5 link    {}", link.share_link.as_deref().unwrap_or("-"));
    if let Some(command) = link.dy_password {
        let parsed = kol
            .buyin_share_command_parse(&BuyinShareCommandParseRequest::new().with_command(command))
            .await?;
        let back = parsed.product_info.and_then(|p| p.product_id);
        println!("   buyin.shareCommandParse: the 抖口令 opens product {}", id(back));
    }
    Ok(())
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Pads or cuts `s` to `width` characters, counting CJK characters as two columns.
fn cell(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = if c.is_ascii() { 1 } else { 2 };
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(&" ".repeat(width - used));
    out
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let fetches = TokenFetches::default();
    let real = env("DOUYIN_CLIENT_KEY").zip(env("DOUYIN_CLIENT_SECRET"));
    // Kept alive until the end of `main`: dropping it stops the servers.
    let sandbox;
    let client = match &real {
        Some((key, secret)) => {
            println!("Douyin Alliance SDK quickstart, against the real platform (client_key {key})");
            sandbox = None;
            let mut b = Client::builder().credentials(key.clone(), secret.clone()).hook(fetches.clone());
            if let Some((app_key, app_secret)) = env("DOUDIAN_APP_KEY").zip(env("DOUDIAN_APP_SECRET")) {
                b = b.doudian_credentials(app_key, app_secret);
            }
            b.build()?
        }
        None => {
            let s = Sandbox::start().await?;
            println!("Douyin Alliance SDK quickstart, against the local sandbox");
            for server in Server::ALL {
                println!("  {:<24} {}", server.host(), s.base_url(server));
            }
            let c = s.client_builder().hook(fetches.clone()).build()?;
            sandbox = Some(s);
            c
        }
    };

    println!("\n1. Product categories (an app call: the SDK fetches a client_token first)");
    let categories = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await?;
    for c in &categories.category_list {
        println!("   {:>8}  {} (level {})", id(c.id), c.name.as_deref().unwrap_or("?"), c.level.unwrap_or(0));
    }
    // A second app call reuses the cached token.
    client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await?;
    println!(
        "   two category calls, {} client_token fetch(es): the token is cached",
        fetches.0.load(Ordering::Relaxed)
    );

    println!("\n2. A creator authorizes the app");
    let user: UserClient = match (&sandbox, env("DOUYIN_ACCESS_TOKEN"), env("DOUYIN_OPEN_ID")) {
        (Some(s), _, _) => {
            let code = s.authorize(
                "quickstart-creator",
                &["user_info", "alliance.kol.store_manage", "alliance.kol.orders"],
            );
            println!("   the sandbox issued an authorization code (as after the user's consent)");
            let tokens = client.oauth_access_token(&AccessTokenRequest::new(code)).await?;
            println!(
                "   exchanged it: open_id {}, access_token {} valid {} days, refresh_token valid {} days",
                tokens.open_id,
                tokens.access_token, // a Secret: prints ***
                tokens.expires_in / 86_400,
                tokens.refresh_expires_in / 86_400
            );
            println!("   scope: {}", tokens.scope.as_deref().unwrap_or(""));
            client.user(&UserAuth::new(tokens.open_id, tokens.access_token))
        }
        (None, Some(token), Some(open_id)) => {
            println!("   using DOUYIN_ACCESS_TOKEN for open_id {open_id}");
            client.user(&UserAuth::new(open_id, token))
        }
        (None, _, _) => {
            println!("   DOUYIN_ACCESS_TOKEN and DOUYIN_OPEN_ID are not set: skipping the creator's steps");
            return Ok(());
        }
    };

    println!("\n3. Search products (by sales, 5 per page)");
    let mut search = KolMaterialsProductsSearchRequest::new(1, 5);
    search.search_type = Some(ProductSearchType::Sales);
    search.sort_type = Some(ProductSortType::Descending);
    let found = user.kol_materials_products_search(&search).await?;
    println!("   {} products match; page 1:", found.total.unwrap_or(0));
    for p in &found.products {
        println!(
            "   {}  {} {:>8}  commission {:>5.1}%  sales {:>6}{}",
            id(p.product_id),
            cell(p.title.as_deref().unwrap_or("?"), 22),
            yuan(p.price),
            p.cos_ratio.unwrap_or(0.0),
            p.sales.unwrap_or(0),
            if p.sharable == Some(false) { "  (not distributable)" } else { "" }
        );
    }

    let picked: Vec<Id> = found
        .products
        .iter()
        .filter(|p| p.sharable != Some(false))
        .filter_map(|p| p.product_id)
        .take(3)
        .collect();
    let unknown = Id(1);
    println!(
        "\n4. Add {} of them to the showcase, plus product {unknown}, which does not exist",
        picked.len()
    );
    let mut products: Vec<StoreAddProduct> = picked.iter().map(|id| StoreAddProduct::new(*id)).collect();
    products.push(StoreAddProduct::new(unknown));
    let added = user.store_add(&StoreAddRequest::new(products, false, "quickstart")).await?;
    for r in &added.results {
        match r.error_code.unwrap_or(0) {
            0 => println!("   added   {}", id(r.product_id)),
            code => println!(
                "   failed  {}: {} (error_code {code})",
                id(r.product_id),
                r.error_msg.as_deref().unwrap_or("")
            ),
        }
    }
    println!("   the call succeeded; each product has its own result");

    println!("\n5. The showcase (a stream of items, fetched page by page)");
    let showcase: Vec<StoreProduct> =
        user.kol_store_list_items(KolStoreListRequest::new(1, 20), 10).try_collect().await?;
    for item in &showcase {
        println!(
            "   {}  promotion {}  {} {:>8}{}",
            id(item.product_id),
            id(item.promotion_id),
            cell(item.title.as_deref().unwrap_or("?"), 22),
            yuan(item.price),
            if item.hide_status == Some(true) { "  (hidden)" } else { "" }
        );
    }
    println!("   {} product(s) in the showcase", showcase.len());

    println!("\n6. Orders, page by page with a cursor (20 per page)");
    let pages = user.kol_orders_pages(KolOrdersRequest::new(), 50);
    futures_util::pin_mut!(pages);
    let (mut count, mut paid, mut commission, mut page_no) = (0usize, 0i64, 0i64, 0);
    let mut latest = None;
    while let Some(page) = pages.next().await {
        let page = page?;
        page_no += 1;
        let times: Vec<&str> = page.orders.iter().filter_map(|o| o.pay_success_time.as_deref()).collect();
        println!(
            "   page {page_no}: {:>2} orders, paid {} .. {}",
            page.orders.len(),
            times.last().copied().unwrap_or("-"),
            times.first().copied().unwrap_or("-")
        );
        for o in &page.orders {
            count += 1;
            paid += o.total_pay_amount.unwrap_or(0);
            commission += o.estimated_commission.unwrap_or(0);
        }
        if latest.is_none() {
            latest = page.orders.into_iter().next();
        }
    }
    println!("   {count} orders: paid {}, estimated commission {}", yuan(Some(paid)), yuan(Some(commission)));
    if let Some(o) = latest {
        println!(
            "   latest: order {} · {} · {} · {} · paid {}",
            id(o.order_id),
            o.product_name.as_deref().unwrap_or("?"),
            yuan(o.total_pay_amount),
            o.flow_point.as_ref().map_or("-".to_string(), |f| f.to_string()),
            o.pay_success_time.as_deref().unwrap_or("-")
        );
    }

    println!("\n7. Remove the added products from the showcase");
    let to_remove: Vec<StoreRemoveProduct> = showcase
        .iter()
        .filter_map(|i| match (i.product_id, i.promotion_id) {
            (Some(product), Some(promotion)) if picked.contains(&product) => {
                Some(StoreRemoveProduct::new(product, promotion))
            }
            _ => None,
        })
        .collect();
    let n = to_remove.len();
    let removed = user.kol_store_remove(&KolStoreRemoveRequest::new(to_remove)).await?;
    println!("   removed {n} product(s): success = {}", removed.success.unwrap_or(false));

    println!("\n8. The showcase again");
    let first = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await?;
    println!("   {} product(s) in the showcase", first.total.unwrap_or(first.results.len() as i64));

    println!("\n9. A share link (转链) for a product, through the Doudian gateway (signed calls)");
    match (&sandbox, env("DOUDIAN_ACCESS_TOKEN")) {
        (Some(s), _) => {
            // The creator authorizes the app's Doudian app too; the code becomes a session kept in
            // the client's token store (refreshed in its last half hour, once for a fleet).
            let code = s.doudian_code(Authority::Kol);
            let session =
                DoudianSession::create(&client, Authority::Kol, "quickstart-creator", &code).await?;
            println!("   token.create: a creator token, kept in the token store");
            let kol = client.doudian_session(&session);
            let made = kol
                .buyin_kol_pid_create(&BuyinKolPidCreateRequest::new().with_site_name("quickstart"))
                .await?;
            let pid = made.pid.unwrap_or_default();
            println!("   buyin.kolPidCreate: the creator's PID (推广位) {pid}");
            share_link(&kol, picked.first().copied(), &pid).await?;
        }
        (None, Some(token)) => {
            let kol = client.doudian(&DoudianAuth::new(Authority::Kol, token));
            match env("DOUDIAN_PID") {
                Some(pid) => share_link(&kol, picked.first().copied(), &pid).await?,
                None => {
                    println!("   DOUDIAN_PID (one of the creator's PIDs) is not set: skipping the share link")
                }
            }
        }
        (None, None) => println!("   DOUDIAN_ACCESS_TOKEN is not set: skipping the share link"),
    }

    if let Some(s) = sandbox {
        println!(
            "\nDone: {} requests reached the sandbox, {} client_token fetch(es).",
            s.request_log().len(),
            s.client_token_requests()
        );
        s.shutdown().await;
    } else {
        println!("\nDone.");
    }
    Ok(())
}
