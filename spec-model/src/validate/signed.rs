//! The signed binding of an endpoint on the Doudian gateway: the `method` name (the path is
//! derived from it), whether an authority's token goes with the call and which kinds, the
//! envelope. Nothing of the REST binding (path, HTTP method, encoding, placement, injects,
//! open_id, scope) may be written here.

use super::*;

impl Cx {
    pub(super) fn signed(
        &mut self,
        at: &At<'_>,
        e: &EndpointSpec,
        evidence: &Option<Provenance>,
    ) -> Option<Binding> {
        let before = self.errors.len();
        let server = Server::from_host(&e.server)?;
        let method = e.method.as_str();
        let segment = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !method.contains('.') || !method.split('.').all(segment) {
            self.errors.push(at.err("method", format!("`{method}` is not a gateway method name")).hint(
                "dot-separated words, like `buyin.kolProductShare` or `buyin.colonel.specialApplyDeal`",
            ));
        }
        let rest_only: [(&str, bool); 6] = [
            ("path", e.path.is_some()),
            ("credentials", e.credentials.is_some()),
            ("open_id_in_query", e.open_id_in_query),
            ("scope", e.scope.is_some()),
            ("alternative_auth", e.alternative_auth.is_some()),
            ("request.inject", e.request.as_ref().is_some_and(|r| !r.inject.is_empty())),
        ];
        for (key, set) in rest_only {
            if set {
                self.errors.push(at.err(key, format!("`{key}` is set on a signed gateway call")).hint(
                    "the gateway derives the path from `method`, signs `param_json` and carries the token itself",
                ));
            }
        }
        if let Some(r) = &e.request {
            if r.encoding != "json" {
                self.errors.push(
                    at.err(
                        "request.encoding",
                        format!("`encoding: {}` on a signed gateway call", r.encoding),
                    )
                    .hint("`json`: the gateway's `param_json` is the JSON body"),
                );
            }
        }
        let token = match spelled!(AuthKind, &e.auth) {
            Ok(AuthKind::None) => Some(false),
            Ok(AuthKind::DoudianToken) => Some(true),
            Ok(_) | Err(_) => {
                self.errors.push(
                    at.err("auth", format!("auth `{}` on a signed gateway call", e.auth))
                        .hint("`doudian_token` (an authority's token) or `none` (signed only)"),
                );
                None
            }
        };
        let mut authorities = Vec::new();
        for a in e.authority.iter().flatten() {
            match spelled!(Authority, a) {
                Ok(k) if !authorities.contains(&k) => authorities.push(k),
                Ok(_) => self.errors.push(at.err("authority", format!("authority `{a}` is listed twice"))),
                Err(h) => self.errors.push(at.err("authority", format!("unknown authority `{a}`")).hint(h)),
            }
        }
        if token == Some(true) && e.authority.is_none() {
            self.errors.push(
                at.err("authority", "the call takes a Doudian token but states no `authority`")
                    .hint("the kinds whose token it takes, e.g. `authority: [kol]`"),
            );
        }
        if token == Some(false) && e.authority.is_some() {
            self.errors.push(
                at.err("authority", "`authority` is set but the call takes no token (`auth: none`)")
                    .hint("`auth: doudian_token`, or no `authority`"),
            );
        }
        let auth_evidence = self.evidence_or(at, "auth_evidence", e.auth_evidence.as_ref(), evidence);
        let envelope_evidence =
            self.evidence_or(at, "response.evidence", e.response.evidence.as_ref(), evidence);
        let envelope = spelled!(EnvelopeKind, &e.response.envelope)
            .map_err(|h| {
                self.errors.push(
                    at.err("response.envelope", format!("unknown envelope `{}`", e.response.envelope))
                        .hint(h),
                )
            })
            .ok();
        if self.errors.len() > before {
            return None;
        }
        Some(Binding::Signed(SignedBinding {
            server,
            method: method.to_string(),
            path: format!("/{}", method.replace('.', "/")),
            credential: SignedCredential { token: token?, authorities, evidence: auth_evidence? },
            envelope: envelope?,
            envelope_evidence: envelope_evidence?,
        }))
    }
}
