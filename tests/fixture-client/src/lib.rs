//! The generator's `full` fixture (`generator/tests/fixtures/full`, every spec feature at least
//! once) built as a working client: its generated types and methods, compiled from what the
//! generator writes (see `build.rs`), on the SDK's runtime.
//!
//! The generated code names runtime items as `crate::…`; this crate root provides them: the
//! SDK's own modules re-exported, and `Client` / `UserClient` wrappers whose `transport` sends
//! through the SDK's one transport. The end-to-end test `fixture_client` calls an endpoint of
//! every auth kind against a local server.

pub(crate) use douyin_alliance::{__api_object, __object, __open_enum};
pub use douyin_alliance::{
    auth, check, codec, endpoint, paginate, webhook, ApiObject, Id, Result, Secret, UserAuth,
};

/// This client's unknown enum values: like the SDK's, readable and only made by this crate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// The value as it travels on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn new(wire: impl Into<String>) -> Self {
        UnknownValue(wire.into())
    }
}

/// The fixture API's app-level and unauthenticated calls.
#[derive(Debug, Clone)]
pub struct Client(pub douyin_alliance::Client);

impl Client {
    /// The fixture API's user calls for `user`.
    pub fn user(&self, user: &UserAuth) -> UserClient {
        UserClient(self.0.user(user))
    }
}

/// The fixture API's user calls.
#[derive(Debug, Clone)]
pub struct UserClient(pub douyin_alliance::UserClient);

/// What the generated methods call: the SDK's transport, through the wrappers.
mod transport {
    use douyin_alliance::__private::{RequestParams, ResponseData};
    use douyin_alliance::endpoint::Endpoint;
    use douyin_alliance::Result;

    type Request<'r, Req> = Option<&'r Req>;

    pub(crate) async fn call<Req: RequestParams + ?Sized, Resp: ResponseData>(
        client: &super::Client,
        endpoint: &'static Endpoint,
        request: Request<'_, Req>,
    ) -> Result<Resp> {
        douyin_alliance::__private::call(&client.0, endpoint, request).await
    }

    // A spec without user endpoints (some api-diff cases) never calls it.
    #[allow(dead_code)]
    pub(crate) async fn call_as_user<Req: RequestParams + ?Sized, Resp: ResponseData>(
        user: &super::UserClient,
        endpoint: &'static Endpoint,
        request: Request<'_, Req>,
    ) -> Result<Resp> {
        douyin_alliance::__private::call_as_user(&user.0, endpoint, request).await
    }
}

/// The fixture's generated types.
#[deny(warnings)]
#[allow(clippy::too_many_arguments)]
pub mod types {
    include!(concat!(env!("OUT_DIR"), "/types.rs"));
}

/// The fixture's generated endpoint metadata and methods.
#[deny(warnings)]
pub mod endpoints {
    include!(concat!(env!("OUT_DIR"), "/endpoints.rs"));
}

/// The api-diff cases' downstream code as doctests (`api-diff-old` / `api-diff-new` only; an
/// empty file for the fixture crates).
#[allow(dead_code)]
mod snippets {
    include!(concat!(env!("OUT_DIR"), "/snippets.rs"));
}
