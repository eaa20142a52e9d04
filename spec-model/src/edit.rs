//! Edits of a spec file's text that keep everything else as written (comments, order, flow
//! mappings): a field added to a type, a field's type or evidence replaced, an endpoint's
//! response envelope replaced. What
//! `cargo xtask drift --patch` writes; each edit finds its place through [`crate::positions`].

use crate::positions::{block, find_line, has_key, indent, key_line};

/// The 1-based line of the type item `name:` under the file's `types:`.
fn type_line(text: &str, type_name: &str) -> Option<usize> {
    let types = text.lines().position(|l| l.trim_end() == "types:")?;
    find_line(text, "name", type_name, types + 1)
}

/// The 0-based line range of the field item `field` of `type_name`, and its dash's indent.
fn field_block(text: &str, type_name: &str, field: &str) -> Option<(usize, usize, usize)> {
    let t = type_line(text, type_name)?;
    let (_, end) = block(text, t);
    let line = find_line(text, "name", field, t).filter(|&l| l <= end)?;
    let (start, stop) = block(text, line);
    let dash = text.lines().nth(start).map_or(0, indent);
    Some((start, stop, dash))
}

fn join(lines: Vec<String>, trailing_newline: bool) -> String {
    let mut out = lines.join("\n");
    if trailing_newline {
        out.push('\n');
    }
    out
}

/// `text` with `field_yaml` (the field item's keys, one per line, unindented, the first being
/// `name: …`) added as the last field of `type_name`; `None` when the type or its `fields:` is
/// not found.
pub fn add_field(text: &str, type_name: &str, field_yaml: &str) -> Option<String> {
    let t = type_line(text, type_name)?;
    let (_, end) = block(text, t);
    let lines: Vec<&str> = text.lines().collect();
    let fields = (t - 1..end).find(|&i| has_key(lines[i], "fields"))?;
    let key_indent = indent(lines[fields]);
    // The fields list ends at the first line (not blank, not a comment) no deeper than `fields:`.
    let stop = (fields + 1..end)
        .find(|&i| {
            let s = lines[i].trim_start();
            !s.is_empty() && !s.starts_with('#') && indent(lines[i]) <= key_indent
        })
        .unwrap_or(end);
    // After the last non-blank line of the list.
    let at = (fields + 1..stop).rev().find(|&i| !lines[i].trim().is_empty()).map_or(fields + 1, |i| i + 1);
    let dash = (fields + 1..stop)
        .map(|i| lines[i])
        .find(|l| l.trim_start().starts_with("- "))
        .map_or(key_indent + 2, indent);
    let mut block: Vec<String> = Vec::new();
    for (n, l) in field_yaml.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let pad = if n == 0 { format!("{}- ", " ".repeat(dash)) } else { " ".repeat(dash + 2) };
        block.push(format!("{pad}{}", l.trim()));
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out.splice(at..at, block);
    Some(join(out, text.ends_with('\n')))
}

/// `text` with the `key:` line of field `field` of `type_name` set to `value` (replaced, or
/// added after the field's `type:` line); `None` when the field is not found.
pub fn set_field_key(text: &str, type_name: &str, field: &str, key: &str, value: &str) -> Option<String> {
    let (start, stop, dash) = field_block(text, type_name, field)?;
    let mut out: Vec<String> = text.lines().map(String::from).collect();
    let own = (start..stop).find(|&i| {
        let l = &out[i];
        has_key(l, key) && (indent(l) == dash + 2 || (i == start && l.trim_start().starts_with("- ")))
    });
    let line = format!("{}{key}: {value}", " ".repeat(dash + 2));
    match own {
        Some(i) if i == start => return None, // the dash line itself is `name:`, never the key
        Some(i) => out[i] = line,
        None => {
            let after = (start..stop).find(|&i| has_key(&out[i], "type")).unwrap_or(start);
            out.insert(after + 1, line);
        }
    }
    Some(join(out, text.ends_with('\n')))
}

/// `text` with the keys `envelope` and `evidence` of endpoint `endpoint`'s `response:` set to
/// `envelope` and `evidence` (each replaced, or added as the mapping's first keys); `None` when
/// the endpoint or its `response:` is not found.
pub fn set_response_envelope(text: &str, endpoint: &str, envelope: &str, evidence: &str) -> Option<String> {
    let endpoints = text.lines().position(|l| l.trim_end() == "endpoints:")?;
    let item = find_line(text, "name", endpoint, endpoints + 1)?;
    let (_, end) = block(text, item);
    let response = key_line(text, item, "response")? - 1;
    let mut out: Vec<String> = text.lines().map(String::from).collect();
    let own = indent(&out[response]);
    // The response mapping's own keys: the lines after `response:` deeper than it.
    let stop = (response + 1..end)
        .find(|&i| {
            let t = out[i].trim_start();
            !t.is_empty() && !t.starts_with('#') && indent(&out[i]) <= own
        })
        .unwrap_or(end);
    let child = (response + 1..stop).map(|i| indent(&out[i])).find(|&n| n > own)?;
    for (key, value) in [("evidence", evidence), ("envelope", envelope)] {
        let line = format!("{}{key}: {value}", " ".repeat(child));
        match (response + 1..stop).find(|&i| indent(&out[i]) == child && has_key(&out[i], key)) {
            Some(i) => out[i] = line,
            None => out.insert(response + 1, line),
        }
    }
    Some(join(out, text.ends_with('\n')))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# a comment\ntypes:\n  - name: Order\n    doc: An order.\n    fields:\n      - name: order_id\n        type: id\n        doc: Id.\n      - name: item_num\n        type: i64\n        doc: Items.\n        evidence: {level: guessed, note: x}\n\n  - name: Other\n    doc: Another.\n    fields:\n      - name: x\n        type: string\n        doc: X.\n";

    #[test]
    fn a_field_is_added_last_in_its_own_type() {
        let out = add_field(FILE, "Order", "name: ad_type\ntype: string\ndoc: Seen live.").unwrap();
        assert!(out.contains("        evidence: {level: guessed, note: x}\n      - name: ad_type\n        type: string\n        doc: Seen live.\n\n  - name: Other"), "{out}");
        assert!(out.starts_with("# a comment\n"));
        assert!(add_field(FILE, "Nope", "name: y").is_none());
    }

    #[test]
    fn a_response_envelope_is_replaced_with_its_evidence() {
        let file = "endpoints:\n  - name: a\n    response:\n      envelope: code_msg\n      type: A\n      example:\n        code: 0\n  - name: b\n    response:\n      envelope: code_msg\n      type: B\n";
        let out = set_response_envelope(file, "a", "status_code", "{level: observed}").unwrap();
        assert_eq!(
            out,
            "endpoints:\n  - name: a\n    response:\n      evidence: {level: observed}\n      envelope: status_code\n      type: A\n      example:\n        code: 0\n  - name: b\n    response:\n      envelope: code_msg\n      type: B\n"
        );
        let again = set_response_envelope(&out, "a", "err_no", "{level: observed, note: x}").unwrap();
        assert!(
            again.contains(
                "      evidence: {level: observed, note: x}\n      envelope: err_no\n      type: A\n"
            ),
            "{again}"
        );
        assert!(set_response_envelope(file, "nope", "x", "y").is_none());
    }

    #[test]
    fn a_field_key_is_replaced_or_added() {
        let out = set_field_key(FILE, "Order", "item_num", "type", "string").unwrap();
        assert!(out.contains("      - name: item_num\n        type: string\n"), "{out}");
        let out = set_field_key(&out, "Order", "order_id", "evidence", "{level: observed, sources: [live]}")
            .unwrap();
        assert!(
            out.contains(
                "        type: id\n        evidence: {level: observed, sources: [live]}\n        doc: Id.\n"
            ),
            "{out}"
        );
        let out = set_field_key(&out, "Order", "item_num", "evidence", "{level: observed, sources: [live]}")
            .unwrap();
        assert!(
            out.contains("        doc: Items.\n        evidence: {level: observed, sources: [live]}\n"),
            "{out}"
        );
        assert!(!out.contains("level: guessed"));
        assert!(set_field_key(FILE, "Order", "nope", "type", "x").is_none());
    }
}
