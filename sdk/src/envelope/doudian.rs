//! The Doudian gateway's envelope (doudian-facts §4.1):
//! `{"code", "msg", "sub_code", "sub_msg", "log_id", "data"}`. Success is `code` 10000, sent as
//! a number or a string; any other code is an error whose `sub_code` says what went wrong
//! (`isv.access-token-expired`, `isv.traffic-limited`, …) and whose `log_id` is the trace id.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Answer, Status};
use crate::error::ApiError;
use crate::ApiObject;

/// The gateway's success code.
pub const SUCCESS: i64 = 10000;

#[derive(Deserialize, Serialize)]
struct Envelope<T> {
    #[serde(default, deserialize_with = "crate::codec::opt_int")]
    code: Option<i64>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    msg: Option<String>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    sub_code: Option<String>,
    #[serde(default, deserialize_with = "crate::codec::opt_string")]
    sub_msg: Option<String>,
    #[serde(default, deserialize_with = "crate::codec::opt_string", skip_serializing_if = "Option::is_none")]
    log_id: Option<String>,
    #[serde(default = "super::none", skip_serializing_if = "Option::is_none")]
    data: Option<T>,
}

fn status<T>(env: &Envelope<T>, http: u16) -> Status {
    match env.code {
        None => Status::Missing,
        Some(SUCCESS) => Status::Ok,
        Some(code) => Status::Failed(ApiError {
            code,
            description: env.msg.clone().unwrap_or_default(),
            sub_code: None,
            sub_description: env.sub_msg.clone().filter(|m| !m.is_empty()),
            logid: env.log_id.clone().filter(|l| !l.is_empty()),
            http_status: http,
            gateway_sub_code: Some(env.sub_code.clone().unwrap_or_default()),
        }),
    }
}

/// The typed parse: the status, and `data` (an empty object where a success has none and the
/// type allows it).
pub(super) fn parse<T: DeserializeOwned + ApiObject>(
    http: u16,
    body: &[u8],
) -> serde_json::Result<(Status, Option<T>)> {
    let env: Envelope<T> = serde_json::from_slice(body)?;
    let status = status(&env, http);
    Ok((status, env.data.or_else(super::empty_object)))
}

/// The status alone, for answers whose `data` does not fit the type.
pub(super) fn status_only(http: u16, body: &[u8]) -> Option<Status> {
    let env: Envelope<serde::de::IgnoredAny> = serde_json::from_slice(body).ok()?;
    Some(status(&env, http))
}

/// An answer as the gateway writes it (success `code` 10000).
pub(super) fn write(a: &Answer) -> serde_json::Result<Value> {
    let ok = a.code == 0;
    let (sub_code, sub_msg) = a.sub.clone().unwrap_or_default();
    serde_json::to_value(Envelope {
        code: Some(if ok { SUCCESS } else { a.code }),
        msg: Some(if ok { "success".into() } else { a.description.clone() }),
        sub_code: Some(sub_code),
        sub_msg: Some(sub_msg),
        log_id: a.logid.clone(),
        data: if ok { a.data.clone().or_else(|| Some(Value::Object(Default::default()))) } else { None },
    })
}
