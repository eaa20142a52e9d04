//! The platform's webhook pushes, played against a configured URL: the `verify_webhook`
//! handshake, then a signed order event whenever an order is created or changes its flow
//! point (`Msg-Id` stable per order and flow point), retried up to 3 times on a failure or
//! after the attempt timeout (5 s on the platform), as `webhook-facts.md` describes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use douyin_alliance::webhook::{sign, MSG_ID_HEADER, SIGNATURE_HEADER, VERIFY_WEBHOOK};
use serde_json::{json, Value};

use crate::{lock, Sandbox};

/// The wire name the sandbox pushes orders under: the spec's guess (`spec/webhooks.yaml`).
pub const ORDER_EVENT: &str = "alliance_order";

/// Retries after the first attempt, as on the platform.
pub const RETRIES: u32 = 3;

/// One attempt to deliver a pushed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushAttempt {
    /// The `Msg-Id` sent.
    pub msg_id: String,
    /// The wire `event`.
    pub event: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's HTTP status; `None` when it did not answer in time or at all.
    pub status: Option<u16>,
    /// The receiver's answer body (what the handshake checks).
    pub answer: String,
    /// The body sent.
    pub body: String,
}

impl PushAttempt {
    /// Whether the receiver took it (HTTP 2xx).
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends pushes to one URL and records every attempt.
pub(crate) struct Pusher {
    url: String,
    http: reqwest::Client,
    retry_delay: Duration,
    attempts: Arc<Mutex<Vec<PushAttempt>>>,
}

impl Pusher {
    pub(crate) fn new(url: String, timeout: Duration, retry_delay: Duration) -> Pusher {
        let http = reqwest::Client::builder().timeout(timeout).build().unwrap_or_default();
        Pusher { url, http, retry_delay, attempts: Arc::default() }
    }

    pub(crate) fn attempts(&self) -> Vec<PushAttempt> {
        lock(&self.attempts).clone()
    }

    /// The URL handshake, in the background.
    pub(crate) fn handshake(&self, challenge: i64) {
        let body = json!({"event": VERIFY_WEBHOOK, "client_key": Sandbox::CLIENT_KEY, "content": {"challenge": challenge}});
        self.send(format!("verify-{challenge}"), VERIFY_WEBHOOK, body);
    }

    /// The order push of `order` (of creator `open_id`), in the background.
    pub(crate) fn order(&self, open_id: &str, order: &Value) {
        let id = order.get("order_id").and_then(Value::as_str).unwrap_or_default();
        let flow = order.get("flow_point").and_then(Value::as_str).unwrap_or_default();
        let body = json!({
            "event": ORDER_EVENT,
            "client_key": Sandbox::CLIENT_KEY,
            "from_user_id": open_id,
            "to_user_id": "",
            // A JSON string holding the order, as the one working client decodes it.
            "content": order.to_string(),
            "log_id": format!("sandbox-push-{id}-{flow}"),
        });
        self.send(format!("order-{id}-{flow}"), ORDER_EVENT, body);
    }

    fn send(&self, msg_id: String, event: &str, body: Value) {
        let body = body.to_string();
        let signature = sign(Sandbox::CLIENT_SECRET.as_bytes(), body.as_bytes());
        let (http, url, attempts, delay) =
            (self.http.clone(), self.url.clone(), self.attempts.clone(), self.retry_delay);
        let event = event.to_string();
        tokio::spawn(async move {
            for attempt in 1..=1 + RETRIES {
                let sent = http
                    .post(&url)
                    .header(SIGNATURE_HEADER, &signature)
                    .header(MSG_ID_HEADER, &msg_id)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                let (status, answer) = match sent {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        (Some(status), r.text().await.unwrap_or_default())
                    }
                    Err(_) => (None, String::new()),
                };
                let record = PushAttempt {
                    msg_id: msg_id.clone(),
                    event: event.clone(),
                    attempt,
                    status,
                    answer,
                    body: body.clone(),
                };
                let delivered = record.delivered();
                lock(&attempts).push(record);
                if delivered {
                    return;
                }
                tracing::debug!(%msg_id, attempt, ?status, "webhook push not delivered");
                tokio::time::sleep(delay).await;
            }
        });
    }
}
