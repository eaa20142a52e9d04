//! A local stand-in for the Douyin Alliance platform, driven by the same spec as the client.
//!
//! [`Sandbox::start`] serves the four hosts on free 127.0.0.1 ports. Routes, request checks,
//! credential placement and default answers come from the spec itself (`spec/*.yaml`, compiled
//! in and validated by the generator's validator: [`spec::model`]), so a spec change changes the
//! sandbox too; none of it is compiled into the SDK, which the sandbox uses like any user does.
//! Downstream crates use it in their own tests as a dev-dependency. It behaves like the platform
//! where the platform has rules:
//!
//! - client_tokens live 2 h; a new one leaves the previous one 5 minutes and kills older
//!   ones; the token endpoint is rate-limited (10020);
//! - the user OAuth flow: [`Sandbox::authorize`] (or `GET /platform/oauth/connect/`) gives a
//!   code (10 min, single use), exchanged for an access_token (15 d) and a refresh_token
//!   (30 d); refresh and renew (at most 5 times) follow the platform's rules;
//! - every call checks method, content type, the token's kind, validity, expiry and owner
//!   (`open_id`), and the parameters against the spec, and answers the platform's codes in
//!   the endpoint's envelope;
//! - each creator has a showcase (add, list, remove) and seeded orders (cursor paging, time
//!   windows, order ids); other endpoints answer the spec's example;
//! - the Doudian gateway (`openapi-fxg.jinritemai.com`) serves every signed endpoint of the
//!   spec: the common parameters, timestamp and signature are checked in the gateway's order
//!   against [`Sandbox::DOUDIAN_APP_KEY`] / [`Sandbox::DOUDIAN_APP_SECRET`], then the token and
//!   its kind of authority, then the parameters; refusals carry the gateway's `code` and
//!   `sub_code`. [`Sandbox::doudian_code`] gives an authorization code for `token.create`;
//!   tokens live 7 days (refresh_tokens 14) and `token.refresh` follows the platform's one-hour
//!   rule; `buyin.kolProductShare` answers links to the catalog's product;
//! - faults can be injected per endpoint ([`Sandbox::inject`]), in each endpoint's envelope;
//! - it guards itself against clients that hold it: header and body read timeouts, a cap on
//!   open connections, and a request log bounded by count and bytes ([`SandboxConfig`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use douyin_sandbox::Sandbox;
//! use douyin_alliance::UserAuth;
//! use douyin_alliance::types::{AccessTokenRequest, KolStoreListRequest};
//!
//! let sandbox = Sandbox::start().await?;
//! let client = sandbox.client_builder().build()?;
//! let code = sandbox.authorize("creator-1", &["user_info", "alliance.kol.store_manage"]);
//! let tokens = client.oauth_access_token(&AccessTokenRequest::new(code)).await?;
//! let user = client.user(&UserAuth::new(tokens.open_id, tokens.access_token));
//! let page = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await?;
//! assert_eq!(page.total, Some(0));
//! # Ok(()) }
//! ```

mod auth;
mod authorize_page;
mod catalog;
mod clock;
mod config;
mod faults;
mod gateway;
mod handlers;
mod log;
mod params;
mod push;
mod reply;
mod serve;
pub mod spec;
mod state;
mod throttle;
mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use authorize_page::consent_form;
pub use config::SandboxConfig;
pub use faults::{Fault, FaultRule, ParseFaultError};
pub use gateway::DoudianClock;
pub use log::{LoggedRequest, Received};
pub use push::{PushAttempt, ORDER_EVENT, RETRIES};

use crate::spec::Endpoint;
use douyin_alliance::endpoint::{Authority, Server};
use douyin_alliance::{Client, ClientBuilder};

/// Why the sandbox could not start or take an order.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A listener could not be opened.
    #[error("cannot listen on {addr} for {server}")]
    Bind {
        /// The server it was for.
        server: Server,
        /// The address tried.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// No endpoint of the spec has this name.
    #[error("unknown endpoint `{0}`")]
    UnknownEndpoint(String),
    /// A fault rule does not parse.
    #[error(transparent)]
    Fault(#[from] ParseFaultError),
    /// An option is out of range.
    #[error("invalid sandbox configuration: {0}")]
    Config(String),
    /// The spec compiled into the sandbox does not validate.
    #[error("the sandbox's spec does not validate:\n{0}")]
    Spec(String),
}

/// State shared by the servers and the [`Sandbox`] handle.
pub(crate) struct Shared {
    pub(crate) config: SandboxConfig,
    /// The spec served: the compiled-in one, or it with [`SandboxConfig::spec_edits`] made.
    pub(crate) model: &'static spec::Model,
    pub(crate) clock: clock::Clock,
    routes: HashMap<(Server, String), &'static Endpoint>,
    pub(crate) examples: catalog::Examples,
    pub(crate) catalog: catalog::Catalog,
    pub(crate) templates: state::Templates,
    pub(crate) auth: Mutex<auth::AuthState>,
    /// The Doudian gateway's codes and tokens.
    pub(crate) doudian: Mutex<gateway::DoudianAuthState>,
    /// The Doudian gateway's PIDs, links and colonel activities.
    pub(crate) gateway: Mutex<gateway::GatewayState>,
    pub(crate) data: Mutex<state::DataState>,
    pub(crate) faults: Mutex<faults::FaultTable>,
    pub(crate) log: Mutex<log::RequestLog>,
    /// The platform's rate limits, played.
    pub(crate) throttle: Mutex<throttle::Throttle>,
    /// The webhook pushes, when a URL is configured.
    pub(crate) pusher: Option<push::Pusher>,
    /// Changes (errors) when the sandbox shuts down; cuts injected latency short.
    pub(crate) closing: watch::Receiver<()>,
}

impl Shared {
    /// The endpoint served at `path` on `server`; a trailing slash is optional, as on the
    /// platform, and on the Doudian gateway so is a doubled leading one (the official Go SDK
    /// sends `//buyin/...`).
    pub(crate) fn route(&self, server: Server, path: &str) -> Option<&'static Endpoint> {
        let path = path.trim_end_matches('/');
        let path = match server {
            Server::Doudian => format!("/{}", path.trim_start_matches('/')),
            _ => path.to_string(),
        };
        self.routes.get(&(server, path)).copied()
    }
}

/// Locks a mutex; a panic elsewhere while holding it does not make the state unusable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running sandbox: one HTTP server per [`Server`] on loopback ports.
///
/// Dropping it (or [`Sandbox::shutdown`]) stops the servers.
pub struct Sandbox {
    shared: Arc<Shared>,
    addrs: [SocketAddr; Server::COUNT],
    stop: Option<watch::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addrs", &self.addrs).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// The client_key of the sandbox's app.
    pub const CLIENT_KEY: &'static str = "awsandboxclientkey";
    /// The client_secret of the sandbox's app (a public test value, not a secret).
    pub const CLIENT_SECRET: &'static str = "sandbox-client-secret";
    /// The creator the authorization page picks when no `open_id` is given.
    pub const DEFAULT_OPEN_ID: &'static str = "sandbox-open-id";
    /// The app_key of the sandbox's Doudian app (19 digits, as the platform's are).
    pub const DOUDIAN_APP_KEY: &'static str = "7300000000000000017";
    /// The app_secret of the sandbox's Doudian app (a public test value, not a secret).
    pub const DOUDIAN_APP_SECRET: &'static str = "5a4db0c5-d0d1-4a4e-8b1e-5a4db0c5d0d1";

    /// Starts the sandbox with the default [`SandboxConfig`] on free 127.0.0.1 ports.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Starts the sandbox with `config`.
    pub async fn start_with(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        config.check()?;
        let model = spec::model_with(config.spec_dir.as_deref(), &config.spec_edits)?;
        let examples = catalog::Examples::from_spec(model);
        let catalog = catalog::Catalog::build(&examples, config.seeded_products, config.seed);
        let templates = state::Templates::from_examples(&examples);
        let routes = model
            .endpoints
            .iter()
            .map(|e| ((e.server(), e.path().trim_end_matches('/').to_string()), e))
            .collect();
        let (stop, closing) = watch::channel(());
        let mut listeners = Vec::new();
        for (server, port) in Server::ALL.iter().zip(config.ports) {
            let addr = SocketAddr::new(config.host, port);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| SandboxError::Bind { server: *server, addr, source })?;
            let local = listener.local_addr().map_err(|source| SandboxError::Bind {
                server: *server,
                addr,
                source,
            })?;
            listeners.push((*server, listener, local));
        }
        let shared = Arc::new(Shared {
            model,
            clock: clock::Clock::default(),
            routes,
            examples,
            catalog,
            templates,
            auth: Mutex::new(auth::AuthState::default()),
            doudian: Mutex::new(gateway::DoudianAuthState::default()),
            gateway: Mutex::new(gateway::GatewayState::default()),
            data: Mutex::new(state::DataState::default()),
            faults: Mutex::new(faults::FaultTable::default()),
            log: Mutex::new(log::RequestLog::new(config.log_capacity, config.log_max_bytes)),
            closing: closing.clone(),
            throttle: Mutex::default(),
            pusher: config
                .webhook_url
                .clone()
                .map(|url| push::Pusher::new(url, config.webhook_timeout, config.webhook_retry_delay)),
            config,
        });
        if let Some(p) = &shared.pusher {
            p.handshake(rand::random::<u32>() as i64);
        }
        let mut addrs = Vec::new();
        let mut tasks = Vec::new();
        let connections = Arc::new(tokio::sync::Semaphore::new(shared.config.max_connections));
        for (server, listener, local) in listeners {
            let ctx = handlers::ServerCtx { shared: shared.clone(), server };
            let app = axum::Router::new().fallback(handlers::handle).with_state(ctx);
            tasks.push(tokio::spawn(serve::serve(
                listener,
                app,
                server,
                shared.config.header_read_timeout,
                connections.clone(),
                closing.clone(),
            )));
            addrs.push(local);
        }
        let addrs: [SocketAddr; Server::COUNT] =
            addrs.try_into().map_err(|_| SandboxError::Config("one listener per server expected".into()))?;
        Ok(Sandbox { shared, addrs, stop: Some(stop), tasks })
    }

    /// The address `server` listens on.
    pub fn addr(&self, server: Server) -> SocketAddr {
        self.addrs[server.index()]
    }

    /// The base URL of `server` (`http://127.0.0.1:PORT`).
    pub fn base_url(&self, server: Server) -> String {
        format!("http://{}", self.addr(server))
    }

    /// A client builder pointed at every server, with the sandbox app's credentials (its
    /// client_key / client_secret, and its Doudian app_key / app_secret).
    pub fn client_builder(&self) -> ClientBuilder {
        let builder = Client::builder()
            .credentials(Self::CLIENT_KEY, Self::CLIENT_SECRET)
            .doudian_credentials(Self::DOUDIAN_APP_KEY, Self::DOUDIAN_APP_SECRET);
        Server::ALL.iter().fold(builder, |b, s| b.base_url(*s, self.base_url(*s)))
    }

    /// The settings the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// An authorization code for `open_id` with `scopes`, as if that creator had authorized
    /// the app; exchange it with [`Client::oauth_access_token`].
    pub fn authorize(&self, open_id: &str, scopes: &[&str]) -> String {
        let now = self.shared.clock.now();
        lock(&self.shared.auth).authorize(open_id, &scopes.join(","), now, &self.shared.config)
    }

    /// A Doudian authorization code, as if a new subject of kind `authority` had authorized the
    /// sandbox's Doudian app: exchange it with `token.create` (`grant_type:
    /// authorization_code`) within [`SandboxConfig::code_lifetime`] (10 minutes by default),
    /// once. The tokens stand for that `authority`, with a fresh `authority_id`.
    pub fn doudian_code(&self, authority: Authority) -> String {
        let now = self.shared.clock.now();
        let grant = gateway::Grant::fresh(authority);
        lock(&self.shared.doudian).mint_code(grant, now, self.shared.config.code_lifetime)
    }

    /// A hook for clients of the Doudian gateway whose clock should move with the sandbox's
    /// ([`Sandbox::advance_clock`]): without it, a signed call after the clock moved more than
    /// 10 minutes is refused `isv.timestamp-invalid`, as the gateway refuses a client whose
    /// clock is off. See [`DoudianClock`].
    pub fn doudian_clock(&self) -> DoudianClock {
        DoudianClock { shared: self.shared.clone() }
    }

    /// Every scope the spec's user calls need, with `user_info`: what a creator who grants the
    /// app everything authorizes.
    pub fn all_scopes() -> Vec<&'static str> {
        let mut scopes = vec!["user_info"];
        let endpoints = crate::spec::model().map(|m| m.endpoints.as_slice()).unwrap_or_default();
        for e in endpoints {
            for s in e.scopes() {
                if !scopes.contains(&s) {
                    scopes.push(s);
                }
            }
        }
        scopes
    }

    /// An authorization code for `open_id` with [`Sandbox::all_scopes`].
    pub fn authorize_all(&self, open_id: &str) -> String {
        self.authorize(open_id, &Self::all_scopes())
    }

    /// Creates an order for creator `open_id` (paid now) and pushes it to the webhook URL;
    /// returns the order as `kol_orders` and the push show it.
    pub fn create_order(&self, open_id: &str) -> serde_json::Value {
        let sh = &self.shared;
        let order = lock(&sh.data).create_order(
            open_id,
            sh.clock.unix_secs(),
            sh.config.orders_per_creator,
            sh.config.seed,
            &sh.catalog,
            &sh.templates,
        );
        if let Some(p) = &sh.pusher {
            p.order(open_id, &order);
        }
        order
    }

    /// Moves order `order_id` to `flow_point` (`PAY_SUCC`, `CONFIRM`, `SETTLE`, `REFUND`) and
    /// pushes it; `false` when no creator has that order.
    pub fn set_order_flow_point(&self, order_id: u64, flow_point: &str) -> bool {
        let sh = &self.shared;
        let changed = lock(&sh.data).set_flow_point(order_id, flow_point, sh.clock.unix_secs());
        match (changed, &sh.pusher) {
            (Some((open_id, order)), Some(p)) => {
                p.order(&open_id, &order);
                true
            }
            (changed, _) => changed.is_some(),
        }
    }

    /// How many requests of `endpoint` the sandbox's rate limits refused (28003018; on the
    /// Doudian gateway 60000 `isv.traffic-limited`).
    pub fn rate_limited(&self, endpoint: &str) -> usize {
        lock(&self.shared.throttle).refused(endpoint)
    }

    /// Every webhook push attempt so far, in the order they ended.
    pub fn push_attempts(&self) -> Vec<PushAttempt> {
        self.shared.pusher.as_ref().map(push::Pusher::attempts).unwrap_or_default()
    }

    /// Answers the next `times` requests of `endpoint` with `fault` (after faults queued
    /// earlier for it are used up).
    pub fn inject(&self, endpoint: &str, fault: Fault, times: usize) -> Result<(), SandboxError> {
        if times == 0 {
            return Err(SandboxError::Config("a fault must apply to at least one request".into()));
        }
        self.add_fault(FaultRule { endpoint: endpoint.to_string(), fault, times: Some(times) })
    }

    /// Answers every request of `endpoint` (`*`: of every endpoint) with `fault` until
    /// [`Sandbox::clear_faults`].
    pub fn inject_always(&self, endpoint: &str, fault: Fault) -> Result<(), SandboxError> {
        self.add_fault(FaultRule { endpoint: endpoint.to_string(), fault, times: None })
    }

    /// Adds a parsed fault rule (see [`FaultRule`]).
    pub fn add_fault(&self, rule: FaultRule) -> Result<(), SandboxError> {
        if rule.endpoint != "*" && !self.shared.model.endpoints.iter().any(|e| e.name == rule.endpoint) {
            return Err(SandboxError::UnknownEndpoint(rule.endpoint));
        }
        lock(&self.shared.faults).add(rule);
        Ok(())
    }

    /// Removes every waiting fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Moves the sandbox's clock forward: tokens and codes expire as if the time had passed.
    /// The Doudian gateway checks the timestamps of signed calls against this clock too: give
    /// clients [`Sandbox::doudian_clock`] to keep theirs in step.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// How many requests reached the client_token endpoint.
    pub fn client_token_requests(&self) -> usize {
        self.requests("oauth_client_token")
    }

    /// How many requests reached `endpoint` (whatever the answer).
    pub fn requests(&self, endpoint: &str) -> usize {
        lock(&self.shared.log).count(endpoint)
    }

    /// The bytes the request log holds now (at most [`SandboxConfig::log_max_bytes`]): each
    /// kept request's body prefix, path, query and headers, and its record.
    pub fn request_log_bytes(&self) -> usize {
        lock(&self.shared.log).bytes()
    }

    /// Every logged request, oldest first (up to the configured capacity and byte budget).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).entries()
    }

    /// The logged requests of `endpoint`, oldest first.
    pub fn requests_to(&self, endpoint: &str) -> Vec<LoggedRequest> {
        self.request_log().into_iter().filter(|r| r.endpoint == Some(endpoint)).collect()
    }

    /// Empties the request log and the counters.
    pub fn clear_log(&self) {
        lock(&self.shared.log).clear();
    }

    /// Stops the servers: no new connections, in-flight requests finish (injected latency is
    /// cut short); waits at most 5 seconds.
    pub async fn shutdown(mut self) {
        self.stop.take();
        for mut task in std::mem::take(&mut self.tasks) {
            if tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err() {
                task.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Closing the channel tells every server to shut down.
        self.stop.take();
    }
}
