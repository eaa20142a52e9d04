//! A user's tokens as a managed resource: kept in the client's [`TokenStore`] (so replicas share
//! them), the access_token refreshed with the refresh_token before it expires (once for all
//! concurrent callers and processes), the refresh_token renewed while renewals remain, and a
//! typed "re-authorization needed" error once neither is possible.
//!
//! Lifetimes (api-facts §4): access_token 15 days; refresh_token 30 days, renewable at most 5
//! times; refreshing an unexpired access_token extends the same token.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::api::{TokenApi, UserTokens};
use super::client_token::TokenCache;
use super::store::{documented, lifetime, StoredToken, TokenStore};
use crate::codes::KnownCode;
use crate::{Client, Error, ErrorKind, Result, Secret, UserAuth};

/// The platform's limit on refresh_token renewals.
pub const MAX_RENEWALS: u32 = 5;

/// When a session refreshes and renews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Refresh the access_token when it has less than this left (default 1 day).
    pub refresh_before: Duration,
    /// Renew the refresh_token, at a refresh, when it has less than this left (default 20
    /// days: more than an access_token's 15-day life, so the next refresh is never too late).
    pub renew_before: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            refresh_before: Duration::from_secs(24 * 3600),
            renew_before: Duration::from_secs(20 * 24 * 3600),
        }
    }
}

/// What the store keeps about the refresh_token (JSON inside a [`StoredToken`] whose expiry is
/// the refresh_token's).
#[derive(Serialize, Deserialize)]
struct RefreshState {
    refresh_token: String,
    renewals: u32,
}

/// One user's tokens, shared by every clone and, through a shared store, every replica.
///
/// ```no_run
/// # async fn run(client: douyin_alliance::Client, code: &str) -> douyin_alliance::Result<()> {
/// use douyin_alliance::auth::UserSession;
/// use douyin_alliance::types::KolStoreListRequest;
/// // After the user authorized the app and the redirect brought `code`:
/// let session = UserSession::authorize(&client, code).await?;
/// let user = client.user_session(&session);
/// let page = user.kol_store_list(&KolStoreListRequest::new(1, 20)).await?;
/// // Later, in any replica, by open_id:
/// let same = UserSession::resume(&client, session.open_id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct UserSession {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    open_id: String,
    access: TokenCache,
    refresh_key: String,
    store: Arc<dyn TokenStore>,
    policy: SessionPolicy,
}

impl std::fmt::Debug for UserSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSession")
            .field("open_id", &self.inner.open_id)
            .field("policy", &self.inner.policy)
            .finish()
    }
}

fn reauth(reason: impl Into<String>) -> Error {
    Error::new("user_session", ErrorKind::ReauthorizationRequired { reason: reason.into() })
}

fn access_life(expires_in: i64) -> Duration {
    lifetime(expires_in, "access_token", documented::ACCESS_TOKEN)
}

fn refresh_life(expires_in: i64) -> Duration {
    lifetime(expires_in, "refresh_token", documented::REFRESH_TOKEN)
}

impl UserSession {
    /// Exchanges an authorization `code` for the user's tokens and keeps them.
    pub async fn authorize(client: &Client, code: &str) -> Result<UserSession> {
        let tokens = client.exchange_code(code).await?;
        Self::from_tokens(client, tokens).await
    }

    /// Keeps tokens obtained elsewhere (a code exchange or a refresh, e.g. the generated
    /// `UserTokenData` by reference) for their user.
    pub async fn from_tokens(client: &Client, tokens: impl Into<UserTokens>) -> Result<UserSession> {
        let tokens: UserTokens = tokens.into();
        let session = Self::resume_with(client, &tokens.open_id, SessionPolicy::default());
        session.store_refresh(&tokens.refresh_token, refresh_life(tokens.refresh_expires_in), 0).await?;
        let access = StoredToken::expiring_in(tokens.access_token.clone(), access_life(tokens.expires_in));
        let key = session.access_key();
        session
            .inner
            .store
            .set(&key, &access)
            .await
            .map_err(|e| Error::new("user_session", ErrorKind::Config(e.to_string())))?;
        Ok(session)
    }

    /// The session of `open_id` as the store holds it (for example, kept by another replica).
    /// Nothing is read yet; a call fails with `ReauthorizationRequired` when nothing is stored.
    pub fn resume(client: &Client, open_id: &str) -> UserSession {
        Self::resume_with(client, open_id, SessionPolicy::default())
    }

    /// Like [`Self::resume`], with a policy.
    pub fn resume_with(client: &Client, open_id: &str, policy: SessionPolicy) -> UserSession {
        let base = format!("{}:user:{open_id}", client.client_key());
        let timing =
            super::client_token::TokenTiming { margin: policy.refresh_before, ..client.inner.timing };
        UserSession {
            inner: Arc::new(Inner {
                client: client.clone(),
                open_id: open_id.to_string(),
                access: TokenCache::new(client.inner.store.clone(), format!("{base}:access"), timing),
                refresh_key: format!("{base}:refresh"),
                store: client.inner.store.clone(),
                policy,
            }),
        }
    }

    /// Changes when the session refreshes and renews.
    pub fn with_policy(self, policy: SessionPolicy) -> UserSession {
        Self::resume_with(&self.inner.client, &self.inner.open_id, policy)
    }

    /// The user's open_id.
    pub fn open_id(&self) -> &str {
        &self.inner.open_id
    }

    fn access_key(&self) -> String {
        format!("{}:user:{}:access", self.inner.client.client_key(), self.inner.open_id)
    }

    /// Credentials with a fresh access_token, refreshing (and renewing) first when needed.
    pub async fn auth(&self) -> Result<UserAuth> {
        let this = self.clone();
        let token = self.inner.access.get(move || {
            let this = this.clone();
            async move { this.refresh().await }
        });
        Ok(UserAuth { open_id: self.inner.open_id.clone(), access_token: token.await? })
    }

    /// Forgets `token` so the next call refreshes.
    pub async fn invalidate(&self, token: &Secret) {
        self.inner.access.invalidate(token).await;
    }

    async fn store_refresh(&self, token: &Secret, lifetime: Duration, renewals: u32) -> Result<()> {
        let state = RefreshState { refresh_token: token.expose().to_string(), renewals };
        let json = serde_json::to_string(&state)
            .map_err(|e| Error::new("user_session", ErrorKind::Config(e.to_string())))?;
        let stored = StoredToken::expiring_in(Secret::new(json), lifetime);
        self.inner
            .store
            .set(&self.inner.refresh_key, &stored)
            .await
            .map_err(|e| Error::new("user_session", ErrorKind::Config(e.to_string())))
    }

    async fn load_refresh(&self) -> Result<(RefreshState, StoredToken)> {
        let stored = match self.inner.store.get(&self.inner.refresh_key).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(reauth("no refresh_token is stored for this user")),
            Err(e) => return Err(Error::new("user_session", ErrorKind::Config(e.to_string()))),
        };
        if !stored.is_fresh(Duration::ZERO) {
            return Err(reauth("the refresh_token expired"));
        }
        let state: RefreshState = serde_json::from_str(stored.value.expose()).map_err(|_| {
            Error::new("user_session", ErrorKind::Config("the stored refresh state is unreadable".into()))
        })?;
        Ok((state, stored))
    }

    /// Runs under the session's refresh lock: renews the refresh_token if it nears its end,
    /// then refreshes the access_token.
    async fn refresh(&self) -> Result<StoredToken> {
        let client = &self.inner.client;
        let (mut state, stored) = self.load_refresh().await?;
        if stored.remaining() < self.inner.policy.renew_before && state.renewals < MAX_RENEWALS {
            match client.renew_refresh(&Secret::new(state.refresh_token.clone())).await {
                Ok(renewed) => {
                    state = RefreshState {
                        refresh_token: renewed.refresh_token.expose().to_string(),
                        renewals: state.renewals + 1,
                    };
                    self.store_refresh(
                        &renewed.refresh_token,
                        refresh_life(renewed.expires_in),
                        state.renewals,
                    )
                    .await?;
                }
                Err(e) if e.api().and_then(|a| a.known()) == Some(KnownCode::RenewLimitOrTooFrequent) => {
                    tracing::warn!(open_id = %self.inner.open_id, "refresh_token renewals exhausted; the user must authorize again when it expires");
                    state.renewals = MAX_RENEWALS;
                    self.store_refresh(
                        &Secret::new(state.refresh_token.clone()),
                        stored.remaining(),
                        MAX_RENEWALS,
                    )
                    .await?;
                }
                Err(e) if e.api().and_then(|a| a.known()) == Some(KnownCode::RefreshTokenExpired) => {
                    return Err(reauth("the refresh_token expired"));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "renewing the refresh_token failed; refreshing with the current one")
                }
            }
        }
        let tokens = match client.refresh_access(&Secret::new(state.refresh_token.clone())).await {
            Ok(t) => t,
            Err(e) if e.api().and_then(|a| a.known()) == Some(KnownCode::RefreshTokenExpired) => {
                return Err(reauth("the refresh_token expired"));
            }
            Err(e) => return Err(e),
        };
        if tokens.refresh_token.expose() != state.refresh_token {
            // The refresh answer carries a refresh_token too; keep it, its expiry unchanged.
            let remaining = self
                .load_refresh()
                .await
                .map(|(_, s)| s.remaining())
                .unwrap_or(refresh_life(tokens.refresh_expires_in));
            self.store_refresh(&tokens.refresh_token, remaining, state.renewals).await?;
        }
        Ok(StoredToken::expiring_in(tokens.access_token, access_life(tokens.expires_in)))
    }
}
