//! Links: the creator's product share link (`buyin.kolProductShare`), its 口令 parsed back
//! (`buyin.shareCommandParse`: every link the sandbox issued resolves to its product), the
//! creator's live-room share (`buyin.kolLiveShare`) and an institution's pick-source link
//! (`buyin.instPickSourceConvert`). Products are the sandbox's catalog.

use serde_json::{json, Value};

use super::{example_data, Call, GatewayError};
use crate::catalog::mix;
use crate::params::truthy;
use crate::{lock, Shared};

/// `buyin.kolProductShare`: links for a product of the sandbox's catalog and the creator's
/// PID. The product is the `id=<digits>` of `product_url` (`…/item2?id=3400312511185213726`);
/// the PID must look like one (`dy_` then digits, letters or `_`). Refusals:
/// `40004 isv.parameter-invalid:4102` (PID), `:1056` (no product id in the URL), `:257`
/// (`external_info` not digits, letters and `_`); `50002 isv.business-failed:4399` (a product
/// the catalog does not have, or one that cannot be promoted).
pub(super) fn kol_product_share(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let pid = p.string("pid").unwrap_or_default();
    check_pid(sh, &call, &pid)?;
    let external = p.string("external_info").unwrap_or_default();
    if !external.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(GatewayError::parameter(
            257,
            "参数校验失败: `external_info` may hold only digits, letters and _",
        ));
    }
    let url = p.string("product_url").unwrap_or_default();
    let Some(id) = product_id_in(&url) else {
        return Err(GatewayError::parameter(
            1056,
            format!("无效商品URL: no product id (`id=<digits>`) in `{url}`"),
        ));
    };
    let Some(product) = sh.catalog.get(id) else {
        return Err(GatewayError::business(
            4399,
            format!("商品未参加精选联盟推广: the sandbox's catalog has no product {id}"),
        ));
    };
    if product.detail.get("sharable").or(product.search.get("sharable")).is_some_and(|s| !truthy(Some(s))) {
        return Err(GatewayError::business(
            4399,
            format!("商品未参加精选联盟推广: product {id} cannot be promoted"),
        ));
    }
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    link.append_pair("pid", &pid);
    if !external.is_empty() {
        link.append_pair("external_info", &external);
    }
    let attribution = link.finish();
    // 抖音极速版 (platform 1) opens its own scheme.
    let scheme = if p.int("platform") == Some(1) { "snssdk2329" } else { "snssdk1128" };
    // The short link and 口令 differ per product, PID and creator.
    let who = call.grant.as_ref().map_or("", |g| g.authority_id.as_str());
    let text_hash = |t: &str| t.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let seed = mix(id ^ mix(text_hash(&pid) ^ mix(text_hash(who))));
    let short = format!("https://v.douyin.com/sbx{:x}/", seed >> 16);
    lock(&sh.gateway).links.insert(short.clone(), id);
    let mut data = example_data(sh, call.ep);
    data.insert(
        "dy_password".into(),
        json!(format!(
            "{}.{:02} 复制打开抖音，看看【{}】 {short}",
            seed % 9 + 1,
            (seed >> 8) % 100,
            product.title()
        )),
    );
    data.insert(
        "dy_deeplink".into(),
        json!(format!("{scheme}://ec_goods_detail?promotion_id={id}&{attribution}")),
    );
    data.remove("share_link");
    data.remove("qr_code");
    if p.boolean("need_share_link") == Some(true) {
        data.insert(
            "share_link".into(),
            json!(format!("https://haohuo.jinritemai.com/views/product/item2?id={id}&{attribution}")),
        );
    }
    if p.boolean("need_qr_code") == Some(true) {
        data.insert(
            "qr_code".into(),
            json!({"url": format!("https://example.com/sandbox/qr/{id}-{:x}.png", seed >> 16), "width": 430, "height": 430}),
        );
    }
    Ok(Value::Object(data))
}

/// `buyin.shareCommandParse`: the product a 口令 points at: a short link the sandbox issued
/// (`https://v.douyin.com/sbx…/` in the text), else a product URL's `id=`. Refusals:
/// `40004 isv.parameter-invalid:257` (no 口令 the sandbox can read), `50002
/// isv.business-failed:4399` (a product the catalog does not have).
pub(super) fn share_command_parse(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let command = call.params.string("command").unwrap_or_default();
    let issued = command
        .split_whitespace()
        .filter(|w| w.starts_with("https://v.douyin.com/"))
        .find_map(|w| lock(&sh.gateway).links.get(w).copied());
    let Some(id) = issued.or_else(|| product_id_in(&command)) else {
        return Err(GatewayError::parameter(
            257,
            "口令无效: neither a link the sandbox issued nor a product URL",
        ));
    };
    let Some(product) = sh.catalog.get(id) else {
        return Err(GatewayError::business(
            4399,
            format!("商品未参加精选联盟推广: the sandbox's catalog has no product {id}"),
        ));
    };
    let mut data = example_data(sh, call.ep);
    let mut info = data.get("product_info").and_then(Value::as_object).cloned().unwrap_or_default();
    for (k, v) in &product.search {
        if info.contains_key(k) {
            info.insert(k.clone(), v.clone());
        }
    }
    info.insert("product_id".into(), json!(id));
    if info.contains_key("promotable") {
        info.insert("promotable".into(), json!(truthy(product.search.get("sharable"))));
    }
    data.insert("product_info".into(), Value::Object(info));
    Ok(Value::Object(data))
}

/// `buyin.kolLiveShare`: the creator's live-room share material for a PID
/// (`pid_info.pid`; `isv.parameter-invalid:4102` when it is not one). The sandbox's creators
/// are always live.
pub(super) fn kol_live_share(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let pid =
        p.raw("pid_info").and_then(|i| i.get("pid")).and_then(Value::as_str).unwrap_or_default().to_string();
    check_pid(sh, &call, &pid)?;
    let who = call.grant.as_ref().map_or("", |g| g.authority_id.as_str());
    let text_hash = |t: &str| t.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let seed = mix(text_hash(&pid) ^ mix(text_hash(who)));
    let scheme = if p.int("platform") == Some(1) { "snssdk2329" } else { "snssdk1128" };
    let mut data = example_data(sh, call.ep);
    let mut material = data.get("data").and_then(Value::as_object).cloned().unwrap_or_default();
    material.insert(
        "dy_password".into(),
        json!(format!(
            "{}.{:02} 复制打开抖音，进入直播间 https://v.douyin.com/sbl{:x}/",
            seed % 9 + 1,
            (seed >> 8) % 100,
            seed >> 16
        )),
    );
    material.insert(
        "dy_deeplink".into(),
        json!(format!("{scheme}://live?room_id={}&pid={pid}", seed % 10_000_000_000)),
    );
    material.insert("dy_zlink".into(), json!(format!("https://z.douyin.com/sbl{:x}", seed >> 20)));
    if p.boolean("need_qr_code") == Some(true) {
        material.insert(
            "qr_code".into(),
            json!({"url": format!("https://example.com/sandbox/qr/live-{:x}.png", seed >> 16), "width": 430, "height": 430}),
        );
    } else {
        material.remove("qr_code");
    }
    data.insert("data".into(), Value::Object(material));
    Ok(Value::Object(data))
}

/// `buyin.instPickSourceConvert`: the product URL with the institution's `pick_source` (valid
/// three months), for a product of the catalog (`isv.parameter-invalid:1056` for a URL
/// without one). The answer carries it in `data.product_url` and in `data.data.product_url`,
/// both places the sources read.
pub(super) fn inst_pick_source_convert(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let url = call.params.string("product_url").unwrap_or_default();
    let Some(id) = product_id_in(&url).filter(|id| sh.catalog.get(*id).is_some()) else {
        return Err(GatewayError::parameter(
            1056,
            format!("无效商品URL: no product of the catalog in `{url}`"),
        ));
    };
    let who = call.grant.as_ref().map_or("", |g| g.authority_id.as_str());
    let source = mix(id ^ who.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))));
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("id", &id.to_string());
    query.append_pair("pick_source", &format!("v.sbx{:x}", source >> 24));
    if let Some(extra) = call.params.text("pick_extra") {
        query.append_pair("pick_extra", &extra);
    }
    let link = format!("https://haohuo.jinritemai.com/views/product/item2?{}", query.finish());
    let mut data = example_data(sh, call.ep);
    data.insert("product_url".into(), json!(link));
    if let Some(Value::Object(inner)) = data.get_mut("data") {
        inner.insert("product_url".into(), json!(link));
    }
    Ok(Value::Object(data))
}

/// `isv.parameter-invalid:4102` unless `pid` looks like a PID and is not one the sandbox made
/// for another subject.
fn check_pid(sh: &Shared, call: &Call<'_>, pid: &str) -> Result<(), GatewayError> {
    let who = call.grant.as_ref().map_or("", |g| g.authority_id.as_str());
    if !looks_like_pid(pid) {
        return Err(GatewayError::parameter(4102, format!("无效PID: `{pid}` is not a PID (dy_…)")));
    }
    if lock(&sh.gateway).pids.belongs_to_another(who, pid) {
        return Err(GatewayError::parameter(4102, format!("无效PID: `{pid}` is another account's PID")));
    }
    Ok(())
}

/// `dy_` followed by digits, letters or `_` (PIDs look like `dy_<digits>_<digits>_<digits>`).
fn looks_like_pid(pid: &str) -> bool {
    pid.strip_prefix("dy_")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

/// The product id of a product URL: the digits after `id=` that starts the query or follows a
/// `&` (not `promotion_id=`), anywhere in the text (a 抖口令 carries its URL).
fn product_id_in(text: &str) -> Option<u64> {
    let mut from = 0;
    while let Some(found) = text.get(from..)?.find("id=") {
        let start = from + found;
        let digits: String =
            text.get(start + 3..).unwrap_or_default().chars().take_while(char::is_ascii_digit).collect();
        if matches!(text.get(..start).and_then(|t| t.chars().next_back()), Some('?' | '&'))
            && !digits.is_empty()
        {
            if let Ok(id) = digits.parse() {
                return Some(id);
            }
        }
        from = start + 3;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_id_comes_from_the_url_query() {
        let url = "https://haohuo.jinritemai.com/views/product/item2?id=3400312511185213726&pick_source=v.x";
        assert_eq!(product_id_in(url), Some(3_400_312_511_185_213_726));
        assert_eq!(product_id_in("看看【x】 https://a.b/c?origin=1&id=42 复制"), Some(42));
        assert_eq!(product_id_in("snssdk1128://ec_goods_detail?promotion_id=42"), None);
        assert_eq!(product_id_in("https://a.b/c?id=abc"), None);
        assert_eq!(product_id_in("https://v.douyin.com/iRNBho6u/"), None);
        assert_eq!(product_id_in("?id=99999999999999999999999"), None);
    }

    #[test]
    fn pids_start_with_dy() {
        assert!(looks_like_pid("dy_107275124545117584_21312_1660100313"));
        for bad in ["", "dy_", "xy_1", "dy_1-2", "DY_1"] {
            assert!(!looks_like_pid(bad), "{bad}");
        }
    }
}
