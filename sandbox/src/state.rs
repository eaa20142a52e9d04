//! Where the API has state: each creator's showcase, and a seeded set of orders per creator
//! served with cursor paging and the time-window filters.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use douyin_alliance::types::KolOrderTimeType;

use crate::catalog::{mix, Catalog, Examples};
use crate::clock::{format_beijing, parse_beijing};
use crate::params::{id_of, num, Params};

/// A parameter the platform would refuse: the field and what is wrong.
pub(crate) type Invalid = (String, String);

fn invalid(field: &str, problem: impl Into<String>) -> Invalid {
    (field.to_string(), problem.into())
}

#[derive(Debug, Clone)]
struct StoreItem {
    product_id: u64,
    promotion_id: u64,
    hidden: bool,
}

#[derive(Debug, Clone)]
struct SeededOrder {
    id: u64,
    pay_ts: i64,
    update_ts: i64,
    body: Value,
}

/// Templates cut from the spec's examples.
#[derive(Debug, Default)]
pub(crate) struct Templates {
    store_item: Map<String, Value>,
    order: Map<String, Value>,
    add_failure: (i64, String),
}

impl Templates {
    pub(crate) fn from_examples(ex: &Examples) -> Self {
        let add_failure = ex
            .body("store_add")
            .and_then(|b| b.pointer("/data/results"))
            .and_then(Value::as_array)
            .and_then(|rs| {
                rs.iter().find_map(|r| {
                    let code = r.get("error_code")?.as_i64().filter(|c| *c != 0)?;
                    Some((code, r.get("error_msg")?.as_str()?.to_string()))
                })
            })
            .unwrap_or((1, "该商品暂不支持推广".to_string()));
        Templates {
            store_item: ex.template("kol_store_list", "results"),
            order: ex.template("kol_orders", "orders"),
            add_failure,
        }
    }
}

/// Showcases and orders of every creator.
#[derive(Debug, Default)]
pub(crate) struct DataState {
    showcases: HashMap<String, Vec<StoreItem>>,
    orders: HashMap<String, Vec<SeededOrder>>,
    /// Orders created by [`DataState::create_order`] so far.
    created: u64,
    next_promotion: u64,
}

/// FNV-1a: a stable hash of a creator's open_id for seeding.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl DataState {
    /// Adds products to `open_id`'s showcase; unknown and non-distributable products fail one
    /// by one while the call succeeds. Returns the per-product results.
    pub(crate) fn store_add(
        &mut self,
        open_id: &str,
        ids: &[u64],
        hide: bool,
        catalog: &Catalog,
        t: &Templates,
    ) -> Vec<Value> {
        let mut results = Vec::new();
        for &id in ids {
            let sharable =
                catalog.get(id).map(|prod| prod.search.get("sharable") != Some(&Value::Bool(false)));
            if sharable != Some(true) {
                results.push(
                    json!({"product_id": id, "error_code": t.add_failure.0, "error_msg": t.add_failure.1}),
                );
                continue;
            }
            let showcase = self.showcases.entry(open_id.to_string()).or_default();
            if let Some(existing) = showcase.iter_mut().find(|i| i.product_id == id) {
                existing.hidden = hide;
            } else {
                self.next_promotion += 1;
                let promotion_id =
                    3_450_632_721_374_000_000 + (mix(id) % 1_000_000) * 1_000 + self.next_promotion % 1_000;
                showcase.push(StoreItem { product_id: id, promotion_id, hidden: hide });
            }
            results.push(json!({"product_id": id, "error_code": 0, "error_msg": ""}));
        }
        results
    }

    /// One page of `open_id`'s showcase (newest first) and the showcase's size.
    pub(crate) fn store_list(
        &self,
        open_id: &str,
        page: i64,
        size: i64,
        catalog: &Catalog,
        t: &Templates,
    ) -> (usize, Vec<Value>) {
        let items = self.showcases.get(open_id).map(Vec::as_slice).unwrap_or_default();
        let size = usize::try_from(size.max(1)).unwrap_or(1);
        let skip = usize::try_from(page.max(1) - 1).unwrap_or(0).saturating_mul(size);
        let page = items
            .iter()
            .rev()
            .skip(skip)
            .take(size)
            .map(|i| {
                let mut v = t.store_item.clone();
                if let Some(p) = catalog.get(i.product_id) {
                    for k in ["title", "cover", "price", "cos_ratio"] {
                        if let Some(x) = p.search.get(k) {
                            v.insert(k.into(), x.clone());
                        }
                    }
                }
                v.insert("product_id".into(), json!(i.product_id));
                v.insert("promotion_id".into(), json!(i.promotion_id));
                v.insert("promotion_type".into(), json!(0));
                v.insert("cos_type".into(), json!(2));
                v.insert("colonel_activity_id".into(), json!(0));
                v.insert("hide_status".into(), json!(i.hidden));
                Value::Object(v)
            })
            .collect();
        (items.len(), page)
    }

    /// Removes `(product_id, promotion_id)` pairs; `true` when every pair was in the showcase.
    pub(crate) fn store_remove(&mut self, open_id: &str, pairs: &[(u64, u64)]) -> bool {
        let Some(items) = self.showcases.get_mut(open_id) else {
            return pairs.is_empty();
        };
        let mut all = true;
        for (product, promotion) in pairs {
            let before = items.len();
            items.retain(|i| !(i.product_id == *product && i.promotion_id == *promotion));
            all &= items.len() < before;
        }
        all
    }

    fn seed_orders(
        &mut self,
        open_id: &str,
        count: usize,
        now: i64,
        seed: u64,
        catalog: &Catalog,
        t: &Templates,
    ) {
        if self.orders.contains_key(open_id) {
            return;
        }
        let h = mix(seed ^ stable_hash(open_id));
        let products = catalog.all();
        let mut orders = Vec::with_capacity(count);
        for i in 0..count {
            let r = mix(h.wrapping_add(i as u64));
            let pay_ts = now - 600 - i as i64 * 15 * 3600 - (r % 3600) as i64;
            let age_days = (now - pay_ts) / 86_400;
            let mut o = t.order.clone();
            let (pid, name, img, price, ratio) =
                match products.get((h as usize).wrapping_add(i) % products.len().max(1)) {
                    Some(p) => (
                        p.id,
                        p.title().to_string(),
                        p.search.get("cover").cloned().unwrap_or(Value::Null),
                        num(p.search.get("price")) as i64,
                        num(p.search.get("cos_ratio")),
                    ),
                    None => (id_of(o.get("product_id")).unwrap_or(0), String::new(), Value::Null, 5990, 20.0),
                };
            let item_num = 1 + (r >> 8) as i64 % 3;
            let pay = price * item_num;
            let rate = (ratio * 100.0).round() as i64; // percent -> x10000
            let estimated = pay * rate / 10_000;
            let refunded = i % 9 == 8;
            let (flow, mut update_ts) = if refunded {
                ("REFUND", (pay_ts + 86_400).min(now))
            } else if age_days >= 7 {
                ("SETTLE", pay_ts + 7 * 86_400)
            } else if age_days >= 3 {
                ("CONFIRM", pay_ts + 3 * 86_400)
            } else {
                ("PAY_SUCC", pay_ts)
            };
            update_ts = update_ts.min(now);
            let at = |cond: bool, ts: i64| if cond { format_beijing(ts) } else { String::new() };
            let settled = flow == "SETTLE";
            let id = 4_968_253_612_000_000_000 + (h % 1_000_000) * 1_000 + i as u64;
            let media = ["shop_list", "video", "live", "shop_list"][i % 4];
            let fields = json!({
                "order_id": id.to_string(),
                "product_id": pid.to_string(),
                "product_name": name,
                "product_img": img,
                "author_openid": open_id,
                "total_pay_amount": pay,
                "pay_goods_amount": pay,
                "settled_goods_amount": if settled { pay } else { 0 },
                "commission_rate": rate,
                "estimated_commission": if refunded { 0 } else { estimated },
                "real_commission": if settled { estimated } else { 0 },
                "estimated_total_commission": if refunded { 0 } else { estimated },
                "estimated_tech_service_fee": if refunded { 0 } else { estimated / 10 },
                "item_num": item_num,
                "flow_point": flow,
                "pay_success_time": format_beijing(pay_ts),
                "update_time": format_beijing(update_ts),
                "confirm_time": at(matches!(flow, "CONFIRM" | "SETTLE"), pay_ts + 3 * 86_400),
                "settle_time": at(settled, pay_ts + 7 * 86_400),
                "refund_time": at(refunded, update_ts),
                "media_type": media,
                "pick_source_client_key": super::Sandbox::CLIENT_KEY,
                "pick_extra": if media == "shop_list" { "sandbox" } else { "" },
            });
            if let Value::Object(f) = fields {
                o.extend(f);
            }
            orders.push(SeededOrder { id, pay_ts, update_ts, body: Value::Object(o) });
        }
        self.orders.insert(open_id.to_string(), orders);
    }

    /// A new order of `open_id` (paid now, for the first product of the catalog), as the
    /// order push and `kol_orders` show it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_order(
        &mut self,
        open_id: &str,
        now: i64,
        count: usize,
        seed: u64,
        catalog: &Catalog,
        t: &Templates,
    ) -> Value {
        self.seed_orders(open_id, count, now, seed, catalog, t);
        self.created += 1;
        // Above every seeded id, and 19 digits like the platform's.
        let id = 4_968_253_700_000_000_000 + self.created;
        let mut o = t.order.clone();
        let (pid, name, price) = match catalog.all().first() {
            Some(p) => (p.id, p.title().to_string(), num(p.search.get("price")) as i64),
            None => (id_of(o.get("product_id")).unwrap_or(0), String::new(), 5990),
        };
        let fields = json!({
            "order_id": id.to_string(),
            "product_id": pid.to_string(),
            "product_name": name,
            "author_openid": open_id,
            "total_pay_amount": price,
            "pay_goods_amount": price,
            "item_num": 1,
            "flow_point": "PAY_SUCC",
            "pay_success_time": format_beijing(now),
            "update_time": format_beijing(now),
            "settle_time": "",
            "refund_time": "",
            "confirm_time": "",
        });
        if let Value::Object(f) = fields {
            o.extend(f);
        }
        let body = Value::Object(o);
        if let Some(orders) = self.orders.get_mut(open_id) {
            orders.push(SeededOrder { id, pay_ts: now, update_ts: now, body: body.clone() });
        }
        body
    }

    /// Moves an order to `flow_point` (updated now); its creator and new body, or `None` when
    /// no creator has the order.
    pub(crate) fn set_flow_point(
        &mut self,
        order_id: u64,
        flow_point: &str,
        now: i64,
    ) -> Option<(String, Value)> {
        for (open_id, orders) in &mut self.orders {
            if let Some(o) = orders.iter_mut().find(|o| o.id == order_id) {
                o.update_ts = now;
                if let Value::Object(b) = &mut o.body {
                    b.insert("flow_point".into(), json!(flow_point));
                    b.insert("update_time".into(), json!(format_beijing(now)));
                    let at = match flow_point {
                        "SETTLE" => Some("settle_time"),
                        "REFUND" => Some("refund_time"),
                        "CONFIRM" => Some("confirm_time"),
                        _ => None,
                    };
                    if let Some(field) = at {
                        b.insert(field.into(), json!(format_beijing(now)));
                    }
                }
                return Some((open_id.clone(), o.body.clone()));
            }
        }
        None
    }

    /// One page of `open_id`'s orders (newest first by the chosen time) and the cursor of the
    /// next page, `<unix ms>_<order id>` of the last order served.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn orders_page(
        &mut self,
        open_id: &str,
        req: Params<'_>,
        now: i64,
        count: usize,
        seed: u64,
        catalog: &Catalog,
        t: &Templates,
    ) -> Result<(Vec<Value>, String), Invalid> {
        let start = match req.text("start_time").as_deref() {
            Some(s) => Some(
                parse_beijing(s)
                    .ok_or_else(|| invalid("start_time", format!("`{s}` is not a valid time")))?,
            ),
            None => None,
        };
        let end = match req.text("end_time").as_deref() {
            Some(s) => Some(
                parse_beijing(s).ok_or_else(|| invalid("end_time", format!("`{s}` is not a valid time")))?,
            ),
            None => None,
        };
        if let Some(s) = start {
            if s < now - 90 * 86_400 {
                return Err(invalid("start_time", "must be at most 90 days back"));
            }
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                return Err(invalid("end_time", "must not be before start_time"));
            }
        }
        let by_update = match &req.get::<KolOrderTimeType>("time_type") {
            None | Some(KolOrderTimeType::Pay) => false,
            Some(KolOrderTimeType::Update) => true,
            Some(other) => return Err(invalid("time_type", format!("`{other}` is not pay or update"))),
        };
        let wanted: Option<HashSet<u64>> = match req.text("order_ids").as_deref() {
            Some(list) => Some(
                list.split(',')
                    .map(|s| {
                        s.trim()
                            .parse::<u64>()
                            .map_err(|_| invalid("order_ids", format!("`{s}` is not an order id")))
                    })
                    .collect::<Result<_, _>>()?,
            ),
            None => None,
        };
        let after =
            match req.text("cursor").as_deref().filter(|c| *c != "0") {
                Some(c) => {
                    let parsed = c
                        .split_once('_')
                        .and_then(|(ms, id)| Some((ms.parse::<i64>().ok()?, id.parse::<u64>().ok()?)));
                    Some(parsed.ok_or_else(|| {
                        invalid("cursor", format!("`{c}` is not a cursor this call returned"))
                    })?)
                }
                None => None,
            };
        let size = usize::try_from(req.int("size").unwrap_or(20).clamp(1, 20)).unwrap_or(20);
        self.seed_orders(open_id, count, now, seed, catalog, t);
        let all = self.orders.get(open_id).map(Vec::as_slice).unwrap_or_default();
        let key = |o: &SeededOrder| (if by_update { o.update_ts } else { o.pay_ts } * 1000, o.id);
        let mut hits: Vec<&SeededOrder> = all
            .iter()
            .filter(|o| {
                let ts = key(o).0 / 1000;
                start.is_none_or(|s| ts >= s)
                    && end.is_none_or(|e| ts <= e)
                    && wanted.as_ref().is_none_or(|w| w.contains(&o.id))
                    && after.is_none_or(|a| key(o) < a)
            })
            .collect();
        hits.sort_by_key(|o| std::cmp::Reverse(key(o)));
        hits.truncate(size);
        let cursor = hits.last().map(|o| format!("{}_{}", key(o).0, key(o).1)).unwrap_or_default();
        Ok((hits.into_iter().map(|o| o.body.clone()).collect(), cursor))
    }
}
