//! Named types: objects and open enums, their fields and type expressions.

use super::*;

/// Names `types.rs` imports or the SDK exports beside the generated types.
pub(super) const RESERVED_TYPES: &[&str] = &[
    "ApiError",
    "ApiObject",
    "BTreeMap",
    "Box",
    "Client",
    "ClientBuilder",
    "Error",
    "ErrorKind",
    "EVENTS",
    "Event",
    "Hook",
    "Id",
    "KnownCode",
    "Option",
    "Result",
    "RetryPolicy",
    "Secret",
    "String",
    "TYPES",
    "UserAuth",
    "UserClient",
    "UserSession",
    "Vec",
];

pub(super) const SCALARS: &[(&str, Ty)] = &[
    ("string", Ty::String),
    ("secret", Ty::Secret),
    ("bool", Ty::Bool),
    ("i32", Ty::I32),
    ("i64", Ty::I64),
    ("f64", Ty::F64),
    ("id", Ty::Id),
    ("json", Ty::Json),
];

/// Parses a type expression; `Err` holds what is wrong.
pub(super) fn parse_ty(s: &str, known: &BTreeSet<String>) -> Result<Ty, String> {
    let s = s.trim();
    if let Some((_, t)) = SCALARS.iter().find(|(n, _)| *n == s) {
        return Ok(t.clone());
    }
    for (prefix, wrap) in [("list<", Ty::List as fn(Box<Ty>) -> Ty), ("map<", Ty::Map)] {
        if let Some(inner) = s.strip_prefix(prefix) {
            let inner = inner.strip_suffix('>').ok_or_else(|| format!("`{s}` lacks its closing `>`"))?;
            return Ok(wrap(Box::new(parse_ty(inner, known)?)));
        }
    }
    if known.contains(s) {
        return Ok(Ty::Named(s.to_string()));
    }
    let near =
        names::did_you_mean(s, SCALARS.iter().map(|(n, _)| *n).chain(known.iter().map(String::as_str)));
    Err(format!("unknown type `{s}`{near}"))
}

pub(super) const TYPE_HINT: &str =
    "string, secret, bool, i32, i64, f64, id, json, list<T>, map<T> or a named type";

impl Cx {
    pub(super) fn types(&mut self, files: &[LoadedFile]) -> BTreeMap<String, NamedType> {
        // First pass: names, so fields can reference types defined later or in other files.
        let mut known = BTreeSet::new();
        let mut seen: BTreeMap<String, (String, String)> = BTreeMap::new(); // lowercase -> name, where
        for file in files {
            let lines = item_lines(file, file.spec.types.iter().map(|t| t.name.as_str()));
            for (t, line) in file.spec.types.iter().zip(lines) {
                let at = At { file, item: &t.name, line };
                if !names::is_pascal(&t.name) {
                    self.errors.push(
                        at.err("name", format!("type name `{}` is not PascalCase", t.name))
                            .hint("a name like `StoreProduct`"),
                    );
                } else if RESERVED_TYPES.contains(&t.name.as_str()) {
                    self.errors.push(
                        at.err(
                            "name",
                            format!("type name `{}` is taken by the SDK or the standard library", t.name),
                        )
                        .hint("another name, e.g. with the endpoint's prefix"),
                    );
                }
                let folded = t.name.to_ascii_lowercase();
                if let Some((prev, prev_at)) = seen.get(&folded) {
                    let msg = if *prev == t.name {
                        format!("duplicate type `{}` (first defined at {prev_at})", t.name)
                    } else {
                        format!(
                            "type `{}` collides with `{prev}` (defined at {prev_at}) after case conversion",
                            t.name
                        )
                    };
                    self.errors.push(at.err("name", msg).hint("one definition per type name"));
                    continue;
                }
                seen.insert(folded, (t.name.clone(), place(file, line)));
                known.insert(t.name.clone());
            }
        }
        let mut out = BTreeMap::new();
        for file in files {
            let lines = item_lines(file, file.spec.types.iter().map(|t| t.name.as_str()));
            for (t, line) in file.spec.types.iter().zip(lines) {
                if out.contains_key(&t.name) || !known.contains(&t.name) {
                    continue;
                }
                let at = At { file, item: &t.name, line };
                let before = self.errors.len();
                let evidence = t.evidence.as_ref().and_then(|e| self.evidence_at(&at, "evidence", e));
                let kind = self.type_kind(&at, t, &known, evidence.as_ref());
                if self.errors.len() > before {
                    self.broken.insert(t.name.clone());
                }
                if let Some(kind) = kind {
                    out.insert(
                        t.name.clone(),
                        NamedType {
                            name: t.name.clone(),
                            file: file.path.clone(),
                            doc: t.doc.trim().to_string(),
                            doc_zh: t.doc_zh.as_ref().map(|s| s.trim().to_string()),
                            kind,
                            evidence,
                        },
                    );
                }
            }
        }
        out
    }

    pub(super) fn type_kind(
        &mut self,
        at: &At<'_>,
        t: &TypeSpec,
        known: &BTreeSet<String>,
        evidence: Option<&Provenance>,
    ) -> Option<TypeKind> {
        match (&t.fields, &t.enumeration) {
            (Some(_), Some(_)) => {
                self.errors.push(at.err("", "a type has either `fields` or `enum`, not both"));
                None
            }
            (None, None) => {
                self.errors.push(at.err("", "missing required key `fields` or `enum`"));
                None
            }
            (Some(fields), None) => Some(TypeKind::Object(self.fields(at, fields, known, evidence))),
            (None, Some(e)) => {
                let int = match e.repr.as_str() {
                    "int" => true,
                    "string" => false,
                    other => {
                        self.errors.push(
                            at.err("enum.repr", format!("unknown enum repr `{other}`"))
                                .hint("`string` or `int`"),
                        );
                        return None;
                    }
                };
                let mut values = Vec::new();
                let mut variants = BTreeSet::new();
                let mut wires = BTreeSet::new();
                let mut listed: BTreeMap<String, usize> = BTreeMap::new();
                for v in &e.values {
                    let wire = match (&v.value, int) {
                        (serde_json::Value::Number(n), true) if n.is_i64() => n.to_string(),
                        (serde_json::Value::String(s), false) => s.clone(),
                        (other, _) => {
                            self.errors.push(at.err(
                                "enum.values",
                                format!(
                                    "value `{other}` is not {}",
                                    if int { "an integer" } else { "a string" }
                                ),
                            ));
                            continue;
                        }
                    };
                    let nth = {
                        let n = listed.entry(wire.clone()).or_insert(0);
                        *n += 1;
                        *n
                    };
                    let variant = match &v.name {
                        Some(n) if names::is_pascal(n) => n.clone(),
                        Some(n) => {
                            self.errors.push(
                                at.value(&wire, nth, format!("variant name `{n}` is not PascalCase"))
                                    .hint("a name like `PaySucc`"),
                            );
                            continue;
                        }
                        None => names::variant_ident(&wire),
                    };
                    if variant == "Unknown" {
                        self.errors.push(
                            at.value(
                                &wire,
                                nth,
                                "variant name `Unknown` is reserved for values the spec does not list",
                            )
                            .hint("another `name:` for this value"),
                        );
                    }
                    if !wires.insert(wire.clone()) {
                        self.errors.push(
                            at.value(&wire, nth, format!("duplicate enum value `{wire}`"))
                                .hint("each value once"),
                        );
                    }
                    if !variants.insert(variant.clone()) {
                        self.errors.push(
                            at.value(
                                &wire,
                                nth,
                                format!("two values collide as variant `{variant}` after case conversion"),
                            )
                            .hint("an explicit `name:` for one of them"),
                        );
                    }
                    values.push(EnumValue { variant, wire, doc: v.doc.trim().to_string() });
                }
                Some(TypeKind::Enum(EnumDef { int, values }))
            }
        }
    }

    pub(super) fn fields(
        &mut self,
        at: &At<'_>,
        fields: &[FieldSpec],
        known: &BTreeSet<String>,
        type_evidence: Option<&Provenance>,
    ) -> Vec<Field> {
        let mut out = Vec::new();
        let mut wires = BTreeSet::new();
        let mut idents: BTreeMap<String, String> = BTreeMap::new();
        let mut listed: BTreeMap<&str, usize> = BTreeMap::new();
        for f in fields {
            let nth = {
                let n = listed.entry(f.name.as_str()).or_insert(0);
                *n += 1;
                *n
            };
            if !wires.insert(f.name.clone()) {
                self.errors.push(
                    at.field(&f.name, nth, format!("duplicate field `{}`", f.name)).hint("each field once"),
                );
                continue;
            }
            let ident = names::field_ident(&f.name);
            if names::bare(&ident) == EXTRA_FIELDS {
                self.errors.push(
                    at.field(
                        &f.name,
                        nth,
                        format!("`{EXTRA_FIELDS}` is reserved for fields the spec does not know"),
                    )
                    .hint("another wire name"),
                );
                continue;
            }
            if let Some(prev) = idents.insert(names::bare(&ident).to_string(), f.name.clone()) {
                self.errors.push(
                    at.field(
                        &f.name,
                        nth,
                        format!(
                            "fields `{prev}` and `{}` collide as `{ident}` after case conversion",
                            f.name
                        ),
                    )
                    .hint("wire names that differ after snake_case conversion"),
                );
                continue;
            }
            let ty = match parse_ty(&f.ty, known) {
                Ok(t) => t,
                Err(m) => {
                    self.errors.push(at.field(&f.name, nth, m).hint(TYPE_HINT));
                    continue;
                }
            };
            let unit = match &f.unit {
                None => None,
                Some(u) => match Unit::ALL.iter().find(|(_, n, _)| n == u) {
                    Some((unit, _, _)) => Some(*unit),
                    None => {
                        let all = Unit::ALL.iter().map(|(_, n, _)| format!("`{n}`")).collect::<Vec<_>>();
                        self.errors
                            .push(at.field(&f.name, nth, format!("unknown unit `{u}`")).hint(all.join(", ")));
                        None
                    }
                },
            };
            if let Some(p) = &f.pattern {
                if p.is_empty() || !p.starts_with('^') || !p.ends_with('$') {
                    self.errors.push(
                        at.field(&f.name, nth, format!("pattern `{p}` must be anchored"))
                            .hint("a regex that starts with `^` and ends with `$`"),
                    );
                } else if let Err(e) = regex::Regex::new(p) {
                    self.errors.push(at.field(
                        &f.name,
                        nth,
                        format!("pattern `{p}` is not a valid regex: {e}"),
                    ));
                }
            }
            let numeric = matches!(ty, Ty::I32 | Ty::I64 | Ty::F64 | Ty::Id);
            let misplaced = [
                ("min", f.min.is_some() && !numeric, "a number"),
                ("max", f.max.is_some() && !numeric, "a number"),
                ("max_length", f.max_length.is_some() && ty != Ty::String, "a string"),
                ("pattern", f.pattern.is_some() && ty != Ty::String, "a string"),
                ("max_items", f.max_items.is_some() && !matches!(ty, Ty::List(_)), "a list"),
            ];
            for (key, wrong, wanted) in misplaced {
                if wrong {
                    self.errors.push(
                        at.field(&f.name, nth, format!("`{key}` applies to {wanted}, not to `{}`", f.ty))
                            .hint(format!("remove `{key}` or change the type")),
                    );
                }
            }
            let evidence = match (&f.evidence, type_evidence) {
                (Some(e), _) => match self.evidence(e) {
                    Ok(p) => p,
                    Err((m, h)) => {
                        self.errors.push(at.field(&f.name, nth, m).hint(h));
                        continue;
                    }
                },
                (None, Some(p)) => p.clone(),
                (None, None) => {
                    self.errors.push(
                        at.field(&f.name, nth, format!("field `{}` has no evidence level", f.name))
                            .hint("an `evidence:` on the field or on its type"),
                    );
                    continue;
                }
            };
            out.push(Field {
                evidence,
                lenient: false,
                wire: f.name.clone(),
                ident,
                ty,
                required: f.required,
                doc: f.doc.trim().to_string(),
                doc_zh: f.doc_zh.as_ref().map(|s| s.trim().to_string()),
                unit,
                example: f.example.as_ref().map(|v| v.to_string()),
                constraints: Constraints {
                    min: f.min,
                    max: f.max,
                    max_length: f.max_length,
                    max_items: f.max_items,
                    pattern: f.pattern.clone(),
                },
            });
        }
        out
    }
}
