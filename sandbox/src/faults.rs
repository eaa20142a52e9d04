//! Fault injection: per endpoint, a queue of failures to answer instead of the normal reply,
//! each for a number of requests or for all of them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::stream;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};

use crate::spec::Endpoint;
use douyin_alliance::KnownCode;

use crate::clock::Clock;
use crate::reply::{bytes_response, example_body, json_response, known_error};

/// A failure the sandbox answers instead of the normal reply.
///
/// Faults replace the reply before the request is checked or processed (a gateway failure),
/// except [`Fault::Latency`], which delays the normal reply.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer this HTTP status with a plain-text body.
    Status(u16),
    /// The platform's "system busy" code (2100004) in the endpoint's envelope; on the Doudian
    /// gateway `20000 dop.service-error`.
    Busy,
    /// The platform's "request frequency too high" code (28003018) in the endpoint's envelope;
    /// on the Doudian gateway `60000 isv.traffic-limited`.
    RateLimited,
    /// The platform's "access_token expired" code (2190008) in the endpoint's envelope; on the
    /// Doudian gateway `40003 isv.access-token-expired`.
    ExpiredToken,
    /// HTTP 200 with the first half of the normal JSON body (a complete, short response).
    TruncatedBody,
    /// HTTP 200 with an HTML error page instead of JSON.
    NonJsonBody,
    /// HTTP 200 with a valid JSON envelope padded to this many bytes, streamed without a
    /// Content-Length.
    OversizedBody(usize),
    /// HTTP 200 announcing a longer Content-Length, a few bytes of body, then the connection
    /// is closed.
    Disconnect,
}

impl fmt::Display for Fault {
    /// The flag form, as [`FaultRule`] parses it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Latency(d) => write!(f, "latency:{}", d.as_millis()),
            Fault::Status(s) => write!(f, "status:{s}"),
            Fault::Busy => f.write_str("busy"),
            Fault::RateLimited => f.write_str("rate_limit"),
            Fault::ExpiredToken => f.write_str("expired_token"),
            Fault::TruncatedBody => f.write_str("truncated"),
            Fault::NonJsonBody => f.write_str("non_json"),
            Fault::OversizedBody(n) => write!(f, "oversize:{n}"),
            Fault::Disconnect => f.write_str("disconnect"),
        }
    }
}

/// A fault for an endpoint (or `*` for all), for a number of requests (`None`: every request).
///
/// Parsed from the binary's `--fault` flag: `ENDPOINT=KIND[:ARG][:TIMES]`, where KIND is
/// `latency:MS`, `status:CODE`, `busy`, `rate_limit`, `expired_token`, `truncated`,
/// `non_json`, `oversize:BYTES` or `disconnect`.
///
/// ```
/// use douyin_sandbox::{Fault, FaultRule};
/// let r: FaultRule = "kol_store_list=status:503:2".parse().unwrap();
/// assert_eq!(r.endpoint, "kol_store_list");
/// assert_eq!(r.fault, Fault::Status(503));
/// assert_eq!(r.times, Some(2));
/// let r: FaultRule = "*=latency:250".parse().unwrap();
/// assert_eq!(r.times, None);
/// assert!("nope=busy".parse::<FaultRule>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Endpoint name, or `*` for every endpoint.
    pub endpoint: String,
    /// The fault.
    pub fault: Fault,
    /// How many requests it hits; `None` for all.
    pub times: Option<usize>,
}

/// A fault rule that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{input}`: {reason} (expected ENDPOINT=KIND[:ARG][:TIMES], e.g. kol_store_list=status:503:2)")]
pub struct ParseFaultError {
    input: String,
    reason: String,
}

impl FromStr for FaultRule {
    type Err = ParseFaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ParseFaultError { input: s.to_string(), reason };
        let (endpoint, spec) = s.split_once('=').ok_or_else(|| err("missing `=`".into()))?;
        let endpoint = endpoint.trim();
        if endpoint != "*" && crate::spec::endpoint(endpoint).is_none() {
            return Err(err(format!("unknown endpoint `{endpoint}`")));
        }
        let parts: Vec<&str> = spec.trim().split(':').collect();
        let number = |p: Option<&&str>, what: &str| -> Result<u64, ParseFaultError> {
            let p = p.ok_or_else(|| err(format!("{} needs {what}", parts[0])))?;
            p.parse::<u64>().map_err(|_| err(format!("`{p}` is not a number ({what})")))
        };
        let (fault, rest) = match parts[0] {
            "latency" => (Fault::Latency(Duration::from_millis(number(parts.get(1), "milliseconds")?)), 2),
            "status" => {
                let code = number(parts.get(1), "an HTTP status")?;
                let code = u16::try_from(code)
                    .ok()
                    .filter(|c| StatusCode::from_u16(*c).is_ok())
                    .ok_or_else(|| err(format!("{code} is not an HTTP status")))?;
                (Fault::Status(code), 2)
            }
            "oversize" => {
                let n = number(parts.get(1), "a size in bytes")?;
                (Fault::OversizedBody(usize::try_from(n).map_err(|_| err("size too large".into()))?), 2)
            }
            "busy" => (Fault::Busy, 1),
            "rate_limit" => (Fault::RateLimited, 1),
            "expired_token" => (Fault::ExpiredToken, 1),
            "truncated" => (Fault::TruncatedBody, 1),
            "non_json" => (Fault::NonJsonBody, 1),
            "disconnect" => (Fault::Disconnect, 1),
            other => return Err(err(format!("unknown fault kind `{other}`"))),
        };
        let times = match parts.get(rest) {
            None => None,
            Some(t) => Some(
                t.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| err(format!("`{t}` is not a positive count")))?,
            ),
        };
        if parts.len() > rest + 1 {
            return Err(err("too many `:` parts".into()));
        }
        Ok(FaultRule { endpoint: endpoint.to_string(), fault, times })
    }
}

/// The faults waiting, per endpoint name (`*` for all).
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    queues: HashMap<String, Vec<(Fault, Option<usize>)>>,
}

impl FaultTable {
    pub(crate) fn add(&mut self, rule: FaultRule) {
        self.queues.entry(rule.endpoint).or_default().push((rule.fault, rule.times));
    }

    pub(crate) fn clear(&mut self) {
        self.queues.clear();
    }

    /// The fault for this request of `endpoint`, used up by one.
    pub(crate) fn take(&mut self, endpoint: &str) -> Option<Fault> {
        for key in [endpoint, "*"] {
            let Some(queue) = self.queues.get_mut(key) else { continue };
            let Some((fault, times)) = queue.first_mut() else { continue };
            let fault = fault.clone();
            if let Some(n) = times {
                *n -= 1;
                if *n == 0 {
                    queue.remove(0);
                }
            }
            return Some(fault);
        }
        None
    }
}

const HTML_ERROR: &str =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

/// The answer for `fault` on `ep` (not for [`Fault::Latency`], which only delays).
pub(crate) fn render(
    fault: &Fault,
    ep: &Endpoint,
    example: Option<&serde_json::Value>,
    clock: &Clock,
) -> Response {
    let coded =
        |code: KnownCode, text: &str| json_response(StatusCode::OK, &known_error(ep, code, text, clock));
    match fault {
        Fault::Latency(_) => json_response(StatusCode::OK, &example_body(ep, example, clock)),
        Fault::Status(s) => {
            let status = StatusCode::from_u16(*s).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let text = format!("{} {}\n", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
            bytes_response(status, "text/plain; charset=utf-8", text.into_bytes())
        }
        Fault::Busy => coded(KnownCode::SystemBusy, "system busy, please retry"),
        Fault::RateLimited => coded(KnownCode::TooFrequent, "request frequency too high"),
        Fault::ExpiredToken => coded(KnownCode::AccessTokenExpired, "access_token expired"),
        Fault::TruncatedBody => {
            let full = example_body(ep, example, clock).to_string().into_bytes();
            let half = full[..full.len() / 2].to_vec();
            bytes_response(StatusCode::OK, "application/json", half)
        }
        Fault::NonJsonBody => bytes_response(StatusCode::OK, "text/html", HTML_ERROR.into()),
        Fault::OversizedBody(n) => oversized(*n),
        Fault::Disconnect => disconnect(example_body(ep, example, clock).to_string().into_bytes()),
    }
}

const CHUNK: usize = 64 * 1024;

/// A valid `data`+`extra`-less envelope of `n` bytes, streamed in chunks.
fn oversized(n: usize) -> Response {
    let head = br#"{"data":{"error_code":0,"description":"","padding":""#.to_vec();
    let tail = br#""}}"#.to_vec();
    let pad = n.saturating_sub(head.len() + tail.len());
    let filler = Bytes::from(vec![b'x'; CHUNK]);
    let mut pieces: Vec<Bytes> = vec![Bytes::from(head)];
    let mut left = pad;
    while left > 0 {
        let take = left.min(CHUNK);
        pieces.push(filler.slice(..take));
        left -= take;
    }
    pieces.push(Bytes::from(tail));
    let body = Body::from_stream(stream::iter(pieces.into_iter().map(Ok::<_, std::io::Error>)));
    let mut r = Response::new(body);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// Announces the whole body, sends a few bytes, waits a moment, then fails the stream so the
/// server closes the connection mid-response.
fn disconnect(full: Vec<u8>) -> Response {
    let announced = full.len().max(64) + 512;
    let first = Bytes::from(full.into_iter().take(16).collect::<Vec<u8>>());
    let body = stream::unfold(0u8, move |step| {
        let first = first.clone();
        async move {
            match step {
                0 => Some((Ok(first), 1)),
                1 => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Some((Err(std::io::Error::other("sandbox fault: connection closed mid-response")), 2))
                }
                _ => None,
            }
        }
    });
    let mut r = Response::new(Body::from_stream(body));
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(announced));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print_back() {
        for text in [
            "kol_store_list=status:503:2",
            "store_add=busy",
            "*=latency:250:1",
            "kol_orders=oversize:2000000",
            "oauth_client_token=rate_limit:3",
            "kol_buyin_id=disconnect",
        ] {
            let r: FaultRule = text.parse().unwrap();
            let back =
                format!("{}={}{}", r.endpoint, r.fault, r.times.map(|t| format!(":{t}")).unwrap_or_default());
            assert_eq!(back, text);
        }
        for bad in [
            "x",
            "kol_orders=",
            "kol_orders=status",
            "kol_orders=status:42",
            "kol_orders=busy:0",
            "kol_orders=busy:1:2",
            "kol_orders=boom",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn faults_are_used_up_in_order_and_the_wildcard_comes_last() {
        let mut t = FaultTable::default();
        t.add("kol_orders=busy:1".parse().unwrap());
        t.add("kol_orders=status:503:1".parse().unwrap());
        t.add("*=rate_limit:1".parse().unwrap());
        assert_eq!(t.take("kol_orders"), Some(Fault::Busy));
        assert_eq!(t.take("kol_orders"), Some(Fault::Status(503)));
        assert_eq!(t.take("kol_orders"), Some(Fault::RateLimited));
        assert_eq!(t.take("kol_orders"), None);
    }
}
