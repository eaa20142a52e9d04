//! Endpoints: server, path, credentials, request, response, envelope and scope.

use super::*;

impl Cx {
    pub(super) fn endpoints(
        &mut self,
        files: &[LoadedFile],
        types: &BTreeMap<String, NamedType>,
    ) -> Vec<Endpoint> {
        let mut out = Vec::new();
        // Endpoint name -> where it is defined.
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        // Every method name the endpoints generate (the call, and `_pages`/`_items` when
        // paginated) -> the endpoint and where it is defined.
        let mut methods: BTreeMap<String, (String, String)> = BTreeMap::new();
        for file in files {
            let lines = item_lines(file, file.spec.endpoints.iter().map(|e| e.name.as_str()));
            for (e, line) in file.spec.endpoints.iter().zip(lines) {
                let at = At { file, item: &e.name, line };
                if let Some(prev) = seen.get(&e.name) {
                    self.errors.push(
                        at.err(
                            "name",
                            format!("duplicate endpoint name `{}` (first defined at {prev})", e.name),
                        )
                        .hint("a unique snake_case name per endpoint"),
                    );
                    continue;
                }
                seen.insert(e.name.clone(), place(file, line));
                let mut generated = vec![e.name.clone()];
                if e.pagination.is_some() {
                    generated.push(format!("{}_pages", e.name));
                    generated.push(format!("{}_items", e.name));
                }
                for m in generated {
                    if let Some((other, prev)) = methods.get(&m) {
                        self.errors.push(
                            at.err(
                                "name",
                                format!("the SDK method `{m}` would be generated twice: by `{other}` ({prev}) and by `{}`", e.name),
                            )
                            .hint("endpoint names that do not end in `_pages` or `_items` of a paginated endpoint's name"),
                        );
                    } else {
                        methods.insert(m, (e.name.clone(), place(file, line)));
                    }
                }
                if let Some(ep) = self.endpoint(&at, e, types) {
                    out.push(ep);
                }
            }
        }
        out
    }

    pub(super) fn endpoint(
        &mut self,
        at: &At<'_>,
        e: &EndpointSpec,
        types: &BTreeMap<String, NamedType>,
    ) -> Option<Endpoint> {
        let before = self.errors.len();
        if !names::is_snake(&e.name) {
            self.errors.push(
                at.err("name", format!("endpoint name `{}` is not snake_case", e.name))
                    .hint("a name like `kol_store_list`"),
            );
        }
        let server = Server::from_host(&e.server);
        if server.is_none() {
            let hosts = Server::ALL.iter().map(|s| format!("`{}`", s.host())).collect::<Vec<_>>().join(", ");
            self.errors.push(at.err("server", format!("unknown server `{}`", e.server)).hint(hosts));
        }
        let method = choice(&e.method, &[("GET", HttpMethod::Get), ("POST", HttpMethod::Post)])
            .map_err(|h| self.errors.push(at.err("method", format!("unknown method `{}`", e.method)).hint(h)))
            .ok();
        if !e.path.starts_with('/') {
            self.errors.push(
                at.err("path", format!("path `{}` does not start with `/`", e.path))
                    .hint("an absolute path like `/alliance/kol/store/list/`"),
            );
        }
        if e.path.contains('?') || e.path.contains('#') {
            self.errors.push(at.err("path", format!("path `{}` carries a query string or fragment", e.path)).hint("the path alone; query parameters belong in the request type with `encoding: query`, and `open_id` in `open_id_in_query`"));
        }
        let auth = choice(
            &e.auth,
            &[
                ("none", AuthKind::None),
                ("client_token", AuthKind::ClientToken),
                ("access_token", AuthKind::AccessToken),
            ],
        )
        .map_err(|h| self.errors.push(at.err("auth", format!("unknown auth kind `{}`", e.auth)).hint(h)))
        .ok();
        let credentials = match (&e.credentials, auth) {
            (Some(c), _) => choice(
                c,
                &[("none", Credentials::None), ("header", Credentials::Header), ("body", Credentials::Body)],
            )
            .map_err(|h| {
                self.errors.push(at.err("credentials", format!("unknown credentials `{c}`")).hint(h))
            })
            .ok(),
            (None, Some(AuthKind::None)) => Some(Credentials::None),
            (None, _) => Some(Credentials::Header),
        };
        if let (Some(a), Some(c)) = (auth, credentials) {
            let ok = matches!(
                (a, c),
                (AuthKind::None, Credentials::None | Credentials::Body)
                    | (AuthKind::ClientToken, Credentials::Header)
                    | (AuthKind::AccessToken, Credentials::Header | Credentials::Body)
            );
            if !ok {
                self.errors.push(
                    at.err(
                        "credentials",
                        format!(
                            "credentials `{}` do not fit auth `{}`",
                            e.credentials.as_deref().unwrap_or(""),
                            e.auth
                        ),
                    )
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
        let evidence = self.required_evidence(at, "endpoint", e.evidence.as_ref());
        let auth_evidence = self.evidence_or(at, "auth_evidence", e.auth_evidence.as_ref(), &evidence);
        let envelope_evidence =
            self.evidence_or(at, "response.evidence", e.response.evidence.as_ref(), &evidence);
        let scope = self.scope(at, "scope", e.scope.as_deref(), auth);
        let alternative_auth = e.alternative_auth.as_ref().and_then(|alt| {
            let kind = choice(
                &alt.auth,
                &[("client_token", AuthKind::ClientToken), ("access_token", AuthKind::AccessToken)],
            )
            .map_err(|h| {
                self.errors.push(
                    at.err("alternative_auth.auth", format!("unknown alternative auth `{}`", alt.auth))
                        .hint(h),
                )
            })
            .ok()?;
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
            Some(AlternativeAuth { auth: kind, open_id_in_query: alt.open_id_in_query, scope, evidence })
        });
        let envelope = choice(&e.response.envelope, &EnvelopeKind::ALL.map(|k| (k.as_str(), k)))
            .map_err(|h| {
                self.errors.push(
                    at.err("response.envelope", format!("unknown envelope `{}`", e.response.envelope))
                        .hint(h),
                )
            })
            .ok();
        let object = |name: &str| {
            types.get(name).and_then(|t| match &t.kind {
                TypeKind::Object(f) => Some(f),
                TypeKind::Enum(_) => None,
            })
        };
        if object(&e.response.ty).is_none() {
            self.errors.push(
                at.err("response.type", format!("unknown type reference `{}`", e.response.ty))
                    .hint("the name of an object type defined under `types:`"),
            );
        }
        let (encoding, request_type, inject) = match &e.request {
            None => (
                Some(if method == Some(HttpMethod::Post) { Encoding::Json } else { Encoding::None }),
                None,
                Vec::new(),
            ),
            Some(r) => {
                let enc = choice(
                    &r.encoding,
                    &[
                        ("json", Encoding::Json),
                        ("form", Encoding::Form),
                        ("query", Encoding::Query),
                        ("none", Encoding::None),
                    ],
                )
                .map_err(|h| {
                    self.errors.push(
                        at.err("request.encoding", format!("unknown request encoding `{}`", r.encoding))
                            .hint(h),
                    )
                })
                .ok();
                if let Some(t) = &r.ty {
                    if object(t).is_none() {
                        self.errors.push(
                            at.err("request.type", format!("unknown type reference `{t}`"))
                                .hint("the name of an object type defined under `types:`"),
                        );
                    }
                    if enc == Some(Encoding::None) {
                        self.errors.push(
                            at.err(
                                "request.type",
                                "a request type is set but `encoding: none` sends nothing",
                            )
                            .hint("`json`, `form` or `query`"),
                        );
                    }
                }
                if enc == Some(Encoding::Query) && method == Some(HttpMethod::Post) {
                    self.errors.push(
                        at.err("request.encoding", "`encoding: query` on a POST")
                            .hint("`method: GET`, or a body encoding"),
                    );
                }
                if matches!(enc, Some(Encoding::Json | Encoding::Form)) && method == Some(HttpMethod::Get) {
                    self.errors.push(
                        at.err("request.encoding", "a body encoding on a GET")
                            .hint("`encoding: query` or `none`"),
                    );
                }
                let mut inject = Vec::new();
                for i in &r.inject {
                    let from = match i.from.as_str() {
                        "client_key" => Some(InjectFrom::ClientKey),
                        "client_secret" => Some(InjectFrom::ClientSecret),
                        "access_token" => Some(InjectFrom::AccessToken),
                        "open_id" => Some(InjectFrom::OpenId),
                        "const" => match &i.value {
                            Some(v) => Some(InjectFrom::Const(v.clone())),
                            None => {
                                self.errors.push(at.err(
                                    "request.inject",
                                    format!("injected field `{}` has `from: const` but no `value`", i.name),
                                ));
                                None
                            }
                        },
                        other => {
                            self.errors.push(
                                at.err("request.inject", format!("unknown inject source `{other}`")).hint(
                                    "`client_key`, `client_secret`, `access_token`, `open_id` or `const`",
                                ),
                            );
                            None
                        }
                    };
                    let user_side = matches!(from, Some(InjectFrom::AccessToken | InjectFrom::OpenId));
                    if user_side && !matches!(enc, Some(Encoding::Json | Encoding::Form)) {
                        self.errors.push(
                            at.err(
                                "request.inject",
                                format!(
                                    "`{}` injects a user credential into a body this call does not send",
                                    i.name
                                ),
                            )
                            .hint("`encoding: json` or `form`"),
                        );
                    }
                    if user_side && auth.is_some_and(|a| a != AuthKind::AccessToken) {
                        self.errors.push(
                            at.err(
                                "request.inject",
                                format!(
                                    "`{}` injects a user credential but `auth` is not `access_token`",
                                    i.name
                                ),
                            )
                            .hint("`auth: access_token`"),
                        );
                    }
                    if !matches!(from, None | Some(InjectFrom::Const(_)))
                        && credentials != Some(Credentials::Body)
                    {
                        self.errors.push(
                            at.err(
                                "request.inject",
                                format!("`{}` injects a credential but `credentials` is not `body`", i.name),
                            )
                            .hint("`credentials: body`"),
                        );
                    }
                    if let Some(from) = from {
                        inject.push(Inject { name: i.name.clone(), from });
                    }
                }
                (enc, r.ty.clone(), inject)
            }
        };
        let pagination = e.pagination.as_ref().and_then(|p| {
            // A type with errors of its own would only repeat them as missing page fields.
            let involved = [request_type.as_deref(), Some(e.response.ty.as_str())];
            if involved.iter().flatten().any(|n| self.broken.contains(*n)) {
                return None;
            }
            let req = request_type.as_deref().and_then(object);
            if request_type.is_some() && req.is_none() {
                return None; // the unknown request type is reported already
            }
            let resp = object(&e.response.ty);
            self.pagination(at, p, req, resp)
        });
        let example = e.response.example.as_ref().map(|v| v.to_string());
        if self.errors.len() > before {
            return None;
        }
        Some(Endpoint {
            name: e.name.clone(),
            file: at.file.path.clone(),
            summary: e.summary.trim().to_string(),
            title_zh: e.title_zh.trim().to_string(),
            doc: e.doc.as_ref().map(|d| d.trim().to_string()),
            doc_url: e.doc_url.clone(),
            server: server?,
            method: method?,
            path: e.path.clone(),
            auth: auth?,
            credentials: credentials?,
            open_id_in_query: e.open_id_in_query,
            retry_safe: e.retry_safe,
            encoding: encoding?,
            request_type,
            inject,
            envelope: envelope?,
            response_type: e.response.ty.clone(),
            example,
            pagination,
            evidence: evidence?,
            auth_evidence: auth_evidence?,
            envelope_evidence: envelope_evidence?,
            scope,
            alternative_auth,
        })
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
