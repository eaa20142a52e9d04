//! The Doudian gateway family on the wire: signed `method` calls on openapi-fxg.jinritemai.com,
//! one [`CASES`] row per call (see the module above). Every row's request is held to the
//! gateway's protocol by [`Cred::Signed`]: the common query parameters, a fresh timestamp, a sign
//! that verifies over the raw body, and the body byte-identical to the canonical `param_json`
//! (doudian-facts §1.4, §2).

use douyin_alliance::endpoint::Authority;
use douyin_alliance::endpoint::Server::Doudian;
use douyin_alliance::types::{DoudianTokenCreateRequest, DoudianTokenRefreshRequest, KolProductShareRequest};
use douyin_alliance::{DoudianAuth, ErrorKind, Id, KnownCode};
use e2e_tests::{err_gateway, ok_gateway};
use serde_json::{json, Value};

use super::{check_table, Cred, Expect, WireCase};

/// A call signed with the app's credentials only.
const SIGNED: Cred = Cred::Signed { token: false };
/// A call for the creator, with its Doudian token.
const KOL: Cred = Cred::Signed { token: true };
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
    },
];
