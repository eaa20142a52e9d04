//! Pushes acknowledged per second: the durable mode (`douyin_alliance_axum::durable`: each
//! event verified, then stored in a Redis stream by one script, then answered) against the old
//! acknowledge-then-spawn route (verify, `tokio::spawn` the handler, answer 200 — fast, but an
//! event is lost when the process dies or the handler fails).
//!
//! Both routes are served on 127.0.0.1 and sent the same signed order events (a distinct
//! `Msg-Id` each) by `reqwest` at concurrency [`CONCURRENCY`], in paired blocks of [`BLOCK`]
//! requests alternating between the two (`e2e_tests::bench::alternate`), so drift in the
//! machine's load cancels. Redis is `REDIS_URL` (default `redis://127.0.0.1:6379`), under a
//! key prefix of its own that is deleted at the end; no worker drains the stream during the
//! measurement (this is the cost of the acknowledgement alone).
//!
//! Run with `cargo bench -p e2e-tests --bench webhooks`; `DOUYIN_BENCH_PAIRED_ROUNDS` rounds
//! (default 10). With `DOUYIN_BENCH_REPORT_DIR` set, the figures go to
//! `$DOUYIN_BENCH_REPORT_DIR/webhooks_report.json`: `{durable_rps, spawn_rps, ratio, rounds}`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use douyin_alliance::types::Event;
use douyin_alliance::webhook::queue::{QueueConfig, RedisQueue};
use douyin_alliance::webhook::{sign, Received, WebhookReceiver, MSG_ID_HEADER, SIGNATURE_HEADER};
use douyin_sandbox::Sandbox;
use e2e_tests::bench;
use futures_util::StreamExt;

/// Requests per block.
const BLOCK: usize = 1000;
/// Requests in flight.
const CONCURRENCY: usize = 32;

/// The old route: verify, spawn the handler, answer 200 at once.
#[derive(Clone)]
struct Spawn {
    receiver: Arc<WebhookReceiver>,
    handled: Arc<AtomicUsize>,
}

async fn spawn_route(State(s): State<Spawn>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match s.receiver.receive(header(SIGNATURE_HEADER), header(MSG_ID_HEADER), &body).await {
        Ok(Received::Event(d)) => {
            let handled = s.handled.clone();
            tokio::spawn(async move {
                if matches!(d.event, Event::AllianceOrder(_)) {
                    handled.fetch_add(1, Ordering::Relaxed);
                }
            });
            StatusCode::OK.into_response()
        }
        Ok(challenge @ Received::Challenge(_)) => (StatusCode::OK, challenge.response_body()).into_response(),
        Err(e) => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST).into_response(),
    }
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// `n` signed order pushes, numbered from `from`: (Msg-Id, signature, body).
fn pushes(from: usize, n: usize) -> Vec<(String, String, String)> {
    (from..from + n)
        .map(|i| {
            let order = serde_json::json!({"order_id": (4_968_253_800_000_000_000u64 + i as u64).to_string(), "flow_point": "PAY_SUCC", "total_pay_amount": 990});
            let body = serde_json::json!({"event": "alliance_order", "client_key": Sandbox::CLIENT_KEY, "from_user_id": "creator-bench", "content": order.to_string()}).to_string();
            let signature = sign(Sandbox::CLIENT_SECRET.as_bytes(), body.as_bytes());
            (format!("bench-{i}"), signature, body)
        })
        .collect()
}

/// Sends `batch` to `url` at [`CONCURRENCY`]; every answer must be 200.
async fn send(http: &reqwest::Client, url: &str, batch: Vec<(String, String, String)>) {
    let statuses: Vec<u16> = futures_util::stream::iter(batch)
        .map(|(msg, signature, body)| async move {
            let r = http
                .post(url)
                .header(SIGNATURE_HEADER, signature)
                .header(MSG_ID_HEADER, msg)
                .body(body)
                .send()
                .await
                .expect("the route answers");
            r.status().as_u16()
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "a push was not acknowledged: {statuses:?}");
}

fn main() {
    let rounds = bench::paired_rounds("DOUYIN_BENCH_PAIRED_ROUNDS", 10);
    if rounds == 0 {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let redis = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty());
    let redis = redis.unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let prefix = format!("douyin-alliance-bench:webhooks:{}", std::process::id());
    let config =
        QueueConfig { dedupe_ttl: Duration::from_secs(120), max_len: 1_000_000, ..QueueConfig::default() };
    let queue = Arc::new(
        RedisQueue::open_with_prefix(&redis, &prefix, Sandbox::CLIENT_KEY, config)
            .expect("a valid REDIS_URL"),
    );
    let receiver = Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET));
    let handled = Arc::new(AtomicUsize::new(0));
    let (durable_url, spawn_url) = rt.block_on(async {
        let durable = serve(douyin_alliance_axum::durable(receiver.clone(), queue.clone())).await;
        let spawn = axum::Router::new()
            .route("/", axum::routing::post(spawn_route))
            .with_state(Spawn { receiver: receiver.clone(), handled: handled.clone() });
        (durable, serve(spawn).await)
    });
    let http = reqwest::Client::new();
    // Warm-up: connections, the script loaded.
    rt.block_on(send(&http, &durable_url, pushes(0, 200)));
    rt.block_on(send(&http, &spawn_url, pushes(0, 200)));
    let mut next = 1_000;
    let mut batches = || {
        next += BLOCK;
        pushes(next, BLOCK)
    };
    let mut durable_batches: Vec<_> = (0..rounds).map(|_| batches()).collect();
    let mut spawn_batches: Vec<_> = (0..rounds).map(|_| batches()).collect();
    let (durable_time, spawn_time) = bench::alternate(
        rounds,
        || rt.block_on(send(&http, &durable_url, durable_batches.pop().expect("a batch per round"))),
        || rt.block_on(send(&http, &spawn_url, spawn_batches.pop().expect("a batch per round"))),
    );
    let stored = rt.block_on(queue.stats()).map(|s| s.length).unwrap_or(0);
    let _ = rt.block_on(queue.destroy());
    let total = (rounds * BLOCK) as f64;
    let durable_rps = total / durable_time.as_secs_f64();
    let spawn_rps = total / spawn_time.as_secs_f64();
    let ratio = durable_rps / spawn_rps;
    println!(
        "webhooks, {rounds} paired rounds of {BLOCK} pushes at concurrency {CONCURRENCY}: durable {durable_rps:.0}/s \
         (stored {stored}), acknowledge-then-spawn {spawn_rps:.0}/s (handled {}), ratio {ratio:.3}",
        handled.load(Ordering::Relaxed)
    );
    bench::write_report(
        "webhooks_report.json",
        &serde_json::json!({"durable_rps": durable_rps, "spawn_rps": spawn_rps, "ratio": ratio, "rounds": rounds}),
    );
}
