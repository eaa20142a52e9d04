//! The Doudian gateway (`openapi-fxg.jinritemai.com`, doudian-facts §1–§4): every signed
//! endpoint of the spec, checked in the gateway's order and answered in its envelope.
//!
//! A call goes through, in this order (each failure answered HTTP 200 in the Doudian envelope,
//! [`GatewayError`]):
//!
//! 1. `POST` only (the gateway's legacy GET is not played: HTTP 405);
//! 2. the common query parameters ([`check::protocol`]): present (`40001`), the app known
//!    (`40003 isv.app-id-invalid`), `method` the path's, the rate limits (`60000`), `v=2`, the
//!    timestamp's format and clock, the sign over the raw body, the body a JSON object;
//! 3. for calls that take a token: the access_token present, known, unexpired, and of an
//!    authority the endpoint takes ([`tokens`]);
//! 4. the parameters against the spec's request type (`40004 isv.parameter-invalid:257`);
//! 5. the answer: from [`STATEFUL`], keyed by `method`, or else the spec's example.

pub(crate) mod check;
mod clock_hook;
mod colonel;
mod error;
mod links;
mod orders;
mod page;
mod pids;
mod products;
mod token_methods;
pub(crate) mod tokens;

use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde_json::{Map, Value};

use crate::params::Params;
use crate::reply::{example_body, json_response, success_body};
use crate::spec::Endpoint;
use crate::validate::{self, Source};
use crate::{lock, Shared};
use spec_model::model::SignedBinding;

pub use clock_hook::DoudianClock;
pub(crate) use error::GatewayError;
pub(crate) use tokens::{DoudianAuthState, Grant};

/// What a stateful method is given: its endpoint, the checked parameters, and, for calls that
/// take a token, the grant the token stands for.
pub(crate) struct Call<'a> {
    pub ep: &'static Endpoint,
    pub params: Params<'a>,
    pub grant: Option<Grant>,
}

/// A stateful method: the call in, the answer's `data` out.
type Handler = fn(&Shared, Call<'_>) -> Result<Value, GatewayError>;

/// Methods answered from state rather than from the spec's example, by the gateway's `method`
/// name. Every name must be the method of a signed endpoint of the spec (checked by a test), so
/// a renamed method cannot silently fall back to its example.
const STATEFUL: &[(&str, Handler)] = &[
    ("token.create", token_methods::token_create),
    ("token.refresh", token_methods::token_refresh),
    ("buyin.institutionInfo", token_methods::institution_info),
    ("buyin.kolProductShare", links::kol_product_share),
    ("buyin.shareCommandParse", links::share_command_parse),
    ("buyin.kolLiveShare", links::kol_live_share),
    ("buyin.instPickSourceConvert", links::inst_pick_source_convert),
    ("buyin.kolPidCreate", pids::create),
    ("buyin.kolPidList", pids::list),
    ("buyin.kolPidEdit", pids::edit),
    ("buyin.kolPidDel", pids::delete),
    ("buyin.institutePidCreate", pids::create),
    ("buyin.institutePidList", pids::list),
    ("alliance.colonelActivityCreateOrUpdate", colonel::create_or_update),
    ("alliance.instituteColonelActivityList", colonel::list),
    ("buyin.colonelActivityDetail", colonel::detail),
    ("alliance.colonelActivityProduct", colonel::products),
    ("buyin.activityProductList", colonel::product_list),
    ("buyin.kolMaterialsProductsSearch", products::search),
    ("alliance.materialsProductsSearch", products::search),
    ("buyin.kolMaterialsProductsDetails", products::details),
    ("alliance.materialsProductsDetails", products::details),
    ("buyin.productsDetail", products::details),
    ("buyin.kolOrderAds", orders::page),
    ("buyin.instituteOrderAds", orders::page),
    ("buyin.instituteOrderColonel", orders::page),
    ("buyin.instituteOrderPick", orders::page),
];

/// What the gateway's alliance methods keep between calls.
#[derive(Default)]
pub(crate) struct GatewayState {
    /// PIDs per subject.
    pub(crate) pids: pids::PidBook,
    /// Colonel activities per colonel.
    pub(crate) activities: colonel::Activities,
    /// The product of every short link the sandbox issued (`https://v.douyin.com/sbx…/`).
    pub(crate) links: std::collections::HashMap<String, u64>,
}

/// The `data` object of `ep`'s example answer.
pub(super) fn example_data(sh: &Shared, ep: &Endpoint) -> Map<String, Value> {
    sh.examples
        .body(&ep.name)
        .and_then(|b| b.get("data"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Answers one signed call of `ep` (after routing, logging and faults).
pub(crate) fn serve(
    sh: &Shared,
    ep: &'static Endpoint,
    signed: &SignedBinding,
    parts: &Parts,
    body: &Bytes,
) -> Response {
    if parts.method != http::Method::POST {
        let e = GatewayError::format_invalid(format!(
            "请求方法错误: method {} not allowed; the sandbox takes POST (the gateway's GET is legacy)",
            parts.method
        ));
        let mut r = json_response(StatusCode::METHOD_NOT_ALLOWED, &e.body(&sh.clock));
        r.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    match process(sh, ep, signed, parts, body) {
        Ok(Some(data)) => json_response(StatusCode::OK, &success_body(ep, data, &sh.clock)),
        Ok(None) => json_response(StatusCode::OK, &example_body(ep, sh.examples.body(&ep.name), &sh.clock)),
        Err(e) => json_response(StatusCode::OK, &e.body(&sh.clock)),
    }
}

/// A path of the gateway that no endpoint of the spec has: `70000 isp.api-service-off`.
pub(crate) fn unknown_method(sh: &Shared, path: &str) -> Response {
    let e = GatewayError::api_off(format!("API不存在或API已下线: the sandbox has no method at {path}"));
    json_response(StatusCode::OK, &e.body(&sh.clock))
}

/// The checks of the module doc, then the answer: `Some(data)` from state, `None` for the
/// spec's example.
fn process(
    sh: &Shared,
    ep: &'static Endpoint,
    signed: &SignedBinding,
    parts: &Parts,
    body: &Bytes,
) -> Result<Option<Value>, GatewayError> {
    let checked = check::protocol(sh, ep, signed, parts, body)?;
    let grant = if signed.credential.token {
        let grant = lock(&sh.doudian).check_access(checked.access_token.as_deref(), sh.clock.now())?;
        let takes = &signed.credential.authorities;
        if !takes.is_empty() && !takes.contains(&grant.authority) {
            let names: Vec<&str> = takes.iter().map(|a| a.phrase()).collect();
            return Err(GatewayError::authorization_type(format!(
                "授权主体不匹配: {} takes the token of a {}, not of a {}",
                signed.method,
                names.join(" or "),
                grant.authority.phrase()
            )));
        }
        Some(grant)
    } else {
        None
    };
    let params = checked.params;
    if let Some(t) = &ep.request_type {
        validate::check(sh.model, t, &params, Source::Json).map_err(|v| {
            GatewayError::parameter(257, format!("参数校验失败: `{}` {}", v.field, v.problem))
        })?;
    }
    answer(sh, ep, signed, &params, grant)
}

/// The stateful methods; every other method answers its example.
fn answer(
    sh: &Shared,
    ep: &'static Endpoint,
    signed: &SignedBinding,
    params: &Map<String, Value>,
    grant: Option<Grant>,
) -> Result<Option<Value>, GatewayError> {
    match STATEFUL.iter().find(|(method, _)| *method == signed.method) {
        Some((_, handler)) => handler(sh, Call { ep, params: Params(params), grant }).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use crate::spec::{self, Binding};

    #[test]
    fn every_stateful_method_is_a_signed_endpoint_of_the_spec() {
        let endpoints = &spec::model().unwrap().endpoints;
        for (method, _) in super::STATEFUL {
            let found =
                endpoints.iter().any(|e| matches!(&e.binding, Binding::Signed(s) if s.method == *method));
            assert!(found, "{method} is not the method of a signed endpoint of the spec");
        }
    }
}
