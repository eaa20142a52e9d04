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

/// One step of a path into a spec file: a mapping key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A node being followed by [`path_line`]: the lines `start..end`, its content starting at
/// column `col` of line `start` (after a list dash), or on one line after a `key:` when `inline`.
struct Node {
    start: usize,
    end: usize,
    col: usize,
    inline: bool,
}

/// The 1-based line of the node at `path` (`endpoints[0].request.type`): for a key, the line of
/// its `key:`; for a list index, the line of the item's `-`. Block collections are followed by
/// indentation; a flow collection (`{...}`, `[...]`) or a scalar is one node, so a path that goes
/// on into it ends on its line. `None` for the empty path or when the text has no such node.
pub(crate) fn path_line(text: &str, path: &[Step]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut node = Node { start: 0, end: lines.len(), col: 0, inline: false };
    let mut found = None;
    for step in path {
        // Content lines of the node: (index, column, text without indentation).
        let content = (node.start..node.end).filter_map(|i| {
            let line = if i == node.start { lines[i].get(node.col..)? } else { lines[i] };
            let t = line.trim_start();
            let col = if i == node.start { node.col } else { 0 } + indent(line);
            (!t.is_empty() && !t.starts_with('#') && t != "---").then_some((i, col, t))
        });
        let mut content = content.peekable();
        let &(_, first_col, first) = content.peek()?;
        if node.inline || first.starts_with(['{', '[']) {
            return found;
        }
        let (i, col, t) = match step {
            Step::Key(key) => content.find(|&(_, c, t)| c == first_col && has_key(t, key))?,
            Step::Index(n) => content.filter(|&(_, c, t)| c == first_col && is_dash(t)).nth(*n)?,
        };
        found = Some(i + 1);
        // Where the value ends: at the next line indented no deeper, except that a list may
        // be written at its key's own column (`fields:` then `- name: x` below it).
        let end = (i + 1..node.end)
            .find(|&j| {
                let (t, c) = (lines[j].trim_start(), indent(lines[j]));
                let ends = match step {
                    Step::Key(_) => c < col || (c == col && !is_dash(t)),
                    Step::Index(_) => c <= col,
                };
                !t.is_empty() && !t.starts_with('#') && ends
            })
            .unwrap_or(node.end);
        let after = match step {
            Step::Key(_) => t.split_once(':').map_or("", |(_, r)| r),
            Step::Index(_) => &t[1..],
        };
        let value = after.trim_start();
        let value_col = col + (t.len() - value.len());
        node = if value.is_empty() || value.starts_with('#') {
            Node { start: i + 1, end, col: 0, inline: false }
        } else {
            // A key's value on its own line is a scalar or a flow collection; an item's is
            // its first key (`- name: x`) or the whole item (`- {name: x}`).
            Node { start: i, end, col: value_col, inline: matches!(step, Step::Key(_)) }
        };
    }
    found
}

/// Whether `t` (a line without its indentation) starts a list item.
fn is_dash(t: &str) -> bool {
    t == "-" || t.starts_with("- ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &str) -> Option<usize> {
        // `types.1.fields.0.doc`: numbers are list indexes.
        let steps: Vec<Step> = path
            .split('.')
            .map(|s| s.parse().map_or_else(|_| Step::Key(s.to_string()), Step::Index))
            .collect();
        path_line(text, &steps)
    }

    const TEXT: &str = "# a comment
endpoints:
  - name: a
    request:
      encoding: json
      inject:
        - {name: k, from: client_key}
        - name: s

          from: client_secret
    doc: |
      - name: not an item
types:
- name: A
  fields:
  - name: x
    type: i64
  doc: A.
- {name: B, doc: B.}
";

    #[test]
    fn a_path_is_followed_by_indentation_to_its_line() {
        assert_eq!(at(TEXT, "endpoints"), Some(2));
        assert_eq!(at(TEXT, "endpoints.0"), Some(3));
        assert_eq!(at(TEXT, "endpoints.0.name"), Some(3));
        assert_eq!(at(TEXT, "endpoints.0.request.encoding"), Some(5));
        assert_eq!(at(TEXT, "endpoints.0.request.inject.1.from"), Some(10));
        assert_eq!(at(TEXT, "endpoints.0.doc"), Some(11));
        // Lists written at their key's column, and a key after such a list.
        assert_eq!(at(TEXT, "types.0.fields.0.type"), Some(17));
        assert_eq!(at(TEXT, "types.0.doc"), Some(18));
        assert_eq!(at(TEXT, "types.1"), Some(19));
    }

    #[test]
    fn a_path_into_a_flow_collection_or_a_scalar_ends_on_its_line() {
        assert_eq!(at(TEXT, "endpoints.0.request.inject.0.from"), Some(7));
        assert_eq!(at(TEXT, "types.1.doc"), Some(19));
        assert_eq!(at(TEXT, "endpoints.0.request.encoding.x"), Some(5));
    }

    #[test]
    fn a_path_the_text_lacks_has_no_line() {
        assert_eq!(at(TEXT, "events"), None);
        assert_eq!(at(TEXT, "endpoints.1"), None);
        assert_eq!(at(TEXT, "endpoints.0.summary"), None);
        // A block scalar's text is not YAML structure.
        assert_eq!(at(TEXT, "endpoints.0.doc.0"), Some(11));
        assert_eq!(path_line(TEXT, &[]), None);
    }
}
