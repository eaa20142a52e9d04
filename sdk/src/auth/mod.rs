//! Credentials: the app's client_token cache, token stores, and user handles.

pub(crate) mod client_token;
#[cfg(feature = "redis")]
pub mod redis;
mod session;
pub mod store;
pub(crate) mod user;

pub use session::{SessionPolicy, UserSession};
pub use user::{UserAuth, UserClient};
