//! The gateway's order lists (`buyin.kolOrderAds`, `buyin.instituteOrderAds`,
//! `buyin.instituteOrderColonel`, `buyin.instituteOrderPick`): per subject and method, the
//! sandbox's `orders_per_creator` orders seeded from the catalog (the same on every call),
//! newest first, filtered by `order_ids` and the pay-time window, paged by cursor from `"0"` to
//! the empty cursor that ends the list. Every order starts from the example's first order, so
//! the fields the spec gives an order are all there.

use serde_json::{json, Map, Value};

use super::page::{by_cursor, PageShape};
use super::{example_data, Call, GatewayError};
use crate::catalog::{mix, Product};
use crate::clock::{format_beijing, parse_beijing};
use crate::Shared;

/// The order of a flow point, cycling through the documented ones.
const FLOW: [&str; 4] = ["PAY_SUCC", "CONFIRM", "SETTLE", "REFUND"];

/// One seeded order: its id, pay time and body.
struct Seeded {
    id: String,
    paid: i64,
    body: Value,
}

fn text_hash(t: &str) -> u64 {
    t.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
}

/// The `n`-th order of `subject` for `method`, over the example's order `template`.
fn seeded(
    template: &Map<String, Value>,
    subject: &str,
    method: &str,
    n: u64,
    p: &Product,
    now: i64,
) -> Seeded {
    let seed = mix(text_hash(subject) ^ mix(text_hash(method) ^ n));
    let id = (4_968_253_700_000_000_000 + seed % 100_000_000_000_000).to_string();
    // One order an hour and a bit, newest first.
    let paid = now - 3_700 * (n as i64 + 1);
    let price = p.search.get("price").and_then(Value::as_i64).unwrap_or(990);
    let items = 1 + (seed % 3) as i64;
    let amount = price * items;
    let flow = FLOW[(seed % FLOW.len() as u64) as usize];
    let commission = amount / 10;
    let who: u64 = subject.parse().unwrap_or(0);
    let mut m = template.clone();
    for (k, v) in [
        ("order_id", json!(id)),
        ("product_id", json!(p.id)),
        ("product_name", json!(p.title())),
        ("product_img", p.search.get("cover").cloned().unwrap_or(json!(""))),
        ("shop_id", p.search.get("shop_id").cloned().unwrap_or(json!(0))),
        ("shop_name", p.search.get("shop_name").cloned().unwrap_or(json!(""))),
        ("item_num", json!(items)),
        ("total_pay_amount", json!(amount)),
        ("pay_goods_amount", json!(amount)),
        ("settled_goods_amount", json!(if flow == "SETTLE" { amount } else { 0 })),
        ("flow_point", json!(flow)),
        ("pay_success_time", json!(format_beijing(paid))),
        ("update_time", json!(format_beijing(paid + 600))),
        ("settle_time", json!(if flow == "SETTLE" { format_beijing(paid + 86_400) } else { String::new() })),
        ("refund_time", json!(if flow == "REFUND" { format_beijing(paid + 7_200) } else { String::new() })),
        ("ads_estimated_commission", json!(commission)),
        ("ads_real_commission", json!(if flow == "SETTLE" { commission } else { 0 })),
        ("estimated_commission", json!(commission)),
        ("estimate_amount", json!(commission)),
        ("author_buyin_id", json!(who)),
    ] {
        if m.contains_key(k) {
            m.insert(k.into(), v);
        }
    }
    for info in ["colonel_order_info", "colonel_order_info_second"] {
        if let Some(Value::Object(c)) = m.get_mut(info) {
            c.insert("colonel_buyin_id".into(), json!(who));
        }
    }
    Seeded { id, paid, body: Value::Object(m) }
}

/// One page of the subject's orders of the call's method.
pub(super) fn page(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let shape =
        PageShape::of(call.ep).ok_or_else(|| GatewayError::api_off("the spec gives this method no page"))?;
    let data = example_data(sh, call.ep);
    let template = shape.item_template(&data);
    let subject = call.grant.as_ref().map(|g| g.authority_id.clone()).unwrap_or_default();
    let method = call.ep.name.as_str();
    let products = sh.catalog.all();
    if products.is_empty() {
        return Ok(shape.answer(data, Vec::new(), 0, Some(String::new())));
    }
    let now = sh.clock.unix_secs();
    let wanted: Vec<String> = p
        .text("order_ids")
        .map(|t| t.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let start = p.text("start_time").and_then(|t| parse_beijing(&t));
    let end = p.text("end_time").and_then(|t| parse_beijing(&t));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(GatewayError::parameter(257, "参数校验失败: `end_time` is before `start_time`"));
        }
    }
    let all: Vec<Value> = (0..sh.config.orders_per_creator as u64)
        .map(|n| seeded(&template, &subject, method, n, &products[n as usize % products.len()], now))
        .filter(|o| wanted.is_empty() || wanted.contains(&o.id))
        .filter(|o| start.is_none_or(|s| o.paid >= s) && end.is_none_or(|e| o.paid <= e))
        .map(|o| o.body)
        .collect();
    let size = p.int("size").unwrap_or(call.ep.pagination.as_ref().map_or(20, |x| x.max_page_size));
    let (orders, next) = by_cursor(&all, p.string("cursor").as_deref(), size);
    Ok(shape.answer(data, orders, all.len(), Some(next)))
}
