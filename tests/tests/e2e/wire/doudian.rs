//! The Doudian gateway family on the wire: signed `method` calls on openapi-fxg.jinritemai.com,
//! one [`CASES`] row per call (see the module above). Every row's request is held to the
//! gateway's protocol by [`Cred::Signed`]: the common query parameters, a fresh timestamp, a sign
//! that verifies over the raw body, and the body byte-identical to the canonical `param_json`
//! (doudian-facts §1.4, §2).

use douyin_alliance::endpoint::Authority;
use douyin_alliance::endpoint::Server::Doudian;
use douyin_alliance::types as t;
use douyin_alliance::types::{DoudianTokenCreateRequest, DoudianTokenRefreshRequest, KolProductShareRequest};
use douyin_alliance::{DoudianAuth, ErrorKind, Id, KnownCode};
use e2e_tests::{err_gateway, ok_gateway};
use serde_json::{json, Value};

use super::{check_table, Cred, Expect, WireCase};

/// A call signed with the app's credentials only.
const SIGNED: Cred = Cred::Signed { token: false };
/// A call for an authority, with its Doudian token (the creator's, or of the kind the call takes).
const KOL: Cred = Cred::Signed { token: true };
/// An id past 2^53.
const BIG_ID: u64 = 3_450_632_721_376_902_816;
/// An order window, as the gateway writes times.
const START: &str = "2026-11-01 00:00:00";
const END: &str = "2026-11-30 23:59:59";
/// A product URL with an id past 2^53 and characters JSON must not escape as HTML.
const PRODUCT_URL: &str = "https://haohuo.jinritemai.com/views/product/item2?id=3450632721376902816&a=<b>";

#[tokio::test]
async fn every_doudian_case_holds_on_the_wire() {
    check_table(CASES).await;
}

fn token_data() -> Value {
    ok_gateway(json!({
        "access_token": "dd.access", "expires_in": 604800, "refresh_token": "dd.refresh", "scope": "SCOPE",
        "shop_id": "12345", "shop_name": "店", "authority_id": "12345", "auth_subject_type": ""
    }))
}

/// The Doudian family's calls.
pub static CASES: &[WireCase] = &[
    // --------------------------------------------------------------------------- tokens (§3)
    WireCase {
        endpoint: "doudian_token_create",
        answer: Some(token_data),
        call: call!(|t| async move {
            let req = DoudianTokenCreateRequest::new("", "authorization_self").with_shop_id(Id::from(12345u64));
            let data = t.client.doudian_token_create(&req).await.unwrap();
            assert_eq!((data.access_token.expose(), data.expires_in), ("dd.access", 604800));
            assert_eq!(data.shop_id, Some(Id::from(12345u64)), "a shop_id sent as a string reads as the id");
        }),
        // Keys sorted, the empty code kept, no `null` for the absent optional fields.
        expect: Expect::post(Doudian, "/token/create", SIGNED)
            .json(|| json!({"code": "", "grant_type": "authorization_self", "shop_id": 12345})),
    },
    WireCase {
        endpoint: "doudian_token_refresh",
        answer: Some(token_data),
        call: call!(|t| async move {
            let req = DoudianTokenRefreshRequest::new("refresh_token", "dd.refresh-old");
            let data = t.client.doudian_token_refresh(&req).await.unwrap();
            assert_eq!(data.refresh_token.expose(), "dd.refresh");
        }),
        expect: Expect::post(Doudian, "/token/refresh", SIGNED)
            .json(|| json!({"grant_type": "refresh_token", "refresh_token": "dd.refresh-old"})),
    },
    // ------------------------------------------------------------------ creator links (§A.2)
    WireCase {
        endpoint: "buyin_kol_product_share",
        answer: Some(|| {
            ok_gateway(json!({"dy_password": "8.79 复制打开抖音", "dy_deeplink": "snssdk1128://x", "is_limit_douke": false}))
        }),
        call: call!(|t| async move {
            // A colonel's token is refused before anything is sent: the one-request check below
            // proves it.
            let colonel = t.client.doudian(&DoudianAuth::new(Authority::Colonel, "colonel-token"));
            let req = KolProductShareRequest::new(PRODUCT_URL, "dy_107_1_2").with_need_qr_code(true);
            let refused = colonel.buyin_kol_product_share(&req).await.unwrap_err();
            assert!(
                matches!(refused.kind(), ErrorKind::WrongAuthority { given: Authority::Colonel, .. }),
                "{refused}"
            );
            assert!(refused.to_string().contains("creator (达人/百应) or douke (抖客)"), "{refused}");
            let data = t.kol().buyin_kol_product_share(&req.with_external_info("tag_1")).await.unwrap();
            assert_eq!(data.dy_password.as_deref(), Some("8.79 复制打开抖音"));
        }),
        expect: Expect::post(Doudian, "/buyin/kolProductShare", KOL).json(|| {
            json!({"external_info": "tag_1", "need_qr_code": true, "pid": "dy_107_1_2", "product_url": PRODUCT_URL})
        }),
    },
    // A signature error is an API error the SDK names, and is not retried (one request).
    WireCase {
        endpoint: "buyin_kol_product_share",
        answer: Some(|| err_gateway(40003, "isv.signature-invalid", "签名校验失败")),
        call: call!(|t| async move {
            let req = KolProductShareRequest::new(PRODUCT_URL, "dy_107_1_2");
            let e = t.kol().buyin_kol_product_share(&req).await.unwrap_err();
            let api = e.api().expect("an API error");
            assert_eq!(api.known(), Some(KnownCode::GatewaySignatureInvalid), "{e}");
            assert_eq!(api.logid.as_deref(), Some("gateway-err-logid"));
            let text = e.to_string();
            assert!(text.contains("isv.signature-invalid") && text.contains("app_secret"), "{text}");
            assert!(!text.contains("sign="), "{text}");
        }),
        expect: Expect::post(Doudian, "/buyin/kolProductShare", KOL)
            .json(|| json!({"pid": "dy_107_1_2", "product_url": PRODUCT_URL})),
    },    // ------------------------------------------------- creator PIDs, links and orders (§A.2)
    WireCase {
        endpoint: "buyin_kol_pid_create",
        answer: Some(|| ok_gateway(json!({"pid": "dy_107_4_1660000001"}))),
        call: call!(|t| async move {
            let req = t::BuyinKolPidCreateRequest::new().with_media_type(4).with_media_id(Id(BIG_ID)).with_site_name("直播间");
            // Whose token it takes is only guessed (kol, douke): an institution's token is sent
            // all the same (the one request below), and the gateway decides.
            let made = t.doudian_as(Authority::Institution).buyin_kol_pid_create(&req).await.unwrap();
            assert_eq!(made.pid.as_deref(), Some("dy_107_4_1660000001"));
        }),
        expect: Expect::post(Doudian, "/buyin/kolPidCreate", KOL)
            .json(|| json!({"media_id": 3450632721376902816u64, "media_type": 4, "site_name": "直播间"})),
    },
    WireCase {
        endpoint: "buyin_kol_pid_list",
        answer: Some(|| ok_gateway(json!({"data": {"total": 1, "pids": [{"pid": "dy_1", "site_name": "直播间"}]}}))),
        call: call!(|t| async move {
            let page = t.kol().buyin_kol_pid_list(&t::BuyinKolPidListRequest::new().with_page(2).with_page_size(50)).await;
            let page = page.unwrap().data.unwrap();
            assert_eq!((page.total, page.pids[0].pid.as_deref()), (Some(1), Some("dy_1")), "the page is in data.data");
        }),
        expect: Expect::post(Doudian, "/buyin/kolPidList", KOL).json(|| json!({"page": 2, "page_size": 50})),
    },
    WireCase {
        endpoint: "buyin_kol_pid_edit",
        answer: Some(|| ok_gateway(json!({}))),
        call: call!(|t| async move {
            let req = t::BuyinKolPidEditRequest::new().with_pid("dy_1").with_site_name("橱窗");
            t.kol().buyin_kol_pid_edit(&req).await.unwrap();
        }),
        expect: Expect::post(Doudian, "/buyin/kolPidEdit", KOL).json(|| json!({"pid": "dy_1", "site_name": "橱窗"})),
    },
    WireCase {
        endpoint: "buyin_kol_pid_del",
        answer: Some(|| ok_gateway(json!({}))),
        call: call!(|t| async move {
            t.kol().buyin_kol_pid_del(&t::BuyinKolPidDelRequest::new().with_pids("dy_1,dy_2")).await.unwrap();
        }),
        // Comma-separated in one string, as DD2 sends them.
        expect: Expect::post(Doudian, "/buyin/kolPidDel", KOL).json(|| json!({"pids": "dy_1,dy_2"})),
    },
    WireCase {
        endpoint: "buyin_kol_live_share",
        answer: Some(|| ok_gateway(json!({"data": {"dy_password": "口令", "dy_deeplink": "snssdk1128://live"}}))),
        call: call!(|t| async move {
            let pid = t::BuyinKolLiveSharePidInfo::new("dy_1").with_external_info("x_1");
            let req = t::BuyinKolLiveShareRequest::new(pid).with_need_qr_code(false).with_platform(0);
            let live = t.kol().buyin_kol_live_share(&req).await.unwrap().data.unwrap();
            assert_eq!(live.dy_password.as_deref(), Some("口令"));
        }),
        // `pid_info` is an object, its keys sorted too.
        expect: Expect::post(Doudian, "/buyin/kolLiveShare", KOL).json(|| {
            json!({"need_qr_code": false, "pid_info": {"external_info": "x_1", "pid": "dy_1"}, "platform": 0})
        }),
    },
    WireCase {
        endpoint: "buyin_share_command_parse",
        answer: Some(|| ok_gateway(json!({"product_info": {"product_id": "3450632721376902816", "title": "杯"}}))),
        call: call!(|t| async move {
            let req = t::BuyinShareCommandParseRequest::new().with_command("8.79 复制打开抖音 https://v.douyin.com/x/");
            let info = t.kol().buyin_share_command_parse(&req).await.unwrap().product_info.unwrap();
            assert_eq!(info.product_id, Some(Id(BIG_ID)), "a 19-digit id in a string keeps every digit");
        }),
        expect: Expect::post(Doudian, "/buyin/shareCommandParse", KOL)
            .json(|| json!({"command": "8.79 复制打开抖音 https://v.douyin.com/x/"})),
    },
    WireCase {
        endpoint: "buyin_kol_materials_products_search",
        answer: Some(|| ok_gateway(json!({"total": 1, "products": [{"product_id": 3450632721376902816u64}]}))),
        call: call!(|t| async move {
            let req = t::BuyinKolMaterialsProductsSearchRequest::new()
                .with_title("杯")
                .with_first_cids(vec![20005])
                .with_page(1)
                .with_page_size(20);
            let found = t.kol().buyin_kol_materials_products_search(&req).await.unwrap();
            assert_eq!(found.products[0].product_id, Some(Id(BIG_ID)));
        }),
        expect: Expect::post(Doudian, "/buyin/kolMaterialsProductsSearch", KOL)
            .json(|| json!({"first_cids": [20005], "page": 1, "page_size": 20, "title": "杯"})),
    },
    WireCase {
        endpoint: "buyin_kol_materials_products_details",
        answer: Some(|| ok_gateway(json!({"total": 1, "products": [{"product_id": 3450632721376902816u64}]}))),
        call: call!(|t| async move {
            let req = t::BuyinKolMaterialsProductsDetailsRequest::new().with_product_ids(vec![Id(BIG_ID)]);
            assert_eq!(t.kol().buyin_kol_materials_products_details(&req).await.unwrap().total, Some(1));
        }),
        // Ids past 2^53 go out as exact JSON numbers.
        expect: Expect::post(Doudian, "/buyin/kolMaterialsProductsDetails", KOL)
            .json(|| json!({"product_ids": [3450632721376902816u64]})),
    },
    WireCase {
        endpoint: "buyin_kol_order_ads",
        answer: Some(|| ok_gateway(json!({"data": {"orders": [{"order_id": "4968253700000000001"}], "cursor": ""}}))),
        call: call!(|t| async move {
            let req = t::BuyinKolOrderAdsRequest::new().with_size(20).with_cursor("0").with_start_time(START);
            let page = t.kol().buyin_kol_order_ads(&req).await.unwrap().data.unwrap();
            assert_eq!(page.orders[0].order_id.as_deref(), Some("4968253700000000001"));
        }),
        expect: Expect::post(Doudian, "/buyin/kolOrderAds", KOL)
            .json(|| json!({"cursor": "0", "size": 20, "start_time": START})),
    },
    // ------------------------------------------------------------- product data (§5.2–§5.5)
    WireCase {
        endpoint: "alliance_materials_product_category",
        answer: Some(|| ok_gateway(json!({"total": 1, "category_list": [{"id": 20005, "name": "家居", "level": 1}]}))),
        call: call!(|t| async move {
            let req = t::AllianceMaterialsProductCategoryRequest::new(0);
            let cats = t.kol().alliance_materials_product_category(&req).await.unwrap();
            assert_eq!(cats.category_list[0].name.as_deref(), Some("家居"));
        }),
        // `parent_id: 0` (the top level) is sent, not left out.
        expect: Expect::post(Doudian, "/alliance/materialsProductCategory", KOL).json(|| json!({"parent_id": 0})),
    },
    WireCase {
        endpoint: "alliance_materials_products_search",
        answer: Some(|| ok_gateway(json!({"total": 0, "products": []}))),
        call: call!(|t| async move {
            let req = t::AllianceMaterialsProductsSearchRequest::new().with_cos_ratio_min(110).with_page(1).with_page_size(20);
            let inst = t.doudian_as(Authority::Institution);
            assert!(inst.alliance_materials_products_search(&req).await.unwrap().products.is_empty());
        }),
        expect: Expect::post(Doudian, "/alliance/materialsProductsSearch", KOL)
            .json(|| json!({"cos_ratio_min": 110, "page": 1, "page_size": 20})),
    },
    WireCase {
        endpoint: "alliance_materials_products_details",
        answer: Some(|| ok_gateway(json!({"total": 0, "products": []}))),
        call: call!(|t| async move {
            let req = t::AllianceMaterialsProductsDetailsRequest::new().with_product_ids(vec![Id(BIG_ID)]).with_brand_info(true);
            t.doudian_as(Authority::Institution).alliance_materials_products_details(&req).await.unwrap();
        }),
        expect: Expect::post(Doudian, "/alliance/materialsProductsDetails", KOL)
            .json(|| json!({"product_ids": [3450632721376902816u64], "with_brand_info": true})),
    },
    WireCase {
        endpoint: "buyin_product_skus",
        answer: Some(|| ok_gateway(json!({"specs": [], "skus": {"1": {"effective_price": 990, "stock_num": 3}}}))),
        call: call!(|t| async move {
            let skus = t.kol().buyin_product_skus(&t::BuyinProductSkusRequest::new(Id(BIG_ID))).await.unwrap();
            assert_eq!(skus.skus.unwrap()["1"].effective_price, Some(990), "skus is a map keyed by text");
        }),
        expect: Expect::post(Doudian, "/buyin/productSkus", KOL).json(|| json!({"product_id": 3450632721376902816u64})),
    },
    WireCase {
        endpoint: "buyin_materials_product_status",
        answer: Some(|| ok_gateway(json!({"data": []}))),
        call: call!(|t| async move {
            let req = t::BuyinMaterialsProductStatusRequest::new().with_products(vec![PRODUCT_URL.to_string()]);
            t.client.buyin_materials_product_status(&req).await.unwrap();
        }),
        // Signed, without a token (a live client calls it so).
        expect: Expect::post(Doudian, "/buyin/materialsProductStatus", SIGNED).json(|| json!({"products": [PRODUCT_URL]})),
    },
    WireCase {
        endpoint: "buyin_products_detail",
        answer: Some(|| ok_gateway(json!({"products": [{"base_info": {"product_id": 3450632721376902816u64}}]}))),
        call: call!(|t| async move {
            let req = t::BuyinProductsDetailRequest::new().with_product_ids(vec![Id(BIG_ID)]).with_fields("base_info");
            let d = t.kol().buyin_products_detail(&req).await.unwrap();
            assert_eq!(d.products[0].base_info.as_ref().and_then(|b| b.product_id), Some(Id(BIG_ID)));
        }),
        expect: Expect::post(Doudian, "/buyin/productsDetail", KOL)
            .json(|| json!({"fields": "base_info", "product_ids": [3450632721376902816u64]})),
    },
    // ------------------------------------------------------------ colonel activities (§5.8)
    WireCase {
        endpoint: "alliance_institute_colonel_activity_list",
        answer: Some(|| ok_gateway(json!({"total": 1, "activity_list": [{"activity_id": 3558293, "status": 3}]}))),
        call: call!(|t| async move {
            // A creator's token is refused before sending: one request only, the colonel's.
            let req = t::AllianceInstituteColonelActivityListRequest::new(0, 0, 1, 1, 20);
            let refused = t.kol().alliance_institute_colonel_activity_list(&req).await.unwrap_err();
            assert!(matches!(refused.kind(), ErrorKind::WrongAuthority { given: Authority::Kol, .. }), "{refused}");
            let list = t.doudian_as(Authority::Colonel).alliance_institute_colonel_activity_list(&req).await.unwrap();
            assert_eq!(list.activity_list[0].activity_id, Some(Id(3558293)));
        }),
        // Every required zero is sent.
        expect: Expect::post(Doudian, "/alliance/instituteColonelActivityList", KOL)
            .json(|| json!({"page": 1, "page_size": 20, "search_type": 0, "sort_type": 1, "status": 0})),
    },
    WireCase {
        endpoint: "alliance_colonel_activity_product",
        answer: Some(|| ok_gateway(json!({"data": [{"product_id": 1}], "next_cursor": "c2"}))),
        call: call!(|t| async move {
            let req = t::AllianceColonelActivityProductRequest::new(Id(3558293), 20).with_retrieve_mode(1).with_cursor("c1");
            let page = t.doudian_as(Authority::Colonel).alliance_colonel_activity_product(&req).await.unwrap();
            assert_eq!((page.data.len(), page.next_cursor.as_deref()), (1, Some("c2")));
        }),
        expect: Expect::post(Doudian, "/alliance/colonelActivityProduct", KOL)
            .json(|| json!({"activity_id": 3558293, "count": 20, "cursor": "c1", "retrieve_mode": 1})),
    },
    WireCase {
        endpoint: "buyin_colonel_activity_detail",
        answer: Some(|| ok_gateway(json!({"activity_id": 3558293, "activity_name": "春季", "min_promotion_days": 90}))),
        call: call!(|t| async move {
            let req = t::BuyinColonelActivityDetailRequest::new().with_activity_id(Id(3558293));
            let d = t.doudian_as(Authority::Colonel).buyin_colonel_activity_detail(&req).await.unwrap();
            assert_eq!((d.activity_name.as_deref(), d.min_promotion_days), (Some("春季"), Some(90)));
        }),
        expect: Expect::post(Doudian, "/buyin/colonelActivityDetail", KOL).json(|| json!({"activity_id": 3558293})),
    },
    WireCase {
        endpoint: "buyin_activity_product_list",
        answer: Some(|| ok_gateway(json!({"total": 0, "products": []}))),
        call: call!(|t| async move {
            let req = t::BuyinActivityProductListRequest::new(1, 20, Id(3558293)).with_applied_sub_status(0);
            t.doudian_as(Authority::Colonel).buyin_activity_product_list(&req).await.unwrap();
        }),
        expect: Expect::post(Doudian, "/buyin/activityProductList", KOL)
            .json(|| json!({"activity_id": 3558293, "applied_sub_status": 0, "page": 1, "size": 20})),
    },
    WireCase {
        endpoint: "alliance_colonel_activity_create_or_update",
        answer: Some(|| ok_gateway(json!({"institution_id": 7001, "activity_id": 3558294}))),
        call: call!(|t| async move {
            let req = t::AllianceColonelActivityCreateOrUpdateRequest::new(
                false, "春季招商", "描述", START, END, "20", "10", "100", 1, true,
            );
            let made = t.doudian_as(Authority::Colonel).alliance_colonel_activity_create_or_update(&req).await.unwrap();
            assert_eq!(made.activity_id, Some(Id(3558294)));
        }),
        // Rates are strings, as the facts type them; no `activity_id`: a creation.
        expect: Expect::post(Doudian, "/alliance/colonelActivityCreateOrUpdate", KOL).json(|| {
            json!({
                "activity_desc": "描述", "activity_name": "春季招商", "activity_type": 1, "application_limited": false,
                "apply_end_time": END, "apply_start_time": START, "commission_rate": "20",
                "estimated_single_sale": "100", "online": true, "service_rate": "10"
            })
        }),
    },
    // -------------------------------------------------- institution business (§5.6, §5.7)
    WireCase {
        endpoint: "buyin_institution_info",
        answer: Some(|| ok_gateway(json!({"institution_id": 7001, "colonel": {"buyin_id": 7001, "name": "团长"}}))),
        call: call!(|t| async move {
            let info = t.doudian_as(Authority::Institution).buyin_institution_info().await.unwrap();
            assert_eq!(info.colonel.and_then(|c| c.name).as_deref(), Some("团长"));
        }),
        // No parameters: the canonical empty object.
        expect: Expect::post(Doudian, "/buyin/institutionInfo", KOL).json(|| json!({})),
    },
    WireCase {
        endpoint: "buyin_institute_order_ads",
        answer: Some(|| ok_gateway(json!({"data": {"orders": [{"order_id": "1", "flow_point": "SETTLE"}], "cursor": "n"}}))),
        call: call!(|t| async move {
            let req = t::BuyinInstituteOrderAdsRequest::new(t::BuyinInstituteOrderAdsDistributionType::ProductDetail)
                .with_size(200)
                .with_cursor("0");
            let page = t.doudian_as(Authority::Douke).buyin_institute_order_ads(&req).await.unwrap().data.unwrap();
            assert_eq!(page.cursor.as_deref(), Some("n"), "the page is in data.data");
        }),
        expect: Expect::post(Doudian, "/buyin/instituteOrderAds", KOL)
            .json(|| json!({"cursor": "0", "distribution_type": "ProductDetail", "size": 200})),
    },
    WireCase {
        endpoint: "buyin_institute_order_colonel",
        answer: Some(|| ok_gateway(json!({"orders": [{"colonel_order_info": {"activity_id": 3558293}}], "cursor": ""}))),
        call: call!(|t| async move {
            let req = t::BuyinInstituteOrderColonelRequest::new().with_size(100).with_cursor("0").with_order_ids("1,2");
            let page = t.doudian_as(Authority::Colonel).buyin_institute_order_colonel(&req).await.unwrap();
            let info = page.orders[0].colonel_order_info.as_ref().and_then(|c| c.activity_id);
            assert_eq!(info, Some(Id(3558293)));
        }),
        expect: Expect::post(Doudian, "/buyin/instituteOrderColonel", KOL)
            .json(|| json!({"cursor": "0", "order_ids": "1,2", "size": 100})),
    },
    WireCase {
        endpoint: "buyin_institute_order_pick",
        answer: Some(|| ok_gateway(json!({"data": {"orders": [{"order_id": "1", "estimate_amount": 120}], "cursor": ""}}))),
        call: call!(|t| async move {
            let req = t::BuyinInstituteOrderPickRequest::new().with_size(100).with_cursor("0").with_search_type(1);
            let page = t.doudian_as(Authority::Institution).buyin_institute_order_pick(&req).await.unwrap();
            assert_eq!(page.data.unwrap().orders[0].estimate_amount, Some(120));
        }),
        expect: Expect::post(Doudian, "/buyin/instituteOrderPick", KOL)
            .json(|| json!({"cursor": "0", "search_type": 1, "size": 100})),
    },
    WireCase {
        endpoint: "buyin_inst_pick_source_convert",
        answer: Some(|| ok_gateway(json!({"product_url": "https://haohuo.jinritemai.com/x?id=1&pick_source=v.a"}))),
        call: call!(|t| async move {
            let req = t::BuyinInstPickSourceConvertRequest::new(PRODUCT_URL).with_pick_extra("e_1");
            let out = t.doudian_as(Authority::Institution).buyin_inst_pick_source_convert(&req).await.unwrap();
            assert!(out.product_url.is_some_and(|u| u.contains("pick_source=")));
        }),
        expect: Expect::post(Doudian, "/buyin/instPickSourceConvert", KOL)
            .json(|| json!({"pick_extra": "e_1", "product_url": PRODUCT_URL})),
    },
    WireCase {
        endpoint: "buyin_institute_pid_create",
        answer: Some(|| ok_gateway(json!({"pid": "dy_2"}))),
        call: call!(|t| async move {
            let req = t::BuyinInstitutePidCreateRequest::new(1, "社群").with_media_name("微信");
            assert_eq!(t.doudian_as(Authority::Douke).buyin_institute_pid_create(&req).await.unwrap().pid.as_deref(), Some("dy_2"));
        }),
        expect: Expect::post(Doudian, "/buyin/institutePidCreate", KOL)
            .json(|| json!({"media_name": "微信", "media_type": 1, "site_name": "社群"})),
    },
    WireCase {
        endpoint: "buyin_institute_pid_list",
        answer: Some(|| ok_gateway(json!({"data": {"total": 0, "pids": []}}))),
        call: call!(|t| async move {
            let req = t::BuyinInstitutePidListRequest::new().with_page(1).with_page_size(100).with_media_type(1);
            t.doudian_as(Authority::Douke).buyin_institute_pid_list(&req).await.unwrap();
        }),
        expect: Expect::post(Doudian, "/buyin/institutePidList", KOL)
            .json(|| json!({"media_type": 1, "page": 1, "page_size": 100})),
    },
];
