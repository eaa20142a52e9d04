//! The web authorization flow between the authorize URL and the session: a state that stops
//! CSRF and replay, the callback, and scopes granted fewer than asked
//! (`coverage-facts.md` Part B).
//!
//! [`AuthorizationFlow::start`] makes a state of 128 random bits and a browser binding of 128
//! more, keeps the state in the client's [`crate::TokenStore`] (so any replica can finish it:
//! Redis or SQL for a fleet) with the binding's SHA-256 and an expiry of 10 minutes (the code's
//! own lifetime), and gives the authorize URL carrying the state. The app hands the binding to
//! the browser (`douyin-alliance-axum::oauth` puts it in a signed `HttpOnly` cookie).
//!
//! [`AuthorizationFlow::finish`] takes the callback's query and the browser's binding. It
//! refuses a missing state, one the store does not hold (never issued, or expired), one bound
//! to another browser (compared in constant time) and one already used; the store's lock on
//! the state's key makes its first use the only one, across replicas. Then it exchanges the
//! code once and keeps the session; the outcome says which required scopes the user did not
//! grant (the callback's `scopes`).

use std::time::Duration;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

use super::AuthorizeUrl;
use crate::auth::store::StoredToken;
use crate::auth::UserSession;
use crate::endpoint::Endpoint;
use crate::{Client, Secret};

/// How long a state may be finished: the authorization code's own lifetime.
pub const STATE_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// An authorization in progress: where to send the browser, and what the browser must bring
/// back.
#[derive(Debug, Clone)]
pub struct Started {
    /// The authorize URL (with the state).
    pub url: Url,
    /// The state the URL carries (random, 128 bits; not a secret on its own).
    pub state: String,
    /// What binds the state to this browser: keep it in the browser only (an `HttpOnly`
    /// cookie), never in the URL.
    pub binding: Secret,
}

/// What the platform's redirect to the callback carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Callback {
    /// The authorization code (10 minutes, single use).
    pub code: Option<String>,
    /// The state, as sent (empty when none was: the platform still writes `state=`).
    pub state: Option<String>,
    /// The scopes the user granted, comma-joined (`scopes=user_info,…`).
    pub scopes: Option<String>,
    /// An error the platform (or a decline) reports, when it does: `error`, or `error_code`.
    pub error: Option<String>,
    /// Its description.
    pub error_description: Option<String>,
}

impl Callback {
    /// Reads the callback's query string (with or without the leading `?`).
    pub fn from_query(query: &str) -> Callback {
        let mut c = Callback::default();
        for (k, v) in url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "code" => c.code = v,
                "state" => c.state = v,
                "scopes" => c.scopes = v,
                "error" | "error_code" if c.error.is_none() => c.error = v,
                "error_description" | "description" => c.error_description = v,
                _ => {}
            }
        }
        c
    }
}

/// Why a callback is refused. Nothing was exchanged and no session was kept (except where an
/// error says the exchange itself failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The callback has no state, or an empty one.
    #[error(
        "the callback carries no state: refused (it did not come from an authorization this app started)"
    )]
    MissingState,
    /// The browser brought no binding (no cookie).
    #[error("the browser brought no binding for the state (its cookie is missing): refused")]
    MissingBinding,
    /// The store holds no such state: never issued, or expired (10 minutes).
    #[error("the state is unknown or expired (states live {} minutes): refused", STATE_LIFETIME.as_secs() / 60)]
    UnknownState,
    /// The state was started in another browser.
    #[error("the state was started in another browser: refused")]
    OtherBrowser,
    /// The state was used already (a replayed callback).
    #[error("the state was used already: refused (a callback URL works once)")]
    StateUsed,
    /// The user declined, or the platform reported an error.
    #[error("the authorization did not complete: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Declined {
        /// The platform's error.
        error: String,
        /// Its description.
        description: Option<String>,
    },
    /// A valid state but no code.
    #[error("the callback carries no authorization code")]
    MissingCode,
    /// The token store could not be asked.
    #[error("the token store failed: {0}")]
    Store(String),
    /// Exchanging the code failed (e.g. `10007`: the code expired or was used).
    #[error("exchanging the authorization code failed: {0}")]
    Exchange(#[source] crate::Error),
}

/// Whether the user granted every scope the app requires.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Grant {
    /// Every required scope.
    Complete,
    /// These required scopes were not granted (the user unticked them, or the app lacks them).
    Missing(Vec<String>),
    /// The callback did not say which scopes were granted.
    Unknown,
}

/// A finished authorization: the user's session, kept in the token store, and what was granted.
#[derive(Debug, Clone)]
pub struct Authorized {
    /// The session (its tokens are in the client's token store).
    pub session: UserSession,
    /// The scopes granted, as the callback listed them.
    pub granted: Vec<String>,
    /// Required scopes against granted ones.
    pub grant: Grant,
}

/// The web authorization flow of one app: [`Self::start`] when the user clicks "Log in with
/// Douyin", [`Self::finish`] at the callback.
///
/// ```no_run
/// use douyin_alliance::oauth::{AuthorizationFlow, Callback};
/// use douyin_alliance::{endpoints, Client};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder().credentials("my_key", "my_secret").build()?;
/// let flow = AuthorizationFlow::new(&client, "https://app.example.com/douyin/callback")
///     .endpoints([&endpoints::KOL_STORE_LIST, &endpoints::KOL_ORDERS]);
/// let started = flow.start().await?;
/// // Redirect the browser to `started.url`, keeping `started.binding` in an HttpOnly cookie.
/// // At the callback:
/// let callback = Callback::from_query("code=abc&state=…&scopes=alliance.kol.store_manage");
/// let done = flow.finish(&callback, started.binding.expose()).await?;
/// println!("{:?}", done.grant);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AuthorizationFlow {
    client: Client,
    /// The authorize URL without its state: the scopes asked for and the callback.
    url: AuthorizeUrl,
}

impl AuthorizationFlow {
    /// A flow of `client`'s app, whose callback is `redirect_uri` (registered for the app;
    /// the platform takes no custom query parameters in it).
    pub fn new(client: &Client, redirect_uri: impl Into<String>) -> Self {
        AuthorizationFlow {
            client: client.clone(),
            url: AuthorizeUrl::new(client).redirect_uri(redirect_uri),
        }
    }

    /// Requires a scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.url = self.url.scope(scope);
        self
    }

    /// Requires the scopes of the user calls given (as [`AuthorizeUrl::endpoints`]).
    pub fn endpoints<'e>(mut self, endpoints: impl IntoIterator<Item = &'e Endpoint>) -> Self {
        self.url = self.url.endpoints(endpoints);
        self
    }

    /// Asks for a scope the user may untick (not required: never in [`Grant::Missing`]).
    pub fn optional_scope(mut self, scope: impl Into<String>) -> Self {
        self.url = self.url.optional_scope(scope);
        self
    }

    /// The required scopes.
    pub fn required_scopes(&self) -> &[String] {
        self.url.required_scopes()
    }

    /// Starts an authorization: a fresh state kept in the token store for
    /// [`STATE_LIFETIME`], and the URL to send the browser to.
    pub async fn start(&self) -> Result<Started, CallbackError> {
        let state = random_hex();
        let binding = Secret::from(random_hex());
        let record = StoredToken::expiring_in(Secret::from(digest(binding.expose())), STATE_LIFETIME);
        self.client
            .inner
            .store
            .set(&self.state_key(&state), &record)
            .await
            .map_err(|e| CallbackError::Store(e.to_string()))?;
        let url = self.url.clone().state(state.clone()).build();
        Ok(Started { url, state, binding })
    }

    /// Finishes an authorization at the callback: `binding` is what the browser brought back
    /// (see the module docs for what is refused). The code is exchanged once and the session
    /// kept.
    pub async fn finish(&self, callback: &Callback, binding: &str) -> Result<Authorized, CallbackError> {
        let state = callback
            .state
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or(CallbackError::MissingState)?;
        if binding.is_empty() {
            return Err(CallbackError::MissingBinding);
        }
        let store = &self.client.inner.store;
        let key = self.state_key(state);
        let record = store
            .get(&key)
            .await
            .map_err(|e| CallbackError::Store(e.to_string()))?
            .filter(|r| r.is_fresh(Duration::ZERO));
        let Some(record) = record else {
            // Gone: never issued, expired, or used (its lock, taken at its use, still stands).
            let probe = store
                .try_lock(&key, Duration::from_millis(1))
                .await
                .map_err(|e| CallbackError::Store(e.to_string()))?;
            return Err(if probe.is_none() { CallbackError::StateUsed } else { CallbackError::UnknownState });
        };
        if !bool::from(digest(binding).as_bytes().ct_eq(record.value.expose().as_bytes())) {
            return Err(CallbackError::OtherBrowser);
        }
        // The first to take the state's lock uses it; the lock outlives the state, so no one
        // takes it again.
        let used = store
            .try_lock(&key, STATE_LIFETIME + Duration::from_secs(60))
            .await
            .map_err(|e| CallbackError::Store(e.to_string()))?;
        if used.is_none() {
            return Err(CallbackError::StateUsed);
        }
        let _ = store.invalidate(&key, &record.value).await;
        if let Some(error) = &callback.error {
            return Err(CallbackError::Declined {
                error: error.clone(),
                description: callback.error_description.clone(),
            });
        }
        let code = callback.code.as_deref().filter(|c| !c.is_empty()).ok_or(CallbackError::MissingCode)?;
        let session = UserSession::authorize(&self.client, code).await.map_err(CallbackError::Exchange)?;
        let granted: Vec<String> = callback
            .scopes
            .as_deref()
            .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
            .unwrap_or_default();
        let grant = match &callback.scopes {
            None => Grant::Unknown,
            Some(_) => {
                let missing: Vec<String> =
                    self.required_scopes().iter().filter(|s| !granted.contains(s)).cloned().collect();
                if missing.is_empty() {
                    Grant::Complete
                } else {
                    Grant::Missing(missing)
                }
            }
        };
        Ok(Authorized { session, granted, grant })
    }

    fn state_key(&self, state: &str) -> String {
        format!("{}:oauth_state:{state}", self.client.client_key())
    }
}

/// 128 random bits as 32 hex digits.
fn random_hex() -> String {
    format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>())
}

/// Lowercase hex SHA-256 of `text`: what the store keeps of a binding.
fn digest(text: &str) -> String {
    crate::signing::lower_hex(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_callback_query_is_read_whatever_its_order() {
        let c = Callback::from_query("?state=s1&scopes=user_info%2Calliance.kol.orders&code=c_lf");
        assert_eq!(
            (c.code.as_deref(), c.state.as_deref(), c.scopes.as_deref()),
            (Some("c_lf"), Some("s1"), Some("user_info,alliance.kol.orders"))
        );
        let declined = Callback::from_query("state=s&error=access_denied&error_description=user+said+no");
        assert_eq!(declined.error.as_deref(), Some("access_denied"));
        assert_eq!(declined.error_description.as_deref(), Some("user said no"));
    }

    #[tokio::test]
    async fn a_foreign_missing_or_expired_state_is_refused_before_any_exchange() {
        // No server at all: a refusal must come before the code exchange.
        let client = Client::builder().credentials("k", "s").build().unwrap();
        let flow = AuthorizationFlow::new(&client, "http://127.0.0.1/cb").scope("alliance.kol.orders");
        let started = flow.start().await.unwrap();
        let q: Vec<(String, String)> = started.url.query_pairs().into_owned().collect();
        assert!(q.contains(&("state".into(), started.state.clone())));
        assert!(q.contains(&("redirect_uri".into(), "http://127.0.0.1/cb".into())));
        assert!(
            !started.url.as_str().contains(started.binding.expose()),
            "the binding never travels in the URL"
        );
        let cb = Callback::from_query(&format!("code=c&state={}", started.state));
        let binding = started.binding.expose();
        assert!(matches!(flow.finish(&cb, "another-browser").await, Err(CallbackError::OtherBrowser)));
        assert!(matches!(flow.finish(&cb, "").await, Err(CallbackError::MissingBinding)));
        let empty = Callback::from_query("code=c&state=");
        assert!(matches!(flow.finish(&empty, binding).await, Err(CallbackError::MissingState)));
        let unknown = Callback::from_query("code=c&state=0123456789abcdef0123456789abcdef");
        assert!(matches!(flow.finish(&unknown, binding).await, Err(CallbackError::UnknownState)));
        // Past its lifetime.
        let key = flow.state_key(&started.state);
        let record = client.inner.store.get(&key).await.unwrap().unwrap();
        assert_ne!(
            record.value.expose(),
            binding,
            "the store keeps a digest of the binding, not the binding"
        );
        let stale = StoredToken { value: record.value, expires_at_ms: 1 };
        client.inner.store.set(&key, &stale).await.unwrap();
        assert!(matches!(flow.finish(&cb, binding).await, Err(CallbackError::UnknownState)));
    }

    #[test]
    fn states_and_bindings_are_128_random_bits() {
        let (a, b) = (random_hex(), random_hex());
        assert_eq!((a.len(), b.len()), (32, 32));
        assert_ne!(a, b);
        assert_eq!(digest("x").len(), 64);
    }
}
