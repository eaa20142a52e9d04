//! Loading a spec directory reports every missing and unknown key of every item of every file
//! in one run. Each test asserts whole messages: file, line, item, field, what is wrong and what
//! would be right.

use spec_model::yaml::{load_dir, parse_file, parse_str};

/// A valid spec. Lines: 2 `- name: fx_get`, 3 `summary`, 10 `retry_safe`, 12 `response`,
/// 13 `response.envelope`, 15 `- name: FxData`, 19 field `total`, 22 field `items`, 23 its `type`.
const BASE: &str = "endpoints:
  - name: fx_get
    summary: Get a thing.
    title_zh: 获取
    doc_url: https://example.com/doc
    server: open.douyinec.com
    method: POST
    path: /fx/get/
    auth: client_token
    retry_safe: true
    evidence: {level: guessed, note: a test}
    response:
      envelope: data_extra
      type: FxData
types:
  - name: FxData
    doc: Data.
    evidence: {level: guessed, note: a test}
    fields:
      - name: total
        type: i64
        doc: Total.
      - name: items
        type: list<string>
        doc: Items.
";

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// A directory `spec/` holding `files`.
fn spec_dir(files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    std::fs::create_dir(&spec).unwrap();
    for (name, text) in files {
        std::fs::write(spec.join(name), text).unwrap();
    }
    (dir, spec)
}

fn messages(text: &str) -> Vec<String> {
    parse_file("spec/fx.yaml", text).unwrap_err().0.iter().map(ToString::to_string).collect()
}

#[test]
fn the_base_spec_is_valid() {
    let (_dir, spec) = spec_dir(&[("fx.yaml", BASE)]);
    let model = spec_model::load(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.endpoints.len(), 1);
}

/// Two items of one file each miss a key, a third item in another file too: one load reports
/// all three, each with its file, line and item.
#[test]
fn three_missing_keys_in_two_files() {
    // An endpoint without `summary` and, further down, a type's field without `type`.
    let a = edit(&edit(BASE, "    summary: Get a thing.\n", ""), "        type: list<string>\n", "");
    let b = "# more types\ntypes:\n  - name: FxExtra\n    fields: []\n";
    let (_dir, spec) = spec_dir(&[("a.yaml", &a), ("b.yaml", b)]);
    let err = load_dir(&spec).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the spec has 3 errors:\n  \
         spec/a.yaml:2: `fx_get`, field `summary`: missing required key `summary`\n  \
         spec/a.yaml:22: `FxData`, field `items`: missing required key `type`\n  \
         spec/b.yaml:3: `FxExtra`, field `doc`: missing required key `doc`\n"
    );
    assert_eq!(spec_model::load(&spec).unwrap_err(), err);
}

#[test]
fn two_missing_keys_of_one_item_are_both_reported() {
    let text = edit(BASE, "    summary: Get a thing.\n    title_zh: 获取\n", "");
    assert_eq!(
        messages(&text),
        [
            "spec/fx.yaml:2: `fx_get`, field `summary`: missing required key `summary`",
            "spec/fx.yaml:2: `fx_get`, field `title_zh`: missing required key `title_zh`",
        ]
    );
    // A reader of one error per file gets the first.
    assert_eq!(
        parse_str("spec/fx.yaml", &text).unwrap_err().to_string(),
        "spec/fx.yaml:2: `fx_get`, field `summary`: missing required key `summary`"
    );
}

/// Unknown keys (a misspelt one is one mistake, named by its "did you mean", not also a missing
/// key), a nested missing key, a value of the wrong type and an item without `name`, one run.
#[test]
fn every_unknown_and_missing_key_of_an_item_is_reported() {
    let text = edit(BASE, "    summary:", "    sumary:");
    let text = edit(&text, "    retry_safe: true\n", "    retry_safe: true\n    colour: red\n");
    let text = edit(&text, "      envelope: data_extra\n", "");
    let text = edit(&text, "        type: i64\n", "        type: i64\n        required: maybe\n");
    let text = format!("{text}  - doc: Nameless.\n");
    let keys = "`name`, `summary`, `title_zh`, `doc`, `doc_url`, `server`, `method`, `path`, `auth`, \
                `authority`, `credentials`, `open_id_in_query`, `retry_safe`, `evidence`, `auth_evidence`, `scope`, \
                `alternative_auth`, `role`, `rate_scope`, `request`, `response`, `pagination`";
    assert_eq!(
        messages(&text),
        [
            format!(
                "spec/fx.yaml:3: `fx_get`, field `sumary`: unknown key `sumary`; did you mean `summary`? \
                 (expected one of {keys})"
            ),
            format!("spec/fx.yaml:11: `fx_get`, field `colour`: unknown key `colour` (expected one of {keys})"),
            "spec/fx.yaml:13: `fx_get`, field `response.envelope`: missing required key `envelope`".to_string(),
            "spec/fx.yaml:22: `FxData`, field `total`: key `required`: invalid type: string \"maybe\", expected \
             a boolean"
                .to_string(),
            "spec/fx.yaml:27: `types[1]`, field `name`: missing required key `name`".to_string(),
        ]
    );
}

#[test]
fn an_unknown_top_level_key_is_reported_once_and_the_other_keys_are_read() {
    let text = edit(BASE, "types:", "typse:");
    let text = edit(&text, "    title_zh: 获取\n", "");
    assert_eq!(
        messages(&text),
        [
            "spec/fx.yaml:2: `fx_get`, field `title_zh`: missing required key `title_zh`",
            "spec/fx.yaml:14: unknown key `typse` (expected one of `endpoints`, `types`, `sources`, `events`)",
        ]
    );
}

/// A syntax error stays the file's one error; the next file is still read item by item.
#[test]
fn a_syntax_error_is_one_error_and_the_next_file_is_still_read() {
    let b = edit(BASE, "    doc_url: https://example.com/doc\n", "");
    let (_dir, spec) = spec_dir(&[("a.yaml", "endpoints: [\n"), ("b.yaml", &b), ("c.yaml", BASE)]);
    let all: Vec<String> = load_dir(&spec).unwrap_err().0.iter().map(ToString::to_string).collect();
    assert_eq!(
        all,
        [
            "spec/a.yaml:2: YAML error: did not find expected node content, while parsing a flow node",
            "spec/b.yaml:2: `fx_get`, field `doc_url`: missing required key `doc_url`",
        ]
    );
}
