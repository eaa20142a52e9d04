//! The vocabulary of the spec that both the generator and the runtime speak: which host, which
//! HTTP method, which credential and where it travels, which encoding, which envelope, which
//! pagination style, which rate scope, which token role.
//!
//! Both sides use these very types: the generator's model holds them and writes paths to them
//! into generated code; the runtime (`douyin_alliance::endpoint`) re-exports them and acts on
//! them. Each word of the vocabulary is written once, in a [`vocab!`] table below: its spec
//! spelling, its Rust path and the phrase docs print come from that one line, so a new variant
//! is one line here (and a compile error wherever behaviour must be decided for it).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Declares one enum of the vocabulary. Each variant is written once, with its spec spelling
/// and the phrase docs print:
///
/// ```
/// # use douyin_alliance_meta::vocab;
/// vocab! {
///     /// A colour.
///     pub enum Colour {
///         /// Red.
///         Red = "red", "a red thing",
///     }
/// }
/// assert_eq!(Colour::from_spec("red"), Some(Colour::Red));
/// assert_eq!(Colour::Red.rust_path(), "Colour::Red");
/// ```
///
/// It gives `ALL` (in declaration order), `COUNT`, `as_str` (the spec spelling, also
/// `Display`), `from_spec`, `phrase`, `rust_path` (`Enum::Variant`, how generated code names
/// it), `index` and `spellings` (for "expected one of" hints).
#[macro_export]
macro_rules! vocab {
    ($(#[$m:meta])* pub enum $name:ident {
        $($(#[$vm:meta])* $variant:ident = $spelling:literal, $phrase:literal,)+
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            /// How many variants there are.
            pub const COUNT: usize = [$(stringify!($variant),)+].len();
            /// Every variant, in declaration order.
            pub const ALL: [$name; Self::COUNT] = [$($name::$variant,)+];

            /// The spec's spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $spelling,)+
                }
            }

            /// The variant the spec spells `s`.
            pub fn from_spec(s: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == s)
            }

            /// What docs call it.
            pub const fn phrase(self) -> &'static str {
                match self {
                    $($name::$variant => $phrase,)+
                }
            }

            /// `Enum::Variant`: how generated code names it.
            pub const fn rust_path(self) -> &'static str {
                match self {
                    $($name::$variant => concat!(stringify!($name), "::", stringify!($variant)),)+
                }
            }

            /// Position in [`Self::ALL`].
            pub const fn index(self) -> usize {
                self as usize
            }

            /// Every spelling as `` `a`, `b`, `c` ``, for "expected one of" hints.
            pub fn spellings() -> String {
                let all: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
                all.join(", ")
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocab! {
    /// A host of the platform; the spec spells it by its host name.
    pub enum Server {
        /// `open.douyin.com`: OAuth.
        OpenDouyin = "open.douyin.com", "the OAuth host",
        /// `open.douyinec.com`: the Alliance API.
        OpenDouyinEc = "open.douyinec.com", "the Alliance API host",
        /// `lianmengapi.snssdk.com`: the captain (团长) mobile API.
        Lianmeng = "lianmengapi.snssdk.com", "the captain mobile API host",
        /// `openapi-fxg.jinritemai.com`: the Doudian open-platform gateway (signed `method` calls).
        Doudian = "openapi-fxg.jinritemai.com", "the Doudian gateway",
    }
}

/// How the calls to a host travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A REST call: a path, a token header or body fields.
    Rest,
    /// A signed gateway call: the path from a `method` name, `param_json` signed per attempt.
    Signed,
}

impl Server {
    /// The host name, as the spec spells it.
    pub const fn host(self) -> &'static str {
        self.as_str()
    }

    /// The production base URL.
    pub fn default_base_url(self) -> String {
        format!("https://{}", self.host())
    }

    /// The server whose host is `host`.
    pub fn from_host(host: &str) -> Option<Server> {
        Server::from_spec(host)
    }

    /// How its calls travel.
    pub const fn protocol(self) -> Protocol {
        match self {
            Server::OpenDouyin | Server::OpenDouyinEc | Server::Lianmeng => Protocol::Rest,
            Server::Doudian => Protocol::Signed,
        }
    }
}

vocab! {
    /// HTTP method; the spec spells it as on the wire.
    pub enum HttpMethod {
        /// GET
        Get = "GET", "GET",
        /// POST
        Post = "POST", "POST",
    }
}

vocab! {
    /// Which credential a call needs: decided by its [`Placement`], enforced by the type the
    /// method is on.
    pub enum AuthKind {
        /// None (methods on `Client`).
        None = "none", "none",
        /// The app's client_token, fetched and cached by the client (methods on `Client`).
        ClientToken = "client_token", "app `client_token`",
        /// A user's access_token (methods on `UserClient`).
        AccessToken = "access_token", "user `access_token`",
        /// The Doudian access_token of an authority (a creator, colonel, institution, douke or
        /// shop), beside the app's signature (methods on `DoudianClient`).
        DoudianToken = "doudian_token", "Doudian `access_token` of an authority",
    }
}

impl AuthKind {
    /// The client type whose methods need this credential.
    pub const fn client_type(self) -> &'static str {
        match self {
            AuthKind::None | AuthKind::ClientToken => "Client",
            AuthKind::AccessToken => "UserClient",
            AuthKind::DoudianToken => "DoudianClient",
        }
    }
}

vocab! {
    /// Who granted a Doudian access_token: the subject whose data a signed call reaches. A call
    /// made with a token of another kind is refused by the gateway (`40003`
    /// `isv.authorization-type-invalid`), so the SDK checks it before sending.
    pub enum Authority {
        /// A creator (达人), through Buyin (百应).
        Kol = "kol", "creator (达人/百应)",
        /// A colonel (团长).
        Colonel = "colonel", "colonel (团长)",
        /// An institution (机构, an MCN).
        Institution = "institution", "institution (机构)",
        /// A douke (抖客).
        Douke = "douke", "douke (抖客)",
        /// A shop (店铺).
        Shop = "shop", "shop (店铺)",
    }
}

/// Where a REST call's credential travels: one value per valid combination, so an invalid one
/// (a user token with no user, an `open_id` on an app call) cannot be written. The wire names
/// of the fields are the platform's ([`Placement::CLIENT_KEY`] and kin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Nothing is sent.
    None,
    /// The app's `client_key`, and `client_secret` when `secret`, are added to the body.
    AppInBody {
        /// Whether `client_secret` goes too.
        secret: bool,
    },
    /// The app's client_token in the `access-token` header.
    AppTokenHeader,
    /// The user's access_token in the `access-token` header.
    UserHeader {
        /// Whether the user's `open_id` goes in the query string.
        open_id_in_query: bool,
    },
    /// The user's `access_token` and `open_id` are added to the body.
    UserInBody,
}

impl Placement {
    /// The header a token travels in.
    pub const TOKEN_HEADER: &'static str = "access-token";
    /// Wire name of the app's key.
    pub const CLIENT_KEY: &'static str = "client_key";
    /// Wire name of the app's secret.
    pub const CLIENT_SECRET: &'static str = "client_secret";
    /// Wire name of the user's token in a body.
    pub const ACCESS_TOKEN: &'static str = "access_token";
    /// Wire name of the user's open_id, in a body or the query.
    pub const OPEN_ID: &'static str = "open_id";

    /// The credential the call needs.
    pub const fn auth(self) -> AuthKind {
        match self {
            Placement::None | Placement::AppInBody { .. } => AuthKind::None,
            Placement::AppTokenHeader => AuthKind::ClientToken,
            Placement::UserHeader { .. } | Placement::UserInBody => AuthKind::AccessToken,
        }
    }

    /// Whether the user's `open_id` goes in the query string.
    pub const fn open_id_in_query(self) -> bool {
        matches!(self, Placement::UserHeader { open_id_in_query: true })
    }

    /// How generated code writes it.
    pub fn rust_path(self) -> String {
        match self {
            Placement::None => "Placement::None".into(),
            Placement::AppInBody { secret } => format!("Placement::AppInBody {{ secret: {secret} }}"),
            Placement::AppTokenHeader => "Placement::AppTokenHeader".into(),
            Placement::UserHeader { open_id_in_query } => {
                format!("Placement::UserHeader {{ open_id_in_query: {open_id_in_query} }}")
            }
            Placement::UserInBody => "Placement::UserInBody".into(),
        }
    }
}

vocab! {
    /// Request encoding.
    pub enum Encoding {
        /// JSON body (`application/json`, without a charset, as the platform wants).
        Json = "json", "json",
        /// `application/x-www-form-urlencoded` body.
        Form = "form", "form",
        /// Parameters in the query string.
        Query = "query", "query",
        /// Nothing is sent.
        None = "none", "none",
    }
}

vocab! {
    /// Response envelope.
    pub enum EnvelopeKind {
        /// `{"data": {"error_code", "description", ..}, "extra": {..}}`
        DataExtra = "data_extra", "`data` + `extra`",
        /// `{"err_no", "err_msg", "log_id", "data"}`
        ErrNo = "err_no", "`err_no` / `err_msg`",
        /// `{"code", "msg", "data"}`
        CodeMsg = "code_msg", "`code` / `msg`",
        /// `{"status_code", "status_msg", ..}`: seen on other lianmengapi endpoints; the data is
        /// `data` when present, else the rest of the body.
        StatusCode = "status_code", "`status_code` / `status_msg`",
        /// The Doudian gateway's `{"code", "msg", "sub_code", "sub_msg", "log_id", "data"}`:
        /// success is `code` 10000 (a number or a string).
        Doudian = "doudian", "`code` / `sub_code` (Doudian)",
    }
}

vocab! {
    /// How strongly a fact of the spec is evidenced, strongest first. Only
    /// [`Evidence::Documented`] and [`Evidence::Confirmed`] facts are trusted to fail a call: a
    /// field below them decodes leniently, an envelope below them is detected from the answer.
    pub enum Evidence {
        /// Stated by the platform's official documentation.
        Documented = "documented", "documented",
        /// Seen in the platform's live answers (recorded by the drift recorder, with the count
        /// and the date in the note); above confirmed, below the official documentation.
        Observed = "observed", "observed in live answers",
        /// Agreed by two independent working clients or sources.
        Confirmed = "confirmed", "confirmed",
        /// One source only.
        SingleSource = "single_source", "single source",
        /// Taken from the Doudian gateway's equivalent API, which serves the same data.
        Analogue = "analogue", "analogue",
        /// Known only from the Python class this SDK replaces.
        SeedOnly = "seed_only", "seed only",
        /// Our inference; no source states it.
        Guessed = "guessed", "guessed",
    }
}

impl Evidence {
    /// Whether the fact is documented or confirmed: strong enough to fail a call on.
    pub fn is_confirmed(self) -> bool {
        self <= Evidence::Confirmed
    }
}

vocab! {
    /// Pagination style.
    pub enum PageStyle {
        /// page + page_size (+ total).
        Page = "page", "page",
        /// cursor + size.
        Cursor = "cursor", "cursor",
    }
}

vocab! {
    /// Which of the client's rate limits a call counts against.
    pub enum RateScope {
        /// The app's limit (and the endpoint's own).
        App = "app", "the app's rate",
        /// The ceiling on client_token fetches (and the endpoint's own); a throttle pauses the
        /// app.
        TokenFetch = "token_fetch", "the client_token fetch ceiling",
        /// Only the endpoint's own limit; a throttle pauses the app.
        Exempt = "exempt", "no app-wide rate",
        /// A Doudian gateway call: only the endpoint's own limit (the gateway limits each API on
        /// its own); a throttle pauses the app's gateway calls, not its open-platform calls.
        Gateway = "gateway", "the Doudian gateway's own limits",
    }
}

vocab! {
    /// The part an endpoint plays in the token lifecycle the runtime drives
    /// (`douyin_alliance::auth::TokenApi`): at most one endpoint per role.
    pub enum TokenRole {
        /// Fetches the app's client_token.
        AppToken = "app_token", "fetches the app's client_token",
        /// Fetches the app's client_token without minting a new one while the current is valid.
        StableAppToken = "stable_app_token", "fetches the app's current client_token",
        /// Exchanges a user's authorization code for tokens.
        ExchangeCode = "exchange_code", "exchanges an authorization code",
        /// Refreshes a user's access_token.
        Refresh = "refresh", "refreshes a user's access_token",
        /// Renews a user's refresh_token.
        Renew = "renew", "renews a user's refresh_token",
        /// Creates a Doudian authority's token from an authorization code (`token.create`).
        AuthorityToken = "authority_token", "creates a Doudian authority's token",
        /// Refreshes a Doudian authority's token (`token.refresh`).
        AuthorityRefresh = "authority_refresh", "refreshes a Doudian authority's token",
    }
}

impl TokenRole {
    /// The required request fields of an endpoint of this role, in order (the generated
    /// constructor's arguments), which the runtime's token lifecycle fills in.
    pub const fn input(self) -> &'static [&'static str] {
        match self {
            TokenRole::AppToken | TokenRole::StableAppToken => &[],
            TokenRole::ExchangeCode => &["code"],
            TokenRole::Refresh | TokenRole::Renew => &["refresh_token"],
            TokenRole::AuthorityToken => &["code", "grant_type"],
            TokenRole::AuthorityRefresh => &["grant_type", "refresh_token"],
        }
    }

    /// The required response fields the runtime reads from the answer.
    pub const fn output(self) -> &'static [&'static str] {
        match self {
            TokenRole::AppToken | TokenRole::StableAppToken => &["access_token", "expires_in"],
            TokenRole::ExchangeCode | TokenRole::Refresh => {
                &["access_token", "expires_in", "refresh_token", "refresh_expires_in", "open_id"]
            }
            TokenRole::Renew => &["refresh_token", "expires_in"],
            TokenRole::AuthorityToken | TokenRole::AuthorityRefresh => {
                &["access_token", "expires_in", "refresh_token"]
            }
        }
    }

    /// The rate scope a call of this role counts against, unless the spec says otherwise.
    pub const fn default_rate_scope(self) -> RateScope {
        match self {
            TokenRole::AppToken | TokenRole::StableAppToken => RateScope::TokenFetch,
            TokenRole::ExchangeCode | TokenRole::Refresh | TokenRole::Renew => RateScope::Exempt,
            TokenRole::AuthorityToken | TokenRole::AuthorityRefresh => RateScope::Gateway,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_reads_back() {
        for s in Server::ALL {
            assert_eq!(Server::from_spec(s.as_str()), Some(s));
        }
        for e in Evidence::ALL {
            assert_eq!(Evidence::from_spec(e.as_str()), Some(e));
        }
        assert_eq!(EnvelopeKind::DataExtra.rust_path(), "EnvelopeKind::DataExtra");
        assert_eq!(Server::COUNT, 4);
        assert_eq!(Encoding::spellings(), "`json`, `form`, `query`, `none`");
    }

    #[test]
    fn placement_decides_the_credential() {
        assert_eq!(Placement::UserInBody.auth(), AuthKind::AccessToken);
        assert_eq!(Placement::AppInBody { secret: true }.auth(), AuthKind::None);
        assert!(Placement::UserHeader { open_id_in_query: true }.open_id_in_query());
        assert!(!Placement::UserInBody.open_id_in_query());
    }
}
