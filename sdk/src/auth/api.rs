//! The token lifecycle as the runtime sees it: a trait the runtime owns and generated code
//! implements for [`crate::Client`], with the endpoints the spec marks with a `role`
//! (`app_token`, `stable_app_token`, `exchange_code`, `refresh`, `renew`). The client_token
//! cache and [`super::UserSession`] call these methods, never a generated endpoint by name.

use super::store::BoxFuture;
use crate::{Error, ErrorKind, Result, Secret};

/// An app token as a token endpoint answers it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppToken {
    /// The client_token.
    pub access_token: Secret,
    /// Seconds it stays valid, as the platform says.
    pub expires_in: i64,
}

/// A user's tokens as the code exchange or a refresh answers them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UserTokens {
    /// The user's access_token.
    pub access_token: Secret,
    /// Seconds the access_token stays valid.
    pub expires_in: i64,
    /// The refresh_token.
    pub refresh_token: Secret,
    /// Seconds the refresh_token stays valid.
    pub refresh_expires_in: i64,
    /// The user the tokens are bound to.
    pub open_id: String,
}

/// A renewed refresh_token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RenewedRefresh {
    /// The new refresh_token.
    pub refresh_token: Secret,
    /// Seconds it stays valid.
    pub expires_in: i64,
}

/// A Doudian authority's tokens as `token.create` or `token.refresh` answer them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuthorityTokens {
    /// The access_token.
    pub access_token: Secret,
    /// Seconds it stays valid (7 days by default).
    pub expires_in: i64,
    /// The refresh_token (valid 14 days).
    pub refresh_token: Secret,
}

impl<A: Into<Secret>, R: Into<Secret>> From<(A, i64, R)> for AuthorityTokens {
    /// `(access_token, expires_in, refresh_token)`, e.g. tokens kept elsewhere.
    fn from((access_token, expires_in, refresh_token): (A, i64, R)) -> Self {
        AuthorityTokens { access_token: access_token.into(), expires_in, refresh_token: refresh_token.into() }
    }
}

/// The calls of the token lifecycle. Implemented for [`crate::Client`] by generated code, from
/// the endpoints the spec gives each role; a role no endpoint plays answers
/// [`ErrorKind::Config`].
pub trait TokenApi: Send + Sync {
    /// Fetches the app's client_token; `stable` asks the endpoint that answers the current
    /// token while it is valid instead of minting a new one.
    fn fetch_app_token(&self, stable: bool) -> BoxFuture<'_, Result<AppToken>>;
    /// Exchanges a user's authorization code for the user's tokens.
    fn exchange_code<'a>(&'a self, code: &'a str) -> BoxFuture<'a, Result<UserTokens>>;
    /// Refreshes a user's access_token with the refresh_token.
    fn refresh_access<'a>(&'a self, refresh_token: &'a Secret) -> BoxFuture<'a, Result<UserTokens>>;
    /// Renews a user's refresh_token.
    fn renew_refresh<'a>(&'a self, refresh_token: &'a Secret) -> BoxFuture<'a, Result<RenewedRefresh>>;
    /// Creates a Doudian authority's token from its authorization code.
    fn create_authority_token<'a>(&'a self, code: &'a str) -> BoxFuture<'a, Result<AuthorityTokens>>;
    /// Refreshes a Doudian authority's token with its refresh_token.
    fn refresh_authority_token<'a>(
        &'a self,
        refresh_token: &'a Secret,
    ) -> BoxFuture<'a, Result<AuthorityTokens>>;
}

/// The error of a lifecycle step no endpoint of the spec plays.
pub fn missing_role(role: &'static str) -> Error {
    Error::new(role, ErrorKind::Config(format!("the spec marks no endpoint with the token role `{role}`")))
}
