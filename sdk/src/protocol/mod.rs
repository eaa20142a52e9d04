//! The steps of a call that depend on how it travels, one module per binding: encode (once per
//! call) and authorize (once per attempt, with the identity resolved for that attempt). The loop
//! that runs them, with the limiter, retries and spans, is `transport`; decoding is the
//! envelope codec's (`envelope`).

mod rest;
pub(crate) mod signed;

use crate::auth::user::UserAuth;
use crate::auth::DoudianAuth;
use crate::check::Check;
use crate::endpoint::{Binding, Endpoint};
use crate::{Client, Error, ErrorKind, Result, Secret};

/// Who a call is made as, resolved again for every attempt (a session's token can be refreshed
/// between two attempts, a rejected client_token fetched anew).
pub(crate) enum Identity<'a> {
    /// No credential.
    None,
    /// The app's client_token.
    AppToken(Secret),
    /// A user's access_token and open_id.
    User(&'a UserAuth),
    /// A Doudian authority's access_token.
    Authority(&'a DoudianAuth),
}

/// Who a call is made for, as the generated method's client says: the app, a user, or a
/// Doudian authority. The identity of each attempt is resolved from it.
#[derive(Clone, Copy)]
pub(crate) enum Caller<'a> {
    /// The app itself (methods on `Client`).
    App,
    /// A user (methods on `UserClient`).
    User(&'a UserAuth),
    /// A Doudian authority (methods on `DoudianClient`).
    Authority(&'a DoudianAuth),
}

/// A call's parameters as they travel, encoded once for all its attempts.
pub(crate) enum Wire {
    /// A JSON body.
    Json(bytes::Bytes),
    /// A form body.
    Form(bytes::Bytes),
    /// Query-string pairs.
    Query(Vec<(String, String)>),
    /// Nothing.
    Empty,
    /// The Doudian gateway's `param_json`: the canonical JSON that is both body and signed.
    Signed(bytes::Bytes),
}

/// Checks the request against the spec's constraints and serialises it (the only step compiled
/// per request type), then encodes it as the endpoint's binding sends it.
pub(crate) fn encode<Req: serde::Serialize + Check + ?Sized>(
    client: &Client,
    endpoint: &'static Endpoint,
    request: Option<&Req>,
) -> Result<Wire> {
    let body = match request {
        None => None,
        Some(r) => {
            r.check().map_err(|v| invalid(endpoint, &v.field, v.problem))?;
            Some(serde_json::to_vec(r).map_err(|e| invalid(endpoint, "(body)", e.to_string()))?)
        }
    };
    match &endpoint.binding {
        Binding::Rest(rest) => rest::encode(client, endpoint, rest, body),
        Binding::Signed(_) => signed::encode(endpoint, body),
    }
}

/// The attempt's request: the encoded call with the identity's credentials where the binding
/// puts them.
pub(crate) fn authorize(
    client: &Client,
    endpoint: &'static Endpoint,
    identity: &Identity<'_>,
    wire: &Wire,
) -> Result<reqwest::Request, ErrorKind> {
    match &endpoint.binding {
        Binding::Rest(rest) => rest::authorize(client, rest, identity, wire),
        Binding::Signed(s) => signed::authorize(client, endpoint, s, identity, wire),
    }
}

pub(crate) fn invalid(endpoint: &Endpoint, field: &str, problem: String) -> Error {
    Error::new(endpoint.name, ErrorKind::InvalidInput { field: field.into(), problem })
}
