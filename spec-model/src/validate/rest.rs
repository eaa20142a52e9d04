//! The REST binding of an endpoint: server, method, path, encoding, where the credential
//! travels (one [`Placement`]), the alternative credential, injected constants and the envelope.

use super::*;

/// What the spec says of a credential before it becomes a [`Placement`].
struct Stated {
    auth: AuthKind,
    /// `credentials: body`.
    in_body: bool,
    open_id_in_query: bool,
    /// Credential fields injected into the body, by source.
    injects: BTreeSet<&'static str>,
}

impl Cx {
    pub(super) fn rest(
        &mut self,
        at: &At<'_>,
        e: &EndpointSpec,
        evidence: &Option<Provenance>,
    ) -> Option<Binding> {
        let before = self.errors.len();
        let server = Server::from_host(&e.server);
        if server.is_none() {
            let hosts = Server::ALL.iter().map(|s| format!("`{}`", s.host())).collect::<Vec<_>>().join(", ");
            self.errors.push(at.err("server", format!("unknown server `{}`", e.server)).hint(hosts));
        }
        let method = spelled!(HttpMethod, &e.method)
            .map_err(|h| self.errors.push(at.err("method", format!("unknown method `{}`", e.method)).hint(h)))
            .ok();
        let path = e.path.as_deref().unwrap_or_default();
        if e.path.is_none() {
            self.errors.push(
                at.err("path", "missing required key `path`")
                    .hint("a REST call's absolute path, like `/alliance/kol/store/list/`"),
            );
        } else if !path.starts_with('/') {
            self.errors.push(
                at.err("path", format!("path `{path}` does not start with `/`"))
                    .hint("an absolute path like `/alliance/kol/store/list/`"),
            );
        }
        if path.contains('?') || path.contains('#') {
            self.errors.push(at.err("path", format!("path `{path}` carries a query string or fragment")).hint("the path alone; query parameters belong in the request type with `encoding: query`, and `open_id` in `open_id_in_query`"));
        }
        if e.authority.is_some() {
            self.errors.push(at.err("authority", "`authority` is set on a REST call").hint(
                "`authority` belongs to the signed Doudian gateway (`server: openapi-fxg.jinritemai.com`)",
            ));
        }
        let auth = match spelled!(AuthKind, &e.auth) {
            Ok(AuthKind::DoudianToken) => {
                self.errors.push(at.err("auth", "`auth: doudian_token` on a REST call").hint(
                    "`none`, `client_token` or `access_token`; `doudian_token` is the signed gateway's",
                ));
                None
            }
            Ok(a) => Some(a),
            Err(h) => {
                self.errors.push(at.err("auth", format!("unknown auth kind `{}`", e.auth)).hint(h));
                None
            }
        };
        let in_body = match (&e.credentials, auth) {
            (Some(c), _) => match c.as_str() {
                "body" => Some(true),
                "header" | "none" => Some(false),
                _ => {
                    self.errors.push(
                        at.err("credentials", format!("unknown credentials `{c}`"))
                            .hint("`none`, `header`, `body`"),
                    );
                    None
                }
            },
            (None, _) => Some(false),
        };
        if let (Some(a), Some(c)) = (auth, &e.credentials) {
            let ok = matches!(
                (a, c.as_str()),
                (AuthKind::None, "none" | "body")
                    | (AuthKind::ClientToken, "header")
                    | (AuthKind::AccessToken, "header" | "body")
            );
            if !ok {
                self.errors.push(
                    at.err("credentials", format!("credentials `{c}` do not fit auth `{}`", e.auth))
                        .hint("`header` for token auth (or `body` for a user token injected into the body), `body` or `none` for `auth: none`"),
                );
            }
        }
        if e.open_id_in_query && auth.is_some_and(|a| a != AuthKind::AccessToken) {
            self.errors.push(
                at.err(
                    "open_id_in_query",
                    format!("`open_id_in_query` is set but the endpoint's auth is `{}`", e.auth),
                )
                .hint("`auth: access_token`: only user-authenticated calls carry an open_id"),
            );
        }
        let auth_evidence = self.evidence_or(at, "auth_evidence", e.auth_evidence.as_ref(), evidence);
        let envelope_evidence =
            self.evidence_or(at, "response.evidence", e.response.evidence.as_ref(), evidence);
        let scope = self.scope(at, "scope", e.scope.as_deref(), auth);
        let alternative = e.alternative_auth.as_ref().and_then(|alt| {
            let kind = match spelled!(AuthKind, &alt.auth) {
                Ok(AuthKind::None) | Err(_) => {
                    self.errors.push(
                        at.err("alternative_auth.auth", format!("unknown alternative auth `{}`", alt.auth))
                            .hint("`client_token`, `access_token`"),
                    );
                    return None;
                }
                Ok(k) => k,
            };
            let user = |a: AuthKind| a == AuthKind::AccessToken;
            if auth.is_some_and(|a| user(a) == user(kind)) {
                self.errors.push(
                    at.err(
                        "alternative_auth.auth",
                        format!("the alternative `{}` is on the same client as `auth: {}`", alt.auth, e.auth),
                    )
                    .hint("one of `client_token` (Client) and `access_token` (UserClient) each"),
                );
                return None;
            }
            if alt.open_id_in_query && kind != AuthKind::AccessToken {
                self.errors.push(at.err(
                    "alternative_auth.open_id_in_query",
                    "`open_id_in_query` needs `auth: access_token`",
                ));
            }
            let scope = self.scope(at, "alternative_auth.scope", alt.scope.as_deref(), Some(kind));
            let evidence = self.evidence_at(at, "alternative_auth.evidence", &alt.evidence)?;
            // The alternative travels in the header: the only way sources disagree today.
            let stated = Stated {
                auth: kind,
                in_body: false,
                open_id_in_query: alt.open_id_in_query,
                injects: BTreeSet::new(),
            };
            Some(Credential { placement: placement(&stated)?, scope, evidence })
        });
        let envelope = spelled!(EnvelopeKind, &e.response.envelope)
            .map_err(|h| {
                self.errors.push(
                    at.err("response.envelope", format!("unknown envelope `{}`", e.response.envelope))
                        .hint(h),
                )
            })
            .ok();
        let (encoding, injects, constants) = self.request(at, e, auth, in_body, method);
        if self.errors.len() > before {
            return None;
        }
        let stated = Stated { auth: auth?, in_body: in_body?, open_id_in_query: e.open_id_in_query, injects };
        let Some(placement) = placement(&stated) else {
            self.errors.push(
                at.err("request.inject", "the injected credentials do not fit `auth` and `credentials`")
                    .hint("`client_key` (and `client_secret`) for `auth: none`, `access_token` and `open_id` for a user token in the body"),
            );
            return None;
        };
        Some(Binding::Rest(RestBinding {
            server: server?,
            method: method?,
            path: path.to_string(),
            encoding: encoding?,
            credential: Credential { placement, scope, evidence: auth_evidence? },
            alternative,
            constants,
            envelope: envelope?,
            envelope_evidence: envelope_evidence?,
        }))
    }

    /// The request's encoding, the credential fields it injects and its constants.
    #[allow(clippy::type_complexity)]
    fn request(
        &mut self,
        at: &At<'_>,
        e: &EndpointSpec,
        auth: Option<AuthKind>,
        in_body: Option<bool>,
        method: Option<HttpMethod>,
    ) -> (Option<Encoding>, BTreeSet<&'static str>, Vec<(String, String)>) {
        let mut injects = BTreeSet::new();
        let mut constants = Vec::new();
        let Some(r) = &e.request else {
            let enc = if method == Some(HttpMethod::Post) { Encoding::Json } else { Encoding::None };
            return (Some(enc), injects, constants);
        };
        let enc = spelled!(Encoding, &r.encoding)
            .map_err(|h| {
                self.errors.push(
                    at.err("request.encoding", format!("unknown request encoding `{}`", r.encoding)).hint(h),
                )
            })
            .ok();
        if r.ty.is_some() && enc == Some(Encoding::None) {
            self.errors.push(
                at.err("request.type", "a request type is set but `encoding: none` sends nothing")
                    .hint("`json`, `form` or `query`"),
            );
        }
        if enc == Some(Encoding::Query) && method == Some(HttpMethod::Post) {
            self.errors.push(
                at.err("request.encoding", "`encoding: query` on a POST")
                    .hint("`method: GET`, or a body encoding"),
            );
        }
        if matches!(enc, Some(Encoding::Json | Encoding::Form)) && method == Some(HttpMethod::Get) {
            self.errors.push(
                at.err("request.encoding", "a body encoding on a GET").hint("`encoding: query` or `none`"),
            );
        }
        for i in &r.inject {
            let source = match i.from.as_str() {
                "const" => {
                    match &i.value {
                        Some(v) => constants.push((i.name.clone(), v.clone())),
                        None => self.errors.push(at.err(
                            "request.inject",
                            format!("injected field `{}` has `from: const` but no `value`", i.name),
                        )),
                    }
                    continue;
                }
                "client_key" => Placement::CLIENT_KEY,
                "client_secret" => Placement::CLIENT_SECRET,
                "access_token" => Placement::ACCESS_TOKEN,
                "open_id" => Placement::OPEN_ID,
                other => {
                    self.errors.push(
                        at.err("request.inject", format!("unknown inject source `{other}`"))
                            .hint("`client_key`, `client_secret`, `access_token`, `open_id` or `const`"),
                    );
                    continue;
                }
            };
            if i.name != source {
                self.errors.push(
                    at.err(
                        "request.inject",
                        format!("`{}` injects `{source}` under another wire name", i.name),
                    )
                    .hint(format!("`name: {source}`: the platform's name for it")),
                );
            }
            let user_side = matches!(source, Placement::ACCESS_TOKEN | Placement::OPEN_ID);
            if user_side && !matches!(enc, Some(Encoding::Json | Encoding::Form)) {
                self.errors.push(
                    at.err(
                        "request.inject",
                        format!("`{}` injects a user credential into a body this call does not send", i.name),
                    )
                    .hint("`encoding: json` or `form`"),
                );
            }
            if user_side && auth.is_some_and(|a| a != AuthKind::AccessToken) {
                self.errors.push(
                    at.err(
                        "request.inject",
                        format!("`{}` injects a user credential but `auth` is not `access_token`", i.name),
                    )
                    .hint("`auth: access_token`"),
                );
            }
            if in_body == Some(false) {
                self.errors.push(
                    at.err(
                        "request.inject",
                        format!("`{}` injects a credential but `credentials` is not `body`", i.name),
                    )
                    .hint("`credentials: body`"),
                );
            }
            injects.insert(source);
        }
        (enc, injects, constants)
    }

    /// The scope at `path`: required (a name or `unknown`) for user calls; `None` when unknown.
    pub(super) fn scope(
        &mut self,
        at: &At<'_>,
        path: &str,
        scope: Option<&str>,
        auth: Option<AuthKind>,
    ) -> Option<String> {
        let valid =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
        match scope {
            None if auth == Some(AuthKind::AccessToken) => {
                self.errors.push(
                    at.err(
                        path.rsplit_once('.').map_or("", |(p, _)| p),
                        format!("the user call states no `{}`", path.rsplit('.').next().unwrap_or(path)),
                    )
                    .hint("the OAuth scope it needs, e.g. `scope: alliance.kol.orders`, or `scope: unknown`"),
                );
                None
            }
            None | Some("unknown") => None,
            Some(s) if !valid(s) => {
                self.errors.push(
                    at.err(path, format!("scope `{s}` is not a scope name"))
                        .hint("lowercase words joined by `.` or `_`, e.g. `alliance.kol.orders`"),
                );
                None
            }
            Some(s) => Some(s.to_string()),
        }
    }
}

/// The one [`Placement`] the stated facts describe, if they describe one.
fn placement(s: &Stated) -> Option<Placement> {
    let injected =
        |names: &[&str]| s.injects.len() == names.len() && names.iter().all(|n| s.injects.contains(n));
    Some(match (s.auth, s.in_body) {
        (AuthKind::None, false) if s.injects.is_empty() => Placement::None,
        (AuthKind::None, true) if injected(&[Placement::CLIENT_KEY, Placement::CLIENT_SECRET]) => {
            Placement::AppInBody { secret: true }
        }
        (AuthKind::None, true) if injected(&[Placement::CLIENT_KEY]) => {
            Placement::AppInBody { secret: false }
        }
        (AuthKind::ClientToken, false) if s.injects.is_empty() => Placement::AppTokenHeader,
        (AuthKind::AccessToken, false) if s.injects.is_empty() => {
            Placement::UserHeader { open_id_in_query: s.open_id_in_query }
        }
        (AuthKind::AccessToken, true)
            if !s.open_id_in_query && injected(&[Placement::ACCESS_TOKEN, Placement::OPEN_ID]) =>
        {
            Placement::UserInBody
        }
        _ => return None,
    })
}
