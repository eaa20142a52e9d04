//! Every endpoint of the spec, called through the SDK against the sandbox (the Doudian gateway's
//! too), and the sandbox's state: showcase, orders, OAuth, the authorization page.

use e2e_tests::within;
use std::collections::HashSet;
use std::time::Duration;

use douyin_alliance::endpoint::{Authority, Binding, Server};
use douyin_alliance::types as t;
use douyin_alliance::types::{
    AccessTokenRequest, CaptainTaskDetailRequest, CaptainTaskProductListRequest,
    ColonelAwardTaskApplyRequest, DoudianTokenCreateRequest, DoudianTokenRefreshRequest, IsvPickOrderRequest,
    KolMaterialsProductsDetailsRequest, KolMaterialsProductsSearchRequest, KolOrderTimeType,
    KolOrdersRequest, KolProductShareRequest, KolStoreListRequest, KolStoreRemoveRequest,
    MaterialsProductCategoryRequest, Order, ProductPicksourceConvertRequest, ProductSkusRequest,
    RefreshTokenRequest, RenewRefreshTokenRequest, StoreAddProduct, StoreAddRequest, StoreProduct,
    StoreRemoveProduct,
};
use douyin_alliance::{Client, DoudianAuth, DoudianClient, Id, RetryPolicy, UserAuth, UserClient};
use douyin_sandbox::{Sandbox, SandboxConfig};
use futures_util::TryStreamExt;

fn client(sandbox: &Sandbox) -> Client {
    sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap()
}

/// The id the sandbox always sends (the SDK reads it leniently, as an `Option`).
fn id(id: Option<Id>) -> Id {
    id.expect("the sandbox sends every id")
}

/// The removal of a listed showcase item.
fn removal(item: &StoreProduct) -> StoreRemoveProduct {
    StoreRemoveProduct::new(id(item.product_id), id(item.promotion_id))
}

async fn authorized(sandbox: &Sandbox, client: &Client, open_id: &str) -> UserClient {
    let code = sandbox.authorize_all(open_id);
    let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
    assert_eq!(t.open_id, open_id);
    client.user(&UserAuth::new(t.open_id, t.access_token))
}

/// A product of the sandbox's catalog, and its URL.
const PRODUCT: u64 = 3400312511185213726;
const PRODUCT_URL: &str = "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726";
/// A PID no one made in the sandbox (taken as made on the platform's pages).
const PID: &str = "dy_107275124545117584_21312_1660100313";

/// A Doudian client of `authority`, with a token the sandbox issued for a fresh subject.
async fn doudian_as(sandbox: &Sandbox, client: &Client, authority: Authority) -> DoudianClient {
    let code = sandbox.doudian_code(authority);
    let r = DoudianTokenCreateRequest::new(code, "authorization_code");
    let t = client.doudian_token_create(&r).await.unwrap();
    client.doudian(&DoudianAuth::new(authority, t.access_token))
}

/// A colonel activity called `name`, open for applications now.
fn activity(name: &str) -> t::AllianceColonelActivityCreateOrUpdateRequest {
    t::AllianceColonelActivityCreateOrUpdateRequest::new(
        false,
        name,
        "sandbox activity",
        "2020-01-01 00:00:00",
        "2099-01-01 00:00:00",
        "20",
        "10",
        "100",
        1,
        true,
    )
}

/// Calls endpoint `name` through the SDK. A new endpoint of the spec must be added here, or
/// the test below fails.
async fn call_endpoint(name: &str, sandbox: &Sandbox, client: &Client, user: &UserClient) {
    match name {
        "kol_buyin_id" => assert!(user.kol_buyin_id().await.unwrap().buyin_id.is_some_and(|b| !b.is_empty())),
        "kol_store_list" => {
            user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
        }
        "store_add" => {
            let r = StoreAddRequest::new(vec![StoreAddProduct::new(Id(3400312511185213726))], false, "e2e");
            assert_eq!(user.store_add(&r).await.unwrap().results[0].error_code, Some(0));
        }
        "kol_store_remove" => {
            let items: Vec<StoreProduct> =
                user.kol_store_list_items(KolStoreListRequest::new(1, 20), 5).try_collect().await.unwrap();
            let pairs: Vec<StoreRemoveProduct> = items.iter().map(removal).collect();
            assert_eq!(
                user.kol_store_remove(&KolStoreRemoveRequest::new(pairs)).await.unwrap().success,
                Some(true)
            );
        }
        "kol_reputation" => {
            user.kol_reputation().await.unwrap();
        }
        "kol_orders" => assert!(!user.kol_orders(&KolOrdersRequest::new()).await.unwrap().orders.is_empty()),
        "colonel_award_task_apply" => {
            user.colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new("7265432109876543210"))
                .await
                .unwrap();
        }
        "materials_product_category" => {
            let d =
                client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.unwrap();
            assert!(!d.category_list.is_empty());
        }
        "kol_materials_products_search" => {
            let d = user
                .kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(1, 20))
                .await
                .unwrap();
            assert!(!d.products.is_empty());
        }
        "kol_materials_products_details" => {
            let r = KolMaterialsProductsDetailsRequest::new(vec![Id(3400312511185213726)]);
            assert_eq!(user.kol_materials_products_details(&r).await.unwrap().products.len(), 1);
        }
        "product_skus" => {
            let d = client.product_skus(&ProductSkusRequest::new(Id(3450632721376902816))).await.unwrap();
            assert!(!d.specs.is_empty());
        }
        "product_picksource_convert" => {
            let r = ProductPicksourceConvertRequest::new(
                "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726",
            );
            // Listed twice in ENDPOINTS (app and user credentials): both are called each time.
            assert!(client.product_picksource_convert(&r).await.unwrap().product_url.is_some());
            assert!(user.product_picksource_convert(&r).await.unwrap().product_url.is_some());
        }
        "isv_pick_order" => {
            user.isv_pick_order(&IsvPickOrderRequest::new().with_page(1).with_page_size(20)).await.unwrap();
        }
        "oauth_userinfo" => {
            let info = user.oauth_userinfo().await.unwrap();
            assert_eq!(info.open_id.as_deref(), Some("creator-all"));
        }
        "oauth_stable_client_token" => {
            let t = client.oauth_stable_client_token().await.unwrap();
            assert!(t.access_token.expose().starts_with("clt."));
        }
        "captain_task_detail" => {
            client.captain_task_detail(&CaptainTaskDetailRequest::new("7265432109876543210")).await.unwrap();
        }
        "captain_task_product_list" => {
            let r = CaptainTaskProductListRequest::new("7265432109876543210", 1, 20);
            assert!(!client.captain_task_product_list(&r).await.unwrap().list.is_empty());
        }
        "oauth_client_token" => {
            assert!(client.oauth_client_token().await.unwrap().access_token.expose().starts_with("clt."))
        }
        "oauth_access_token" => {
            let code = sandbox.authorize("someone-else", &["user_info"]);
            client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
        }
        "oauth_refresh_token" | "oauth_renew_refresh_token" => {
            let code = sandbox.authorize("refresher", &["user_info"]);
            let t = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap();
            if name == "oauth_refresh_token" {
                client.oauth_refresh_token(&RefreshTokenRequest::new(t.refresh_token)).await.unwrap();
            } else {
                client
                    .oauth_renew_refresh_token(&RenewRefreshTokenRequest::new(t.refresh_token))
                    .await
                    .unwrap();
            }
        }
        "doudian_token_create" => {
            let code = sandbox.doudian_code(Authority::Kol);
            let r = DoudianTokenCreateRequest::new(code, "authorization_code");
            assert_eq!(client.doudian_token_create(&r).await.unwrap().expires_in, 7 * 86_400);
        }
        "doudian_token_refresh" => {
            let r = DoudianTokenCreateRequest::new("", "authorization_self").with_shop_id(12345u64);
            let t = client.doudian_token_create(&r).await.unwrap();
            let r = DoudianTokenRefreshRequest::new("refresh_token", t.refresh_token.clone());
            // Days before expiry: the same token back.
            assert_eq!(client.doudian_token_refresh(&r).await.unwrap().access_token, t.access_token);
        }
        "buyin_kol_product_share" => {
            let code = sandbox.doudian_code(Authority::Kol);
            let r = DoudianTokenCreateRequest::new(code, "authorization_code");
            let t = client.doudian_token_create(&r).await.unwrap();
            let kol = client.doudian(&DoudianAuth::new(Authority::Kol, t.access_token));
            let r = KolProductShareRequest::new(
                "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726",
                "dy_107275124545117584_21312_1660100313",
            );
            let link = kol.buyin_kol_product_share(&r).await.unwrap();
            assert!(link.dy_deeplink.is_some_and(|d| d.contains("3400312511185213726")));
        }
        "buyin_materials_product_status" => {
            let r = t::BuyinMaterialsProductStatusRequest::new().with_products(vec![PRODUCT_URL.to_string()]);
            client.buyin_materials_product_status(&r).await.unwrap();
        }
        "buyin_kol_pid_create" | "buyin_kol_pid_list" | "buyin_kol_pid_edit" | "buyin_kol_pid_del" => {
            let kol = doudian_as(sandbox, client, Authority::Kol).await;
            let made =
                kol.buyin_kol_pid_create(&t::BuyinKolPidCreateRequest::new().with_site_name("直播间")).await;
            let pid = made.unwrap().pid.unwrap();
            let listed: Vec<_> = kol
                .buyin_kol_pid_list_items(t::BuyinKolPidListRequest::new(), 5)
                .try_collect()
                .await
                .unwrap();
            let listed: Vec<String> = listed.iter().filter_map(|p| p.pid.clone()).collect();
            assert_eq!(listed, vec![pid.clone()]);
            let rename = t::BuyinKolPidEditRequest::new().with_pid(pid.clone()).with_site_name("橱窗");
            kol.buyin_kol_pid_edit(&rename).await.unwrap();
            let renamed = kol
                .buyin_kol_pid_list(&t::BuyinKolPidListRequest::new().with_pid(pid.clone()))
                .await
                .unwrap();
            assert_eq!(renamed.data.unwrap().pids[0].site_name.as_deref(), Some("橱窗"));
            kol.buyin_kol_pid_del(&t::BuyinKolPidDelRequest::new().with_pids(pid.clone())).await.unwrap();
            let gone =
                kol.buyin_kol_pid_del(&t::BuyinKolPidDelRequest::new().with_pids(pid)).await.unwrap_err();
            assert_eq!(
                gone.api().and_then(|a| a.gateway_sub_code.as_deref()),
                Some("isv.parameter-invalid:1055"),
                "{gone}"
            );
        }
        "buyin_institute_pid_create" | "buyin_institute_pid_list" => {
            let douke = doudian_as(sandbox, client, Authority::Douke).await;
            let r = t::BuyinInstitutePidCreateRequest::new(1, "社群一");
            let pid = douke.buyin_institute_pid_create(&r).await.unwrap().pid.unwrap();
            let taken = douke.buyin_institute_pid_create(&r).await.unwrap_err();
            assert!(taken.to_string().contains("1054"), "{taken}");
            let page = douke.buyin_institute_pid_list(&t::BuyinInstitutePidListRequest::new()).await.unwrap();
            let page = page.data.unwrap();
            assert_eq!((page.total, page.pids[0].pid.as_deref()), (Some(1), Some(pid.as_str())));
        }
        "buyin_kol_live_share" => {
            let kol = doudian_as(sandbox, client, Authority::Kol).await;
            let pid =
                kol.buyin_kol_pid_create(&t::BuyinKolPidCreateRequest::new()).await.unwrap().pid.unwrap();
            let r = t::BuyinKolLiveShareRequest::new(t::BuyinKolLiveSharePidInfo::new(pid.clone()));
            let live = kol.buyin_kol_live_share(&r).await.unwrap().data.unwrap();
            assert!(live.dy_deeplink.is_some_and(|d| d.contains(&pid)));
        }
        "buyin_share_command_parse" => {
            let kol = doudian_as(sandbox, client, Authority::Kol).await;
            let link =
                kol.buyin_kol_product_share(&KolProductShareRequest::new(PRODUCT_URL, PID)).await.unwrap();
            let r = t::BuyinShareCommandParseRequest::new().with_command(link.dy_password.unwrap());
            let parsed = kol.buyin_share_command_parse(&r).await.unwrap().product_info.unwrap();
            assert_eq!(
                parsed.product_id,
                Some(Id(PRODUCT)),
                "the 口令 the sandbox issued resolves to its product"
            );
        }
        "buyin_inst_pick_source_convert" => {
            let inst = doudian_as(sandbox, client, Authority::Institution).await;
            let r = t::BuyinInstPickSourceConvertRequest::new(PRODUCT_URL);
            let url = inst.buyin_inst_pick_source_convert(&r).await.unwrap().product_url.unwrap();
            assert!(url.contains("pick_source=v.") && url.contains("3400312511185213726"), "{url}");
        }
        "buyin_institution_info" => {
            let inst = doudian_as(sandbox, client, Authority::Institution).await;
            let info = inst.buyin_institution_info().await.unwrap();
            assert_eq!(info.colonel.and_then(|c| c.buyin_id), info.institution_id);
        }
        "alliance_colonel_activity_create_or_update"
        | "alliance_institute_colonel_activity_list"
        | "buyin_colonel_activity_detail"
        | "alliance_colonel_activity_product"
        | "buyin_activity_product_list" => {
            let colonel = doudian_as(sandbox, client, Authority::Colonel).await;
            let made =
                colonel.alliance_colonel_activity_create_or_update(&activity("春季招商")).await.unwrap();
            let id = made.activity_id.unwrap();
            let edit = activity("春季招商·加场").with_activity_id(id);
            assert_eq!(
                colonel.alliance_colonel_activity_create_or_update(&edit).await.unwrap().activity_id,
                Some(id)
            );
            let list = t::AllianceInstituteColonelActivityListRequest::new(0, 0, 1, 1, 20);
            let listed = colonel.alliance_institute_colonel_activity_list(&list).await.unwrap();
            assert_eq!(listed.activity_list.len(), 1);
            assert_eq!(listed.activity_list[0].activity_name.as_deref(), Some("春季招商·加场"));
            let detail = t::BuyinColonelActivityDetailRequest::new().with_activity_id(id);
            assert_eq!(colonel.buyin_colonel_activity_detail(&detail).await.unwrap().activity_id, Some(id));
            // Cursor mode streams every product; page mode says how many there are.
            let cursor = t::AllianceColonelActivityProductRequest::new(id, 3).with_retrieve_mode(1);
            let streamed: Vec<_> =
                colonel.alliance_colonel_activity_product_items(cursor, 50).try_collect().await.unwrap();
            let by_page = t::AllianceColonelActivityProductRequest::new(id, 20).with_page(1);
            let total = colonel.alliance_colonel_activity_product(&by_page).await.unwrap().total;
            assert!(!streamed.is_empty());
            assert_eq!(Some(streamed.len() as i64), total);
            let products: Vec<_> = colonel
                .buyin_activity_product_list_items(t::BuyinActivityProductListRequest::new(1, 2, id), 50)
                .try_collect()
                .await
                .unwrap();
            assert_eq!(products.len(), streamed.len());
        }
        "buyin_institute_order_ads"
        | "buyin_kol_order_ads"
        | "buyin_institute_order_colonel"
        | "buyin_institute_order_pick" => {
            let seeded = 45;
            let douke = doudian_as(sandbox, client, Authority::Douke).await;
            let r = t::BuyinInstituteOrderAdsRequest::new(t::BuyinInstituteOrderAdsDistributionType::Live)
                .with_size(10);
            let orders: Vec<_> = douke.buyin_institute_order_ads_items(r, 20).try_collect().await.unwrap();
            let ids: HashSet<_> = orders.iter().map(|o| o.order_id.clone().unwrap()).collect();
            assert_eq!(ids.len(), seeded, "every seeded order once, across pages from cursor \"0\"");
            let kol = doudian_as(sandbox, client, Authority::Kol).await;
            let kol_orders: Vec<_> = kol
                .buyin_kol_order_ads_items(t::BuyinKolOrderAdsRequest::new(), 20)
                .try_collect()
                .await
                .unwrap();
            assert_eq!(kol_orders.len(), seeded);
            let colonel = doudian_as(sandbox, client, Authority::Colonel).await;
            let r = t::BuyinInstituteOrderColonelRequest::new().with_size(100);
            assert_eq!(colonel.buyin_institute_order_colonel(&r).await.unwrap().orders.len(), seeded);
            let inst = doudian_as(sandbox, client, Authority::Institution).await;
            let picks: Vec<_> = inst
                .buyin_institute_order_pick_items(t::BuyinInstituteOrderPickRequest::new(), 20)
                .try_collect()
                .await
                .unwrap();
            assert_eq!(picks.len(), seeded);
        }
        "buyin_kol_materials_products_search" | "buyin_kol_materials_products_details" => {
            let kol = doudian_as(sandbox, client, Authority::Kol).await;
            let found = kol
                .buyin_kol_materials_products_search(&t::BuyinKolMaterialsProductsSearchRequest::new())
                .await
                .unwrap();
            let first = found.products[0].product_id.unwrap();
            let r = t::BuyinKolMaterialsProductsDetailsRequest::new().with_product_ids(vec![first]);
            assert_eq!(
                kol.buyin_kol_materials_products_details(&r).await.unwrap().products[0].product_id,
                Some(first)
            );
        }
        "alliance_materials_products_search"
        | "alliance_materials_products_details"
        | "buyin_products_detail" => {
            let inst = doudian_as(sandbox, client, Authority::Institution).await;
            let found = inst
                .alliance_materials_products_search(&t::AllianceMaterialsProductsSearchRequest::new())
                .await
                .unwrap();
            assert!(found.total.unwrap_or(0) >= found.products.len() as i64 && !found.products.is_empty());
            let ids = vec![Id(PRODUCT)];
            let r = t::AllianceMaterialsProductsDetailsRequest::new().with_product_ids(ids.clone());
            assert_eq!(
                inst.alliance_materials_products_details(&r).await.unwrap().products[0].product_id,
                Some(Id(PRODUCT))
            );
            let r = t::BuyinProductsDetailRequest::new().with_product_ids(ids);
            let detail = inst.buyin_products_detail(&r).await.unwrap();
            assert_eq!(detail.products[0].base_info.as_ref().and_then(|b| b.product_id), Some(Id(PRODUCT)));
        }
        "alliance_materials_product_category" | "buyin_product_skus" => {
            let kol = doudian_as(sandbox, client, Authority::Kol).await;
            let r = t::AllianceMaterialsProductCategoryRequest::new(0);
            assert!(!kol.alliance_materials_product_category(&r).await.unwrap().category_list.is_empty());
            kol.buyin_product_skus(&t::BuyinProductSkusRequest::new(Id(PRODUCT))).await.unwrap();
        }
        other => panic!(
            "endpoint `{other}` is in the spec but this test does not call it: add it to call_endpoint"
        ),
    }
}

#[tokio::test]
async fn every_endpoint_of_the_spec_answers_through_the_sdk() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let user = authorized(&sandbox, &client, "creator-all").await;
        for ep in douyin_alliance::ENDPOINTS.iter().copied() {
            call_endpoint(ep.name, &sandbox, &client, &user).await;
        }
        for ep in douyin_alliance::ENDPOINTS.iter().copied() {
            assert!(sandbox.requests(ep.name) > 0, "{} was never requested", ep.name);
            // Each reached the host the spec names, with the method the spec names (a POST
            // naming its `method` on the gateway).
            for r in sandbox.requests_to(ep.name) {
                assert_eq!(r.server, ep.server(), "{}", ep.name);
                match &ep.binding {
                    Binding::Rest(rest) => assert_eq!(r.method.as_str(), rest.method.as_str(), "{}", ep.name),
                    Binding::Signed(signed) => {
                        assert_eq!(r.method, "POST", "{}", ep.name);
                        assert_eq!(r.query_param("method").as_deref(), Some(signed.method), "{}", ep.name);
                    }
                    other => panic!("{}: a binding this test does not know: {other:?}", ep.name),
                }
            }
        }
        // One client_token served every app call.
        assert_eq!(sandbox.requests("oauth_client_token"), 2, "one by the cache, one direct call");
    })
    .await;
}

#[tokio::test]
async fn the_showcase_adds_lists_with_paging_and_removes() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let user = authorized(&sandbox, &client, "creator-showcase").await;
        let other = authorized(&sandbox, &client, "creator-other").await;
        let found =
            user.kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(1, 20)).await.unwrap();
        let ids: Vec<Id> = found
            .products
            .iter()
            .filter(|p| p.sharable != Some(false))
            .map(|p| id(p.product_id))
            .take(5)
            .collect();
        assert_eq!(ids.len(), 5);
        let mut add: Vec<StoreAddProduct> = ids.iter().map(|i| StoreAddProduct::new(*i)).collect();
        add.push(StoreAddProduct::new(Id(42)));
        let added = user.store_add(&StoreAddRequest::new(add, true, "tag_1")).await.unwrap();
        assert_eq!(added.results.len(), 6);
        assert!(added.results[..5].iter().all(|r| r.error_code == Some(0)));
        let failed = &added.results[5];
        assert_eq!((failed.product_id, failed.error_code), (Some(Id(42)), Some(1)));
        assert!(!failed.error_msg.as_deref().unwrap_or_default().is_empty());

        // Pages of 2: 2 + 2 + 1, each page saying the total.
        let first = user.kol_store_list(&KolStoreListRequest::new(1, 2)).await.unwrap();
        assert_eq!((first.total, first.results.len()), (Some(5), 2));
        let third = user.kol_store_list(&KolStoreListRequest::new(3, 2)).await.unwrap();
        assert_eq!(third.results.len(), 1);
        let all: Vec<StoreProduct> =
            user.kol_store_list_items(KolStoreListRequest::new(1, 2), 10).try_collect().await.unwrap();
        assert_eq!(
            all.iter().map(|i| id(i.product_id)).collect::<HashSet<_>>(),
            ids.iter().copied().collect()
        );
        assert!(all.iter().all(|i| i.hide_status == Some(true)));
        assert_eq!(sandbox.requests("kol_store_list"), 2 + 3);
        // Showcases belong to their creator.
        assert_eq!(other.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap().total, Some(0));

        // Removing needs the right promotion id.
        let wrong = StoreRemoveProduct::new(id(all[0].product_id), Id(id(all[0].promotion_id).get() + 1));
        assert_eq!(
            user.kol_store_remove(&KolStoreRemoveRequest::new(vec![wrong])).await.unwrap().success,
            Some(false)
        );
        let two: Vec<StoreRemoveProduct> = all[..2].iter().map(removal).collect();
        assert_eq!(
            user.kol_store_remove(&KolStoreRemoveRequest::new(two)).await.unwrap().success,
            Some(true)
        );
        let left = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await.unwrap();
        assert_eq!(left.total, Some(3));
        assert!(left
            .results
            .iter()
            .all(|i| i.product_id != all[0].product_id && i.product_id != all[1].product_id));
        // The SDK sent the ids as numbers inside `products`.
        let body = sandbox.requests_to("kol_store_remove").last().unwrap().json();
        assert!(body["products"][0]["product_id"].is_u64(), "{body}");
    })
    .await;
}

#[tokio::test]
async fn orders_page_by_cursor_and_filter_by_window_and_ids() {
    within(60, async {
        let sandbox = Sandbox::start_with(SandboxConfig::default().orders_per_creator(45)).await.unwrap();
        let client = client(&sandbox);
        let user = authorized(&sandbox, &client, "creator-orders").await;
        let pages: Vec<_> = user.kol_orders_pages(KolOrdersRequest::new(), 10).try_collect().await.unwrap();
        assert_eq!(pages.iter().map(|p| p.orders.len()).collect::<Vec<_>>(), vec![20, 20, 5]);
        let orders: Vec<Order> = pages.into_iter().flat_map(|p| p.orders).collect();
        let ids: HashSet<Id> = orders.iter().map(|o| id(o.order_id)).collect();
        assert_eq!(ids.len(), 45, "no order twice");
        let times: Vec<&str> = orders.iter().map(|o| o.pay_success_time.as_deref().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
        assert!(orders.iter().all(|o| o.author_openid.as_deref() == Some("creator-orders")));
        // The cursor of each page was sent back for the next one.
        let sent = sandbox.requests_to("kol_orders");
        assert_eq!(sent.len(), 3);
        assert!(sent[0].json().get("cursor").is_none());
        assert!(sent[1].json()["cursor"].as_str().is_some_and(|c| !c.is_empty()));

        // A time window returns exactly the orders paid inside it.
        let (start, end) = (times[30].to_string(), times[10].to_string());
        let mut req = KolOrdersRequest::new();
        req.start_time = Some(start.clone());
        req.end_time = Some(end.clone());
        let window: Vec<Order> = user.kol_orders_items(req, 10).try_collect().await.unwrap();
        let expected = times.iter().filter(|t| **t >= start.as_str() && **t <= end.as_str()).count();
        assert_eq!(window.len(), expected);
        assert_eq!(expected, 21);

        // update_time windows select by the update time.
        let latest_update = orders.iter().filter_map(|o| o.update_time.clone()).max().unwrap();
        let mut req = KolOrdersRequest::new();
        req.time_type = Some(KolOrderTimeType::Update);
        req.start_time = Some(latest_update.clone());
        let updated: Vec<Order> = user.kol_orders_items(req, 10).try_collect().await.unwrap();
        assert!(!updated.is_empty());
        assert!(updated.iter().all(|o| o.update_time.as_deref() == Some(latest_update.as_str())));

        // Lookup by ids.
        let mut req = KolOrdersRequest::new();
        req.order_ids = Some(format!("{},{}", id(orders[3].order_id), id(orders[40].order_id)));
        let picked = user.kol_orders(&req).await.unwrap();
        let got: HashSet<Id> = picked.orders.iter().map(|o| id(o.order_id)).collect();
        assert_eq!(got, [id(orders[3].order_id), id(orders[40].order_id)].into_iter().collect());

        // A cursor the sandbox never gave is a parameter error naming it.
        let mut req = KolOrdersRequest::new();
        req.cursor = Some("garbage".into());
        let err = user.kol_orders(&req).await.unwrap_err();
        let api = err.api().unwrap();
        assert_eq!(api.code, 2100005);
        assert!(api.description.contains("cursor"), "{}", api.description);
    })
    .await;
}

#[tokio::test]
async fn product_search_filters_and_details_follow_the_catalog() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let user = authorized(&sandbox, &client, "creator-search").await;
        let mut r = KolMaterialsProductsSearchRequest::new(1, 20);
        r.price_max = Some(10_000);
        let cheap = user.kol_materials_products_search(&r).await.unwrap();
        assert!(!cheap.products.is_empty());
        assert!(cheap.products.iter().all(|p| p.price.unwrap() <= 10_000));
        assert_eq!(cheap.total, Some(cheap.products.len() as i64));
        let all =
            user.kol_materials_products_search(&KolMaterialsProductsSearchRequest::new(1, 20)).await.unwrap();
        assert!(all.total.unwrap() > cheap.total.unwrap());
        // The spec example's product is in the catalog.
        assert!(all.products.iter().any(|p| p.product_id == Some(Id(3400312511185213726))));

        let mut d = KolMaterialsProductsDetailsRequest::new(vec![id(all.products[1].product_id), Id(7)]);
        let details = user.kol_materials_products_details(&d).await.unwrap();
        assert_eq!(details.products.len(), 1, "unknown ids come back empty");
        assert_eq!(details.products[0].product_id, all.products[1].product_id);
        assert_eq!(details.products[0].sharable, None);
        d.with_share_status = Some(true);
        assert!(user.kol_materials_products_details(&d).await.unwrap().products[0].sharable.is_some());
    })
    .await;
}

#[tokio::test]
async fn the_oauth_flow_follows_the_platform_rules() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let code = sandbox.authorize("creator-oauth", &["user_info", "alliance.kol.buyin_id"]);
        let t = client.oauth_access_token(&AccessTokenRequest::new(code.clone())).await.unwrap();
        assert!(t.access_token.expose().starts_with("act.") && t.refresh_token.expose().starts_with("rft."));
        assert_eq!((t.expires_in, t.refresh_expires_in), (1_296_000, 2_592_000));
        assert_eq!(t.scope.as_deref(), Some("user_info,alliance.kol.buyin_id"));
        // The access_token call went as a form, with the app's credentials.
        let form = sandbox.requests_to("oauth_access_token")[0].form();
        assert!(form.contains(&("grant_type".into(), "authorization_code".into())), "{form:?}");
        // A code works once.
        let again = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap_err();
        assert_eq!(again.api().unwrap().code, 10007);

        // Refresh while valid: the same access_token, the refresh_token's expiry unchanged.
        sandbox.advance_clock(Duration::from_secs(86_400));
        let r = client.oauth_refresh_token(&RefreshTokenRequest::new(t.refresh_token.clone())).await.unwrap();
        assert_eq!(r.access_token, t.access_token);
        assert_eq!(r.expires_in, 1_296_000);
        // The refresh_token's own expiry did not move (seconds left, whatever real time passed).
        assert!(
            (2_592_000 - 86_400 - 60..=2_592_000 - 86_400).contains(&r.refresh_expires_in),
            "{}",
            r.refresh_expires_in
        );
        // Refresh after expiry: a new access_token, and the old one is refused.
        sandbox.advance_clock(Duration::from_secs(16 * 86_400));
        let r2 =
            client.oauth_refresh_token(&RefreshTokenRequest::new(t.refresh_token.clone())).await.unwrap();
        assert_ne!(r2.access_token, t.access_token);
        let old = client.user(&UserAuth::new("creator-oauth", t.access_token.clone()));
        assert_eq!(old.kol_buyin_id().await.unwrap_err().api().unwrap().code, 10008);
        let new = client.user(&UserAuth::new("creator-oauth", r2.access_token.clone()));
        new.kol_buyin_id().await.unwrap();

        // Renew five times; each renewal kills the previous refresh_token; the sixth is refused.
        let mut rt = t.refresh_token.clone();
        for _ in 0..5 {
            let next =
                client.oauth_renew_refresh_token(&RenewRefreshTokenRequest::new(rt.clone())).await.unwrap();
            assert_eq!(next.expires_in, 2_592_000);
            let dead = client.oauth_refresh_token(&RefreshTokenRequest::new(rt)).await.unwrap_err();
            assert_eq!(dead.api().unwrap().code, 10010);
            rt = next.refresh_token;
        }
        let limit =
            client.oauth_renew_refresh_token(&RenewRefreshTokenRequest::new(rt.clone())).await.unwrap_err();
        assert_eq!(limit.api().unwrap().code, 10020);
        // An expired refresh_token: 10010.
        sandbox.advance_clock(Duration::from_secs(31 * 86_400));
        let expired = client.oauth_refresh_token(&RefreshTokenRequest::new(rt)).await.unwrap_err();
        assert_eq!(expired.api().unwrap().code, 10010);

        // Wrong app credentials: 10013.
        let wrong =
            sandbox.client_builder().credentials(Sandbox::CLIENT_KEY, "not-the-secret").build().unwrap();
        let code = sandbox.authorize("creator-oauth", &["user_info"]);
        let err = wrong.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap_err();
        assert_eq!(err.api().unwrap().code, 10013);
        let err = wrong.oauth_client_token().await.unwrap_err();
        assert_eq!(err.api().unwrap().code, 10013);
    })
    .await;
}

#[tokio::test]
async fn the_consent_page_redirects_with_a_code_that_the_sdk_exchanges() {
    within(60, async {
        let config = SandboxConfig::default().redirect_uri("https://example.com/callback");
        let sandbox = Sandbox::start_with(config).await.unwrap();
        let client = client(&sandbox);
        let url = douyin_alliance::oauth::AuthorizeUrl::new(&client)
            .scope("user_info")
            .optional_scope_unticked("alliance.kol.orders")
            .redirect_uri("https://example.com/callback")
            .state("csrf-1")
            .build();
        assert!(url.as_str().starts_with(&sandbox.base_url(Server::OpenDouyin)));
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = http.get(url.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("获取你的公开信息") && html.contains(r#"value="alliance.kol.orders">"#),
            "{html}"
        );
        // Approve, as the page's form posts it: the query's parameters and the decision.
        let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        form.push(("decision".into(), "approve".into()));
        let action =
            format!("{}{}", sandbox.base_url(Server::OpenDouyin), douyin_alliance::oauth::AUTHORIZE_PATH);
        let resp = http.post(&action).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 302);
        let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
        assert_eq!(location.host_str(), Some("example.com"));
        let q: Vec<(String, String)> = location.query_pairs().into_owned().collect();
        assert!(q.contains(&("state".into(), "csrf-1".into())));
        assert!(
            q.contains(&("scopes".into(), "user_info".into())),
            "the unticked optional scope is not granted: {q:?}"
        );
        let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
        let t = client.oauth_access_token(&AccessTokenRequest::new(code.clone())).await.unwrap();
        assert_eq!(t.open_id, Sandbox::DEFAULT_OPEN_ID);
        // A code works once: 10007.
        let again = client.oauth_access_token(&AccessTokenRequest::new(code)).await.unwrap_err();
        assert_eq!(again.api().unwrap().code, 10007);

        // A callback with a custom query, or one the app did not register: 10006.
        for bad in ["https://example.com/callback?from=app", "https://elsewhere.example/callback"] {
            let url = douyin_alliance::oauth::AuthorizeUrl::new(&client)
                .scope("user_info")
                .redirect_uri(bad)
                .build();
            let body: serde_json::Value =
                serde_json::from_slice(&http.get(url).send().await.unwrap().bytes().await.unwrap()).unwrap();
            assert_eq!(body["data"]["error_code"], 10006, "{bad}: {body}");
        }
        // A client_key the platform does not know is refused.
        let bad = format!(
            "{}/platform/oauth/connect/?client_key=nope&response_type=code&scope=user_info",
            sandbox.base_url(Server::OpenDouyin)
        );
        let body: serde_json::Value =
            serde_json::from_slice(&http.get(bad).send().await.unwrap().bytes().await.unwrap()).unwrap();
        assert_eq!(body["data"]["error_code"], 10003);
    })
    .await;
}

#[tokio::test]
async fn shutting_down_or_dropping_the_sandbox_stops_its_servers() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let url = format!("{}/oauth/client_token/", sandbox.base_url(Server::OpenDouyin));
        assert!(reqwest::Client::new().post(&url).send().await.is_ok());
        sandbox.shutdown().await;
        let err = reqwest::Client::new().post(&url).send().await.unwrap_err();
        assert!(err.is_connect(), "{err:?}");

        // Dropped: the servers wind down in the background; wait (bounded) until they are gone.
        let sandbox = Sandbox::start().await.unwrap();
        let urls: Vec<String> = Server::ALL.iter().map(|s| sandbox.base_url(*s)).collect();
        drop(sandbox);
        for url in urls {
            loop {
                match reqwest::Client::new().get(&url).send().await {
                    Err(e) if e.is_connect() => break,
                    _ => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }
    })
    .await;
}
