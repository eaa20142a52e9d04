//! The serde types of the spec file format, exactly as maintainers write it.
//!
//! Nothing here is validated beyond its shape: every struct denies unknown keys so a typo is an
//! error, and the checks that need the whole spec (references, duplicates, collisions) live in
//! [`crate::validate`]. `spec/README.md` documents every key with an annotated example.

use serde::Deserialize;

/// One YAML file under `spec/`: endpoints and/or named types.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// Endpoint definitions, in the order they should appear in docs.
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    /// Named object and enum types, shared by every endpoint of every file.
    #[serde(default)]
    pub types: Vec<TypeSpec>,
    /// The register of sources that evidence cites (ids of `api-facts.md`, plus `seed`).
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// Events the platform pushes to the app's webhook.
    #[serde(default)]
    pub events: Vec<EventSpec>,
}

/// One pushed event.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventSpec {
    /// snake_case name; becomes the `Event` variant (PascalCase).
    pub name: String,
    /// The wire `event` name (for a name below confirmed: the default the receiver is
    /// configured with).
    pub event: String,
    /// One-line English summary.
    pub summary: String,
    /// The platform's Chinese title.
    pub title_zh: String,
    /// Longer English documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// The platform's doc page.
    #[serde(default)]
    pub doc_url: Option<String>,
    /// Named object type of `content`.
    pub content: String,
    /// The evidence for the event and its content.
    #[serde(default)]
    pub evidence: Option<EvidenceSpec>,
    /// The evidence for the wire name, when weaker than the event's.
    #[serde(default)]
    pub name_evidence: Option<EvidenceSpec>,
    /// Content fields whose presence recognises the event whatever its name (required when
    /// the name is below confirmed).
    #[serde(default)]
    pub recognize_by_keys: Vec<String>,
}

/// One entry of the source register.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The id evidence cites, e.g. `S1`.
    pub id: String,
    /// What the source is.
    pub title: String,
}

/// How strongly a fact is evidenced, and by what.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    /// `documented`, `confirmed`, `single_source`, `analogue`, `seed_only` or `guessed`.
    pub level: String,
    /// Ids of the source register; may be empty only for `guessed`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Why, in a few words.
    #[serde(default)]
    pub note: Option<String>,
}

/// A second credential under which the same call is offered (sources disagree on it).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlternativeAuthSpec {
    /// `client_token` or `access_token`: the kind the endpoint's `auth` is not.
    pub auth: String,
    /// Whether the user's `open_id` goes in the query string (with `access_token`).
    #[serde(default)]
    pub open_id_in_query: bool,
    /// The OAuth scope, with `access_token`.
    #[serde(default)]
    pub scope: Option<String>,
    /// The evidence for this credential.
    pub evidence: EvidenceSpec,
}

/// One HTTP operation of the platform.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointSpec {
    /// snake_case name; becomes the SDK method name.
    pub name: String,
    /// One-line English summary.
    pub summary: String,
    /// The original Chinese title of the platform's doc page.
    pub title_zh: String,
    /// Longer English documentation (optional).
    #[serde(default)]
    pub doc: Option<String>,
    /// The platform's doc page.
    pub doc_url: String,
    /// Host name: `open.douyin.com`, `open.douyinec.com`, `lianmengapi.snssdk.com` (REST) or
    /// `openapi-fxg.jinritemai.com` (the signed Doudian gateway).
    pub server: String,
    /// REST: `GET` or `POST`. Signed gateway: the `method` name, e.g. `buyin.kolProductShare`.
    pub method: String,
    /// REST: absolute path, starting with `/`, without a query string. Signed gateway: absent
    /// (derived from `method`).
    #[serde(default)]
    pub path: Option<String>,
    /// `none`, `client_token`, `access_token` (REST) or `none`, `doudian_token` (signed).
    pub auth: String,
    /// Signed gateway, `auth: doudian_token`: the kinds of authority whose token the call
    /// takes (`kol`, `colonel`, `institution`, `douke`, `shop`); its evidence is
    /// `auth_evidence`.
    #[serde(default)]
    pub authority: Option<Vec<String>>,
    /// How credentials travel: `header` (the `access-token` header), `body` (client_key /
    /// client_secret injected into the body) or `none`. Defaults from `auth`.
    #[serde(default)]
    pub credentials: Option<String>,
    /// Whether the user's `open_id` goes in the query string (user endpoints only).
    #[serde(default)]
    pub open_id_in_query: bool,
    /// Whether the call may be retried after a failure that leaves its outcome unknown.
    pub retry_safe: bool,
    /// The evidence for the endpoint (host, method, path, parameters).
    #[serde(default)]
    pub evidence: Option<EvidenceSpec>,
    /// The evidence for `auth`, when it is weaker than the endpoint's.
    #[serde(default)]
    pub auth_evidence: Option<EvidenceSpec>,
    /// The OAuth scope a user call needs, or `unknown`.
    #[serde(default)]
    pub scope: Option<String>,
    /// The same call under the other credential kind, where sources disagree.
    #[serde(default)]
    pub alternative_auth: Option<AlternativeAuthSpec>,
    /// The part the endpoint plays in the token lifecycle the runtime drives: `app_token`,
    /// `stable_app_token`, `exchange_code`, `refresh` or `renew` (at most one endpoint each).
    #[serde(default)]
    pub role: Option<String>,
    /// Which client rate limit the call counts against: `app` (the default), `token_fetch` (the
    /// default of the app-token roles) or `exempt`.
    #[serde(default)]
    pub rate_scope: Option<String>,
    /// The request.
    #[serde(default)]
    pub request: Option<RequestSpec>,
    /// The response.
    pub response: ResponseSpec,
    /// Pagination, for endpoints that return one page of a longer list.
    #[serde(default)]
    pub pagination: Option<PaginationSpec>,
}

/// How the request travels.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// `json` (body), `form` (urlencoded body), `query` (query string only) or `none`.
    pub encoding: String,
    /// Named object type of the parameters; absent when the call takes none.
    #[serde(default, rename = "type")]
    pub ty: Option<String>,
    /// Fields the SDK fills in itself and the caller never sees.
    #[serde(default)]
    pub inject: Vec<InjectSpec>,
}

/// A wire field the SDK fills in: a credential of the client or a constant.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InjectSpec {
    /// Wire name of the field.
    pub name: String,
    /// `client_key`, `client_secret` or `const`.
    pub from: String,
    /// The constant, when `from: const`.
    #[serde(default)]
    pub value: Option<String>,
}

/// The response and its envelope.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// `data_extra`, `err_no` or `code_msg`.
    pub envelope: String,
    /// Named object type of the envelope's `data`.
    #[serde(rename = "type")]
    pub ty: String,
    /// The evidence for the envelope, when it is weaker than the endpoint's.
    #[serde(default)]
    pub evidence: Option<EvidenceSpec>,
    /// A complete example response body (envelope included).
    #[serde(default)]
    pub example: Option<serde_json::Value>,
}

/// Pagination: which request and response fields drive it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaginationSpec {
    /// `page` (page number + page size + total) or `cursor` (opaque cursor + size).
    pub style: String,
    /// Request field holding the page number (`page` style).
    #[serde(default)]
    pub page: Option<String>,
    /// Request field holding the page size (both styles).
    pub page_size: String,
    /// Response field with the total number of items (`page` style, optional).
    #[serde(default)]
    pub total: Option<String>,
    /// Request field carrying the cursor (`cursor` style).
    #[serde(default)]
    pub cursor: Option<String>,
    /// Response field carrying the next cursor (`cursor` style).
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// Response list field holding the items of one page.
    pub items: String,
    /// The largest page size the platform accepts; the default when none is set.
    pub max_page_size: i64,
    /// The cursor of the first page, sent when the request has none (`cursor` style).
    #[serde(default)]
    pub first_cursor: Option<String>,
    /// The response field (an object) that holds the page (`items`, `total`, `next_cursor`),
    /// when the answer nests it one level down.
    #[serde(default)]
    pub within: Option<String>,
}

/// A named type: an object (with `fields`) or an enum (with `enum`).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeSpec {
    /// PascalCase name.
    pub name: String,
    /// English documentation.
    pub doc: String,
    /// The Chinese name or description from the platform's docs.
    #[serde(default)]
    pub doc_zh: Option<String>,
    /// Object fields, in wire order.
    #[serde(default)]
    pub fields: Option<Vec<FieldSpec>>,
    /// Enum definition.
    #[serde(default, rename = "enum")]
    pub enumeration: Option<EnumSpec>,
    /// The evidence of every field that states none of its own.
    #[serde(default)]
    pub evidence: Option<EvidenceSpec>,
}

/// One field of an object type.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Wire name, exactly as the platform spells it.
    pub name: String,
    /// Type expression: `string`, `secret`, `bool`, `i32`, `i64`, `f64`, `id`, `list<T>`,
    /// `map<T>` or a named type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether the field is always present (responses) or must be sent (requests).
    #[serde(default)]
    pub required: bool,
    /// English documentation.
    pub doc: String,
    /// The Chinese description from the platform's docs.
    #[serde(default)]
    pub doc_zh: Option<String>,
    /// Unit of a number: `fen`, `percent`, `x100`, `x10000`, `seconds`, `milliseconds`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Example value.
    #[serde(default)]
    pub example: Option<serde_json::Value>,
    /// Smallest allowed value (numbers).
    #[serde(default)]
    pub min: Option<i64>,
    /// Largest allowed value (numbers).
    #[serde(default)]
    pub max: Option<i64>,
    /// Longest allowed length in characters (strings).
    #[serde(default)]
    pub max_length: Option<u64>,
    /// Most items allowed (lists).
    #[serde(default)]
    pub max_items: Option<u64>,
    /// Regular expression the whole value must match (strings).
    #[serde(default)]
    pub pattern: Option<String>,
    /// The evidence for the field, when it differs from its type's.
    #[serde(default)]
    pub evidence: Option<EvidenceSpec>,
}

/// An enum with documented values; decoding stays open to values not listed.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumSpec {
    /// `string` or `int`: how the value travels.
    pub repr: String,
    /// The documented values.
    pub values: Vec<EnumValueSpec>,
}

/// One documented enum value.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumValueSpec {
    /// The wire value (a string, or an integer for `repr: int`).
    pub value: serde_json::Value,
    /// The Rust variant name (PascalCase); derived from the value when absent.
    #[serde(default)]
    pub name: Option<String>,
    /// What the value means.
    pub doc: String,
}

/// The files of a spec directory, each with its path (for error messages) and its text.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    /// Path as shown in messages (relative to the spec directory's parent when possible).
    pub path: String,
    /// The raw text, kept to find line numbers for semantic errors.
    pub text: String,
    /// The parsed content.
    pub spec: SpecFile,
}
