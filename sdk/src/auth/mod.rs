//! Credentials: the token lifecycle the runtime drives ([`TokenApi`]), the app's client_token
//! cache, token stores, and user handles.

mod api;
pub(crate) mod client_token;
mod doudian;
mod doudian_session;
#[cfg(feature = "redis")]
pub mod redis;
mod session;
pub mod store;
pub(crate) mod user;

pub use api::{missing_role, AppToken, AuthorityTokens, RenewedRefresh, TokenApi, UserTokens};
pub(crate) use doudian::DoudianCreds;
pub use doudian::{DoudianAuth, DoudianClient};
pub use doudian_session::DoudianSession;
pub use session::{SessionPolicy, UserSession};
pub use store::BoxFuture;
pub use user::{UserAuth, UserClient};
