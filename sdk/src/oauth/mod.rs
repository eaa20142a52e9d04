//! The user authorization URL (`/platform/oauth/connect/`): where a creator grants the app the
//! scopes it needs; the redirect brings back a `code` for [`crate::Client::oauth_access_token`].
//! [`AuthorizationFlow`] is the whole web flow around it: a single-use state bound to the
//! browser, the callback, and the session.

use url::Url;

use crate::endpoint::{AuthKind, Endpoint, Server};
use crate::Client;

mod flow;

pub use flow::{AuthorizationFlow, Authorized, Callback, CallbackError, Grant, Started, STATE_LIFETIME};

/// The path of the authorization page on open.douyin.com.
pub const AUTHORIZE_PATH: &str = "/platform/oauth/connect/";

/// Builds the URL a user opens to authorize the app.
///
/// ```
/// use douyin_alliance::{Client, oauth::AuthorizeUrl};
/// let client = Client::builder().credentials("my_key", "secret").build().unwrap();
/// let url = AuthorizeUrl::new(&client)
///     .scope("user_info")
///     .scope("alliance.kol.store_manage")
///     .redirect_uri("https://example.com/callback?from=app")
///     .state("csrf-123")
///     .build();
/// assert_eq!(
///     url.as_str(),
///     "https://open.douyin.com/platform/oauth/connect/?client_key=my_key&response_type=code\
///      &scope=user_info%2Calliance.kol.store_manage\
///      &redirect_uri=https%3A%2F%2Fexample.com%2Fcallback%3Ffrom%3Dapp&state=csrf-123"
/// );
/// ```
///
/// Or from the endpoints the app will call, each of which states its scope in the spec:
///
/// ```
/// use douyin_alliance::{endpoints, Client, oauth::AuthorizeUrl};
/// let client = Client::builder().credentials("my_key", "secret").build().unwrap();
/// let url = AuthorizeUrl::new(&client)
///     .endpoints([&endpoints::KOL_STORE_LIST, &endpoints::STORE_ADD, &endpoints::KOL_ORDERS])
///     .optional_scope("alliance.kol.reputation")
///     .build();
/// let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
/// assert!(query.contains(&("scope".into(), "alliance.kol.store_manage,alliance.kol.orders".into())));
/// // `optionalScope` is `scope,flag` pairs: 1 ticked on the consent page, 0 not.
/// assert!(query.contains(&("optionalScope".into(), "alliance.kol.reputation,1".into())));
/// ```
#[derive(Debug, Clone)]
pub struct AuthorizeUrl {
    base: Url,
    client_key: String,
    scopes: Vec<String>,
    optional_scopes: Vec<(String, bool)>,
    redirect_uri: Option<String>,
    state: Option<String>,
}

impl AuthorizeUrl {
    /// Starts a URL for `client`'s app, on the client's open.douyin.com base URL.
    pub fn new(client: &Client) -> Self {
        AuthorizeUrl {
            base: client.base_url(Server::OpenDouyin).clone(),
            client_key: client.client_key().to_string(),
            scopes: Vec::new(),
            optional_scopes: Vec::new(),
            redirect_uri: None,
            state: None,
        }
    }

    /// Adds a scope to request (a scope already added is not repeated).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        let scope = scope.into();
        if !self.scopes.contains(&scope) {
            self.scopes.push(scope);
        }
        self
    }

    /// Adds the scope of every user call given whose scope the spec states (app-level calls
    /// need no user grant and are skipped).
    pub fn endpoints<'e>(self, endpoints: impl IntoIterator<Item = &'e Endpoint>) -> Self {
        endpoints
            .into_iter()
            .filter(|e| e.auth() == AuthKind::AccessToken)
            .filter_map(|e| e.scope)
            .fold(self, Self::scope)
    }

    /// The scopes requested (required ones; not the optional ones).
    pub fn required_scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Adds a scope the user may untick (`optionalScope`), ticked on the consent page.
    pub fn optional_scope(self, scope: impl Into<String>) -> Self {
        self.optional(scope.into(), true)
    }

    /// Adds a scope the user may tick (`optionalScope`), unticked on the consent page.
    pub fn optional_scope_unticked(self, scope: impl Into<String>) -> Self {
        self.optional(scope.into(), false)
    }

    fn optional(mut self, scope: String, ticked: bool) -> Self {
        if !self.optional_scopes.iter().any(|(s, _)| *s == scope) {
            self.optional_scopes.push((scope, ticked));
        }
        self
    }

    /// Where the platform redirects with `code` and `state` (must be registered for the app).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// An opaque value returned unchanged with the redirect (use it against CSRF).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The URL, every value percent-encoded.
    pub fn build(&self) -> Url {
        let mut url = self.base.clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{AUTHORIZE_PATH}"));
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_key", &self.client_key);
            q.append_pair("response_type", "code");
            q.append_pair("scope", &self.scopes.join(","));
            if !self.optional_scopes.is_empty() {
                // `scope,flag` pairs (coverage-facts B.1): `friend_relation,1,message,0`.
                let pairs: Vec<String> =
                    self.optional_scopes.iter().map(|(s, on)| format!("{s},{}", u8::from(*on))).collect();
                q.append_pair("optionalScope", &pairs.join(","));
            }
            if let Some(r) = &self.redirect_uri {
                q.append_pair("redirect_uri", r);
            }
            if let Some(s) = &self.state {
                q.append_pair("state", s);
            }
        }
        url
    }
}
