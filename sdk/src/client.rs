//! The client and its configuration.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use crate::auth::client_token::{TokenCache, TokenTiming};
use crate::auth::store::{documented, lifetime, MemoryTokenStore, StoredToken, TokenStore};
use crate::auth::user::UserCreds;
use crate::auth::UserSession;
use crate::endpoint::{RestBinding, Server};
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
    pub(crate) base_urls: [Url; Server::COUNT],
    pub(crate) timeout: Duration,
    /// The connect timeout of the SDK's own HTTP client; `None` with a caller-supplied one,
    /// whose setting cannot be read.
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) user_agent: HeaderValue,
    /// Fetch the client_token from `/oauth/stable_client_token/`.
    pub(crate) stable_client_token: bool,
    /// The app's Doudian gateway credentials and digest.
    pub(crate) doudian: DoudianApp,
}

/// The app's Doudian gateway credentials: what signs every gateway call.
#[derive(Clone, Default)]
pub(crate) struct DoudianApp {
    pub(crate) app_key: String,
    pub(crate) app_secret: Secret,
    pub(crate) sign_method: crate::signing::SignMethod,
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
    pub(crate) fn url_of(&self, rest: &RestBinding) -> Url {
        endpoint_url(self.base_url(rest.server), rest.path)
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
                        let stable = this.inner.config.stable_client_token;
                        let t = crate::auth::TokenApi::fetch_app_token(&this, stable).await?;
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
    base_urls: [String; Server::COUNT],
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
    doudian: DoudianApp,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            client_key: String::new(),
            client_secret: Secret::default(),
            base_urls: Server::ALL.map(Server::default_base_url),
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
            doudian: DoudianApp::default(),
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

    /// The app's Doudian gateway `app_key` and `app_secret`, which sign every call of the
    /// Doudian family (a separate app from the open.douyin.com `client_key`).
    pub fn doudian_credentials(mut self, app_key: impl Into<String>, app_secret: impl Into<Secret>) -> Self {
        self.doudian.app_key = app_key.into();
        self.doudian.app_secret = app_secret.into();
        self
    }

    /// How Doudian gateway calls are signed: HMAC-SHA256 (the default) or MD5.
    pub fn doudian_sign_method(mut self, method: crate::signing::SignMethod) -> Self {
        self.doudian.sign_method = method;
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

    /// Uses a caller-configured `reqwest::Client` (proxies, TLS settings, pool tuning) instead
    /// of the SDK's own.
    ///
    /// It **must not follow redirects**: build it with
    /// `.redirect(reqwest::redirect::Policy::none())`. reqwest's default policy follows up to 10
    /// redirects and strips only the standard credential headers on the way to another host, so
    /// a redirect would carry the `access-token` header there, and a 307 of a token fetch would
    /// post the client_secret again to the other host. The SDK never follows a redirect itself:
    /// a 3xx is an [`ErrorKind::HttpStatus`] naming the status and the target host.
    ///
    /// reqwest does not expose a client's policy; [`Self::build`] reads what the client's
    /// `Debug` output shows of it. It refuses a client that follows redirects (the default
    /// policy, or `Policy::limited(n)` with `n > 0`) with [`ErrorKind::Config`], and logs a
    /// warning (`tracing`) for a client whose policy it cannot tell (`Policy::custom`): such a
    /// policy must stop every redirect.
    ///
    /// [`Self::connect_timeout`] does not apply to it (set it on the `reqwest::Client`);
    /// [`Self::timeout`] does, per request.
    ///
    /// ```
    /// let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    /// assert!(douyin_alliance::Client::builder().http_client(http).build().is_ok());
    /// let follows = reqwest::Client::new();
    /// let err = douyin_alliance::Client::builder().http_client(follows).build().unwrap_err();
    /// assert!(err.to_string().contains("follows redirects"), "{err}");
    /// ```
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

    /// Records what every answer really carried into `recorder` (kinds and counts per JSON
    /// path, unknown keys, lenient misses, envelopes; never values): see [`crate::drift`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use douyin_alliance::{drift::DriftRecorder, Client};
    /// let recorder = Arc::new(DriftRecorder::new());
    /// let client = Client::builder().credentials("k", "s").record_drift(recorder.clone()).build().unwrap();
    /// // … calls …
    /// let snapshot = recorder.snapshot(); // merge replicas' snapshots, write them as JSON
    /// assert!(snapshot.endpoints.is_empty());
    /// ```
    pub fn record_drift(self, recorder: Arc<crate::drift::DriftRecorder>) -> Self {
        self.hook(recorder)
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
        let base_urls: [Url; Server::COUNT] =
            urls.try_into().map_err(|_| config_err("one base URL per server".into()))?;
        let (http, connect_timeout) = match self.http {
            Some(h) => {
                match redirects_of(&h) {
                    Redirects::Never => {}
                    Redirects::Follow(policy) => {
                        return Err(config_err(format!(
                            "the reqwest::Client given to http_client follows redirects ({policy}), which \
                             would carry the credentials to another host; build it with \
                             .redirect(reqwest::redirect::Policy::none())"
                        )));
                    }
                    Redirects::Unknown => tracing::warn!(
                        "cannot tell whether the reqwest::Client given to http_client follows redirects; \
                         it must not (reqwest::redirect::Policy::none()), or a redirect would carry the \
                         credentials to another host"
                    ),
                }
                (h, None)
            }
            None => {
                let http = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .pool_idle_timeout(Duration::from_secs(60))
                    // A redirect would carry the credentials to wherever it points; a 3xx is an
                    // error instead (`transport::redirect`).
                    .redirect(reqwest::redirect::Policy::none())
                    .referer(false)
                    .build()
                    .map_err(|e| config_err(format!("HTTP client: {e}")))?;
                (http, Some(self.connect_timeout))
            }
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
                    connect_timeout,
                    retry: self.retry,
                    max_response_bytes: self.max_response_bytes,
                    user_agent,
                    stable_client_token: self.stable_client_token,
                    doudian: self.doudian,
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

/// Whether a `reqwest::Client` follows redirects, as far as can be told.
#[derive(Debug, PartialEq, Eq)]
enum Redirects {
    /// It stops at the first redirect.
    Never,
    /// It follows them, under this policy.
    Follow(String),
    /// Its policy cannot be read (a custom one, or an output this version does not know).
    Unknown,
}

/// reqwest exposes no client's redirect policy; its `Debug` output (reqwest 0.12) shows
/// `redirect_policy: "Policy(..)"` when the policy is not the default (up to 10 redirects), and
/// nothing when it is. The unit tests pin this reading to the reqwest in use.
fn redirects_of(http: &reqwest::Client) -> Redirects {
    let text = format!("{http:?}");
    // Only the fields before the headers, so that no header value can pass for a policy.
    let fields = text.split("default_headers:").next().unwrap_or_default();
    if !fields.starts_with("Client {") || !fields.contains("accepts:") {
        return Redirects::Unknown;
    }
    let Some(rest) = fields.split("redirect_policy: \"").nth(1) else {
        return Redirects::Follow("reqwest's default policy, up to 10 redirects".into());
    };
    match rest.split('"').next().unwrap_or_default() {
        "Policy(None)" | "Policy(Limit(0))" => Redirects::Never,
        p if p.starts_with("Policy(Limit(") => Redirects::Follow(p.to_string()),
        _ => Redirects::Unknown,
    }
}

/// `path` appended to the path of `base` (which may carry a prefix, as a proxy's does).
pub(crate) fn endpoint_url(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::redirect::Policy;

    fn client(policy: Option<Policy>) -> reqwest::Client {
        let b = reqwest::Client::builder();
        let b = match policy {
            Some(p) => b.redirect(p),
            None => b,
        };
        b.build().expect("a reqwest client")
    }

    #[test]
    fn the_redirect_policy_of_a_reqwest_client_is_read_from_its_debug_output() {
        assert!(matches!(redirects_of(&client(None)), Redirects::Follow(p) if p.contains("default")));
        assert_eq!(
            redirects_of(&reqwest::Client::new()),
            Redirects::Follow("reqwest's default policy, up to 10 redirects".into())
        );
        assert_eq!(redirects_of(&client(Some(Policy::none()))), Redirects::Never);
        assert_eq!(redirects_of(&client(Some(Policy::limited(0)))), Redirects::Never);
        assert!(
            matches!(redirects_of(&client(Some(Policy::limited(3)))), Redirects::Follow(p) if p.contains("Limit(3)"))
        );
        assert_eq!(redirects_of(&client(Some(Policy::custom(|a| a.stop())))), Redirects::Unknown);
        // A header that looks like a policy does not fool it.
        let mut headers = reqwest::header::HeaderMap::new();
        headers
            .insert("x-note", reqwest::header::HeaderValue::from_static("redirect_policy: \"Policy(None)\""));
        let sneaky = reqwest::Client::builder().default_headers(headers).build().expect("a reqwest client");
        assert!(matches!(redirects_of(&sneaky), Redirects::Follow(_)));
    }

    #[test]
    fn a_caller_client_that_follows_redirects_is_refused_and_one_that_does_not_is_taken() {
        let err = Client::builder().http_client(reqwest::Client::new()).build().unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err}");
        assert!(err.to_string().contains("Policy::none()"), "{err}");
        let c = Client::builder().http_client(client(Some(Policy::none()))).build().expect("builds");
        assert_eq!(c.inner.config.connect_timeout, None);
        assert!(Client::builder().http_client(client(Some(Policy::custom(|a| a.stop())))).build().is_ok());
        let own = Client::builder().connect_timeout(Duration::from_secs(3)).build().expect("builds");
        assert_eq!(own.inner.config.connect_timeout, Some(Duration::from_secs(3)));
    }
}
