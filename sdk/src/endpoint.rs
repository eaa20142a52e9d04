//! Endpoint metadata: what the spec says about each call, handed by each generated method to the
//! runtime with the call. An [`Endpoint`] is what the operation is (name, docs, evidence, retry
//! safety, paging, scope, rate scope); its [`Binding`] is how it travels. The vocabulary
//! (servers, methods, placements, encodings, envelopes) is the one the generator uses
//! (`douyin-alliance-meta`).

pub use douyin_alliance_meta::{
    AuthKind, Authority, Encoding, EnvelopeKind, Evidence, HttpMethod, PageStyle, Placement, Protocol,
    RateScope, Server, TokenRole,
};

/// Pagination facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaginationMeta {
    /// Style.
    pub style: PageStyle,
    /// The largest page size the platform accepts.
    pub max_page_size: i64,
}

/// Everything the spec says about one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// snake_case name, also the SDK method name.
    pub name: &'static str,
    /// English summary.
    pub summary: &'static str,
    /// The platform's Chinese title.
    pub title_zh: &'static str,
    /// The platform's doc page.
    pub doc_url: &'static str,
    /// Whether the call may be retried.
    pub retry_safe: bool,
    /// Pagination.
    pub pagination: Option<PaginationMeta>,
    /// How strongly the endpoint itself is evidenced.
    pub evidence: Evidence,
    /// The OAuth scope the call needs, when known.
    pub scope: Option<&'static str>,
    /// Which of the client's rate limits the call counts against.
    pub rate_scope: RateScope,
    /// How the call travels.
    pub binding: Binding,
}

/// How a call travels. A second API family is a second variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Binding {
    /// A REST call of the Douyin open platform.
    Rest(RestBinding),
    /// A signed call of the Doudian gateway.
    Signed(SignedBinding),
}

/// A signed call of the Doudian gateway: `POST` to the path of its `method`, the request's
/// canonical JSON as the body (`param_json`), signed on every attempt with the app's secret, and
/// the authority's access_token when the call takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignedBinding {
    /// The gateway.
    pub server: Server,
    /// The `method` name, e.g. `buyin.kolProductShare`.
    pub method: &'static str,
    /// `/` + `method` with every `.` replaced by `/`.
    pub path: &'static str,
    /// Whether an authority's access_token goes with the call.
    pub token: bool,
    /// The kinds of authority whose token the call takes (empty: any).
    pub authorities: &'static [Authority],
    /// How strongly the token kind and authority are evidenced.
    pub token_evidence: Evidence,
    /// Response envelope.
    pub envelope: EnvelopeKind,
    /// How strongly the envelope is evidenced.
    pub envelope_evidence: Evidence,
}

/// A REST call: a path on a host, its encoding, where the credential travels, its envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RestBinding {
    /// Host.
    pub server: Server,
    /// HTTP method.
    pub method: HttpMethod,
    /// Absolute path.
    pub path: &'static str,
    /// Request encoding.
    pub encoding: Encoding,
    /// Where the credential travels (which implies its kind).
    pub placement: Placement,
    /// How strongly the credential is evidenced.
    pub placement_evidence: Evidence,
    /// Constant fields the SDK adds to every request: (wire name, value).
    pub constants: &'static [(&'static str, &'static str)],
    /// Response envelope.
    pub envelope: EnvelopeKind,
    /// How strongly the envelope is evidenced: below [`Evidence::Confirmed`] the envelope of an
    /// answer is detected from its keys instead of assumed.
    pub envelope_evidence: Evidence,
}

impl Endpoint {
    /// The credential the call needs.
    pub const fn auth(&self) -> AuthKind {
        match &self.binding {
            Binding::Rest(r) => r.placement.auth(),
            Binding::Signed(s) if s.token => AuthKind::DoudianToken,
            Binding::Signed(_) => AuthKind::None,
        }
    }

    /// The REST binding, when the call is a REST call.
    pub const fn rest(&self) -> Option<&RestBinding> {
        match &self.binding {
            Binding::Rest(r) => Some(r),
            Binding::Signed(_) => None,
        }
    }

    /// The signed binding, when the call is a Doudian gateway call.
    pub const fn signed(&self) -> Option<&SignedBinding> {
        match &self.binding {
            Binding::Signed(s) => Some(s),
            Binding::Rest(_) => None,
        }
    }

    /// The host it is sent to.
    pub const fn server(&self) -> Server {
        match &self.binding {
            Binding::Rest(r) => r.server,
            Binding::Signed(s) => s.server,
        }
    }

    /// The path it is sent to.
    pub const fn path(&self) -> &'static str {
        match &self.binding {
            Binding::Rest(r) => r.path,
            Binding::Signed(s) => s.path,
        }
    }

    /// The envelope of its answers, and how strongly it is evidenced.
    pub const fn envelope(&self) -> (EnvelopeKind, Evidence) {
        match &self.binding {
            Binding::Rest(r) => (r.envelope, r.envelope_evidence),
            Binding::Signed(s) => (s.envelope, s.envelope_evidence),
        }
    }

    /// How strongly its credential is evidenced.
    pub const fn auth_evidence(&self) -> Evidence {
        match &self.binding {
            Binding::Rest(r) => r.placement_evidence,
            Binding::Signed(s) => s.token_evidence,
        }
    }
}
