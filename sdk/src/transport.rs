//! The one place a call is sent: input checks, credential injection, encoding, hooks, retries,
//! timeouts, the size limit, decoding, and a tracing span per call.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, USER_AGENT};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::endpoint::{AuthKind, Encoding, Endpoint, InjectFrom};
use crate::hooks::Outcome;
use crate::schema::{self, Mode};
use crate::{envelope, ApiObject, Client, Error, ErrorKind, Result, Secret, UserAuth};

/// The header that carries a token.
pub const TOKEN_HEADER: &str = "access-token";

impl Client {
    /// Sends one call of `endpoint`, with retries, and decodes its `data`.
    pub(crate) async fn execute<Req, Resp>(
        &self,
        endpoint: &'static Endpoint,
        user: Option<&UserAuth>,
        request: Option<&Req>,
    ) -> Result<Resp>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned + ApiObject,
    {
        // One span per call (endpoint, attempts, total latency) and a child span per attempt
        // (attempt, status, logid, latency); neither ever records a credential.
        let span = tracing::info_span!(
            "douyin_call",
            endpoint = endpoint.name,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        async move {
            let params = self.params(endpoint, request)?;
            let cfg = &self.inner.config;
            let started = Instant::now();
            let mut attempt = 0u32;
            let mut token_refetched = false;
            let call_span = tracing::Span::current();
            let finish = |attempts: u32| {
                call_span.record("attempts", attempts);
                call_span.record("latency_ms", started.elapsed().as_millis() as u64);
            };
            loop {
                attempt += 1;
                let token = match (endpoint.auth, user) {
                    (AuthKind::ClientToken, _) => Some(
                        self.client_token()
                            .await
                            .map_err(|e| Error::new(endpoint.name, ErrorKind::Token(Box::new(e))))?,
                    ),
                    (AuthKind::AccessToken, Some(u)) => Some(u.access_token.clone()),
                    (AuthKind::AccessToken, None) => {
                        return Err(Error::new(
                            endpoint.name,
                            ErrorKind::Config("a user endpoint needs a UserClient".into()),
                        ));
                    }
                    (AuthKind::None, _) => None,
                };
                let attempt_span = tracing::info_span!(
                    "douyin_attempt",
                    attempt,
                    status = tracing::field::Empty,
                    logid = tracing::field::Empty,
                    latency_ms = tracing::field::Empty,
                );
                let result = self
                    .attempt::<Resp>(endpoint, user, token.as_ref(), &params, attempt)
                    .instrument(attempt_span)
                    .await;
                let err = match result {
                    Ok(v) => {
                        finish(attempt);
                        return Ok(v);
                    }
                    Err(e) => e,
                };
                // A rejected client_token: fetch a new one and send again, once.
                if endpoint.auth == AuthKind::ClientToken && err.is_token_invalid() && !token_refetched {
                    if let Some(t) = &token {
                        tracing::warn!(error = %err, "client_token rejected; fetching a new one");
                        self.invalidate_client_token(t).await;
                        token_refetched = true;
                        continue;
                    }
                }
                let may_repeat = endpoint.retry_safe || err.was_not_sent();
                if !(may_repeat && err.is_retryable()) || attempt >= cfg.retry.get_max_attempts() {
                    finish(attempt);
                    return Err(err);
                }
                let pause = cfg.retry.backoff(attempt);
                if started.elapsed() + pause > cfg.retry.get_max_elapsed() {
                    finish(attempt);
                    return Err(err);
                }
                tracing::warn!(error = %err, attempt, backoff_ms = pause.as_millis() as u64, "retrying");
                tokio::time::sleep(pause).await;
            }
        }
        .instrument(span)
        .await
    }

    /// The wire parameters: the request as JSON, checked against the spec's constraints, with
    /// the injected fields added.
    fn params<Req: Serialize + ?Sized>(
        &self,
        endpoint: &'static Endpoint,
        request: Option<&Req>,
    ) -> Result<Map<String, Value>> {
        let mut params = match request.map(serde_json::to_value) {
            None => Map::new(),
            Some(Ok(Value::Object(m))) => m,
            Some(Ok(Value::Null)) => Map::new(),
            Some(Ok(other)) => {
                return Err(Error::new(
                    endpoint.name,
                    ErrorKind::InvalidInput {
                        field: "(body)".into(),
                        problem: format!("must be an object, got {other}"),
                    },
                ));
            }
            Some(Err(e)) => {
                return Err(Error::new(
                    endpoint.name,
                    ErrorKind::InvalidInput { field: "(body)".into(), problem: e.to_string() },
                ))
            }
        };
        if let Some(t) = endpoint.request_type {
            let value = Value::Object(params);
            schema::validate(t, &value, Mode::Constraints).map_err(|v| {
                Error::new(endpoint.name, ErrorKind::InvalidInput { field: v.field, problem: v.problem })
            })?;
            params = match value {
                Value::Object(m) => m,
                _ => Map::new(),
            };
        }
        let cfg = &self.inner.config;
        for i in endpoint.inject {
            let v = match i.from {
                InjectFrom::ClientKey => cfg.client_key.clone(),
                InjectFrom::ClientSecret => cfg.client_secret.expose().to_string(),
                InjectFrom::Const(c) => c.to_string(),
            };
            if v.is_empty() {
                return Err(Error::new(
                    endpoint.name,
                    ErrorKind::Config(format!(
                        "`{}` is not configured; set it with ClientBuilder::credentials",
                        i.name
                    )),
                ));
            }
            params.insert(i.name.to_string(), Value::String(v));
        }
        Ok(params)
    }

    async fn attempt<Resp: DeserializeOwned + ApiObject>(
        &self,
        endpoint: &'static Endpoint,
        user: Option<&UserAuth>,
        token: Option<&Secret>,
        params: &Map<String, Value>,
        attempt: u32,
    ) -> Result<Resp> {
        let cfg = &self.inner.config;
        let started = Instant::now();
        let fail = |kind| Error::new(endpoint.name, kind);
        let mut request = self.build_request(endpoint, user, token, params).map_err(fail)?;
        for h in &self.inner.hooks {
            h.on_request(endpoint, &mut request);
        }
        let sent = tokio::time::timeout(cfg.timeout, async {
            let resp = self.inner.http.execute(request).await.map_err(|e| classify(e, cfg.timeout))?;
            let status = resp.status().as_u16();
            let body = read_limited(resp, cfg.max_response_bytes, cfg.timeout).await?;
            Ok::<_, ErrorKind>((status, body))
        })
        .await;
        let (status, body) = match sent {
            Ok(Ok(x)) => (Some(x.0), Ok(x.1)),
            Ok(Err(k)) => (None, Err(fail(k))),
            Err(_) => (None, Err(fail(ErrorKind::Timeout(cfg.timeout)))),
        };
        let result = match (status, body) {
            (Some(s), Ok(b)) => envelope::decode::<Resp>(endpoint, s, &b),
            (_, Err(e)) => Err(e),
            (None, Ok(_)) => Err(fail(ErrorKind::Config("no status".into()))),
        };
        let elapsed = started.elapsed();
        let span = tracing::Span::current();
        if let Some(s) = status {
            span.record("status", s);
        }
        if let Some(l) = result.as_ref().err().and_then(Error::logid) {
            span.record("logid", l);
        }
        span.record("latency_ms", elapsed.as_millis() as u64);
        match &result {
            Ok(_) => tracing::debug!(status, latency_ms = elapsed.as_millis() as u64, "call succeeded"),
            Err(e) => tracing::debug!(status, error = %e, "call failed"),
        }
        if !self.inner.hooks.is_empty() {
            let outcome = Outcome { endpoint, attempt, status, elapsed, error: result.as_ref().err() };
            for h in &self.inner.hooks {
                h.on_outcome(&outcome);
            }
        }
        result
    }

    fn build_request(
        &self,
        endpoint: &'static Endpoint,
        user: Option<&UserAuth>,
        token: Option<&Secret>,
        params: &Map<String, Value>,
    ) -> Result<reqwest::Request, ErrorKind> {
        let cfg = &self.inner.config;
        let mut url = self.base_url(endpoint.server).clone();
        {
            let base = url.path().trim_end_matches('/').to_string();
            url.set_path(&format!("{base}{}", endpoint.path));
        }
        {
            let mut pairs = url.query_pairs_mut();
            if endpoint.open_id_in_query {
                if let Some(u) = user {
                    pairs.append_pair("open_id", &u.open_id);
                }
            }
            if endpoint.encoding == Encoding::Query {
                for (k, v) in flatten(params) {
                    pairs.append_pair(k, &v);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut builder = self
            .inner
            .http
            .request(endpoint.method.as_http(), url)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, &cfg.user_agent)
            .timeout(cfg.timeout);
        if let Some(t) = token {
            let mut v = HeaderValue::from_str(t.expose()).map_err(|_| {
                ErrorKind::Config("the token contains characters a header cannot carry".into())
            })?;
            v.set_sensitive(true);
            builder = builder.header(TOKEN_HEADER, v);
        }
        builder = match endpoint.encoding {
            Encoding::Json => {
                let body = serde_json::to_vec(params).map_err(|e| ErrorKind::InvalidInput {
                    field: "(body)".into(),
                    problem: e.to_string(),
                })?;
                builder.header(CONTENT_TYPE, "application/json").body(body)
            }
            Encoding::Form => {
                let pairs: Vec<(&str, String)> = flatten(params).collect();
                let body = serde_urlencoded::to_string(pairs).map_err(|e| ErrorKind::InvalidInput {
                    field: "(body)".into(),
                    problem: e.to_string(),
                })?;
                builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body)
            }
            // A bodiless POST still says JSON, as the working public clients send it.
            Encoding::None if endpoint.method == crate::endpoint::HttpMethod::Post => {
                builder.header(CONTENT_TYPE, "application/json")
            }
            Encoding::Query | Encoding::None => builder,
        };
        builder.build().map_err(ErrorKind::Transport)
    }
}

/// Top-level parameters as strings, for query strings and forms: scalars as text, lists of
/// scalars comma-joined, objects as JSON; `null` omitted.
fn flatten(params: &Map<String, Value>) -> impl Iterator<Item = (&str, String)> {
    params.iter().filter_map(|(k, v)| {
        let text = match v {
            Value::Null => return None,
            Value::String(s) => s.clone(),
            Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        Some((k.as_str(), text))
    })
}

fn classify(e: reqwest::Error, timeout: Duration) -> ErrorKind {
    if e.is_timeout() {
        ErrorKind::Timeout(timeout)
    } else {
        ErrorKind::Transport(e)
    }
}

/// Reads the body, refusing more than `limit` bytes.
async fn read_limited(
    mut resp: reqwest::Response,
    limit: usize,
    timeout: Duration,
) -> Result<bytes::Bytes, ErrorKind> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ErrorKind::BodyTooLarge { limit });
    }
    // The announced length is only a hint: reserve at most 64 KiB up front, so a lying
    // `Content-Length` cannot make the client reserve memory it never receives.
    let hint = resp.content_length().map_or(8 * 1024, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut buf = BytesMut::with_capacity(hint.min(64 * 1024));
    while let Some(chunk) = resp.chunk().await.map_err(|e| classify(e, timeout))? {
        if buf.len() + chunk.len() > limit {
            return Err(ErrorKind::BodyTooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
