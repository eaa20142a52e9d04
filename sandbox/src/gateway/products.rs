//! The gateway's product data, from the sandbox's catalog (the same products the first
//! family's material search finds): `buyin.kolMaterialsProductsSearch` and
//! `alliance.materialsProductsSearch` (the catalog's search: filters, sort, a page with the
//! total), and the detail methods (`buyin.kolMaterialsProductsDetails`,
//! `alliance.materialsProductsDetails`, `buyin.productsDetail`: the products of `product_ids`
//! the catalog has, in the order asked). Each item is the example's first item with the
//! catalog's values for the fields both have.

use serde_json::{json, Map, Value};

use super::page::PageShape;
use super::{example_data, Call, GatewayError};
use crate::catalog::overlay;
use crate::Shared;

/// The first item of `data.<list>` of the example, as the template of every item.
fn template(data: &Map<String, Value>, list: &str) -> Map<String, Value> {
    data.get(list)
        .and_then(Value::as_array)
        .and_then(|items| items.iter().find_map(|v| v.as_object().cloned()))
        .unwrap_or_default()
}

/// The search methods.
pub(super) fn search(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let shape =
        PageShape::of(call.ep).ok_or_else(|| GatewayError::api_off("the spec gives this method no page"))?;
    let data = example_data(sh, call.ep);
    let template = shape.item_template(&data);
    let (total, found) = sh.catalog.search(call.params);
    let items = found
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            let mut m = overlay(&template, p);
            m.insert("product_id".into(), p.get("product_id").cloned().unwrap_or(json!(0)));
            Value::Object(m)
        })
        .collect();
    Ok(shape.answer(data, items, total, None))
}

/// The detail methods: `products` (and `total` where the method has it).
pub(super) fn details(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let mut data = example_data(sh, call.ep);
    let template = template(&data, "products");
    let products: Vec<Value> = call
        .params
        .ids("product_ids")
        .into_iter()
        .filter_map(|id| sh.catalog.get(id))
        .map(|p| {
            let fill = |t: &Map<String, Value>| {
                let mut m = overlay(&overlay(t, &p.search), &p.detail);
                if m.contains_key("product_id") || t.is_empty() {
                    m.insert("product_id".into(), json!(p.id));
                }
                m
            };
            // `buyin.productsDetail` nests its blocks (`base_info`, …): each is filled alike.
            let mut m = fill(&template);
            for v in m.values_mut() {
                if let Value::Object(block) = v {
                    *block = fill(block);
                }
            }
            Value::Object(m)
        })
        .collect();
    if data.contains_key("total") {
        data.insert("total".into(), json!(products.len()));
    }
    data.insert("products".into(), Value::Array(products));
    Ok(Value::Object(data))
}
