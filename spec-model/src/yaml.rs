//! All YAML parsing lives here, so the file format's parser can be swapped in one place.

use std::path::Path;

use crate::error::{Errors, SpecError};
use crate::spec::{LoadedFile, SpecFile};

/// Reads every `*.yaml` file directly under `dir`, sorted by name, and parses each one.
/// Every file is parsed even when an earlier one fails, so one run reports all syntax errors.
/// Messages call a file `<last component of dir>/<file name>`, e.g. `spec/alliance.yaml`.
pub fn load_dir(dir: &Path) -> Result<Vec<LoadedFile>, Errors> {
    let base = dir.file_name().map(|b| b.to_string_lossy().into_owned()).unwrap_or_default();
    load_dir_as(dir, &base)
}

/// Like [`load_dir`], but messages call a file `<shown>/<file name>`: `shown` is how the
/// reader knows the directory, e.g. its path relative to the workspace root.
pub fn load_dir_as(dir: &Path, shown: &str) -> Result<Vec<LoadedFile>, Errors> {
    let listing = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SpecError::new(&listing, format!("cannot read the spec directory: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| SpecError::new(&listing, format!("cannot list: {e}")))?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = display_name(dir, shown, &path);
        match std::fs::read_to_string(&path) {
            Ok(text) => match parse_str(&name, &text) {
                Ok(f) => files.push(f),
                Err(e) => errors.push(e),
            },
            Err(e) => errors.push(SpecError::new(&name, format!("cannot read: {e}"))),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(Errors(errors))
    }
}

/// Parses one spec file's text; `name` is what messages call the file.
pub fn parse_str(name: &str, text: &str) -> Result<LoadedFile, SpecError> {
    let spec: SpecFile = if text.trim().is_empty() {
        SpecFile::default()
    } else {
        serde_yaml::from_str(text).map_err(|e| yaml_error(name, text, &e))?
    };
    Ok(LoadedFile { path: name.to_string(), text: text.to_string(), spec })
}

fn display_name(dir: &Path, shown: &str, path: &Path) -> String {
    match path.strip_prefix(dir) {
        Ok(rel) if shown.is_empty() => rel.display().to_string(),
        Ok(rel) => format!("{}/{}", shown.trim_end_matches('/'), rel.display()),
        Err(_) => path.display().to_string(),
    }
}

/// Turns serde_yaml's message into one that names the line, the endpoint or type (by its
/// `name:`, not its list index), the field and, for unknown keys, the keys that would be right.
fn yaml_error(file: &str, text: &str, e: &serde_yaml::Error) -> SpecError {
    let line = e.location().map(|l| l.line());
    let raw = e.to_string();
    // serde_yaml appends " at line X column Y"; the location is shown separately.
    let msg = match raw.find(" at line ") {
        Some(i) => &raw[..i],
        None => raw.as_str(),
    };
    // A shape error starts with the path of the value concerned: `endpoints[0].request: ...`.
    let (path, rest) = match msg.split_once(": ").and_then(|(p, r)| Some((parse_path(p)?, r))) {
        Some(found) => found,
        None => (Vec::new(), msg),
    };
    let (key, message, hint) = if let Some(r) = rest.strip_prefix("unknown field ") {
        let (key, expected) = match r.split_once(", expected ") {
            Some((k, x)) => (k, Some(x.to_string())),
            None => (r.split_once(',').map_or(r, |(k, _)| k), None),
        };
        // serde lists the keys it expected: "one of `a`, `b`" (or "`a`" alone).
        let near = expected.as_deref().map_or(String::new(), |x| {
            let keys = x.split(", ").map(|k| k.trim_start_matches("one of ").trim_matches('`'));
            crate::names::did_you_mean(&unquote(key), keys)
        });
        (Some(unquote(key)), format!("unknown key {key}{near}"), expected)
    } else if let Some(r) = rest.strip_prefix("missing field ") {
        (Some(unquote(r)), format!("missing required key {r}"), None)
    } else if path.is_empty() {
        (None, format!("YAML error: {rest}"), None)
    } else {
        (None, rest.to_string(), None)
    };
    let located = locate(text, &path, key.as_deref());
    let message = match (&located, msg.split_once(": ")) {
        // Not placed by name (the text does not parse as a whole): keep serde_yaml's path.
        (None, Some((p, _))) if !path.is_empty() => format!("{p}: {message}"),
        // A key inside a type's field: name it, the field is named by its `name:`.
        (Some((_, _, Some(key))), _) => format!("key `{key}`: {message}"),
        _ => message,
    };
    let mut err = SpecError::new(file, message).line(line);
    if let Some(h) = hint {
        err = err.hint(h);
    }
    if let Some((item, field, _)) = located {
        err = err.item(item);
        if let Some(f) = field {
            err = err.field(f);
        }
    }
    err
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('`').to_string()
}

/// One step of a serde_yaml value path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Parses `endpoints[0].request.inject[1]`; `None` when `s` is not such a path.
fn parse_path(s: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    for part in s.split('.') {
        let (key, mut indexes) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        steps.push(Step::Key(key.to_string()));
        while !indexes.is_empty() {
            let close = indexes.find(']')?;
            steps.push(Step::Index(indexes.get(1..close)?.parse().ok()?));
            indexes = &indexes[close + 1..];
            if !indexes.is_empty() && !indexes.starts_with('[') {
                return None;
            }
        }
    }
    Some(steps)
}

/// The endpoint or type a path points into (by its `name:`, else as `endpoints[i]`) and the
/// field: a dotted key path inside an endpoint or type, or the `name:` of a type's field.
/// `key` is the unknown or missing key the message is about, appended to a key path.
fn locate(text: &str, path: &[Step], key: Option<&str>) -> Option<(String, Option<String>, Option<String>)> {
    let [Step::Key(top), Step::Index(i), rest @ ..] = path else {
        return None;
    };
    // The shape error is in the item, so the text is valid YAML; the value is read only to find
    // the names that serde_yaml's path gives as list indexes.
    let doc: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    let item_value = doc.get(top.as_str())?.get(*i)?;
    let name_of = |v: &serde_yaml::Value| v.get("name").and_then(|n| n.as_str()).map(str::to_string);
    let item = name_of(item_value).unwrap_or_else(|| format!("{top}[{i}]"));
    if top == "types" {
        if let [Step::Key(fields), Step::Index(j), inner @ ..] = rest {
            if fields == "fields" {
                let field = item_value.get("fields").and_then(|f| f.get(*j)).and_then(name_of);
                return Some((item, Some(field.unwrap_or_else(|| format!("fields[{j}]"))), dotted(inner)));
            }
        }
    }
    let mut field = dotted(rest).unwrap_or_default();
    if let Some(k) = key {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(k);
    }
    Some((item, (!field.is_empty()).then_some(field), None))
}

/// `request.inject[1]`; `None` for an empty path.
fn dotted(steps: &[Step]) -> Option<String> {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    (!out.is_empty()).then_some(out)
}
