//! All YAML parsing lives here, so the file format's parser can be swapped in one place.
//!
//! A file is parsed to a [`serde_yaml::Value`] first (a syntax error is the file's one error),
//! then read item by item ([`items`]), so that every missing or unknown key of every item is
//! reported in one run; only a file without such errors is deserialized as a whole.

mod items;

use std::path::Path;

use serde_yaml::Value;

use crate::error::{Errors, SpecError};
use crate::positions::{path_line, Step};
use crate::spec::{LoadedFile, SpecFile};
use items::{Kind, Problem};

/// Reads every `*.yaml` file directly under `dir`, sorted by name, and parses each one.
/// Every file is parsed even when an earlier one fails, and every item of a file even when an
/// earlier one fails, so one run reports all syntax errors and all missing or unknown keys.
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
            Ok(text) => match parse_file(&name, &text) {
                Ok(f) => files.push(f),
                Err(e) => errors.extend(e.0),
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

/// Parses one spec file's text; `name` is what messages call the file. A file with errors
/// gives all of them: its syntax error, or every missing or unknown key and wrong value of
/// each of its items (in file order).
pub fn parse_file(name: &str, text: &str) -> Result<LoadedFile, Errors> {
    let loaded = |spec| LoadedFile { path: name.to_string(), text: text.to_string(), spec };
    if text.trim().is_empty() {
        return Ok(loaded(SpecFile::default()));
    }
    let root: Value = serde_yaml::from_str(text).map_err(|e| serde_error(name, text, &Value::Null, &e))?;
    if let Value::Mapping(m) = &root {
        let mut errors = Vec::new();
        for item in items::check_file(m) {
            let mut these: Vec<SpecError> =
                item.iter().map(|p| spec_error(name, text, &root, p, None)).collect();
            // serde finds an item's problems key by key, then nested keys, then missing keys.
            these.sort_by_key(|e| e.location.line);
            errors.extend(these);
        }
        if !errors.is_empty() {
            return Err(Errors(errors));
        }
    }
    // Every item reads on its own, so this reads too (the same call as before per-item reading,
    // so a valid spec loads exactly as it did); its error is a safety net.
    let spec = serde_yaml::from_str(text).map_err(|e| serde_error(name, text, &root, &e))?;
    Ok(loaded(spec))
}

/// Like [`parse_file`], but only the first of the file's errors (the one a reader of a single
/// file shows first): for callers that report one error per file.
pub fn parse_str(name: &str, text: &str) -> Result<LoadedFile, SpecError> {
    parse_file(name, text)
        .map_err(|e| e.0.into_iter().next().unwrap_or_else(|| SpecError::new(name, "the file does not load")))
}

fn display_name(dir: &Path, shown: &str, path: &Path) -> String {
    match path.strip_prefix(dir) {
        Ok(rel) if shown.is_empty() => rel.display().to_string(),
        Ok(rel) => format!("{}/{}", shown.trim_end_matches('/'), rel.display()),
        Err(_) => path.display().to_string(),
    }
}

/// A serde_yaml error of the whole file (syntax, or the safety net), placed on serde's line.
fn serde_error(file: &str, text: &str, root: &Value, e: &serde_yaml::Error) -> SpecError {
    spec_error(file, text, root, &items::classify(e), e.location().map(|l| l.line()))
}

/// A problem as a message naming the line, the endpoint or type (by its `name:`, not its list
/// index), the field and, for unknown keys, the keys that would be right. `line` is serde's, when
/// it has one; else the line of the key or item concerned, found in `text`.
fn spec_error(file: &str, text: &str, root: &Value, p: &Problem, line: Option<usize>) -> SpecError {
    let (key, message, hint) = match &p.kind {
        Kind::Unknown { key, expected } => {
            let near = expected
                .as_deref()
                .map_or(String::new(), |x| crate::names::did_you_mean(key, items::expected_keys(x)));
            (Some(key.as_str()), format!("unknown key `{key}`{near}"), expected.clone())
        }
        Kind::Missing { key } => (Some(key.as_str()), format!("missing required key `{key}`"), None),
        Kind::Other(m) if p.path.is_empty() => (None, format!("YAML error: {m}"), None),
        Kind::Other(m) => (None, m.clone(), None),
    };
    // An unknown key sits on its own line; a missing one is missing from the mapping at `path`.
    let line = line.or_else(|| {
        let own = match (&p.kind, key) {
            (Kind::Unknown { .. }, Some(k)) => {
                path_line(text, &[p.path.as_slice(), &[Step::Key(k.to_string())]].concat())
            }
            _ => None,
        };
        own.or_else(|| (0..=p.path.len()).rev().find_map(|n| path_line(text, &p.path[..n])))
    });
    let located = locate(root, &p.path, key);
    let message = match &located {
        // Not inside a named item (a top-level key, or the text does not parse): keep the path.
        None if !p.path.is_empty() => format!("{}: {message}", dotted(&p.path).unwrap_or_default()),
        // A key inside a type's field: name it, the field is named by its `name:`.
        Some((_, _, Some(inner))) => format!("key `{inner}`: {message}"),
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

/// The endpoint or type a path points into (by its `name:`, else as `endpoints[i]`) and the
/// field: a dotted key path inside an endpoint or type, or the `name:` of a type's field (then
/// with the key path inside that field). `key` is the unknown or missing key the message is
/// about, appended to a key path.
fn locate(
    root: &Value,
    path: &[Step],
    key: Option<&str>,
) -> Option<(String, Option<String>, Option<String>)> {
    let [Step::Key(top), Step::Index(i), rest @ ..] = path else {
        return None;
    };
    let item_value = root.get(top.as_str())?.get(*i)?;
    let name_of = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
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
