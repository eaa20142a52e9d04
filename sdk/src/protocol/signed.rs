//! The signed binding of the Doudian gateway: the request's canonical JSON once per call (the
//! body, `param_json`), and per attempt a fresh timestamp and signature in the query, with the
//! authority's access_token when the call takes one (doudian-facts §1–§2).

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};

use super::{invalid, Identity, Wire};
use crate::endpoint::{Endpoint, SignedBinding};
use crate::signing::{self, Signed};
use crate::{Client, Error, ErrorKind, Result};

/// The request as the gateway's `param_json`: canonical JSON, `{}` for none.
pub(super) fn encode(endpoint: &'static Endpoint, body: Option<Vec<u8>>) -> Result<Wire> {
    let value = match body.as_deref().map(serde_json::from_slice::<serde_json::Value>) {
        None => serde_json::Value::Null,
        Some(Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Null))) => v,
        Some(Ok(other)) => {
            return Err(invalid(endpoint, "(body)", format!("must be an object, got {other}")))
        }
        Some(Err(e)) => return Err(invalid(endpoint, "(body)", e.to_string())),
    };
    Ok(Wire::Signed(signing::canonical_json(&value).into()))
}

/// The attempt's request: `POST` to the method's path with `app_key`, `method`,
/// `access_token` (when the call takes one), `timestamp` (this attempt's, in epoch seconds, as
/// the official SDKs send it), `v`, `sign_method` and `sign` in the query, `param_json` as the
/// body.
pub(super) fn authorize(
    client: &Client,
    endpoint: &'static Endpoint,
    signed: &SignedBinding,
    identity: &Identity<'_>,
    wire: &Wire,
) -> Result<reqwest::Request, ErrorKind> {
    let cfg = &client.inner.config;
    let app = &cfg.doudian;
    if app.app_key.is_empty() || app.app_secret.expose().is_empty() {
        return Err(ErrorKind::Config(
            "the Doudian app_key / app_secret are not configured; set them with ClientBuilder::doudian_credentials"
                .into(),
        ));
    }
    let Wire::Signed(param_json) = wire else {
        return Err(ErrorKind::Config(format!(
            "{}: the request was not encoded for the gateway",
            endpoint.name
        )));
    };
    let text = std::str::from_utf8(param_json).map_err(|e| ErrorKind::Config(e.to_string()))?;
    let timestamp =
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0).to_string();
    let what =
        Signed { app_key: &app.app_key, method: signed.method, param_json: text, timestamp: &timestamp };
    let sign = signing::sign(&what, app.app_secret.expose(), app.sign_method);
    let mut url = endpoint_url(client, signed);
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("app_key", &app.app_key).append_pair("method", signed.method);
        if let Identity::Authority(a) = identity {
            q.append_pair("access_token", a.access_token.expose());
        }
        q.append_pair("timestamp", &timestamp)
            .append_pair("v", signing::VERSION)
            .append_pair("sign_method", app.sign_method.as_str())
            .append_pair("sign", &sign);
    }
    let mut request = reqwest::Request::new(http::Method::POST, url);
    *request.timeout_mut() = Some(cfg.timeout);
    let headers = request.headers_mut();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, cfg.user_agent.clone());
    *request.body_mut() = Some(reqwest::Body::from(param_json.clone()));
    Ok(request)
}

fn endpoint_url(client: &Client, signed: &SignedBinding) -> url::Url {
    crate::client::endpoint_url(client.base_url(signed.server), signed.path)
}

/// Checks, before anything is sent, that the authority's token is of a kind the endpoint takes.
/// Only a documented or confirmed list refuses the call: below that, the list is the spec's
/// reading, so the call goes out (with a warning) and the gateway decides; a guess never breaks
/// a call.
pub(crate) fn check_authority(endpoint: &'static Endpoint, given: crate::endpoint::Authority) -> Result<()> {
    match endpoint.signed() {
        Some(s) if !s.authorities.is_empty() && !s.authorities.contains(&given) => {
            if s.token_evidence.is_confirmed() {
                return Err(Error::new(
                    endpoint.name,
                    ErrorKind::WrongAuthority { needed: s.authorities, given },
                ));
            }
            let takes: Vec<&str> = s.authorities.iter().map(|a| a.phrase()).collect();
            tracing::warn!(
                endpoint = endpoint.name,
                given = given.phrase(),
                takes = %takes.join(" or "),
                evidence = s.token_evidence.phrase(),
                "the token's authority is not one the spec lists for this call (a reading below confirmed); sending it anyway"
            );
            Ok(())
        }
        _ => Ok(()),
    }
}
