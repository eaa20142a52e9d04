//! ARCHITECTURE.md's invariant of the runtime, checked on its source: the hand-written runtime
//! (`sdk/src`, outside `generated/`) names no generated item and no endpoint of the spec.
//! Generated code implements the runtime's traits (`auth::TokenApi`, `webhook::Events`,
//! `ApiObject`); the runtime reaches it only through the re-exports of `lib.rs`, so a spec
//! change can never break the runtime's build.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("sdk/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "generated") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The file's code without comments and without its `#[cfg(test)]` module (tests may use the
/// generated API like any user).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    // Comment lines become blank, so line numbers stay the file's.
    text.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n")
}

/// The places the runtime may name generated code, each with its reason.
const ALLOWED: &[(&str, &str)] = &[
    // The crate root re-exports the generated modules: the one door to them.
    ("lib.rs", "pub use generated::endpoints::{self, ENDPOINTS};"),
    ("lib.rs", "pub use generated::types;"),
    // The receiver's default event type is the SDK's own `Event` (a spec without events still
    // generates it), so `WebhookReceiver::new` needs no type annotation.
    ("webhook/douyin.rs", "pub struct WebhookReceiver<E = crate::types::Event> {"),
];

#[test]
fn the_runtime_names_no_generated_item_and_no_endpoint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = codegen::yaml::load_dir(&root.join("spec")).expect("the spec loads");
    let model = codegen::validate::validate(&files).expect("the spec validates");
    let mut sources = Vec::new();
    rust_files(&root.join("sdk/src"), &mut sources);
    assert!(sources.len() > 20, "found only {} runtime files", sources.len());
    let mut found = Vec::new();
    for path in &sources {
        let rel = path.strip_prefix(root.join("sdk/src")).unwrap_or(path).display().to_string();
        let text = std::fs::read_to_string(path).expect("readable");
        for (n, line) in code(&text).lines().enumerate() {
            if ALLOWED.iter().any(|(f, l)| *f == rel && line.trim() == *l) {
                continue;
            }
            let generated = ["generated::", "crate::types", "super::types", "crate::endpoints"];
            for g in generated {
                if line.contains(g) {
                    found.push(format!("{rel}:{}: names generated code (`{g}`): {}", n + 1, line.trim()));
                }
            }
            for e in &model.endpoints {
                let (quoted, called) = (format!("\"{}\"", e.name), format!(".{}(", e.name));
                if line.contains(&quoted) || line.contains(&called) {
                    found.push(format!("{rel}:{}: names the endpoint `{}`: {}", n + 1, e.name, line.trim()));
                }
            }
            if line.contains("\"oauth_") {
                found.push(format!("{rel}:{}: decides by an endpoint name prefix: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "the runtime reaches into generated code:\n{}", found.join("\n"));
}
