//! Every endpoint of the spec on the wire, as data. A family's `CASES` table (`douyin.rs`) has one
//! row per typed SDK call: the endpoint it goes to, what the recording server on 127.0.0.1
//! answers, the call with the checks of its typed answer, and the [`Expect`]ation of the one
//! request it must send. [`check_wire`] holds that request to the row: method, path, query
//! (decoded, and percent-encoded on the wire), credential, content type and body.
//!
//! The expectations are written out from `api-facts.md`, not read from the generated metadata:
//! only the coverage guard compares the two, through [`spec_says`]. A new family (the signed
//! Doudian gateway) adds its module and table to [`all_cases`], and a [`Cred`] variant with its
//! own arm in [`check_wire`].

/// A row's call, `call!(|t| async move { .. })`: the closure, its future boxed.
macro_rules! call {
    (|$t:ident| async move $body:block) => {
        |$t| Box::pin(async move $body)
    };
}

mod doudian;
mod douyin;

use douyin_alliance::endpoint::{AuthKind, Endpoint, HttpMethod, Server};
use douyin_alliance::{Error, ErrorKind, ENDPOINTS};
use e2e_tests::{MockResponse, Recorded, TestEnv, DOUDIAN_APP_KEY, DOUDIAN_APP_SECRET, DOUDIAN_TOKEN};
use futures_util::future::BoxFuture;
use serde_json::{json, Value};

/// An open_id with every character a query string must escape.
pub const OPEN_ID: &str = "open id+/=&?#中文_01";
pub const USER_TOKEN: &str = "act.user-token-for-wire-tests";
/// The first token the test environment's `/oauth/client_token/` hands out.
pub const CLIENT_TOKEN: &str = "clt.test-0";
pub const CLIENT_KEY: &str = "test_client_key";
pub const CLIENT_SECRET: &str = "test_client_secret";
const TOKEN_PATH: &str = "/oauth/client_token/";
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Every case of every family.
fn all_cases() -> impl Iterator<Item = &'static WireCase> {
    douyin::CASES.iter().chain(doudian::CASES)
}

/// What the spec says of an endpoint: the only place the generated metadata is read.
fn spec_says(e: &Endpoint) -> (HttpMethod, Server, &'static str, AuthKind) {
    // A gateway call is always a POST.
    let method = e.rest().map_or(HttpMethod::Post, |r| r.method);
    (method, e.server(), e.path(), e.auth())
}

/// One typed call and the one request it must send. An endpoint may have several rows (variants
/// of its request, an error answer).
pub struct WireCase {
    /// The spec's endpoint (and SDK method) called.
    pub endpoint: &'static str,
    /// The server's answer at `expect.path`; `None` keeps the test environment's (client_tokens
    /// `clt.test-N` at `/oauth/client_token/`, 404 elsewhere).
    pub answer: Option<fn() -> Value>,
    /// Makes the typed call and checks its typed answer or error. It may first make calls the SDK
    /// must refuse ([`assert_refused`]): the one-request check then proves none was sent.
    pub call: for<'a> fn(&'a TestEnv) -> BoxFuture<'a, ()>,
    /// The request.
    pub expect: Expect,
}

/// The request a call must send, built like a request line:
/// `Expect::post(server, path, cred).json(body)`.
#[derive(Clone, Copy)]
pub struct Expect {
    pub method: HttpMethod,
    /// Compared with the spec only: every server of the test client is the one recording server.
    pub server: Server,
    pub path: &'static str,
    pub cred: Cred,
    /// Query parameters besides the credential's, decoded, in any order. None at all: no `?`.
    pub query: &'static [(&'static str, &'static str)],
    pub body: Body,
}

/// How the call's credential travels, and what else that rules out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cred {
    /// Nothing: no header naming a token.
    None,
    /// The app's client_key (the row's body says where) and, when `secret`, its client_secret;
    /// no token header. Without `secret`, the secret is nowhere in the request.
    AppInBody { secret: bool },
    /// The app's client_token in the `access-token` header, fetched first, once.
    AppToken,
    /// The user's access_token in the `access-token` header, and `?open_id=` when `open_id_query`.
    UserHeader { open_id_query: bool },
    /// The user's access_token and open_id in the body (the row's body); no token header.
    UserInBody,
    /// A signed Doudian gateway call: `app_key`, `method` (from the path), `timestamp` (now, in
    /// epoch seconds), `v=2`, `sign_method=hmac-sha256` and a `sign` that verifies over the raw
    /// body with the app's secret in the query; the creator's [`DOUDIAN_TOKEN`] as
    /// `access_token` when `token`; the body byte-identical to the canonical JSON of the row's.
    Signed { token: bool },
}

impl Cred {
    /// The spec's credential kind of a call that sends this.
    fn kind(self) -> AuthKind {
        match self {
            Cred::None | Cred::AppInBody { .. } => AuthKind::None,
            Cred::AppToken => AuthKind::ClientToken,
            Cred::UserHeader { .. } | Cred::UserInBody => AuthKind::AccessToken,
            Cred::Signed { token: true } => AuthKind::DoudianToken,
            Cred::Signed { token: false } => AuthKind::None,
        }
    }
}

/// The body, and so the content type.
#[derive(Clone, Copy)]
pub enum Body {
    /// Empty. A bodiless POST still says `application/json`, as the working public clients send
    /// it (S1); a GET has no content type.
    None,
    /// JSON equal to this, as `application/json` without a charset.
    Json(fn() -> Value),
    /// Exactly these form pairs, in any order, as form-urlencoded.
    Form(&'static [(&'static str, &'static str)]),
}

impl Expect {
    pub const fn post(server: Server, path: &'static str, cred: Cred) -> Expect {
        Expect { method: HttpMethod::Post, server, path, cred, query: &[], body: Body::None }
    }
    pub const fn get(server: Server, path: &'static str, cred: Cred) -> Expect {
        Expect { method: HttpMethod::Get, ..Expect::post(server, path, cred) }
    }
    pub const fn query(self, query: &'static [(&'static str, &'static str)]) -> Expect {
        Expect { query, ..self }
    }
    pub const fn json(self, body: fn() -> Value) -> Expect {
        Expect { body: Body::Json(body), ..self }
    }
    pub const fn form(self, pairs: &'static [(&'static str, &'static str)]) -> Expect {
        Expect { body: Body::Form(pairs), ..self }
    }
}

/// The app's credentials, as the client_token calls send them.
pub fn app_credentials() -> Value {
    json!({"client_key": CLIENT_KEY, "client_secret": CLIENT_SECRET, "grant_type": "client_credential"})
}

/// The SDK refused the call before sending it, naming `field`.
pub fn assert_refused<T: std::fmt::Debug>(result: Result<T, Error>, field: &str) {
    match result {
        Err(e) if matches!(e.kind(), ErrorKind::InvalidInput { field: f, .. } if f == field) => {}
        other => panic!("expected invalid input in `{field}`, got {other:?}"),
    }
}

/// Makes the case's call against a fresh server and holds the one request it sent to the row.
pub async fn check_wire(case: &WireCase) {
    let (name, e) = (case.endpoint, case.expect);
    let env = TestEnv::start(OPEN_ID, USER_TOKEN).await;
    if let Some(answer) = case.answer {
        env.server.on(e.path, move |_, _| MockResponse::json(answer()));
    }
    (case.call)(&env).await;
    let sent = env.server.requests_to(e.path);
    let all: Vec<_> = env.server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(sent.len(), 1, "{name}: requests to {}, of all requests {all:?}", e.path);
    let rec = &sent[0];
    assert_eq!(rec.method, e.method.as_str(), "{name}: method");

    let mut query = e.query.to_vec();
    if e.cred == (Cred::UserHeader { open_id_query: true }) {
        query.push(("open_id", OPEN_ID));
    }
    if let Cred::Signed { token } = e.cred {
        check_signature(name, rec, e.path, token);
    } else {
        check_query(name, rec, &query);
    }

    let token = rec.header("access-token");
    match e.cred {
        Cred::AppToken => assert_eq!(token, Some(CLIENT_TOKEN), "{name}: the client_token header"),
        Cred::UserHeader { .. } => assert_eq!(token, Some(USER_TOKEN), "{name}: the user's token header"),
        Cred::None | Cred::AppInBody { .. } | Cred::UserInBody | Cred::Signed { .. } => {
            let names: Vec<_> = rec.headers.keys().map(|k| k.as_str()).collect();
            assert!(names.iter().all(|k| !k.contains("token")), "{name}: a token header in {names:?}");
        }
    }
    if e.cred == (Cred::AppInBody { secret: false }) {
        let text = format!("{:?} {:?} {}", rec.query, rec.headers, String::from_utf8_lossy(&rec.body));
        assert!(
            !text.contains("client_secret") && !text.contains(CLIENT_SECRET),
            "{name}: secret sent: {text}"
        );
    }
    // Only a client_token call fetches the client_token, once, with the app's credentials.
    if e.path != TOKEN_PATH {
        let fetches = env.server.requests_to(TOKEN_PATH);
        assert_eq!(fetches.len(), usize::from(e.cred == Cred::AppToken), "{name}: client_token fetches");
        assert!(fetches.iter().all(|f| f.json() == app_credentials()), "{name}: {fetches:?}");
    }

    let content_type = rec.header("content-type");
    let raw_body = String::from_utf8_lossy(&rec.body);
    match e.body {
        Body::None => {
            assert!(rec.body.is_empty(), "{name}: unexpected body {raw_body}");
            let want = (e.method == HttpMethod::Post).then_some(JSON);
            assert_eq!(content_type, want, "{name}: content type of no body");
        }
        Body::Json(want) => {
            assert_eq!(content_type, Some(JSON), "{name}: content type");
            assert_eq!(rec.json(), want(), "{name}: JSON body, raw {raw_body}");
            if matches!(e.cred, Cred::Signed { .. }) {
                let canonical = douyin_alliance::signing::canonical_json(&want());
                assert_eq!(raw_body, canonical, "{name}: the body is not the canonical param_json");
            }
        }
        Body::Form(want) => {
            assert_eq!(content_type, Some(FORM), "{name}: content type");
            assert_eq!(sorted(rec.form()), sorted(want.iter().copied()), "{name}: form, raw {raw_body}");
        }
    }
}

/// Runs every case of a table, each against its own server, and fails naming each case that
/// failed (the panic of each is printed above the summary).
pub async fn check_table(cases: &'static [WireCase]) {
    let runs: Vec<_> = cases.iter().map(|c| tokio::spawn(check_wire(c))).collect();
    let mut failed = Vec::new();
    for (i, run) in runs.into_iter().enumerate() {
        if run.await.is_err() {
            failed.push(format!("[{i}] {}", cases[i].endpoint));
        }
    }
    assert!(failed.is_empty(), "wire cases failed: {}", failed.join(", "));
}

fn check_query(name: &str, rec: &Recorded, want: &[(&str, &str)]) {
    if want.is_empty() {
        assert_eq!(rec.query, None, "{name}: query");
        return;
    }
    let raw = rec.query.as_deref().unwrap_or_default();
    assert_eq!(sorted(rec.query_pairs()), sorted(want.iter().copied()), "{name}: query, raw {raw}");
    assert!(raw.bytes().all(|b| b.is_ascii_graphic() && b != b'#'), "{name}: not percent-encoded: {raw}");
    let parts: Vec<&str> = raw.split('&').collect();
    assert_eq!(parts.len(), want.len(), "{name}: one `&` per parameter: {raw}");
    // Plain values (integers, ids) travel as they are.
    for (k, v) in want.iter().filter(|(_, v)| v.bytes().all(|b| b.is_ascii_alphanumeric())) {
        assert!(parts.contains(&format!("{k}={v}").as_str()), "{name}: `{k}={v}` not in {raw}");
    }
}

/// The gateway's common parameters of a signed call, and its signature over the raw body.
fn check_signature(name: &str, rec: &Recorded, path: &str, token: bool) {
    use douyin_alliance::signing::{verify, SignMethod, Signed};
    let pairs = rec.query_pairs();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let method = path.trim_start_matches('/').replace('/', ".");
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    let mut want = vec!["app_key", "method", "sign", "sign_method", "timestamp", "v"];
    if token {
        want.push("access_token");
        want.sort_unstable();
    }
    assert_eq!(names, want, "{name}: the gateway's query parameters");
    assert_eq!(get("app_key"), Some(DOUDIAN_APP_KEY), "{name}: app_key");
    assert_eq!(get("method"), Some(method.as_str()), "{name}: method");
    assert_eq!(get("v"), Some("2"), "{name}: v");
    assert_eq!(get("sign_method"), Some("hmac-sha256"), "{name}: sign_method");
    assert_eq!(get("access_token"), token.then_some(DOUDIAN_TOKEN), "{name}: access_token");
    let timestamp = get("timestamp").unwrap_or_default();
    let secs: u64 =
        timestamp.parse().unwrap_or_else(|_| panic!("{name}: timestamp `{timestamp}` is not epoch seconds"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    assert!(now.abs_diff(secs) < 60, "{name}: timestamp {secs} is not now ({now})");
    let body = String::from_utf8_lossy(&rec.body);
    let signed = Signed { app_key: DOUDIAN_APP_KEY, method: &method, param_json: &body, timestamp };
    let sign = get("sign").unwrap_or_default();
    assert!(
        verify(&signed, DOUDIAN_APP_SECRET, SignMethod::HmacSha256, sign),
        "{name}: the sign does not verify"
    );
    assert!(!format!("{:?}", rec.headers).contains(DOUDIAN_APP_SECRET), "{name}: the secret travels");
}

fn sorted<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> Vec<(String, String)> {
    let mut v: Vec<_> = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    v.sort();
    v
}

#[test]
fn every_endpoint_has_a_wire_case_and_every_case_an_endpoint() {
    for e in ENDPOINTS {
        let (method, server, path, auth) = spec_says(e);
        let cases: Vec<_> =
            all_cases().filter(|c| c.endpoint == e.name && c.expect.cred.kind() == auth).collect();
        assert!(!cases.is_empty(), "endpoint `{}` ({auth:?}) has no wire case in a `CASES` table", e.name);
        for c in cases {
            let x = c.expect;
            assert_eq!(
                (x.method, x.server, x.path),
                (method, server, path),
                "`{}` ({auth:?}): the case's method, server and path are not the spec's",
                e.name
            );
        }
    }
    for c in all_cases() {
        let kind = c.expect.cred.kind();
        assert!(
            ENDPOINTS.iter().any(|e| e.name == c.endpoint && spec_says(e).3 == kind),
            "a wire case calls `{}` ({kind:?}), which is not an endpoint of the spec",
            c.endpoint
        );
    }
}
