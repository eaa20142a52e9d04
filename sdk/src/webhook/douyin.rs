//! The Douyin open platform's pushes: one signed event per request (`X-Douyin-Signature`,
//! `Msg-Id`), decoded into the spec's typed events (the steps of the module docs).

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::deliver::Deliveries;
use super::{
    Answer, DeadLetter, Delivery, Events, Handler, HandlerError, Received, WebhookError, DEFAULT_MAX_BODY,
    VERIFY_WEBHOOK,
};
use crate::Secret;

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
    /// Dedupe, deadline, attempts and dead letters of the in-process mode.
    pub(super) deliveries: Deliveries,
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
            .field("ttl", &self.deliveries.ttl)
            .field("deadline", &self.deliveries.deadline)
            .field("max_attempts", &self.deliveries.max_attempts)
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
    super::deliver::delivery_settings!();

    /// A receiver of the events `E` of another spec (a client generated like this SDK).
    pub fn for_events(client_key: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        WebhookReceiver {
            client_key: client_key.into(),
            key: client_secret.into(),
            max_body: DEFAULT_MAX_BODY,
            deliveries: Deliveries::new(),
            names: BTreeMap::new(),
            events: PhantomData,
        }
    }

    /// Verifies with a separate webhook secret instead of the client_secret (mini-apps get one).
    pub fn webhook_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.key = secret.into();
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
        self.deliveries.run(id.as_deref(), body, delivery, handler).await
    }

    /// The dead letters of the in-process mode, oldest first.
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.deliveries.dead_letters()
    }

    /// Hands the dead letter `id` to `handler` again; on success it leaves the dead letters.
    /// `Ok(false)` when there is no such dead letter.
    pub async fn replay(&self, id: &str, handler: &dyn Handler<E>) -> Result<bool, HandlerError>
    where
        E: 'static,
    {
        let Some(letter) = self.deliveries.dead_letter(id) else {
            return Ok(false);
        };
        match self.decode_stored(letter.msg_id.as_deref(), &letter.body)? {
            Received::Event(d) => handler.handle(*d).await?,
            Received::Challenge(_) => {}
        }
        self.deliveries.forget_dead(id);
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
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::types::{Event, OrderFlowPoint};
    use crate::webhook::Outcome;

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
