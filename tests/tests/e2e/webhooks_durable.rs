//! Pushed events that are never lost, end to end with real processes: `webhook_worker durable`
//! replicas (receivers around `RedisQueue::accept`, workers of the Redis stream) sharing a real
//! Redis, the sandbox playing the platform's pushes and retries, and the in-process mode's
//! deadline.
//!
//! Every handled event is recorded by the handler itself (`RPUSH {prefix}:completions`), so the
//! counts below hold even for processes the test killed. A run is "settled" when the stream holds
//! nothing and nothing is pending: no handler can run again, so the counts are final.
//!
//! Regressions these guard against: an acknowledgement before the event is stored (lost on a
//! crash), an entry of a dead worker that is never claimed again, a retried delivery stored (and
//! handled) twice, a 200 while Redis is down, a failing event retried for ever or dropped, a
//! slow in-process handler answered 200.

use std::collections::BTreeSet;
use std::future::Future;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use douyin_alliance::webhook::queue::{QueueConfig, RedisQueue};
use douyin_alliance::webhook::{sign, Delivery, WebhookReceiver, MSG_ID_HEADER, SIGNATURE_HEADER};
use douyin_sandbox::{PushAttempt, Sandbox, SandboxConfig};
use futures_util::StreamExt;

use crate::redis_tokens::{redis, unique_prefix, PrivateRedis};

/// Polls `check` every 20 ms until it holds; fails naming `what` after `secs` seconds.
async fn eventually<F, Fut>(what: &str, secs: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: still not the case after {secs} s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `webhook_worker durable` process: its URL when it serves, and the lines it prints.
struct Proc {
    child: Child,
    url: Option<String>,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    /// Starts a replica with `flags` (`--serve`, `--work`) and `env`; returns once it listens
    /// and/or works.
    async fn durable(redis: &str, prefix: &str, flags: &[&str], env: &[(&str, &str)]) -> Proc {
        use std::io::BufRead;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_webhook_worker"));
        cmd.args(["durable", redis, prefix]).args(flags).stdout(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("webhook_worker starts");
        let out = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let mut p = Proc { child, url: None, lines };
        if flags.contains(&"--work") {
            p.line("working").await;
        }
        if flags.contains(&"--serve") {
            let l = p.line("listening ").await;
            p.url = Some(format!("http://{}", l.trim_start_matches("listening ")));
        }
        p
    }

    fn url(&self) -> &str {
        self.url.as_deref().expect("a serving replica")
    }

    /// The lines starting with `prefix`, without it.
    fn lines_with(&self, prefix: &str) -> Vec<String> {
        let lines = self.lines.lock().unwrap();
        lines.iter().filter_map(|l| l.strip_prefix(prefix).map(String::from)).collect()
    }

    /// Waits (10 s at most) for a line starting with `prefix`; the line.
    async fn line(&self, prefix: &str) -> String {
        let find = || self.lines.lock().unwrap().iter().find(|l| l.starts_with(prefix)).cloned();
        eventually(&format!("the replica prints `{prefix}…`"), 10, || {
            let found = find().is_some();
            async move { found }
        })
        .await;
        find().unwrap_or_default()
    }

    /// SIGKILL, and reap.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One test's keys in a Redis: the handlers' completions and the queue's state.
struct Records {
    url: String,
    prefix: String,
    queue: RedisQueue,
}

impl Records {
    fn new(url: &str, test: &str) -> Records {
        let prefix = unique_prefix(test);
        let queue =
            RedisQueue::open_with_prefix(url, &prefix, Sandbox::CLIENT_KEY, QueueConfig::default()).unwrap();
        Records { url: url.to_string(), prefix, queue }
    }

    async fn conn(&self) -> redis::aio::MultiplexedConnection {
        let c = redis::Client::open(self.url.as_str()).unwrap();
        c.get_multiplexed_async_connection().await.expect("Redis answers")
    }

    /// Every completion the handlers recorded, in order.
    async fn completions(&self) -> Vec<String> {
        let mut conn = self.conn().await;
        redis::cmd("LRANGE")
            .arg(format!("{}:completions", self.prefix))
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .unwrap()
    }

    /// Nothing is left in the stream nor pending: no handler runs again.
    async fn settled(&self) -> bool {
        matches!(self.queue.stats().await, Ok(s) if s.length == 0 && s.pending == 0)
    }

    /// Waits until the handlers recorded `n` completions and nothing is left to handle; the
    /// completions.
    async fn settle(&self, n: usize, secs: u64) -> Vec<String> {
        eventually(&format!("{n} completions recorded and the queue settled"), secs, || async {
            self.completions().await.len() >= n && self.settled().await
        })
        .await;
        self.completions().await
    }

    async fn clean(&self) {
        let _ = self.queue.destroy().await;
        let mut conn = self.conn().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
        }
    }
}

fn pushes_to(url: &str, retry_delay: Duration) -> SandboxConfig {
    SandboxConfig::default()
        .webhook_url(url)
        .webhook_timeout(Duration::from_secs(2))
        .webhook_retry_delay(retry_delay)
}

/// The `Msg-Id` the sandbox pushes a new order under.
fn msg_of(order: &serde_json::Value) -> String {
    format!("order-{}-PAY_SUCC", order["order_id"].as_str().expect("an order id"))
}

fn attempts_of(sandbox: &Sandbox, msg: &str) -> Vec<PushAttempt> {
    sandbox.push_attempts().into_iter().filter(|a| a.msg_id == msg).collect()
}

fn statuses(attempts: &[PushAttempt]) -> Vec<Option<u16>> {
    attempts.iter().map(|a| a.status).collect()
}

async fn delivered(sandbox: &Sandbox, msg: &str) {
    eventually(&format!("the sandbox delivers {msg}"), 10, || {
        let done = attempts_of(sandbox, msg).iter().any(PushAttempt::delivered);
        async move { done }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_handler_is_replaced_after_the_visibility_timeout() {
    let redis = redis();
    let records = Records::new(&redis, "webhook-killed-worker");
    let prefix = &records.prefix;
    let receiver = Proc::durable(&redis, prefix, &["--serve"], &[]).await;
    let mut slow =
        Proc::durable(&redis, prefix, &["--work"], &[("WEBHOOK_WORKER_HANDLER_SLEEP_MS", "60000")]).await;
    let sandbox = Sandbox::start_with(pushes_to(receiver.url(), Duration::from_millis(50))).await.unwrap();
    let msg = msg_of(&sandbox.create_order("creator-killed"));
    slow.line(&format!("started {msg}")).await;
    // Acknowledged once, when stored: the handler is still running.
    delivered(&sandbox, &msg).await;
    slow.kill();
    let killed_at = Instant::now();
    let other = Proc::durable(&redis, prefix, &["--work"], &[]).await;
    let done = records.settle(1, 10).await;
    let took = killed_at.elapsed();
    assert_eq!(done, vec![msg.clone()], "handled exactly once, by the other worker");
    assert_eq!(slow.lines_with("handled "), Vec::<String>::new(), "the killed worker never finished");
    assert_eq!(other.lines_with("handled "), vec![msg.clone()]);
    assert!(took >= Duration::from_millis(200), "claimed only after the visibility timeout: {took:?}");
    assert_eq!(statuses(&attempts_of(&sandbox, &msg)), vec![Some(200)], "one push, stored then answered");
    assert_eq!(receiver.lines_with(&format!("answered {msg} ")), vec!["200 Stored".to_string()]);
    records.clean().await;
}

/// Forwards every request to the primary until it fails to answer (the request is then
/// answered 502), and to the secondary from then on: a load balancer's failover.
#[derive(Clone)]
struct Failover {
    primary: String,
    secondary: String,
    primary_down: Arc<AtomicBool>,
    http: reqwest::Client,
}

async fn failover(State(lb): State<Failover>, request: Request<Body>) -> Response {
    let down = lb.primary_down.load(Ordering::SeqCst);
    let target = if down { &lb.secondary } else { &lb.primary };
    match crate::webhooks::forward(&lb.http, target, request).await {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status().as_u16()).unwrap();
            (status, answer.text().await.unwrap_or_default()).into_response()
        }
        Err(_) => {
            lb.primary_down.store(true, Ordering::SeqCst);
            StatusCode::BAD_GATEWAY.into_response()
        }
    }
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_dying_between_storing_and_answering_leaves_one_stored_event() {
    let redis = redis();
    let records = Records::new(&redis, "webhook-die-after-store");
    let prefix = &records.prefix;
    let dying = Proc::durable(&redis, prefix, &["--serve"], &[("WEBHOOK_WORKER_DIE_AFTER_STORE", "1")]).await;
    let second = Proc::durable(&redis, prefix, &["--serve", "--work"], &[]).await;
    let lb = Failover {
        primary: dying.url().to_string(),
        secondary: second.url().to_string(),
        primary_down: Arc::default(),
        http: reqwest::Client::new(),
    };
    let url = serve(axum::Router::new().fallback(failover).with_state(lb)).await;
    let sandbox = Sandbox::start_with(pushes_to(&url, Duration::from_millis(50))).await.unwrap();
    let msg = msg_of(&sandbox.create_order("creator-crash"));
    delivered(&sandbox, &msg).await;
    let done = records.settle(1, 10).await;
    assert_eq!(done, vec![msg.clone()], "handled exactly once");
    assert_eq!(
        dying.lines_with(&format!("stored {msg}")).len(),
        1,
        "the first receiver stored it, then died"
    );
    assert_eq!(
        statuses(&attempts_of(&sandbox, &msg)),
        vec![Some(502), Some(200)],
        "the crash lost the answer; the retry was answered"
    );
    assert_eq!(
        second.lines_with(&format!("answered {msg} ")),
        vec!["200 Duplicate".to_string()],
        "the retry is recognised as stored already"
    );
    assert_eq!(second.lines_with("handled "), vec![msg]);
    records.clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_while_redis_is_down_gets_503_and_its_retry_is_stored_once_redis_is_back() {
    // A private server: this test stops and restarts it (it comes back empty).
    let port = PrivateRedis::free_port();
    let mut private = PrivateRedis::start(port).expect("redis-server starts (install redis-server)");
    let url = private.url();
    let records = Records::new(&url, "webhook-redis-down");
    let node = Proc::durable(&url, &records.prefix, &["--serve", "--work"], &[]).await;
    // Retries 400 ms apart: Redis is back well before the last of the three.
    let sandbox = Sandbox::start_with(pushes_to(node.url(), Duration::from_millis(400))).await.unwrap();
    // One event before the outage, so the receiver's and the worker's connections are live.
    let before = msg_of(&sandbox.create_order("creator-outage"));
    assert_eq!(records.settle(1, 10).await, vec![before.clone()]);

    private.stop();
    let msg = msg_of(&sandbox.create_order("creator-outage"));
    eventually("the first push during the outage is answered", 10, || {
        let answered = !attempts_of(&sandbox, &msg).is_empty();
        async move { answered }
    })
    .await;
    let mut private = PrivateRedis::start(port).expect("redis-server restarts on the same port");
    assert_eq!(
        statuses(&attempts_of(&sandbox, &msg)),
        vec![Some(503)],
        "nothing stored, nothing acknowledged"
    );
    delivered(&sandbox, &msg).await;
    // The restarted Redis is empty: only what was stored after it came back is there.
    assert_eq!(records.settle(1, 15).await, vec![msg.clone()], "the retry is stored and handled once");
    let attempts = attempts_of(&sandbox, &msg);
    assert_eq!(attempts.first().and_then(|a| a.status), Some(503));
    assert_eq!(attempts.last().and_then(|a| a.status), Some(200), "{attempts:#?}");
    assert_eq!(attempts.iter().filter(|a| a.delivered()).count(), 1);
    assert_eq!(node.lines_with("handled "), vec![before, msg.clone()]);
    let answers = node.lines_with(&format!("answered {msg} "));
    assert!(answers.first().is_some_and(|a| a.starts_with("503 Unavailable")), "{answers:?}");
    assert!(answers.iter().any(|a| a == "200 Stored"), "{answers:?}");
    private.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_failing_twice_is_handled_once_on_its_third_delivery() {
    let redis = redis();
    let records = Records::new(&redis, "webhook-fail-twice");
    let knobs = [("WEBHOOK_WORKER_FAIL_TIMES", "2"), ("WEBHOOK_WORKER_VISIBILITY_MS", "100")];
    let node = Proc::durable(&redis, &records.prefix, &["--serve", "--work"], &knobs).await;
    let sandbox = Sandbox::start_with(pushes_to(node.url(), Duration::from_millis(50))).await.unwrap();
    let msg = msg_of(&sandbox.create_order("creator-flaky"));
    assert_eq!(records.settle(1, 10).await, vec![msg.clone()], "one completion");
    assert_eq!(node.lines_with("failed "), vec![format!("{msg} 1"), format!("{msg} 2")]);
    assert_eq!(node.lines_with("handled "), vec![msg.clone()]);
    assert_eq!(statuses(&attempts_of(&sandbox, &msg)), vec![Some(200)], "the platform was answered once");
    assert_eq!(records.queue.stats().await.unwrap().dead, 0, "no dead letter");
    records.clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_always_failing_leaves_a_dead_letter_that_is_handled_after_replay() {
    let redis = redis();
    let records = Records::new(&redis, "webhook-dead-letter");
    let prefix = &records.prefix;
    let knobs = [
        ("WEBHOOK_WORKER_FAIL_TIMES", "always"),
        ("WEBHOOK_WORKER_VISIBILITY_MS", "100"),
        ("WEBHOOK_WORKER_MAX_DELIVERIES", "3"),
    ];
    let receiver = Proc::durable(&redis, prefix, &["--serve"], &[]).await;
    let mut failing = Proc::durable(&redis, prefix, &["--work"], &knobs).await;
    let sandbox = Sandbox::start_with(pushes_to(receiver.url(), Duration::from_millis(50))).await.unwrap();
    let msg = msg_of(&sandbox.create_order("creator-doomed"));
    eventually("a dead letter", 10, || async { !records.queue.dead_letters(10).await.unwrap().is_empty() })
        .await;
    let dead = records.queue.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert_eq!((dead[0].msg_id.as_deref(), dead[0].attempts), (Some(msg.as_str()), 3));
    assert!(dead[0].error.contains("fails on purpose"), "the last error is kept: {}", dead[0].error);
    let body = String::from_utf8(dead[0].body.clone()).unwrap();
    assert!(body.contains(msg.trim_start_matches("order-").trim_end_matches("-PAY_SUCC")), "{body}");
    assert_eq!(failing.lines_with("failed ").len(), 3, "tried max_deliveries times");
    let stats = records.queue.stats().await.unwrap();
    assert_eq!((stats.length, stats.pending, stats.dead), (0, 0, 1));
    assert!(records.completions().await.is_empty());

    // The handler is fixed: a worker whose handler succeeds, and the dead letter replayed.
    failing.kill();
    let fixed = Proc::durable(&redis, prefix, &["--work"], &[]).await;
    assert!(records.queue.replay(&dead[0].id).await.unwrap(), "replayed");
    assert!(!records.queue.replay(&dead[0].id).await.unwrap(), "a dead letter is replayed once");
    assert_eq!(records.settle(1, 10).await, vec![msg.clone()], "handled once after the replay");
    assert_eq!(fixed.lines_with("handled "), vec![msg]);
    assert!(records.queue.dead_letters(10).await.unwrap().is_empty(), "no longer a dead letter");
    records.clean().await;
}

/// An order event as the platform pushes it, for order `id`.
fn order_body(id: u64) -> String {
    let order =
        serde_json::json!({"order_id": id.to_string(), "flow_point": "PAY_SUCC", "total_pay_amount": 990});
    serde_json::json!({
        "event": "alliance_order", "client_key": Sandbox::CLIENT_KEY, "from_user_id": "creator-load",
        "to_user_id": "", "content": order.to_string(),
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_pushes_into_three_replicas_are_each_handled_once() {
    const EVENTS: usize = 1000;
    const DUPLICATES: usize = 50;
    let redis = redis();
    let records = Records::new(&redis, "webhook-thousand");
    // A visibility timeout far above a batch's time under this load: this is about losing
    // nothing and storing once, not about claiming.
    let knobs = [("WEBHOOK_WORKER_VISIBILITY_MS", "10000")];
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(Proc::durable(&redis, &records.prefix, &["--serve", "--work"], &knobs).await);
    }
    let urls: Vec<String> = nodes.iter().map(|n| n.url().to_string()).collect();
    // Every 20th message is sent a second time, to another replica, a little later.
    let mut sends: Vec<usize> = (0..EVENTS).collect();
    for d in 0..DUPLICATES {
        sends.insert(d * 21 + 10, d * 20);
    }
    let http = reqwest::Client::new();
    let started = Instant::now();
    let answers: Vec<(usize, u16)> = futures_util::stream::iter(sends.iter().enumerate())
        .map(|(n, &i)| {
            let (http, url) = (http.clone(), urls[n % urls.len()].clone());
            async move { (i, push(&http, &url, i).await) }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let sent_in = started.elapsed();
    assert_eq!(answers.len(), EVENTS + DUPLICATES);
    let refused: Vec<_> = answers.iter().filter(|(_, s)| *s != 200).collect();
    assert!(refused.is_empty(), "every push is acknowledged: {refused:?}");
    let done = records.settle(EVENTS, 30).await;
    let handled_in = started.elapsed();
    let unique: BTreeSet<&String> = done.iter().collect();
    let want: BTreeSet<String> = (0..EVENTS).map(|i| format!("load-{i}")).collect();
    assert_eq!(done.len(), EVENTS, "each handled exactly once: {} completions", done.len());
    assert_eq!(unique.into_iter().cloned().collect::<BTreeSet<_>>(), want, "none lost");
    let count = |what: &str| {
        nodes
            .iter()
            .map(|n| n.lines_with("answered load-").iter().filter(|l| l.ends_with(what)).count())
            .sum::<usize>()
    };
    assert_eq!((count("200 Stored"), count("200 Duplicate")), (EVENTS, DUPLICATES), "stored once each");
    let per_node: Vec<usize> = nodes.iter().map(|n| n.lines_with("handled ").len()).collect();
    assert_eq!(per_node.iter().sum::<usize>(), EVENTS, "{per_node:?}");
    eprintln!(
        "{} pushes acknowledged in {sent_in:?}, all handled after {handled_in:?}, per replica {per_node:?}",
        EVENTS + DUPLICATES
    );
    records.clean().await;
}

/// Sends the order push `load-{i}` to `url`, signed; its status.
async fn push(http: &reqwest::Client, url: &str, i: usize) -> u16 {
    let body = order_body(4_968_253_700_000_000_000 + i as u64);
    let signature = sign(Sandbox::CLIENT_SECRET.as_bytes(), body.as_bytes());
    let r = http
        .post(url)
        .header(SIGNATURE_HEADER, signature)
        .header(MSG_ID_HEADER, format!("load-{i}"))
        .body(body)
        .send()
        .await
        .expect("the replica answers");
    r.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_waiting_in_a_slow_batch_are_not_handled_twice() {
    // A batch of 8 whose handlers take 100 ms each: the last waits 700 ms in the worker, far past
    // the 300 ms visibility timeout, while another worker claims what has been idle that long.
    let redis = redis();
    let records = Records::new(&redis, "webhook-slow-batch");
    let prefix = &records.prefix;
    let receiver = Proc::durable(&redis, prefix, &["--serve"], &[]).await;
    let http = reqwest::Client::new();
    for i in 0..8 {
        assert_eq!(push(&http, receiver.url(), i).await, 200);
    }
    let slow =
        Proc::durable(&redis, prefix, &["--work"], &[("WEBHOOK_WORKER_HANDLER_SLEEP_MS", "100")]).await;
    slow.line("started ").await;
    let other = Proc::durable(&redis, prefix, &["--work"], &[]).await;
    records.settle(8, 10).await;
    // The slow worker may still hold entries the other took over in its batch: give it the
    // time its batch takes (8 x 100 ms) to show whether it handles them again.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let done = records.completions().await;
    let unique: BTreeSet<&String> = done.iter().collect();
    assert_eq!(
        (done.len(), unique.len()),
        (8, 8),
        "each handled once (slow worker {:?}, other {:?})",
        slow.lines_with("handled "),
        other.lines_with("handled ")
    );
    records.clean().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_a_handler_slower_than_the_deadline_gets_500_and_the_retry_is_handled() {
    let calls = Arc::new(AtomicUsize::new(0));
    let completions = Arc::new(AtomicUsize::new(0));
    let (c, done) = (calls.clone(), completions.clone());
    let receiver = WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET)
        .deadline(Duration::from_millis(300));
    let app = douyin_alliance_axum::router(Arc::new(receiver), move |_: Delivery<_>| {
        let first = c.fetch_add(1, Ordering::SeqCst) == 0;
        let done = done.clone();
        async move {
            if first {
                // Past the deadline: the answer is 500, and this run is dropped.
                tokio::time::sleep(Duration::from_millis(1000)).await;
            }
            done.fetch_add(1, Ordering::SeqCst);
            Ok::<(), String>(())
        }
    });
    let url = serve(app).await;
    let sandbox = Sandbox::start_with(pushes_to(&url, Duration::from_millis(50))).await.unwrap();
    let msg = msg_of(&sandbox.create_order("creator-slow"));
    delivered(&sandbox, &msg).await;
    let attempts = attempts_of(&sandbox, &msg);
    assert_eq!(statuses(&attempts), vec![Some(500), Some(200)], "{attempts:#?}");
    assert!(attempts[0].answer.contains("did not finish"), "{:?}", attempts[0].answer);
    assert_eq!((calls.load(Ordering::SeqCst), completions.load(Ordering::SeqCst)), (2, 1), "handled once");
}
