//! Answers in the platforms' envelopes (api-facts §2, doudian-facts §4), successes and errors
//! alike.

use axum::body::Body;
use axum::response::Response;
use douyin_alliance::envelope::{self, Answer};
use http::header::CONTENT_TYPE;
use http::StatusCode;
use serde_json::{json, Value};

use crate::spec::{Endpoint, EnvelopeKind, Server};
use douyin_alliance::KnownCode;

use crate::clock::{format_beijing, Clock};

/// A fresh trace id in the platform's style: Beijing time `YYYYMMDDHHMMSS` and random hex.
pub(crate) fn logid(clock: &Clock) -> String {
    let stamp: String = format_beijing(clock.unix_secs()).chars().filter(char::is_ascii_digit).collect();
    format!("{stamp}{:020X}", rand::random::<u128>() & ((1u128 << 80) - 1))
}

/// OAuth answers (open.douyin.com) carry a top-level `message`; alliance answers do not.
pub(crate) fn is_oauth(ep: &Endpoint) -> bool {
    ep.server() == Server::OpenDouyin
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

/// `answer` in the form `ep`'s host writes it, with a fresh trace id and time.
fn written(ep: &Endpoint, answer: Answer, clock: &Clock) -> Value {
    let answer = answer.logid(logid(clock)).now_ms(clock.unix_ms());
    if is_oauth(ep) { answer.oauth() } else { answer }.to_json()
}

/// The success body of `ep` with `data` as the payload.
pub(crate) fn success_body(ep: &Endpoint, data: Value, clock: &Clock) -> Value {
    written(ep, Answer::success(ep.envelope().0, data), clock)
}

/// The spec's example answer of `ep` with a fresh trace id and time; a bare success envelope
/// when the spec has no example.
pub(crate) fn example_body(ep: &Endpoint, example: Option<&Value>, clock: &Clock) -> Value {
    let Some(example) = example else {
        return success_body(ep, json!({}), clock);
    };
    let mut body = example.clone();
    envelope::refresh_trace(&mut body, &logid(clock), clock.unix_ms());
    body
}

/// An error answer of `ep` carrying the platform's `code`.
pub(crate) fn error_body(ep: &Endpoint, code: i64, description: &str, clock: &Clock) -> Value {
    written(ep, Answer::error(ep.envelope().0, code, description), clock)
}

/// An error answer of `ep` for what `code` means: the code itself, or on the Doudian gateway
/// its equivalent `code` and `sub_code` ([`crate::gateway::GatewayError::from_known`]).
pub(crate) fn known_error(ep: &Endpoint, code: KnownCode, description: &str, clock: &Clock) -> Value {
    match ep.envelope().0 {
        EnvelopeKind::Doudian => crate::gateway::GatewayError::from_known(code, description).body(clock),
        _ => error_body(ep, code.code(), description, clock),
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
