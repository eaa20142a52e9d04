//! The platforms' documented error codes, with names and meanings: open.douyin.com /
//! open.douyinec.com by number (api-facts §3), the Doudian gateway by its `sub_code` and, for a
//! few, its `code` (doudian-facts §4.2). The two code spaces are kept apart: a gateway answer is
//! read only against the gateway's table.

/// A documented error code of open.douyin.com / open.douyinec.com.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KnownCode {
    /// 10001: system error.
    SystemError,
    /// 10002: parameter error.
    ParameterError,
    /// 10003: client_key does not exist or its configuration is invalid.
    InvalidClientKey,
    /// 10004: no permission (e.g. the app lacks `renew_refresh_token`).
    NoPermission,
    /// 10005: missing parameter.
    MissingParameter,
    /// 10006: illegal redirect URI.
    IllegalRedirectUri,
    /// 10007: authorization code expired (codes live 10 minutes and work once).
    AuthorizationCodeExpired,
    /// 10008: access_token invalid or expired.
    AccessTokenInvalid,
    /// 10010: refresh_token expired; the user must authorize again.
    RefreshTokenExpired,
    /// 10013: client_key or client_secret wrong.
    WrongClientCredentials,
    /// 10014: the client_key used for the code differs from the one used for the token.
    ClientKeyMismatch,
    /// 10020: refresh_token renewed too often (5 times), or client_token fetched too often.
    RenewLimitOrTooFrequent,
    /// 2100004: system busy, retry.
    SystemBusy,
    /// 2100005: parameter invalid.
    ParameterInvalid,
    /// 2100007: no permission to operate.
    NoOperatePermission,
    /// 2100009: the user is banned from this operation.
    UserBanned,
    /// 2190001: quota used up.
    QuotaUsedUp,
    /// 2190002: access_token invalid.
    AccessTokenInvalidLegacy,
    /// 2190003: the user has not authorized this API (scope).
    ScopeNotAuthorized,
    /// 2190004: the app has not been granted this capability.
    CapabilityNotGranted,
    /// 2190008: access_token expired; refresh or re-authorize.
    AccessTokenExpired,
    /// 2190015: access_token and open_id do not match.
    TokenOpenIdMismatch,
    /// 28001008: token expired (new-style code).
    TokenExpired,
    /// 28001012: scope not authorized (new-style code).
    ScopeNotAuthorizedNew,
    /// 28001015: token and open_id do not match (new-style code).
    TokenOpenIdMismatchNew,
    /// 28001018: capability not granted (new-style code).
    CapabilityNotGrantedNew,
    /// 28003017: quota used up (new-style code).
    QuotaUsedUpNew,
    /// 28003018: request frequency too high.
    TooFrequent,
    /// Doudian `isv.signature-invalid` / `isv.signature-missing`: the signature did not verify.
    GatewaySignatureInvalid,
    /// Doudian `isv.timestamp-invalid` / `isv.timestamp-format-error`: the timestamp is more than
    /// 10 minutes off the gateway's clock, or malformed.
    GatewayTimestampInvalid,
    /// Doudian `isv.access-token-expired` / `isv.access-token-no-existed` /
    /// `dop.authorization-no-existed`: the authority's token expired or is gone; refresh it.
    GatewayTokenExpired,
    /// Doudian `isv.access-token-invalid`: the token belongs to another app.
    GatewayTokenMismatch,
    /// Doudian `isv.authorization-type-invalid`: the token is of another kind of authority.
    GatewayAuthorityMismatch,
    /// Doudian `isv.app-permissions-insufficient`: the app lacks the API's permission package.
    GatewayNoPermission,
    /// Doudian `60000` / `isv.traffic-limited`: too frequent.
    GatewayTrafficLimited,
    /// Doudian `20000` / `dop.service-error` / `isp.service-error…`: the service is unavailable.
    GatewayServiceError,
}

/// The Doudian gateway's sub-codes, matched exactly or, for those ending in `:`, by prefix.
const GATEWAY: &[(&str, KnownCode, &str)] = &[
    ("isv.signature-invalid", KnownCode::GatewaySignatureInvalid, "the signature did not verify"),
    ("isv.signature-missing", KnownCode::GatewaySignatureInvalid, "the signature is missing"),
    ("isv.timestamp-invalid", KnownCode::GatewayTimestampInvalid, "the timestamp is off the gateway's clock"),
    ("isv.timestamp-format-error", KnownCode::GatewayTimestampInvalid, "the timestamp is malformed"),
    ("isv.access-token-expired", KnownCode::GatewayTokenExpired, "access_token expired"),
    ("isv.access-token-no-existed", KnownCode::GatewayTokenExpired, "access_token does not exist"),
    ("dop.authorization-no-existed", KnownCode::GatewayTokenExpired, "the authorization is no longer valid"),
    ("isv.access-token-invalid", KnownCode::GatewayTokenMismatch, "app_key and access_token do not match"),
    (
        "isv.authorization-type-invalid",
        KnownCode::GatewayAuthorityMismatch,
        "the token is of another authority",
    ),
    (
        "isv.app-permissions-insufficient",
        KnownCode::GatewayNoPermission,
        "the app lacks this API's permission",
    ),
    ("isv.traffic-limited", KnownCode::GatewayTrafficLimited, "too frequent"),
    ("dop.service-error", KnownCode::GatewayServiceError, "service unavailable"),
    ("isp.service-error:", KnownCode::GatewayServiceError, "service unavailable"),
];

/// The gateway's main codes with a meaning of their own.
const GATEWAY_CODES: &[(i64, KnownCode)] =
    &[(60000, KnownCode::GatewayTrafficLimited), (20000, KnownCode::GatewayServiceError)];

const TABLE: &[(i64, KnownCode, &str)] = &[
    (10001, KnownCode::SystemError, "system error"),
    (10002, KnownCode::ParameterError, "parameter error"),
    (10003, KnownCode::InvalidClientKey, "client_key does not exist or is misconfigured"),
    (10004, KnownCode::NoPermission, "no permission"),
    (10005, KnownCode::MissingParameter, "missing parameter"),
    (10006, KnownCode::IllegalRedirectUri, "illegal redirect URI"),
    (10007, KnownCode::AuthorizationCodeExpired, "authorization code expired"),
    (10008, KnownCode::AccessTokenInvalid, "access_token invalid or expired"),
    (10010, KnownCode::RefreshTokenExpired, "refresh_token expired; the user must authorize again"),
    (10013, KnownCode::WrongClientCredentials, "client_key or client_secret wrong"),
    (10014, KnownCode::ClientKeyMismatch, "client_key differs from the one that issued the code"),
    (10020, KnownCode::RenewLimitOrTooFrequent, "renewal limit reached or called too often"),
    (2100004, KnownCode::SystemBusy, "system busy, retry"),
    (2100005, KnownCode::ParameterInvalid, "parameter invalid"),
    (2100007, KnownCode::NoOperatePermission, "no permission to operate"),
    (2100009, KnownCode::UserBanned, "user banned from this operation"),
    (2190001, KnownCode::QuotaUsedUp, "quota used up"),
    (2190002, KnownCode::AccessTokenInvalidLegacy, "access_token invalid"),
    (2190003, KnownCode::ScopeNotAuthorized, "the user has not authorized this API"),
    (2190004, KnownCode::CapabilityNotGranted, "the app lacks this capability"),
    (2190008, KnownCode::AccessTokenExpired, "access_token expired"),
    (2190015, KnownCode::TokenOpenIdMismatch, "access_token and open_id do not match"),
    (28001008, KnownCode::TokenExpired, "token expired"),
    (28001012, KnownCode::ScopeNotAuthorizedNew, "scope not authorized"),
    (28001015, KnownCode::TokenOpenIdMismatchNew, "token and open_id do not match"),
    (28001018, KnownCode::CapabilityNotGrantedNew, "capability not granted"),
    (28003017, KnownCode::QuotaUsedUpNew, "quota used up"),
    (28003018, KnownCode::TooFrequent, "request frequency too high"),
];

impl KnownCode {
    /// The documented code for a numeric code of open.douyin.com / open.douyinec.com.
    pub fn from_code(code: i64) -> Option<KnownCode> {
        TABLE.iter().find(|(c, _, _)| *c == code).map(|(_, k, _)| *k)
    }

    /// The documented meaning of a Doudian gateway answer: by its `sub_code`, else its `code`.
    pub fn from_gateway(code: i64, sub_code: &str) -> Option<KnownCode> {
        let by_sub = GATEWAY.iter().find(|(s, _, _)| match s.strip_suffix(':') {
            Some(prefix) => sub_code.starts_with(prefix),
            None => sub_code == *s,
        });
        by_sub.map(|(_, k, _)| *k).or_else(|| GATEWAY_CODES.iter().find(|(c, _)| *c == code).map(|(_, k)| *k))
    }

    /// The numeric code.
    pub fn code(self) -> i64 {
        TABLE.iter().find(|(_, k, _)| *k == self).map_or(0, |(c, _, _)| *c)
    }

    /// What the code means, in English.
    pub fn meaning(self) -> &'static str {
        let gateway = GATEWAY.iter().map(|(_, k, m)| (*k, *m));
        TABLE.iter().map(|(_, k, m)| (*k, *m)).chain(gateway).find(|(k, _)| *k == self).map_or("", |(_, m)| m)
    }

    /// The signed call itself was refused (signature or timestamp): never retried, since the
    /// same bytes fail the same way.
    pub fn is_signature_error(self) -> bool {
        matches!(self, KnownCode::GatewaySignatureInvalid | KnownCode::GatewayTimestampInvalid)
    }

    /// The token used is invalid or expired: fetch a new one (client_token) or refresh.
    pub fn is_token_invalid(self) -> bool {
        matches!(
            self,
            KnownCode::AccessTokenInvalid
                | KnownCode::AccessTokenInvalidLegacy
                | KnownCode::AccessTokenExpired
                | KnownCode::TokenExpired
                | KnownCode::GatewayTokenExpired
        )
    }

    /// The platform is throttling the caller.
    pub fn is_rate_limited(self) -> bool {
        matches!(self, KnownCode::TooFrequent | KnownCode::GatewayTrafficLimited)
    }

    /// The user has not granted the scope the call needs.
    pub fn is_scope_missing(self) -> bool {
        matches!(self, KnownCode::ScopeNotAuthorized | KnownCode::ScopeNotAuthorizedNew)
    }

    /// The platform is busy; the same call may succeed later.
    pub fn is_busy(self) -> bool {
        matches!(self, KnownCode::SystemBusy | KnownCode::GatewayServiceError)
    }
}
