//! A [`TokenStore`] on Redis, so every replica of a service shares one client_token (and the
//! users' tokens) instead of fetching its own and invalidating the others'.
//!
//! Keys, under a prefix (default `douyin-alliance`):
//! - `{prefix}:{client_key}:client_token` — the token and its expiry, with a Redis TTL;
//! - `{key}:lock` — the refresh lock (`SET NX PX`, random value, released only by its holder).
//!
//! Every operation has a short timeout. When Redis cannot be reached the client warns and
//! fetches tokens directly, so calls keep working while the API is up.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::Mutex;

use super::store::{now_ms, LockToken, StoreError, StoreFuture, StoredToken, TokenStore};
use crate::Secret;

/// Deletes the key only while it still holds the given token (so a newer token survives).
const INVALIDATE: &str = r#"
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ':', 1, true)
  if sep and string.sub(v, sep + 1) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
"#;

/// Releases the lock only for its holder.
const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// One GCRA permit, atomically: the key holds the theoretical arrival time (ms, Redis's own
/// clock, so every process agrees). ARGV: interval ms, tolerance ms, max wait ms. Returns the
/// wait in ms for a reserved permit, or -1 (nothing reserved) when it would exceed the max.
const RESERVE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > tonumber(ARGV[3]) then return -1 end
local next = tat + interval
redis.call('SET', KEYS[1], next, 'PX', next - now + tolerance + 1000)
return wait
"#;

/// Pauses a key for ARGV[1] ms, keeping a longer pause already recorded.
const COOL_DOWN: &str = r#"
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[1])
end
return 0
"#;

/// Token store on Redis. Cheap to share (`Arc`); connects lazily and reconnects by itself.
///
/// ```no_run
/// # async fn run() -> douyin_alliance::Result<()> {
/// use std::sync::Arc;
/// use douyin_alliance::{auth::redis::RedisTokenStore, Client};
/// let store = RedisTokenStore::open("redis://127.0.0.1:6379").expect("valid URL");
/// let client = Client::builder()
///     .credentials("client_key", "client_secret")
///     .token_store(Arc::new(store))
///     .build()?;
/// # Ok(()) }
/// ```
pub struct RedisTokenStore {
    client: redis::Client,
    conn: Mutex<Option<ConnectionManager>>,
    op_timeout: Duration,
    prefix: String,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let info = self.client.get_connection_info();
        f.debug_struct("RedisTokenStore")
            .field("addr", &info.addr.to_string())
            .field("db", &info.redis.db)
            .field("prefix", &self.prefix)
            .field("op_timeout", &self.op_timeout)
            .finish()
    }
}

impl RedisTokenStore {
    /// A store for the Redis at `url` (`redis://host:port/db`). Does not connect yet.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError(format!("invalid Redis URL: {e}")))?;
        Ok(RedisTokenStore {
            client,
            conn: Mutex::new(None),
            op_timeout: Duration::from_millis(500),
            prefix: "douyin-alliance".into(),
        })
    }

    /// Time allowed for one Redis operation, connecting included (default 500 ms).
    pub fn op_timeout(mut self, d: Duration) -> Self {
        self.op_timeout = d;
        self
    }

    /// Prefix of every key (default `douyin-alliance`), to share a Redis between environments.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn full_key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.op_timeout)
            .set_response_timeout(self.op_timeout)
            .set_number_of_retries(1)
            .set_max_delay(200);
        let c = tokio::time::timeout(self.op_timeout, self.client.get_connection_manager_with_config(config))
            .await
            .map_err(|_| StoreError("connecting to Redis timed out".into()))?
            .map_err(|e| StoreError(format!("connecting to Redis: {e}")))?;
        *guard = Some(c.clone());
        Ok(c)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        tokio::time::timeout(self.op_timeout, cmd.query_async::<T>(&mut conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(|e| StoreError(format!("Redis: {e}")))
    }

    async fn script<T: redis::FromRedisValue>(
        &self,
        src: &str,
        key: &str,
        arg: &str,
    ) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        let script = redis::Script::new(src);
        let mut inv = script.key(key);
        inv.arg(arg);
        tokio::time::timeout(self.op_timeout, inv.invoke_async::<T>(&mut conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(|e| StoreError(format!("Redis: {e}")))
    }
}

/// `{expires_at_ms}:{token}`
fn encode(t: &StoredToken) -> String {
    format!("{}:{}", t.expires_at_ms, t.value.expose())
}

fn decode(raw: &str) -> Option<StoredToken> {
    let (exp, value) = raw.split_once(':')?;
    Some(StoredToken { value: Secret::new(value), expires_at_ms: exp.parse().ok()? })
}

/// The same store holds the fleet's rate-limit permits (`{prefix}:{client_key}:rate:{scope}`,
/// one Lua script per permit) and cool-downs (`SET PX`, read with `PTTL`).
impl crate::limit::RateStore for RedisTokenStore {
    fn reserve<'a>(
        &'a self,
        key: &'a str,
        limit: crate::limit::RateLimit,
        max_wait: Duration,
    ) -> StoreFuture<'a, Option<Duration>> {
        Box::pin(async move {
            let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            let mut conn = self.connection().await?;
            let script = redis::Script::new(RESERVE);
            let mut inv = script.key(self.full_key(key));
            inv.arg(ms(limit.interval()).max(1)).arg(ms(limit.tolerance())).arg(ms(max_wait));
            let wait: i64 = tokio::time::timeout(self.op_timeout, inv.invoke_async(&mut conn))
                .await
                .map_err(|_| StoreError("Redis did not answer in time".into()))?
                .map_err(|e| StoreError(format!("Redis: {e}")))?;
            Ok(u64::try_from(wait).ok().map(Duration::from_millis))
        })
    }

    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1);
            let _: i64 = self.script(COOL_DOWN, &self.full_key(key), &ms.to_string()).await?;
            Ok(())
        })
    }

    fn cooling<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Duration>> {
        Box::pin(async move {
            let left: i64 = self.run(redis::cmd("PTTL").arg(self.full_key(key)).clone()).await?;
            Ok(u64::try_from(left).ok().filter(|ms| *ms > 0).map(Duration::from_millis))
        })
    }
}

/// The same store remembers webhook `Msg-Id`s for the fleet (`SET NX EX` under
/// `{prefix}:webhook:{msg_id}`), so each pushed message is handled by one replica.
impl crate::webhook::DedupeStore for RedisTokenStore {
    fn first_delivery<'a>(
        &'a self,
        msg_id: &'a str,
        ttl: Duration,
    ) -> crate::auth::store::BoxFuture<'a, Result<bool, String>> {
        Box::pin(async move {
            let cmd = redis::cmd("SET")
                .arg(self.full_key(&format!("webhook:{msg_id}")))
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .clone();
            let set: Option<String> = self.run(cmd).await.map_err(|e| e.0)?;
            Ok(set.is_some())
        })
    }
}

impl TokenStore for RedisTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let raw: Option<String> = self.run(redis::cmd("GET").arg(self.full_key(key)).clone()).await?;
            Ok(raw.as_deref().and_then(decode))
        })
    }

    fn set<'a>(&'a self, key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let ttl = token.expires_at_ms.saturating_sub(now_ms()).max(1);
            let _: () = self
                .run(redis::cmd("SET").arg(self.full_key(key)).arg(encode(token)).arg("PX").arg(ttl).clone())
                .await?;
            Ok(())
        })
    }

    fn invalidate<'a>(&'a self, key: &'a str, value: &'a Secret) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: i64 = self.script(INVALIDATE, &self.full_key(key), value.expose()).await?;
            Ok(())
        })
    }

    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Option<LockToken>> {
        Box::pin(async move {
            let lock = LockToken::random();
            let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
            let cmd = redis::cmd("SET")
                .arg(format!("{}:lock", self.full_key(key)))
                .arg(&lock.0)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .clone();
            let ok: Option<String> = self.run(cmd).await?;
            Ok(ok.map(|_| lock))
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, lock: &'a LockToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let _: i64 = self.script(UNLOCK, &format!("{}:lock", self.full_key(key)), &lock.0).await?;
            Ok(())
        })
    }
}
