//! Answers in the platform's three envelopes (api-facts §2), successes and errors alike.

use axum::body::Body;
use axum::response::Response;
use http::header::CONTENT_TYPE;
use http::StatusCode;
use serde_json::{json, Map, Value};

use codegen::model::{Endpoint, EnvelopeKind, Server};
use douyin_alliance::KnownCode;

use crate::clock::{format_beijing, Clock};

/// A fresh trace id in the platform's style: Beijing time `YYYYMMDDHHMMSS` and random hex.
pub(crate) fn logid(clock: &Clock) -> String {
    let stamp: String = format_beijing(clock.unix_secs()).chars().filter(char::is_ascii_digit).collect();
    format!("{stamp}{:020X}", rand::random::<u128>() & ((1u128 << 80) - 1))
}

fn extra(code: i64, description: &str, clock: &Clock) -> Value {
    json!({
        "error_code": code,
        "description": description,
        "sub_error_code": 0,
        "sub_description": "",
        "logid": logid(clock),
        "now": clock.unix_ms(),
    })
}

/// OAuth answers (open.douyin.com) carry a top-level `message`; alliance answers do not.
fn is_oauth(ep: &Endpoint) -> bool {
    ep.server == Server::OpenDouyin
}

/// A JSON response.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    bytes_response(status, "application/json", body.to_string().into_bytes())
}

/// A response with any content type.
pub(crate) fn bytes_response(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, http::HeaderValue::from_static(content_type));
    r
}

/// The success body of `ep` with `data` as the payload.
pub(crate) fn success_body(ep: &Endpoint, data: Value, clock: &Clock) -> Value {
    match ep.envelope {
        EnvelopeKind::DataExtra => {
            let mut data = match data {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            data.entry("error_code").or_insert(json!(0));
            data.entry("description").or_insert(json!(""));
            let mut body = Map::new();
            body.insert("data".into(), Value::Object(data));
            if is_oauth(ep) {
                body.insert("message".into(), json!("success"));
            } else {
                body.insert("extra".into(), extra(0, "", clock));
            }
            Value::Object(body)
        }
        EnvelopeKind::ErrNo => {
            json!({"err_no": 0, "err_msg": "success", "log_id": logid(clock), "data": data})
        }
        EnvelopeKind::CodeMsg => json!({"code": 0, "msg": "success", "data": data}),
    }
}

/// The spec's example answer of `ep` with a fresh trace id and time; a bare success envelope
/// when the spec has no example.
pub(crate) fn example_body(ep: &Endpoint, example: Option<&Value>, clock: &Clock) -> Value {
    let Some(example) = example else {
        return success_body(ep, json!({}), clock);
    };
    let mut body = example.clone();
    if let Some(extra) = body.get_mut("extra").and_then(Value::as_object_mut) {
        if extra.contains_key("logid") {
            extra.insert("logid".into(), json!(logid(clock)));
        }
        if extra.contains_key("now") {
            extra.insert("now".into(), json!(clock.unix_ms()));
        }
    }
    if let Some(l) = body.get_mut("log_id") {
        *l = json!(logid(clock));
    }
    body
}

/// An error answer of `ep` carrying the platform's `code`.
pub(crate) fn error_body(ep: &Endpoint, code: i64, description: &str, clock: &Clock) -> Value {
    match ep.envelope {
        EnvelopeKind::DataExtra if is_oauth(ep) => json!({
            "data": {"error_code": code, "description": description},
            "extra": {"logid": logid(clock), "now": clock.unix_ms()},
            "message": "error",
        }),
        EnvelopeKind::DataExtra => json!({
            "data": {"error_code": code, "description": description},
            "extra": extra(code, description, clock),
        }),
        EnvelopeKind::ErrNo => {
            json!({"err_no": code, "err_msg": description, "log_id": logid(clock), "data": null})
        }
        EnvelopeKind::CodeMsg => json!({"code": code, "msg": description, "data": null}),
    }
}

/// The code of a parameter error on `ep`: 10002 (10005 when missing) on OAuth, 2100005 elsewhere.
pub(crate) fn parameter_code(ep: &Endpoint, missing: bool) -> i64 {
    match (is_oauth(ep), missing) {
        (true, true) => KnownCode::MissingParameter.code(),
        (true, false) => KnownCode::ParameterError.code(),
        (false, _) => KnownCode::ParameterInvalid.code(),
    }
}
