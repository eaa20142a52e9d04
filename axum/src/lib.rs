//! The SDK's webhook receiver ([`douyin_alliance::webhook::WebhookReceiver`]) as an axum
//! route, so the SDK itself keeps no web-framework dependency.
//!
//! Each request is verified and deduplicated, then acknowledged at once (the platform waits
//! 5 s at most, and retries otherwise); the typed event goes to your async handler (spawned) or
//! channel afterwards. Refusals carry their status and are not handled: 401 bad or missing
//! signature, 403 another app's `client_key`, 400 malformed body, 413 body too large.
//!
//! ```no_run
//! use std::sync::Arc;
//! use douyin_alliance::types::Event;
//! use douyin_alliance::webhook::WebhookReceiver;
//!
//! # async fn run() {
//! let receiver = Arc::new(WebhookReceiver::new("client_key", "client_secret"));
//! let app = axum::Router::new().nest(
//!     "/douyin/webhook",
//!     douyin_alliance_axum::router(receiver, |delivery| async move {
//!         if let Event::AllianceOrder(order) = &delivery.event {
//!             println!("order {:?} is now {:?}", order.order_id, order.flow_point);
//!         }
//!     }),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::future::Future;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use douyin_alliance::types::Event;
use douyin_alliance::webhook::{
    Delivery, Events, Received, WebhookReceiver, MSG_ID_HEADER, SIGNATURE_HEADER,
};
use tokio::sync::mpsc;

/// A router with one `POST /` route (nest it where the platform should call) that hands each
/// first-time event to `handler`, after acknowledging it.
pub fn router<F, Fut>(receiver: Arc<WebhookReceiver>, handler: F) -> Router
where
    F: Fn(Delivery<Event>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    router_for(receiver, handler)
}

/// [`router`] for the events of another spec (a `WebhookReceiver<E>`).
pub fn router_for<E, F, Fut>(receiver: Arc<WebhookReceiver<E>>, handler: F) -> Router
where
    E: Events + Send + 'static,
    F: Fn(Delivery<E>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Larger bodies are refused (413) before they are read whole.
    let limit = receiver.body_limit();
    let state = Hook { receiver, handler };
    Router::new().route("/", post(receive::<E, F, Fut>)).layer(DefaultBodyLimit::max(limit)).with_state(state)
}

/// A router like [`router`] whose events go to a channel of `capacity` (when the channel is
/// full, the request waits; when its receiver is gone, events are dropped with a warning).
pub fn channel(receiver: Arc<WebhookReceiver>, capacity: usize) -> (Router, mpsc::Receiver<Delivery<Event>>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let app = router(receiver, move |delivery| {
        let tx = tx.clone();
        async move {
            if tx.send(delivery).await.is_err() {
                tracing::warn!("webhook event dropped: the channel's receiver is gone");
            }
        }
    });
    (app, rx)
}

struct Hook<E, F> {
    receiver: Arc<WebhookReceiver<E>>,
    handler: F,
}

impl<E, F: Clone> Clone for Hook<E, F> {
    fn clone(&self) -> Self {
        Hook { receiver: self.receiver.clone(), handler: self.handler.clone() }
    }
}

async fn receive<E, F, Fut>(State(hook): State<Hook<E, F>>, headers: HeaderMap, body: Bytes) -> Response
where
    E: Events + Send + 'static,
    F: Fn(Delivery<E>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match hook.receiver.receive(header(SIGNATURE_HEADER), header(MSG_ID_HEADER), &body).await {
        Err(e) => {
            tracing::warn!(error = %e, status = e.status(), "webhook request refused");
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            (status, e.to_string()).into_response()
        }
        Ok(received) => {
            let answer = received.response_body();
            if let Received::Event(delivery) = received {
                // Acknowledge first: the handler runs after the answer is on its way.
                tokio::spawn((hook.handler)(*delivery));
            }
            (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], answer).into_response()
        }
    }
}
