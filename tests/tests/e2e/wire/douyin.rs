//! The Douyin family on the wire: OAuth on open.douyin.com, the Alliance API on
//! open.douyinec.com and the captain API on lianmengapi, one [`CASES`] row per call (see the
//! module above), and the authorize URL, which is built, not sent.

use douyin_alliance::endpoint::Server::{self, Lianmeng, OpenDouyin, OpenDouyinEc};
use douyin_alliance::oauth::AuthorizeUrl;
use douyin_alliance::types::{
    AccessTokenRequest, CaptainProductOrderField, CaptainTaskDetailRequest, CaptainTaskProductListRequest,
    ColonelAwardTaskApplyRequest, IsvPickOrderRequest, KolMaterialsProductsDetailsRequest,
    KolMaterialsProductsSearchRequest, KolOrderTimeType, KolOrdersRequest, KolStoreListRequest,
    KolStoreRemoveRequest, MaterialsProductCategoryRequest, ProductPicksourceConvertRequest,
    ProductSearchType, ProductSkusRequest, ProductSortType, RefreshTokenRequest, RenewRefreshTokenRequest,
    ShareStatusFilter, StoreAddProduct, StoreAddRequest, StoreRemoveProduct,
};
use douyin_alliance::{Client, Id};
use e2e_tests::{err_data, ok_data, TestEnv};
use serde_json::{json, Value};

use super::{app_credentials, assert_refused, check_table, Cred, Expect, WireCase};
use super::{CLIENT_KEY, CLIENT_SECRET, OPEN_ID, USER_TOKEN};

/// A user call on open.douyinec.com: the user's token in the header and `?open_id=` (S1, S2).
const USER: Cred = Cred::UserHeader { open_id_query: true };
/// isv_pick_order: the user's token, but no `?open_id=` (S2).
const USER_NO_OPEN_ID: Cred = Cred::UserHeader { open_id_query: false };
/// The OAuth calls that carry client_key and client_secret in the body.
const APP_SECRET: Cred = Cred::AppInBody { secret: true };
/// The OAuth calls with the client_key but without the secret (api-facts §8.4).
const APP_KEY: Cred = Cred::AppInBody { secret: false };
const CODE: &str = "code/with+special&chars=中";
const TASK_ID: &str = "7265432109876543210";
const ACTIVITY_URL: &str = "https://buyin.jinritemai.com/a?id=1";
/// 20 characters, the most store_add's pick_extra may have.
const LONGEST_PICK_EXTRA: &str = "a2345678901234567_9Z";
const ORDER_ID: &str = "4968253612345678901";
const PRODUCT_URL: &str = "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726";
const PRODUCT_LIST: &str = "/ecom/captain/mobile/task/promotion/product/list";
const KEYWORD: &str = "保温杯 & 50%=好";

#[tokio::test]
async fn every_douyin_case_holds_on_the_wire() {
    check_table(CASES).await;
}

/// The Douyin family's calls, grouped by host and credential. A comment above a row says what
/// it adds to the plain "this request, this answer".
pub static CASES: &[WireCase] = &[
    // ----------------------------------------------------------------- OAuth, open.douyin.com
    WireCase {
        endpoint: "oauth_client_token",
        answer: None,
        call: call!(|t| async move {
            let data = t.client.oauth_client_token().await.unwrap();
            assert_eq!((data.access_token.expose(), data.expires_in), ("clt.test-0", 7200));
        }),
        expect: Expect::post(OpenDouyin, "/oauth/client_token/", APP_SECRET).json(app_credentials),
    },
    WireCase {
        endpoint: "oauth_stable_client_token",
        answer: Some(|| {
            let data = json!({"access_token": "clt.stable", "expires_in": 7200, "error_code": 0});
            json!({"data": data, "message": "success"})
        }),
        call: call!(|t| async move {
            let data = t.client.oauth_stable_client_token().await.unwrap();
            assert_eq!((data.access_token.expose(), data.expires_in), ("clt.stable", 7200));
        }),
        expect: Expect::post(OpenDouyin, "/oauth/stable_client_token/", APP_SECRET).json(app_credentials),
    },
    WireCase {
        endpoint: "oauth_userinfo",
        answer: Some(|| {
            json!({
                "data": {"open_id": OPEN_ID, "union_id": "u-1", "nickname": "昵称", "gender": 1,
                         "error_code": 0, "description": ""},
                "extra": {"logid": "L", "now": 1_700_000_000_000_i64, "error_code": 0, "sub_error_code": 0}
            })
        }),
        call: call!(|t| async move {
            let data = t.user.oauth_userinfo().await.unwrap();
            let got = (data.open_id.as_deref(), data.nickname.as_deref(), data.gender.as_deref());
            assert_eq!(got, (Some(OPEN_ID), Some("昵称"), Some("1")));
        }),
        expect: Expect::post(OpenDouyin, "/oauth/userinfo/", Cred::UserInBody)
            .json(|| json!({"access_token": USER_TOKEN, "open_id": OPEN_ID})),
    },
    WireCase {
        endpoint: "oauth_access_token",
        answer: Some(user_token_answer),
        call: call!(|t| async move {
            let request = AccessTokenRequest::new(CODE.to_string());
            let data = t.client.oauth_access_token(&request).await.unwrap();
            assert_eq!((data.access_token.expose(), data.refresh_token.expose()), ("act.new", "rft.new"));
            assert_eq!((data.expires_in, data.refresh_expires_in), (1_296_000, 2_592_000));
            assert_eq!(data.open_id, "the-open-id");
            assert_eq!(data.extra_fields.get("log_id"), Some(&json!("2023081214193601")));
        }),
        expect: Expect::post(OpenDouyin, "/oauth/access_token/", APP_SECRET).form(&[
            ("client_key", CLIENT_KEY),
            ("client_secret", CLIENT_SECRET),
            ("code", CODE),
            ("grant_type", "authorization_code"),
        ]),
    },
    WireCase {
        endpoint: "oauth_refresh_token",
        answer: Some(user_token_answer),
        call: call!(|t| async move {
            let data = t.client.oauth_refresh_token(&RefreshTokenRequest::new("rft.old+/=")).await;
            assert_eq!(data.unwrap().access_token.expose(), "act.new");
        }),
        expect: Expect::post(OpenDouyin, "/oauth/refresh_token/", APP_KEY).form(&[
            ("client_key", CLIENT_KEY),
            ("grant_type", "refresh_token"),
            ("refresh_token", "rft.old+/="),
        ]),
    },
    // An OAuth error answer is a typed API error, with the endpoint's name and the logid.
    WireCase {
        endpoint: "oauth_refresh_token",
        answer: Some(|| {
            json!({
                "data": {"error_code": 10010, "description": "refresh_token 已过期"},
                "extra": {"logid": "err-logid", "now": 1_700_000_000_000_i64},
                "message": "error"
            })
        }),
        call: call!(|t| async move {
            let err = t.client.oauth_refresh_token(&RefreshTokenRequest::new("rft.old")).await.unwrap_err();
            let api = err.api().unwrap_or_else(|| panic!("not an API error: {err:#}"));
            let got = (err.endpoint(), api.code, api.logid.as_deref());
            assert_eq!(got, ("oauth_refresh_token", 10010, Some("err-logid")));
        }),
        expect: Expect::post(OpenDouyin, "/oauth/refresh_token/", APP_KEY).form(&[
            ("client_key", CLIENT_KEY),
            ("grant_type", "refresh_token"),
            ("refresh_token", "rft.old"),
        ]),
    },
    WireCase {
        endpoint: "oauth_renew_refresh_token",
        answer: Some(|| {
            let data = json!({"refresh_token": "rft.renewed", "expires_in": "2592000", "error_code": 0});
            json!({"data": data, "message": "success"})
        }),
        call: call!(|t| async move {
            let data = t.client.oauth_renew_refresh_token(&RenewRefreshTokenRequest::new("rft.old")).await;
            let data = data.unwrap();
            assert_eq!((data.refresh_token.expose(), data.expires_in), ("rft.renewed", 2_592_000));
        }),
        expect: Expect::post(OpenDouyin, "/oauth/renew_refresh_token/", APP_KEY)
            .form(&[("client_key", CLIENT_KEY), ("refresh_token", "rft.old")]),
    },
    // ---------------------------------------------------------- user calls, open.douyinec.com
    WireCase {
        endpoint: "kol_buyin_id",
        answer: Some(|| ok_data(json!({"buyin_id": "7012345678901234567"}))),
        call: call!(|t| async move {
            let data = t.user.kol_buyin_id().await.unwrap();
            assert_eq!(data.buyin_id.as_deref(), Some("7012345678901234567"));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/buyin_id/", USER),
    },
    WireCase {
        endpoint: "kol_reputation",
        answer: Some(|| ok_data(json!({"score": "4.8", "real_field": {"x": 1}}))),
        call: call!(|t| async move {
            let data = t.user.kol_reputation().await.unwrap();
            let got = (data.score, data.extra_fields.get("real_field"));
            assert_eq!(got, (Some(4.8), Some(&json!({"x": 1}))));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/reputation/", USER),
    },
    WireCase {
        endpoint: "kol_store_list",
        answer: Some(|| {
            let item = json!({"product_id": 3450632721376902816_u64, "promotion_id": "3450632721374033833"});
            ok_data(json!({"total": 21, "results": [item]}))
        }),
        call: call!(|t| async move {
            let data = t.user.kol_store_list(&KolStoreListRequest::new(2, 20)).await.unwrap();
            let got = (data.total, data.results[0].product_id, data.results[0].promotion_id);
            assert_eq!(got, (Some(21), Some(Id(3450632721376902816)), Some(Id(3450632721374033833))));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/store/list/", USER)
            .json(|| json!({"page": 2, "page_size": 20})),
    },
    // Per-product failures come back in a successful result.
    WireCase {
        endpoint: "store_add",
        answer: Some(|| {
            ok_data(json!({"results": [
                {"product_id": 3450632721376902816_u64, "error_code": 0, "error_msg": ""},
                {"product_id": "3450632721376902817", "error_code": 1, "error_msg": "该商品暂不支持推广"}
            ]}))
        }),
        call: call!(|t| async move {
            let first = StoreAddProduct::new(Id(3450632721376902816)).with_activity_url(ACTIVITY_URL);
            let products = vec![first, StoreAddProduct::new(Id(3450632721376902817))];
            let request = StoreAddRequest::new(products, false, "campaign_a").with_keep_picksource(true);
            let data = t.user.store_add(&request).await.expect("the call as a whole succeeds");
            let [ok, failed] = &data.results[..] else { panic!("two results: {:?}", data.results) };
            assert_eq!((ok.error_code, failed.error_code), (Some(0), Some(1)));
            assert_eq!(failed.product_id, Some(Id(3450632721376902817)));
            assert_eq!(failed.error_msg.as_deref(), Some("该商品暂不支持推广"));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/store/add/", USER).json(|| {
            json!({
                "products": [
                    {"product_id": 3450632721376902816_u64, "activity_url": ACTIVITY_URL},
                    {"product_id": 3450632721376902817_u64}
                ],
                "need_hide": false, "pick_extra": "campaign_a", "keep_picksource": true
            })
        }),
    },
    // Invalid input is refused before sending; a 20-character pick_extra is sent.
    WireCase {
        endpoint: "store_add",
        answer: Some(|| ok_data(json!({"results": []}))),
        call: call!(|t| async move {
            let add = |n, pick: &str| {
                let request = StoreAddRequest::new(products(n), false, pick);
                async move { t.user.store_add(&request).await }
            };
            assert_refused(add(21, "ok").await, "products");
            for bad in ["has-dash", "with space", "中文", "a23456789012345678901"] {
                assert_refused(add(1, bad).await, "pick_extra");
            }
            add(1, LONGEST_PICK_EXTRA).await.unwrap();
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/store/add/", USER).json(|| {
            json!({"products": [{"product_id": 1}], "need_hide": false,
                   "pick_extra": LONGEST_PICK_EXTRA})
        }),
    },
    // A whole-call failure is an error, and a busy code is not retried: store_add is not safe to.
    WireCase {
        endpoint: "store_add",
        answer: Some(|| err_data(2100004, "系统繁忙")),
        call: call!(|t| async move {
            let err = t.user.store_add(&StoreAddRequest::new(products(1), true, "")).await.unwrap_err();
            assert_eq!(err.api().map(|a| a.code), Some(2100004), "{err:#}");
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/store/add/", USER)
            .json(|| json!({"products": [{"product_id": 1}], "need_hide": true, "pick_extra": ""})),
    },
    // A `products` array, not top-level fields; 19- and 20-digit ids as exact JSON numbers.
    WireCase {
        endpoint: "kol_store_remove",
        answer: Some(|| ok_data(json!({"success": true}))),
        call: call!(|t| async move {
            let request = KolStoreRemoveRequest::new(vec![
                StoreRemoveProduct::new(Id(3450632721376902816), Id(3450632721374033833)),
                StoreRemoveProduct::new(Id(u64::MAX), Id(1)),
            ]);
            assert_eq!(t.user.kol_store_remove(&request).await.unwrap().success, Some(true));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/store/remove/", USER).json(|| {
            json!({"products": [
                {"product_id": 3450632721376902816_u64, "promotion_id": 3450632721374033833_u64},
                {"product_id": 18446744073709551615_u64, "promotion_id": 1}
            ]})
        }),
    },
    WireCase {
        endpoint: "kol_orders",
        answer: Some(|| {
            let order = json!({"order_id": "4968253612345678901", "product_id": "3450632721376902816"});
            ok_data(json!({"cursor": "next-1", "orders": [order]}))
        }),
        call: call!(|t| async move {
            let request = KolOrdersRequest::new()
                .with_size(20)
                .with_cursor("cur/1+2")
                .with_start_time("2023-08-12 14:00:00")
                .with_end_time("2023-08-12 14:10:00")
                .with_time_type(KolOrderTimeType::Update)
                .with_order_ids("4968253612345678901,4968253612345678902");
            let data = t.user.kol_orders(&request).await.unwrap();
            let got = (data.cursor.as_deref(), data.orders[0].order_id);
            assert_eq!(got, (Some("next-1"), Some(Id(4968253612345678901))));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/orders/", USER).json(|| {
            json!({
                "size": 20, "cursor": "cur/1+2", "start_time": "2023-08-12 14:00:00",
                "end_time": "2023-08-12 14:10:00", "time_type": "update",
                "order_ids": "4968253612345678901,4968253612345678902"
            })
        }),
    },
    // Unset filters are omitted; out-of-range ones are refused before sending.
    WireCase {
        endpoint: "kol_orders",
        answer: Some(|| ok_data(json!({"orders": []}))),
        call: call!(|t| async move {
            let orders = |r: KolOrdersRequest| async move { t.user.kol_orders(&r).await };
            let new = KolOrdersRequest::new;
            assert_refused(orders(new().with_size(21)).await, "size");
            assert_refused(orders(new().with_size(0)).await, "size");
            assert_refused(orders(new().with_start_time("2023/08/12 14:00")).await, "start_time");
            let eleven = (1..=11).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
            assert_refused(orders(new().with_order_ids(eleven)).await, "order_ids");
            orders(new()).await.unwrap();
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/orders/", USER).json(|| json!({})),
    },
    // The task id as text.
    WireCase {
        endpoint: "colonel_award_task_apply",
        answer: Some(|| json!({"err_no": 0, "err_msg": "success", "log_id": "L1", "data": {"apply_id": 7}})),
        call: call!(|t| async move {
            let data = t.user.colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new(TASK_ID)).await;
            assert_eq!(data.unwrap().extra_fields.get("apply_id"), Some(&json!(7)));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/colonel/award_task/apply/", USER)
            .json(|| json!({"task_id": TASK_ID})),
    },
    // An `err_no` answer is a typed API error, and 40001 is not retried.
    WireCase {
        endpoint: "colonel_award_task_apply",
        answer: Some(|| json!({"err_no": 40001, "err_msg": "任务已结束", "log_id": "L2", "data": null})),
        call: call!(|t| async move {
            let err = t.user.colonel_award_task_apply(&ColonelAwardTaskApplyRequest::new(TASK_ID)).await;
            let err = err.unwrap_err();
            let api = err.api().unwrap_or_else(|| panic!("not an API error: {err:#}"));
            let got = (api.code, api.description.as_str(), api.logid.as_deref());
            assert_eq!(got, (40001, "任务已结束", Some("L2")));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/colonel/award_task/apply/", USER)
            .json(|| json!({"task_id": TASK_ID})),
    },
    // Filters as numbers and lists, enums as their codes.
    WireCase {
        endpoint: "kol_materials_products_search",
        answer: Some(|| ok_data(json!({"total": "1", "products": [{"product_id": 3400312511185213726u64}]}))),
        call: call!(|t| async move {
            let request = KolMaterialsProductsSearchRequest::new(1, 20)
                .with_title("保温杯 & 水杯")
                .with_first_cids(vec![20000])
                .with_third_cids(vec![2634, 2635])
                .with_price_min(100)
                .with_price_max(10000)
                .with_sell_num_min(10)
                .with_search_type(ProductSearchType::CommissionRatio)
                .with_sort_type(ProductSortType::Descending)
                .with_cos_fee_min(5)
                .with_cos_ratio_min(110)
                .with_cos_ratio_max(5000)
                .with_share_status(ShareStatusFilter::SharableOnly);
            let data = t.user.kol_materials_products_search(&request).await.unwrap();
            assert_eq!((data.total, data.products[0].product_id), (Some(1), Some(Id(3400312511185213726))));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/materials/products/search/", USER).json(|| {
            json!({
                "title": "保温杯 & 水杯", "first_cids": [20000], "third_cids": [2634, 2635],
                "price_min": 100, "price_max": 10000, "sell_num_min": 10, "search_type": 4, "sort_type": 1,
                "cos_fee_min": 5, "cos_ratio_min": 110, "cos_ratio_max": 5000,
                "page": 1, "page_size": 20, "share_status": 1
            })
        }),
    },
    WireCase {
        endpoint: "kol_materials_products_details",
        answer: Some(|| ok_data(json!({"total": 1, "products": [{"product_id": "3400312511185213726"}]}))),
        call: call!(|t| async move {
            let details = |r| async move { t.user.kol_materials_products_details(&r).await };
            let too_many = KolMaterialsProductsDetailsRequest::new((1..=21).map(Id).collect::<Vec<_>>());
            assert_refused(details(too_many).await, "product_ids");
            let ids = vec![Id(3400312511185213726), Id(u64::MAX)];
            let data = details(KolMaterialsProductsDetailsRequest::new(ids).with_share_status(true)).await;
            assert_eq!(data.unwrap().products[0].product_id, Some(Id(3400312511185213726)));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/kol/materials/products/details/", USER).json(|| {
            json!({"product_ids": [3400312511185213726_u64, 18446744073709551615_u64],
                   "with_share_status": true})
        }),
    },
    // As a user (S1 asks for a user scope); the client_token row is below.
    WireCase {
        endpoint: "product_picksource_convert",
        answer: Some(|| ok_data(json!({"product_url": "https://x/converted"}))),
        call: call!(|t| async move {
            let request = ProductPicksourceConvertRequest::new(PRODUCT_URL);
            let data = t.user.product_picksource_convert(&request).await;
            assert_eq!(data.unwrap().product_url.as_deref(), Some("https://x/converted"));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/product/picksource/convert/", USER)
            .json(|| json!({"product_url": PRODUCT_URL})),
    },
    // The user's token, but no `?open_id=` (S2).
    WireCase {
        endpoint: "isv_pick_order",
        answer: Some(|| ok_data(json!({"total": 1, "orders": [{"order_id": ORDER_ID, "gmv": "5990"}]}))),
        call: call!(|t| async move {
            let pick_order = |r| async move { t.user.isv_pick_order(&r).await };
            assert_refused(pick_order(IsvPickOrderRequest::new().with_page_size(21)).await, "page_size");
            let data = pick_order(IsvPickOrderRequest::new().with_page(2).with_page_size(20)).await.unwrap();
            let order = &data.orders.as_deref().unwrap_or_default()[0];
            let got = (data.total, order.order_id.as_deref(), order.gmv);
            assert_eq!(got, (Some(1), Some(ORDER_ID), Some(5990)));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/isv/pick_order/", USER_NO_OPEN_ID)
            .json(|| json!({"page": 2, "page_size": 20})),
    },
    // --------------------------------------------------- app calls (client_token), open.douyinec.com
    WireCase {
        endpoint: "materials_product_category",
        answer: Some(|| {
            ok_data(json!({"total": 2, "category_list": [
                {"id": 20000, "name": "服饰内衣", "level": 1},
                {"id": "20005", "name": "个护家清", "level": "2"}
            ]}))
        }),
        call: call!(|t| async move {
            let request = MaterialsProductCategoryRequest::new(20000);
            let data = t.client.materials_product_category(&request).await;
            let second = &data.unwrap().category_list[1];
            assert_eq!((second.id, second.level), (Some(Id(20005)), Some(2)));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/materials/product/category/", Cred::AppToken)
            .json(|| json!({"parent_id": 20000})),
    },
    WireCase {
        endpoint: "product_skus",
        answer: Some(|| {
            ok_data(json!({
                "specs": [{"name": "颜色", "spec_items": [{"id": "1773601442473016", "name": "白色"}]}],
                "skus": {"1773601442473016":
                    {"effective_price": 5990, "stock_num": "120", "sku_id": "1773601442474056"}}
            }))
        }),
        call: call!(|t| async move {
            let request = ProductSkusRequest::new(Id(3450632721376902816));
            let data = t.client.product_skus(&request).await.unwrap();
            let sku = &data.skus.as_ref().expect("skus")["1773601442473016"];
            let got = (sku.effective_price, sku.stock_num, sku.sku_id);
            assert_eq!(got, (Some(5990), Some(120), Some(Id(1773601442474056))));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/product/skus/", Cred::AppToken)
            .json(|| json!({"product_id": 3450632721376902816_u64})),
    },
    WireCase {
        endpoint: "product_picksource_convert",
        answer: Some(|| ok_data(json!({"product_url": format!("{PRODUCT_URL}&pick_source=v.AbC")}))),
        call: call!(|t| async move {
            let convert = |extra| {
                let request = ProductPicksourceConvertRequest::new(PRODUCT_URL).with_pick_extra(extra);
                async move { t.client.product_picksource_convert(&request).await }
            };
            assert_refused(convert("team-a").await, "pick_extra");
            let data = convert("team_a_01").await.unwrap();
            assert_eq!(data.product_url, Some(format!("{PRODUCT_URL}&pick_source=v.AbC")));
        }),
        expect: Expect::post(OpenDouyinEc, "/alliance/product/picksource/convert/", Cred::AppToken)
            .json(|| json!({"product_url": PRODUCT_URL, "pick_extra": "team_a_01"})),
    },
    // ------------------------------------------------------------ captain: GET, no auth, lianmengapi
    WireCase {
        endpoint: "captain_task_detail",
        answer: Some(|| json!({"code": 0, "msg": "success", "data": {"task_id": 7265432109876543210_u64}})),
        call: call!(|t| async move {
            let data = t.client.captain_task_detail(&CaptainTaskDetailRequest::new(TASK_ID)).await.unwrap();
            assert_eq!(data.task_id.as_deref(), Some(TASK_ID));
        }),
        expect: Expect::get(Lianmeng, "/ecom/captain/mobile/task/detail", Cred::None)
            .query(&[("task_id", TASK_ID)]),
    },
    // Integers as bare digits; the keyword percent-encoded, its `&` and `=` kept in one parameter.
    WireCase {
        endpoint: "captain_task_product_list",
        answer: Some(|| {
            let item = json!({"product_id": "3450632721376902816", "price": 5990});
            json!({"code": "0", "msg": "success", "data": {"total": 1, "list": [item]}})
        }),
        call: call!(|t| async move {
            let request = CaptainTaskProductListRequest::new(TASK_ID, 2, 20)
                .with_product_info(KEYWORD)
                .with_order_field(CaptainProductOrderField::CommissionRate)
                .with_order_by(1);
            let data = t.client.captain_task_product_list(&request).await.unwrap();
            let item = &data.list[0];
            let got = (item.product_id, item.price.as_deref());
            assert_eq!(got, (Some(Id(3450632721376902816)), Some("5990")));
        }),
        expect: Expect::get(Lianmeng, PRODUCT_LIST, Cred::None).query(&[
            ("task_id", TASK_ID),
            ("page", "2"),
            ("page_size", "20"),
            ("product_info", KEYWORD),
            ("order_field", "2"),
            ("order_by", "1"),
        ]),
    },
    // Only the required parameters when nothing optional is set.
    WireCase {
        endpoint: "captain_task_product_list",
        answer: Some(|| json!({"code": 0, "msg": "success", "data": {"total": 0, "list": []}})),
        call: call!(|t| async move {
            let request = CaptainTaskProductListRequest::new("1", 1, 20);
            t.client.captain_task_product_list(&request).await.unwrap();
        }),
        expect: Expect::get(Lianmeng, PRODUCT_LIST, Cred::None).query(&[
            ("task_id", "1"),
            ("page", "1"),
            ("page_size", "20"),
        ]),
    },
];

/// `n` products with ids 1 to `n`.
fn products(n: u64) -> Vec<StoreAddProduct> {
    (1..=n).map(|i| StoreAddProduct::new(Id(i))).collect()
}

fn user_token_answer() -> Value {
    json!({
        "data": {
            "access_token": "act.new", "expires_in": 1_296_000, "refresh_token": "rft.new",
            "refresh_expires_in": 2_592_000, "open_id": "the-open-id", "scope": "user_info",
            "error_code": 0, "description": "", "log_id": "2023081214193601"
        },
        "message": "success"
    })
}

// ------------------------------------------------------------------ the authorize URL (not sent)

#[tokio::test]
async fn authorize_url_percent_encodes_redirect_uri_state_and_scopes() {
    let TestEnv { server, client, .. } = TestEnv::start(OPEN_ID, USER_TOKEN).await;
    let (redirect, state) = ("https://example.com/cb?from=app&x=1 2#frag", "st&ate=/中?+%");
    let url = AuthorizeUrl::new(&client)
        .scope("user_info")
        .scope("alliance.kol.store_manage")
        .redirect_uri(redirect)
        .state(state)
        .build();
    assert_eq!(format!("{}://{}", url.scheme(), url.authority()), server.url());
    assert_eq!(url.path(), "/platform/oauth/connect/");
    assert_eq!(url.fragment(), None, "the redirect's `#` must be escaped, not end the URL");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let want = [
        ("client_key", CLIENT_KEY),
        ("response_type", "code"),
        ("scope", "user_info,alliance.kol.store_manage"),
        ("redirect_uri", redirect),
        ("state", state),
    ];
    assert_eq!(pairs, want.map(|(k, v)| (k.to_string(), v.to_string())));
    let raw = url.query().unwrap_or_default();
    assert!(raw.contains("scope=user_info%2Calliance.kol.store_manage"), "{raw}");
    assert!(
        raw.contains("redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Ffrom%3Dapp%26x%3D1+2%23frag"),
        "{raw}"
    );
    assert!(raw.contains("state=st%26ate%3D%2F%E4%B8%AD%3F%2B%25"), "{raw}");
}

#[test]
fn authorize_url_defaults_to_production_and_omits_unset_values() {
    let client = Client::builder().credentials("my key", "secret").build().unwrap();
    let url = AuthorizeUrl::new(&client).scope("user_info").build();
    assert_eq!(
        url.as_str(),
        "https://open.douyin.com/platform/oauth/connect/?client_key=my+key&response_type=code&scope=user_info"
    );
}

#[test]
fn authorize_url_keeps_a_base_path_prefix() {
    let client = Client::builder()
        .credentials("k", "s")
        .base_url(Server::OpenDouyin, "http://127.0.0.1:9/proxy/douyin/")
        .build()
        .unwrap();
    let url = AuthorizeUrl::new(&client).state("x").build();
    assert_eq!(url.path(), "/proxy/douyin/platform/oauth/connect/");
    assert_eq!(url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()), Some("x".into()));
}
