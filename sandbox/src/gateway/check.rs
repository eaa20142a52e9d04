//! The gateway's checks of the common query parameters and the signature (doudian-facts §1.4,
//! §2), in the order the gateway makes them:
//!
//! | Check | Refusal |
//! |---|---|
//! | `app_key` present | `40001 isv.app-id-missing` |
//! | `method`, `timestamp`, `v` present | `40001 isv.parameter-missing` |
//! | `sign` present | `40001 isv.signature-missing` |
//! | `app_key` 19 digits, and the sandbox app's | `40003 isv.app-id-invalid` |
//! | `method` the path's (`/a/b` is `a.b`) | `40003 isv.parameter-format-invalid` |
//! | the rate limits ([`crate::SandboxConfig::rate_limit`]) | `60000 isv.traffic-limited` |
//! | `v` is `2` | `40003 isv.parameter-format-invalid` |
//! | `timestamp` epoch seconds, epoch milliseconds or `yyyy-MM-dd HH:mm:ss` (GMT+8) | `40003 isv.timestamp-format-error` |
//! | `timestamp` within 10 minutes of the sandbox clock | `40003 isv.timestamp-invalid` |
//! | `sign_method` absent (md5), `md5` or `hmac-sha256` | `40003 isv.parameter-format-invalid` |
//! | the body UTF-8 text | `40003 isv.parameter-format-invalid` |
//! | `sign` verifies over the body as sent | `40003 isv.signature-invalid` |
//! | the body a JSON object | `40003 isv.parameter-format-invalid` |
//!
//! The content type is not checked: the official SDKs send four spellings of JSON, and the
//! gateway takes them all.

use bytes::Bytes;
use douyin_alliance::signing::{self, SignMethod, Signed};
use http::request::Parts;
use serde_json::{Map, Value};
use spec_model::model::SignedBinding;

use super::GatewayError;
use crate::clock::parse_beijing;
use crate::handlers::{query_pairs, query_value};
use crate::spec::Endpoint;
use crate::{lock, Sandbox, Shared};

/// How far a timestamp may be off the sandbox clock.
pub(crate) const MAX_SKEW_SECS: i64 = 10 * 60;

/// What the protocol checks let through.
#[derive(Debug)]
pub(crate) struct Checked {
    /// The body's JSON object (`param_json`).
    pub params: Map<String, Value>,
    /// The `access_token` query parameter, when present.
    pub access_token: Option<String>,
}

/// The checks of the module doc, in order.
pub(crate) fn protocol(
    sh: &Shared,
    ep: &Endpoint,
    signed: &SignedBinding,
    parts: &Parts,
    body: &Bytes,
) -> Result<Checked, GatewayError> {
    let query = query_pairs(parts);
    let get = |name: &str| query_value(&query, name).filter(|v| !v.is_empty());
    let need = |name: &str, sub_code: &str| {
        get(name).ok_or_else(|| {
            GatewayError::missing(sub_code, format!("缺少必选参数: the query parameter `{name}` is required"))
        })
    };
    let app_key = need("app_key", "isv.app-id-missing")?;
    let method = need("method", "isv.parameter-missing")?;
    let timestamp = need("timestamp", "isv.parameter-missing")?;
    let v = need("v", "isv.parameter-missing")?;
    let sign = need("sign", "isv.signature-missing")?;

    if app_key.len() != 19 || !app_key.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GatewayError::invalid(
            "isv.app-id-invalid",
            format!("app_key格式不正确，应为19位纯数字: got `{app_key}`"),
        ));
    }
    if app_key != Sandbox::DOUDIAN_APP_KEY {
        return Err(GatewayError::invalid(
            "isv.app-id-invalid",
            format!("app_key不存在: `{app_key}` is not the sandbox's Doudian app (Sandbox::DOUDIAN_APP_KEY)"),
        ));
    }
    if method != signed.method {
        return Err(GatewayError::format_invalid(format!(
            "method与请求路径不匹配: `{method}` was sent to {}, the path of `{}`",
            signed.path, signed.method
        )));
    }
    // Wall time, not the sandbox clock: a rate is about real seconds.
    lock(&sh.throttle).admit(&sh.config.rate_limits, &ep.name, std::time::Instant::now()).map_err(|d| {
        let detail = d.description.split_once(": ").map_or(d.description.as_str(), |(_, e)| e);
        GatewayError::traffic_limited(detail)
    })?;
    if v != signing::VERSION {
        return Err(GatewayError::format_invalid(format!(
            "API协议版本错误: v must be {}, got `{v}`",
            signing::VERSION
        )));
    }
    let Some(sent_at) = timestamp_secs(timestamp) else {
        return Err(GatewayError::invalid(
            "isv.timestamp-format-error",
            format!("时间戳格式错误: `{timestamp}` is not epoch seconds, epoch milliseconds or yyyy-MM-dd HH:mm:ss (GMT+8)"),
        ));
    };
    let skew = sent_at.saturating_sub(sh.clock.unix_secs());
    if skew.abs() > MAX_SKEW_SECS {
        return Err(GatewayError::invalid(
            "isv.timestamp-invalid",
            format!(
                "时间戳不合法: `{timestamp}` is {}s {} the gateway's clock (at most {MAX_SKEW_SECS}s allowed)",
                skew.abs(),
                if skew < 0 { "behind" } else { "ahead of" }
            ),
        ));
    }
    let sign_method_text = query_value(&query, "sign_method").filter(|m| !m.is_empty());
    let Some(sign_method) = SignMethod::from_query(sign_method_text) else {
        return Err(GatewayError::format_invalid(format!(
            "签名算法错误: sign_method `{}` is not md5 or hmac-sha256",
            sign_method_text.unwrap_or_default()
        )));
    };
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(GatewayError::format_invalid("业务参数json解析失败: the body is not UTF-8 text"));
    };
    let what = Signed { app_key, method, param_json: text, timestamp };
    if !signing::verify(&what, Sandbox::DOUDIAN_APP_SECRET, sign_method, sign) {
        return Err(GatewayError::invalid(
            "isv.signature-invalid",
            format!(
                "签名校验失败: the {} sign does not match app_key, method, the body as sent, timestamp and v under the app's secret",
                sign_method.as_str()
            ),
        ));
    }
    let params = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(GatewayError::format_invalid("业务参数json解析失败: the body must be a JSON object"))
        }
        Err(e) => return Err(GatewayError::format_invalid(format!("业务参数json解析失败: {e}"))),
    };
    Ok(Checked { params, access_token: get("access_token").map(str::to_string) })
}

/// The Unix seconds a timestamp names: epoch seconds, epoch milliseconds (from 10^11 on), or
/// `yyyy-MM-dd HH:mm:ss` in GMT+8.
pub(crate) fn timestamp_secs(text: &str) -> Option<i64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = text.parse().ok()?;
        return Some(if n >= 100_000_000_000 { n / 1000 } else { n });
    }
    parse_beijing(text).filter(|_| text.len() == "yyyy-MM-dd HH:mm:ss".len())
}

#[cfg(test)]
mod tests {
    use super::timestamp_secs;

    #[test]
    fn timestamps_come_in_three_formats() {
        assert_eq!(timestamp_secs("1691821176"), Some(1_691_821_176));
        assert_eq!(timestamp_secs("1691821176123"), Some(1_691_821_176));
        assert_eq!(timestamp_secs("2023-08-12 14:19:36"), Some(1_691_821_176));
        for bad in [
            "",
            "-1",
            "2023-08-12T14:19:36",
            "2023-8-12 14:19:36",
            " 1691821176",
            "1.5",
            "99999999999999999999",
        ] {
            assert_eq!(timestamp_secs(bad), None, "{bad}");
        }
    }
}
