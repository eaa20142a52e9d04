//! Creators' web authorization as two routes, so an app needs only its own pages:
//! `GET /login` starts an [`AuthorizationFlow`] and redirects the browser to the platform's
//! consent page; `GET /callback` finishes it and calls the app's success or failure hook.
//!
//! The state is bound to the browser by a cookie: signed with the app's key (HMAC, through
//! `axum-extra`'s `SignedCookieJar`), `HttpOnly`, `SameSite=Lax` (sent on the platform's
//! top-level redirect back, never on cross-site subrequests), `Secure` unless turned off for a
//! local `http://` app, a session cookie removed at the callback (the state it binds expires in
//! the store after 10 minutes whatever the cookie does).
//! The cookie holds the binding only; the state itself is single use in the token store, so a
//! replayed callback, a tampered state or a callback without the cookie is refused and no
//! session is made.
//!
//! ```no_run
//! use douyin_alliance::oauth::AuthorizationFlow;
//! use douyin_alliance::{endpoints, Client};
//! use douyin_alliance_axum::oauth::OAuthRoutes;
//! # fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let flow = AuthorizationFlow::new(&client, "https://app.example.com/douyin/callback")
//!     .endpoints([&endpoints::KOL_STORE_LIST]);
//! let routes = OAuthRoutes::new(flow, &[7u8; 64])?
//!     .on_success(|done| async move {
//!         use axum::response::IntoResponse;
//!         axum::response::Redirect::to(&format!("/dashboard?creator={}", done.session.open_id())).into_response()
//!     });
//! let app: axum::Router = axum::Router::new().nest("/douyin", routes.router());
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::{Cookie, Key, SameSite, SignedCookieJar};
use douyin_alliance::oauth::{AuthorizationFlow, Authorized, Callback, CallbackError};

/// The cookie that binds a state to the browser.
pub const COOKIE: &str = "douyin_oauth";

type Hook<T> = Arc<dyn Fn(T) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync>;

/// Why the routes cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoutesError {
    /// The cookie key is shorter than 64 bytes.
    #[error(
        "the cookie key has {0} bytes; it needs at least 64 (random, kept secret, the same in every replica)"
    )]
    ShortKey(usize),
}

/// The login and callback routes of one app.
#[derive(Clone)]
pub struct OAuthRoutes {
    flow: AuthorizationFlow,
    key: Key,
    secure: bool,
    on_success: Hook<Authorized>,
    on_failure: Hook<CallbackError>,
}

impl std::fmt::Debug for OAuthRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthRoutes")
            .field("flow", &self.flow)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

impl OAuthRoutes {
    /// Routes for `flow`, signing the cookie with `cookie_key` (at least 64 random bytes, the
    /// same in every replica; never logged). By default a success answers a plain page and a
    /// failure its status and message ([`failure_status`]).
    pub fn new(flow: AuthorizationFlow, cookie_key: &[u8]) -> Result<Self, RoutesError> {
        let key = Key::try_from(cookie_key).map_err(|_| RoutesError::ShortKey(cookie_key.len()))?;
        Ok(OAuthRoutes {
            flow,
            key,
            secure: true,
            on_success: Arc::new(|done: Authorized| {
                let text = format!("authorized: {}", done.session.open_id());
                Box::pin(async move { (StatusCode::OK, text).into_response() })
            }),
            on_failure: Arc::new(|e: CallbackError| {
                Box::pin(async move { (failure_status(&e), e.to_string()).into_response() })
            }),
        })
    }

    /// Whether the cookie is `Secure` (default true); turn it off only for a local `http://` app.
    pub fn secure_cookie(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// What the callback answers after a finished authorization (e.g. a redirect to the app's
    /// dashboard). The session is in the client's token store already.
    pub fn on_success<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Authorized) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        self.on_success = Arc::new(move |done| Box::pin(hook(done)));
        self
    }

    /// What the callback answers when it refuses (see [`CallbackError`]).
    pub fn on_failure<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(CallbackError) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        self.on_failure = Arc::new(move |e| Box::pin(hook(e)));
        self
    }

    /// `GET /login` and `GET /callback` (nest them where the app's registered callback is).
    pub fn router(self) -> Router {
        Router::new().route("/login", get(login)).route("/callback", get(callback)).with_state(Arc::new(self))
    }
}

/// The status a refusal gets by default: 400 for what the browser brought (no, wrong, used or
/// expired state, no cookie, no code), 403 for a decline, 502 when the exchange failed, 503 when
/// the store could not be asked.
pub fn failure_status(e: &CallbackError) -> StatusCode {
    match e {
        CallbackError::Declined { .. } => StatusCode::FORBIDDEN,
        CallbackError::Exchange(_) => StatusCode::BAD_GATEWAY,
        CallbackError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

async fn login(State(r): State<Arc<OAuthRoutes>>, headers: HeaderMap) -> Response {
    let started = match r.flow.start().await {
        Ok(s) => s,
        Err(e) => return (r.on_failure)(e).await,
    };
    let cookie = Cookie::build((COOKIE, started.binding.expose().to_string()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(r.secure)
        .path("/");
    let jar = SignedCookieJar::from_headers(&headers, r.key.clone()).add(cookie);
    (jar, Redirect::to(started.url.as_str())).into_response()
}

async fn callback(
    State(r): State<Arc<OAuthRoutes>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let jar = SignedCookieJar::from_headers(&headers, r.key.clone());
    // A cookie whose signature does not verify is no cookie.
    let binding = jar.get(COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    let jar = jar.remove(Cookie::build(COOKIE).path("/"));
    let callback = Callback::from_query(query.as_deref().unwrap_or_default());
    let answer = match r.flow.finish(&callback, &binding).await {
        Ok(done) => (r.on_success)(done).await,
        Err(e) => {
            tracing::warn!(error = %e, "douyin authorization callback refused");
            (r.on_failure)(e).await
        }
    };
    (jar, answer).into_response()
}
