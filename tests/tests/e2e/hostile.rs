//! A hostile or broken platform, and hostile clients of the sandbox.
//!
//! The platform side is a raw TCP server on 127.0.0.1 that writes literal bytes (redirects to
//! another port, drips, lying lengths, endless bodies and headers, bad bytes, deep nesting,
//! resets, silence). One table of cases, checked by one function: each case says what the call
//! must fail with (the `ErrorKind` and the key parts of its message), how long it may take, and
//! nothing may panic. The client runs with short timeouts, so the table takes a few seconds.
//!
//! The client side plays slowloris and lying lengths against the sandbox, which must close
//! them after its header and body timeouts while it keeps serving, and keep its request log
//! within its byte budget.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use douyin_alliance::endpoint::Server;
use douyin_alliance::types::{KolStoreListRequest, MaterialsProductCategoryRequest};
use douyin_alliance::{Client, Error, ErrorKind, RetryPolicy, TimeoutKind};
use douyin_sandbox::{Sandbox, SandboxConfig};
use e2e_tests::{read_request, test_user, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinSet;

/// The client's request timeout in the table.
const TIMEOUT: Duration = Duration::from_millis(400);
/// The client's connect timeout in the table.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);
/// The client's response size limit in the table.
const LIMIT: usize = 256 * 1024;

/// What the raw server does with each connection, once it has read the request.
#[derive(Clone)]
enum Script {
    /// Writes these bytes and closes.
    Answer(Vec<u8>),
    /// Writes these bytes and holds the connection open, writing nothing more.
    AnswerAndHold(Vec<u8>),
    /// Writes these bytes one at a time, `every` apart, forever.
    Drip { bytes: Vec<u8>, every: Duration },
    /// Writes `head`, then `chunk` again and again, as fast as the client reads.
    Endless { head: Vec<u8>, chunk: Vec<u8> },
    /// Writes these bytes, then resets the connection (RST, not FIN).
    Reset(Vec<u8>),
    /// Never answers.
    Silent,
}

/// Which call a case makes.
#[derive(Clone, Copy, Debug)]
enum Call {
    /// A user call, with the user's `access-token` header.
    User,
    /// An app call, whose client_token fetch (client_key and client_secret in the body) comes
    /// first.
    App,
}

/// The server a case runs against.
enum Platform {
    /// The raw server with this script.
    Raw(Script),
    /// A port whose listen queue is full, so connecting never completes.
    FullBacklog,
}

/// Checks a case's error (kind and message); says what is wrong.
type Check = Box<dyn Fn(&Error, &Ctx) -> Result<(), String> + Send + Sync>;

/// One row of the table.
struct Case {
    name: &'static str,
    platform: Platform,
    call: Call,
    /// Checks the error (kind and message); says what is wrong.
    expect: Check,
    /// At least this long (a timeout must not fire early)...
    at_least: Duration,
    /// ...and at most this long.
    at_most: Duration,
}

/// What a check can look at besides the error.
struct Ctx {
    /// The port of the trap listener the redirects point to.
    trap: SocketAddr,
}

/// A listener on another port that records every connection and every byte sent to it: a
/// redirect followed, or any credential reaching it, fails the case.
struct Trap {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<u8>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Trap {
    async fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let connections = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (count, bytes) = (connections.clone(), received.clone());
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let bytes = bytes.clone();
                conns.spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        bytes.lock().expect("trap bytes").extend_from_slice(&buf[..n]);
                    }
                });
            }
        });
        Trap { addr, connections, received, task }
    }

    /// Fails when anything reached the trap.
    fn check(&self, case: &str) {
        let n = self.connections.load(Ordering::SeqCst);
        let got = String::from_utf8_lossy(&self.received.lock().expect("trap bytes")).into_owned();
        assert_eq!(n, 0, "{case}: the client followed a redirect to {}; it sent: {got:?}", self.addr);
        for secret in ["act.user-token", "test_client_secret", "access-token", "client_secret"] {
            assert!(!got.contains(secret), "{case}: `{secret}` reached the other host");
        }
    }
}

/// The raw server: plays `script` on every connection, after reading the request (head and
/// announced body), and records the requests it read.
struct RawPlatform {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawPlatform {
    async fn start(script: Script) -> RawPlatform {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        let task = tokio::spawn(async move {
            // Dropping the set (when the case ends and this task is aborted) stops every
            // connection, endless ones included.
            let mut conns = JoinSet::new();
            while let Ok((socket, _)) = listener.accept().await {
                conns.spawn(play(socket, script.clone(), log.clone()));
            }
        });
        RawPlatform { addr, requests, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn play(mut socket: TcpStream, script: Script, log: Arc<Mutex<Vec<String>>>) {
    let Some(request) = read_request(&mut socket).await else { return };
    log.lock().expect("requests").push(request);
    match script {
        Script::Answer(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.shutdown().await;
        }
        Script::AnswerAndHold(bytes) => {
            let _ = socket.write_all(&bytes).await;
            std::future::pending::<()>().await;
        }
        Script::Drip { bytes, every } => {
            for b in bytes.iter().cycle() {
                if socket.write_all(&[*b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }
        Script::Endless { head, chunk } => {
            if socket.write_all(&head).await.is_err() {
                return;
            }
            while socket.write_all(&chunk).await.is_ok() {}
        }
        Script::Reset(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.flush().await;
            // Give the bytes time to leave, then close with RST.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = socket.set_zero_linger();
            drop(socket);
        }
        Script::Silent => {
            // Keep reading (and ignoring) whatever comes, answer nothing.
            let mut buf = [0u8; 1024];
            while let Ok(n) = socket.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        }
    }
}

/// A listener whose listen queue is full: it never accepts, and a few connections already
/// fill its queue, so a new connection's handshake never completes.
struct FullBacklog {
    addr: SocketAddr,
    _listener: TcpListener,
    _fillers: Vec<TcpStream>,
}

impl FullBacklog {
    async fn start() -> FullBacklog {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.bind("127.0.0.1:0".parse().expect("address")).expect("bind 127.0.0.1");
        let listener = socket.listen(1).expect("listen");
        let addr = listener.local_addr().expect("local addr");
        let mut fillers = Vec::new();
        // Linux queues backlog + 1 connections; a few more attempts make sure it is full.
        for _ in 0..4 {
            match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
                Ok(Ok(s)) => fillers.push(s),
                _ => break,
            }
        }
        FullBacklog { addr, _listener: listener, _fillers: fillers }
    }
}

fn client(base: &str) -> Client {
    let mut b = Client::builder()
        .credentials("test_client_key", "test_client_secret")
        .timeout(TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .max_response_bytes(LIMIT)
        .retry(RetryPolicy::disabled());
    for s in Server::ALL {
        b = b.base_url(s, base);
    }
    b.build().expect("client builds")
}

async fn make(call: Call, client: Client) -> Result<(), Error> {
    match call {
        Call::User => {
            client.user(&test_user()).kol_store_list(&KolStoreListRequest::new(1, 20)).await.map(drop)
        }
        Call::App => {
            client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await.map(drop)
        }
    }
}

fn http_head(status: &str, headers: &[String]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn answer(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut all: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    all.push(format!("content-length: {}", body.len()));
    all.push("connection: close".into());
    let mut bytes = http_head(status, &all);
    bytes.extend_from_slice(body);
    bytes
}

/// The error of the call itself, or of its client_token fetch.
fn cause(e: &Error) -> &Error {
    match e.kind() {
        ErrorKind::Token(inner) => inner,
        _ => e,
    }
}

fn is_timeout(which: TimeoutKind, after: Duration) -> impl Fn(&Error, &Ctx) -> Result<(), String> {
    move |e, _| match cause(e).kind() {
        ErrorKind::Timeout { which: w, after: a } if *w == which && *a == after => {
            let text = format!("{e:#}");
            let said = format!("{after:?}");
            let phrase =
                if which == TimeoutKind::Connect { "connecting timed out" } else { "request timed out" };
            if text.contains(&said) && text.contains(phrase) {
                Ok(())
            } else {
                Err(format!("the message does not say `{phrase}` and `{said}`: {text}"))
            }
        }
        other => Err(format!("expected a {which:?} timeout after {after:?}, got {other:?}")),
    }
}

fn is_redirect(status: u16) -> impl Fn(&Error, &Ctx) -> Result<(), String> {
    move |e, ctx| {
        let host = format!("127.0.0.1:{}", ctx.trap.port());
        match cause(e).kind() {
            ErrorKind::HttpStatus { status: s, location_host: Some(h), .. } if *s == status && *h == host => {
                let text = format!("{e:#} {e:?}");
                for part in [status.to_string(), host.clone(), "not followed".to_string()] {
                    if !text.contains(&part) {
                        return Err(format!("the message does not name `{part}`: {text}"));
                    }
                }
                for hidden in ["steal", "client_secret=", "token=leak"] {
                    if text.contains(hidden) {
                        return Err(format!(
                            "the message shows the Location's path or query (`{hidden}`): {text}"
                        ));
                    }
                }
                if e.is_retryable() {
                    return Err("a redirect is not retryable".into());
                }
                Ok(())
            }
            other => Err(format!("expected HttpStatus {status} naming {host}, got {other:?}")),
        }
    }
}

fn is_transport(parts: &'static [&'static str]) -> impl Fn(&Error, &Ctx) -> Result<(), String> {
    move |e, _| match cause(e).kind() {
        ErrorKind::Transport(_) => {
            let text = format!("{e:#}").to_lowercase();
            match parts.iter().find(|p| !text.contains(&p.to_lowercase())) {
                None => Ok(()),
                Some(p) => Err(format!("the message does not say `{p}`: {text}")),
            }
        }
        other => Err(format!("expected a transport error, got {other:?}")),
    }
}

fn is_decode(parts: &'static [&'static str]) -> impl Fn(&Error, &Ctx) -> Result<(), String> {
    move |e, _| match cause(e).kind() {
        ErrorKind::Decode { message, snippet, .. } => {
            let text = e.to_string();
            if text.contains(['\0', '\n', '\r']) {
                return Err(format!("control characters reached the message: {text:?}"));
            }
            if snippet.chars().count() > 1_000 {
                return Err(format!("the snippet is not short: {} chars", snippet.chars().count()));
            }
            match parts.iter().find(|p| !message.contains(*p) && !text.contains(*p)) {
                None => Ok(()),
                Some(p) => Err(format!("the message does not say `{p}`: {text}")),
            }
        }
        other => Err(format!("expected a decode error, got {other:?}")),
    }
}

fn cases(trap: SocketAddr) -> Vec<Case> {
    let location = format!("location: http://{trap}/steal?client_secret=x&token=leak");
    let redirect = |status: &str| answer(status, &[&location], b"Redirecting to the other host");
    let fast = Duration::from_secs(2);
    let timed = |d: Duration| (d.mul_f32(0.9), d + Duration::from_millis(1_500));
    let (t_min, t_max) = timed(TIMEOUT);
    let (c_min, c_max) = timed(CONNECT_TIMEOUT);
    // In a field the type does not know, which is kept as raw JSON: the parser meets the depth.
    let deep =
        format!("{{\"data\":{{\"error_code\":0,\"deep\":{}{}}}}}", "[".repeat(100_000), "]".repeat(100_000))
            .into_bytes();
    let mut bad_bytes = b"{\"data\":{\"error_code\":0,\"results\":\"".to_vec();
    bad_bytes.extend_from_slice(&[0xff, 0xfe, 0x00, 0x00, b'\n', 0xc3, 0x28, 0x00]);
    bad_bytes.extend_from_slice(b"\"}\0\0\0");
    let json = "content-type: application/json";
    let mut rows = Vec::new();
    for (status, call) in [("302 Found", Call::User), ("307 Temporary Redirect", Call::User)]
        .into_iter()
        .chain([("302 Found", Call::App), ("307 Temporary Redirect", Call::App)])
    {
        let code: u16 = status[..3].parse().expect("a status code");
        rows.push(Case {
            name: match (code, call) {
                (302, Call::User) => "302 to another port, on a user call",
                (307, Call::User) => "307 to another port, on a user call",
                (302, Call::App) => "302 to another port, on the token fetch",
                _ => "307 to another port, on the token fetch",
            },
            platform: Platform::Raw(Script::Answer(redirect(status))),
            call,
            expect: Box::new(is_redirect(code)),
            at_least: Duration::ZERO,
            at_most: fast,
        });
    }
    rows.extend([
        Case {
            name: "a drip of one byte per 100 ms",
            platform: Platform::Raw(Script::Drip {
                bytes: answer("200 OK", &[json], br#"{"data":{"error_code":0}}"#),
                every: Duration::from_millis(100),
            }),
            call: Call::User,
            expect: Box::new(is_timeout(TimeoutKind::Request, TIMEOUT)),
            at_least: t_min,
            at_most: t_max,
        },
        Case {
            name: "a Content-Length longer than the body, connection held",
            platform: Platform::Raw(Script::AnswerAndHold(
                [http_head("200 OK", &[json.into(), "content-length: 1000".into()]), b"{\"data\":".to_vec()]
                    .concat(),
            )),
            call: Call::User,
            expect: Box::new(is_timeout(TimeoutKind::Request, TIMEOUT)),
            at_least: t_min,
            at_most: t_max,
        },
        Case {
            name: "a Content-Length longer than the body, connection closed",
            platform: Platform::Raw(Script::Answer(
                [http_head("200 OK", &[json.into(), "content-length: 1000".into()]), b"{\"data\":".to_vec()]
                    .concat(),
            )),
            call: Call::User,
            expect: Box::new(is_transport(&["body"])),
            at_least: Duration::ZERO,
            at_most: fast,
        },
        Case {
            name: "an endless chunked body",
            platform: Platform::Raw(Script::Endless {
                head: [
                    http_head("200 OK", &[json.into(), "transfer-encoding: chunked".into()]),
                    b"1\r\n[\r\n".to_vec(),
                ]
                .concat(),
                chunk: [b"400\r\n".to_vec(), vec![b'1'; 0x400], b"\r\n".to_vec()].concat(),
            }),
            call: Call::User,
            expect: Box::new(|e, _| match cause(e).kind() {
                ErrorKind::BodyTooLarge { limit } if *limit == LIMIT => Ok(()),
                other => Err(format!("expected BodyTooLarge {{ limit: {LIMIT} }}, got {other:?}")),
            }),
            at_least: Duration::ZERO,
            at_most: fast,
        },
        Case {
            name: "endless headers",
            platform: Platform::Raw(Script::Endless {
                head: b"HTTP/1.1 200 OK\r\n".to_vec(),
                chunk: format!("x-junk: {}\r\n", "j".repeat(1_000)).into_bytes(),
            }),
            call: Call::User,
            expect: Box::new(is_transport(&["too large"])),
            at_least: Duration::ZERO,
            at_most: fast,
        },
        Case {
            name: "invalid UTF-8 and NULs in the body",
            platform: Platform::Raw(Script::Answer(answer("200 OK", &[json], &bad_bytes))),
            call: Call::User,
            expect: Box::new(is_decode(&["cannot decode the response"])),
            at_least: Duration::ZERO,
            at_most: fast,
        },
        Case {
            name: "100k-deep arrays",
            platform: Platform::Raw(Script::Answer(answer("200 OK", &[json], &deep))),
            call: Call::User,
            expect: Box::new(is_decode(&["recursion limit exceeded"])),
            at_least: Duration::ZERO,
            at_most: fast,
        },
        Case {
            name: "a reset mid-body",
            platform: Platform::Raw(Script::Reset(
                [http_head("200 OK", &[json.into(), "content-length: 5000".into()]), vec![b' '; 1_000]]
                    .concat(),
            )),
            call: Call::User,
            expect: Box::new(is_transport(&["body"])),
            at_least: Duration::ZERO,
            at_most: fast,
        },
        Case {
            name: "a server that never answers",
            platform: Platform::Raw(Script::Silent),
            call: Call::User,
            expect: Box::new(is_timeout(TimeoutKind::Request, TIMEOUT)),
            at_least: t_min,
            at_most: t_max,
        },
        Case {
            name: "a server that never answers, on the token fetch",
            platform: Platform::Raw(Script::Silent),
            call: Call::App,
            expect: Box::new(is_timeout(TimeoutKind::Request, TIMEOUT)),
            at_least: t_min,
            at_most: t_max,
        },
        Case {
            name: "a connection that is never accepted (full listen queue)",
            platform: Platform::FullBacklog,
            call: Call::User,
            expect: Box::new(is_timeout(TimeoutKind::Connect, CONNECT_TIMEOUT)),
            at_least: c_min,
            at_most: c_max,
        },
    ]);
    rows
}

/// Runs one case; says what went wrong, if anything.
async fn run(case: &Case, trap: &Trap) -> Result<Duration, String> {
    let ctx = Ctx { trap: trap.addr };
    let (raw, _backlog, base) = match &case.platform {
        Platform::Raw(script) => {
            let raw = RawPlatform::start(script.clone()).await;
            let url = raw.url();
            (Some(raw), None, url)
        }
        Platform::FullBacklog => {
            let b = FullBacklog::start().await;
            let url = format!("http://{}", b.addr);
            (None, Some(b), url)
        }
    };
    let client = client(&base);
    let started = Instant::now();
    // In a task of its own, so that a panic is seen as one.
    let outcome = tokio::time::timeout(Duration::from_secs(20), tokio::spawn(make(case.call, client))).await;
    let took = started.elapsed();
    let result = match outcome {
        Err(_) => Err(format!("no answer within 20 s (took {took:?})")),
        Ok(Err(join)) if join.is_panic() => Err(format!("the call panicked: {join}")),
        Ok(Err(join)) => Err(format!("the call's task failed: {join}")),
        Ok(Ok(Ok(()))) => Err("the call succeeded".to_string()),
        Ok(Ok(Err(e))) => {
            (case.expect)(&e, &ctx).map_err(|why| format!("{why}\n  error: {e:#}")).and_then(|()| {
                if took < case.at_least || took > case.at_most {
                    Err(format!("took {took:?}, expected {:?} to {:?}", case.at_least, case.at_most))
                } else {
                    Ok(took)
                }
            })
        }
    };
    if let Some(raw) = raw {
        raw.task.abort();
        // The credentials did go to the platform (so the trap could have seen them).
        if matches!(case.platform, Platform::Raw(Script::Answer(_))) && case.name.contains("to another port")
        {
            let requests = raw.requests.lock().expect("requests").clone();
            let first = requests.first().cloned().unwrap_or_default();
            let sent = match case.call {
                Call::User => "access-token: act.user-token",
                Call::App => "client_secret",
            };
            if !first.contains(sent) {
                return Err(format!("the platform never saw `{sent}`: {first:?}"));
            }
            if requests.len() != 1 {
                return Err(format!("expected one request, got {}", requests.len()));
            }
        }
    }
    result
}

#[tokio::test]
async fn a_hostile_platform_gets_typed_errors_within_bounded_time() {
    let trap = Trap::start().await;
    let table = cases(trap.addr);
    let started = Instant::now();
    let mut failures = Vec::new();
    for case in &table {
        match run(case, &trap).await {
            Ok(took) => eprintln!("hostile: {:<60} {:>6} ms", case.name, took.as_millis()),
            Err(why) => failures.push(format!("{}: {why}", case.name)),
        }
        trap.check(case.name);
    }
    eprintln!("hostile: {} cases in {} ms", table.len(), started.elapsed().as_millis());
    trap.task.abort();
    assert!(failures.is_empty(), "{} case(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// Reads from `socket` until the peer closes it (or resets it); what arrived, or `None` when it
/// stays open for `limit`.
async fn until_closed(socket: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let read_all = async {
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.ok()?;
    Some(got)
}

fn guarded_sandbox() -> SandboxConfig {
    SandboxConfig::default()
        .header_read_timeout(Duration::from_millis(300))
        .body_read_timeout(Duration::from_millis(300))
}

#[tokio::test]
async fn the_sandbox_closes_slowloris_connections_after_its_header_timeout_and_keeps_serving() {
    within(30, async {
        let sandbox = Sandbox::start_with(guarded_sandbox()).await.unwrap();
        let addr = sandbox.addr(Server::OpenDouyin);
        let started = Instant::now();
        let mut loris = Vec::new();
        for i in 0..100 {
            let mut s = TcpStream::connect(addr).await.expect("connect to the sandbox");
            s.write_all(
                format!("POST /oauth/client_token/ HTTP/1.1\r\nhost: sandbox\r\nx-loris-{i}: ").as_bytes(),
            )
            .await
            .expect("send a partial header");
            loris.push(s);
        }
        // Meanwhile a normal call is served.
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let call = Instant::now();
        client.client_token().await.expect("a normal call is served while slowloris connections wait");
        assert!(call.elapsed() < Duration::from_secs(2), "served in {:?}", call.elapsed());
        let mut closed_after = Vec::new();
        for s in &mut loris {
            until_closed(s, Duration::from_secs(5)).await.expect("the sandbox closes the connection");
            closed_after.push(started.elapsed());
        }
        let first = closed_after.iter().min().copied().unwrap_or_default();
        let last = closed_after.iter().max().copied().unwrap_or_default();
        eprintln!("slowloris: 100 connections closed between {first:?} and {last:?}");
        assert!(first >= Duration::from_millis(250), "closed before the header timeout: {first:?}");
        assert!(last < Duration::from_secs(3), "held past the header timeout: {last:?}");
        sandbox.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn the_sandbox_answers_a_body_shorter_than_its_content_length_after_its_body_timeout() {
    within(30, async {
        let sandbox = Sandbox::start_with(guarded_sandbox()).await.unwrap();
        let mut s = TcpStream::connect(sandbox.addr(Server::OpenDouyin)).await.expect("connect");
        let started = Instant::now();
        s.write_all(
            b"POST /oauth/client_token/ HTTP/1.1\r\nhost: sandbox\r\ncontent-type: application/json\r\n\
              content-length: 100\r\n\r\n{}",
        )
        .await
        .expect("send a short body");
        let got =
            until_closed(&mut s, Duration::from_secs(5)).await.expect("the sandbox closes the connection");
        let took = started.elapsed();
        let text = String::from_utf8_lossy(&got);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.to_ascii_lowercase().contains("connection: close"), "{text}");
        assert!(took >= Duration::from_millis(250) && took < Duration::from_secs(3), "took {took:?}");
        sandbox.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn at_its_connection_cap_the_sandbox_serves_again_once_idle_connections_time_out() {
    within(30, async {
        let sandbox = Sandbox::start_with(guarded_sandbox().max_connections(4)).await.unwrap();
        let addr = sandbox.addr(Server::OpenDouyin);
        let mut idle = Vec::new();
        for _ in 0..4 {
            idle.push(TcpStream::connect(addr).await.expect("connect"));
        }
        // Let the sandbox accept them, so they hold the four places.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let client = sandbox.client_builder().retry(RetryPolicy::disabled()).build().unwrap();
        let started = Instant::now();
        client.client_token().await.expect("served once a place is free");
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(150), "served beyond the cap at once: {took:?}");
        assert!(took < Duration::from_secs(3), "took {took:?}");
        sandbox.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn the_sandbox_log_keeps_body_prefixes_within_its_byte_budget() {
    within(60, async {
        let (prefix, budget) = (16 * 1024, 256 * 1024);
        let config = SandboxConfig::default().log_body_prefix(prefix).log_max_bytes(budget);
        let sandbox = Sandbox::start_with(config).await.unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/oauth/client_token/", sandbox.base_url(Server::OpenDouyin));
        let body = vec![b'a'; 1_000_000];
        for _ in 0..50 {
            let r =
                http.post(&url).header("content-type", "application/json").body(body.clone()).send().await;
            r.expect("the sandbox answers");
            assert!(sandbox.request_log_bytes() <= budget, "{} bytes logged", sandbox.request_log_bytes());
        }
        let log = sandbox.request_log();
        assert!(!log.is_empty() && log.len() < 50, "{} entries kept", log.len());
        for r in &log {
            assert_eq!((r.body.len(), r.body_len), (prefix, 1_000_000));
            assert!(r.body_truncated());
        }
        assert_eq!(sandbox.requests("oauth_client_token"), 50, "counts cover every request");
        // With the default prefix, ordinary bodies are kept whole.
        let whole = Sandbox::start().await.unwrap();
        let client = whole.client_builder().build().unwrap();
        client.client_token().await.unwrap();
        let logged = whole.requests_to("oauth_client_token");
        assert_eq!(logged.len(), 1);
        assert!(!logged[0].body_truncated() && logged[0].body_len > 0);
        assert!(logged[0].form().iter().any(|(k, _)| k == "client_secret") || logged[0].json().is_object());
    })
    .await;
}
