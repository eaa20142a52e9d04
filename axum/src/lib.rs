//! The SDK's webhook receiver ([`douyin_alliance::webhook::WebhookReceiver`]) as axum routes,
//! so the SDK itself keeps no web-framework dependency. Two modes, and neither answers 200 for
//! an event that is neither handled nor stored:
//!
//! - [`router`]: **in process**. Each request is verified, then handled by your async handler
//!   before the answer: 200 after it returned `Ok` within the receiver's deadline (default 4 s,
//!   under the platform's 5 s), 500 when it failed or ran late (the platform retries), 503 while
//!   another delivery of the same `Msg-Id` is being handled.
//! - [`durable`] (feature `redis`): **durable**. Each request is verified and stored in a Redis
//!   stream, then answered (503 when Redis cannot store it); workers in every replica handle
//!   the events from the stream (`RedisQueue::worker`). At-least-once, deduplicated by `Msg-Id`:
//!   an idempotent handler sees each event once, even when a replica dies mid-handling.
//!
//! Refusals carry their status and are never handled: 401 bad or missing signature, 403 another
//! app's `client_key`, 400 malformed body, 413 body too large.
//!
//! [`oauth`] has the creators' web authorization as two routes (login, callback).
//!
//! [`doudian_router`] does the same for the Doudian gateway's pushes (`event-sign`, an array of
//! messages per request, each deduplicated by its `msg_id`; see
//! [`douyin_alliance::webhook::doudian`]).
//!
//! ```no_run
//! use std::sync::Arc;
//! use douyin_alliance::types::Event;
//! use douyin_alliance::webhook::{Delivery, WebhookReceiver};
//!
//! # async fn run() {
//! let receiver = Arc::new(WebhookReceiver::new("client_key", "client_secret"));
//! let app = axum::Router::new().nest(
//!     "/douyin/webhook",
//!     douyin_alliance_axum::router(receiver, |delivery: Delivery<Event>| async move {
//!         if let Event::AllianceOrder(order) = &delivery.event {
//!             // An idempotent upsert keyed by the order id: a retry changes nothing.
//!             println!("order {:?} is now {:?}", order.order_id, order.flow_point);
//!         }
//!         Ok::<(), String>(())
//!     }),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod oauth;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use douyin_alliance::types::Event;
use douyin_alliance::webhook::doudian::{DoudianMessage, APP_ID_HEADER, EVENT_SIGN_HEADER};
use douyin_alliance::webhook::{
    Answer, DoudianReceiver, Events, Handler, WebhookReceiver, MSG_ID_HEADER, SIGNATURE_HEADER,
};

/// A router with one `POST /` route (nest it where the platform should call) that handles each
/// event with `handler` before answering (the in-process mode).
pub fn router(receiver: Arc<WebhookReceiver>, handler: impl Handler<Event>) -> Router {
    router_for(receiver, handler)
}

/// [`router`] for the events of another spec (a `WebhookReceiver<E>`).
pub fn router_for<E: Events + Send + 'static>(
    receiver: Arc<WebhookReceiver<E>>,
    handler: impl Handler<E>,
) -> Router {
    // Larger bodies are refused (413) before they are read whole.
    let limit = receiver.body_limit();
    let state = InProcess { receiver, handler: Arc::new(handler) };
    Router::new().route("/", post(in_process::<E>)).layer(DefaultBodyLimit::max(limit)).with_state(state)
}

struct InProcess<E> {
    receiver: Arc<WebhookReceiver<E>>,
    handler: Arc<dyn Handler<E>>,
}

impl<E> Clone for InProcess<E> {
    fn clone(&self) -> Self {
        InProcess { receiver: self.receiver.clone(), handler: self.handler.clone() }
    }
}

/// A router with one `POST /` route for the Doudian gateway's pushes: each message of a request
/// is handled with `handler`, in order, before the answer (`{"code":0,"msg":"success"}` once all
/// are handled; 500 `{"code":1,"msg":"fail"}` otherwise, and the gateway sends it again).
pub fn doudian_router(receiver: Arc<DoudianReceiver>, handler: impl Handler<DoudianMessage>) -> Router {
    let limit = receiver.body_limit();
    let state = DoudianInProcess { receiver, handler: Arc::new(handler) };
    Router::new().route("/", post(doudian_in_process)).layer(DefaultBodyLimit::max(limit)).with_state(state)
}

#[derive(Clone)]
struct DoudianInProcess {
    receiver: Arc<DoudianReceiver>,
    handler: Arc<dyn Handler<DoudianMessage>>,
}

async fn doudian_in_process(State(s): State<DoudianInProcess>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let answer =
        s.receiver.handle(header(EVENT_SIGN_HEADER), header(APP_ID_HEADER), &body, s.handler.as_ref()).await;
    respond(answer)
}

/// The `X-Douyin-Signature` and `Msg-Id` headers.
fn headers_of(headers: &HeaderMap) -> (Option<&str>, Option<&str>) {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    (header(SIGNATURE_HEADER), header(MSG_ID_HEADER))
}

/// The HTTP answer of an [`Answer`].
fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let json = answer.status == 200 || answer.body.starts_with('{');
    let content_type = if json { "application/json" } else { "text/plain; charset=utf-8" };
    (status, [(axum::http::header::CONTENT_TYPE, content_type)], answer.body).into_response()
}

async fn in_process<E: Events + Send + 'static>(
    State(s): State<InProcess<E>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signature, msg_id) = headers_of(&headers);
    respond(s.receiver.handle(signature, msg_id, &body, s.handler.as_ref()).await)
}

/// A router with one `POST /` route that stores each verified event in `queue` before
/// answering (the durable mode); run `queue.worker(..)` in every replica to handle them.
#[cfg(feature = "redis")]
pub fn durable<E: Events + Send + Sync + 'static>(
    receiver: Arc<WebhookReceiver<E>>,
    queue: Arc<douyin_alliance::webhook::queue::RedisQueue>,
) -> Router {
    let limit = receiver.body_limit();
    let state = Durable { receiver, queue };
    Router::new().route("/", post(durable_route::<E>)).layer(DefaultBodyLimit::max(limit)).with_state(state)
}

#[cfg(feature = "redis")]
struct Durable<E> {
    receiver: Arc<WebhookReceiver<E>>,
    queue: Arc<douyin_alliance::webhook::queue::RedisQueue>,
}

#[cfg(feature = "redis")]
impl<E> Clone for Durable<E> {
    fn clone(&self) -> Self {
        Durable { receiver: self.receiver.clone(), queue: self.queue.clone() }
    }
}

#[cfg(feature = "redis")]
async fn durable_route<E: Events + Send + Sync + 'static>(
    State(s): State<Durable<E>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (signature, msg_id) = headers_of(&headers);
    respond(s.queue.accept(&s.receiver, signature, msg_id, &body).await)
}
