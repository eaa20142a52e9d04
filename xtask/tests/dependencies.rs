//! The one-way dependencies ARCHITECTURE.md states, checked on the real dependency graph: the
//! sandbox and the SDK reach the spec as data (`douyin-alliance-spec`), never the code
//! generator's rendering stack.

use std::process::Command;

/// The crates (names, not proc macros) that `package` links, from `cargo tree`.
fn linked(package: &str) -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["tree", "-p", package, "-e", "no-proc-macro", "--prefix", "none", "--offline"])
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut crates: Vec<String> =
        text.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect();
    crates.sort();
    crates.dedup();
    crates
}

const RENDERING: &[&str] =
    &["douyin-alliance-codegen", "syn", "quote", "proc-macro2", "minijinja", "prettyplease"];

#[test]
fn the_sandbox_links_the_spec_model_but_no_generator() {
    let crates = linked("douyin-alliance-sandbox");
    assert!(crates.iter().any(|c| c == "douyin-alliance-spec"), "{crates:?}");
    for c in RENDERING {
        assert!(!crates.iter().any(|x| x == c), "the sandbox links `{c}`: {crates:?}");
    }
}

#[test]
fn the_sdk_links_neither_the_spec_model_nor_the_generator() {
    let crates = linked("douyin-alliance");
    for c in RENDERING.iter().chain(&["douyin-alliance-spec", "serde_yaml"]) {
        assert!(!crates.iter().any(|x| x == c), "the SDK links `{c}`: {crates:?}");
    }
}
