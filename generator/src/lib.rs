//! Spec -> validated model -> Rust source for the Douyin Alliance SDK.
//!
//! The pipeline is pure: [`generate`] reads the spec directory and returns the files to write;
//! writing, diffing and the "nothing written on failure" rule belong to `xtask`.
//!
//! ```text
//! spec/*.yaml --yaml--> spec::SpecFile --validate--> model::Model --render--> Vec<GeneratedFile>
//! ```

pub mod render;
pub mod synthetic;

// The spec as data lives in its own crate (`douyin-alliance-spec`); re-exported so that the
// generator's users name one crate.
pub use spec_model::{diff, edit, error, model, names, schema, spec, validate, yaml};

use std::path::Path;

pub use error::{Errors, Location, SpecError};
pub use render::Target;

/// One output file: a path relative to the workspace root and its complete contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root, with `/` separators.
    pub path: String,
    /// Full contents, starting with the `@generated` line.
    pub contents: String,
}

/// Reads, validates and renders the spec directory `spec_dir` into the SDK's generated modules
/// and endpoint reference ([`Target::SDK`]).
pub fn generate(spec_dir: &Path) -> Result<Vec<GeneratedFile>, Errors> {
    let files = yaml::load_dir(spec_dir)?;
    generate_from(&files)
}

/// Reads, validates and renders `root/target.spec_dir` into `target`'s output paths (relative
/// to `root`, like the spec directory).
pub fn generate_into(root: &Path, target: &Target<'_>) -> Result<Vec<GeneratedFile>, Errors> {
    let files = yaml::load_dir_as(&root.join(target.spec_dir), target.spec_dir)?;
    generate_from_into(&files, target)
}

/// The evidence summary of the spec directory: per level, how many endpoints, credential
/// choices, envelopes and fields stand there (the table `docs/endpoints.md` also holds).
pub fn evidence_summary(spec_dir: &Path) -> Result<String, Errors> {
    let files = yaml::load_dir(spec_dir)?;
    let model = validate::validate(&files)?;
    let mut out = format!(
        "{:<14} {:>9} {:>11} {:>9} {:>6}\n",
        "evidence", "endpoints", "credentials", "envelopes", "fields"
    );
    for l in render::context::summary(&model) {
        out.push_str(&format!(
            "{:<14} {:>9} {:>11} {:>9} {:>6}\n",
            l.level, l.endpoints, l.credentials, l.envelopes, l.fields
        ));
    }
    Ok(out)
}

/// Validates and renders already-loaded spec files for the SDK (used by tests and benchmarks).
pub fn generate_from(files: &[spec::LoadedFile]) -> Result<Vec<GeneratedFile>, Errors> {
    generate_from_into(files, &Target::SDK)
}

/// Validates and renders already-loaded spec files into `target`'s output paths.
pub fn generate_from_into(
    files: &[spec::LoadedFile],
    target: &Target<'_>,
) -> Result<Vec<GeneratedFile>, Errors> {
    let model = validate::validate(files)?;
    render::render_into(&model, target)
}
