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

/// How many rejected tokens a cache remembers (a rejected token is dead for good; a few cover
/// every token a store could still hand out while the rejection spreads).
const REJECTED_KEPT: usize = 4;

/// This process's copy of the token, and the tokens the platform rejected, under one lock so
/// that a token cannot be remembered after it was rejected.
#[derive(Default)]
struct Local {
    current: Option<StoredToken>,
    rejected: Vec<Secret>,
}

/// A cached token shared by every clone of a client.
pub(crate) struct TokenCache {
    store: Arc<dyn TokenStore>,
    key: String,
    local: RwLock<Local>,
    flight: tokio::sync::Mutex<()>,
    timing: TokenTiming,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("key", &self.key).finish_non_exhaustive()
    }
}

impl TokenCache {
    /// The store key of the token.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    pub(crate) fn new(store: Arc<dyn TokenStore>, key: String, timing: TokenTiming) -> Self {
        TokenCache {
            store,
            key,
            local: RwLock::new(Local::default()),
            flight: tokio::sync::Mutex::new(()),
            timing,
        }
    }

    /// The token this process holds, when it is fresh: the path of nearly every call, with no
    /// future, lock wait or allocation.
    pub(crate) fn local_fresh(&self) -> Option<Secret> {
        let guard = self.local.read().unwrap_or_else(|p| p.into_inner());
        guard.current.as_ref().filter(|t| t.is_fresh(self.timing.margin)).map(|t| t.value.clone())
    }

    fn local_value(&self) -> Option<StoredToken> {
        self.local.read().unwrap_or_else(|p| p.into_inner()).current.clone()
    }

    /// Makes `t` this process's token, unless the platform already rejected it (a store or a
    /// peer can still hold a rejected token for a moment); says whether it did.
    fn remember(&self, t: &StoredToken) -> bool {
        let mut local = self.local.write().unwrap_or_else(|p| p.into_inner());
        if local.rejected.contains(&t.value) {
            return false;
        }
        local.current = Some(t.clone());
        true
    }

    /// A token read from the store, if it is fresh and not rejected; it becomes this process's.
    fn adopt(&self, t: StoredToken) -> Option<Secret> {
        (t.is_fresh(self.timing.margin) && self.remember(&t)).then_some(t.value)
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
                Ok(Some(t)) => {
                    if let Some(v) = self.adopt(t) {
                        return Ok(v);
                    }
                }
                Ok(None) => {}
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
            let recheck = match self.store.get(&self.key).await {
                Ok(Some(t)) => match self.adopt(t) {
                    Some(v) => {
                        self.unlock(&lock).await;
                        return Ok(v);
                    }
                    None => Ok(()),
                },
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            let fetched = fetch().await;
            if let Ok(t) = &fetched {
                self.remember(t);
            }
            if let Err(e) = recheck {
                // The store just failed: the caller does not wait on it a second time.
                tracing::warn!(key = %self.key, error = %e, "token store unavailable; storing the new client_token in the background");
                self.write_back_later(fetched.as_ref().ok().cloned(), Some(lock));
            } else {
                if let Ok(t) = &fetched {
                    if let Err(e) = self.store.set(&self.key, t).await {
                        tracing::warn!(key = %self.key, error = %e, "could not store the new client_token; other replicas will fetch their own");
                    }
                }
                self.unlock(&lock).await;
            }
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
                Ok(Some(t)) => {
                    if let Some(v) = self.adopt(t) {
                        return Some(v);
                    }
                }
                Ok(None) => {}
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
        // The store just failed (a stalled one costs its whole timeout): the caller does not
        // wait on it a second time.
        self.write_back_later(Some(t.clone()), None);
        Ok(t.value)
    }

    /// Stores `token` and releases `lock` in a task of its own, for a refresh whose store just
    /// failed: replicas share the token if the store is back, and no caller waits for it. Outside
    /// a Tokio runtime nothing is written (the lock, if any, lapses after its ttl).
    fn write_back_later(&self, token: Option<StoredToken>, lock: Option<super::store::LockToken>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let (store, key) = (self.store.clone(), self.key.clone());
        runtime.spawn(async move {
            if let Some(t) = token {
                if let Err(e) = store.set(&key, &t).await {
                    tracing::debug!(key = %key, error = %e, "the client_token could not be stored; other replicas will fetch their own");
                }
            }
            if let Some(l) = lock {
                if let Err(e) = store.unlock(&key, &l).await {
                    tracing::debug!(key = %key, error = %e, "could not release the refresh lock; it lapses by itself");
                }
            }
        });
    }

    /// Forgets `value` if it is the current token (here and in the store), so the next `get`
    /// fetches a new one; a newer token another caller already fetched is kept. The value is
    /// never taken again in this process, even from a store or peer that still holds it.
    pub(crate) async fn invalidate(&self, value: &Secret) {
        {
            let mut local = self.local.write().unwrap_or_else(|p| p.into_inner());
            if local.current.as_ref().is_some_and(|t| &t.value == value) {
                local.current = None;
            }
            if !local.rejected.contains(value) {
                if local.rejected.len() == REJECTED_KEPT {
                    local.rejected.remove(0);
                }
                local.rejected.push(value.clone());
            }
        }
        if let Err(e) = self.store.invalidate(&self.key, value).await {
            tracing::warn!(key = %self.key, error = %e, "could not invalidate the client_token in the store");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::auth::store::{LockToken, MemoryTokenStore, StoreFuture};

    /// A store whose `invalidate` has not happened yet: it still hands out the old token, as a
    /// shared store does between one replica's rejection and its delete.
    struct LaggingStore(MemoryTokenStore);

    impl TokenStore for LaggingStore {
        fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
            self.0.get(key)
        }
        fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
            self.0.set(key, token)
        }
        fn invalidate<'a>(&'a self, _: &'a str, _: &'a Secret) -> StoreFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }
        fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
            self.0.try_lock(key, ttl)
        }
        fn unlock<'a>(&'a self, key: &'a str, lock: &'a LockToken) -> StoreFuture<'a, ()> {
            self.0.unlock(key, lock)
        }
    }

    /// A store whose reads after the first `healthy_reads` take `stall` and fail, as a stalled
    /// Redis does behind its timeout; locks are taken at once; writes and unlocks take `stall`
    /// (and succeed). It counts the writes that completed.
    struct StalledStore {
        stall: Duration,
        healthy_reads: usize,
        reads: AtomicUsize,
        sets: AtomicUsize,
    }

    impl StalledStore {
        fn new(stall: Duration, healthy_reads: usize) -> Self {
            StalledStore { stall, healthy_reads, reads: AtomicUsize::new(0), sets: AtomicUsize::new(0) }
        }
    }

    impl TokenStore for StalledStore {
        fn get<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
            Box::pin(async move {
                if self.reads.fetch_add(1, Ordering::SeqCst) < self.healthy_reads {
                    return Ok(None);
                }
                tokio::time::sleep(self.stall).await;
                Err(crate::auth::store::StoreError("did not answer in time".into()))
            })
        }
        fn set<'a>(&'a self, _: &'a str, _: &'a StoredToken) -> StoreFuture<'a, ()> {
            Box::pin(async move {
                tokio::time::sleep(self.stall).await;
                self.sets.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        }
        fn invalidate<'a>(&'a self, _: &'a str, _: &'a Secret) -> StoreFuture<'a, ()> {
            Box::pin(async { Ok(()) })
        }
        fn try_lock<'a>(&'a self, _: &'a str, _: Duration) -> StoreFuture<'a, Option<LockToken>> {
            Box::pin(async { Ok(Some(LockToken::random())) })
        }
        fn unlock<'a>(&'a self, _: &'a str, _: &'a LockToken) -> StoreFuture<'a, ()> {
            Box::pin(async move {
                tokio::time::sleep(self.stall).await;
                Ok(())
            })
        }
    }

    /// Gets a token through `store`, and says how long it took.
    async fn refresh_through(store: Arc<StalledStore>) -> Duration {
        let cache = TokenCache::new(store, "k".into(), TokenTiming::default());
        let fetch = || async {
            Ok(StoredToken::expiring_in(Secret::new("t1".to_string()), Duration::from_secs(7200)))
        };
        let started = Instant::now();
        let t = cache.get(fetch).await.unwrap();
        assert_eq!(t.expose(), "t1");
        started.elapsed()
    }

    #[tokio::test]
    async fn a_refresh_with_a_stalled_store_waits_for_one_store_timeout_not_two() {
        let stall = Duration::from_millis(300);
        // The first read stalls: the degraded path.
        let store = Arc::new(StalledStore::new(stall, 0));
        let took = refresh_through(store.clone()).await;
        assert!(took >= stall && took < stall * 2, "one store timeout, not two: {took:?}");
        // The write-back still happens, in the background.
        tokio::time::sleep(stall * 2).await;
        assert_eq!(store.sets.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_store_that_stalls_after_the_lock_is_not_waited_on_again() {
        let stall = Duration::from_millis(300);
        // The first read answers, the lock is taken, the read after the lock stalls: the write
        // and the unlock (two more stalls) go to the background.
        let store = Arc::new(StalledStore::new(stall, 1));
        let took = refresh_through(store.clone()).await;
        assert!(took >= stall && took < stall * 2, "one store timeout, not three: {took:?}");
        tokio::time::sleep(stall * 3).await;
        assert_eq!(store.sets.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_rejected_token_is_never_taken_again_even_from_a_store_that_still_holds_it() {
        let store = Arc::new(LaggingStore(MemoryTokenStore::new()));
        let cache = TokenCache::new(store.clone(), "k".into(), TokenTiming::default());
        let fetches = AtomicUsize::new(0);
        let fetch = || {
            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok(StoredToken::expiring_in(Secret::new(format!("t{n}")), Duration::from_secs(7200))) }
        };
        let first = cache.get(fetch).await.unwrap();
        assert_eq!(first.expose(), "t1");
        cache.invalidate(&first).await;
        // The store still says t1, and a peer's read could bring it back: neither may.
        assert_eq!(store.get("k").await.unwrap().map(|t| t.value), Some(first.clone()));
        assert!(!cache.remember(&StoredToken::expiring_in(first.clone(), Duration::from_secs(7200))));
        let second = cache.get(fetch).await.unwrap();
        assert_eq!(second.expose(), "t2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        assert_eq!(cache.local_fresh(), Some(second));
    }
}
