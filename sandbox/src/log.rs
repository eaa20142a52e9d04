//! What arrived: a bounded log of requests and a count per endpoint, for tests to assert on.

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
    /// The parts of an HTTP request and its body.
    pub fn new(parts: &http::request::Parts, body: Bytes) -> Self {
        Received {
            method: parts.method.clone(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts.headers.clone(),
            body,
        }
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
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    /// The endpoint the path belongs to (`None` for paths the spec does not know, and for the
    /// authorization page).
    pub endpoint: Option<&'static str>,
    /// The server that received it.
    pub server: Server,
    /// The request.
    pub request: Received,
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
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        RequestLog { entries: VecDeque::new(), counts: HashMap::new(), capacity }
    }

    pub(crate) fn push(&mut self, r: LoggedRequest) {
        if let Some(name) = r.endpoint {
            *self.counts.entry(name).or_default() += 1;
        }
        if self.capacity == 0 {
            return;
        }
        while self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(r);
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
    }
}
