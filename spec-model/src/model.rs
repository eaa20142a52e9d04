//! The resolved, validated model: the only thing the renderers see.
//!
//! Every name here is already a valid Rust identifier, every type reference resolves, and every
//! enum-like string of the spec is a Rust enum.

use std::collections::{BTreeMap, BTreeSet};

pub use douyin_alliance_meta::{
    AuthKind, Authority, Encoding, EnvelopeKind, Evidence, HttpMethod, PageStyle, Placement, Protocol,
    RateScope, Server, TokenRole,
};

/// The whole API.
#[derive(Debug, Clone)]
pub struct Model {
    /// Endpoints in spec order (files sorted by name, then file order).
    pub endpoints: Vec<Operation>,
    /// Named types, sorted by name.
    pub types: Vec<NamedType>,
    /// The source register, in spec order.
    pub sources: Vec<Source>,
    /// Pushed events, in spec order.
    pub events: Vec<Event>,
}

/// One event the platform pushes.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// snake_case name.
    pub name: String,
    /// The `Event` variant.
    pub variant: String,
    /// The wire `event` name (the receiver's default when the name is below confirmed).
    pub event: String,
    /// English summary.
    pub summary: String,
    /// Chinese title.
    pub title_zh: String,
    /// Longer English doc.
    pub doc: Option<String>,
    /// Doc URL.
    pub doc_url: Option<String>,
    /// Named object type of `content`.
    pub content: String,
    /// Evidence for the event and its content.
    pub evidence: Provenance,
    /// Evidence for the wire name.
    pub name_evidence: Provenance,
    /// Content fields that recognise the event whatever its name.
    pub keys: Vec<String>,
}

impl Model {
    /// Named types reachable from `roots` through fields, lists and maps.
    pub fn reachable<'m>(&'m self, roots: impl Iterator<Item = &'m str>) -> BTreeSet<&'m str> {
        let by_name: BTreeMap<&str, &TypeKind> =
            self.types.iter().map(|t| (t.name.as_str(), &t.kind)).collect();
        let mut seen = BTreeSet::new();
        let mut todo: Vec<&str> = roots.collect();
        while let Some(name) = todo.pop() {
            if !seen.insert(name) {
                continue;
            }
            if let Some(TypeKind::Object(fields)) = by_name.get(name) {
                for f in fields {
                    todo.extend(f.ty.named());
                }
            }
        }
        seen
    }
}

/// One entry of the source register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The id evidence cites.
    pub id: String,
    /// What it is.
    pub title: String,
}

/// A fact's evidence: its level and the sources (ids of the register) behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// How strong.
    pub level: Evidence,
    /// Register ids.
    pub sources: Vec<String>,
    /// Why, in a few words.
    pub note: Option<String>,
}

impl Provenance {
    /// `single source (S1)`, with the note after a colon: the phrase docs print.
    pub fn phrase(&self) -> String {
        let mut s = self.level.phrase().to_string();
        if !self.sources.is_empty() {
            s.push_str(&format!(" ({})", self.sources.join(", ")));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!(": {n}"));
        }
        s
    }
}

/// One operation of the platform: what it is (name, docs, input, output, evidence, retry
/// safety, paging), apart from how it travels ([`Binding`]).
#[derive(Debug, Clone)]
pub struct Operation {
    /// snake_case name, also the method name.
    pub name: String,
    /// The spec file it came from.
    pub file: String,
    /// English summary.
    pub summary: String,
    /// Chinese title.
    pub title_zh: String,
    /// Longer English doc.
    pub doc: Option<String>,
    /// Doc URL.
    pub doc_url: String,
    /// Retry safety.
    pub retry_safe: bool,
    /// Request parameter type, if any.
    pub request_type: Option<String>,
    /// Response `data` type.
    pub response_type: String,
    /// Example response body, compact JSON.
    pub example: Option<String>,
    /// Pagination.
    pub pagination: Option<Pagination>,
    /// Evidence for the operation itself.
    pub evidence: Provenance,
    /// The part it plays in the token lifecycle, if any.
    pub role: Option<TokenRole>,
    /// Which client rate limit it counts against.
    pub rate_scope: RateScope,
    /// How it travels.
    pub binding: Binding,
}

/// How an operation travels. A second API family is a second variant.
#[derive(Debug, Clone)]
pub enum Binding {
    /// A Douyin REST call: a path on a host, a token header or body fields, an envelope.
    Rest(RestBinding),
    /// A signed call of the Doudian gateway.
    Signed(SignedBinding),
}

/// A signed call of the Doudian gateway: `POST` to the path derived from `method`, the app's
/// signature over `param_json` (the body), the authority's access_token when it needs one.
#[derive(Debug, Clone)]
pub struct SignedBinding {
    /// The gateway.
    pub server: Server,
    /// The `method` name, e.g. `buyin.kolProductShare`.
    pub method: String,
    /// `/` + `method` with every `.` replaced by `/`.
    pub path: String,
    /// Whether an authority's access_token goes with the call, and which kinds it may be.
    pub credential: SignedCredential,
    /// Response envelope.
    pub envelope: EnvelopeKind,
    /// Evidence for the envelope.
    pub envelope_evidence: Provenance,
}

/// The token a signed call takes.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedCredential {
    /// Whether the call carries an authority's access_token (else it is signed only).
    pub token: bool,
    /// The authority kinds whose token it takes (empty: any, or no token).
    pub authorities: Vec<Authority>,
    /// Evidence for the token kind and authority.
    pub evidence: Provenance,
}

impl Operation {
    /// The evidence of every credential the operation is offered under: its own, then the
    /// alternative.
    pub fn credential_evidence(&self) -> Vec<&Provenance> {
        match &self.binding {
            Binding::Rest(r) => {
                std::iter::once(&r.credential).chain(r.alternative.as_ref()).map(|c| &c.evidence).collect()
            }
            Binding::Signed(s) => vec![&s.credential.evidence],
        }
    }

    /// Every OAuth scope its user calls need.
    pub fn scopes(&self) -> Vec<&str> {
        match &self.binding {
            Binding::Rest(r) => std::iter::once(&r.credential)
                .chain(r.alternative.as_ref())
                .filter_map(|c| c.scope.as_deref())
                .collect(),
            Binding::Signed(_) => Vec::new(),
        }
    }

    /// The envelope of its answers and the evidence for it.
    pub fn envelope(&self) -> (EnvelopeKind, &Provenance) {
        match &self.binding {
            Binding::Rest(r) => (r.envelope, &r.envelope_evidence),
            Binding::Signed(s) => (s.envelope, &s.envelope_evidence),
        }
    }

    /// The host it is sent to.
    pub fn server(&self) -> Server {
        match &self.binding {
            Binding::Rest(r) => r.server,
            Binding::Signed(s) => s.server,
        }
    }

    /// The path it is sent to.
    pub fn path(&self) -> &str {
        match &self.binding {
            Binding::Rest(r) => &r.path,
            Binding::Signed(s) => &s.path,
        }
    }
}

/// A REST call of the Douyin open platform.
#[derive(Debug, Clone)]
pub struct RestBinding {
    /// Host.
    pub server: Server,
    /// HTTP method.
    pub method: HttpMethod,
    /// Absolute path.
    pub path: String,
    /// Request encoding.
    pub encoding: Encoding,
    /// The credential and where it travels.
    pub credential: Credential,
    /// The same call under a second credential, where sources disagree.
    pub alternative: Option<Credential>,
    /// Constant fields added to every request (wire name, value).
    pub constants: Vec<(String, String)>,
    /// Response envelope.
    pub envelope: EnvelopeKind,
    /// Evidence for the envelope.
    pub envelope_evidence: Provenance,
}

/// A credential an operation is offered under.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// Where it travels (which implies the kind).
    pub placement: Placement,
    /// The OAuth scope a user call needs, when known.
    pub scope: Option<String>,
    /// Its evidence.
    pub evidence: Provenance,
}

/// Pagination, resolved to fields.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// Page-number or cursor.
    pub style: PageStyle,
    /// Request field (Rust ident) of the page number (`Page`).
    pub page: Option<FieldRef>,
    /// Request field of the page size.
    pub page_size: FieldRef,
    /// Response field of the total (`Page`, optional).
    pub total: Option<FieldRef>,
    /// Request field of the cursor (`Cursor`).
    pub cursor: Option<FieldRef>,
    /// Response field of the next cursor (`Cursor`).
    pub next_cursor: Option<FieldRef>,
    /// Response list field of items.
    pub items: FieldRef,
    /// The named type of one item.
    pub item_type: String,
    /// Largest page size.
    pub max_page_size: i64,
    /// The cursor sent on the first page when the request has none (`Cursor`).
    pub first_cursor: Option<String>,
    /// The response field (of an object type) holding the page's fields, when nested.
    pub within: Option<FieldRef>,
}

/// A resolved field: its Rust identifier and whether it is an `Option`.
#[derive(Debug, Clone)]
pub struct FieldRef {
    /// Wire name.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Whether the Rust field is an `Option`.
    pub optional: bool,
}

/// A named type.
#[derive(Debug, Clone)]
pub struct NamedType {
    /// PascalCase name.
    pub name: String,
    /// Spec file.
    pub file: String,
    /// English doc.
    pub doc: String,
    /// Chinese doc.
    pub doc_zh: Option<String>,
    /// Object or enum.
    pub kind: TypeKind,
    /// The type's own evidence (the default of its fields), when stated.
    pub evidence: Option<Provenance>,
}

/// Object or enum.
#[derive(Debug, Clone)]
pub enum TypeKind {
    /// A struct.
    Object(Vec<Field>),
    /// An open enum.
    Enum(EnumDef),
}

/// One field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name.
    pub wire: String,
    /// Rust identifier (may be raw, `r#type`).
    pub ident: String,
    /// Type.
    pub ty: Ty,
    /// Required.
    pub required: bool,
    /// English doc.
    pub doc: String,
    /// Chinese doc.
    pub doc_zh: Option<String>,
    /// Unit.
    pub unit: Option<Unit>,
    /// Example, compact JSON.
    pub example: Option<String>,
    /// Constraints.
    pub constraints: Constraints,
    /// Its evidence (its own, or its type's).
    pub evidence: Provenance,
    /// Decoded leniently: a field of a response whose evidence is below confirmed. Its Rust
    /// type is an `Option` (or an empty collection), and a value of another shape is kept in
    /// `extra_fields` instead of failing the response.
    pub lenient: bool,
}

impl Field {
    /// Whether the Rust field is an `Option`.
    pub fn optional(&self) -> bool {
        !self.required || (self.lenient && !self.ty.is_collection())
    }

    /// The field's full Rust type in the generated crate (`Option<…>` when not required), as
    /// text: the one mapping of spec types to Rust, which the generator parses into tokens.
    pub fn rust_type(&self) -> String {
        if self.optional() {
            format!("Option<{}>", self.ty.rust())
        } else {
            self.ty.rust()
        }
    }
}

impl Ty {
    /// The Rust type in the generated crate, as text (`crate::` paths are the generated
    /// crate's own).
    pub fn rust(&self) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Secret => "crate::Secret".into(),
            Ty::Bool => "bool".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::F64 => "f64".into(),
            Ty::Id => "crate::Id".into(),
            Ty::Json => "::serde_json::Value".into(),
            Ty::List(inner) => format!("Vec<{}>", inner.rust()),
            Ty::Map(inner) => format!("::std::collections::BTreeMap<String, {}>", inner.rust()),
            Ty::Named(n) => n.clone(),
        }
    }

    /// The named type inside (itself, or its list's or map's items).
    pub fn named(&self) -> Option<&str> {
        match self {
            Ty::List(i) | Ty::Map(i) => i.named(),
            Ty::Named(n) => Some(n),
            _ => None,
        }
    }

    /// A list or a map (absent reads as empty).
    pub fn is_collection(&self) -> bool {
        matches!(self, Ty::List(_) | Ty::Map(_))
    }
}

/// Units of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 1/100 CNY.
    Fen,
    /// Percent (10 means 10 %).
    Percent,
    /// Value × 100 (1.1 % → 110).
    X100,
    /// Value × 10000 (0.35 → 3500).
    X10000,
    /// Seconds.
    Seconds,
    /// Milliseconds.
    Milliseconds,
}

impl Unit {
    /// Spec spelling and the sentence used in docs.
    pub const ALL: [(Unit, &'static str, &'static str); 6] = [
        (Unit::Fen, "fen", "Unit: fen (1/100 CNY)."),
        (Unit::Percent, "percent", "Unit: percent (10 means 10 %)."),
        (Unit::X100, "x100", "Unit: ratio × 100 (1.1 % is 110)."),
        (Unit::X10000, "x10000", "Unit: ratio × 10000 (0.35 is 3500)."),
        (Unit::Seconds, "seconds", "Unit: seconds."),
        (Unit::Milliseconds, "milliseconds", "Unit: milliseconds."),
    ];
    /// The doc sentence.
    pub fn sentence(self) -> &'static str {
        Unit::ALL.iter().find(|(u, _, _)| *u == self).map(|x| x.2).unwrap_or("")
    }
}

/// Constraints stated by the platform's docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// Smallest value.
    pub min: Option<i64>,
    /// Largest value.
    pub max: Option<i64>,
    /// Longest string, in characters.
    pub max_length: Option<u64>,
    /// Most list items.
    pub max_items: Option<u64>,
    /// Regex for the whole value.
    pub pattern: Option<String>,
}

/// Field types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// UTF-8 string.
    String,
    /// A credential; never shown by Debug.
    Secret,
    /// bool (accepts 0/1 and "true"/"1" in responses).
    Bool,
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 64-bit float.
    F64,
    /// 64-bit ID, number or string on the wire.
    Id,
    /// Any JSON.
    Json,
    /// Array.
    List(Box<Ty>),
    /// Object with string keys.
    Map(Box<Ty>),
    /// A named object or enum type.
    Named(String),
}

/// An open enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Whether values are integers (else strings).
    pub int: bool,
    /// Documented values.
    pub values: Vec<EnumValue>,
}

/// A documented enum value.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// Variant identifier.
    pub variant: String,
    /// Wire value as a Rust literal body: the string, or the integer's digits.
    pub wire: String,
    /// What it means.
    pub doc: String,
}
