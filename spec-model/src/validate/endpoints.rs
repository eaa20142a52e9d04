//! Endpoints as operations: names, evidence, input and output types, paging and token roles.
//! How each travels is checked by its binding's validator (`rest.rs`).

use super::*;

impl Cx {
    pub(super) fn endpoints(
        &mut self,
        files: &[LoadedFile],
        types: &BTreeMap<String, NamedType>,
    ) -> Vec<Operation> {
        let mut out = Vec::new();
        // Endpoint name -> where it is defined.
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        // Every method name the endpoints generate (the call, and `_pages`/`_items` when
        // paginated) -> the endpoint and where it is defined.
        let mut methods: BTreeMap<String, (String, String)> = BTreeMap::new();
        // Token role -> the endpoint playing it and where it is defined.
        let mut roles: BTreeMap<TokenRole, (String, String)> = BTreeMap::new();
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
                    if let Some(role) = ep.role {
                        if let Some((other, prev)) = roles.get(&role) {
                            self.errors.push(
                                at.err(
                                    "role",
                                    format!("role `{role}` is already played by `{other}` ({prev})"),
                                )
                                .hint("at most one endpoint per role"),
                            );
                            continue;
                        }
                        roles.insert(role, (e.name.clone(), place(file, line)));
                    }
                    out.push(ep);
                }
            }
        }
        out
    }

    /// One operation: what it is (name, evidence, input, output, paging, role), with its
    /// binding checked by the binding's own validator.
    pub(super) fn endpoint(
        &mut self,
        at: &At<'_>,
        e: &EndpointSpec,
        types: &BTreeMap<String, NamedType>,
    ) -> Option<Operation> {
        let before = self.errors.len();
        if !names::is_snake(&e.name) {
            self.errors.push(
                at.err("name", format!("endpoint name `{}` is not snake_case", e.name))
                    .hint("a name like `kol_store_list`"),
            );
        }
        if !e.doc_url.starts_with("https://") {
            self.errors.push(at.err("doc_url", format!("`{}` is not an https:// link", e.doc_url)).hint(
                "the platform's doc page; where none is known, the nearest page that is, and say so in `doc`",
            ));
        }
        let evidence = self.required_evidence(at, "endpoint", e.evidence.as_ref());
        let object = |name: &str| {
            types.get(name).and_then(|t| match &t.kind {
                TypeKind::Object(f) => Some(f),
                TypeKind::Enum(_) => None,
            })
        };
        let binding = match Server::from_host(&e.server).map(Server::protocol) {
            Some(Protocol::Signed) => self.signed(at, e, &evidence),
            Some(Protocol::Rest) | None => self.rest(at, e, &evidence),
        };
        if object(&e.response.ty).is_none() {
            self.errors.push(
                at.err("response.type", format!("unknown type reference `{}`", e.response.ty))
                    .hint("the name of an object type defined under `types:`"),
            );
        }
        let request_type = e.request.as_ref().and_then(|r| r.ty.clone());
        if let Some(t) = &request_type {
            if object(t).is_none() {
                self.errors.push(
                    at.err("request.type", format!("unknown type reference `{t}`"))
                        .hint("the name of an object type defined under `types:`"),
                );
            }
        }
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
            self.pagination(at, p, req, resp, types)
        });
        let role = e.role.as_deref().and_then(|r| {
            let role = spelled!(TokenRole, r)
                .map_err(|h| self.errors.push(at.err("role", format!("unknown role `{r}`")).hint(h)))
                .ok()?;
            self.role_contract(at, role, request_type.as_deref().and_then(object), object(&e.response.ty));
            Some(role)
        });
        let signed = Server::from_host(&e.server).is_some_and(|s| s.protocol() == Protocol::Signed);
        let default_scope = if signed { RateScope::Gateway } else { RateScope::App };
        let rate_scope = match e.rate_scope.as_deref() {
            None => Some(role.map_or(default_scope, TokenRole::default_rate_scope)),
            Some(r) => spelled!(RateScope, r)
                .map_err(|h| {
                    self.errors.push(at.err("rate_scope", format!("unknown rate scope `{r}`")).hint(h))
                })
                .ok(),
        };
        let example = e.response.example.as_ref().map(|v| v.to_string());
        if self.errors.len() > before {
            return None;
        }
        Some(Operation {
            name: e.name.clone(),
            file: at.file.path.clone(),
            summary: e.summary.trim().to_string(),
            title_zh: e.title_zh.trim().to_string(),
            doc: e.doc.as_ref().map(|d| d.trim().to_string()),
            doc_url: e.doc_url.clone(),
            retry_safe: e.retry_safe,
            request_type,
            response_type: e.response.ty.clone(),
            example,
            pagination,
            evidence: evidence?,
            role,
            rate_scope: rate_scope?,
            binding: binding?,
        })
    }

    /// An endpoint of token role `role` takes and answers the fields the runtime's token
    /// lifecycle reads ([`TokenRole::input`], [`TokenRole::output`]), none of them optional.
    fn role_contract(
        &mut self,
        at: &At<'_>,
        role: TokenRole,
        request: Option<&Vec<Field>>,
        response: Option<&Vec<Field>>,
    ) {
        let sides = [("request.type", role.input(), request), ("response.type", role.output(), response)];
        for (path, wanted, fields) in sides {
            let Some(fields) = fields else {
                if !wanted.is_empty() && path == "request.type" {
                    self.errors.push(
                        at.err("role", format!("role `{role}` needs a request type with {}", list(wanted)))
                            .hint("a `request.type` whose required fields include them"),
                    );
                }
                continue;
            };
            if path == "request.type" {
                // The generated constructor takes the required fields in order: they are the
                // arguments the runtime passes.
                let required: Vec<&str> =
                    fields.iter().filter(|f| !f.optional()).map(|f| f.wire.as_str()).collect();
                if required != wanted {
                    self.errors.push(
                        at.err(path, format!("role `{role}` needs a request whose required fields are exactly {}, in this order", list(wanted)))
                            .hint("the arguments the runtime's token lifecycle passes; other fields optional"),
                    );
                }
                continue;
            }
            let missing: Vec<&str> = wanted
                .iter()
                .copied()
                .filter(|w| !fields.iter().any(|f| f.wire == *w && !f.optional()))
                .collect();
            if !missing.is_empty() {
                self.errors.push(
                    at.err(path, format!("role `{role}` needs the required field(s) {}", list(&missing)))
                        .hint("the fields the runtime's token lifecycle reads, at `documented` or `confirmed` evidence"),
                );
            }
        }
    }
}

fn list(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
