//! The durable mode: pushed events are stored in a Redis stream before the platform is answered,
//! and workers in every replica handle them from there (feature `redis`).
//!
//! *Guarantee: at-least-once handling, deduplicated by `Msg-Id`, so an idempotent handler sees
//! each event once.* In detail:
//! - [`RedisQueue::accept`] verifies the request, then one Lua script checks the `Msg-Id` and
//!   `XADD`s the exact body to the stream; only then is the answer 200. A `Msg-Id` already
//!   stored (the platform's retry after a crash between storing and answering) is answered 200
//!   and not stored again. When Redis cannot store it the answer is 503, so the platform
//!   retries: nothing is acknowledged that is not stored. A stream at its length limit also
//!   answers 503 (bounded memory without dropping what is unhandled).
//! - [`Worker`]s read through one consumer group (`XREADGROUP`) and `XACK` (and `XDEL`) an
//!   entry only after the handler succeeded. An entry whose handler failed, or whose worker
//!   died, stays pending and is claimed again by any worker once it has been idle for the
//!   visibility timeout, doubled per delivery (a backoff), capped at 32 times the timeout.
//!   The timeout counts from when an entry's handler starts: an entry that waited its turn in
//!   a worker's batch is taken again first, or left to the worker that claimed it meanwhile.
//!   An entry delivered [`QueueConfig::max_deliveries`] times goes to the dead-letter stream
//!   with its last error, with a `tracing` error; [`RedisQueue::dead_letters`] lists them and
//!   [`RedisQueue::replay`] puts one back.
//! - [`RedisQueue::stats`]: stream length, pending entries and dead letters, for monitoring.
//!
//! Keys, under the prefix (default `douyin-alliance`) and the app's client_key:
//! `{prefix}:webhook:{client_key}:stream`, `…:dead`, `…:errors` (last error per pending entry)
//! and `{prefix}:webhook:stored:{msg_id}` (the `Msg-Id` marks, for the dedupe TTL).

use std::sync::Arc;
use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Script, Value as RedisValue};
use tokio::sync::Mutex;

use super::{Answer, DeadLetter, Events, Handler, Outcome, Received, WebhookReceiver, DEFAULT_DEDUPE_TTL};
use crate::auth::store::StoreError;

/// Stores an event unless its `Msg-Id` is stored already. KEYS: the mark, the stream. ARGV:
/// the mark's TTL in s (0: no `Msg-Id`), the stream's length limit, the msg id, the body.
/// Returns 1 stored, 0 already stored, -1 the stream is full.
static ACCEPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local dedupe = tonumber(ARGV[1]) > 0
if dedupe and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('XLEN', KEYS[2]) >= tonumber(ARGV[2]) then return -1 end
redis.call('XADD', KEYS[2], '*', 'msg_id', ARGV[3], 'body', ARGV[4])
if dedupe then redis.call('SET', KEYS[1], 1, 'EX', ARGV[1]) end
return 1
"#,
    )
});

/// Claims the pending entries that have waited their backoff, moving those delivered too often
/// to the dead letters. KEYS: stream, dead stream, errors hash. ARGV: group, consumer, base
/// idle ms, idle cap ms, max deliveries, count, now (ms since the epoch). Returns
/// `{claimed entries as {id, fields, deliveries}..., dead count}`.
static RECLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local base, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local max, count = tonumber(ARGV[5]), tonumber(ARGV[6])
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', base, '-', '+', count)
local claimed, dead = {}, 0
for _, p in ipairs(pending) do
  local id, idle, n = p[1], tonumber(p[3]), tonumber(p[4])
  local wait = math.min(base * 2 ^ (n - 1), cap)
  if idle >= wait then
    if n >= max then
      local e = redis.call('XRANGE', KEYS[1], id, id)
      local err = redis.call('HGET', KEYS[3], id) or 'the worker handling it stopped'
      if e[1] then
        local f = e[1][2]
        redis.call('XADD', KEYS[2], '*', 'entry', id, 'deliveries', n, 'error', err, 'failed_at', ARGV[7], unpack(f))
      end
      redis.call('XACK', KEYS[1], ARGV[1], id)
      redis.call('XDEL', KEYS[1], id)
      redis.call('HDEL', KEYS[3], id)
      dead = dead + 1
    else
      local c = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, id)
      if c[1] then table.insert(claimed, {c[1][1], c[1][2], n + 1}) end
    end
  end
end
table.insert(claimed, dead)
return claimed
"#,
    )
});

/// Takes an entry a worker read or claimed for handling now, if it is still that worker's:
/// resets its idle time without counting a delivery, so the visibility timeout counts from the
/// handler's start, not from when its batch was read. KEYS: stream. ARGV: group, consumer, id.
/// Returns 1 taken, 0 another worker claimed it meanwhile (or it is gone).
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if not p[1] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
"#,
    )
});

/// Moves a dead letter back to the stream. KEYS: dead stream, stream. ARGV: the dead entry id.
static REPLAY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if not e[1] then return 0 end
local f, msg, body = e[1][2], '', ''
for i = 1, #f, 2 do
  if f[i] == 'msg_id' then msg = f[i + 1] elseif f[i] == 'body' then body = f[i + 1] end
end
redis.call('XADD', KEYS[2], '*', 'msg_id', msg, 'body', body)
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
"#,
    )
});

/// How the queue behaves.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    /// How long an entry may wait unacknowledged before another worker claims it (default
    /// 30 s). Doubled per delivery. Keep handlers well under it: a handler slower than it may
    /// run twice.
    pub visibility_timeout: Duration,
    /// Deliveries before an entry becomes a dead letter (default 5).
    pub max_deliveries: u32,
    /// How long a handler may run (default 10 s); past it, the attempt counts as failed.
    pub handler_timeout: Duration,
    /// How long a `Msg-Id` is remembered as stored (default 1 h, far past the platform's
    /// retries).
    pub dedupe_ttl: Duration,
    /// The stream's length limit (default 100,000): past it, new events are answered 503.
    pub max_len: u64,
    /// Entries read per round (default 16).
    pub batch: usize,
    /// How long a worker's read blocks when the stream is empty (default 1 s).
    pub block: Duration,
    /// Time allowed for one Redis operation (default 500 ms).
    pub op_timeout: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            visibility_timeout: Duration::from_secs(30),
            max_deliveries: 5,
            handler_timeout: Duration::from_secs(10),
            dedupe_ttl: DEFAULT_DEDUPE_TTL,
            max_len: 100_000,
            batch: 16,
            block: Duration::from_secs(1),
            op_timeout: Duration::from_millis(500),
        }
    }
}

/// The stream's state, for monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    /// Entries in the stream (pending ones and those not read yet).
    pub length: u64,
    /// Entries read by a worker and not acknowledged.
    pub pending: u64,
    /// Dead letters.
    pub dead: u64,
}

/// The durable hand-off of one app's pushed events (see the module docs).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use douyin_alliance::webhook::queue::{QueueConfig, RedisQueue};
/// use douyin_alliance::webhook::{Delivery, WebhookReceiver};
/// use douyin_alliance::types::Event;
///
/// let receiver = Arc::new(WebhookReceiver::new("client_key", "client_secret"));
/// let queue = Arc::new(RedisQueue::open("redis://127.0.0.1:6379", "client_key", QueueConfig::default())?);
/// // In the HTTP route: `let answer = queue.accept(&receiver, signature, msg_id, &body).await;`
/// // In every replica, a worker:
/// let worker = queue.worker(receiver.clone(), "replica-1");
/// tokio::spawn(worker.run(|d: Delivery<Event>| async move {
///     // upsert the order, keyed by its id and flow point
///     Ok::<(), String>(())
/// }));
/// # Ok(()) }
/// ```
pub struct RedisQueue {
    client: redis::Client,
    conn: Mutex<Option<ConnectionManager>>,
    config: QueueConfig,
    stream: String,
    dead: String,
    errors: String,
    marks: String,
    group: String,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue").field("stream", &self.stream).field("config", &self.config).finish()
    }
}

fn store_error(e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("Redis: {e}"))
}

impl RedisQueue {
    /// The queue of the app `client_key` on the Redis at `url`, under the default prefix. Does
    /// not connect yet.
    pub fn open(url: &str, client_key: &str, config: QueueConfig) -> Result<Self, StoreError> {
        Self::open_with_prefix(url, "douyin-alliance", client_key, config)
    }

    /// [`Self::open`] with another key prefix (to share a Redis between environments).
    pub fn open_with_prefix(
        url: &str,
        prefix: &str,
        client_key: &str,
        config: QueueConfig,
    ) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| StoreError(format!("invalid Redis URL: {e}")))?;
        let base = format!("{prefix}:webhook:{client_key}");
        Ok(RedisQueue {
            client,
            conn: Mutex::new(None),
            config,
            stream: format!("{base}:stream"),
            dead: format!("{base}:dead"),
            errors: format!("{base}:errors"),
            marks: format!("{prefix}:webhook:stored"),
            group: "handlers".to_string(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let c = self.connect(self.config.op_timeout).await?;
        *guard = Some(c.clone());
        Ok(c)
    }

    /// A connection of its own (a worker's blocking read must not hold up the shared one).
    async fn connect(&self, response: Duration) -> Result<ConnectionManager, StoreError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.config.op_timeout)
            .set_response_timeout(response)
            .set_number_of_retries(1)
            .set_max_delay(200);
        tokio::time::timeout(self.config.op_timeout, self.client.get_connection_manager_with_config(config))
            .await
            .map_err(|_| StoreError("connecting to Redis timed out".into()))?
            .map_err(|e| StoreError(format!("connecting to Redis: {e}")))
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        conn: &mut ConnectionManager,
        cmd: &redis::Cmd,
        timeout: Duration,
    ) -> Result<T, StoreError> {
        tokio::time::timeout(timeout, cmd.query_async::<T>(conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(store_error)
    }

    async fn invoke<T: redis::FromRedisValue>(
        &self,
        conn: &mut ConnectionManager,
        inv: redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        tokio::time::timeout(self.config.op_timeout, inv.invoke_async::<T>(conn))
            .await
            .map_err(|_| StoreError("Redis did not answer in time".into()))?
            .map_err(store_error)
    }

    /// Verifies one pushed request and stores its event before answering (see the module docs).
    /// Give the platform the returned status and body.
    pub async fn accept<E: Events>(
        &self,
        receiver: &WebhookReceiver<E>,
        signature: Option<&str>,
        msg_id: Option<&str>,
        body: &[u8],
    ) -> Answer {
        let msg_id = match receiver.receive(signature, msg_id, body).await {
            Err(e) => return Answer::refused(&e),
            Ok(Received::Challenge(n)) => return Answer::challenge(n),
            Ok(Received::Event(d)) => d.msg_id,
        };
        match self.store(msg_id.as_deref(), body).await {
            Ok(1) => Answer::new(200, Outcome::Stored),
            Ok(0) => Answer::new(200, Outcome::Duplicate),
            Ok(_) => {
                tracing::error!(stream = %self.stream, "the webhook stream is at its length limit; answering 503");
                Answer::new(503, Outcome::Unavailable("the event stream is full".into()))
            }
            Err(e) => {
                tracing::error!(error = %e.0, "the webhook event could not be stored; answering 503 so the platform retries");
                Answer::new(503, Outcome::Unavailable(format!("the event could not be stored: {}", e.0)))
            }
        }
    }

    /// Stores a verified body: 1 stored, 0 its `Msg-Id` was stored already, -1 the stream is full.
    async fn store(&self, msg_id: Option<&str>, body: &[u8]) -> Result<i64, StoreError> {
        let mut conn = self.connection().await?;
        let mark = format!("{}:{}", self.marks, msg_id.unwrap_or(""));
        let ttl = if msg_id.is_some() { self.config.dedupe_ttl.as_secs().max(1) } else { 0 };
        let mut inv = ACCEPT.key(mark);
        inv.key(&self.stream).arg(ttl).arg(self.config.max_len).arg(msg_id.unwrap_or("")).arg(body);
        self.invoke(&mut conn, inv).await
    }

    /// A worker that handles this queue's events as `consumer` (a name unique in the fleet,
    /// e.g. the host and process id), decoding them with `receiver`.
    pub fn worker<E: Events + Send + 'static>(
        self: &Arc<Self>,
        receiver: Arc<WebhookReceiver<E>>,
        consumer: impl Into<String>,
    ) -> Worker<E> {
        Worker { queue: self.clone(), receiver, consumer: consumer.into(), conn: None }
    }

    /// The stream's length, pending entries and dead letters.
    pub async fn stats(&self) -> Result<QueueStats, StoreError> {
        let mut conn = self.connection().await?;
        let t = self.config.op_timeout;
        let length: u64 = self.run(&mut conn, redis::cmd("XLEN").arg(&self.stream), t).await?;
        let dead: u64 = self.run(&mut conn, redis::cmd("XLEN").arg(&self.dead), t).await?;
        let summary: RedisValue =
            match self.run(&mut conn, redis::cmd("XPENDING").arg(&self.stream).arg(&self.group), t).await {
                Ok(v) => v,
                // No group yet: nothing is pending.
                Err(e) if e.0.contains("NOGROUP") => RedisValue::Nil,
                Err(e) => return Err(e),
            };
        let pending = match summary {
            RedisValue::Array(items) => items.first().and_then(int_of).unwrap_or(0),
            _ => 0,
        };
        Ok(QueueStats { length, pending, dead })
    }

    /// The dead letters, oldest first (at most `count`).
    pub async fn dead_letters(&self, count: usize) -> Result<Vec<DeadLetter>, StoreError> {
        let mut conn = self.connection().await?;
        let cmd = redis::cmd("XRANGE").arg(&self.dead).arg("-").arg("+").arg("COUNT").arg(count).clone();
        let entries: Vec<RawEntry> = self.run(&mut conn, &cmd, self.config.op_timeout).await?;
        Ok(entries
            .into_iter()
            .map(|(id, fields)| {
                let get =
                    |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default();
                let text = |k: &str| String::from_utf8_lossy(&get(k)).into_owned();
                let failed_ms: u64 = text("failed_at").parse().unwrap_or(0);
                DeadLetter {
                    id,
                    msg_id: Some(text("msg_id")).filter(|m| !m.is_empty()),
                    body: get("body"),
                    error: text("error"),
                    attempts: text("deliveries").parse().unwrap_or(0),
                    failed_at: UNIX_EPOCH + Duration::from_millis(failed_ms),
                }
            })
            .collect())
    }

    /// Puts the dead letter `id` back on the stream for the workers; `false` when there is none.
    pub async fn replay(&self, id: &str) -> Result<bool, StoreError> {
        let mut conn = self.connection().await?;
        let mut inv = REPLAY.key(&self.dead);
        inv.key(&self.stream).arg(id);
        let moved: i64 = self.invoke(&mut conn, inv).await?;
        Ok(moved == 1)
    }

    /// Deletes every key of this queue (for tests and for retiring an app).
    pub async fn destroy(&self) -> Result<(), StoreError> {
        let mut conn = self.connection().await?;
        let cmd = redis::cmd("DEL").arg(&self.stream).arg(&self.dead).arg(&self.errors).clone();
        let _: i64 = self.run(&mut conn, &cmd, self.config.op_timeout).await?;
        Ok(())
    }
}

/// A stream entry as `XRANGE` returns it: its id and its fields.
type RawEntry = (String, Vec<(String, Vec<u8>)>);

fn int_of(v: &RedisValue) -> Option<u64> {
    match v {
        RedisValue::Int(n) => u64::try_from(*n).ok(),
        RedisValue::BulkString(b) => std::str::from_utf8(b).ok()?.parse().ok(),
        _ => None,
    }
}

/// One stored entry: its id, `Msg-Id`, body, and how many times it has been delivered.
struct Entry {
    id: String,
    msg_id: Option<String>,
    body: Vec<u8>,
    deliveries: u32,
}

fn entry_of(id: String, fields: &[RedisValue], deliveries: u32) -> Entry {
    let mut msg_id = None;
    let mut body = Vec::new();
    for pair in fields.chunks(2) {
        if let [RedisValue::BulkString(k), RedisValue::BulkString(v)] = pair {
            match k.as_slice() {
                b"msg_id" => msg_id = Some(String::from_utf8_lossy(v).into_owned()).filter(|m| !m.is_empty()),
                b"body" => body = v.clone(),
                _ => {}
            }
        }
    }
    Entry { id, msg_id, body, deliveries }
}

fn string_of(v: &RedisValue) -> Option<String> {
    match v {
        RedisValue::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        RedisValue::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// A worker of a [`RedisQueue`]: reads, handles and acknowledges events, and claims those a
/// failed or dead worker left pending.
pub struct Worker<E> {
    queue: Arc<RedisQueue>,
    receiver: Arc<WebhookReceiver<E>>,
    consumer: String,
    /// Its own connection, for the blocking read.
    conn: Option<ConnectionManager>,
}

impl<E: Events + Send + 'static> Worker<E> {
    /// Handles events until the process ends; Redis failures are logged and retried after a
    /// pause.
    pub async fn run(mut self, handler: impl Handler<E>) {
        loop {
            if let Err(e) = self.round(&handler).await {
                tracing::warn!(error = %e.0, consumer = %self.consumer, "webhook worker: Redis failed; retrying");
                self.conn = None;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    /// One round: claims what waited its backoff, else reads new entries (blocking up to
    /// [`QueueConfig::block`]), and handles them. Returns how many entries it handled or tried.
    pub async fn round(&mut self, handler: &dyn Handler<E>) -> Result<usize, StoreError> {
        // Before the reads: the entries' idle time in Redis is at most the time since.
        let fetched = Instant::now();
        let mut entries = self.reclaim().await?;
        if entries.is_empty() {
            entries = self.read_new().await?;
        }
        let n = entries.len();
        for entry in entries {
            // An entry that waited its turn in this batch may have been claimed by another
            // worker (idle for the visibility timeout): take it again first, or leave it.
            if fetched.elapsed() >= self.queue.config.visibility_timeout / 2 && !self.take(&entry).await? {
                tracing::debug!(entry = %entry.id, consumer = %self.consumer, "webhook entry claimed by another worker while it waited in this batch; left to it");
                continue;
            }
            self.process(entry, handler).await?;
        }
        Ok(n)
    }

    /// Whether `entry` is still this worker's, resetting its idle time if so.
    async fn take(&mut self, entry: &Entry) -> Result<bool, StoreError> {
        let mut conn = self.conn().await?;
        let q = &self.queue;
        let mut inv = TAKE.key(&q.stream);
        inv.arg(&q.group).arg(&self.consumer).arg(&entry.id);
        let taken: i64 = q.invoke(&mut conn, inv).await?;
        Ok(taken == 1)
    }

    async fn conn(&mut self) -> Result<ConnectionManager, StoreError> {
        if let Some(c) = &self.conn {
            return Ok(c.clone());
        }
        let q = &self.queue;
        let c = q.connect(q.config.block + q.config.op_timeout).await?;
        let create =
            redis::cmd("XGROUP").arg("CREATE").arg(&q.stream).arg(&q.group).arg("0").arg("MKSTREAM").clone();
        let mut cc = c.clone();
        match q.run::<()>(&mut cc, &create, q.config.op_timeout).await {
            Ok(()) => {}
            Err(e) if e.0.contains("BUSYGROUP") => {}
            Err(e) => return Err(e),
        }
        self.conn = Some(c.clone());
        Ok(c)
    }

    async fn reclaim(&mut self) -> Result<Vec<Entry>, StoreError> {
        let mut conn = self.conn().await?;
        let q = &self.queue;
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let mut inv = RECLAIM.key(&q.stream);
        inv.key(&q.dead)
            .key(&q.errors)
            .arg(&q.group)
            .arg(&self.consumer)
            .arg(ms(q.config.visibility_timeout))
            .arg(ms(q.config.visibility_timeout * 32))
            .arg(q.config.max_deliveries)
            .arg(q.config.batch)
            .arg(now);
        let reply: Vec<RedisValue> = q.invoke(&mut conn, inv).await?;
        let mut entries = Vec::new();
        for item in &reply {
            match item {
                RedisValue::Array(parts) => {
                    if let [id, RedisValue::Array(fields), n] = parts.as_slice() {
                        if let Some(id) = string_of(id) {
                            let deliveries = int_of(n).unwrap_or(1) as u32;
                            entries.push(entry_of(id, fields, deliveries));
                        }
                    }
                }
                RedisValue::Int(dead) if *dead > 0 => {
                    tracing::error!(dead, stream = %q.stream, "webhook events failed every delivery; moved to the dead letters");
                }
                _ => {}
            }
        }
        Ok(entries)
    }

    async fn read_new(&mut self) -> Result<Vec<Entry>, StoreError> {
        let mut conn = self.conn().await?;
        let q = &self.queue;
        let cmd = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(&q.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(q.config.batch)
            .arg("BLOCK")
            .arg(u64::try_from(q.config.block.as_millis()).unwrap_or(u64::MAX))
            .arg("STREAMS")
            .arg(&q.stream)
            .arg(">")
            .clone();
        let reply: RedisValue = q.run(&mut conn, &cmd, q.config.block + q.config.op_timeout).await?;
        let mut entries = Vec::new();
        // [[stream, [[id, [k, v, ...]], ...]]] (RESP2), or nil when nothing came.
        if let RedisValue::Array(streams) = reply {
            for s in streams {
                let RedisValue::Array(parts) = s else { continue };
                let Some(RedisValue::Array(items)) = parts.get(1) else { continue };
                for item in items {
                    if let RedisValue::Array(pair) = item {
                        if let [id, RedisValue::Array(fields)] = pair.as_slice() {
                            if let Some(id) = string_of(id) {
                                entries.push(entry_of(id, fields, 1));
                            }
                        }
                    }
                }
            }
        }
        Ok(entries)
    }

    async fn process(&mut self, entry: Entry, handler: &dyn Handler<E>) -> Result<(), StoreError> {
        let q = self.queue.clone();
        let result = match self.receiver.decode_stored(entry.msg_id.as_deref(), &entry.body) {
            Ok(Received::Event(d)) => {
                match tokio::time::timeout(q.config.handler_timeout, handler.handle(*d)).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => {
                        Err(format!("the handler did not finish within {:?}", q.config.handler_timeout))
                    }
                }
            }
            Ok(Received::Challenge(_)) => Ok(()),
            // Verified when it arrived, so this is a receiver configured differently since.
            Err(e) => Err(format!("the stored event does not decode: {e}")),
        };
        let mut conn = self.conn().await?;
        let t = q.config.op_timeout;
        match result {
            Ok(()) => {
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .cmd("XACK")
                    .arg(&q.stream)
                    .arg(&q.group)
                    .arg(&entry.id)
                    .ignore()
                    .cmd("XDEL")
                    .arg(&q.stream)
                    .arg(&entry.id)
                    .ignore()
                    .cmd("HDEL")
                    .arg(&q.errors)
                    .arg(&entry.id)
                    .ignore();
                tokio::time::timeout(t, pipe.query_async::<()>(&mut conn))
                    .await
                    .map_err(|_| StoreError("Redis did not answer in time".into()))?
                    .map_err(store_error)?;
            }
            Err(why) => {
                tracing::warn!(
                    msg_id = ?entry.msg_id,
                    entry = %entry.id,
                    delivery = entry.deliveries,
                    error = %why,
                    "webhook handler failed; the event stays pending and is tried again after its backoff"
                );
                let cmd = redis::cmd("HSET").arg(&q.errors).arg(&entry.id).arg(&why).clone();
                let _: i64 = q.run(&mut conn, &cmd, t).await?;
            }
        }
        Ok(())
    }
}
