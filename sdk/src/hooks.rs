//! One extension seam: hooks see (and may change) each request before it is sent, and see each
//! outcome. Use them for custom headers, metrics or logging without forking the client.

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

    /// Called after each attempt, successful or not.
    fn on_outcome(&self, outcome: &Outcome<'_>) {
        let _ = outcome;
    }
}
