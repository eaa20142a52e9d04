//! Credentials: the app's client_token cache, token stores, and user handles.

pub(crate) mod client_token;
pub mod store;
mod user;

pub use user::{UserAuth, UserClient};
