//! One request's way through the sandbox: route by the spec's table, log, inject faults, check
//! method, token, content type and parameters against the spec, then answer from state or
//! from the spec's example. Signed calls of the Doudian gateway go their own way from routing
//! on ([`crate::gateway`]).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde_json::{json, Map, Value};

use crate::spec::{self, AuthKind, Binding, Credential, Encoding, Endpoint, Placement, RestBinding, Server};
use douyin_alliance::{KnownCode, TOKEN_HEADER};

use crate::auth::Denied;
use crate::faults::{self, Fault};
use crate::gateway;
use crate::log::LoggedRequest;
use crate::params::Params;
use crate::reply::{self, error_body, example_body, json_response, parameter_code, success_body};
use crate::validate::{self, Source};
use crate::{lock, Sandbox, Shared};

/// Largest request body accepted.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// A stateful endpoint: the checked parameters and the caller's open_id (user calls) in, the
/// answer's `data` out.
type Handler = fn(&Shared, Params<'_>, &str) -> Result<Value, Reject>;

/// Endpoints answered from state rather than from the spec's example. Every name must be an
/// endpoint of the spec (checked by a test), so a renamed endpoint cannot silently fall back
/// to its example.
const STATEFUL: &[(&str, Handler)] = &[
    ("oauth_client_token", client_token),
    ("oauth_stable_client_token", stable_client_token),
    ("oauth_userinfo", userinfo),
    ("oauth_access_token", access_token),
    ("oauth_refresh_token", refresh_token),
    ("oauth_renew_refresh_token", renew_refresh_token),
    ("store_add", store_add),
    ("kol_store_list", store_list),
    ("kol_store_remove", store_remove),
    ("kol_orders", orders),
    ("kol_materials_products_search", products_search),
    ("kol_materials_products_details", products_details),
];

/// The state one server's handler sees.
#[derive(Clone)]
pub(crate) struct ServerCtx {
    pub shared: Arc<Shared>,
    pub server: Server,
}

/// Why a request is refused.
enum Reject {
    /// A parameter (or the content type) breaks the spec.
    Param { field: String, problem: String, missing: bool },
    /// A credential check failed.
    Denied(Denied),
    /// Wrong HTTP method.
    Method(http::Method),
}

impl From<Denied> for Reject {
    fn from(d: Denied) -> Self {
        Reject::Denied(d)
    }
}

fn param(field: impl Into<String>, problem: impl Into<String>) -> Reject {
    Reject::Param { field: field.into(), problem: problem.into(), missing: false }
}

fn missing(field: &str) -> Reject {
    Reject::Param { field: field.into(), problem: "is required".into(), missing: true }
}

impl From<validate::Violation> for Reject {
    fn from(v: validate::Violation) -> Self {
        Reject::Param { field: v.field, problem: v.problem, missing: v.missing }
    }
}

/// What a successful call answers.
enum Served {
    /// This `data`, in the endpoint's envelope.
    Data(Value),
    /// The spec's example.
    Example,
}

/// The fallback handler of every server: everything is routed here.
pub(crate) async fn handle(State(ctx): State<ServerCtx>, req: Request) -> Response {
    let sh = &ctx.shared;
    let (parts, body) = req.into_parts();
    let timeout = sh.config.body_read_timeout;
    let body = match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => {
            return reply::bytes_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "text/plain; charset=utf-8",
                format!("request body over {MAX_BODY} bytes\n").into_bytes(),
            )
        }
        // The rest of the body may never come: answer, and close the connection (what is left of
        // the body cannot be told apart from a next request).
        Err(_) => {
            tracing::debug!(server = %ctx.server, path = parts.uri.path(), "request body not received in time");
            let mut resp = reply::bytes_response(
                StatusCode::REQUEST_TIMEOUT,
                "text/plain; charset=utf-8",
                format!("request body not received within {timeout:?}\n").into_bytes(),
            );
            resp.headers_mut().insert(http::header::CONNECTION, http::HeaderValue::from_static("close"));
            return resp;
        }
    };
    let path = parts.uri.path().to_string();
    let ep = sh.route(ctx.server, &path);
    lock(&sh.log).push(LoggedRequest::new(
        ep.map(|e| e.name.as_str()),
        ctx.server,
        &parts,
        &body,
        sh.config.log_body_prefix,
    ));
    let Some(ep) = ep else {
        if ctx.server == Server::OpenDouyin && same_path(&path, douyin_alliance::oauth::AUTHORIZE_PATH) {
            return crate::authorize_page::authorize_page(sh, &parts, &body);
        }
        if ctx.server == Server::Doudian {
            return gateway::unknown_method(sh, &path);
        }
        let text = json!({"error": format!("the sandbox has no endpoint {} {path} on {}", parts.method, ctx.server)});
        return json_response(StatusCode::NOT_FOUND, &text);
    };
    let fault = lock(&sh.faults).take(&ep.name);
    match fault {
        Some(Fault::Latency(d)) => {
            let mut closing = sh.closing.clone();
            tokio::select! {
                _ = tokio::time::sleep(d) => {}
                _ = closing.changed() => {
                    return reply::bytes_response(StatusCode::SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", b"sandbox shutting down\n".to_vec());
                }
            }
        }
        Some(f) => return faults::render(&f, ep, sh.examples.body(&ep.name), &sh.clock),
        None => {}
    }
    let rest = match &ep.binding {
        Binding::Rest(rest) => rest,
        Binding::Signed(signed) => return gateway::serve(sh, ep, signed, &parts, &body),
    };
    match process(sh, ep, rest, &parts, &body) {
        Ok(Served::Data(data)) => json_response(StatusCode::OK, &success_body(ep, data, &sh.clock)),
        Ok(Served::Example) => {
            json_response(StatusCode::OK, &example_body(ep, sh.examples.body(&ep.name), &sh.clock))
        }
        Err(Reject::Param { field, problem, missing }) => {
            let text = format!("parameter invalid: `{field}` {problem}");
            json_response(StatusCode::OK, &error_body(ep, parameter_code(ep, missing), &text, &sh.clock))
        }
        Err(Reject::Denied(d)) => {
            json_response(StatusCode::OK, &error_body(ep, d.code, &d.description, &sh.clock))
        }
        Err(Reject::Method(m)) => {
            let allowed = rest.method;
            let text = format!("method {m} not allowed: {} takes {allowed}", ep.path());
            let mut r = json_response(
                StatusCode::METHOD_NOT_ALLOWED,
                &error_body(ep, parameter_code(ep, false), &text, &sh.clock),
            );
            r.headers_mut().insert(http::header::ALLOW, HeaderValue::from_static(allowed.as_str()));
            r
        }
    }
}

fn same_path(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

pub(crate) fn query_pairs(parts: &Parts) -> Vec<(String, String)> {
    url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned().collect()
}

pub(crate) fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The media type of the request, lowercased, without parameters.
fn media_type(parts: &Parts) -> Option<String> {
    let raw = parts.headers.get(CONTENT_TYPE)?.to_str().ok()?;
    Some(raw.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

fn require_content_type(parts: &Parts, wanted: &str) -> Result<(), Reject> {
    match media_type(parts) {
        Some(m) if m == wanted => Ok(()),
        Some(m) => Err(param("Content-Type", format!("must be {wanted}, got {m}"))),
        None => Err(param("Content-Type", format!("must be {wanted}, got none"))),
    }
}

/// The request's parameters as a JSON object, by the endpoint's encoding.
fn parameters(
    ep: &Endpoint,
    parts: &Parts,
    body: &Bytes,
    query: &[(String, String)],
) -> Result<Map<String, Value>, Reject> {
    let strings =
        |pairs: Vec<(String, String)>| pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    match spec::rest(ep).map_or(Encoding::Json, |r| r.encoding) {
        Encoding::Json => {
            require_content_type(parts, "application/json")?;
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(other) => Err(param("(body)", format!("must be a JSON object, got {}", kind_of(&other)))),
                Err(e) => Err(param("(body)", format!("is not valid JSON ({e})"))),
            }
        }
        Encoding::Form => {
            require_content_type(parts, "application/x-www-form-urlencoded")?;
            Ok(strings(url::form_urlencoded::parse(body).into_owned().collect()))
        }
        Encoding::Query => Ok(strings(query.to_vec())),
        Encoding::None => Ok(Map::new()),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Everything after routing and faults.
fn process(
    sh: &Shared,
    ep: &'static Endpoint,
    rest: &RestBinding,
    parts: &Parts,
    body: &Bytes,
) -> Result<Served, Reject> {
    if parts.method.as_str() != rest.method.as_str() {
        return Err(Reject::Method(parts.method.clone()));
    }
    let query = query_pairs(parts);
    let now = sh.clock.now();
    // Wall time, not the sandbox clock: a rate is about real seconds.
    lock(&sh.throttle).admit(&sh.config.rate_limits, &ep.name, std::time::Instant::now())?;
    let header_token = parts.headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok());
    // A user call whose credentials travel in the body is read first, to find them.
    let user_in_body = rest.credential.placement == Placement::UserInBody;
    let body_params = if user_in_body { Some(parameters(ep, parts, body, &query)?) } else { None };
    let in_body = |name: &str| body_params.as_ref()?.get(name)?.as_str();
    let token = if user_in_body { in_body(Placement::ACCESS_TOKEN) } else { None }.or(header_token);
    let credential = credential(rest, token);
    let caller = match credential.placement {
        Placement::None | Placement::AppInBody { .. } => None,
        Placement::AppTokenHeader => {
            lock(&sh.auth).check_client_token(token, now)?;
            None
        }
        Placement::UserHeader { open_id_in_query } => {
            let open_id = if open_id_in_query {
                Some(
                    query_value(&query, Placement::OPEN_ID)
                        .filter(|o| !o.is_empty())
                        .ok_or_else(|| missing(Placement::OPEN_ID))?,
                )
            } else {
                None
            };
            Some(lock(&sh.auth).check_user_token(token, open_id, credential.scope.as_deref(), now)?)
        }
        Placement::UserInBody => Some(lock(&sh.auth).check_user_token(
            token,
            in_body(Placement::OPEN_ID),
            credential.scope.as_deref(),
            now,
        )?),
    };
    let mut params = match body_params {
        Some(p) => p,
        None => parameters(ep, parts, body, &query)?,
    };
    if let Some(t) = &ep.request_type {
        let source = if rest.encoding == Encoding::Json { Source::Json } else { Source::Text };
        if source == Source::Text {
            validate::numbers_from_text(sh.model, t, &mut params);
        }
        validate::check(sh.model, t, &params, source)?;
    }
    // Every field the SDK adds must be there, a string; constants must be what the spec says.
    let constants = rest.constants.iter().map(|(k, v)| (k.as_str(), Some(v.as_str())));
    let credentials = body_credentials(credential.placement).iter().map(|k| (*k, None));
    for (name, constant) in constants.chain(credentials) {
        match params.get(name) {
            None | Some(Value::Null) => return Err(missing(name)),
            Some(Value::String(s)) if s.is_empty() => return Err(missing(name)),
            Some(Value::String(s)) => {
                if let Some(c) = constant.filter(|c| s != c) {
                    return Err(param(name, format!("must be `{c}`, got `{s}`")));
                }
            }
            Some(_) => return Err(param(name, "must be a string")),
        }
    }
    if let Placement::AppInBody { secret } = credential.placement {
        check_app_credentials(secret, &params)?;
    }
    answer(sh, ep, &params, caller.as_deref())
}

/// The wire fields a placement puts in the body.
fn body_credentials(p: Placement) -> &'static [&'static str] {
    match p {
        Placement::AppInBody { secret: true } => &[Placement::CLIENT_KEY, Placement::CLIENT_SECRET],
        Placement::AppInBody { secret: false } => &[Placement::CLIENT_KEY],
        Placement::UserInBody => &[Placement::ACCESS_TOKEN, Placement::OPEN_ID],
        Placement::None | Placement::AppTokenHeader | Placement::UserHeader { .. } => &[],
    }
}

/// The credential a call is checked against: the endpoint's own, or, for an endpoint the spec
/// offers under two kinds, the one the token is (user access_tokens start with `act.`).
fn credential<'e>(rest: &'e RestBinding, token: Option<&str>) -> &'e Credential {
    let user = |c: &Credential| c.placement.auth() == AuthKind::AccessToken;
    match &rest.alternative {
        Some(alt) if user(alt) == token.is_some_and(|t| t.starts_with("act.")) => alt,
        _ => &rest.credential,
    }
}

/// client_key (and client_secret where the call sends it) must be the sandbox app's.
fn check_app_credentials(secret: bool, params: &Map<String, Value>) -> Result<(), Reject> {
    let wrong = || Denied::new(KnownCode::WrongClientCredentials, "client_key or client_secret wrong");
    let mut expected = vec![(Placement::CLIENT_KEY, Sandbox::CLIENT_KEY)];
    if secret {
        expected.push((Placement::CLIENT_SECRET, Sandbox::CLIENT_SECRET));
    }
    for (name, value) in expected {
        if params.get(name).and_then(Value::as_str) != Some(value) {
            return Err(wrong().into());
        }
    }
    Ok(())
}

/// The stateful endpoints; every other endpoint answers its example.
fn answer(
    sh: &Shared,
    ep: &Endpoint,
    params: &Map<String, Value>,
    caller: Option<&str>,
) -> Result<Served, Reject> {
    match STATEFUL.iter().find(|(name, _)| *name == ep.name) {
        Some((_, handler)) => handler(sh, Params(params), caller.unwrap_or_default()).map(Served::Data),
        None => Ok(Served::Example),
    }
}

fn client_token(sh: &Shared, _: Params<'_>, _: &str) -> Result<Value, Reject> {
    let (token, expires_in) = lock(&sh.auth).issue_client_token(sh.clock.now(), &sh.config)?;
    Ok(json!({"access_token": token, "expires_in": expires_in}))
}

fn stable_client_token(sh: &Shared, _: Params<'_>, _: &str) -> Result<Value, Reject> {
    let (token, expires_in) = lock(&sh.auth).stable_client_token(sh.clock.now(), &sh.config)?;
    Ok(json!({"access_token": token, "expires_in": expires_in}))
}

/// The example user, with the caller's own open_id.
fn userinfo(_: &Shared, _: Params<'_>, open_id: &str) -> Result<Value, Reject> {
    Ok(
        json!({"open_id": open_id, "union_id": format!("union-{open_id}"), "nickname": format!("sandbox {open_id}")}),
    )
}

fn access_token(sh: &Shared, p: Params<'_>, _: &str) -> Result<Value, Reject> {
    let code = p.string("code").unwrap_or_default();
    Ok(user_tokens(lock(&sh.auth).exchange_code(&code, sh.clock.now(), &sh.config)?))
}

fn refresh_token(sh: &Shared, p: Params<'_>, _: &str) -> Result<Value, Reject> {
    let refresh = p.string("refresh_token").unwrap_or_default();
    Ok(user_tokens(lock(&sh.auth).refresh(&refresh, sh.clock.now(), &sh.config)?))
}

fn renew_refresh_token(sh: &Shared, p: Params<'_>, _: &str) -> Result<Value, Reject> {
    let refresh = p.string("refresh_token").unwrap_or_default();
    let (token, expires_in) = lock(&sh.auth).renew(&refresh, sh.clock.now(), &sh.config)?;
    Ok(json!({"refresh_token": token, "expires_in": expires_in}))
}

fn store_add(sh: &Shared, p: Params<'_>, open_id: &str) -> Result<Value, Reject> {
    let ids: Vec<u64> = p.objects("products").iter().filter_map(|o| o.id("product_id")).collect();
    let hide = p.boolean("need_hide").unwrap_or(false);
    let results = lock(&sh.data).store_add(open_id, &ids, hide, &sh.catalog, &sh.templates);
    Ok(json!({"results": results}))
}

fn store_list(sh: &Shared, p: Params<'_>, open_id: &str) -> Result<Value, Reject> {
    let (page, size) = (p.int("page").unwrap_or(1), p.int("page_size").unwrap_or(20));
    let (total, results) = lock(&sh.data).store_list(open_id, page, size, &sh.catalog, &sh.templates);
    Ok(json!({"total": total, "results": results}))
}

fn store_remove(sh: &Shared, p: Params<'_>, open_id: &str) -> Result<Value, Reject> {
    let pairs: Vec<(u64, u64)> = p
        .objects("products")
        .iter()
        .filter_map(|o| Some((o.id("product_id")?, o.id("promotion_id")?)))
        .collect();
    let success = lock(&sh.data).store_remove(open_id, &pairs);
    Ok(json!({"success": success}))
}

fn orders(sh: &Shared, p: Params<'_>, open_id: &str) -> Result<Value, Reject> {
    let cfg = &sh.config;
    let (orders, cursor) = lock(&sh.data)
        .orders_page(
            open_id,
            p,
            sh.clock.unix_secs(),
            cfg.orders_per_creator,
            cfg.seed,
            &sh.catalog,
            &sh.templates,
        )
        .map_err(|(field, problem)| param(field, problem))?;
    Ok(json!({"orders": orders, "cursor": cursor}))
}

fn products_search(sh: &Shared, p: Params<'_>, _: &str) -> Result<Value, Reject> {
    let (total, products) = sh.catalog.search(p);
    Ok(json!({"total": total, "products": products}))
}

fn products_details(sh: &Shared, p: Params<'_>, _: &str) -> Result<Value, Reject> {
    let share = p.boolean("with_share_status") == Some(true);
    let products: Vec<Value> = p
        .ids("product_ids")
        .into_iter()
        .filter_map(|id| sh.catalog.get(id))
        .map(|p| {
            let mut d = p.detail.clone();
            if !share {
                d.remove("sharable");
            }
            Value::Object(d)
        })
        .collect();
    Ok(json!({"total": products.len(), "products": products}))
}

fn user_tokens(t: crate::auth::UserTokens) -> Value {
    json!({
        "access_token": t.access_token,
        "expires_in": t.expires_in,
        "refresh_token": t.refresh_token,
        "refresh_expires_in": t.refresh_expires_in,
        "open_id": t.open_id,
        "scope": t.scope,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_stateful_handler_names_an_endpoint_of_the_spec() {
        for (name, _) in super::STATEFUL {
            assert!(crate::spec::endpoint(name).is_some(), "{name} is not an endpoint of the spec");
        }
    }
}
