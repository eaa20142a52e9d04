//! Generates the `full` fixture's client code into `OUT_DIR` with the generator itself, so the
//! generator's output for every spec feature is compiled (every warning denied) and called by a
//! test, without a second stored copy of it (the snapshots are the one copy).

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest).join("../..");
    let spec_dir = "generator/tests/fixtures/full";
    println!("cargo:rerun-if-changed={}", root.join(spec_dir).display());
    let target = codegen::Target { spec_dir, rust_dir: "generated", docs_path: None };
    let files = codegen::generate_into(&root, &target)
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
