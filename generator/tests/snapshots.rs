//! Snapshot tests (insta) of what the generator writes for the fixture specs under
//! `tests/fixtures/`, and the determinism of its output.
//!
//! - `full/` uses every spec feature. These snapshots are the one stored copy of its output; the
//!   end-to-end test `fixture_client` generates it again, builds it as a client beside the SDK's
//!   runtime (every warning denied) and calls its endpoints against a local server.
//! - `minimal/` is the smallest useful spec; `names/` shows how spec names become Rust names.
//!
//! After a deliberate generator change, review and accept the new snapshots with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test -p douyin-alliance-codegen`).

use std::path::{Path, PathBuf};

use codegen::{GeneratedFile, Target};

/// The workspace root: fixture paths are relative to it, like the spec directories `xtask` uses.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Renders `generator/tests/fixtures/<name>` into the SDK's paths (where the fixture client
/// puts it), plus an endpoint reference so that the Markdown template is covered too.
fn render(name: &str) -> Vec<GeneratedFile> {
    let spec_dir = format!("generator/tests/fixtures/{name}");
    let target =
        Target { spec_dir: &spec_dir, rust_dir: "sdk/src/generated", docs_path: Some("docs/fixture.md") };
    match codegen::generate_into(&root(), &target) {
        Ok(files) => files,
        Err(e) => panic!("fixture `{name}` does not generate:\n{e}"),
    }
}

fn file<'a>(files: &'a [GeneratedFile], path: &str) -> &'a str {
    match files.iter().find(|f| f.path == path) {
        Some(f) => &f.contents,
        None => panic!("no {path} among {:?}", files.iter().map(|f| &f.path).collect::<Vec<_>>()),
    }
}

const OUTPUTS: [&str; 4] = [
    "sdk/src/generated/mod.rs",
    "sdk/src/generated/types.rs",
    "sdk/src/generated/endpoints.rs",
    "docs/fixture.md",
];

#[test]
fn full_fixture_generates_these_files() {
    let files = render("full");
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, OUTPUTS);
    for path in OUTPUTS {
        let name = format!("full__{}", path.rsplit('/').next().unwrap_or(path).replace('.', "_"));
        insta::assert_snapshot!(name, file(&files, path));
    }
}

#[test]
fn minimal_fixture() {
    let files = render("minimal");
    for path in OUTPUTS {
        let name = format!("minimal__{}", path.rsplit('/').next().unwrap_or(path).replace('.', "_"));
        insta::assert_snapshot!(name, file(&files, path));
    }
}

#[test]
fn names_fixture() {
    let files = render("names");
    insta::assert_snapshot!("names__types_rs", file(&files, "sdk/src/generated/types.rs"));
}

/// The full fixture really uses every feature the generator can emit, so building it as a client
/// (the end-to-end `fixture_client` test) covers all of the generated code's shapes.
#[test]
fn full_fixture_covers_every_spec_feature() {
    let files = render("full");
    let endpoints = file(&files, "sdk/src/generated/endpoints.rs");
    let types = file(&files, "sdk/src/generated/types.rs");
    let expect = |text: &str, what: &[&str]| {
        for w in what {
            assert!(text.contains(w), "the full fixture generates no `{w}`");
        }
    };
    expect(endpoints, &["Server::OpenDouyin,", "Server::OpenDouyinEc,", "Server::Lianmeng,"]);
    expect(endpoints, &["HttpMethod::Get,", "HttpMethod::Post,"]);
    expect(endpoints, &["Placement::None,", "Placement::AppTokenHeader,", "Placement::UserHeader {"]);
    expect(endpoints, &["Placement::AppInBody {", "secret: true", "Placement::UserInBody,"]);
    expect(endpoints, &["open_id_in_query: true,", "open_id_in_query: false,"]);
    expect(endpoints, &["retry_safe: true,", "retry_safe: false,"]);
    expect(endpoints, &["Encoding::Json,", "Encoding::Form,", "Encoding::Query,", "Encoding::None,"]);
    expect(endpoints, &["EnvelopeKind::DataExtra,", "EnvelopeKind::ErrNo,", "EnvelopeKind::CodeMsg,"]);
    expect(endpoints, &["constants: &[(", "RateScope::App,"]);
    expect(endpoints, &["style: PageStyle::Page,", "style: PageStyle::Cursor,", "None::<&()>"]);
    expect(endpoints, &["impl crate::Client {", "impl crate::UserClient {"]);
    expect(
        types,
        &[
            "crate::check::min(",
            "crate::check::max(",
            "crate::check::max_length(",
            "crate::check::max_items(",
            "crate::check::pattern(",
            "crate::check::nested(",
            "impl crate::check::Check for",
            "crate::__open_enum!(FxSortKind, int,",
            "FxProductStatus, str,",
            "#[non_exhaustive]\npub struct",
            "#[non_exhaustive]\npub enum",
            "Unknown(UnknownValue)",
        ],
    );
    expect(
        types,
        &[
            "Unit: fen",
            "Unit: percent",
            "Unit: ratio × 100",
            "Unit: ratio × 10000",
            "Unit: seconds",
            "Unit: milliseconds",
        ],
    );
    expect(types, &["pub r#type:", "pub r#ref:", "pub self_:", "pub _1st_name:", "rename = \"productId\""]);
    expect(
        types,
        &[
            "=> Collection<",
            "=> Int<",
            "=> OptInt<",
            "=> Float",
            "=> OptFloat",
            "=> Bool",
            "=> OptBool",
            "=> Str",
            "=> OptStr",
            "=> Plain<",
            "=> Opt<",
            "Option<crate::Secret>",
            "pub access_token: crate::Secret",
            "#[cfg_attr(feature = \"serialize\", derive(::serde::Serialize))]",
        ],
    );
    expect(types, &["Example: `", "Constraints: "]);
}

#[test]
fn every_generated_file_starts_with_the_generated_marker_and_the_command() {
    for name in ["full", "minimal", "names"] {
        for f in render(name) {
            let first = f.contents.lines().next().unwrap_or_default();
            assert!(
                first.contains("@generated") && first.contains("`cargo xtask codegen`"),
                "{}: {first}",
                f.path
            );
            assert!(
                first.contains(&format!("generator/tests/fixtures/{name}/*.yaml")),
                "{}: {first}",
                f.path
            );
        }
    }
}

/// The Rust files are prettyplease's own output (plus one blank line between items): formatting
/// them again changes nothing else.
#[test]
fn generated_rust_is_already_formatted() {
    for name in ["full", "minimal", "names"] {
        for f in render(name).iter().filter(|f| f.path.ends_with(".rs")) {
            let (header, body) = f.contents.split_once('\n').unwrap_or_default();
            assert!(header.starts_with("// @generated"), "{}", f.path);
            // prettyplease drops the blank lines the generator puts between items.
            let again = prettyplease::unparse(&syn::parse_file(body).unwrap());
            let dense: String =
                body.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{l}\n")).collect();
            // `__object!` invocations are printed one field per line, not as prettyplease's
            // reflowed tokens: compared without white space, and checked for their layout.
            assert_eq!(
                objects_squeezed(&again),
                objects_squeezed(&dense),
                "{} is not stable under formatting",
                f.path
            );
            for block in object_blocks(&dense) {
                let fields: Vec<&str> = block.lines().filter(|l| l.contains(" => ")).collect();
                assert!(
                    fields.iter().all(|l| l.starts_with("        ")
                        && l.ends_with(',')
                        && l.matches(" => ").count() == 1),
                    "{}: one field per line in\n{block}",
                    f.path
                );
            }
            assert!(!body.contains("\n\n\n"), "{}: at most one blank line in a row", f.path);
        }
    }
}

/// The `crate::__object!(..);` invocations of `text`, each from its first line to its `);`.
fn object_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("crate::__object!(") {
            current = Some(String::new());
        }
        if let Some(b) = current.as_mut() {
            b.push_str(line);
            b.push('\n');
            if line.trim_end().ends_with(");") {
                blocks.extend(current.take());
            }
        }
    }
    blocks
}

/// `text` with the white space inside each `__object!` invocation removed.
fn objects_squeezed(text: &str) -> String {
    let mut out = text.to_string();
    for block in object_blocks(text) {
        let squeezed: String = block.chars().filter(|c| !c.is_whitespace()).collect();
        out = out.replacen(&block, &format!("{squeezed}\n"), 1);
    }
    out
}

#[test]
fn generating_the_fixtures_twice_gives_identical_bytes() {
    for name in ["full", "minimal", "names"] {
        assert_eq!(render(name), render(name), "fixture `{name}`");
    }
}

#[test]
fn generating_the_real_spec_twice_gives_identical_bytes() {
    let spec = root().join("spec");
    let first = codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
    let second = codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.is_empty());
    assert_eq!(first, second);
    // Parsing the files in another order changes nothing either: the model is sorted.
    let mut files = codegen::yaml::load_dir(&spec).unwrap_or_else(|e| panic!("{e}"));
    let forward = codegen::generate_from(&files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(forward, first);
    files.reverse();
    let backward = codegen::generate_from(&files).unwrap_or_else(|e| panic!("{e}"));
    let types = |out: &[GeneratedFile]| file(out, "sdk/src/generated/types.rs").to_string();
    assert_eq!(types(&backward), types(&first), "types.rs depends on the order of the spec files");
}
