//! Spec files -> validated [`Model`]. Every check that needs more than one key lives here, and
//! every error names the file, the endpoint or type, and the field.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Errors, SpecError};
use crate::model::*;
use crate::names;
use crate::spec::{EndpointSpec, EvidenceSpec, FieldSpec, LoadedFile, TypeSpec};
use crate::yaml::find_line;

/// The field name every generated object reserves for fields the spec does not know.
pub const EXTRA_FIELDS: &str = "extra_fields";

/// Validates the loaded files and resolves them into a model, or returns every problem found.
pub fn validate(files: &[LoadedFile]) -> Result<Model, Errors> {
    let mut cx = Cx { errors: Vec::new(), broken: BTreeSet::new(), sources: BTreeSet::new() };
    let sources = cx.sources(files);
    let types = cx.types(files);
    let endpoints = cx.endpoints(files, &types);
    let events = cx.events(files, &types);
    if !cx.errors.is_empty() {
        return Err(Errors(cx.errors));
    }
    let mut model = Model { endpoints, types: types.into_values().collect(), sources, events };
    mark_lenient(&mut model);
    Ok(model)
}

/// Marks the fields that decode leniently (received, below confirmed), and sets the
/// optionality of the page fields that name them.
fn mark_lenient(m: &mut Model) {
    let sent: BTreeSet<String> = m
        .reachable(m.endpoints.iter().filter_map(|e| e.request_type.as_deref()))
        .into_iter()
        .map(String::from)
        .collect();
    for t in &mut m.types {
        if let TypeKind::Object(fields) = &mut t.kind {
            for f in fields.iter_mut() {
                f.lenient = !sent.contains(&t.name) && !f.evidence.level.is_confirmed();
            }
        }
    }
    // A type reached through a weakly evidenced field is read leniently throughout: that its
    // value is this type at all is the weak fact, so none of its fields may fail the answer.
    let under_weak: BTreeSet<String> = m
        .reachable(
            m.types
                .iter()
                .filter_map(|t| match &t.kind {
                    TypeKind::Object(fields) => Some(fields),
                    TypeKind::Enum(_) => None,
                })
                .flatten()
                .filter(|f| f.lenient)
                .filter_map(|f| f.ty.named()),
        )
        .into_iter()
        .map(String::from)
        .collect();
    for t in &mut m.types {
        if let TypeKind::Object(fields) = &mut t.kind {
            if under_weak.contains(&t.name) && !sent.contains(&t.name) {
                fields.iter_mut().for_each(|f| f.lenient = true);
            }
        }
    }
    let optional: BTreeMap<(String, String), bool> = m
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Object(fields) => {
                Some(fields.iter().map(|f| ((t.name.clone(), f.wire.clone()), f.optional())))
            }
            TypeKind::Enum(_) => None,
        })
        .flatten()
        .collect();
    for e in &mut m.endpoints {
        let response = e.response_type.clone();
        if let Some(p) = &mut e.pagination {
            for f in [&mut p.total, &mut p.next_cursor].into_iter().flatten().chain([&mut p.items]) {
                if let Some(o) = optional.get(&(response.clone(), f.wire.clone())) {
                    f.optional = *o;
                }
            }
        }
    }
}

/// The spec's spelling of every evidence level.
fn levels() -> Vec<(&'static str, Evidence)> {
    Evidence::ALL.iter().map(|e| (e.as_str(), *e)).collect()
}

struct Cx {
    errors: Vec<SpecError>,
    /// The ids of the source register.
    sources: BTreeSet<String>,
    /// Types with errors of their own: checks that look into them are skipped, so one mistake
    /// gives one message.
    broken: BTreeSet<String>,
}

/// Where one spec item sits, for messages.
struct At<'a> {
    file: &'a LoadedFile,
    item: &'a str,
    /// 1-based line of the item's `name:`.
    line: Option<usize>,
}

impl At<'_> {
    fn make(&self, field: &str, line: Option<usize>, message: impl Into<String>) -> SpecError {
        let mut e = SpecError::new(&self.file.path, message).item(self.item);
        if !field.is_empty() {
            e = e.field(field);
        }
        e.line(line.or(self.line))
    }

    /// An error about the spec key `path` of this item (dotted, e.g. `pagination.total`), placed
    /// on that key's line when the item writes it out, else on the item's line.
    fn err(&self, path: &str, message: impl Into<String>) -> SpecError {
        let line = match (path, self.line) {
            ("", _) | (_, None) => None,
            (_, Some(l)) => key_line(&self.file.text, l, path),
        };
        self.make(path, line, message)
    }

    /// An error about the object field whose `name:` is `wire`, placed on the line of its
    /// `nth` definition (1-based) in this item.
    fn field(&self, wire: &str, nth: usize, message: impl Into<String>) -> SpecError {
        let line = self.line.and_then(|l| entry_line(&self.file.text, l, "name", wire, nth));
        self.make(wire, line, message)
    }

    /// An error about the enum value `wire` (its `nth` listing), placed on its `value:` line.
    fn value(&self, wire: &str, nth: usize, message: impl Into<String>) -> SpecError {
        let line = self.line.and_then(|l| entry_line(&self.file.text, l, "value", wire, nth));
        self.make(
            "enum.values",
            line.or_else(|| self.line.and_then(|l| key_line(&self.file.text, l, "enum.values"))),
            message,
        )
    }
}

/// The 1-based lines of the items called `names` in `file`, each found after the previous one.
fn item_lines<'a>(file: &LoadedFile, names: impl Iterator<Item = &'a str>) -> Vec<Option<usize>> {
    item_lines_by(file, "name", names)
}

/// The 1-based lines of the items whose `key` is each of `values`, each after the previous one.
fn item_lines_by<'a>(
    file: &LoadedFile,
    key: &str,
    values: impl Iterator<Item = &'a str>,
) -> Vec<Option<usize>> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut after = 0;
    values
        .map(|n| {
            let line = crate::yaml::find_line_in(&lines, key, n, after);
            after = line.unwrap_or(after);
            line
        })
        .collect()
}

/// `file:line`, or `file` when the line is unknown.
fn place(file: &LoadedFile, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{}:{l}", file.path),
        None => file.path.clone(),
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The 0-based line range `[start, end)` of the list item whose `name:` is on 1-based `line`:
/// from its `- ` to the next line indented no deeper than that dash.
fn block(text: &str, line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = line.saturating_sub(1).min(lines.len().saturating_sub(1));
    let own = lines.get(start).map_or(0, |l| indent(l));
    if !lines.get(start).is_some_and(|l| l.trim_start().starts_with("- ")) {
        // `name:` is not the item's first key: walk back to the item's dash.
        if let Some(i) = (0..start).rev().find(|&i| {
            let l = lines[i];
            l.trim_start().starts_with("- ") && indent(l) < own
        }) {
            start = i;
        }
    }
    let dash = lines.get(start).map_or(0, |l| indent(l));
    let end = (start + 1..lines.len())
        .find(|&i| {
            let t = lines[i].trim_start();
            !t.is_empty() && !t.starts_with('#') && indent(lines[i]) <= dash
        })
        .unwrap_or(lines.len());
    (start, end)
}

/// Whether `line` (after any list dash) starts with `key:`.
fn has_key(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").map_or(t, str::trim_start);
    t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'))
}

/// The 1-based line of the key path `path` (`request.type`; list indexes ignored) inside the
/// item whose `name:` is on `item_line`: each key is looked for after its parent.
fn key_line(text: &str, item_line: usize, path: &str) -> Option<usize> {
    let (start, end) = block(text, item_line);
    let lines: Vec<&str> = text.lines().collect();
    let mut from = start;
    let mut found = None;
    for key in path.split('.') {
        let key = key.split('[').next().unwrap_or(key);
        let i = (from..end).find(|&i| has_key(lines[i], key))?;
        found = Some(i + 1);
        from = i + 1;
    }
    found
}

/// The 1-based line of the `nth` (1-based) `key: value` entry inside the item on `item_line`.
fn entry_line(text: &str, item_line: usize, key: &str, value: &str, nth: usize) -> Option<usize> {
    let (start, end) = block(text, item_line);
    let mut after = start;
    let mut found = None;
    for _ in 0..nth.max(1) {
        let l = find_line(text, key, value, after).filter(|&l| l <= end)?;
        // The item's own `name:` is not one of its fields.
        let l = if l == item_line && key == "name" {
            find_line(text, key, value, l).filter(|&l| l <= end)?
        } else {
            l
        };
        found = Some(l);
        after = l;
    }
    found
}

/// Names `types.rs` imports or the SDK exports beside the generated types.
const RESERVED_TYPES: &[&str] = &[
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

const SCALARS: &[(&str, Ty)] = &[
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
fn parse_ty(s: &str, known: &BTreeSet<String>) -> Result<Ty, String> {
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
    Err(format!("unknown type `{s}`"))
}

const TYPE_HINT: &str = "string, secret, bool, i32, i64, f64, id, json, list<T>, map<T> or a named type";

fn choice<T: Copy>(value: &str, options: &[(&str, T)]) -> Result<T, String> {
    options
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, t)| *t)
        .ok_or_else(|| options.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(", "))
}

impl Cx {
    fn sources(&mut self, files: &[LoadedFile]) -> Vec<Source> {
        let mut out = Vec::new();
        for file in files {
            let lines = item_lines_by(file, "id", file.spec.sources.iter().map(|s| s.id.as_str()));
            for (s, line) in file.spec.sources.iter().zip(lines) {
                if s.id.trim().is_empty() || s.id.contains(char::is_whitespace) {
                    self.errors.push(
                        SpecError::new(&file.path, format!("source id `{}` is empty or has spaces", s.id))
                            .field("sources")
                            .line(line),
                    );
                } else if !self.sources.insert(s.id.clone()) {
                    self.errors.push(
                        SpecError::new(&file.path, format!("duplicate source id `{}`", s.id))
                            .field("sources")
                            .line(line)
                            .hint("each source once in the register"),
                    );
                } else {
                    out.push(Source { id: s.id.clone(), title: s.title.trim().to_string() });
                }
            }
        }
        out
    }

    /// Resolves an evidence value, or says what is wrong with it (message, hint).
    fn evidence(&self, e: &EvidenceSpec) -> Result<Provenance, (String, String)> {
        let level =
            choice(&e.level, &levels()).map_err(|h| (format!("unknown evidence level `{}`", e.level), h))?;
        if let Some(s) = e.sources.iter().find(|s| !self.sources.contains(*s)) {
            let known = self.sources.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
            return Err((
                format!("evidence cites source `{s}`, which the register does not list"),
                format!("an id under `sources:` ({known})"),
            ));
        }
        if e.sources.is_empty() && level != Evidence::Guessed {
            return Err((
                format!("evidence `{}` cites no source", e.level),
                "the ids of its sources, or `level: guessed` with a `note`".to_string(),
            ));
        }
        Ok(Provenance {
            level,
            sources: e.sources.clone(),
            note: e.note.as_ref().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()),
        })
    }

    /// The item's own `evidence:`, which every endpoint and event must state.
    fn required_evidence(&mut self, at: &At<'_>, kind: &str, e: Option<&EvidenceSpec>) -> Option<Provenance> {
        match e {
            Some(ev) => self.evidence_at(at, "evidence", ev),
            None => {
                self.errors.push(at.err("", format!("the {kind} states no `evidence`")).hint(
                    "`evidence: {level: confirmed, sources: [S1, S2]}`; levels: documented, confirmed, \
                     single_source, analogue, seed_only, guessed",
                ));
                None
            }
        }
    }

    /// The evidence at `path`, else `default` (the item's own).
    fn evidence_or(
        &mut self,
        at: &At<'_>,
        path: &str,
        e: Option<&EvidenceSpec>,
        default: &Option<Provenance>,
    ) -> Option<Provenance> {
        match e {
            Some(ev) => self.evidence_at(at, path, ev),
            None => default.clone(),
        }
    }

    /// Resolves the evidence at the item's key `path`, reporting a problem there.
    fn evidence_at(&mut self, at: &At<'_>, path: &str, e: &EvidenceSpec) -> Option<Provenance> {
        self.evidence(e).map_err(|(m, h)| self.errors.push(at.err(path, m).hint(h))).ok()
    }

    fn types(&mut self, files: &[LoadedFile]) -> BTreeMap<String, NamedType> {
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

    fn type_kind(
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

    fn fields(
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

    fn endpoints(&mut self, files: &[LoadedFile], types: &BTreeMap<String, NamedType>) -> Vec<Endpoint> {
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

    fn endpoint(
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

    fn events(&mut self, files: &[LoadedFile], types: &BTreeMap<String, NamedType>) -> Vec<Event> {
        let mut out: Vec<Event> = Vec::new();
        for file in files {
            let lines = item_lines(file, file.spec.events.iter().map(|e| e.name.as_str()));
            for (e, line) in file.spec.events.iter().zip(lines) {
                let at = At { file, item: &e.name, line };
                let before = self.errors.len();
                if !names::is_snake(&e.name) {
                    self.errors.push(
                        at.err("name", format!("event name `{}` is not snake_case", e.name))
                            .hint("a name like `alliance_order`"),
                    );
                }
                let variant = names::variant_ident(&e.name);
                if variant == "Unknown" {
                    self.errors.push(
                        at.err("name", "`unknown` is reserved for events the spec does not list")
                            .hint("another name"),
                    );
                }
                if out.iter().any(|o| o.name == e.name || o.variant == variant) {
                    self.errors.push(
                        at.err("name", format!("duplicate event `{}`", e.name)).hint("each event once"),
                    );
                }
                if out.iter().any(|o| o.event == e.event) {
                    self.errors.push(
                        at.err("event", format!("two events have the wire name `{}`", e.event))
                            .hint("one entry per wire name"),
                    );
                }
                let content = match types.get(&e.content).map(|t| &t.kind) {
                    Some(TypeKind::Object(fields)) => Some(fields),
                    _ => {
                        self.errors.push(
                            at.err("content", format!("unknown type reference `{}`", e.content))
                                .hint("the name of an object type defined under `types:`"),
                        );
                        None
                    }
                };
                for key in &e.recognize_by_keys {
                    if content.is_some_and(|fields| !fields.iter().any(|f| &f.wire == key)) {
                        self.errors.push(
                            at.err("recognize_by_keys", format!("`{key}` is not a field of `{}`", e.content))
                                .hint("wire names of the content type's fields"),
                        );
                    }
                }
                let evidence = self.required_evidence(&at, "event", e.evidence.as_ref());
                let name_evidence =
                    self.evidence_or(&at, "name_evidence", e.name_evidence.as_ref(), &evidence);
                if name_evidence.as_ref().is_some_and(|p| !p.level.is_confirmed())
                    && e.recognize_by_keys.is_empty()
                {
                    self.errors.push(
                        at.err(
                            "recognize_by_keys",
                            "the wire name is below confirmed, so the event needs content keys to be recognised by",
                        )
                        .hint("`recognize_by_keys: [field, ...]`: a guessed name alone must never decide"),
                    );
                }
                if self.errors.len() > before {
                    continue;
                }
                let (Some(evidence), Some(name_evidence)) = (evidence, name_evidence) else { continue };
                out.push(Event {
                    name: e.name.clone(),
                    variant,
                    event: e.event.clone(),
                    summary: e.summary.trim().to_string(),
                    title_zh: e.title_zh.trim().to_string(),
                    doc: e.doc.as_ref().map(|d| d.trim().to_string()),
                    doc_url: e.doc_url.clone(),
                    content: e.content.clone(),
                    evidence,
                    name_evidence,
                    keys: e.recognize_by_keys.clone(),
                });
            }
        }
        out
    }

    /// The scope at `path`: required (a name or `unknown`) for user calls; `None` when unknown.
    fn scope(
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

    fn pagination(
        &mut self,
        at: &At<'_>,
        p: &crate::spec::PaginationSpec,
        req: Option<&Vec<Field>>,
        resp: Option<&Vec<Field>>,
    ) -> Option<Pagination> {
        let style = match p.style.as_str() {
            "page" => PageStyle::Page,
            "cursor" => PageStyle::Cursor,
            other => {
                self.errors.push(
                    at.err("pagination.style", format!("unknown pagination style `{other}`"))
                        .hint("`page` or `cursor`"),
                );
                return None;
            }
        };
        let Some(req) = req else {
            self.errors.push(
                at.err("pagination", "pagination needs a request type to carry the page fields")
                    .hint("`request.type`"),
            );
            return None;
        };
        let resp = resp?;
        let before = self.errors.len();
        let mut errs = Vec::new();
        let mut find = |key: &str, name: &str, fields: &[Field], side: &str, int: bool| -> Option<FieldRef> {
            match find_field(at, key, name, fields, side, int) {
                Ok(f) => Some(f),
                Err(e) => {
                    errs.push(e);
                    None
                }
            }
        };
        let page_size = find("page_size", &p.page_size, req, "request", true);
        let (page, total, cursor, next_cursor) = match style {
            PageStyle::Page => {
                let page = p.page.as_ref().and_then(|n| find("page", n, req, "request", true));
                let total = p.total.as_ref().and_then(|n| find("total", n, resp, "response", true));
                (page, total, None, None)
            }
            PageStyle::Cursor => {
                let cursor = p.cursor.as_ref().and_then(|n| find("cursor", n, req, "request", false));
                let next =
                    p.next_cursor.as_ref().and_then(|n| find("next_cursor", n, resp, "response", false));
                (None, None, cursor, next)
            }
        };
        self.errors.extend(errs);
        if style == PageStyle::Page && p.page.is_none() {
            self.errors.push(at.err("pagination.page", "`style: page` needs `page`"));
        }
        if style == PageStyle::Cursor && (p.cursor.is_none() || p.next_cursor.is_none()) {
            self.errors.push(at.err("pagination", "`style: cursor` needs `cursor` and `next_cursor`"));
        }
        let items_field = resp.iter().find(|f| f.wire == p.items);
        let (items, item_type) = match items_field.map(|f| (&f.ty, f)) {
            Some((Ty::List(inner), f)) => match inner.as_ref() {
                Ty::Named(n) => (
                    Some(FieldRef { wire: f.wire.clone(), ident: f.ident.clone(), optional: !f.required }),
                    n.clone(),
                ),
                _ => {
                    self.errors.push(at.err(
                        "pagination.items",
                        format!("items field `{}` is not a list of a named type", p.items),
                    ));
                    (None, String::new())
                }
            },
            Some(_) => {
                self.errors.push(
                    at.err("pagination.items", format!("items field `{}` is not a list", p.items))
                        .hint("a `list<T>` field"),
                );
                (None, String::new())
            }
            None => {
                let all = resp.iter().map(|f| format!("`{}`", f.wire)).collect::<Vec<_>>().join(", ");
                self.errors.push(
                    at.err(
                        "pagination.items",
                        format!("pagination names response field `{}`, which does not exist", p.items),
                    )
                    .hint(format!("one of {all}")),
                );
                (None, String::new())
            }
        };
        if p.max_page_size < 1 {
            self.errors.push(at.err("pagination.max_page_size", "must be at least 1"));
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Pagination {
            style,
            page,
            page_size: page_size?,
            total,
            cursor,
            next_cursor,
            items: items?,
            item_type,
            max_page_size: p.max_page_size,
        })
    }
}

fn find_field(
    at: &At<'_>,
    key: &str,
    name: &str,
    fields: &[Field],
    side: &str,
    int: bool,
) -> Result<FieldRef, SpecError> {
    let Some(f) = fields.iter().find(|f| f.wire == name) else {
        let all = fields.iter().map(|f| format!("`{}`", f.wire)).collect::<Vec<_>>().join(", ");
        return Err(at
            .err(
                &format!("pagination.{key}"),
                format!("pagination names {side} field `{name}`, which does not exist"),
            )
            .hint(format!("one of {all}")));
    };
    let ok = if int { f.ty == Ty::I64 } else { f.ty == Ty::String };
    if !ok {
        return Err(at
            .err(&format!("pagination.{key}"), format!("{side} field `{name}` has type {:?}", f.ty))
            .hint(if int { "an i64 field" } else { "a string field" }));
    }
    Ok(FieldRef { wire: f.wire.clone(), ident: f.ident.clone(), optional: !f.required })
}
