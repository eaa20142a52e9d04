//! Pushed events end to end: the sandbox plays the platform (handshake, signed order pushes,
//! retries) against the axum receiver of `douyin-alliance-axum` on 127.0.0.1.
//!
//! Regressions these guard against: ids losing precision on the way (a float parser), a retried
//! delivery handled by two replicas, a refused request reaching the handler, a handshake that is
//! not answered.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use douyin_alliance::types::Event;
use douyin_alliance::webhook::{sign, WebhookReceiver, MSG_ID_HEADER, SIGNATURE_HEADER};
use douyin_sandbox::{Sandbox, SandboxConfig};
use e2e_tests::within;

use crate::redis_tokens::{redis, unique_prefix};

/// Serves `app` on a free 127.0.0.1 port; its URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Waits (10 s at most) until `done` holds.
async fn until(done: impl Fn() -> bool) {
    within(10, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

fn receiver() -> Arc<WebhookReceiver> {
    Arc::new(WebhookReceiver::new(Sandbox::CLIENT_KEY, Sandbox::CLIENT_SECRET))
}

fn fast_pushes(url: &str) -> SandboxConfig {
    SandboxConfig::default()
        .webhook_url(url)
        .webhook_timeout(Duration::from_secs(2))
        .webhook_retry_delay(Duration::from_millis(50))
}

#[tokio::test]
async fn orders_created_in_the_sandbox_arrive_as_typed_events_with_exact_ids() {
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let routes = douyin_alliance_axum::router(receiver(), move |d| {
        let sent = tx.send(d).map_err(|_| "the test stopped listening");
        async move { sent }
    });
    let url = serve(axum::Router::new().nest("/hook", routes)).await;
    let sandbox = Sandbox::start_with(fast_pushes(&format!("{url}/hook"))).await.unwrap();
    let created: Vec<String> = (0..2)
        .map(|_| sandbox.create_order("creator-push")["order_id"].as_str().unwrap().to_string())
        .collect();
    assert!(created.iter().all(|id| id.len() == 19), "{created:?}");
    assert!(sandbox.set_order_flow_point(created[1].parse().unwrap(), "REFUND"));

    let mut got = Vec::new();
    while got.len() < 3 {
        let d = within(10, events.recv()).await.expect("the channel stays open");
        let Event::AllianceOrder(order) = &d.event else { panic!("not an order: {:?}", d.event) };
        let id = order.order_id.expect("the id decodes").to_string();
        let flow = order.flow_point.as_ref().map(|f| f.as_str().to_string()).unwrap_or_default();
        assert_eq!(d.msg_id.as_deref(), Some(format!("order-{id}-{flow}").as_str()));
        assert_eq!(d.from_user_id.as_deref(), Some("creator-push"));
        got.push((id, flow));
    }
    got.sort();
    let mut want = vec![
        (created[0].clone(), "PAY_SUCC".to_string()),
        (created[1].clone(), "PAY_SUCC".to_string()),
        (created[1].clone(), "REFUND".to_string()),
    ];
    want.sort();
    assert_eq!(got, want, "every push arrives once, ids exact to the digit");

    // The handshake was answered with the challenge.
    let handshake = || sandbox.push_attempts().into_iter().find(|a| a.event == "verify_webhook");
    until(|| handshake().is_some()).await;
    let handshake = handshake().expect("handshake");
    let sent: serde_json::Value = serde_json::from_str(&handshake.body).unwrap();
    let answered: serde_json::Value = serde_json::from_str(&handshake.answer).unwrap();
    assert_eq!(handshake.status, Some(200));
    assert_eq!(answered["challenge"], sent["content"]["challenge"]);
    // The pushed order reads the same through kol_orders: the same ids.
    assert!(sandbox.push_attempts().iter().all(|a| a.delivered()));
}

/// Sends a pushed request on to `target` with its body and the platform's headers (what a load
/// balancer in front of the replicas does).
pub(crate) async fn forward(
    http: &reqwest::Client,
    target: &str,
    request: Request<Body>,
) -> reqwest::Result<reqwest::Response> {
    let headers = request.headers().clone();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap_or_default();
    let mut forward = http.post(target).body(body);
    for name in [SIGNATURE_HEADER, MSG_ID_HEADER, "content-type"] {
        if let Some(v) = headers.get(name) {
            forward = forward.header(name, v.clone());
        }
    }
    forward.send().await
}

/// A load balancer in front of two replicas: forwards each request to the next replica in
/// turn, and answers the first one 503 whatever the replica said (a lost acknowledgement), so
/// the sandbox delivers that message again, to the other replica.
#[derive(Clone)]
struct Balancer {
    replicas: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    http: reqwest::Client,
}

async fn balance(State(lb): State<Balancer>, request: Request<Body>) -> Response {
    let n = lb.next.fetch_add(1, Ordering::SeqCst);
    let target = &lb.replicas[n % lb.replicas.len()];
    let answer = forward(&lb.http, target, request).await.unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap_or_default();
    if n == 1 {
        // n == 0 is the handshake; the first order push is acknowledged by replica B, and lost.
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    (StatusCode::from_u16(status).unwrap(), text).into_response()
}

/// A receiver replica process (`webhook_worker`): its URL, and the lines it prints.
struct Replica {
    child: std::process::Child,
    url: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Replica {
    fn start(redis: &str, prefix: &str) -> Replica {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_webhook_worker"))
            .args([redis, prefix])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("webhook_worker starts");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut first = String::new();
        out.read_line(&mut first).expect("the replica prints its address");
        let addr = first.trim().strip_prefix("listening ").expect("`listening <addr>`").to_string();
        let lines: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Replica { child, url: format!("http://{addr}"), lines }
    }

    fn handled(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|l| l.strip_prefix("handled ").map(String::from))
            .collect()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replica_processes_sharing_redis_handle_a_retried_message_once() {
    let redis = redis();
    let prefix = unique_prefix("webhook-dedupe");
    // Two receiver processes, each with its own Redis connection, the same store prefix.
    let replicas = [Replica::start(&redis, &prefix), Replica::start(&redis, &prefix)];
    let lb = Balancer {
        replicas: Arc::new(replicas.iter().map(|r| r.url.clone()).collect()),
        next: Arc::default(),
        http: reqwest::Client::new(),
    };
    let url = serve(axum::Router::new().fallback(balance).with_state(lb)).await;
    let sandbox = Sandbox::start_with(fast_pushes(&url)).await.unwrap();
    until(|| !sandbox.push_attempts().is_empty()).await;
    let order = sandbox.create_order("creator-fleet");
    let msg_id = format!("order-{}-PAY_SUCC", order["order_id"].as_str().unwrap());
    until(|| sandbox.push_attempts().iter().any(|a| a.msg_id == msg_id && a.delivered())).await;
    until(|| replicas.iter().map(|r| r.handled().len()).sum::<usize>() >= 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let attempts: Vec<_> = sandbox.push_attempts().into_iter().filter(|a| a.msg_id == msg_id).collect();
    assert_eq!(attempts.len(), 2, "delivered twice (the first acknowledgement was lost): {attempts:#?}");
    assert_eq!((attempts[0].status, attempts[1].status), (Some(503), Some(200)));
    let (a, b) = (replicas[0].handled(), replicas[1].handled());
    assert_eq!((a, b), (vec![], vec![msg_id]), "handled once, by the replica process that got it first");
}

#[tokio::test]
async fn refused_requests_get_their_status_and_reach_no_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let app = douyin_alliance_axum::router(receiver(), move |_| {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok::<(), String>(())
        }
    });
    let url = serve(app).await;
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>, signature: Option<String>| {
        let mut r = http.post(&url).header(MSG_ID_HEADER, "m").body(body);
        if let Some(s) = signature {
            r = r.header(SIGNATURE_HEADER, s);
        }
        r.send()
    };
    let signed = |body: &str| Some(sign(Sandbox::CLIENT_SECRET.as_bytes(), body.as_bytes()));
    let order = r#"{"event":"alliance_order","client_key":"awsandboxclientkey","content":"{\"order_id\":\"4968253700000000001\",\"flow_point\":\"PAY_SUCC\"}"}"#;

    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(post(order.into(), signed("tampered")).await.unwrap()), 401, "wrong signature");
    assert_eq!(status(post(order.into(), None).await.unwrap()), 401, "no signature");
    let other = order.replace("awsandboxclientkey", "someone-else");
    assert_eq!(status(post(other.clone().into(), signed(&other)).await.unwrap()), 403, "another app");
    let truncated = &order[..order.len() - 10];
    assert_eq!(status(post(truncated.into(), signed(truncated)).await.unwrap()), 400, "truncated JSON");
    let huge = vec![b' '; 20 * 1024 * 1024];
    let answer = post(huge, Some("0".repeat(40))).await;
    // A 20 MB body is refused (413) before it is read whole; the server may close the
    // connection while the client still sends, which is a refusal too.
    if let Ok(r) = answer {
        assert_eq!(status(r), 413, "20 MB body");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0, "nothing refused was handled");

    // The same order, signed and for this app, is handled once.
    assert_eq!(status(post(order.into(), signed(order)).await.unwrap()), 200);
    until(|| calls.load(Ordering::SeqCst) == 1).await;
}
