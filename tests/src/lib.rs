//! Test support shared by the end-to-end tests: a recording HTTP server on 127.0.0.1 whose
//! answers each test programs, and a client builder pointed at it.

pub mod bench;
pub mod logs;
pub mod plain;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use douyin_alliance::endpoint::{EnvelopeKind, Server};
use douyin_alliance::envelope::Answer;
use douyin_alliance::{ClientBuilder, RetryPolicy};

/// One request as the recording server saw it (the sandbox's own record of a request).
pub use douyin_sandbox::Received as Recorded;

/// A programmed answer.
#[derive(Debug, Clone)]
pub struct MockResponse {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Bytes,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
}

impl MockResponse {
    /// 200 with a JSON body.
    pub fn json(v: serde_json::Value) -> Self {
        MockResponse { status: 200, body: Bytes::from(v.to_string()), delay: None }
    }
    /// Any status with a raw body.
    pub fn raw(status: u16, body: impl Into<Bytes>) -> Self {
        MockResponse { status, body: body.into(), delay: None }
    }
    /// Adds a delay.
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = Some(d);
        self
    }
}

type Responder = Arc<dyn Fn(&Recorded, usize) -> MockResponse + Send + Sync>;

#[derive(Default)]
struct Inner {
    routes: Mutex<HashMap<String, Responder>>,
    log: Mutex<Vec<Recorded>>,
}

/// A recording HTTP server on 127.0.0.1. Unprogrammed paths answer 404.
#[derive(Clone)]
pub struct MockServer {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl MockServer {
    /// Starts on a free port; the server lives until the test's runtime ends.
    pub async fn start() -> MockServer {
        let inner = Arc::new(Inner::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MockServer { addr, inner }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Programs the answer for `path`; the closure gets the request and its 0-based index among
    /// the requests to that path.
    pub fn on(&self, path: &str, f: impl Fn(&Recorded, usize) -> MockResponse + Send + Sync + 'static) {
        self.inner.routes.lock().expect("routes").insert(path.to_string(), Arc::new(f));
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.log.lock().expect("log").clone()
    }

    /// Requests received for `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path == path).collect()
    }

    /// A client builder with every server pointed here, test credentials (the open platform's
    /// and the Doudian gateway's: [`DOUDIAN_APP_KEY`], [`DOUDIAN_APP_SECRET`]), and fast retries.
    pub fn client_builder(&self) -> ClientBuilder {
        let mut b = douyin_alliance::Client::builder()
            .credentials("test_client_key", "test_client_secret")
            .doudian_credentials(DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET)
            .retry(
                RetryPolicy::default()
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(20)),
            );
        for s in Server::ALL {
            b = b.base_url(s, self.url());
        }
        b
    }
}

async fn handle(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let rec = Recorded::new(&parts, body);
    let index = {
        let mut log = inner.log.lock().expect("log");
        let n = log.iter().filter(|r| r.path == rec.path).count();
        log.push(rec.clone());
        n
    };
    let responder = inner.routes.lock().expect("routes").get(&rec.path).cloned();
    let resp = match responder {
        Some(f) => f(&rec, index),
        None => MockResponse::raw(404, format!("no route for {}", rec.path)),
    };
    if let Some(d) = resp.delay {
        tokio::time::sleep(d).await;
    }
    Response::builder()
        .status(resp.status)
        .header("content-type", "application/json")
        .body(Body::from(resp.body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// A successful `data`+`extra` answer with `data` fields merged in.
pub fn ok_data(data: serde_json::Value) -> serde_json::Value {
    Answer::success(EnvelopeKind::DataExtra, data).logid("test-logid").now_ms(1_700_000_000_000).to_json()
}

/// A Doudian gateway success answer (`code` 10000) carrying `data`.
pub fn ok_gateway(data: serde_json::Value) -> serde_json::Value {
    Answer::success(EnvelopeKind::Doudian, data).logid("gateway-logid").to_json()
}

/// A Doudian gateway error answer with its `sub_code`.
pub fn err_gateway(code: i64, sub_code: &str, msg: &str) -> serde_json::Value {
    Answer::error(EnvelopeKind::Doudian, code, msg)
        .sub_code(sub_code, msg)
        .logid("gateway-err-logid")
        .to_json()
}

/// A `data`+`extra` error answer.
pub fn err_data(code: i64, description: &str) -> serde_json::Value {
    Answer::error(EnvelopeKind::DataExtra, code, description)
        .logid("err-logid")
        .now_ms(1_700_000_000_000)
        .to_json()
}

/// Programs the client_token endpoint to hand out `clt.test-N` tokens (N = request index).
pub fn serve_client_tokens(server: &MockServer, expires_in: i64) {
    server.on("/oauth/client_token/", move |_, i| {
        let token = serde_json::json!({"access_token": format!("clt.test-{i}"), "expires_in": expires_in});
        MockResponse::json(Answer::success(EnvelopeKind::DataExtra, token).oauth().to_json())
    });
}

impl MockServer {
    /// Serves on a listener the test already bound, e.g. on a port that refused connections
    /// until now. Synchronous, so a [`douyin_alliance::Hook`] can call it between two attempts;
    /// it must run inside a Tokio runtime.
    pub fn start_on(listener: std::net::TcpListener) -> MockServer {
        listener.set_nonblocking(true).expect("non-blocking listener");
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        let addr = listener.local_addr().expect("local addr");
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new().fallback(handle).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MockServer { addr, inner }
    }
}

/// The address of a loopback port that was free a moment ago and is closed now (connecting to it
/// is refused).
pub fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    listener.local_addr().expect("local addr")
}

/// A loopback server that answers each connection with bytes the test writes by hand (chunked
/// bodies, lying `Content-Length`, cut connections), then closes it. Answers should carry
/// `connection: close`, so that the client does not reuse the connection.
#[derive(Clone)]
pub struct RawServer {
    addr: SocketAddr,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl RawServer {
    /// Starts on a free port; `answer` gets the 0-based index of the connection.
    pub async fn start(answer: impl Fn(usize) -> Vec<u8> + Send + Sync + 'static) -> RawServer {
        use std::sync::atomic::Ordering;
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let count = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let index = count.fetch_add(1, Ordering::SeqCst);
                let answer = answer.clone();
                tokio::spawn(async move {
                    // Read the request head and its body, so that closing does not reset.
                    if read_request(&mut socket).await.is_none() {
                        return;
                    }
                    let _ = socket.write_all(&answer(index)).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        RawServer { addr, connections }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A mock server handing out client_tokens, a client pointed at it, and a user handle.
pub struct TestEnv {
    /// The server.
    pub server: MockServer,
    /// A client of it with test credentials.
    pub client: douyin_alliance::Client,
    /// The client acting for `open_id` with `access_token`.
    pub user: douyin_alliance::UserClient,
}

/// The test client's Doudian app_key (19 digits, as the gateway's are).
pub const DOUDIAN_APP_KEY: &str = "7043675397937989128";
/// The test client's Doudian app_secret.
pub const DOUDIAN_APP_SECRET: &str = "test-doudian-app-secret";
/// The Doudian access_token of [`TestEnv::kol`].
pub const DOUDIAN_TOKEN: &str = "doudian-kol-token-for-tests";

impl TestEnv {
    /// Starts the server (client_tokens `clt.test-N`, 2 h) and builds the client and user.
    pub async fn start(open_id: &str, access_token: &str) -> TestEnv {
        let server = MockServer::start().await;
        serve_client_tokens(&server, 7200);
        let client = server.client_builder().build().expect("client builds");
        let user = client.user(&douyin_alliance::UserAuth::new(open_id, access_token));
        TestEnv { server, client, user }
    }

    /// The client acting for a creator (达人) on the Doudian gateway with [`DOUDIAN_TOKEN`].
    pub fn kol(&self) -> douyin_alliance::DoudianClient {
        self.doudian_as(douyin_alliance::endpoint::Authority::Kol)
    }

    /// The gateway client of an `authority`, with the token [`DOUDIAN_TOKEN`].
    pub fn doudian_as(
        &self,
        authority: douyin_alliance::endpoint::Authority,
    ) -> douyin_alliance::DoudianClient {
        self.client.doudian(&douyin_alliance::DoudianAuth::new(authority, DOUDIAN_TOKEN))
    }
}

/// Runs `f`, failing the test with a message when it takes more than `secs` seconds: a hang is
/// a failure that says so, not a stuck run.
pub async fn within<T>(secs: u64, f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(v) => v,
        Err(_) => panic!("the test did not finish within {secs} s"),
    }
}

/// A user with fixed test credentials (`open-id-1`, `act.user-token`).
pub fn test_user() -> douyin_alliance::UserAuth {
    douyin_alliance::UserAuth::new("open-id-1", "act.user-token")
}

/// Retries that keep tests fast: `max_attempts` attempts, 5 to 20 ms apart.
pub fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(max_attempts)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// Reads one HTTP/1.1 request (its head and a `Content-Length` body) from `socket`, as text;
/// `None` when the connection closes before the head is complete.
pub async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let body_len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + body_len {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}
