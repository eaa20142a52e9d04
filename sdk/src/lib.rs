//! A typed client for the Douyin e-commerce Alliance open platform (精选联盟 / 巨量百应),
//! generated from the YAML spec in `spec/` and a small hand-written runtime.
//!
//! - App-level calls (`client_token`) and unauthenticated calls are methods of [`Client`]; the
//!   client_token is fetched, cached and refreshed for you, once for all concurrent callers.
//! - User calls are methods of [`UserClient`] (`client.user(&UserAuth::new(open_id, token))`),
//!   which sends the user's access_token in the `access-token` header and the open_id in the query.
//! - Every failure is an [`Error`] naming the endpoint; secrets never appear in `Debug` output.
//! - Paginated endpoints have `*_pages` and `*_items` streams.
//! - Request and response types, and the open enums they use, are in [`types`]: requests are
//!   built (`new` + `with_…`), responses are read; all are `#[non_exhaustive]`, so what the
//!   spec adds later does not break your code.
//!
//! ```no_run
//! # async fn run() -> douyin_alliance::Result<()> {
//! use douyin_alliance::types::KolStoreListRequest;
//! use douyin_alliance::{Client, UserAuth};
//! use futures_util::TryStreamExt;
//!
//! let client = Client::builder().credentials("client_key", "client_secret").build()?;
//! let user = client.user(&UserAuth::new("open_id", "act.xxx"));
//! let products: Vec<_> = user.kol_store_list_items(KolStoreListRequest::new(1, 20), 50).try_collect().await?;
//! println!("{} products in the showcase", products.len());
//! # Ok(()) }
//! ```
//!
//! Responses have no constructor; a test of your own code makes one the way the client does,
//! from JSON:
//!
//! ```
//! use douyin_alliance::types::{KolStoreListData, StoreCosType};
//! let page: KolStoreListData = serde_json::from_value(serde_json::json!({
//!     "total": 1,
//!     "results": [{"product_id": "3450632721376902816", "promotion_id": 1, "cos_type": 9}],
//! }))
//! .unwrap();
//! assert_eq!(page.total, Some(1));
//! assert!(page.results[0].cos_type.as_ref().is_some_and(StoreCosType::is_unknown));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod check;
mod client;
pub mod codec;
pub mod codes;
pub mod drift;
pub mod dynamic;
pub mod endpoint;
pub mod envelope;
mod error;
#[rustfmt::skip]
mod generated;
mod hooks;
mod id;
pub mod limit;
pub mod oauth;
#[doc(hidden)]
pub mod object;
mod open_enum;
pub mod paginate;
mod protocol;
mod retry;
mod secret;
pub mod signing;
mod transport;
pub mod webhook;

pub use auth::store::{MemoryTokenStore, StoredToken, TokenStore};
pub use auth::{
    DoudianAuth, DoudianClient, DoudianSession, SessionPolicy, UserAuth, UserClient, UserSession,
};
pub use client::{Client, ClientBuilder, DEFAULT_USER_AGENT};
pub use codes::KnownCode;
pub use error::{mask_credentials, ApiError, Error, ErrorKind, RawBody, Result, TimeoutKind};
pub use generated::endpoints::{self, ENDPOINTS};
pub use generated::types;
pub use hooks::{Answer, Hook, Outcome};
pub use id::{Id, ParseIdError};
pub use object::{DecodeReport, FieldPath};
#[doc(hidden)]
pub use open_enum::UnknownValue;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use transport::TOKEN_HEADER;

/// What generated code calls, for clients generated outside this crate (the generator's fixture
/// client in this workspace's tests). Not part of the API users call; it may change in any
/// release.
#[doc(hidden)]
pub mod __private {
    pub use crate::transport::{call, call_as_authority, call_as_user, RequestParams, ResponseData};
}

use std::collections::BTreeMap;

/// Implemented by every generated object type: the fields the spec does not know yet.
pub trait ApiObject {
    /// Fields that arrived but are not in the spec, as JSON.
    fn extra_fields(&self) -> &BTreeMap<String, serde_json::Value>;
    /// Mutable access to the unknown fields.
    fn extra_fields_mut(&mut self) -> &mut BTreeMap<String, serde_json::Value>;
}

/// `ApiObject` for generated types, through their `extra_fields`.
#[doc(hidden)]
#[macro_export]
macro_rules! __api_object {
    ($($t:ident),* $(,)?) => {$(
        impl $crate::ApiObject for $t {
            fn extra_fields(&self) -> &::std::collections::BTreeMap<String, ::serde_json::Value> {
                &self.extra_fields
            }
            fn extra_fields_mut(&mut self) -> &mut ::std::collections::BTreeMap<String, ::serde_json::Value> {
                &mut self.extra_fields
            }
        }
    )*};
}
