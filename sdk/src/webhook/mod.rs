//! Receiving the events the platform pushes to the app's webhook URL, framework-neutral, and
//! handling each one without losing it. `douyin-alliance-axum` mounts this as routes.
//!
//! [`WebhookReceiver::receive`] checks one request (facts: `webhook-facts.md`):
//! 1. refuses a body over the size limit ([`WebhookError::TooLarge`], 413);
//! 2. checks `X-Douyin-Signature`: lowercase hex SHA-1 of the key bytes followed by the exact
//!    received body bytes, compared in constant time ([`WebhookError::BadSignature`], 401). The
//!    key is the client_secret, or a separate webhook secret (mini-apps get one);
//! 3. parses the envelope (`event`, `client_key`, `from_user_id`, `to_user_id`, `content`,
//!    `log_id`); `content` may be a JSON string holding JSON or an object
//!    ([`WebhookError::Malformed`], 400); refuses another app's `client_key`
//!    ([`WebhookError::WrongApp`], 403);
//! 4. answers `verify_webhook` with `{"challenge": N}`;
//! 5. decodes the event into the spec's typed `Event`. An event whose wire name the spec only
//!    guesses (the alliance order push) is recognised by the names the receiver is configured
//!    with (the guess by default) or by its content's keys, never by the guess alone. A content
//!    the spec's type cannot read arrives as `Event::Unknown` with its raw content (a warning
//!    is logged), never as a refusal the platform would retry.
//!
//! Then one of two modes handles it, and neither answers 200 for an event that is neither
//! handled nor stored:
//! - **In process** ([`WebhookReceiver::handle`]): the event is handled before the answer.
//!   *Guarantee: an event is answered 200 only after its handler succeeded within the deadline
//!   (default 4 s, under the platform's 5 s), or after it failed [`WebhookReceiver::max_attempts`]
//!   times and was kept as a dead letter; otherwise the answer is 500 and the platform retries.*
//!   A `Msg-Id` counts as handled only after success ([`DedupeStore`]); a short lease keeps two
//!   concurrent deliveries of one message from running the handler twice (the second gets 503).
//! - **Durable** (`queue::RedisQueue`, feature `redis`): the event is stored in a Redis stream,
//!   then answered; workers in every replica handle it from there. *Guarantee: at-least-once
//!   handling, deduplicated by `Msg-Id`, so an idempotent handler sees each event once, even
//!   when a replica dies mid-handling.*
//!
//! Handlers return `Result`: write them idempotently, e.g. an upsert keyed by the order id and
//! flow point, so that a second run after a crash changes nothing:
//!
//! ```sql
//! INSERT INTO orders (order_id, flow_point, amount, updated_at) VALUES ($1, $2, $3, now())
//! ON CONFLICT (order_id) DO UPDATE SET flow_point = EXCLUDED.flow_point, amount = EXCLUDED.amount,
//!   updated_at = now();
//! ```

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::auth::store::BoxFuture;
use crate::endpoint::Evidence;
use crate::Secret;

mod dedupe;
#[cfg(feature = "redis")]
pub mod queue;

pub use dedupe::{Claim, DedupeStore, MemoryDedupeStore};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Douyin-Signature";
/// The header carrying the message id (the same for the same entity and action).
pub const MSG_ID_HEADER: &str = "Msg-Id";
/// The wire name of the URL handshake.
pub const VERIFY_WEBHOOK: &str = "verify_webhook";

/// Lowercase hex SHA-1 of `key` followed by `body`: the platform's signature.
///
/// ```
/// use douyin_alliance::webhook::sign;
/// let body = br#"{"event":"verify_webhook","client_key":"abc","content":{"challenge":12345}}"#;
/// assert_eq!(sign(b"secret", body).len(), 40);
/// ```
pub fn sign(key: &[u8], body: &[u8]) -> String {
    let mut h = sha1_smol::Sha1::new();
    h.update(key);
    h.update(body);
    h.digest().to_string()
}

/// What the spec says about one event (generated: `types::EVENTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    /// The spec's snake_case name.
    pub name: &'static str,
    /// The wire `event` name (the default of the configured names when it is only a guess).
    pub event: &'static str,
    /// English summary.
    pub summary: &'static str,
    /// How strongly the event and its content are evidenced.
    pub evidence: Evidence,
    /// How strongly the wire name is evidenced: below confirmed, the receiver matches the
    /// configured names and the content's keys instead of trusting it.
    pub name_evidence: Evidence,
    /// Content keys that recognise the event whatever its name.
    pub keys: &'static [&'static str],
}

/// The typed events of a spec (generated: `types::Event`).
pub trait Events: Sized {
    /// Every event of the spec.
    fn metas() -> &'static [EventMeta];
    /// Decodes the content of the event the spec calls `name` (`None`: not recognised).
    fn decode(name: Option<&str>, event: String, content: Value) -> Result<Self, serde_json::Error>;
}

/// Why a pushed request is refused; nothing of it is handled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The body exceeds the receiver's limit.
    #[error("the body of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The body's size (or announced size).
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No `X-Douyin-Signature` header.
    #[error("the request has no X-Douyin-Signature header")]
    MissingSignature,
    /// The signature does not match the body.
    #[error("the X-Douyin-Signature does not match the body")]
    BadSignature,
    /// The body is not the platform's envelope.
    #[error("malformed webhook body: {0}")]
    Malformed(String),
    /// The event is for another app.
    #[error("the event is for client_key `{0}`, not this app's")]
    WrongApp(String),
}

impl WebhookError {
    /// The HTTP status to answer with: 413, 401, 400 or 403.
    pub fn status(&self) -> u16 {
        match self {
            WebhookError::TooLarge { .. } => 413,
            WebhookError::MissingSignature | WebhookError::BadSignature => 401,
            WebhookError::Malformed(_) => 400,
            WebhookError::WrongApp(_) => 403,
        }
    }
}

/// A verified, first-time event.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<E> {
    /// The `Msg-Id` header, when sent.
    pub msg_id: Option<String>,
    /// The typed event.
    pub event: E,
    /// The wire `event` name.
    pub event_name: String,
    /// The user the event is about (`from_user_id`: an open_id).
    pub from_user_id: Option<String>,
    /// `to_user_id`, when sent.
    pub to_user_id: Option<String>,
    /// The platform's trace id, when sent.
    pub log_id: Option<String>,
}

/// What a verified request is.
#[derive(Debug, Clone, PartialEq)]
pub enum Received<E> {
    /// The URL handshake: answer with [`Received::response_body`] (`{"challenge": N}`).
    Challenge(i64),
    /// An event to handle (or store) before answering.
    Event(Box<Delivery<E>>),
}

impl<E> Received<E> {
    /// The body to answer with (HTTP 200): the challenge for the handshake, else empty.
    pub fn response_body(&self) -> String {
        match self {
            Received::Challenge(n) => serde_json::json!({ "challenge": n }).to_string(),
            Received::Event(_) => String::new(),
        }
    }
}

/// Why a handler could not handle an event: it is then tried again, and in the end kept as a
/// dead letter.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// What handles events: any `Fn(Delivery<E>) -> impl Future<Output = Result<(), Err>>` with
/// `Err: Into<HandlerError>` (a `String`, `&'static str`, or any error type).
pub trait Handler<E>: Send + Sync + 'static {
    /// Handles one event; `Err` means it was not handled and must be tried again.
    fn handle(&self, delivery: Delivery<E>) -> BoxFuture<'static, Result<(), HandlerError>>;
}

impl<E, F, Fut, Err> Handler<E> for F
where
    F: Fn(Delivery<E>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Err>> + Send + 'static,
    Err: Into<HandlerError>,
{
    fn handle(&self, delivery: Delivery<E>) -> BoxFuture<'static, Result<(), HandlerError>> {
        let fut = self(delivery);
        Box::pin(async move { fut.await.map_err(Into::into) })
    }
}

/// What became of one pushed request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The URL handshake was answered.
    Challenge,
    /// The handler succeeded.
    Handled,
    /// The message was handled (or, in durable mode, stored) before: acknowledged again.
    Duplicate,
    /// Another delivery of the message is being handled now: 503, the platform retries.
    InProgress,
    /// The handler failed: 500, the platform retries.
    Failed(String),
    /// The handler did not finish within the deadline: 500, the platform retries.
    TimedOut,
    /// The handler failed on the last attempt: the event is kept as a dead letter (200).
    DeadLettered(String),
    /// Durable mode: the event is stored for the workers (200).
    Stored,
    /// Durable mode: the store could not take the event (503, the platform retries).
    Unavailable(String),
    /// The request was refused: nothing of it is handled.
    Refused(String),
}

/// The HTTP answer to give the platform, and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body (`{"challenge": N}` for the handshake, else empty or the reason).
    pub body: String,
    /// What happened.
    pub outcome: Outcome,
}

impl Answer {
    fn new(status: u16, outcome: Outcome) -> Self {
        let body = match &outcome {
            Outcome::Failed(why) | Outcome::Unavailable(why) | Outcome::Refused(why) => why.clone(),
            Outcome::TimedOut => "the handler did not finish in time".into(),
            Outcome::InProgress => "this message is being handled; retry later".into(),
            _ => String::new(),
        };
        Answer { status, body, outcome }
    }

    pub(crate) fn refused(e: &WebhookError) -> Self {
        tracing::warn!(error = %e, status = e.status(), "webhook request refused");
        Answer::new(e.status(), Outcome::Refused(e.to_string()))
    }

    pub(crate) fn challenge(n: i64) -> Self {
        Answer {
            status: 200,
            body: serde_json::json!({ "challenge": n }).to_string(),
            outcome: Outcome::Challenge,
        }
    }

    /// Whether the platform is told the message arrived (HTTP 200).
    pub fn acknowledged(&self) -> bool {
        self.status == 200
    }
}

/// An event whose handling failed every attempt, kept with its exact body so it can be
/// listed, inspected and replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its id in the dead-letter store (the stream entry id in durable mode).
    pub id: String,
    /// Its `Msg-Id`, when sent.
    pub msg_id: Option<String>,
    /// The exact body as pushed (verified when it arrived).
    pub body: Vec<u8>,
    /// The last handler error.
    pub error: String,
    /// How many times it was tried.
    pub attempts: u32,
    /// When it was given up on.
    pub failed_at: SystemTime,
}

/// The default time a `Msg-Id` is remembered: far longer than the platform's retries (3, about
/// 5 s apart), so a retried delivery is never handled twice.
pub const DEFAULT_DEDUPE_TTL: Duration = Duration::from_secs(60 * 60);

/// The default body limit: 1 MiB (an order event is a few KiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The default time a handler has before the answer (the platform waits 5 s).
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(4);

/// The default number of attempts before an event is kept as a dead letter: the first push and
/// the platform's 3 retries.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;

/// Verifies, deduplicates and decodes pushed events of one app into `E` (the SDK's
/// `types::Event` by default).
///
/// ```
/// use douyin_alliance::webhook::{sign, Received, WebhookReceiver};
/// # async fn run() {
/// let receiver = WebhookReceiver::new("my_key", "my_secret");
/// let body = br#"{"event":"verify_webhook","client_key":"my_key","content":"{\"challenge\":42}"}"#;
/// let signature = sign(b"my_secret", body);
/// let received = receiver.receive(Some(&signature), None, body).await.unwrap();
/// assert_eq!(received, Received::Challenge(42));
/// assert_eq!(received.response_body(), r#"{"challenge":42}"#);
/// # }
/// ```
pub struct WebhookReceiver<E = crate::types::Event> {
    client_key: String,
    key: Secret,
    max_body: usize,
    dedupe: Arc<dyn DedupeStore>,
    ttl: Duration,
    deadline: Duration,
    max_attempts: u32,
    /// Failed attempts per `Msg-Id` in this process (in-process mode).
    attempts: Mutex<HashMap<String, u32>>,
    /// Dead letters of the in-process mode.
    dead: Mutex<Vec<DeadLetter>>,
    /// Configured wire names per spec event name (replacing the spec's guess).
    names: BTreeMap<&'static str, Vec<String>>,
    events: PhantomData<fn() -> E>,
}

impl<E> std::fmt::Debug for WebhookReceiver<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookReceiver")
            .field("client_key", &self.client_key)
            .field("key", &self.key)
            .field("max_body", &self.max_body)
            .field("ttl", &self.ttl)
            .field("deadline", &self.deadline)
            .field("max_attempts", &self.max_attempts)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

/// The envelope as it arrives.
#[derive(Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    client_key: Option<String>,
    #[serde(default)]
    from_user_id: Option<String>,
    #[serde(default)]
    to_user_id: Option<String>,
    #[serde(default)]
    content: Value,
    #[serde(default)]
    log_id: Option<String>,
}

impl WebhookReceiver {
    /// A receiver of this SDK's events for the app `client_key`, verifying with
    /// `client_secret`; in-memory dedupe.
    pub fn new(client_key: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Self::for_events(client_key, client_secret)
    }
}

impl<E: Events> WebhookReceiver<E> {
    /// A receiver of the events `E` of another spec (a client generated like this SDK).
    pub fn for_events(client_key: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        WebhookReceiver {
            client_key: client_key.into(),
            key: client_secret.into(),
            max_body: DEFAULT_MAX_BODY,
            dedupe: Arc::new(MemoryDedupeStore::new()),
            ttl: DEFAULT_DEDUPE_TTL,
            deadline: DEFAULT_DEADLINE,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            attempts: Mutex::new(HashMap::new()),
            dead: Mutex::new(Vec::new()),
            names: BTreeMap::new(),
            events: PhantomData,
        }
    }

    /// Verifies with a separate webhook secret instead of the client_secret (mini-apps get one).
    pub fn webhook_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.key = secret.into();
        self
    }

    /// The largest body accepted (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Where `Msg-Id`s are remembered (default: in this process). Share one store (e.g.
    /// `RedisTokenStore`, feature `redis`) between replicas so each message is handled once.
    pub fn dedupe(mut self, store: Arc<dyn DedupeStore>) -> Self {
        self.dedupe = store;
        self
    }

    /// How long a `Msg-Id` is remembered (default [`DEFAULT_DEDUPE_TTL`]).
    pub fn dedupe_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How long the in-process handler may take before the answer (default
    /// [`DEFAULT_DEADLINE`]); past it the answer is 500 and the platform retries.
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// How many failed attempts of one message make it a dead letter (default
    /// [`DEFAULT_MAX_ATTEMPTS`], at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The wire names of the spec event `name` (e.g. `alliance_order`), replacing the spec's
    /// default; for events whose name the spec only guesses.
    pub fn event_names<S: Into<String>>(mut self, name: &str, wire: impl IntoIterator<Item = S>) -> Self {
        if let Some(meta) = E::metas().iter().find(|m| m.name == name) {
            self.names.insert(meta.name, wire.into_iter().map(Into::into).collect());
        }
        self
    }

    /// The largest body accepted.
    pub fn body_limit(&self) -> usize {
        self.max_body
    }

    /// The app this receiver is for.
    pub fn client_key(&self) -> &str {
        &self.client_key
    }

    /// Checks `signature` against `body` in constant time.
    pub fn verify(&self, signature: Option<&str>, body: &[u8]) -> Result<(), WebhookError> {
        let given =
            signature.map(str::trim).filter(|s| !s.is_empty()).ok_or(WebhookError::MissingSignature)?;
        let expected = sign(self.key.expose().as_bytes(), body);
        // Hex is case-insensitive; the platform sends lowercase.
        let given = given.to_ascii_lowercase();
        if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            Ok(())
        } else {
            Err(WebhookError::BadSignature)
        }
    }

    /// Verifies and decodes one pushed request (`signature` and `msg_id` are the
    /// `X-Douyin-Signature` and `Msg-Id` headers, `body` the exact bytes received). Nothing is
    /// recorded: handle the event with [`Self::handle`], or store it (`queue::RedisQueue`).
    pub async fn receive(
        &self,
        signature: Option<&str>,
        msg_id: Option<&str>,
        body: &[u8],
    ) -> Result<Received<E>, WebhookError> {
        if body.len() > self.max_body {
            return Err(WebhookError::TooLarge { size: body.len(), limit: self.max_body });
        }
        self.verify(signature, body)?;
        self.decode(msg_id, body)
    }

    /// Decodes a body that was verified when it arrived (what the durable workers read back).
    pub fn decode_stored(&self, msg_id: Option<&str>, body: &[u8]) -> Result<Received<E>, WebhookError> {
        self.decode(msg_id, body)
    }

    fn decode(&self, msg_id: Option<&str>, body: &[u8]) -> Result<Received<E>, WebhookError> {
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let content = match envelope.content {
            Value::String(text) => serde_json::from_str(&text)
                .map_err(|e| WebhookError::Malformed(format!("`content` is a string but not JSON: {e}")))?,
            other => other,
        };
        let for_us = envelope.client_key.as_deref().is_none_or(|k| k == self.client_key);
        if envelope.event == VERIFY_WEBHOOK {
            // The handshake may come before the app is set (an empty client_key).
            if !for_us && envelope.client_key.as_deref() != Some("") {
                return Err(WebhookError::WrongApp(envelope.client_key.unwrap_or_default()));
            }
            let challenge = content
                .get("challenge")
                .and_then(|c| c.as_i64().or_else(|| c.as_str().and_then(|s| s.trim().parse().ok())))
                .ok_or_else(|| {
                    WebhookError::Malformed("verify_webhook without an integer `challenge`".into())
                })?;
            return Ok(Received::Challenge(challenge));
        }
        if !for_us {
            return Err(WebhookError::WrongApp(envelope.client_key.unwrap_or_default()));
        }
        let name = self.recognise(&envelope.event, &content);
        // A content the spec's type cannot read is still delivered, raw: refusing a signed
        // event would only make the platform retry it (and, in the end, cancel the
        // subscription).
        let event = match E::decode(name, envelope.event.clone(), content.clone()) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(event = %envelope.event, error = %e, "webhook content does not decode as the spec says; delivered as Unknown");
                E::decode(None, envelope.event.clone(), content)
                    .map_err(|e| WebhookError::Malformed(format!("the content does not decode: {e}")))?
            }
        };
        Ok(Received::Event(Box::new(Delivery {
            msg_id: msg_id.map(str::trim).filter(|m| !m.is_empty()).map(String::from),
            event,
            event_name: envelope.event,
            from_user_id: envelope.from_user_id,
            to_user_id: envelope.to_user_id,
            log_id: envelope.log_id,
        })))
    }

    /// The in-process mode: verifies, decodes and handles one pushed request before answering
    /// (see the module docs for the guarantee). Give the platform the returned status and body.
    pub async fn handle(
        &self,
        signature: Option<&str>,
        msg_id: Option<&str>,
        body: &[u8],
        handler: &dyn Handler<E>,
    ) -> Answer
    where
        E: 'static,
    {
        let delivery = match self.receive(signature, msg_id, body).await {
            Err(e) => return Answer::refused(&e),
            Ok(Received::Challenge(n)) => return Answer::challenge(n),
            Ok(Received::Event(d)) => *d,
        };
        let id = delivery.msg_id.clone();
        if let Some(id) = &id {
            match self.dedupe.claim(id, self.deadline + Duration::from_secs(1)).await {
                Ok(Claim::Claimed) => {}
                Ok(Claim::Done) => return Answer::new(200, Outcome::Duplicate),
                Ok(Claim::InProgress) => return Answer::new(503, Outcome::InProgress),
                // Better twice than never: the store is down, the event is handled.
                Err(e) => {
                    tracing::warn!(error = %e, msg_id = %id, "webhook dedupe store failed; handling the event")
                }
            }
        }
        let result = match tokio::time::timeout(self.deadline, handler.handle(delivery)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Outcome::Failed(e.to_string())),
            Err(_) => Err(Outcome::TimedOut),
        };
        match (result, &id) {
            (Ok(()), Some(id)) => {
                self.attempts_of(id, false);
                if let Err(e) = self.dedupe.complete(id, self.ttl).await {
                    tracing::warn!(error = %e, msg_id = %id, "webhook handled, but the dedupe store did not record it");
                }
                Answer::new(200, Outcome::Handled)
            }
            (Ok(()), None) => Answer::new(200, Outcome::Handled),
            (Err(failed), id) => {
                let why = match &failed {
                    Outcome::Failed(why) => why.clone(),
                    _ => format!("the handler did not finish within {:?}", self.deadline),
                };
                let attempts = id.as_deref().map_or(1, |id| self.attempts_of(id, true));
                if attempts >= self.max_attempts {
                    tracing::error!(msg_id = ?id, attempts, error = %why, "webhook event failed every attempt; kept as a dead letter");
                    self.keep_dead(id.clone(), body, &why, attempts);
                    if let Some(id) = &id {
                        // Handled, as far as the platform is concerned: it is kept here now.
                        let _ = self.dedupe.complete(id, self.ttl).await;
                    }
                    return Answer::new(200, Outcome::DeadLettered(why));
                }
                tracing::warn!(msg_id = ?id, attempts, error = %why, "webhook handler failed; the platform will retry");
                if let Some(id) = &id {
                    let _ = self.dedupe.release(id).await;
                }
                Answer::new(500, failed)
            }
        }
    }

    /// Counts a failed attempt of `msg_id` (or forgets it after a success): the attempts so far.
    fn attempts_of(&self, msg_id: &str, failed: bool) -> u32 {
        let mut a = self.attempts.lock().unwrap_or_else(|p| p.into_inner());
        if !failed {
            a.remove(msg_id);
            return 0;
        }
        if a.len() >= 100_000 {
            // Bounded: messages the platform stopped retrying are forgotten first.
            a.clear();
        }
        let n = a.entry(msg_id.to_string()).or_insert(0);
        *n += 1;
        let n = *n;
        if n >= self.max_attempts {
            a.remove(msg_id);
        }
        n
    }

    fn keep_dead(&self, msg_id: Option<String>, body: &[u8], error: &str, attempts: u32) {
        let mut dead = self.dead.lock().unwrap_or_else(|p| p.into_inner());
        let id = format!("dead-{}", dead.len() + 1);
        dead.push(DeadLetter {
            id,
            msg_id,
            body: body.to_vec(),
            error: error.to_string(),
            attempts,
            failed_at: SystemTime::now(),
        });
    }

    /// The dead letters of the in-process mode, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.dead.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Hands the dead letter `id` to `handler` again; on success it leaves the dead letters.
    /// `Ok(false)` when there is no such dead letter.
    pub async fn replay(&self, id: &str, handler: &dyn Handler<E>) -> Result<bool, HandlerError>
    where
        E: 'static,
    {
        let letter = {
            let dead = self.dead.lock().unwrap_or_else(|p| p.into_inner());
            match dead.iter().find(|d| d.id == id) {
                Some(d) => d.clone(),
                None => return Ok(false),
            }
        };
        match self.decode_stored(letter.msg_id.as_deref(), &letter.body)? {
            Received::Event(d) => handler.handle(*d).await?,
            Received::Challenge(_) => {}
        }
        self.dead.lock().unwrap_or_else(|p| p.into_inner()).retain(|d| d.id != id);
        Ok(true)
    }

    /// The spec event an incoming one is: by its trusted wire name, by a configured name (or
    /// the spec's guess, when not configured), or by its content's keys.
    fn recognise(&self, event: &str, content: &Value) -> Option<&'static str> {
        let metas = E::metas();
        let by_name = metas.iter().find(|m| match self.names.get(m.name) {
            Some(configured) => configured.iter().any(|n| n == event),
            None => m.event == event,
        });
        let by_keys =
            || metas.iter().find(|m| !m.keys.is_empty() && m.keys.iter().all(|k| content.get(k).is_some()));
        by_name.or_else(by_keys).map(|m| m.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Event, OrderFlowPoint};

    const KEY: &str = "app_key";
    const SECRET: &str = "app_secret";

    fn receiver() -> WebhookReceiver {
        WebhookReceiver::new(KEY, SECRET)
    }

    fn signed(body: &str) -> (String, Vec<u8>) {
        (sign(SECRET.as_bytes(), body.as_bytes()), body.as_bytes().to_vec())
    }

    async fn receive(
        r: &WebhookReceiver,
        body: &str,
        msg_id: Option<&str>,
    ) -> Result<Received<Event>, WebhookError> {
        let (sig, body) = signed(body);
        r.receive(Some(&sig), msg_id, &body).await
    }

    #[test]
    fn the_signature_is_sha1_hex_of_the_key_then_the_body() {
        // `printf 'secret{"a":1}' | sha1sum`
        assert_eq!(sign(b"secret", br#"{"a":1}"#), "6d3ece5e32c56a029e1bc9209c84b0707179c504");
        let r = receiver();
        let body = br#"{"event":"authorize","client_key":"app_key","content":{}}"#;
        let sig = sign(SECRET.as_bytes(), body);
        assert!(r.verify(Some(&sig), body).is_ok());
        assert!(r.verify(Some(&sig.to_uppercase()), body).is_ok(), "hex is case-insensitive");
        let mut flipped = body.to_vec();
        flipped[10] ^= 1;
        assert!(matches!(r.verify(Some(&sig), &flipped), Err(WebhookError::BadSignature)));
        let mut bad_sig = sig.into_bytes();
        bad_sig[0] = if bad_sig[0] == b'0' { b'1' } else { b'0' };
        let bad_sig = String::from_utf8(bad_sig).unwrap();
        assert!(matches!(r.verify(Some(&bad_sig), body), Err(WebhookError::BadSignature)));
        assert!(matches!(r.verify(None, body), Err(WebhookError::MissingSignature)));
        assert!(matches!(r.verify(Some("abc"), body), Err(WebhookError::BadSignature)));
        let other_key = WebhookReceiver::new(KEY, SECRET).webhook_secret("webhook-secret");
        assert!(matches!(
            other_key.verify(Some(&sign(SECRET.as_bytes(), body)), body),
            Err(WebhookError::BadSignature)
        ));
        assert!(other_key.verify(Some(&sign(b"webhook-secret", body)), body).is_ok());
    }

    #[tokio::test]
    async fn verify_webhook_echoes_the_challenge_for_both_content_forms() {
        let r = receiver();
        for body in [
            r#"{"event":"verify_webhook","client_key":"app_key","content":{"challenge":12345}}"#,
            r#"{"event":"verify_webhook","client_key":"","content":"{ \"challenge\": 12345 }"}"#,
        ] {
            let got = receive(&r, body, Some("m1")).await.unwrap();
            assert_eq!(got, Received::Challenge(12345));
            assert_eq!(got.response_body(), r#"{"challenge":12345}"#);
        }
        let unsigned = br#"{"event":"verify_webhook","client_key":"","content":{"challenge":1}}"#;
        assert!(matches!(r.receive(None, None, unsigned).await, Err(WebhookError::MissingSignature)));
    }

    fn order_body(event: &str, content_as_string: bool) -> String {
        let order = serde_json::json!({
            "order_id": "4968253612345678901", "product_id": "3450632721376902816",
            "flow_point": "PAY_SUCC", "total_pay_amount": 5990
        });
        let content = if content_as_string { Value::String(order.to_string()) } else { order };
        serde_json::json!({"event": event, "client_key": KEY, "from_user_id": "creator-1", "content": content})
            .to_string()
    }

    #[tokio::test]
    async fn the_order_push_decodes_from_a_string_or_an_object() {
        let r = receiver();
        for as_string in [true, false] {
            let got = receive(&r, &order_body("alliance_order", as_string), None).await.unwrap();
            let Received::Event(d) = got else { panic!("{got:?}") };
            let Event::AllianceOrder(order) = &d.event else { panic!("{:?}", d.event) };
            assert_eq!(order.order_id.map(|i| i.get()), Some(4968253612345678901));
            assert_eq!(order.flow_point, Some(OrderFlowPoint::PaySucc));
            assert_eq!(d.from_user_id.as_deref(), Some("creator-1"));
        }
    }

    #[tokio::test]
    async fn the_order_push_is_recognised_by_configured_names_or_by_its_content() {
        // An unknown name whose content is an order: recognised by its keys.
        let r = receiver();
        let Received::Event(d) = receive(&r, &order_body("some_future_name", true), None).await.unwrap()
        else {
            panic!()
        };
        assert!(matches!(d.event, Event::AllianceOrder(_)));
        assert_eq!(d.event_name, "some_future_name");
        // Configured names replace the guess; content without the keys under the old guess is
        // then an unknown event, kept raw.
        let r = receiver().event_names("alliance_order", ["buyin_order_push"]);
        let body = serde_json::json!({"event": "alliance_order", "client_key": KEY, "content": {"x": 1}})
            .to_string();
        let Received::Event(d) = receive(&r, &body, None).await.unwrap() else { panic!() };
        assert_eq!(
            d.event,
            Event::Unknown { event: "alliance_order".into(), content: serde_json::json!({"x": 1}) }
        );
        let body =
            serde_json::json!({"event": "buyin_order_push", "client_key": KEY, "content": {"order_id": "1"}})
                .to_string();
        let Received::Event(d) = receive(&r, &body, None).await.unwrap() else { panic!() };
        assert!(matches!(d.event, Event::AllianceOrder(_)));
    }

    #[tokio::test]
    async fn an_unknown_event_keeps_its_name_and_raw_content() {
        let r = receiver();
        let body = r#"{"event":"im_receive_msg","client_key":"app_key","content":"{\"text\":\"hi\"}"}"#;
        let Received::Event(d) = receive(&r, body, None).await.unwrap() else { panic!() };
        assert_eq!(
            d.event,
            Event::Unknown { event: "im_receive_msg".into(), content: serde_json::json!({"text": "hi"}) }
        );
    }

    fn ok_handler() -> impl Handler<Event> {
        |_: Delivery<Event>| async { Ok::<(), String>(()) }
    }

    async fn handle(r: &WebhookReceiver, body: &str, msg_id: Option<&str>, h: &dyn Handler<Event>) -> Answer {
        let (sig, body) = signed(body);
        r.handle(Some(&sig), msg_id, &body, h).await
    }

    #[tokio::test]
    async fn a_message_counts_as_handled_only_after_its_handler_succeeded() {
        let r = receiver();
        let body = order_body("alliance_order", true);
        let failing = |_: Delivery<Event>| async { Err::<(), _>("the database is down") };
        let a = handle(&r, &body, Some("m-1"), &failing).await;
        assert_eq!((a.status, a.outcome), (500, Outcome::Failed("the database is down".into())));
        let a = handle(&r, &body, Some("m-1"), &ok_handler()).await;
        assert_eq!((a.status, a.outcome), (200, Outcome::Handled), "the retry is handled");
        let a = handle(&r, &body, Some("m-1"), &failing).await;
        assert_eq!((a.status, a.outcome), (200, Outcome::Duplicate), "handled once");
        let short = receiver().dedupe_ttl(Duration::from_millis(1));
        assert_eq!(handle(&short, &body, Some("m-3"), &ok_handler()).await.outcome, Outcome::Handled);
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            handle(&short, &body, Some("m-3"), &ok_handler()).await.outcome,
            Outcome::Handled,
            "forgotten after the TTL"
        );
    }

    #[tokio::test]
    async fn a_slow_handler_gets_500_and_a_concurrent_delivery_waits() {
        let r = Arc::new(receiver().deadline(Duration::from_millis(200)));
        let body = order_body("alliance_order", true);
        let slow = |_: Delivery<Event>| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            Ok::<(), String>(())
        };
        let (r2, b2) = (r.clone(), body.clone());
        let first = tokio::spawn(async move { handle(&r2, &b2, Some("m-slow"), &slow).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = handle(&r, &body, Some("m-slow"), &ok_handler()).await;
        assert_eq!((second.status, second.outcome), (503, Outcome::InProgress));
        let first = first.await.unwrap();
        assert_eq!((first.status, first.outcome), (500, Outcome::TimedOut));
        let retry = handle(&r, &body, Some("m-slow"), &ok_handler()).await;
        assert_eq!((retry.status, retry.outcome), (200, Outcome::Handled));
    }

    #[tokio::test]
    async fn an_event_failing_every_attempt_is_a_dead_letter_that_can_be_replayed() {
        let r = receiver().max_attempts(2);
        let body = order_body("alliance_order", true);
        let failing = |_: Delivery<Event>| async { Err::<(), _>("no") };
        assert_eq!(handle(&r, &body, Some("m-d"), &failing).await.status, 500);
        let a = handle(&r, &body, Some("m-d"), &failing).await;
        assert_eq!((a.status, a.outcome), (200, Outcome::DeadLettered("no".into())));
        let dead = r.dead_letters();
        assert_eq!(dead.len(), 1);
        assert_eq!(
            (dead[0].msg_id.as_deref(), dead[0].attempts, dead[0].error.as_str()),
            (Some("m-d"), 2, "no")
        );
        assert_eq!(dead[0].body, body.as_bytes());
        assert!(r.replay(&dead[0].id, &failing).await.is_err(), "a failed replay keeps it");
        assert_eq!(r.dead_letters().len(), 1);
        assert!(r.replay(&dead[0].id, &ok_handler()).await.unwrap());
        assert!(r.dead_letters().is_empty());
        assert!(!r.replay("nope", &ok_handler()).await.unwrap());
    }

    #[tokio::test]
    async fn bad_input_is_refused_with_its_status() {
        let r = receiver().max_body(1024);
        let wrong_app = order_body("alliance_order", true).replace(KEY, "someone_else");
        let e = receive(&r, &wrong_app, None).await.unwrap_err();
        assert!(matches!(e, WebhookError::WrongApp(ref k) if k == "someone_else"), "{e}");
        assert_eq!(e.status(), 403);
        let body = order_body("alliance_order", true);
        let truncated = &body[..body.len() - 5];
        let e = receive(&r, truncated, None).await.unwrap_err();
        assert_eq!((e.status(), matches!(e, WebhookError::Malformed(_))), (400, true));
        let e = receive(&r, r#"{"event":"x","client_key":"app_key","content":"{not json"}"#, None)
            .await
            .unwrap_err();
        assert_eq!(e.status(), 400);
        let big = "x".repeat(2048);
        let e = r.receive(Some("00"), None, big.as_bytes()).await.unwrap_err();
        assert_eq!(
            (e.status(), e.to_string()),
            (413, "the body of 2048 bytes exceeds the limit of 1024 bytes".into())
        );
        let (_, b) = signed(&body);
        assert_eq!(r.receive(Some("deadbeef"), None, &b).await.unwrap_err().status(), 401);
    }

    #[test]
    fn debug_hides_the_key() {
        let text = format!("{:?}", receiver());
        assert!(!text.contains(SECRET), "{text}");
    }
}
