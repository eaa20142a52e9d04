//! Where a spec item, key or entry sits in its file: the lines errors point at. The one place
//! that reads positions from the YAML text (serde_yaml gives a line only to its own errors).

use crate::spec::LoadedFile;

/// The 1-based lines of the items called `names` in `file`, each found after the previous one.
pub(crate) fn item_lines<'a>(file: &LoadedFile, names: impl Iterator<Item = &'a str>) -> Vec<Option<usize>> {
    item_lines_by(file, "name", names)
}

/// The 1-based lines of the items whose `key` is each of `values`, each after the previous one.
pub(crate) fn item_lines_by<'a>(
    file: &LoadedFile,
    key: &str,
    values: impl Iterator<Item = &'a str>,
) -> Vec<Option<usize>> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut after = 0;
    values
        .map(|n| {
            let line = find_line_in(&lines, key, n, after);
            after = line.unwrap_or(after);
            line
        })
        .collect()
}

/// `file:line`, or `file` when the line is unknown.
pub(crate) fn place(file: &LoadedFile, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{}:{l}", file.path),
        None => file.path.clone(),
    }
}

pub(crate) fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The 0-based line range `[start, end)` of the list item whose `name:` is on 1-based `line`:
/// from its `- ` to the next line indented no deeper than that dash.
pub(crate) fn block(text: &str, line: usize) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = line.saturating_sub(1).min(lines.len().saturating_sub(1));
    let own = lines.get(start).map_or(0, |l| indent(l));
    if !lines.get(start).is_some_and(|l| l.trim_start().starts_with("- ")) {
        // `name:` is not the item's first key: walk back to the item's dash.
        if let Some(i) = (0..start).rev().find(|&i| {
            let l = lines[i];
            l.trim_start().starts_with("- ") && indent(l) < own
        }) {
            start = i;
        }
    }
    let dash = lines.get(start).map_or(0, |l| indent(l));
    let end = (start + 1..lines.len())
        .find(|&i| {
            let t = lines[i].trim_start();
            !t.is_empty() && !t.starts_with('#') && indent(lines[i]) <= dash
        })
        .unwrap_or(lines.len());
    (start, end)
}

/// Whether `line` (after any list dash) starts with `key:`.
pub(crate) fn has_key(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").map_or(t, str::trim_start);
    t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'))
}

/// The 1-based line of the key path `path` (`request.type`; list indexes ignored) inside the
/// item whose `name:` is on `item_line`: each key is looked for after its parent.
pub(crate) fn key_line(text: &str, item_line: usize, path: &str) -> Option<usize> {
    let (start, end) = block(text, item_line);
    let lines: Vec<&str> = text.lines().collect();
    let mut from = start;
    let mut found = None;
    for key in path.split('.') {
        let key = key.split('[').next().unwrap_or(key);
        let i = (from..end).find(|&i| has_key(lines[i], key))?;
        found = Some(i + 1);
        from = i + 1;
    }
    found
}

/// The 1-based line of the `nth` (1-based) `key: value` entry inside the item on `item_line`.
pub(crate) fn entry_line(text: &str, item_line: usize, key: &str, value: &str, nth: usize) -> Option<usize> {
    let (start, end) = block(text, item_line);
    let mut after = start;
    let mut found = None;
    for _ in 0..nth.max(1) {
        let l = find_line(text, key, value, after).filter(|&l| l <= end)?;
        // The item's own `name:` is not one of its fields.
        let l = if l == item_line && key == "name" {
            find_line(text, key, value, l).filter(|&l| l <= end)?
        } else {
            l
        };
        found = Some(l);
        after = l;
    }
    found
}

/// Finds the 1-based line of the first `key: <value>` entry after line `after` (a best effort
/// used for semantic errors, which serde cannot place). The entry may open a flow mapping,
/// `- {key: value, ...}`.
pub(crate) fn find_line(text: &str, key: &str, value: &str, after: usize) -> Option<usize> {
    text.lines().enumerate().skip(after).find_map(|(i, line)| is_entry(line, key, value).then_some(i + 1))
}

/// Like [`find_line`] over lines already split, so repeated searches cost no re-scanning.
pub(crate) fn find_line_in(lines: &[&str], key: &str, value: &str, after: usize) -> Option<usize> {
    lines.iter().enumerate().skip(after).find_map(|(i, line)| is_entry(line, key, value).then_some(i + 1))
}

/// Whether `line` is the entry `key: value` (also `- key: value` and `- {key: value, ...}`).
fn is_entry(line: &str, key: &str, value: &str) -> bool {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let (t, flow) = match t.strip_prefix('{') {
        Some(inner) => (inner.trim_start(), true),
        None => (t, false),
    };
    let Some(rest) = t.strip_prefix(key).and_then(|r| r.trim_start().strip_prefix(':')) else {
        return false;
    };
    let rest = rest.trim();
    let rest = if flow { rest.split([',', '}']).next().unwrap_or(rest).trim() } else { rest };
    rest.trim_matches(|c| c == '"' || c == '\'') == value
}
