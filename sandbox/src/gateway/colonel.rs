//! Colonel (团长) activities, per colonel: created and edited with
//! `alliance.colonelActivityCreateOrUpdate`, listed (`alliance.instituteColonelActivityList`,
//! with the status the dates and the `online` flag give), read one at a time
//! (`buyin.colonelActivityDetail`), and their products: the sandbox's catalog, as the merchants'
//! applications to the activity (`alliance.colonelActivityProduct` in page or cursor mode,
//! `buyin.activityProductList`). An activity belongs to the colonel whose token made it.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::page::{by_cursor, by_number, PageShape};
use super::{example_data, Call, GatewayError};
use crate::catalog::{mix, overlay, Product};
use crate::clock::parse_beijing;
use crate::{lock, Shared};

/// Every colonel's activities, oldest first.
#[derive(Default)]
pub(crate) struct Activities {
    by_colonel: HashMap<String, Vec<Activity>>,
    made: u64,
}

#[derive(Clone)]
struct Activity {
    id: u64,
    /// The fields as last sent (create, then each edit over it).
    fields: Map<String, Value>,
    created: i64,
}

impl Activity {
    fn text(&self, key: &str) -> String {
        match self.fields.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        }
    }

    /// The list's status: 1 未上线, 2 报名未开始, 3 报名中, 4 推广未开始, 5 推广中, 7 报名结束.
    fn status(&self, now: i64) -> i64 {
        if self.fields.get("online").and_then(Value::as_bool) != Some(true) {
            return 1;
        }
        let at = |k: &str| parse_beijing(&self.text(k));
        match (at("apply_start_time"), at("apply_end_time"), at("promote_start_time"), at("promote_end_time"))
        {
            (Some(s), _, _, _) if now < s => 2,
            (_, Some(e), _, _) if now <= e => 3,
            (_, _, Some(ps), _) if now < ps => 4,
            (_, _, Some(_), Some(pe)) if now <= pe => 5,
            _ => 7,
        }
    }
}

/// The colonel a call acts for, and its id as a number (ids in the answers are numbers).
fn colonel(call: &Call<'_>) -> (String, u64) {
    let id = call.grant.as_ref().map(|g| g.authority_id.clone()).unwrap_or_default();
    let n = id.parse().unwrap_or(0);
    (id, n)
}

fn no_such(id: u64) -> GatewayError {
    GatewayError::business(4131, format!("活动不存在: activity {id} is not one of this colonel's"))
}

/// `alliance.colonelActivityCreateOrUpdate`: a new activity, or (with `activity_id`) an edit of
/// one of the colonel's.
pub(super) fn create_or_update(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let (who, who_n) = colonel(&call);
    let now = sh.clock.unix_secs();
    let mut state = lock(&sh.gateway);
    let book = &mut state.activities;
    let id = match call.params.id("activity_id") {
        Some(id) => {
            let a =
                book.by_colonel.entry(who).or_default().iter_mut().find(|a| a.id == id).ok_or(no_such(id))?;
            for (k, v) in call.params.0 {
                a.fields.insert(k.clone(), v.clone());
            }
            id
        }
        None => {
            book.made += 1;
            let id = 3_558_000 + book.made;
            let fields = call.params.0.clone();
            book.by_colonel.entry(who).or_default().push(Activity { id, fields, created: now });
            id
        }
    };
    let mut data = example_data(sh, call.ep);
    data.insert("institution_id".into(), json!(who_n));
    data.insert("activity_id".into(), json!(id));
    Ok(Value::Object(data))
}

/// `alliance.instituteColonelActivityList`: the colonel's activities of a status (0: any), by
/// id or a name substring (`activity_info`), sorted by creation (0) or the application's start
/// (1) or end (2), ascending (0) or descending (1), a page at a time with the total.
pub(super) fn list(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let (who, who_n) = colonel(&call);
    let shape =
        PageShape::of(call.ep).ok_or_else(|| GatewayError::api_off("the spec gives this method no page"))?;
    let mut data = example_data(sh, call.ep);
    let template = shape.item_template(&data);
    let now = sh.clock.unix_secs();
    let state = lock(&sh.gateway);
    let status = p.int("status").unwrap_or(0);
    let info = p.text("activity_info");
    let mut hits: Vec<&Activity> = state
        .activities
        .by_colonel
        .get(&who)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|a| status == 0 || a.status(now) == status)
        .filter(|a| {
            info.as_ref()
                .is_none_or(|q| a.id.to_string() == *q || a.text("activity_name").contains(q.as_str()))
        })
        .collect();
    let key = |a: &Activity| match p.int("search_type") {
        Some(1) => parse_beijing(&a.text("apply_start_time")).unwrap_or(0),
        Some(2) => parse_beijing(&a.text("apply_end_time")).unwrap_or(0),
        _ => a.created * 1_000_000 + a.id as i64 % 1_000_000,
    };
    hits.sort_by_key(|a| key(a));
    if p.int("sort_type") == Some(1) {
        hits.reverse();
    }
    let size = p.int("page_size").unwrap_or(20);
    let items = by_number(&hits, p.int("page"), size)
        .into_iter()
        .map(|a| {
            let mut m = template.clone();
            for (k, v) in [
                ("activity_id", json!(a.id)),
                ("activity_name", json!(a.text("activity_name"))),
                ("activity_start_time", json!(a.text("promote_start_time"))),
                ("activity_end_time", json!(a.text("promote_end_time"))),
                ("status", json!(a.status(now))),
                ("application_start_time", json!(a.text("apply_start_time"))),
                ("application_end_time", json!(a.text("apply_end_time"))),
            ] {
                m.insert(k.into(), v);
            }
            Value::Object(m)
        })
        .collect();
    data.insert("institution_id".into(), json!(who_n));
    data.insert("colonel_buyin_id".into(), json!(who_n));
    Ok(shape.answer(data, items, hits.len(), None))
}

/// The colonel's activity `activity_id` of the call.
fn activity(sh: &Shared, call: &Call<'_>) -> Result<Activity, GatewayError> {
    let (who, _) = colonel(call);
    let id = call.params.id("activity_id").unwrap_or(0);
    let state = lock(&sh.gateway);
    state
        .activities
        .by_colonel
        .get(&who)
        .and_then(|all| all.iter().find(|a| a.id == id))
        .cloned()
        .ok_or(no_such(id))
}

/// `buyin.colonelActivityDetail`: one of the colonel's activities, as it was sent.
pub(super) fn detail(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let a = activity(sh, &call)?;
    let (_, who_n) = colonel(&call);
    let mut data = example_data(sh, call.ep);
    for key in data.keys().cloned().collect::<Vec<_>>() {
        if let Some(v) = a.fields.get(&key) {
            data.insert(key, v.clone());
        }
    }
    data.insert("activity_id".into(), json!(a.id));
    data.insert("institution_id".into(), json!(who_n));
    data.insert("colonel_buyin_id".into(), json!(who_n));
    Ok(Value::Object(data))
}

/// The products applied to activity `a`: every other product of the catalog, chosen by the
/// activity's id (the same products on every call).
fn applied<'s>(sh: &'s Shared, a: &Activity) -> Vec<&'s Product> {
    sh.catalog.all().iter().filter(|p| mix(p.id ^ a.id) % 2 == 0).collect()
}

/// A catalog product as an item of `template`, with the activity's rates.
fn applied_item(template: &Map<String, Value>, p: &Product, a: &Activity) -> Value {
    let mut m = overlay(template, &p.search);
    let rate: f64 = a.text("commission_rate").parse().unwrap_or(0.0);
    for (k, v) in [
        ("product_id", json!(p.id)),
        ("product_name", json!(p.title())),
        ("product_price", p.search.get("price").cloned().unwrap_or(json!(0))),
        ("product_img", p.search.get("cover").cloned().unwrap_or(json!(""))),
        // 1000 = 10%; the activity's commission rate is ×100 (10 = 10%).
        ("activity_cos_ratio", json!(rate * 100.0)),
        ("commission_rate", json!((rate * 100.0) as i64)),
        ("status", json!(1)),
        ("apply_id", json!(mix(p.id ^ a.id) % 1_000_000_000_000)),
        ("origin_activity_id", json!(a.id)),
        ("origin_activity_name", json!(a.text("activity_name"))),
    ] {
        if m.contains_key(k) {
            m.insert(k.into(), v);
        }
    }
    Value::Object(m)
}

/// `alliance.colonelActivityProduct`: the activity's products, by page (`page` + `count`, with
/// `total`) or, with `retrieve_mode: 1`, by cursor (`cursor` → `next_cursor`, no total).
pub(super) fn products(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let a = activity(sh, &call)?;
    let (_, who_n) = colonel(&call);
    let p = call.params;
    let shape =
        PageShape::of(call.ep).ok_or_else(|| GatewayError::api_off("the spec gives this method no page"))?;
    let mut data = example_data(sh, call.ep);
    let template = shape.item_template(&data);
    let all = applied(sh, &a);
    let count = p.int("count").unwrap_or(20);
    data.insert("institution_id".into(), json!(who_n));
    if p.int("retrieve_mode") == Some(1) {
        let (page, next) = by_cursor(&all, p.string("cursor").as_deref(), count);
        data.remove("total");
        let items = page.into_iter().map(|x| applied_item(&template, x, &a)).collect();
        return Ok(shape.answer(data, items, all.len(), Some(next)));
    }
    let items =
        by_number(&all, p.int("page"), count).into_iter().map(|x| applied_item(&template, x, &a)).collect();
    data.insert("total".into(), json!(all.len()));
    Ok(shape.answer(data, items, all.len(), Some(String::new())))
}

/// `buyin.activityProductList`: the activity's products, a page (`page` + `size`) at a time.
pub(super) fn product_list(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let a = activity(sh, &call)?;
    let p = call.params;
    let shape =
        PageShape::of(call.ep).ok_or_else(|| GatewayError::api_off("the spec gives this method no page"))?;
    let data = example_data(sh, call.ep);
    let template = shape.item_template(&data);
    let all = applied(sh, &a);
    let items = by_number(&all, p.int("page"), p.int("size").unwrap_or(20))
        .into_iter()
        .map(|x| applied_item(&template, x, &a))
        .collect();
    Ok(shape.answer(data, items, all.len(), None))
}
