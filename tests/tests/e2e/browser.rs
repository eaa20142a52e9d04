//! The creator portal example (`axum/examples/creator_portal`) in a real browser: headless
//! Chromium (Debian's `chromium`) driven through `chromedriver` over WebDriver, against the
//! sandbox's consent page. Log in and approve → the dashboard lists the showcase and the
//! orders; untick the optional scope → the dashboard says orders are off; deny → the app's
//! error page; a replayed callback URL and a tampered state → refused, no session made.
//! Screenshots of the consent page and the dashboard are written under
//! `target/browser-screenshots/` for review.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use douyin_alliance::types::{
    AccessTokenRequest, KolMaterialsProductsSearchRequest, StoreAddProduct, StoreAddRequest,
};
use douyin_alliance::UserAuth;
use douyin_alliance_sql::{EncryptionKey, SqlTokenStore};
use douyin_sandbox::Sandbox;
use e2e_tests::within;
use fantoccini::{Client as Browser, ClientBuilder, Locator};

#[path = "../../../axum/examples/creator_portal/app.rs"]
mod portal;

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn driver() -> Driver {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let child = Command::new(&bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{bin} does not start ({e}): install Debian's chromium and chromium-driver")
        });
    // Dropped (killed and waited for) on every path from here.
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {}", driver.url);
}

async fn browser(driver: &Driver) -> Browser {
    let mut caps = serde_json::Map::new();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,900"]
        }),
    );
    let http = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(http).capabilities(caps).connect(&driver.url).await.expect("a browser session")
}

/// The portal on a free port, backed by a SQLite store in `dir`; its base URL.
async fn start_portal(sandbox: &Sandbox, dir: &std::path::Path) -> String {
    let db = format!("sqlite://{}", dir.join("portal.db").display());
    let store = SqlTokenStore::connect(&db, EncryptionKey::from_bytes([3; 32])).await.unwrap();
    let client = sandbox.client_builder().token_store(Arc::new(store)).build().unwrap();
    // The creator already has three products in the showcase.
    let code = sandbox.authorize_all(Sandbox::DEFAULT_OPEN_ID);
    let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
    let user = client.user(&UserAuth::new(t.open_id, t.access_token));
    let found =
        user.kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(1, 3)).await.unwrap();
    let products: Vec<StoreAddProduct> =
        found.products.iter().filter_map(|p| p.product_id).map(StoreAddProduct::new).collect();
    user.store_add(&StoreAddRequest::new(products, false, "portal")).await.unwrap();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = portal::router(client, &base, &[0x11; 64]);
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn screenshot(b: &Browser, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), b.screenshot().await.unwrap()).unwrap();
}

/// From the portal's home page to the consent page.
async fn to_consent(b: &Browser, base: &str) {
    b.goto(&format!("{base}/")).await.unwrap();
    b.find(Locator::Id("login")).await.unwrap().click().await.unwrap();
    b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("approve")).await.unwrap();
}

/// What the consent page's form posts for `decision`, posted by hand: the callback URL the
/// platform redirects to (the browser then opens it, with its cookie).
async fn decision_url(b: &Browser, decision: &str) -> String {
    let mut form = Vec::new();
    for input in b.find_all(Locator::Css("input[type=hidden]")).await.unwrap() {
        let name = input.attr("name").await.unwrap().unwrap_or_default();
        let value = input.attr("value").await.unwrap().unwrap_or_default();
        form.push((name, value));
    }
    form.push(("decision".to_string(), decision.to_string()));
    let action = b.current_url().await.unwrap();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = http.post(action.as_str().split('?').next().unwrap()).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 302);
    r.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creators_log_in_to_the_portal_in_a_real_browser() {
    within(180, async {
        let driver = driver().await;
        let sandbox = Sandbox::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let base = start_portal(&sandbox, dir.path()).await;
        let b = browser(&driver).await;

        // Approve everything: the dashboard lists the showcase and the latest orders.
        to_consent(&b, &base).await;
        assert!(b.source().await.unwrap().contains("管理你的商品橱窗"));
        screenshot(&b, "consent.png").await;
        b.find(Locator::Id("approve")).await.unwrap().click().await.unwrap();
        let showcase = text_of(&b, "#showcase").await;
        assert_eq!(showcase.lines().count(), 4, "a header and three products: {showcase}");
        assert!(!text_of(&b, "#orders").await.is_empty());
        assert_eq!(text_of(&b, "#creator").await, Sandbox::DEFAULT_OPEN_ID);
        screenshot(&b, "dashboard.png").await;

        // Untick the optional orders scope: the dashboard says which feature is off.
        b.goto(&format!("{base}/logout")).await.unwrap();
        to_consent(&b, &base).await;
        b.find(Locator::Css("input[name=grant][value='alliance.kol.orders']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        b.find(Locator::Id("approve")).await.unwrap().click().await.unwrap();
        assert!(text_of(&b, "#orders-off").await.contains("alliance.kol.orders"));

        // Deny: the app's error page.
        b.goto(&format!("{base}/logout")).await.unwrap();
        to_consent(&b, &base).await;
        b.find(Locator::Id("deny")).await.unwrap().click().await.unwrap();
        assert!(text_of(&b, "#error").await.contains("access_denied"));

        // A callback URL opened twice: the second time it is refused (even with a fresh
        // cookie of a new login), and no session is made.
        b.goto(&format!("{base}/logout")).await.unwrap();
        to_consent(&b, &base).await;
        let callback = decision_url(&b, "approve").await;
        b.goto(&callback).await.unwrap();
        text_of(&b, "#showcase").await;
        b.goto(&format!("{base}/logout")).await.unwrap();
        to_consent(&b, &base).await;
        b.goto(&callback).await.unwrap();
        assert!(text_of(&b, "#error").await.contains("used already"));
        b.goto(&format!("{base}/dashboard")).await.unwrap();
        b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("login")).await.unwrap();

        // A tampered state: refused, no session made.
        to_consent(&b, &base).await;
        let callback = decision_url(&b, "approve").await;
        b.goto(&callback.replacen("state=", "state=f", 1)).await.unwrap();
        assert!(text_of(&b, "#error").await.contains("unknown or expired"));
        b.goto(&format!("{base}/dashboard")).await.unwrap();
        b.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("login")).await.unwrap();
        b.close().await.unwrap();
    })
    .await;
}
