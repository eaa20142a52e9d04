//! Decoding cost: a showcase page (`kol_store_list`, 20 products), orders pages (`kol_orders`,
//! 20 and 1,000 orders), a synthetic orders answer of 10,000 orders, and a page of 200 orders
//! of the Doudian gateway (`buyin_institute_order_ads`, its `data.data` page in the gateway's
//! envelope).
//!
//! Two comparisons, each of the same bytes:
//! - the SDK's envelope handling (`envelope::decode`, full `data` + `extra` body) against
//!   `serde_json::from_slice` of the `data` object into the same generated type (target: the
//!   envelope costs at most 10% more);
//! - the generated type against a hand-written plain `#[derive(Deserialize)]` struct with the
//!   same fields and the leniency a careful user writes (`e2e_tests::plain`), on the first three
//!   inputs (target: generated at most 1.10x plain derive).
//!
//! Run with `cargo bench -p e2e-tests --bench decode` (or `cargo xtask bench` for every figure).
//! After criterion, a paired measurement times both sides of each comparison in alternating
//! blocks in the same period (`DOUYIN_BENCH_PAIRED_ROUNDS` rounds, default 30), which cancels
//! drift in the machine's load between criterion's two measurements; with
//! `DOUYIN_BENCH_REPORT_DIR` set it is written to `$DOUYIN_BENCH_REPORT_DIR/decode_report.json`.
//!
//! The items are built from the spec's own example answers and cover every field the spec
//! gives `Order` and `StoreProduct` (checked below), with 19-digit ids, some as JSON strings.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use douyin_alliance::endpoint::Endpoint;
use douyin_alliance::types::{BuyinInstituteOrderAdsData, KolOrdersData, KolStoreListData};
use douyin_alliance::{envelope, ApiObject, ENDPOINTS};
use douyin_sandbox::spec::{self, Field, Ty, TypeKind};
use e2e_tests::{bench, plain};
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// One benchmark input: the whole answer and its `data` object alone.
struct Case {
    endpoint: &'static Endpoint,
    /// `{"data": <data>, "extra": {..}}`, as the platform sends it.
    envelope: Vec<u8>,
    /// The `data` object, byte for byte as it appears inside `envelope`.
    data: Vec<u8>,
}

/// The `extra` half of a successful `data_extra` answer.
const EXTRA: &str = r#"{"error_code":0,"description":"","sub_error_code":0,"sub_description":"","logid":"202308121419360101980821035705926A","now":1691821176138}"#;

fn case(endpoint: &str, data: &Value) -> Case {
    let endpoint = ENDPOINTS
        .iter()
        .copied()
        .find(|e| e.name == endpoint)
        .unwrap_or_else(|| panic!("the spec has no endpoint {endpoint}"));
    let data = serde_json::to_vec(data).expect("JSON values serialize");
    let mut envelope = Vec::with_capacity(data.len() + EXTRA.len() + 20);
    envelope.extend_from_slice(b"{\"data\":");
    envelope.extend_from_slice(&data);
    envelope.extend_from_slice(b",\"extra\":");
    envelope.extend_from_slice(EXTRA.as_bytes());
    envelope.push(b'}');
    Case { endpoint, envelope, data }
}

/// A success of the Doudian gateway around `data`, as it sends it.
fn gateway_case(endpoint: &str, data: &Value) -> Case {
    let mut c = case(endpoint, data);
    let head = br#"{"code":10000,"msg":"success","sub_code":"","sub_msg":"","log_id":"2023021709361801020811409001A","data":"#;
    let mut envelope = Vec::with_capacity(c.data.len() + head.len() + 1);
    envelope.extend_from_slice(head);
    envelope.extend_from_slice(&c.data);
    envelope.push(b'}');
    c.envelope = envelope;
    c
}

/// A page of `n` gateway orders (`buyin.instituteOrderAds`), each the spec example's first
/// order with its own 19-digit ids, some as strings.
fn gateway_orders_case(n: usize) -> Case {
    let text = spec::endpoint("buyin_institute_order_ads")
        .and_then(|e| e.example.as_deref())
        .expect("the endpoint has an example");
    let body: Value = serde_json::from_str(text).expect("the example is JSON");
    let template = body["data"]["data"]["orders"][0].as_object().cloned().expect("the example has an order");
    check_covers("BuyinInstituteOrderAdsOrder", &template);
    let orders: Vec<Value> = (0..n)
        .map(|i| {
            let mut o = template.clone();
            o.insert("order_id".into(), json!(id19(4_968_253_700_000_000_001, i).to_string()));
            let product = id19(3_450_632_721_376_902_816, i);
            o.insert(
                "product_id".into(),
                if i % 2 == 0 { json!(product) } else { json!(product.to_string()) },
            );
            o.insert("total_pay_amount".into(), json!(990 + i as i64));
            Value::Object(o)
        })
        .collect();
    gateway_case("buyin_institute_order_ads", &json!({"data": {"orders": orders, "cursor": "200"}}))
}

/// The first item of the list `data.<field>` of `endpoint`'s example answer in the spec.
fn example_item(endpoint: &str, field: &str) -> Map<String, Value> {
    let text =
        spec::endpoint(endpoint).and_then(|e| e.example.as_deref()).expect("the endpoint has an example");
    let body: Value = serde_json::from_str(text).expect("the example is JSON");
    body["data"][field][0].as_object().cloned().expect("the example has an item")
}

/// The fields of the spec's object type `name`.
fn fields(name: &str) -> &'static [Field] {
    match named(name).map(|t| &t.kind) {
        Some(TypeKind::Object(f)) => f,
        _ => panic!("the spec has no object type {name}"),
    }
}

fn named(name: &str) -> Option<&'static spec::NamedType> {
    spec::model().ok()?.types.iter().find(|t| t.name == name)
}

/// The documented wire values of the spec's enum `name`, as JSON.
fn enum_values(name: &str) -> Vec<Value> {
    match named(name).map(|t| &t.kind) {
        Some(TypeKind::Enum(e)) => e
            .values
            .iter()
            .map(|v| {
                if e.int {
                    v.wire.parse::<i64>().map_or_else(|_| json!(v.wire), |n| json!(n))
                } else {
                    json!(v.wire)
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A 19-digit id, different for every `i`.
fn id19(base: u64, i: usize) -> u64 {
    base + (i as u64).wrapping_mul(7_919)
}

/// Every item must carry every field of the spec's type, and no field the type does not know
/// (which would land in `extra_fields` and make the bench unrepresentative).
fn check_covers(type_name: &str, item: &Map<String, Value>) {
    let known = fields(type_name);
    for f in known {
        assert!(item.contains_key(&f.wire), "{type_name} item lacks the spec field `{}`", f.wire);
    }
    for k in item.keys() {
        assert!(known.iter().any(|f| &f.wire == k), "{type_name} item has `{k}`, which the spec lacks");
    }
}

/// Fills any spec field the example lacks, by its type, so a spec change keeps the items full.
fn fill_missing(type_name: &str, item: &mut Map<String, Value>, i: usize) {
    for f in fields(type_name) {
        if item.contains_key(&f.wire) {
            continue;
        }
        let v = match &f.ty {
            Ty::String | Ty::Secret => json!(format!("{}-{i}", f.wire)),
            Ty::Bool => json!(i % 2 == 0),
            Ty::I32 | Ty::I64 => json!(i as i64 * 10),
            Ty::F64 => json!(i as f64 / 4.0),
            Ty::Id => json!(id19(3_450_632_721_376_902_816, i)),
            Ty::Json => json!({"k": i}),
            Ty::List(_) => json!([]),
            Ty::Map(_) => json!({}),
            Ty::Named(n) => enum_values(n).into_iter().next().unwrap_or_else(|| json!({})),
        };
        item.insert(f.wire.clone(), v);
    }
}

fn store_product(template: &Map<String, Value>, i: usize) -> Value {
    let mut p = template.clone();
    let product_id = id19(3_450_632_721_376_902_816, i);
    let promotion_id = id19(3_450_632_721_374_033_833, i);
    // Numbers as the platform documents them; every fourth one as a string, as seen in the wild.
    if i % 4 == 3 {
        p.insert("product_id".into(), json!(product_id.to_string()));
        p.insert("promotion_id".into(), json!(promotion_id.to_string()));
    } else {
        p.insert("product_id".into(), json!(product_id));
        p.insert("promotion_id".into(), json!(promotion_id));
    }
    p.insert("title".into(), json!(format!("加厚保温杯 500ml 不锈钢真空 第{i}款")));
    p.insert(
        "cover".into(),
        json!(format!("https://p3-aio.ecombdimg.com/obj/ecom-shop-material/cover-{product_id}.jpeg")),
    );
    p.insert("price".into(), json!(1990 + (i as i64 * 137) % 20_000));
    p.insert("cos_ratio".into(), json!(((i % 40) as f64) * 0.5 + 1.5));
    p.insert("cos_type".into(), json!((i % 5) as i64 + 1));
    p.insert("promotion_type".into(), json!((i % 2) as i64));
    p.insert(
        "colonel_activity_id".into(),
        if i % 2 == 1 { json!(id19(7_265_432_109_876_543_210, i)) } else { json!(0) },
    );
    p.insert("hide_status".into(), json!(i % 7 == 0));
    fill_missing("StoreProduct", &mut p, i);
    check_covers("StoreProduct", &p);
    Value::Object(p)
}

fn order(template: &Map<String, Value>, flow_points: &[Value], media_types: &[Value], i: usize) -> Value {
    let mut o = template.clone();
    let order_id = id19(4_968_253_612_345_678_901, i);
    let product_id = id19(3_450_632_721_376_902_816, i % 500);
    let amount = 990 + (i as i64 * 311) % 50_000;
    let rate = 500 + (i as i64 % 30) * 100;
    let commission = amount * rate / 10_000;
    let (day, hour, minute) = (1 + i % 28, i % 24, i % 60);
    let time =
        |offset: usize| format!("2023-08-{day:02} {hour:02}:{:02}:{:02}", (minute + offset) % 60, i % 60);
    // Order and product ids are strings on the wire; shop and media ids numbers, some strings.
    o.insert("order_id".into(), json!(order_id.to_string()));
    o.insert("product_id".into(), json!(product_id.to_string()));
    o.insert("product_name".into(), json!(format!("加厚保温杯 500ml 不锈钢真空 第{}款", i % 500)));
    o.insert(
        "product_img".into(),
        json!(format!("https://p3-aio.ecombdimg.com/obj/ecom-shop-material/cover-{product_id}.jpeg")),
    );
    o.insert("author_buyin_id".into(), json!(id19(7_012_345_678_901_234_567, i % 3).to_string()));
    o.insert("author_short_id".into(), json!(format!("{}", 12_345_678_901u64 + (i % 3) as u64)));
    let shop_id = 12_345_678 + (i % 97) as u64;
    o.insert("shop_id".into(), if i % 5 == 4 { json!(shop_id.to_string()) } else { json!(shop_id) });
    o.insert("shop_name".into(), json!(format!("示例小店{}", i % 97)));
    o.insert("total_pay_amount".into(), json!(amount));
    o.insert("pay_goods_amount".into(), json!(amount));
    o.insert("commission_rate".into(), json!(rate));
    o.insert("estimated_commission".into(), json!(commission));
    o.insert("estimated_total_commission".into(), json!(commission));
    o.insert("estimated_tech_service_fee".into(), json!(commission / 10));
    o.insert("item_num".into(), json!(1 + (i % 3) as i64));
    let settled = i % 3 == 0;
    o.insert("settled_goods_amount".into(), json!(if settled { amount } else { 0 }));
    o.insert("real_commission".into(), json!(if settled { commission } else { 0 }));
    o.insert("settle_time".into(), json!(if settled { time(30) } else { String::new() }));
    o.insert("pay_success_time".into(), json!(time(0)));
    o.insert("update_time".into(), json!(time(6)));
    if let Some(fp) = flow_points.get(i % flow_points.len().max(1)) {
        o.insert("flow_point".into(), fp.clone());
    }
    if let Some(mt) = media_types.get(i % media_types.len().max(1)) {
        o.insert("media_type".into(), mt.clone());
    }
    let media_id = id19(7_265_432_109_876_543_210, i);
    o.insert("media_id".into(), if i % 2 == 0 { json!(media_id) } else { json!(media_id.to_string()) });
    o.insert("pick_extra".into(), json!(format!("campaign_{}", i % 11)));
    o.insert(
        "pid_info".into(),
        json!({
            "pid": format!("dy_107199188000000000000_12345_{}", 1_234_567_890 + i % 13),
            "external_info": format!("campaign_{}", i % 11),
            "media_type_name": "抖音",
        }),
    );
    fill_missing("Order", &mut o, i);
    check_covers("Order", &o);
    Value::Object(o)
}

fn store_list_case(n: usize) -> Case {
    let template = example_item("kol_store_list", "results");
    let results: Vec<Value> = (0..n).map(|i| store_product(&template, i)).collect();
    let data = json!({"error_code": 0, "description": "", "total": 87, "results": results});
    case("kol_store_list", &data)
}

fn orders_case(n: usize) -> Case {
    let template = example_item("kol_orders", "orders");
    let (flow_points, media_types) = (enum_values("OrderFlowPoint"), enum_values("OrderMediaType"));
    let orders: Vec<Value> = (0..n).map(|i| order(&template, &flow_points, &media_types, i)).collect();
    let data = json!({
        "error_code": 0,
        "description": "",
        "orders": orders,
        "cursor": format!("1691821176000_{}", id19(4_968_253_612_345_678_901, n)),
    });
    case("kol_orders", &data)
}

/// Both decodes must succeed and agree (the envelope's status fields aside), and every item
/// must be fully known to the spec; otherwise the figures would compare different work. The
/// hand-written baseline must read the same items.
fn check_case<T, I, P>(c: &Case, items: impl Fn(&T) -> &Vec<I>, plain_len: impl Fn(&P) -> usize, n: usize)
where
    T: DeserializeOwned + ApiObject,
    I: ApiObject + PartialEq + std::fmt::Debug,
    P: DeserializeOwned,
{
    let via_envelope: T = envelope::decode(c.endpoint, 200, &c.envelope).expect("the envelope decodes");
    let bare: T = serde_json::from_slice(&c.data).expect("the data object decodes");
    assert_eq!(items(&via_envelope).len(), n);
    assert_eq!(items(&via_envelope), items(&bare));
    assert!(via_envelope.extra_fields().is_empty(), "the envelope's status fields were not taken out");
    assert!(items(&bare).iter().all(|i| i.extra_fields().is_empty()), "items have fields the spec lacks");
    let plain: P = serde_json::from_slice(&c.data).expect("the plain baseline decodes");
    assert_eq!(plain_len(&plain), n, "the plain baseline reads every item");
}

fn bench_sides(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, b: &Bench) {
    let c = &b.case;
    g.throughput(Throughput::Bytes(c.envelope.len() as u64));
    g.bench_function("envelope", |i| i.iter(|| (b.envelope)(c)));
    g.throughput(Throughput::Bytes(c.data.len() as u64));
    g.bench_function("bare", |i| i.iter(|| (b.bare)(c)));
    if let Some(plain) = b.plain {
        g.bench_function("plain_derive", |i| i.iter(|| plain(c)));
    }
}

/// Two decodes of `c` timed in the same period: `rounds` rounds of one block of each (about
/// 40 ms of decoding per block), the order alternating. Criterion measures each side in its
/// own period, so drift in the machine's load between the two moves its ratio; this one
/// cancels it. Returns seconds per decode of each side.
fn paired(c: &Case, a: fn(&Case), b: fn(&Case), rounds: usize) -> (f64, f64) {
    let started = Instant::now();
    a(c);
    b(c);
    let per_block = (Duration::from_millis(40).as_secs_f64() / started.elapsed().as_secs_f64()).max(1.0);
    let block = per_block as usize;
    let (a_time, b_time) =
        bench::alternate(rounds, || (0..block).for_each(|_| a(c)), || (0..block).for_each(|_| b(c)));
    let n = (rounds * block) as f64;
    (a_time.as_secs_f64() / n, b_time.as_secs_f64() / n)
}

/// One input and how it is decoded: the SDK's envelope decode, the generated type alone, and
/// (where given) the hand-written plain-derive baseline, all of the same bytes.
struct Bench {
    name: &'static str,
    case: Case,
    envelope: fn(&Case),
    bare: fn(&Case),
    plain: Option<fn(&Case)>,
    /// Criterion's settings for a large input: few samples, flat sampling.
    large: bool,
}

fn bench_of<T: DeserializeOwned + ApiObject, P: DeserializeOwned>(
    name: &'static str,
    case: Case,
    with_plain: bool,
    large: bool,
) -> Bench {
    Bench {
        name,
        case,
        envelope: |c| drop(black_box(envelope::decode::<T>(c.endpoint, 200, black_box(&c.envelope)))),
        bare: |c| drop(black_box(serde_json::from_slice::<T>(black_box(&c.data)))),
        plain: with_plain
            .then_some(|c: &Case| drop(black_box(serde_json::from_slice::<P>(black_box(&c.data))))),
        large,
    }
}

/// The inputs, checked: the store list page and the orders pages of 20 and 1,000 are measured
/// against the plain-derive baseline too; the 10,000-order answer only envelope vs bare.
fn benches() -> Vec<Bench> {
    let store = store_list_case(20);
    check_case::<KolStoreListData, _, plain::StoreListData>(&store, |d| &d.results, |p| p.results.len(), 20);
    let mut out =
        vec![bench_of::<KolStoreListData, plain::StoreListData>("decode_store_list_20", store, true, false)];
    for (name, n, with_plain, large) in [
        ("decode_orders_20", 20, true, false),
        ("decode_orders_1000", 1_000, true, false),
        ("decode_orders_10000", 10_000, false, true),
    ] {
        let case = orders_case(n);
        check_case::<KolOrdersData, _, plain::OrdersData>(&case, |d| &d.orders, |p| p.orders.len(), n);
        out.push(bench_of::<KolOrdersData, plain::OrdersData>(name, case, with_plain, large));
    }
    let gateway = gateway_orders_case(200);
    let page = |d: &BuyinInstituteOrderAdsData| d.data.as_ref().map(|p| p.orders.len()).unwrap_or(0);
    let via_envelope: BuyinInstituteOrderAdsData =
        envelope::decode(gateway.endpoint, 200, &gateway.envelope).expect("the gateway envelope decodes");
    let bare: BuyinInstituteOrderAdsData =
        serde_json::from_slice(&gateway.data).expect("the data object decodes");
    assert_eq!((page(&via_envelope), page(&bare)), (200, 200));
    assert_eq!(via_envelope, bare, "the envelope's status fields were not taken out");
    out.push(bench_of::<BuyinInstituteOrderAdsData, plain::OrdersData>(
        "decode_gateway_orders_200",
        gateway,
        false,
        false,
    ));
    out
}

fn main() {
    let benches = benches();
    let mut c = Criterion::default().configure_from_args();
    for b in &benches {
        let mut g = c.benchmark_group(b.name);
        if b.large {
            g.sample_size(10).sampling_mode(SamplingMode::Flat).measurement_time(Duration::from_secs(10));
        } else {
            g.measurement_time(Duration::from_secs(4));
        }
        bench_sides(&mut g, b);
        g.finish();
    }
    c.final_summary();

    let rounds = bench::paired_rounds("DOUYIN_BENCH_PAIRED_ROUNDS", 30);
    if rounds == 0 {
        return;
    }
    let mut report = Map::new();
    for b in &benches {
        let (env, bare) = paired(&b.case, b.envelope, b.bare, rounds);
        let ratio = env / bare;
        println!(
            "paired {}: envelope {:.1} µs, bare {:.1} µs, ratio {ratio:.3}",
            b.name,
            env * 1e6,
            bare * 1e6
        );
        let mut entry = json!({"envelope_s": env, "bare_s": bare, "ratio": ratio, "rounds": rounds});
        if let Some(plain) = b.plain {
            let (generated, hand) = paired(&b.case, b.bare, plain, rounds);
            let vs_plain = generated / hand;
            println!(
                "paired {}: generated {:.1} µs, plain derive {:.1} µs, ratio {vs_plain:.3}",
                b.name,
                generated * 1e6,
                hand * 1e6
            );
            entry["vs_plain"] =
                json!({"generated_s": generated, "plain_s": hand, "ratio": vs_plain, "rounds": rounds});
        }
        report.insert(b.name.to_string(), entry);
    }
    bench::write_report("decode_report.json", &Value::Object(report));
}
