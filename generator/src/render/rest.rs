//! The REST binding's part of the template context: the `binding:` of an endpoint's static
//! (written by the partial `bindings/rest.rs.jinja`) and the wire lines of its docs.

use serde::Serialize;

use super::context::Offer;
use super::rust;
use crate::model::{Placement, RestBinding};

/// What the partial pastes into `Binding::Rest(RestBinding { .. })`.
#[derive(Serialize)]
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

/// An offer's wire, as the docs and the static show it.
pub struct Wire {
    /// The doc comment's request line (before ` · auth: …`).
    pub doc_line: String,
    /// The endpoint reference's request line.
    pub md: String,
    /// What the reference's auth line adds about where the credential travels.
    pub credentials_md: &'static str,
    /// The reference table's "method and path" cell.
    pub short_md: String,
    /// The static's binding.
    pub rest: Option<RestCx>,
}

/// The wire of offer `o` of a REST operation.
pub fn wire(r: &RestBinding, o: &Offer<'_>) -> Wire {
    let placement = o.credential.placement;
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
        credentials_md: if in_body { "; credentials sent in the body by the SDK" } else { "" },
        short_md: format!("`{} {}`", r.method, r.path),
        rest: Some(RestCx {
            server: r.server.rust_path(),
            method: r.method.rust_path(),
            path_lit: rust::lit(&r.path),
            encoding: r.encoding.rust_path(),
            placement: placement.rust_path(),
            placement_evidence: o.credential.evidence.level.rust_path(),
            constants: r.constants.iter().map(|(k, v)| (rust::lit(k), rust::lit(v))).collect(),
            envelope: r.envelope.rust_path(),
            envelope_evidence: r.envelope_evidence.level.rust_path(),
        }),
    }
}
