//! The spec's example answers, and the product catalog built from them: the products of the
//! `kol_materials_products_search` / `kol_materials_products_details` examples plus seeded
//! ones cut from the same templates.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use douyin_alliance::types::{ProductSearchType, ProductSortType, ShareStatusFilter};

use crate::params::{id_of, num, truthy, Params};
use crate::spec;

/// The example answer of every endpoint that has one, parsed.
#[derive(Debug, Default)]
pub(crate) struct Examples {
    by_name: HashMap<&'static str, Value>,
}

impl Examples {
    pub(crate) fn from_spec(model: &'static spec::Model) -> Self {
        let mut by_name = HashMap::new();
        for ep in &model.endpoints {
            let Some(text) = &ep.example else { continue };
            match serde_json::from_str::<Value>(text) {
                Ok(v) => {
                    by_name.insert(ep.name.as_str(), v);
                }
                Err(e) => {
                    tracing::warn!(endpoint = ep.name, error = %e, "the spec's example answer is not JSON; serving a bare envelope")
                }
            }
        }
        Examples { by_name }
    }

    /// The whole example body of `endpoint`.
    pub(crate) fn body(&self, endpoint: &str) -> Option<&Value> {
        self.by_name.get(endpoint)
    }

    /// The array `data.<field>` of `endpoint`'s example.
    fn list(&self, endpoint: &str, field: &str) -> Vec<Value> {
        self.body(endpoint)
            .and_then(|b| b.get("data"))
            .and_then(|d| d.get(field))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// The first object of `data.<field>` of `endpoint`'s example, as a template.
    pub(crate) fn template(&self, endpoint: &str, field: &str) -> Map<String, Value> {
        self.list(endpoint, field).into_iter().find_map(|v| v.as_object().cloned()).unwrap_or_default()
    }
}

/// SplitMix64: a small deterministic generator for seeded data.
pub(crate) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One product: its search-result form and its details form.
#[derive(Debug, Clone)]
pub(crate) struct Product {
    pub id: u64,
    pub search: Map<String, Value>,
    pub detail: Map<String, Value>,
}

impl Product {
    pub(crate) fn title(&self) -> &str {
        self.search.get("title").and_then(Value::as_str).unwrap_or_default()
    }
}

const SEED_BASE: u64 = 3_450_632_721_380_000_016;
const CLOTHING: [&str; 6] =
    ["纯棉圆领短袖T恤", "高腰直筒牛仔裤", "加绒连帽卫衣", "轻薄羽绒服", "运动速干袜 5双装", "真丝睡衣套装"];
const CARE: [&str; 6] = [
    "清爽防晒霜 SPF50+",
    "薰衣草洗衣液 2kg",
    "竹纤维抹布 10条装",
    "美白牙膏 120g",
    "氨基酸洗发水 500ml",
    "抽纸 24包整箱",
];
const SHOPS: [&str; 3] = ["示例小店", "沙盒旗舰店", "测试优选"];

/// Every product the sandbox knows.
#[derive(Debug, Default)]
pub(crate) struct Catalog {
    products: Vec<Product>,
    index: HashMap<u64, usize>,
}

impl Catalog {
    pub(crate) fn build(examples: &Examples, seeded: usize, seed: u64) -> Self {
        let mut c = Catalog::default();
        let search_tpl = examples.template("kol_materials_products_search", "products");
        let detail_tpl = examples.template("kol_materials_products_details", "products");
        let mut details: HashMap<u64, Map<String, Value>> = HashMap::new();
        for d in examples.list("kol_materials_products_details", "products") {
            if let (Some(id), Value::Object(m)) = (id_of(d.get("product_id")), d) {
                details.insert(id, m);
            }
        }
        for s in examples.list("kol_materials_products_search", "products") {
            if let (Some(id), Value::Object(search)) = (id_of(s.get("product_id")), s) {
                let detail = details.remove(&id).unwrap_or_else(|| overlay(&detail_tpl, &search));
                c.insert(Product { id, search, detail });
            }
        }
        for (id, detail) in details {
            let search = overlay(&search_tpl, &detail);
            c.insert(Product { id, search, detail });
        }
        let categories: Vec<(i64, String)> = examples
            .list("materials_product_category", "category_list")
            .iter()
            .filter_map(|v| Some((v.get("id")?.as_i64()?, v.get("name")?.as_str()?.to_string())))
            .collect();
        for i in 0..seeded {
            let p = seeded_product(i, seed, &search_tpl, &detail_tpl, &categories);
            c.insert(p);
        }
        c
    }

    fn insert(&mut self, p: Product) {
        if self.index.contains_key(&p.id) {
            return;
        }
        self.index.insert(p.id, self.products.len());
        self.products.push(p);
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Product> {
        self.index.get(&id).map(|i| &self.products[*i])
    }

    pub(crate) fn all(&self) -> &[Product] {
        &self.products
    }

    /// One page of a search: the total number of matches and this page's products.
    pub(crate) fn search(&self, r: Params<'_>) -> (usize, Vec<Value>) {
        let in_list = |name: &str, v: &Value| {
            let list: Vec<i64> = r.get(name).unwrap_or_default();
            list.is_empty() || list.contains(&(num(Some(v)) as i64))
        };
        let range = |v: f64, min: &str, max: &str| {
            r.int(min).is_none_or(|m| v >= m as f64) && r.int(max).is_none_or(|m| v <= m as f64)
        };
        let title = r.text("title").map(|t| t.to_lowercase());
        let sharable_only =
            r.get::<ShareStatusFilter>("share_status") == Some(ShareStatusFilter::SharableOnly);
        let mut hits: Vec<&Map<String, Value>> = self
            .products
            .iter()
            .map(|p| &p.search)
            .filter(|s| {
                let get = |k: &str| s.get(k).unwrap_or(&Value::Null);
                title.as_ref().is_none_or(|t| get("title").as_str().unwrap_or_default().to_lowercase().contains(t))
                    && in_list("first_cids", get("first_cid"))
                    && in_list("second_cids", get("second_cid"))
                    && in_list("third_cids", get("third_cid"))
                    && range(num(Some(get("price"))), "price_min", "price_max")
                    && range(num(Some(get("sales"))), "sell_num_min", "sell_num_max")
                    && range(num(Some(get("cos_fee"))), "cos_fee_min", "cos_fee_max")
                    // The filter is ratio x 100, the product's `cos_ratio` a percent.
                    && range(num(Some(get("cos_ratio"))) * 100.0, "cos_ratio_min", "cos_ratio_max")
                    && (!sharable_only || truthy(s.get("sharable")))
            })
            .collect();
        let key = match r.get::<ProductSearchType>("search_type") {
            Some(ProductSearchType::Sales) => Some("sales"),
            Some(ProductSearchType::Price) => Some("price"),
            Some(ProductSearchType::CommissionAmount) => Some("cos_fee"),
            Some(ProductSearchType::CommissionRatio) => Some("cos_ratio"),
            _ => None,
        };
        if let Some(k) = key {
            hits.sort_by(|a, b| num(a.get(k)).total_cmp(&num(b.get(k))));
            if r.get::<ProductSortType>("sort_type") == Some(ProductSortType::Descending) {
                hits.reverse();
            }
        }
        let total = hits.len();
        let size = usize::try_from(r.int("page_size").unwrap_or(20).max(1)).unwrap_or(1);
        let skip = usize::try_from(r.int("page").unwrap_or(1).max(1) - 1).unwrap_or(0).saturating_mul(size);
        let page = hits.into_iter().skip(skip).take(size).map(|m| Value::Object(m.clone())).collect();
        (total, page)
    }
}

/// `base` with the fields of `over` that `base` also has.
pub(crate) fn overlay(base: &Map<String, Value>, over: &Map<String, Value>) -> Map<String, Value> {
    let mut out = base.clone();
    for (k, v) in over {
        if out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

fn seeded_product(
    i: usize,
    seed: u64,
    search_tpl: &Map<String, Value>,
    detail_tpl: &Map<String, Value>,
    categories: &[(i64, String)],
) -> Product {
    let r = mix(seed ^ (i as u64).wrapping_mul(0x100_0001));
    let id = SEED_BASE + i as u64 * 1000;
    let names = if i % 2 == 0 { CLOTHING } else { CARE };
    let mut title = names[(i / 2) % names.len()].to_string();
    if i >= 2 * names.len() {
        title.push_str(&format!(" 第{}款", i / (2 * names.len()) + 1));
    }
    let (first_cid, category_name) = match categories.get(i % categories.len().max(1)) {
        Some((id, name)) => (*id, name.clone()),
        None => (num(search_tpl.get("first_cid")) as i64, String::new()),
    };
    let second_cid = first_cid * 10 + (i % 3) as i64 + 1;
    let third_cid = second_cid * 10 + (i % 2) as i64 + 1;
    let price = 990 + (r % 290) as i64 * 100; // 9.90 .. 298.90 yuan
    let cos_ratio = 5.0 + (r >> 16) as f64 % 31.0 + if (r >> 8) % 2 == 0 { 0.0 } else { 0.5 };
    let cos_fee = (price as f64 * cos_ratio / 100.0).round() as i64;
    let sales = (r >> 24) % 50_000;
    let sharable = i % 6 != 5;
    let shop = SHOPS[i % SHOPS.len()];
    let shop_id = 100_000 + (i % SHOPS.len()) as u64;
    let fields = json!({
        "product_id": id,
        "title": title,
        "price": price,
        "coupon_price": price - price / 10,
        "cos_ratio": cos_ratio,
        "cos_fee": cos_fee,
        "kol_cos_ratio": cos_ratio,
        "kol_cos_fee": cos_fee,
        "first_cid": first_cid,
        "second_cid": second_cid,
        "third_cid": third_cid,
        "in_stock": i % 5 != 4,
        "sales": sales,
        "cover": format!("https://example.com/sandbox/{id}/cover.webp"),
        "imgs": [format!("https://example.com/sandbox/{id}/1.webp"), format!("https://example.com/sandbox/{id}/2.webp")],
        "detail_url": format!("https://haohuo.jinritemai.com/views/product/item2?id={id}"),
        "shop_id": shop_id,
        "shop_name": shop,
        "sharable": sharable,
        "category_id": third_cid,
        "category_name": category_name,
        "order_num": sales / 12,
        "comment_num": sales / 20,
        "comment_score": 4.0 + (r % 10) as f64 / 10.0,
    });
    let fields = fields.as_object().cloned().unwrap_or_default();
    let mut search = overlay(search_tpl, &fields);
    let mut detail = overlay(detail_tpl, &fields);
    // Templates may lack a field the sandbox needs to work with.
    for (k, v) in [("product_id", json!(id)), ("title", fields["title"].clone())] {
        search.insert(k.into(), v.clone());
        detail.insert(k.into(), v);
    }
    Product { id, search, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_holds_the_spec_products_and_the_seeded_ones() {
        let ex = Examples::from_spec(spec::model().unwrap());
        let c = Catalog::build(&ex, 12, 1);
        let example_id =
            id_of(ex.template("kol_materials_products_search", "products").get("product_id")).unwrap();
        assert!(c.get(example_id).is_some());
        assert_eq!(c.all().len(), 13);
        let seeded = &c.all()[1];
        assert_eq!(id_of(seeded.search.get("product_id")), Some(seeded.id));
        assert_eq!(id_of(seeded.detail.get("product_id")), Some(seeded.id));
        // Same seed, same data.
        let again = Catalog::build(&ex, 12, 1);
        assert_eq!(again.all()[5].search, c.all()[5].search);
    }

    #[test]
    fn search_filters_sorts_and_pages() {
        let c = Catalog::build(&Examples::from_spec(spec::model().unwrap()), 12, 1);
        let search = |v: Value| c.search(Params(v.as_object().unwrap()));
        let (total, page) = search(json!({"page": 1, "page_size": 5}));
        assert_eq!((total, page.len()), (13, 5));
        assert_eq!(search(json!({"page": 3, "page_size": 5})).1.len(), 3);
        let by_price = json!({"page": 1, "page_size": 20, "search_type": 2, "sort_type": 1});
        let prices: Vec<f64> = search(by_price).1.iter().map(|p| num(p.get("price"))).collect();
        assert!(prices.windows(2).all(|w| w[0] >= w[1]), "{prices:?}");
        assert_eq!(search(json!({"page": 1, "page_size": 20, "title": "T恤"})).0, 1);
    }
}
