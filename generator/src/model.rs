//! The resolved, validated model: the only thing the renderers see.
//!
//! Every name here is already a valid Rust identifier, every type reference resolves, and every
//! enum-like string of the spec is a Rust enum.

use serde::Serialize;

/// The whole API.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// Endpoints in spec order (files sorted by name, then file order).
    pub endpoints: Vec<Endpoint>,
    /// Named types, sorted by name.
    pub types: Vec<NamedType>,
}

impl Model {
    /// The named type called `name`.
    pub fn ty(&self, name: &str) -> Option<&NamedType> {
        self.types.iter().find(|t| t.name == name)
    }
}

/// A host of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Server {
    /// `open.douyin.com`: OAuth.
    OpenDouyin,
    /// `open.douyinec.com`: the Alliance API.
    OpenDouyinEc,
    /// `lianmengapi.snssdk.com`: the captain (团长) mobile API.
    Lianmeng,
}

impl Server {
    /// Every server with its host name.
    pub const ALL: [(Server, &'static str); 3] = [
        (Server::OpenDouyin, "open.douyin.com"),
        (Server::OpenDouyinEc, "open.douyinec.com"),
        (Server::Lianmeng, "lianmengapi.snssdk.com"),
    ];
}

/// HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
}

/// Who the call acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Auth {
    /// No token.
    None,
    /// The app's `client_token`.
    ClientToken,
    /// A user's `access_token`.
    AccessToken,
}

/// How the credentials travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Credentials {
    /// None are sent.
    None,
    /// The token in the `access-token` header.
    Header,
    /// client_key / client_secret in the body.
    Body,
}

/// Request encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Encoding {
    /// JSON body.
    Json,
    /// `application/x-www-form-urlencoded` body.
    Form,
    /// Query string only.
    Query,
    /// Nothing.
    None,
}

/// Response envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Envelope {
    /// `{data: {error_code, description, ..}, extra: {..}}`
    DataExtra,
    /// `{err_no, err_msg, log_id, data}`
    ErrNo,
    /// `{code, msg, data}`
    CodeMsg,
}

/// Where an injected field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum InjectFrom {
    /// The client's client_key.
    ClientKey,
    /// The client's client_secret.
    ClientSecret,
    /// A constant.
    Const(String),
}

/// A field the SDK fills in.
#[derive(Debug, Clone, Serialize)]
pub struct Inject {
    /// Wire name.
    pub name: String,
    /// Value source.
    pub from: InjectFrom,
}

/// One endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
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
    /// Server.
    pub server: Server,
    /// Host name of the server.
    pub host: String,
    /// Method.
    pub method: Method,
    /// Path.
    pub path: String,
    /// Auth kind.
    pub auth: Auth,
    /// Credential transport.
    pub credentials: Credentials,
    /// Whether `open_id` goes in the query.
    pub open_id_in_query: bool,
    /// Retry safety.
    pub retry_safe: bool,
    /// Request encoding.
    pub encoding: Encoding,
    /// Request parameter type, if any.
    pub request_type: Option<String>,
    /// Injected fields.
    pub inject: Vec<Inject>,
    /// Response envelope.
    pub envelope: Envelope,
    /// Response `data` type.
    pub response_type: String,
    /// Example response body, compact JSON.
    pub example: Option<String>,
    /// Pagination.
    pub pagination: Option<Pagination>,
}

/// Pagination, resolved to fields.
#[derive(Debug, Clone, Serialize)]
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
}

/// A resolved field: its Rust identifier and whether it is an `Option`.
#[derive(Debug, Clone, Serialize)]
pub struct FieldRef {
    /// Wire name.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Whether the Rust field is an `Option`.
    pub optional: bool,
}

/// Pagination style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PageStyle {
    /// page + page_size (+ total).
    Page,
    /// cursor + size.
    Cursor,
}

/// A named type.
#[derive(Debug, Clone, Serialize)]
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
}

/// Object or enum.
#[derive(Debug, Clone, Serialize)]
pub enum TypeKind {
    /// A struct.
    Object(Vec<Field>),
    /// An open enum.
    Enum(EnumDef),
}

/// One field.
#[derive(Debug, Clone, Serialize)]
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
}

/// Units of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct EnumDef {
    /// Whether values are integers (else strings).
    pub int: bool,
    /// Documented values.
    pub values: Vec<EnumValue>,
}

/// A documented enum value.
#[derive(Debug, Clone, Serialize)]
pub struct EnumValue {
    /// Variant identifier.
    pub variant: String,
    /// Wire value as a Rust literal body: the string, or the integer's digits.
    pub wire: String,
    /// What it means.
    pub doc: String,
}
