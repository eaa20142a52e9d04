//! The Doudian gateway's pushes (doudian-facts §7): each request is a JSON **array** of
//! messages, `[{"tag": "101", "msg_id": "…", "data": "<JSON text>"}]`, signed in the `event-sign`
//! header: lowercase hex MD5 of the app_key, the exact body bytes and the app_secret [C2]. The
//! platform expects `{"code":0,"msg":"success"}` [C2]; a failure is answered
//! `{"code":1,"msg":"fail"}` [C1] with HTTP 500, so the platform sends the request again.
//!
//! Each message is handled as a Douyin push is (the module docs): its `msg_id` deduplicates it
//! (a lease while the handler runs, a mark after it succeeded), the handler has the deadline,
//! failures are counted and the last one keeps the message as a dead letter. The messages of
//! one request are handled in order; the request is acknowledged once every one of them is
//! handled, a duplicate or a dead letter. Otherwise the whole request comes again, and the
//! messages handled the first time are then duplicates: each is handled once.
//!
//! The tags are numeric strings (`"100"` order created, `"101"` paid, in one legacy source);
//! the facts name no alliance tags, so `data` is delivered as JSON for the app to read by tag.

use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::deliver::Deliveries;
use super::{Answer, DeadLetter, Delivery, Handler, HandlerError, Outcome, WebhookError, DEFAULT_MAX_BODY};
use crate::Secret;

/// The header carrying the signature of a Doudian push.
pub const EVENT_SIGN_HEADER: &str = "event-sign";
/// The header carrying the app's id (its app_key) on a Doudian push [C1].
pub const APP_ID_HEADER: &str = "app-id";
/// The body of a successful answer.
pub const SUCCESS_BODY: &str = r#"{"code":0,"msg":"success"}"#;
/// The body of a failed answer.
pub const FAIL_BODY: &str = r#"{"code":1,"msg":"fail"}"#;

/// Lowercase hex MD5 of `app_key`, `body` and `app_secret`: the `event-sign` of a push.
///
/// ```
/// use douyin_alliance::webhook::doudian::event_sign;
/// let body = br#"[{"tag":"101","msg_id":"7046310413","data":"{\"p_id\":4839393224855481034}"}]"#;
/// assert_eq!(event_sign("7043675397937989128", b"test-secret", body), "182cec5a2d744f96e755595a81a1435d");
/// ```
pub fn event_sign(app_key: &str, app_secret: &[u8], body: &[u8]) -> String {
    let mut h = Md5::new();
    h.update(app_key.as_bytes());
    h.update(body);
    h.update(app_secret);
    crate::signing::lower_hex(&h.finalize())
}

/// One pushed message: what a [`Delivery`] of a [`DoudianReceiver`] carries (its `msg_id` is
/// the delivery's, its `tag` the delivery's `event_name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoudianMessage {
    /// The message kind, a numeric string (e.g. `"101"`).
    pub tag: String,
    /// The message id (the same for a resent message).
    pub msg_id: String,
    /// The message's data: the JSON its `data` string holds (an object sent as such is taken
    /// as it is; a string that is not JSON is kept as that string).
    pub data: Value,
}

/// A message as it arrives: the tag and id may be numbers, `data` a string of JSON.
#[derive(Deserialize)]
struct WireMessage {
    tag: Value,
    msg_id: Value,
    #[serde(default)]
    data: Value,
}

impl WireMessage {
    fn into_message(self, index: usize) -> Result<DoudianMessage, WebhookError> {
        let text = |v: Value, key: &str| match v {
            Value::String(s) if !s.trim().is_empty() => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(WebhookError::Malformed(format!("message {index} has no `{key}` (a string or number)"))),
        };
        let tag = text(self.tag, "tag")?;
        let msg_id = text(self.msg_id, "msg_id")?;
        let data = match self.data {
            Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        };
        Ok(DoudianMessage { tag, msg_id, data })
    }
}

/// Verifies, deduplicates and hands over the messages the Doudian gateway pushes to one app.
///
/// ```
/// use douyin_alliance::webhook::doudian::{event_sign, DoudianMessage, DoudianReceiver, SUCCESS_BODY};
/// use douyin_alliance::webhook::Delivery;
/// # async fn run() {
/// let receiver = DoudianReceiver::new("my_app_key", "my_app_secret");
/// let body = br#"[{"tag":"101","msg_id":"1","data":"{\"p_id\":1}"}]"#;
/// let sign = event_sign("my_app_key", b"my_app_secret", body);
/// let handler = |d: Delivery<DoudianMessage>| async move {
///     println!("{} {}", d.event.tag, d.event.data);
///     Ok::<(), String>(())
/// };
/// let answer = receiver.handle(Some(&sign), Some("my_app_key"), body, &handler).await;
/// assert_eq!((answer.status, answer.body.as_str()), (200, SUCCESS_BODY));
/// # }
/// ```
pub struct DoudianReceiver {
    app_key: String,
    app_secret: Secret,
    max_body: usize,
    deliveries: Deliveries,
}

impl std::fmt::Debug for DoudianReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoudianReceiver")
            .field("app_key", &self.app_key)
            .field("app_secret", &self.app_secret)
            .field("max_body", &self.max_body)
            .field("ttl", &self.deliveries.ttl)
            .field("deadline", &self.deliveries.deadline)
            .field("max_attempts", &self.deliveries.max_attempts)
            .finish_non_exhaustive()
    }
}

impl DoudianReceiver {
    super::deliver::delivery_settings!();

    /// A receiver for the app `app_key`, verifying with its `app_secret`; in-memory dedupe.
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<Secret>) -> Self {
        DoudianReceiver {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
            max_body: DEFAULT_MAX_BODY,
            deliveries: Deliveries::new(),
        }
    }

    /// The app this receiver is for.
    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// Checks the `event-sign` header against `body` in constant time (hex in either case).
    pub fn verify(&self, sign: Option<&str>, body: &[u8]) -> Result<(), WebhookError> {
        let given = sign.map(str::trim).filter(|s| !s.is_empty()).ok_or(WebhookError::MissingSignature)?;
        let expected = event_sign(&self.app_key, self.app_secret.expose().as_bytes(), body);
        if bool::from(expected.as_bytes().ct_eq(given.to_ascii_lowercase().as_bytes())) {
            Ok(())
        } else {
            Err(WebhookError::BadSignature)
        }
    }

    /// Verifies and reads one pushed request (`sign` and `app_id` are the `event-sign` and
    /// `app-id` headers, `body` the exact bytes received): its messages, in order. Nothing is
    /// recorded; [`Self::handle`] handles them.
    pub fn receive(
        &self,
        sign: Option<&str>,
        app_id: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<DoudianMessage>, WebhookError> {
        if body.len() > self.max_body {
            return Err(WebhookError::TooLarge { size: body.len(), limit: self.max_body });
        }
        self.verify(sign, body)?;
        if let Some(app) = app_id.map(str::trim).filter(|a| !a.is_empty() && *a != self.app_key) {
            return Err(WebhookError::WrongApp(app.to_string()));
        }
        decode(body)
    }

    /// The in-process mode: verifies the request, then handles its messages in order before
    /// answering (see the module docs). Give the platform the returned status and body.
    pub async fn handle(
        &self,
        sign: Option<&str>,
        app_id: Option<&str>,
        body: &[u8],
        handler: &dyn Handler<DoudianMessage>,
    ) -> Answer {
        let messages = match self.receive(sign, app_id, body) {
            Ok(m) => m,
            Err(e) => return Answer::refused(&e),
        };
        let mut last = Outcome::Handled;
        for message in messages {
            // The dead letter of a message is that message alone, so it replays alone.
            let own = serde_json::to_vec(&message).unwrap_or_default();
            let id = message.msg_id.clone();
            let answer = self.deliveries.run(Some(&id), &own, delivery(message), handler).await;
            if !answer.acknowledged() {
                // The rest waits for the platform's next try, in order.
                return Answer { status: answer.status, body: FAIL_BODY.into(), outcome: answer.outcome };
            }
            last = answer.outcome;
        }
        Answer { status: 200, body: SUCCESS_BODY.into(), outcome: last }
    }

    /// The messages that failed every attempt, oldest first; each one's `body` is that message
    /// alone (a [`DoudianMessage`] as JSON).
    pub fn dead_letters(&self) -> Vec<DeadLetter> {
        self.deliveries.dead_letters()
    }

    /// Hands the dead letter `id` to `handler` again; on success it leaves the dead letters.
    /// `Ok(false)` when there is no such dead letter.
    pub async fn replay(
        &self,
        id: &str,
        handler: &dyn Handler<DoudianMessage>,
    ) -> Result<bool, HandlerError> {
        let Some(letter) = self.deliveries.dead_letter(id) else {
            return Ok(false);
        };
        let message: DoudianMessage = serde_json::from_slice(&letter.body)?;
        handler.handle(delivery(message)).await?;
        self.deliveries.forget_dead(id);
        Ok(true)
    }
}

/// The messages of a verified body.
fn decode(body: &[u8]) -> Result<Vec<DoudianMessage>, WebhookError> {
    let wire: Vec<WireMessage> = serde_json::from_slice(body).map_err(|e| {
        WebhookError::Malformed(format!("not an array of {{tag, msg_id, data}} messages: {e}"))
    })?;
    wire.into_iter().enumerate().map(|(i, m)| m.into_message(i)).collect()
}

fn delivery(message: DoudianMessage) -> Delivery<DoudianMessage> {
    Delivery {
        msg_id: Some(message.msg_id.clone()),
        event_name: message.tag.clone(),
        event: message,
        from_user_id: None,
        to_user_id: None,
        log_id: None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;

    const KEY: &str = "7043675397937989128";
    const SECRET: &str = "test-secret";

    fn signed(body: &str) -> (String, Vec<u8>) {
        (event_sign(KEY, SECRET.as_bytes(), body.as_bytes()), body.as_bytes().to_vec())
    }

    #[test]
    fn the_sign_is_md5_hex_of_key_body_secret() {
        // python3: hashlib.md5(b'7043675397937989128' + body + b'test-secret').hexdigest()
        let body = br#"[{"tag":"101","msg_id":"7046310413","data":"{\"p_id\":4839393224855481034}"}]"#;
        assert_eq!(event_sign(KEY, SECRET.as_bytes(), body), "182cec5a2d744f96e755595a81a1435d");
        let r = DoudianReceiver::new(KEY, SECRET);
        let sign = event_sign(KEY, SECRET.as_bytes(), body);
        assert!(r.verify(Some(&sign), body).is_ok());
        assert!(r.verify(Some(&sign.to_uppercase()), body).is_ok());
        assert!(matches!(r.verify(None, body), Err(WebhookError::MissingSignature)));
        let mut flipped = body.to_vec();
        flipped[3] ^= 1;
        assert!(matches!(r.verify(Some(&sign), &flipped), Err(WebhookError::BadSignature)));
        let wrong_secret = event_sign(KEY, b"other", body);
        assert!(matches!(r.verify(Some(&wrong_secret), body), Err(WebhookError::BadSignature)));
    }

    #[test]
    fn messages_are_read_with_data_as_json_and_numbers_as_text() {
        let r = DoudianReceiver::new(KEY, SECRET);
        let (sign, body) = signed(
            r#"[{"tag":"100","msg_id":"a","data":"{\"order_id\":\"4839393224855481034\"}"},{"tag":101,"msg_id":7,"data":{"x":1}},{"tag":"102","msg_id":"c","data":"not json"}]"#,
        );
        let m = r.receive(Some(&sign), Some(KEY), &body).unwrap();
        assert_eq!(m[0].data["order_id"], "4839393224855481034");
        assert_eq!(
            (m[1].tag.as_str(), m[1].msg_id.as_str(), &m[1].data),
            ("101", "7", &serde_json::json!({"x": 1}))
        );
        assert_eq!(m[2].data, "not json");
        for (bad, why) in
            [("{}", "not an array"), (r#"[{"tag":"1"}]"#, "msg_id"), (r#"[{"tag":"","msg_id":"1"}]"#, "tag")]
        {
            let (sign, body) = signed(bad);
            let e = r.receive(Some(&sign), None, &body).unwrap_err();
            assert_eq!(e.status(), 400);
            assert!(e.to_string().contains(why), "{e}");
        }
        let (sign, body) = signed("[]");
        assert!(matches!(r.receive(Some(&sign), Some("another-app"), &body), Err(WebhookError::WrongApp(_))));
        let small = DoudianReceiver::new(KEY, SECRET).max_body(4);
        assert_eq!(small.receive(Some(&sign), None, b"[1,2,3]").unwrap_err().status(), 413);
    }

    #[tokio::test]
    async fn each_message_is_handled_once_across_retries_of_the_request() {
        let r = DoudianReceiver::new(KEY, SECRET).max_attempts(3);
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let fail_b = Arc::new(AtomicUsize::new(1));
        let handler = {
            let (seen, fail_b) = (seen.clone(), fail_b.clone());
            move |d: Delivery<DoudianMessage>| {
                let (seen, fail_b) = (seen.clone(), fail_b.clone());
                async move {
                    if d.event.msg_id == "b" && fail_b.fetch_sub(1, Ordering::SeqCst) > 0 {
                        return Err("the database is down".to_string());
                    }
                    seen.lock().unwrap().push(d.event.msg_id);
                    Ok(())
                }
            }
        };
        let (sign, body) =
            signed(r#"[{"tag":"1","msg_id":"a","data":"{}"},{"tag":"1","msg_id":"b","data":"{}"}]"#);
        let first = r.handle(Some(&sign), None, &body, &handler).await;
        assert_eq!((first.status, first.body.as_str()), (500, FAIL_BODY));
        let again = r.handle(Some(&sign), None, &body, &handler).await;
        assert_eq!((again.status, again.body.as_str()), (200, SUCCESS_BODY));
        assert_eq!(*seen.lock().unwrap(), ["a", "b"], "a once, b after its retry");
        let third = r.handle(Some(&sign), None, &body, &handler).await;
        assert_eq!((third.status, third.outcome), (200, Outcome::Duplicate));
        assert_eq!(seen.lock().unwrap().len(), 2);
        let refused = r.handle(Some("0000"), None, &body, &handler).await;
        assert_eq!(refused.status, 401);
    }

    #[tokio::test]
    async fn a_message_failing_every_attempt_is_kept_alone_and_replays() {
        let r = DoudianReceiver::new(KEY, SECRET).max_attempts(2);
        let failing = |_: Delivery<DoudianMessage>| async { Err::<(), _>("no") };
        let (sign, body) = signed(r#"[{"tag":"101","msg_id":"z","data":"{\"p\":1}"}]"#);
        assert_eq!(r.handle(Some(&sign), None, &body, &failing).await.status, 500);
        let kept = r.handle(Some(&sign), None, &body, &failing).await;
        assert_eq!((kept.status, kept.body.as_str()), (200, SUCCESS_BODY));
        let dead = r.dead_letters();
        assert_eq!(dead.len(), 1);
        let message: DoudianMessage = serde_json::from_slice(&dead[0].body).unwrap();
        assert_eq!((message.msg_id.as_str(), &message.data), ("z", &serde_json::json!({"p": 1})));
        let got: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = got.clone();
        let ok = move |d: Delivery<DoudianMessage>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(d.event.data);
                Ok::<(), String>(())
            }
        };
        assert!(r.replay(&dead[0].id, &ok).await.unwrap());
        assert_eq!(*got.lock().unwrap(), [serde_json::json!({"p": 1})]);
        assert!(r.dead_letters().is_empty());
        assert!(!r.replay(&dead[0].id, &ok).await.unwrap());
    }

    #[test]
    fn debug_shows_no_secret() {
        let r = DoudianReceiver::new(KEY, "very-secret-value");
        assert!(!format!("{r:?}").contains("very-secret-value"));
    }
}
