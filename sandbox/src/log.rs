//! What arrived: a log of requests bounded by count and by bytes, and a count per endpoint, for
//! tests to assert on.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use bytes::Bytes;
use serde_json::Value;

use douyin_alliance::endpoint::Server;

/// One HTTP request as a server received it: what the sandbox logs, and what the end-to-end
/// tests' recording server keeps.
///
/// `Debug` masks the `access-token` header and credentials in the query, and shows only the
/// body's length, so a log line never leaks credentials; the fields hold everything for
/// assertions.
#[derive(Clone)]
pub struct Received {
    /// HTTP method.
    pub method: http::Method,
    /// Path, as sent.
    pub path: String,
    /// Raw query string.
    pub query: Option<String>,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl Received {
    /// The parts of an HTTP request and its body. The header values are copied, so the record
    /// holds no view into the server's read buffer (which would keep that buffer alive).
    pub fn new(parts: &http::request::Parts, body: Bytes) -> Self {
        let mut headers = http::HeaderMap::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            let mut copy = http::HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
            copy.set_sensitive(value.is_sensitive());
            headers.append(name.clone(), copy);
        }
        Received {
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers,
            body,
        }
    }

    /// The bytes this record holds: body, path, query and headers.
    pub(crate) fn held_bytes(&self) -> usize {
        let headers: usize = self.headers.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
        self.body.len() + self.path.len() + self.query.as_ref().map_or(0, String::len) + headers
    }

    /// The body as JSON; `null` when it is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The body as form pairs.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body).into_owned().collect()
    }

    /// The decoded query pairs.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    }

    /// The decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if k.as_str().eq_ignore_ascii_case(douyin_alliance::TOKEN_HEADER) {
                    "***".to_string()
                } else {
                    v.to_str().unwrap_or("<binary>").to_string()
                };
                (k.to_string(), shown)
            })
            .collect();
        f.debug_struct("Received")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query.as_deref().map(douyin_alliance::mask_credentials))
            .field("headers", &headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// One request the sandbox received, with the endpoint and server it reached; the request's
/// own fields and accessors are those of [`Received`] (through `Deref`).
///
/// The log keeps each body up to a prefix ([`crate::SandboxConfig::log_body_prefix`], 64 KiB by
/// default): `request.body` is that prefix and [`LoggedRequest::body_len`] the size that arrived.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// The endpoint the path belongs to (`None` for paths the spec does not know, and for the
    /// authorization page).
    pub endpoint: Option<&'static str>,
    /// The server that received it.
    pub server: Server,
    /// The request (its body up to the log's prefix).
    pub request: Received,
    /// The size of the body as it arrived, in bytes.
    pub body_len: usize,
}

impl LoggedRequest {
    /// The request as the log keeps it: its body cut to `prefix` bytes (copied, so the log never
    /// holds the whole body that arrived), its full size recorded.
    pub(crate) fn new(
        endpoint: Option<&'static str>,
        server: Server,
        parts: &http::request::Parts,
        body: &[u8],
        prefix: usize,
    ) -> Self {
        let kept = Bytes::copy_from_slice(&body[..body.len().min(prefix)]);
        LoggedRequest { endpoint, server, request: Received::new(parts, kept), body_len: body.len() }
    }

    /// Whether the log kept only a prefix of the body.
    pub fn body_truncated(&self) -> bool {
        self.request.body.len() < self.body_len
    }

    /// What the entry costs the log's byte budget: the bytes it holds and the record itself.
    fn cost(&self) -> usize {
        std::mem::size_of::<LoggedRequest>() + self.request.held_bytes()
    }
}

impl std::ops::Deref for LoggedRequest {
    type Target = Received;
    fn deref(&self) -> &Received {
        &self.request
    }
}

/// The log and the counters.
#[derive(Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    counts: HashMap<&'static str, usize>,
    /// At most this many entries.
    capacity: usize,
    /// At most this many bytes (the entries' [`LoggedRequest::cost`]).
    max_bytes: usize,
    /// The entries' cost now.
    bytes: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        RequestLog { entries: VecDeque::new(), counts: HashMap::new(), capacity, max_bytes, bytes: 0 }
    }

    /// Logs `r`, first dropping the oldest entries until it fits both bounds; an entry larger
    /// than the whole byte budget is counted but not kept.
    pub(crate) fn push(&mut self, r: LoggedRequest) {
        if let Some(name) = r.endpoint {
            *self.counts.entry(name).or_default() += 1;
        }
        let cost = r.cost();
        if self.capacity == 0 || cost > self.max_bytes {
            return;
        }
        while self.entries.len() >= self.capacity || self.bytes + cost > self.max_bytes {
            match self.entries.pop_front() {
                Some(old) => self.bytes -= old.cost(),
                None => break,
            }
        }
        self.bytes += cost;
        self.entries.push_back(r);
    }

    /// The bytes the kept entries cost (at most the configured budget).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    pub(crate) fn count(&self, endpoint: &str) -> usize {
        self.counts.get(endpoint).copied().unwrap_or(0)
    }

    pub(crate) fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.counts.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(endpoint: &'static str, body: &[u8], prefix: usize) -> LoggedRequest {
        let (parts, ()) =
            http::Request::post("/p?q=1").header("x-h", "v").body(()).expect("a valid request").into_parts();
        LoggedRequest::new(Some(endpoint), Server::OpenDouyin, &parts, body, prefix)
    }

    #[test]
    fn bodies_are_kept_up_to_the_prefix_with_their_full_size() {
        let r = request("e", &[b'a'; 1000], 100);
        assert_eq!(r.body.len(), 100);
        assert_eq!(r.body_len, 1000);
        assert!(r.body_truncated());
        let whole = request("e", b"{}", 100);
        assert_eq!(&whole.body[..], b"{}");
        assert!(!whole.body_truncated());
    }

    #[test]
    fn the_log_stays_within_its_byte_budget_and_drops_the_oldest_first() {
        let one = request("e", &[b'a'; 1000], 1000).cost();
        let mut log = RequestLog::new(10_000, one * 3);
        for _ in 0..10 {
            log.push(request("e", &[b'a'; 1000], 1000));
            assert!(log.bytes() <= one * 3);
        }
        assert_eq!(log.entries().len(), 3);
        assert_eq!(log.bytes(), one * 3);
        assert_eq!(log.count("e"), 10, "counts cover every request");
        // An entry larger than the whole budget is counted, not kept, and evicts nothing.
        log.push(request("e", &[b'a'; 5000], 5000));
        assert_eq!((log.entries().len(), log.count("e")), (3, 11));
        log.clear();
        assert_eq!((log.bytes(), log.entries().len()), (0, 0));
    }

    #[test]
    fn the_count_bound_still_holds() {
        let mut log = RequestLog::new(2, usize::MAX);
        for _ in 0..5 {
            log.push(request("e", b"x", 10));
        }
        assert_eq!(log.entries().len(), 2);
        assert_eq!(log.bytes(), 2 * request("e", b"x", 10).cost());
    }
}
