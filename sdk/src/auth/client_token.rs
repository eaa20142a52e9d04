//! The app's client_token: fetched on first need, cached until shortly before it expires,
//! refreshed once for any number of concurrent callers (in this process by a mutex, across
//! processes by the store's refresh lock), and refetched once when the platform rejects it.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use super::store::{StoredToken, TokenStore};
use crate::{Error, Secret};

/// Tuning of the token cache.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenTiming {
    /// Refresh this long before expiry. A new token does not kill the old one for 5 minutes,
    /// so refreshing 5 minutes early never leaves a caller with a dead token.
    pub margin: Duration,
    /// How long a refresh lock lives if its holder dies.
    pub lock_ttl: Duration,
    /// How often a waiter looks for the token another process is fetching.
    pub poll: Duration,
}

impl Default for TokenTiming {
    fn default() -> Self {
        TokenTiming {
            margin: Duration::from_secs(300),
            lock_ttl: Duration::from_secs(10),
            poll: Duration::from_millis(50),
        }
    }
}

/// A cached token shared by every clone of a client.
pub(crate) struct TokenCache {
    store: Arc<dyn TokenStore>,
    key: String,
    local: RwLock<Option<StoredToken>>,
    flight: tokio::sync::Mutex<()>,
    timing: TokenTiming,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("key", &self.key).finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(store: Arc<dyn TokenStore>, key: String, timing: TokenTiming) -> Self {
        TokenCache { store, key, local: RwLock::new(None), flight: tokio::sync::Mutex::new(()), timing }
    }

    fn local_fresh(&self) -> Option<Secret> {
        let guard = self.local.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|t| t.is_fresh(self.timing.margin)).map(|t| t.value.clone())
    }

    fn local_value(&self) -> Option<StoredToken> {
        self.local.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn remember(&self, t: &StoredToken) {
        *self.local.write().unwrap_or_else(|p| p.into_inner()) = Some(t.clone());
    }

    /// The current token, fetching it with `fetch` when no fresh one exists anywhere.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Secret, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<StoredToken, Error>>,
    {
        if let Some(t) = self.local_fresh() {
            return Ok(t);
        }
        let seen = self.local_value();
        let _flight = self.flight.lock().await;
        if let Some(t) = self.local_fresh() {
            return Ok(t);
        }
        // A token fetched while this caller waited for the flight serves it too, even when the
        // platform handed it out already inside the refresh margin: one fetch per flight.
        if let Some(t) = self.local_value().filter(|t| Some(&t.value) != seen.as_ref().map(|s| &s.value)) {
            if t.is_fresh(Duration::ZERO) {
                return Ok(t.value);
            }
        }
        loop {
            match self.store.get(&self.key).await {
                Ok(Some(t)) if t.is_fresh(self.timing.margin) => {
                    self.remember(&t);
                    return Ok(t.value);
                }
                Ok(_) => {}
                Err(e) => return self.fetch_degraded(&fetch, &e.to_string()).await,
            }
            let lock = match self.store.try_lock(&self.key, self.timing.lock_ttl).await {
                Ok(l) => l,
                Err(e) => return self.fetch_degraded(&fetch, &e.to_string()).await,
            };
            let Some(lock) = lock else {
                // Another process is refreshing: wait for its token, or for its lock to lapse.
                if let Some(t) = self.wait_for_peer().await {
                    return Ok(t);
                }
                continue;
            };
            // Someone may have stored a token between our read and our lock.
            if let Ok(Some(t)) = self.store.get(&self.key).await {
                if t.is_fresh(self.timing.margin) {
                    self.unlock(&lock).await;
                    self.remember(&t);
                    return Ok(t.value);
                }
            }
            let fetched = fetch().await;
            if let Ok(t) = &fetched {
                if let Err(e) = self.store.set(&self.key, t).await {
                    tracing::warn!(key = %self.key, error = %e, "could not store the new client_token; other replicas will fetch their own");
                }
                self.remember(t);
            }
            self.unlock(&lock).await;
            return fetched.map(|t| t.value);
        }
    }

    async fn unlock(&self, lock: &super::store::LockToken) {
        if let Err(e) = self.store.unlock(&self.key, lock).await {
            tracing::warn!(key = %self.key, error = %e, "could not release the refresh lock; it lapses by itself");
        }
    }

    async fn wait_for_peer(&self) -> Option<Secret> {
        let deadline = Instant::now() + self.timing.lock_ttl + self.timing.poll;
        while Instant::now() < deadline {
            tokio::time::sleep(self.timing.poll).await;
            match self.store.get(&self.key).await {
                Ok(Some(t)) if t.is_fresh(self.timing.margin) => {
                    self.remember(&t);
                    return Some(t.value);
                }
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    async fn fetch_degraded<F, Fut>(&self, fetch: &F, why: &str) -> Result<Secret, Error>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<StoredToken, Error>>,
    {
        tracing::warn!(key = %self.key, error = why, "token store unavailable; fetching the client_token directly");
        let t = fetch().await?;
        self.remember(&t);
        let _ = self.store.set(&self.key, &t).await;
        Ok(t.value)
    }

    /// Forgets `value` if it is the current token (here and in the store), so the next `get`
    /// fetches a new one; a newer token another caller already fetched is kept.
    pub(crate) async fn invalidate(&self, value: &Secret) {
        {
            let mut local = self.local.write().unwrap_or_else(|p| p.into_inner());
            if local.as_ref().is_some_and(|t| &t.value == value) {
                *local = None;
            }
        }
        if let Err(e) = self.store.invalidate(&self.key, value).await {
            tracing::warn!(key = %self.key, error = %e, "could not invalidate the client_token in the store");
        }
    }
}
