//! `cargo xtask codegen [--check]`: regenerate the SDK's generated modules and docs, or verify
//! that the committed ones are fresh. The generator library is pure; this crate owns the file
//! system: nothing is written unless the whole generation succeeded.

pub mod api_diff;
pub mod drift;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use codegen::{Errors, GeneratedFile, Target};

/// The workspace root that holds `start`: the nearest directory at or above it whose
/// `Cargo.toml` declares `[workspace]`. Found at run time from where the command runs, never
/// from where the binary was built, so one binary (one shared `CARGO_TARGET_DIR`) serves every
/// checkout.
pub fn find_workspace_root(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest.lines().any(|l| l.trim() == "[workspace]").then(|| dir.to_path_buf())
    })
}

/// Copies the file or directory `from` to `to` (symlinks and special files are not sources and
/// are left out).
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let kind = std::fs::symlink_metadata(from)?.file_type();
    if kind.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else if kind.is_file() {
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(from, to)?;
    }
    Ok(())
}

/// Copies the workspace at `from` to `to`, leaving out `target/` and `.git/` at the top.
pub fn copy_sources(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        copy_tree(&entry.path(), &to.join(&name))?;
    }
    Ok(())
}

/// The marker every generated file carries on its first line.
pub const MARKER: &str = "@generated";

/// The last line `--check` prints when something is stale.
pub const RERUN: &str = "run `cargo xtask codegen` and commit";

/// What one file needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create or overwrite with these contents.
    Write(String),
    /// A generated file that the spec no longer produces.
    Delete,
}

/// A file that is out of date, with a unified diff from the committed to the fresh contents.
#[derive(Debug, Clone)]
pub struct Stale {
    /// Path relative to the root.
    pub path: String,
    /// What to do.
    pub change: Change,
    /// Unified diff (committed -> generated).
    pub diff: String,
}

/// Every spec directory `codegen` renders and where its files go. The generator's fixture specs
/// are not among them: their output is pinned by the generator's snapshot tests, and the
/// `full` fixture is built as a client by an end-to-end test.
pub const TARGETS: [Target<'static>; 1] = [Target::SDK];

/// Generates every target in memory from the spec directories under `root` and compares the
/// result with the files under `root`. Fails, without looking at any output, when any spec
/// directory has errors.
pub fn stale_files(root: &Path) -> Result<Vec<Stale>, Errors> {
    let mut generated = Vec::new();
    let mut errors = Vec::new();
    for target in &TARGETS {
        match codegen::generate_into(root, target) {
            Ok(files) => generated.push((target, files)),
            Err(e) => errors.extend(e.0),
        }
    }
    if !errors.is_empty() {
        return Err(Errors(errors));
    }
    let mut stale: Vec<Stale> =
        generated.iter().flat_map(|(target, files)| compare(root, target, files)).collect();
    // The spec format's JSON Schema, derived from the reader's serde types.
    let schema = codegen::schema::json_schema();
    let old =
        std::fs::read_to_string(root.join(codegen::schema::PATH)).unwrap_or_default().replace("\r\n", "\n");
    if old != schema {
        let path = codegen::schema::PATH.to_string();
        stale.push(Stale { diff: diff(&path, &old, &schema), path, change: Change::Write(schema) });
    }
    Ok(stale)
}

/// The stale files of one target: changed or missing ones, then generated files in its Rust
/// directory that it no longer produces.
fn compare(root: &Path, target: &Target<'_>, files: &[GeneratedFile]) -> Vec<Stale> {
    let mut out = Vec::new();
    for f in files {
        // A checkout with CRLF line endings (git's autocrlf) holds the same code.
        let old = std::fs::read_to_string(root.join(&f.path)).unwrap_or_default().replace("\r\n", "\n");
        if old != f.contents {
            out.push(Stale {
                path: f.path.clone(),
                change: Change::Write(f.contents.clone()),
                diff: diff(&f.path, &old, &f.contents),
            });
        }
    }
    // Generated files the spec no longer produces.
    let dir = root.join(target.rust_dir);
    let mut leftovers: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let rel = format!("{}/{}", target.rust_dir, e.file_name().to_string_lossy());
            let text = std::fs::read_to_string(e.path()).ok()?;
            let generated = text.lines().next().is_some_and(|l| l.contains(MARKER));
            (generated && !files.iter().any(|f| f.path == rel)).then_some(rel)
        })
        .collect();
    leftovers.sort();
    for rel in leftovers {
        let old = std::fs::read_to_string(root.join(&rel)).unwrap_or_default();
        out.push(Stale { diff: diff(&rel, &old, ""), path: rel, change: Change::Delete });
    }
    out
}

fn diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// Applies the changes: each file is written to a temporary sibling and renamed into place.
pub fn apply(root: &Path, stale: &[Stale]) -> std::io::Result<()> {
    for s in stale {
        let path = root.join(&s.path);
        match &s.change {
            Change::Write(contents) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = path.with_extension("tmp-codegen");
                std::fs::write(&tmp, contents)?;
                std::fs::rename(&tmp, &path)?;
            }
            Change::Delete => std::fs::remove_file(&path)?,
        }
    }
    Ok(())
}

/// Runs `codegen` (or `codegen --check`) against `root`; returns the report and whether it passed.
pub fn run_codegen(root: &Path, check: bool) -> (String, bool) {
    let mut report = String::new();
    let stale = match stale_files(root) {
        Ok(s) => s,
        Err(e) => {
            let _ = write!(report, "{e}nothing was written");
            return (report, false);
        }
    };
    if check {
        if stale.is_empty() {
            report.push_str("generated code is fresh");
            return (report, true);
        }
        for s in &stale {
            let _ = writeln!(report, "stale: {}\n{}", s.path, s.diff);
        }
        let _ = write!(report, "{} generated file(s) are out of date.\n{RERUN}", stale.len());
        return (report, false);
    }
    if let Err(e) = apply(root, &stale) {
        let _ = write!(report, "writing failed: {e}");
        return (report, false);
    }
    if stale.is_empty() {
        report.push_str("generated code was already fresh; nothing written");
    } else {
        for s in &stale {
            let verb = if s.change == Change::Delete { "removed" } else { "wrote" };
            let _ = writeln!(report, "{verb} {}", s.path);
        }
        let _ = write!(report, "{} file(s) changed", stale.len());
    }
    if let Ok(summary) = codegen::evidence_summary(&root.join("spec")) {
        let _ = write!(report, "\n\n{}", summary.trim_end());
    }
    (report, true)
}
