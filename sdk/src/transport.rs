//! The one loop every call runs, its steps named: per call, check and encode
//! ([`protocol::encode`]); per attempt, resolve the identity, authorize ([`protocol::authorize`]:
//! header, body fields or, in a later binding, a signature), hooks, send, decode with the
//! endpoint's envelope codec (`envelope`), answer hooks; around them the limiter, retries,
//! timeouts, the size limit and a tracing span per call.

use std::time::Instant;

use bytes::BytesMut;
use reqwest::header::LOCATION;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

use crate::auth::user::UserCreds;
use crate::auth::DoudianCreds;
use crate::check::Check;
use crate::client::Config;
use crate::endpoint::{AuthKind, Endpoint, Placement};
use crate::hooks::{Answer, Outcome};
use crate::protocol::{self, Caller, Identity, Wire};
use crate::{
    envelope, object, ApiObject, Client, DoudianClient, Error, ErrorKind, KnownCode, Result, TimeoutKind,
    UserClient,
};

/// The header that carries a token.
pub const TOKEN_HEADER: &str = Placement::TOKEN_HEADER;

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
    let wire = protocol::encode(client, endpoint, request)?;
    client.execute_as(endpoint, Caller::App, &wire).await
}

/// A call of `endpoint` for a Doudian authority: what every generated method of
/// [`DoudianClient`] runs. A token of a kind the endpoint does not take is refused before
/// anything is sent.
pub async fn call_as_authority<Req: RequestParams + ?Sized, Resp: ResponseData>(
    doudian: &DoudianClient,
    endpoint: &'static Endpoint,
    request: Option<&Req>,
) -> Result<Resp> {
    protocol::signed::check_authority(endpoint, doudian.authority())?;
    let client = &doudian.client;
    let wire = protocol::encode(client, endpoint, request)?;
    match &doudian.creds {
        DoudianCreds::Fixed(auth) => client.execute_as(endpoint, Caller::Authority(auth), &wire).await,
        DoudianCreds::Session(session) => {
            let auth = session.auth().await?;
            match client.execute_as(endpoint, Caller::Authority(&auth), &wire).await {
                Err(e) if e.is_token_invalid() => {
                    tracing::warn!(error = %e, "Doudian access_token rejected; refreshing the session");
                    session.invalidate(&auth.access_token).await;
                    let auth = session.auth().await?;
                    client.execute_as(endpoint, Caller::Authority(&auth), &wire).await
                }
                other => other,
            }
        }
    }
}

/// A user call of `endpoint`: what every generated method of [`UserClient`] runs. A session's
/// access_token that the platform rejects is refreshed, and the call sent once more.
pub async fn call_as_user<Req: RequestParams + ?Sized, Resp: ResponseData>(
    user: &UserClient,
    endpoint: &'static Endpoint,
    request: Option<&Req>,
) -> Result<Resp> {
    let client = &user.client;
    let wire = protocol::encode(client, endpoint, request)?;
    match &user.creds {
        UserCreds::Fixed(auth) => client.execute_as(endpoint, Caller::User(auth), &wire).await,
        UserCreds::Session(session) => {
            let auth = session.auth().await?;
            match client.execute_as(endpoint, Caller::User(&auth), &wire).await {
                Err(e) if e.is_token_invalid() => {
                    tracing::warn!(error = %e, "access_token rejected; refreshing the user session");
                    session.invalidate(&auth.access_token).await;
                    let auth = session.auth().await?;
                    client.execute_as(endpoint, Caller::User(&auth), &wire).await
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
        caller: Caller<'_>,
        wire: &Wire,
    ) -> Result<Resp> {
        let mut data = None;
        let mut decode = |status: u16, body: &[u8]| {
            data = Some(envelope::decode::<Resp>(endpoint, status, body)?);
            Ok(())
        };
        self.execute(endpoint, caller, wire, &mut decode).await?;
        // `execute` succeeds only after `decode` did, which kept the data.
        data.ok_or_else(|| Error::new(endpoint.name, ErrorKind::Config("the decoded answer was lost".into())))
    }

    /// Sends the encoded call of `endpoint`, with retries, until `decode` accepts an answer.
    async fn execute(
        &self,
        endpoint: &'static Endpoint,
        caller: Caller<'_>,
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
                // Resolve the identity: who this attempt is made as.
                let identity = match (endpoint.auth(), caller) {
                    (AuthKind::ClientToken, _) => Identity::AppToken(match self.inner.tokens.local_fresh() {
                        Some(t) => t,
                        None => self
                            .client_token()
                            .await
                            .map_err(|e| Error::new(endpoint.name, ErrorKind::Token(Box::new(e))))?,
                    }),
                    (AuthKind::AccessToken, Caller::User(u)) => Identity::User(u),
                    (AuthKind::DoudianToken, Caller::Authority(a)) => Identity::Authority(a),
                    (AuthKind::AccessToken | AuthKind::DoudianToken, _) => {
                        let needs = endpoint.auth().client_type();
                        return Err(Error::new(
                            endpoint.name,
                            ErrorKind::Config(format!("this endpoint's methods are on {needs}")),
                        ));
                    }
                    (AuthKind::None, _) => Identity::None,
                };
                let attempt_span = tracing::info_span!(
                    "douyin_attempt",
                    attempt,
                    status = tracing::field::Empty,
                    logid = tracing::field::Empty,
                    latency_ms = tracing::field::Empty,
                );
                if let Err(t) = self.inner.limiter.permit(endpoint, cfg.timeout).await {
                    finish(attempt);
                    return Err(Error::new(
                        endpoint.name,
                        ErrorKind::Throttled { scope: t.scope, limit: t.limit },
                    ));
                }
                let result = self
                    .attempt(endpoint, &identity, wire, attempt, &mut *decode)
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
                if err.is_token_invalid() && !token_refetched {
                    if let Identity::AppToken(t) = &identity {
                        tracing::warn!(error = %err, "client_token rejected; fetching a new one");
                        self.invalidate_client_token(t).await;
                        token_refetched = true;
                        continue;
                    }
                }
                if err.is_rate_limited() || err.api().is_some_and(|a| a.any_known(KnownCode::is_busy)) {
                    self.inner.limiter.cool_down(endpoint).await;
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

    /// One attempt: authorize, hooks, send, decode, answer hooks, outcome hooks.
    async fn attempt(
        &self,
        endpoint: &'static Endpoint,
        identity: &Identity<'_>,
        wire: &Wire,
        attempt: u32,
        decode: &mut Decode<'_>,
    ) -> Result<()> {
        let cfg = &self.inner.config;
        let started = Instant::now();
        let fail = |kind| Error::new(endpoint.name, kind);
        let mut request = protocol::authorize(self, endpoint, identity, wire).map_err(fail)?;
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
            Ok((s, body)) => {
                let (result, report) = object::reporting(|| decode(s, &body));
                if !self.inner.hooks.is_empty() {
                    let answer = Answer {
                        endpoint,
                        attempt,
                        status: s,
                        body: &body,
                        report: &report,
                        decoded: result.is_ok(),
                    };
                    for h in &self.inner.hooks {
                        h.on_answer(&answer);
                    }
                }
                (Some(s), result)
            }
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
