//! A webhook receiver replica, for the fleet tests (`tests/tests/e2e/webhooks*.rs`).
//!
//! Two modes:
//! - `webhook_worker <redis_url> <key_prefix>`: serves the in-process axum receiver of
//!   `douyin-alliance-axum` for the sandbox app on a free 127.0.0.1 port, deduplicating through
//!   Redis, and prints `listening <addr>` once, then `handled <msg_id>` for each event it
//!   handles.
//! - `webhook_worker durable <redis_url> <key_prefix> [--serve] [--work]`: the durable mode
//!   (`RedisQueue`). With `--serve` it serves a route around `RedisQueue::accept` on a free
//!   127.0.0.1 port and prints `listening <addr>`, then `answered <msg_id> <status> <outcome>`
//!   per request; with `--work` it runs a worker and prints `working` once it is reading. The
//!   handler prints `started <msg_id>` when it begins, and on success records the message
//!   itself: `RPUSH {prefix}:completions <msg_id>`, then prints `handled <msg_id>` (so a test
//!   counts completions from the handlers' own records, even of processes it killed).
//!
//! Knobs of the durable mode (environment):
//! - `WEBHOOK_WORKER_VISIBILITY_MS` (default 300), `WEBHOOK_WORKER_MAX_DELIVERIES` (default 5),
//!   `WEBHOOK_WORKER_BLOCK_MS` (the worker's blocking read, default 100);
//! - `WEBHOOK_WORKER_HANDLER_SLEEP_MS`: the handler sleeps this long before its work;
//! - `WEBHOOK_WORKER_FAIL_TIMES`: the handler fails the first N attempts of each message
//!   (counted in Redis, across processes: `INCR {prefix}:attempts:<msg_id>`), `always` for ever;
//! - `WEBHOOK_WORKER_DIE_AFTER_STORE=1`: the process aborts right after `accept` stored an
//!   event and before it answers (a crash between storing and answering).

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use douyin_alliance::auth::redis::RedisTokenStore;
use douyin_alliance::types::Event;
use douyin_alliance::webhook::queue::{QueueConfig, RedisQueue};
use douyin_alliance::webhook::{Delivery, Outcome, WebhookReceiver, MSG_ID_HEADER, SIGNATURE_HEADER};
use douyin_sandbox::Sandbox;
use std::process::ExitCode;

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn fail(why: impl std::fmt::Display) -> ExitCode {
    eprintln!("{why}");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("durable") {
        return durable(&args[1..]).await;
    }
    let [redis_url, prefix] = args.as_slice() else {
        return fail("usage: webhook_worker <redis_url> <key_prefix> | durable <redis_url> <key_prefix> [--serve] [--work]");
    };
    let store = match RedisTokenStore::open(redis_url) {
        Ok(s) => s.prefix(prefix.clone()),
        Err(e) => return fail(e),
    };
    let receiver =
        Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET).dedupe(Arc::new(store)));
    let app = douyin_alliance_axum::router(receiver, |d: Delivery<Event>| async move {
        say(&format!("handled {}", d.msg_id.unwrap_or_default()));
        Ok::<(), String>(())
    });
    serve(app).await
}

async fn serve(app: axum::Router) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen: {e}")),
    };
    match listener.local_addr() {
        Ok(addr) => say(&format!("listening {addr}")),
        Err(e) => return fail(e),
    }
    match axum::serve(listener, app).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Clone)]
struct Route {
    receiver: Arc<WebhookReceiver>,
    queue: Arc<RedisQueue>,
    die_after_store: bool,
}

/// The durable route, written here around `RedisQueue::accept` so the crash between storing
/// and answering can be played.
async fn accept(State(r): State<Route>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (signature, msg_id) = (header(SIGNATURE_HEADER), header(MSG_ID_HEADER));
    let answer = r.queue.accept(&r.receiver, signature, msg_id, &body).await;
    let msg = msg_id.unwrap_or_default();
    if r.die_after_store && answer.outcome == Outcome::Stored {
        say(&format!("stored {msg}; aborting before the answer"));
        std::process::abort();
    }
    say(&format!("answered {msg} {} {:?}", answer.status, answer.outcome));
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, answer.body).into_response()
}

async fn durable(args: &[String]) -> ExitCode {
    let [redis_url, prefix, flags @ ..] = args else {
        return fail("usage: webhook_worker durable <redis_url> <key_prefix> [--serve] [--work]");
    };
    let (serve_flag, work) = (flags.iter().any(|f| f == "--serve"), flags.iter().any(|f| f == "--work"));
    let config = QueueConfig {
        visibility_timeout: Duration::from_millis(env_u64("WEBHOOK_WORKER_VISIBILITY_MS", 300)),
        max_deliveries: env_u64("WEBHOOK_WORKER_MAX_DELIVERIES", 5) as u32,
        block: Duration::from_millis(env_u64("WEBHOOK_WORKER_BLOCK_MS", 100)),
        dedupe_ttl: Duration::from_secs(600),
        ..QueueConfig::default()
    };
    let queue = match RedisQueue::open_with_prefix(redis_url, prefix, Sandbox::CLIENT_KEY, config) {
        Ok(q) => Arc::new(q),
        Err(e) => return fail(e.0),
    };
    let receiver = Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET));
    if work {
        let client = match redis::Client::open(redis_url.as_str()) {
            Ok(c) => c,
            Err(e) => return fail(e),
        };
        let records = match client.get_connection_manager().await {
            Ok(c) => c,
            Err(e) => return fail(format!("connecting to Redis: {e}")),
        };
        let handler = Handler {
            records,
            prefix: prefix.clone(),
            sleep: Duration::from_millis(env_u64("WEBHOOK_WORKER_HANDLER_SLEEP_MS", 0)),
            fail_times: match std::env::var("WEBHOOK_WORKER_FAIL_TIMES").as_deref() {
                Ok("always") => u64::MAX,
                Ok(n) => n.parse().unwrap_or(0),
                Err(_) => 0,
            },
        };
        let consumer = format!("webhook-worker-{}", std::process::id());
        let worker = queue.worker(receiver.clone(), consumer);
        tokio::spawn(worker.run(move |d: Delivery<Event>| handler.clone().handle(d)));
        say("working");
    }
    if serve_flag {
        let die_after_store = std::env::var("WEBHOOK_WORKER_DIE_AFTER_STORE").is_ok_and(|v| v == "1");
        let app = axum::Router::new().route("/", axum::routing::post(accept)).with_state(Route {
            receiver,
            queue,
            die_after_store,
        });
        return serve(app).await;
    }
    // Work only: until killed.
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

/// The durable handler: sleeps, fails as configured, and records its completions in Redis.
#[derive(Clone)]
struct Handler {
    records: redis::aio::ConnectionManager,
    prefix: String,
    sleep: Duration,
    fail_times: u64,
}

impl Handler {
    async fn handle(mut self, d: Delivery<Event>) -> Result<(), String> {
        let msg = d.msg_id.unwrap_or_default();
        say(&format!("started {msg}"));
        if !self.sleep.is_zero() {
            tokio::time::sleep(self.sleep).await;
        }
        if self.fail_times > 0 {
            let attempt: u64 = redis::cmd("INCR")
                .arg(format!("{}:attempts:{msg}", self.prefix))
                .query_async(&mut self.records)
                .await
                .map_err(|e| format!("counting the attempt: {e}"))?;
            if attempt <= self.fail_times {
                say(&format!("failed {msg} {attempt}"));
                return Err(format!("attempt {attempt} of {msg} fails on purpose"));
            }
        }
        let _: i64 = redis::cmd("RPUSH")
            .arg(format!("{}:completions", self.prefix))
            .arg(&msg)
            .query_async(&mut self.records)
            .await
            .map_err(|e| format!("recording the completion: {e}"))?;
        say(&format!("handled {msg}"));
        Ok(())
    }
}
