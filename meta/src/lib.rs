//! The vocabulary of the spec that both the generator and the runtime speak: which host, which
//! HTTP method, which credential, which encoding, which envelope, which pagination style.
//!
//! Both sides use these very types: the generator's model holds them and writes paths to them
//! into generated code; the runtime (`douyin_alliance::endpoint`) re-exports them and acts on
//! them. A rename or a new variant here fails to compile in the generator (its token mapping
//! matches exhaustively), not later in the generated SDK.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

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

    /// The host name, as the spec spells it.
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

    /// The server whose host is `host`.
    pub fn from_host(host: &str) -> Option<Server> {
        Server::ALL.into_iter().find(|s| s.host() == host)
    }

    /// Position in [`Server::ALL`].
    pub fn index(self) -> usize {
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
    /// The method's name on the wire: `GET`, `POST`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which credential a call needs. Decided by the spec; enforced by the type the method is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// None (methods on `Client`).
    None,
    /// The app's client_token, fetched and cached by the client (methods on `Client`).
    ClientToken,
    /// A user's access_token (methods on `UserClient`).
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
    /// `{"status_code", "status_msg", ..}`: seen on other lianmengapi endpoints; the data is
    /// `data` when present, else the rest of the body.
    StatusCode,
}

impl EnvelopeKind {
    /// Every envelope.
    pub const ALL: [EnvelopeKind; 4] =
        [EnvelopeKind::DataExtra, EnvelopeKind::ErrNo, EnvelopeKind::CodeMsg, EnvelopeKind::StatusCode];

    /// The spec's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvelopeKind::DataExtra => "data_extra",
            EnvelopeKind::ErrNo => "err_no",
            EnvelopeKind::CodeMsg => "code_msg",
            EnvelopeKind::StatusCode => "status_code",
        }
    }
}

/// How strongly a fact of the spec is evidenced, strongest first. Only [`Evidence::Documented`]
/// and [`Evidence::Confirmed`] facts are trusted to fail a call: a field below them decodes
/// leniently, an envelope below them is detected from the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Evidence {
    /// Stated by the platform's official documentation.
    Documented,
    /// Agreed by two independent working clients or sources.
    Confirmed,
    /// One source only.
    SingleSource,
    /// Taken from the Doudian gateway's equivalent API, which serves the same data.
    Analogue,
    /// Known only from the Python class this SDK replaces.
    SeedOnly,
    /// Our inference; no source states it.
    Guessed,
}

impl Evidence {
    /// Every level, strongest first.
    pub const ALL: [Evidence; 6] = [
        Evidence::Documented,
        Evidence::Confirmed,
        Evidence::SingleSource,
        Evidence::Analogue,
        Evidence::SeedOnly,
        Evidence::Guessed,
    ];

    /// The spec's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::Confirmed => "confirmed",
            Evidence::SingleSource => "single_source",
            Evidence::Analogue => "analogue",
            Evidence::SeedOnly => "seed_only",
            Evidence::Guessed => "guessed",
        }
    }

    /// Whether the fact is documented or confirmed: strong enough to fail a call on.
    pub fn is_confirmed(self) -> bool {
        self <= Evidence::Confirmed
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Pagination style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageStyle {
    /// page + page_size (+ total).
    Page,
    /// cursor + size.
    Cursor,
}
