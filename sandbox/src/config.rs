//! Settings of a [`super::Sandbox`]: where it listens, token lifetimes, limits and seeded data.

use crate::spec::Server;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// Options of [`super::Sandbox::start_with`]. The defaults follow the platform (api-facts §4):
/// client_token 2 h with a 5-minute grace, at most 500 client_token calls per 5 minutes,
/// authorization codes 10 min, access_token 15 days, refresh_token 30 days with 5 renewals; on
/// the Doudian gateway access_tokens 7 days and refresh_tokens 14 (doudian-facts §3).
///
/// The sandbox also guards itself against clients that hold it: request headers must arrive
/// within 10 s and bodies within 30 s, at most 1,024 connections are open at once (for all the
/// servers together), and the request log keeps at most 10,000 requests and 64 MiB, each body
/// up to its first 64 KiB (with its full size recorded).
///
/// ```
/// use std::time::Duration;
/// use douyin_sandbox::SandboxConfig;
/// let config = SandboxConfig::default()
///     .access_token_lifetime(Duration::from_secs(1))
///     .orders_per_creator(45);
/// assert_eq!(config.get_access_token_lifetime(), Duration::from_secs(1));
/// ```
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub(crate) host: IpAddr,
    pub(crate) ports: [u16; Server::COUNT],
    pub(crate) client_token_lifetime: Duration,
    pub(crate) client_token_grace: Duration,
    pub(crate) client_token_rate_limit: Option<(usize, Duration)>,
    pub(crate) code_lifetime: Duration,
    pub(crate) access_token_lifetime: Duration,
    pub(crate) refresh_token_lifetime: Duration,
    pub(crate) max_renewals: u32,
    pub(crate) orders_per_creator: usize,
    pub(crate) seeded_products: usize,
    pub(crate) seed: u64,
    pub(crate) log_capacity: usize,
    pub(crate) log_max_bytes: usize,
    pub(crate) log_body_prefix: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) webhook_url: Option<String>,
    pub(crate) webhook_timeout: Duration,
    pub(crate) webhook_retry_delay: Duration,
    pub(crate) rate_limits: crate::throttle::Limits,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) spec_edits: Vec<crate::spec::SpecEdit>,
    pub(crate) spec_dir: Option<std::path::PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: [0; Server::COUNT],
            client_token_lifetime: Duration::from_secs(2 * 3600),
            client_token_grace: Duration::from_secs(5 * 60),
            client_token_rate_limit: Some((500, Duration::from_secs(5 * 60))),
            code_lifetime: Duration::from_secs(10 * 60),
            access_token_lifetime: Duration::from_secs(15 * 86_400),
            refresh_token_lifetime: Duration::from_secs(30 * 86_400),
            max_renewals: 5,
            orders_per_creator: 45,
            seeded_products: 12,
            seed: 0x5EED,
            log_capacity: 10_000,
            log_max_bytes: 64 * 1024 * 1024,
            log_body_prefix: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1_024,
            webhook_url: None,
            webhook_timeout: Duration::from_secs(5),
            webhook_retry_delay: Duration::from_secs(5),
            rate_limits: crate::throttle::Limits::default(),
            redirect_uris: Vec::new(),
            spec_edits: Vec::new(),
            spec_dir: None,
        }
    }
}

impl SandboxConfig {
    /// The address to listen on (default 127.0.0.1).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// Listens on `port` and the ports after it, one per server in
    /// [`crate::endpoint::Server::ALL`] order (open.douyin.com, open.douyinec.com,
    /// lianmengapi.snssdk.com, openapi-fxg.jinritemai.com). 0 (the default) picks free ports.
    pub fn base_port(mut self, port: u16) -> Self {
        self.ports = std::array::from_fn(|i| if port == 0 { 0 } else { port.saturating_add(i as u16) });
        self
    }

    /// One port per server, in [`crate::endpoint::Server::ALL`] order; 0 picks a free one.
    pub fn ports(mut self, ports: [u16; Server::COUNT]) -> Self {
        self.ports = ports;
        self
    }

    /// The app's webhook URL: the sandbox performs the `verify_webhook` handshake at start, then
    /// pushes a signed order event whenever an order is created or changes its flow point.
    pub fn webhook_url(mut self, url: impl Into<String>) -> Self {
        self.webhook_url = Some(url.into());
        self
    }

    /// How long a push waits for the receiver's answer before it counts as failed (default
    /// 5 s, as on the platform).
    pub fn webhook_timeout(mut self, d: Duration) -> Self {
        self.webhook_timeout = d;
        self
    }

    /// The pause before a failed push is retried (default 5 s; it is retried 3 times).
    pub fn webhook_retry_delay(mut self, d: Duration) -> Self {
        self.webhook_retry_delay = d;
        self
    }

    /// Serves the compiled-in spec with `edits` made: a platform that changed since the spec
    /// was written (a field renamed, another envelope, …), for rehearsing `cargo xtask drift`.
    /// Routes, checks and answers follow the edited spec; the client is the one built from the
    /// spec as it is. [`Sandbox::start_with`](crate::Sandbox::start_with) fails with
    /// [`SandboxError::Spec`](crate::SandboxError::Spec) when an edit does not apply once or the
    /// edited spec does not validate.
    pub fn spec_edits(mut self, edits: Vec<crate::spec::SpecEdit>) -> Self {
        self.spec_edits = edits;
        self
    }

    /// Serves the spec in `dir` (its `*.yaml` files, read at start) instead of the compiled-in
    /// one, [`Self::spec_edits`] applying to it: the platform stays what that spec says while
    /// the client is rebuilt from another (as `.ci/drift-loop` does).
    pub fn spec_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.spec_dir = Some(dir.into());
        self
    }

    /// Refuses more than `per_second` requests of the app in any second with 28003018 (请求频率
    /// 过高), as the platform throttles; none by default.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limits.app = Some(per_second);
        self
    }

    /// Refuses more than `per_second` requests of `endpoint` in any second with 28003018.
    pub fn endpoint_rate_limit(mut self, endpoint: impl Into<String>, per_second: u32) -> Self {
        self.rate_limits.endpoints.insert(endpoint.into(), per_second);
        self
    }

    /// Lifetime of a client_token (default 2 h).
    pub fn client_token_lifetime(mut self, d: Duration) -> Self {
        self.client_token_lifetime = d;
        self
    }

    /// How long the previous client_token keeps working after a new one is issued (default 5 min).
    pub fn client_token_grace(mut self, d: Duration) -> Self {
        self.client_token_grace = d;
        self
    }

    /// At most `max` client_token calls per `per` (default 500 per 5 minutes); more answer
    /// error 10020. `None` disables the limit.
    pub fn client_token_rate_limit(mut self, limit: Option<(usize, Duration)>) -> Self {
        self.client_token_rate_limit = limit;
        self
    }

    /// Lifetime of an authorization code (default 10 min), of the OAuth flow and of the Doudian
    /// gateway alike.
    pub fn code_lifetime(mut self, d: Duration) -> Self {
        self.code_lifetime = d;
        self
    }

    /// Registers an OAuth callback of the app (the console's 授权回调). The authorization page
    /// takes a `redirect_uri` whose part before `#` is a registered one, or any
    /// `http://127.0.0.1` / `http://localhost` URL without a query (the sandbox's allowance for
    /// local apps); any other answers `10006`.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Lifetime of a user access_token (default 15 days).
    pub fn access_token_lifetime(mut self, d: Duration) -> Self {
        self.access_token_lifetime = d;
        self
    }

    /// Lifetime of a refresh_token (default 30 days).
    pub fn refresh_token_lifetime(mut self, d: Duration) -> Self {
        self.refresh_token_lifetime = d;
        self
    }

    /// How often a refresh_token chain can be renewed (default 5).
    pub fn max_renewals(mut self, n: u32) -> Self {
        self.max_renewals = n;
        self
    }

    /// Orders seeded for each creator on first use (default 45).
    pub fn orders_per_creator(mut self, n: usize) -> Self {
        self.orders_per_creator = n;
        self
    }

    /// Products added to the catalog besides those in the spec's examples (default 12).
    pub fn seeded_products(mut self, n: usize) -> Self {
        self.seeded_products = n;
        self
    }

    /// Seed of the generated data (same seed, same products and orders).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many requests the request log keeps (default 10 000; counts are kept for all).
    pub fn log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// At most `n` bytes in the request log (default 64 MiB): the oldest requests leave first.
    /// A request counts its kept body, path, query and headers, plus the record's own size;
    /// counts per endpoint are kept for all.
    pub fn log_max_bytes(mut self, n: usize) -> Self {
        self.log_max_bytes = n;
        self
    }

    /// How much of each request body the log keeps (default 64 KiB): longer bodies are kept up
    /// to this prefix, with their full size in [`crate::LoggedRequest::body_len`]. The request
    /// itself is handled whole.
    pub fn log_body_prefix(mut self, n: usize) -> Self {
        self.log_body_prefix = n;
        self
    }

    /// Time a client has to send a request's headers (default 10 s), counted from the moment
    /// the connection is ready for a request (so an idle keep-alive connection is closed
    /// after it too). A connection that takes longer is closed.
    pub fn header_read_timeout(mut self, d: Duration) -> Self {
        self.header_read_timeout = d;
        self
    }

    /// Time a client has to send a request's whole body once its headers arrived (default
    /// 30 s). A request that takes longer (a body shorter than its `Content-Length`, a drip) is
    /// answered 408 and its connection closed.
    pub fn body_read_timeout(mut self, d: Duration) -> Self {
        self.body_read_timeout = d;
        self
    }

    /// At most `n` connections open at once, for all the servers together (default 1,024).
    /// Further connections wait in the listen queue until one closes.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// The configured header read timeout.
    pub fn get_header_read_timeout(&self) -> Duration {
        self.header_read_timeout
    }

    /// The configured body read timeout.
    pub fn get_body_read_timeout(&self) -> Duration {
        self.body_read_timeout
    }

    /// The configured cap on open connections.
    pub fn get_max_connections(&self) -> usize {
        self.max_connections
    }

    /// The configured byte budget of the request log.
    pub fn get_log_max_bytes(&self) -> usize {
        self.log_max_bytes
    }

    /// The configured prefix of each body the request log keeps.
    pub fn get_log_body_prefix(&self) -> usize {
        self.log_body_prefix
    }

    /// Refuses settings the servers cannot run with.
    pub(crate) fn check(&self) -> Result<(), crate::SandboxError> {
        let bad = |m: &str| Err(crate::SandboxError::Config(m.to_string()));
        if self.header_read_timeout.is_zero() {
            return bad("the header read timeout must be longer than zero");
        }
        if self.body_read_timeout.is_zero() {
            return bad("the body read timeout must be longer than zero");
        }
        if self.max_connections == 0 {
            return bad("at least one connection must be allowed");
        }
        // tokio's semaphore holds at most this many permits.
        if self.max_connections > tokio::sync::Semaphore::MAX_PERMITS {
            return bad("the connection cap is larger than the sandbox can count");
        }
        Ok(())
    }

    /// The configured access_token lifetime.
    pub fn get_access_token_lifetime(&self) -> Duration {
        self.access_token_lifetime
    }

    /// The configured ports.
    pub fn get_ports(&self) -> [u16; Server::COUNT] {
        self.ports
    }
}
