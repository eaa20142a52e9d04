//! The template context: the model flattened into strings the templates paste in place.

use std::collections::BTreeSet;

use serde::Serialize;

use super::rust;
use crate::model::*;
use crate::names;

#[derive(Serialize)]
pub struct Cx {
    spec_dir: String,
    /// Whether any endpoint is paginated: the pagination metadata types are imported only
    /// then, so the generated code has no unused import.
    any_pagination: bool,
    /// Whether any endpoint is on the Doudian gateway with a token: `DoudianClient` gets methods.
    any_doudian: bool,
    /// Whether any endpoint is a signed call: its binding types are imported.
    any_signed: bool,
    /// The API families the spec has, in a fixed order: the reference groups endpoints by them.
    families: Vec<FamilyCx>,
    roles: TokenRolesCx,
    types: Vec<TypeCx>,
    endpoints: Vec<EndpointCx>,
    summary: Vec<LevelCount>,
    sources: Vec<SourceCx>,
    events: Vec<EventCx>,
}

#[derive(Serialize)]
struct EventCx {
    name: String,
    name_lit: String,
    variant: String,
    event: String,
    event_lit: String,
    summary: String,
    summary_lit: String,
    title_zh: String,
    docs: String,
    content: String,
    evidence: String,
    name_evidence: String,
    keys: String,
    evidence_md: String,
}

#[derive(Serialize)]
struct SourceCx {
    id: String,
    title: String,
}

#[derive(Serialize)]
struct TypeCx {
    name: String,
    docs: String,
    doc: String,
    is_enum: bool,
    int_enum: bool,
    /// Sent: part of a request (serialised, built with `new` and setters, checked).
    sent: bool,
    /// Received: part of a response (deserialised leniently).
    received: bool,
    /// The top-level request type of an endpoint, or a type with checks: it implements `Check`.
    checked: bool,
    /// The statements of its `Check::check`, when any field carries a constraint.
    checks: Vec<String>,
    fields: Vec<FieldCx>,
    required: Vec<FieldCx>,
    values: Vec<ValueCx>,
}

#[derive(Serialize)]
struct FieldCx {
    ident: String,
    bare: String,
    setter: String,
    wire: String,
    wire_lit: String,
    docs: String,
    doc: String,
    serde_attr: String,
    marker: String,
    rust_ty: String,
    inner_ty: String,
    required: bool,
    md_ty: String,
    evidence: String,
}

#[derive(Serialize)]
struct ValueCx {
    variant: String,
    wire: String,
    wire_lit: String,
    wire_str_lit: String,
    docs: String,
    doc: String,
}

/// One offer of an operation (its own credential, or the alternative): one metadata static
/// and one SDK method.
#[derive(Serialize)]
struct EndpointCx {
    name: String,
    konst: String,
    docs: String,
    summary: String,
    title_zh: String,
    doc_url: String,
    retry_safe: bool,
    request_type: Option<String>,
    response_type: String,
    user: bool,
    call_md: String,
    pagination: Option<PageCx>,
    summary_lit: String,
    title_lit: String,
    doc_url_lit: String,
    evidence: String,
    rate_scope: String,
    scope: String,
    scope_md: String,
    auth_md: String,
    evidence_md: String,
    /// The binding's own context: exactly one part is set, and its template partial writes
    /// the `binding:` of the static.
    binding: BindingCx,
    /// The client type the method is on.
    client: String,
    /// The family it belongs to (`FamilyCx::key`).
    family: String,
    /// The runtime function the method calls.
    call_fn: String,
    /// The request line of the endpoint reference.
    wire_md: String,
    /// The envelope, as the reference names it.
    envelope_md: String,
    /// What its auth line adds about where the credential travels.
    credentials_md: String,
    /// The "method and path" cell of the reference's table.
    wire_short_md: String,
}

/// The endpoints that play the token lifecycle's roles, for the generated `TokenApi` impl.
#[derive(Serialize, Default)]
struct TokenRolesCx {
    app_token: Option<RoleCx>,
    stable_app_token: Option<RoleCx>,
    exchange_code: Option<RoleCx>,
    refresh: Option<RoleCx>,
    renew: Option<RoleCx>,
    authority_token: Option<RoleCx>,
    authority_refresh: Option<RoleCx>,
    /// Response types of the user-token roles, each converted into `auth::UserTokens`.
    user_token_types: Vec<String>,
}

#[derive(Serialize)]
struct RoleCx {
    method: String,
    request_type: Option<String>,
}

#[derive(Serialize)]
struct PageCx {
    cursor: bool,
    style: String,
    has_total: bool,
    style_md: String,
    item_type: String,
    max_page_size: i64,
    get_page: String,
    set_page: String,
    get_size: String,
    set_size: String,
    total: String,
    get_cursor: String,
    set_cursor: String,
    next_cursor: String,
    items: String,
    take_items: String,
    /// `Some("0")` / `None`: the cursor of the first page.
    first_cursor: String,
}

pub fn build(m: &Model, spec_dir: &str) -> Cx {
    let roles = Roles::of(m);
    Cx {
        spec_dir: spec_dir.to_string(),
        any_pagination: m.endpoints.iter().any(|e| e.pagination.is_some()),
        roles: token_roles(m),
        any_doudian: m
            .endpoints
            .iter()
            .any(|e| matches!(&e.binding, Binding::Signed(s) if s.credential.token)),
        any_signed: m.endpoints.iter().any(|e| matches!(e.binding, Binding::Signed(_))),
        families: [
            FamilyCx {
                key: "rest",
                title: "Douyin open platform (REST)",
                wire_column: "Method and path",
                scope_column: "Scope",
            },
            FamilyCx {
                key: "signed",
                title: "Doudian gateway (signed `method` calls)",
                wire_column: "Gateway method",
                scope_column: "Authority",
            },
        ]
        .into_iter()
        .filter(|f| m.endpoints.iter().any(|e| family(e) == f.key))
        .collect(),
        types: m.types.iter().map(|t| type_cx(t, &roles)).collect(),
        endpoints: m.endpoints.iter().flat_map(endpoint_cxs).collect(),
        summary: summary(m),
        events: m.events.iter().map(event_cx).collect(),
        sources: m
            .sources
            .iter()
            .map(|s| SourceCx { id: s.id.clone(), title: s.title.replace('|', "\\|") })
            .collect(),
    }
}

/// How many endpoints and fields stand at each evidence level: the table `cargo xtask codegen`
/// prints and `docs/endpoints.md` holds.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct LevelCount {
    /// The level's spec spelling.
    pub level: &'static str,
    /// Endpoints at that level (their own evidence).
    pub endpoints: usize,
    /// Credential choices at that level (an endpoint's and its alternative's).
    pub credentials: usize,
    /// Envelopes at that level.
    pub envelopes: usize,
    /// Object fields at that level.
    pub fields: usize,
}

/// The evidence summary of a model, strongest level first.
pub fn summary(m: &Model) -> Vec<LevelCount> {
    let fields: Vec<Evidence> = m
        .types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Object(f) => Some(f.iter().map(|f| f.evidence.level)),
            TypeKind::Enum(_) => None,
        })
        .flatten()
        .collect();
    let credentials: Vec<Evidence> =
        m.endpoints.iter().flat_map(|e| e.credential_evidence().into_iter().map(|c| c.level)).collect();
    let count = |levels: &mut dyn Iterator<Item = Evidence>, l: Evidence| levels.filter(|x| *x == l).count();
    Evidence::ALL
        .iter()
        .map(|&l| LevelCount {
            level: l.as_str(),
            endpoints: count(&mut m.endpoints.iter().map(|e| e.evidence.level), l),
            credentials: count(&mut credentials.iter().copied(), l),
            envelopes: count(&mut m.endpoints.iter().map(|e| e.envelope().1.level), l),
            fields: count(&mut fields.iter().copied(), l),
        })
        .collect()
}

/// Which named types are sent, received, top-level requests, or carry constraints.
struct Roles<'m> {
    sent: BTreeSet<&'m str>,
    received: BTreeSet<&'m str>,
    requests: BTreeSet<&'m str>,
    /// Sent types with a constraint in a field or in a nested sent type.
    constrained: BTreeSet<&'m str>,
}

impl<'m> Roles<'m> {
    fn of(m: &'m Model) -> Self {
        let requests: BTreeSet<&str> = m.endpoints.iter().filter_map(|e| e.request_type.as_deref()).collect();
        let sent = m.reachable(requests.iter().copied());
        let received = m.reachable(
            m.endpoints
                .iter()
                .map(|e| e.response_type.as_str())
                .chain(m.events.iter().map(|e| e.content.as_str())),
        );
        // Grows until no sent type gains a constraint through the types it nests.
        let mut constrained: BTreeSet<&str> = BTreeSet::new();
        loop {
            let before = constrained.len();
            for t in m.types.iter().filter(|t| sent.contains(t.name.as_str())) {
                if let TypeKind::Object(fields) = &t.kind {
                    if fields
                        .iter()
                        .any(|f| f.constraints != Constraints::default() || nests(&f.ty, &constrained))
                    {
                        constrained.insert(&t.name);
                    }
                }
            }
            if constrained.len() == before {
                break;
            }
        }
        Roles { sent, received, requests, constrained }
    }
}

fn nests(t: &Ty, set: &BTreeSet<&str>) -> bool {
    t.named().is_some_and(|n| set.contains(n))
}

fn md_ty(t: &Ty) -> String {
    match t {
        Ty::List(i) => format!("list<{}>", md_ty(i)),
        Ty::Map(i) => format!("map<{}>", md_ty(i)),
        Ty::Named(n) => n.clone(),
        other => format!("{other:?}").to_ascii_lowercase(),
    }
}

fn field_cx(f: &Field, gated: bool, evidence_in_type_doc: bool) -> FieldCx {
    let docs = rust::field_docs(f, evidence_in_type_doc);
    FieldCx {
        ident: rust::ident(&f.ident),
        bare: names::bare(&f.ident).to_string(),
        // `_1st_name` (a wire name starting with a digit) gets `with_1st_name`, `self_` `with_self`.
        setter: setter_name(&f.ident),
        wire: f.wire.clone(),
        wire_lit: rust::lit(&f.wire),
        docs: rust::doc_attrs(&docs),
        doc: docs.join(" ").replace('\n', " ").replace('|', "\\|"),
        serde_attr: rust::serde_attr(f, gated),
        marker: rust::decode_marker(f),
        rust_ty: rust::field_ty(f),
        inner_ty: rust::ty(&f.ty).to_string(),
        required: !f.optional(),
        md_ty: md_ty(&f.ty),
        evidence: f.evidence.level.as_str().to_string(),
    }
}

fn type_cx(t: &NamedType, roles: &Roles<'_>) -> TypeCx {
    let name = t.name.as_str();
    let sent = roles.sent.contains(name);
    // A type no endpoint uses is still data a user may decode.
    let received = roles.received.contains(name) || !sent;
    // When every field has the type's own evidence (and is read the same way), the type's doc
    // says it once instead of every field's.
    let shared = match (&t.kind, &t.evidence) {
        (TypeKind::Object(fields), Some(e)) if fields.len() > 1 => {
            fields.iter().all(|f| f.evidence == *e && f.lenient == fields[0].lenient).then(|| {
                let words = ["Evidence of every field", "Every field is read leniently"];
                rust::evidence_sentence(e, fields[0].lenient, words)
            })
        }
        _ => None,
    };
    // A type only received serialises only with the `serialize` feature.
    let field_cx = |f: &Field| field_cx(f, !sent, shared.is_some());
    let mut paragraphs = vec![t.doc.clone()];
    if let Some(zh) = &t.doc_zh {
        paragraphs.push(zh.clone());
    }
    if let Some(s) = &shared {
        paragraphs.push(s.clone());
    }
    let (fields, values, int_enum) = match &t.kind {
        TypeKind::Object(fields) => (fields.iter().map(field_cx).collect::<Vec<_>>(), Vec::new(), false),
        TypeKind::Enum(e) => (
            Vec::new(),
            e.values
                .iter()
                .map(|v| ValueCx {
                    variant: v.variant.clone(),
                    wire: v.wire.clone(),
                    wire_lit: if e.int { v.wire.clone() } else { rust::lit(&v.wire) },
                    wire_str_lit: rust::lit(&v.wire),
                    docs: rust::doc_attrs(&[format!("`{}`: {}", v.wire, v.doc)]),
                    doc: v.doc.clone(),
                })
                .collect(),
            e.int,
        ),
    };
    let required = match &t.kind {
        TypeKind::Object(fields) => fields.iter().filter(|f| !f.optional()).map(field_cx).collect(),
        TypeKind::Enum(_) => Vec::new(),
    };
    let checks: Vec<String> = match &t.kind {
        TypeKind::Object(fields) if roles.constrained.contains(name) => {
            fields.iter().flat_map(|f| rust::field_checks(f, nests(&f.ty, &roles.constrained))).collect()
        }
        _ => Vec::new(),
    };
    TypeCx {
        name: t.name.clone(),
        docs: rust::doc_attrs(&paragraphs),
        doc: paragraphs.join(" ").replace('\n', " "),
        is_enum: matches!(t.kind, TypeKind::Enum(_)),
        int_enum,
        sent,
        received,
        checked: roles.requests.contains(name) || !checks.is_empty(),
        checks,
        fields,
        required,
        values,
    }
}

fn field_access(f: &FieldRef, read_int: bool) -> (String, String) {
    let i = rust::ident(&f.ident);
    if read_int {
        if f.optional {
            (format!("r.{i}"), format!("r.{i} = Some(v)"))
        } else {
            (format!("Some(r.{i})"), format!("r.{i} = v"))
        }
    } else if f.optional {
        (format!("r.{i}.clone()"), format!("r.{i} = Some(v)"))
    } else {
        (format!("Some(r.{i}.clone())"), format!("r.{i} = v"))
    }
}

fn page_cx(p: &Pagination) -> PageCx {
    let (get_size, set_size) = field_access(&p.page_size, true);
    let (get_page, set_page) = p.page.as_ref().map(|f| field_access(f, true)).unwrap_or_default();
    let (get_cursor, set_cursor) = p.cursor.as_ref().map(|f| field_access(f, false)).unwrap_or_default();
    // The whole closure: without a total field it ignores the page.
    let total = p.total.as_ref().map_or("|_| None".to_string(), |f| {
        let i = rust::ident(&f.ident);
        if f.optional {
            format!("|d| d.{i}")
        } else {
            format!("|d| Some(d.{i})")
        }
    });
    let next_cursor = p.next_cursor.as_ref().map_or("None".to_string(), |f| {
        let i = rust::ident(&f.ident);
        if f.optional {
            format!("d.{i}.clone()")
        } else {
            format!("Some(d.{i}.clone())")
        }
    });
    let items = rust::ident(&p.items.ident);
    let (items_len, take_items) = if p.items.optional {
        (format!("d.{items}.as_ref().map_or(0, Vec::len)"), format!("d.{items}.unwrap_or_default()"))
    } else {
        (format!("d.{items}.len()"), format!("d.{items}"))
    };
    let items_wire = &p.items.wire;
    let items = format!("crate::paginate::PageItems::of({items_len}, &d.extra_fields, {items_wire:?})");
    // A page nested in a response field: every accessor first steps into it (`d` is rebound).
    let (total, next_cursor, items, take_items) = match &p.within {
        None => (total, next_cursor, items, take_items),
        Some(w) => {
            let wi = rust::ident(&w.ident);
            let ww = &w.wire;
            let total = total.strip_prefix("|d| ").map_or(total.clone(), |inner| {
                if inner == "None" {
                    total.clone()
                } else if w.optional {
                    format!("|d| d.{wi}.as_ref().and_then(|d| {inner})")
                } else {
                    format!("|d| {{ let d = &d.{wi}; {inner} }}")
                }
            });
            if w.optional {
                (
                    total,
                    format!("d.{wi}.as_ref().and_then(|d| {next_cursor})"),
                    format!(
                        "match &d.{wi} {{ Some(d) => {items}, None => crate::paginate::PageItems::of(0, &d.extra_fields, {ww:?}) }}"
                    ),
                    format!("d.{wi}.map(|d| {take_items}).unwrap_or_default()"),
                )
            } else {
                (
                    total,
                    format!("{{ let d = &d.{wi}; {next_cursor} }}"),
                    format!("{{ let d = &d.{wi}; {items} }}"),
                    format!("{{ let d = d.{wi}; {take_items} }}"),
                )
            }
        }
    };
    let first_cursor = p.first_cursor.as_ref().map_or("None".to_string(), |c| format!("Some({c:?})"));
    PageCx {
        cursor: p.style == PageStyle::Cursor,
        style: p.style.rust_path().to_string(),
        has_total: p.total.is_some(),
        style_md: match p.style {
            PageStyle::Page => format!(
                "page `{}` + `{}`{}",
                p.page.as_ref().map_or("", |f| &f.wire),
                p.page_size.wire,
                p.total.as_ref().map_or(String::new(), |t| format!(", total `{}`", t.wire))
            ),
            PageStyle::Cursor => format!(
                "cursor `{}`{} → `{}` + `{}`",
                p.cursor.as_ref().map_or("", |f| &f.wire),
                p.first_cursor.as_ref().map_or(String::new(), |c| format!(" (first `{c:?}`)")),
                p.next_cursor.as_ref().map_or("", |f| &f.wire),
                p.page_size.wire
            ),
        } + &p.within.as_ref().map_or(String::new(), |w| format!(", in `{}`", w.wire)),
        item_type: p.item_type.clone(),
        max_page_size: p.max_page_size,
        get_page,
        set_page,
        get_size,
        set_size,
        total,
        get_cursor,
        set_cursor,
        next_cursor,
        items,
        take_items,
        first_cursor,
    }
}

/// The endpoint's offers (one method each), as its binding makes them.
fn endpoint_cxs(e: &Operation) -> Vec<EndpointCx> {
    let offers = match &e.binding {
        Binding::Rest(r) => super::rest::offers(e, r),
        Binding::Signed(s) => vec![super::signed::offer(e, s)],
    };
    offers.iter().map(|o| endpoint_cx(e, o)).collect()
}

/// One API family of the reference.
#[derive(Serialize)]
struct FamilyCx {
    key: &'static str,
    title: &'static str,
    wire_column: &'static str,
    scope_column: &'static str,
}

/// The family an operation belongs to, as the reference groups them.
fn family(e: &Operation) -> &'static str {
    match e.binding {
        Binding::Rest(_) => "rest",
        Binding::Signed(_) => "signed",
    }
}

/// The endpoints playing each token role.
fn token_roles(m: &Model) -> TokenRolesCx {
    let mut cx = TokenRolesCx::default();
    for e in &m.endpoints {
        let Some(role) = e.role else { continue };
        let r = RoleCx { method: e.name.clone(), request_type: e.request_type.clone() };
        let slot = match role {
            TokenRole::AppToken => &mut cx.app_token,
            TokenRole::StableAppToken => &mut cx.stable_app_token,
            TokenRole::ExchangeCode => &mut cx.exchange_code,
            TokenRole::Refresh => &mut cx.refresh,
            TokenRole::Renew => &mut cx.renew,
            TokenRole::AuthorityToken => &mut cx.authority_token,
            TokenRole::AuthorityRefresh => &mut cx.authority_refresh,
        };
        *slot = Some(r);
        if matches!(role, TokenRole::ExchangeCode | TokenRole::Refresh)
            && !cx.user_token_types.contains(&e.response_type)
        {
            cx.user_token_types.push(e.response_type.clone());
        }
    }
    cx
}

fn event_cx(e: &Event) -> EventCx {
    let mut paragraphs = vec![e.summary.clone()];
    paragraphs.push(match &e.doc_url {
        Some(u) => format!("{} · [doc]({u})", e.title_zh),
        None => e.title_zh.clone(),
    });
    if let Some(d) = &e.doc {
        paragraphs.push(d.clone());
    }
    let mut evidence = format!("Wire name `{}`. Evidence: event {}", e.event, e.evidence.phrase());
    if e.name_evidence != e.evidence {
        evidence.push_str(&format!("; name {}", e.name_evidence.phrase()));
    }
    evidence.push('.');
    if !e.keys.is_empty() {
        let keys: Vec<String> = e.keys.iter().map(|k| format!("`{k}`")).collect();
        evidence.push_str(&format!(" Also recognised by a content with {}.", keys.join(" and ")));
    }
    paragraphs.push(evidence.clone());
    EventCx {
        name: e.name.clone(),
        name_lit: rust::lit(&e.name),
        variant: e.variant.clone(),
        event: e.event.clone(),
        event_lit: rust::lit(&e.event),
        summary: e.summary.replace('\n', " "),
        summary_lit: rust::lit(&e.summary),
        title_zh: e.title_zh.clone(),
        docs: rust::doc_attrs(&paragraphs),
        content: e.content.clone(),
        evidence: e.evidence.level.rust_path().to_string(),
        name_evidence: e.name_evidence.level.rust_path().to_string(),
        keys: e.keys.iter().map(|k| rust::lit(k)).collect::<Vec<_>>().join(", "),
        evidence_md: evidence.replace('|', "\\|"),
    }
}

/// One credential under which an endpoint is offered: one metadata static and one method.
pub(super) struct Offer<'e> {
    pub(super) auth: AuthKind,
    pub(super) scope: Option<&'e str>,
    /// The reference's scope cell, when the binding writes it (the gateway's authorities).
    pub(super) scope_md: Option<String>,
    pub(super) evidence: &'e Provenance,
    pub(super) konst: String,
    /// The other credential it is also offered under, with its evidence.
    pub(super) other: Option<(AuthKind, &'e Provenance)>,
    /// How this offer travels, as its binding's context builder wrote it.
    pub(super) wire: Wire,
}

/// An offer's wire, as the docs and the static show it.
pub(super) struct Wire {
    /// The doc comment's request line (before ` · auth: …`).
    pub(super) doc_line: String,
    /// The endpoint reference's request line.
    pub(super) md: String,
    /// What the reference's auth line adds about where the credential travels.
    pub(super) credentials_md: String,
    /// The reference table's "method and path" cell.
    pub(super) short_md: String,
    /// The static's `binding:`, written by the binding's partial.
    pub(super) binding: BindingCx,
}

/// The binding part of a static: one field set, named by the partial that writes it.
#[derive(Serialize, Default)]
pub(super) struct BindingCx {
    pub(super) rest: Option<super::rest::RestCx>,
    pub(super) signed: Option<super::signed::SignedCx>,
}

fn endpoint_cx(e: &Operation, o: &Offer<'_>) -> EndpointCx {
    let auth = o.auth;
    let auth_md = auth.phrase();
    let user = auth == AuthKind::AccessToken;
    let arg = if e.request_type.is_some() { "&request" } else { "" };
    let call_md = match auth {
        AuthKind::AccessToken => format!("client.user(&user).{}({arg})", e.name),
        AuthKind::DoudianToken => format!("client.doudian(&authority).{}({arg})", e.name),
        AuthKind::None | AuthKind::ClientToken => format!("client.{}({arg})", e.name),
    };
    let scope = o.scope;
    let wire = &o.wire;
    let mut paragraphs = vec![e.summary.clone(), format!("{} · [doc]({})", e.title_zh, e.doc_url)];
    if let Some(d) = &e.doc {
        paragraphs.push(d.clone());
    }
    paragraphs.push(format!(
        "{} · auth: {auth_md}{} · {}",
        wire.doc_line,
        scope.map_or(String::new(), |s| format!(" (scope `{s}`)")),
        if e.retry_safe { "retried on transient failures" } else { "never retried (not safe to repeat)" }
    ));
    let (_, envelope_evidence) = e.envelope();
    let mut evidence = format!(
        "Evidence: endpoint {}; credential {}; envelope {}.",
        e.evidence.phrase(),
        o.evidence.phrase(),
        envelope_evidence.phrase()
    );
    if !envelope_evidence.level.is_confirmed() {
        evidence.push_str(
            " The envelope is detected from each answer (`data`/`extra`, `err_no`, `code`, `status_code`).",
        );
    }
    if let Some((other, ev)) = o.other {
        evidence.push_str(&format!(
            " Sources disagree on the credential: the call is also offered with the {} (evidence: {}).",
            other.phrase(),
            ev.phrase()
        ));
    }
    paragraphs.push(evidence.clone());
    EndpointCx {
        name: e.name.clone(),
        konst: o.konst.clone(),
        docs: rust::doc_attrs(&paragraphs),
        summary: e.summary.replace('\n', " "),
        title_zh: e.title_zh.clone(),
        doc_url: e.doc_url.clone(),
        retry_safe: e.retry_safe,
        request_type: e.request_type.clone(),
        response_type: e.response_type.clone(),
        user,
        call_md,
        pagination: e.pagination.as_ref().map(page_cx),
        summary_lit: rust::lit(&e.summary),
        title_lit: rust::lit(&e.title_zh),
        doc_url_lit: rust::lit(&e.doc_url),
        evidence: e.evidence.level.rust_path().to_string(),
        rate_scope: e.rate_scope.rust_path().to_string(),
        scope: scope.map_or("None".to_string(), |s| format!("Some({})", rust::lit(s))),
        scope_md: o.scope_md.clone().unwrap_or_else(|| scope.map_or("—".to_string(), |s| format!("`{s}`"))),
        auth_md: auth_md.to_string(),
        evidence_md: evidence.replace('|', "\\|"),
        binding: BindingCx { rest: wire.binding.rest.clone(), signed: wire.binding.signed.clone() },
        client: auth.client_type().to_string(),
        family: family(e).to_string(),
        call_fn: match auth {
            AuthKind::None | AuthKind::ClientToken => "call",
            AuthKind::AccessToken => "call_as_user",
            AuthKind::DoudianToken => "call_as_authority",
        }
        .to_string(),
        wire_md: wire.md.clone(),
        envelope_md: e.envelope().0.phrase().to_string(),
        credentials_md: wire.credentials_md.clone(),
        wire_short_md: wire.short_md.clone(),
    }
}

/// `with_<field>`; a field already named `with_…` keeps its name (`with_share_status`, not
/// `with_with_share_status`). `_1st_name` gets `with_1st_name`, `self_` `with_self`.
fn setter_name(ident: &str) -> String {
    let bare = names::bare(ident).trim_matches('_');
    if bare.starts_with("with_") {
        bare.to_string()
    } else {
        format!("with_{bare}")
    }
}
