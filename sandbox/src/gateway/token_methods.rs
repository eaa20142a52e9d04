//! The gateway's token methods (`token.create`, `token.refresh`, by the rules of
//! [`super::tokens`]) and `buyin.institutionInfo`, which tells who a token stands for. Each
//! answer starts from the `data` of the spec's example, so fields the spec adds carry over.

use serde_json::{json, Value};

use super::tokens::{Grant, Issued, SUBJECT_TYPES};
use super::{example_data, Call, GatewayError};
use crate::spec::Endpoint;
use crate::{lock, Shared};

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

/// `buyin.institutionInfo`: the institution the token stands for and its roles (the sandbox's
/// institution has a colonel, an MCN and a douke role, all with the subject's id).
pub(super) fn institution_info(sh: &Shared, call: Call<'_>) -> Result<Value, GatewayError> {
    let id: u64 = call.grant.as_ref().and_then(|g| g.authority_id.parse().ok()).unwrap_or(0);
    let mut data = example_data(sh, call.ep);
    data.insert("institution_id".into(), json!(id));
    for (role, name) in [("colonel", "沙箱团长"), ("mcn", "沙箱MCN"), ("douke", "沙箱抖客")] {
        data.insert(role.into(), json!({"buyin_id": id, "name": name}));
    }
    Ok(Value::Object(data))
}
