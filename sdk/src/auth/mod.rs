//! Credentials: the token lifecycle the runtime drives ([`TokenApi`]), the app's client_token
//! cache, token stores, and user handles.

mod api;
pub(crate) mod client_token;
mod doudian;
#[cfg(feature = "redis")]
pub mod redis;
mod session;
pub mod store;
pub(crate) mod user;

pub use api::{missing_role, AppToken, RenewedRefresh, TokenApi, UserTokens};
pub use doudian::{DoudianAuth, DoudianClient};
pub use session::{SessionPolicy, UserSession};
pub use store::BoxFuture;
pub use user::{UserAuth, UserClient};
