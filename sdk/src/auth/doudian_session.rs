//! A Doudian authority's tokens as a managed resource: kept in the client's [`TokenStore`] (so
//! replicas sharing a Redis store share them), the access_token refreshed with `token.refresh`
//! within its last half hour (once for all concurrent callers and processes, under the store's
//! refresh lock), and a typed "re-authorization needed" error once the refresh_token is gone.
//!
//! Lifetimes and the refresh rule (doudian-facts §3.3–§3.4): the access_token lives 7 days, the
//! refresh_token 14; a refresh more than an hour before expiry returns the same tokens, within
//! the last hour new ones (the old stay valid one more hour). Refreshing inside that hour is what
//! gets a new token without cutting off another replica still using the old one.

use std::sync::Arc;
use std::time::Duration;

use super::api::{AuthorityTokens, TokenApi};
use super::client_token::{TokenCache, TokenTiming};
use super::store::{lifetime, StoredToken, TokenStore};
use super::DoudianAuth;
use crate::endpoint::Authority;
use crate::{Client, Error, ErrorKind, Result, Secret};

/// The documented default life of a Doudian access_token (7 days).
const ACCESS_LIFE: Duration = Duration::from_secs(7 * 24 * 3600);
/// The documented life of a Doudian refresh_token (14 days).
const REFRESH_LIFE: Duration = Duration::from_secs(14 * 24 * 3600);
/// Refresh this long before the access_token expires: inside the last hour, where the gateway
/// answers new tokens and keeps the old ones valid one more hour.
const REFRESH_BEFORE: Duration = Duration::from_secs(30 * 60);

/// One Doudian authority's tokens, shared by every clone and, through a shared store, every
/// replica. `id` is the caller's own name for the authority (e.g. the shop or creator id):
/// it keys the stored tokens.
///
/// ```no_run
/// # async fn run(client: douyin_alliance::Client, code: &str) -> douyin_alliance::Result<()> {
/// use douyin_alliance::auth::DoudianSession;
/// use douyin_alliance::endpoint::Authority;
/// use douyin_alliance::types::KolProductShareRequest;
/// let session = DoudianSession::create(&client, Authority::Kol, "creator-42", code).await?;
/// let kol = client.doudian_session(&session);
/// let link = kol.buyin_kol_product_share(&KolProductShareRequest::new("https://haohuo.jinritemai.com/x?id=1", "dy_1")).await?;
/// // Later, in any replica:
/// let same = DoudianSession::resume(&client, Authority::Kol, "creator-42");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DoudianSession {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    authority: Authority,
    id: String,
    access: TokenCache,
    refresh_key: String,
    store: Arc<dyn TokenStore>,
}

impl std::fmt::Debug for DoudianSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoudianSession")
            .field("authority", &self.inner.authority)
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

fn reauth(reason: &str) -> Error {
    Error::new("doudian_session", ErrorKind::ReauthorizationRequired { reason: reason.into() })
}

fn store_error(e: impl std::fmt::Display) -> Error {
    Error::new("doudian_session", ErrorKind::Config(e.to_string()))
}

impl DoudianSession {
    /// Creates the authority's tokens from its authorization code (`token.create`) and keeps
    /// them under `id`.
    pub async fn create(
        client: &Client,
        authority: Authority,
        id: &str,
        code: &str,
    ) -> Result<DoudianSession> {
        let tokens = client.create_authority_token(code).await?;
        Self::from_tokens(client, authority, id, tokens).await
    }

    /// Keeps tokens obtained elsewhere under `id`.
    pub async fn from_tokens(
        client: &Client,
        authority: Authority,
        id: &str,
        tokens: AuthorityTokens,
    ) -> Result<DoudianSession> {
        let session = Self::resume(client, authority, id);
        let access = session.keep(&tokens).await?;
        session.inner.store.set(session.inner.access.key(), &access).await.map_err(store_error)?;
        Ok(session)
    }

    /// The session of `id` as the store holds it (for example, kept by another replica).
    /// Nothing is read yet; a call fails with `ReauthorizationRequired` when nothing is stored.
    pub fn resume(client: &Client, authority: Authority, id: &str) -> DoudianSession {
        let base = format!("{}:doudian:{}:{id}", client.inner.config.doudian.app_key, authority.as_str());
        let timing = TokenTiming { margin: REFRESH_BEFORE, ..client.inner.timing };
        DoudianSession {
            inner: Arc::new(Inner {
                client: client.clone(),
                authority,
                id: id.to_string(),
                access: TokenCache::new(client.inner.store.clone(), format!("{base}:access"), timing),
                refresh_key: format!("{base}:refresh"),
                store: client.inner.store.clone(),
            }),
        }
    }

    /// The kind of authority.
    pub fn authority(&self) -> Authority {
        self.inner.authority
    }

    /// Credentials with a fresh access_token, refreshing first when needed.
    pub async fn auth(&self) -> Result<DoudianAuth> {
        let this = self.clone();
        let token = self
            .inner
            .access
            .get(move || {
                let this = this.clone();
                async move { this.refresh().await }
            })
            .await?;
        Ok(DoudianAuth::new(self.inner.authority, token))
    }

    /// Forgets `token` (the gateway rejected it) so the next call refreshes.
    pub async fn invalidate(&self, token: &Secret) {
        self.inner.access.invalidate(token).await;
    }

    /// Stores the refresh_token for its 14 days and returns the access_token with the life the
    /// answer gives it (the token cache stores that one).
    async fn keep(&self, tokens: &AuthorityTokens) -> Result<StoredToken> {
        let refresh = StoredToken::expiring_in(tokens.refresh_token.clone(), REFRESH_LIFE);
        self.inner.store.set(&self.inner.refresh_key, &refresh).await.map_err(store_error)?;
        Ok(StoredToken::expiring_in(
            tokens.access_token.clone(),
            lifetime(tokens.expires_in, "Doudian access_token", ACCESS_LIFE),
        ))
    }

    /// Runs under the session's refresh lock: `token.refresh` with the stored refresh_token.
    async fn refresh(&self) -> Result<StoredToken> {
        let stored = match self.inner.store.get(&self.inner.refresh_key).await {
            Ok(Some(s)) if s.is_fresh(Duration::ZERO) => s,
            Ok(_) => return Err(reauth("no live Doudian refresh_token is stored for this authority")),
            Err(e) => return Err(store_error(e)),
        };
        let tokens = self.inner.client.refresh_authority_token(&stored.value).await.map_err(|e| {
            if e.api()
                .and_then(|a| a.gateway_sub_code.as_deref())
                .is_some_and(|s| s.starts_with("dop.token-generate-failed"))
            {
                reauth("the Doudian refresh_token was refused")
            } else {
                e
            }
        })?;
        self.keep(&tokens).await
    }
}
