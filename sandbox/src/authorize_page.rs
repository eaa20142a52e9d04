//! The authorization page of open.douyin.com (`GET /platform/oauth/connect/`): the user
//! "authorizes" at once.

use axum::body::Body;
use axum::response::Response;
use http::header::LOCATION;
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use serde_json::json;

use crate::handlers::{query_pairs, query_value};
use crate::reply::json_response;
use crate::spec::EnvelopeKind;
use crate::{lock, Sandbox, Shared};
use douyin_alliance::envelope;
use douyin_alliance::KnownCode;

/// `GET /platform/oauth/connect/`: the user "authorizes" at once. With `redirect_uri` the answer
/// is the platform's redirect carrying `code` and `state`; without, a JSON body with the code.
/// The sandbox-only parameter `open_id` picks the creator (default [`Sandbox::DEFAULT_OPEN_ID`]).
pub(crate) fn authorize_page(sh: &Shared, parts: &Parts) -> Response {
    let fail = |status: StatusCode, code: KnownCode, text: String| {
        json_response(
            status,
            &envelope::Answer::error(EnvelopeKind::DataExtra, code.code(), text).oauth().to_json(),
        )
    };
    if parts.method != http::Method::GET {
        return fail(
            StatusCode::METHOD_NOT_ALLOWED,
            KnownCode::ParameterError,
            format!("method {} not allowed: use GET", parts.method),
        );
    }
    let q = query_pairs(parts);
    let get = |k: &str| query_value(&q, k).filter(|v| !v.is_empty());
    match get("client_key") {
        None => {
            return fail(
                StatusCode::OK,
                KnownCode::MissingParameter,
                "parameter invalid: `client_key` is required".into(),
            )
        }
        Some(k) if k != Sandbox::CLIENT_KEY => {
            return fail(
                StatusCode::OK,
                KnownCode::InvalidClientKey,
                format!("client_key `{k}` does not exist"),
            )
        }
        Some(_) => {}
    }
    if get("response_type") != Some("code") {
        return fail(
            StatusCode::OK,
            KnownCode::ParameterError,
            "parameter invalid: `response_type` must be `code`".into(),
        );
    }
    let Some(scope) = get("scope") else {
        return fail(
            StatusCode::OK,
            KnownCode::MissingParameter,
            "parameter invalid: `scope` is required".into(),
        );
    };
    let open_id = get("open_id").unwrap_or(Sandbox::DEFAULT_OPEN_ID);
    let code = lock(&sh.auth).authorize(open_id, scope, sh.clock.now(), &sh.config);
    let state = get("state");
    if let Some(redirect) = get("redirect_uri") {
        let Ok(mut url) = url::Url::parse(redirect).map_err(|_| ()).and_then(|u| {
            if matches!(u.scheme(), "http" | "https") {
                Ok(u)
            } else {
                Err(())
            }
        }) else {
            return fail(
                StatusCode::OK,
                KnownCode::IllegalRedirectUri,
                format!("illegal redirect_uri `{redirect}`"),
            );
        };
        url.query_pairs_mut().append_pair("code", &code);
        if let Some(s) = state {
            url.query_pairs_mut().append_pair("state", s);
        }
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(url.as_str()) {
            r.headers_mut().insert(LOCATION, v);
        }
        return r;
    }
    let granted =
        json!({"code": code, "state": state.unwrap_or_default(), "open_id": open_id, "scope": scope});
    json_response(
        StatusCode::OK,
        &envelope::Answer::success(EnvelopeKind::DataExtra, granted).oauth().to_json(),
    )
}
