//! The Doudian gateway family through the SDK against the sandbox: tokens (code and self-built
//! flows, the one-hour refresh rule), the creator's share link, and the gateway's refusals in
//! its own envelope: signature, timestamp, tokens and their kind of authority, parameters, rate
//! limits and injected faults. Requests the SDK would never send are built by hand with
//! `douyin_alliance::signing` ([`protocol::Raw`]), and each protocol check is in `protocol`.

use e2e_tests::{fast_retries, within};
use std::time::Duration;

use douyin_alliance::endpoint::Authority;
use douyin_alliance::types::{
    DoudianTokenCreateRequest, DoudianTokenData, DoudianTokenRefreshRequest, KolProductShareRequest,
};
use douyin_alliance::{Client, DoudianAuth, DoudianClient, Error, ErrorKind, KnownCode, RetryPolicy};
use douyin_sandbox::{Fault, Sandbox, SandboxConfig};
use serde_json::json;

mod protocol;

use protocol::{sub_code, Raw};

const SHARE: &str = "buyin_kol_product_share";
/// A product of the spec's examples, so of the sandbox's catalog.
const PRODUCT: u64 = 3_400_312_511_185_213_726;
const PID: &str = "dy_107275124545117584_21312_1660100313";

fn product_url(id: u64) -> String {
    format!("https://haohuo.jinritemai.com/views/product/item2?id={id}&pick_source=v.e2e")
}

fn share(url: &str) -> KolProductShareRequest {
    KolProductShareRequest::new(url, PID)
}

fn client(sandbox: &Sandbox) -> Client {
    sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap()
}

/// The answer's `code` and `sub_code`.
fn codes(e: &Error) -> (i64, String) {
    let api = e.api().unwrap_or_else(|| panic!("not an API error: {e:#}"));
    (api.code, api.gateway_sub_code.clone().unwrap_or_default())
}

async fn tokens_of(sandbox: &Sandbox, client: &Client, authority: Authority) -> DoudianTokenData {
    let code = sandbox.doudian_code(authority);
    client.doudian_token_create(&DoudianTokenCreateRequest::new(code, "authorization_code")).await.unwrap()
}

async fn authority(sandbox: &Sandbox, client: &Client, authority: Authority) -> DoudianClient {
    let t = tokens_of(sandbox, client, authority).await;
    client.doudian(&DoudianAuth::new(authority, t.access_token))
}

fn self_built() -> DoudianTokenCreateRequest {
    DoudianTokenCreateRequest::new("", "authorization_self")
}

#[tokio::test]
async fn a_creator_token_from_a_code_shares_a_product_end_to_end() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let code = sandbox.doudian_code(Authority::Kol);
        let req = DoudianTokenCreateRequest::new(code.clone(), "authorization_code");
        let t = client.doudian_token_create(&req).await.unwrap();
        assert_eq!(t.expires_in, 7 * 86_400);
        assert!(t.authority_id.as_deref().is_some_and(|a| !a.is_empty()));
        assert_eq!(t.shop_id, None, "a creator is no shop");
        assert_ne!(t.access_token, t.refresh_token);
        // A code works once.
        let again = client.doudian_token_create(&req).await.unwrap_err();
        assert_eq!(codes(&again), (50001, "dop.token-generate-failed:code-invalid".into()));

        let kol = client.doudian(&DoudianAuth::new(Authority::Kol, t.access_token.clone()));
        let link = kol
            .buyin_kol_product_share(
                &share(&product_url(PRODUCT)).with_need_share_link(true).with_need_qr_code(true),
            )
            .await
            .unwrap();
        let deeplink = link.dy_deeplink.unwrap();
        assert!(deeplink.starts_with("snssdk1128://"), "{deeplink}");
        assert!(
            deeplink.contains(&format!("promotion_id={PRODUCT}")) && deeplink.contains(PID),
            "{deeplink}"
        );
        let h5 = link.share_link.unwrap();
        assert!(h5.contains(&format!("id={PRODUCT}")) && h5.contains(PID), "{h5}");
        assert!(link.qr_code.is_some_and(|q| q.url.is_some()));
        assert!(link.dy_password.unwrap().contains("复制打开抖音"));

        // Another product, another link; no share link or QR code unless asked for.
        let seeded = 3_450_632_721_380_000_016;
        let other = kol.buyin_kol_product_share(&share(&product_url(seeded)).with_platform(1)).await.unwrap();
        let deeplink = other.dy_deeplink.unwrap();
        assert!(
            deeplink.starts_with("snssdk2329://") && deeplink.contains(&seeded.to_string()),
            "{deeplink}"
        );
        assert_eq!((other.share_link, other.qr_code), (None, None));

        // What went: a signed POST with the creator's token.
        let sent = sandbox.requests_to(SHARE);
        assert_eq!(sent[0].method, "POST");
        assert_eq!(sent[0].query_param("access_token").as_deref(), Some(t.access_token.expose()));
        assert_eq!(sent[0].query_param("app_key").as_deref(), Some(Sandbox::DOUDIAN_APP_KEY));
        assert_eq!(sent[0].json()["product_url"], product_url(PRODUCT));

        // Business refusals.
        let unknown = kol.buyin_kol_product_share(&share(&product_url(42))).await.unwrap_err();
        assert_eq!(codes(&unknown), (50002, "isv.business-failed:4399".into()));
        let no_id = kol.buyin_kol_product_share(&share("https://v.douyin.com/iRNBho6u/")).await.unwrap_err();
        assert_eq!(codes(&no_id), (40004, "isv.parameter-invalid:1056".into()));
        let bad_pid =
            kol.buyin_kol_product_share(&KolProductShareRequest::new(product_url(PRODUCT), "pid-1")).await;
        assert_eq!(codes(&bad_pid.unwrap_err()), (40004, "isv.parameter-invalid:4102".into()));

        // A code lives 10 minutes.
        let late = sandbox.doudian_code(Authority::Kol);
        sandbox.advance_clock(Duration::from_secs(11 * 60));
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).hook(sandbox.doudian_clock());
        let client = client.build().unwrap();
        let err = client
            .doudian_token_create(&DoudianTokenCreateRequest::new(late, "authorization_code"))
            .await
            .unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:code-expired".into()));
    })
    .await;
}

#[tokio::test]
async fn self_built_apps_get_tokens_for_a_shop_or_a_subject() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let shop = client.doudian_token_create(&self_built().with_shop_id(77_001u64)).await.unwrap();
        assert_eq!(shop.shop_id, Some(douyin_alliance::Id(77_001)));
        assert_eq!(shop.authority_id.as_deref(), Some("77001"));
        for (kind, authority) in
            [("Colonel", Authority::Colonel), ("MCN", Authority::Institution), ("DouKe", Authority::Douke)]
        {
            let t = client
                .doudian_token_create(&self_built().with_auth_id("9001").with_auth_subject_type(kind))
                .await
                .unwrap();
            assert_eq!(
                (t.authority_id.as_deref(), t.auth_subject_type.as_deref()),
                (Some("9001"), Some(kind))
            );
            assert_eq!(t.shop_id, None);
            // The token stands for that authority: only a douke's may share (kolProductShare
            // takes creators and doukes).
            let body = json!({"product_url": product_url(PRODUCT), "pid": PID});
            let answer =
                Raw::new("buyin.kolProductShare", &body, Some(t.access_token.expose())).send(&sandbox).await;
            if authority == Authority::Douke {
                assert_eq!(answer["code"], 10000, "{answer}");
            } else {
                assert_eq!(sub_code(&answer), (40003, "isv.authorization-type-invalid"), "{kind}: {answer}");
            }
        }
        let unknown = self_built().with_auth_id("1").with_auth_subject_type("YunCang");
        let err = client.doudian_token_create(&unknown).await.unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:no-authorization".into()));
        let err = client.doudian_token_create(&self_built()).await.unwrap_err();
        assert_eq!(codes(&err), (40004, "isv.parameter-invalid:257".into()));
        let err =
            client.doudian_token_create(&DoudianTokenCreateRequest::new("", "password")).await.unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:grant-type-invalid".into()));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_app_secret_is_a_signature_error_that_names_its_likely_causes() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let wrong = sandbox
            .client_builder()
            .doudian_credentials(Sandbox::DOUDIAN_APP_KEY, "not-the-app-secret")
            .retry(fast_retries(3))
            .build()
            .unwrap();
        let err = wrong.doudian_token_create(&self_built().with_shop_id(1u64)).await.unwrap_err();
        assert_eq!(err.api().unwrap().known(), Some(KnownCode::GatewaySignatureInvalid), "{err}");
        let text = err.to_string();
        assert!(text.contains("isv.signature-invalid") && text.contains("likely causes"), "{text}");
        assert!(text.contains("app_secret") && text.contains("clock"), "{text}");
        // Retry-safe or not, the same bytes fail the same way: sent once.
        let t = tokens_of(&sandbox, &client(&sandbox), Authority::Kol).await;
        let kol = wrong.doudian(&DoudianAuth::new(Authority::Kol, t.access_token));
        let err = kol.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap_err();
        assert_eq!(err.api().unwrap().known(), Some(KnownCode::GatewaySignatureInvalid));
        assert_eq!(sandbox.requests(SHARE), 1);

        // Another app's key is not the sandbox's.
        let other = sandbox
            .client_builder()
            .doudian_credentials("7300000000000000099", Sandbox::DOUDIAN_APP_SECRET)
            .build()
            .unwrap();
        let err = other.doudian_token_create(&self_built().with_shop_id(1u64)).await.unwrap_err();
        assert_eq!(codes(&err), (40003, "isv.app-id-invalid".into()));
    })
    .await;
}

#[tokio::test]
async fn a_timestamp_more_than_ten_minutes_off_the_gateway_clock_is_refused() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let kol = authority(&sandbox, &client, Authority::Kol).await;
        sandbox.advance_clock(Duration::from_secs(9 * 60));
        kol.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap();
        sandbox.advance_clock(Duration::from_secs(2 * 60));
        let err = kol.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap_err();
        assert_eq!(err.api().unwrap().known(), Some(KnownCode::GatewayTimestampInvalid), "{err}");
        assert!(err.to_string().contains("likely causes"), "{err}");
        // A client whose clock moves with the gateway's is let through.
        let synced = sandbox.client_builder().hook(sandbox.doudian_clock()).build().unwrap();
        let t = tokens_of(&sandbox, &synced, Authority::Douke).await;
        let douke = synced.doudian(&DoudianAuth::new(Authority::Douke, t.access_token));
        douke.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_colonel_token_is_refused_by_the_sdk_before_sending_and_by_the_gateway() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = client(&sandbox);
        let t = tokens_of(&sandbox, &client, Authority::Colonel).await;
        assert_eq!(t.auth_subject_type.as_deref(), Some("Colonel"));
        let colonel = client.doudian(&DoudianAuth::new(Authority::Colonel, t.access_token.clone()));
        let err = colonel.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::WrongAuthority { given: Authority::Colonel, .. }), "{err:#}");
        assert_eq!(sandbox.requests(SHARE), 0, "nothing was sent");

        // Sent anyway (by hand, or under the wrong kind): the gateway refuses it.
        let body = json!({"product_url": product_url(PRODUCT), "pid": PID});
        let answer =
            Raw::new("buyin.kolProductShare", &body, Some(t.access_token.expose())).send(&sandbox).await;
        assert_eq!(sub_code(&answer), (40003, "isv.authorization-type-invalid"), "{answer}");
        assert!(answer["sub_msg"].as_str().unwrap().contains("授权主体不匹配"), "{answer}");
        let mislabelled = client.doudian(&DoudianAuth::new(Authority::Kol, t.access_token));
        let err = mislabelled.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap_err();
        assert_eq!(err.api().unwrap().known(), Some(KnownCode::GatewayAuthorityMismatch));
        assert_eq!(sandbox.requests(SHARE), 2);
    })
    .await;
}

#[tokio::test]
async fn token_refresh_follows_the_one_hour_rule() {
    within(60, async {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox
            .client_builder()
            .retry(RetryPolicy::disabled())
            .hook(sandbox.doudian_clock())
            .build()
            .unwrap();
        let refresh =
            |t: &DoudianTokenData| DoudianTokenRefreshRequest::new("refresh_token", t.refresh_token.clone());
        let works = |t: &DoudianTokenData| {
            let kol = client.doudian(&DoudianAuth::new(Authority::Kol, t.access_token.clone()));
            async move { kol.buyin_kol_product_share(&share(&product_url(PRODUCT))).await }
        };
        let day = Duration::from_secs(86_400);
        let hour = Duration::from_secs(3600);

        // More than an hour before expiry: the same tokens, lifetimes unchanged.
        let t = tokens_of(&sandbox, &client, Authority::Kol).await;
        sandbox.advance_clock(day);
        let same = client.doudian_token_refresh(&refresh(&t)).await.unwrap();
        assert_eq!((&same.access_token, &same.refresh_token), (&t.access_token, &t.refresh_token));
        assert!((6 * 86_400 - 60..=6 * 86_400).contains(&same.expires_in), "{}", same.expires_in);

        // Within the last hour: new tokens; the old ones work one more hour.
        sandbox.advance_clock(6 * day - hour / 2);
        let new = client.doudian_token_refresh(&refresh(&t)).await.unwrap();
        assert_ne!(new.access_token, t.access_token);
        assert_ne!(new.refresh_token, t.refresh_token);
        assert_eq!(new.expires_in, 7 * 86_400);
        sandbox.advance_clock(hour / 2 + Duration::from_secs(60));
        works(&t).await.unwrap();
        works(&new).await.unwrap();
        sandbox.advance_clock(hour / 2);
        let err = works(&t).await.unwrap_err();
        assert_eq!(err.api().unwrap().known(), Some(KnownCode::GatewayTokenExpired), "{err}");
        assert!(err.is_token_invalid());
        let err = client.doudian_token_refresh(&refresh(&t)).await.unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:token-expired".into()));
        works(&new).await.unwrap();

        // After expiry: new tokens; the old ones stop at once.
        sandbox.advance_clock(7 * day);
        let err = works(&new).await.unwrap_err();
        assert_eq!(codes(&err), (40003, "isv.access-token-expired".into()));
        let newer = client.doudian_token_refresh(&refresh(&new)).await.unwrap();
        assert_ne!(newer.access_token, new.access_token);
        let err = works(&new).await.unwrap_err();
        assert_eq!(codes(&err), (40003, "isv.access-token-no-existed".into()));
        let err = client.doudian_token_refresh(&refresh(&new)).await.unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:token-invalid".into()));
        works(&newer).await.unwrap();

        // A refresh_token the sandbox never issued; one past its 14 days.
        let fake = DoudianTokenRefreshRequest::new("refresh_token", "ddr.nope");
        let err = client.doudian_token_refresh(&fake).await.unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:token-invalid".into()));
        sandbox.advance_clock(15 * day);
        let err = client.doudian_token_refresh(&refresh(&newer)).await.unwrap_err();
        assert_eq!(codes(&err), (50001, "dop.token-generate-failed:token-expired".into()));
    })
    .await;
}

#[tokio::test]
async fn the_throttle_and_injected_faults_answer_in_the_gateway_envelope() {
    within(60, async {
        let config = SandboxConfig::default().endpoint_rate_limit(SHARE, 1);
        let sandbox = Sandbox::start_with(config).await.unwrap();
        let client = client(&sandbox);
        let kol = authority(&sandbox, &client, Authority::Kol).await;
        kol.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap();
        let err = kol.buyin_kol_product_share(&share(&product_url(PRODUCT))).await.unwrap_err();
        assert!(err.is_rate_limited(), "{err:#}");
        assert_eq!(codes(&err), (60000, "isv.traffic-limited".into()));
        assert_eq!(err.api().unwrap().known(), Some(KnownCode::GatewayTrafficLimited));
        assert_eq!(sandbox.rate_limited(SHARE), 1);

        let retrying = sandbox.client_builder().retry(fast_retries(3)).build().unwrap();
        sandbox.inject("doudian_token_refresh", Fault::Busy, 1).unwrap();
        let t = tokens_of(&sandbox, &retrying, Authority::Douke).await;
        let refresh = DoudianTokenRefreshRequest::new("refresh_token", t.refresh_token.clone());
        retrying.doudian_token_refresh(&refresh).await.unwrap();
        assert_eq!(sandbox.requests("doudian_token_refresh"), 2, "20000 is busy: retried");
        sandbox.inject_always("doudian_token_refresh", Fault::RateLimited).unwrap();
        let err = client.doudian_token_refresh(&refresh).await.unwrap_err();
        assert!(err.is_rate_limited() && err.is_retryable(), "{err:#}");
        sandbox.inject_always("doudian_token_create", Fault::ExpiredToken).unwrap();
        let err = client.doudian_token_create(&self_built().with_shop_id(3u64)).await.unwrap_err();
        assert_eq!(codes(&err), (40003, "isv.access-token-expired".into()));
        sandbox.clear_faults();
    })
    .await;
}
