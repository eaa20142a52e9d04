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

use std::future::Future;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::auth::store::BoxFuture;
use crate::endpoint::Evidence;

mod dedupe;
mod deliver;
pub mod doudian;
mod douyin;
#[cfg(feature = "redis")]
pub mod queue;

pub use dedupe::{Claim, DedupeStore, MemoryDedupeStore};
pub use doudian::DoudianReceiver;
pub use douyin::{sign, WebhookReceiver};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Douyin-Signature";
/// The header carrying the message id (the same for the same entity and action).
pub const MSG_ID_HEADER: &str = "Msg-Id";
/// The wire name of the URL handshake.
pub const VERIFY_WEBHOOK: &str = "verify_webhook";

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
    /// No signature header (`X-Douyin-Signature`, or `event-sign` on a Doudian push).
    #[error(
        "the request has no signature header (X-Douyin-Signature, or event-sign from the Doudian gateway)"
    )]
    MissingSignature,
    /// The signature does not match the body.
    #[error("the signature header does not match the body")]
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
    pub(crate) fn new(status: u16, outcome: Outcome) -> Self {
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
