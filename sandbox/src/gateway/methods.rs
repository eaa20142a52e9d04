//! The gateway's stateful methods (the [`super::STATEFUL`] table): tokens, and the creator's
//! product share link. Each answer starts from the `data` of the spec's example, so fields the
//! spec adds carry over.

use serde_json::{json, Map, Value};

use super::tokens::{Grant, Issued, SUBJECT_TYPES};
use super::{Call, GatewayError};
use crate::catalog::mix;
use crate::params::truthy;
use crate::spec::Endpoint;
use crate::{lock, Shared};

/// The `data` object of `ep`'s example answer.
fn example_data(sh: &Shared, ep: &Endpoint) -> Map<String, Value> {
    sh.examples
        .body(&ep.name)
        .and_then(|b| b.get("data"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `token.create`: `authorization_code` with a code of [`crate::Sandbox::doudian_code`], or
/// `authorization_self` with `shop_id` (a shop), or `auth_id` with `auth_subject_type`
/// (`Colonel`, `MCN`: an institution, `DouKe`).
pub(super) fn token_create(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let now = sh.clock.now();
    let grant_type = p.string("grant_type").unwrap_or_default();
    let issued = match grant_type.as_str() {
        "authorization_code" => {
            let code = p.text("code").ok_or_else(|| {
                GatewayError::token_generate("code-invalid", "code无效: authorization_code needs the `code`")
            })?;
            lock(&sh.doudian).exchange_code(&code, now)?
        }
        "authorization_self" => {
            let grant = self_grant(call.params)?;
            lock(&sh.doudian).issue(grant, now)
        }
        other => {
            return Err(GatewayError::token_generate(
                "grant-type-invalid",
                format!("grant_type错误: `{other}` is not authorization_code or authorization_self"),
            ))
        }
    };
    Ok(token_data(sh, call.ep, &issued))
}

/// The subject of a self-built app's `token.create`: `auth_id` with `auth_subject_type` (it
/// replaces `shop_id`), else `shop_id`.
fn self_grant(p: crate::params::Params<'_>) -> Result<Grant, GatewayError> {
    if let Some(auth_id) = p.text("auth_id") {
        let Some(kind) = p.text("auth_subject_type") else {
            return Err(GatewayError::parameter(
                257,
                "参数校验失败: `auth_subject_type` is required with `auth_id`",
            ));
        };
        let Some((_, authority)) = SUBJECT_TYPES.iter().find(|(t, _)| *t == kind) else {
            let known: Vec<&str> = SUBJECT_TYPES.iter().map(|(t, _)| *t).collect();
            return Err(GatewayError::token_generate(
                "no-authorization",
                format!(
                    "没有授权: the sandbox authorizes no `{kind}` subjects (auth_subject_type is one of {})",
                    known.join(", ")
                ),
            ));
        };
        return Ok(Grant { authority: *authority, authority_id: auth_id, shop: None });
    }
    match p.id("shop_id") {
        Some(shop_id) => Ok(Grant::shop(shop_id)),
        None => Err(GatewayError::parameter(
            257,
            "参数校验失败: authorization_self needs `shop_id`, or `auth_id` with `auth_subject_type`",
        )),
    }
}

/// `token.refresh` by the rule of doudian-facts §3.4 (see [`super::tokens`]).
pub(super) fn token_refresh(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let grant_type = p.string("grant_type").unwrap_or_default();
    if grant_type != "refresh_token" {
        return Err(GatewayError::token_generate(
            "grant-type-invalid",
            format!("grant_type错误: token.refresh takes `refresh_token`, got `{grant_type}`"),
        ));
    }
    let refresh = p.string("refresh_token").unwrap_or_default();
    let issued = lock(&sh.doudian).refresh(&refresh, sh.clock.now())?;
    Ok(token_data(sh, call.ep, &issued))
}

/// `DoudianTokenData` of `issued`.
fn token_data(sh: &Shared, ep: &Endpoint, issued: &Issued) -> Value {
    let mut data = example_data(sh, ep);
    let g = &issued.grant;
    for (k, v) in [
        ("access_token", json!(issued.access_token)),
        ("expires_in", json!(issued.expires_in)),
        ("refresh_token", json!(issued.refresh_token)),
        ("authority_id", json!(g.authority_id)),
        ("auth_subject_type", json!(g.subject_type())),
    ] {
        data.insert(k.into(), v);
    }
    match &g.shop {
        Some((id, name)) => {
            data.insert("shop_id".into(), json!(id));
            data.insert("shop_name".into(), json!(name));
        }
        None => {
            for k in ["shop_id", "shop_name", "shop_biz_type"] {
                data.remove(k);
            }
        }
    }
    Value::Object(data)
}

/// `buyin.kolProductShare`: links for a product of the sandbox's catalog and the creator's
/// PID. The product is the `id=<digits>` of `product_url` (`…/item2?id=3400312511185213726`);
/// the PID must look like one (`dy_` then digits, letters or `_`). Refusals:
/// `40004 isv.parameter-invalid:4102` (PID), `:1056` (no product id in the URL), `:257`
/// (`external_info` not digits, letters and `_`); `50002 isv.business-failed:4399` (a product
/// the catalog does not have, or one that cannot be promoted).
pub(super) fn kol_product_share(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let p = call.params;
    let pid = p.string("pid").unwrap_or_default();
    if !looks_like_pid(&pid) {
        return Err(GatewayError::parameter(4102, format!("无效PID: `{pid}` is not a PID (dy_…)")));
    }
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
