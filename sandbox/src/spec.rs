//! The spec the sandbox serves, read at start-up from the same YAML files the SDK is generated
//! from (compiled into the sandbox), validated by the generator's own validator. Routes, request
//! checks, credential placement and example answers all come from here; none of it is compiled
//! into the SDK.

use std::sync::{Mutex, OnceLock};

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
    let loaded = MODEL.get_or_init(|| validated(FILES.iter().copied()));
    loaded.as_ref().map_err(|e| SandboxError::Spec(e.clone()))
}

/// The spec files `(name, text)` read and validated, or why not.
fn validated<'t>(files: impl Iterator<Item = (&'t str, &'t str)>) -> Result<Model, String> {
    let files: Result<Vec<_>, _> =
        files.map(|(name, text)| spec_model::yaml::parse_str(name, text)).collect();
    files
        .map_err(spec_model::Errors::from)
        .and_then(|f| spec_model::validate::validate(&f))
        .map_err(|e| e.to_string())
}

/// One text edit to the compiled-in spec, for a sandbox that plays a platform which changed
/// since the spec was written ([`crate::SandboxConfig::spec_edits`]): in `file` (`spec/alliance.yaml`),
/// the text `find`, which must occur exactly once, becomes `replace`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecEdit {
    /// The spec file, as `spec/NAME.yaml`.
    pub file: String,
    /// The text to replace; it must occur exactly once in the file.
    pub find: String,
    /// What it becomes.
    pub replace: String,
    /// What the edit plays (shown when it does not apply).
    #[serde(default)]
    pub why: String,
}

impl SpecEdit {
    /// A list of edits from YAML: a sequence of `{file, find, replace, why}`.
    pub fn list_from_yaml(text: &str) -> Result<Vec<SpecEdit>, SandboxError> {
        serde_yaml::from_str(text).map_err(|e| SandboxError::Spec(format!("the spec edits do not read: {e}")))
    }
}

/// The spec files of `dir` (every `*.yaml`), named `spec/NAME.yaml` as the compiled-in ones.
fn files_of(dir: &std::path::Path) -> Result<Vec<(String, String)>, SandboxError> {
    let fail =
        |e: std::io::Error| SandboxError::Spec(format!("cannot read the spec folder {}: {e}", dir.display()));
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail)? {
        let path = entry.map_err(fail)?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|n| n.ends_with(".yaml")) else {
            continue;
        };
        files.push((format!("spec/{name}"), std::fs::read_to_string(&path).map_err(fail)?));
    }
    files.sort();
    Ok(files)
}

/// The validated model of the spec in `dir` (else the compiled-in one) with `edits` made; the
/// compiled-in model itself when neither is given. Each distinct spec is read once and kept
/// for the process, as the compiled-in model is.
pub(crate) fn model_with(
    dir: Option<&std::path::Path>,
    edits: &[SpecEdit],
) -> Result<&'static Model, SandboxError> {
    if edits.is_empty() && dir.is_none() {
        return model();
    }
    let mut texts: Vec<(String, String)> = match dir {
        Some(d) => files_of(d)?,
        None => FILES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect(),
    };
    for (i, edit) in edits.iter().enumerate() {
        let what = format!("spec edit {} ({})", i + 1, edit.why);
        let Some((_, text)) = texts.iter_mut().find(|(n, _)| *n == edit.file) else {
            return Err(SandboxError::Spec(format!("{what}: no spec file `{}`", edit.file)));
        };
        match text.matches(edit.find.as_str()).count() {
            1 => *text = text.replacen(edit.find.as_str(), &edit.replace, 1),
            n => {
                return Err(SandboxError::Spec(format!(
                    "{what}: its `find` text occurs {n} times in {}, not once:\n{}",
                    edit.file, edit.find
                )))
            }
        }
    }
    type Served = (Vec<(String, String)>, &'static Model);
    static SERVED: Mutex<Vec<Served>> = Mutex::new(Vec::new());
    let mut served = SERVED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, m)) = served.iter().find(|(t, _)| *t == texts) {
        return Ok(m);
    }
    let model = validated(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(|e| SandboxError::Spec(format!("the served spec does not validate:\n{e}")))?;
    let model: &'static Model = Box::leak(Box::new(model));
    served.push((texts, model));
    Ok(model)
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

#[cfg(test)]
mod tests {
    use super::SpecEdit;

    fn edit(find: &str, replace: &str) -> SpecEdit {
        SpecEdit {
            file: "spec/captain.yaml".into(),
            find: find.into(),
            replace: replace.into(),
            why: "t".into(),
        }
    }

    #[test]
    fn an_edit_applies_once_or_the_sandbox_says_which_does_not() {
        let e = super::model_with(None, &[edit("nowhere in the file", "x")]).unwrap_err().to_string();
        assert!(e.contains("spec edit 1 (t)") && e.contains("occurs 0 times in spec/captain.yaml"), "{e}");
        let e = super::model_with(None, &[edit("envelope: code_msg", "x")]).unwrap_err().to_string();
        assert!(e.contains("occurs 2 times"), "{e}");
        let e = super::model_with(None, &[SpecEdit { file: "spec/nope.yaml".into(), ..edit("a", "b") }])
            .unwrap_err();
        assert!(e.to_string().contains("no spec file `spec/nope.yaml`"), "{e}");
        let bad = edit("    path: /ecom/captain/mobile/task/detail\n", "    path: [not, a, path]\n");
        let e = super::model_with(None, &[bad]).unwrap_err().to_string();
        assert!(e.contains("the served spec does not validate") && e.contains("spec/captain.yaml"), "{e}");
        // The same edits give the same model, read once.
        let ok =
            [edit("summary: \"List the products of a colonel", "summary: \"Lists the products of a colonel")];
        let (a, b) = (super::model_with(None, &ok).unwrap(), super::model_with(None, &ok).unwrap());
        assert!(std::ptr::eq(a, b));
        assert!(!std::ptr::eq(a, super::model().unwrap()));
        // A spec folder on disk, the edits applying to it.
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in super::FILES {
            let text = text.replace("title_zh: 达人订单查询", "title_zh: 达人订单查询（磁盘）");
            std::fs::write(dir.path().join(name.trim_start_matches("spec/")), text).unwrap();
        }
        let m = super::model_with(Some(dir.path()), &ok).unwrap();
        let orders = m.endpoints.iter().find(|e| e.name == "kol_orders").unwrap();
        assert_eq!(orders.title_zh, "达人订单查询（磁盘）");
        let e = super::model_with(Some(&dir.path().join("nope")), &[]).unwrap_err().to_string();
        assert!(e.contains("cannot read the spec folder"), "{e}");
    }
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
