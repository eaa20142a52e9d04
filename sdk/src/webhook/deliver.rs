//! Handling one pushed message as the module docs promise, whichever platform pushed it: the
//! message id as a lease while the handler runs and a mark after it succeeded, the deadline,
//! failed attempts counted, and dead letters kept with their exact bytes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::{
    Answer, Claim, DeadLetter, DedupeStore, Delivery, Handler, MemoryDedupeStore, Outcome, DEFAULT_DEADLINE,
    DEFAULT_DEDUPE_TTL, DEFAULT_MAX_ATTEMPTS,
};

/// The settings every receiver has, on a type with the fields `max_body: usize` and
/// `deliveries: Deliveries`: written once for both platforms' receivers.
macro_rules! delivery_settings {
    () => {
        /// The largest body accepted (default [`super::DEFAULT_MAX_BODY`]).
        pub fn max_body(mut self, bytes: usize) -> Self {
            self.max_body = bytes;
            self
        }

        /// The largest body accepted.
        pub fn body_limit(&self) -> usize {
            self.max_body
        }

        /// Where message ids are remembered (default: in this process). Share one store (e.g.
        /// `RedisTokenStore`, feature `redis`) between replicas so each message is handled once.
        pub fn dedupe(mut self, store: std::sync::Arc<dyn super::DedupeStore>) -> Self {
            self.deliveries.dedupe = store;
            self
        }

        /// How long a message id is remembered (default [`super::DEFAULT_DEDUPE_TTL`]).
        pub fn dedupe_ttl(mut self, ttl: std::time::Duration) -> Self {
            self.deliveries.ttl = ttl;
            self
        }

        /// How long the in-process handler may take per message before the answer (default
        /// [`super::DEFAULT_DEADLINE`]); past it the answer is 500 and the platform retries.
        pub fn deadline(mut self, d: std::time::Duration) -> Self {
            self.deliveries.deadline = d;
            self
        }

        /// How many failed attempts of one message make it a dead letter (default
        /// [`super::DEFAULT_MAX_ATTEMPTS`], at least 1).
        pub fn max_attempts(mut self, n: u32) -> Self {
            self.deliveries.max_attempts = n.max(1);
            self
        }
    };
}
pub(crate) use delivery_settings;

/// The in-process mode's state and settings, shared by the receivers of both platforms.
pub(crate) struct Deliveries {
    pub(crate) dedupe: Arc<dyn DedupeStore>,
    pub(crate) ttl: Duration,
    pub(crate) deadline: Duration,
    pub(crate) max_attempts: u32,
    /// Failed attempts per message id in this process.
    attempts: Mutex<HashMap<String, u32>>,
    /// Dead letters, oldest first.
    dead: Mutex<Vec<DeadLetter>>,
    /// Dead letters kept so far (their ids count up, and are never reused after a replay).
    kept: AtomicU64,
}

impl Deliveries {
    pub(crate) fn new() -> Self {
        Deliveries {
            dedupe: Arc::new(MemoryDedupeStore::new()),
            ttl: DEFAULT_DEDUPE_TTL,
            deadline: DEFAULT_DEADLINE,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            attempts: Mutex::new(HashMap::new()),
            dead: Mutex::new(Vec::new()),
            kept: AtomicU64::new(0),
        }
    }

    /// Handles `delivery` once: `id` is its message id (none: not deduplicated), `body` the
    /// exact bytes kept should it become a dead letter.
    pub(crate) async fn run<E: 'static>(
        &self,
        id: Option<&str>,
        body: &[u8],
        delivery: Delivery<E>,
        handler: &dyn Handler<E>,
    ) -> Answer {
        if let Some(id) = id {
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
        match (result, id) {
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
                let attempts = id.map_or(1, |id| self.attempts_of(id, true));
                if attempts >= self.max_attempts {
                    tracing::error!(msg_id = ?id, attempts, error = %why, "webhook event failed every attempt; kept as a dead letter");
                    self.keep_dead(id.map(String::from), body, &why, attempts);
                    if let Some(id) = id {
                        // Handled, as far as the platform is concerned: it is kept here now.
                        let _ = self.dedupe.complete(id, self.ttl).await;
                    }
                    return Answer::new(200, Outcome::DeadLettered(why));
                }
                tracing::warn!(msg_id = ?id, attempts, error = %why, "webhook handler failed; the platform will retry");
                if let Some(id) = id {
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
        let id = format!("dead-{}", self.kept.fetch_add(1, Ordering::Relaxed) + 1);
        let mut dead = self.dead.lock().unwrap_or_else(|p| p.into_inner());
        dead.push(DeadLetter {
            id,
            msg_id,
            body: body.to_vec(),
            error: error.to_string(),
            attempts,
            failed_at: SystemTime::now(),
        });
    }

    /// The dead letters, oldest first.
    pub(crate) fn dead_letters(&self) -> Vec<DeadLetter> {
        self.dead.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The dead letter `id`, if kept.
    pub(crate) fn dead_letter(&self, id: &str) -> Option<DeadLetter> {
        self.dead.lock().unwrap_or_else(|p| p.into_inner()).iter().find(|d| d.id == id).cloned()
    }

    /// Drops the dead letter `id` (it was replayed).
    pub(crate) fn forget_dead(&self, id: &str) {
        self.dead.lock().unwrap_or_else(|p| p.into_inner()).retain(|d| d.id != id);
    }
}
