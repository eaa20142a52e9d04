//! Property tests of response decoding: arbitrary bytes, arbitrary JSON and JSON shaped like each
//! envelope, fed to `envelope::decode` for the response type of every endpoint, give a value or
//! a typed error (never a panic), and the success rule holds: a value only for HTTP 2xx with every
//! status code zero; a non-zero code always comes back as that API error.

use douyin_alliance::endpoint::{Endpoint, EnvelopeKind};
use douyin_alliance::envelope::{decode, detect};
use douyin_alliance::{Error, ErrorKind};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{json, Map, Value};

/// Decodes `body` as the response of the endpoint called `name`, with its generated type.
fn decode_as(e: &'static Endpoint, status: u16, body: &[u8]) -> Option<Result<(), Error>> {
    macro_rules! dispatch {
        ($($name:literal => $ty:ident),* $(,)?) => {
            match e.name {
                $($name => Some(decode::<douyin_alliance::types::$ty>(e, status, body).map(|_| ())),)*
                _ => None,
            }
        };
    }
    dispatch! {
        "kol_buyin_id" => KolBuyinIdData,
        "kol_store_list" => KolStoreListData,
        "store_add" => StoreAddData,
        "kol_store_remove" => KolStoreRemoveData,
        "kol_reputation" => KolReputationData,
        "kol_orders" => KolOrdersData,
        "colonel_award_task_apply" => ColonelAwardTaskApplyData,
        "materials_product_category" => MaterialsProductCategoryData,
        "kol_materials_products_search" => KolMaterialsProductsSearchData,
        "kol_materials_products_details" => KolMaterialsProductsDetailsData,
        "product_skus" => ProductSkusData,
        "product_picksource_convert" => ProductPicksourceConvertData,
        "isv_pick_order" => IsvPickOrderData,
        "captain_task_detail" => CaptainTaskDetailData,
        "captain_task_product_list" => CaptainTaskProductListData,
        "oauth_client_token" => ClientTokenData,
        "oauth_stable_client_token" => ClientTokenData,
        "oauth_access_token" => UserTokenData,
        "oauth_refresh_token" => UserTokenData,
        "oauth_renew_refresh_token" => RenewRefreshTokenData,
        "oauth_userinfo" => UserInfoData,
        "doudian_token_create" => DoudianTokenData,
        "doudian_token_refresh" => DoudianTokenData,
        "buyin_kol_product_share" => KolProductShareData,
        "buyin_materials_product_status" => BuyinMaterialsProductStatusData,
        "alliance_institute_colonel_activity_list" => AllianceInstituteColonelActivityListData,
        "alliance_colonel_activity_product" => AllianceColonelActivityProductData,
        "buyin_colonel_activity_detail" => BuyinColonelActivityDetailData,
        "buyin_activity_product_list" => BuyinActivityProductListData,
        "alliance_colonel_activity_create_or_update" => AllianceColonelActivityCreateOrUpdateData,
        "buyin_institution_info" => BuyinInstitutionInfoData,
        "buyin_institute_order_ads" => BuyinInstituteOrderAdsData,
        "buyin_institute_order_colonel" => BuyinInstituteOrderColonelData,
        "buyin_institute_order_pick" => BuyinInstituteOrderPickData,
        "buyin_inst_pick_source_convert" => BuyinInstPickSourceConvertData,
        "buyin_institute_pid_create" => BuyinInstitutePidCreateData,
        "buyin_institute_pid_list" => BuyinInstitutePidListData,
        "buyin_kol_live_share" => BuyinKolLiveShareData,
        "buyin_kol_pid_create" => BuyinKolPidCreateData,
        "buyin_kol_pid_list" => BuyinKolPidListData,
        "buyin_kol_pid_edit" => BuyinKolPidEditData,
        "buyin_kol_pid_del" => BuyinKolPidDelData,
        "buyin_share_command_parse" => BuyinShareCommandParseData,
        "buyin_kol_materials_products_search" => BuyinKolMaterialsProductsSearchData,
        "buyin_kol_materials_products_details" => BuyinKolMaterialsProductsDetailsData,
        "buyin_kol_order_ads" => BuyinKolOrderAdsData,
        "alliance_materials_product_category" => AllianceMaterialsProductCategoryData,
        "alliance_materials_products_search" => AllianceMaterialsProductsSearchData,
        "alliance_materials_products_details" => AllianceMaterialsProductsDetailsData,
        "buyin_product_skus" => BuyinProductSkusData,
        "buyin_products_detail" => BuyinProductsDetailData,
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// A status field that reads as zero, as the lenient decoders read it.
fn zeroish(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::String(s)) => s.trim().parse::<i64>() == Ok(0),
        Some(_) => false,
    }
}

/// Whether the status fields of `body`, read as JSON, allow a success.
fn codes_allow_success(kind: EnvelopeKind, body: &Value) -> bool {
    match kind {
        EnvelopeKind::DataExtra => {
            let data_ok = zeroish(body.get("data").and_then(|d| d.get("error_code")));
            let extra_ok = match body.get("extra") {
                None | Some(Value::Null) => true,
                Some(x) => zeroish(x.get("error_code")) && zeroish(x.get("sub_error_code")),
            };
            data_ok && extra_ok
        }
        EnvelopeKind::ErrNo => body.get("err_no").is_some_and(|c| !c.is_null() && zeroish(Some(c))),
        EnvelopeKind::CodeMsg => body.get("code").is_some_and(|c| !c.is_null() && zeroish(Some(c))),
        EnvelopeKind::StatusCode => body.get("status_code").is_some_and(|c| !c.is_null() && zeroish(Some(c))),
        // The Doudian gateway succeeds on 10000, never on 0.
        EnvelopeKind::Doudian => body
            .get("code")
            .is_some_and(|c| c.as_i64() == Some(10000) || c.as_str().is_some_and(|s| s.trim() == "10000")),
    }
}

/// The envelope an answer of `e` is read in: the spec's when its evidence is confirmed, else
/// the one the body's top-level keys name (the spec's when they name none).
fn envelope_read(e: &Endpoint, body: &[u8]) -> EnvelopeKind {
    let (envelope, evidence) = e.envelope();
    if evidence.is_confirmed() {
        envelope
    } else {
        detect(body).unwrap_or(envelope)
    }
}

/// The invariants every answer must satisfy, whatever the body.
fn check_one(e: &'static Endpoint, status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    let result = decode_as(e, status, body).expect("every endpoint is dispatched");
    match result {
        Ok(()) => {
            prop_assert!(is_success(status), "{}: a value for HTTP {status}", e.name);
            let json: Value =
                serde_json::from_slice(body).map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert!(
                codes_allow_success(envelope_read(e, body), &json),
                "{}: success although a status code is not zero: {json}",
                e.name
            );
        }
        Err(err) => {
            prop_assert_eq!(err.endpoint(), e.name);
            let shown = format!("{err} {err:#} {err:?}");
            prop_assert!(!format!("{err}").contains('\n'), "not one line: {shown}");
            match err.kind() {
                ErrorKind::Api(a) => {
                    // Never the success code of the envelope read (the gateway's is 10000, so its
                    // 0 is an error).
                    let success = if envelope_read(e, body) == EnvelopeKind::Doudian { 10000 } else { 0 };
                    prop_assert_ne!(a.code, success);
                    prop_assert_eq!(a.http_status, status);
                }
                ErrorKind::HttpStatus { status: s, snippet, .. } => {
                    prop_assert_eq!(*s, status);
                    prop_assert!(!is_success(status));
                    prop_assert!(snippet.chars().count() <= 201 && !snippet.contains('\n'), "{snippet:?}");
                }
                ErrorKind::Decode { body: raw, snippet, message } => {
                    prop_assert!(is_success(status), "Decode for HTTP {status}");
                    prop_assert_eq!(raw.0.as_ref(), body);
                    prop_assert!(snippet.chars().count() <= 201);
                    prop_assert!(!message.is_empty());
                }
                other => prop_assert!(false, "{}: unexpected error kind {other:?}", e.name),
            }
        }
    }
    Ok(())
}

fn check_all(status: u16, body: &[u8]) -> Result<(), TestCaseError> {
    for e in douyin_alliance::ENDPOINTS.iter().copied() {
        check_one(e, status, body)?;
    }
    Ok(())
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![4 => Just(200u16), 1 => Just(201u16), 1 => Just(429u16), 1 => Just(500u16), 1 => Just(503u16), 1 => 100u16..600]
}

const KEYS: &[&str] = &[
    "data",
    "extra",
    "message",
    "error_code",
    "description",
    "sub_error_code",
    "sub_description",
    "logid",
    "now",
    "err_no",
    "err_msg",
    "log_id",
    "code",
    "msg",
    "status_code",
    "status_msg",
    "access_token",
    "expires_in",
    "refresh_token",
    "refresh_expires_in",
    "open_id",
    "scope",
    "total",
    "results",
    "category_list",
    "list",
    "orders",
    "cursor",
    "product_id",
    "promotion_id",
    "buyin_id",
    "skus",
    "specs",
    "pictures",
    "products",
    "success",
    "id",
    "name",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => "[a-z_]{1,10}", 1 => any::<String>()]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e20f64..1e20).prop_map(|f| json!(f)),
        (-3i64..3).prop_map(Value::from),
        "[0-9 +.-]{0,6}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec![0i64, 10008, 2100004, 28003018, 2190008, 10013]).prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A status code as the platform may spell it, weighted towards zero.
fn code() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(json!(0)),
        2 => Just(json!("0")),
        1 => Just(json!(0.0)),
        2 => scalar(),
    ]
}

/// Puts `value` under `key` when it is `Some`.
fn with(mut m: Map<String, Value>, key: &str, value: Option<Value>) -> Map<String, Value> {
    if let Some(v) = value {
        m.insert(key.to_string(), v);
    }
    m
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(key(), json_value(), 0..6).prop_map(|m| m.into_iter().collect())
}

fn data_extra_shaped() -> impl Strategy<Value = Value> {
    let data = (object(), prop::option::of(code()), prop::option::of(scalar()))
        .prop_map(|(m, c, d)| Value::Object(with(with(m, "error_code", c), "description", d)));
    let data = prop_oneof![6 => data, 1 => json_value()];
    let extra = (
        prop::option::of(code()),
        prop::option::of(code()),
        prop::option::of(scalar()),
        prop::option::of(scalar()),
        prop::option::of(scalar()),
    )
        .prop_map(|(c, s, d, l, n)| {
            let m = with(with(Map::new(), "error_code", c), "sub_error_code", s);
            Value::Object(with(with(with(m, "description", d), "logid", l), "now", n))
        });
    let extra = prop_oneof![6 => extra, 1 => json_value()];
    (prop::option::of(data), prop::option::of(extra), prop::option::of(scalar())).prop_map(|(d, x, m)| {
        Value::Object(with(with(with(Map::new(), "data", d), "extra", x), "message", m))
    })
}

fn coded_shaped(
    code_key: &'static str,
    msg_key: &'static str,
    log_key: &'static str,
) -> impl Strategy<Value = Value> {
    (
        prop::option::of(code()),
        prop::option::of(scalar()),
        prop::option::of(scalar()),
        prop::option::of(json_value()),
    )
        .prop_map(move |(c, m, l, d)| {
            Value::Object(with(with(with(with(Map::new(), code_key, c), msg_key, m), log_key, l), "data", d))
        })
}

/// A non-zero code spelled as a number, a numeric string (maybe padded) or an integral float.
fn spelled_nonzero() -> impl Strategy<Value = (i64, Value)> {
    let n = prop_oneof![
        prop::sample::select(vec![10008i64, 2100004, 28003018, 2190008, 10013, -1, 1]),
        any::<i64>().prop_filter("non-zero", |n| *n != 0),
    ];
    (n, 0..4u8).prop_map(|(n, how)| {
        let v = match how {
            0 => json!(n),
            1 => json!(n.to_string()),
            2 => json!(format!(" {n} ")),
            _ if n.unsigned_abs() < (1 << 52) => json!(n as f64),
            _ => json!(n),
        };
        (n, v)
    })
}

fn example(e: &Endpoint) -> Value {
    let spec = douyin_sandbox::spec::endpoint(e.name).expect("every endpoint is in the spec");
    serde_json::from_str(spec.example.as_deref().expect("every endpoint has an example"))
        .expect("example is JSON")
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in status(), body in prop::collection::vec(any::<u8>(), 0..300)) {
        check_all(status, &body)?;
    }

    #[test]
    fn arbitrary_json_never_panics(status in status(), body in json_value()) {
        check_all(status, body.to_string().as_bytes())?;
    }

    #[test]
    fn data_extra_shaped_json_gives_a_value_or_a_typed_error(status in status(), body in data_extra_shaped()) {
        check_all(status, body.to_string().as_bytes())?;
    }

    #[test]
    fn err_no_code_msg_and_status_code_shaped_json_gives_a_value_or_a_typed_error(
        status in status(),
        err_no in coded_shaped("err_no", "err_msg", "log_id"),
        code_msg in coded_shaped("code", "msg", "log_id"),
        status_code in coded_shaped("status_code", "status_msg", "log_id"),
    ) {
        check_all(status, err_no.to_string().as_bytes())?;
        check_all(status, code_msg.to_string().as_bytes())?;
        check_all(status, status_code.to_string().as_bytes())?;
    }

    #[test]
    fn examples_with_any_spelling_of_zero_decode(zero in prop::sample::select(vec![json!(0), json!("0"), json!(0.0), json!(" 0 ")]), status in 200u16..300) {
        for e in douyin_alliance::ENDPOINTS.iter().copied() {
            let mut body = example(e);
            match e.envelope().0 {
                EnvelopeKind::DataExtra => {
                    body["data"]["error_code"] = zero.clone();
                    if body.get("extra").is_some() {
                        body["extra"]["error_code"] = zero.clone();
                        body["extra"]["sub_error_code"] = zero.clone();
                        body["extra"]["now"] = json!("1691821176138");
                    }
                }
                EnvelopeKind::ErrNo => body["err_no"] = zero.clone(),
                EnvelopeKind::CodeMsg => body["code"] = zero.clone(),
                EnvelopeKind::StatusCode => body["status_code"] = zero.clone(),
                // The gateway's success code, spelled the same way as the zero.
                EnvelopeKind::Doudian => {
                    body["code"] = match &zero {
                        Value::String(s) => json!(s.replace('0', "10000")),
                        Value::Number(n) if n.is_f64() => json!(10000.0),
                        _ => json!(10000),
                    }
                }
            }
            let r = decode_as(e, status, body.to_string().as_bytes()).expect("dispatched");
            prop_assert!(r.is_ok(), "{}: {:#}", e.name, r.unwrap_err());
        }
    }

    #[test]
    fn a_non_zero_code_is_always_that_api_error(
        (n, spelled) in spelled_nonzero(),
        side in 0..3u8,
        noise in object(),
        status in prop_oneof![Just(200u16), Just(500u16), 100u16..600],
    ) {
        for e in douyin_alliance::ENDPOINTS.iter().copied() {
            let mut body = example(e);
            match e.envelope().0 {
                EnvelopeKind::DataExtra => {
                    // Unknown fields next to the business fields change nothing.
                    if let Some(d) = body["data"].as_object_mut() {
                        for (k, v) in &noise {
                            if !matches!(k.as_str(), "error_code" | "description") {
                                d.entry(k.clone()).or_insert(v.clone());
                            }
                        }
                    }
                    match side {
                        0 => body["data"]["error_code"] = spelled.clone(),
                        1 => body["extra"] = json!({"error_code": spelled, "sub_error_code": 0, "logid": "L"}),
                        _ => body["extra"] = json!({"error_code": "0", "sub_error_code": spelled, "logid": "L"}),
                    }
                }
                EnvelopeKind::ErrNo => body["err_no"] = spelled.clone(),
                EnvelopeKind::CodeMsg => body["code"] = spelled.clone(),
                EnvelopeKind::StatusCode => body["status_code"] = spelled.clone(),
                // 10000 is the gateway's success.
                EnvelopeKind::Doudian if n == 10000 => continue,
                EnvelopeKind::Doudian => body["code"] = spelled.clone(),
            }
            let r = decode_as(e, status, body.to_string().as_bytes()).expect("dispatched");
            let err = match r {
                Ok(()) => return Err(TestCaseError::fail(format!("{}: success with code {spelled}: {body}", e.name))),
                Err(err) => err,
            };
            let a = err.api();
            prop_assert!(a.is_some(), "{}: {:#} for {}", e.name, err, body);
            let a = a.unwrap();
            prop_assert_eq!(a.code, n);
            prop_assert_eq!(a.http_status, status);
        }
    }
}

#[test]
fn every_endpoint_is_covered_by_the_dispatch() {
    for e in douyin_alliance::ENDPOINTS.iter().copied() {
        assert!(decode_as(e, 200, b"{}").is_some(), "{} is not dispatched", e.name);
    }
}

#[test]
fn deeply_nested_bodies_are_a_decode_error_not_a_stack_overflow() {
    for depth in [200, 10_000, 200_000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}0{}", r#"{"data":"#.repeat(depth), "}".repeat(depth));
        for body in [arrays, objects] {
            for e in douyin_alliance::ENDPOINTS.iter().copied() {
                let r = decode_as(e, 200, body.as_bytes()).expect("dispatched");
                assert!(
                    matches!(r, Err(ref err) if matches!(err.kind(), ErrorKind::Decode { .. })),
                    "{}",
                    e.name
                );
            }
        }
    }
}
