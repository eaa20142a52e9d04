//! One extension seam: hooks see (and may change) each request before it is sent, see each
//! answer with what decoding it found, and see each outcome. Use them for custom headers,
//! metrics, logging or recording what the platform really sends, without forking the client.

use std::time::Duration;

use crate::endpoint::Endpoint;

/// What a hook learns about one attempt.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    /// The endpoint.
    pub endpoint: &'static Endpoint,
    /// 1-based attempt number.
    pub attempt: u32,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Time the attempt took.
    pub elapsed: Duration,
    /// The error, when the attempt failed.
    pub error: Option<&'a crate::Error>,
}

/// What a hook learns about one answer: the HTTP status, the body as received, and what
/// decoding found that the spec did not say.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The endpoint.
    pub endpoint: &'static Endpoint,
    /// 1-based attempt number.
    pub attempt: u32,
    /// HTTP status.
    pub status: u16,
    /// The body, as received (it may carry personal data: keep kinds and counts, not values).
    pub body: &'a [u8],
    /// Unknown keys and lenient misses of this answer's decode.
    pub report: &'a crate::object::DecodeReport,
    /// Whether the answer decoded into the call's typed data.
    pub decoded: bool,
}

/// Observes or adjusts calls. Every method has a default that does nothing.
///
/// ```
/// use douyin_alliance::{Hook, endpoint::Endpoint};
/// struct TraceHeader;
/// impl Hook for TraceHeader {
///     fn on_request(&self, _: &'static Endpoint, request: &mut reqwest::Request) {
///         request.headers_mut().insert("x-trace", reqwest::header::HeaderValue::from_static("1"));
///     }
/// }
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Called with each request just before it is sent (once per attempt). Credentials in
    /// headers are marked sensitive; do not log them.
    fn on_request(&self, endpoint: &'static Endpoint, request: &mut reqwest::Request) {
        let _ = (endpoint, request);
    }

    /// Called with each answer that arrived (once per attempt that got one), after it was
    /// decoded and before [`Hook::on_outcome`].
    fn on_answer(&self, answer: &Answer<'_>) {
        let _ = answer;
    }

    /// Called after each attempt, successful or not.
    fn on_outcome(&self, outcome: &Outcome<'_>) {
        let _ = outcome;
    }
}
