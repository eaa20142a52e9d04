//! The gateway's refusals: a main `code` and a `sub_code` / `sub_msg` (doudian-facts §4.2), in
//! the Doudian envelope. The `sub_msg` is the platform's Chinese text, then what the sandbox
//! found, in English.

use douyin_alliance::endpoint::EnvelopeKind;
use douyin_alliance::envelope::Answer;
use douyin_alliance::KnownCode;
use serde_json::Value;

use crate::clock::Clock;
use crate::reply::logid;

/// One refusal of the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GatewayError {
    /// The main code (`40003`, …).
    pub code: i64,
    /// `isv.signature-invalid`, …
    pub sub_code: String,
    /// The platform's text and the sandbox's detail.
    pub sub_msg: String,
}

impl GatewayError {
    fn new(code: i64, sub_code: impl Into<String>, sub_msg: impl Into<String>) -> Self {
        GatewayError { code, sub_code: sub_code.into(), sub_msg: sub_msg.into() }
    }

    /// `40001`: a required common parameter is missing (`isv.parameter-missing`,
    /// `isv.signature-missing`, `isv.app-id-missing`, `isv.access-token-missing`).
    pub(crate) fn missing(sub_code: &str, sub_msg: impl Into<String>) -> Self {
        Self::new(40001, sub_code, sub_msg)
    }

    /// `40003`: a common parameter is invalid.
    pub(crate) fn invalid(sub_code: &str, sub_msg: impl Into<String>) -> Self {
        Self::new(40003, sub_code, sub_msg)
    }

    /// `40003 isv.parameter-format-invalid`.
    pub(crate) fn format_invalid(sub_msg: impl Into<String>) -> Self {
        Self::invalid("isv.parameter-format-invalid", sub_msg)
    }

    /// `40003 isv.authorization-type-invalid`: the token is of another kind of authority.
    pub(crate) fn authorization_type(sub_msg: impl Into<String>) -> Self {
        Self::invalid("isv.authorization-type-invalid", sub_msg)
    }

    /// `40004 isv.parameter-invalid:<n>`: a business parameter is invalid.
    pub(crate) fn parameter(n: u32, sub_msg: impl Into<String>) -> Self {
        Self::new(40004, format!("isv.parameter-invalid:{n}"), sub_msg)
    }

    /// `50001 dop.token-generate-failed:<reason>`: no token was made.
    pub(crate) fn token_generate(reason: &str, sub_msg: impl Into<String>) -> Self {
        Self::new(50001, format!("dop.token-generate-failed:{reason}"), sub_msg)
    }

    /// `50002 isv.business-failed:<n>`: the business refused.
    pub(crate) fn business(n: u32, sub_msg: impl Into<String>) -> Self {
        Self::new(50002, format!("isv.business-failed:{n}"), sub_msg)
    }

    /// `60000 isv.traffic-limited`: too frequent.
    pub(crate) fn traffic_limited(detail: &str) -> Self {
        Self::new(60000, "isv.traffic-limited", format!("请求太频繁，请稍后重试: {detail}"))
    }

    /// `70000 isp.api-service-off`: no such method.
    pub(crate) fn api_off(sub_msg: impl Into<String>) -> Self {
        Self::new(70000, "isp.api-service-off", sub_msg)
    }

    /// The gateway's answer for what a first-family code means (injected faults): busy is
    /// `20000 dop.service-error`, too frequent `60000 isv.traffic-limited`, an expired token
    /// `40003 isv.access-token-expired`; anything else `90000 isp.unknown-error`.
    pub(crate) fn from_known(code: KnownCode, detail: &str) -> Self {
        match code {
            KnownCode::SystemBusy => {
                Self::new(20000, "dop.service-error", format!("服务调用失败，请稍后重试: {detail}"))
            }
            KnownCode::TooFrequent => Self::traffic_limited(detail),
            KnownCode::AccessTokenExpired => {
                Self::invalid("isv.access-token-expired", format!("access_token已过期: {detail}"))
            }
            _ => Self::new(90000, "isp.unknown-error", detail),
        }
    }

    /// The main code's text, as the gateway's `msg`.
    fn msg(&self) -> &'static str {
        match self.code {
            20000 => "服务不可用",
            40001 => "缺少必选参数",
            40003 | 40004 => "非法的参数",
            50001 => "平台处理失败",
            50002 => "业务处理失败",
            60000 => "触发限流，请稍后重试",
            70000 => "接口服务已下线",
            _ => "其他异常",
        }
    }

    /// The answer, with a fresh `log_id`.
    pub(crate) fn body(&self, clock: &Clock) -> Value {
        Answer::error(EnvelopeKind::Doudian, self.code, self.msg())
            .sub_code(self.sub_code.clone(), self.sub_msg.clone())
            .logid(logid(clock))
            .to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_back_as_the_sdk_reads_the_gateway() {
        let body = GatewayError::invalid("isv.signature-invalid", "签名校验失败").body(&Clock::default());
        assert_eq!(body["code"], 40003);
        assert_eq!(body["sub_code"], "isv.signature-invalid");
        assert!(body["log_id"].as_str().is_some_and(|l| !l.is_empty()));
        assert_eq!(
            KnownCode::from_gateway(40003, "isv.signature-invalid"),
            Some(KnownCode::GatewaySignatureInvalid)
        );
        for (known, expected) in [
            (KnownCode::SystemBusy, KnownCode::GatewayServiceError),
            (KnownCode::TooFrequent, KnownCode::GatewayTrafficLimited),
            (KnownCode::AccessTokenExpired, KnownCode::GatewayTokenExpired),
        ] {
            let e = GatewayError::from_known(known, "x");
            assert_eq!(KnownCode::from_gateway(e.code, &e.sub_code), Some(expected), "{known:?}");
        }
    }
}
