//! A [`TokenStore`] on Redis, so every replica of a service shares one client_token (and the
//! users' tokens) instead of fetching its own and invalidating the others'. The same store
//! shares the fleet's rate limits ([`RateStore`](crate::limit::RateStore)) and webhook dedupe.
//!
//! Keys, under a prefix (default `douyin-alliance`):
//! - `{prefix}:{client_key}:client_token` — the token and its expiry, with a Redis TTL;
//! - `{key}:lock` — the refresh lock (`SET NX PX`, random value, released only by its holder);
//! - `{prefix}:{client_key}:rate-us:{scope}` — a rate limit's theoretical arrival time, in
//!   microseconds since the Unix epoch on Redis's clock (`TIME`), with a TTL past its use;
//! - `{prefix}:{client_key}:rate:cool:{scope}` — a cool-down: when it ends (microseconds, Redis's
//!   clock), with a `PX` TTL of its length rounded up to the millisecond, so a process of an
//!   older version, which reads the TTL, sees the same pause;
//! - `{prefix}:webhook:{msg_id}` — a webhook message seen (`SET NX EX`);
//! - `{prefix}:drift:{replica}` — a replica's drift snapshot as JSON, with a TTL
//!   ([`RedisTokenStore::publish_drift`], read back merged by [`RedisTokenStore::fleet_drift`]).
//!
//! A question for permits is one Lua script, so one round trip: it reads Redis's `TIME` once,
//! every cool-down's end and every limit's arrival time of the call, and applies the joint
//! GCRA of [`crate::limit`] to each permit asked for, in order (the limiter asks for the
//! permits of an endpoint's calls that came together in one question). It works in whole
//! microseconds (micros since the epoch are about 2^51, exact in Lua's doubles; intervals are
//! rounded up, never down:
//! [`RateLimit::interval_micros`](crate::limit::RateLimit::interval_micros)), reserving each
//! permit in every limit or in none. Each script's SHA1 is computed once per process; calls
//! send `EVALSHA` (the source only when Redis does not know the script yet).
//!
//! Every operation has a short timeout. When Redis cannot be reached the client warns and
//! fetches tokens directly, so calls keep working while the API is up; the rate limiter falls
//! back to each process's share of the rates.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use tokio::sync::OnceCell;

use super::store::{now_ms, LockToken, StoreError, StoreFuture, StoredToken, TokenStore};
use crate::limit::{HeldBy, KeyedLimit, Permit, PermitRequest};
use crate::Secret;

/// Deletes the key only while it still holds the given token (so a newer token survives).
static INVALIDATE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, ':', 1, true)
  if sep and string.sub(v, sep + 1) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
"#,
    )
});

/// Releases the lock only for its holder.
static UNLOCK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#,
    )
});

/// The permits of calls of one shape (the same cool-downs and limits), atomically: for each
/// request in order, the joint GCRA over its cool-downs and limits, in microseconds on Redis's
/// clock, exactly as if each request were a script of its own run right after the one before.
///
/// KEYS: the cool-down keys (ARGV[1] of them), then the limit keys. ARGV: the number of
/// cool-down keys, the number of requests `n`, each request's max wait (µs), then for each
/// limit its interval and its tolerance (µs). A cool-down key holds its end (µs); one holding a
/// small number (`1`, as an older version writes) ends with its TTL. A limit key holds its
/// theoretical arrival time (µs).
///
/// Returns `{now, held_1, wait_1, .., held_n, wait_n}`: `now` is Redis's clock (µs since the
/// epoch); `held_j` is 0 when request `j` is reserved in every limit (send after `wait_j` µs),
/// else the 1-based index in KEYS of what holds it longest (nothing reserved for it). Every key
/// is read by one `MGET`, so a script runs `TIME`, `MGET` and, when it reserved anything, one
/// `SET` per limit, whatever `n`. Numbers go to `SET` as Lua numbers: Redis writes them with
/// every digit (integers below 2^53 exactly), where `string.format` would cost a quarter of
/// the script's time (Redis's `commandstats`: 14.0 µs -> 10.6 µs).
static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ncool, n = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {now}
if #KEYS == 0 then
  for j = 1, n do out[2 * j], out[2 * j + 1] = 0, 0 end
  return out
end
local v = redis.call('MGET', unpack(KEYS))
local cool, cheld = now, 0
for i = 1, ncool do
  local e = tonumber(v[i])
  if e and e < 1e12 then
    e = now + redis.call('PTTL', KEYS[i]) * 1000
  end
  if e and e > cool then cool, cheld = e, i end
end
local tats, intervals, tolerances = {}, {}, {}
for i = ncool + 1, #KEYS do
  local j = 2 * (i - ncool) + n + 1
  tats[i], intervals[i], tolerances[i] = tonumber(v[i]) or 0, tonumber(ARGV[j]), tonumber(ARGV[j + 1])
end
local reserved = false
for j = 1, n do
  local at, held = cool, cheld
  for i = ncool + 1, #KEYS do
    local start = tats[i] - tolerances[i]
    if start > at then at, held = start, i end
  end
  local wait = at - now
  if wait > tonumber(ARGV[j + 2]) then
    out[2 * j], out[2 * j + 1] = held, wait
  else
    for i = ncool + 1, #KEYS do
      tats[i] = math.max(tats[i], at) + intervals[i]
    end
    out[2 * j], out[2 * j + 1] = 0, wait
    reserved = true
  end
end
if reserved then
  for i = ncool + 1, #KEYS do
    local ttl = math.ceil((tats[i] - now + tolerances[i]) / 1000) + 1000
    redis.call('SET', KEYS[i], tats[i], 'PX', ttl)
  end
end
return out
"#,
    )
});

/// Pauses a key for ARGV[1] µs (its TTL: ARGV[2] ms), keeping a longer pause already recorded.
/// The key holds the pause's end in µs on Redis's clock; a small number (`1`, as an older
/// version writes) ends with its TTL.
static COOL_DOWN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local e = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur < 1e12 then cur = now + redis.call('PTTL', KEYS[1]) * 1000 end
if not cur or cur < e then
  redis.call('SET', KEYS[1], e, 'PX', ARGV[2])
end
return 0
"#,
    )
});

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
    /// Connected on first use; the manager reconnects by itself. A failed first connection
    /// leaves it empty, to be tried again by the next operation.
    conn: OnceCell<ConnectionManager>,
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
            conn: OnceCell::new(),
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
        let conn = self
            .conn
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.op_timeout)
                    .set_response_timeout(self.op_timeout)
                    .set_number_of_retries(1)
                    .set_max_delay(200);
                tokio::time::timeout(self.op_timeout, self.client.get_connection_manager_with_config(config))
                    .await
                    .map_err(|_| StoreError("connecting to Redis timed out".into()))?
                    .map_err(|e| StoreError(format!("connecting to Redis: {e}")))
            })
            .await?;
        Ok(conn.clone())
    }

    /// Publishes this replica's drift snapshot for the fleet's merge ([`Self::fleet_drift`]),
    /// replacing its previous one; it is kept `ttl`, so a replica that stops publishing drops
    /// out of the merge. `replica` names it (a host or pod name: letters, digits, `.`, `_`,
    /// `-`). Publish the recorder's whole [`snapshot`](crate::drift::DriftRecorder::snapshot)
    /// now and then: each publication replaces the last.
    pub async fn publish_drift(
        &self,
        replica: &str,
        snapshot: &crate::drift::DriftSnapshot,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let named = !replica.is_empty()
            && replica.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !named {
            return Err(StoreError(format!("`{replica}` is no replica name (letters, digits, . _ -)")));
        }
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.full_key(&format!("drift:{replica}"))).arg(snapshot.to_json()).arg("PX").arg(ms);
        self.run::<()>(cmd).await
    }

    /// Every replica's published drift snapshot, merged, and how many there were.
    pub async fn fleet_drift(&self) -> Result<(crate::drift::DriftSnapshot, usize), StoreError> {
        // The prefix is the user's: its glob characters match only themselves.
        let mut pattern = String::new();
        for c in self.full_key("drift:").chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('*');
        let mut keys: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        loop {
            let mut cmd = redis::cmd("SCAN");
            cmd.arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(500);
            let (next, batch): (u64, Vec<String>) = self.run(cmd).await?;
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        keys.sort();
        keys.dedup();
        let mut merged = crate::drift::DriftSnapshot::default();
        let mut replicas = 0;
        for chunk in keys.chunks(100) {
            let mut cmd = redis::cmd("MGET");
            cmd.arg(chunk);
            let values: Vec<Option<String>> = self.run(cmd).await?;
            for (key, text) in chunk.iter().zip(values) {
                // Expired between the scan and the read: not a replica any more.
                let Some(text) = text else { continue };
                let s = crate::drift::DriftSnapshot::from_json(&text)
                    .map_err(|e| StoreError(format!("{key} holds no drift snapshot: {e}")))?;
                merged.merge(&s);
                replicas += 1;
            }
        }
        Ok((merged, replicas))
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        tokio::time::timeout(self.op_timeout, cmd.query_async::<T>(&mut conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(|e| StoreError(format!("Redis: {e}")))
    }

    /// Runs a script (`EVALSHA`; the source is sent once if Redis does not know it yet).
    async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut conn = self.connection().await?;
        tokio::time::timeout(self.op_timeout, invocation.invoke_async::<T>(&mut conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(|e| StoreError(format!("Redis: {e}")))
    }
}

/// Whole microseconds of `d`, rounded up (a pause is never shorter than asked).
fn micros_up(d: Duration) -> u64 {
    u64::try_from(d.as_nanos().div_ceil(1_000)).unwrap_or(u64::MAX)
}

/// `{expires_at_ms}:{token}`
fn encode(t: &StoredToken) -> String {
    format!("{}:{}", t.expires_at_ms, t.value.expose())
}

fn decode(raw: &str) -> Option<StoredToken> {
    let (exp, value) = raw.split_once(':')?;
    Some(StoredToken { value: Secret::new(value), expires_at_ms: exp.parse().ok()? })
}

/// The same store holds the fleet's rate-limit permits and cool-downs (see the module docs):
/// one Lua script, one round trip, per question (for one permit or for several calls' at once).
impl crate::limit::RateStore for RedisTokenStore {
    fn answers_many(&self) -> bool {
        true
    }

    fn permit<'a>(&'a self, request: PermitRequest<'a>) -> StoreFuture<'a, Permit> {
        Box::pin(async move {
            let max_waits = [request.max_wait];
            let permits = self.permits(request.limits, request.cool_downs, &max_waits).await?;
            permits.into_iter().next().ok_or_else(|| StoreError("Redis: no answer to a permit".into()))
        })
    }

    fn permits<'a>(
        &'a self,
        limits: &'a [KeyedLimit<'a>],
        cool_downs: &'a [&'a str],
        max_waits: &'a [Duration],
    ) -> StoreFuture<'a, Vec<Permit>> {
        Box::pin(async move {
            let mut inv = RESERVE.prepare_invoke();
            for key in cool_downs {
                inv.key(self.full_key(key));
            }
            for l in limits {
                inv.key(self.full_key(l.key));
            }
            inv.arg(cool_downs.len()).arg(max_waits.len());
            for max_wait in max_waits {
                inv.arg(u64::try_from(max_wait.as_micros()).unwrap_or(u64::MAX));
            }
            for l in limits {
                inv.arg(l.limit.interval_micros()).arg(l.limit.tolerance_micros());
            }
            let answer: Vec<i64> = self.invoke(inv).await?;
            let bad =
                || StoreError(format!("Redis: unexpected answer to {} permits: {answer:?}", max_waits.len()));
            let Some((&now, pairs)) = answer.split_first() else { return Err(bad()) };
            let clock = Duration::from_micros(u64::try_from(now).map_err(|_| bad())?);
            if pairs.len() != 2 * max_waits.len() {
                return Err(bad());
            }
            let cools = cool_downs.len();
            pairs
                .chunks_exact(2)
                .map(|pair| {
                    let (Ok(held), Ok(wait)) = (usize::try_from(pair[0]), u64::try_from(pair[1])) else {
                        return Err(bad());
                    };
                    let wait = Duration::from_micros(wait);
                    Ok(match held {
                        0 => Permit::Granted { wait, clock },
                        i if i <= cools => Permit::Refused { held_by: HeldBy::CoolDown(i - 1), wait },
                        i if i - cools <= limits.len() => {
                            Permit::Refused { held_by: HeldBy::Limit(i - cools - 1), wait }
                        }
                        _ => return Err(bad()),
                    })
                })
                .collect()
        })
    }

    fn cool_down<'a>(&'a self, key: &'a str, d: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let micros = micros_up(d).max(1);
            let mut inv = COOL_DOWN.key(self.full_key(key));
            inv.arg(micros).arg(micros.div_ceil(1_000));
            let _: i64 = self.invoke(inv).await?;
            Ok(())
        })
    }
}

/// Claims a `Msg-Id` for a lease unless it is leased (1) or done (2). KEYS[1]: the mark;
/// ARGV[1]: the lease in ms. Returns 0 when claimed.
static WEBHOOK_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local v = redis.call('GET', KEYS[1])
if v == 'done' then return 2 end
if v then return 1 end
redis.call('SET', KEYS[1], 'leased', 'PX', ARGV[1])
return 0
"#,
    )
});

/// Gives a lease back (a done mark stays).
static WEBHOOK_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
if redis.call('GET', KEYS[1]) == 'leased' then return redis.call('DEL', KEYS[1]) end
return 0
"#,
    )
});

/// The same store remembers webhook `Msg-Id`s for the fleet under `{prefix}:webhook:{msg_id}`:
/// `leased` for the handling's lease, `done` (`SET EX`) once handled, so each pushed message is
/// handled by one replica, and again after a replica failed it.
impl crate::webhook::DedupeStore for RedisTokenStore {
    fn claim<'a>(
        &'a self,
        msg_id: &'a str,
        lease: Duration,
    ) -> crate::auth::store::BoxFuture<'a, Result<crate::webhook::Claim, String>> {
        Box::pin(async move {
            let key = self.full_key(&format!("webhook:{msg_id}"));
            let ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
            let mut inv = WEBHOOK_CLAIM.key(key);
            inv.arg(ms);
            let got: i64 = self.invoke(inv).await.map_err(|e| e.0)?;
            Ok(match got {
                0 => crate::webhook::Claim::Claimed,
                2 => crate::webhook::Claim::Done,
                _ => crate::webhook::Claim::InProgress,
            })
        })
    }

    fn complete<'a>(
        &'a self,
        msg_id: &'a str,
        ttl: Duration,
    ) -> crate::auth::store::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let cmd = redis::cmd("SET")
                .arg(self.full_key(&format!("webhook:{msg_id}")))
                .arg("done")
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .clone();
            let _: () = self.run(cmd).await.map_err(|e| e.0)?;
            Ok(())
        })
    }

    fn release<'a>(&'a self, msg_id: &'a str) -> crate::auth::store::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let key = self.full_key(&format!("webhook:{msg_id}"));
            let _: i64 = self.invoke(WEBHOOK_RELEASE.key(key)).await.map_err(|e| e.0)?;
            Ok(())
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
            let mut inv = INVALIDATE.key(self.full_key(key));
            inv.arg(value.expose());
            let _: i64 = self.invoke(inv).await?;
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
            let mut inv = UNLOCK.key(format!("{}:lock", self.full_key(key)));
            inv.arg(&lock.0);
            let _: i64 = self.invoke(inv).await?;
            Ok(())
        })
    }
}
