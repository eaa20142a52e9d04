//! Where a spec item, key or entry sits in its file: the lines errors point at.

use super::*;

/// The 1-based lines of the items called `names` in `file`, each found after the previous one.
pub(super) fn item_lines<'a>(file: &LoadedFile, names: impl Iterator<Item = &'a str>) -> Vec<Option<usize>> {
    item_lines_by(file, "name", names)
}

/// The 1-based lines of the items whose `key` is each of `values`, each after the previous one.
pub(super) fn item_lines_by<'a>(
    file: &LoadedFile,
    key: &str,
    values: impl Iterator<Item = &'a str>,
) -> Vec<Option<usize>> {
    let lines: Vec<&str> = file.text.lines().collect();
    let mut after = 0;
    values
        .map(|n| {
            let line = crate::yaml::find_line_in(&lines, key, n, after);
            after = line.unwrap_or(after);
            line
        })
        .collect()
}

/// `file:line`, or `file` when the line is unknown.
pub(super) fn place(file: &LoadedFile, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{}:{l}", file.path),
        None => file.path.clone(),
    }
}

pub(super) fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The 0-based line range `[start, end)` of the list item whose `name:` is on 1-based `line`:
/// from its `- ` to the next line indented no deeper than that dash.
pub(super) fn block(text: &str, line: usize) -> (usize, usize) {
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
pub(super) fn has_key(line: &str, key: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").map_or(t, str::trim_start);
    t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'))
}

/// The 1-based line of the key path `path` (`request.type`; list indexes ignored) inside the
/// item whose `name:` is on `item_line`: each key is looked for after its parent.
pub(super) fn key_line(text: &str, item_line: usize, path: &str) -> Option<usize> {
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
pub(super) fn entry_line(text: &str, item_line: usize, key: &str, value: &str, nth: usize) -> Option<usize> {
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
