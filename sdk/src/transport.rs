//! The one place a call is sent: input checks, credential injection, encoding, hooks, retries,
//! timeouts, the size limit, decoding, and a tracing span per call.

use std::time::Instant;

use bytes::BytesMut;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION, USER_AGENT};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::auth::user::UserCreds;
use crate::check::Check;
use crate::client::Config;
use crate::endpoint::{AuthKind, Encoding, Endpoint, HttpMethod, InjectFrom};
use crate::hooks::Outcome;
use crate::{
    envelope, ApiObject, Client, Error, ErrorKind, KnownCode, Result, Secret, TimeoutKind, UserAuth,
    UserClient,
};

/// The header that carries a token.
pub const TOKEN_HEADER: &str = "access-token";

/// What a call sends: a generated request type (serialised, checked before sending).
pub trait RequestParams: Serialize + Check {}
impl<T: Serialize + Check + ?Sized> RequestParams for T {}

/// What a call answers: a generated response type (decoded from `data`).
pub trait ResponseData: DeserializeOwned + ApiObject + Send {}
impl<T: DeserializeOwned + ApiObject + Send> ResponseData for T {}

/// An app-level or unauthenticated call of `endpoint`: what every generated method of
/// [`Client`] runs.
pub async fn call<Req: RequestParams + ?Sized, Resp: ResponseData>(
    client: &Client,
    endpoint: &'static Endpoint,
    request: Option<&Req>,
) -> Result<Resp> {
    let wire = client.encode(endpoint, request)?;
    client.execute_as(endpoint, None, &wire).await
}

/// A user call of `endpoint`: what every generated method of [`UserClient`] runs. A session's
/// access_token that the platform rejects is refreshed, and the call sent once more.
pub async fn call_as_user<Req: RequestParams + ?Sized, Resp: ResponseData>(
    user: &UserClient,
    endpoint: &'static Endpoint,
    request: Option<&Req>,
) -> Result<Resp> {
    let client = &user.client;
    let wire = client.encode(endpoint, request)?;
    match &user.creds {
        UserCreds::Fixed(auth) => client.execute_as(endpoint, Some(auth), &wire).await,
        UserCreds::Session(session) => {
            let auth = session.auth().await?;
            match client.execute_as(endpoint, Some(&auth), &wire).await {
                Err(e) if e.is_token_invalid() => {
                    tracing::warn!(error = %e, "access_token rejected; refreshing the user session");
                    session.invalidate(&auth.access_token).await;
                    let auth = session.auth().await?;
                    client.execute_as(endpoint, Some(&auth), &wire).await
                }
                other => other,
            }
        }
    }
}

/// Decodes one answer (HTTP status, body) into the caller's typed data and keeps it, or says
/// why the answer is a failure. The call's loop is compiled once for every endpoint; only this
/// step is compiled per response type.
type Decode<'a> = dyn FnMut(u16, &[u8]) -> Result<()> + Send + 'a;

// The steps of a call are private functions of `Client` in this module, so they share no
// namespace with the generated methods (which live in `impl Client` blocks elsewhere and can
// only see `pub(crate)` items).
impl Client {
    /// Sends the encoded call of `endpoint`, with retries, and decodes its `data` as `Resp`.
    async fn execute_as<Resp: ResponseData>(
        &self,
        endpoint: &'static Endpoint,
        user: Option<&UserAuth>,
        wire: &Wire,
    ) -> Result<Resp> {
        let mut data = None;
        let mut decode = |status: u16, body: &[u8]| {
            data = Some(envelope::decode::<Resp>(endpoint, status, body)?);
            Ok(())
        };
        self.execute(endpoint, user, wire, &mut decode).await?;
        // `execute` succeeds only after `decode` did, which kept the data.
        data.ok_or_else(|| Error::new(endpoint.name, ErrorKind::Config("the decoded answer was lost".into())))
    }

    /// Sends the encoded call of `endpoint`, with retries, until `decode` accepts an answer.
    async fn execute(
        &self,
        endpoint: &'static Endpoint,
        user: Option<&UserAuth>,
        wire: &Wire,
        decode: &mut Decode<'_>,
    ) -> Result<()> {
        // One span per call (endpoint, attempts, total latency) and a child span per attempt
        // (attempt, status, logid, latency); neither ever records a credential.
        let span = tracing::info_span!(
            "douyin_call",
            endpoint = endpoint.name,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        async move {
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
                    (AuthKind::ClientToken, _) => Some(match self.inner.tokens.local_fresh() {
                        Some(t) => t,
                        None => self
                            .client_token()
                            .await
                            .map_err(|e| Error::new(endpoint.name, ErrorKind::Token(Box::new(e))))?,
                    }),
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
                if let Err(t) = self.inner.limiter.permit(endpoint.name, cfg.timeout).await {
                    finish(attempt);
                    return Err(Error::new(
                        endpoint.name,
                        ErrorKind::Throttled { scope: t.scope, limit: t.limit },
                    ));
                }
                let result = self
                    .attempt(endpoint, user, token.as_ref(), wire, attempt, &mut *decode)
                    .instrument(attempt_span)
                    .await;
                let err = match result {
                    Ok(()) => {
                        finish(attempt);
                        return Ok(());
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
                if err.is_rate_limited() || err.api().is_some_and(|a| a.any_known(KnownCode::is_busy)) {
                    self.inner.limiter.cool_down(endpoint.name).await;
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

    /// The request as it travels, encoded once for every attempt: checked against the spec's
    /// constraints, serialised once (the only step compiled per request type), with the
    /// injected fields added.
    fn encode<Req: RequestParams + ?Sized>(
        &self,
        endpoint: &'static Endpoint,
        request: Option<&Req>,
    ) -> Result<Wire> {
        let body = match request {
            None => None,
            Some(r) => {
                r.check().map_err(|v| invalid(endpoint, &v.field, v.problem))?;
                Some(serde_json::to_vec(r).map_err(|e| invalid(endpoint, "(body)", e.to_string()))?)
            }
        };
        self.wire(endpoint, body)
    }

    /// The serialised request in the endpoint's encoding.
    fn wire(&self, endpoint: &'static Endpoint, body: Option<Vec<u8>>) -> Result<Wire> {
        // The common case, a JSON object with nothing to add, goes as it is; anything else
        // (absent, null, not an object) takes the general path, which says what is wrong.
        let body = match body {
            Some(b)
                if endpoint.encoding == Encoding::Json
                    && endpoint.inject.is_empty()
                    && b.first() == Some(&b'{') =>
            {
                return Ok(Wire::Json(b.into()));
            }
            other => other,
        };
        let params = self.params(endpoint, body.as_deref())?;
        Ok(match endpoint.encoding {
            Encoding::Json => Wire::Json(
                serde_json::to_vec(&params).map_err(|e| invalid(endpoint, "(body)", e.to_string()))?.into(),
            ),
            Encoding::Form => {
                let pairs: Vec<(&str, String)> = flatten(&params).collect();
                let body = serde_urlencoded::to_string(pairs)
                    .map_err(|e| invalid(endpoint, "(body)", e.to_string()))?;
                Wire::Form(body.into())
            }
            Encoding::Query => Wire::Query(flatten(&params).map(|(k, v)| (k.to_string(), v)).collect()),
            Encoding::None => Wire::Empty,
        })
    }

    /// The request as a JSON object, with the injected fields added.
    fn params(&self, endpoint: &'static Endpoint, body: Option<&[u8]>) -> Result<Map<String, Value>> {
        let mut params = match body.map(serde_json::from_slice::<Value>) {
            None | Some(Ok(Value::Null)) => Map::new(),
            Some(Ok(Value::Object(m))) => m,
            Some(Ok(other)) => {
                return Err(invalid(endpoint, "(body)", format!("must be an object, got {other}")))
            }
            Some(Err(e)) => return Err(invalid(endpoint, "(body)", e.to_string())),
        };
        let cfg = &self.inner.config;
        for i in endpoint.inject {
            let v = match i.from {
                InjectFrom::ClientKey => cfg.client_key.clone(),
                InjectFrom::ClientSecret => cfg.client_secret.expose().to_string(),
                InjectFrom::Const(c) => c.to_string(),
                // The user's credentials can change between attempts (a refreshed session):
                // `build_request` adds them to each attempt.
                InjectFrom::AccessToken | InjectFrom::OpenId => continue,
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

    async fn attempt(
        &self,
        endpoint: &'static Endpoint,
        user: Option<&UserAuth>,
        token: Option<&Secret>,
        wire: &Wire,
        attempt: u32,
        decode: &mut Decode<'_>,
    ) -> Result<()> {
        let cfg = &self.inner.config;
        let started = Instant::now();
        let fail = |kind| Error::new(endpoint.name, kind);
        let mut request = self.build_request(endpoint, user, token, wire).map_err(fail)?;
        for h in &self.inner.hooks {
            h.on_request(endpoint, &mut request);
        }
        // The request's own timeout (set in `build_request`) runs until the body has been read.
        let sent = async {
            let resp = self.inner.http.execute(request).await.map_err(|e| classify(e, cfg, started))?;
            let status = resp.status().as_u16();
            if resp.status().is_redirection() {
                // Never followed (the SDK's client has no redirect policy, and one given by the
                // caller is checked at build); the body, which may repeat the target, is not read.
                return Err(redirect(&resp));
            }
            let body = read_limited(resp, cfg.max_response_bytes, |e| classify(e, cfg, started)).await?;
            Ok::<_, ErrorKind>((status, body))
        }
        .await;
        let (status, result) = match sent {
            Ok((s, body)) => (Some(s), decode(s, &body)),
            Err(k) => (None, Err(fail(k))),
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
        wire: &Wire,
    ) -> Result<reqwest::Request, ErrorKind> {
        let cfg = &self.inner.config;
        let mut url = self.url_of(endpoint);
        let open_id = user.filter(|_| endpoint.open_id_in_query).map(|u| u.open_id.as_str());
        let query = match wire {
            Wire::Query(pairs) => pairs.as_slice(),
            _ => &[],
        };
        if open_id.is_some() || !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            if let Some(id) = open_id {
                pairs.append_pair("open_id", id);
            }
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        let method = match endpoint.method {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
        };
        let mut request = reqwest::Request::new(method, url);
        *request.timeout_mut() = Some(cfg.timeout);
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static(JSON));
        headers.insert(USER_AGENT, cfg.user_agent.clone());
        let user_fields = user_fields(endpoint, user, token);
        if let Some(t) = token.filter(|_| user_fields.is_empty()) {
            let mut v = HeaderValue::from_str(t.expose()).map_err(|_| {
                ErrorKind::Config("the token contains characters a header cannot carry".into())
            })?;
            v.set_sensitive(true);
            headers.insert(TOKEN_HEADER, v);
        }
        let (content_type, body) = match wire {
            Wire::Json(body) if !user_fields.is_empty() => {
                (Some(JSON), Some(with_json_fields(body, &user_fields)?))
            }
            Wire::Form(body) if !user_fields.is_empty() => {
                let mut form =
                    url::form_urlencoded::Serializer::new(String::from_utf8_lossy(body).into_owned());
                form.extend_pairs(user_fields.iter().map(|(k, v)| (*k, v.as_str())));
                (Some("application/x-www-form-urlencoded"), Some(form.finish().into()))
            }
            Wire::Json(body) => (Some(JSON), Some(body.clone())),
            Wire::Form(body) => (Some("application/x-www-form-urlencoded"), Some(body.clone())),
            // A bodiless POST still says JSON, as the working public clients send it.
            Wire::Empty | Wire::Query(_) if endpoint.method == HttpMethod::Post => (Some(JSON), None),
            Wire::Empty | Wire::Query(_) => (None, None),
        };
        if let Some(ct) = content_type {
            request.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        *request.body_mut() = body.map(reqwest::Body::from);
        Ok(request)
    }
}

const JSON: &str = "application/json";

/// The user credentials `endpoint` carries in its body (`inject` from `access_token` /
/// `open_id`), with their values for this attempt. Such a call sends no token header.
fn user_fields(
    endpoint: &Endpoint,
    user: Option<&UserAuth>,
    token: Option<&Secret>,
) -> Vec<(&'static str, String)> {
    endpoint
        .inject
        .iter()
        .filter_map(|i| match i.from {
            InjectFrom::AccessToken => token.map(|t| (i.name, t.expose().to_string())),
            InjectFrom::OpenId => user.map(|u| (i.name, u.open_id.clone())),
            _ => None,
        })
        .collect()
}

/// A JSON object body with `fields` added.
fn with_json_fields(body: &[u8], fields: &[(&'static str, String)]) -> Result<bytes::Bytes, ErrorKind> {
    let mut object: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|e| ErrorKind::Config(format!("the encoded body is not a JSON object: {e}")))?;
    for (k, v) in fields {
        object.insert((*k).to_string(), Value::String(v.clone()));
    }
    serde_json::to_vec(&object).map(Into::into).map_err(|e| ErrorKind::Config(e.to_string()))
}

fn invalid(endpoint: &Endpoint, field: &str, problem: String) -> Error {
    Error::new(endpoint.name, ErrorKind::InvalidInput { field: field.into(), problem })
}

/// A call's parameters as they travel, encoded once for all its attempts.
enum Wire {
    /// A JSON body.
    Json(bytes::Bytes),
    /// A form body.
    Form(bytes::Bytes),
    /// Query-string pairs.
    Query(Vec<(String, String)>),
    /// Nothing.
    Empty,
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

/// What a failure of reqwest is: a timeout (which one, after how long), or another transport
/// error.
fn classify(e: reqwest::Error, cfg: &Config, started: Instant) -> ErrorKind {
    if !e.is_timeout() {
        return ErrorKind::Transport(e);
    }
    if e.is_connect() {
        // A caller-supplied client's connect timeout cannot be read: the attempt's own time is
        // the best account of it.
        let after = cfg.connect_timeout.unwrap_or_else(|| started.elapsed());
        ErrorKind::Timeout { which: TimeoutKind::Connect, after }
    } else {
        ErrorKind::Timeout { which: TimeoutKind::Request, after: cfg.timeout }
    }
}

/// A redirect answer as an error: its status and the host its `Location` names (resolved
/// against the request's URL), never the path or query, which can carry anything.
fn redirect(resp: &reqwest::Response) -> ErrorKind {
    let location_host = resp
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|loc| resp.url().join(loc).ok())
        .and_then(|url| {
            let host = url.host_str()?.to_string();
            Some(match url.port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        });
    ErrorKind::HttpStatus { status: resp.status().as_u16(), snippet: String::new(), location_host }
}

/// Reads the body, refusing more than `limit` bytes.
async fn read_limited(
    mut resp: reqwest::Response,
    limit: usize,
    classify: impl Fn(reqwest::Error) -> ErrorKind,
) -> Result<bytes::Bytes, ErrorKind> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ErrorKind::BodyTooLarge { limit });
    }
    // The announced length is only a hint: reserve at most 64 KiB up front, so a lying
    // `Content-Length` cannot make the client reserve memory it never receives.
    let hint = resp.content_length().map_or(8 * 1024, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut buf = BytesMut::with_capacity(hint.min(64 * 1024));
    while let Some(chunk) = resp.chunk().await.map_err(&classify)? {
        if buf.len() + chunk.len() > limit {
            return Err(ErrorKind::BodyTooLarge { limit });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
