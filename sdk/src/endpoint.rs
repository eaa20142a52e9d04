//! Endpoint metadata: what the generated table says about each call. The client reads it to send
//! a call; the sandbox reads it to serve one; users can read it to inspect the API.

use std::fmt;

/// A host of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Server {
    /// `open.douyin.com`: OAuth.
    OpenDouyin,
    /// `open.douyinec.com`: the Alliance API.
    OpenDouyinEc,
    /// `lianmengapi.snssdk.com`: the captain (团长) mobile API.
    Lianmeng,
}

impl Server {
    /// Every server.
    pub const ALL: [Server; 3] = [Server::OpenDouyin, Server::OpenDouyinEc, Server::Lianmeng];

    /// The host name.
    pub fn host(self) -> &'static str {
        match self {
            Server::OpenDouyin => "open.douyin.com",
            Server::OpenDouyinEc => "open.douyinec.com",
            Server::Lianmeng => "lianmengapi.snssdk.com",
        }
    }

    /// The production base URL.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Server::OpenDouyin => "https://open.douyin.com",
            Server::OpenDouyinEc => "https://open.douyinec.com",
            Server::Lianmeng => "https://lianmengapi.snssdk.com",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.host())
    }
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
}

impl HttpMethod {
    /// As `reqwest`/`http` sees it.
    pub fn as_http(self) -> http::Method {
        match self {
            HttpMethod::Get => http::Method::GET,
            HttpMethod::Post => http::Method::POST,
        }
    }
}

/// Which credential a call needs. Decided by the spec; enforced by the type the method is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// None (methods on [`crate::Client`]).
    None,
    /// The app's client_token, fetched and cached by the client (methods on [`crate::Client`]).
    ClientToken,
    /// A user's access_token (methods on [`crate::UserClient`]).
    AccessToken,
}

/// How credentials travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Credentials {
    /// Nothing is sent.
    None,
    /// The token goes in the `access-token` header.
    Header,
    /// client_key / client_secret are injected into the body.
    Body,
}

/// Request encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// JSON body (`application/json`, without a charset, as the platform wants).
    Json,
    /// `application/x-www-form-urlencoded` body.
    Form,
    /// Parameters in the query string.
    Query,
    /// Nothing is sent.
    None,
}

/// Response envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnvelopeKind {
    /// `{"data": {"error_code", "description", ..}, "extra": {..}}`
    DataExtra,
    /// `{"err_no", "err_msg", "log_id", "data"}`
    ErrNo,
    /// `{"code", "msg", "data"}`
    CodeMsg,
}

/// Where an injected field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InjectFrom {
    /// The client's client_key.
    ClientKey,
    /// The client's client_secret.
    ClientSecret,
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

/// Pagination style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageStyle {
    /// page + page_size (+ total).
    Page,
    /// cursor + size.
    Cursor,
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
    /// Credential transport.
    pub credentials: Credentials,
    /// Whether the user's open_id goes in the query.
    pub open_id_in_query: bool,
    /// Whether the call may be retried.
    pub retry_safe: bool,
    /// Request encoding.
    pub encoding: Encoding,
    /// Response envelope.
    pub envelope: EnvelopeKind,
    /// Named type of the request parameters.
    pub request_type: Option<&'static str>,
    /// Named type of the response `data`.
    pub response_type: &'static str,
    /// Fields the SDK injects.
    pub inject: &'static [Inject],
    /// A complete example response body.
    pub example_response: Option<&'static str>,
    /// Pagination.
    pub pagination: Option<PaginationMeta>,
}

/// Every endpoint of the spec, in spec order.
pub fn all() -> &'static [&'static Endpoint] {
    crate::generated::endpoints::ENDPOINTS
}

/// The endpoint called `name`.
pub fn find(name: &str) -> Option<&'static Endpoint> {
    all().iter().copied().find(|e| e.name == name)
}
