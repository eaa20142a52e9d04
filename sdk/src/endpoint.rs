//! Endpoint metadata: what the spec says about each call, handed by each generated method to the
//! runtime with the call. The vocabulary (servers, methods, auth kinds, encodings, envelopes) is
//! the one the generator uses (`douyin-alliance-meta`).

pub use douyin_alliance_meta::{AuthKind, Encoding, EnvelopeKind, Evidence, HttpMethod, PageStyle, Server};

/// Where an injected field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InjectFrom {
    /// The client's client_key.
    ClientKey,
    /// The client's client_secret.
    ClientSecret,
    /// The user's access_token.
    AccessToken,
    /// The user's open_id.
    OpenId,
    /// A constant.
    Const(&'static str),
}

/// A wire field the SDK fills in itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Inject {
    /// Wire name.
    pub name: &'static str,
    /// Its value's source.
    pub from: InjectFrom,
}

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
    /// Host.
    pub server: Server,
    /// Method.
    pub method: HttpMethod,
    /// Path.
    pub path: &'static str,
    /// Credential kind.
    pub auth: AuthKind,
    /// Whether the user's open_id goes in the query.
    pub open_id_in_query: bool,
    /// Whether the call may be retried.
    pub retry_safe: bool,
    /// Request encoding.
    pub encoding: Encoding,
    /// Response envelope.
    pub envelope: EnvelopeKind,
    /// Fields the SDK injects.
    pub inject: &'static [Inject],
    /// Pagination.
    pub pagination: Option<PaginationMeta>,
    /// How strongly the endpoint itself is evidenced.
    pub evidence: Evidence,
    /// How strongly its credential kind is evidenced.
    pub auth_evidence: Evidence,
    /// How strongly its envelope is evidenced: below [`Evidence::Confirmed`] the envelope of an
    /// answer is detected from its keys instead of assumed.
    pub envelope_evidence: Evidence,
    /// The OAuth scope the call needs, when known.
    pub scope: Option<&'static str>,
}
