//! The signed binding's part of the template context: the `binding:` of a Doudian gateway
//! endpoint's static (written by the partial `bindings/signed.rs.jinja`) and its doc lines.

use serde::Serialize;

use super::context::{BindingCx, Offer, Wire};
use super::rust;
use crate::model::{AuthKind, Operation, SignedBinding};
use crate::names;

/// What the partial pastes into `Binding::Signed(SignedBinding { .. })`.
#[derive(Serialize, Clone)]
pub struct SignedCx {
    server: &'static str,
    method_lit: String,
    path_lit: String,
    token: bool,
    authorities: Vec<&'static str>,
    token_evidence: &'static str,
    envelope: &'static str,
    envelope_evidence: &'static str,
}

/// The one offer of a signed operation.
pub fn offer<'e>(e: &'e Operation, s: &'e SignedBinding) -> Offer<'e> {
    let c = &s.credential;
    let auth = if c.token { AuthKind::DoudianToken } else { AuthKind::None };
    let who: Vec<&str> = c.authorities.iter().map(|a| a.phrase()).collect();
    let authority = if who.is_empty() { String::new() } else { format!(" of a {}", who.join(" or ")) };
    Offer {
        auth,
        scope: None,
        scope_md: Some(if who.is_empty() { "—".to_string() } else { who.join(", ") }),
        evidence: &c.evidence,
        konst: names::constant(&e.name),
        other: None,
        wire: Wire {
            doc_line: format!(
                "signed `{}` (`POST https://{}{}`){authority}",
                s.method,
                s.server.host(),
                s.path
            ),
            md: format!(
                "signed method `{}`: `POST https://{}{}`, `param_json` body",
                s.method,
                s.server.host(),
                s.path
            ),
            credentials_md: "; the app's signature on every attempt".to_string(),
            short_md: format!("`{}`", s.method),
            binding: BindingCx {
                rest: None,
                signed: Some(SignedCx {
                    server: s.server.rust_path(),
                    method_lit: rust::lit(&s.method),
                    path_lit: rust::lit(&s.path),
                    token: c.token,
                    authorities: c.authorities.iter().map(|a| a.rust_path()).collect(),
                    token_evidence: c.evidence.level.rust_path(),
                    envelope: s.envelope.rust_path(),
                    envelope_evidence: s.envelope_evidence.level.rust_path(),
                }),
            },
        },
    }
}
