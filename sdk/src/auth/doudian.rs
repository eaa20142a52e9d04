//! Calls of the Doudian gateway that act for an authority (a creator, colonel, institution,
//! douke or shop): its access_token goes with the app's signature. Methods of endpoints that need
//! one live only on [`DoudianClient`], and a call whose endpoint takes another kind of authority
//! fails before it is sent ([`crate::ErrorKind::WrongAuthority`]).

use super::DoudianSession;
use crate::endpoint::Authority;
use crate::{Client, Secret};

/// An authority's Doudian credentials: its access_token and the kind of authority that granted
/// it (what `token.create` answered for).
///
/// ```
/// use douyin_alliance::auth::DoudianAuth;
/// use douyin_alliance::endpoint::Authority;
/// let auth = DoudianAuth::new(Authority::Kol, "doudian-token");
/// assert!(!format!("{auth:?}").contains("doudian-token"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoudianAuth {
    /// Who granted the token.
    pub authority: Authority,
    /// The access_token.
    pub access_token: Secret,
}

impl DoudianAuth {
    /// Credentials of one authority.
    pub fn new(authority: Authority, access_token: impl Into<Secret>) -> Self {
        DoudianAuth { authority, access_token: access_token.into() }
    }
}

/// A client acting for one Doudian authority; made by [`Client::doudian`] (a fixed token) or
/// [`Client::doudian_session`] (tokens refreshed as needed). Cheap to clone.
#[derive(Debug, Clone)]
pub struct DoudianClient {
    pub(crate) client: Client,
    pub(crate) creds: DoudianCreds,
}

/// Where a [`DoudianClient`]'s token comes from.
#[derive(Debug, Clone)]
pub(crate) enum DoudianCreds {
    /// Given by the caller.
    Fixed(DoudianAuth),
    /// Kept and refreshed by a session.
    Session(DoudianSession),
}

impl DoudianClient {
    /// The kind of authority the client acts for.
    pub fn authority(&self) -> Authority {
        match &self.creds {
            DoudianCreds::Fixed(a) => a.authority,
            DoudianCreds::Session(s) => s.authority(),
        }
    }

    /// The client this handle was made from.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl Client {
    /// Calls of the Doudian gateway for the authority whose token `auth` holds.
    pub fn doudian(&self, auth: &DoudianAuth) -> DoudianClient {
        DoudianClient { client: self.clone(), creds: DoudianCreds::Fixed(auth.clone()) }
    }

    /// Calls of the Doudian gateway for the authority whose tokens `session` keeps; a token the
    /// gateway rejects is refreshed, and the call sent once more.
    pub fn doudian_session(&self, session: &DoudianSession) -> DoudianClient {
        DoudianClient { client: self.clone(), creds: DoudianCreds::Session(session.clone()) }
    }
}
