//! `cargo xtask codegen --check` as a test, so `cargo test` alone catches generated code that is
//! out of date, plus tests that the check really fails: on a temporary copy of the workspace's
//! spec directory and generated files, an edited spec, a leftover generated file, a missing
//! file and a broken spec are each caught, and a failed run writes nothing; and the binary checks
//! the tree it runs in, whichever checkout it was built from.
//!
//! Regressions these guard against: `--check` reporting fresh when it is not; a diff without the
//! changed lines; a failed run writing some files; the workspace found from the build-time path
//! (two checkouts sharing one `CARGO_TARGET_DIR` would check each other); CRLF checkouts reported
//! stale.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use xtask::{Change, RERUN, TARGETS};

/// The workspace this crate belongs to.
fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask::find_workspace_root(here).expect("xtask lives in a workspace")
}

fn copy(from: &Path, to: &Path) {
    xtask::copy_tree(from, to).unwrap_or_else(|e| panic!("copy {} -> {}: {e}", from.display(), to.display()));
}

/// A temporary root holding what `codegen` reads and writes: every target's spec directory,
/// generated Rust directory and docs file, copied from the workspace.
fn temp_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = workspace_root();
    for target in &TARGETS {
        copy(&root.join(target.spec_dir), &dir.path().join(target.spec_dir));
        copy(&root.join(target.rust_dir), &dir.path().join(target.rust_dir));
        if let Some(docs) = target.docs_path {
            copy(&root.join(docs), &dir.path().join(docs));
        }
    }
    // The root marker `find_workspace_root` looks for.
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    dir
}

/// Every file under `dir` with its contents, by path relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(path.strip_prefix(base).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The temporary copy is complete: before any edit, it is fresh.
fn assert_fresh(root: &Path) {
    let (report, ok) = xtask::run_codegen(root, true);
    assert!(ok, "{report}");
    assert_eq!(report, "generated code is fresh");
}

/// Replaces the first plain one-line `doc:` of the real spec's files (sorted) with `new_doc`;
/// returns the old text.
fn edit_first_doc(root: &Path, new_doc: &str) -> String {
    let spec = root.join("spec");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&spec)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let found = lines.iter().position(|l| {
            l.trim_start().strip_prefix("doc: ").is_some_and(|v| {
                v.len() > 10 && v.chars().all(|c| c.is_ascii_alphanumeric() || " ,.()-".contains(c))
            })
        });
        if let Some(i) = found {
            let (indent, old) = lines[i].split_once("doc: ").unwrap();
            let old = old.to_string();
            lines[i] = format!("{indent}doc: {new_doc}");
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
            return old;
        }
    }
    panic!("no plain one-line `doc:` in {}", spec.display());
}

#[test]
fn committed_generated_code_is_fresh() {
    let root = workspace_root();
    let stale = xtask::stale_files(&root).unwrap_or_else(|e| panic!("the spec does not generate:\n{e}"));
    let report: String = stale.iter().map(|s| format!("stale: {}\n{}\n", s.path, s.diff)).collect();
    assert!(stale.is_empty(), "{report}{RERUN}");
}

#[test]
fn check_reports_an_edited_spec_with_a_diff_and_writes_nothing() {
    let dir = temp_root();
    let root = dir.path();
    assert_fresh(root);
    let old = edit_first_doc(root, "Edited by the freshness test.");
    let before = snapshot(root);

    let (report, ok) = xtask::run_codegen(root, true);
    assert!(!ok, "{report}");
    assert!(report.contains("stale: sdk/src/generated/"), "{report}");
    assert!(report.contains("--- a/sdk/src/generated/"), "{report}");
    assert!(report.contains("+++ b/sdk/src/generated/"), "{report}");
    assert!(report.contains("\n@@ -"), "{report}");
    let added = report.lines().any(|l| l.starts_with('+') && l.contains("/// Edited by the freshness test."));
    let removed = report.lines().any(|l| l.starts_with('-') && l.contains(&format!("/// {old}")));
    assert!(added && removed, "the diff lacks the edited doc line:\n{report}");
    assert_eq!(report.lines().last(), Some(RERUN), "{report}");
    // The endpoint reference is stale too, and nothing else.
    let stale = xtask::stale_files(root).unwrap();
    assert!(stale.iter().any(|s| s.path == "docs/endpoints.md"), "{stale:#?}");
    assert!(stale.iter().all(|s| matches!(s.change, Change::Write(_))), "{stale:#?}");
    // `--check` wrote nothing.
    assert_eq!(snapshot(root), before);

    // A real run brings the copy up to date.
    let (report, ok) = xtask::run_codegen(root, false);
    assert!(ok, "{report}");
    assert!(report.contains("wrote sdk/src/generated/"), "{report}");
    assert_fresh(root);
}

#[test]
fn a_generated_file_the_spec_no_longer_produces_is_reported_and_removed() {
    let dir = temp_root();
    let root = dir.path();
    assert_fresh(root);
    let leftover =
        "// @generated by `cargo xtask codegen` from spec/*.yaml; do not edit by hand.\npub struct Gone;\n";
    std::fs::write(root.join("sdk/src/generated/gone.rs"), leftover).unwrap();
    // A hand-written file beside them (no marker) is not the generator's to remove.
    std::fs::write(root.join("sdk/src/generated/notes.rs"), "// written by hand\n").unwrap();

    let (report, ok) = xtask::run_codegen(root, true);
    assert!(!ok, "{report}");
    assert!(report.contains("stale: sdk/src/generated/gone.rs\n--- a/sdk/src/generated/gone.rs"), "{report}");
    assert!(report.contains("-pub struct Gone;"), "{report}");
    assert!(!report.contains("notes.rs"), "{report}");
    assert!(report.contains("1 generated file(s) are out of date."), "{report}");
    assert_eq!(report.lines().last(), Some(RERUN), "{report}");
    assert!(root.join("sdk/src/generated/gone.rs").exists(), "--check removed a file");

    let (report, ok) = xtask::run_codegen(root, false);
    assert!(ok, "{report}");
    assert!(report.contains("removed sdk/src/generated/gone.rs"), "{report}");
    assert!(!root.join("sdk/src/generated/gone.rs").exists());
    assert!(root.join("sdk/src/generated/notes.rs").exists());
    assert_fresh(root);
}

#[test]
fn a_missing_generated_file_is_reported_and_written() {
    let dir = temp_root();
    let root = dir.path();
    std::fs::remove_file(root.join("sdk/src/generated/types.rs")).unwrap();
    let (report, ok) = xtask::run_codegen(root, true);
    assert!(!ok, "{report}");
    assert!(report.contains("stale: sdk/src/generated/types.rs"), "{report}");
    let (report, ok) = xtask::run_codegen(root, false);
    assert!(ok, "{report}");
    assert!(report.contains("wrote sdk/src/generated/types.rs"), "{report}");
    assert_fresh(root);
}

#[test]
fn a_failed_run_writes_nothing() {
    let dir = temp_root();
    let root = dir.path();
    // One valid edit that would change generated files, and one error.
    edit_first_doc(root, "Edited by the freshness test.");
    let oauth = root.join("spec/oauth.yaml");
    let text = std::fs::read_to_string(&oauth).unwrap();
    assert!(text.contains("server: open.douyin.com"));
    std::fs::write(&oauth, text.replacen("server: open.douyin.com", "server: open.example.com", 1)).unwrap();
    let before = snapshot(root);

    for check in [false, true] {
        let (report, ok) = xtask::run_codegen(root, check);
        assert!(!ok, "{report}");
        assert!(report.contains("spec/oauth.yaml:"), "{report}");
        assert!(report.contains("field `server`: unknown server `open.example.com`"), "{report}");
        assert!(report.ends_with("nothing was written"), "{report}");
        assert_eq!(snapshot(root), before, "a failed run (check: {check}) changed files");
    }
}

#[test]
fn crlf_line_endings_are_the_same_code() {
    let dir = temp_root();
    let root = dir.path();
    let types = root.join("sdk/src/generated/types.rs");
    let text = std::fs::read_to_string(&types).unwrap();
    std::fs::write(&types, text.replace('\n', "\r\n")).unwrap();
    assert_fresh(root);
}

/// One binary (as with one `CARGO_TARGET_DIR` shared by two checkouts) checks the tree it runs
/// in: the fresh copy passes, the edited copy fails and names its own files.
#[test]
fn the_binary_checks_the_checkout_it_runs_in() {
    let fresh = temp_root();
    let edited = temp_root();
    edit_first_doc(edited.path(), "Edited in the second checkout.");
    let run = |dir: &Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["codegen", "--check"])
            .current_dir(dir.join("spec"))
            .output()
            .expect("xtask runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, report) = run(fresh.path());
    assert!(ok, "{report}");
    assert!(report.contains("generated code is fresh"), "{report}");
    let (ok, report) = run(edited.path());
    assert!(!ok, "{report}");
    assert!(report.contains("+/// Edited in the second checkout."), "{report}");
    assert!(report.ends_with(&format!("{RERUN}\n")), "{report}");
}
