//! User-scoped calls: the user's access_token goes in the `access-token` header and the user's
//! open_id in the query. Methods of endpoints that need a user live only on [`UserClient`], so a
//! call with the wrong credentials does not compile.

use crate::auth::UserSession;
use crate::{Client, Secret};

/// A user's credentials: the open_id and the access_token bound to it.
///
/// ```
/// let user = douyin_alliance::UserAuth::new("open-id-of-the-creator", "act.xxxx");
/// assert!(!format!("{user:?}").contains("act.xxxx"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAuth {
    /// The user's id for this app.
    pub open_id: String,
    /// The user's access_token.
    pub access_token: Secret,
}

impl UserAuth {
    /// Credentials of one user.
    pub fn new(open_id: impl Into<String>, access_token: impl Into<Secret>) -> Self {
        UserAuth { open_id: open_id.into(), access_token: access_token.into() }
    }
}

/// A client acting for one user; made by [`Client::user`] (fixed credentials) or
/// [`Client::user_session`] (tokens refreshed as needed). Cheap to clone.
#[derive(Debug, Clone)]
pub struct UserClient {
    pub(crate) client: Client,
    pub(crate) creds: UserCreds,
}

/// Where a [`UserClient`]'s credentials come from.
#[derive(Debug, Clone)]
pub(crate) enum UserCreds {
    /// Given by the caller.
    Fixed(UserAuth),
    /// Kept, refreshed and renewed by a session.
    Session(UserSession),
}

impl UserClient {
    /// The user's open_id.
    pub fn open_id(&self) -> &str {
        match &self.creds {
            UserCreds::Fixed(u) => &u.open_id,
            UserCreds::Session(s) => s.open_id(),
        }
    }

    /// The client this handle was made from.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
