//! The spec the sandbox serves, read at start-up from the same YAML files the SDK is generated
//! from (compiled into the sandbox), validated by the generator's own validator. Routes, request
//! checks, credential placement and example answers all come from here; none of it is compiled
//! into the SDK.

use std::sync::OnceLock;

pub use spec_model::model::{
    AuthKind, Binding, Credential, Encoding, EnvelopeKind, Field, HttpMethod, Model, NamedType,
    Operation as Endpoint, Placement, RestBinding, Server, SignedBinding, Ty, TypeKind,
};

use crate::SandboxError;

/// Every file of `spec/`, by name (a test checks the list against the directory).
pub(crate) const FILES: &[(&str, &str)] = &[
    ("spec/alliance.yaml", include_str!("../../spec/alliance.yaml")),
    ("spec/captain.yaml", include_str!("../../spec/captain.yaml")),
    ("spec/doudian.yaml", include_str!("../../spec/doudian.yaml")),
    ("spec/doudian_colonel.yaml", include_str!("../../spec/doudian_colonel.yaml")),
    ("spec/doudian_creator.yaml", include_str!("../../spec/doudian_creator.yaml")),
    ("spec/oauth.yaml", include_str!("../../spec/oauth.yaml")),
    ("spec/sources.yaml", include_str!("../../spec/sources.yaml")),
    ("spec/webhooks.yaml", include_str!("../../spec/webhooks.yaml")),
];

/// The validated model of the spec, or why it does not validate (the spec is checked by
/// `cargo xtask codegen` before it ships, so this fails only in a build of inconsistent files).
pub fn model() -> Result<&'static Model, SandboxError> {
    static MODEL: OnceLock<Result<Model, String>> = OnceLock::new();
    let loaded = MODEL.get_or_init(|| {
        let files: Result<Vec<_>, _> =
            FILES.iter().map(|(name, text)| spec_model::yaml::parse_str(name, text)).collect();
        files
            .map_err(spec_model::Errors::from)
            .and_then(|f| spec_model::validate::validate(&f))
            .map_err(|e| e.to_string())
    });
    loaded.as_ref().map_err(|e| SandboxError::Spec(e.clone()))
}

/// The endpoint called `name`.
pub fn endpoint(name: &str) -> Option<&'static Endpoint> {
    model().ok()?.endpoints.iter().find(|e| e.name == name)
}

/// The REST binding of `ep`, when it is a REST call.
pub fn rest(ep: &Endpoint) -> Option<&RestBinding> {
    match &ep.binding {
        Binding::Rest(r) => Some(r),
        Binding::Signed(_) => None,
    }
}

/// The named type called `name`.
pub(crate) fn named_type(name: &str) -> Option<&'static NamedType> {
    model().ok()?.types.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_spec_file_is_compiled_in() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".yaml"))
            .map(|n| format!("spec/{n}"))
            .collect();
        on_disk.sort();
        let compiled: Vec<&str> = super::FILES.iter().map(|(n, _)| *n).collect();
        assert_eq!(compiled, on_disk, "add every spec file to sandbox/src/spec.rs");
        assert!(!super::model().unwrap().endpoints.is_empty());
    }
}
