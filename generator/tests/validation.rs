//! One test per spec error: each asserts the whole message, so the file, the line, the endpoint
//! or type, the field, what is wrong and what would be right are all checked at once.
//!
//! Every case edits one line of [`BASE`], a valid spec, so the line numbers below are those of
//! `BASE` (see the numbered listing in its comment).

use codegen::yaml::parse_str;

/// A valid spec. Lines: 2 `- name: fx_list`, 6 `server`, 7 `method`, 8 `path`, 9 `auth`,
/// 10 `open_id_in_query`, 14 `request.type`, 16 `response.envelope`, 17 `response.type`,
/// 20 `pagination.page`, 21 `pagination.page_size`, 22 `pagination.total`, 23 `pagination.items`,
/// 25 `evidence`, 26 `scope`, 28 `- name: FxListRequest`, 30 its `evidence`, 32 field `page`,
/// 36 field `page_size`, 40 `- name: FxListData`, 42 its `evidence`, 44 field `total`, 47 field
/// `items`, 50 `- name: FxItem`, 52 its `evidence`, 54 field `product_id`.
const BASE: &str = r#"endpoints:
  - name: fx_list
    summary: List things.
    title_zh: 列表
    doc_url: https://example.com/doc
    server: open.douyinec.com
    method: POST
    path: /fx/list/
    auth: access_token
    open_id_in_query: true
    retry_safe: true
    request:
      encoding: json
      type: FxListRequest
    response:
      envelope: data_extra
      type: FxListData
    pagination:
      style: page
      page: page
      page_size: page_size
      total: total
      items: items
      max_page_size: 20
    evidence: {level: guessed, note: a test}
    scope: fx.read
types:
  - name: FxListRequest
    doc: Request.
    evidence: {level: guessed, note: a test}
    fields:
      - name: page
        type: i64
        required: true
        doc: Page.
      - name: page_size
        type: i64
        required: true
        doc: Size.
  - name: FxListData
    doc: Data.
    evidence: {level: guessed, note: a test}
    fields:
      - name: total
        type: i64
        doc: Total.
      - name: items
        type: list<FxItem>
        doc: Items.
  - name: FxItem
    doc: Item.
    evidence: {level: guessed, note: a test}
    fields:
      - name: product_id
        type: id
        required: true
        doc: Id.
"#;

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "`{from}` must occur once in BASE");
    BASE.replacen(from, to, 1)
}

/// Every message the spec files produce, parse errors first.
fn messages(files: &[(&str, &str)]) -> Vec<String> {
    let mut loaded = Vec::new();
    let mut out = Vec::new();
    for (name, text) in files {
        match parse_str(name, text) {
            Ok(f) => loaded.push(f),
            Err(e) => out.push(e.to_string()),
        }
    }
    if out.is_empty() {
        if let Err(e) = codegen::generate_from(&loaded) {
            out.extend(e.0.iter().map(ToString::to_string));
        }
    }
    out
}

/// The one message of a one-file spec.
fn only(text: &str) -> String {
    let all = messages(&[("spec/fx.yaml", text)]);
    assert_eq!(all.len(), 1, "expected exactly one error, got {all:#?}");
    all.into_iter().next().unwrap_or_default()
}

#[test]
fn the_base_spec_is_valid() {
    assert_eq!(messages(&[("spec/fx.yaml", BASE)]), Vec::<String>::new());
}

#[test]
fn yaml_syntax_error() {
    assert_eq!(
        only(&edit("    method: POST\n", "    method: POST: GET\n")),
        "spec/fx.yaml:7: YAML error: mapping values are not allowed in this context"
    );
}

#[test]
fn unknown_key_of_an_endpoint() {
    assert_eq!(
        only(&edit("    summary:", "    sumary:")),
        "spec/fx.yaml:3: `fx_list`, field `sumary`: unknown key `sumary`; did you mean `summary`? (expected one of `name`, \
         `summary`, `title_zh`, `doc`, `doc_url`, `server`, `method`, `path`, `auth`, `authority`, `credentials`, \
         `open_id_in_query`, `retry_safe`, `evidence`, `auth_evidence`, `scope`, `alternative_auth`, \
         `role`, `rate_scope`, `request`, `response`, `pagination`)"
    );
}

#[test]
fn unknown_key_nested_in_an_endpoint() {
    assert_eq!(
        only(&edit("      encoding: json", "      encodng: json")),
        "spec/fx.yaml:13: `fx_list`, field `request.encodng`: unknown key `encodng`; did you mean `encoding`? (expected one of \
         `encoding`, `type`, `inject`)"
    );
}

#[test]
fn unknown_key_of_a_type_field() {
    assert_eq!(
        only(&edit("        type: id\n", "        type: id\n        unti: fen\n")),
        "spec/fx.yaml:56: `FxItem`, field `product_id`: unknown key `unti` (expected one of `name`, \
         `type`, `required`, `doc`, `doc_zh`, `unit`, `example`, `min`, `max`, `max_length`, \
         `max_items`, `pattern`, `evidence`)"
    );
}

#[test]
fn unknown_top_level_key() {
    assert_eq!(
        only(&BASE.replacen("types:", "typse:", 1)),
        "spec/fx.yaml:27: unknown key `typse` (expected one of `endpoints`, `types`, `sources`, `events`)"
    );
}

#[test]
fn missing_required_key_of_an_endpoint() {
    assert_eq!(
        only(&edit("    summary: List things.\n", "")),
        "spec/fx.yaml:2: `fx_list`, field `summary`: missing required key `summary`"
    );
}

#[test]
fn missing_required_key_of_a_type_field() {
    assert_eq!(
        only(&edit("        doc: Id.\n", "")),
        "spec/fx.yaml:54: `FxItem`, field `product_id`: missing required key `doc`"
    );
}

#[test]
fn unknown_type_reference_in_a_field() {
    assert_eq!(
        only(&edit("type: list<FxItem>", "type: list<FxItm>")),
        "spec/fx.yaml:47: `FxListData`, field `items`: unknown type `FxItm`; did you mean `FxItem`? (expected string, secret, \
         bool, i32, i64, f64, id, json, list<T>, map<T> or a named type)"
    );
}

#[test]
fn a_misspelt_scalar_type_gets_a_suggestion_and_a_far_one_none() {
    let near =
        only(&edit("        type: i64\n        doc: Total.", "        type: strng\n        doc: Total."));
    assert!(near.contains("unknown type `strng`; did you mean `string`?"), "{near}");
    let far =
        only(&edit("        type: i64\n        doc: Total.", "        type: qqqqqq\n        doc: Total."));
    assert!(far.contains("unknown type `qqqqqq` (expected"), "{far}");
}

#[test]
fn unknown_type_reference_of_a_response() {
    assert_eq!(
        only(&edit("      type: FxListData", "      type: FxListDat")),
        "spec/fx.yaml:17: `fx_list`, field `response.type`: unknown type reference `FxListDat` \
         (expected the name of an object type defined under `types:`)"
    );
}

#[test]
fn unknown_type_reference_of_a_request() {
    assert_eq!(
        only(&edit("      type: FxListRequest", "      type: FxListReq")),
        "spec/fx.yaml:14: `fx_list`, field `request.type`: unknown type reference `FxListReq` \
         (expected the name of an object type defined under `types:`)"
    );
}

/// A second endpoint named like the first one, appended to the `endpoints:` list.
const SECOND_FX_LIST: &str = "  - name: fx_list
    summary: Again.
    title_zh: 又
    doc_url: https://example.com/doc2
    server: open.douyinec.com
    method: POST
    path: /fx/list2/
    auth: client_token
    retry_safe: true
    evidence: {level: guessed, note: a test}
    response:
      envelope: data_extra
      type: FxListData
";

#[test]
fn duplicate_endpoint_name_in_one_file() {
    let text = edit("types:\n", &format!("{SECOND_FX_LIST}types:\n"));
    assert_eq!(
        only(&text),
        "spec/fx.yaml:27: `fx_list`, field `name`: duplicate endpoint name `fx_list` (first defined at \
         spec/fx.yaml:2) (expected a unique snake_case name per endpoint)"
    );
}

#[test]
fn duplicate_endpoint_name_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    std::fs::create_dir(&spec).unwrap();
    std::fs::write(spec.join("a.yaml"), BASE).unwrap();
    std::fs::write(spec.join("b.yaml"), format!("# another file\nendpoints:\n{SECOND_FX_LIST}")).unwrap();
    let files = codegen::yaml::load_dir(&spec).unwrap();
    let err = codegen::generate_from(&files).unwrap_err();
    let all: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    assert_eq!(
        all,
        ["spec/b.yaml:3: `fx_list`, field `name`: duplicate endpoint name `fx_list` (first defined at \
          spec/a.yaml:2) (expected a unique snake_case name per endpoint)"]
    );
    // `generate` reads the same directory and fails the same way.
    assert_eq!(codegen::generate(&spec).unwrap_err(), err);
}

#[test]
fn every_syntax_error_of_a_directory_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), "endpoints: [\n").unwrap();
    std::fs::write(dir.path().join("b.yaml"), BASE.replacen("    path: /fx/list/", "    path: /a: b", 1))
        .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a spec file: ignored").unwrap();
    let err = codegen::yaml::load_dir_as(dir.path(), "spec").unwrap_err();
    let all: Vec<String> = err.0.iter().map(ToString::to_string).collect();
    assert_eq!(all.len(), 2, "{all:#?}");
    assert!(all[0].starts_with("spec/a.yaml:"), "{}", all[0]);
    assert!(all[0].contains("YAML error"), "{}", all[0]);
    assert_eq!(all[1], "spec/b.yaml:8: YAML error: mapping values are not allowed in this context");
}

#[test]
fn duplicate_field() {
    assert_eq!(
        only(&edit("      - name: page_size\n", "      - name: page\n").replacen(
            "      page_size: page_size\n",
            "      page_size: page\n",
            1
        )),
        "spec/fx.yaml:36: `FxListRequest`, field `page`: duplicate field `page` (expected each field once)"
    );
}

#[test]
fn duplicate_type() {
    let text = format!("{BASE}  - name: FxItem\n    doc: Again.\n    fields: []\n");
    assert_eq!(
        only(&text),
        "spec/fx.yaml:58: `FxItem`, field `name`: duplicate type `FxItem` (first defined at \
         spec/fx.yaml:50) (expected one definition per type name)"
    );
}

#[test]
fn field_names_that_collide_after_case_conversion() {
    let text = format!("{BASE}      - name: productId\n        type: id\n        doc: Id again.\n");
    assert_eq!(
        only(&text),
        "spec/fx.yaml:58: `FxItem`, field `productId`: fields `product_id` and `productId` collide as \
         `product_id` after case conversion (expected wire names that differ after snake_case conversion)"
    );
}

#[test]
fn unknown_server() {
    assert_eq!(
        only(&edit("open.douyinec.com", "open.example.com")),
        "spec/fx.yaml:6: `fx_list`, field `server`: unknown server `open.example.com` (expected \
         `open.douyin.com`, `open.douyinec.com`, `lianmengapi.snssdk.com`, `openapi-fxg.jinritemai.com`)"
    );
}

#[test]
fn unknown_auth_kind() {
    // Only the unknown kind is reported, not also `open_id_in_query` against it.
    assert_eq!(
        only(&edit("auth: access_token", "auth: user_token")),
        "spec/fx.yaml:9: `fx_list`, field `auth`: unknown auth kind `user_token` (expected `none`, \
         `client_token`, `access_token`, `doudian_token`)"
    );
}

#[test]
fn unknown_envelope() {
    assert_eq!(
        only(&edit("envelope: data_extra", "envelope: data")),
        "spec/fx.yaml:16: `fx_list`, field `response.envelope`: unknown envelope `data` (expected \
         `data_extra`, `err_no`, `code_msg`, `status_code`, `doudian`)"
    );
}

#[test]
fn unknown_method() {
    assert_eq!(
        only(&edit("method: POST", "method: PUT")),
        "spec/fx.yaml:7: `fx_list`, field `method`: unknown method `PUT` (expected `GET`, `POST`)"
    );
}

#[test]
fn path_without_leading_slash() {
    assert_eq!(
        only(&edit("path: /fx/list/", "path: fx/list/")),
        "spec/fx.yaml:8: `fx_list`, field `path`: path `fx/list/` does not start with `/` (expected an \
         absolute path like `/alliance/kol/store/list/`)"
    );
}

#[test]
fn path_with_a_query_string() {
    assert_eq!(
        only(&edit("path: /fx/list/", "path: /fx/list/?open_id=1")),
        "spec/fx.yaml:8: `fx_list`, field `path`: path `/fx/list/?open_id=1` carries a query string or \
         fragment (expected the path alone; query parameters belong in the request type with `encoding: \
         query`, and `open_id` in `open_id_in_query`)"
    );
}

#[test]
fn open_id_in_query_on_an_endpoint_that_is_not_user_authenticated() {
    assert_eq!(
        only(&edit("auth: access_token", "auth: client_token")),
        "spec/fx.yaml:10: `fx_list`, field `open_id_in_query`: `open_id_in_query` is set but the \
         endpoint's auth is `client_token` (expected `auth: access_token`: only user-authenticated calls \
         carry an open_id)"
    );
}

#[test]
fn pagination_naming_a_request_field_that_does_not_exist() {
    assert_eq!(
        only(&edit("      page: page\n", "      page: page_no\n")),
        "spec/fx.yaml:20: `fx_list`, field `pagination.page`: pagination names request field `page_no`, \
         which does not exist (expected one of `page`, `page_size`)"
    );
}

#[test]
fn pagination_naming_a_response_field_that_does_not_exist() {
    assert_eq!(
        only(&edit("      total: total\n", "      total: count\n")),
        "spec/fx.yaml:22: `fx_list`, field `pagination.total`: pagination names response field `count`, \
         which does not exist (expected one of `total`, `items`)"
    );
}

#[test]
fn pagination_naming_an_items_field_that_does_not_exist() {
    assert_eq!(
        only(&edit("      items: items\n", "      items: list\n")),
        "spec/fx.yaml:23: `fx_list`, field `pagination.items`: pagination names response field `list`, \
         which does not exist (expected one of `total`, `items`)"
    );
}

#[test]
fn a_paginated_endpoint_whose_stream_methods_collide_with_another_endpoint() {
    let second = SECOND_FX_LIST.replacen("name: fx_list", "name: fx_list_items", 1);
    assert_eq!(
        only(&edit("types:\n", &format!("{second}types:\n"))),
        "spec/fx.yaml:27: `fx_list_items`, field `name`: the SDK method `fx_list_items` would be generated \
         twice: by `fx_list` (spec/fx.yaml:2) and by `fx_list_items` (expected endpoint names that do not \
         end in `_pages` or `_items` of a paginated endpoint's name)"
    );
}

#[test]
fn every_error_of_a_run_is_reported_each_with_its_own_message() {
    let text = edit("server: open.douyinec.com", "server: nowhere")
        .replacen("method: POST", "method: PATCH", 1)
        .replacen("type: list<FxItem>", "type: list<Nope>", 1);
    let all = messages(&[("spec/fx.yaml", &text)]);
    assert_eq!(all.len(), 3, "{all:#?}");
    assert!(
        all[0].starts_with("spec/fx.yaml:47: `FxListData`, field `items`: unknown type `Nope`"),
        "{all:#?}"
    );
    assert!(
        all[1].starts_with("spec/fx.yaml:6: `fx_list`, field `server`: unknown server `nowhere`"),
        "{all:#?}"
    );
    assert!(
        all[2].starts_with("spec/fx.yaml:7: `fx_list`, field `method`: unknown method `PATCH`"),
        "{all:#?}"
    );
}

/// Keywords and wire names that are no identifiers are made safe and renamed back, not rejected.
#[test]
fn keyword_and_invalid_field_names_get_safe_identifiers_and_renames() {
    let text = format!(
        "{BASE}{}",
        [("type", "string"), ("ref", "i64"), ("self", "bool"), ("1st-name", "string"), ("crate", "id")]
            .iter()
            .map(|(name, ty)| format!("      - name: {name}\n        type: {ty}\n        doc: A field.\n"))
            .collect::<String>()
    );
    let files = [parse_str("spec/fx.yaml", &text).unwrap()];
    let out = codegen::generate_from(&files).unwrap();
    let types = out.iter().find(|f| f.path.ends_with("/types.rs")).unwrap();
    let parsed = syn::parse_file(&types.contents).unwrap();
    let item = parsed
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Struct(s) if s.ident == "FxItem" => Some(s),
            _ => None,
        })
        .unwrap();
    let fields: Vec<(String, String)> = item
        .fields
        .iter()
        .map(|f| {
            let ident = f.ident.as_ref().map(ToString::to_string).unwrap_or_default();
            let serde = f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("serde") || a.path().is_ident("cfg_attr"))
                .map(|a| quote::ToTokens::to_token_stream(a).to_string())
                .collect::<String>();
            (ident, serde)
        })
        .collect();
    let find = |ident: &str| {
        fields.iter().find(|(i, _)| i == ident).map(|(_, s)| s.clone()).unwrap_or_else(|| {
            panic!("no field `{ident}` in {fields:#?}");
        })
    };
    // `r#type` and `r#ref` keep their wire names (serde strips `r#`), so no rename.
    assert!(!find("r#type").contains("rename"), "{}", find("r#type"));
    assert!(!find("r#ref").contains("rename"), "{}", find("r#ref"));
    // `self` and `crate` cannot be raw identifiers; `1st-name` is no identifier at all.
    assert!(find("self_").contains(r#"rename = "self""#), "{}", find("self_"));
    assert!(find("crate_").contains(r#"rename = "crate""#), "{}", find("crate_"));
    assert!(find("_1st_name").contains(r#"rename = "1st-name""#), "{}", find("_1st_name"));
    // (Setters exist on request types only; the full fixture's snapshot pins `with_type`,
    // `with_self` and `with_1st_name`.)
}

#[test]
fn a_value_of_the_wrong_type() {
    assert_eq!(
        only(&edit("    retry_safe: true\n", "    retry_safe: sometimes\n")),
        "spec/fx.yaml:11: `fx_list`, field `retry_safe`: invalid type: string \"sometimes\", expected a boolean"
    );
    assert_eq!(
        only(&edit("        required: true\n        doc: Id.", "        required: yes please\n        doc: Id.")),
        "spec/fx.yaml:56: `FxItem`, field `product_id`: key `required`: invalid type: string \"yes please\", expected a boolean"
    );
}

#[test]
fn enum_values_that_collide_after_case_conversion() {
    let text = format!(
        "{BASE}  - name: FxKind\n    doc: Kinds.\n    enum:\n      repr: string\n      values:\n        \
         - {{value: shop-list, doc: Dash.}}\n        - {{value: SHOP_LIST, doc: Upper.}}\n"
    );
    assert_eq!(
        only(&text),
        "spec/fx.yaml:64: `FxKind`, field `enum.values`: two values collide as variant `ShopList` after case \
         conversion (expected an explicit `name:` for one of them)"
    );
}

#[test]
fn duplicate_enum_value() {
    let text = format!(
        "{BASE}  - name: FxKind\n    doc: Kinds.\n    enum:\n      repr: int\n      values:\n        \
         - {{value: 1, name: One, doc: One.}}\n        - {{value: 1, name: Uno, doc: Again.}}\n"
    );
    assert_eq!(
        only(&text),
        "spec/fx.yaml:64: `FxKind`, field `enum.values`: duplicate enum value `1` (expected each value once)"
    );
}

#[test]
fn a_constraint_on_a_type_it_does_not_apply_to() {
    let spec = edit(
        "        type: i64\n        required: true\n        doc: Page.",
        "        type: i64\n        required: true\n        max_length: 3\n        doc: Page.",
    );
    let msg = only(&spec);
    assert!(msg.contains("`FxListRequest`, field `page`"), "{msg}");
    assert!(msg.contains("`max_length` applies to a string, not to `i64`"), "{msg}");
}

#[test]
fn type_name_taken_by_the_sdk() {
    let spec = edit("- name: FxItem", "- name: Secret").replace("list<FxItem>", "list<Secret>");
    assert_eq!(
        only(&spec),
        "spec/fx.yaml:50: `Secret`, field `name`: type name `Secret` is taken by the SDK or the standard \
         library (expected another name, e.g. with the endpoint's prefix)"
    );
}

// Evidence, scopes and alternative credentials.

#[test]
fn an_endpoint_without_evidence() {
    assert_eq!(
        only(&edit("    evidence: {level: guessed, note: a test}\n    scope: fx.read\n", "    scope: fx.read\n")),
        "spec/fx.yaml:2: `fx_list`: the endpoint states no `evidence` (expected `evidence: {level: confirmed, \
         sources: [S1, S2]}`; levels: documented, confirmed, single_source, analogue, seed_only, guessed)"
    );
}

#[test]
fn a_field_without_evidence_from_itself_or_its_type() {
    let text = BASE.replacen(
        "    doc: Item.\n    evidence: {level: guessed, note: a test}\n",
        "    doc: Item.\n",
        1,
    );
    assert_eq!(
        only(&text),
        "spec/fx.yaml:53: `FxItem`, field `product_id`: field `product_id` has no evidence level (expected an \
         `evidence:` on the field or on its type)"
    );
}

#[test]
fn an_unknown_evidence_level() {
    assert_eq!(
        only(&edit("    evidence: {level: guessed, note: a test}\n    scope", "    evidence: {level: rumour}\n    scope")),
        "spec/fx.yaml:25: `fx_list`, field `evidence`: unknown evidence level `rumour` (expected `documented`, \
         `observed`, `confirmed`, `single_source`, `analogue`, `seed_only`, `guessed`)"
    );
}

#[test]
fn evidence_citing_a_source_the_register_lacks_or_none_at_all() {
    let sources = "sources:\n  - {id: S1, title: One source}\n";
    let cited = edit(
        "    evidence: {level: guessed, note: a test}\n    scope",
        "    evidence: {level: confirmed, sources: [S1, S9]}\n    scope",
    );
    assert_eq!(
        messages(&[("spec/fx.yaml", &cited), ("spec/sources.yaml", sources)]),
        ["spec/fx.yaml:25: `fx_list`, field `evidence`: evidence cites source `S9`, which the register does not \
          list; did you mean `S1`? (expected an id under `sources:` (`S1`))"]
    );
    let none = edit(
        "    evidence: {level: guessed, note: a test}\n    scope",
        "    evidence: {level: confirmed}\n    scope",
    );
    assert_eq!(
        only(&none),
        "spec/fx.yaml:25: `fx_list`, field `evidence`: evidence `confirmed` cites no source (expected the ids of \
         its sources, or `level: guessed` with a `note`)"
    );
}

#[test]
fn a_field_citing_an_unknown_level_is_placed_on_the_field() {
    let text = edit("        type: id\n", "        type: id\n        evidence: {level: maybe}\n");
    assert_eq!(
        only(&text),
        "spec/fx.yaml:54: `FxItem`, field `product_id`: unknown evidence level `maybe` (expected `documented`, \
         `observed`, `confirmed`, `single_source`, `analogue`, `seed_only`, `guessed`)"
    );
}

#[test]
fn a_user_call_without_a_scope() {
    assert_eq!(
        only(&edit("    scope: fx.read\n", "")),
        "spec/fx.yaml:2: `fx_list`: the user call states no `scope` (expected the OAuth scope it needs, e.g. \
         `scope: alliance.kol.orders`, or `scope: unknown`)"
    );
    assert_eq!(
        messages(&[("spec/fx.yaml", &edit("    scope: fx.read\n", "    scope: unknown\n"))]),
        Vec::<String>::new()
    );
    assert_eq!(
        only(&edit("    scope: fx.read\n", "    scope: Fx Read\n")),
        "spec/fx.yaml:26: `fx_list`, field `scope`: scope `Fx Read` is not a scope name (expected lowercase words \
         joined by `.` or `_`, e.g. `alliance.kol.orders`)"
    );
}

#[test]
fn an_alternative_credential_on_the_same_client() {
    let alt = "    scope: fx.read\n    alternative_auth:\n      auth: access_token\n      evidence: {level: guessed}\n";
    assert_eq!(
        only(&edit("    scope: fx.read\n", alt)),
        "spec/fx.yaml:28: `fx_list`, field `alternative_auth.auth`: the alternative `access_token` is on the same \
         client as `auth: access_token` (expected one of `client_token` (Client) and `access_token` (UserClient) each)"
    );
    let fine = "    scope: fx.read\n    alternative_auth:\n      auth: client_token\n      evidence: {level: guessed}\n";
    assert_eq!(messages(&[("spec/fx.yaml", &edit("    scope: fx.read\n", fine))]), Vec::<String>::new());
}

#[test]
fn the_evidence_of_a_response_field_decides_leniency() {
    let files = [codegen::yaml::parse_str("spec/fx.yaml", BASE).unwrap()];
    let model = codegen::validate::validate(&files).unwrap();
    let kind = |t: &str| model.types.iter().find(|x| x.name == t).map(|x| x.kind.clone());
    let Some(codegen::model::TypeKind::Object(item)) = kind("FxItem") else { panic!("FxItem") };
    // Received and guessed: lenient, so the required id becomes an `Option`.
    assert!(item[0].lenient && item[0].optional());
    let Some(codegen::model::TypeKind::Object(req)) = kind("FxListRequest") else { panic!("request") };
    // Sent: never lenient, whatever its evidence.
    assert!(!req[0].lenient && !req[0].optional());
    let confirmed = BASE.replacen(
        "    doc: Item.\n    evidence: {level: guessed, note: a test}\n",
        "    doc: Item.\n    evidence: {level: confirmed, sources: [S1, S2]}\n",
        1,
    ) + "sources:\n  - {id: S1, title: One}\n  - {id: S2, title: Two}\n";
    let item_of = |text: &str| {
        let files = [codegen::yaml::parse_str("spec/fx.yaml", text).unwrap()];
        let model = codegen::validate::validate(&files).unwrap();
        match model.types.iter().find(|x| x.name == "FxItem").map(|x| x.kind.clone()) {
            Some(codegen::model::TypeKind::Object(item)) => item,
            _ => panic!("FxItem"),
        }
    };
    // Confirmed, but reached only through the guessed `items` list: that the list holds this
    // type is the guess, so the type is read leniently throughout.
    let item = item_of(&confirmed);
    assert!(item[0].lenient && item[0].optional());
    // Confirmed and reached through a confirmed field: strict.
    let both = confirmed.replacen(
        "        type: list<FxItem>\n        doc: Items.\n",
        "        type: list<FxItem>\n        doc: Items.\n        evidence: {level: confirmed, sources: [S1, S2]}\n",
        1,
    );
    let item = item_of(&both);
    assert!(!item[0].lenient && !item[0].optional());
}

// Pushed events.

/// `BASE` with an `events:` list holding `event` (its lines indented as list items).
fn with_event(event: &str) -> String {
    format!("{BASE}events:\n{event}")
}

#[test]
fn an_event_whose_name_is_a_guess_needs_content_keys() {
    let event = "  - name: fx_pushed\n    event: fx_pushed\n    summary: Pushed.\n    title_zh: 推\n    content: FxItem\n    evidence: {level: guessed, note: a test}\n";
    assert_eq!(
        only(&with_event(event)),
        "spec/fx.yaml:59: `fx_pushed`, field `recognize_by_keys`: the wire name is below confirmed, so the \
         event needs content keys to be recognised by (expected `recognize_by_keys: [field, ...]`: a guessed \
         name alone must never decide)"
    );
    let keyed = format!("{event}    recognize_by_keys: [product_id]\n");
    assert_eq!(messages(&[("spec/fx.yaml", &with_event(&keyed))]), Vec::<String>::new());
    let wrong_key = format!("{event}    recognize_by_keys: [nope]\n");
    assert_eq!(
        only(&with_event(&wrong_key)),
        "spec/fx.yaml:65: `fx_pushed`, field `recognize_by_keys`: `nope` is not a field of `FxItem` (expected \
         wire names of the content type's fields)"
    );
}

#[test]
fn an_event_with_an_unknown_content_type_or_no_evidence() {
    let event = "  - name: fx_pushed\n    event: fx_pushed\n    summary: Pushed.\n    title_zh: 推\n    content: FxNope\n";
    let all = messages(&[("spec/fx.yaml", &with_event(event))]);
    assert_eq!(
        all,
        [
            "spec/fx.yaml:63: `fx_pushed`, field `content`: unknown type reference `FxNope` (expected the name of \
             an object type defined under `types:`)",
            "spec/fx.yaml:59: `fx_pushed`: the event states no `evidence` (expected `evidence: {level: confirmed, \
             sources: [S1, S2]}`; levels: documented, confirmed, single_source, analogue, seed_only, guessed)"
        ]
    );
}

#[test]
fn unknown_token_role() {
    assert_eq!(
        only(&edit("    retry_safe: true\n", "    retry_safe: true\n    role: refrsh\n")),
        "spec/fx.yaml:12: `fx_list`, field `role`: unknown role `refrsh` (expected `app_token`, \
         `stable_app_token`, `exchange_code`, `refresh`, `renew`, `authority_token`, `authority_refresh`)"
    );
}

#[test]
fn a_token_role_needs_the_fields_the_runtime_reads() {
    let text = edit("    retry_safe: true\n", "    retry_safe: true\n    role: renew\n");
    assert_eq!(
        messages(&[("spec/fx.yaml", &text)]),
        [
            "spec/fx.yaml:15: `fx_list`, field `request.type`: role `renew` needs a request whose required \
             fields are exactly `refresh_token`, in this order (expected the arguments the runtime's token \
             lifecycle passes; other fields optional)",
            "spec/fx.yaml:18: `fx_list`, field `response.type`: role `renew` needs the required field(s) \
             `refresh_token`, `expires_in` (expected the fields the runtime's token lifecycle reads, at \
             `documented` or `confirmed` evidence)",
        ]
    );
}

#[test]
fn unknown_rate_scope() {
    assert_eq!(
        only(&edit("    retry_safe: true\n", "    retry_safe: true\n    rate_scope: apps\n")),
        "spec/fx.yaml:12: `fx_list`, field `rate_scope`: unknown rate scope `apps` (expected `app`, \
         `token_fetch`, `exempt`, `gateway`)"
    );
}
