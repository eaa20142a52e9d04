//! Where tokens live between calls: the [`TokenStore`] trait and its in-memory default.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Secret;

/// A boxed, `Send` future, as the object-safe [`TokenStore`] methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a [`TokenStore`] method returns: its answer, or why the store could not give one.
pub type StoreFuture<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

/// A token with its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The token.
    pub value: Secret,
    /// When it expires, in Unix milliseconds.
    pub expires_at_ms: u64,
}

impl StoredToken {
    /// A token that expires `expires_in` from now.
    pub fn expiring_in(value: Secret, expires_in: Duration) -> Self {
        StoredToken {
            value,
            expires_at_ms: now_ms().saturating_add(u64::try_from(expires_in.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// Whether it is still good for at least `margin`.
    pub fn is_fresh(&self, margin: Duration) -> bool {
        self.expires_at_ms > now_ms().saturating_add(u64::try_from(margin.as_millis()).unwrap_or(u64::MAX))
    }

    /// Time left before expiry (zero when expired).
    pub fn remaining(&self) -> Duration {
        Duration::from_millis(self.expires_at_ms.saturating_sub(now_ms()))
    }
}

/// Documented lifetimes (api-facts §3), used when an answer's `expires_in` is not positive.
pub(crate) mod documented {
    use std::time::Duration;
    /// client_token: 2 hours.
    pub const CLIENT_TOKEN: Duration = Duration::from_secs(7_200);
    /// A user's access_token: 15 days.
    pub const ACCESS_TOKEN: Duration = Duration::from_secs(1_296_000);
    /// A user's refresh_token: 30 days.
    pub const REFRESH_TOKEN: Duration = Duration::from_secs(2_592_000);
}

/// The lifetime an answer gives a token (`expires_in` seconds), or the documented one when the
/// answer's is zero or negative: caching a token as already expired would fetch a new one on
/// every call. A token that really dies sooner is rejected by the platform and replaced.
pub(crate) fn lifetime(expires_in: i64, what: &str, documented: Duration) -> Duration {
    match u64::try_from(expires_in) {
        Ok(secs) if secs > 0 => Duration::from_secs(secs),
        _ => {
            tracing::warn!(
                expires_in,
                assumed_secs = documented.as_secs(),
                "the {what} answer has no positive expires_in; assuming the documented lifetime"
            );
            documented
        }
    }
}

/// The current time in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Proof of holding a refresh lock: the random value it was taken with.
#[derive(Clone, PartialEq, Eq)]
pub struct LockToken(pub String);

impl std::fmt::Debug for LockToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LockToken({})", self.0)
    }
}

impl LockToken {
    /// A new random lock value.
    pub fn random() -> Self {
        LockToken(format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>()))
    }
}

/// The store failed (unreachable, timed out, bad data). Never contains a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {0}")]
pub struct StoreError(pub String);

/// Keeps tokens for one or many clients, and the lock that makes a refresh happen once.
///
/// Implementations must be safe to share between tasks and, for shared backends, processes:
/// `try_lock` must succeed for exactly one caller at a time per key until `unlock` by the
/// same [`LockToken`] or until `ttl` passes.
pub trait TokenStore: Send + Sync + 'static {
    /// The token under `key`, if any (expired or not).
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>>;
    /// Stores `token` under `key` until its expiry.
    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()>;
    /// Removes the token under `key` if it is still `value` (so a newer token survives).
    fn invalidate<'a>(&'a self, key: &'a str, value: &'a Secret) -> StoreFuture<'a, ()>;
    /// Takes the refresh lock of `key` for at most `ttl`; `None` when someone else holds it.
    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<LockToken>>;
    /// Releases the lock if `lock` still holds it.
    fn unlock<'a>(&'a self, key: &'a str, lock: &'a LockToken) -> StoreFuture<'a, ()>;
}

/// The default store: tokens in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, StoredToken>>,
    locks: Mutex<HashMap<String, (LockToken, Instant)>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl TokenStore for MemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move { Ok(locked(&self.tokens).get(key).cloned()) })
    }
    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            locked(&self.tokens).insert(key.to_string(), token.clone());
            Ok(())
        })
    }
    fn invalidate<'a>(&'a self, key: &'a str, value: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut t = locked(&self.tokens);
            if t.get(key).is_some_and(|s| &s.value == value) {
                t.remove(key);
            }
            Ok(())
        })
    }
    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        Box::pin(async move {
            let mut locks = locked(&self.locks);
            let now = Instant::now();
            if locks.get(key).is_some_and(|(_, until)| *until > now) {
                return Ok(None);
            }
            if locks.len() >= 4_096 {
                // Bounded: expired locks mean nothing.
                locks.retain(|_, (_, until)| *until > now);
            }
            let token = LockToken::random();
            locks.insert(key.to_string(), (token.clone(), now + ttl));
            Ok(Some(token))
        })
    }
    fn unlock<'a>(&'a self, key: &'a str, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut locks = locked(&self.locks);
            if locks.get(key).is_some_and(|(t, _)| t == lock) {
                locks.remove(key);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lifetime_that_is_not_positive_is_the_documented_one() {
        let d = documented::ACCESS_TOKEN;
        assert_eq!(lifetime(1_296_000, "access_token", d), Duration::from_secs(1_296_000));
        assert_eq!(lifetime(60, "access_token", d), Duration::from_secs(60));
        assert_eq!(lifetime(0, "access_token", d), d);
        assert_eq!(lifetime(-1, "access_token", d), d);
        assert_eq!(lifetime(0, "client_token", documented::CLIENT_TOKEN), Duration::from_secs(7_200));
    }
}
