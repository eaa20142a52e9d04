//! The client and its configuration.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use crate::auth::client_token::{TokenCache, TokenTiming};
use crate::auth::store::{documented, lifetime, MemoryTokenStore, StoredToken, TokenStore};
use crate::auth::user::UserCreds;
use crate::auth::UserSession;
use crate::endpoint::{Endpoint, Server};
use crate::{Error, ErrorKind, Hook, Result, RetryPolicy, Secret, UserAuth, UserClient};

/// The default user agent.
pub const DEFAULT_USER_AGENT: &str = concat!("douyin-alliance-rust/", env!("CARGO_PKG_VERSION"));

/// A client of the Douyin Alliance open platform. Cheap to clone (one `Arc`); `Send + Sync`;
/// every clone shares the connection pool and the client_token.
///
/// App-level endpoints (`auth: client_token` and `auth: none`) are methods of `Client`; user
/// endpoints are methods of [`UserClient`], made with [`Client::user`].
///
/// ```no_run
/// # async fn run() -> douyin_alliance::Result<()> {
/// use douyin_alliance::{Client, UserAuth};
/// use douyin_alliance::types::{KolStoreListRequest, MaterialsProductCategoryRequest};
/// let client = Client::builder().credentials("client_key", "client_secret").build()?;
/// let categories = client.materials_product_category(&MaterialsProductCategoryRequest::new(0)).await?;
/// let user = client.user(&UserAuth::new("open_id", "act.token"));
/// let page = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) config: Config,
    pub(crate) tokens: TokenCache,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) timing: TokenTiming,
    pub(crate) hooks: Vec<Arc<dyn Hook>>,
    pub(crate) limiter: crate::limit::Limiter,
}

/// Settings of a [`Client`].
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) client_key: String,
    pub(crate) client_secret: Secret,
    pub(crate) base_urls: [Url; 3],
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) user_agent: HeaderValue,
    /// Fetch the client_token from `/oauth/stable_client_token/`.
    pub(crate) stable_client_token: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("Client")
            .field("client_key", &c.client_key)
            .field("client_secret", &c.client_secret)
            .field("base_urls", &c.base_urls.iter().map(Url::as_str).collect::<Vec<_>>())
            .field("timeout", &c.timeout)
            .field("retry", &c.retry)
            .field("max_response_bytes", &c.max_response_bytes)
            .field("hooks", &self.inner.hooks.len())
            .finish()
    }
}

impl Client {
    /// A builder with the defaults: production hosts, 10 s connect and 30 s request timeouts,
    /// [`RetryPolicy::default`], 16 MiB response limit, an in-memory token store.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A handle that calls user endpoints with `user`'s access_token and open_id.
    pub fn user(&self, user: &UserAuth) -> UserClient {
        UserClient { client: self.clone(), creds: UserCreds::Fixed(user.clone()) }
    }

    /// A handle that calls user endpoints with the tokens of `session`, refreshing the user's
    /// access_token (and renewing the refresh_token) as needed.
    pub fn user_session(&self, session: &UserSession) -> UserClient {
        UserClient { client: self.clone(), creds: UserCreds::Session(session.clone()) }
    }

    /// The app's client_key.
    pub fn client_key(&self) -> &str {
        &self.inner.config.client_key
    }

    /// The base URL used for `server`.
    pub fn base_url(&self, server: Server) -> &Url {
        &self.inner.config.base_urls[server.index()]
    }

    /// The full URL of `endpoint` on this client's hosts.
    pub(crate) fn url_of(&self, endpoint: &Endpoint) -> Url {
        endpoint_url(self.base_url(endpoint.server), endpoint.path)
    }

    /// The current client_token, fetched (once, for all concurrent callers) when none is cached.
    ///
    /// The future is boxed: fetching the token is itself a call, so the types would otherwise
    /// be recursive.
    pub fn client_token(&self) -> crate::auth::store::BoxFuture<'_, Result<Secret>> {
        Box::pin(async move {
            let this = self.clone();
            self.inner
                .tokens
                .get(move || {
                    let this = this.clone();
                    async move {
                        let t = if this.inner.config.stable_client_token {
                            this.oauth_stable_client_token().await?
                        } else {
                            this.oauth_client_token().await?
                        };
                        let life = lifetime(t.expires_in, "client_token", documented::CLIENT_TOKEN);
                        Ok(StoredToken::expiring_in(t.access_token, life))
                    }
                })
                .await
        })
    }

    /// Forgets `token` if it is the cached client_token, so the next call fetches a new one.
    pub async fn invalidate_client_token(&self, token: &Secret) {
        self.inner.tokens.invalidate(token).await;
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use douyin_alliance::{Client, RetryPolicy, endpoint::Server};
/// let client = Client::builder()
///     .credentials("my_client_key", "my_client_secret")
///     .base_url(Server::OpenDouyinEc, "http://127.0.0.1:8080")
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::disabled())
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("my_client_secret"));
/// ```
pub struct ClientBuilder {
    client_key: String,
    client_secret: Secret,
    base_urls: [String; 3],
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: usize,
    user_agent: String,
    http: Option<reqwest::Client>,
    store: Option<Arc<dyn TokenStore>>,
    hooks: Vec<Arc<dyn Hook>>,
    timing: TokenTiming,
    stable_client_token: bool,
    rate_limits: crate::limit::RateLimits,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            client_key: String::new(),
            client_secret: Secret::default(),
            base_urls: Server::ALL.map(|s| s.default_base_url().to_string()),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_response_bytes: 16 * 1024 * 1024,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            http: None,
            store: None,
            hooks: Vec::new(),
            timing: TokenTiming::default(),
            stable_client_token: false,
            rate_limits: crate::limit::RateLimits::new(),
        }
    }
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client_key", &self.client_key)
            .field("client_secret", &self.client_secret)
            .field("base_urls", &self.base_urls)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The app's client_key and client_secret (needed for app-level calls and OAuth).
    pub fn credentials(mut self, client_key: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        self.client_key = client_key.into();
        self.client_secret = client_secret.into();
        self
    }

    /// Sends calls for `server` to `base_url` instead of the production host (tests, sandbox,
    /// proxies).
    pub fn base_url(mut self, server: Server, base_url: impl Into<String>) -> Self {
        self.base_urls[server.index()] = base_url.into();
        self
    }

    /// Time allowed to open a connection (default 10 s). Ignored with [`Self::http_client`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed for one attempt, from sending to the last byte of the body (default 30 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Largest response body accepted, in bytes (default 16 MiB).
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Uses a caller-configured `reqwest::Client` (proxies, TLS settings, pool tuning).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Where the client_token and user sessions are kept; share a store (for example
    /// `auth::redis::RedisTokenStore`) between replicas to share the tokens.
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Adds a hook that sees every request and outcome.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// How long before expiry the client_token is refreshed (default 5 minutes).
    pub fn token_refresh_margin(mut self, d: Duration) -> Self {
        self.timing.margin = d;
        self
    }

    /// How long a refresh lock lives if its holder dies (default 10 s), and how often waiters
    /// look for the token (default 50 ms).
    pub fn token_lock(mut self, ttl: Duration, poll: Duration) -> Self {
        self.timing.lock_ttl = ttl;
        self.timing.poll = poll;
        self
    }

    /// Fetches the client_token from `/oauth/stable_client_token/` instead of
    /// `/oauth/client_token/` (default off). The stable endpoint answers with the current token
    /// while it is valid instead of minting a new one, so replicas that each fetch do not
    /// invalidate one another's tokens. Evidence: one official doc page (api-facts §4).
    pub fn stable_client_token(mut self, on: bool) -> Self {
        self.stable_client_token = on;
        self
    }

    /// Client-side rate limits, for the app and per endpoint, shared by a fleet through a
    /// shared store (see [`crate::limit`]). Off by default, except a ceiling on client_token
    /// fetches.
    pub fn rate_limits(mut self, limits: crate::limit::RateLimits) -> Self {
        self.rate_limits = limits;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let config_err = |m: String| Error::new("client", ErrorKind::Config(m));
        let mut urls = Vec::new();
        for (server, raw) in Server::ALL.iter().zip(&self.base_urls) {
            let url =
                Url::parse(raw).map_err(|e| config_err(format!("base URL `{raw}` of {server}: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
                return Err(config_err(format!("base URL `{raw}` of {server} is not an http(s) URL")));
            }
            urls.push(url);
        }
        let base_urls: [Url; 3] = urls.try_into().map_err(|_| config_err("three base URLs".into()))?;
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .pool_idle_timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| config_err(format!("HTTP client: {e}")))?,
        };
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| config_err(format!("user agent `{}` cannot be a header value", self.user_agent)))?;
        let store = self.store.unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let key = format!("{}:client_token", self.client_key);
        let limiter = crate::limit::Limiter::new(self.rate_limits, &self.client_key);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                config: Config {
                    client_key: self.client_key,
                    client_secret: self.client_secret,
                    base_urls,
                    timeout: self.timeout,
                    retry: self.retry,
                    max_response_bytes: self.max_response_bytes,
                    user_agent,
                    stable_client_token: self.stable_client_token,
                },
                tokens: TokenCache::new(store.clone(), key, self.timing),
                store,
                timing: self.timing,
                hooks: self.hooks,
                limiter,
            }),
        })
    }
}

/// `path` appended to the path of `base` (which may carry a prefix, as a proxy's does).
fn endpoint_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url
}
