//! Calls chosen at run time: an endpoint's metadata, JSON in and JSON out, on the same pipeline
//! as the typed methods (credentials, signing, retries, limits, hooks, envelopes). For tools
//! that pick the endpoint from their input, such as the command line. The request is sent as
//! given (its constraints are the platform's to check, not the SDK's), and the answer's `data`
//! comes back as JSON once the envelope is read; the typed methods remain the way to call from
//! code.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::endpoint::{AuthKind, Endpoint};
use crate::{ApiObject, Client, DoudianClient, Error, ErrorKind, Result, UserClient};

/// An answer's `data`, as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct RawData {
    /// The `data` object (or the body, for envelopes without one).
    pub data: Value,
    extra: BTreeMap<String, Value>,
}

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(RawData { data: Value::deserialize(d)?, extra: BTreeMap::new() })
    }
}

impl ApiObject for RawData {
    fn extra_fields(&self) -> &BTreeMap<String, Value> {
        &self.extra
    }
    fn extra_fields_mut(&mut self) -> &mut BTreeMap<String, Value> {
        &mut self.extra
    }
}

fn wrong_client(endpoint: &'static Endpoint, needs: &str) -> Error {
    Error::new(endpoint.name, ErrorKind::Config(format!("`{}` is called through {needs}", endpoint.name)))
}

/// The endpoint of the spec called `name`.
pub fn endpoint(name: &str) -> Option<&'static Endpoint> {
    crate::ENDPOINTS.iter().copied().find(|e| e.name == name)
}

impl Client {
    /// Calls an app-level or unauthenticated `endpoint` with `params` (a JSON object, or none).
    pub async fn call_json(&self, endpoint: &'static Endpoint, params: Option<&Value>) -> Result<Value> {
        match endpoint.auth() {
            AuthKind::AccessToken => Err(wrong_client(endpoint, "a UserClient (a user's access_token)")),
            AuthKind::DoudianToken => Err(wrong_client(endpoint, "a DoudianClient (an authority's token)")),
            _ => crate::transport::call::<Value, RawData>(self, endpoint, params).await.map(|r| r.data),
        }
    }
}

impl UserClient {
    /// Calls a user `endpoint` with `params` (a JSON object, or none).
    pub async fn call_json(&self, endpoint: &'static Endpoint, params: Option<&Value>) -> Result<Value> {
        if endpoint.auth() != AuthKind::AccessToken {
            return Err(wrong_client(endpoint, "the Client or a DoudianClient"));
        }
        crate::transport::call_as_user::<Value, RawData>(self, endpoint, params).await.map(|r| r.data)
    }
}

impl DoudianClient {
    /// Calls a gateway `endpoint` that takes an authority's token with `params`.
    pub async fn call_json(&self, endpoint: &'static Endpoint, params: Option<&Value>) -> Result<Value> {
        if endpoint.auth() != AuthKind::DoudianToken {
            return Err(wrong_client(endpoint, "the Client or a UserClient"));
        }
        crate::transport::call_as_authority::<Value, RawData>(self, endpoint, params).await.map(|r| r.data)
    }
}
