//! What a spec change means for the crates that depend on the SDK: two validated models
//! compared item by item (not their text), each change classed by what it does to users.
//!
//! - [`Class::Breaking`]: code that compiled against the old SDK may not compile against the new
//!   one (an endpoint, type, field or enum value removed or renamed; a field's Rust type changed,
//!   optionality included; a required request field added; a method moved, renamed or changed
//!   its signature; pagination removed).
//! - [`Class::WireOnly`]: the Rust API is the same but the call on the wire is not (a wire name,
//!   path, encoding, envelope, credential placement, scope, constraint or retry safety): review
//!   these, because this is where calls start failing against the platform.
//! - [`Class::Additive`]: new endpoints, events, types, optional request fields, response
//!   fields, enum values (generated structs and enums are `#[non_exhaustive]`, enums open).
//! - [`Class::Docs`]: summaries, docs, examples, units, evidence, the source register.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::model::{
    AuthKind, Binding, EnumDef, Field, Model, Operation, Pagination, Provenance, RestBinding, SignedBinding,
    TypeKind,
};

/// What a change does to users, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Downstream code may stop compiling.
    Breaking,
    /// Same Rust API, different call on the wire.
    WireOnly,
    /// New API; nothing existing changes.
    Additive,
    /// Documentation and evidence only.
    Docs,
}

impl Class {
    /// Every class, most severe first.
    pub const ALL: [Class; 4] = [Class::Breaking, Class::WireOnly, Class::Additive, Class::Docs];

    /// How the class is written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::WireOnly => "wire-only",
            Class::Additive => "additive",
            Class::Docs => "docs",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change between two versions of the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// What it does to users.
    pub class: Class,
    /// The endpoint, type or `Type.field` concerned.
    pub item: String,
    /// What changed, in a sentence.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: `{}`: {}", self.class, self.item, self.what)
    }
}

/// Every change from `old` to `new`, most severe first, then by item.
pub fn diff(old: &Model, new: &Model) -> Vec<Change> {
    let mut out = Out(Vec::new());
    endpoints(&mut out, old, new);
    events(&mut out, old, new);
    types(&mut out, old, new);
    if old.sources != new.sources {
        out.push(Class::Docs, "sources", "the source register changed");
    }
    let mut changes = out.0;
    changes.sort();
    changes.dedup();
    changes
}

/// The most severe class of `changes`, `None` when there are none.
pub fn verdict(changes: &[Change]) -> Option<Class> {
    changes.iter().map(|c| c.class).min()
}

struct Out(Vec<Change>);

impl Out {
    fn push(&mut self, class: Class, item: impl Into<String>, what: impl Into<String>) {
        self.0.push(Change { class, item: item.into(), what: what.into() });
    }

    /// A change of evidence, in the words the docs use (`single source (S1)`).
    fn evidence<'p>(
        &mut self,
        item: &str,
        what: &str,
        a: impl Into<Option<&'p Provenance>>,
        b: impl Into<Option<&'p Provenance>>,
    ) {
        let phrase = |p: Option<&Provenance>| p.map_or_else(|| "none".to_string(), Provenance::phrase);
        let (a, b) = (a.into(), b.into());
        if a != b {
            self.push(Class::Docs, item, format!("{what} changed from {} to {}", phrase(a), phrase(b)));
        }
    }

    /// A change of `what` when `a != b`.
    fn differ<T: PartialEq + fmt::Debug>(&mut self, class: Class, item: &str, what: &str, a: &T, b: &T) {
        if a != b {
            self.push(class, item, format!("{what} changed from {a:?} to {b:?}"));
        }
    }
}

/// The credential kind of an operation's own offer (which client its method is on).
fn auth(e: &Operation) -> AuthKind {
    match &e.binding {
        Binding::Rest(r) => r.credential.placement.auth(),
        Binding::Signed(s) if s.credential.token => AuthKind::DoudianToken,
        Binding::Signed(_) => AuthKind::None,
    }
}

fn side(a: AuthKind) -> &'static str {
    a.client_type()
}

/// One item of the old and the new version, matched by key.
enum Pair<'a, T> {
    Removed(&'a T),
    Added(&'a T),
    Both(&'a T, &'a T),
}

/// The items of `old` and `new` paired by `key` (removed ones first, then the new version's
/// order).
fn matched<'a, T>(old: &'a [T], new: &'a [T], key: impl Fn(&T) -> &str) -> Vec<Pair<'a, T>> {
    let before: BTreeMap<&str, &T> = old.iter().map(|t| (key(t), t)).collect();
    let after: BTreeSet<&str> = new.iter().map(&key).collect();
    let removed = old.iter().filter(|t| !after.contains(key(t))).map(Pair::Removed);
    let kept = new.iter().map(|t| match before.get(key(t)) {
        Some(o) => Pair::Both(*o, t),
        None => Pair::Added(t),
    });
    removed.chain(kept).collect()
}

fn endpoints(out: &mut Out, old: &Model, new: &Model) {
    for pair in matched(&old.endpoints, &new.endpoints, |e| &e.name) {
        match pair {
            Pair::Removed(e) => out.push(
                Class::Breaking,
                &e.name,
                format!("endpoint removed (method `{}::{}` is gone)", side(auth(e)), e.name),
            ),
            Pair::Added(e) => out.push(
                Class::Additive,
                &e.name,
                format!("new endpoint (method `{}::{}`)", side(auth(e)), e.name),
            ),
            Pair::Both(o, e) => endpoint(out, o, e),
        }
    }
}

fn events(out: &mut Out, old: &Model, new: &Model) {
    for pair in matched(&old.events, &new.events, |e| &e.name) {
        match pair {
            Pair::Removed(e) => {
                out.push(Class::Breaking, &e.name, format!("event removed (`Event::{}` is gone)", e.variant))
            }
            Pair::Added(e) => {
                out.push(Class::Additive, &e.name, format!("new event (`Event::{}`)", e.variant))
            }
            Pair::Both(o, e) => {
                let item = e.name.as_str();
                out.differ(
                    Class::Breaking,
                    item,
                    "content type (what `Event::` carries)",
                    &o.content,
                    &e.content,
                );
                out.differ(Class::WireOnly, item, "wire name", &o.event, &e.event);
                out.differ(Class::WireOnly, item, "keys it is recognised by", &o.keys, &e.keys);
                out.differ(Class::Docs, item, "summary", &o.summary, &e.summary);
                out.differ(Class::Docs, item, "doc", &o.doc, &e.doc);
                out.evidence(item, "evidence", &o.evidence, &e.evidence);
                out.differ(Class::Docs, item, "name evidence", &o.name_evidence, &e.name_evidence);
            }
        }
    }
}

fn endpoint(out: &mut Out, o: &Operation, n: &Operation) {
    let item = n.name.as_str();
    // What the Rust API shows: the method's client, arguments, result and streams.
    let (a, b) = (auth(o), auth(n));
    if a != b {
        out.push(
            Class::Breaking,
            item,
            format!("auth changed from {a:?} to {b:?} (method on `{}`, now `{}`)", side(a), side(b)),
        );
    }
    out.differ(
        Class::Breaking,
        item,
        "request type (the method's argument)",
        &o.request_type,
        &n.request_type,
    );
    out.differ(
        Class::Breaking,
        item,
        "response type (the method's result)",
        &o.response_type,
        &n.response_type,
    );
    match (&o.pagination, &n.pagination) {
        (Some(_), None) => {
            out.push(Class::Breaking, item, "pagination removed (`_pages` / `_items` are gone)")
        }
        (None, Some(_)) => out.push(Class::Additive, item, "now paginated (new `_pages` / `_items` streams)"),
        (Some(p), Some(q)) => pagination(out, item, p, q),
        (None, None) => {}
    }
    match (&o.binding, &n.binding) {
        (Binding::Rest(p), Binding::Rest(q)) => rest(out, item, p, q),
        (Binding::Signed(p), Binding::Signed(q)) => signed(out, item, p, q),
        (_, _) => {
            out.push(Class::Breaking, item, "moved to another API family (its host and protocol changed)")
        }
    }
    out.differ(Class::WireOnly, item, "retry safety", &o.retry_safe, &n.retry_safe);
    out.differ(Class::WireOnly, item, "token role", &o.role, &n.role);
    out.differ(Class::WireOnly, item, "rate scope", &o.rate_scope, &n.rate_scope);
    // Documentation.
    out.differ(Class::Docs, item, "summary", &o.summary, &n.summary);
    out.differ(Class::Docs, item, "Chinese title", &o.title_zh, &n.title_zh);
    out.differ(Class::Docs, item, "doc", &o.doc, &n.doc);
    out.differ(Class::Docs, item, "doc URL", &o.doc_url, &n.doc_url);
    out.differ(Class::Docs, item, "example", &o.example, &n.example);
    out.evidence(item, "evidence", &o.evidence, &n.evidence);
}

/// How a REST call changed: its host (which base URL a user configures), the alternative
/// credential, and the call on the wire.
fn rest(out: &mut Out, item: &str, o: &RestBinding, n: &RestBinding) {
    out.differ(Class::Breaking, item, "server", &o.server, &n.server);
    let alt = |r: &RestBinding| r.alternative.as_ref().map(|a| a.placement.auth());
    match (alt(o), alt(n)) {
        (Some(a), None) => out.push(Class::Breaking, item, format!("no longer offered on `{}`", side(a))),
        (None, Some(a)) => out.push(Class::Additive, item, format!("now also offered on `{}`", side(a))),
        (a, b) => out.differ(Class::Breaking, item, "alternative credential", &a, &b),
    }
    out.differ(Class::WireOnly, item, "method", &o.method, &n.method);
    out.differ(Class::WireOnly, item, "path", &o.path, &n.path);
    out.differ(Class::WireOnly, item, "encoding", &o.encoding, &n.encoding);
    out.differ(Class::WireOnly, item, "envelope", &o.envelope, &n.envelope);
    out.differ(
        Class::WireOnly,
        item,
        "credential placement",
        &o.credential.placement,
        &n.credential.placement,
    );
    out.differ(Class::WireOnly, item, "scope", &o.credential.scope, &n.credential.scope);
    out.differ(Class::WireOnly, item, "injected constants", &o.constants, &n.constants);
    let detected = |r: &RestBinding| !r.envelope_evidence.level.is_confirmed();
    if detected(o) != detected(n) {
        let how = if detected(n) { "now detected from each answer" } else { "now trusted as the spec says" };
        out.push(Class::WireOnly, item, format!("the envelope is {how} (its evidence changed)"));
    }
    out.evidence(item, "credential evidence", &o.credential.evidence, &n.credential.evidence);
    out.evidence(item, "envelope evidence", &o.envelope_evidence, &n.envelope_evidence);
}

/// How a signed gateway call changed.
fn signed(out: &mut Out, item: &str, o: &SignedBinding, n: &SignedBinding) {
    out.differ(Class::WireOnly, item, "gateway method", &o.method, &n.method);
    out.differ(Class::WireOnly, item, "token", &o.credential.token, &n.credential.token);
    out.differ(Class::WireOnly, item, "authority", &o.credential.authorities, &n.credential.authorities);
    out.differ(Class::WireOnly, item, "envelope", &o.envelope, &n.envelope);
    out.evidence(item, "credential evidence", &o.credential.evidence, &n.credential.evidence);
    out.evidence(item, "envelope evidence", &o.envelope_evidence, &n.envelope_evidence);
}

fn pagination(out: &mut Out, item: &str, p: &Pagination, q: &Pagination) {
    out.differ(Class::Breaking, item, "page item type (what `_items` yields)", &p.item_type, &q.item_type);
    let wires = |p: &Pagination| {
        [
            Some(&p.page_size),
            p.page.as_ref(),
            p.total.as_ref(),
            p.cursor.as_ref(),
            p.next_cursor.as_ref(),
            Some(&p.items),
        ]
        .map(|f| f.map(|f| f.wire.clone()))
    };
    out.differ(Class::WireOnly, item, "pagination style", &p.style, &q.style);
    out.differ(Class::WireOnly, item, "pagination fields", &wires(p), &wires(q));
    out.differ(Class::WireOnly, item, "largest page size", &p.max_page_size, &q.max_page_size);
    out.differ(Class::WireOnly, item, "first cursor", &p.first_cursor, &q.first_cursor);
    let within = |p: &Pagination| p.within.as_ref().map(|f| f.wire.clone());
    out.differ(Class::WireOnly, item, "page nested in", &within(p), &within(q));
}

/// The named types a request sends (built by users with `new` and setters).
fn sent(m: &Model) -> BTreeSet<String> {
    m.reachable(m.endpoints.iter().filter_map(|e| e.request_type.as_deref()))
        .into_iter()
        .map(String::from)
        .collect()
}

fn types(out: &mut Out, old: &Model, new: &Model) {
    let (sent_a, sent_b) = (sent(old), sent(new));
    for pair in matched(&old.types, &new.types, |t| &t.name) {
        let (o, t) = match pair {
            Pair::Removed(t) => {
                out.push(Class::Breaking, &t.name, "type removed");
                continue;
            }
            Pair::Added(t) => {
                out.push(Class::Additive, &t.name, "new type");
                continue;
            }
            Pair::Both(o, t) => (o, t),
        };
        let name = t.name.as_str();
        out.differ(Class::Docs, name, "doc", &o.doc, &t.doc);
        out.differ(Class::Docs, name, "Chinese doc", &o.doc_zh, &t.doc_zh);
        out.evidence(name, "evidence", o.evidence.as_ref(), t.evidence.as_ref());
        let request = sent_a.contains(name) || sent_b.contains(name);
        match (&o.kind, &t.kind) {
            (TypeKind::Object(f), TypeKind::Object(g)) => fields(out, name, f, g, request),
            (TypeKind::Enum(e), TypeKind::Enum(g)) => values(out, name, e, g),
            _ => out.push(Class::Breaking, name, "changed between object and enum"),
        }
    }
}

fn fields(out: &mut Out, ty: &str, old: &[Field], new: &[Field], request: bool) {
    // Matched by Rust identifier: what user code names.
    for pair in matched(old, new, |f| &f.ident) {
        match pair {
            Pair::Removed(f) => out.push(Class::Breaking, format!("{ty}.{}", f.wire), "field removed"),
            Pair::Added(f) => {
                let what = match (request, f.optional()) {
                    (true, false) => "new required request field (`new` takes one more argument)",
                    (true, true) => "new optional request field (a new `with_` setter)",
                    (false, _) => "new response field",
                };
                let class = if request && !f.optional() { Class::Breaking } else { Class::Additive };
                out.push(class, format!("{ty}.{}", f.wire), what);
            }
            Pair::Both(o, f) => field(out, &format!("{ty}.{}", f.wire), o, f),
        }
    }
}

fn field(out: &mut Out, item: &str, o: &Field, n: &Field) {
    // `Option<i64>`, as users write it (the token printer spaces every `<`).
    let written = |f: &Field| f.rust_type().replace(' ', "");
    let (ta, tb) = (written(o), written(n));
    if ta != tb {
        let what = match (o.optional(), n.optional(), o.ty == n.ty) {
            (false, true, true) => format!("made optional (`{ta}` is now `{tb}`)"),
            (true, false, true) => format!("made required (`{ta}` is now `{tb}`)"),
            _ => format!("Rust type changed from `{ta}` to `{tb}`"),
        };
        out.push(Class::Breaking, item, what);
    }
    out.differ(Class::WireOnly, item, "wire name", &o.wire, &n.wire);
    out.differ(Class::WireOnly, item, "constraints (checked before sending)", &o.constraints, &n.constraints);
    if o.lenient != n.lenient && ta == tb {
        let how = if n.lenient { "now read leniently" } else { "now read strictly" };
        out.push(Class::WireOnly, item, format!("{how} (its evidence changed)"));
    }
    out.differ(Class::Docs, item, "doc", &o.doc, &n.doc);
    out.differ(Class::Docs, item, "Chinese doc", &o.doc_zh, &n.doc_zh);
    out.differ(Class::Docs, item, "unit", &o.unit, &n.unit);
    out.differ(Class::Docs, item, "example", &o.example, &n.example);
    out.evidence(item, "evidence", &o.evidence, &n.evidence);
}

fn values(out: &mut Out, ty: &str, old: &EnumDef, new: &EnumDef) {
    out.differ(Class::WireOnly, ty, "enum representation (int or string)", &old.int, &new.int);
    for pair in matched(&old.values, &new.values, |v| &v.variant) {
        match pair {
            Pair::Removed(v) => out.push(
                Class::Breaking,
                format!("{ty}::{}", v.variant),
                format!("enum value `{}` removed", v.wire),
            ),
            Pair::Added(v) => out.push(
                Class::Additive,
                format!("{ty}::{}", v.variant),
                format!("new enum value `{}`", v.wire),
            ),
            Pair::Both(o, v) => {
                let item = format!("{ty}::{}", v.variant);
                out.differ(Class::WireOnly, &item, "wire value", &o.wire, &v.wire);
                out.differ(Class::Docs, &item, "doc", &o.doc, &v.doc);
            }
        }
    }
}
