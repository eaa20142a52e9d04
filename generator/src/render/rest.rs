//! The REST binding's part of the template context: the `binding:` of an endpoint's static
//! (written by the partial `bindings/rest.rs.jinja`) and the wire lines of its docs.

use serde::Serialize;

use super::context::{BindingCx, Offer, Wire};
use super::rust;
use crate::model::{AuthKind, Credential, Operation, Placement, RestBinding};
use crate::names;

/// What the partial pastes into `Binding::Rest(RestBinding { .. })`.
#[derive(Serialize, Clone)]
pub struct RestCx {
    server: &'static str,
    method: &'static str,
    path_lit: String,
    encoding: &'static str,
    placement: String,
    placement_evidence: &'static str,
    /// `("wire", "value")` literal pairs.
    constants: Vec<(String, String)>,
    envelope: &'static str,
    envelope_evidence: &'static str,
}

/// The offers of a REST operation: its own credential, and the alternative one when sources
/// disagree (a second static, `_AS_USER` / `_AS_APP`).
pub fn offers<'e>(e: &'e Operation, r: &'e RestBinding) -> Vec<Offer<'e>> {
    let credentials: Vec<&Credential> =
        std::iter::once(&r.credential).chain(r.alternative.as_ref()).collect();
    let konst = names::constant(&e.name);
    credentials
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let other = credentials
                .iter()
                .find(|o| !std::ptr::eq(**o, *c))
                .map(|o| (o.placement.auth(), &o.evidence));
            let konst = match (i, c.placement.auth()) {
                (0, _) => konst.clone(),
                (_, AuthKind::AccessToken) => format!("{konst}_AS_USER"),
                _ => format!("{konst}_AS_APP"),
            };
            Offer {
                auth: c.placement.auth(),
                scope: c.scope.as_deref(),
                scope_md: None,
                evidence: &c.evidence,
                konst,
                other,
                wire: wire(r, c),
            }
        })
        .collect()
}

/// The wire of offer `o` of a REST operation.
fn wire(r: &RestBinding, c: &Credential) -> Wire {
    let placement = c.placement;
    let open_id = placement.open_id_in_query();
    let in_body = matches!(placement, Placement::AppInBody { .. } | Placement::UserInBody);
    Wire {
        doc_line: format!(
            "`{} https://{}{}`{}",
            r.method,
            r.server.host(),
            r.path,
            if open_id { "?open_id=…" } else { "" }
        ),
        md: format!(
            "`{} https://{}{}`{}, encoding `{}`",
            r.method,
            r.server.host(),
            r.path,
            if open_id { " with `?open_id=…`" } else { "" },
            r.encoding,
        ),
        credentials_md: if in_body { "; credentials sent in the body by the SDK" } else { "" }.to_string(),
        short_md: format!("`{} {}`", r.method, r.path),
        binding: BindingCx {
            rest: Some(RestCx {
                server: r.server.rust_path(),
                method: r.method.rust_path(),
                path_lit: rust::lit(&r.path),
                encoding: r.encoding.rust_path(),
                placement: placement.rust_path(),
                placement_evidence: c.evidence.level.rust_path(),
                constants: r.constants.iter().map(|(k, v)| (rust::lit(k), rust::lit(v))).collect(),
                envelope: r.envelope.rust_path(),
                envelope_evidence: r.envelope_evidence.level.rust_path(),
            }),
            signed: None,
        },
    }
}
