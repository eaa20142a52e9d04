//! A client's clock that moves with the sandbox's: the gateway refuses timestamps more than 10
//! minutes off its clock, so after [`crate::Sandbox::advance_clock`] a client whose own clock
//! stayed put is refused every signed call. Tests of what happens days later (token expiry,
//! refresh) give their client this hook.

use std::sync::Arc;

use douyin_alliance::endpoint::Endpoint;
use douyin_alliance::signing::{self, SignMethod, Signed};
use douyin_alliance::Hook;

use crate::{Sandbox, Shared};

/// A [`Hook`] that gives each signed call the sandbox clock's timestamp (epoch seconds), as if
/// the client's clock had moved with [`Sandbox::advance_clock`], and signs it again. Only a
/// call signed with the sandbox app's secret is signed again: a wrong sign stays wrong. Made by
/// [`Sandbox::doudian_clock`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use douyin_alliance::types::DoudianTokenCreateRequest;
/// use douyin_sandbox::Sandbox;
///
/// let sandbox = Sandbox::start().await?;
/// let client = sandbox.client_builder().hook(sandbox.doudian_clock()).build()?;
/// sandbox.advance_clock(Duration::from_secs(3 * 86_400));
/// let self_built = DoudianTokenCreateRequest::new("", "authorization_self").with_shop_id(42u64);
/// assert!(client.doudian_token_create(&self_built).await.is_ok());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct DoudianClock {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for DoudianClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DoudianClock").finish_non_exhaustive()
    }
}

impl Hook for DoudianClock {
    fn on_request(&self, endpoint: &'static Endpoint, request: &mut reqwest::Request) {
        if endpoint.signed().is_none() {
            return;
        }
        let body = request.body().and_then(|b| b.as_bytes()).map(|b| String::from_utf8_lossy(b).into_owned());
        let mut pairs: Vec<(String, String)> = request.url().query_pairs().into_owned().collect();
        let get = |pairs: &[(String, String)], name: &str| {
            pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        let (app_key, method) = (get(&pairs, "app_key"), get(&pairs, "method"));
        let (timestamp, sign) = (get(&pairs, "timestamp"), get(&pairs, "sign"));
        let sign_method = pairs.iter().find(|(k, _)| k == "sign_method").map(|(_, v)| v.as_str());
        let Some(sign_method) = SignMethod::from_query(sign_method) else { return };
        let param_json = body.unwrap_or_default();
        let now = self.shared.clock.unix_secs().to_string();
        let old =
            Signed { app_key: &app_key, method: &method, param_json: &param_json, timestamp: &timestamp };
        let ours = signing::verify(&old, Sandbox::DOUDIAN_APP_SECRET, sign_method, &sign);
        let new = Signed { timestamp: &now, ..old };
        let new_sign = ours.then(|| signing::sign(&new, Sandbox::DOUDIAN_APP_SECRET, sign_method));
        for (k, v) in &mut pairs {
            match (k.as_str(), &new_sign) {
                ("timestamp", _) => v.clone_from(&now),
                ("sign", Some(s)) => v.clone_from(s),
                _ => {}
            }
        }
        request.url_mut().query_pairs_mut().clear().extend_pairs(pairs);
    }
}
