//! One error type for every failure of a call. Each error names its endpoint; `Display` is one
//! line, and the alternate form (`{:#}`) appends the chain of sources.

use std::fmt;
use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;

use crate::codes::KnownCode;

/// The result of an SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed call: which endpoint, and what went wrong ([`ErrorKind`]).
///
/// ```
/// # use douyin_alliance::{Error, ErrorKind};
/// let e = Error::new("kol_store_list", ErrorKind::InvalidInput {
///     field: "page_size".into(),
///     problem: "must be at most 20, got 50".into(),
/// });
/// assert_eq!(
///     e.to_string(),
///     "kol_store_list: invalid input, not sent: `page_size` must be at most 20, got 50"
/// );
/// assert!(!e.is_retryable());
/// ```
#[derive(Debug)]
pub struct Error {
    endpoint: &'static str,
    kind: ErrorKind,
    /// The OAuth scope the platform said the token lacks (the endpoint's, from the spec).
    missing_scope: Option<&'static str>,
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The platform answered with an error code.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// An HTTP status other than success, without a platform error in the body; or a redirect
    /// (3xx), which the SDK never follows: a redirect to another host would carry the
    /// credentials there.
    #[error("{}", http_status_message(*.status, .snippet, .location_host.as_deref()))]
    HttpStatus {
        /// The status code.
        status: u16,
        /// The start of the body (credentials masked); empty for a redirect, whose body is not
        /// read.
        snippet: String,
        /// For a redirect: the host (and port, when the URL names one) of its `Location`,
        /// resolved against the request's URL; never its path or query. `None` otherwise, and
        /// when a redirect has no usable `Location`.
        location_host: Option<String>,
    },
    /// The request could not be sent or the response not received.
    #[error("transport error")]
    Transport(#[source] reqwest::Error),
    /// A timeout ran out: which one ([`TimeoutKind`]), and after how long.
    #[error("{which} timed out after {after:?}")]
    Timeout {
        /// Which timeout.
        which: TimeoutKind,
        /// The time it allows (for the connect timeout of a caller-supplied `reqwest::Client`,
        /// whose setting the SDK cannot read, the time the attempt took).
        after: Duration,
    },
    /// The body is not the JSON the spec describes.
    #[error("cannot decode the response ({message}); body starts: {snippet}")]
    Decode {
        /// serde's message.
        message: String,
        /// The start of the body (credentials masked).
        snippet: String,
        /// The whole body as received.
        body: RawBody,
    },
    /// The body is larger than the configured limit.
    #[error("the response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The client_token needed for the call could not be obtained.
    #[error("could not obtain a client_token")]
    Token(#[source] Box<Error>),
    /// The input breaks a constraint the platform states; nothing was sent.
    #[error("invalid input, not sent: `{field}` {problem}")]
    InvalidInput {
        /// The field path (`products[2].product_id`).
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// The user's authorization can no longer be refreshed or renewed.
    #[error("the user must authorize the app again: {reason}")]
    ReauthorizationRequired {
        /// Why.
        reason: String,
    },
    /// The client's own rate limit (or a cool-down after the platform throttled) gave no
    /// permit within the call's timeout; nothing was sent.
    #[error("not sent: the rate limit `{scope}` ({limit}) gave no permit within the call's timeout")]
    Throttled {
        /// The limit that held the call: `app`, an endpoint's name, or `cool:<endpoint>`.
        scope: String,
        /// The limit.
        limit: String,
    },
    /// The client is not configured for this call.
    #[error("configuration: {0}")]
    Config(String),
    /// Not sent: the Doudian endpoint takes a token of another kind of authority (the gateway
    /// would answer `40003 isv.authorization-type-invalid`).
    #[error("not sent: the endpoint takes the token of a {}, not of a {}", authority_list(.needed), .given.phrase())]
    WrongAuthority {
        /// The kinds the endpoint takes.
        needed: &'static [crate::endpoint::Authority],
        /// The kind of the token given.
        given: crate::endpoint::Authority,
    },
    /// A paging stream ended without yielding every item the answers carried or announced:
    /// items of another shape were left out (each kept raw in its page's `extra_fields`), a
    /// page's list could not be read at all, or `total` counts more items than arrived. It is
    /// the stream's last item, after every item that could be read.
    #[error("the list is incomplete: {yielded} item(s) yielded{}", incomplete_detail(*.left_out, *.unreadable, *.total))]
    IncompleteList {
        /// Items the stream yielded.
        yielded: u64,
        /// Items that arrived in another shape and were left out.
        left_out: u64,
        /// Whether a page's item list arrived in another shape (then its length is unknown).
        unreadable: bool,
        /// The answers' `total`, when they give one.
        total: Option<i64>,
    },
}

fn authority_list(a: &[crate::endpoint::Authority]) -> String {
    a.iter().map(|a| a.phrase()).collect::<Vec<_>>().join(" or ")
}

fn incomplete_detail(left_out: u64, unreadable: bool, total: Option<i64>) -> String {
    let mut s = String::new();
    if left_out > 0 {
        s.push_str(&format!(", {left_out} left out for being of another shape (kept raw in extra_fields)"));
    }
    if unreadable {
        s.push_str(", and a page's list arrived in another shape (kept raw in extra_fields)");
    }
    if let Some(t) = total {
        s.push_str(&format!(", of a total of {t}"));
    }
    s
}

/// Which timeout ran out ([`ErrorKind::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// No connection within [`crate::ClientBuilder::connect_timeout`]: nothing was sent.
    Connect,
    /// No complete answer (status, headers and the whole body) within
    /// [`crate::ClientBuilder::timeout`] of sending.
    Request,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connecting",
            TimeoutKind::Request => "the request",
        })
    }
}

/// The message of [`ErrorKind::HttpStatus`].
fn http_status_message(status: u16, snippet: &str, location_host: Option<&str>) -> String {
    if (300..400).contains(&status) {
        let to =
            location_host.map_or_else(|| "without a usable Location".to_string(), |h| format!("to `{h}`"));
        format!("unexpected HTTP status {status}: a redirect {to}, not followed (the SDK never follows redirects)")
    } else {
        format!("unexpected HTTP status {status}; body starts: {snippet}")
    }
}

/// An error answer of the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The error code (`data.error_code`, `extra.error_code`, `err_no` or `code`).
    pub code: i64,
    /// The platform's description.
    pub description: String,
    /// `extra.sub_error_code`, when given.
    pub sub_code: Option<i64>,
    /// `extra.sub_description`, when given.
    pub sub_description: Option<String>,
    /// The platform's trace id (`extra.logid` / `log_id`).
    pub logid: Option<String>,
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// The Doudian gateway's textual `sub_code` (`isv.access-token-expired`, …): `Some` exactly
    /// for answers of the gateway, whose codes are read against its own table.
    pub gateway_sub_code: Option<String>,
}

impl ApiError {
    /// The documented meaning of the code (or of the sub code), if known.
    pub fn known(&self) -> Option<KnownCode> {
        if let Some(sub) = &self.gateway_sub_code {
            return KnownCode::from_gateway(self.code, sub);
        }
        KnownCode::from_code(self.code).or_else(|| self.sub_code.and_then(KnownCode::from_code))
    }

    /// Whether the code or the sub code has a documented meaning that `test` accepts: an
    /// answer "busy" (2100004) with a sub code "too frequent" (28003018) is both.
    pub fn any_known(&self, test: impl Fn(KnownCode) -> bool) -> bool {
        if self.gateway_sub_code.is_some() {
            return self.known().is_some_and(test);
        }
        [Some(self.code), self.sub_code].into_iter().flatten().filter_map(KnownCode::from_code).any(test)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The texts come from the server: keep them on one line.
        let f = &mut OneLine(f);
        write!(f, "API error {}", self.code)?;
        let known =
            if self.gateway_sub_code.is_some() { self.known() } else { KnownCode::from_code(self.code) };
        if let Some(k) = known {
            write!(f, " ({})", k.meaning())?;
        }
        if !self.description.is_empty() {
            write!(f, ": {}", self.description)?;
        }
        if let Some(sub) = self.gateway_sub_code.as_deref().filter(|s| !s.is_empty()) {
            write!(f, "; {sub}")?;
            if let Some(d) = self.sub_description.as_deref().filter(|d| !d.is_empty()) {
                write!(f, ": {d}")?;
            }
        }
        if known.is_some_and(KnownCode::is_signature_error) {
            write!(
                f,
                " (likely causes: the app_secret, this machine's clock, or a body that is not the signed text)"
            )?;
        }
        if let Some(sub) = self.sub_code.filter(|c| *c != 0) {
            write!(f, "; sub code {sub}")?;
            if let Some(d) = self.sub_description.as_deref().filter(|d| !d.is_empty()) {
                write!(f, ": {d}")?;
            }
        }
        if let Some(l) = &self.logid {
            write!(f, " [logid {l}]")?;
        }
        Ok(())
    }
}

/// Response bytes kept for inspection; `Debug` shows only their length.
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(pub Bytes);

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl Error {
    /// A new error of `endpoint`.
    pub fn new(endpoint: &'static str, kind: ErrorKind) -> Self {
        Error { endpoint, kind, missing_scope: None }
    }

    /// Records the scope the endpoint needs, when the answer says the token lacks a scope.
    pub(crate) fn with_scope_of(mut self, scope: Option<&'static str>) -> Self {
        if self.api().is_some_and(|a| a.any_known(KnownCode::is_scope_missing)) {
            self.missing_scope = scope;
        }
        self
    }

    /// The OAuth scope the user has not granted, when the platform refused the call for a
    /// missing scope (2190003 / 28001012) and the spec states the endpoint's scope: ask the
    /// user to authorize again with it (see [`crate::oauth::AuthorizeUrl`]).
    pub fn missing_scope(&self) -> Option<&'static str> {
        self.missing_scope
    }

    /// The endpoint whose call failed.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Consumes the error, returning what went wrong.
    pub fn into_kind(self) -> ErrorKind {
        self.kind
    }

    /// The platform's error answer, if that is what this is.
    pub fn api(&self) -> Option<&ApiError> {
        match &self.kind {
            ErrorKind::Api(a) => Some(a),
            ErrorKind::Token(inner) => inner.api(),
            _ => None,
        }
    }

    /// The platform's trace id, when the answer had one.
    pub fn logid(&self) -> Option<&str> {
        self.api().and_then(|a| a.logid.as_deref())
    }

    /// Whether the same call may succeed if repeated later: transport failures, timeouts,
    /// HTTP 429/502/503/504, and the platform's busy and rate-limit codes.
    pub fn is_retryable(&self) -> bool {
        match &self.kind {
            ErrorKind::Transport(e) => !e.is_builder() && !e.is_redirect(),
            ErrorKind::Timeout { .. } => true,
            ErrorKind::HttpStatus { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            ErrorKind::Api(a) => {
                matches!(a.http_status, 429 | 502 | 503 | 504)
                    || a.any_known(|k| k.is_busy() || k.is_rate_limited())
            }
            ErrorKind::Token(inner) => inner.is_retryable(),
            _ => false,
        }
    }

    /// Whether the platform said the token used is invalid or expired.
    pub fn is_token_invalid(&self) -> bool {
        self.api().is_some_and(|a| a.any_known(KnownCode::is_token_invalid))
    }

    /// Whether the caller is throttled: by the platform (HTTP 429 or a rate-limit code) or by
    /// the client's own rate limit ([`ErrorKind::Throttled`]).
    pub fn is_rate_limited(&self) -> bool {
        match &self.kind {
            ErrorKind::HttpStatus { status: 429, .. } | ErrorKind::Throttled { .. } => true,
            _ => self.api().is_some_and(|a| a.http_status == 429 || a.any_known(KnownCode::is_rate_limited)),
        }
    }

    /// Whether the request was certainly not delivered (so even a mutation may be sent again):
    /// no connection could be made (refused, or the connect timeout ran out).
    pub(crate) fn was_not_sent(&self) -> bool {
        matches!(
            &self.kind,
            ErrorKind::Transport(e) if e.is_connect()
        ) || matches!(&self.kind, ErrorKind::Timeout { which: TimeoutKind::Connect, .. })
    }
}

/// Writes through to a formatter with control characters (line breaks included) turned into
/// spaces, so that text from the network cannot break an error's single line.
struct OneLine<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for OneLine<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if !s.contains(char::is_control) {
            return self.0.write_str(s);
        }
        s.chars().try_for_each(|c| fmt::Write::write_char(self.0, if c.is_control() { ' ' } else { c }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alternate = f.alternate();
        let f = &mut OneLine(f);
        write!(f, "{}: {}", self.endpoint, self.kind)?;
        if let Some(scope) = self.missing_scope {
            write!(f, "; the user has not granted the scope `{scope}` this call needs")?;
        }
        if alternate {
            let mut source = std::error::Error::source(&self.kind);
            while let Some(s) = source {
                write!(f, ": {s}")?;
                source = s.source();
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

/// The first `max` characters of a body, with credential values masked, for messages.
pub(crate) fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let masked = mask_credentials(&text);
    let mut out: String = masked.chars().take(max).filter(|c| !c.is_control() || *c == ' ').collect();
    if masked.chars().count() > max {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty)");
    }
    out
}

/// Replaces the values of credential fields (`access_token`, `refresh_token`, `client_secret`,
/// `client_token`, and their `-` spellings) in JSON, form or query text with `***`, as the SDK
/// does in every snippet it shows; for logging request or response text safely.
///
/// ```
/// let masked = douyin_alliance::mask_credentials(r#"{"access_token":"act.1","open_id":"o"}"#);
/// assert_eq!(masked, r#"{"access_token":"***","open_id":"o"}"#);
/// ```
pub fn mask_credentials(text: &str) -> String {
    use std::sync::OnceLock;
    static RE: OnceLock<Option<regex::Regex>> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r#"("?\b(?:access[_-]token|refresh[_-]token|client[_-]secret|client[_-]token|app[_-]secret|sign)\b"?\s*[:=]\s*"?)[^",&}\s]*"#,
        )
        .ok()
    });
    match re {
        Some(re) => re.replace_all(text, "${1}***").into_owned(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mask_credentials_and_are_short() {
        let s = snippet(br#"{"data":{"access_token":"clt.abc","expires_in":7200}}"#, 200);
        assert!(!s.contains("clt.abc"), "{s}");
        assert!(s.contains("\"access_token\":\"***\""), "{s}");
        assert_eq!(snippet(b"refresh_token=rft.x&client_key=k", 200), "refresh_token=***&client_key=k");
        assert_eq!(snippet(&[b'a'; 500], 10).chars().count(), 11);
    }

    #[test]
    fn timeouts_say_which_and_redirects_name_only_the_host() {
        let connect = ErrorKind::Timeout { which: TimeoutKind::Connect, after: Duration::from_secs(10) };
        assert_eq!(connect.to_string(), "connecting timed out after 10s");
        assert!(Error::new("e", connect).was_not_sent());
        let request = ErrorKind::Timeout { which: TimeoutKind::Request, after: Duration::from_millis(30) };
        assert!(!Error::new("e", request).was_not_sent());
        let redirect = ErrorKind::HttpStatus {
            status: 302,
            snippet: String::new(),
            location_host: Some("evil:81".into()),
        };
        assert_eq!(
            redirect.to_string(),
            "unexpected HTTP status 302: a redirect to `evil:81`, not followed (the SDK never follows redirects)"
        );
        assert!(!Error::new("e", redirect).is_retryable());
        let bare = ErrorKind::HttpStatus { status: 307, snippet: String::new(), location_host: None };
        assert!(bare.to_string().contains("a redirect without a usable Location"), "{bare}");
        let status = ErrorKind::HttpStatus { status: 502, snippet: "(empty)".into(), location_host: None };
        assert_eq!(status.to_string(), "unexpected HTTP status 502; body starts: (empty)");
    }

    #[test]
    fn alternate_display_shows_the_source_chain() {
        let inner = Error::new(
            "oauth_client_token",
            ErrorKind::Timeout { which: TimeoutKind::Request, after: Duration::from_secs(1) },
        );
        let e = Error::new("materials_product_category", ErrorKind::Token(Box::new(inner)));
        assert_eq!(e.to_string(), "materials_product_category: could not obtain a client_token");
        assert_eq!(
            format!("{e:#}"),
            "materials_product_category: could not obtain a client_token: oauth_client_token: the request timed out after 1s"
        );
    }
}
