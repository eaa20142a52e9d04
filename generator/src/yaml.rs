//! All YAML parsing lives here, so the file format's parser can be swapped in one place.

use std::path::Path;

use crate::error::{Errors, SpecError};
use crate::spec::{LoadedFile, SpecFile};

/// Reads every `*.yaml` file directly under `dir`, sorted by name, and parses each one.
/// Every file is parsed even when an earlier one fails, so one run reports all syntax errors.
pub fn load_dir(dir: &Path) -> Result<Vec<LoadedFile>, Errors> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| SpecError::new(&shown, format!("cannot read the spec directory: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| SpecError::new(&shown, format!("cannot list: {e}")))?;
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let name = display_name(dir, &path);
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
        serde_yaml::from_str(text).map_err(|e| yaml_error(name, &e))?
    };
    Ok(LoadedFile { path: name.to_string(), text: text.to_string(), spec })
}

fn display_name(dir: &Path, path: &Path) -> String {
    let base = dir.file_name().map(Path::new).unwrap_or(Path::new(""));
    match path.strip_prefix(dir) {
        Ok(rel) => base.join(rel).display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// Turns serde_yaml's message into one that names the line and, for unknown keys, the choices.
fn yaml_error(file: &str, e: &serde_yaml::Error) -> SpecError {
    let line = e.location().map(|l| l.line());
    let raw = e.to_string();
    // serde_yaml appends " at line X column Y"; the location is shown separately.
    let msg = match raw.find(" at line ") {
        Some(i) => raw[..i].to_string(),
        None => raw,
    };
    let (message, hint) = if let Some(rest) = msg.strip_prefix("unknown field ") {
        // "unknown field `x`, expected one of `a`, `b`" (path prefix may precede it)
        split_expected("unknown key", rest)
    } else if let Some(i) = msg.find("unknown field ") {
        let (path, rest) = msg.split_at(i);
        let (m, h) = split_expected("unknown key", &rest["unknown field ".len()..]);
        (format!("{}{m}", path), h)
    } else if let Some(i) = msg.find("missing field ") {
        let (path, rest) = msg.split_at(i);
        (format!("{path}missing required key {}", &rest["missing field ".len()..]), None)
    } else {
        (format!("YAML error: {msg}"), None)
    };
    let mut err = SpecError::new(file, message).line(line);
    if let Some(h) = hint {
        err = err.hint(h);
    }
    err
}

fn split_expected(what: &str, rest: &str) -> (String, Option<String>) {
    match rest.split_once(", expected ") {
        Some((key, expected)) => (format!("{what} {key}"), Some(expected.to_string())),
        None => (format!("{what} {rest}"), None),
    }
}

/// Finds the 1-based line of the first `name: <value>` entry after line `after` (a best effort
/// used for semantic errors, which serde cannot place).
pub fn find_line(text: &str, key: &str, value: &str, after: usize) -> Option<usize> {
    text.lines().enumerate().skip(after).find_map(|(i, line)| {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        let rest = t.strip_prefix(key)?.trim_start().strip_prefix(':')?.trim();
        let rest = rest.trim_matches(|c| c == '"' || c == '\'');
        (rest == value).then_some(i + 1)
    })
}
