//! The Douyin Alliance API spec as data: `spec/*.yaml` read ([`yaml`], the file format in
//! [`spec`]), validated and resolved into a [`model::Model`] ([`validate`]: every error names
//! the file, line, item and field), and two models compared ([`diff`], for `cargo xtask
//! api-diff`).
//!
//! ```text
//! spec/*.yaml --yaml--> spec::LoadedFile --validate--> model::Model --diff--> diff::Report
//! ```
//!
//! Nothing here renders code: the generator (`douyin-alliance-codegen`), the sandbox and xtask
//! build on this crate, so none of them needs the others' dependencies.

pub mod diff;
pub mod edit;
pub mod error;
pub mod model;
pub mod names;
mod positions;
pub mod schema;
pub mod spec;
pub mod validate;
pub mod yaml;

pub use error::{Errors, Location, SpecError};

use std::path::Path;

/// Reads and validates the spec directory `dir` (files shown by their path under `dir`).
pub fn load(dir: &Path) -> Result<model::Model, Errors> {
    let files = yaml::load_dir(dir)?;
    validate::validate(&files)
}
