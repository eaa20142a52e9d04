//! Generates the `full` fixture's client code into `OUT_DIR` with the generator itself, so the
//! generator's output for every spec feature is compiled (every warning denied) and called by a
//! test, without a second stored copy of it (the snapshots are the one copy).
//!
//! Built as `fixture-client-next` (the same sources), it first makes the spec changes that must
//! not break users: an optional field added to a response type, and a value added to a string
//! and to an integer enum. The e2e test `downstream` compiles the same user code against both.
//!
//! Built as `api-diff-old` / `api-diff-new`, it generates every api-diff case's old / new spec
//! instead (`tests/api-diff-cases/`), with the cases' downstream snippets as doctests.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = Path::new(&manifest).join("../..");
    let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let (spec_dir, specs, snippets) = match package.as_str() {
        "api-diff-old" => api_diff_cases(&root, false),
        "api-diff-new" => api_diff_cases(&root, true),
        _ => (FULL, full_fixture(&root, package == "fixture-client-next"), String::new()),
    };
    let target = codegen::Target { spec_dir, rust_dir: "generated", docs_path: None };
    let files = codegen::generate_from_into(&specs, &target)
        .unwrap_or_else(|e| panic!("{spec_dir} does not generate:\n{e}"));
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
    std::fs::write(Path::new(&out).join("snippets.rs"), snippets)
        .unwrap_or_else(|e| panic!("cannot write snippets.rs: {e}"));
}

const FULL: &str = "generator/tests/fixtures/full";
const CASES: &str = "tests/api-diff-cases";

/// The `full` fixture, or its next version.
fn full_fixture(root: &Path, next: bool) -> Vec<codegen::spec::LoadedFile> {
    println!("cargo:rerun-if-changed={}", root.join(FULL).display());
    let mut specs = codegen::yaml::load_dir_as(&root.join(FULL), FULL)
        .unwrap_or_else(|e| panic!("the full fixture does not load:\n{e}"));
    if next {
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
    specs
}

/// Every api-diff case's old (or `new`) spec, as one spec; and the cases' downstream snippets
/// as doctests of this crate. Against the old client every snippet must compile; against the
/// new one a snippet must fail to compile exactly when `codegen::diff` calls its case breaking,
/// so the compiler confirms each verdict.
fn api_diff_cases(root: &Path, new: bool) -> (&'static str, Vec<codegen::spec::LoadedFile>, String) {
    let dir = root.join(CASES);
    println!("cargo:rerun-if-changed={}", dir.display());
    let load = |path: &Path| {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let shown = path.strip_prefix(root).unwrap_or(path).display().to_string();
        codegen::yaml::parse_str(&shown, &text).unwrap_or_else(|e| panic!("{e}"))
    };
    let sources = load(&dir.join("sources.yaml"));
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("old.yaml").is_file())
        .collect();
    cases.sort();
    let krate = if new { "api_diff_new" } else { "api_diff_old" };
    let mut specs = vec![sources.clone()];
    let (mut compiling, mut failing) = (String::new(), Vec::new());
    for case in &cases {
        let (old, next) = (load(&case.join("old.yaml")), load(&case.join("new.yaml")));
        let model = |f: &codegen::spec::LoadedFile| {
            codegen::validate::validate(&[sources.clone(), f.clone()]).unwrap_or_else(|e| panic!("{e}"))
        };
        let breaking = codegen::diff::verdict(&codegen::diff::diff(&model(&old), &model(&next)))
            == Some(codegen::diff::Class::Breaking);
        let snippet = std::fs::read_to_string(case.join("snippet.rs")).unwrap_or_default();
        if new && breaking {
            failing.push(snippet);
        } else {
            compiling.push_str(&snippet);
        }
        specs.push(if new { next } else { old });
    }
    let mut doc = vec![
        "The downstream code of every api-diff case (`tests/api-diff-cases/*/snippet.rs`).".to_string(),
        String::new(),
        "```no_run".to_string(),
        format!("use {krate} as sdk;"),
    ];
    doc.extend(compiling.lines().map(String::from));
    doc.extend(["fn main() {}".to_string(), "```".to_string()]);
    for snippet in failing {
        doc.extend([String::new(), "```compile_fail".to_string(), format!("use {krate} as sdk;")]);
        doc.extend(snippet.lines().map(String::from));
        doc.extend(["fn main() {}".to_string(), "```".to_string()]);
    }
    let attrs: String = doc.iter().map(|l| format!("#[doc = {:?}]\n", format!(" {l}"))).collect();
    (CASES, specs, format!("{attrs}pub struct Snippets;\n"))
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
