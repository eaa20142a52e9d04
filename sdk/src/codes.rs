//! The platform's documented error codes (api-facts §3), with names and meanings.

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
}

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
    /// The documented code for a numeric code.
    pub fn from_code(code: i64) -> Option<KnownCode> {
        TABLE.iter().find(|(c, _, _)| *c == code).map(|(_, k, _)| *k)
    }

    /// The numeric code.
    pub fn code(self) -> i64 {
        TABLE.iter().find(|(_, k, _)| *k == self).map_or(0, |(c, _, _)| *c)
    }

    /// What the code means, in English.
    pub fn meaning(self) -> &'static str {
        TABLE.iter().find(|(_, k, _)| *k == self).map_or("", |(_, _, m)| m)
    }

    /// The token used is invalid or expired: fetch a new one (client_token) or refresh.
    pub fn is_token_invalid(self) -> bool {
        matches!(
            self,
            KnownCode::AccessTokenInvalid
                | KnownCode::AccessTokenInvalidLegacy
                | KnownCode::AccessTokenExpired
                | KnownCode::TokenExpired
        )
    }

    /// The platform is throttling the caller.
    pub fn is_rate_limited(self) -> bool {
        matches!(self, KnownCode::TooFrequent)
    }

    /// The user has not granted the scope the call needs.
    pub fn is_scope_missing(self) -> bool {
        matches!(self, KnownCode::ScopeNotAuthorized | KnownCode::ScopeNotAuthorizedNew)
    }

    /// The platform is busy; the same call may succeed later.
    pub fn is_busy(self) -> bool {
        matches!(self, KnownCode::SystemBusy)
    }
}
