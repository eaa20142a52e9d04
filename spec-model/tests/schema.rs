//! The JSON Schema of the spec format (`spec/schema.json`) against the real spec: every file
//! names it in its modeline and is valid under it, and a file with a missing required key or an
//! unknown one is not.

use std::path::Path;

use spec_model::schema::{json_schema, MODELINE, PATH};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// A YAML text as the JSON the schema speaks.
fn as_json(yaml: &str) -> serde_json::Value {
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).expect("YAML");
    serde_json::to_value(value).expect("JSON-shaped YAML")
}

#[test]
fn every_spec_file_names_the_schema_and_is_valid_under_it() {
    let committed = std::fs::read_to_string(root().join(PATH)).expect("spec/schema.json is committed");
    assert_eq!(committed, json_schema(), "spec/schema.json is stale: run `cargo xtask codegen`");
    let v = validator();
    let mut files = 0;
    for entry in std::fs::read_dir(root().join("spec")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next(), Some(MODELINE), "{} lacks the schema modeline", path.display());
        let errors: Vec<String> =
            v.iter_errors(&as_json(&text)).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        files += 1;
    }
    assert!(files >= 8, "only {files} spec files");
}

#[test]
fn the_schema_rejects_a_missing_or_an_unknown_key() {
    let v = validator();
    let good = "types:\n  - name: FxData\n    doc: Data.\n    fields:\n      - name: total\n        type: i64\n        doc: Total.\n";
    assert!(v.is_valid(&as_json(good)));
    let missing_type = good.replace("        type: i64\n", "");
    assert!(!v.is_valid(&as_json(&missing_type)), "a field without `type`");
    let unknown = good.replace("        doc: Total.\n", "        doc: Total.\n        colour: red\n");
    assert!(!v.is_valid(&as_json(&unknown)), "an unknown key");
}
