//! Generates the `full` fixture's client code into `OUT_DIR` with the generator itself, so the
//! generator's output for every spec feature is compiled (every warning denied) and called by a
//! test, without a second stored copy of it (the snapshots are the one copy).
//!
//! Built as `fixture-client-next` (the same sources), it first makes the spec changes that must
//! not break users: an optional field added to a response type, and a value added to a string
//! and to an integer enum. The e2e test `downstream` compiles the same user code against both.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest).join("../..");
    let spec_dir = "generator/tests/fixtures/full";
    println!("cargo:rerun-if-changed={}", root.join(spec_dir).display());
    let mut specs = codegen::yaml::load_dir_as(&root.join(spec_dir), spec_dir)
        .unwrap_or_else(|e| panic!("the full fixture does not load:\n{e}"));
    if std::env::var("CARGO_PKG_NAME").is_ok_and(|p| p == "fixture-client-next") {
        let mut applied = vec![false; EDITS.len()];
        specs = specs
            .iter()
            .map(|f| codegen::yaml::parse_str(&f.path, &next_version(&f.text, &mut applied)))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("the changed fixture does not parse:\n{e}"));
        for ((from, _), done) in EDITS.iter().zip(applied) {
            assert!(done, "the next-version edit no longer applies to the full fixture:\n{from}");
        }
    }
    let target = codegen::Target { spec_dir, rust_dir: "generated", docs_path: None };
    let files = codegen::generate_from_into(&specs, &target)
        .unwrap_or_else(|e| panic!("the full fixture does not generate:\n{e}"));
    for f in files.iter().filter(|f| f.path.ends_with(".rs") && !f.path.ends_with("/mod.rs")) {
        // `include!` takes items only: the module's inner docs and attributes are dropped.
        let items: String = f
            .contents
            .lines()
            .filter(|l| !l.starts_with("//!") && !l.starts_with("#!["))
            .map(|l| format!("{l}\n"))
            .collect();
        let name = f.path.rsplit('/').next().unwrap_or(&f.path);
        std::fs::write(Path::new(&out).join(name), items)
            .unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
    }
}

/// The additive changes of the next spec version; each edit must apply (to one of the files).
/// The added field states its evidence (single source, as its type: read leniently); the added
/// enum values take their enum's.
const EDITS: [(&str, &str); 3] = [
    (
        "      - name: verified\n        type: bool\n        doc: Whether verified.\n",
        "      - name: verified\n        type: bool\n        doc: Whether verified.\n      - name: badge\n        type: string\n        doc: A badge (added later).\n        evidence: {level: single_source, sources: [F2]}\n",
    ),
    (
        "        - {value: SOLD_OUT, doc: Sold out.}\n",
        "        - {value: SOLD_OUT, doc: Sold out.}\n        - {value: presale, doc: On pre-sale (added later).}\n",
    ),
    ("        - {value: 2, name: Price, doc: By price.}\n", "        - {value: 2, name: Price, doc: By price.}\n        - {value: 3, name: Rating, doc: By rating (added later).}\n"),
];

/// `text` with the edits of [`EDITS`] that apply to it made; `applied` records which did.
fn next_version(text: &str, applied: &mut [bool]) -> String {
    let mut out = text.to_string();
    for ((from, to), done) in EDITS.iter().zip(applied.iter_mut()) {
        if out.contains(from) {
            out = out.replacen(from, to, 1);
            *done = true;
        }
    }
    out
}
