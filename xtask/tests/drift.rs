//! `cargo xtask drift` on a snapshot made from the spec itself, then drifted five ways: a field
//! renamed, a field added, an integer sent as text, a documented field missing, another
//! envelope. The report finds exactly those (a rename is a field never present and a new one),
//! and nothing on the undrifted snapshot.

use std::path::Path;

use codegen::model::{Ty, TypeKind};
use serde_json::{json, Map, Value};
use xtask::drift::{findings, Finding, Snapshot};

fn model() -> codegen::model::Model {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    codegen::validate::validate(&codegen::yaml::load_dir(&root.join("spec")).unwrap()).unwrap()
}

/// Kinds that fit `ty`, seen twice.
fn fitting(ty: &Ty) -> Value {
    match ty {
        Ty::String | Ty::Secret => json!({"seen": 2, "string": 2}),
        Ty::Bool => json!({"seen": 2, "bool": 2}),
        Ty::F64 => json!({"seen": 2, "float": 2}),
        Ty::List(_) => json!({"seen": 2, "array": 2}),
        Ty::Map(_) | Ty::Json => json!({"seen": 2, "object": 2}),
        Ty::Named(_) => json!({"seen": 2, "string": 2}),
        _ => json!({"seen": 2, "int": 2}),
    }
}

/// The paths of an object of type `name` at `path`, as the spec describes it, seen twice.
fn object_paths(m: &codegen::model::Model, name: &str, path: &str, paths: &mut Map<String, Value>) {
    paths.insert(path.into(), json!({"seen": 2, "object": 2}));
    let t = m.types.iter().find(|t| t.name == name).unwrap();
    let TypeKind::Object(fields) = &t.kind else { panic!("{name} is an object") };
    for f in fields {
        let p = format!("{path}.{}", f.wire);
        let named = |ty: &Ty| match ty {
            Ty::Named(n) => m.types.iter().find(|t| &t.name == n),
            _ => None,
        };
        match (&f.ty, named(&f.ty).map(|t| &t.kind)) {
            (Ty::Named(n), Some(TypeKind::Object(_))) => object_paths(m, n, &p, paths),
            (_, Some(TypeKind::Enum(e))) if e.int => drop(paths.insert(p, json!({"seen": 2, "int": 2}))),
            (_, Some(TypeKind::Enum(_))) => drop(paths.insert(p, json!({"seen": 2, "string": 2}))),
            (Ty::List(inner), _) => {
                paths.insert(p.clone(), json!({"seen": 2, "array": 2}));
                if let Some(t) = named(inner).filter(|t| matches!(t.kind, TypeKind::Object(_))) {
                    object_paths(m, &t.name, &format!("{p}[]"), paths);
                }
            }
            (ty, _) => drop(paths.insert(p, fitting(ty))),
        }
    }
}

/// kol_orders' answers as the spec describes them: two answers, one order each.
fn clean() -> Map<String, Value> {
    let m = model();
    let root = m.endpoints.iter().find(|e| e.name == "kol_orders").unwrap().response_type.clone();
    let mut paths = Map::new();
    object_paths(&m, &root, "data", &mut paths);
    paths
}

fn snapshot(paths: Map<String, Value>, envelope: &str) -> Snapshot {
    serde_json::from_value(
        json!({"endpoints": {"kol_orders": {"answers": 2, "envelopes": {envelope: 2}, "paths": paths}}}),
    )
    .unwrap()
}

#[test]
fn an_undrifted_snapshot_has_no_finding() {
    assert_eq!(findings(&model(), &snapshot(clean(), "data_extra")), vec![]);
}

#[test]
fn the_five_drifts_are_found_and_nothing_else() {
    let found = findings(&model(), &drifted());
    let text: Vec<String> = found.iter().map(|f| f.to_string()).collect();
    assert_eq!(found.len(), 6, "{text:#?}");
    assert!(found.contains(&Finding::Envelope {
        endpoint: "kol_orders".into(),
        spec: "data_extra".into(),
        seen: "code_msg in 2 of 2".into()
    }));
    for expected in [
        "kol_orders: `Order.product_name`: never present in 2",
        "kol_orders: new field `Order.item_name`: string in 2 of 2",
        "kol_orders: new field `Order.ad_type`: string in 2 of 2",
        "kol_orders: `Order.item_num`: spec i64, seen string in 2 of 2",
        "kol_orders: `Order.shop_name`: never present in 2",
    ] {
        assert!(text.iter().any(|t| t == expected), "missing {expected:?} in {text:#?}");
    }
}

/// The clean snapshot drifted five ways.
fn drifted() -> Snapshot {
    let mut paths = clean();
    // Renamed: `product_name` is now `item_name`.
    let renamed = paths.remove("data.orders[].product_name").unwrap();
    paths.insert("data.orders[].item_name".into(), renamed);
    // Added.
    paths.insert("data.orders[].ad_type".into(), json!({"seen": 2, "string": 2}));
    // An integer sent as text that is no number.
    paths.insert("data.orders[].item_num".into(), json!({"seen": 2, "string": 2}));
    // A documented field missing.
    paths.remove("data.orders[].shop_name");
    // Another envelope.
    snapshot(paths, "code_msg")
}

/// A copy of `spec/` to patch (kept while the directory lives).
fn spec_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    std::fs::create_dir(&spec).unwrap();
    for entry in std::fs::read_dir(root.join("spec")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, spec.join(p.file_name().unwrap())).unwrap();
    }
    (dir, spec)
}

#[test]
fn the_patch_writes_what_was_seen_and_then_only_absences_remain() {
    let (_dir, spec) = spec_copy();
    let edits = xtask::drift::patch(&spec, &drifted(), "2026-12-03").unwrap();
    for expected in [
        "added `Order.item_name`: string",
        "added `Order.ad_type`: string",
        "widened `Order.item_num`: i64 -> string",
        "`kol_orders`: envelope data_extra -> code_msg",
    ] {
        assert!(edits.iter().any(|e| e == expected), "missing {expected:?} in {edits:#?}");
    }
    assert!(edits.iter().any(|e| e == "`Order.order_id`: evidence observed"), "{edits:#?}");
    assert!(!edits.iter().any(|e| e.starts_with("could not")), "{edits:#?}");
    // The patched spec validates, and reads the same answers as drift-free but for what is only
    // reported: the field never present since the rename, and the one missing.
    let files = codegen::yaml::load_dir(&spec).unwrap();
    let model = codegen::validate::validate(&files).unwrap();
    assert!(codegen::generate_from(&files).is_ok(), "the patched spec renders");
    let left: Vec<String> = findings(&model, &drifted()).iter().map(|f| f.to_string()).collect();
    assert_eq!(
        left,
        [
            "kol_orders: `Order.product_name`: never present in 2",
            "kol_orders: `Order.shop_name`: never present in 2",
        ],
    );
    let text = std::fs::read_to_string(spec.join("alliance.yaml")).unwrap();
    assert!(
        text.contains("level: observed, sources: [live], note: \"string in 2 of 2, 2026-12-03\""),
        "{text}"
    );
    assert!(text.starts_with(codegen::schema::MODELINE), "comments and layout are kept");
}

#[test]
fn a_field_that_was_once_null_is_not_raised_to_observed() {
    let (_dir, spec) = spec_copy();
    let mut paths = clean();
    paths.insert("data.orders[].shop_id".into(), json!({"seen": 2, "int": 1, "null": 1}));
    let edits = xtask::drift::patch(&spec, &snapshot(paths, "data_extra"), "2026-12-04").unwrap();
    assert!(edits.iter().any(|e| e == "`Order.order_id`: evidence observed"), "{edits:#?}");
    assert!(
        !edits.iter().any(|e| e.contains("Order.shop_id")),
        "strict afterwards, a null would fail: {edits:#?}"
    );
}
