//! `cargo xtask api-diff`: what the spec change since a base revision means for the crates that
//! depend on the SDK, with a semver verdict against the SDK's version (see `codegen::diff` for
//! the classes).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use codegen::diff::{self, Change, Class};
use codegen::model::Model;
use serde::Serialize;

/// What to compare and how to report it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The revision whose spec is the "before" (default: the merge base with the default
    /// branch, else `HEAD`).
    pub base: Option<String>,
    /// Append the Markdown section to `CHANGELOG.md` under "Unreleased".
    pub changelog: bool,
    /// Print JSON instead of text.
    pub json: bool,
}

/// The outcome of one comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The base revision as given or found.
    pub base: String,
    /// The most severe class, `None` when nothing changed.
    pub verdict: Option<Class>,
    /// The SDK's version at the base revision.
    pub base_version: String,
    /// The SDK's version in the working tree.
    pub version: String,
    /// Whether the version is bumped enough for the verdict.
    pub version_ok: bool,
    /// Every change, most severe first.
    pub changes: Vec<Change>,
}

/// Runs the comparison in the workspace at `root`: the report to print and whether it passes.
pub fn run(root: &Path, opts: &Options) -> (String, bool) {
    match compare(root, opts) {
        Err(e) => (format!("api-diff: {e}"), false),
        Ok(report) => {
            let mut text = if opts.json {
                serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
            } else {
                human(&report)
            };
            if opts.changelog && !report.changes.is_empty() {
                match append_changelog(root, &report) {
                    Ok(path) if !opts.json => {
                        let _ = write!(text, "\nappended the changes to {}", path.display());
                    }
                    Ok(_) => {}
                    Err(e) => return (format!("{text}\napi-diff: {e}"), false),
                }
            }
            (text, report.version_ok)
        }
    }
}

/// Compares the spec at the base revision with the working tree's.
pub fn compare(root: &Path, opts: &Options) -> Result<Report, String> {
    let base = match &opts.base {
        Some(b) => b.clone(),
        None => default_base(root),
    };
    let old = model_at(root, &base)?;
    let files =
        codegen::yaml::load_dir(&root.join("spec")).map_err(|e| format!("the working tree's spec:\n{e}"))?;
    let new = codegen::validate::validate(&files).map_err(|e| format!("the working tree's spec:\n{e}"))?;
    let changes = diff::diff(&old, &new);
    let verdict = diff::verdict(&changes);
    let base_version = version_at(root, Some(&base))?;
    let version = version_at(root, None)?;
    let version_ok = verdict != Some(Class::Breaking) || bumped_for_breaking(&base_version, &version)?;
    Ok(Report { base, verdict, base_version, version, version_ok, changes })
}

/// The merge base of `HEAD` with the default branch, else `HEAD`.
fn default_base(root: &Path) -> String {
    let default = git(root, &["symbolic-ref", "--short", "refs/remotes/origin/HEAD"]).ok();
    let candidates = default.into_iter().chain(["origin/main".to_string(), "main".to_string()]);
    for branch in candidates {
        if let Ok(rev) = git(root, &["merge-base", "HEAD", branch.trim()]) {
            return rev.trim().to_string();
        }
    }
    "HEAD".to_string()
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!("git {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("git {}: {e}", args.join(" ")))
}

/// The validated model of the spec at `rev` (read with `git show`, nothing checked out); an
/// empty model when the revision has no spec.
fn model_at(root: &Path, rev: &str) -> Result<Model, String> {
    git(root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
        .map_err(|_| format!("`{rev}` is not a revision of this repository"))?;
    let listing = git(root, &["ls-tree", "--name-only", rev, "spec/"])?;
    let mut files = Vec::new();
    for path in listing.lines().filter(|p| p.ends_with(".yaml")) {
        let text = git(root, &["show", &format!("{rev}:{path}")])?;
        files.push(codegen::yaml::parse_str(path, &text).map_err(|e| format!("the spec at {rev}:\n{e}"))?);
    }
    codegen::validate::validate(&files).map_err(|e| {
        let first: Vec<String> = e.0.iter().take(3).map(|m| format!("  {m}")).collect();
        format!(
            "the spec at {rev} does not validate with this generator ({} error(s); first: \n{}); \
             compare with a revision whose spec this generator reads",
            e.0.len(),
            first.join("\n")
        )
    })
}

/// The SDK's version (`sdk/Cargo.toml`, or the workspace's when it inherits it), at `rev` or in
/// the working tree.
fn version_at(root: &Path, rev: Option<&str>) -> Result<String, String> {
    let read = |path: &str| -> Result<toml_edit::DocumentMut, String> {
        let text = match rev {
            Some(r) => git(root, &["show", &format!("{r}:{path}")])?,
            None => {
                std::fs::read_to_string(root.join(path)).map_err(|e| format!("cannot read {path}: {e}"))?
            }
        };
        text.parse().map_err(|e| format!("{path}: {e}"))
    };
    let sdk = read("sdk/Cargo.toml")?;
    let version = &sdk["package"]["version"];
    let found = if let Some(v) = version.as_str() {
        Some(v.to_string())
    } else if version.get("workspace").and_then(|w| w.as_bool()) == Some(true) {
        read("Cargo.toml")?["workspace"]["package"]["version"].as_str().map(String::from)
    } else {
        None
    };
    found.ok_or_else(|| "sdk/Cargo.toml states no version".to_string())
}

/// `major.minor.patch` as numbers (a pre-release or build suffix is ignored).
fn parse_version(v: &str) -> Result<(u64, u64, u64), String> {
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<u64> = core
        .split('.')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|_| format!("version `{v}` is not major.minor.patch"))?;
    match parts.as_slice() {
        [a, b, c] => Ok((*a, *b, *c)),
        _ => Err(format!("version `{v}` is not major.minor.patch")),
    }
}

/// Whether `new` is a breaking release after `old`: a new major (≥ 1.0) or, before 1.0, a new
/// minor.
fn bumped_for_breaking(old: &str, new: &str) -> Result<bool, String> {
    let (a, b) = (parse_version(old)?, parse_version(new)?);
    Ok(if a.0 == 0 && b.0 == 0 { b.1 > a.1 } else { b.0 > a.0 })
}

/// The text report.
pub fn human(r: &Report) -> String {
    let mut s = String::new();
    let verdict = match r.verdict {
        None => "no API change".to_string(),
        Some(Class::Docs) => "docs only".to_string(),
        Some(c) => format!("{c} (most severe)"),
    };
    let _ =
        writeln!(s, "api-diff: spec at {} -> working tree: {} change(s), {verdict}", r.base, r.changes.len());
    for class in Class::ALL {
        let of: Vec<&Change> = r.changes.iter().filter(|c| c.class == class).collect();
        if !of.is_empty() {
            let _ = writeln!(s, "{class}:");
            for c in of {
                let _ = writeln!(s, "  `{}`: {}", c.item, c.what);
            }
        }
    }
    if r.version_ok {
        let _ = write!(s, "version {} (base {}): ok", r.version, r.base_version);
    } else {
        let want = if parse_version(&r.base_version).is_ok_and(|v| v.0 == 0) { "minor" } else { "major" };
        let _ = write!(
            s,
            "version {} (base {}): a breaking change needs a new {want} version; bump `version` in \
             Cargo.toml ([workspace.package]) and say why in CHANGELOG.md",
            r.version, r.base_version
        );
    }
    s
}

/// The Markdown section of a change set, for `CHANGELOG.md`.
pub fn markdown(r: &Report) -> String {
    let mut s = format!("### API changes since `{}`\n\n", short(&r.base));
    for class in Class::ALL {
        let of: Vec<&Change> = r.changes.iter().filter(|c| c.class == class).collect();
        if of.is_empty() {
            continue;
        }
        let title = match class {
            Class::Breaking => "Breaking",
            Class::WireOnly => "Wire-only (review: the call on the wire changed)",
            Class::Additive => "Added",
            Class::Docs => "Docs",
        };
        let _ = writeln!(s, "**{title}**\n");
        for c in of {
            let _ = writeln!(s, "- `{}`: {}", c.item, c.what);
        }
        s.push('\n');
    }
    s
}

fn short(rev: &str) -> &str {
    if rev.len() == 40 && rev.chars().all(|c| c.is_ascii_hexdigit()) {
        &rev[..7]
    } else {
        rev
    }
}

/// Adds the section under `## Unreleased` of `CHANGELOG.md` (made when missing).
fn append_changelog(root: &Path, r: &Report) -> Result<std::path::PathBuf, String> {
    let path = root.join("CHANGELOG.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Changelog\n".to_string());
    let section = markdown(r);
    let updated = match text.find("## Unreleased\n") {
        Some(i) => {
            let at = i + "## Unreleased\n".len();
            format!("{}\n{section}{}", &text[..at], &text[at..].trim_start_matches('\n'))
        }
        None => {
            let (head, rest) = match text.find("\n## ") {
                Some(i) => text.split_at(i + 1),
                None => (text.as_str(), ""),
            };
            format!("{}\n## Unreleased\n\n{section}{rest}", head.trim_end())
        }
    };
    std::fs::write(&path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breaking_release_is_a_new_minor_before_1_and_a_new_major_after() {
        assert!(bumped_for_breaking("0.1.0", "0.2.0").unwrap());
        assert!(!bumped_for_breaking("0.1.0", "0.1.1").unwrap());
        assert!(bumped_for_breaking("0.9.3", "1.0.0").unwrap());
        assert!(bumped_for_breaking("1.2.0", "2.0.0").unwrap());
        assert!(!bumped_for_breaking("1.2.0", "1.3.0").unwrap());
        assert!(parse_version("1.2").is_err());
        assert_eq!(parse_version("1.2.3-beta.1").unwrap(), (1, 2, 3));
    }
}
